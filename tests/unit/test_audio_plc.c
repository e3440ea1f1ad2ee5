/*
 * Packet loss concealment (src/media/plc.c) and the correlation helper
 * (correlate.c). PLC: a 1 kHz tone with 5% of its 20 ms frames dropped
 * comes out far closer to the original (SNR and correlation) concealed
 * than zero-filled, and the concealed samples are counted. Correlation:
 * a chirp and a tone sequence, delayed and G.711-coded with a little
 * noise, are found at the right lag with a coefficient near 1, both ways
 * round and through WAV files; unrelated noise scores near 0.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "siphon/audio.h"
#include "siphon/mem.h"
#include "siphon/wav.h"

#define FRAMES 250 /* 5 s */
#define N (FRAMES * SP_AUDIO_FRAME)

static int16_t orig[N], concealed[N], zeroed[N];

static double snr_db(const int16_t *ref, const int16_t *x, size_t n)
{
	double sig = 0.0, err = 0.0;
	for (size_t i = 0; i < n; i++) {
		sig += (double)ref[i] * ref[i];
		err += ((double)x[i] - ref[i]) * ((double)x[i] - ref[i]);
	}
	return 10.0 * log10(sig / (err > 0 ? err : 1e-9));
}

static void test_plc_tone(void **state)
{
	(void)state;
	struct sp_tone t;
	assert_int_equal(sp_tone_init(&t, 1000.0, sp_dbm0_to_amp(-10.0)), 0);
	sp_tone_generate(&t, orig, N);
	struct sp_plc *plc;
	assert_int_equal(sp_plc_create(&plc), 0);
	int dropped = 0;
	for (int f = 0; f < FRAMES; f++) {
		int16_t *c = concealed + f * SP_AUDIO_FRAME, *z = zeroed + f * SP_AUDIO_FRAME;
		const int16_t *o = orig + f * SP_AUDIO_FRAME;
		if (f % 20 == 7) { /* 5% */
			sp_plc_fill(plc, c, SP_AUDIO_FRAME);
			memset(z, 0, SP_AUDIO_FRAME * sizeof(*z));
			dropped++;
		} else {
			memcpy(c, o, SP_AUDIO_FRAME * sizeof(*c));
			memcpy(z, o, SP_AUDIO_FRAME * sizeof(*z));
			sp_plc_rx(plc, c, SP_AUDIO_FRAME);
		}
	}
	assert_int_equal(sp_plc_concealed(plc), (uint64_t)dropped * SP_AUDIO_FRAME);
	sp_mem_deref(plc);

	double snr_plc = snr_db(orig, concealed, N), snr_zero = snr_db(orig, zeroed, N);
	/* Zero fill of 5%: SNR = 10·log10(1/0.05) = 13 dB. */
	assert_true(fabs(snr_zero - 13.0) < 0.5);
	assert_true(snr_plc > snr_zero + 6.0);
	struct sp_corr cp, cz;
	assert_int_equal(sp_correlate(orig, N, concealed, N, 0, &cp), 0);
	assert_int_equal(sp_correlate(orig, N, zeroed, N, 0, &cz), 0);
	assert_true(cp.coeff > 0.98);
	assert_true(cp.coeff > cz.coeff + 0.01);
	/* Each concealed frame alone: clearly the tone, not silence. */
	for (int f = 7; f < FRAMES; f += 20) {
		struct sp_corr c;
		const size_t off = (size_t)f * SP_AUDIO_FRAME;
		assert_int_equal(sp_correlate(orig + off, SP_AUDIO_FRAME, concealed + off,
					      SP_AUDIO_FRAME, 0, &c), 0);
		assert_true(c.coeff > 0.8);
	}
}

static void test_plc_long_loss_fades(void **state)
{
	(void)state;
	struct sp_plc *plc;
	assert_int_equal(sp_plc_create(&plc), 0);
	struct sp_tone t;
	int16_t f[SP_AUDIO_FRAME];
	assert_int_equal(sp_tone_init(&t, 440.0, 10000.0), 0);
	for (int i = 0; i < 10; i++) {
		sp_tone_generate(&t, f, SP_AUDIO_FRAME);
		sp_plc_rx(plc, f, SP_AUDIO_FRAME);
	}
	/* After 100 ms of loss the output is silent. */
	for (int i = 0; i < 5; i++)
		sp_plc_fill(plc, f, SP_AUDIO_FRAME);
	for (int i = 0; i < SP_AUDIO_FRAME; i++)
		assert_int_equal(f[i], 0);
	assert_int_equal(sp_plc_concealed(plc), 5 * SP_AUDIO_FRAME);
	sp_mem_deref(plc);
	plc = NULL;
	sp_mem_fail_after(0);
	assert_int_equal(sp_plc_create(&plc), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_null(plc);
}

/* 1.5 s: a 300-3400 Hz chirp, then a sequence of 100 ms tones. */
#define SIG 12000
static int16_t sig[SIG];

static void make_signal(void)
{
	for (int i = 0; i < 8000; i++) {
		double tt = i / 8000.0;
		double ph = 2.0 * M_PI * (300.0 * tt + (3100.0 / 2.0) * tt * tt);
		sig[i] = (int16_t)lround(12000.0 * sin(ph));
	}
	static const double f[5] = {440, 880, 660, 1320, 550};
	for (int k = 0; k < 5; k++) {
		struct sp_tone t;
		assert_int_equal(sp_tone_init(&t, f[k], 9000.0), 0);
		sp_tone_generate(&t, sig + 8000 + 800 * k, 800);
	}
}

/* rec = lead zeros, then sig through G.711 with noise, then tail. */
static size_t make_recording(int16_t *rec, size_t lead, size_t tail, enum sp_g711_law law)
{
	uint32_t lcg = 5;
	size_t n = 0;
	memset(rec, 0, (lead + SIG + tail) * sizeof(*rec));
	n += lead;
	for (size_t i = 0; i < SIG; i++) {
		lcg = lcg * 1103515245u + 12345u;
		int v = sig[i] + (int)(lcg >> 16) % 401 - 200;
		uint8_t c[1];
		int16_t s = (int16_t)v;
		sp_g711_encode(law, c, &s, 1);
		sp_g711_decode(law, rec + n++, c, 1);
	}
	return n + tail;
}

static void test_correlate(void **state)
{
	(void)state;
	static int16_t rec[SIG + 20000];
	make_signal();
	struct sp_corr c;
	/* Recording late by 1234 samples (154 ms), μ-law. */
	size_t n = make_recording(rec, 1234, 3000, SP_G711_ULAW);
	assert_int_equal(sp_correlate(sig, SIG, rec, n, 16000, &c), 0);
	assert_int_equal(c.lag, 1234);
	assert_int_equal(c.overlap, SIG);
	assert_true(c.coeff > 0.99);
	/* A-law, 1.9 s late. */
	n = make_recording(rec, 15200, 100, SP_G711_ALAW);
	assert_int_equal(sp_correlate(sig, SIG, rec, n, 16000, &c), 0);
	assert_int_equal(c.lag, 15200);
	assert_true(c.coeff > 0.99);
	/* Outside the lag window: not found there. */
	assert_int_equal(sp_correlate(sig, SIG, rec, n, 8000, &c), 0);
	assert_true(c.lag != 15200);
	assert_true(c.coeff < 0.5);
	/* Recording starts 500 samples into the signal: negative lag. */
	assert_int_equal(sp_correlate(sig, SIG, sig + 500, SIG - 500, 16000, &c), 0);
	assert_int_equal(c.lag, -500);
	assert_int_equal(c.overlap, SIG - 500);
	assert_true(c.coeff > 0.9999);
	/* Unrelated noise. */
	uint32_t lcg = 77;
	for (size_t i = 0; i < SIG; i++) {
		lcg = lcg * 1103515245u + 12345u;
		rec[i] = (int16_t)((int)(lcg >> 16 & 0xFFFF) - 32768);
	}
	assert_int_equal(sp_correlate(sig, SIG, rec, SIG, 16000, &c), 0);
	assert_true(fabs(c.coeff) < 0.2);
	/* Silence correlates with nothing. */
	memset(rec, 0, SIG * sizeof(*rec));
	assert_int_equal(sp_correlate(sig, SIG, rec, SIG, 100, &c), 0);
	assert_true(c.coeff == 0.0);
	assert_int_equal(sp_correlate(sig, 1, rec, SIG, 100, &c), -EINVAL);
	assert_int_equal(sp_correlate(NULL, SIG, rec, SIG, 100, &c), -EINVAL);
	sp_mem_fail_after(0);
	assert_int_equal(sp_correlate(sig, SIG, rec, SIG, 100, &c), -ENOMEM);
	sp_mem_fail_after(-1);
}

static void test_correlate_wav(void **state)
{
	(void)state;
	static int16_t rec[SIG + 4000];
	char ref_path[] = "/tmp/siphon-ref-XXXXXX", rec_path[] = "/tmp/siphon-rec-XXXXXX";
	int fd = mkstemp(ref_path);
	assert_true(fd >= 0);
	close(fd);
	fd = mkstemp(rec_path);
	assert_true(fd >= 0);
	close(fd);
	make_signal();
	size_t n = make_recording(rec, 2400, 800, SP_G711_ULAW);
	assert_int_equal(sp_wav_save(ref_path, 8000, sig, SIG), 0);
	assert_int_equal(sp_wav_save(rec_path, 8000, rec, n), 0);
	struct sp_corr c;
	assert_int_equal(sp_correlate_wav(ref_path, rec_path, 2000, &c), 0);
	assert_int_equal(c.lag, 2400);
	assert_true(c.coeff > 0.99);
	assert_int_equal(sp_correlate_wav(ref_path, "/nonexistent.wav", 2000, &c), -ENOENT);
	unlink(ref_path);
	unlink(rec_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plc_tone),
		cmocka_unit_test(test_plc_long_loss_fades),
		cmocka_unit_test(test_correlate),
		cmocka_unit_test(test_correlate_wav),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
