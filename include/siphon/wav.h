/*
 * WAV files (RIFF/WAVE, Microsoft "Multimedia Programming Interface and
 * Data Specifications 1.0" §3.5, plus WAVE_FORMAT_EXTENSIBLE) for the
 * softphone's play and record and for media tests.
 *
 * The reader streams any of these as 8 kHz mono 16-bit samples:
 * PCM 16-bit and 8-bit (format 1), A-law (6) and μ-law (7), also when
 * wrapped in WAVE_FORMAT_EXTENSIBLE; any channel count up to 8 (averaged
 * to mono); any rate in 1000..192000 Hz (resampled with speexdsp). It
 * tolerates what real files do wrong: RIFF and data sizes that lie
 * (clamped to the bytes present; 0 or 0xFFFFFFFF, as a crashed or
 * streaming writer leaves them, mean "up to the end"), odd-sized chunks
 * with or without their pad byte, unknown chunks before the data, a
 * truncated last sample frame (dropped).
 *
 * The writer produces 16-bit mono PCM at a given rate, streaming, and
 * fills in the RIFF and data sizes when closed.
 */
#ifndef SIPHON_WAV_H
#define SIPHON_WAV_H

#include <stddef.h>
#include <stdint.h>

/* WAVE format tags (RFC 2361 Appendix A). */
enum {
	SP_WAVE_PCM = 1,
	SP_WAVE_ALAW = 6,
	SP_WAVE_MULAW = 7,
	SP_WAVE_EXTENSIBLE = 0xFFFE,
};

/* What the file holds (before conversion). */
struct sp_wav_info {
	uint16_t format;      /* SP_WAVE_PCM, _ALAW or _MULAW (EXTENSIBLE unwrapped) */
	uint16_t channels;    /* 1..8 */
	uint32_t rate;        /* source sample rate, Hz */
	uint16_t bits;        /* bits per sample: 8 or 16 */
	uint64_t frames;      /* whole sample frames in the data chunk (0: unknown, a pipe) */
	uint64_t samples;     /* 8 kHz mono samples sp_wav_read() delivers in all */
};

struct sp_wav_reader;

/* Opens path and parses the header up to the start of the sample data.
 * Free with sp_mem_deref() (closes the file). Returns 0, -errno from
 * fopen, -EBADMSG (not a WAV file or a malformed one: no "fmt " before
 * "data", a short fmt chunk, a block size that does not match), -ENOTSUP
 * (a valid WAV this reader does not convert: other format tags, 24/32-bit,
 * more than 8 channels, rates outside 1000..192000) or -ENOMEM; *out
 * untouched on error. */
int sp_wav_open(struct sp_wav_reader **out, const char *path);

/* The same over data[len] in memory, which must outlive the reader. */
int sp_wav_open_mem(struct sp_wav_reader **out, const void *data, size_t len);

/* The source format. Valid until the reader is freed. */
const struct sp_wav_info *sp_wav_info(const struct sp_wav_reader *r);

/* Reads up to n samples (8 kHz mono) into out. Returns the number read,
 * which is n except at the end of the data (0 once it is reached), or
 * -EIO for a read error of the file. Call it with n = SP_AUDIO_FRAME to
 * stream 20 ms frames. */
long sp_wav_read(struct sp_wav_reader *r, int16_t *out, size_t n);

/* Reads the whole of path as 8 kHz mono into a new array (free with
 * sp_free()). Returns 0 with *samples and *n set (*samples may be
 * non-NULL with *n == 0), or an error of sp_wav_open() / sp_wav_read(),
 * -EFBIG beyond 2^31 samples, -ENOMEM. */
int sp_wav_load(const char *path, int16_t **samples, size_t *n);

struct sp_wav_writer;

/* Creates (truncates) path as a 16-bit mono PCM WAV at rate Hz (1..
 * 384000) and writes a header with zero sizes, which readers take as
 * "up to the end" should the writer never be closed. Returns 0, -EINVAL,
 * -errno from fopen or fwrite, or -ENOMEM; *out untouched on error. */
int sp_wav_writer_create(struct sp_wav_writer **out, const char *path, uint32_t rate);

/* Appends n samples. Returns 0, -EIO (write error; later calls fail
 * too) or -EFBIG when the data would exceed the 4 GiB RIFF limit. */
int sp_wav_write(struct sp_wav_writer *w, const int16_t *samples, size_t n);

/* Writes the final RIFF and data sizes, closes the file and frees w
 * (always, even on error). Returns 0, or -EIO when any write, the seek
 * or the close failed. */
int sp_wav_writer_close(struct sp_wav_writer *w);

/* Writes samples[n] to path as a 16-bit mono PCM WAV at rate Hz in one
 * call. Returns what the three calls above return. */
int sp_wav_save(const char *path, uint32_t rate, const int16_t *samples, size_t n);

#endif
