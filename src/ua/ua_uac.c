/*
 * Outgoing calls (RFC 3261 §13.2): the INVITE with our SDP offer, sent in
 * an INVITE client transaction to the outbound proxy or the target; the
 * responses as the state machine below (one switch over the response
 * class, as §13.2.2 orders them); CANCEL (§9.1) and BYE (§15.1.1) to end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

#define SDP_MAX 8192

static void on_invite(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg);

static int send_invite(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	struct sp_wbuf b, ab;
	char via[160], se[96];
	int rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		return rc;
	rc = sp__ua_timer_invite_hdrs(c, se, sizeof(se)); /* RFC 4028 §7.1 */
	if (rc)
		return rc;
	/* §22.3: credentials for the retried INVITE, kept for the ACK. */
	sp_wbuf_init(&ab, c->auth_line, sizeof(c->auth_line) - 1);
	rc = sp__ua_auth_write(&c->auth, &ab, SP_STR("INVITE"), sp_str_c(c->target),
			       sp_str_c(ua->auth_user), sp_str_c(ua->password), NULL);
	if (rc)
		return rc;
	c->auth_line[ab.len] = 0;
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	/* §8.1.1: the mandatory headers; §13.2.1: Contact, Allow. */
	sp_wbuf_printf(&b,
		       "INVITE %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n%s"
		       "From: %s%s%s<%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\nCSeq: %u INVITE\r\n"
		       "Contact: %s\r\n%s%sAllow: %s\r\nSupported: 100rel, timer, replaces\r\n%s"
		       "User-Agent: %s\r\n",
		       c->target, via, ua->has_server ? ua->route : "", ua->display[0] ? "\"" : "",
		       ua->display, ua->display[0] ? "\" " : "", ua->aor, c->local_tag, c->target,
		       c->call_id, c->cseq, ua->contact, c->extra_hdrs, c->auth_line, UA_ALLOW, se,
		       ua->user_agent);
	rc = sp_msgb_finish(&b, c->offer ? SP_STR("application/sdp") : SP_STR_NULL,
			    c->offer ? (struct sp_str){ c->offer, c->offer_len } : SP_STR_NULL);
	if (rc)
		return rc;
	char *copy = sp_malloc(b.len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, b.p, b.len);
	sp_free(c->invite);
	c->invite = copy;
	c->invite_len = b.len;
	c->provisional = false;
	if (c->ict) {
		sp_tsx_set_handler(c->ict, NULL, NULL);
		c->ict = sp_mem_deref(c->ict);
	}
	return sp_tsx_request(&c->ict, ua->tsx, c->invite, c->invite_len, &c->dest, on_invite, c);
}

static void on_cancel(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	(void)t, (void)msg, (void)err, (void)arg; /* the 487 to the INVITE ends the call */
}

/* RFC 3261 §9.1: CANCEL the INVITE, once a provisional response came. */
static void send_cancel(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	struct sp_msg req;
	struct sp_wbuf b;
	int rc;

	c->cancel_pending = false;
	c->cancelled = true;
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	rc = sp_msg_parse(&req, c->invite, c->invite_len);
	if (rc == 0)
		rc = sp_tsx_build_cancel(&b, &req);
	sp_msg_free(&req);
	if (rc == 0)
		rc = sp_tsx_request(NULL, ua->tsx, b.p, b.len, &c->dest, on_cancel, NULL);
	if (rc)
		SP_LOG(SP_LOG_WARN, "ua: CANCEL not sent: %s", strerror(-rc));
}

static void on_bye_other(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	(void)t, (void)msg, (void)err, (void)arg;
}

/* §13.2.2.4: a 2xx from another fork than the call's dialog is
 * acknowledged and that dialog ended with BYE. */
static void end_other_fork(struct sp_ua_call *c, struct sp_dialog *d, uint32_t cseq)
{
	struct sp_ua *ua = c->ua;
	struct sp_tsx_dest dest;
	struct sp_uri uri;
	struct sp_wbuf b;
	char via[160];

	sp__ua_send_ack(c, d, cseq, c->auth_line);
	if (sp__ua_via(ua, via, sizeof(via)) == 0) {
		struct sp_dialog_req r = { .method = SP_STR("BYE"), .via = sp_str_c(via) };
		sp_wbuf_init(&b, ua->out, sizeof(ua->out));
		if (sp_dialog_request(d, &r, &b, NULL) == 0 && sp_dialog_next_hop(d, &uri) == 0 &&
		    sp__ua_uri_dest(ua, &uri, false, &dest) == 0)
			sp_tsx_request(NULL, ua->tsx, b.p, b.len, &dest, on_bye_other, NULL);
	}
	sp_dialog_table_remove(ua->dialogs, d);
}

/* RFC 3261 §13.2.1, RFC 3262 §5, RFC 3960 §3: the answer to our offer
 * may come in a provisional response (reliable, or unreliable as a copy
 * of the 2xx's to come): media starts with it (early media). The first
 * acceptable one is taken; with forking another early dialog's answer is
 * ignored, and a 2xx from another fork replaces it (on_2xx). */
static void early_media(struct sp_ua_call *c, struct sp_dialog *d, const struct sp_msg *resp)
{
	struct sp_ua *ua = c->ua;
	if (c->early_answered || !c->offer || !resp->body.len || !ua->cfg.media.set_answer ||
	    !sp_str_caseeq_c(sp__ua_media_type(resp), "application/sdp"))
		return;
	int rc = ua->cfg.media.set_answer(ua->cfg.media.arg, c, resp->body);
	if (rc) {
		SP_LOG(SP_LOG_INFO, "ua: the SDP of a %u was refused (%s)", resp->status,
		       strerror(-rc));
		return;
	}
	c->early_answered = true;
	c->early_dlg = sp_mem_ref(d);
}

static void on_2xx(struct sp_ua_call *c, const struct sp_msg *req, const struct sp_msg *resp)
{
	struct sp_ua *ua = c->ua;
	struct sp_dialog *d = NULL;
	int rc = sp_dialog_table_uac_response(ua->dialogs, req, resp, false, &d);

	if (rc || !d) {
		SP_LOG(SP_LOG_WARN, "ua: 2xx makes no dialog (%s): call ended", strerror(-rc));
		sp__ua_call_end(c, resp->status, "bad 2xx");
		return;
	}
	if (c->dlg && c->dlg != d) {
		end_other_fork(c, d, resp->cseq.seq);
		return;
	}
	sp__ua_send_ack(c, d, resp->cseq.seq, c->auth_line); /* every 2xx, retransmissions too */
	if (c->dlg)
		return; /* a retransmission */
	c->dlg = sp_mem_ref(d);
	c->status = resp->status;
	if (c->cancelled || c->ending) {
		/* §9.1, §15: the 2xx crossed our CANCEL: end the session. */
		c->answered_at = sp_loop_now(ua->loop);
		sp__ua_call_bye(c);
		return;
	}
	/* §13.2.1: after an answer in a 1xx the 2xx repeats it, or (after a
	 * reliable one) carries none: media keeps running as negotiated. A
	 * 2xx of another fork brings that fork's answer (§13.2.2.4). */
	rc = 0;
	if (c->early_answered && c->early_dlg != d && resp->body.len &&
	    ua->cfg.media.replace_answer)
		rc = ua->cfg.media.replace_answer(ua->cfg.media.arg, c, resp->body);
	else if (ua->cfg.media.set_answer && !c->early_answered)
		rc = resp->body.len ? ua->cfg.media.set_answer(ua->cfg.media.arg, c, resp->body)
				    : -EPROTO;
	if (rc) {
		SP_LOG(SP_LOG_WARN, "ua: the SDP answer of the 2xx was refused (%s): BYE",
		       strerror(-rc));
		sp__ua_call_set_state(c, SP_UA_CALL_CONFIRMED);
		sp__ua_call_bye(c);
		return;
	}
	sp__ua_call_set_state(c, SP_UA_CALL_CONFIRMED);
	if (c->state == SP_UA_CALL_CONFIRMED)
		sp__ua_timer_uac_2xx(c, resp); /* RFC 4028 §7.2 */
}

/* RFC 3263 §4.3: the INVITE that got no response but a timeout, a
 * transport error or a 503 goes again to the next address of the server,
 * or of the target's host name. */
static bool failover(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	struct sp_uri uri;
	struct sp_parse_error perr;
	if (!sp__ua_failover(ua, &c->dest, c->failovers) ||
	    sp_uri_parse(&uri, sp_str_c(c->target), SP_URI_NO_OTHER, &perr) != 0 ||
	    sp__ua_uri_dest(ua, &uri, true, &c->dest) != 0)
		return false;
	c->failovers++;
	c->cseq++;
	return send_invite(c) == 0;
}

/* The INVITE client transaction's events (RFC 3261 §13.2.2, Figure 5
 * with RFC 6026's Accepted state delivering each 2xx). */
static void on_invite(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp_ua_call *c = arg;
	struct sp_ua *ua = c->ua;
	struct sp_msg req;
	(void)t;

	if (!ua || c->state == SP_UA_CALL_ENDED)
		return;
	if ((!msg || msg->status == 503) && !c->dlg && !c->provisional && !c->ending &&
	    failover(c))
		return;
	if (!msg) {
		if (c->dlg)
			return; /* Timer M after the 2xx: nothing to do */
		/* §8.1.3.1: timeout 408, transport error 503. */
		sp__ua_call_end(c, err == -ETIMEDOUT ? 408 : 503, "no answer");
		return;
	}
	sp_msg_parse(&req, c->invite, c->invite_len);
	sp_mem_ref(c);
	switch (msg->status / 100) {
	case 1: /* §13.2.2.1 */
		c->provisional = true;
		if (msg->status > 100) {
			struct sp_dialog *d = NULL;
			sp_dialog_table_uac_response(ua->dialogs, &req, msg, false, &d);
			sp__ua_uac_reliable_1xx(c, d, msg); /* RFC 3262 §4 */
			early_media(c, d, msg);
			sp__ua_call_set_state(c, SP_UA_CALL_RINGING);
		}
		if (c->cancel_pending)
			send_cancel(c);
		break;
	case 2: /* §13.2.2.4 */
		on_2xx(c, &req, msg);
		break;
	default: /* §13.2.2.2, §13.2.2.3: the transaction ACKs it */
		sp_dialog_table_uac_response(ua->dialogs, &req, msg, false, NULL);
		if ((msg->status == 401 || msg->status == 407) && !c->ending &&
		    ua->password[0] && sp__ua_auth_take(&c->auth, msg) == 0) {
			c->cseq++; /* §22.2: new CSeq, same Call-ID and tag */
			if (send_invite(c) == 0)
				break;
		}
		if (!c->ending && sp__ua_timer_422(c, msg)) {
			/* RFC 4028 §7.4: again with the larger interval. */
			c->cseq++;
			if (send_invite(c) == 0)
				break;
		}
		sp__ua_call_end(c, msg->status,
				c->cancelled ? "cancelled" : msg->status == 487 ? "cancelled" :
				"rejected");
		break;
	}
	sp_mem_deref(c);
	sp_msg_free(&req);
}

int sp__ua_uac_hangup(struct sp_ua_call *c)
{
	c->ending = true;
	switch (c->state) {
	case SP_UA_CALL_CALLING:
	case SP_UA_CALL_RINGING:
		if (c->provisional)
			send_cancel(c);
		else
			c->cancel_pending = true; /* §9.1: wait for a provisional */
		return 0;
	case SP_UA_CALL_CONFIRMED:
		return sp__ua_call_bye(c);
	default:
		return -EALREADY;
	}
}

void sp__ua_uac_stray_2xx(struct sp_ua *ua, const struct sp_msg *resp)
{
	struct sp_dialog_id id = {
		.call_id = resp->call_id,
		.local_tag = resp->from.tag.p ? resp->from.tag : SP_STR(""),
		.remote_tag = resp->to.tag.p ? resp->to.tag : SP_STR(""),
	};
	struct sp_dialog *d = sp_dialog_table_find(ua->dialogs, &id);
	struct sp_ua_call *c = d ? sp__ua_call_by_dialog(ua, d) : NULL;
	if (c && !sp__ua_reinvite_stray_2xx(c, resp) && c->outgoing)
		sp__ua_send_ack(c, d, resp->cseq.seq, c->auth_line);
}

int sp_ua_call(struct sp_ua_call **out, struct sp_ua *ua, const char *target)
{
	return sp__ua_call_place(out, ua, target, NULL, false);
}

int sp__ua_call_place(struct sp_ua_call **out, struct sp_ua *ua, const char *target,
		      const char *headers, bool over_limit)
{
	struct sp_ua_call *c;
	struct sp_uri uri;
	struct sp_parse_error perr;
	struct sp_tsx_dest dest;
	char t[UA_STR_MAX];
	int rc;

	if (!over_limit && sp_ua_active_calls(ua) >= ua->cfg.max_calls)
		return -EBUSY;
	if (headers && strlen(headers) >= sizeof(c->extra_hdrs))
		return -ENOSPC;
	rc = sp__ua_target(ua, target, t, sizeof(t));
	if (rc)
		return rc;
	if (sp_uri_parse(&uri, sp_str_c(t), SP_URI_NO_OTHER, &perr) != 0)
		return -EINVAL;
	rc = sp__ua_uri_dest(ua, &uri, true, &dest);
	if (rc)
		return rc;
	rc = sp__ua_call_new(&c, ua, true);
	if (rc)
		return rc;
	snprintf(c->target, sizeof(c->target), "%s", t);
	snprintf(c->extra_hdrs, sizeof(c->extra_hdrs), "%s", headers ? headers : "");
	snprintf(c->peer, sizeof(c->peer), "%s", t);
	sp__ua_token(c->call_id, 24);
	c->cseq = sp_dialog_cseq_initial();
	c->dest = dest;
	c->state = SP_UA_CALL_CALLING;
	c->se_req = ua->cfg.session_expires;
	if (c->se_req && ua->cfg.min_se)
		c->se_min = ua->cfg.min_se < c->se_req ? ua->cfg.min_se : c->se_req;
	if (ua->cfg.media.offer) {
		char *sdp = sp_malloc(SDP_MAX);
		struct sp_wbuf b;
		if (!sdp) {
			rc = -ENOMEM;
			goto fail;
		}
		sp_wbuf_init(&b, sdp, SDP_MAX);
		rc = ua->cfg.media.offer(ua->cfg.media.arg, c, &b);
		if (rc == 0 && b.overflow)
			rc = -ENOSPC;
		if (rc) {
			sp_free(sdp);
			goto fail;
		}
		c->offer = sdp;
		c->offer_len = b.len;
	}
	rc = send_invite(c);
	if (rc)
		goto fail;
	*out = sp_mem_ref(c);
	return 0;
fail:
	/* Never announced: unlinked without an ENDED event. */
	ua->calls = c->next;
	c->ua = NULL;
	sp_mem_deref(c);
	return rc;
}
