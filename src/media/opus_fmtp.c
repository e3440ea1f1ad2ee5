/*
 * The Opus format parameters of RFC 7587 §6.1, read from an a=fmtp
 * value ("maxplaybackrate=8000;useinbandfec=1"). They are declarative
 * (§6.2.1): each side states what it receives or sends, so the media
 * layer reads the peer's line to configure its encoder. Lenient: unknown
 * or malformed pieces are skipped.
 */
#include <string.h>

#include "siphon/opus.h"

/* A decimal number of at most 9 digits, or -1. */
static long number(struct sp_str v)
{
	long n = 0;
	if (!v.len || v.len > 9)
		return -1;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (v.p[i] - '0');
	}
	return n;
}

static void set_rate(unsigned *field, long v, long lo, long hi)
{
	if (v >= lo && v <= hi)
		*field = (unsigned)v;
}

static void set_flag(bool *field, long v)
{
	if (v == 0 || v == 1)
		*field = v == 1;
}

void sp_opus_fmtp_parse(struct sp_str fmtp, struct sp_opus_fmtp *out)
{
	memset(out, 0, sizeof(*out));
	struct sp_str s = fmtp;
	while (s.p && s.len) {
		ptrdiff_t semi = sp_str_chr(s, ';');
		struct sp_str item = {s.p, semi < 0 ? s.len : (size_t)semi};
		s = semi < 0 ? SP_STR_NULL : sp_str_span(s.p + semi + 1, s.p + s.len);
		ptrdiff_t eq = sp_str_chr(item, '=');
		if (eq < 0)
			continue;
		struct sp_str name = sp_str_trim((struct sp_str){item.p, (size_t)eq});
		struct sp_str val = sp_str_trim(sp_str_span(item.p + eq + 1, item.p + item.len));
		long v = number(val);
		if (sp_str_caseeq_c(name, "maxplaybackrate"))
			set_rate(&out->maxplaybackrate, v, 8000, 48000);
		else if (sp_str_caseeq_c(name, "sprop-maxcapturerate"))
			set_rate(&out->sprop_maxcapturerate, v, 8000, 48000);
		else if (sp_str_caseeq_c(name, "maxaveragebitrate"))
			set_rate(&out->maxaveragebitrate, v, 6000, 510000);
		else if (sp_str_caseeq_c(name, "maxptime"))
			set_rate(&out->maxptime, v, 3, 120);
		else if (sp_str_caseeq_c(name, "minptime"))
			set_rate(&out->minptime, v, 3, 120);
		else if (sp_str_caseeq_c(name, "stereo"))
			set_flag(&out->stereo, v);
		else if (sp_str_caseeq_c(name, "sprop-stereo"))
			set_flag(&out->sprop_stereo, v);
		else if (sp_str_caseeq_c(name, "cbr"))
			set_flag(&out->cbr, v);
		else if (sp_str_caseeq_c(name, "useinbandfec"))
			set_flag(&out->useinbandfec, v);
		else if (sp_str_caseeq_c(name, "usedtx"))
			set_flag(&out->usedtx, v);
	}
}
