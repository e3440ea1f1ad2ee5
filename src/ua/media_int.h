/*
 * Internals of the softphone's media session (include/siphon/media_session.h),
 * shared by its four files: media_session.c (life cycle, statistics),
 * media_session_sdp.c (offer/answer and applying its result),
 * media_session_tx.c (the sender: audio sources, RFC 4733 and in-band DTMF)
 * and media_session_rx.c (receiver, jitter buffer, playout, recording).
 */
#ifndef SIPHON_UA_MEDIA_INT_H
#define SIPHON_UA_MEDIA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/audio.h"
#include "siphon/dtmf.h"
#include "siphon/jitter.h"
#include "siphon/loop.h"
#include "siphon/media_session.h"
#include "siphon/opus.h"
#include "siphon/rtp.h"
#include "siphon/sdp.h"
#include "siphon/wav.h"

#define MS_MAX_PTIME	  60					/* ms, largest ptime handled */
#define MS_MAX_SPF	  (SP_AUDIO_RATE / 1000 * MS_MAX_PTIME) /* samples per frame */
#define MS_ECHO_FRAMES	  8					/* echo queue depth */
#define MS_CATCH_UP	  10  /* frames made up at most per late tick */
#define MS_INBAND_TONE_MS 100 /* in-band DTMF digit length */
#define MS_INBAND_GAP_MS  60  /* and pause after it */
#define MS_DTMF_PENDING	  64  /* in-band digits queued at most */
#define MS_MAX_PAYLOAD	  1460 /* RTP payload octets sp_rtp_session_send takes */

/* The codecs a session runs, as tags: the G.711 ones are their static
 * payload types (RFC 3551 §6), which is also the byte that precedes each
 * payload in the jitter buffer. */
enum ms_codec {
	MS_PCMU = 0,
	MS_PCMA = 8,
	MS_OPUS = 111,
};

struct sp_media_session {
	struct sp_loop *loop;
	struct sp_media_config cfg; /* strings below are our copies */
	char *local_ip, *play_path, *record_path, *cname;
	unsigned ptime; /* our packetisation (a=ptime, playout) */

	/* Offer/answer (RFC 3264). */
	struct sp_sdp_oa oa;
	struct sp_sdp_negotiated neg;
	bool negotiated;
	/* Our first offer as it went out, while the session in force is its
	 * answer: another fork's answer may replace that one
	 * (sp_media_session_replace_answer). */
	struct sp_sdp_oa first_offer;
	bool replaceable;
	struct sp_sdp_stream st; /* the stream we run (neg.stream[0]) */
	bool started;		 /* media timers run */
	bool stopped;

	struct sp_rtp_session *rtp;
	struct sp_rtp_stats final; /* RTP counters kept at stop */
	bool have_final;
	uint16_t port;
	uint32_t clock; /* RTP clock of the running codec (8000; 48000 for Opus) */

	/* Opus (RFC 7587), created when negotiated. */
	struct sp_opus_enc *opus_enc;
	struct sp_opus_dec *opus_dec;

	/* Sender. */
	struct sp_timer tx_timer;
	sp_msec tx_base;    /* time of tick 0 */
	uint64_t tx_ticks;  /* ticks done since tx_base */
	unsigned tx_ptime;  /* ptime we send with */
	unsigned tx_spf;    /* samples per frame sent (8 kHz) */
	uint32_t tx_ts;	    /* RTP timestamp units per frame sent (at clock) */
	bool sending;	    /* direction lets us send and a remote is set */
	bool tx_marker;	    /* next audio packet starts a talkspurt */
	uint32_t clock_rel; /* RTP timestamp of the current frame, from initial */
	uint32_t sent_rel;  /* timestamp of the last packet sent, from initial */
	struct sp_wav_reader *play;
	bool play_done;
	struct sp_tone tone;
	bool have_tone;
	struct sp_dtmf_tx *dtmf_tx; /* RFC 4733, when negotiated */
	/* In-band DTMF (Q.23 tones) when telephone-event is not negotiated. */
	char inband[MS_DTMF_PENDING + 1];
	unsigned ninband;
	struct sp_tone inband_tone;
	unsigned inband_left; /* samples of the current tone */
	unsigned inband_gap;  /* samples of the pause after it */
	/* Echo: decoded frames waiting to go back out. */
	int16_t echo[MS_ECHO_FRAMES][MS_MAX_SPF];
	unsigned echo_head, echo_len;

	/* Receiver. */
	struct sp_timer rx_timer;
	sp_msec rx_base;
	uint64_t rx_ticks;
	unsigned rx_spf;
	struct sp_jb *jb;
	struct sp_plc *plc;
	struct sp_wav_writer *rec;
	bool heard; /* an audio packet went into the jitter buffer */
	uint64_t concealed;
	uint64_t late;
	uint64_t wrong_pt; /* RTP packets of a payload type not negotiated */
	struct sp_dtmf_rx *dtmf_rx;
	struct sp_dtmf_detect *detect; /* in-band digits without telephone-event */
	char digits[65];
	unsigned ndigits;
};

/* media_session_tx.c */
void sp__ms_tx_start(struct sp_media_session *m);
void sp__ms_tx_stop(struct sp_media_session *m);
int sp__ms_tx_open(struct sp_media_session *m);
void sp__ms_tx_close(struct sp_media_session *m);

/* media_session_rx.c */
void sp__ms_rx_start(struct sp_media_session *m);
/* A new jitter buffer on the RTP clock hz (a codec change): what the old
 * one held is dropped. Returns 0 or -ENOMEM (the old one is kept). */
int sp__ms_rx_set_clock(struct sp_media_session *m, uint32_t hz);
void sp__ms_rx_stop(struct sp_media_session *m);
int sp__ms_rx_open(struct sp_media_session *m);
void sp__ms_rx_close(struct sp_media_session *m);
void sp__ms_on_rtp(struct sp_rtp_session *s, const struct sp_rtp_pkt *pkt, sp_msec arrival,
		   void *arg);
void sp__ms_digit(struct sp_media_session *m, char digit);
/* A decoded frame for the echo queue. */
void sp__ms_echo_push(struct sp_media_session *m, const int16_t *frame, unsigned n);

/* media_session_sdp.c: applies m->neg (after an exchange) to the media. */
int sp__ms_apply(struct sp_media_session *m);

/* The G.711 law of an encoding name, or -1. */
int sp__ms_law(const char *name);

/* The enum ms_codec of an encoding name (case-insensitive), or -1. */
int sp__ms_codec(const char *name);

#endif
