/*
 * WAV reader and writer (src/media/wav.c, wav_write.c): write/read round
 * trip through a real file with the header sizes checked byte by byte,
 * streaming in 20 ms frames, every input format the reader converts
 * (8-bit PCM, stereo, μ-law, A-law, EXTENSIBLE, 16 kHz and 44.1 kHz
 * resampled to 8 kHz) built in memory, and the malformed files it must
 * reject or survive: lying sizes, odd chunks with and without their pad
 * byte, truncation, unsupported formats, allocation failure.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "siphon/audio.h"
#include "siphon/mem.h"
#include "siphon/wav.h"

/* ---- building WAV images in memory -------------------------------------- */

struct img {
	uint8_t b[200000];
	size_t len;
};

static void put(struct img *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void put16(struct img *m, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(m, b, 2);
}

static void put32(struct img *m, uint32_t v)
{
	put16(m, (uint16_t)v);
	put16(m, (uint16_t)(v >> 16));
}

static void riff(struct img *m)
{
	m->len = 0;
	put(m, "RIFF", 4);
	put32(m, 0); /* fixed by finish() */
	put(m, "WAVE", 4);
}

static void fmt(struct img *m, uint16_t format, uint16_t ch, uint32_t rate, uint16_t bits)
{
	put(m, "fmt ", 4);
	put32(m, 16);
	put16(m, format);
	put16(m, ch);
	put32(m, rate);
	put32(m, rate * ch * bits / 8);
	put16(m, (uint16_t)(ch * bits / 8));
	put16(m, bits);
}

static void chunk(struct img *m, const char *id, const void *p, uint32_t n, bool pad)
{
	put(m, id, 4);
	put32(m, n);
	put(m, p, n);
	if (pad && (n & 1))
		put(m, "", 1);
}

static void finish(struct img *m)
{
	uint32_t v = (uint32_t)(m->len - 8);
	memcpy(m->b + 4, &(uint8_t[4]){(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
					 (uint8_t)(v >> 24)},
	       4);
}

/* Opens m, reads everything into out[cap]; returns the count. */
static long read_all(const struct img *m, int16_t *out, size_t cap, struct sp_wav_info *info)
{
	struct sp_wav_reader *r;
	int rc = sp_wav_open_mem(&r, m->b, m->len);
	if (rc)
		return rc;
	if (info)
		*info = *sp_wav_info(r);
	size_t n = 0;
	long got;
	while ((got = sp_wav_read(r, out + n, cap - n < 160 ? cap - n : 160)) > 0)
		n += (size_t)got;
	sp_mem_deref(r);
	return got < 0 ? got : (long)n;
}

static int open_rc(const struct img *m)
{
	struct sp_wav_reader *r = NULL;
	int rc = sp_wav_open_mem(&r, m->b, m->len);
	if (!rc)
		sp_mem_deref(r);
	else
		assert_null(r);
	return rc;
}

static char tmp_path[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmp_path, "/tmp/siphon-wav-XXXXXX");
	int fd = mkstemp(tmp_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(tmp_path);
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void test_write_read_file(void **state)
{
	(void)state;
	static int16_t in[1000], out[1100];
	for (int i = 0; i < 1000; i++)
		in[i] = (int16_t)((i * 7919) % 65536 - 32768);
	struct sp_wav_writer *w;
	assert_int_equal(sp_wav_writer_create(&w, tmp_path, 8000), 0);
	for (int i = 0; i < 1000; i += 37) /* odd-sized pieces */
		assert_int_equal(sp_wav_write(w, in + i, 1000 - i < 37 ? 1000 - i : 37), 0);
	assert_int_equal(sp_wav_writer_close(w), 0);

	/* The header: canonical 44 bytes with the sizes filled in. */
	uint8_t h[44];
	FILE *f = fopen(tmp_path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(h, 1, 44, f), 44);
	fseek(f, 0, SEEK_END);
	assert_int_equal(ftell(f), 44 + 2000);
	fclose(f);
	assert_memory_equal(h, "RIFF", 4);
	assert_int_equal(h[4] | h[5] << 8 | h[6] << 16 | h[7] << 24, 36 + 2000);
	assert_memory_equal(h + 8, "WAVEfmt ", 8);
	assert_int_equal(h[20], 1);
	assert_int_equal(h[22], 1);
	assert_int_equal(h[24] | h[25] << 8, 8000);
	assert_int_equal(h[34], 16);
	assert_memory_equal(h + 36, "data", 4);
	assert_int_equal(h[40] | h[41] << 8 | h[42] << 16 | h[43] << 24, 2000);

	/* Streamed back in 20 ms frames: 6 full ones and a short one. */
	struct sp_wav_reader *r;
	assert_int_equal(sp_wav_open(&r, tmp_path), 0);
	const struct sp_wav_info *info = sp_wav_info(r);
	assert_int_equal(info->format, SP_WAVE_PCM);
	assert_int_equal(info->channels, 1);
	assert_int_equal(info->rate, 8000);
	assert_int_equal(info->frames, 1000);
	assert_int_equal(info->samples, 1000);
	size_t n = 0;
	for (int k = 0; k < 6; k++) {
		assert_int_equal(sp_wav_read(r, out + n, SP_AUDIO_FRAME), SP_AUDIO_FRAME);
		n += SP_AUDIO_FRAME;
	}
	assert_int_equal(sp_wav_read(r, out + n, SP_AUDIO_FRAME), 40);
	assert_int_equal(sp_wav_read(r, out + n, SP_AUDIO_FRAME), 0);
	sp_mem_deref(r);
	assert_memory_equal(in, out, sizeof(in));

	/* And in one call. */
	int16_t *all;
	assert_int_equal(sp_wav_load(tmp_path, &all, &n), 0);
	assert_int_equal(n, 1000);
	assert_memory_equal(all, in, sizeof(in));
	sp_free(all);
	assert_int_equal(sp_wav_save(tmp_path, 8000, in, 0), 0);
	assert_int_equal(sp_wav_load(tmp_path, &all, &n), 0);
	assert_int_equal(n, 0);
	sp_free(all);
}

static void test_errors_file(void **state)
{
	(void)state;
	struct sp_wav_reader *r = NULL;
	struct sp_wav_writer *w = NULL;
	assert_int_equal(sp_wav_open(&r, "/nonexistent/x.wav"), -ENOENT);
	assert_null(r);
	assert_int_equal(sp_wav_writer_create(&w, "/nonexistent/x.wav", 8000), -ENOENT);
	assert_int_equal(sp_wav_writer_create(&w, tmp_path, 0), -EINVAL);
	assert_null(w);
	/* A header never finished (sizes 0) reads up to the end. */
	assert_int_equal(sp_wav_writer_create(&w, tmp_path, 8000), 0);
	int16_t s[300];
	for (int i = 0; i < 300; i++)
		s[i] = (int16_t)i;
	assert_int_equal(sp_wav_write(w, s, 300), 0);
	fflush(NULL);
	int16_t *all;
	size_t n;
	assert_int_equal(sp_wav_load(tmp_path, &all, &n), 0);
	assert_int_equal(n, 300);
	assert_memory_equal(all, s, sizeof(s));
	sp_free(all);
	assert_int_equal(sp_wav_writer_close(w), 0);
}

static void test_formats(void **state)
{
	(void)state;
	static struct img m;
	static int16_t out[20000];
	struct sp_wav_info info;

	/* 8-bit unsigned PCM. */
	uint8_t u8[4] = {0, 128, 255, 129};
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 8);
	chunk(&m, "data", u8, 4, true);
	finish(&m);
	assert_int_equal(read_all(&m, out, 100, &info), 4);
	assert_int_equal(out[0], -32768);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 32512);
	assert_int_equal(out[3], 256);

	/* Stereo 16-bit: averaged. */
	int16_t st[6] = {1000, 3000, -2000, -4000, 32767, 32767};
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 2, 8000, 16);
	chunk(&m, "data", st, sizeof(st), true);
	finish(&m);
	assert_int_equal(read_all(&m, out, 100, &info), 3);
	assert_int_equal(info.channels, 2);
	assert_int_equal(out[0], 2000);
	assert_int_equal(out[1], -3000);
	assert_int_equal(out[2], 32767);

	/* μ-law and A-law: every code. */
	uint8_t codes[256];
	for (int i = 0; i < 256; i++)
		codes[i] = (uint8_t)i;
	riff(&m);
	fmt(&m, SP_WAVE_MULAW, 1, 8000, 8);
	chunk(&m, "fact", "\x00\x01\x00\x00", 4, true);
	chunk(&m, "data", codes, 256, true);
	finish(&m);
	assert_int_equal(read_all(&m, out, 300, &info), 256);
	assert_int_equal(info.format, SP_WAVE_MULAW);
	for (int i = 0; i < 256; i++)
		assert_int_equal(out[i], sp_g711_ulaw_decode((uint8_t)i));
	riff(&m);
	fmt(&m, SP_WAVE_ALAW, 1, 8000, 8);
	chunk(&m, "data", codes, 256, true);
	finish(&m);
	assert_int_equal(read_all(&m, out, 300, &info), 256);
	for (int i = 0; i < 256; i++)
		assert_int_equal(out[i], sp_g711_alaw_decode((uint8_t)i));

	/* WAVE_FORMAT_EXTENSIBLE wrapping 16-bit PCM. */
	riff(&m);
	put(&m, "fmt ", 4);
	put32(&m, 40);
	put16(&m, SP_WAVE_EXTENSIBLE);
	put16(&m, 1);
	put32(&m, 8000);
	put32(&m, 16000);
	put16(&m, 2);
	put16(&m, 16);
	put16(&m, 22);
	put16(&m, 16);
	put32(&m, 4);
	put(&m, "\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71", 16);
	chunk(&m, "data", st, sizeof(st), true);
	finish(&m);
	assert_int_equal(read_all(&m, out, 100, &info), 6);
	assert_int_equal(info.format, SP_WAVE_PCM);
	assert_memory_equal(out, st, sizeof(st));
}

/* Goertzel amplitude at hz over s[n]. */
static double tone_amp(const int16_t *s, size_t n, double hz)
{
	double w = 2.0 * M_PI * hz / 8000.0, c = 2.0 * cos(w), s1 = 0.0, s2 = 0.0;
	for (size_t i = 0; i < n; i++) {
		double s0 = s[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return 2.0 * sqrt(s1 * s1 + s2 * s2 - c * s1 * s2) / (double)n;
}

static void check_resampled(uint32_t rate)
{
	static struct img m;
	static int16_t src[44100 / 2], out[8000];
	size_t n = rate / 2; /* half a second */
	for (size_t i = 0; i < n; i++)
		src[i] = (int16_t)lround(10000.0 * sin(2.0 * M_PI * 1000.0 * (double)i / rate) +
					 5000.0 * sin(2.0 * M_PI * 5500.0 * (double)i / rate));
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, rate, 16);
	chunk(&m, "data", src, (uint32_t)(n * 2), true);
	finish(&m);
	struct sp_wav_info info;
	assert_int_equal(read_all(&m, out, 8000, &info), 4000);
	assert_int_equal(info.rate, rate);
	assert_int_equal(info.samples, 4000);
	/* The 1 kHz tone survives at its level, aligned in time (compare
	 * with the ideal 8 kHz sine away from the edges); the 5.5 kHz one,
	 * above the new Nyquist frequency, is filtered out instead of
	 * aliasing to 2.5 kHz. */
	double err = 0.0, ref = 0.0;
	for (size_t i = 200; i < 3800; i++) {
		double want = 10000.0 * sin(2.0 * M_PI * 1000.0 * (double)i / 8000.0);
		err += (out[i] - want) * (out[i] - want);
		ref += want * want;
	}
	assert_true(err < 0.01 * ref); /* SNR over 20 dB */
	assert_true(fabs(tone_amp(out + 200, 3600, 1000.0) - 10000.0) < 500.0);
	assert_true(tone_amp(out + 200, 3600, 2500.0) < 200.0);
}

static void test_resample(void **state)
{
	(void)state;
	check_resampled(16000);
	check_resampled(44100);
	check_resampled(11025);
}

static void test_malformed(void **state)
{
	(void)state;
	static struct img m;
	static int16_t out[1000];
	int16_t pcm[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	m.len = 0;
	assert_int_equal(open_rc(&m), -EBADMSG);
	put(&m, "RIFF\0\0\0\0WAVX", 12);
	assert_int_equal(open_rc(&m), -EBADMSG);
	m.len = 0;
	put(&m, "RIFX\0\0\0\0WAVE", 12);
	assert_int_equal(open_rc(&m), -ENOTSUP);

	/* No data chunk; data before fmt; two fmt chunks. */
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	assert_int_equal(open_rc(&m), -EBADMSG);
	riff(&m);
	chunk(&m, "data", pcm, sizeof(pcm), true);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	assert_int_equal(open_rc(&m), -EBADMSG);
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	chunk(&m, "data", pcm, sizeof(pcm), true);
	assert_int_equal(open_rc(&m), -EBADMSG);

	/* Short fmt; zero channels; block align lying; unsupported. */
	riff(&m);
	chunk(&m, "fmt ", "\x01\x00\x01\x00\x40\x1f\x00\x00", 8, true);
	chunk(&m, "data", pcm, sizeof(pcm), true);
	assert_int_equal(open_rc(&m), -EBADMSG);
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 0, 8000, 16);
	chunk(&m, "data", pcm, sizeof(pcm), true);
	assert_int_equal(open_rc(&m), -EBADMSG);
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	m.b[32] = 4; /* block align 4 for mono 16-bit */
	chunk(&m, "data", pcm, sizeof(pcm), true);
	assert_int_equal(open_rc(&m), -EBADMSG);
	static const struct {
		uint16_t format, ch;
		uint32_t rate;
		uint16_t bits;
	} unsup[] = {{3, 1, 8000, 32}, {1, 1, 8000, 24}, {1, 9, 8000, 16},
		     {1, 1, 500, 16},  {1, 1, 400000, 16}, {7, 1, 8000, 16}, {0x55, 1, 8000, 8}};
	for (size_t i = 0; i < sizeof(unsup) / sizeof(unsup[0]); i++) {
		riff(&m);
		fmt(&m, unsup[i].format, unsup[i].ch, unsup[i].rate, unsup[i].bits);
		chunk(&m, "data", pcm, sizeof(pcm), true);
		assert_int_equal(open_rc(&m), -ENOTSUP);
	}

	/* A chunk claiming more bytes than the file has. */
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	put(&m, "LIST", 4);
	put32(&m, 0x7FFFFFFF);
	put(&m, "abcd", 4);
	assert_int_equal(open_rc(&m), -EBADMSG);

	/* Data size larger than the file (and RIFF size lying): clamped. */
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	put(&m, "data", 4);
	put32(&m, 100000);
	put(&m, pcm, sizeof(pcm));
	assert_int_equal(read_all(&m, out, 1000, NULL), 8);
	assert_memory_equal(out, pcm, sizeof(pcm));
	/* Data size smaller than the file: trailing chunks ignored. */
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	chunk(&m, "data", pcm, 6, true);
	chunk(&m, "LIST", "xyz", 3, true);
	finish(&m);
	assert_int_equal(read_all(&m, out, 1000, NULL), 3);
	/* Truncated in the middle of a stereo frame: the partial frame goes. */
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 2, 8000, 16);
	put(&m, "data", 4);
	put32(&m, 0xFFFFFFFF);
	put(&m, pcm, 14);
	assert_int_equal(read_all(&m, out, 1000, NULL), 3);
	assert_int_equal(out[2], 5);

	/* Odd-sized chunk before data, with its pad byte and without. */
	for (int pad = 0; pad < 2; pad++) {
		riff(&m);
		fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
		chunk(&m, "LIST", "odd", 3, pad);
		chunk(&m, "data", pcm, sizeof(pcm), true);
		finish(&m);
		assert_int_equal(read_all(&m, out, 1000, NULL), 8);
		assert_memory_equal(out, pcm, sizeof(pcm));
	}
	/* Odd fmt chunk (18 bytes + cbSize=0 is even; 17 is odd) with pad. */
	riff(&m);
	put(&m, "fmt ", 4);
	put32(&m, 17);
	put16(&m, 1);
	put16(&m, 1);
	put32(&m, 8000);
	put32(&m, 16000);
	put16(&m, 2);
	put16(&m, 16);
	put(&m, "\0\0", 2);
	chunk(&m, "data", pcm, sizeof(pcm), true);
	assert_int_equal(read_all(&m, out, 1000, NULL), 8);
}

static void test_enomem(void **state)
{
	(void)state;
	static struct img m;
	int16_t pcm[4] = {1, 2, 3, 4};
	riff(&m);
	fmt(&m, SP_WAVE_PCM, 1, 8000, 16);
	chunk(&m, "data", pcm, sizeof(pcm), true);
	struct sp_wav_reader *r = NULL;
	sp_mem_fail_after(0);
	assert_int_equal(sp_wav_open_mem(&r, m.b, m.len), -ENOMEM);
	struct sp_wav_writer *w = NULL;
	assert_int_equal(sp_wav_writer_create(&w, tmp_path, 8000), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_null(r);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_file),
		cmocka_unit_test(test_errors_file),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_resample),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_enomem),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
