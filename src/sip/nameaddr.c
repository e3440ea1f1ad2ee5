/*
 * name-addr / addr-spec header values (From, To, Contact, Route,
 * Record-Route, Reply-To, Refer-To, Path, P-Asserted-Identity ...):
 *
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *( token LWS ) / quoted-string      (RFC 3261 §25.1)
 *
 * followed by header parameters. In the bare addr-spec form the URI ends
 * at the first ';' or LWS and may not hold ',', '?' or ';' of its own
 * (RFC 3261 §20.10; RFC 4475 §3.3.12 cparam01, §3.1.2.13 regbadct). Also
 * the Contact helpers for the q and expires parameters.
 */
#include <errno.h>

#include "siphon/ctype.h"
#include "siphon/hdr.h"

/* display-name = *( token LWS ) / quoted-string, then LAQUOT. Returns the
 * position of the '<' when the value has the name-addr form, or NULL when
 * it must be read as an addr-spec. A quoted display name must be followed
 * by '<' (RFC 4475 §3.1.2.6 quotbal: an unterminated quote is an error,
 * reported through *rc). Tokens may run straight into the '<' (RFC 4475
 * §3.1.1.6 lwsdisp). */
static const char *find_laquot(const char *p, const char *end, struct sp_str *display,
			       struct sp_parse_error *err, int *rc)
{
	const char *start = p;
	*rc = 0;
	if (p < end && *p == '"') {
		if ((*rc = sp_quoted_scan(&p, end, err, "display-name")) != 0)
			return NULL;
		*display = sp_str_span(start, p);
		p = sp_skip_lws(p, end);
		if (p >= end || *p != '<') {
			*rc = sp_parse_fail(err, p, "name-addr: LAQUOT");
			return NULL;
		}
		return p;
	}
	const char *last = p; /* end of the last token */
	while (p < end && sp_token_scan(&p, end)) {
		last = p;
		p = sp_skip_lws(p, end);
	}
	if (p < end && *p == '<') {
		*display = sp_str_span(start, last);
		return p;
	}
	return NULL;
}

/* addr-spec without <>: the URI runs to the first ';' (header params) or
 * LWS; RFC 3261 §20.10 puts a URI with ',', '?' or ';' inside <>. */
static int addr_spec_end(const char *p, const char *end, const char **out,
			 struct sp_parse_error *err)
{
	for (; p < end; p++) {
		char c = *p;
		if (c == ';' || sp_is((unsigned char)c, SP_C_LWS))
			break;
		if (c == ',' || c == '?')
			return sp_parse_fail(err, p, "addr-spec (needs <>)");
	}
	*out = p;
	return 0;
}

/* The first "tag" parameter (RFC 3261 §19.3), picked during the scan. */
static int pick_tag(void *arg, const struct sp_param *prm, struct sp_parse_error *err)
{
	struct sp_str *tag = arg;
	(void)err;
	if (!tag->p && prm->name.len == 3 && sp_str_caseeq_c(prm->name, "tag"))
		*tag = prm->value;
	return 0;
}

int sp_nameaddr_parse(struct sp_nameaddr *na, struct sp_str value, unsigned flags,
		      struct sp_parse_error *err)
{
	const char *p, *end;
	int rc;
	memset(na, 0, sizeof(*na));
	if (!value.p)
		value = (struct sp_str){"", 0};
	value = sp_str_trim(value);
	p = value.p;
	end = value.p + value.len;
	na->display = (struct sp_str){p, 0};
	if (p == end)
		return sp_parse_fail(err, p, "name-addr");

	/* Contact: STAR (RFC 3261 §20.10), the whole value. */
	if (value.len == 1 && *p == '*') {
		if (!(flags & SP_NA_STAR))
			return sp_parse_fail(err, p, "name-addr");
		na->star = true;
		na->params = (struct sp_str){end, 0};
		return 0;
	}

	const char *laquot = find_laquot(p, end, &na->display, err, &rc);
	if (rc)
		return rc;
	if (laquot) {
		/* RAQUOT: '>' never occurs unescaped in a URI. No LWS is
		 * allowed inside the brackets (RFC 4475 §3.1.2.14 badaspec):
		 * sp_uri_parse rejects it as part of the URI. */
		const char *u = laquot + 1;
		const char *raquot = memchr(u, '>', (size_t)(end - u));
		if (!raquot)
			return sp_parse_fail(err, end, "name-addr: RAQUOT");
		na->angle = true;
		na->uri_raw = sp_str_span(u, raquot);
		if ((rc = sp_uri_parse(&na->uri, na->uri_raw, 0, err)) != 0)
			return rc;
		p = raquot + 1;
	} else {
		if (flags & SP_NA_ANGLE)
			return sp_parse_fail(err, p, "name-addr: LAQUOT");
		na->display = (struct sp_str){p, 0};
		const char *u = p;
		if ((rc = addr_spec_end(p, end, &p, err)) != 0)
			return rc;
		na->uri_raw = sp_str_span(u, p);
		if ((rc = sp_uri_parse(&na->uri, na->uri_raw, 0, err)) != 0)
			return rc;
	}

	/* *( SEMI generic-param ) with LWS allowed around ';' and '='. */
	na->tag = SP_STR_NULL;
	rc = sp_params_scan_each(&p, end, SP_PARAM_HEADER, &na->params, err, "header parameter",
				 pick_tag, &na->tag);
	if (rc)
		return rc;
	p = sp_skip_lws(p, end);
	if (p != end)
		return sp_parse_fail(err, p, na->angle ? "name-addr" : "addr-spec");
	return 0;
}

/* RFC 3261 §25.1: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
int sp_contact_q(const struct sp_nameaddr *na)
{
	struct sp_str v;
	if (!sp_param_find(na->params, "q", &v) || !v.p || !v.len)
		return -1;
	if (v.p[0] != '0' && v.p[0] != '1')
		return -1;
	int q = (v.p[0] - '0') * 1000;
	if (v.len == 1)
		return q;
	if (v.p[1] != '.' || v.len > 5)
		return -1;
	int scale = 100;
	for (size_t i = 2; i < v.len; i++, scale /= 10) {
		if (!sp_is((unsigned char)v.p[i], SP_C_DIGIT))
			return -1;
		q += (v.p[i] - '0') * scale;
	}
	return q <= 1000 ? q : -1;
}

/* RFC 3261 §20.10 contact-params: expires = delta-seconds = 1*DIGIT.
 * Values beyond 2^32-1 saturate (RFC 4475 §3.1.2.4 scalar02 allows
 * treating them as the maximum rather than failing). */
int64_t sp_contact_expires(const struct sp_nameaddr *na)
{
	struct sp_str v;
	uint64_t n;
	if (!sp_param_find(na->params, "expires", &v) || !v.p)
		return -1;
	switch (sp_str_to_u64(v, UINT32_MAX, &n)) {
	case 0:
		return (int64_t)n;
	case -ERANGE:
		return UINT32_MAX;
	default:
		return -1;
	}
}
