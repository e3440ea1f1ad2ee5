/*
 * libFuzzer target for the WAV reader (wav.c) over a memory buffer.
 * Besides "no crash, no sanitizer report", every run checks the
 * contracts: open returns 0, -EBADMSG or -ENOTSUP; an opened file has a
 * supported format; reading in frames of varying size never returns
 * more than asked, never an error, delivers exactly info.samples samples
 * in all, and stays at 0 after the end.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "siphon/mem.h"
#include "siphon/wav.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_wav_reader *r = NULL;
	int rc = sp_wav_open_mem(&r, data, size);
	if (rc) {
		check(rc == -EBADMSG || rc == -ENOTSUP);
		check(r == NULL);
		return 0;
	}
	const struct sp_wav_info *info = sp_wav_info(r);
	check(info->format == SP_WAVE_PCM || info->format == SP_WAVE_ALAW ||
	      info->format == SP_WAVE_MULAW);
	check(info->channels >= 1 && info->channels <= 8);
	check(info->rate >= 1000 && info->rate <= 192000);
	check(info->frames * info->channels * (info->bits / 8u) <= size);
	static const size_t steps[] = {160, 1, 7, 333, 4096};
	int16_t buf[4096];
	uint64_t total = 0;
	for (unsigned k = 0;; k++) {
		size_t want = steps[k % 5];
		long got = sp_wav_read(r, buf, want);
		check(got >= 0 && (size_t)got <= want);
		if (got == 0)
			break;
		total += (uint64_t)got;
		check(total <= info->samples);
	}
	check(total == info->samples);
	check(sp_wav_read(r, buf, 160) == 0);
	sp_mem_deref(r);
	return 0;
}
