/*
 * Packet loss concealment for 8 kHz speech in the manner of ITU-T G.711
 * Appendix I: keep the last 48.75 ms of good signal; when a frame is
 * lost, find the pitch period (40..120 samples, 200..66 Hz) as the lag
 * of highest normalised autocorrelation over the last 20 ms, and repeat
 * the last period; leave the first 10 ms of a loss at full level, then
 * attenuate by 20% per 10 ms so that 60 ms of loss fade to silence
 * (App. I §I.2.4); cross-fade the first good frame after a loss with the
 * continuing synthetic signal (§I.2.5).
 *
 * Our own code rather than spandsp's plc_t, which does an overlapping
 * memcpy() (undefined behaviour that AddressSanitizer stops on). It
 * simplifies Appendix I in one respect: no overlap-add at the start of
 * an erasure, which would need the 3.75 ms of output delay the Appendix
 * adds; repeating whole periods keeps periodic signals continuous.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "siphon/audio.h"
#include "siphon/mem.h"

#define HIST 390        /* 48.75 ms */
#define PITCH_MIN 40    /* 200 Hz */
#define PITCH_MAX 120   /* 66.7 Hz */
#define CORR_LEN 160    /* 20 ms compared */
#define FULL_LEVEL 80   /* samples of loss at full level (10 ms) */
#define FADE 400        /* then down to zero over 50 ms (20% per 10 ms) */
#define XFADE 40        /* cross-fade into the first good frame (5 ms) */

struct sp_plc {
	int16_t hist[HIST]; /* newest sample last */
	int16_t period[PITCH_MAX];
	unsigned pitch, pos;
	unsigned erased;    /* samples concealed in the current loss */
	uint64_t concealed;
};

int sp_plc_create(struct sp_plc **out)
{
	struct sp_plc *plc = sp_mem_zalloc(sizeof(*plc), NULL);
	if (!plc)
		return -ENOMEM;
	*out = plc;
	return 0;
}

/* Lag in PITCH_MIN..PITCH_MAX with the highest normalised correlation
 * between the last CORR_LEN samples and those lag earlier. */
static unsigned find_pitch(const int16_t *h)
{
	const int16_t *x = h + HIST - CORR_LEN;
	unsigned best = PITCH_MAX;
	double best_c = -2.0;
	for (unsigned lag = PITCH_MIN; lag <= PITCH_MAX; lag++) {
		double xy = 0.0, yy = 0.0;
		for (unsigned i = 0; i < CORR_LEN; i++) {
			double y = x[(int)i - (int)lag];
			xy += x[i] * y;
			yy += y * y;
		}
		double c = yy > 0.0 ? xy / sqrt(yy) : 0.0;
		if (c > best_c + 1e-9) {
			best_c = c;
			best = lag;
		}
	}
	return best;
}

/* The next synthetic sample, attenuated for the time already erased. */
static double synth(struct sp_plc *plc)
{
	double v = plc->period[plc->pos];
	plc->pos = (plc->pos + 1) % plc->pitch;
	unsigned e = plc->erased;
	if (e <= FULL_LEVEL)
		return v;
	if (e >= FULL_LEVEL + FADE)
		return 0.0;
	return v * (1.0 - (double)(e - FULL_LEVEL) / FADE);
}

static int16_t sat(double v)
{
	long r = lround(v);
	return (int16_t)(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
}

void sp_plc_rx(struct sp_plc *plc, int16_t *samples, size_t n)
{
	if (plc->erased) {
		/* §I.2.5: fade from the synthetic signal into the real one. */
		size_t len = n < XFADE ? n : XFADE;
		for (size_t i = 0; i < len; i++) {
			double w = (double)(i + 1) / (double)(len + 1);
			samples[i] = sat(w * samples[i] + (1.0 - w) * synth(plc));
		}
		plc->erased = 0;
	}
	if (n >= HIST) {
		memcpy(plc->hist, samples + n - HIST, sizeof(plc->hist));
	} else {
		memmove(plc->hist, plc->hist + n, (HIST - n) * sizeof(plc->hist[0]));
		memcpy(plc->hist + HIST - n, samples, n * sizeof(plc->hist[0]));
	}
}

void sp_plc_fill(struct sp_plc *plc, int16_t *out, size_t n)
{
	if (!plc->erased) {
		plc->pitch = find_pitch(plc->hist);
		memcpy(plc->period, plc->hist + HIST - plc->pitch,
		       plc->pitch * sizeof(plc->period[0]));
		plc->pos = 0;
	}
	for (size_t i = 0; i < n; i++) {
		out[i] = sat(synth(plc));
		if (plc->erased < FULL_LEVEL + FADE)
			plc->erased++;
	}
	plc->concealed += n;
}

uint64_t sp_plc_concealed(const struct sp_plc *plc)
{
	return plc->concealed;
}
