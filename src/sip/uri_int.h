/*
 * Internals shared by the URI files: uri.c (sip/sips and the entry point),
 * uri_escape.c (%HH escapes), uri_tel.c (RFC 3966) and uri_compare.c
 * (RFC 3261 §19.1.4).
 */
#ifndef SIPHON_URI_INT_H
#define SIPHON_URI_INT_H

#include "siphon/ctype.h"
#include "siphon/uri.h"

/* Bounds on the parameters and headers of one URI. Legitimate URIs carry a
 * handful; the bound keeps the order-free comparison of sp_uri_equal
 * (quadratic in the count, without allocation) cheap on hostile input. */
#define SP__URI_MAX_PARAMS  128
#define SP__URI_MAX_HEADERS 128

/* One past the last byte of s, without arithmetic on an absent slice. */
static inline const char *sp__uri_end(struct sp_str s)
{
	return s.len ? s.p + s.len : s.p;
}


/* True when p (< end) starts a well-formed escape: "%" HEXDIG HEXDIG. */
bool sp__uri_is_escape(const char *p, const char *end);

/* Scans *( cls / escaped ) at *pp (RFC 3261 §25.1 escaped = "%" HEX HEX).
 * Stops at the first byte outside the set; a '%' not followed by two hex
 * digits is an error there. Advances *pp. */
int sp__uri_scan_chars(const char **pp, const char *end, unsigned cls, struct sp_parse_error *err,
		      const char *rule);

/* RFC 3261 §19.1.4 equality of two escaped components: unreserved
 * characters match their escapes, reserved ones do not; icase folds ASCII
 * case of the decoded bytes. */
bool sp__uri_esc_eq(struct sp_str a, struct sp_str b, bool icase);

/* visual-separator (RFC 3966 §3): "-" / "." / "(" / ")". */
bool sp__tel_is_visual(unsigned char c);

/* descriptor digits: global-number-digits, or the RFC 2806 digits-only
 * prefix that RFC 3261 §19.1.6 still shows ("phone-context=5"). */
bool sp__tel_is_phone_prefix(struct sp_str v);

/* telephone-subscriber = global-number / local-number (RFC 3966 §3). */
int sp__uri_parse_tel(struct sp_uri *uri, const char *p, const char *end, struct sp_parse_error *err);

#endif
