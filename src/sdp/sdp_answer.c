/*
 * Generating the answer to a remote offer (RFC 3264 §6, §6.1 unicast
 * streams, §8 modified sessions): one answer m-line per offered m-line,
 * our audio streams accepted with the offerer's payload type numbers,
 * everything else rejected with port 0.
 */
#include <stdio.h>
#include <string.h>

#include "oa_int.h"
#include "siphon/mem.h"

/* What we decided for one offered audio stream. */
struct accept {
	unsigned n;			   /* common codecs */
	int pt[SP_SDP_MAX_CODECS];	   /* offerer's payload types, offer order */
	unsigned codec[SP_SDP_MAX_CODECS]; /* caps index of each */
	struct sp_str fmtp[SP_SDP_MAX_CODECS];
	int dtmf_pt;			/* offerer's telephone-event/8000, -1 */
	int dtmf48_pt;			/* offerer's telephone-event/48000, -1 */
	uint8_t map[SP_SDP_MAX_CODECS]; /* per caps codec: pt for the record */
};

/* Codec intersection in the offer's order (RFC 3264 §6.1: RECOMMENDED to
 * keep the offer's relative order), telephone-event when both have it at
 * the clock of a common codec (RFC 4733 §2.1). */
static void intersect(const struct sp_sdp_caps *c, const struct sp_sdp_media *m,
		      const struct sp_sdp_oa_mline *old, struct accept *a)
{
	bool used[SP_SDP_MAX_CODECS] = {false};
	memset(a, 0, sizeof(*a));
	a->dtmf_pt = a->dtmf48_pt = -1;
	for (unsigned k = 0; k < c->ncodec; k++)
		a->map[k] = old && old->audio ? old->pt[k] : c->codec[k].pt;
	for (unsigned i = 0; i < m->nfmt && i < SP_SDP_MAX_FMT; i++) {
		struct sp_sdp_rtpmap r;
		int pt = sp_sdp_fmt_pt(m->fmt[i]);
		if (pt < 0 || sp_sdp_rtpmap(m, pt, &r) != 0)
			continue;
		uint32_t tclock = sp__sdp_dtmf_clock(&r);
		if (tclock == 8000) {
			if (c->dtmf_pt >= 0 && a->dtmf_pt < 0)
				a->dtmf_pt = pt;
			continue;
		}
		if (tclock == 48000) {
			if (c->dtmf48_pt >= 0 && a->dtmf48_pt < 0)
				a->dtmf48_pt = pt;
			continue;
		}
		for (unsigned k = 0; k < c->ncodec; k++) {
			if (used[k] || !sp__sdp_codec_match(&c->codec[k], &r))
				continue;
			used[k] = true;
			a->pt[a->n] = pt;
			a->codec[a->n] = k;
			a->map[k] = (uint8_t)pt;
			/* Format parameters that configure the format are
			 * echoed (§6.1); else ours. Declarative ones (Opus,
			 * RFC 7587 §6.2.1) describe each side: always ours. */
			if (c->codec[k].fmtp_declarative || !sp_sdp_fmtp(m, pt, &a->fmtp[a->n]))
				a->fmtp[a->n] =
				    c->codec[k].fmtp ? sp_str_c(c->codec[k].fmtp) : SP_STR_NULL;
			a->n++;
			break;
		}
	}
	bool has8 = false, has48 = false;
	for (unsigned i = 0; i < a->n; i++) {
		has8 |= c->codec[a->codec[i]].clock == 8000;
		has48 |= c->codec[a->codec[i]].clock == 48000;
	}
	if (!has8)
		a->dtmf_pt = -1;
	if (!has48)
		a->dtmf48_pt = -1;
}

/* An offered stream we can run: audio over RTP/AVP, not disabled, unicast
 * with an address (RFC 3264 §6.1; multicast §6.2 is not supported). */
static bool acceptable(const struct sp_sdp *offer, const struct sp_sdp_media *m)
{
	const struct sp_sdp_conn *conn = sp_sdp_media_conn(offer, m);
	return sp_str_eq(m->type, SP_STR("audio")) && sp_str_eq(m->proto, SP_STR("RTP/AVP")) &&
	       m->port != 0 && conn && conn->ttl == 0 && conn->num == 0 &&
	       conn->type != SP_SDP_ADDR_OTHER;
}

/* A local port for offered line i: the one it had, else the first caps
 * port no other line uses. 0 if none is left. */
static uint16_t pick_port(const struct sp_sdp_oa *oa, const struct sp_sdp_oa_mline *rec,
			  unsigned nrec, unsigned i)
{
	if (i < oa->nmline && oa->mline[i].audio && oa->mline[i].port)
		return oa->mline[i].port;
	for (unsigned p = 0; p < oa->caps.nport; p++) {
		bool taken = false;
		for (unsigned j = 0; j < nrec && !taken; j++)
			taken = rec[j].audio && rec[j].port == oa->caps.port[p];
		for (unsigned j = i + 1; j < oa->nmline && !taken; j++)
			taken = oa->mline[j].audio && oa->mline[j].port == oa->caps.port[p];
		if (!taken && oa->caps.port[p])
			return oa->caps.port[p];
	}
	return 0;
}

static void answer_audio(struct sp__sdp_build *b, const struct sp_sdp_oa *oa,
			 const struct accept *a, uint16_t port, bool mux, enum sp_sdp_dir dir)
{
	const struct sp_sdp_caps *c = &oa->caps;
	struct sp_sdp_media *m = &b->sdp.media[b->sdp.nmedia++];
	m->type = SP_STR("audio");
	m->port = port;
	m->proto = SP_STR("RTP/AVP");
	for (unsigned i = 0; i < a->n; i++) {
		const struct sp_sdp_codec *k = &c->codec[a->codec[i]];
		sp__sdp_add_fmt(b, m, sp__sdp_text(b, "%d", a->pt[i]));
		if (k->channels > 1)
			sp__sdp_add_attr(b, m, "rtpmap",
					 sp__sdp_text(b, "%d %s/%u/%u", a->pt[i], k->name,
						      (unsigned)k->clock, (unsigned)k->channels));
		else
			sp__sdp_add_attr(
			    b, m, "rtpmap",
			    sp__sdp_text(b, "%d %s/%u", a->pt[i], k->name, (unsigned)k->clock));
		if (a->fmtp[i].p)
			sp__sdp_add_attr(
			    b, m, "fmtp",
			    sp__sdp_text(b, "%d %.*s", a->pt[i], SP_STR_FMT(a->fmtp[i])));
	}
	uint32_t clocks[SP_SDP_MAX_CODECS];
	for (unsigned i = 0; i < a->n; i++)
		clocks[i] = c->codec[a->codec[i]].clock;
	sp__sdp_add_dtmfs(b, m, clocks, a->n, a->dtmf_pt, a->dtmf48_pt);
	if (c->ptime)
		sp__sdp_add_attr(b, m, "ptime", sp__sdp_text(b, "%u", c->ptime));
	if (mux)
		sp__sdp_add_attr(b, m, "rtcp-mux", SP_STR_NULL);
	sp__sdp_add_attr(b, m, sp_sdp_dir_name(dir), SP_STR_NULL);
}

/* Rejected stream: port 0, the offered formats (RFC 3264 §6: at least one
 * must be present). */
static void answer_reject(struct sp__sdp_build *b, const struct sp_sdp_media *om)
{
	struct sp_sdp_media *m = &b->sdp.media[b->sdp.nmedia++];
	m->type = om->type;
	m->port = 0;
	m->proto = om->proto;
	for (unsigned i = 0; i < om->nfmt && i < SP_SDP_MAX_FMT; i++)
		sp__sdp_add_fmt(b, m, om->fmt[i]);
	if (!m->nfmt)
		sp__sdp_add_fmt(b, m, SP_STR("0"));
}

/* Records offered line om for later re-offers. */
static int record(struct sp_sdp_oa_mline *rec, const struct sp_sdp_media *om)
{
	memset(rec, 0, sizeof(*rec));
	rec->dtmf_pt = rec->dtmf48_pt = -1;
	if (!sp__sdp_copy(rec->media, sizeof(rec->media), om->type) ||
	    !sp__sdp_copy(rec->proto, sizeof(rec->proto), om->proto) ||
	    !sp__sdp_copy(rec->fmt, sizeof(rec->fmt), om->nfmt ? om->fmt[0] : SP_STR("0")))
		return -E2BIG;
	return 0;
}

/* RFC 3264 §6.1 directions: we send only if the offerer receives and we
 * want to send; we receive only if the offerer sends and we want to
 * receive. A c=0.0.0.0 offer (RFC 2543 hold) means "do not send" (§8.4). */
static enum sp_sdp_dir answer_dir(enum sp_sdp_dir offered, bool hold_addr, enum sp_sdp_dir want)
{
	bool peer_sends = sp__dir_sends(offered);
	bool peer_recvs = sp__dir_recvs(offered) && !hold_addr;
	return sp__dir_make(peer_recvs && sp__dir_sends(want), peer_sends && sp__dir_recvs(want));
}

static void fill_stream(struct sp_sdp_stream *s, const struct sp_sdp_oa *oa,
			const struct sp_sdp_media *om, const struct accept *a, unsigned idx,
			uint16_t port, enum sp_sdp_dir dir, bool hold_addr)
{
	const struct sp_sdp_codec *k = &oa->caps.codec[a->codec[0]];
	s->mline = idx;
	s->local_port = port;
	/* §6.1: the answerer sends with the offer's payload type numbers,
	 * and the offerer sends with the numbers of the answer, which are
	 * the same. */
	s->pt = s->rx_pt = a->pt[0];
	sp__sdp_copy(s->codec, sizeof(s->codec), sp_str_c(k->name));
	s->clock = k->clock;
	s->channels = k->channels ? k->channels : 1;
	/* RFC 4733 §2.1: the telephone-event on the codec's clock. */
	s->dtmf_pt = s->rx_dtmf_pt = k->clock == 48000	? a->dtmf48_pt
				     : k->clock == 8000 ? a->dtmf_pt
							: -1;
	struct sp_str fmtp;
	if (sp_sdp_fmtp(om, a->pt[0], &fmtp))
		sp__sdp_copy(s->fmtp, sizeof(s->fmtp), fmtp);
	/* §6.1: send with the offer's ptime when present. */
	s->ptime = sp_sdp_ptime(om) ? sp_sdp_ptime(om) : 20;
	s->dir = dir;
	s->send = sp__dir_sends(dir) && !hold_addr;
	s->recv = sp__dir_recvs(dir);
}

int sp_sdp_oa_answer(struct sp_sdp_oa *oa, const struct sp_sdp *offer, char *buf, size_t cap,
		     size_t *len, struct sp_sdp_negotiated *neg)
{
	const struct sp_sdp_caps *c = &oa->caps;
	struct sp_sdp_oa_mline rec[SP_SDP_MAX_MEDIA];
	struct sp_sdp_negotiated out = {.nstream = 0};
	unsigned naccepted = 0;
	int rc;

	*len = 0;
	if (oa->state == SP_SDP_OA_OFFER_SENT)
		return -EBUSY;
	if (!c->addr || !*c->addr)
		return -EINVAL;
	/* §8: m-lines are never removed from a session. */
	if (offer->nmedia < oa->nmline)
		return -EBADMSG;
	if (offer->nmedia > SP_SDP_MAX_MEDIA)
		return -E2BIG;
	struct sp__sdp_build *b = sp__sdp_build_new();
	if (!b)
		return -ENOMEM;
	uint64_t version = sp__sdp_next_version(oa);
	/* §6: the answer's t= equals the offer's. */
	sp__sdp_build_session(b, oa, version, offer->time[0].start, offer->time[0].stop);

	for (unsigned i = 0; i < offer->nmedia; i++) {
		const struct sp_sdp_media *om = &offer->media[i];
		struct accept a;
		uint16_t port = 0;
		if ((rc = record(&rec[i], om)) != 0)
			goto out;
		if (acceptable(offer, om) && c->ncodec && out.nstream < SP_SDP_MAX_STREAMS) {
			intersect(c, om, i < oa->nmline ? &oa->mline[i] : NULL, &a);
			port = a.n ? pick_port(oa, rec, i, i) : 0;
		}
		if (!port) {
			/* §6: no common format, or not a stream we run. */
			answer_reject(b, om);
			continue;
		}
		const struct sp_sdp_conn *conn = sp_sdp_media_conn(offer, om);
		bool hold_addr = sp_sdp_conn_is_hold(conn);
		bool mux = c->rtcp_mux && sp_sdp_rtcp_mux(om);
		enum sp_sdp_dir dir = answer_dir(sp_sdp_direction(offer, om), hold_addr, oa->dir);
		struct sp_sdp_stream *s = &out.stream[out.nstream];
		if ((rc = sp__sdp_stream_remote(s, offer, om, mux)) != 0)
			goto out;
		fill_stream(s, oa, om, &a, i, port, dir, hold_addr);
		out.nstream++;
		answer_audio(b, oa, &a, port, mux, dir);
		rec[i].audio = true;
		rec[i].port = port;
		memcpy(rec[i].pt, a.map, sizeof(rec[i].pt));
		bool had = i < oa->nmline && oa->mline[i].audio;
		rec[i].dtmf_pt = a.dtmf_pt >= 0 ? a.dtmf_pt
				 : had		? oa->mline[i].dtmf_pt
						: c->dtmf_pt;
		rec[i].dtmf48_pt = a.dtmf48_pt >= 0 ? a.dtmf48_pt
				   : had	    ? oa->mline[i].dtmf48_pt
						    : c->dtmf48_pt;
		naccepted++;
	}
	/* §6: no formats in common for any stream rejects the whole offer;
	 * the SIP layer answers 488 (RFC 3261 §13.3.1.4). */
	if (offer->nmedia && !naccepted) {
		rc = -ENOTSUP;
		goto out;
	}
	if ((rc = sp__sdp_build_print(b, buf, cap, len)) != 0)
		goto out;
	memcpy(oa->mline, rec, offer->nmedia * sizeof(rec[0]));
	oa->nmline = offer->nmedia;
	sp__sdp_commit_version(oa, version);
	*neg = out;
out:
	sp_free(b);
	return rc;
}
