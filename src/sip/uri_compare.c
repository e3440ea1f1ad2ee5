/*
 * URI equality: RFC 3261 §19.1.4 for sip/sips as amended by RFC 5954 §4.2
 * (IP addresses compare by their binary value), RFC 3966 §4 for tel, and
 * case-folded scheme plus exact bytes for other schemes.
 */
#include "uri_int.h"

/* dec-octet "." x4 into out[4]; leading zeros tolerated (RFC 5954 §3.2
 * calls 192.00.02.128 the same address). */
static bool ip4_bin(struct sp_str s, uint8_t out[4])
{
	const char *p = s.p, *end = sp__uri_end(s);
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
	const char *p = s.p, *end = sp__uri_end(s);
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
	return sp__uri_esc_eq(a, b, icase);
}

/* First parameter whose (escaped) name matches name, case-insensitive. */
static bool find_param(struct sp_str params, struct sp_str name, struct sp_param *out)
{
	while (sp_param_next(&params, out))
		if (sp__uri_esc_eq(out->name, name, true))
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
	const char *p = rest->p, *end = sp__uri_end(*rest);
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
			found = sp__uri_esc_eq(na, nb, true) && sp__uri_esc_eq(va, vb, true);
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
	const char *pa = a.p, *ea = sp__uri_end(a);
	const char *pb = b.p, *eb = sp__uri_end(b);
	for (;;) {
		while (pa < ea && sp__tel_is_visual((unsigned char)*pa))
			pa++;
		while (pb < eb && sp__tel_is_visual((unsigned char)*pb))
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
	    (sp_str_caseeq_c(name, "phone-context") && sp__tel_is_phone_prefix(a) && sp__tel_is_phone_prefix(b)))
		return tel_digits_eq(a, b);
	return sp__uri_esc_eq(a, b, true);
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
