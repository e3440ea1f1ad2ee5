/*
 * Via header values (RFC 3261 §20.42, §25.1 via-parm; RFC 3581 rport;
 * RFC 5118 §4.5 IPv6 received). One value at a time: the message parser
 * splits a Via header on its commas and hands each via-parm here.
 *
 * What is checked, and why:
 *  - sent-protocol is three tokens with LWS allowed around each '/'
 *    (SLASH = SWS "/" SWS; RFC 4475 §3.1.1.1 'SIP  /   2.0 / UDP'). The
 *    protocol name and version are kept as written: an unknown version is
 *    the message layer's business (RFC 4475 §3.1.2.16 answers 505), and an
 *    unknown transport is other-transport (RFC 4475 §3.1.1.10).
 *  - sent-by is host [COLON port], COLON = SWS ":" SWS.
 *  - the parameters are generic-params; empty ones (";;") are errors
 *    (RFC 4475 §3.1.2.1). branch, received, maddr, rport and ttl must have
 *    the syntax their own rules give, and may appear only once (§7.3.1):
 *    a malformed or repeated one fails the value rather than being read as
 *    a via-extension, so no two elements can disagree on what it means.
 */
#include <errno.h>

#include "siphon/hdr.h"

#include "hdr_scan_int.h"

#define R_PROTO	   "Via: sent-protocol"
#define R_SENTBY   "Via: sent-by"
#define R_PARAMS   "Via: via-params"
#define R_PARM	   "Via: via-parm"
#define R_BRANCH   "Via: via-branch"
#define R_RECEIVED "Via: via-received"
#define R_MADDR	   "Via: via-maddr"
#define R_RPORT	   "Via: response-port"
#define R_TTL	   "Via: via-ttl"

/* One token of sent-protocol, then (unless last) SLASH. */
static int proto_part(const char **pp, const char *end, struct sp_str *out, bool slash,
		      struct sp_parse_error *err)
{
	const char *p = *pp, *s = p;
	if (!sp_token_scan(&p, end))
		return sp_parse_fail(err, p, R_PROTO);
	*out = sp_str_span(s, p);
	if (slash) {
		p = sp_skip_lws(p, end); /* SLASH = SWS "/" SWS */
		if (p >= end || *p != '/')
			return sp_parse_fail(err, p, R_PROTO);
		p = sp_skip_lws(p + 1, end);
	}
	*pp = p;
	return 0;
}

/* sent-by = host [ COLON port ]. sp_hostport_scan knows host syntax but
 * not SWS around the colon, so it is given the host alone and the port is
 * read here. */
static int sent_by(const char **pp, const char *end, struct sp_hostport *hp,
		   struct sp_parse_error *err)
{
	const char *p = *pp, *hend = p;
	struct sp_parse_error e;
	uint64_t port;

	if (hend < end && *hend == '[') {
		const char *close = memchr(hend, ']', (size_t)(end - hend));
		hend = close ? close + 1 : end;
	} else {
		while (hend < end && sp_is((unsigned char)*hend, SP_C_HOST))
			hend++;
	}
	if (sp_hostport_scan(&p, hend, hp, &e) != 0)
		return sp_parse_fail(err, e.at, R_SENTBY);
	const char *q = sp_skip_lws(p, end);
	if (q < end && *q == ':') {
		q = sp_skip_lws(q + 1, end);
		if (sp__digits(&q, end, 65535, &port, err, R_SENTBY) != 0)
			return -EBADMSG;
		hp->has_port = true;
		hp->port = (uint16_t)port;
		p = q;
	}
	*pp = p;
	return 0;
}

/* via-received = "received" EQUAL (IPv4address / IPv6address). RFC 5118
 * §4.5: a bracketed IPv6 reference is accepted too (robustness); the
 * brackets are dropped so that via->received is always a bare address. */
static int received_value(const struct sp_param *prm, struct sp_str *out,
			  struct sp_parse_error *err)
{
	struct sp_str v = prm->value;
	int rc = sp__param_has_value(prm, err, R_RECEIVED);
	if (rc)
		return rc;
	if (v.len >= 2 && v.p[0] == '[' && v.p[v.len - 1] == ']') {
		struct sp_str in = {v.p + 1, v.len - 2};
		if (!sp_ipv6_valid(in))
			return sp_parse_fail(err, v.p, R_RECEIVED);
		*out = in;
		return 0;
	}
	if (!sp_ipv4_valid(v) && !sp_ipv6_valid(v))
		return sp_parse_fail(err, v.p, R_RECEIVED);
	*out = v;
	return 0;
}

/* via-maddr = "maddr" EQUAL host (hostname / IPv4address / IPv6reference;
 * no port). */
static int maddr_value(const struct sp_param *prm, struct sp_parse_error *err)
{
	struct sp_hostport hp;
	struct sp_parse_error e;
	int rc = sp__param_has_value(prm, err, R_MADDR);
	if (rc)
		return rc;
	const char *p = prm->value.p, *end = p + prm->value.len;
	if (sp_hostport_scan(&p, end, &hp, &e) != 0)
		return sp_parse_fail(err, e.at, R_MADDR);
	if (p != end || hp.has_port)
		return sp_parse_fail(err, hp.has_port ? hp.host.p + hp.host.len : p, R_MADDR);
	return 0;
}

/* Picks the well-known parameters out of via->params (already scanned). */
struct via_scan {
	struct sp_via *via;
	bool seen_branch, seen_received, seen_maddr, seen_ttl;
};

/* Checks and picks each via-param as sp_params_scan_each validates it. */
static int via_param(void *arg, const struct sp_param *prm, struct sp_parse_error *err)
{
	struct via_scan *st = arg;
	struct sp_via *via = st->via;
	uint64_t n;
	int rc;

	if (sp_str_caseeq_c(prm->name, "branch")) {
		/* via-branch = "branch" EQUAL token. "z9hG4bK" alone
		 * parses (RFC 4475 §3.2.1): the cookie is the
		 * transaction layer's concern (§17.2.3). */
		if ((rc = sp__param_once(&st->seen_branch, prm, err, R_BRANCH)) ||
		    (rc = sp__param_token(prm, err, R_BRANCH)))
			return rc;
		via->branch = prm->value;
	} else if (sp_str_caseeq_c(prm->name, "received")) {
		if ((rc = sp__param_once(&st->seen_received, prm, err, R_RECEIVED)) ||
		    (rc = received_value(prm, &via->received, err)))
			return rc;
	} else if (sp_str_caseeq_c(prm->name, "maddr")) {
		if ((rc = sp__param_once(&st->seen_maddr, prm, err, R_MADDR)) ||
		    (rc = maddr_value(prm, err)))
			return rc;
		via->maddr = prm->value;
	} else if (sp_str_caseeq_c(prm->name, "rport")) {
		/* RFC 3581 §3: response-port = "rport" [EQUAL 1*DIGIT] */
		if ((rc = sp__param_once(&via->has_rport, prm, err, R_RPORT)))
			return rc;
		if (prm->value.p) {
			if ((rc = sp__param_uint(prm, 65535, &n, err, R_RPORT)))
				return rc;
			via->rport = (uint16_t)n;
		}
	} else if (sp_str_caseeq_c(prm->name, "ttl")) {
		/* ttl = 1*3DIGIT ; 0 to 255 */
		if ((rc = sp__param_once(&st->seen_ttl, prm, err, R_TTL)) ||
		    (rc = sp__param_uint(prm, 255, &n, err, R_TTL)))
			return rc;
		if (prm->value.len > 3)
			return sp_parse_fail(err, prm->value.p, R_TTL);
		via->ttl = (int)n;
	}
	return 0;
}

/* Parses one via-parm (RFC 3261 §25.1) from value, which may carry
 * surrounding LWS and internal folding. Returns 0 with *via filled (slices
 * into value), or -EBADMSG with err set (err->at inside value, or one past
 * its end); *via is unspecified on error. */
int sp_via_parse(struct sp_via *via, struct sp_str value, struct sp_parse_error *err)
{
	const char *p, *end;
	int rc;

	sp__value_bounds(value, &p, &end);
	via->branch = via->received = via->maddr = SP_STR_NULL;
	via->has_rport = false;
	via->rport = 0;
	via->ttl = -1;

	/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
	if ((rc = proto_part(&p, end, &via->proto_name, true, err)) ||
	    (rc = proto_part(&p, end, &via->proto_version, true, err)) ||
	    (rc = proto_part(&p, end, &via->transport_raw, false, err)))
		return rc;
	via->transport = sp_transport_lookup(via->transport_raw);

	/* via-parm = sent-protocol LWS sent-by *( SEMI via-params ) */
	if (!sp__is_lws(p, end))
		return sp_parse_fail(err, p, R_PROTO);
	p = sp_skip_lws(p, end);
	if ((rc = sent_by(&p, end, &via->sent_by, err)))
		return rc;
	struct via_scan st = { .via = via };
	if ((rc = sp_params_scan_each(&p, end, SP_PARAM_HEADER, &via->params, err, R_PARAMS,
				      via_param, &st)))
		return rc;
	return sp__expect_end(p, end, err, R_PARM);
}
