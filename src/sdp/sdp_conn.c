/*
 * Connection data: the c= line (RFC 8866 §5.7), shared with the address
 * part of a=rtcp (RFC 3605 §2.1), and the lookups a media layer needs
 * (which c= applies to a stream, RFC 2543 hold addresses).
 */
#include <arpa/inet.h>
#include <string.h>

#include "sdp_int.h"

/* inet_pton over a slice (needs a NUL-terminated copy). */
static bool is_literal(struct sp_str host, int af)
{
	char tmp[64];
	unsigned char bin[16];
	if (!sp__sdp_copy(tmp, sizeof(tmp), host))
		return false;
	return inet_pton(af, tmp, bin) == 1;
}

/* FQDN = 4*(alpha-numeric / "-" / ".") (RFC 8866 §9); we accept any
 * length of at least one, as RFC 3264 §10 writes "host.anywhere.com". */
static bool is_fqdn(struct sp_str host)
{
	if (!host.len)
		return false;
	for (size_t i = 0; i < host.len; i++) {
		unsigned char c = (unsigned char)host.p[i];
		if (!(sp_is(c, SP_C_ALPHA | SP_C_DIGIT) || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* "/" integer after a connection address: 1*DIGIT up to max. */
static int suffix(const char **pp, const char *end, uint64_t max, unsigned *out,
		  struct sp_parse_error *err, const char *rule)
{
	const char *p = *pp + 1, *s = p;
	uint64_t v;
	while (p < end && *p != '/')
		p++;
	if (!sp__sdp_num(sp_str_span(s, p), max, &v))
		return sp__sdp_fail(err, s, rule);
	*out = (unsigned)v;
	*pp = p;
	return 0;
}

int sp__sdp_conn_parse(struct sp_sdp_conn *c, const char *p, const char *end,
		       struct sp_parse_error *err)
{
	memset(c, 0, sizeof(*c));
	c->nettype = sp__sdp_field(&p, end);
	if (!sp__sdp_is_token(c->nettype))
		return sp__sdp_fail(err, c->nettype.p, "c= nettype");
	c->addrtype = sp__sdp_field(&p, end);
	if (!sp__sdp_is_token(c->addrtype))
		return sp__sdp_fail(err, c->addrtype.p, "c= addrtype");
	c->addr = sp__sdp_field(&p, end);
	if (!c->addr.len)
		return sp__sdp_fail(err, c->addr.p, "c= connection-address");
	struct sp_str extra = sp__sdp_field(&p, end);
	if (extra.len)
		return sp__sdp_fail(err, extra.p, "c= (extra field)");

	const char *a = c->addr.p, *aend = a + c->addr.len, *q = a;
	bool in = sp_str_eq(c->nettype, SP_STR("IN"));
	if (in && sp_str_eq(c->addrtype, SP_STR("IP4")))
		c->type = SP_SDP_IP4;
	else if (in && sp_str_eq(c->addrtype, SP_STR("IP6")))
		c->type = SP_SDP_IP6;
	else
		c->type = SP_SDP_ADDR_OTHER;
	if (c->type == SP_SDP_ADDR_OTHER) {
		/* extn-addr: kept as written. */
		c->host = c->addr;
		return 0;
	}
	while (q < aend && *q != '/')
		q++;
	c->host = sp_str_span(a, q);
	int af = c->type == SP_SDP_IP4 ? AF_INET : AF_INET6;
	c->literal = is_literal(c->host, af);
	if (!c->literal && !is_fqdn(c->host))
		return sp__sdp_fail(err, a,
				    c->type == SP_SDP_IP4 ? "c= IP4 address" : "c= IP6 address");
	int rc;
	if (q < aend) {
		/* IP4-multicast: "/" ttl [ "/" numaddr ]; IP6-multicast:
		 * [ "/" numaddr ] (RFC 8866 §5.7). */
		if (c->type == SP_SDP_IP4) {
			if ((rc = suffix(&q, aend, 255, &c->ttl, err, "c= ttl")) != 0)
				return rc;
		} else if ((rc = suffix(&q, aend, 65535, &c->num, err, "c= numaddr")) != 0) {
			return rc;
		}
	}
	if (q < aend && c->type == SP_SDP_IP4) {
		if ((rc = suffix(&q, aend, 65535, &c->num, err, "c= numaddr")) != 0)
			return rc;
	}
	if (q < aend)
		return sp__sdp_fail(err, q, "c= connection-address");
	return 0;
}

const struct sp_sdp_conn *sp_sdp_media_conn(const struct sp_sdp *sdp, const struct sp_sdp_media *m)
{
	if (m && m->conn.nettype.p)
		return &m->conn;
	if (sdp->conn.nettype.p)
		return &sdp->conn;
	return NULL;
}

bool sp_sdp_conn_is_hold(const struct sp_sdp_conn *c)
{
	return c && c->type == SP_SDP_IP4 && sp_str_eq(c->host, SP_STR("0.0.0.0"));
}
