/*
 * Sine and dual-tone generation with phase kept across calls, so a tone
 * can be produced one 20 ms frame at a time without clicks. Levels: dBm0
 * for telephony (relative to the G.711 digital milliwatt), dBFS for files.
 */
#include <errno.h>
#include <math.h>

#include "siphon/audio.h"

#define TWO_PI (2.0 * M_PI)

/* ITU-T G.711 §4: the largest sine a G.711 coder carries without clipping
 * is +3.14 dBm0 (A-law; +3.17 for μ-law). We take 3.14 dBm0 as full scale
 * (peak 32767), as spandsp does, so 0 dBm0 peaks at about 22826. */
#define FULL_SCALE_DBM0 3.14

double sp_dbm0_to_amp(double dbm0)
{
	return 32767.0 * pow(10.0, (dbm0 - FULL_SCALE_DBM0) / 20.0);
}

double sp_dbfs_to_amp(double dbfs)
{
	return 32767.0 * pow(10.0, dbfs / 20.0);
}

static bool freq_ok(double hz)
{
	return hz >= 0.0 && hz <= SP_AUDIO_RATE / 2.0;
}

int sp_tone_init_dual(struct sp_tone *t, double hz1, double amp1, double hz2, double amp2)
{
	if (!freq_ok(hz1) || !freq_ok(hz2) || !(amp1 >= 0.0) || !(amp2 >= 0.0) ||
	    amp1 + amp2 > 32767.0)
		return -EINVAL;
	t->phase[0] = t->phase[1] = 0.0;
	t->step[0] = TWO_PI * hz1 / SP_AUDIO_RATE;
	t->step[1] = TWO_PI * hz2 / SP_AUDIO_RATE;
	t->amp[0] = amp1;
	t->amp[1] = amp2;
	return 0;
}

int sp_tone_init(struct sp_tone *t, double hz, double amp)
{
	return sp_tone_init_dual(t, hz, amp, 0.0, 0.0);
}

void sp_tone_generate(struct sp_tone *t, int16_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double v = t->amp[0] * sin(t->phase[0]) + t->amp[1] * sin(t->phase[1]);
		long r = lround(v);
		out[i] = (int16_t)(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
		for (int k = 0; k < 2; k++) {
			t->phase[k] += t->step[k];
			if (t->phase[k] >= TWO_PI)
				t->phase[k] -= TWO_PI;
		}
	}
}
