/*
 * Audio building blocks for the softphone and the media tests, all on
 * 8 kHz mono 16-bit linear samples ("narrowband") unless said otherwise:
 *  - G.711 μ-law (PCMU, RTP payload type 0) and A-law (PCMA, type 8)
 *    encode/decode (ITU-T G.711, bit-exact);
 *  - a sine / dual-tone generator with levels in dBm0 or dBFS;
 *  - packet loss concealment for G.711 frames in the style of G.711
 *    Appendix I (pitch-period repetition, fade-out, cross-fade back);
 *  - a correlation helper that finds the lag between a reference signal
 *    and a recording of it and reports how alike they are.
 * WAV files are in wav.h, the jitter buffer in jitter.h, DTMF in dtmf.h,
 * the E-model in quality.h. Nothing here is thread-safe per object.
 */
#ifndef SIPHON_AUDIO_H
#define SIPHON_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_AUDIO_RATE 8000   /* samples per second */
#define SP_AUDIO_FRAME 160   /* samples in one 20 ms frame */

/* RTP static payload types of the two laws (RFC 3551 §6, Table 4). */
enum sp_g711_law {
	SP_G711_ULAW = 0, /* PCMU */
	SP_G711_ALAW = 8, /* PCMA */
};

/* ITU-T G.711 §3 (μ-law, Tables 2a/2b): one 16-bit linear sample to its
 * 8-bit code; the 14-bit quantiser sees the sample's top 14 bits. */
uint8_t sp_g711_ulaw_encode(int16_t s);

/* The decoder value of a μ-law code, scaled to 16 bits (±32124). */
int16_t sp_g711_ulaw_decode(uint8_t code);

/* ITU-T G.711 §2 (A-law, Tables 1a/1b): one 16-bit linear sample to its
 * 8-bit code (even bits inverted); the quantiser sees the top 13 bits. */
uint8_t sp_g711_alaw_encode(int16_t s);

/* The decoder value of an A-law code, scaled to 16 bits (±32256). */
int16_t sp_g711_alaw_decode(uint8_t code);

/* Encodes n samples of in to n codes at out under law. */
void sp_g711_encode(enum sp_g711_law law, uint8_t *out, const int16_t *in, size_t n);

/* Decodes n codes of in to n samples at out under law. */
void sp_g711_decode(enum sp_g711_law law, int16_t *out, const uint8_t *in, size_t n);

/*
 * Tone generator: one sine, or the sum of two (DTMF, call progress
 * tones), phase-continuous across calls. A value type the caller owns;
 * no allocation.
 */
struct sp_tone {
	double phase[2];  /* radians, kept in [0, 2π) */
	double step[2];   /* radians per sample */
	double amp[2];    /* peak amplitude in 16-bit units */
};

/* Peak amplitude (16-bit units) of a sine at level dBm0. The full-scale
 * sine (peak 32767) is taken as +3.14 dBm0, the largest sine G.711 A-law
 * carries (ITU-T G.711 §4; μ-law: +3.17), as spandsp does: 0 dBm0 peaks
 * at about 22778. */
double sp_dbm0_to_amp(double dbm0);

/* Peak amplitude of a sine at level dBFS (0 dBFS: peak 32767). */
double sp_dbfs_to_amp(double dbfs);

/* Sets t to a single sine of hz at peak amplitude amp (see above), phase
 * 0. hz must lie in 0..SP_AUDIO_RATE/2 and amp in 0..32767; returns 0 or
 * -EINVAL (t untouched). */
int sp_tone_init(struct sp_tone *t, double hz, double amp);

/* Sets t to the sum of two sines (each at its own peak amplitude). The
 * sum of the two amplitudes must not exceed 32767. Returns 0 or -EINVAL. */
int sp_tone_init_dual(struct sp_tone *t, double hz1, double amp1, double hz2, double amp2);

/* Writes the next n samples of t to out (rounded, saturated). */
void sp_tone_generate(struct sp_tone *t, int16_t *out, size_t n);

/*
 * Packet loss concealment for G.711 (or any 8 kHz linear) frames. Feed
 * every good frame through sp_plc_rx() in playout order; call
 * sp_plc_fill() for a frame that is missing. After a gap, sp_plc_rx()
 * cross-fades the first good samples into the synthetic signal, so it
 * may modify the frame it is given.
 */
struct sp_plc;

/* A fresh concealer. Free with sp_mem_deref(). Returns 0 or -ENOMEM
 * (*out untouched). */
int sp_plc_create(struct sp_plc **out);

/* Records n good samples (any n; may adjust them after a gap, see above). */
void sp_plc_rx(struct sp_plc *plc, int16_t *samples, size_t n);

/* Writes n synthetic samples at out standing in for a lost frame: the
 * last pitch period repeated, at full level for 10 ms, then fading to
 * silence at 60 ms of consecutive loss. Counts them. */
void sp_plc_fill(struct sp_plc *plc, int16_t *out, size_t n);

/* Total samples produced by sp_plc_fill() so far. */
uint64_t sp_plc_concealed(const struct sp_plc *plc);

/*
 * Correlation: where, and how well, does a recording contain a reference?
 */
struct sp_corr {
	long lag;        /* rec[i + lag] lines up with ref[i] (negative: rec leads) */
	double coeff;    /* normalised correlation over the overlap, -1..1 */
	size_t overlap;  /* samples compared at that lag */
};

/* Finds the lag in -max_lag..max_lag that maximises the cross-correlation
 * sum(ref[i] * rec[i + lag]) (computed by FFT, so lags of seconds are
 * cheap), then reports the normalised (Pearson, mean-free) coefficient of
 * the overlapping parts at that lag. Both signals need at least 2
 * samples; a silent overlap gives coeff 0. Returns 0, -EINVAL or -ENOMEM. */
int sp_correlate(const int16_t *ref, size_t nref, const int16_t *rec, size_t nrec,
		 size_t max_lag, struct sp_corr *res);

/* sp_correlate() over two WAV files (any format wav.h reads, converted to
 * 8 kHz mono), with max_lag_ms of lag either way. Returns 0, the reader's
 * error for an unreadable file, -EINVAL or -ENOMEM. */
int sp_correlate_wav(const char *ref_path, const char *rec_path, unsigned max_lag_ms,
		     struct sp_corr *res);

#endif
