/*
 * The offerer's side of an exchange (RFC 3264 §7): checks the answer
 * against our outstanding offer and works out, per stream, what the media
 * layer does: where to send RTP and RTCP (RFC 3605, RFC 5761), with which
 * payload type, and in which direction. Also the remote-address part
 * shared with the answerer (sdp_answer.c).
 */
#include <string.h>

#include "oa_int.h"

int sp__sdp_stream_remote(struct sp_sdp_stream *s, const struct sp_sdp *d,
			  const struct sp_sdp_media *m, bool mux)
{
	const struct sp_sdp_conn *conn = sp_sdp_media_conn(d, m);
	struct sp_sdp_rtcp rtcp;
	memset(s, 0, sizeof(*s));
	if (!conn || conn->type == SP_SDP_ADDR_OTHER)
		return -EBADMSG;
	s->family = conn->type;
	if (!sp__sdp_copy(s->rtp_addr, sizeof(s->rtp_addr), conn->host))
		return -EBADMSG;
	s->rtp_port = m->port;
	memcpy(s->rtcp_addr, s->rtp_addr, sizeof(s->rtcp_addr));
	s->rtcp_mux = mux;
	if (mux) {
		/* RFC 5761 §5.1.1: RTCP on the RTP port. */
		s->rtcp_port = m->port;
	} else if (sp_sdp_rtcp(m, &rtcp) == 0) {
		/* RFC 3605 §2.1: explicit port, optional address. */
		s->rtcp_port = rtcp.port;
		if (rtcp.conn.nettype.p && rtcp.conn.type != SP_SDP_ADDR_OTHER &&
		    !sp__sdp_copy(s->rtcp_addr, sizeof(s->rtcp_addr), rtcp.conn.host))
			return -EBADMSG;
	} else {
		/* RFC 3550 §11, RFC 3264 §6.1: the next higher port. */
		s->rtcp_port = m->port < 65535 ? (uint16_t)(m->port + 1) : 0;
	}
	return 0;
}

/* Our audio line ml was answered by am (port != 0): picks the codec and
 * fills s. Returns 0, or -ENOENT when am holds none of our codecs. */
static int accepted(struct sp_sdp_stream *s, const struct sp_sdp_oa *oa,
		    const struct sp_sdp_oa_mline *ml, const struct sp_sdp *ans,
		    const struct sp_sdp_media *am, unsigned idx)
{
	const struct sp_sdp_caps *c = &oa->caps;
	bool mux = c->rtcp_mux && sp_sdp_rtcp_mux(am);
	int rc, codec = -1, pt = -1, dtmf8 = -1, dtmf48 = -1;

	/* §7: send with the first format of the answer that we offered;
	 * formats we did not offer are ignored. */
	for (unsigned i = 0; i < am->nfmt && i < SP_SDP_MAX_FMT; i++) {
		struct sp_sdp_rtpmap r;
		int p = sp_sdp_fmt_pt(am->fmt[i]);
		if (p < 0 || sp_sdp_rtpmap(am, p, &r) != 0)
			continue;
		uint32_t tclock = sp__sdp_dtmf_clock(&r);
		if (tclock == 8000) {
			if (ml->dtmf_pt >= 0 && dtmf8 < 0)
				dtmf8 = p;
			continue;
		}
		if (tclock == 48000) {
			if (ml->dtmf48_pt >= 0 && dtmf48 < 0)
				dtmf48 = p;
			continue;
		}
		for (unsigned k = 0; k < c->ncodec && codec < 0; k++) {
			if (sp__sdp_codec_match(&c->codec[k], &r)) {
				codec = (int)k;
				pt = p;
			}
		}
	}
	if (codec < 0)
		return -ENOENT;
	if ((rc = sp__sdp_stream_remote(s, ans, am, mux)) != 0)
		return rc;
	const struct sp_sdp_codec *k = &c->codec[codec];
	bool hold_addr = sp_sdp_conn_is_hold(sp_sdp_media_conn(ans, am));
	enum sp_sdp_dir adir = sp_sdp_direction(ans, am);
	s->mline = idx;
	s->local_port = ml->port;
	s->pt = pt;
	s->rx_pt = ml->pt[codec];
	sp__sdp_copy(s->codec, sizeof(s->codec), sp_str_c(k->name));
	s->clock = k->clock;
	s->channels = k->channels ? k->channels : 1;
	/* RFC 4733 §2.1: the telephone-event on the codec's clock, received
	 * with the payload type we offered for it. */
	if (k->clock == 48000) {
		s->dtmf_pt = dtmf48;
		s->rx_dtmf_pt = dtmf48 >= 0 ? ml->dtmf48_pt : -1;
	} else if (k->clock == 8000) {
		s->dtmf_pt = dtmf8;
		s->rx_dtmf_pt = dtmf8 >= 0 ? ml->dtmf_pt : -1;
	} else {
		s->dtmf_pt = s->rx_dtmf_pt = -1;
	}
	struct sp_str fmtp;
	if (sp_sdp_fmtp(am, pt, &fmtp))
		sp__sdp_copy(s->fmtp, sizeof(s->fmtp), fmtp);
	s->ptime = sp_sdp_ptime(am) ? sp_sdp_ptime(am) : 20;
	/* We send if we offered to send and the answerer receives; the
	 * answer's c=0.0.0.0 also means "do not send" (§8.4). */
	bool send = sp__dir_sends(oa->offered_dir) && sp__dir_recvs(adir);
	bool recv = sp__dir_recvs(oa->offered_dir) && sp__dir_sends(adir);
	s->dir = sp__dir_make(send, recv);
	s->send = send && !hold_addr;
	s->recv = recv;
	return 0;
}

int sp_sdp_oa_process_answer(struct sp_sdp_oa *oa, const struct sp_sdp *answer,
			     struct sp_sdp_negotiated *neg)
{
	struct sp_sdp_negotiated out = {.nstream = 0};
	bool rejected[SP_SDP_MAX_MEDIA] = {false};
	int rc;

	if (oa->state != SP_SDP_OA_OFFER_SENT)
		return -EPROTO;
	/* §6: exactly as many m-lines as the offer, of the same types. */
	if (answer->nmedia != oa->nmline)
		return -EBADMSG;
	for (unsigned i = 0; i < oa->nmline; i++) {
		const struct sp_sdp_oa_mline *ml = &oa->mline[i];
		const struct sp_sdp_media *am = &answer->media[i];
		if (!sp_str_eq(am->type, sp_str_c(ml->media)))
			return -EBADMSG;
		if (!ml->audio || !ml->port || !am->port || out.nstream >= SP_SDP_MAX_STREAMS) {
			rejected[i] = ml->audio;
			continue;
		}
		rc = accepted(&out.stream[out.nstream], oa, ml, answer, am, i);
		if (rc == -ENOENT) {
			/* Accepted without any codec we offered: unusable. */
			rejected[i] = true;
			continue;
		}
		if (rc)
			return rc;
		out.nstream++;
	}
	oa->state = SP_SDP_OA_IDLE;
	/* §8.2: a stream the peer rejected stays in the session, disabled. */
	for (unsigned i = 0; i < oa->nmline; i++)
		if (rejected[i])
			oa->mline[i].port = 0;
	*neg = out;
	return out.nstream ? 0 : -ENOTSUP;
}
