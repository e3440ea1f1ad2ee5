/*
 * In-band DTMF detection: eight Goertzel filters (the ITU-T Q.23 row and
 * column frequencies) over blocks of 102 samples, as spandsp and most
 * softswitches do; 102 samples resolve the 73 Hz between adjacent rows
 * well enough and keep a block at 12.75 ms. A block "hits" a digit when
 * (ITU-T Q.24 style acceptance, with margins for G.711 noise):
 *  - the strongest row and column tone each reach -30 dBm0;
 *  - their levels differ by at most 8 dB (twist, either way);
 *  - each is at least 6 dB above the others of its group;
 *  - together they carry at least 70% of the block's energy, which
 *    rejects speech and music that happen to contain the frequencies.
 * Two hits in a row accept a digit; two misses in a row end it, so a
 * single odd block inside a tone does not report the digit twice.
 */
#include <errno.h>
#include <math.h>

#include "siphon/dtmf.h"
#include "siphon/mem.h"

#define BLOCK 102
#define OUTQ 128

static const double freqs[8] = {697, 770, 852, 941, 1209, 1336, 1477, 1633};
static const char layout[17] = "123A456B789C*0#D";

struct sp_dtmf_detect {
	double coef[8];
	double min_amp;
	int16_t block[BLOCK];
	size_t fill;
	char last_hit;    /* this block's verdict (0: none) */
	unsigned run;     /* consecutive blocks with that verdict */
	char current;     /* digit being heard, 0 if none */
	char out[OUTQ];
	size_t nout;
};

int sp_dtmf_detect_create(struct sp_dtmf_detect **out)
{
	struct sp_dtmf_detect *d = sp_mem_zalloc(sizeof(*d), NULL);
	if (!d)
		return -ENOMEM;
	for (int i = 0; i < 8; i++)
		d->coef[i] = 2.0 * cos(2.0 * M_PI * freqs[i] / SP_AUDIO_RATE);
	d->min_amp = sp_dbm0_to_amp(-30.0);
	*out = d;
	return 0;
}

/* Peak amplitude of the tone at filter k over the block. */
static double goertzel(const int16_t *s, double coef)
{
	double s1 = 0.0, s2 = 0.0;
	for (int i = 0; i < BLOCK; i++) {
		double s0 = s[i] + coef * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	double p = s1 * s1 + s2 * s2 - coef * s1 * s2;
	return p > 0.0 ? 2.0 * sqrt(p) / BLOCK : 0.0;
}

/* The digit this block carries, or 0. */
static char classify(const struct sp_dtmf_detect *d)
{
	double amp[8], energy = 0.0;
	for (int i = 0; i < BLOCK; i++)
		energy += (double)d->block[i] * d->block[i];
	for (int k = 0; k < 8; k++)
		amp[k] = goertzel(d->block, d->coef[k]);
	int r = 0, c = 4;
	for (int k = 1; k < 4; k++) {
		if (amp[k] > amp[r])
			r = k;
		if (amp[4 + k] > amp[c])
			c = 4 + k;
	}
	if (amp[r] < d->min_amp || amp[c] < d->min_amp)
		return 0;
	double twist = amp[r] > amp[c] ? amp[r] / amp[c] : amp[c] / amp[r];
	if (twist > 2.512) /* 8 dB */
		return 0;
	for (int k = 0; k < 4; k++) {
		if (k != r && amp[k] * 2.0 > amp[r]) /* 6 dB */
			return 0;
		if (4 + k != c && amp[4 + k] * 2.0 > amp[c])
			return 0;
	}
	/* A sine of peak A carries BLOCK·A²/2 of energy. */
	double tones = BLOCK * (amp[r] * amp[r] + amp[c] * amp[c]) / 2.0;
	if (tones < 0.7 * energy)
		return 0;
	return layout[r * 4 + (c - 4)];
}

static size_t block_done(struct sp_dtmf_detect *d)
{
	char hit = classify(d);
	d->run = hit == d->last_hit ? d->run + 1 : 1;
	d->last_hit = hit;
	if (d->run != 2)
		return 0;
	if (!hit) {
		d->current = 0;
		return 0;
	}
	if (hit == d->current)
		return 0;
	d->current = hit;
	if (d->nout < OUTQ)
		d->out[d->nout++] = hit;
	return 1;
}

size_t sp_dtmf_detect_feed(struct sp_dtmf_detect *d, const int16_t *samples, size_t n)
{
	size_t found = 0;
	for (size_t i = 0; i < n; i++) {
		d->block[d->fill++] = samples[i];
		if (d->fill == BLOCK) {
			found += block_done(d);
			d->fill = 0;
		}
	}
	return found;
}

size_t sp_dtmf_detect_get(struct sp_dtmf_detect *d, char *buf, size_t max)
{
	size_t n = d->nout < max - 1 ? d->nout : max - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = d->out[i];
	buf[n] = '\0';
	for (size_t i = n; i < d->nout; i++)
		d->out[i - n] = d->out[i];
	d->nout -= n;
	return n;
}
