/*
 * A bounded write buffer over caller memory: every append past the
 * capacity is dropped and sets `overflow`, so a whole print is checked
 * once at the end instead of after each write. Not NUL-terminated.
 */
#ifndef SIPHON_WBUF_H
#define SIPHON_WBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/str.h"

struct sp_wbuf {
	char *p;
	size_t len, cap;
	bool overflow;
};

/* Starts b empty over mem[cap]. */
void sp_wbuf_init(struct sp_wbuf *b, char *mem, size_t cap);
/* Appends n bytes of data, or sets overflow (and writes nothing) when they
 * do not all fit; nothing more is written once overflow is set. */
void sp_wbuf_put(struct sp_wbuf *b, const void *data, size_t n);
/* sp_wbuf_put of a slice, of a NUL-terminated string, of v in decimal. */
void sp_wbuf_str(struct sp_wbuf *b, struct sp_str s);
void sp_wbuf_cstr(struct sp_wbuf *b, const char *s);
void sp_wbuf_u64(struct sp_wbuf *b, uint64_t v);
/* printf-style append; overflow when the result does not fit. */
void sp_wbuf_printf(struct sp_wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
