/*
 * libFuzzer target for the Opus pieces that read peer input
 * (src/media/opus_fmtp.c, src/media/opus.c): the input is parsed as an
 * RFC 7587 §6.1 fmtp value, and decoded as an Opus packet (RFC 6716
 * §3.4), then used as the FEC source of a lost frame. Checks:
 *  - the parsed fmtp stays in its documented ranges (or 0 when absent);
 *  - a decode returns -EBADMSG or 1..SP_OPUS_MAX_SAMPLES samples, never
 *    more than the buffer, and FEC/concealment return exactly n.
 * Without libopus only the fmtp parser is exercised.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "siphon/mem.h"
#include "siphon/opus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_opus_fmtp f;
	sp_opus_fmtp_parse((struct sp_str){ (const char *)data, size }, &f);
	check(f.maxplaybackrate == 0 || (f.maxplaybackrate >= 8000 && f.maxplaybackrate <= 48000));
	check(f.maxaveragebitrate == 0 ||
	      (f.maxaveragebitrate >= 6000 && f.maxaveragebitrate <= 510000));

	struct sp_opus_dec *d;
	if (sp_opus_dec_create(&d) != 0)
		return 0; /* no libopus in this build */
	static int16_t pcm[SP_OPUS_MAX_SAMPLES];
	int n = sp_opus_decode(d, data, size, pcm, SP_OPUS_MAX_SAMPLES);
	check(n == -EBADMSG || (n > 0 && n <= SP_OPUS_MAX_SAMPLES) || (size == 0 && n < 0));
	int m = sp_opus_decode_fec(d, data, size, pcm, 160);
	check(m == 160 || m == -EBADMSG || m == -EINVAL);
	check(sp_opus_decode(d, NULL, 0, pcm, 160) == 160);
	sp_mem_deref(d);
	return 0;
}
