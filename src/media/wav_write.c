/*
 * WAV writer: 16-bit mono PCM, streamed to a file. The 44-byte canonical
 * header goes out first with zero sizes (which sp_wav_open reads as "up
 * to the end", so a recording cut short by a crash stays playable) and
 * gets its RIFF and data sizes on close. Samples are written
 * little-endian whatever the host order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/mem.h"
#include "siphon/wav.h"

#define HDR_LEN 44
#define MAX_DATA (UINT32_MAX - (HDR_LEN - 8)) /* the RIFF size must fit 32 bits */

struct sp_wav_writer {
	FILE *f;
	uint64_t bytes; /* data bytes written */
	int err;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void writer_destroy(void *obj)
{
	struct sp_wav_writer *w = obj;
	if (w->f)
		fclose(w->f);
}

int sp_wav_writer_create(struct sp_wav_writer **out, const char *path, uint32_t rate)
{
	if (rate == 0 || rate > 384000)
		return -EINVAL;
	struct sp_wav_writer *w = sp_mem_zalloc(sizeof(*w), writer_destroy);
	if (!w)
		return -ENOMEM;
	w->f = fopen(path, "wb");
	if (!w->f) {
		int rc = -errno;
		sp_mem_deref(w);
		return rc;
	}
	uint8_t h[HDR_LEN];
	memcpy(h, "RIFF\0\0\0\0WAVEfmt ", 16);
	put32(h + 16, 16);             /* fmt chunk size */
	put16(h + 20, SP_WAVE_PCM);
	put16(h + 22, 1);              /* channels */
	put32(h + 24, rate);
	put32(h + 28, rate * 2);       /* bytes per second */
	put16(h + 32, 2);              /* block align */
	put16(h + 34, 16);             /* bits per sample */
	memcpy(h + 36, "data\0\0\0\0", 8);
	if (fwrite(h, 1, HDR_LEN, w->f) != HDR_LEN) {
		sp_mem_deref(w);
		return -EIO;
	}
	*out = w;
	return 0;
}

int sp_wav_write(struct sp_wav_writer *w, const int16_t *samples, size_t n)
{
	uint8_t buf[1024];
	if (w->err)
		return w->err;
	if (n > (MAX_DATA - w->bytes) / 2)
		return -EFBIG;
	while (n) {
		size_t k = n < sizeof(buf) / 2 ? n : sizeof(buf) / 2;
		for (size_t i = 0; i < k; i++)
			put16(buf + 2 * i, (uint16_t)samples[i]);
		if (fwrite(buf, 2, k, w->f) != k) {
			w->err = -EIO;
			return w->err;
		}
		w->bytes += 2 * k;
		samples += k;
		n -= k;
	}
	return 0;
}

int sp_wav_writer_close(struct sp_wav_writer *w)
{
	uint8_t v[4];
	int rc = w->err;
	if (!rc) {
		put32(v, (uint32_t)(w->bytes + HDR_LEN - 8));
		if (fseek(w->f, 4, SEEK_SET) != 0 || fwrite(v, 1, 4, w->f) != 4)
			rc = -EIO;
		put32(v, (uint32_t)w->bytes);
		if (!rc && (fseek(w->f, 40, SEEK_SET) != 0 || fwrite(v, 1, 4, w->f) != 4))
			rc = -EIO;
	}
	FILE *f = w->f;
	w->f = NULL;
	if (fclose(f) != 0 && !rc)
		rc = -EIO;
	sp_mem_deref(w);
	return rc;
}

int sp_wav_save(const char *path, uint32_t rate, const int16_t *samples, size_t n)
{
	struct sp_wav_writer *w;
	int rc = sp_wav_writer_create(&w, path, rate);
	if (rc)
		return rc;
	rc = sp_wav_write(w, samples, n);
	int rc2 = sp_wav_writer_close(w);
	return rc ? rc : rc2;
}
