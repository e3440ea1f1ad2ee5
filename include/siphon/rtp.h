/*
 * RTP (RFC 3550): the fixed header (§5.1) with CSRC list and header
 * extension (§5.3.1), per-source receiver statistics (Appendix A: source
 * validation and sequence tracking §A.1, loss §A.3, interarrival jitter
 * §A.8), and a session: an RTP socket on an even port with RTCP on the
 * next one or multiplexed on the same port (RFC 5761), DSCP marking (RFC
 * 2474), symmetric RTP latching, periodic SR/RR reports with SDES CNAME
 * (§6.3, §6.4) and BYE on destroy, all on the caller's sp_loop.
 *
 * Parsing is zero-copy and bounded: a parsed packet points into the
 * caller's buffer, which must outlive it. A session belongs to the thread
 * that runs its loop; nothing here is thread-safe.
 */
#ifndef SIPHON_RTP_H
#define SIPHON_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/loop.h"
#include "siphon/rtcp.h"
#include "siphon/sa.h"

#define SP_RTP_VERSION 2
#define SP_RTP_HDR_LEN 12  /* fixed header, without CSRCs */
#define SP_RTP_MAX_CSRC 15

/* One RTP packet (§5.1). */
struct sp_rtp_pkt {
	bool marker;
	uint8_t pt;        /* 0..127 */
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t cc;        /* CSRC count, 0..15 */
	uint32_t csrc[SP_RTP_MAX_CSRC];
	bool ext;          /* a header extension is present (X bit) */
	uint16_t ext_profile;  /* §5.3.1 "defined by profile" word */
	const uint8_t *ext_data; /* the extension words, ext_len octets (multiple of 4) */
	size_t ext_len;
	uint8_t pad_len;   /* padding octets including the count octet, 0: none */
	const uint8_t *payload;
	size_t payload_len;
};

/* Parses one RTP packet from buf[len]: version 2, the CSRC list and any
 * extension within the input, a padding count (P bit) of at least 1 that
 * fits after them. Returns 0, or -EBADMSG (*pkt then unspecified). The
 * pointers in *pkt point into buf. Does not look at the payload type
 * range; RFC 5761 demultiplexing is the caller's (sp_rtp_is_rtcp). */
int sp_rtp_parse(struct sp_rtp_pkt *pkt, const void *buf, size_t len);

/* Serialises pkt at buf[cap]: header, CSRCs, extension (when pkt->ext;
 * ext_len must be a multiple of 4 and at most 262140), payload, and
 * pad_len padding octets (the last one holding pad_len) with the P bit.
 * Returns the length written, -EINVAL (pt over 127, cc over 15, bad
 * ext_len, NULL data with a length) or -ENOSPC. */
long sp_rtp_print(void *buf, size_t cap, const struct sp_rtp_pkt *pkt);

/* RFC 5761 §4: on a multiplexed port, a datagram whose second octet is
 * 192..223 (RTCP types 192-223, RTP payload types 64-95 with the marker)
 * is RTCP. Needs len >= 2. */
bool sp_rtp_is_rtcp(const void *buf, size_t len);

/* ---- receiver statistics (Appendix A) ---- */

#define SP_RTP_MIN_SEQUENTIAL 2  /* §A.1: packets in sequence to validate a source */
#define SP_RTP_MAX_DROPOUT 3000
#define SP_RTP_MAX_MISORDER 100
#define SP_RTP_SEQ_MOD (1u << 16)

/* State of one remote source, open for tests and reports. Set up with
 * sp_rtp_source_init; the fields follow §A.1's struct source. */
struct sp_rtp_source {
	uint32_t ssrc;
	uint16_t max_seq;        /* highest seq seen */
	uint32_t cycles;         /* shifted count of seq cycles */
	uint32_t base_seq;       /* base seq number */
	uint32_t bad_seq;        /* last 'bad' seq + 1 */
	uint32_t probation;      /* sequential packets till source is valid */
	uint32_t received;       /* packets received (valid ones, §A.1) */
	uint32_t expected_prior; /* at last report */
	uint32_t received_prior;
	uint32_t transit;        /* relative transit time of the previous packet */
	uint32_t jitter;         /* estimated jitter, scaled by 16 (§A.8) */
	bool have_transit;
	uint64_t octets;         /* payload octets of valid packets */
	uint64_t duplicates;     /* seq seen before within the window below */
	uint64_t out_of_order;   /* older than max_seq, not a duplicate */
	uint64_t seen;           /* bit i: max_seq - i was received */
};

/* Starts tracking ssrc whose first packet has sequence seq, on probation
 * (§A.1: MIN_SEQUENTIAL packets in sequence validate it). */
void sp_rtp_source_init(struct sp_rtp_source *s, uint32_t ssrc, uint16_t seq);

/* update_seq() of §A.1 for one arriving packet of payload_len octets:
 * returns true when the packet is valid and was counted (then it also
 * updates octets, duplicates, out_of_order), false while the source is on
 * probation, for a very large jump (the first of a possible restart; the
 * next in-sequence packet restarts tracking) and for a very old packet. */
bool sp_rtp_source_update(struct sp_rtp_source *s, uint16_t seq, size_t payload_len);

/* §A.8: folds one valid packet's RTP timestamp ts and its arrival time
 * expressed in the same timestamp units into the jitter estimate. */
void sp_rtp_source_jitter(struct sp_rtp_source *s, uint32_t ts, uint32_t arrival);

/* §A.3: the extended highest sequence number received. */
uint32_t sp_rtp_source_ext_max(const struct sp_rtp_source *s);
/* §A.3: packets expected since tracking (re)started. */
uint32_t sp_rtp_source_expected(const struct sp_rtp_source *s);
/* §A.3: cumulative packets lost (negative with duplicates), clamped to the
 * 24-bit signed range of a report block. */
int32_t sp_rtp_source_lost(const struct sp_rtp_source *s);
/* Current jitter estimate in timestamp units (§A.8: jitter >> 4). */
uint32_t sp_rtp_source_jitter_ts(const struct sp_rtp_source *s);

/* Fills the loss part of a report block on s (ssrc, fraction lost since
 * the previous call §A.3, cumulative lost, extended highest seq, jitter)
 * and starts a new interval. lsr and dlsr are left 0 for the caller. */
void sp_rtp_source_report(struct sp_rtp_source *s, struct sp_rtcp_rb *rb);

/* ---- session ---- */

struct sp_rtp_session;

/* A valid RTP packet arrived (its source out of probation, §A.1). pkt and
 * the bytes it points to are valid during the callback only; arrival is
 * sp_loop_now() when it was read. The callback may send and may destroy
 * the session. */
typedef void (*sp_rtp_recv_cb)(struct sp_rtp_session *s, const struct sp_rtp_pkt *pkt,
			       sp_msec arrival, void *arg);

/* A valid compound RTCP packet arrived (already applied to the statistics);
 * walk it with sp_rtcp_parse. Valid during the callback only. */
typedef void (*sp_rtcp_recv_cb)(struct sp_rtp_session *s, const uint8_t *buf, size_t len,
				void *arg);

/* Zero fields take the default named beside them. */
struct sp_rtp_config {
	struct sp_sa local;         /* address to bind (its port is ignored); required */
	uint16_t port_min;          /* even ports tried, from a random one in */
	uint16_t port_max;          /*   [port_min, port_max]; 16384..32767 */
	bool rtcp_mux;              /* RFC 5761: RTCP on the RTP port */
	int dscp;                   /* RFC 2474 codepoint for RTP and RTCP: 0 gives
				       EF (46, RFC 3246), 1..63 as given, negative
				       leaves the system default (CS0) */
	uint32_t clock_rate;        /* RTP timestamp rate, Hz; 8000 */
	uint32_t session_bw;        /* session bandwidth, bit/s, for the RTCP share
				       (5%, §6.2); 80000 (G.711 with headers) */
	uint32_t rtcp_min_ms;       /* minimum RTCP interval (§6.2); 5000. Smaller
				       values are a "reduced minimum" as §6.2
				       allows, down to 1 ms for tests */
	bool symmetric;             /* latch the remote RTP/RTCP addresses to where
				       packets come from (symmetric RTP, for NAT) */
	const char *cname;          /* SDES CNAME (copied, at most 255 octets);
				       NULL: "siphon@" and the local address */
	sp_rtp_recv_cb on_rtp;      /* required */
	sp_rtcp_recv_cb on_rtcp;    /* may be NULL */
	void *arg;
};

/* Opens the session's sockets on loop: RTP on a free even port of the
 * range and RTCP on the next (one socket with rtcp_mux), both marked with
 * the DSCP, and draws a random SSRC, initial sequence number and timestamp
 * (§5.1). Nothing is sent until sp_rtp_session_set_remote; the first RTCP
 * report is scheduled from then on. Returns 0, -EINVAL (no address or
 * callback, empty or odd-only port range, cname too long, dscp over 63),
 * -EADDRINUSE (no free pair in the range), -ENOMEM or another -errno of
 * socket; *out untouched on error. */
int sp_rtp_session_create(struct sp_rtp_session **out, struct sp_loop *loop,
			  const struct sp_rtp_config *cfg);

/* Sends an RTCP BYE (with reason if not NULL, at most 255 octets) when a
 * remote is set and we sent RTP or RTCP (§6.3.7: a BYE is sent at once in
 * sessions under 50 members), closes the sockets, stops the timer and
 * drops the caller's reference. NULL-safe. May be called from the
 * session's own callbacks. */
void sp_rtp_session_destroy(struct sp_rtp_session *s, const char *reason);

/* Where to send (from SDP): rtp, and rtcp for reports (NULL: rtp's port + 1,
 * or rtp itself with rtcp_mux). Copied. Setting it again replaces both
 * (and a latch). Returns 0 or -EINVAL (unset, wildcard or port-0 address,
 * or a family other than the local one). */
int sp_rtp_session_set_remote(struct sp_rtp_session *s, const struct sp_sa *rtp,
			      const struct sp_sa *rtcp);

/* The bound local RTP and RTCP addresses (equal with rtcp_mux). */
const struct sp_sa *sp_rtp_session_local_rtp(const struct sp_rtp_session *s);
const struct sp_sa *sp_rtp_session_local_rtcp(const struct sp_rtp_session *s);

/* Our SSRC. */
uint32_t sp_rtp_session_ssrc(const struct sp_rtp_session *s);

/* Sends one RTP packet: the timestamp advances by ts_inc first (so packets
 * carry initial + sum of ts_inc), the sequence number by one. Returns 0,
 * -EINVAL (pt over 127 or in 64..95 with rtcp_mux, RFC 5761 §4), -ENOTCONN
 * (no remote yet), -EMSGSIZE (payload over 1460 octets), -EAGAIN (socket
 * buffer full: dropped, counted as sent as a loss on the path would be), or
 * -errno of sendto. */
int sp_rtp_session_send(struct sp_rtp_session *s, uint8_t pt, bool marker, uint32_t ts_inc,
			const void *payload, size_t len);

/* Test hook for loss: the next n packets given to sp_rtp_session_send are
 * built and counted (sequence numbers and timestamps advance) but not put
 * on the wire, as if lost on the path. */
void sp_rtp_session_drop_next(struct sp_rtp_session *s, unsigned n);

/* Changes the RTP timestamp rate (cfg.clock_rate) once the codec is
 * known, e.g. 48000 for Opus (RFC 7587 §4.1) after an SDP exchange: the
 * interarrival jitter of received sources (§A.8, reported in timestamp
 * units of the source's payload format) and the RTP timestamp of our SRs
 * (§6.4.1) use it from then on; jitter estimates start over. Returns 0,
 * or -EINVAL for 0 or a rate over 192000. */
int sp_rtp_session_set_clock_rate(struct sp_rtp_session *s, uint32_t hz);

struct sp_rtp_stats {
	uint32_t ssrc;              /* ours */
	uint64_t sent_packets;      /* RTP packets sent */
	uint64_t sent_octets;       /* their payload octets */
	uint64_t rtcp_sent;         /* compound RTCP packets sent */
	uint64_t rtcp_received;     /* valid compound RTCP packets received */
	uint64_t bad_packets;       /* datagrams that were neither valid RTP nor RTCP */
	/* The remote source we hear (the most recent one to send), if any. */
	bool have_source;
	uint32_t remote_ssrc;
	bool remote_valid;          /* out of probation */
	uint64_t received_packets;  /* valid packets counted by §A.1 */
	uint64_t received_octets;
	uint64_t duplicates;
	uint64_t out_of_order;
	uint32_t expected;          /* §A.3 */
	int32_t lost;               /* cumulative, §A.3 */
	uint8_t fraction_lost;      /* in our last report on it, /256 */
	uint32_t jitter_ts;         /* §A.8, timestamp units */
	double jitter_ms;
	char cname[256];            /* its SDES CNAME, "" until received */
	bool bye;                   /* it sent BYE */
	/* What the remote reported about us in its last SR/RR. */
	bool have_report;
	uint8_t remote_fraction_lost;
	int32_t remote_lost;
	uint32_t remote_jitter_ts;
	bool have_rtt;              /* a report block echoed one of our SRs */
	uint32_t rtt_ms;            /* §6.4.1, last measured */
};

/* Fills *out with the session's counters and the statistics above. */
void sp_rtp_session_stats(const struct sp_rtp_session *s, struct sp_rtp_stats *out);

#endif
