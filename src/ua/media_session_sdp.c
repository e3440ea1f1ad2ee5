/*
 * Offer/answer for the media session (RFC 3264 through sp_sdp_oa) and
 * applying each completed exchange to the media: the remote address, the
 * codec and DTMF payload types, and the direction that decides whether we
 * send (RFC 3264 §6.1, §8.4). Only the first accepted audio stream is run.
 */
#include <errno.h>
#include <string.h>

#include "siphon/mem.h"
#include "siphon/print.h"
#include "siphon/sa.h"

#include "media_int.h"

#define SDP_MAX 4096 /* our descriptions are a few hundred bytes */

/* Appends buf[len] to the caller's wbuf, or -ENOSPC leaving it unchanged. */
static int put(struct sp_wbuf *sdp, const char *buf, size_t len)
{
	if (sdp->overflow || sdp->cap - sdp->len < len)
		return -ENOSPC;
	sp_wbuf_put(sdp, buf, len);
	return 0;
}

static int offer(struct sp_media_session *m, struct sp_wbuf *sdp)
{
	char buf[SDP_MAX];
	size_t len;
	if (m->stopped)
		return -ESHUTDOWN;
	if (!sdp)
		return -EINVAL;
	struct sp_sdp_oa saved = m->oa;
	int rc = sp_sdp_oa_offer(&m->oa, buf, sizeof(buf), &len);
	if (rc)
		return rc;
	rc = put(sdp, buf, len);
	if (rc)
		m->oa = saved; /* nothing went out: no version was used */
	return rc;
}

int sp_media_session_offer(struct sp_media_session *m, struct sp_wbuf *sdp)
{
	return offer(m, sdp);
}

int sp_media_session_hold(struct sp_media_session *m, bool hold, struct sp_wbuf *sdp)
{
	if (m->stopped)
		return -ESHUTDOWN;
	if (m->oa.state == SP_SDP_OA_OFFER_SENT)
		return -EBUSY;
	enum sp_sdp_dir prev = m->oa.dir;
	/* RFC 3264 §8.4: hold is a re-offer with sendonly (we keep sending
	 * music or silence, the peer stops); resume is sendrecv. */
	sp_sdp_oa_set_dir(&m->oa, hold ? SP_SDP_SENDONLY : SP_SDP_SENDRECV);
	int rc = offer(m, sdp);
	if (rc)
		sp_sdp_oa_set_dir(&m->oa, prev);
	return rc;
}

void sp_media_session_cancel_offer(struct sp_media_session *m)
{
	sp_sdp_oa_cancel(&m->oa);
}

/* Parses text into a heap description (struct sp_sdp is large). */
static int parse(struct sp_str text, struct sp_sdp **out)
{
	if (!text.p || !text.len)
		return -EBADMSG;
	struct sp_sdp *d = sp_malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	int rc = sp_sdp_parse(d, text.p, text.len, NULL);
	if (rc) {
		sp_free(d);
		return rc == -E2BIG ? -E2BIG : -EBADMSG;
	}
	*out = d;
	return 0;
}

int sp_media_session_answer(struct sp_media_session *m, struct sp_str offer_sdp,
			    struct sp_wbuf *sdp)
{
	if (m->stopped)
		return -ESHUTDOWN;
	if (!sdp)
		return -EINVAL;
	struct sp_sdp *d;
	int rc = parse(offer_sdp, &d);
	if (rc)
		return rc;
	char buf[SDP_MAX];
	size_t len;
	struct sp_sdp_negotiated neg;
	struct sp_sdp_oa saved = m->oa;
	rc = sp_sdp_oa_answer(&m->oa, d, buf, sizeof(buf), &len, &neg);
	sp_free(d);
	if (rc)
		return rc; /* -ENOTSUP: the UA answers 488 (RFC 3261 §13.3.1.4) */
	rc = put(sdp, buf, len);
	if (rc) {
		m->oa = saved; /* nothing was answered */
		return rc;
	}
	m->neg = neg;
	return sp__ms_apply(m);
}

int sp_media_session_set_answer(struct sp_media_session *m, struct sp_str answer)
{
	if (m->stopped)
		return -ESHUTDOWN;
	struct sp_sdp *d;
	int rc = parse(answer, &d);
	if (rc)
		return rc;
	struct sp_sdp_negotiated neg;
	rc = sp_sdp_oa_process_answer(&m->oa, d, &neg);
	sp_free(d);
	if (rc)
		return rc;
	m->neg = neg;
	return sp__ms_apply(m);
}

/* Points the RTP session at the stream's remote addresses. An RFC 2543
 * hold address (0.0.0.0) or a stream we may not send on keeps the
 * previous remote: RFC 3264 §8.4 says neither RTP nor RTCP goes there. */
static int set_remote(struct sp_media_session *m, const struct sp_sdp_stream *st)
{
	struct sp_sa rtp, rtcp;
	if (sp_sa_from_host(&rtp, sp_str_c(st->rtp_addr), st->rtp_port))
		return -EINVAL; /* an FQDN: not resolved here */
	if (sp_sa_is_any(&rtp) || !st->rtp_port)
		return 0;
	const struct sp_sa *prtcp = NULL;
	if (st->rtcp_port && !sp_sa_from_host(&rtcp, sp_str_c(st->rtcp_addr), st->rtcp_port) &&
	    !sp_sa_is_any(&rtcp))
		prtcp = &rtcp;
	return sp_rtp_session_set_remote(m->rtp, &rtp, prtcp);
}

int sp__ms_apply(struct sp_media_session *m)
{
	if (!m->neg.nstream)
		return -ENOTSUP;
	const struct sp_sdp_stream *st = &m->neg.stream[0];
	if (sp__ms_law(st->codec) < 0)
		return -ENOTSUP; /* cannot happen: only G.711 is in our caps */
	int rc = set_remote(m, st);
	if (rc)
		return rc;
	bool first = !m->negotiated;
	m->st = *st;
	m->negotiated = true;
	/* RFC 3264 §6.1: the direction tells whether we send; we always
	 * receive (a peer on hold may still send comfort noise or music). */
	m->sending = st->send && st->rtp_port && st->rtp_addr[0] &&
		     strcmp(st->rtp_addr, "0.0.0.0") && strcmp(st->rtp_addr, "::");
	if (first) {
		sp__ms_rx_start(m);
		sp__ms_tx_start(m);
		m->started = true;
	}
	return 0;
}
