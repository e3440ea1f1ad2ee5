/*
 * URI parsing: sip and sips (RFC 3261 §19.1, §25.1), and any other scheme
 * kept as an opaque absoluteURI (RFC 3261 §25.1, RFC 2396 §3; RFC 4475
 * §3.3.2-§3.3.4 require a parser to accept them); tel is in uri_tel.c,
 * escapes in uri_escape.c, comparison in uri_compare.c. Every field is a
 * slice of the input with escapes kept as written; nothing is copied or
 * allocated, and no byte outside the input is read.
 */
#include <errno.h>

#include "uri_int.h"

const char *sp_uri_scheme_name(enum sp_uri_scheme scheme)
{
	switch (scheme) {
	case SP_URI_SIP:
		return "sip";
	case SP_URI_SIPS:
		return "sips";
	case SP_URI_TEL:
		return "tel";
	case SP_URI_OTHER:
		break;
	}
	return "other";
}

/* ---- sip / sips ---------------------------------------------------------------- */

/* Case-insensitive match of an escaped parameter name against a literal
 * (RFC 4475 §3.1.1.3: "%6C%72" is the lr parameter). */
static bool name_is(struct sp_str name, const char *lit)
{
	return sp__uri_esc_eq(name, sp_str_c(lit), true);
}

static bool is_token(struct sp_str s)
{
	const char *p = s.p, *end = sp__uri_end(s);
	return s.len && sp_token_scan(&p, end) > 0 && p == end;
}

/* ttl = 1*3DIGIT, 0-255 (RFC 3261 §25.1). */
static bool ttl_valid(struct sp_str s)
{
	uint64_t v;
	return s.len >= 1 && s.len <= 3 && sp_str_to_u64(s, 255, &v) == 0;
}

/* maddr-param = "maddr=" host: exactly one host, no port. */
static bool maddr_valid(struct sp_str s)
{
	const char *p = s.p, *end = sp__uri_end(s);
	struct sp_hostport hp;
	return s.len && sp_hostport_scan(&p, end, &hp, NULL) == 0 && p == end && !hp.has_port;
}

struct uri_scan {
	struct sp_uri *uri;
	unsigned n;
};

/* RFC 3261 §19.1.1: picks transport, user, method, maddr, ttl and lr as
 * sp_params_scan_each validates the uri-parameters (first occurrence wins)
 * and checks the values their rules constrain (transport-param,
 * user-param, method-param are tokens, ttl-param 0-255, maddr-param a
 * host). */

static int pick_param(void *arg, const struct sp_param *prm, struct sp_parse_error *err)
{
	struct uri_scan *st = arg;
	struct sp_uri *uri = st->uri;
	struct sp_str *slot = NULL;
	bool ok = true;

	if (++st->n > SP__URI_MAX_PARAMS)
		return sp_parse_fail(err, prm->name.p, "uri-parameters (too many)");
	if (name_is(prm->name, "lr")) {
		uri->lr = true; /* "lr=on" of old stacks counts too */
		return 0;
	} else if (name_is(prm->name, "transport")) {
		slot = &uri->transport;
		ok = is_token(prm->value);
	} else if (name_is(prm->name, "user")) {
		slot = &uri->user_param;
		ok = is_token(prm->value);
	} else if (name_is(prm->name, "method")) {
		slot = &uri->method;
		ok = is_token(prm->value);
	} else if (name_is(prm->name, "maddr")) {
		slot = &uri->maddr;
		ok = maddr_valid(prm->value);
	} else if (name_is(prm->name, "ttl")) {
		slot = &uri->ttl;
		ok = ttl_valid(prm->value);
	}
	if (!slot)
		return 0;
	if (!ok) /* also a well-known name written without a value */
		return sp_parse_fail(err, prm->value.p ? prm->value.p : prm->name.p,
				     "uri-parameter value");
	if (!slot->p)
		*slot = prm->value;
	return 0;
}

/* headers = "?" header *( "&" header ); header = hname "=" hvalue;
 * hname = 1*( hnv-unreserved / unreserved / escaped ), hvalue the same
 * with zero allowed (RFC 3261 §25.1). p is just past the '?'. */
static int scan_headers(const char **pp, const char *end, struct sp_parse_error *err)
{
	const char *p = *pp;
	const unsigned cls = SP_C_HNV | SP_C_UNRESERVED;
	unsigned n = 0;
	int rc;
	for (;;) {
		const char *name = p;
		if (++n > SP__URI_MAX_HEADERS)
			return sp_parse_fail(err, p, "headers (too many)");
		if ((rc = sp__uri_scan_chars(&p, end, cls, err, "hname")) != 0)
			return rc;
		if (p == name)
			return sp_parse_fail(err, p, "hname");
		if (p >= end || *p != '=')
			return sp_parse_fail(err, p, "header");
		p++;
		if ((rc = sp__uri_scan_chars(&p, end, cls, err, "hvalue")) != 0)
			return rc;
		if (p >= end || *p != '&')
			break;
		p++;
	}
	*pp = p;
	return 0;
}

/* userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 * (RFC 3261 §25.1), given without its '@'. Neither user nor password may
 * hold a raw '@', so the userinfo ends at the first '@' of the URI; user
 * may hold ';' and '?' (RFC 4475 §3.1.1.9 semiuri). */
static int parse_userinfo(struct sp_uri *uri, const char *p, const char *end,
			  struct sp_parse_error *err)
{
	const char *u = p;
	int rc;
	if ((rc = sp__uri_scan_chars(&p, end, SP_C_UNRESERVED | SP_C_USER, err, "user")) != 0)
		return rc;
	if (p == u)
		return sp_parse_fail(err, p, "user");
	uri->user = sp_str_span(u, p);
	if (p < end && *p == ':') {
		const char *w = ++p;
		rc = sp__uri_scan_chars(&p, end, SP_C_UNRESERVED | SP_C_PASSWORD, err, "password");
		if (rc)
			return rc;
		uri->password = sp_str_span(w, p);
	}
	if (p != end)
		return sp_parse_fail(err, p, "user");
	return 0;
}

/* SIP-URI / SIPS-URI after the "sip:" or "sips:" (RFC 3261 §25.1). */
static int parse_sip(struct sp_uri *uri, const char *p, const char *end, unsigned flags,
		     struct sp_parse_error *err)
{
	const char *at = memchr(p, '@', (size_t)(end - p));
	int rc;
	if (at) {
		if ((rc = parse_userinfo(uri, p, at, err)) != 0)
			return rc;
		p = at + 1;
	}
	/* RFC 5118 §4.2-§4.4: IPv6 only in brackets, port outside them. */
	if ((rc = sp_hostport_scan(&p, end, &uri->hp, err)) != 0)
		return rc;
	struct uri_scan st = { .uri = uri };
	rc = sp_params_scan_each(&p, end, SP_PARAM_URI, &uri->params, err, "uri-parameters",
				 pick_param, &st);
	if (rc)
		return rc;
	if (p < end && *p == '?') {
		/* RFC 3261 §19.1.1: no headers in a Request-URI (RFC 4475 escruri). */
		if (flags & SP_URI_NO_HEADERS)
			return sp_parse_fail(err, p, "Request-URI headers");
		const char *h = ++p;
		if ((rc = scan_headers(&p, end, err)) != 0)
			return rc;
		uri->headers = sp_str_span(h, p);
	}
	if (p != end)
		return sp_parse_fail(err, p, "SIP-URI");
	return 0;
}

/* ---- entry point ----------------------------------------------------------------- */

int sp_uri_parse(struct sp_uri *uri, struct sp_str s, unsigned flags, struct sp_parse_error *err)
{
	const char *p = s.p, *end = sp__uri_end(s);
	memset(uri, 0, sizeof(*uri));
	uri->raw = s;
	if (!s.len)
		return sp_parse_fail(err, p, "URI");
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3261 §25.1);
	 * schemes are case-insensitive (RFC 3261 §19.1.1, RFC 2396 §3.1). */
	if (!sp_is((unsigned char)*p, SP_C_ALPHA))
		return sp_parse_fail(err, p, "scheme");
	while (p < end && (sp_is((unsigned char)*p, SP_C_ALPHA | SP_C_DIGIT) || *p == '+' ||
			   *p == '-' || *p == '.'))
		p++;
	if (p >= end || *p != ':')
		return sp_parse_fail(err, p, "scheme");
	uri->scheme_raw = sp_str_span(s.p, p);
	p++;
	if (sp_str_caseeq_c(uri->scheme_raw, "sip"))
		uri->scheme = SP_URI_SIP;
	else if (sp_str_caseeq_c(uri->scheme_raw, "sips"))
		uri->scheme = SP_URI_SIPS;
	else if (sp_str_caseeq_c(uri->scheme_raw, "tel"))
		uri->scheme = SP_URI_TEL;
	else
		uri->scheme = SP_URI_OTHER;

	switch (uri->scheme) {
	case SP_URI_SIP:
	case SP_URI_SIPS:
		return parse_sip(uri, p, end, flags, err);
	case SP_URI_TEL:
		return sp__uri_parse_tel(uri, p, end, err);
	case SP_URI_OTHER:
		break;
	}
	if (flags & SP_URI_NO_OTHER)
		return sp_parse_fail(err, s.p, "URI scheme");
	/* absoluteURI = scheme ":" ( hier-part / opaque-part ): both are
	 * non-empty strings of uric (reserved / unreserved / escaped), with
	 * '[' ']' admitted as RFC 2732 §3 adds them to reserved. RFC 4475
	 * §3.3.2-§3.3.4: unknown schemes must parse. */
	const char *o = p;
	int rc =
	    sp__uri_scan_chars(&p, end, SP_C_RESERVED | SP_C_UNRESERVED | SP_C_PARAM, err, "absoluteURI");
	if (rc)
		return rc;
	if (p == o || p != end)
		return sp_parse_fail(err, p, "absoluteURI");
	uri->opaque = sp_str_span(o, end);
	return 0;
}
