/*
 * Internals shared by the SDP files: the failure helpers, the SDP token
 * character set (RFC 8866 §9, wider than SIP's), field splitting, the
 * connection-address parser used by c= and a=rtcp. Printing uses the
 * bounded write buffer of base (wbuf.h).
 */
#ifndef SIPHON_SDP_INT_H
#define SIPHON_SDP_INT_H

#include <errno.h>

#include "siphon/sdp.h"
#include "siphon/wbuf.h"

/* Records err (may be NULL) and returns -EBADMSG. */
int sp__sdp_fail(struct sp_parse_error *err, const char *at, const char *rule);

/* Records err (may be NULL) and returns -E2BIG (an SP_SDP_MAX_* limit). */
int sp__sdp_big(struct sp_parse_error *err, const char *at, const char *rule);

/* token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A /
 * %x5E-7E (RFC 8866 §9). */
static inline bool sp__sdp_tokenchar(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d ||
	       c == 0x2e || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
	       (c >= 0x5e && c <= 0x7e);
}

/* True when s is a non-empty token. */
bool sp__sdp_is_token(struct sp_str s);

/* Next space-separated field of [*pp, end): skips spaces, returns the run
 * of non-space bytes (empty at the end) and advances *pp past it. */
struct sp_str sp__sdp_field(const char **pp, const char *end);

/* Parses "<nettype> SP <addrtype> SP <connection-address>" covering exactly
 * [p, end) into *c (RFC 8866 §5.7, §9). Returns 0 or -EBADMSG. */
int sp__sdp_conn_parse(struct sp_sdp_conn *c, const char *p, const char *end,
		       struct sp_parse_error *err);

/* A decimal 1*DIGIT number no larger than max. */
static inline bool sp__sdp_num(struct sp_str s, uint64_t max, uint64_t *out)
{
	return sp_str_to_u64(s, max, out) == 0;
}

/* Copies s into out[cap] with a NUL; false (out emptied) if it does not
 * fit. */
bool sp__sdp_copy(char *out, size_t cap, struct sp_str s);

#endif
