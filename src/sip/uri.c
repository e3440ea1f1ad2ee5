/*
 * URI parsing and comparison: sip and sips (RFC 3261 §19.1, §25.1), tel
 * (RFC 3966) and any other scheme kept as an opaque absoluteURI (RFC 3261
 * §25.1, RFC 2396 §3; RFC 4475 §3.3.2-§3.3.4 require a parser to accept
 * them). Every field is a slice of the input with escapes kept as written;
 * nothing is copied or allocated, and no byte outside the input is read.
 *
 * Comparison follows RFC 3261 §19.1.4 as amended by RFC 5954 §4.2 (IP
 * addresses compare by their binary value), and RFC 3966 §4 for tel.
 */
#include <errno.h>

#include "siphon/ctype.h"
#include "siphon/uri.h"

/* Bounds on the parameters and headers of one URI. Legitimate URIs carry a
 * handful; the bound keeps the order-free comparison of sp_uri_equal
 * (quadratic in the count, without allocation) cheap on hostile input. */
#define MAX_PARAMS  128
#define MAX_HEADERS 128

/* One past the last byte of s, without arithmetic on an absent slice. */
static const char *s_end(struct sp_str s)
{
	return s.len ? s.p + s.len : s.p;
}

/* ---- escapes --------------------------------------------------------------- */

/* True when p (< end) starts a well-formed escape: "%" HEXDIG HEXDIG. */
static bool is_escape(const char *p, const char *end)
{
	return end - p >= 3 && p[0] == '%' && sp_is((unsigned char)p[1], SP_C_HEX) &&
	       sp_is((unsigned char)p[2], SP_C_HEX);
}

/* Scans *( cls / escaped ) at *pp (RFC 3261 §25.1 escaped = "%" HEX HEX).
 * Stops at the first byte outside the set; a '%' not followed by two hex
 * digits is an error there. Advances *pp. */
static int scan_chars(const char **pp, const char *end, unsigned cls, struct sp_parse_error *err,
		      const char *rule)
{
	const char *p = *pp;
	while (p < end) {
		if (sp_is((unsigned char)*p, cls)) {
			p++;
		} else if (*p == '%') {
			if (!is_escape(p, end))
				return sp_parse_fail(err, p, rule);
			p += 3;
		} else {
			break;
		}
	}
	*pp = p;
	return 0;
}

/* RFC 2396 §2.2 reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" /
 * "$" / ",". RFC 3261 §19.1.4: characters other than these are equivalent
 * to their escaped form; a reserved character and its escape differ. */
static bool is_reserved(unsigned char c)
{
	return sp_is(c, SP_C_RESERVED);
}

/* Reads one character of an escaped slice at *pp: its byte value, and
 * whether it was written as an escape. Advances *pp. */
static unsigned char next_char(const char **pp, const char *end, bool *escaped)
{
	const char *p = *pp;
	if (is_escape(p, end)) {
		*escaped = true;
		*pp = p + 3;
		return (unsigned char)(sp_hexval((unsigned char)p[1]) << 4 |
				       sp_hexval((unsigned char)p[2]));
	}
	*escaped = false;
	*pp = p + 1;
	return (unsigned char)*p;
}

/* RFC 3261 §19.1.4 equality of two escaped components: unreserved
 * characters match their escapes, reserved ones do not; icase folds ASCII
 * case of the decoded bytes. */
static bool esc_eq(struct sp_str a, struct sp_str b, bool icase)
{
	const char *pa = a.p, *ea = s_end(a);
	const char *pb = b.p, *eb = s_end(b);
	if (a.len == 0 || b.len == 0)
		return a.len == b.len;
	while (pa < ea && pb < eb) {
		bool xa, xb;
		unsigned char ca = next_char(&pa, ea, &xa);
		unsigned char cb = next_char(&pb, eb, &xb);
		if (icase) {
			ca = sp_lower[ca];
			cb = sp_lower[cb];
		}
		if (ca != cb || (xa != xb && is_reserved(ca)))
			return false;
	}
	return pa == ea && pb == eb;
}

long sp_uri_unescape(char *out, size_t cap, struct sp_str s)
{
	const char *p = s.p, *end = s_end(s);
	size_t n = 0;
	while (p < end) {
		bool escaped;
		unsigned char c = next_char(&p, end, &escaped);
		if (n >= cap)
			return -ENOSPC;
		out[n++] = (char)c;
	}
	return (long)n;
}

bool sp_uri_unescaped_eq(struct sp_str a, struct sp_str b)
{
	const char *pa = a.p, *ea = s_end(a);
	const char *pb = b.p, *eb = s_end(b);
	if (a.len == 0 || b.len == 0)
		return a.len == b.len;
	while (pa < ea && pb < eb) {
		bool xa, xb;
		if (next_char(&pa, ea, &xa) != next_char(&pb, eb, &xb))
			return false;
	}
	return pa == ea && pb == eb;
}

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
	return esc_eq(name, sp_str_c(lit), true);
}

static bool is_token(struct sp_str s)
{
	const char *p = s.p, *end = s_end(s);
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
	const char *p = s.p, *end = s_end(s);
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

	if (++st->n > MAX_PARAMS)
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
		if (++n > MAX_HEADERS)
			return sp_parse_fail(err, p, "headers (too many)");
		if ((rc = scan_chars(&p, end, cls, err, "hname")) != 0)
			return rc;
		if (p == name)
			return sp_parse_fail(err, p, "hname");
		if (p >= end || *p != '=')
			return sp_parse_fail(err, p, "header");
		p++;
		if ((rc = scan_chars(&p, end, cls, err, "hvalue")) != 0)
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
	if ((rc = scan_chars(&p, end, SP_C_UNRESERVED | SP_C_USER, err, "user")) != 0)
		return rc;
	if (p == u)
		return sp_parse_fail(err, p, "user");
	uri->user = sp_str_span(u, p);
	if (p < end && *p == ':') {
		const char *w = ++p;
		rc = scan_chars(&p, end, SP_C_UNRESERVED | SP_C_PASSWORD, err, "password");
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

/* ---- tel (RFC 3966 §3) ------------------------------------------------------------ */

static bool is_visual(unsigned char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

/* *phonedigit DIGIT *phonedigit (phonedigit = DIGIT / visual-separator)
 * at *pp; returns false when no DIGIT was found. */
static bool phonedigits(const char **pp, const char *end)
{
	const char *p = *pp;
	bool digit = false;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (sp_is(c, SP_C_DIGIT))
			digit = true;
		else if (!is_visual(c))
			break;
	}
	*pp = p;
	return digit;
}

/* global-number-digits = "+" *phonedigit DIGIT *phonedigit, at *pp (which
 * must be at '+'). */
static bool scan_global_digits(const char **pp, const char *end)
{
	++*pp;
	return phonedigits(pp, end);
}

/* local-number-digits = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex */
static bool scan_local_digits(const char **pp, const char *end)
{
	const char *p = *pp;
	bool digit = false;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (sp_is(c, SP_C_HEX) || c == '*' || c == '#')
			digit = true;
		else if (!is_visual(c))
			break;
	}
	*pp = p;
	return digit;
}

/* descriptor digits: global-number-digits, or the RFC 2806 digits-only
 * prefix that RFC 3261 §19.1.6 still shows ("phone-context=5"). */
static bool is_phone_prefix(struct sp_str v)
{
	const char *p = v.p, *end = s_end(v);
	if (p < end && *p == '+')
		p++;
	return phonedigits(&p, end) && p == end;
}

/* domainname, same shape as a SIP hostname (RFC 3966 §3). */
static bool domainname_valid(struct sp_str s)
{
	const char *p = s.p, *end = s_end(s);
	struct sp_hostport hp;
	return s.len && sp_hostport_scan(&p, end, &hp, NULL) == 0 && p == end &&
	       hp.kind == SP_HOST_NAME;
}

/* Checks a tel parameter value by its name: isdn-subaddress = ";isub="
 * 1*uric, extension = ";ext=" 1*phonedigit, context = ";phone-context="
 * descriptor; any other = 1*paramchar. Returns the first bad byte or
 * NULL. */
static const char *tel_value_bad(struct sp_str name, const char *v, const char *end)
{
	const char *p = v;
	if (sp_str_caseeq_c(name, "phone-context")) {
		/* descriptor = domainname / global-number-digits */
		struct sp_str d = sp_str_span(v, end);
		return is_phone_prefix(d) || domainname_valid(d) ? NULL : v;
	}
	if (sp_str_caseeq_c(name, "ext")) /* 1*phonedigit */
		return phonedigits(&p, end) && p == end ? NULL : p;
	/* uric minus ';' for isub (';' always starts the next parameter);
	 * paramchar otherwise. scan_chars already checked the escapes. */
	unsigned cls = SP_C_UNRESERVED | SP_C_PARAM;
	if (sp_str_caseeq_c(name, "isub"))
		cls |= SP_C_RESERVED;
	for (; p < end; p++) {
		if (*p == '%')
			p += 2;
		else if (!sp_is((unsigned char)*p, cls))
			return p;
	}
	return p == v ? v : NULL;
}

/* Finds the first parameter named like name (case-insensitive) in the
 * tel parameters before stop. */
static bool tel_param_seen(struct sp_str params, const char *stop, struct sp_str name)
{
	struct sp_param prm;
	params.len = (size_t)(stop - params.p);
	while (sp_param_next(&params, &prm))
		if (sp_str_caseeq(prm.name, name))
			return true;
	return false;
}

/* telephone-subscriber = global-number / local-number (RFC 3966 §3). */
static int parse_tel(struct sp_uri *uri, const char *p, const char *end, struct sp_parse_error *err)
{
	const char *n = p;
	bool global = p < end && *p == '+';
	bool context = false;
	if (!(global ? scan_global_digits(&p, end) : scan_local_digits(&p, end)))
		return sp_parse_fail(err, p,
				     global ? "global-number-digits" : "local-number-digits");
	uri->user = sp_str_span(n, p);
	const char *params = p;
	unsigned count = 0;
	while (p < end && *p == ';') {
		const char *name = ++p;
		if (++count > MAX_PARAMS)
			return sp_parse_fail(err, name, "tel par (too many)");
		/* pname = 1*( alphanum / "-" ) */
		while (p < end && (sp_is((unsigned char)*p, SP_C_ALPHA | SP_C_DIGIT) || *p == '-'))
			p++;
		if (p == name)
			return sp_parse_fail(err, p, "tel pname");
		struct sp_str pname = sp_str_span(name, p);
		/* RFC 3966 §3: no parameter name may appear more than once. */
		if (tel_param_seen(sp_str_span(params, end), name - 1, pname))
			return sp_parse_fail(err, name, "tel parameter repeated");
		if (sp_str_caseeq_c(pname, "phone-context"))
			context = true;
		if (p < end && *p == '=') {
			const char *v = ++p;
			/* The value runs to the next ';' over any uric; the
			 * rule of its parameter then says which are allowed. */
			while (p < end && *p != ';' &&
			       (sp_is((unsigned char)*p,
				      SP_C_UNRESERVED | SP_C_PARAM | SP_C_RESERVED) ||
				*p == '%')) {
				if (*p == '%' && !is_escape(p, end))
					return sp_parse_fail(err, p, "tel pvalue");
				p += *p == '%' ? 3 : 1;
			}
			const char *bad = tel_value_bad(pname, v, p);
			if (bad)
				return sp_parse_fail(err, bad, "tel pvalue");
		} else if (sp_str_caseeq_c(pname, "phone-context") ||
			   sp_str_caseeq_c(pname, "ext") || sp_str_caseeq_c(pname, "isub")) {
			return sp_parse_fail(err, p, "tel pvalue");
		}
	}
	if (p != end)
		return sp_parse_fail(err, p, "telephone-subscriber");
	/* RFC 3966 §5.1.5: a local number needs its phone-context. */
	if (!global && !context)
		return sp_parse_fail(err, end, "tel phone-context");
	uri->params = sp_str_span(params, end);
	return 0;
}

/* ---- entry point ----------------------------------------------------------------- */

int sp_uri_parse(struct sp_uri *uri, struct sp_str s, unsigned flags, struct sp_parse_error *err)
{
	const char *p = s.p, *end = s_end(s);
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
		return parse_tel(uri, p, end, err);
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
	    scan_chars(&p, end, SP_C_RESERVED | SP_C_UNRESERVED | SP_C_PARAM, err, "absoluteURI");
	if (rc)
		return rc;
	if (p == o || p != end)
		return sp_parse_fail(err, p, "absoluteURI");
	uri->opaque = sp_str_span(o, end);
	return 0;
}

/* ---- comparison ------------------------------------------------------------------- */

/* dec-octet "." x4 into out[4]; leading zeros tolerated (RFC 5954 §3.2
 * calls 192.00.02.128 the same address). */
static bool ip4_bin(struct sp_str s, uint8_t out[4])
{
	const char *p = s.p, *end = s_end(s);
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, n = 0;
		while (p < end && sp_is((unsigned char)*p, SP_C_DIGIT) && n < 3) {
			v = v * 10 + (unsigned)(*p++ - '0');
			n++;
		}
		if (!n || v > 255)
			return false;
		out[i] = (uint8_t)v;
		if (i < 3) {
			if (p >= end || *p != '.')
				return false;
			p++;
		}
	}
	return p == end;
}

/* IPv6address (without brackets) into out[16]. Accepts what
 * sp_ipv6_valid accepts, including RFC 5118 §4.10's extra colon. */
static bool ip6_bin(struct sp_str s, uint8_t out[16])
{
	const char *p = s.p, *end = s_end(s);
	uint8_t b[16];
	int n = 0, gap = -1;
	if (end - p >= 2 && p[0] == ':' && p[1] == ':') {
		gap = 0;
		p += 2;
		if (p < end && *p == ':')
			p++;
	}
	while (p < end) {
		const char *g = p;
		unsigned v = 0;
		while (p < end && sp_is((unsigned char)*p, SP_C_HEX) && p - g < 4)
			v = v << 4 | (unsigned)sp_hexval((unsigned char)*p++);
		if (p < end && *p == '.') {
			if (n > 12 || !ip4_bin(sp_str_span(g, end), b + n))
				return false;
			n += 4;
			break;
		}
		if (p == g || n > 14)
			return false;
		b[n++] = (uint8_t)(v >> 8);
		b[n++] = (uint8_t)v;
		if (p == end)
			break;
		if (*p++ != ':' || p == end)
			return false;
		if (*p == ':') {
			if (gap >= 0)
				return false;
			gap = n;
			p++;
			if (p < end && *p == ':')
				p++;
		}
	}
	if (gap < 0) {
		if (n != 16)
			return false;
		memcpy(out, b, 16);
		return true;
	}
	if (n > 14)
		return false;
	memset(out, 0, 16);
	memcpy(out, b, (size_t)gap);
	memcpy(out + 16 - (n - gap), b + gap, (size_t)(n - gap));
	return true;
}

/* RFC 3261 §19.1.4 host: case-insensitive; RFC 5954 §4.2: IP addresses
 * match when their binary values do. */
static bool host_eq(const struct sp_hostport *a, const struct sp_hostport *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == SP_HOST_IPV4) {
		uint8_t x[4], y[4];
		if (ip4_bin(a->host, x) && ip4_bin(b->host, y))
			return memcmp(x, y, 4) == 0;
	} else if (a->kind == SP_HOST_IPV6 && a->host.len > 2 && b->host.len > 2) {
		uint8_t x[16], y[16];
		struct sp_str ia = {a->host.p + 1, a->host.len - 2};
		struct sp_str ib = {b->host.p + 1, b->host.len - 2};
		if (ip6_bin(ia, x) && ip6_bin(ib, y))
			return memcmp(x, y, 16) == 0;
	}
	return sp_str_caseeq(a->host, b->host);
}

/* Both absent, or both present and equal as escaped components. */
static bool opt_eq(struct sp_str a, struct sp_str b, bool icase)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	return esc_eq(a, b, icase);
}

/* First parameter whose (escaped) name matches name, case-insensitive. */
static bool find_param(struct sp_str params, struct sp_str name, struct sp_param *out)
{
	while (sp_param_next(&params, out))
		if (esc_eq(out->name, name, true))
			return true;
	return false;
}

static bool param_value_eq(const struct sp_param *a, const struct sp_param *b)
{
	return opt_eq(a->value, b->value, true);
}

/* uri-parameters of RFC 3261 §19.1.4: transport, user, ttl, method and
 * maddr must match when present in either URI; any other parameter only
 * when present in both. With repeated names the first occurrence counts,
 * on both sides alike (so the relation stays symmetric). */
static bool sip_params_eq(struct sp_str a, struct sp_str b)
{
	static const char *const strict[] = {"transport", "user", "ttl", "method", "maddr"};
	struct sp_param pa, pb;
	for (size_t i = 0; i < sizeof(strict) / sizeof(strict[0]); i++) {
		struct sp_str name = sp_str_c(strict[i]);
		bool ha = find_param(a, name, &pa), hb = find_param(b, name, &pb);
		if (ha != hb || (ha && !param_value_eq(&pa, &pb)))
			return false;
	}
	struct sp_str rest = a;
	struct sp_param cur;
	while (sp_param_next(&rest, &cur)) {
		/* Only the first occurrence of each name in a. */
		if (!find_param(a, cur.name, &pa) || pa.name.p != cur.name.p)
			continue;
		if (find_param(b, cur.name, &pb) && !param_value_eq(&pa, &pb))
			return false;
	}
	return true;
}

/* One "hname=hvalue" of a scanned headers slice; advances *rest. */
static bool header_next(struct sp_str *rest, struct sp_str *name, struct sp_str *value)
{
	const char *p = rest->p, *end = s_end(*rest);
	if (!rest->len)
		return false;
	const char *amp = memchr(p, '&', (size_t)(end - p));
	const char *hend = amp ? amp : end;
	const char *eq = memchr(p, '=', (size_t)(hend - p));
	*name = sp_str_span(p, eq ? eq : hend);
	*value = eq ? sp_str_span(eq + 1, hend) : (struct sp_str){hend, 0};
	*rest = amp ? sp_str_span(amp + 1, end) : (struct sp_str){end, 0};
	return true;
}

/* Every header of a has an equal one (name and value case-insensitive,
 * escapes per §19.1.4) in b. */
static bool headers_within(struct sp_str a, struct sp_str b)
{
	struct sp_str na, va, nb, vb;
	while (header_next(&a, &na, &va)) {
		struct sp_str rest = b;
		bool found = false;
		while (!found && header_next(&rest, &nb, &vb))
			found = esc_eq(na, nb, true) && esc_eq(va, vb, true);
		if (!found)
			return false;
	}
	return true;
}

/* RFC 3261 §19.1.4. */
static bool sip_eq(const struct sp_uri *a, const struct sp_uri *b)
{
	/* userinfo is case-sensitive; a missing user or password only
	 * matches a missing one. */
	if (!opt_eq(a->user, b->user, false) || !opt_eq(a->password, b->password, false))
		return false;
	if (!host_eq(&a->hp, &b->hp))
		return false;
	/* An omitted port never matches an explicit one, not even 5060. */
	if (a->hp.has_port != b->hp.has_port || a->hp.port != b->hp.port)
		return false;
	if (!sip_params_eq(a->params, b->params))
		return false;
	/* Header components are never ignored: compared as sets. */
	return headers_within(a->headers, b->headers) && headers_within(b->headers, a->headers);
}

/* RFC 3966 §4: digits equal after removing visual separators,
 * case-insensitive (hex digits of local numbers). */
static bool tel_digits_eq(struct sp_str a, struct sp_str b)
{
	const char *pa = a.p, *ea = s_end(a);
	const char *pb = b.p, *eb = s_end(b);
	for (;;) {
		while (pa < ea && is_visual((unsigned char)*pa))
			pa++;
		while (pb < eb && is_visual((unsigned char)*pb))
			pb++;
		if (pa == ea || pb == eb)
			return pa == ea && pb == eb;
		if (sp_lower[(unsigned char)*pa++] != sp_lower[(unsigned char)*pb++])
			return false;
	}
}

static bool tel_value_eq(struct sp_str name, struct sp_str a, struct sp_str b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	/* phone-context: global-number-digits digit by digit, a domainname
	 * as a host name; ext digit by digit. */
	if (sp_str_caseeq_c(name, "ext") ||
	    (sp_str_caseeq_c(name, "phone-context") && is_phone_prefix(a) && is_phone_prefix(b)))
		return tel_digits_eq(a, b);
	return esc_eq(a, b, true);
}

/* RFC 3966 §4 (RFC 3261 §19.1.6): same kind of number, same digits, same
 * parameter names (order ignored, names unique), equal values; all
 * case-insensitive. */
static bool tel_eq(const struct sp_uri *a, const struct sp_uri *b)
{
	bool ga = a->user.len && a->user.p[0] == '+';
	bool gb = b->user.len && b->user.p[0] == '+';
	if (ga != gb || !tel_digits_eq(a->user, b->user))
		return false;
	struct sp_str rest = a->params;
	struct sp_param pa, pb;
	size_t na = 0, nb = 0;
	while (sp_param_next(&rest, &pa)) {
		na++;
		struct sp_str in_b = b->params;
		bool found = false;
		while (!found && sp_param_next(&in_b, &pb))
			found = sp_str_caseeq(pa.name, pb.name);
		if (!found || !tel_value_eq(pa.name, pa.value, pb.value))
			return false;
	}
	rest = b->params;
	while (sp_param_next(&rest, &pb))
		nb++;
	return na == nb;
}

bool sp_uri_equal(const struct sp_uri *a, const struct sp_uri *b)
{
	/* A SIP and a SIPS URI are never equivalent (RFC 3261 §19.1.4). */
	if (a->scheme != b->scheme)
		return false;
	switch (a->scheme) {
	case SP_URI_SIP:
	case SP_URI_SIPS:
		return sip_eq(a, b);
	case SP_URI_TEL:
		return tel_eq(a, b);
	case SP_URI_OTHER:
		break;
	}
	return sp_str_caseeq(a->scheme_raw, b->scheme_raw) && sp_str_eq(a->opaque, b->opaque);
}
