/*
 * Opus (RFC 6716) for the softphone's audio pipeline, which runs at
 * 8 kHz mono 16-bit (SP_AUDIO_RATE): the encoder takes 8 kHz frames and
 * the decoder gives 8 kHz samples whatever bandwidth the peer encoded
 * (libopus resamples internally). On the wire it is RFC 7587: one Opus
 * packet per RTP payload, RTP timestamps at 48 kHz for every mode and
 * sampling rate (§4.1), SDP "opus/48000/2" (§6.2) with declarative
 * format parameters (§6.1).
 *
 * Built on Debian's libopus when CMake finds it (SIPHON_HAVE_OPUS);
 * without it every function here still links: sp_opus_available() is
 * false and the creators return -ENOTSUP. The format-parameter parser
 * needs no library.
 */
#ifndef SIPHON_OPUS_H
#define SIPHON_OPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/str.h"

#define SP_OPUS_CLOCK	    48000 /* RTP timestamp rate (RFC 7587 §4.1) */
#define SP_OPUS_CHANNELS    2	  /* a=rtpmap channel count, always 2 (RFC 7587 §6.2) */
#define SP_OPUS_PT	    111	  /* the dynamic payload type we offer (RFC 3551 §3) */
#define SP_OPUS_MAX_SAMPLES 960	  /* 120 ms at 8 kHz: the longest packet (RFC 6716 §3.2.5) */
#define SP_OPUS_BITRATE	    24000 /* default encoder bit rate, bit/s */

/* True when this build has libopus. */
bool sp_opus_available(void);

/* Whether ptime_ms is a frame length the encoder can produce in one
 * frame at 8 kHz: 10, 20, 40 or 60 (RFC 6716 §2.1.4; 2.5 and 5 ms are
 * below what the softphone sends). */
bool sp_opus_frame_ok(unsigned ptime_ms);

/* The RFC 7587 §6.1 format parameters of one a=fmtp line. Absent ones
 * keep the defaults of §6.1 (0 for the numbers means "not given"). */
struct sp_opus_fmtp {
	unsigned maxplaybackrate;      /* Hz the receiver renders, 8000..48000 */
	unsigned sprop_maxcapturerate; /* Hz the sender captures */
	unsigned maxaveragebitrate;    /* bit/s the receiver wants at most, 6000..510000 */
	unsigned maxptime, minptime;   /* ms */
	bool stereo;		       /* the receiver prefers stereo */
	bool sprop_stereo;	       /* the sender is likely to send stereo */
	bool cbr;		       /* the receiver prefers constant bit rate */
	bool useinbandfec;	       /* the receiver's decoder uses in-band FEC */
	bool usedtx;		       /* the receiver prefers DTX */
};

/* Parses "name=value;name=value" (RFC 7587 §6.1; names case-insensitive,
 * spaces around the separators tolerated) into *out. Unknown names,
 * values out of range and malformed pieces are ignored, so any input
 * gives a usable result. */
void sp_opus_fmtp_parse(struct sp_str fmtp, struct sp_opus_fmtp *out);

/* Encoder settings. Zero fields take the default named beside them. */
struct sp_opus_enc_config {
	unsigned bitrate;  /* bit/s, 6000..510000; SP_OPUS_BITRATE */
	bool fec;	   /* add in-band FEC (RFC 6716 §2.1.7; the peer's useinbandfec) */
	unsigned loss_pct; /* expected loss, 0..100, tunes FEC; 0 */
	bool cbr;	   /* constant bit rate (the peer's cbr); VBR */
};

struct sp_opus_enc;
struct sp_opus_dec;

/* An encoder for 8 kHz mono frames, tuned for speech (libopus
 * OPUS_APPLICATION_VOIP). cfg may be NULL for the defaults. Free with
 * sp_mem_deref(). Returns 0, -EINVAL (bitrate or loss_pct out of range),
 * -ENOTSUP (no libopus in this build) or -ENOMEM; *out untouched on
 * error. */
int sp_opus_enc_create(struct sp_opus_enc **out, const struct sp_opus_enc_config *cfg);

/* Encodes one frame of n samples (n = 80, 160, 320 or 480: 10, 20, 40
 * or 60 ms) into out[0..cap). Returns the packet's length in bytes (at
 * least 1; a 1-byte packet is a frame the encoder judged silent), -EINVAL
 * for another n, -ENOSPC when cap is too small, -EIO on an encoder
 * failure. */
int sp_opus_encode(struct sp_opus_enc *e, const int16_t *pcm, unsigned n, uint8_t *out, size_t cap);

/* A decoder to 8 kHz mono (a stereo stream is downmixed by libopus).
 * Free with sp_mem_deref(). Returns 0, -ENOTSUP (no libopus) or -ENOMEM;
 * *out untouched on error. */
int sp_opus_dec_create(struct sp_opus_dec **out);

/* Decodes one packet pkt[0..len) into pcm[0..cap) and returns the
 * samples written (the packet's duration at 8 kHz), or -EBADMSG for a
 * packet that is not valid Opus (RFC 6716 §3.4), -ENOSPC when the packet
 * is longer than cap samples (SP_OPUS_MAX_SAMPLES always suffices).
 * With pkt NULL it conceals one lost frame of cap samples instead (the
 * decoder's own loss concealment, RFC 6716 §4.4; cap a multiple of 20,
 * i.e. 2.5 ms) and returns cap. */
int sp_opus_decode(struct sp_opus_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm,
		   unsigned cap);

/* Rebuilds the lost frame of n samples that came before packet
 * next[0..len) from next's in-band FEC data (RFC 6716 §2.1.7) into
 * pcm[0..n); without FEC data in next this is plain concealment. n is a
 * multiple of 20. Returns n, or -EBADMSG / -EINVAL as sp_opus_decode. */
int sp_opus_decode_fec(struct sp_opus_dec *d, const uint8_t *next, size_t len, int16_t *pcm,
		       unsigned n);

#endif
