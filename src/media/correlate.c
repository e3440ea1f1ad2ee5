/*
 * Cross-correlation of a reference and a recording, for tests that play
 * a file through a call and check what came out the other end. The full
 * cross-correlation over all lags comes from one FFT product
 * (conj(FFT(ref)) · FFT(rec)), O(n log n), so searching two seconds of
 * lag over a minute of audio is quick even under sanitizers. The chosen
 * lag is the one with the largest raw correlation (which favours large
 * overlaps over a lucky match of a few samples); the coefficient reported
 * is the Pearson correlation of the two overlapping stretches.
 */
#include <complex.h>
#include <errno.h>
#include <math.h>

#include "siphon/audio.h"
#include "siphon/mem.h"
#include "siphon/wav.h"

/* In-place iterative radix-2 FFT of x[n] (n a power of 2); inverse
 * when inv (unscaled). */
static void fft(double complex *x, size_t n, bool inv)
{
	for (size_t i = 1, j = 0; i < n; i++) {
		size_t bit = n >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j ^= bit;
		if (i < j) {
			double complex t = x[i];
			x[i] = x[j];
			x[j] = t;
		}
	}
	for (size_t len = 2; len <= n; len <<= 1) {
		double ang = 2.0 * M_PI / (double)len * (inv ? 1.0 : -1.0);
		double complex wl = cos(ang) + I * sin(ang);
		for (size_t i = 0; i < n; i += len) {
			double complex w = 1.0;
			for (size_t k = 0; k < len / 2; k++) {
				double complex u = x[i + k], v = x[i + k + len / 2] * w;
				x[i + k] = u + v;
				x[i + k + len / 2] = u - v;
				w *= wl;
			}
		}
	}
}

static double mean(const int16_t *s, size_t n)
{
	double sum = 0.0;
	for (size_t i = 0; i < n; i++)
		sum += s[i];
	return sum / (double)n;
}

/* Pearson correlation of a[n] and b[n]. */
static double pearson(const int16_t *a, const int16_t *b, size_t n)
{
	double ma = mean(a, n), mb = mean(b, n);
	double sab = 0.0, saa = 0.0, sbb = 0.0;
	for (size_t i = 0; i < n; i++) {
		double x = a[i] - ma, y = b[i] - mb;
		sab += x * y;
		saa += x * x;
		sbb += y * y;
	}
	if (saa <= 0.0 || sbb <= 0.0)
		return 0.0;
	return sab / sqrt(saa * sbb);
}

#define MAX_TOTAL ((size_t)1 << 28)

int sp_correlate(const int16_t *ref, size_t nref, const int16_t *rec, size_t nrec,
		 size_t max_lag, struct sp_corr *res)
{
	if (!ref || !rec || nref < 2 || nrec < 2 || nref > MAX_TOTAL || nrec > MAX_TOTAL)
		return -EINVAL;
	size_t n = 1;
	while (n < nref + nrec)
		n <<= 1;
	double complex *a = sp_malloc(n * sizeof(*a));
	double complex *b = sp_malloc(n * sizeof(*b));
	if (!a || !b) {
		sp_free(a);
		sp_free(b);
		return -ENOMEM;
	}
	double ma = mean(ref, nref), mb = mean(rec, nrec);
	for (size_t i = 0; i < n; i++) {
		a[i] = i < nref ? ref[i] - ma : 0.0;
		b[i] = i < nrec ? rec[i] - mb : 0.0;
	}
	fft(a, n, false);
	fft(b, n, false);
	for (size_t i = 0; i < n; i++)
		a[i] = conj(a[i]) * b[i];
	fft(a, n, true);
	/* a[k] = sum ref[i] rec[i + k]: lag k >= 0 at index k, lag -k at
	 * index n - k (no wrap-around: n >= nref + nrec). */
	long best = 0;
	double best_v = -INFINITY;
	long lo = -(long)(max_lag < nref - 1 ? max_lag : nref - 1);
	long hi = (long)(max_lag < nrec - 1 ? max_lag : nrec - 1);
	for (long lag = lo; lag <= hi; lag++) {
		double v = creal(a[lag >= 0 ? (size_t)lag : n - (size_t)-lag]);
		if (v > best_v) {
			best_v = v;
			best = lag;
		}
	}
	sp_free(a);
	sp_free(b);
	/* Overlap at the best lag: ref[i0..i0+len) against rec[i0+lag..). */
	size_t i0 = best < 0 ? (size_t)-best : 0;
	size_t j0 = best < 0 ? 0 : (size_t)best;
	size_t len = nref - i0 < nrec - j0 ? nref - i0 : nrec - j0;
	res->lag = best;
	res->overlap = len;
	res->coeff = len >= 2 ? pearson(ref + i0, rec + j0, len) : 0.0;
	return 0;
}

int sp_correlate_wav(const char *ref_path, const char *rec_path, unsigned max_lag_ms,
		     struct sp_corr *res)
{
	int16_t *ref = NULL, *rec = NULL;
	size_t nref = 0, nrec = 0;
	int rc = sp_wav_load(ref_path, &ref, &nref);
	if (!rc)
		rc = sp_wav_load(rec_path, &rec, &nrec);
	if (!rc)
		rc = sp_correlate(ref, nref, rec, nrec,
				  (size_t)max_lag_ms * (SP_AUDIO_RATE / 1000), res);
	sp_free(ref);
	sp_free(rec);
	return rc;
}
