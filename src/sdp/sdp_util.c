/*
 * Small shared pieces of the SDP code: failure records, tokens, field
 * splitting and the bounded writer the printer and offer/answer use.
 */
#include <string.h>

#include "sdp_int.h"

int sp__sdp_fail(struct sp_parse_error *err, const char *at, const char *rule)
{
	if (err) {
		err->at = at;
		err->rule = rule;
	}
	return -EBADMSG;
}

int sp__sdp_big(struct sp_parse_error *err, const char *at, const char *rule)
{
	if (err) {
		err->at = at;
		err->rule = rule;
	}
	return -E2BIG;
}

bool sp__sdp_is_token(struct sp_str s)
{
	if (!s.len)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!sp__sdp_tokenchar((unsigned char)s.p[i]))
			return false;
	return true;
}

/* Fields are separated by a single SP (RFC 8866 §5); runs of spaces are
 * accepted. */
struct sp_str sp__sdp_field(const char **pp, const char *end)
{
	const char *p = *pp;
	while (p < end && *p == ' ')
		p++;
	const char *s = p;
	while (p < end && *p != ' ')
		p++;
	*pp = p;
	return sp_str_span(s, p);
}

void sp__sdp_put(struct sp__sdp_w *w, const void *data, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	if (n)
		memcpy(w->p + w->len, data, n);
	w->len += n;
}

void sp__sdp_puts(struct sp__sdp_w *w, const char *s)
{
	sp__sdp_put(w, s, strlen(s));
}

void sp__sdp_putstr(struct sp__sdp_w *w, struct sp_str s)
{
	sp__sdp_put(w, s.p, s.len);
}

void sp__sdp_putu(struct sp__sdp_w *w, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sp__sdp_put(w, tmp + i, sizeof(tmp) - i);
}

bool sp__sdp_copy(char *out, size_t cap, struct sp_str s)
{
	if (s.len >= cap) {
		if (cap)
			out[0] = '\0';
		return false;
	}
	if (s.len)
		memcpy(out, s.p, s.len);
	out[s.len] = '\0';
	return true;
}
