/*
 * Character classes of the SIP grammar (RFC 3261 §25.1) as one 256-entry
 * bit table, so each hot-loop test is a single load and mask. Unlike
 * <ctype.h> these never depend on the locale and accept any byte value.
 */
#ifndef SIPHON_CTYPE_H
#define SIPHON_CTYPE_H

#include <stdbool.h>
#include <stdint.h>

enum {
	SP_C_ALPHA = 1u << 0,      /* A-Z a-z */
	SP_C_DIGIT = 1u << 1,      /* 0-9 */
	SP_C_HEX = 1u << 2,        /* 0-9 A-F a-f */
	SP_C_TOKEN = 1u << 3,      /* token: alphanum "-.!%*_+`'~" */
	SP_C_WS = 1u << 4,         /* SP HTAB */
	SP_C_LWS = 1u << 5,        /* SP HTAB CR LF (folded whitespace) */
	SP_C_UNRESERVED = 1u << 6, /* alphanum mark: alphanum "-_.!~*'()" */
	SP_C_USER = 1u << 7,       /* user-unreserved "&=+$,;?/" */
	SP_C_PARAM = 1u << 8,      /* param-unreserved "[]/:&+$" */
	SP_C_HNV = 1u << 9,        /* hnv-unreserved "[]/?:+$" */
	SP_C_PASSWORD = 1u << 10,  /* password extra "&=+$," */
	SP_C_HOST = 1u << 11,      /* hostname chars: alphanum "-." */
	SP_C_WORD = 1u << 12,      /* word: token + "()<>:\\\"/[]?{}" */
	SP_C_RESERVED = 1u << 13,  /* reserved ";/?:@&=+$," */
	SP_C_UTF8 = 1u << 14,      /* 0x80-0xFF (UTF8-NONASCII bytes) */
};

extern const uint16_t sp_ctype[256];
extern const unsigned char sp_lower[256];

static inline bool sp_is(unsigned char c, unsigned cls)
{
	return (sp_ctype[c] & cls) != 0;
}

static inline int sp_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = sp_lower[c];
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
