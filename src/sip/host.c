/*
 * host [":" port] for SIP URIs and Via sent-by (RFC 3261 §25.1 hostport),
 * with IPv6 references per RFC 5118: an IPv6 address is only valid inside
 * brackets, so "sip:2001:db8::10" is rejected rather than misread.
 */
#include "siphon/ctype.h"
#include "siphon/parse.h"

/* RFC 3261 §25.1 IPv4address: four groups of 1-3 digits, each at most
 * 255, separated by dots. One pass, no table lookups (every numeric host
 * of every message comes here). */
bool sp_ipv4_valid(struct sp_str s)
{
	const char *p = s.p, *end = s.p + s.len;
	unsigned dots = 0, digits = 0, v = 0;
	if (s.len < 7 || s.len > 15)
		return false;
	for (; p < end; p++) {
		unsigned d = (unsigned)(unsigned char)*p - '0';
		if (d <= 9) {
			v = v * 10 + d;
			if (++digits > 3 || v > 255)
				return false;
		} else if (*p == '.' && digits && dots < 3) {
			dots++;
			digits = v = 0;
		} else {
			return false;
		}
	}
	return dots == 3 && digits;
}

/* RFC 5118 §4.10: RFC 3261's hexpart [ ":" IPv4address ] lets "::" be
 * followed by one more ':' before an embedded IPv4 address
 * ("2001:db8:::192.0.2.1"). RFC 5954 §4.1 fixed the ABNF, but a receiver
 * must still tolerate the old form. p is just past the "::". */
static bool extra_colon_ipv4(const char *p, const char *end)
{
	return p < end && *p == ':' && sp_ipv4_valid(sp_str_span(p + 1, end));
}

/* RFC 3261 §25.1 IPv6address: hexpart [ ":" IPv4address ], at most one "::". */
bool sp_ipv6_valid(struct sp_str s)
{
	const char *p = s.p, *end = s.p + s.len;
	int groups = 0;
	bool compressed = false;
	if (s.len < 2)
		return false;
	if (p[0] == ':') {
		if (p[1] != ':')
			return false;
		compressed = true;
		p += 2;
		if (p == end)
			return true;
		if (extra_colon_ipv4(p, end))
			return true;
	}
	while (p < end) {
		const char *g = p;
		while (p < end && sp_is((unsigned char)*p, SP_C_HEX) && p - g < 5)
			p++;
		size_t n = (size_t)(p - g);
		if (p < end && *p == '.') {
			/* Embedded IPv4 takes the place of two groups. */
			if (!sp_ipv4_valid(sp_str_span(g, end)))
				return false;
			groups += 2;
			p = end;
			break;
		}
		if (n == 0 || n > 4)
			return false;
		groups++;
		if (p == end)
			break;
		if (*p != ':')
			return false;
		p++;
		if (p < end && *p == ':') {
			if (compressed)
				return false;
			compressed = true;
			p++;
			if (p == end)
				break;
			if (extra_colon_ipv4(p, end)) {
				groups += 2;
				break;
			}
		} else if (p == end) {
			return false; /* trailing single ':' */
		}
	}
	return compressed ? groups <= 7 : groups == 8;
}

/* Character classes of hostname (RFC 3261 §25.1): 0 ends the host. */
enum { HC_ALPHA = 1, HC_DIGIT = 2, HC_DASH = 4, HC_DOT = 8 };
static const uint8_t host_class[256] = {
	['-'] = HC_DASH, ['.'] = HC_DOT,
	['0' ... '9'] = HC_DIGIT,
	['A' ... 'Z'] = HC_ALPHA,
	['a' ... 'z'] = HC_ALPHA,
};

int sp_hostport_scan(const char **pp, const char *end, struct sp_hostport *hp,
		     struct sp_parse_error *err)
{
	const char *p = *pp;
	hp->has_port = false;
	hp->port = 0;
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close || !sp_ipv6_valid(sp_str_span(p + 1, close)))
			return sp_parse_fail(err, p, "IPv6reference");
		hp->host = sp_str_span(p, close + 1);
		hp->kind = SP_HOST_IPV6;
		p = close + 1;
	} else {
		/* One pass: collect the facts hostname needs (labels non-empty,
		 * no '-' at either end, toplabel starts with a letter) while
		 * finding the end; all digits and dots means IPv4address. A
		 * bad neighbour pair (".." ".-" "-." or a leading '.'/'-') is
		 * caught by looking at the previous class only. */
		const char *h = p, *top = p;
		unsigned seen = 0, prev = HC_DOT; /* as if a '.' preceded the host */
		bool labels_ok = true;
		for (; p < end; p++) {
			unsigned cls = host_class[(unsigned char)*p];
			if (!cls)
				break;
			if (prev == HC_DOT) {
				top = p;
				labels_ok &= !(cls & (HC_DOT | HC_DASH));
			} else if (prev == HC_DASH) {
				labels_ok &= cls != HC_DOT;
			}
			seen |= cls;
			prev = cls;
		}
		bool numeric = !(seen & (HC_ALPHA | HC_DASH));
		hp->host = sp_str_span(h, p);
		if (numeric) {
			if (!sp_ipv4_valid(hp->host))
				return sp_parse_fail(err, h, "IPv4address");
			hp->kind = SP_HOST_IPV4;
		} else {
			/* A trailing '.' (FQDN) leaves top on the label before. */
			if (!labels_ok || prev == HC_DASH ||
			    !sp_is((unsigned char)*top, SP_C_ALPHA))
				return sp_parse_fail(err, h, "hostname");
			hp->kind = SP_HOST_NAME;
		}
	}
	if (p < end && *p == ':') {
		const char *d = ++p;
		uint32_t port = 0;
		while (p < end && sp_is((unsigned char)*p, SP_C_DIGIT)) {
			if (port <= 65535)
				port = port * 10 + (uint32_t)(*p - '0');
			p++;
		}
		if (p == d || port > 65535)
			return sp_parse_fail(err, d, "port");
		hp->has_port = true;
		hp->port = (uint16_t)port;
	}
	*pp = p;
	return 0;
}
