/*
 * Requests the UA receives (RFC 3261 §8.2) and incoming calls (§13.3):
 *  - within a dialog (To tag): the dialog is matched (§12.2.2, else 481)
 *    and its CSeq checked (500 when out of order); BYE ends the call
 *    (§15.1.2), OPTIONS is answered, a re-INVITE is answered by
 *    ua_reinvite.c (§14.2), INFO by ua_info.c (RFC 6086), PRACK by
 *    ua_prack.c (RFC 3262), UPDATE by ua_update.c (RFC 3311), REFER and
 *    NOTIFY by ua_refer.c (RFC 3515), other methods 405/501;
 *  - outside: INVITE starts a call (180, then 200 with our SDP answer after
 *    the configured delay, or with cfg.early_media 183 with the answer so
 *    that media flows before the 200, RFC 3960 §3; 486 when busy, 488 when
 *    the offer is not acceptable), CANCEL stops it (§9.2: 200, then 487), OPTIONS gets 200
 *    with Allow and Accept (§11.2), MESSAGE 200 (RFC 3428), BYE 481,
 *    unknown methods 501 and known ones we do not serve 405 (§8.2.1);
 *    a Require we do not support gives 420 (§8.2.2.3; timer and replaces
 *    are supported, 100rel with cfg.rel100, and the 180 then goes
 *    reliably, ua_prack.c); an INVITE asking a session interval below
 *    our minimum gets 422 (RFC 4028 §8.1, ua_timer.c); one with Replaces
 *    (RFC 3891, ua_replaces.c) replaces the call it names or gets 481;
 *  - the 2xx to an INVITE is retransmitted (T1 doubling to T2) until its
 *    ACK (§13.3.1.4); without one in 64*T1 the call is ended with BYE.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

#define SDP_MAX 8192

static void allow_headers(struct sp_ua *ua, char *buf, size_t cap)
{
	snprintf(buf, cap, "Contact: %s\r\nAllow: %s\r\nAccept: application/sdp\r\n", ua->contact,
		 UA_ALLOW);
}

/* RFC 3261 §12.1.1: a UAS copies the Record-Route values of a
 * dialog-creating request into its 1xx/2xx, in order, then our Contact. */
static int dialog_headers(struct sp_ua *ua, const struct sp_msg *req, bool allow, char *buf,
			  size_t cap)
{
	struct sp_wbuf b;
	sp_wbuf_init(&b, buf, cap - 1);
	for (const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_RECORD_ROUTE); h;
	     h = sp_msg_hdr_next(req, h))
		sp_wbuf_printf(&b, "Record-Route: %.*s\r\n", SP_STR_FMT(h->value));
	if (allow)
		sp_wbuf_printf(&b, "Contact: %s\r\nAllow: %s\r\nAccept: application/sdp\r\n",
			       ua->contact, UA_ALLOW);
	else
		sp_wbuf_printf(&b, "Contact: %s\r\n", ua->contact);
	buf[b.len] = 0;
	return b.overflow ? -ENOSPC : 0;
}

/* §8.2.1: 405 with Allow for a method we know but do not serve, 501 for
 * one we do not know. */
static void refuse_method(struct sp_ua *ua, struct sp_tsx *st, const struct sp_msg *req,
			  const struct sp_tsx_dest *src)
{
	char h[128];
	snprintf(h, sizeof(h), "Allow: %s\r\n", UA_ALLOW);
	if (req->method_id == SP_METHOD_OTHER)
		sp__ua_respond(ua, st, req, src, 501, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
	else
		sp__ua_respond(ua, st, req, src, 405, NULL, h, SP_STR_NULL, SP_STR_NULL);
}

static void options(struct sp_ua *ua, struct sp_tsx *st, const struct sp_msg *req,
		    const struct sp_tsx_dest *src)
{
	char h[512];
	allow_headers(ua, h, sizeof(h));
	sp__ua_respond(ua, st, req, src, 200, NULL, h, SP_STR_NULL, SP_STR_NULL);
}

/* The INVITE of an incoming call, parsed from the transaction's copy. */
static int call_invite(struct sp_ua_call *c, struct sp_msg *req)
{
	size_t len;
	const char *buf = sp_tsx_request_bytes(c->ist, &len);
	int rc = sp_msg_parse(req, buf, len);
	if (rc)
		sp_msg_free(req);
	return rc;
}

/* Sends a final non-2xx to the call's INVITE and ends the call. */
void sp__ua_uas_reject(struct sp_ua_call *c, unsigned status, const char *reason)
{
	struct sp_msg req;
	if (c->ist && call_invite(c, &req) == 0) {
		sp__ua_respond(c->ua, c->ist, &req, &c->resp_dest, status, c->local_tag, NULL,
			       SP_STR_NULL, SP_STR_NULL);
		sp_msg_free(&req);
	}
	sp__ua_call_end(c, status, reason);
}

static void on_retx(void *arg)
{
	struct sp_ua_call *c = arg;
	struct sp_ua *ua = c->ua;

	if (!ua || c->state != SP_UA_CALL_ANSWERED)
		return;
	sp__ua_send(ua, &c->resp_dest, c->ok, c->ok_len);
	c->retx_ms = c->retx_ms * 2 < ua->t2 ? c->retx_ms * 2 : ua->t2;
	sp_timer_start(ua->loop, &c->t_retx, c->retx_ms, on_retx, c);
}

/* §13.3.1.4: no ACK in 64*T1: the dialog is confirmed, and ended with BYE. */
static void on_noack(void *arg)
{
	struct sp_ua_call *c = arg;
	if (!c->ua || c->state != SP_UA_CALL_ANSWERED)
		return;
	sp_timer_stop(&c->t_retx);
	c->reason = "no ACK";
	sp__ua_call_set_state(c, SP_UA_CALL_CONFIRMED);
	if (c->state == SP_UA_CALL_CONFIRMED && sp__ua_call_bye(c) == 0)
		c->reason = "no ACK";
}

/* §13.3.1.4: our answer to the INVITE's offer appended to sdp; when the
 * offer cannot be accepted the call is refused with 488 and the error
 * returned. */
static int answer_offer(struct sp_ua_call *c, struct sp_str offer, struct sp_wbuf *sdp)
{
	struct sp_ua *ua = c->ua;
	int rc = ua->cfg.media.answer ? ua->cfg.media.answer(ua->cfg.media.arg, c, offer, sdp)
				      : -ENOTSUP;
	if (rc == 0 && sdp->overflow)
		rc = -ENOSPC;
	if (rc) {
		SP_LOG(SP_LOG_INFO, "ua: offer not acceptable (%s): 488", strerror(-rc));
		sp__ua_uas_reject(c, 488, "488 offer not acceptable");
	}
	return rc;
}

static int answer(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	struct sp_msg req, ok;
	struct sp_wbuf sdp, b;
	char hdrs[4096], *sdp_mem;
	int rc;

	if (c->rel_unacked) {
		/* RFC 3262 §3: our reliable 180 is not PRACKed yet: the 200
		 * follows its PRACK. */
		c->answer_on_prack = true;
		return 0;
	}
	if (call_invite(c, &req) != 0) {
		sp__ua_call_end(c, 500, "failed");
		return -EBADMSG;
	}
	sdp_mem = sp_malloc(SDP_MAX);
	if (!sdp_mem) {
		rc = -ENOMEM;
		goto out;
	}
	sp_wbuf_init(&sdp, sdp_mem, SDP_MAX);
	if (c->early_sdp) {
		/* §13.2.1: the answer of our 183 again, unless it went reliably:
		 * then the offer/answer exchange is complete (RFC 3262 §5). */
		if (!c->early_reliable)
			sp_wbuf_put(&sdp, c->early_sdp, c->early_sdp_len);
	} else if (!c->late_offer) {
		rc = answer_offer(c, req.body, &sdp);
		if (rc) {
			sp_msg_free(&req);
			sp_free(sdp_mem);
			return rc;
		}
	} else {
		/* §13.2.1: no offer in the INVITE: ours goes in the 2xx. */
		rc = ua->cfg.media.offer ? ua->cfg.media.offer(ua->cfg.media.arg, c, &sdp) : -ENOTSUP;
		if (rc == 0 && sdp.overflow)
			rc = -ENOSPC;
		if (rc) {
			sp_msg_free(&req);
			sp_free(sdp_mem);
			sp__ua_uas_reject(c, rc == -ENOTSUP ? 488 : 500, "no offer");
			return rc;
		}
	}
	rc = dialog_headers(ua, &req, true, hdrs, sizeof(hdrs));
	if (rc == 0) {
		/* RFC 4028 §9: Session-Expires (and Require: timer) in the 2xx. */
		size_t hl = strlen(hdrs);
		rc = sp__ua_timer_uas(c, &req, hdrs + hl, sizeof(hdrs) - hl);
	}
	if (rc)
		goto out;
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	rc = sp__ua_build_response(ua, &b, &req, &c->src, 200, c->local_tag, hdrs,
				   sdp.len ? SP_STR("application/sdp") : SP_STR_NULL,
				   (struct sp_str){ sdp.p, sdp.len });
	if (rc)
		goto out;
	c->ok = sp_malloc(b.len);
	if (!c->ok) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(c->ok, b.p, b.len);
	c->ok_len = b.len;
	rc = sp_msg_parse(&ok, c->ok, c->ok_len);
	if (rc == 0 && c->dlg) {
		rc = sp_dialog_confirm(c->dlg, &ok); /* the early dialog of a reliable 180 */
	} else if (rc == 0) {
		struct sp_dialog *d;
		rc = sp_dialog_create_uas(&d, &req, &ok, false);
		if (rc == 0) {
			rc = sp_dialog_table_add(ua->dialogs, d);
			if (rc == 0)
				c->dlg = d;
			else
				sp_mem_deref(d);
		}
	}
	sp_msg_free(&ok);
	if (rc)
		goto out;
	rc = sp_tsx_respond(c->ist, c->ok, c->ok_len);
	if (rc)
		SP_LOG(SP_LOG_WARN, "ua: 200 not sent: %s", strerror(-rc)); /* retransmitted below */
	c->status = 200;
	sp__ua_timer_start(c); /* RFC 4028 §9: from the 2xx on */
	sp_timer_start(ua->loop, &c->t_noack, 64u * ua->t1, on_noack, c);
	if (c->resp_dest.tp == SP_TP_UDP) {
		c->retx_ms = ua->t1;
		sp_timer_start(ua->loop, &c->t_retx, c->retx_ms, on_retx, c);
	}
	rc = 0;
	sp__ua_call_set_state(c, SP_UA_CALL_ANSWERED);
out:
	sp_free(sdp_mem);
	sp_msg_free(&req);
	if (rc && c->state != SP_UA_CALL_ENDED)
		sp__ua_uas_reject(c, 500, "failed");
	return rc;
}

static void on_answer_timer(void *arg)
{
	struct sp_ua_call *c = arg;
	if (c->ua && (c->state == SP_UA_CALL_INCOMING || c->state == SP_UA_CALL_RINGING))
		answer(c);
}

/* The INVITE server transaction's events: Timer H (no ACK to a non-2xx)
 * and transport errors need nothing from the TU (RFC 6026 §8.8). */
static void on_ist(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	(void)t, (void)msg, (void)arg;
	SP_LOG(SP_LOG_DEBUG, "ua: INVITE server transaction: %s", strerror(-err));
}

/* RFC 3960 §3 (gateway model): the answer to the INVITE's offer, for a
 * 183 that starts media before the call is answered; kept for the 200
 * (§13.2.1: the same answer). Returns 0, or an error after refusing the
 * call (488 when the offer is not acceptable). */
static int early_answer(struct sp_ua_call *c, const struct sp_msg *req)
{
	struct sp_wbuf sdp;
	char *mem = sp_malloc(SDP_MAX);
	if (!mem) {
		sp__ua_uas_reject(c, 500, "failed");
		return -ENOMEM;
	}
	sp_wbuf_init(&sdp, mem, SDP_MAX);
	int rc = answer_offer(c, req->body, &sdp);
	if (rc) {
		sp_free(mem);
		return rc;
	}
	c->early_sdp = mem;
	c->early_sdp_len = sdp.len;
	return 0;
}

/* §13.3.1.1: progress, the To tag being the dialog's local tag: 180, or
 * with cfg.early_media and an offer 183 with the answer; reliable when
 * RFC 3262 §3 asks for it. Returns 0, or an error once the call is
 * refused. */
static int progress(struct sp_ua_call *c, const struct sp_msg *req,
		    const struct sp_tsx_dest *src)
{
	struct sp_ua *ua = c->ua;
	char h[4096];
	unsigned status = 180;
	int rc;

	if (ua->cfg.early_media && !c->late_offer && ua->cfg.media.answer) {
		rc = early_answer(c, req);
		if (rc)
			return rc;
		status = 183;
	}
	if (dialog_headers(ua, req, false, h, sizeof(h)) != 0)
		return 0; /* no progress sent; the 200 still follows */
	struct sp_str sdp = { c->early_sdp, c->early_sdp_len };
	if (!sp__ua_rel100_wanted(ua, req)) {
		sp__ua_respond(ua, c->ist, req, src, status, c->local_tag, h,
			       sdp.len ? SP_STR("application/sdp") : SP_STR_NULL, sdp);
		return 0;
	}
	rc = sp__ua_send_reliable_1xx(c, req, src, h, status, sdp); /* RFC 3262 §3 */
	if (rc) {
		SP_LOG(SP_LOG_WARN, "ua: reliable %u not sent", status);
		sp__ua_uas_reject(c, 500, "failed");
		return rc;
	}
	c->early_reliable = sdp.len > 0;
	return 0;
}

static void incoming(struct sp_ua *ua, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src)
{
	struct sp_ua_call *c;

	char se_hdr[64];
	if (sp__ua_timer_check(ua, req, se_hdr, sizeof(se_hdr)) == 422) {
		/* RFC 4028 §8.1: Session Interval Too Small. */
		sp__ua_respond(ua, st, req, src, 422, NULL, se_hdr, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	struct sp_ua_call *rep = NULL;
	int rs = sp__ua_replaces_rx(ua, req, &rep); /* RFC 3891 §3 */
	if (rs) {
		sp__ua_respond(ua, st, req, src, (unsigned)rs, NULL, NULL, SP_STR_NULL,
			       SP_STR_NULL);
		return;
	}
	if (!rep && sp_ua_active_calls(ua) >= ua->cfg.max_calls) {
		/* §13.3.1.3: busy. */
		sp__ua_respond(ua, st, req, src, 486, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	if (sp__ua_call_new(&c, ua, false) != 0) {
		sp_mem_deref(rep);
		sp__ua_respond(ua, st, req, src, 500, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	c->replaces = rep;
	c->ist = sp_mem_ref(st);
	sp_tsx_set_handler(st, on_ist, c);
	c->resp_dest = *sp_tsx_response_dest(st);
	c->src = src->addr;
	snprintf(c->call_id, sizeof(c->call_id), "%.*s", SP_STR_FMT(req->call_id));
	snprintf(c->peer, sizeof(c->peer), "%.*s", SP_STR_FMT(req->from.uri_raw));
	c->late_offer = req->body.len == 0;
	c->state = SP_UA_CALL_INCOMING;
	sp_mem_ref(c);
	if (ua->cfg.ev.incoming)
		ua->cfg.ev.incoming(ua, c, req, ua->cfg.ev.arg);
	if (c->state == SP_UA_CALL_INCOMING && c->ua) {
		if (progress(c, req, src) != 0) {
			sp_mem_deref(c);
			return;
		}
		sp__ua_call_set_state(c, SP_UA_CALL_RINGING);
		/* RFC 3891 §3: a replacement is accepted at once. */
		if ((ua->cfg.auto_answer || c->replaces) && c->state == SP_UA_CALL_RINGING)
			sp_timer_start(ua->loop, &c->t_answer,
				       c->replaces ? 0 : ua->cfg.answer_delay_ms, on_answer_timer,
				       c);
	}
	sp_mem_deref(c);
}

/* RFC 3261 §9.2: CANCEL of an INVITE still pending: 200 to the CANCEL,
 * 487 to the INVITE. */
static void cancel(struct sp_ua *ua, struct sp_tsx *st, const struct sp_msg *req,
		   const struct sp_tsx_dest *src)
{
	struct sp_tsx *inv = sp_tsx_find_invite(ua->tsx, req);
	void *arg = NULL;

	if (!inv) {
		sp__ua_respond(ua, st, req, src, 481, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	sp__ua_respond(ua, st, req, src, 200, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
	if (sp_tsx_handler(inv, &arg) != on_ist || !arg)
		return;
	struct sp_ua_call *c = arg;
	if (c->state == SP_UA_CALL_INCOMING || c->state == SP_UA_CALL_RINGING)
		sp__ua_uas_reject(c, 487, "cancelled");
}

/* A request within a dialog (§12.2.2). */
static void in_dialog(struct sp_ua *ua, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src)
{
	struct sp_dialog *d = sp_dialog_table_match(ua->dialogs, req);
	int rc;

	if (!d) {
		sp__ua_respond(ua, st, req, src, 481, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	rc = sp_dialog_rx_request(d, req);
	if (rc) {
		sp__ua_respond(ua, st, req, src, rc == SP_DIALOG_OUT_OF_ORDER ? 500 : 481, NULL,
			       NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	struct sp_ua_call *c = sp__ua_call_by_dialog(ua, d);
	void (*rx)(struct sp_ua_call *, struct sp_tsx *, const struct sp_msg *,
		   const struct sp_tsx_dest *) = NULL;
	switch (req->method_id) {
	case SP_METHOD_BYE: /* §15.1.2 */
		sp__ua_respond(ua, st, req, src, 200, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		if (c)
			sp__ua_call_end(c, 0, "remote BYE");
		else
			sp_dialog_table_remove(ua->dialogs, d);
		return;
	case SP_METHOD_OPTIONS:
		options(ua, st, req, src);
		return;
	case SP_METHOD_INVITE: /* §14.2 */
		rx = sp__ua_reinvite_rx;
		break;
	case SP_METHOD_PRACK: /* RFC 3262 §3: to the callee only */
		rx = c && !c->outgoing ? sp__ua_prack_rx : NULL;
		break;
	case SP_METHOD_INFO: /* RFC 6086 §4.2.2 */
		rx = sp__ua_info_rx;
		break;
	case SP_METHOD_REFER: /* RFC 3515 §2.4.2 */
		rx = sp__ua_refer_rx;
		break;
	case SP_METHOD_NOTIFY: /* RFC 3515 §2.4.4, RFC 6665 §4.1.3 */
		rx = sp__ua_notify_rx;
		break;
	case SP_METHOD_UPDATE: /* RFC 3311 §5.2 */
		rx = sp__ua_update_rx;
		break;
	default:
		refuse_method(ua, st, req, src);
		return;
	}
	/* A dialog without a call of ours (or a PRACK to the caller): 481. */
	if (c && rx)
		rx(c, st, req, src);
	else
		sp__ua_respond(ua, st, req, src, 481, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
}

void sp__ua_on_request(struct sp_tsx_layer *l, struct sp_tsx *st, const struct sp_msg *req,
		       const struct sp_tsx_dest *src, void *arg)
{
	struct sp_ua *ua = arg;
	(void)l;

	/* §8.2.2.3: the extensions a request may require are timer (RFC
	 * 4028 §7.1, any session refresh) and 100rel in an INVITE when we
	 * send reliable provisionals (RFC 3262 §3). */
	const struct sp_hdr *rq = sp_msg_hdr(req, SP_HDR_REQUIRE);
	unsigned all = 0, known = 0;
	if (rq) {
		known = sp__ua_option_count(req, SP_HDR_REQUIRE, "timer", &all);
		if (req->method_id == SP_METHOD_INVITE)
			known += sp__ua_option_count(req, SP_HDR_REQUIRE, "replaces", &all);
		if (req->method_id == SP_METHOD_INVITE && ua->cfg.rel100)
			known += sp__ua_option_count(req, SP_HDR_REQUIRE, "100rel", &all);
		if (known == all)
			rq = NULL;
	}
	if (rq && req->method_id != SP_METHOD_CANCEL && req->method_id != SP_METHOD_ACK) {
		char h[512];
		snprintf(h, sizeof(h), "Unsupported: %.*s\r\n", (int)(rq->value.len < 400 ? rq->value.len : 400),
			 rq->value.p);
		sp__ua_respond(ua, st, req, src, 420, NULL, h, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	if (req->to.tag.p && req->method_id != SP_METHOD_CANCEL) {
		in_dialog(ua, st, req, src);
		return;
	}
	switch (req->method_id) {
	case SP_METHOD_INVITE:
		incoming(ua, st, req, src);
		return;
	case SP_METHOD_CANCEL:
		cancel(ua, st, req, src);
		return;
	case SP_METHOD_OPTIONS:
		options(ua, st, req, src);
		return;
	case SP_METHOD_MESSAGE:
		if (!ua->cfg.ev.message)
			break;
		sp__ua_respond(ua, st, req, src, 200, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		ua->cfg.ev.message(ua, req, ua->cfg.ev.arg);
		return;
	case SP_METHOD_BYE:
		sp__ua_respond(ua, st, req, src, 481, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	default:
		break;
	}
	refuse_method(ua, st, req, src);
}

/* The ACK for our 2xx (§13.3.1.4, RFC 6026 §8.7: it reaches the TU). */
void sp__ua_on_ack(struct sp_ua *ua, const struct sp_msg *ack)
{
	struct sp_dialog *d = sp_dialog_table_match(ua->dialogs, ack);
	struct sp_ua_call *c = d ? sp__ua_call_by_dialog(ua, d) : NULL;
	int rc;

	if (c && sp__ua_reinvite_ack(c, ack))
		return; /* §14.2: the ACK of a re-INVITE's 2xx */
	if (!c || c->outgoing || c->state != SP_UA_CALL_ANSWERED)
		return;
	sp_timer_stop(&c->t_retx);
	sp_timer_stop(&c->t_noack);
	sp_mem_ref(c);
	if (c->late_offer && ua->cfg.media.set_answer) {
		rc = ack->body.len ? ua->cfg.media.set_answer(ua->cfg.media.arg, c, ack->body)
				   : -EPROTO;
		if (rc) {
			sp__ua_call_set_state(c, SP_UA_CALL_CONFIRMED);
			sp__ua_call_bye(c);
			sp_mem_deref(c);
			return;
		}
	}
	sp__ua_call_set_state(c, SP_UA_CALL_CONFIRMED);
	if (c->bye_after_ack && c->state == SP_UA_CALL_CONFIRMED)
		sp__ua_call_bye(c);
	sp_mem_deref(c);
}

int sp__ua_uas_hangup(struct sp_ua_call *c, unsigned status)
{
	switch (c->state) {
	case SP_UA_CALL_INCOMING:
	case SP_UA_CALL_RINGING:
		/* §13.3.1.3: refuse. */
		sp__ua_uas_reject(c, status >= 300 && status < 700 ? status : 486, "rejected");
		return 0;
	case SP_UA_CALL_ANSWERED:
		/* §15: no BYE before the ACK (or its timeout). */
		c->ending = true;
		c->bye_after_ack = true;
		return 0;
	case SP_UA_CALL_CONFIRMED:
		return sp__ua_call_bye(c);
	default:
		return -EALREADY;
	}
}

int sp__ua_uas_answer(struct sp_ua_call *c)
{
	return answer(c);
}

int sp_ua_call_answer(struct sp_ua_call *c)
{
	if (!c->ua || c->outgoing ||
	    (c->state != SP_UA_CALL_INCOMING && c->state != SP_UA_CALL_RINGING))
		return -EINVAL;
	sp_timer_stop(&c->t_answer);
	return answer(c);
}
