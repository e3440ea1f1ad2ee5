/*
 * Slices: a pointer and a length into someone else's bytes. A parsed message
 * is a tree of slices into its receive buffer; nothing is copied and nothing
 * is NUL-terminated, so NUL bytes inside values never truncate anything.
 * Slices are passed by value and never own memory.
 */
#ifndef SIPHON_STR_H
#define SIPHON_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sp_str {
	const char *p;
	size_t len;
};

/* A slice of a string literal: SP_STR("INVITE"). */
#define SP_STR(lit) ((struct sp_str){ (lit), sizeof(lit) - 1 })
/* The empty slice with p == NULL: "absent", as opposed to present and empty. */
#define SP_STR_NULL ((struct sp_str){ NULL, 0 })

/* A slice over a NUL-terminated C string (NULL gives SP_STR_NULL). */
static inline struct sp_str sp_str_c(const char *s)
{
	return s ? (struct sp_str){ s, strlen(s) } : SP_STR_NULL;
}

/* A slice from p to end (end >= p). */
static inline struct sp_str sp_str_span(const char *p, const char *end)
{
	return (struct sp_str){ p, (size_t)(end - p) };
}

/* True when the slice was set (p != NULL), even if it is empty. */
static inline bool sp_str_present(struct sp_str s)
{
	return s.p != NULL;
}

/* Byte-exact equality. */
bool sp_str_eq(struct sp_str a, struct sp_str b);

/* ASCII case-insensitive equality (tokens, header names, hosts). */
bool sp_str_caseeq(struct sp_str a, struct sp_str b);

/* Case-insensitive comparison of a slice with a C string literal. */
static inline bool sp_str_caseeq_c(struct sp_str a, const char *c)
{
	return sp_str_caseeq(a, sp_str_c(c));
}

/* Slice without leading and trailing LWS (SP, HTAB, CR, LF). Inline: it
 * runs once per header value on the parse hot path. */
static inline struct sp_str sp_str_trim(struct sp_str s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
		s.p++;
		s.len--;
	}
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' ||
			 s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n'))
		s.len--;
	return s;
}

/* Parses an unsigned decimal number made only of DIGITs (leading zeros
 * allowed, no sign, no space). Returns 0 and sets *out, -EINVAL if s is empty
 * or holds a non-digit, -ERANGE if the value exceeds max (never wraps). */
int sp_str_to_u64(struct sp_str s, uint64_t max, uint64_t *out);

/* Index of the first byte c in s, or -1. */
static inline ptrdiff_t sp_str_chr(struct sp_str s, char c)
{
	const char *hit = s.len ? memchr(s.p, c, s.len) : NULL;
	return hit ? hit - s.p : -1;
}

/* printf helper: printf("%.*s", SP_STR_FMT(s)). */
#define SP_STR_FMT(s) (int)(s).len, (s).p

#endif
