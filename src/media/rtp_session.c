/*
 * The RTP session (RFC 3550 §5, §8; RFC 5761; symmetric RTP): its sockets
 * on the caller's loop, sending with random SSRC, initial sequence number
 * and timestamp (§5.1), receiving with per-source statistics (Appendix A)
 * and latching to where packets come from, the remote source table, and
 * the statistics getter. RTCP reports live in rtcp_session.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "siphon/mem.h"
#include "rtp_int.h"

#define RX_ROUNDS 64 /* datagrams per readiness event, then let others run */

uint64_t sp__rtp_ntp_now(const struct sp_rtp_session *s)
{
	return sp_ntp_from_unix_ms(s->ntp0_ms + (sp_loop_now(s->loop) - s->loop0));
}

unsigned sp__rtp_members(const struct sp_rtp_session *s)
{
	unsigned n = 1; /* us */
	for (unsigned i = 0; i < SP__RTP_MAX_SOURCES; i++)
		n += s->members[i].used && !s->members[i].left;
	return n;
}

/* The entry for ssrc; with create, a new one (reusing a departed or the
 * longest silent entry when the table is full). NULL if absent. */
struct sp__rtp_member *sp__rtp_member_find(struct sp_rtp_session *s, uint32_t ssrc, bool create)
{
	int victim = -1;
	for (int i = 0; i < SP__RTP_MAX_SOURCES; i++) {
		struct sp__rtp_member *m = &s->members[i];
		if (m->used && m->ssrc_key == ssrc)
			return m;
		if (!m->used) {
			if (victim < 0 || s->members[victim].used)
				victim = i;
		} else if (victim < 0 || (s->members[victim].used &&
					  (m->left > s->members[victim].left ||
					   (m->left == s->members[victim].left &&
					    m->last_heard < s->members[victim].last_heard)))) {
			victim = i;
		}
	}
	if (!create)
		return NULL;
	if (victim == s->current)
		s->current = -1;
	struct sp__rtp_member *m = &s->members[victim];
	memset(m, 0, sizeof(*m));
	m->used = true;
	m->ssrc_key = ssrc;
	m->last_heard = sp_loop_now(s->loop);
	return m;
}

int sp__rtp_sendto(struct sp_rtp_session *s, int fd, const struct sp_sa *dst, const void *buf,
		   size_t len)
{
	(void)s;
	ssize_t n = sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, &dst->u.sa, dst->len);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

static void close_sockets(struct sp_rtp_session *s)
{
	if (s->closed)
		return;
	s->closed = true;
	sp_timer_stop(&s->rtcp_timer);
	if (s->rtcp_fd >= 0 && s->rtcp_fd != s->rtp_fd) {
		sp_loop_unwatch(s->loop, s->rtcp_fd);
		close(s->rtcp_fd);
	}
	if (s->rtp_fd >= 0) {
		sp_loop_unwatch(s->loop, s->rtp_fd);
		close(s->rtp_fd);
	}
	s->rtp_fd = s->rtcp_fd = -1;
}

static void session_free(void *obj)
{
	close_sockets(obj);
}

/* §A.1: pkt just made its source valid; the packet before it, kept
 * while the source was on probation, goes first when it is pkt's
 * predecessor. Counted in no statistics (§A.1 counts from validation). */
static void deliver_held(struct sp_rtp_session *s, const struct sp_rtp_pkt *pkt)
{
	struct sp_rtp_pkt prev;
	size_t len = s->held_len;
	s->held_len = 0;
	if (!len || s->held_ssrc != pkt->ssrc || sp_rtp_parse(&prev, s->held, len) != 0 ||
	    prev.seq != (uint16_t)(pkt->seq - 1))
		return;
	s->cfg.on_rtp(s, &prev, s->held_at, s->cfg.arg);
}

/* One RTP packet from src (RFC 3550 §A.1, §A.8; latching). */
static void rtp_input(struct sp_rtp_session *s, const uint8_t *buf, size_t len,
		      const struct sp_sa *src)
{
	struct sp_rtp_pkt pkt;
	if (sp_rtp_parse(&pkt, buf, len)) {
		s->bad_packets++;
		return;
	}
	if (pkt.ssrc == s->ssrc)
		return; /* our own packets looped back (§8.2 collisions are not resolved) */
	if (s->cfg.symmetric && !s->latched_rtp) {
		s->remote_rtp = *src;
		s->latched_rtp = true;
		if (s->cfg.rtcp_mux) {
			s->remote_rtcp = *src;
			s->latched_rtcp = true;
		}
	}

	sp_msec now = sp_loop_now(s->loop);
	struct sp__rtp_member *m = sp__rtp_member_find(s, pkt.ssrc, true);
	if (!m->rtp_seen) {
		m->rtp_seen = true;
		sp_rtp_source_init(&m->src, pkt.ssrc, pkt.seq);
	}
	m->left = false;
	m->last_heard = m->last_rtp = now;
	if (!sp_rtp_source_update(&m->src, pkt.seq, pkt.payload_len)) {
		if (m->src.probation) { /* keep it: the next one may validate it */
			memcpy(s->held, buf, len);
			s->held_len = len;
			s->held_ssrc = pkt.ssrc;
			s->held_at = now;
		}
		return;
	}
	/* §A.8: the arrival time in RTP timestamp units of this source. */
	uint32_t arrival = (uint32_t)((uint64_t)(now - s->loop0) * s->cfg.clock_rate / 1000);
	sp_rtp_source_jitter(&m->src, pkt.ts, arrival);
	m->sent_since_report = true;
	s->current = (int)(m - s->members);
	deliver_held(s, &pkt);
	if (!s->closed)
		s->cfg.on_rtp(s, &pkt, now, s->cfg.arg);
}

/* Reads what the socket holds, stopping if a callback closed the session.
 * rtcp_only: the separate RTCP socket. */
static void readable(struct sp_rtp_session *s, int fd, bool rtcp_only)
{
	for (int i = 0; i < RX_ROUNDS && !s->closed; i++) {
		struct sp_sa src = { 0 };
		src.len = sizeof(src.u);
		ssize_t n = recvfrom(fd, s->rxbuf, sizeof(s->rxbuf), MSG_DONTWAIT | MSG_TRUNC,
				     &src.u.sa, &src.len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or an error the next event retries */
		}
		if ((size_t)n > sizeof(s->rxbuf) || n == 0) {
			s->bad_packets++;
			continue;
		}
		if (rtcp_only || (s->cfg.rtcp_mux && sp_rtp_is_rtcp(s->rxbuf, (size_t)n)))
			sp__rtcp_input(s, s->rxbuf, (size_t)n, &src);
		else
			rtp_input(s, s->rxbuf, (size_t)n, &src);
	}
}

static void on_readable(int fd, unsigned events, void *arg)
{
	struct sp_rtp_session *s = sp_mem_ref(arg); /* callbacks may destroy it */
	(void)events;
	readable(s, fd, fd != s->rtp_fd);
	sp_mem_deref(s);
}

static int check_config(const struct sp_rtp_config *cfg)
{
	if (!cfg || !cfg->on_rtp || !cfg->local.len)
		return -EINVAL;
	int fam = sp_sa_family(&cfg->local);
	if (fam != AF_INET && fam != AF_INET6)
		return -EINVAL;
	if (cfg->cname && strlen(cfg->cname) > 255)
		return -EINVAL;
	if (cfg->dscp > 63)
		return -EINVAL;
	return 0;
}

int sp_rtp_session_create(struct sp_rtp_session **out, struct sp_loop *loop,
			  const struct sp_rtp_config *cfg)
{
	int rc = check_config(cfg);
	if (rc)
		return rc;
	if (!loop)
		return -EINVAL;
	struct sp_rtp_session *s = sp_mem_zalloc(sizeof(*s), session_free);
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->rtp_fd = s->rtcp_fd = -1;
	s->closed = true; /* until the sockets are open */
	s->current = -1;
	s->cfg = *cfg;
	if (!s->cfg.port_min && !s->cfg.port_max) {
		s->cfg.port_min = 16384;
		s->cfg.port_max = 32767;
	}
	if (!s->cfg.dscp)
		s->cfg.dscp = 46; /* EF, RFC 3246 */
	if (!s->cfg.clock_rate)
		s->cfg.clock_rate = 8000;
	if (!s->cfg.session_bw)
		s->cfg.session_bw = 80000;
	if (!s->cfg.rtcp_min_ms)
		s->cfg.rtcp_min_ms = 5000;
	if (cfg->cname) {
		snprintf(s->cname, sizeof(s->cname), "%s", cfg->cname);
	} else {
		char ip[SP_SA_STRLEN];
		sp_sa_print_ip(&cfg->local, ip, sizeof(ip));
		snprintf(s->cname, sizeof(s->cname), "siphon@%s", ip);
	}
	s->cfg.cname = s->cname;
	sp_timer_init(&s->rtcp_timer);

	rc = sp__rtp_bind_pair(s);
	if (rc) {
		sp_mem_deref(s);
		return rc;
	}
	s->closed = false;
	rc = sp_loop_watch(loop, s->rtp_fd, SP_IO_READ, on_readable, s);
	if (!rc && s->rtcp_fd != s->rtp_fd)
		rc = sp_loop_watch(loop, s->rtcp_fd, SP_IO_READ, on_readable, s);
	if (rc) {
		sp_mem_deref(s); /* closes and unwatches */
		return rc;
	}

	/* §5.1: SSRC, sequence number and timestamp start random. */
	s->ssrc = sp__rtp_random32();
	s->seq = (uint16_t)sp__rtp_random32();
	s->ts = sp__rtp_random32();

	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	s->ntp0_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	s->loop0 = sp_loop_now(loop);

	/* §A.7: avg_rtcp_size starts at the probable size of our first
	 * report: an RR, SDES CNAME, and UDP/IP headers. */
	size_t sdes = (4 + 4 + 2 + strlen(s->cname) + 4) & ~(size_t)3;
	s->avg_rtcp_size = 8 + (double)sdes + (sp_sa_family(&cfg->local) == AF_INET6 ? 48 : 28);
	s->pmembers = 1;
	*out = s;
	return 0;
}

void sp_rtp_session_destroy(struct sp_rtp_session *s, const char *reason)
{
	if (!s)
		return;
	if (!s->closed && s->remote_rtcp.len && (s->sent_any || s->rtcp_sent))
		sp__rtcp_send_bye(s, reason);
	close_sockets(s);
	sp_mem_deref(s);
}

int sp_rtp_session_set_remote(struct sp_rtp_session *s, const struct sp_sa *rtp,
			      const struct sp_sa *rtcp)
{
	int fam = sp_sa_family(&s->local_rtp);
	const struct sp_sa *chk[2] = { rtp, rtcp };
	for (int i = 0; i < 2; i++) {
		const struct sp_sa *a = chk[i];
		if (!a) {
			if (i == 0)
				return -EINVAL;
			continue;
		}
		if (!a->len || sp_sa_is_any(a) || !sp_sa_port(a) || sp_sa_family(a) != fam)
			return -EINVAL;
	}
	struct sp_sa r = *rtp;
	if (rtcp) {
		r = *rtcp;
	} else if (!s->cfg.rtcp_mux) {
		if (sp_sa_port(rtp) == 65535)
			return -EINVAL;
		sp_sa_set_port(&r, (uint16_t)(sp_sa_port(rtp) + 1)); /* §11 */
	}
	s->remote_rtp = *rtp;
	s->remote_rtcp = r;
	s->latched_rtp = s->latched_rtcp = false;
	if (!s->rtcp_started && !s->closed)
		sp__rtcp_start(s);
	return 0;
}

const struct sp_sa *sp_rtp_session_local_rtp(const struct sp_rtp_session *s)
{
	return &s->local_rtp;
}

const struct sp_sa *sp_rtp_session_local_rtcp(const struct sp_rtp_session *s)
{
	return &s->local_rtcp;
}

uint32_t sp_rtp_session_ssrc(const struct sp_rtp_session *s)
{
	return s->ssrc;
}

int sp_rtp_session_send(struct sp_rtp_session *s, uint8_t pt, bool marker, uint32_t ts_inc,
			const void *payload, size_t len)
{
	uint8_t buf[SP_RTP_HDR_LEN + SP__RTP_MAX_PAYLOAD];

	if (pt > 127 || (s->cfg.rtcp_mux && pt >= 64 && pt <= 95)) /* RFC 5761 §4 */
		return -EINVAL;
	if (len > SP__RTP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (len && !payload)
		return -EINVAL;
	if (s->closed || !s->remote_rtp.len)
		return -ENOTCONN;

	s->ts += ts_inc;
	struct sp_rtp_pkt pkt = {
		.marker = marker,
		.pt = pt,
		.seq = s->seq++,
		.ts = s->ts,
		.ssrc = s->ssrc,
		.payload = payload,
		.payload_len = len,
	};
	long n = sp_rtp_print(buf, sizeof(buf), &pkt);
	if (n < 0)
		return (int)n;
	s->sent_packets++;
	s->sent_octets += len;
	s->sent_any = true;
	s->sent_since_report = true;
	s->last_send = sp_loop_now(s->loop);
	if (s->drop_next) {
		s->drop_next--;
		return 0;
	}
	return sp__rtp_sendto(s, s->rtp_fd, &s->remote_rtp, buf, (size_t)n);
}

void sp_rtp_session_drop_next(struct sp_rtp_session *s, unsigned n)
{
	s->drop_next = n;
}

int sp_rtp_session_set_clock_rate(struct sp_rtp_session *s, uint32_t hz)
{
	if (!hz || hz > 192000)
		return -EINVAL;
	if (hz == s->cfg.clock_rate)
		return 0;
	s->cfg.clock_rate = hz;
	/* §A.8: transit times in the old units mean nothing now; each
	 * source's jitter estimate starts over from its next packet. */
	for (unsigned i = 0; i < SP__RTP_MAX_SOURCES; i++) {
		s->members[i].src.have_transit = false;
		s->members[i].src.jitter = 0;
	}
	return 0;
}

void sp_rtp_session_stats(const struct sp_rtp_session *s, struct sp_rtp_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->ssrc = s->ssrc;
	out->sent_packets = s->sent_packets;
	out->sent_octets = s->sent_octets;
	out->rtcp_sent = s->rtcp_sent;
	out->rtcp_received = s->rtcp_received;
	out->bad_packets = s->bad_packets;
	if (s->current >= 0) {
		const struct sp__rtp_member *m = &s->members[s->current];
		const struct sp_rtp_source *src = &m->src;
		out->have_source = true;
		out->remote_ssrc = src->ssrc;
		out->remote_valid = src->probation == 0;
		out->received_packets = src->received;
		out->received_octets = src->octets;
		out->duplicates = src->duplicates;
		out->out_of_order = src->out_of_order;
		out->expected = sp_rtp_source_expected(src);
		out->lost = sp_rtp_source_lost(src);
		out->fraction_lost = m->last_fraction;
		out->jitter_ts = sp_rtp_source_jitter_ts(src);
		out->jitter_ms = (double)src->jitter / 16.0 * 1000.0 / s->cfg.clock_rate;
		memcpy(out->cname, m->cname, sizeof(out->cname));
		out->bye = m->bye;
	}
	out->have_report = s->have_report;
	if (s->have_report) {
		out->remote_fraction_lost = s->report.fraction;
		out->remote_lost = s->report.lost;
		out->remote_jitter_ts = s->report.jitter;
	}
	out->have_rtt = s->have_rtt;
	out->rtt_ms = s->rtt_ms;
}
