/*
 * Small shared pieces of the SDP code: failure records, tokens and field
 * splitting.
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
