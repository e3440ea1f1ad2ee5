/*
 * WAV reader: parses the RIFF chunk list up to the "data" chunk, then
 * streams sample frames from the file or a memory buffer, decoding them
 * (PCM 8/16-bit, G.711 A-law/μ-law), averaging channels to mono and
 * resampling to 8 kHz (speexdsp). Every length read from the file is
 * checked against the bytes actually present before it is used, so a
 * lying header can make the reader stop early but never read out of
 * bounds or loop: each loop iteration consumes at least 8 input bytes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <speex/speex_resampler.h>

#include "siphon/audio.h"
#include "siphon/mem.h"
#include "siphon/wav.h"

#define MAX_CHANNELS 8
#define MIN_RATE 1000
#define MAX_RATE 192000
#define CHUNK_FRAMES 512 /* sample frames decoded per refill */
#define RESAMPLE_QUALITY 5 /* speexdsp 0..10; 5 is its "VoIP" default */
#define LONG_MAX_SAMPLES ((size_t)LONG_MAX)

struct sp_wav_reader {
	struct sp_wav_info info;
	/* Source: a FILE, or mem[mem_len]; pos counts bytes consumed. */
	FILE *f;
	const uint8_t *mem;
	uint64_t size; /* bytes in the source, UINT64_MAX when unknown */
	uint64_t pos;
	int unget; /* one byte pushed back, or -1 */
	/* Data chunk: bytes left to read, bytes per sample frame. */
	uint64_t data_left;
	unsigned block;
	int err;
	/* Resampling state (NULL at 8 kHz). */
	SpeexResamplerState *rs;
	uint64_t in_frames;  /* mono frames decoded so far */
	uint64_t out_done;   /* samples delivered so far */
	bool eof;            /* data exhausted (flush padding then queued) */
	uint64_t flush_left; /* zeros still to feed the resampler */
	/* Decoded mono samples at the source rate: buf[head..tail). */
	size_t head, tail;
	int16_t buf[CHUNK_FRAMES];
	uint8_t raw[CHUNK_FRAMES * MAX_CHANNELS * 2];
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads up to n bytes; returns how many (short only at the end or on a
 * file error, which sets r->err). */
static size_t src_read(struct sp_wav_reader *r, void *buf, size_t n)
{
	size_t got;
	if (n && r->unget >= 0) {
		*(uint8_t *)buf = (uint8_t)r->unget;
		r->unget = -1;
		r->pos++;
		return 1 + src_read(r, (uint8_t *)buf + 1, n - 1);
	}
	if (r->f) {
		got = fread(buf, 1, n, r->f);
		if (got < n && ferror(r->f))
			r->err = -EIO;
	} else {
		uint64_t left = r->size - r->pos;
		got = n < left ? n : (size_t)left;
		memcpy(buf, r->mem + r->pos, got);
	}
	r->pos += got;
	return got;
}

/* Skips n bytes; -EBADMSG when that passes the end of a known size. */
static int src_skip(struct sp_wav_reader *r, uint64_t n)
{
	if (n && r->unget >= 0) {
		r->unget = -1;
		r->pos++;
		n--;
	}
	if (r->size != UINT64_MAX && n > r->size - r->pos)
		return -EBADMSG;
	if (r->f) {
		/* Read rather than seek: works on pipes too, and a skip past
		 * the end of an unknown-size stream shows up as EOF. */
		uint8_t tmp[512];
		while (n) {
			size_t want = n < sizeof(tmp) ? (size_t)n : sizeof(tmp);
			if (src_read(r, tmp, want) != want)
				return r->err ? r->err : -EBADMSG;
			n -= want;
		}
		return 0;
	}
	r->pos += n;
	return 0;
}

/* The tail of KSDATAFORMAT_SUBTYPE_PCM and friends: the format tag
 * followed by 00 00 00 00 10 00 80 00 00 AA 00 38 9B 71. */
static const uint8_t ks_guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
					 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

/* The "fmt " chunk body (len bytes of it are in p). */
static int parse_fmt(struct sp_wav_reader *r, const uint8_t *p, size_t len)
{
	struct sp_wav_info *in = &r->info;
	if (len < 16)
		return -EBADMSG;
	unsigned format = le16(p);
	in->channels = le16(p + 2);
	in->rate = le32(p + 4);
	unsigned block = le16(p + 12);
	in->bits = le16(p + 14);
	if (format == SP_WAVE_EXTENSIBLE) {
		/* cbSize (22), valid bits, channel mask, SubFormat GUID. */
		if (len < 40 || le16(p + 16) < 22 || memcmp(p + 26, ks_guid_tail, 14) != 0)
			return -EBADMSG;
		format = le16(p + 24);
	}
	in->format = (uint16_t)format;
	if (in->channels == 0 || in->rate == 0 || block == 0)
		return -EBADMSG;
	if (format != SP_WAVE_PCM && format != SP_WAVE_ALAW && format != SP_WAVE_MULAW)
		return -ENOTSUP;
	if (format == SP_WAVE_PCM ? in->bits != 8 && in->bits != 16 : in->bits != 8)
		return -ENOTSUP;
	if (in->channels > MAX_CHANNELS || in->rate < MIN_RATE || in->rate > MAX_RATE)
		return -ENOTSUP;
	if (block != in->channels * (in->bits / 8u))
		return -EBADMSG;
	r->block = block;
	return 0;
}

static bool chunk_id_ok(const uint8_t *id)
{
	for (int i = 0; i < 4; i++)
		if (id[i] < 0x20 || id[i] > 0x7E)
			return false;
	return true;
}

/* RIFF header, then chunks until "data". */
static int parse_header(struct sp_wav_reader *r)
{
	uint8_t h[40];
	bool have_fmt = false;
	int pad = -1; /* the pad byte after an odd-sized chunk, if read */
	if (src_read(r, h, 12) != 12)
		return r->err ? r->err : -EBADMSG;
	if (memcmp(h + 8, "WAVE", 4) != 0)
		return -EBADMSG;
	if (memcmp(h, "RIFX", 4) == 0 || memcmp(h, "RF64", 4) == 0)
		return -ENOTSUP; /* big-endian RIFF, 64-bit sizes */
	if (memcmp(h, "RIFF", 4) != 0)
		return -EBADMSG;
	/* The RIFF size is not trusted: the chunks end where the bytes do. */
	for (;;) {
		if (src_read(r, h, 8) != 8)
			return r->err ? r->err : -EBADMSG; /* no data chunk */
		if (pad >= 0 && !chunk_id_ok(h)) {
			/* The writer left out the pad byte (a common bug):
			 * the byte we took for padding starts this header. */
			uint8_t id[4] = {(uint8_t)pad, h[0], h[1], h[2]};
			if (chunk_id_ok(id)) {
				r->unget = h[7];
				r->pos--;
				memmove(h + 1, h, 7);
				h[0] = (uint8_t)pad;
			}
		}
		pad = -1;
		uint32_t size = le32(h + 4), body = size;
		if (memcmp(h, "data", 4) == 0) {
			if (!have_fmt)
				return -EBADMSG;
			uint64_t left = r->size == UINT64_MAX ? UINT64_MAX : r->size - r->pos;
			/* 0 and 0xFFFFFFFF: a writer that never went back to
			 * fill in the size. */
			r->data_left = (size == 0 || size == UINT32_MAX || size > left) ? left : size;
			break;
		}
		if (memcmp(h, "fmt ", 4) == 0) {
			if (have_fmt)
				return -EBADMSG;
			size_t want = size < sizeof(h) ? size : sizeof(h);
			if (src_read(r, h, want) != want)
				return r->err ? r->err : -EBADMSG;
			int rc = parse_fmt(r, h, want);
			if (rc)
				return rc;
			have_fmt = true;
			body -= (uint32_t)want;
		}
		/* RIFF: a chunk of odd size is followed by one pad byte;
		 * read it, and look at the next header to tell whether it
		 * really was one (above). */
		int rc = src_skip(r, body);
		if (rc)
			return rc;
		if (size & 1) {
			uint8_t b;
			if (src_read(r, &b, 1) != 1)
				return r->err ? r->err : -EBADMSG;
			pad = b;
		}
	}
	if (r->data_left != UINT64_MAX) {
		r->info.frames = r->data_left / r->block;
		r->data_left = r->info.frames * r->block;
		r->info.samples = r->info.rate == SP_AUDIO_RATE
					  ? r->info.frames
					  : (r->info.frames * SP_AUDIO_RATE + r->info.rate / 2) /
						    r->info.rate;
	}
	return 0;
}

/* Decodes the next chunk of whole frames to mono at buf. Returns the
 * number of mono samples, 0 at the end of the data. */
static size_t refill(struct sp_wav_reader *r)
{
	const struct sp_wav_info *in = &r->info;
	uint64_t want = (uint64_t)CHUNK_FRAMES * r->block;
	if (want > r->data_left)
		want = r->data_left;
	size_t got = src_read(r, r->raw, (size_t)want);
	size_t frames = got / r->block;
	if (got < want) {
		r->data_left = 0; /* truncated: drop the partial frame */
	} else {
		r->data_left -= got;
	}
	const uint8_t *p = r->raw;
	for (size_t i = 0; i < frames; i++) {
		long sum = 0;
		for (unsigned c = 0; c < in->channels; c++) {
			switch (in->format) {
			case SP_WAVE_ALAW:
				sum += sp_g711_alaw_decode(*p++);
				break;
			case SP_WAVE_MULAW:
				sum += sp_g711_ulaw_decode(*p++);
				break;
			default:
				if (in->bits == 8) {
					sum += ((int)*p++ - 128) * 256;
				} else {
					sum += (int16_t)le16(p);
					p += 2;
				}
				break;
			}
		}
		r->buf[i] = (int16_t)(sum / (long)in->channels);
	}
	r->head = 0;
	r->tail = frames;
	r->in_frames += frames;
	return frames;
}

static void reader_destroy(void *obj)
{
	struct sp_wav_reader *r = obj;
	if (r->f)
		fclose(r->f);
	if (r->rs)
		speex_resampler_destroy(r->rs);
}

static int reader_start(struct sp_wav_reader *r, struct sp_wav_reader **out)
{
	int rc = parse_header(r);
	if (rc == 0 && r->info.rate != SP_AUDIO_RATE) {
		int err = 0;
		r->rs = speex_resampler_init(1, r->info.rate, SP_AUDIO_RATE, RESAMPLE_QUALITY, &err);
		if (!r->rs)
			rc = err == RESAMPLER_ERR_ALLOC_FAILED ? -ENOMEM : -ENOTSUP;
		else
			speex_resampler_skip_zeros(r->rs);
	}
	if (rc) {
		sp_mem_deref(r);
		return rc;
	}
	*out = r;
	return 0;
}

int sp_wav_open_mem(struct sp_wav_reader **out, const void *data, size_t len)
{
	if (!data && len)
		return -EINVAL;
	struct sp_wav_reader *r = sp_mem_zalloc(sizeof(*r), reader_destroy);
	if (!r)
		return -ENOMEM;
	r->mem = data;
	r->size = len;
	r->unget = -1;
	return reader_start(r, out);
}

int sp_wav_open(struct sp_wav_reader **out, const char *path)
{
	struct sp_wav_reader *r = sp_mem_zalloc(sizeof(*r), reader_destroy);
	if (!r)
		return -ENOMEM;
	r->unget = -1;
	r->f = fopen(path, "rb");
	if (!r->f) {
		int rc = -errno;
		sp_mem_deref(r);
		return rc;
	}
	struct stat st;
	r->size = fstat(fileno(r->f), &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size
									: UINT64_MAX;
	return reader_start(r, out);
}

const struct sp_wav_info *sp_wav_info(const struct sp_wav_reader *r)
{
	return &r->info;
}

/* 8 kHz source: decoded samples go straight out. */
static size_t read_direct(struct sp_wav_reader *r, int16_t *out, size_t n)
{
	size_t done = 0;
	while (done < n) {
		if (r->head == r->tail && !refill(r))
			break;
		size_t k = r->tail - r->head;
		if (k > n - done)
			k = n - done;
		memcpy(out + done, r->buf + r->head, k * sizeof(*out));
		r->head += k;
		done += k;
	}
	return done;
}

/* Other rates: through the resampler. At the end of the data, the
 * resampler's input latency is flushed with zeros, and the output is cut
 * at in_frames * 8000 / rate so that a file of d seconds gives d seconds. */
static size_t read_resampled(struct sp_wav_reader *r, int16_t *out, size_t n)
{
	size_t done = 0;
	while (done < n) {
		uint64_t limit = UINT64_MAX;
		if (r->eof)
			limit = (r->in_frames * SP_AUDIO_RATE + r->info.rate / 2) / r->info.rate;
		if (r->out_done >= limit)
			break;
		if (r->head == r->tail) {
			if (!r->eof && !refill(r)) {
				r->eof = true;
				/* Enough zeros to push the last real sample
				 * through the filter. */
				int lat = speex_resampler_get_input_latency(r->rs);
				r->flush_left = 2 * (uint64_t)(lat > 0 ? lat : 0) +
						2 * (r->info.rate / SP_AUDIO_RATE + 1);
			}
			if (r->eof) {
				if (!r->flush_left)
					break;
				size_t z = r->flush_left < CHUNK_FRAMES ? (size_t)r->flush_left
									: CHUNK_FRAMES;
				memset(r->buf, 0, z * sizeof(r->buf[0]));
				r->head = 0;
				r->tail = z;
				r->flush_left -= z;
				continue;
			}
		}
		spx_uint32_t in_len = (spx_uint32_t)(r->tail - r->head);
		uint64_t room = n - done;
		if (room > limit - r->out_done)
			room = limit - r->out_done;
		spx_uint32_t out_len = room > UINT32_MAX ? UINT32_MAX : (spx_uint32_t)room;
		speex_resampler_process_int(r->rs, 0, r->buf + r->head, &in_len, out + done,
					    &out_len);
		if (in_len == 0 && out_len == 0)
			break; /* no progress possible */
		r->head += in_len;
		done += out_len;
		r->out_done += out_len;
	}
	if (r->eof && !r->flush_left && r->head == r->tail) {
		/* Whatever the filter kept back is below one output
		 * sample of signal: pad to the promised length. */
		uint64_t limit = (r->in_frames * SP_AUDIO_RATE + r->info.rate / 2) / r->info.rate;
		while (done < n && r->out_done < limit) {
			out[done++] = 0;
			r->out_done++;
		}
	}
	return done;
}

long sp_wav_read(struct sp_wav_reader *r, int16_t *out, size_t n)
{
	if (n > LONG_MAX_SAMPLES)
		n = LONG_MAX_SAMPLES;
	size_t done = r->rs ? read_resampled(r, out, n) : read_direct(r, out, n);
	if (done == 0 && r->err)
		return r->err;
	return (long)done;
}

int sp_wav_load(const char *path, int16_t **samples, size_t *n)
{
	struct sp_wav_reader *r;
	int rc = sp_wav_open(&r, path);
	if (rc)
		return rc;
	size_t cap = 8000, len = 0;
	int16_t *buf = sp_malloc(cap * sizeof(*buf));
	if (!buf) {
		sp_mem_deref(r);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= (size_t)1 << 31) {
				rc = -EFBIG;
				break;
			}
			int16_t *nb = sp_realloc(buf, 2 * cap * sizeof(*buf));
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		long got = sp_wav_read(r, buf + len, cap - len);
		if (got < 0)
			rc = (int)got;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	sp_mem_deref(r);
	if (rc) {
		sp_free(buf);
		return rc;
	}
	*samples = buf;
	*n = len;
	return 0;
}
