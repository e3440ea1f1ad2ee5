/*
 * G.711 (src/media/g711.c) and the tone generator (tone.c).
 * G.711: the decoder values of the ITU-T G.191 reference at the ends and
 * middle of the code space, the exhaustive round trip of all 256 codes
 * of both laws, monotonicity and nearest-level quantisation over every
 * 16-bit input, and the G.711 Table 5 digital milliwatt (a 1 kHz 0 dBm0
 * sine) coming out of our own tone generator.
 * Tones: level (peak and RMS), frequency (Goertzel power at the tone vs.
 * beside it), dual tones, phase continuity across calls, bad arguments.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/audio.h"

/* Power of s[n] at hz (Goertzel), normalised so that a sine of peak A
 * gives about A. */
static double goertzel_amp(const int16_t *s, size_t n, double hz)
{
	double w = 2.0 * M_PI * hz / SP_AUDIO_RATE, c = 2.0 * cos(w);
	double s1 = 0.0, s2 = 0.0;
	for (size_t i = 0; i < n; i++) {
		double s0 = s[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	double p = s1 * s1 + s2 * s2 - c * s1 * s2;
	return 2.0 * sqrt(p) / (double)n;
}

static void test_ulaw_known(void **state)
{
	(void)state;
	assert_int_equal(sp_g711_ulaw_decode(0x00), -32124);
	assert_int_equal(sp_g711_ulaw_decode(0x80), 32124);
	assert_int_equal(sp_g711_ulaw_decode(0xFF), 0);
	assert_int_equal(sp_g711_ulaw_decode(0x7F), 0);
	assert_int_equal(sp_g711_ulaw_decode(0xFE), 8);
	assert_int_equal(sp_g711_ulaw_decode(0x7E), -8);
	assert_int_equal(sp_g711_ulaw_decode(0xF0), 120);   /* end of segment 0 */
	assert_int_equal(sp_g711_ulaw_decode(0xEF), 132);   /* segment 1 */
	assert_int_equal(sp_g711_ulaw_decode(0x8B), 20860); /* digital milliwatt peak */
	assert_int_equal(sp_g711_ulaw_encode(0), 0xFF);
	assert_int_equal(sp_g711_ulaw_encode(-1), 0x7F); /* one's complement: -1 is -0 */
	assert_int_equal(sp_g711_ulaw_encode(-4), 0x7F);
	assert_int_equal(sp_g711_ulaw_encode(-5), 0x7E);
	assert_int_equal(sp_g711_ulaw_encode(32767), 0x80);
	assert_int_equal(sp_g711_ulaw_encode(-32768), 0x00);
	assert_int_equal(sp_g711_ulaw_encode(8), 0xFE);
	assert_int_equal(sp_g711_ulaw_encode(20860), 0x8B);
}

static void test_alaw_known(void **state)
{
	(void)state;
	assert_int_equal(sp_g711_alaw_decode(0xD5), 8);
	assert_int_equal(sp_g711_alaw_decode(0x55), -8);
	assert_int_equal(sp_g711_alaw_decode(0xAA), 32256);
	assert_int_equal(sp_g711_alaw_decode(0x2A), -32256);
	assert_int_equal(sp_g711_alaw_decode(0xD4), 24);
	assert_int_equal(sp_g711_alaw_decode(0xC5), 264);  /* first of segment 2 */
	assert_int_equal(sp_g711_alaw_encode(0), 0xD5);
	assert_int_equal(sp_g711_alaw_encode(-1), 0x55);
	assert_int_equal(sp_g711_alaw_encode(15), 0xD5);
	assert_int_equal(sp_g711_alaw_encode(16), 0xD4);
	assert_int_equal(sp_g711_alaw_encode(32767), 0xAA);
	assert_int_equal(sp_g711_alaw_encode(-32768), 0x2A);
}

/* Every code decodes to a value that encodes back to the same code; the
 * only exception is μ-law's negative zero. */
static void test_roundtrip_all_codes(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		uint8_t u = (uint8_t)c;
		int16_t v = sp_g711_ulaw_decode(u);
		assert_int_equal(sp_g711_ulaw_encode(v), c == 0x7F ? 0xFF : c);
		assert_int_equal(sp_g711_alaw_encode(sp_g711_alaw_decode(u)), c);
		/* Sign bit is the top bit on both laws. */
		if (v != 0)
			assert_int_equal(v > 0, (c & 0x80) != 0);
		assert_true(sp_g711_alaw_decode(u) > 0 ? (c & 0x80) : !(c & 0x80));
	}
}

/* Step between adjacent levels around code c (16-bit scale). */
static int ulaw_step(uint8_t c)
{
	return 8 << (((~c) >> 4) & 7);
}

static int alaw_step(uint8_t c)
{
	int exponent = ((c ^ 0x55) & 0x7F) >> 4;
	return exponent <= 1 ? 16 : 16 << (exponent - 1);
}

/* Over all 65536 inputs: the reconstruction is monotonic in the input,
 * and each reconstruction level is the middle of its decision interval
 * (G.711 Tables 1/2), up to the input bits the quantiser does not see
 * (2 for μ-law, 3 for A-law, plus one's complement); beyond the top
 * level the output clips to it. */
static void check_quantiser(uint8_t (*enc)(int16_t), int16_t (*dec)(uint8_t),
			    int (*step)(uint8_t), int max, int slack)
{
	int prev = INT32_MIN;
	for (int x = -32768; x <= 32767; x++) {
		uint8_t c = enc((int16_t)x);
		int y = dec(c);
		assert_true(y >= prev);
		prev = y;
		if (x > max)
			assert_int_equal(y, max);
		else if (x < -max)
			assert_int_equal(y, -max);
		else
			assert_true(abs(y - x) <= step(c) / 2 + slack);
	}
}

static void test_quantiser_exhaustive(void **state)
{
	(void)state;
	check_quantiser(sp_g711_ulaw_encode, sp_g711_ulaw_decode, ulaw_step, 32124, 4);
	check_quantiser(sp_g711_alaw_encode, sp_g711_alaw_decode, alaw_step, 32256, 16);
}

static void test_buffers(void **state)
{
	(void)state;
	int16_t in[512], out[512];
	uint8_t codes[512];
	for (int i = 0; i < 512; i++)
		in[i] = (int16_t)(i * 131 - 33000 / 2);
	sp_g711_encode(SP_G711_ULAW, codes, in, 512);
	sp_g711_decode(SP_G711_ULAW, out, codes, 512);
	for (int i = 0; i < 512; i++) {
		assert_int_equal(codes[i], sp_g711_ulaw_encode(in[i]));
		assert_int_equal(out[i], sp_g711_ulaw_decode(codes[i]));
	}
	sp_g711_encode(SP_G711_ALAW, codes, in, 512);
	sp_g711_decode(SP_G711_ALAW, out, codes, 512);
	for (int i = 0; i < 512; i++) {
		assert_int_equal(codes[i], sp_g711_alaw_encode(in[i]));
		assert_int_equal(out[i], sp_g711_alaw_decode(codes[i]));
	}
}

/* G.711 Table 5: the μ-law digital milliwatt, a 1 kHz sine at 0 dBm0
 * sampled at 22.5° + k·45°. Our 0 dBm0 tone at that phase encodes to it. */
static void test_digital_milliwatt(void **state)
{
	(void)state;
	static const uint8_t dmw[8] = {0x1E, 0x0B, 0x0B, 0x1E, 0x9E, 0x8B, 0x8B, 0x9E};
	struct sp_tone t;
	int16_t s[16];
	uint8_t c[16];
	assert_int_equal(sp_tone_init(&t, 1000.0, sp_dbm0_to_amp(0.0)), 0);
	t.phase[0] = M_PI / 8.0 + M_PI; /* the table starts on the negative half */
	sp_tone_generate(&t, s, 16);
	sp_g711_encode(SP_G711_ULAW, c, s, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(c[i], dmw[i % 8]);
}

static void test_levels(void **state)
{
	(void)state;
	assert_true(fabs(sp_dbm0_to_amp(3.14) - 32767.0) < 0.01);
	assert_true(fabs(sp_dbm0_to_amp(0.0) - 22826.0) < 1.0);
	assert_true(fabs(sp_dbfs_to_amp(0.0) - 32767.0) < 0.01);
	assert_true(fabs(sp_dbfs_to_amp(-20.0) - 3276.7) < 0.01);
}

static void test_tone_single(void **state)
{
	(void)state;
	static int16_t s[8000];
	struct sp_tone t;
	double amp = sp_dbm0_to_amp(-10.0);
	assert_int_equal(sp_tone_init(&t, 1000.0, amp), 0);
	sp_tone_generate(&t, s, 8000);
	double sq = 0.0;
	int peak = 0, crossings = 0;
	for (int i = 0; i < 8000; i++) {
		sq += (double)s[i] * s[i];
		if (abs(s[i]) > peak)
			peak = abs(s[i]);
		if (i && (s[i - 1] < 0) != (s[i] < 0))
			crossings++;
	}
	double rms = sqrt(sq / 8000.0);
	assert_true(fabs(rms - amp / sqrt(2.0)) < 0.005 * amp);
	assert_true(fabs(peak - amp) < 1.0);
	assert_in_range(crossings, 1998, 2001); /* 1000 periods */
	assert_true(fabs(goertzel_amp(s, 8000, 1000.0) - amp) < 0.01 * amp);
	assert_true(goertzel_amp(s, 8000, 1200.0) < 0.01 * amp);
}

static void test_tone_dual_and_continuity(void **state)
{
	(void)state;
	static int16_t one[8000], pieces[8000];
	struct sp_tone a, b;
	assert_int_equal(sp_tone_init_dual(&a, 697.0, 8000.0, 1209.0, 6000.0), 0);
	b = a;
	sp_tone_generate(&a, one, 8000);
	for (int i = 0; i < 8000; i += 160)
		sp_tone_generate(&b, pieces + i, 160);
	assert_memory_equal(one, pieces, sizeof(one));
	assert_true(fabs(goertzel_amp(one, 8000, 697.0) - 8000.0) < 80.0);
	assert_true(fabs(goertzel_amp(one, 8000, 1209.0) - 6000.0) < 60.0);
	assert_true(goertzel_amp(one, 8000, 941.0) < 80.0);
}

static void test_tone_bad_args(void **state)
{
	(void)state;
	struct sp_tone t;
	memset(&t, 0x5A, sizeof(t));
	struct sp_tone copy = t;
	assert_int_equal(sp_tone_init(&t, 4001.0, 1000.0), -EINVAL);
	assert_int_equal(sp_tone_init(&t, -1.0, 1000.0), -EINVAL);
	assert_int_equal(sp_tone_init(&t, 1000.0, -1.0), -EINVAL);
	assert_int_equal(sp_tone_init(&t, 1000.0, NAN), -EINVAL);
	assert_int_equal(sp_tone_init_dual(&t, 697.0, 20000.0, 1209.0, 20000.0), -EINVAL);
	assert_memory_equal(&t, &copy, sizeof(t));
	/* Full scale saturates instead of wrapping. */
	int16_t s[80];
	assert_int_equal(sp_tone_init(&t, 100.0, 32767.0), 0);
	sp_tone_generate(&t, s, 80);
	for (int i = 0; i < 80; i++)
		assert_true(s[i] >= -32767);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulaw_known),
		cmocka_unit_test(test_alaw_known),
		cmocka_unit_test(test_roundtrip_all_codes),
		cmocka_unit_test(test_quantiser_exhaustive),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_digital_milliwatt),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_tone_single),
		cmocka_unit_test(test_tone_dual_and_continuity),
		cmocka_unit_test(test_tone_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
