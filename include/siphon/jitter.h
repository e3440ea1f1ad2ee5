/*
 * Adaptive jitter buffer for constant-ptime audio (G.711 and friends).
 * The RTP layer puts every received payload with its RTP timestamp,
 * sequence number and arrival time; the audio clock gets one frame every
 * ptime. Time is always passed in (milliseconds on any monotonic clock),
 * so the buffer is deterministic and tests replay arrival schedules.
 *
 * Playout delay follows the measured jitter: the spread between the
 * fastest and slowest transit time (arrival minus timestamp) over the
 * last 128 packets, plus half a frame, within [min_ms, max_ms]. It grows
 * at once (by repeating a concealed frame) and shrinks slowly (target
 * decays by 0.5 ms per frame; a frame is dropped at most once a second
 * when the delay exceeds the target by 1.5 frames).
 */
#ifndef SIPHON_JITTER_H
#define SIPHON_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_JB_MAX_PAYLOAD 1500 /* bytes per frame (an Ethernet MTU: 60 ms of G.711,
			       Opus at any bit rate a softphone uses) */

struct sp_jb_config {
	unsigned clock_rate; /* RTP clock, Hz (8000) */
	unsigned ptime_ms;   /* frame length (20) */
	unsigned min_ms;     /* lowest target delay (20) */
	unsigned max_ms;     /* highest target delay (200) */
};

/* What sp_jb_put() did with a packet. */
enum sp_jb_put_result {
	SP_JB_QUEUED = 0,  /* stored for playout */
	SP_JB_DUPLICATE,   /* already stored or played: dropped */
	SP_JB_LATE,        /* its playout time has passed: dropped */
	SP_JB_STRAY,       /* timestamp far off and sequence number too: dropped */
	SP_JB_RESYNCED,    /* a timestamp jump (new talkspurt clock, new source):
			      buffer restarted with this packet */
};

/* What sp_jb_get() returns. */
enum sp_jb_get_result {
	SP_JB_FRAME = 0,   /* a frame was copied out */
	SP_JB_LOST,        /* play a concealed frame (PLC) instead */
	SP_JB_WAIT,        /* nothing to play yet (buffering): play silence */
};

struct sp_jb_stats {
	uint64_t received;    /* packets put */
	uint64_t late;        /* dropped for arriving after their playout time */
	uint64_t lost;        /* frames missing at their playout time */
	uint64_t duplicated;  /* dropped as duplicates */
	uint64_t concealed;   /* SP_JB_LOST results (lost + delay growth) */
	uint64_t dropped;     /* frames skipped to shrink the delay */
	uint64_t stray;       /* dropped as SP_JB_STRAY */
	uint64_t resyncs;     /* restarts on a timestamp jump */
	double delay_ms;      /* current playout delay over the fastest transit */
	double target_ms;     /* delay the buffer is steering to */
	double jitter_ms;     /* transit spread over the window */
};

struct sp_jb;

/* A buffer for cfg (NULL: 8000 Hz, 20 ms, 20..200 ms). Free with
 * sp_mem_deref(). Returns 0, -EINVAL (ptime_ms not 5..100 or
 * ptime_ms * clock_rate / 1000 not whole, min_ms > max_ms, max_ms over
 * 2000, clock_rate 0) or -ENOMEM; *out untouched on error. */
int sp_jb_create(struct sp_jb **out, const struct sp_jb_config *cfg);

/* Offers one packet (payload copied). Returns an enum sp_jb_put_result,
 * or -EINVAL for len over SP_JB_MAX_PAYLOAD. arrival_ms must not go
 * backwards between calls of put and get. */
int sp_jb_put(struct sp_jb *jb, uint32_t ts, uint16_t seq, const void *payload, size_t len,
	      uint64_t arrival_ms);

/* One frame tick at now_ms. On SP_JB_FRAME copies the frame to buf
 * (cap >= its length, else it is truncated) and sets *len; otherwise
 * *len = 0. Returns an enum sp_jb_get_result. */
int sp_jb_get(struct sp_jb *jb, uint64_t now_ms, void *buf, size_t cap, size_t *len);

/* Right after an sp_jb_get() that returned SP_JB_LOST for a frame that
 * never arrived (not for delay growth): when the frame that follows it is
 * already buffered, copies it to buf (cap as for sp_jb_get), sets *len
 * and returns true without consuming it, so that a decoder with forward
 * error correction (Opus in-band FEC, RFC 6716 §2.1.7) can rebuild the
 * lost frame from it. Otherwise returns false and sets *len = 0. */
bool sp_jb_peek_next(const struct sp_jb *jb, void *buf, size_t cap, size_t *len);

/* Counters and delays. */
void sp_jb_stats(const struct sp_jb *jb, struct sp_jb_stats *st);

#endif
