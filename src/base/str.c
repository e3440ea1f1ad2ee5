/*
 * Slice helpers: comparison, trimming and overflow-safe number parsing.
 */
#include <errno.h>

#include "siphon/ctype.h"
#include "siphon/str.h"

bool sp_str_eq(struct sp_str a, struct sp_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool sp_str_caseeq(struct sp_str a, struct sp_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (sp_lower[(unsigned char)a.p[i]] != sp_lower[(unsigned char)b.p[i]])
			return false;
	return true;
}

int sp_str_to_u64(struct sp_str s, uint64_t max, uint64_t *out)
{
	const uint64_t limit = max / 10, last = max % 10;
	uint64_t v = 0;
	bool range = false;
	if (s.len == 0)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		uint64_t d = (uint64_t)(unsigned char)s.p[i] - '0';
		if (d > 9)
			return -EINVAL;
		/* v * 10 + d > max, decided without overflowing. */
		if (v > limit || (v == limit && d > last))
			range = true;
		else
			v = v * 10 + d;
	}
	if (range)
		return -ERANGE;
	*out = v;
	return 0;
}
