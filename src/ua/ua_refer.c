/*
 * Call transfer within a call's dialog (RFC 3515, blind transfer as in
 * RFC 5589 §6.1):
 *  - transferor: sp_ua_call_refer sends REFER with Refer-To and
 *    Referred-By (RFC 3892); its 202 starts an implicit subscription
 *    (§2.4.4) whose NOTIFYs carry the transferee's progress as
 *    message/sipfrag ("SIP/2.0 200 OK"); each is answered 200 and
 *    reported through ev.refer, until Subscription-State: terminated;
 *  - transferee (cfg.accept_refer): a REFER is answered 202, the first
 *    NOTIFY ("100 Trying", §2.4.4: sent at once) follows, a call goes to
 *    the Refer-To URI (with the REFER's Referred-By), its final status is
 *    NOTIFYed with Subscription-State terminated;reason=noresource
 *    (§2.4.7), and once that NOTIFY is answered after a 2xx the referring
 *    call is ended with BYE unless the transferor ends it first.
 * NOTIFYs are sent one at a time so they arrive in CSeq order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

/* How long the transferee waits for the transferor's BYE after the final
 * NOTIFY before it sends its own (RFC 5589 §6.1: the transferor hangs up). */
#define XFER_BYE_T1S 4

static void report(struct sp_ua_call *c, bool local, unsigned status, bool done)
{
	struct sp_ua *ua = c->ua;
	if (ua && ua->cfg.ev.refer)
		ua->cfg.ev.refer(ua, c, local, status, done, ua->cfg.ev.arg);
}

/* ---- transferor ---- */

static void on_refer(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp_ua_call *c = arg;
	(void)t;
	if (!c->ua || (msg && msg->status < 200))
		return;
	unsigned status = msg ? msg->status : err == -ETIMEDOUT ? 408 : 503;
	sp__ua_drop_tsx(&c->refer);
	sp_mem_ref(c);
	if (status < 300) {
		/* §2.4.2: 202 (or 200) creates the implicit subscription; a
		 * NOTIFY may have terminated it already (it can overtake). */
		report(c, true, status, false);
	} else {
		c->refer_sub = false;
		report(c, true, status, true);
	}
	sp_mem_deref(c);
}

/* Sends the REFER with Refer-To t (a URI, maybe with ?headers). */
static int refer_send(struct sp_ua_call *c, const char *t)
{
	struct sp_ua *ua = c->ua;
	char via[160], hdrs[UA_STR_MAX * 4 + 128];
	int rc;

	rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		return rc;
	/* RFC 3515 §2.1: exactly one Refer-To; RFC 3892 §3: Referred-By. */
	snprintf(hdrs, sizeof(hdrs), "Refer-To: <%s>\r\nReferred-By: <%s>\r\nUser-Agent: %s\r\n",
		 t, ua->aor, ua->user_agent);
	struct sp_dialog_req r = {
		.method = SP_STR("REFER"),
		.via = sp_str_c(via),
		.headers = sp_str_c(hdrs),
	};
	rc = sp__ua_dialog_send(c, c->dlg, &r, NULL, &c->refer, on_refer, c);
	if (rc == 0)
		c->refer_sub = true;
	return rc;
}

int sp_ua_call_refer(struct sp_ua_call *c, const char *target)
{
	struct sp_ua *ua = c->ua;
	char t[UA_STR_MAX];
	int rc;

	if (!ua || c->state != SP_UA_CALL_CONFIRMED || c->ending || !c->dlg)
		return -EINVAL;
	if (c->refer || c->refer_sub)
		return -EBUSY;
	rc = sp__ua_target(ua, target, t, sizeof(t));
	return rc ? rc : refer_send(c, t);
}

int sp_ua_call_refer_replaces(struct sp_ua_call *c, const struct sp_ua_call *other)
{
	struct sp_ua *ua = c->ua;
	char t[UA_STR_MAX * 3];
	int rc;

	if (!ua || c == other || c->state != SP_UA_CALL_CONFIRMED || c->ending || !c->dlg)
		return -EINVAL;
	if (c->refer || c->refer_sub)
		return -EBUSY;
	/* RFC 3891 §5, RFC 5589 §7: Refer-To other's peer, replacing that
	 * dialog. */
	rc = sp__ua_replaces_uri(ua, other, t, sizeof(t));
	return rc ? rc : refer_send(c, t);
}

/* "SIP/2.0 200 OK": the status code of a message/sipfrag status line. */
static unsigned sipfrag_status(struct sp_str body)
{
	if (body.len < 11 || memcmp(body.p, "SIP/2.0 ", 8) != 0)
		return 0;
	unsigned v = 0;
	for (size_t i = 8; i < 11; i++) {
		if (body.p[i] < '0' || body.p[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(body.p[i] - '0');
	}
	return v >= 100 && v < 700 ? v : 0;
}

void sp__ua_notify_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src)
{
	struct sp_ua *ua = c->ua;
	struct sp_parse_error err;
	struct sp_event ev;
	struct sp_substate ss;
	const struct sp_hdr *h;

	/* RFC 6665 §4.1.3: a NOTIFY that matches no subscription: 481. */
	if (!c->refer_sub) {
		sp__ua_respond(ua, st, req, src, 481, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	/* RFC 6665 §4.1.3, §8.2.1: only Event: refer here (489 otherwise). */
	h = sp_msg_hdr(req, SP_HDR_EVENT);
	if (!h || sp_event_parse(&ev, h->value, &err) != 0 ||
	    !sp_str_caseeq_c(ev.package, "refer")) {
		sp__ua_respond(ua, st, req, src, 489, NULL, "Allow-Events: refer\r\n", SP_STR_NULL,
			       SP_STR_NULL);
		return;
	}
	h = sp_msg_hdr(req, SP_HDR_SUBSCRIPTION_STATE);
	if (!h || sp_substate_parse(&ss, h->value, &err) != 0) {
		sp__ua_respond(ua, st, req, src, 400, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	/* RFC 3515 §2.4.5: the body is message/sipfrag with a status line. */
	unsigned status = sipfrag_status(req->body);
	bool done = sp_str_caseeq_c(ss.state, "terminated");
	sp__ua_respond(ua, st, req, src, 200, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
	if (done)
		c->refer_sub = false;
	if (status || done)
		report(c, true, status, done);
}

/* ---- transferee ---- */

static void notify_send(struct sp_ua_call *c, unsigned status, bool final);

static void on_xfer_bye(void *arg)
{
	struct sp_ua_call *c = arg;
	if (c->ua && c->state == SP_UA_CALL_CONFIRMED && !c->ending)
		sp__ua_call_bye(c);
}

static void on_notify(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp_ua_call *c = arg;
	(void)t, (void)err;
	if (!c->ua || (msg && msg->status < 200))
		return;
	sp__ua_drop_tsx(&c->notify);
	if (c->notify_final) {
		c->notify_final = false;
		c->refer_rx = false;
		/* RFC 5589 §6.1: the transferor ends the call on the 2xx
		 * sipfrag; if it does not, we do. */
		if (c->notified / 100 == 2)
			sp_timer_start(c->ua->loop, &c->t_xfer_bye, XFER_BYE_T1S * c->ua->t1,
				       on_xfer_bye, c);
		return;
	}
	if (c->notify_next) {
		unsigned s = c->notify_next;
		c->notify_next = 0;
		notify_send(c, s, s >= 200);
	}
}

/* NOTIFY "SIP/2.0 status reason" in the referring call's dialog (§2.4.4,
 * §2.4.5); final: Subscription-State terminated (§2.4.7). One at a time:
 * a later status waits for the answer to the one in flight. */
static void notify_send(struct sp_ua_call *c, unsigned status, bool final)
{
	struct sp_ua *ua = c->ua;
	char via[160], hdrs[256], body[96];
	int rc;

	if (!ua || !c->refer_rx || !c->dlg || c->state == SP_UA_CALL_ENDED)
		return;
	if (c->notify) {
		c->notify_next = status; /* a final one replaces a 1xx */
		return;
	}
	rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		goto fail;
	snprintf(hdrs, sizeof(hdrs), "Event: refer\r\nSubscription-State: %s\r\nUser-Agent: %s\r\n",
		 final ? "terminated;reason=noresource" : "active;expires=60", ua->user_agent);
	snprintf(body, sizeof(body), "SIP/2.0 %u %s\r\n", status, sp_reason_phrase(status));
	struct sp_dialog_req r = {
		.method = SP_STR("NOTIFY"),
		.via = sp_str_c(via),
		.headers = sp_str_c(hdrs),
		.content_type = SP_STR("message/sipfrag;version=2.0"),
		.body = sp_str_c(body),
	};
	rc = sp__ua_dialog_send(c, c->dlg, &r, NULL, &c->notify, on_notify, c);
	if (rc)
		goto fail;
	c->notified = status;
	c->notify_final = final;
	report(c, false, status, final);
	return;
fail:
	SP_LOG(SP_LOG_WARN, "ua: NOTIFY not sent: %s", strerror(-rc));
	if (final)
		c->refer_rx = false;
}

/* Unlinks a referring call and the call placed for it. */
static void unlink_xfer(struct sp_ua_call *orig)
{
	struct sp_ua_call *n = orig->xfer;
	if (!n)
		return;
	orig->xfer = NULL;
	n->xfer_of = sp_mem_deref(n->xfer_of); /* orig: still referenced by its caller */
	sp_mem_deref(n);
}

void sp__ua_refer_call_state(struct sp_ua_call *c)
{
	struct sp_ua_call *orig = c->xfer_of;

	if (orig) {
		/* c is the call placed for orig's REFER (§2.4.4). */
		unsigned s = 0;
		if (c->state == SP_UA_CALL_RINGING)
			s = 180;
		else if (c->state == SP_UA_CALL_CONFIRMED)
			s = c->status ? c->status : 200;
		else if (c->state == SP_UA_CALL_ENDED)
			s = c->answered_at >= 0 ? 0 : c->status >= 300 ? c->status : 487;
		if (s && s != orig->notified && orig->refer_rx)
			notify_send(orig, s, s >= 200);
		if (c->state == SP_UA_CALL_ENDED || s >= 200)
			unlink_xfer(orig);
	}
	if (c->state == SP_UA_CALL_ENDED) {
		/* The referring call ended: no more NOTIFYs (§2.4.7). */
		unlink_xfer(c);
		sp_timer_stop(&c->t_xfer_bye);
		sp__ua_drop_tsx(&c->notify);
		sp__ua_drop_tsx(&c->refer);
		c->refer_rx = c->refer_sub = false;
	}
}

void sp__ua_refer_stop(struct sp_ua_call *c)
{
	sp_timer_stop(&c->t_xfer_bye);
	sp__ua_drop_tsx(&c->notify);
	sp__ua_drop_tsx(&c->refer);
	if (c->xfer_of) {
		struct sp_ua_call *orig = c->xfer_of;
		if (orig->xfer == c)
			unlink_xfer(orig);
		else
			c->xfer_of = sp_mem_deref(c->xfer_of);
	}
	unlink_xfer(c);
}

void sp__ua_refer_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src)
{
	struct sp_ua *ua = c->ua;
	struct sp_parse_error err;
	struct sp_nameaddr to, by;
	const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_REFER_TO);
	char target[UA_STR_MAX], hdrs[512] = "";
	struct sp_ua_call *n;
	int rc;

	/* RFC 3515 §2.4.1: exactly one Refer-To, or 400. */
	if (!h || sp_msg_hdr_next(req, h) ||
	    sp_nameaddr_parse(&to, h->value, 0, &err) != 0 || to.uri_raw.len >= sizeof(target)) {
		sp__ua_respond(ua, st, req, src, 400, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	/* §2.4.2: we may refuse; 603 when not configured to follow REFERs,
	 * 491 while a transfer of this call is still in progress. */
	if (!ua->cfg.accept_refer || c->state != SP_UA_CALL_CONFIRMED || c->ending) {
		sp__ua_respond(ua, st, req, src, 603, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	if (c->refer_rx || c->xfer) {
		sp__ua_respond(ua, st, req, src, 491, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	/* The URI without its headers; of those only Replaces is kept (RFC
	 * 3891 §5: attended transfer), the others are dropped. */
	const char *q = memchr(to.uri_raw.p, '?', to.uri_raw.len);
	snprintf(target, sizeof(target), "%.*s",
		 (int)(q ? (size_t)(q - to.uri_raw.p) : to.uri_raw.len), to.uri_raw.p);
	if (sp__ua_refer_to_replaces(to.uri_raw, hdrs, sizeof(hdrs) / 2) != 0) {
		sp__ua_respond(ua, st, req, src, 400, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	/* RFC 3892 §3: the REFER's Referred-By is copied into the INVITE. */
	h = sp_msg_hdr(req, SP_HDR_REFERRED_BY);
	if (h && sp_nameaddr_parse(&by, h->value, 0, &err) == 0 && h->value.len < UA_STR_MAX) {
		size_t hl = strlen(hdrs);
		snprintf(hdrs + hl, sizeof(hdrs) - hl, "Referred-By: %.*s\r\n",
			 SP_STR_FMT(h->value));
	}
	rc = sp__ua_call_place(&n, ua, target, hdrs, true);
	if (rc) {
		SP_LOG(SP_LOG_INFO, "ua: REFER to %s refused: %s", target, strerror(-rc));
		sp__ua_respond(ua, st, req, src, rc == -EINVAL || rc == -EDESTADDRREQ ? 400 : 500,
			       NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	/* §2.4.2: 202 Accepted; §2.4.4: the first NOTIFY at once. */
	sp_mem_ref(c);
	sp__ua_respond(ua, st, req, src, 202, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
	c->refer_rx = true;
	c->notified = 0;
	c->xfer = n;		       /* sp__ua_call_place's reference */
	n->xfer_of = sp_mem_ref(c);
	report(c, false, 202, false);
	notify_send(c, 100, false);
	if (ua->cfg.ev.transfer && c->xfer == n)
		ua->cfg.ev.transfer(ua, c, n, ua->cfg.ev.arg);
	sp_mem_deref(c);
}
