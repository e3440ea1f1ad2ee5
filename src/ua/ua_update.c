/*
 * UPDATE within a call's dialog (RFC 3311): a target refresh request
 * (§5.1) that may carry a new offer without touching the dialog's INVITE
 * state. Sent (§5.1) by sp_ua_call_update: with the media's re-offer or
 * none; the 2xx refreshes the remote target and its answer is taken; a
 * failure cancels the offer (the session stays), 408/481 end the call.
 * Received (§5.2):
 *  - confirmed dialog: an offer is answered 200 with the media's answer
 *    (488 when it cannot be accepted, the session stays); 491 while an
 *    offer of ours or the peer's re-INVITE is still open; no offer: 200;
 *  - early dialog (our reliable 180): the INVITE's offer is not answered
 *    yet (our answer goes in the 200), so an UPDATE offer gets 491; one
 *    without an offer gets 200;
 *  - on 2xx the Contact refreshes the remote target (§5.2, RFC 3261
 *    §12.2.2).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

static void report_dir(struct sp_ua_call *c, bool local, unsigned status)
{
	struct sp_ua *ua = c->ua;
	if (ua && ua->cfg.ev.modified)
		ua->cfg.ev.modified(ua, c, local, status, ua->cfg.ev.arg);
}

static void report(struct sp_ua_call *c, unsigned status)
{
	report_dir(c, false, status);
}

/* ---- UAC (§5.1) ---- */

static void on_update(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp_ua_call *c = arg;
	struct sp_ua *ua = c->ua;
	(void)t;
	if (!ua || (msg && msg->status < 200))
		return;
	unsigned status = msg ? msg->status : err == -ETIMEDOUT ? 408 : 503;
	bool offer = c->update_offer;
	int rc = 0;
	sp__ua_drop_tsx(&c->update);
	c->update_offer = false;
	sp_mem_ref(c);
	if (status / 100 == 2) {
		/* §5.1 with RFC 3261 §12.2.1.2: the 2xx refreshes the target. */
		if (c->dlg)
			sp_dialog_target_refresh(c->dlg, msg);
		sp__ua_timer_uac_2xx(c, msg); /* RFC 4028 §7.4: a refresh */
		if (offer && ua->cfg.media.set_answer)
			rc = msg->body.len ? ua->cfg.media.set_answer(ua->cfg.media.arg, c, msg->body)
					   : -EPROTO;
		report_dir(c, true, status);
		if (rc) {
			SP_LOG(SP_LOG_WARN, "ua: the UPDATE's answer was refused (%s): BYE",
			       strerror(-rc));
			if (ua->cfg.media.cancel_offer)
				ua->cfg.media.cancel_offer(ua->cfg.media.arg, c);
			if (c->state == SP_UA_CALL_CONFIRMED && !c->ending)
				sp__ua_call_bye(c);
		}
	} else if (msg && !offer && sp__ua_timer_refresh_422(c, msg) &&
		   sp_ua_call_update(c, false) == 0) {
		/* RFC 4028 §7.4: the refresh again, with the 422's Min-SE. */
	} else {
		/* §5.1: a failed UPDATE leaves the session as it was. */
		if (offer && ua->cfg.media.cancel_offer)
			ua->cfg.media.cancel_offer(ua->cfg.media.arg, c);
		report_dir(c, true, status);
		/* RFC 3261 §12.2.1.2: 481 and 408 end the dialog. */
		if ((status == 481 || status == 408) && c->state == SP_UA_CALL_CONFIRMED &&
		    !c->ending)
			sp__ua_call_bye(c);
	}
	sp_mem_deref(c);
}

int sp_ua_call_update(struct sp_ua_call *c, bool offer)
{
	struct sp_ua *ua = c->ua;
	struct sp_wbuf sdp = { 0 };
	char via[160], hdrs[512], *mem = NULL;
	int rc;

	if (!ua || c->state != SP_UA_CALL_CONFIRMED || c->ending || !c->dlg)
		return -EINVAL;
	if (c->update || (offer && (c->reinv_busy || c->reok || sp_timer_active(&c->t_glare))))
		return -EBUSY;
	if (offer && !ua->cfg.media.hold)
		return -ENOTSUP;
	rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		return rc;
	if (offer) {
		/* The session as it stands, offered anew (RFC 3264 §8). */
		mem = sp_malloc(UA_SDP_MAX);
		if (!mem)
			return -ENOMEM;
		sp_wbuf_init(&sdp, mem, UA_SDP_MAX);
		rc = ua->cfg.media.hold(ua->cfg.media.arg, c, c->held, &sdp);
		if (rc == 0 && sdp.overflow) {
			if (ua->cfg.media.cancel_offer)
				ua->cfg.media.cancel_offer(ua->cfg.media.arg, c);
			rc = -ENOSPC;
		}
		if (rc) {
			sp_free(mem);
			return rc;
		}
	}
	char se[128];
	rc = sp__ua_timer_refresh_hdrs(c, se, sizeof(se)); /* RFC 4028 §7.4 */
	if (rc) {
		sp_free(mem);
		return rc;
	}
	snprintf(hdrs, sizeof(hdrs), "Allow: %s\r\n%sUser-Agent: %s\r\n", UA_ALLOW, se,
		 ua->user_agent);
	struct sp_dialog_req r = {
		.method = SP_STR("UPDATE"),
		.via = sp_str_c(via),
		.headers = sp_str_c(hdrs),
		.content_type = offer ? SP_STR("application/sdp") : SP_STR_NULL,
		.body = offer ? (struct sp_str){ sdp.p, sdp.len } : SP_STR_NULL,
	};
	rc = sp__ua_dialog_send(c, c->dlg, &r, NULL, &c->update, on_update, c);
	sp_free(mem);
	if (rc) {
		if (offer && ua->cfg.media.cancel_offer)
			ua->cfg.media.cancel_offer(ua->cfg.media.arg, c);
		return rc;
	}
	c->update_offer = offer;
	return 0;
}

/* ---- UAS (§5.2) ---- */

void sp__ua_update_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src)
{
	struct sp_ua *ua = c->ua;
	struct sp_wbuf sdp = { 0 };
	char hdrs[768], *mem = NULL;
	bool offer = req->body.len > 0;
	bool confirmed = c->state == SP_UA_CALL_CONFIRMED;
	int rc = 0;

	/* RFC 4028 §8.1: a refresh asking less than our minimum: 422. */
	if (confirmed && sp__ua_timer_check(ua, req, hdrs, sizeof(hdrs)) == 422) {
		sp__ua_respond(ua, st, req, src, 422, NULL, hdrs, SP_STR_NULL, SP_STR_NULL);
		report(c, 422);
		return;
	}
	snprintf(hdrs, sizeof(hdrs), "Contact: %s\r\nAllow: %s\r\nAccept: application/sdp\r\n",
		 ua->contact, UA_ALLOW);
	if (offer) {
		/* §5.2: an offer while one is outstanding (ours in a
		 * re-INVITE, the peer's re-INVITE not yet ACKed, or the
		 * INVITE's offer still unanswered in an early dialog): 491. */
		if (!confirmed || c->reinv_busy || c->reok || c->update_offer) {
			sp__ua_respond(ua, st, req, src, 491, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
			report(c, 491);
			return;
		}
		mem = sp_malloc(UA_SDP_MAX);
		if (!mem) {
			sp__ua_respond(ua, st, req, src, 500, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
			return;
		}
		sp_wbuf_init(&sdp, mem, UA_SDP_MAX);
		rc = ua->cfg.media.answer ? ua->cfg.media.answer(ua->cfg.media.arg, c, req->body, &sdp)
					  : -ENOTSUP;
		if (rc == 0 && sdp.overflow)
			rc = -ENOSPC;
		if (rc) {
			/* RFC 3261 §14.2 as §5.2 refers to it: 488, the
			 * session stays as it was. */
			SP_LOG(SP_LOG_INFO, "ua: UPDATE offer not acceptable (%s): 488",
			       strerror(-rc));
			sp_free(mem);
			sp__ua_respond(ua, st, req, src, 488, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
			report(c, 488);
			return;
		}
	}
	/* §5.2: an accepted UPDATE refreshes the remote target. */
	if (c->dlg)
		sp_dialog_target_refresh(c->dlg, req);
	if (confirmed) {
		/* RFC 4028 §9: an UPDATE refreshes the session. */
		size_t hl = strlen(hdrs);
		sp__ua_timer_uas(c, req, hdrs + hl, sizeof(hdrs) - hl);
	}
	rc = sp__ua_respond(ua, st, req, src, 200, NULL, hdrs,
			    offer ? SP_STR("application/sdp") : SP_STR_NULL,
			    offer ? (struct sp_str){ sdp.p, sdp.len } : SP_STR_NULL);
	sp_free(mem);
	if (rc)
		SP_LOG(SP_LOG_WARN, "ua: 200 to UPDATE not sent: %s", strerror(-rc));
	else if (confirmed)
		sp__ua_timer_start(c);
	report(c, 200);
}
