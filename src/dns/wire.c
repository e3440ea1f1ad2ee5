/*
 * DNS messages (RFC 1035 §4) to record sets. c-ares sends the queries and
 * matches the answers to them; the answer bytes are parsed here, because
 * the cache needs what c-ares' own parsers drop: the TTL of every record
 * (SRV and NAPTR replies carry none in c-ares 1.18) and the SOA of a
 * negative answer (RFC 2308 §5).
 *
 * The message is untrusted: every read is bounds-checked, compression
 * pointers must point backwards and are followed at most 64 times, names
 * are at most 255 octets. Two passes over the answer section, one to size
 * the set and one to fill it, so a set is one allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "siphon/mem.h"

#include "dns_int.h"

#define MAX_RR	  256 /* records kept per set; the rest are ignored */
#define MAX_CNAME 8   /* CNAME chain length followed in one answer */
#define MAX_HOPS  64  /* compression pointers followed in one name */

enum { RCODE_NOERROR = 0, RCODE_NXDOMAIN = 3, CLASS_IN = 1 };

struct msg {
	const uint8_t *p;
	size_t len;
};

/* One resource record's header; its data is p[rdoff, rdoff + rdlen). */
struct rr {
	char owner[SP__DNS_NAME_MAX + 3];
	uint16_t type, cls;
	uint32_t ttl;
	size_t rdoff, rdlen;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

bool sp__dns_name_valid(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > SP__DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!host_char((uint8_t)s[i]) || ++label > 63)
			return false;
	}
	return label > 0;
}

/* Reads the (possibly compressed, RFC 1035 §4.1.4) name at *off into
 * out[SP__DNS_NAME_MAX + 3] as dotted text without trailing dot ("" for
 * the root) and advances *off past it where it is written. *clean turns
 * false if a label holds a byte no host name has (such bytes come out as
 * '?', so they can never match a name we asked for). Returns 0 or
 * -EBADMSG. */
static int read_name(const struct msg *m, size_t *off, char *out, bool *clean)
{
	size_t pos = *off, n = 0, wire = 1;
	unsigned hops = 0;
	bool jumped = false;

	*clean = true;
	for (;;) {
		if (pos >= m->len)
			return -EBADMSG;
		uint8_t c = m->p[pos];
		if ((c & 0xC0) == 0xC0) {
			if (pos + 1 >= m->len)
				return -EBADMSG;
			size_t ptr = (size_t)(c & 0x3F) << 8 | m->p[pos + 1];
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			/* Backwards only, and few: no loops. */
			if (ptr >= pos || ++hops > MAX_HOPS)
				return -EBADMSG;
			pos = ptr;
			continue;
		}
		if (c & 0xC0) /* 0x40 / 0x80: extended label types (RFC 6891 §5) */
			return -EBADMSG;
		pos++;
		if (c == 0)
			break;
		wire += 1u + c;
		if (wire > 255 || c > m->len - pos)
			return -EBADMSG;
		if (n)
			out[n++] = '.';
		for (unsigned i = 0; i < c; i++) {
			uint8_t b = m->p[pos + i];
			if (!host_char(b)) {
				*clean = false;
				b = '?';
			}
			out[n++] = (char)b;
		}
		pos += c;
	}
	if (!jumped)
		*off = pos;
	out[n] = 0;
	return 0;
}

/* Reads one RR header at *off and skips its data. */
static int read_rr(const struct msg *m, size_t *off, struct rr *rr)
{
	bool clean;
	int rc = read_name(m, off, rr->owner, &clean);
	if (rc)
		return rc;
	if (m->len - *off < 10)
		return -EBADMSG;
	const uint8_t *p = m->p + *off;
	rr->type = get16(p);
	rr->cls = get16(p + 2);
	rr->ttl = get32(p + 4);
	if (rr->ttl & 0x80000000u) /* RFC 2181 §8 */
		rr->ttl = 0;
	rr->rdlen = get16(p + 8);
	rr->rdoff = *off + 10;
	if (rr->rdlen > m->len - rr->rdoff)
		return -EBADMSG;
	*off = rr->rdoff + rr->rdlen;
	return 0;
}

/* A name inside RDATA: must end inside the data. */
static int rd_name(const struct msg *m, size_t *off, size_t end, char *out, bool *clean)
{
	int rc = read_name(m, off, out, clean);
	return rc ? rc : (*off > end ? -EBADMSG : 0);
}

/* A <character-string> (RFC 1035 §3.3) inside RDATA. */
static int rd_string(const struct msg *m, size_t *off, size_t end, struct sp_str *s)
{
	if (*off >= end)
		return -EBADMSG;
	size_t n = m->p[*off];
	if (n > end - *off - 1)
		return -EBADMSG;
	s->p = (const char *)m->p + *off + 1;
	s->len = n;
	*off += 1 + n;
	return 0;
}

/* The decoded data of one record of the wanted type. */
struct rdata {
	struct sp__dns_rr rr;
	char name[SP__DNS_NAME_MAX + 3]; /* SRV target / NAPTR replacement */
	bool usable;
	size_t pool; /* bytes of strings it needs */
};

static int decode(const struct msg *m, const struct rr *rr, struct rdata *out)
{
	size_t off = rr->rdoff, end = rr->rdoff + rr->rdlen;
	const uint8_t *p = m->p + off;
	int rc;

	out->usable = true;
	out->pool = 0;
	switch (rr->type) {
	case SP__DNS_A:
		if (rr->rdlen != 4)
			return -EBADMSG;
		memcpy(&out->rr.u.a, p, 4);
		return 0;
	case SP__DNS_AAAA:
		if (rr->rdlen != 16)
			return -EBADMSG;
		memcpy(&out->rr.u.aaaa, p, 16);
		return 0;
	case SP__DNS_SRV: /* RFC 2782 */
		if (rr->rdlen < 7)
			return -EBADMSG;
		out->rr.u.srv.priority = get16(p);
		out->rr.u.srv.weight = get16(p + 2);
		out->rr.u.srv.port = get16(p + 4);
		off += 6;
		rc = rd_name(m, &off, end, out->name, &out->usable);
		if (rc || off != end)
			return -EBADMSG;
		out->pool = strlen(out->name) + 1;
		return 0;
	case SP__DNS_NAPTR: /* RFC 3403 §4.1 */
		if (rr->rdlen < 8)
			return -EBADMSG;
		out->rr.u.naptr.order = get16(p);
		out->rr.u.naptr.pref = get16(p + 2);
		off += 4;
		if (rd_string(m, &off, end, &out->rr.u.naptr.flags) ||
		    rd_string(m, &off, end, &out->rr.u.naptr.services) ||
		    rd_string(m, &off, end, &out->rr.u.naptr.regexp))
			return -EBADMSG;
		rc = rd_name(m, &off, end, out->name, &out->usable);
		if (rc || off != end)
			return -EBADMSG;
		out->pool = out->rr.u.naptr.flags.len + out->rr.u.naptr.services.len +
			    out->rr.u.naptr.regexp.len + strlen(out->name) + 4;
		return 0;
	}
	return -EBADMSG;
}

/* Copies s into the pool at *pool; returns it as a NUL-terminated slice. */
static struct sp_str pool_put(char **pool, const char *s, size_t len)
{
	char *d = *pool;
	if (len)
		memcpy(d, s, len);
	d[len] = 0;
	*pool += len + 1;
	return (struct sp_str){d, len};
}

/* min(SOA TTL, SOA MINIMUM) of the first SOA in the authority section
 * (RFC 2308 §5), or SP__DNS_TTL_NONE. */
static int negative_ttl(const struct msg *m, size_t off, unsigned nscount, uint32_t *ttl)
{
	struct rr rr;
	char name[SP__DNS_NAME_MAX + 3];
	bool clean;

	*ttl = SP__DNS_TTL_NONE;
	for (unsigned i = 0; i < nscount; i++) {
		int rc = read_rr(m, &off, &rr);
		if (rc)
			return rc;
		if (rr.type != SP__DNS_SOA || rr.cls != CLASS_IN || *ttl != SP__DNS_TTL_NONE)
			continue;
		size_t p = rr.rdoff, end = rr.rdoff + rr.rdlen;
		if (rd_name(m, &p, end, name, &clean) || rd_name(m, &p, end, name, &clean) ||
		    end - p != 20)
			return -EBADMSG;
		uint32_t minimum = get32(m->p + p + 16);
		*ttl = rr.ttl < minimum ? rr.ttl : minimum;
	}
	return 0;
}

int sp__dns_parse(const uint8_t *buf, size_t len, const char *qname, uint16_t qtype,
		  struct sp__dns_rrset **out)
{
	struct msg m = {buf, len};
	struct rr rr;
	struct rdata rd;
	char cur[SP__DNS_NAME_MAX + 3];
	bool clean;
	int rc;

	if (len < 12 || !(buf[2] & 0x80)) /* RFC 1035 §4.1.1: QR set */
		return -EBADMSG;
	unsigned rcode = buf[3] & 0x0F;
	unsigned qd = get16(buf + 4), an = get16(buf + 6), ns = get16(buf + 8);
	size_t off = 12;
	for (unsigned i = 0; i < qd; i++) {
		if ((rc = read_name(&m, &off, cur, &clean)) != 0)
			return rc;
		if (len - off < 4)
			return -EBADMSG;
		off += 4;
	}
	size_t an_off = off;

	/* Every answer record is well-formed; the authority section starts
	 * after them. */
	for (unsigned i = 0; i < an; i++)
		if ((rc = read_rr(&m, &off, &rr)) != 0)
			return rc;
	size_t ns_off = off;

	if (rcode != RCODE_NOERROR && rcode != RCODE_NXDOMAIN)
		return -EAGAIN;

	/* Follow the CNAME chain from qname (RFC 1034 §3.6.2). */
	uint32_t ttl = UINT32_MAX;
	size_t qlen = strlen(qname);
	if (qlen > SP__DNS_NAME_MAX)
		return -EBADMSG;
	memcpy(cur, qname, qlen + 1);
	for (unsigned hop = 0; hop < MAX_CNAME && qtype != SP__DNS_CNAME; hop++) {
		bool found = false;
		off = an_off;
		for (unsigned i = 0; i < an && !found; i++) {
			read_rr(&m, &off, &rr);
			if (rr.type != SP__DNS_CNAME || rr.cls != CLASS_IN ||
			    strcasecmp(rr.owner, cur) != 0)
				continue;
			size_t p = rr.rdoff;
			if (rd_name(&m, &p, rr.rdoff + rr.rdlen, cur, &clean))
				return -EBADMSG;
			if (!clean)
				cur[0] = 0; /* matches nothing */
			ttl = rr.ttl < ttl ? rr.ttl : ttl;
			found = true;
		}
		if (!found)
			break;
	}

	/* Size pass. */
	unsigned n = 0;
	size_t pool = 0;
	off = an_off;
	for (unsigned i = 0; i < an && n < MAX_RR; i++) {
		read_rr(&m, &off, &rr);
		if (rr.type != qtype || rr.cls != CLASS_IN || strcasecmp(rr.owner, cur) != 0)
			continue;
		if ((rc = decode(&m, &rr, &rd)) != 0)
			return rc;
		if (!rd.usable)
			continue;
		n++;
		pool += rd.pool;
		ttl = rr.ttl < ttl ? rr.ttl : ttl;
	}
	if (rcode == RCODE_NXDOMAIN) { /* RFC 6604 §3: about the chain's end */
		n = 0;
		pool = 0;
	}

	struct sp__dns_rrset *rs =
	    sp_mem_zalloc(sizeof(*rs) + n * sizeof(struct sp__dns_rr) + pool, NULL);
	if (!rs)
		return -ENOMEM;
	rs->type = qtype;
	if (n == 0) {
		uint32_t neg;
		if ((rc = negative_ttl(&m, ns_off, ns, &neg)) != 0) {
			sp_mem_deref(rs);
			return rc;
		}
		rs->status = rcode == RCODE_NXDOMAIN ? -ENOENT : -ENODATA;
		rs->ttl = neg == SP__DNS_TTL_NONE ? neg : (neg < ttl ? neg : ttl);
		*out = rs;
		return 0;
	}

	/* Fill pass: the same records, in answer order. */
	char *pp = (char *)&rs->rr[n];
	off = an_off;
	for (unsigned i = 0; i < an && rs->n < n; i++) {
		read_rr(&m, &off, &rr);
		if (rr.type != qtype || rr.cls != CLASS_IN || strcasecmp(rr.owner, cur) != 0)
			continue;
		decode(&m, &rr, &rd);
		if (!rd.usable)
			continue;
		struct sp__dns_rr *r = &rs->rr[rs->n++];
		*r = rd.rr;
		if (qtype == SP__DNS_SRV) {
			r->u.srv.target = pool_put(&pp, rd.name, strlen(rd.name)).p;
		} else if (qtype == SP__DNS_NAPTR) {
			r->u.naptr.flags =
			    pool_put(&pp, rd.rr.u.naptr.flags.p, rd.rr.u.naptr.flags.len);
			r->u.naptr.services =
			    pool_put(&pp, rd.rr.u.naptr.services.p, rd.rr.u.naptr.services.len);
			r->u.naptr.regexp =
			    pool_put(&pp, rd.rr.u.naptr.regexp.p, rd.rr.u.naptr.regexp.len);
			r->u.naptr.replacement = pool_put(&pp, rd.name, strlen(rd.name)).p;
		}
	}
	rs->status = 0;
	rs->ttl = ttl;
	*out = rs;
	return 0;
}
