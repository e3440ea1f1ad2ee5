/*
 * %HH escapes in URIs (RFC 3261 §19.1.2, §25.1 escaped; RFC 3986 §2.1):
 * scanning character runs that may hold them, comparing escaped slices, and
 * decoding. Unescaping never stops at a NUL (RFC 4475 escnull).
 */
#include <errno.h>

#include "uri_int.h"

/* True when p (< end) starts a well-formed escape: "%" HEXDIG HEXDIG. */
bool sp__uri_is_escape(const char *p, const char *end)
{
	return end - p >= 3 && p[0] == '%' && sp_is((unsigned char)p[1], SP_C_HEX) &&
	       sp_is((unsigned char)p[2], SP_C_HEX);
}

/* Scans *( cls / escaped ) at *pp (RFC 3261 §25.1 escaped = "%" HEX HEX).
 * Stops at the first byte outside the set; a '%' not followed by two hex
 * digits is an error there. Advances *pp. */
int sp__uri_scan_chars(const char **pp, const char *end, unsigned cls, struct sp_parse_error *err,
		      const char *rule)
{
	const char *p = *pp;
	while (p < end) {
		if (sp_is((unsigned char)*p, cls)) {
			p++;
		} else if (*p == '%') {
			if (!sp__uri_is_escape(p, end))
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
	if (sp__uri_is_escape(p, end)) {
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
bool sp__uri_esc_eq(struct sp_str a, struct sp_str b, bool icase)
{
	const char *pa = a.p, *ea = sp__uri_end(a);
	const char *pb = b.p, *eb = sp__uri_end(b);
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
	const char *p = s.p, *end = sp__uri_end(s);
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
	const char *pa = a.p, *ea = sp__uri_end(a);
	const char *pb = b.p, *eb = sp__uri_end(b);
	if (a.len == 0 || b.len == 0)
		return a.len == b.len;
	while (pa < ea && pb < eb) {
		bool xa, xb;
		if (next_char(&pa, ea, &xa) != next_char(&pb, eb, &xb))
			return false;
	}
	return pa == ea && pb == eb;
}
