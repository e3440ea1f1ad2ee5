/*
 * Media session life cycle: creation (configuration checks, the RTP port
 * pair, our SDP capabilities, the play and record files), stop and
 * destroy, statistics and the one-line summary. The sender, the receiver
 * and offer/answer live in media_session_{tx,rx,sdp}.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "siphon/mem.h"
#include "siphon/quality.h"
#include "siphon/sa.h"

#include "media_int.h"

#define DTMF_PT	  101 /* telephone-event/8000 payload type we offer (RFC 4733 §7) */
#define DTMF48_PT 110 /* telephone-event/48000, offered with Opus (RFC 4733 §2.1) */
/* Our Opus format parameters (RFC 7587 §6.1, declarative): we render and
 * capture 8 kHz audio, and our decoder uses in-band FEC. */
#define OPUS_FMTP "maxplaybackrate=8000;sprop-maxcapturerate=8000;useinbandfec=1"

int sp__ms_law(const char *name)
{
	if (!strcasecmp(name, "PCMU"))
		return SP_G711_ULAW;
	if (!strcasecmp(name, "PCMA"))
		return SP_G711_ALAW;
	return -1;
}

int sp__ms_codec(const char *name)
{
	if (!strcasecmp(name, "opus"))
		return MS_OPUS;
	return sp__ms_law(name);
}

static char *dup_c(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = sp_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Parses the preference list ("PCMU,PCMA", "opus,PCMU") into caps'
 * codecs. Returns 0, -EINVAL (empty, unknown, repeated name) or -ENOTSUP
 * (opus in a build without libopus). */
static int parse_codecs(const char *list, struct sp_sdp_caps *caps)
{
	struct sp_str s = sp_str_c(list ? list : "PCMU,PCMA");
	caps->ncodec = 0;
	while (s.len) {
		ptrdiff_t comma = sp_str_chr(s, ',');
		struct sp_str name = {s.p, comma < 0 ? s.len : (size_t)comma};
		s = comma < 0 ? SP_STR_NULL : sp_str_span(s.p + comma + 1, s.p + s.len);
		name = sp_str_trim(name);
		int law;
		if (sp_str_caseeq_c(name, "PCMU"))
			law = SP_G711_ULAW;
		else if (sp_str_caseeq_c(name, "PCMA"))
			law = SP_G711_ALAW;
		else if (sp_str_caseeq_c(name, "opus"))
			law = MS_OPUS;
		else
			return -EINVAL;
		for (unsigned i = 0; i < caps->ncodec; i++)
			if (caps->codec[i].pt == law)
				return -EINVAL;
		if (law == MS_OPUS) {
			if (!sp_opus_available())
				return -ENOTSUP;
			/* RFC 7587 §6.2: always opus/48000/2, a dynamic
			 * payload type (RFC 3551 §3). */
			caps->codec[caps->ncodec++] = (struct sp_sdp_codec){
			    .name = "opus",
			    .pt = SP_OPUS_PT,
			    .clock = SP_OPUS_CLOCK,
			    .channels = SP_OPUS_CHANNELS,
			    .fmtp = OPUS_FMTP,
			    .fmtp_declarative = true,
			};
			continue;
		}
		caps->codec[caps->ncodec++] = (struct sp_sdp_codec){
		    .name = law == SP_G711_ULAW ? "PCMU" : "PCMA",
		    .pt = (uint8_t)law, /* RFC 3551 §6 static types */
		    .clock = SP_AUDIO_RATE,
		};
	}
	return caps->ncodec ? 0 : -EINVAL;
}

static void session_free(void *obj)
{
	struct sp_media_session *m = obj;
	sp__ms_tx_close(m);
	sp__ms_rx_close(m);
	sp_rtp_session_destroy(m->rtp, NULL);
	sp_mem_deref(m->opus_enc);
	sp_mem_deref(m->opus_dec);
	sp_free(m->local_ip);
	sp_free(m->play_path);
	sp_free(m->record_path);
	sp_free(m->cname);
}

int sp_media_session_create(struct sp_media_session **out, const struct sp_media_config *cfg)
{
	if (!out || !cfg || !cfg->loop || !cfg->local_ip)
		return -EINVAL;
	unsigned ptime = cfg->ptime_ms ? cfg->ptime_ms : 20;
	if (ptime < 10 || ptime > MS_MAX_PTIME || ptime % 10 || cfg->dscp > 63 ||
	    cfg->port_min > cfg->port_max)
		return -EINVAL;
	struct sp_sdp_caps caps;
	sp_sdp_caps_default(&caps, cfg->local_ip, 0);
	int rc = parse_codecs(cfg->codecs, &caps);
	if (rc)
		return rc;
	/* Opus frames are 10, 20, 40 or 60 ms (RFC 6716 §2.1.4): no 30 or
	 * 50 ms a=ptime with Opus in the list. */
	for (unsigned i = 0; i < caps.ncodec; i++)
		if (caps.codec[i].pt == MS_OPUS && !sp_opus_frame_ok(ptime))
			return -EINVAL;

	struct sp_rtp_config rc_cfg = {0};
	rc = sp_sa_from_host(&rc_cfg.local, sp_str_c(cfg->local_ip), 0);
	if (rc)
		return -EINVAL;

	struct sp_media_session *m = sp_mem_zalloc(sizeof(*m), session_free);
	if (!m)
		return -ENOMEM;
	m->loop = cfg->loop;
	m->cfg = *cfg;
	m->ptime = ptime;
	m->clock = SP_AUDIO_RATE; /* until a codec is negotiated */
	sp_timer_init(&m->tx_timer);
	sp_timer_init(&m->rx_timer);
	m->local_ip = dup_c(cfg->local_ip);
	m->play_path = dup_c(cfg->play_path);
	m->record_path = dup_c(cfg->record_path);
	m->cname = dup_c(cfg->cname);
	if (!m->local_ip || (cfg->play_path && !m->play_path) ||
	    (cfg->record_path && !m->record_path) || (cfg->cname && !m->cname)) {
		rc = -ENOMEM;
		goto fail;
	}
	m->cfg.local_ip = m->local_ip;
	m->cfg.play_path = m->play_path;
	m->cfg.record_path = m->record_path;
	m->cfg.cname = m->cname;
	m->cfg.codecs = NULL; /* parsed into caps */

	rc_cfg.port_min = cfg->port_min;
	rc_cfg.port_max = cfg->port_max;
	/* Our -1 is EF, 0 the system default; the RTP layer's 0 is EF and a
	 * negative value the system default. */
	rc_cfg.dscp = cfg->dscp < 0 ? 0 : cfg->dscp == 0 ? -1 : cfg->dscp;
	rc_cfg.clock_rate = SP_AUDIO_RATE;
	rc_cfg.rtcp_min_ms = cfg->rtcp_interval_ms;
	rc_cfg.cname = m->cname;
	rc_cfg.on_rtp = sp__ms_on_rtp;
	rc_cfg.arg = m;
	rc = sp_rtp_session_create(&m->rtp, m->loop, &rc_cfg);
	if (rc)
		goto fail;
	m->port = sp_sa_port(sp_rtp_session_local_rtp(m->rtp));

	caps.addr = m->local_ip;
	caps.port[0] = m->port;
	caps.nport = 1;
	caps.dtmf_pt = DTMF_PT;
	caps.dtmf48_pt = DTMF48_PT; /* offered only beside Opus */
	caps.ptime = ptime;
	caps.user = "siphon";
	/* RFC 8866 §5.2: sess-id, e.g. an NTP timestamp; mixed with the
	 * port so two sessions started in one second differ. */
	sp_sdp_oa_init(&m->oa, &caps, (uint64_t)time(NULL) * 65536u + m->port);

	rc = sp__ms_tx_open(m);
	if (!rc)
		rc = sp__ms_rx_open(m);
	if (rc)
		goto fail;
	*out = m;
	return 0;
fail:
	sp_mem_deref(m);
	return rc;
}

uint16_t sp_media_session_port(const struct sp_media_session *m)
{
	return m->port;
}

void sp_media_session_stop(struct sp_media_session *m)
{
	if (!m || m->stopped)
		return;
	m->stopped = true;
	sp__ms_tx_stop(m);
	sp__ms_rx_stop(m);
	if (m->rtp) {
		sp_rtp_session_stats(m->rtp, &m->final);
		m->have_final = true;
		/* RFC 3550 §6.3.7: BYE when leaving (sent by destroy). */
		sp_rtp_session_destroy(m->rtp, NULL);
		m->rtp = NULL;
	}
	sp__ms_tx_close(m);
	sp__ms_rx_close(m); /* fixes the WAV sizes */
}

void sp_media_session_destroy(struct sp_media_session *m)
{
	if (!m)
		return;
	sp_media_session_stop(m);
	sp_mem_deref(m);
}

void sp_media_session_stats(const struct sp_media_session *m, struct sp_media_stats *out)
{
	struct sp_rtp_stats rs;
	memset(out, 0, sizeof(*out));
	if (m->rtp)
		sp_rtp_session_stats(m->rtp, &rs);
	else if (m->have_final)
		rs = m->final;
	else
		memset(&rs, 0, sizeof(rs));

	out->sent_packets = rs.sent_packets;
	out->sent_octets = rs.sent_octets;
	out->recv_packets = rs.received_packets;
	out->recv_octets = rs.received_octets;
	out->lost = rs.lost > 0 ? rs.lost : 0;
	out->loss_pct = rs.expected ? 100.0 * (double)out->lost / rs.expected : 0;
	if (out->loss_pct > 100)
		out->loss_pct = 100;
	out->jitter_ms = rs.jitter_ms;
	out->rtt_ms = rs.have_rtt ? (int)rs.rtt_ms : -1;
	out->rtcp_sent = rs.rtcp_sent;
	out->rtcp_received = rs.rtcp_received;
	out->remote_bye = rs.bye;
	out->concealed_frames = m->concealed;
	out->late = m->late;
	if (m->jb) {
		struct sp_jb_stats js;
		sp_jb_stats(m->jb, &js);
		out->jb_delay_ms = js.delay_ms > 0 ? js.delay_ms : 0;
	}
	/* ITU-T G.107 via quality.h: one-way delay is half the round trip
	 * (or nothing when unknown) plus what the jitter buffer holds. */
	struct sp_quality_params qp = {
	    .delay_ms = (out->rtt_ms > 0 ? out->rtt_ms / 2.0 : 0) + out->jb_delay_ms,
	    .loss_pct = out->loss_pct,
	    .burst_ratio = 1,
	    .plc = true,
	};
	out->r_factor = sp_quality_r(&qp);
	out->mos = sp_quality_mos(out->r_factor);
	if (m->negotiated)
		snprintf(out->codec, sizeof(out->codec), "%s", m->st.codec);
	memcpy(out->dtmf, m->digits, sizeof(out->dtmf));
	out->ndtmf = m->ndigits;
	out->sending = m->sending && !m->stopped;
	out->receiving = m->started && !m->stopped;
}

int sp_media_session_summary(const struct sp_media_session *m, char *buf, size_t cap)
{
	struct sp_media_stats st;
	sp_media_session_stats(m, &st);
	int n = snprintf(buf, cap,
			 "rtp sent=%llu recv=%llu lost=%lld (%.1f%%) jitter=%.1fms rtt=%dms "
			 "concealed=%llu codec=%s mos=%.2f",
			 (unsigned long long)st.sent_packets, (unsigned long long)st.recv_packets,
			 (long long)st.lost, st.loss_pct, st.jitter_ms, st.rtt_ms,
			 (unsigned long long)st.concealed_frames, st.codec[0] ? st.codec : "-", st.mos);
	if (n < 0)
		return -EINVAL;
	return (size_t)n < cap ? n : -ENOSPC;
}
