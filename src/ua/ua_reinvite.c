/*
 * re-INVITE within a call's dialog (RFC 3261 §14, RFC 3264 §8): the
 * session of an established call is modified by a new offer/answer
 * exchange in an INVITE sent in its dialog.
 *  - As UAC (§14.1): sp_ua_call_hold sends the media's hold or resume
 *    offer; a 2xx is ACKed (every retransmission too) and its answer
 *    taken; 491 (glare) is retried after a random time that depends on
 *    who owns the Call-ID; other failures leave the old session.
 *  - As UAS (§14.2): the peer's re-offer is answered 200 with the media's
 *    answer (its Contact refreshes the remote target, §12.2.2), or 488;
 *    491 while ours is pending, 500 with Retry-After while a previous
 *    INVITE is not yet complete. Our 2xx is retransmitted until its ACK
 *    (§13.3.1.4), and without one in 64*T1 the call ends with BYE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

static void report(struct sp_ua_call *c, bool local, unsigned status)
{
	struct sp_ua *ua = c->ua;
	if (ua && ua->cfg.ev.modified)
		ua->cfg.ev.modified(ua, c, local, status, ua->cfg.ev.arg);
}

static void cancel_offer(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	if (ua && ua->cfg.media.cancel_offer)
		ua->cfg.media.cancel_offer(ua->cfg.media.arg, c);
}

static uint32_t random32(void)
{
	uint32_t r;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		char hex[9];
		sp__ua_token(hex, 8);
		r = (uint32_t)strtoul(hex, NULL, 16);
	}
	return r;
}

void sp__ua_indialog_stop(struct sp_ua_call *c)
{
	sp_timer_stop(&c->t_glare);
	sp_timer_stop(&c->t_se);
	sp_timer_stop(&c->t_reretx);
	sp_timer_stop(&c->t_renoack);
	sp_timer_stop(&c->t_rel);
	sp__ua_drop_tsx(&c->prack);
	c->reinv_busy = false;
	sp__ua_drop_tsx(&c->reinv);
	sp__ua_drop_tsx(&c->rist);
	sp__ua_drop_tsx(&c->info);
	c->info_n = 0;
	sp__ua_drop_tsx(&c->update);
	c->update_offer = false;
	sp_free(c->reok);
	c->reok = NULL;
}

/* ---- UAC (§14.1) ---- */

static void on_reinvite(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg);

/* Sends the re-INVITE with the offer in c->reinv_sdp in the dialog (the
 * dialog gives the next CSeq, §12.2.1.1, and our Contact: a target
 * refresh request). */
static int send_reinvite(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	struct sp_wbuf ab;
	char via[160], hdrs[1400];
	int rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		return rc;
	/* §22.3: credentials when a challenge is held, kept for the ACK. */
	sp_wbuf_init(&ab, c->reinv_auth, sizeof(c->reinv_auth) - 1);
	rc = sp__ua_auth_write(&c->auth, &ab, SP_STR("INVITE"), sp_dialog_remote_target(c->dlg),
			       sp_str_c(ua->auth_user), sp_str_c(ua->password), NULL);
	if (rc)
		return rc;
	c->reinv_auth[ab.len] = 0;
	char se[128];
	rc = sp__ua_timer_refresh_hdrs(c, se, sizeof(se)); /* RFC 4028 §7.4 */
	if (rc)
		return rc;
	rc = snprintf(hdrs, sizeof(hdrs), "%sAllow: %s\r\n%sUser-Agent: %s\r\n", c->reinv_auth,
		      UA_ALLOW, se, ua->user_agent);
	if (rc <= 0 || (size_t)rc >= sizeof(hdrs))
		return -ENOSPC;
	struct sp_dialog_req r = {
		.method = SP_STR("INVITE"),
		.via = sp_str_c(via),
		.headers = sp_str_c(hdrs),
		.content_type = SP_STR("application/sdp"),
		.body = { c->reinv_sdp, c->reinv_sdp_len },
	};
	return sp__ua_dialog_send(c, c->dlg, &r, &c->reinv_cseq, &c->reinv, on_reinvite, c);
}

/* Takes a new offer from the media hook and sends it. */
static int start_reinvite(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	struct sp_wbuf b;
	char *sdp = sp_malloc(UA_SDP_MAX);
	if (!sdp)
		return -ENOMEM;
	sp_wbuf_init(&b, sdp, UA_SDP_MAX);
	int rc = ua->cfg.media.hold(ua->cfg.media.arg, c, c->reinv_hold, &b);
	if (rc == 0 && b.overflow) {
		cancel_offer(c);
		rc = -ENOSPC;
	}
	if (rc) {
		sp_free(sdp);
		return rc;
	}
	sp_free(c->reinv_sdp);
	c->reinv_sdp = sdp;
	c->reinv_sdp_len = b.len;
	c->reinv_authed = false;
	c->reinv_busy = true;
	rc = send_reinvite(c);
	if (rc) {
		c->reinv_busy = false;
		cancel_offer(c);
		SP_LOG(SP_LOG_WARN, "ua: re-INVITE not sent: %s", strerror(-rc));
	}
	return rc;
}

static void on_glare(void *arg)
{
	struct sp_ua_call *c = arg;
	if (!c->ua || c->state != SP_UA_CALL_CONFIRMED || c->ending)
		return;
	if (c->reok) {
		/* The peer's re-INVITE is still completing: a little later. */
		sp_timer_start(c->ua->loop, &c->t_glare, 100, on_glare, c);
		return;
	}
	if (start_reinvite(c) != 0)
		report(c, true, 500);
}

/* The re-INVITE's client transaction (§14.1, Figure 5 with RFC 6026's
 * Accepted state delivering each 2xx): one switch over the response
 * class. */
static void on_reinvite(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp_ua_call *c = arg;
	struct sp_ua *ua = c->ua;
	int rc;
	(void)t;

	if (!ua || c->state == SP_UA_CALL_ENDED)
		return;
	sp_mem_ref(c);
	if (!msg) {
		if (c->reinv_busy) {
			/* §14.1: a timeout (408) keeps the old session and
			 * ends the dialog. */
			SP_LOG(SP_LOG_INFO, "ua: re-INVITE failed: %s", strerror(-err));
			c->reinv_busy = false;
			cancel_offer(c);
			report(c, true, 408);
			if (!c->ending && c->state == SP_UA_CALL_CONFIRMED)
				sp__ua_call_bye(c);
		}
		goto out;
	}
	switch (msg->status / 100) {
	case 1:
		break;
	case 2: /* §13.2.2.4: every 2xx is acknowledged */
		sp__ua_send_ack(c, c->dlg, msg->cseq.seq, c->reinv_auth);
		if (!c->reinv_busy)
			break; /* a retransmission */
		c->reinv_busy = false;
		/* §12.2.1.2: the 2xx to a target refresh request. */
		sp_dialog_target_refresh(c->dlg, msg);
		rc = ua->cfg.media.set_answer
			     ? (msg->body.len ? ua->cfg.media.set_answer(ua->cfg.media.arg, c,
									 msg->body)
					      : -EPROTO)
			     : 0;
		if (rc) {
			SP_LOG(SP_LOG_WARN, "ua: the re-INVITE's answer was refused (%s): BYE",
			       strerror(-rc));
			cancel_offer(c);
			report(c, true, msg->status);
			if (!c->ending)
				sp__ua_call_bye(c);
			break;
		}
		c->held = c->reinv_hold;
		sp__ua_timer_uac_2xx(c, msg); /* RFC 4028 §7.4: a refresh */
		report(c, true, msg->status);
		break;
	default:
		if (!c->reinv_busy)
			break;
		if ((msg->status == 401 || msg->status == 407) && !c->reinv_authed &&
		    ua->password[0] && sp__ua_auth_take(&c->auth, msg) == 0) {
			/* §22.2: once with credentials, same offer. */
			c->reinv_authed = true;
			if (send_reinvite(c) == 0)
				break;
		}
		/* RFC 4028 §7.4: a refresh with too short an interval goes
		 * again with the 422's Min-SE. */
		if (sp__ua_timer_refresh_422(c, msg) && send_reinvite(c) == 0)
			break;
		c->reinv_busy = false;
		cancel_offer(c); /* §14.1: the old session stays */
		if (msg->status == 491) {
			/* §14.1: the Call-ID's owner (the caller) waits
			 * 2.1-4 s, the other side 0-2 s, in 10 ms units. */
			uint32_t r = random32();
			uint32_t ms = c->outgoing ? 2100 + 10 * (r % 191) : 10 * (r % 201);
			SP_LOG(SP_LOG_INFO, "ua: re-INVITE glare (491): retry in %u ms", ms);
			sp_timer_start(ua->loop, &c->t_glare, ms, on_glare, c);
			break;
		}
		report(c, true, msg->status);
		/* §14.1 with §12.2.1.2: 481 or 408 end the dialog. */
		if ((msg->status == 481 || msg->status == 408) && !c->ending)
			sp__ua_call_bye(c);
		break;
	}
out:
	sp_mem_deref(c);
}

bool sp__ua_reinvite_stray_2xx(struct sp_ua_call *c, const struct sp_msg *resp)
{
	if (!c->reinv_cseq || resp->cseq.seq != c->reinv_cseq || !c->dlg)
		return false;
	sp__ua_send_ack(c, c->dlg, resp->cseq.seq, c->reinv_auth);
	return true;
}

int sp_ua_call_hold(struct sp_ua_call *c, bool hold)
{
	struct sp_ua *ua = c->ua;
	if (!ua || c->state != SP_UA_CALL_CONFIRMED || c->ending || !c->dlg)
		return -EINVAL;
	if (c->reinv_busy || c->reok || c->update_offer || sp_timer_active(&c->t_glare))
		return -EBUSY;
	if (!ua->cfg.media.hold)
		return -ENOTSUP;
	c->reinv_hold = hold;
	return start_reinvite(c);
}

bool sp_ua_call_held(const struct sp_ua_call *c)
{
	return c->held;
}

/* ---- UAS (§14.2) ---- */

static void end_reok(struct sp_ua_call *c)
{
	sp_timer_stop(&c->t_reretx);
	sp_timer_stop(&c->t_renoack);
	sp_free(c->reok);
	c->reok = NULL;
	sp__ua_drop_tsx(&c->rist);
}

static void on_reretx(void *arg)
{
	struct sp_ua_call *c = arg;
	struct sp_ua *ua = c->ua;
	if (!ua || !c->reok)
		return;
	sp__ua_send(ua, &c->reok_dest, c->reok, c->reok_len);
	c->reretx_ms = c->reretx_ms * 2 < ua->t2 ? c->reretx_ms * 2 : ua->t2;
	sp_timer_start(ua->loop, &c->t_reretx, c->reretx_ms, on_reretx, c);
}

/* §14.2 with §13.3.1.4: no ACK for our 2xx in 64*T1: BYE. */
static void on_renoack(void *arg)
{
	struct sp_ua_call *c = arg;
	if (!c->ua || !c->reok)
		return;
	end_reok(c);
	report(c, false, 408);
	if (c->state == SP_UA_CALL_CONFIRMED && !c->ending && sp__ua_call_bye(c) == 0)
		c->reason = "no ACK";
}

static void respond(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		    const struct sp_tsx_dest *src, unsigned status, const char *hdrs)
{
	sp__ua_respond(c->ua, st, req, src, status, NULL, hdrs, SP_STR_NULL, SP_STR_NULL);
	report(c, false, status);
}

void sp__ua_reinvite_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
			const struct sp_tsx_dest *src)
{
	struct sp_ua *ua = c->ua;
	struct sp_wbuf sdp, b;
	char hdrs[1024];
	bool late = req->body.len == 0;
	int rc;

	/* §14.2: an INVITE of ours is pending (or our UPDATE's offer, RFC
	 * 3311 §5.2): 491 Request Pending. */
	if (c->reinv_busy || c->update_offer) {
		respond(c, st, req, src, 491, NULL);
		return;
	}
	/* §14.2: an earlier INVITE of the peer is not complete (its 2xx not
	 * yet acknowledged): 500 with a Retry-After of 0-10 s. */
	if (c->reok || c->state != SP_UA_CALL_CONFIRMED || c->ending) {
		snprintf(hdrs, sizeof(hdrs), "Retry-After: %u\r\n", random32() % 11);
		respond(c, st, req, src, 500, hdrs);
		return;
	}
	/* RFC 4028 §8.1: a refresh asking less than our minimum: 422. */
	if (sp__ua_timer_check(ua, req, hdrs, sizeof(hdrs)) == 422) {
		respond(c, st, req, src, 422, hdrs);
		return;
	}
	char *mem = sp_malloc(UA_SDP_MAX);
	if (!mem) {
		respond(c, st, req, src, 500, NULL);
		return;
	}
	sp_wbuf_init(&sdp, mem, UA_SDP_MAX);
	if (!late) {
		/* RFC 3264 §8: answer the re-offer (hold gets recvonly ...). */
		rc = ua->cfg.media.answer
			     ? ua->cfg.media.answer(ua->cfg.media.arg, c, req->body, &sdp)
			     : -ENOTSUP;
	} else {
		/* §14.2: no offer: ours goes in the 2xx, the answer in the
		 * ACK. */
		rc = ua->cfg.media.hold ? ua->cfg.media.hold(ua->cfg.media.arg, c, c->held, &sdp)
					: -ENOTSUP;
	}
	if (rc == 0 && sdp.overflow)
		rc = -ENOSPC;
	if (rc) {
		/* §14.2: not acceptable: 488, the session stays as it was. */
		SP_LOG(SP_LOG_INFO, "ua: re-INVITE not acceptable (%s): 488", strerror(-rc));
		sp_free(mem);
		respond(c, st, req, src, 488, NULL);
		return;
	}
	/* §12.2.2: an accepted target refresh request updates the remote
	 * target. */
	sp_dialog_target_refresh(c->dlg, req);
	snprintf(hdrs, sizeof(hdrs), "Contact: %s\r\nAllow: %s\r\nAccept: application/sdp\r\n",
		 ua->contact, UA_ALLOW);
	size_t hl = strlen(hdrs);
	sp__ua_timer_uas(c, req, hdrs + hl, sizeof(hdrs) - hl); /* RFC 4028 §9 */
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	rc = sp__ua_build_response(ua, &b, req, &src->addr, 200, NULL, hdrs,
				   SP_STR("application/sdp"), (struct sp_str){ sdp.p, sdp.len });
	sp_free(mem);
	c->reok = rc ? NULL : sp_malloc(b.len);
	if (!c->reok) {
		if (late)
			cancel_offer(c);
		respond(c, st, req, src, 500, NULL);
		return;
	}
	memcpy(c->reok, b.p, b.len);
	c->reok_len = b.len;
	c->reok_cseq = req->cseq.seq;
	c->reok_late = late;
	c->rist = sp_mem_ref(st);
	c->reok_dest = *sp_tsx_response_dest(st);
	rc = sp_tsx_respond(st, c->reok, c->reok_len);
	if (rc)
		SP_LOG(SP_LOG_WARN, "ua: 200 to re-INVITE not sent: %s", strerror(-rc));
	sp__ua_timer_start(c); /* RFC 4028 §10: the session is refreshed */
	/* §13.3.1.4: retransmitted (T1 doubling to T2) until the ACK. */
	sp_timer_start(ua->loop, &c->t_renoack, 64u * ua->t1, on_renoack, c);
	if (c->reok_dest.tp == SP_TP_UDP) {
		c->reretx_ms = ua->t1;
		sp_timer_start(ua->loop, &c->t_reretx, c->reretx_ms, on_reretx, c);
	}
	if (!late)
		report(c, false, 200);
}

bool sp__ua_reinvite_ack(struct sp_ua_call *c, const struct sp_msg *ack)
{
	struct sp_ua *ua = c->ua;
	if (!c->reok || ack->cseq.seq != c->reok_cseq)
		return false;
	bool late = c->reok_late;
	end_reok(c);
	if (!late)
		return true;
	/* §14.2: the answer to the offer of our 2xx is in the ACK. */
	int rc = ua->cfg.media.set_answer
			 ? (ack->body.len ? ua->cfg.media.set_answer(ua->cfg.media.arg, c, ack->body)
					  : -EPROTO)
			 : 0;
	sp_mem_ref(c);
	report(c, false, 200);
	if (rc) {
		SP_LOG(SP_LOG_WARN, "ua: no usable answer in the ACK (%s): BYE", strerror(-rc));
		cancel_offer(c);
		if (c->state == SP_UA_CALL_CONFIRMED && !c->ending)
			sp__ua_call_bye(c);
	}
	sp_mem_deref(c);
	return true;
}
