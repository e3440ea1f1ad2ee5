/*
 * libFuzzer target for the URI parser and comparison (uri.h) and the
 * name-addr parser built on it (hdr.h). The input is one URI, or two
 * separated by the first '\n' (corpus files use that form for comparison
 * pairs). Besides "no crash, no sanitizer report", every run checks the
 * contracts:
 *  - the return is 0 or -EBADMSG; on failure err.at lies inside the input
 *    or one past its end and err.rule is set; on success every slice lies
 *    inside the input;
 *  - a URI accepted under SP_URI_NO_OTHER / SP_URI_NO_HEADERS is accepted
 *    without them, and the parses of one input are equal to each other;
 *  - sp_uri_equal is reflexive and symmetric;
 *  - unescaping never grows the user part and respects its capacity;
 *  - Contact q lies in -1..1000 and expires in -1..UINT32_MAX.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned uri_flags[] = {
    0,
    SP_URI_NO_OTHER,
    SP_URI_NO_HEADERS,
    SP_URI_NO_OTHER | SP_URI_NO_HEADERS,
};
#define NFLAGS (sizeof(uri_flags) / sizeof(uri_flags[0]))

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* s is absent, or lies entirely inside in. */
static void inside(struct sp_str in, struct sp_str s)
{
	if (!s.p)
		return;
	check(s.p >= in.p && s.len <= in.len && (size_t)(s.p - in.p) <= in.len - s.len);
}

static void failed(struct sp_str in, int rc, const struct sp_parse_error *err)
{
	check(rc == -EBADMSG);
	check(err->rule != NULL);
	check(err->at >= in.p && err->at <= in.p + in.len);
}

static void params(struct sp_str in, struct sp_str list)
{
	struct sp_param prm;
	size_t n = 0;
	inside(in, list);
	while (sp_param_next(&list, &prm)) {
		inside(in, prm.name);
		inside(in, prm.value);
		check(++n <= in.len);
	}
}

static void uri_ok(struct sp_str in, const struct sp_uri *u)
{
	check(u->raw.p == in.p && u->raw.len == in.len);
	inside(in, u->scheme_raw);
	inside(in, u->user);
	inside(in, u->password);
	inside(in, u->hp.host);
	check(u->hp.has_port || u->hp.port == 0);
	params(in, u->params);
	inside(in, u->headers);
	inside(in, u->opaque);
	inside(in, u->transport);
	inside(in, u->user_param);
	inside(in, u->method);
	inside(in, u->maddr);
	inside(in, u->ttl);
	check(u->scheme == SP_URI_OTHER || u->opaque.p == NULL);
	check(sp_uri_scheme_name(u->scheme) != NULL);
	check(sp_uri_equal(u, u));

	/* Unescaping: never longer than the escaped form; one byte less
	 * room than needed is -ENOSPC. */
	if (u->user.len) {
		char *buf = malloc(u->user.len);
		check(buf != NULL);
		long n = sp_uri_unescape(buf, u->user.len, u->user);
		check(n >= 1 && (size_t)n <= u->user.len);
		check(sp_uri_unescape(buf, (size_t)n - 1, u->user) == -ENOSPC);
		check(sp_uri_unescaped_eq(u->user, u->user));
		free(buf);
	}
}

/* Parses in under every flag set; returns whether the flag-0 parse
 * succeeded (into *out). */
static bool parse_all(struct sp_str in, struct sp_uri *out)
{
	struct sp_uri u[NFLAGS];
	bool ok[NFLAGS];
	for (size_t i = 0; i < NFLAGS; i++) {
		struct sp_parse_error err = {0};
		int rc = sp_uri_parse(&u[i], in, uri_flags[i], &err);
		ok[i] = rc == 0;
		if (ok[i])
			uri_ok(in, &u[i]);
		else
			failed(in, rc, &err);
	}
	for (size_t i = 1; i < NFLAGS; i++) {
		/* Flags only ever reject more. */
		check(!ok[i] || ok[0]);
		if (ok[i]) {
			check(sp_uri_equal(&u[0], &u[i]));
			check(sp_uri_equal(&u[i], &u[0]));
		}
	}
	if (ok[0])
		*out = u[0];
	return ok[0];
}

static void nameaddr_all(struct sp_str in)
{
	static const unsigned na_flags[] = {0, SP_NA_STAR, SP_NA_ANGLE, SP_NA_STAR | SP_NA_ANGLE};
	for (size_t i = 0; i < sizeof(na_flags) / sizeof(na_flags[0]); i++) {
		struct sp_nameaddr na;
		struct sp_parse_error err = {0};
		int rc = sp_nameaddr_parse(&na, in, na_flags[i], &err);
		if (rc) {
			failed(in, rc, &err);
			continue;
		}
		inside(in, na.display);
		inside(in, na.tag);
		params(in, na.params);
		check(!na.star || (na_flags[i] & SP_NA_STAR));
		check(na.angle || !(na_flags[i] & SP_NA_ANGLE) || na.star);
		if (!na.star) {
			inside(in, na.uri_raw);
			uri_ok(na.uri_raw, &na.uri);
		}
		int q = sp_contact_q(&na);
		check(q >= -1 && q <= 1000);
		int64_t e = sp_contact_expires(&na);
		check(e >= -1 && e <= (int64_t)UINT32_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_str all = {(const char *)data, size};
	struct sp_uri ua, ub;
	const char *nl = size ? memchr(data, '\n', size) : NULL;

	parse_all(all, &ua);
	nameaddr_all(all);
	if (!nl)
		return 0;

	struct sp_str a = sp_str_span(all.p, nl);
	struct sp_str b = sp_str_span(nl + 1, all.p + size);
	bool oka = parse_all(a, &ua), okb = parse_all(b, &ub);
	if (oka && okb)
		check(sp_uri_equal(&ua, &ub) == sp_uri_equal(&ub, &ua));
	nameaddr_all(a);
	nameaddr_all(b);
	return 0;
}
