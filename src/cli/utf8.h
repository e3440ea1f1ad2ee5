/*
 * UTF-8 recognition for printing untrusted bytes (RFC 3629 §4): which
 * bytes form a well-formed sequence that may be shown as is, and which
 * must be escaped. SIP allows UTF-8 in display names, reason phrases and
 * header values (RFC 3261 §25.1 UTF8-NONASCII), but a message can hold
 * any byte, so both printers of `siphon lint` go through this.
 */
#ifndef SIPHON_CLI_UTF8_H
#define SIPHON_CLI_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (2..4) of the well-formed multi-byte sequence at p[0..n), with
 * its code point in *cp; 0 if p[0] does not start one (ASCII, a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or
 * a truncated sequence). */
static inline size_t sp_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;
	if (n == 0 || p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	if (p[0] < 0xe0) {
		len = 2, c = p[0] & 0x1fu, min = 0x80;
	} else if (p[0] < 0xf0) {
		len = 3, c = p[0] & 0x0fu, min = 0x800;
	} else {
		len = 4, c = p[0] & 0x07u, min = 0x10000;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

#endif
