/*
 * A session's RTCP (RFC 3550 §6): the report timer with the §6.3 rules
 * (randomised interval, initial half interval, forward reconsideration at
 * expiry §6.3.6, reverse reconsideration when members leave §6.3.4,
 * member timeout §6.3.5), the compound report it sends (SR if we sent RTP
 * in the last two intervals, else RR; report blocks on the sources heard
 * since the last report; SDES CNAME: §6.1, §6.4), BYE on close (§6.3.7:
 * sent at once, as allowed under 50 members), and what received reports
 * tell: LSR/DLSR for our reports on others, and the report blocks about us
 * with the round-trip time (§6.4.1).
 *
 * Simplifications: the timeout of members uses five minimum intervals
 * rather than five computed ones, and §6.3.7's BYE back-off for large
 * sessions is not needed for a two-party call and not implemented.
 */
#include <errno.h>
#include <string.h>

#include "siphon/mem.h"
#include "rtp_int.h"

#define RTCP_MAX 1500
#define RTCP_FRACTION 0.05 /* of the session bandwidth (§6.2) */

static size_t ip_overhead(const struct sp_rtp_session *s)
{
	return sp_sa_family(&s->local_rtp) == AF_INET6 ? 48 : 28; /* IP + UDP */
}

static bool we_sent(const struct sp_rtp_session *s)
{
	return s->sent_since_report || s->sent_prev; /* §6.3.8, §6.4 */
}

static unsigned senders(const struct sp_rtp_session *s, sp_msec now, sp_msec window)
{
	unsigned n = we_sent(s);
	for (unsigned i = 0; i < SP__RTP_MAX_SOURCES; i++) {
		const struct sp__rtp_member *m = &s->members[i];
		n += m->used && !m->left && m->rtp_seen && now - m->last_rtp <= window;
	}
	return n;
}

/* The current randomised interval in ms (§6.3.1, §A.7). */
static sp_msec interval_ms(struct sp_rtp_session *s)
{
	sp_msec now = sp_loop_now(s->loop);
	struct sp_rtcp_interval_in in = {
		.members = sp__rtp_members(s),
		.rtcp_bw = s->cfg.session_bw / 8.0 * RTCP_FRACTION,
		.we_sent = we_sent(s),
		.avg_rtcp_size = s->avg_rtcp_size,
		.initial = s->initial,
		.min_s = s->cfg.rtcp_min_ms / 1000.0,
	};
	/* A member is a sender if it sent RTP within two intervals: take
	 * the last one as the measure. */
	sp_msec window = 2 * (s->tn > s->tp ? s->tn - s->tp : (sp_msec)s->cfg.rtcp_min_ms);
	in.senders = senders(s, now, window);
	double rnd = (double)(sp__rtp_random32() >> 8) / (double)(1u << 24);
	double t = sp_rtcp_interval(&in, rnd) * 1000.0;
	return t < 1 ? 1 : (sp_msec)t;
}

/* §A.7: running average of compound sizes, sent and received. */
static void avg_size(struct sp_rtp_session *s, size_t len)
{
	double size = (double)(len + ip_overhead(s));
	s->avg_rtcp_size = size / 16.0 + s->avg_rtcp_size * 15.0 / 16.0;
}

/* Appends the SR or RR with report blocks and the SDES CNAME chunk. */
static long build_report(struct sp_rtp_session *s, uint8_t *buf, size_t cap)
{
	struct sp_rtcp_pkt pkt; /* about 5 KiB, as the 1500-octet buffer beside it */
	sp_msec now = sp_loop_now(s->loop);

	memset(&pkt, 0, sizeof(pkt));
	pkt.pt = we_sent(s) ? SP_RTCP_SR : SP_RTCP_RR;
	pkt.u.r.ssrc = s->ssrc;
	if (pkt.pt == SP_RTCP_SR) {
		/* §6.4.1: the RTP timestamp of the same instant as the NTP one,
		 * extrapolated from the last packet sent. */
		uint64_t since = (uint64_t)(now - s->last_send);
		pkt.u.r.si.ntp = sp__rtp_ntp_now(s);
		pkt.u.r.si.rtp_ts = s->ts + (uint32_t)(since * s->cfg.clock_rate / 1000);
		pkt.u.r.si.packets = (uint32_t)s->sent_packets;
		pkt.u.r.si.octets = (uint32_t)s->sent_octets;
	}
	for (unsigned i = 0; i < SP__RTP_MAX_SOURCES; i++) {
		struct sp__rtp_member *m = &s->members[i];
		if (!m->used || m->left || !m->rtp_seen || m->src.probation ||
		    !m->sent_since_report)
			continue;
		struct sp_rtcp_rb *rb = &pkt.u.r.rb[pkt.count++];
		sp_rtp_source_report(&m->src, rb);
		m->last_fraction = rb->fraction;
		m->sent_since_report = false;
		if (m->lsr) { /* §6.4.1: DLSR in 1/65536 s */
			rb->lsr = m->lsr;
			rb->dlsr = (uint32_t)((uint64_t)(now - m->lsr_at) * 65536 / 1000);
		}
	}
	long n = sp_rtcp_print(buf, cap, &pkt);
	if (n < 0)
		return n;

	memset(&pkt, 0, sizeof(pkt));
	pkt.pt = SP_RTCP_SDES;
	pkt.count = 1;
	pkt.u.sdes.chunk[0].ssrc = s->ssrc;
	pkt.u.sdes.chunk[0].item[SP_SDES_CNAME].p = (const uint8_t *)s->cname;
	pkt.u.sdes.chunk[0].item[SP_SDES_CNAME].len = (uint8_t)strlen(s->cname);
	long m = sp_rtcp_print(buf + n, cap - (size_t)n, &pkt);
	return m < 0 ? m : n + m;
}

static void send_compound(struct sp_rtp_session *s, const uint8_t *buf, size_t len)
{
	if (!s->remote_rtcp.len)
		return;
	/* A send error is a lost report: the next interval tries again. */
	(void)sp__rtp_sendto(s, s->rtcp_fd, &s->remote_rtcp, buf, len);
	s->rtcp_sent++;
	avg_size(s, len);
}

static void send_report(struct sp_rtp_session *s)
{
	uint8_t buf[RTCP_MAX];
	long n = build_report(s, buf, sizeof(buf));
	if (n < 0)
		return;
	send_compound(s, buf, (size_t)n);
	s->sent_prev = s->sent_since_report;
	s->sent_since_report = false;
}

/* §6.3.5: members silent too long leave (also as senders). */
static void timeout_members(struct sp_rtp_session *s, sp_msec now)
{
	sp_msec limit = (sp_msec)SP__RTCP_TIMEOUT_INTERVALS * s->cfg.rtcp_min_ms;
	for (unsigned i = 0; i < SP__RTP_MAX_SOURCES; i++) {
		struct sp__rtp_member *m = &s->members[i];
		if (m->used && !m->left && now - m->last_heard > limit)
			m->left = true;
	}
}

static void on_timer(void *arg)
{
	struct sp_rtp_session *s = arg;
	sp_msec now = sp_loop_now(s->loop);

	timeout_members(s, now);
	/* §6.3.6: recompute with the current state; if the new interval has
	 * not passed since the last report, wait for it (forward
	 * reconsideration), else send and schedule the next. */
	sp_msec t = interval_ms(s);
	if (s->tp + t > now) {
		s->tn = s->tp + t;
		sp_timer_start(s->loop, &s->rtcp_timer, (uint64_t)(s->tn - now), on_timer, s);
		return;
	}
	send_report(s);
	s->tp = now;
	s->initial = false;
	s->pmembers = sp__rtp_members(s);
	t = interval_ms(s);
	s->tn = now + t;
	sp_timer_start(s->loop, &s->rtcp_timer, (uint64_t)t, on_timer, s);
}

void sp__rtcp_start(struct sp_rtp_session *s)
{
	sp_msec now = sp_loop_now(s->loop);
	s->rtcp_started = true;
	s->initial = true; /* §6.3.2: half the minimum for the first report */
	s->tp = now;
	s->pmembers = sp__rtp_members(s);
	sp_msec t = interval_ms(s);
	s->tn = now + t;
	sp_timer_start(s->loop, &s->rtcp_timer, (uint64_t)t, on_timer, s);
}

/* §6.3.4: when members leave, pull the schedule in proportionally. */
static void reverse_reconsider(struct sp_rtp_session *s)
{
	unsigned members = sp__rtp_members(s);
	if (!s->rtcp_started || s->closed || members >= s->pmembers)
		return;
	sp_msec now = sp_loop_now(s->loop);
	double r = (double)members / (double)s->pmembers;
	if (s->tn > now)
		s->tn = now + (sp_msec)(r * (double)(s->tn - now));
	s->tp = now - (sp_msec)(r * (double)(now - s->tp));
	s->pmembers = members;
	sp_timer_start(s->loop, &s->rtcp_timer, (uint64_t)(s->tn > now ? s->tn - now : 0),
		       on_timer, s);
}

void sp__rtcp_send_bye(struct sp_rtp_session *s, const char *reason)
{
	uint8_t buf[RTCP_MAX];
	struct sp_rtcp_pkt bye;

	long n = build_report(s, buf, sizeof(buf));
	if (n < 0)
		return;
	memset(&bye, 0, sizeof(bye));
	bye.pt = SP_RTCP_BYE;
	bye.count = 1;
	bye.u.bye.ssrc[0] = s->ssrc;
	if (reason) {
		size_t rl = strlen(reason);
		bye.u.bye.reason = (const uint8_t *)reason;
		bye.u.bye.reason_len = (uint8_t)(rl > 255 ? 255 : rl);
	}
	long m = sp_rtcp_print(buf + n, sizeof(buf) - (size_t)n, &bye);
	if (m < 0)
		return;
	send_compound(s, buf, (size_t)(n + m));
}

/* One SR or RR: the sender's SR time for our DLSR, and blocks about us. */
static void apply_report(struct sp_rtp_session *s, const struct sp_rtcp_pkt *pkt, sp_msec now)
{
	struct sp__rtp_member *m = sp__rtp_member_find(s, pkt->u.r.ssrc, true);
	m->last_heard = now;
	m->left = false;
	if (pkt->pt == SP_RTCP_SR) {
		m->lsr = sp_ntp_mid32(pkt->u.r.si.ntp);
		m->lsr_at = now;
	}
	for (unsigned i = 0; i < pkt->count; i++) {
		const struct sp_rtcp_rb *rb = &pkt->u.r.rb[i];
		if (rb->ssrc != s->ssrc)
			continue;
		s->have_report = true;
		s->report = *rb;
		/* §6.4.1, Figure 2: A - LSR - DLSR */
		int64_t rtt = sp_rtcp_rtt(sp_ntp_mid32(sp__rtp_ntp_now(s)), rb->lsr, rb->dlsr);
		if (rtt >= 0) {
			s->have_rtt = true;
			s->rtt_ms = sp_rtcp_units_to_ms((uint64_t)rtt);
		}
	}
}

static void apply_sdes(struct sp_rtp_session *s, const struct sp_rtcp_pkt *pkt, sp_msec now)
{
	for (unsigned c = 0; c < pkt->count; c++) {
		const struct sp_rtcp_sdes_chunk *ch = &pkt->u.sdes.chunk[c];
		if (ch->ssrc == s->ssrc)
			continue;
		struct sp__rtp_member *m = sp__rtp_member_find(s, ch->ssrc, true);
		m->last_heard = now;
		if (ch->item[SP_SDES_CNAME].p) {
			memcpy(m->cname, ch->item[SP_SDES_CNAME].p, ch->item[SP_SDES_CNAME].len);
			m->cname[ch->item[SP_SDES_CNAME].len] = '\0';
		}
	}
}

static void apply_bye(struct sp_rtp_session *s, const struct sp_rtcp_pkt *pkt)
{
	for (unsigned i = 0; i < pkt->count; i++) {
		struct sp__rtp_member *m = sp__rtp_member_find(s, pkt->u.bye.ssrc[i], false);
		if (m) {
			m->bye = true;
			m->left = true;
		}
	}
	reverse_reconsider(s);
}

void sp__rtcp_input(struct sp_rtp_session *s, const uint8_t *buf, size_t len,
		    const struct sp_sa *src)
{
	struct sp_rtcp_pkt pkt;
	struct sp_rtcp_iter it;
	sp_msec now = sp_loop_now(s->loop);

	if (sp_rtcp_parse(&it, buf, len)) {
		s->bad_packets++;
		return;
	}
	if (s->cfg.symmetric && !s->latched_rtcp) {
		s->remote_rtcp = *src;
		s->latched_rtcp = true;
	}
	s->rtcp_received++;
	avg_size(s, len);
	int rc;
	while ((rc = sp_rtcp_next(&it, &pkt)) > 0) {
		switch (pkt.pt) {
		case SP_RTCP_SR:
		case SP_RTCP_RR:
			if (pkt.u.r.ssrc != s->ssrc)
				apply_report(s, &pkt, now);
			break;
		case SP_RTCP_SDES:
			apply_sdes(s, &pkt, now);
			break;
		case SP_RTCP_BYE:
			apply_bye(s, &pkt);
			break;
		default: /* APP and others: for on_rtcp */
			break;
		}
	}
	if (rc < 0)
		s->bad_packets++;
	if (s->cfg.on_rtcp)
		s->cfg.on_rtcp(s, buf, len, s->cfg.arg);
}
