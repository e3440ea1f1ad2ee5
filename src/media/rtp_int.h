/*
 * Internals shared by the RTP/RTCP files of src/media: big-endian field
 * access, and the session object (rtp_session.c owns sockets and RTP,
 * rtcp_session.c the reports, rtp_socket.c the port pair).
 */
#ifndef SIPHON_RTP_INT_H
#define SIPHON_RTP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/loop.h"
#include "siphon/rtp.h"
#include "siphon/sa.h"

static inline uint16_t sp__get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t sp__get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void sp__put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void sp__put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define SP__RTP_MAX_SOURCES 8   /* remote sources tracked per session */
#define SP__RTP_MAX_PAYLOAD 1460
#define SP__RTP_RXBUF 8192
#define SP__RTCP_TIMEOUT_INTERVALS 5 /* §6.3.5: members silent this long leave */

/* One remote source of a session. */
struct sp__rtp_member {
	bool used;
	uint32_t ssrc_key;       /* its SSRC (src.ssrc is set once it sends RTP) */
	bool rtp_seen;           /* src is initialised (it sent RTP) */
	bool bye;                /* it sent BYE */
	bool left;               /* BYE or timed out: no longer a member */
	bool sent_since_report;  /* RTP since our last report: gets a block */
	sp_msec last_rtp;        /* loop time of its last RTP packet */
	sp_msec last_heard;      /* of its last RTP or RTCP packet */
	uint32_t lsr;            /* middle of its last SR's NTP time, 0: none */
	sp_msec lsr_at;          /* when that SR arrived */
	uint8_t last_fraction;   /* in our last report on it */
	char cname[256];
	struct sp_rtp_source src;
};

struct sp_rtp_session {
	struct sp_loop *loop;
	struct sp_rtp_config cfg; /* cname points at cname[] below */
	char cname[256];
	int rtp_fd, rtcp_fd;      /* rtcp_fd == rtp_fd with rtcp_mux */
	struct sp_sa local_rtp, local_rtcp;
	struct sp_sa remote_rtp, remote_rtcp;
	bool latched_rtp, latched_rtcp;
	bool closed;

	/* Sending (§5.1: random initial values). */
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	sp_msec last_send;        /* loop time of the last RTP packet */
	bool sent_any;
	unsigned drop_next;
	uint64_t sent_packets, sent_octets;

	/* Clocks: NTP time = ntp0_ms + (loop now - loop0). */
	int64_t ntp0_ms;
	sp_msec loop0;

	/* RTCP (§6.3, §A.7). */
	struct sp_timer rtcp_timer;
	bool rtcp_started;
	bool initial;             /* no report sent yet */
	bool sent_since_report;   /* RTP since our last report */
	bool sent_prev;           /* RTP in the interval before that */
	sp_msec tp;               /* last report time */
	sp_msec tn;               /* next scheduled */
	unsigned pmembers;
	double avg_rtcp_size;
	uint64_t rtcp_sent, rtcp_received, bad_packets;

	/* What the remote said about us. */
	bool have_report, have_rtt;
	struct sp_rtcp_rb report;
	uint32_t rtt_ms;

	struct sp__rtp_member members[SP__RTP_MAX_SOURCES];
	int current;              /* index of the source stats report, -1: none */

	uint8_t rxbuf[SP__RTP_RXBUF];
	/* §A.1: the packet that put a new source on probation, handed to
	 * on_rtp just before the one that ends it (not lost to probation:
	 * a decoder starts in step with the sender). */
	uint8_t held[SP__RTP_RXBUF];
	size_t held_len;
	uint32_t held_ssrc;
	sp_msec held_at;
};

/* rtp_socket.c: binds the RTP (even) and RTCP (odd, unless mux) sockets. */
int sp__rtp_bind_pair(struct sp_rtp_session *s);

/* rtcp_session.c */
void sp__rtcp_start(struct sp_rtp_session *s);
void sp__rtcp_input(struct sp_rtp_session *s, const uint8_t *buf, size_t len,
		    const struct sp_sa *src);
void sp__rtcp_send_bye(struct sp_rtp_session *s, const char *reason);
uint64_t sp__rtp_ntp_now(const struct sp_rtp_session *s);
unsigned sp__rtp_members(const struct sp_rtp_session *s);
struct sp__rtp_member *sp__rtp_member_find(struct sp_rtp_session *s, uint32_t ssrc,
					   bool create);
int sp__rtp_sendto(struct sp_rtp_session *s, int fd, const struct sp_sa *dst, const void *buf,
		   size_t len);

/* Randomness for SSRC, initial seq and timestamp, and the interval. */
uint32_t sp__rtp_random32(void);

#endif
