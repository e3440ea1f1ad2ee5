/*
 * RTCP (RFC 3550 §6): compound packet validation (§A.2) and parsing into
 * one packet at a time (SR, RR, SDES, BYE, APP; other types such as RFC
 * 4585 feedback are kept as raw bodies), printing, the transmission
 * interval (§6.3, §A.7), NTP timestamps and the round-trip time from
 * LSR/DLSR (§6.4.1).
 *
 * Parsing is zero-copy and bounded: every pointer in a parsed packet points
 * into the caller's buffer, which must outlive it, and nothing is read past
 * the length given. Nothing here allocates.
 */
#ifndef SIPHON_RTCP_H
#define SIPHON_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packet types (§12.1). */
enum {
	SP_RTCP_SR = 200,
	SP_RTCP_RR = 201,
	SP_RTCP_SDES = 202,
	SP_RTCP_BYE = 203,
	SP_RTCP_APP = 204,
};

/* SDES item types (§6.5, §12.2). */
enum {
	SP_SDES_END = 0,
	SP_SDES_CNAME = 1,
	SP_SDES_NAME = 2,
	SP_SDES_EMAIL = 3,
	SP_SDES_PHONE = 4,
	SP_SDES_LOC = 5,
	SP_SDES_TOOL = 6,
	SP_SDES_NOTE = 7,
	SP_SDES_PRIV = 8,
	SP_SDES_NITEMS = 9 /* item[] index bound: 1..8 are kept */
};

#define SP_RTCP_MAX_COUNT 31 /* report blocks, chunks or SSRCs in one packet (5 bits) */
#define SP_RTCP_HDR_LEN 4
#define SP_RTCP_RB_LEN 24

/* One reception report block (§6.4.1). */
struct sp_rtcp_rb {
	uint32_t ssrc;     /* the source this block reports on */
	uint8_t fraction;  /* fraction lost since the previous report, /256 */
	int32_t lost;      /* cumulative lost, 24-bit signed: -8388608..8388607 */
	uint32_t ext_seq;  /* extended highest sequence number received */
	uint32_t jitter;   /* interarrival jitter, timestamp units */
	uint32_t lsr;      /* middle 32 bits of the last SR's NTP time, 0: none */
	uint32_t dlsr;     /* delay since that SR, 1/65536 s */
};

/* The sender info of an SR (§6.4.1). */
struct sp_rtcp_sender {
	uint64_t ntp;      /* NTP timestamp, 32.32 fixed point seconds since 1900 */
	uint32_t rtp_ts;   /* the same instant in RTP timestamp units */
	uint32_t packets;  /* sender's packet count */
	uint32_t octets;   /* sender's payload octet count */
};

/* One SDES chunk (§6.5): the standard items by type, each a slice of the
 * text (p NULL: absent; a repeated item keeps its first occurrence). The
 * PRIV item (type 8) is kept whole: prefix length octet, prefix, value.
 * Unknown item types are skipped. */
struct sp_rtcp_sdes_chunk {
	uint32_t ssrc;
	struct {
		const uint8_t *p;
		uint8_t len;
	} item[SP_SDES_NITEMS];
};

/* One RTCP packet of a compound. raw/raw_len is the whole packet with its
 * header and padding. Which union member is set follows pt. */
struct sp_rtcp_pkt {
	uint8_t pt;        /* SP_RTCP_* or another type (kept raw in body) */
	uint8_t count;     /* the 5-bit RC/SC/subtype field */
	uint8_t pad_len;   /* padding octets at the end (§6.4.1 P bit), 0: none */
	const uint8_t *raw;
	size_t raw_len;
	union {
		struct {   /* SR and RR */
			uint32_t ssrc; /* of the packet sender */
			struct sp_rtcp_sender si; /* SR only */
			struct sp_rtcp_rb rb[SP_RTCP_MAX_COUNT]; /* count of them */
			const uint8_t *ext; /* profile-specific extension (§6.4.1) */
			size_t ext_len;
		} r;
		struct {   /* SDES */
			struct sp_rtcp_sdes_chunk chunk[SP_RTCP_MAX_COUNT]; /* count */
		} sdes;
		struct {   /* BYE */
			uint32_t ssrc[SP_RTCP_MAX_COUNT]; /* count */
			const uint8_t *reason; /* NULL: no reason */
			uint8_t reason_len;
		} bye;
		struct {   /* APP (subtype in count) */
			uint32_t ssrc;
			uint8_t name[4];
			const uint8_t *data;
			size_t data_len;
		} app;
		struct {   /* any other type: the words after the header */
			const uint8_t *body;
			size_t body_len;
		} other;
	} u;
};

/* Walks one validated compound packet. Fields are private. */
struct sp_rtcp_iter {
	const uint8_t *p, *end;
};

/* Validates a compound RTCP packet (§A.2, §6.1): at least one packet,
 * every header version 2, the first packet an SR or RR without padding,
 * every length field within the input and all of them summing exactly to
 * len, padding only in the last packet and no larger than its body. On
 * success *it walks the packets with sp_rtcp_next. Returns 0 or -EBADMSG
 * (*it untouched). */
int sp_rtcp_parse(struct sp_rtcp_iter *it, const void *buf, size_t len);

/* As sp_rtcp_parse without the first-packet rule: for packets that are
 * not a whole compound (RFC 5506 reduced-size RTCP, or a lone packet to
 * print and reparse). */
int sp_rtcp_parse_any(struct sp_rtcp_iter *it, const void *buf, size_t len);

/* Decodes the next packet of the compound into *pkt. Returns 1 (a packet),
 * 0 (no more) or -EBADMSG when the packet's body is inconsistent with its
 * type (report blocks past its length, an SDES item or a BYE reason
 * overrunning it, a missing chunk terminator); the iterator then stops
 * (later calls return 0). */
int sp_rtcp_next(struct sp_rtcp_iter *it, struct sp_rtcp_pkt *pkt);

/* Serialises pkt (as sp_rtcp_next fills it; raw and raw_len ignored) at
 * buf[cap]: a packet with pad_len > 0 gets that much padding (last octet =
 * pad_len) and the P bit. SDES items are written in type order. Returns the
 * number of bytes written, -EINVAL (count over 31, a slice with NULL
 * pointer and non-zero length, a body that is not a multiple of 4 octets
 * where the type needs one), or -ENOSPC (cap too small; buf contents then
 * unspecified). Concatenate packets for a compound. */
long sp_rtcp_print(void *buf, size_t cap, const struct sp_rtcp_pkt *pkt);

/* ---- time ---- */

/* NTP timestamp (32.32) of ms milliseconds since the Unix epoch (§4). */
uint64_t sp_ntp_from_unix_ms(int64_t ms);

/* The middle 32 bits of an NTP timestamp (the LSR form, 16.16 s). */
static inline uint32_t sp_ntp_mid32(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/* Round-trip time (§6.4.1, Figure 2) in 1/65536 s from A, the middle 32
 * bits of the NTP time a report block arrived, and the block's LSR and
 * DLSR: A - LSR - DLSR, modulo 2^32. Returns -1 when lsr is 0 (no SR yet)
 * or the result is "negative" (above 2^31: clocks or a bogus block). */
int64_t sp_rtcp_rtt(uint32_t arrival_mid32, uint32_t lsr, uint32_t dlsr);

/* Converts 1/65536 s to milliseconds, rounded to nearest. */
static inline uint32_t sp_rtcp_units_to_ms(uint64_t units)
{
	return (uint32_t)((units * 1000 + 32768) >> 16);
}

/* ---- transmission interval (§6.3.1, §A.7) ---- */

struct sp_rtcp_interval_in {
	unsigned members;     /* members including us, >= 1 */
	unsigned senders;     /* members that sent RTP recently, us included */
	double rtcp_bw;       /* octets per second for RTCP: 5% of the session */
	bool we_sent;         /* we sent RTP in the last two intervals */
	double avg_rtcp_size; /* octets, including UDP and IP headers */
	bool initial;         /* no RTCP sent yet: half the minimum */
	double min_s;         /* minimum interval, s: 5 (§6.2) or a reduced one */
};

/* The randomised RTCP interval in seconds, as rtcp_interval() of §A.7:
 * the deterministic interval from bandwidth share and average size (never
 * below min_s, halved for the initial one), times (0.5 + rnd), divided by
 * e - 3/2 to compensate for timer reconsideration. rnd must lie in [0, 1):
 * the caller draws it (tests pass fixed values). */
double sp_rtcp_interval(const struct sp_rtcp_interval_in *in, double rnd);

#endif
