/*
 * Offer/answer for the media session (RFC 3264 through sp_sdp_oa) and
 * applying each completed exchange to the media: the remote address, the
 * codec (G.711, or Opus with its encoder tuned to the peer's format
 * parameters, RFC 7587 §6.1) and its RTP clock (8000, or 48000 for Opus:
 * RTP statistics, jitter buffer and sender follow it), DTMF payload types,
 * and the direction that decides whether we send (RFC 3264 §6.1, §8.4).
 * Only the first accepted audio stream is run.
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
	if (rc) {
		m->oa = saved; /* nothing went out: no version was used */
		return rc;
	}
	m->replaceable = !m->negotiated; /* the first offer: forks may answer it */
	if (m->replaceable)
		m->first_offer = m->oa;
	return 0;
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
	m->replaceable = false;
	return sp__ms_apply(m);
}

/* Takes answer to the offer outstanding in m->oa and applies it. */
static int take_answer(struct sp_media_session *m, struct sp_str answer)
{
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

int sp_media_session_set_answer(struct sp_media_session *m, struct sp_str answer)
{
	return m->stopped ? -ESHUTDOWN : take_answer(m, answer);
}

int sp_media_session_replace_answer(struct sp_media_session *m, struct sp_str answer)
{
	if (m->stopped)
		return -ESHUTDOWN;
	if (!m->replaceable || !m->negotiated)
		return -EPROTO;
	struct sp_sdp_oa now = m->oa;
	m->oa = m->first_offer; /* the offer outstanding again */
	int rc = take_answer(m, answer);
	if (rc)
		m->oa = now; /* not taken (the UA ends the call) */
	return rc;
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

/* The Opus encoder and decoder for stream st, made the first time Opus
 * is negotiated. The encoder follows what the peer's decoder asked for
 * in its declarative format parameters (RFC 7587 §6.1): in-band FEC
 * (tuned for 10% loss) when it says useinbandfec=1, constant bit rate
 * for cbr=1, at most its maxaveragebitrate. */
static int opus_open(struct sp_media_session *m, const struct sp_sdp_stream *st)
{
	int rc;
	if (!m->opus_dec && (rc = sp_opus_dec_create(&m->opus_dec)) != 0)
		return rc;
	if (m->opus_enc)
		return 0;
	struct sp_opus_fmtp f;
	sp_opus_fmtp_parse(sp_str_c(st->fmtp), &f);
	struct sp_opus_enc_config ec = {
	    .bitrate = f.maxaveragebitrate && f.maxaveragebitrate < SP_OPUS_BITRATE
			   ? f.maxaveragebitrate
			   : SP_OPUS_BITRATE,
	    .fec = f.useinbandfec,
	    .loss_pct = f.useinbandfec ? 10 : 0,
	    .cbr = f.cbr,
	};
	return sp_opus_enc_create(&m->opus_enc, &ec);
}

/* The stream's RTP clock differs from the one running (a first Opus
 * exchange, or a re-offer that changed codec): the RTP session's jitter
 * and SR clock, a new jitter buffer, and the sender restarted so that
 * its timestamp step and telephone-events count on the new clock. */
static int set_clock(struct sp_media_session *m, uint32_t hz)
{
	int rc = sp__ms_rx_set_clock(m, hz);
	if (rc)
		return rc;
	sp_rtp_session_set_clock_rate(m->rtp, hz);
	m->clock = hz;
	return 0;
}

int sp__ms_apply(struct sp_media_session *m)
{
	if (!m->neg.nstream)
		return -ENOTSUP;
	const struct sp_sdp_stream *st = &m->neg.stream[0];
	int codec = sp__ms_codec(st->codec);
	if (codec < 0 || !st->clock)
		return -ENOTSUP; /* cannot happen: only these are in our caps */
	int rc = codec == MS_OPUS ? opus_open(m, st) : 0;
	if (rc)
		return rc;
	rc = set_remote(m, st);
	if (rc)
		return rc;
	bool first = !m->negotiated;
	bool reclock = st->clock != m->clock;
	if (reclock && (rc = set_clock(m, st->clock)) != 0)
		return rc;
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
	} else if (reclock) {
		bool sending = m->sending;
		sp__ms_tx_stop(m);
		m->sending = sending;
		m->dtmf_tx = sp_mem_deref(m->dtmf_tx); /* pending digits are dropped */
		sp__ms_tx_start(m);
	}
	return 0;
}
