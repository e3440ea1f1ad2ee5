/*
 * The bounded write buffer (wbuf.h): appends that stop at the capacity and
 * remember that they did, so a whole print is checked once at the end.
 * Used by SIP printing (print.h) and SDP printing (sdp.h) alike.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "siphon/wbuf.h"

void sp_wbuf_init(struct sp_wbuf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
}

void sp_wbuf_put(struct sp_wbuf *b, const void *data, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

void sp_wbuf_str(struct sp_wbuf *b, struct sp_str s)
{
	sp_wbuf_put(b, s.p, s.len);
}

void sp_wbuf_cstr(struct sp_wbuf *b, const char *s)
{
	sp_wbuf_put(b, s, strlen(s));
}

void sp_wbuf_u64(struct sp_wbuf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sp_wbuf_put(b, tmp + i, sizeof(tmp) - i);
}

void sp_wbuf_printf(struct sp_wbuf *b, const char *fmt, ...)
{
	if (b->overflow)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->overflow = true;
	else
		b->len += (size_t)n;
}
