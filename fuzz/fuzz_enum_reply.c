/*
 * libFuzzer target for the DNS answers ENUM and RFC 3263 resolution parse
 * (src/dns/wire.c): the input is one DNS response message, untrusted like
 * anything from the network. It is parsed as the answer to NAPTR, SRV, A
 * and AAAA queries for 4.3.2.1.e164.arpa (the seeds answer that name;
 * other owners exercise the skipping), and a NAPTR set then goes through
 * the ENUM steps: order and preference, and each "u" record's regexp
 * applied to the AUS +1234 (sp_dns_naptr_subst). Checks:
 *  - the result is a set, -EBADMSG, -EAGAIN or -ENOMEM;
 *  - a positive set has 1..256 records, a negative one none; its status
 *    is 0, -ENOENT or -ENODATA;
 *  - every name and string in a set is NUL-terminated at its length, and
 *    SRV targets / NAPTR replacements are "" or valid host names;
 *  - the NAPTR order is a sorted permutation; SRV order a subset.
 * The internal header is included directly: the parser is not public API.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/dns/dns_int.h"
#include "siphon/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void str_ok(struct sp_str s)
{
	check(s.p != NULL && s.p[s.len] == 0 && s.len <= 255);
}

static void name_ok(const char *s)
{
	size_t n = strlen(s);
	check(n == 0 || sp__dns_name_valid(s, n));
}

static void one(const uint8_t *data, size_t size, uint16_t type)
{
	struct sp__dns_rrset *rs = NULL;
	int rc = sp__dns_parse(data, size, "4.3.2.1.e164.arpa", type, &rs);
	check(rc == 0 || rc == -EBADMSG || rc == -EAGAIN || rc == -ENOMEM);
	if (rc)
		return;
	check(rs->type == type);
	check(rs->status == 0 || rs->status == -ENOENT || rs->status == -ENODATA);
	check(rs->status == 0 ? (rs->n >= 1 && rs->n <= 256) : rs->n == 0);

	unsigned idx[256];
	uint64_t rng = 1;
	if (type == SP__DNS_SRV) {
		for (unsigned i = 0; i < rs->n; i++)
			name_ok(rs->rr[i].u.srv.target);
		for (int det = 0; det < 2; det++) {
			unsigned n = sp__dns_srv_order(rs, det, &rng, idx);
			check(n <= rs->n);
			for (unsigned i = 0; i < n; i++) {
				check(idx[i] < rs->n && rs->rr[idx[i]].u.srv.target[0]);
				if (i)
					check(rs->rr[idx[i - 1]].u.srv.priority <=
					      rs->rr[idx[i]].u.srv.priority);
			}
		}
	} else if (type == SP__DNS_NAPTR) {
		unsigned n = sp__dns_naptr_order(rs, idx);
		check(n == rs->n);
		for (unsigned i = 0; i < n; i++) {
			const struct sp__dns_rr *r = &rs->rr[idx[i]];
			str_ok(r->u.naptr.flags);
			str_ok(r->u.naptr.services);
			str_ok(r->u.naptr.regexp);
			name_ok(r->u.naptr.replacement);
			if (i) {
				const struct sp__dns_rr *p = &rs->rr[idx[i - 1]];
				check(p->u.naptr.order < r->u.naptr.order ||
				      (p->u.naptr.order == r->u.naptr.order &&
				       p->u.naptr.pref <= r->u.naptr.pref));
			}
			if (!sp_str_caseeq_c(r->u.naptr.flags, "u"))
				continue;
			char out[SP_DNS_ENUM_URI_MAX + 1];
			long len = sp_dns_naptr_subst(r->u.naptr.regexp, SP_STR("+1234"), out,
						      sizeof(out));
			check(len < 0 || out[len] == 0);
		}
	}
	sp_mem_deref(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy per type would be the same bytes: one is enough
	 * (the replay driver and libFuzzer both hand over exact buffers). */
	one(data, size, SP__DNS_NAPTR);
	one(data, size, SP__DNS_SRV);
	one(data, size, SP__DNS_A);
	one(data, size, SP__DNS_AAAA);
	return 0;
}
