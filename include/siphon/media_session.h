/*
 * Media session of the softphone: one audio stream of one call. It binds
 * an RTP/RTCP port pair, takes part in the SDP offer/answer (RFC 3264)
 * through an sp_sdp_oa, and once an exchange completes runs the media on
 * the caller's loop:
 *  - a sender timer every ptime (scheduled from a base time, so it does
 *    not drift) that encodes one frame with the negotiated codec (G.711,
 *    or Opus at 48 kHz RTP clock, RFC 7587) and sends it: samples of a WAV file (once, then silence), a tone, the
 *    echo of the last frame received, or silence; RFC 4733 DTMF events
 *    replace audio frames while digits are being sent;
 *  - a receiver that puts every audio payload into an adaptive jitter
 *    buffer with its arrival time on the loop clock, and a playout timer
 *    every ptime that takes one frame (PLC-concealed when lost), decodes
 *    it and appends it to the recording; telephone-events (or, without
 *    them, in-band tones) are reported through on_dtmf;
 *  - RTCP SR/RR through the RTP session, BYE when stopped.
 * The direction negotiated decides whether we send (RFC 3264 §5.1, §8.4);
 * we always receive.
 *
 * Everything runs on the thread of cfg->loop; nothing here is thread-safe.
 */
#ifndef SIPHON_MEDIA_SESSION_H
#define SIPHON_MEDIA_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/loop.h"
#include "siphon/str.h"

struct sp_wbuf;
struct sp_media_session;

/* Called for each DTMF digit received, once per digit: an RFC 4733 event
 * when it begins, or an in-band tone when detected (only without
 * negotiated telephone-event). On the loop thread; the callback may stop
 * or destroy the session. */
typedef void (*sp_media_dtmf_cb)(void *arg, char digit);

/* Configuration. Strings are copied by sp_media_session_create. Zero
 * fields take the default named beside them. */
struct sp_media_config {
	struct sp_loop *loop;	     /* required */
	const char *local_ip;	     /* IPv4/IPv6 literal for RTP and for c=; required */
	uint16_t port_min, port_max; /* RTP port range (even port, RTCP on +1);
					0,0: 16384..32767 */
	const char *play_path;	     /* WAV to send once (then silence), or NULL */
	unsigned tone_hz;	     /* without play_path: a sine of this frequency
					at -10 dBm0; 0: silence */
	const char *record_path;     /* received audio is written here as an 8 kHz
					mono 16-bit WAV, or NULL */
	bool echo;		     /* send back the last frame received (decoded,
					re-encoded) instead of play/tone */
	int dscp;		     /* DSCP for RTP and RTCP; -1: EF (46); 0: the
					system default (CS0); 1..63 as given */
	const char *codecs;	     /* preference, comma-separated, of "PCMU",
					"PCMA" and "opus" (case-insensitive);
					NULL: "PCMU,PCMA" */
	unsigned ptime_ms;	     /* packetisation, 10..60 in steps of 10; 0: 20 */
	sp_media_dtmf_cb on_dtmf;    /* DTMF digits received; may be NULL */
	void *arg;		     /* for on_dtmf */
	/* Additions beyond the base API: */
	unsigned rtcp_interval_ms; /* minimum RTCP interval; 0: 5000 (RFC 3550
				      §6.2); tests use a reduced one */
	const char *cname;	   /* SDES CNAME; NULL: the RTP layer's default */
};

/* Statistics of one session (see sp_media_session_stats). */
struct sp_media_stats {
	uint64_t sent_packets;	   /* RTP packets sent (audio and DTMF events) */
	uint64_t sent_octets;	   /* their payload octets */
	uint64_t recv_packets;	   /* valid RTP packets received (RFC 3550 §A.1) */
	uint64_t recv_octets;	   /* their payload octets */
	int64_t lost;		   /* cumulative packets lost (§A.3), >= 0 */
	double loss_pct;	   /* lost / expected, 0..100 */
	double jitter_ms;	   /* interarrival jitter (§A.8) */
	int rtt_ms;		   /* round trip from RTCP (§6.4.1), -1 if unknown */
	uint64_t concealed_frames; /* frames played from PLC */
	uint64_t late;		   /* packets dropped by the jitter buffer as late */
	double jb_delay_ms;	   /* current jitter-buffer playout delay */
	double r_factor;	   /* ITU-T G.107 R estimate (quality.h) */
	double mos;		   /* MOS from R (G.107 Annex B) */
	uint64_t rtcp_sent;	   /* compound RTCP packets sent */
	uint64_t rtcp_received;	   /* compound RTCP packets received */
	bool remote_bye;	   /* the peer sent RTCP BYE */
	char codec[32];		   /* "PCMU", "PCMA", "opus", "" before negotiation */
	char dtmf[65];		   /* DTMF digits received so far (the first 64) */
	unsigned ndtmf;		   /* digits received in all */
	bool sending;		   /* the sender runs (media started, direction
				      lets us send, not stopped) */
	bool receiving;		   /* media started and not stopped */
};

/* Creates a session on cfg->loop: binds the RTP/RTCP ports on
 * cfg->local_ip, opens the play file (and checks it is readable) and the
 * recording, and prepares offer/answer with our capabilities (the
 * configured codecs, Opus as opus/48000/2 pt 111; telephone-event/8000
 * pt 101 and, beside Opus, telephone-event/48000 pt 110, events 0-16;
 * a=ptime). No media runs until an offer/answer exchange completes.
 * Returns 0, -EINVAL (no loop, local_ip missing or not an IP literal, bad
 * codec list or ptime, Opus with a ptime of 30 or 50, dscp over 63,
 * tone_hz over 4000, port_min > port_max), -ENOTSUP ("opus" in a build
 * without libopus), -EADDRINUSE (no free port pair), an error of sp_wav_open or
 * sp_wav_writer_create, -ENOMEM; *out untouched on error. Free with
 * sp_media_session_destroy. */
int sp_media_session_create(struct sp_media_session **out, const struct sp_media_config *cfg);

/* Appends our offer (the first, or a re-offer repeating the negotiated
 * m-lines with the current direction, RFC 3264 §8) to sdp. Returns 0,
 * -ESHUTDOWN after sp_media_session_stop, -EBUSY if our previous offer
 * is still unanswered, -ENOSPC if sdp lacks room (nothing appended, no
 * offer outstanding), or another error of sp_sdp_oa_offer. */
int sp_media_session_offer(struct sp_media_session *m, struct sp_wbuf *sdp);

/* Answers the remote offer (RFC 3264 §6), appends the answer to sdp and
 * starts (or updates: a re-offer) the media. Returns 0; -EBADMSG when
 * offer is no valid SDP; -ENOTSUP when nothing in it is acceptable (the
 * UA answers 488 Not Acceptable Here, RFC 3261 §13.3.1.4; nothing
 * changes); -ENOSPC; another negative errno of sp_sdp_oa_answer or of
 * the RTP layer (the remote address). */
int sp_media_session_answer(struct sp_media_session *m, struct sp_str offer, struct sp_wbuf *sdp);

/* Takes the answer to our outstanding offer (RFC 3264 §7) and starts or
 * updates the media. Returns 0; -EBADMSG (not valid SDP, or not matching
 * the offer: the offer stays outstanding); -EPROTO (no offer outstanding);
 * -ENOTSUP (every stream rejected: the caller may end the call); another
 * negative errno of the RTP layer. */
int sp_media_session_set_answer(struct sp_media_session *m, struct sp_str answer);

/* Another answer to our first offer, from another fork of the INVITE
 * (RFC 3261 §13.2.2.4, §19.3: each fork answers our one offer; RFC 3960
 * §3.1): the early media of one fork came through set_answer, the call
 * was answered by another. Replaces the answer in force, as long as no
 * later offer or answer was made: the media goes to this peer now.
 * Returns as set_answer; -EPROTO when the session in force is not the
 * answer to our first offer. */
int sp_media_session_replace_answer(struct sp_media_session *m, struct sp_str answer);

/* Forgets our outstanding offer when it was refused (e.g. 488 or a
 * timeout of a re-INVITE): the previous negotiation stays in force. */
void sp_media_session_cancel_offer(struct sp_media_session *m);

/* Puts the call on hold (hold: our direction becomes sendonly) or resumes
 * it (sendrecv), RFC 3264 §8.4, and appends the re-offer to sdp, as
 * sp_media_session_offer (same errors; on error the direction is left
 * as it was). The media follow when the answer is taken. */
int sp_media_session_hold(struct sp_media_session *m, bool hold, struct sp_wbuf *sdp);

/* Queues DTMF digits (0-9 * # A-D a-d): sent as RFC 4733 telephone-events
 * (100 ms per digit, 60 ms apart) when the peer accepted telephone-event,
 * else as in-band Q.23 tones (100 ms, -10 dBm0 per frequency, 60 ms
 * apart) that replace the audio samples while they play. Digits wait
 * while we may not send (hold). Returns the number queued, -EINVAL for a
 * character that is no digit (nothing queued), -ENOSPC when more than 64
 * would be pending, -ENOTCONN before an exchange completed, -ESHUTDOWN
 * after stop. */
int sp_media_session_send_dtmf(struct sp_media_session *m, const char *digits);

/* Fills *out with the current statistics: RTP counters of the RTP
 * session, jitter buffer and PLC counters, and an E-model estimate from
 * the loss and half the RTT plus the jitter-buffer delay. Works at any
 * time: before media the counters are 0, rtt_ms -1, the codec "" and the
 * estimate that of a perfect call; after stop, the values at stop. */
void sp_media_session_stats(const struct sp_media_session *m, struct sp_media_stats *out);

/* Writes one NUL-terminated line into buf[cap]:
 * "rtp sent=N recv=N lost=N (x.x%) jitter=x.xms rtt=xms concealed=N codec=PCMU
 * mos=x.xx" (concealed: frames played from packet loss concealment)
 * (rtt=-1ms when unknown; codec=- before negotiation). Returns the length
 * of the line, or -ENOSPC if it did not fit (buf then holds a truncated
 * line). */
int sp_media_session_summary(const struct sp_media_session *m, char *buf, size_t cap);

/* Stops the media: no more sending or playout, an RTCP BYE goes out (when
 * we had a peer), a received RFC 4733 event still in progress is ended,
 * and the recording is closed with its sizes fixed. Statistics stay readable.
 * Idempotent. A stopped session negotiates no more: offer, answer,
 * set_answer, hold and send_dtmf then return -ESHUTDOWN. */
void sp_media_session_stop(struct sp_media_session *m);

/* Stops the session if needed and frees it. NULL-safe. */
void sp_media_session_destroy(struct sp_media_session *m);

/* Our bound RTP port (RTCP is on the next one). */
uint16_t sp_media_session_port(const struct sp_media_session *m);

#endif
