/*
 * Session timers (RFC 4028): a call whose session is not refreshed in
 * time is ended with BYE, so a lost BYE does not leave a call up forever.
 *  - UAC (§7): the INVITE says Supported: timer and, when configured,
 *    Session-Expires (and Min-SE); a 422 is retried once or twice with
 *    the larger Min-SE it names (§7.4, ua_uac.c); the 2xx's
 *    Session-Expires fixes the interval and refresher (§7.2).
 *  - UAS (§8, §9): an INVITE (or a refresh) whose Session-Expires is
 *    below our minimum gets 422 with Min-SE (§8.1); otherwise the 2xx
 *    carries Session-Expires with the refresher (the request's choice,
 *    else the caller when it supports timers, else us) and Require: timer
 *    when the caller supports them. A request asking for no timer gets
 *    one anyway when cfg.session_expires is set (§9: the UAS may insert
 *    Session-Expires, not below the request's Min-SE).
 *  - A refresh (§7.4, §9) is an UPDATE without an offer when the peer
 *    allows UPDATE, else a re-INVITE with the session as it stands; it
 *    carries Session-Expires, and so does its 2xx; a 422 to it is retried
 *    with the interval its Min-SE names (§7.4, at most twice). The refresher sends it
 *    at half the interval; the other side ends the call with BYE when
 *    nothing came by the expiry minus min(32 s, interval/3) (§10), and so
 *    does the refresher when its refresh got no answer by the expiry.
 * The timer's two phases (refresh due, expiry) are one switch below.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/hdr.h"
#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

#define SE_MIN_DEFAULT 90 /* RFC 4028 §4: Min-SE never below 90 s on the wire */

uint32_t sp__ua_min_se(const struct sp_ua *ua)
{
	return ua->cfg.min_se ? ua->cfg.min_se : SE_MIN_DEFAULT;
}

/* Parses header id (Session-Expires or Min-SE) of msg; false when absent
 * or malformed. */
static bool get_se(const struct sp_msg *msg, enum sp_hdr_id id, struct sp_session_expires *se)
{
	const struct sp_hdr *h = sp_msg_hdr(msg, id);
	struct sp_parse_error err;
	return h && sp_session_expires_parse(se, h->value, &err) == 0 && se->delta > 0;
}

/* §10: how long before the expiry the side that does not refresh gives up
 * (min(32 s, interval/3)), in ms. */
static uint64_t expiry_ms(uint32_t se)
{
	uint64_t ms = (uint64_t)se * 1000;
	uint64_t margin = ms / 3 < 32000 ? ms / 3 : 32000;
	return ms - margin;
}

static void on_se(void *arg);

/* Arms the timer for the session just (re)freshed. */
static void arm(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	sp_timer_stop(&c->t_se);
	if (!ua || !c->se)
		return;
	if (c->se_refresher) {
		/* §7.4, §9: the refresher refreshes at half the interval. */
		c->se_phase = SP__SE_REFRESH;
		sp_timer_start(ua->loop, &c->t_se, (uint64_t)c->se * 500, on_se, c);
	} else {
		/* §10 */
		c->se_phase = SP__SE_EXPIRY;
		sp_timer_start(ua->loop, &c->t_se, expiry_ms(c->se), on_se, c);
	}
}

/* Sends the refresh: UPDATE without an offer when the peer allows it
 * (RFC 3311), else a re-INVITE with the session as it stands. A request
 * already in progress of either kind carries Session-Expires too and
 * stands for the refresh. */
static int send_refresh(struct sp_ua_call *c)
{
	int rc;
	if (c->se_peer_update)
		rc = sp_ua_call_update(c, false);
	else
		rc = sp_ua_call_hold(c, c->held);
	return rc == -EBUSY ? 0 : rc;
}

/* The session timer (RFC 4028): one switch over its phase. */
static void on_se(void *arg)
{
	struct sp_ua_call *c = arg;
	struct sp_ua *ua = c->ua;

	if (!ua || c->state != SP_UA_CALL_CONFIRMED || c->ending || !c->se)
		return;
	switch (c->se_phase) {
	case SP__SE_REFRESH: /* §7.4, §9: the refresh is due */
		if (!ua->cfg.no_session_refresh) {
			int rc = send_refresh(c);
			if (rc)
				SP_LOG(SP_LOG_WARN, "ua: session refresh not sent: %s",
				       strerror(-rc));
		}
		/* §10: the refresher gives up when the refresh has no answer
		 * by the time the session expires (the other side, earlier,
		 * at the expiry minus its margin). */
		c->se_phase = SP__SE_EXPIRY;
		sp_timer_start(ua->loop, &c->t_se, (uint64_t)c->se * 500, on_se, c);
		break;
	case SP__SE_EXPIRY: /* §10: the session expired */
		SP_LOG(SP_LOG_INFO, "ua: session expired (Session-Expires %u): BYE", c->se);
		if (sp__ua_call_bye(c) == 0)
			c->reason = "session expired";
		break;
	}
}

int sp__ua_timer_invite_hdrs(const struct sp_ua_call *c, char *buf, size_t cap)
{
	int n;
	/* §7.1: Supported: timer always; Session-Expires when we want one. */
	if (c->se_req && c->se_min)
		n = snprintf(buf, cap, "Session-Expires: %u\r\nMin-SE: %u\r\n", c->se_req,
			     c->se_min);
	else if (c->se_req)
		n = snprintf(buf, cap, "Session-Expires: %u\r\n", c->se_req);
	else
		n = snprintf(buf, cap, "%s", "");
	return n >= 0 && (size_t)n < cap ? 0 : -ENOSPC;
}

bool sp__ua_timer_422(struct sp_ua_call *c, const struct sp_msg *resp)
{
	struct sp_session_expires min;
	/* §7.4: retry with the 422's Min-SE as both Session-Expires and
	 * Min-SE (the largest seen), at most twice. */
	if (resp->status != 422 || c->se_retries >= 2 || !get_se(resp, SP_HDR_MIN_SE, &min))
		return false;
	if (min.delta <= c->se_req && c->se_req)
		return false; /* no progress possible */
	c->se_retries++;
	c->se_req = min.delta;
	c->se_min = min.delta;
	return true;
}

bool sp__ua_timer_refresh_422(struct sp_ua_call *c, const struct sp_msg *resp)
{
	struct sp_session_expires min;
	/* §7.4: a refresh refused 422 goes again with Session-Expires at
	 * least the Min-SE the 422 names (twice at most per refresh: a 2xx
	 * resets the count). */
	if (resp->status != 422 || !c->se || c->se_retries >= 2 ||
	    !get_se(resp, SP_HDR_MIN_SE, &min) || min.delta <= c->se)
		return false;
	c->se_retries++;
	c->se = min.delta;
	return true;
}

void sp__ua_timer_uac_2xx(struct sp_ua_call *c, const struct sp_msg *resp)
{
	struct sp_session_expires se;
	if (sp__ua_has_option(resp, SP_HDR_ALLOW, "UPDATE"))
		c->se_peer_update = true;
	c->se_retries = 0;
	/* §7.2: the 2xx says whether there is a session timer, its interval
	 * and who refreshes ("uac": the sender of the request, us). */
	if (!get_se(resp, SP_HDR_SESSION_EXPIRES, &se)) {
		c->se = 0;
		sp_timer_stop(&c->t_se);
		return;
	}
	if (c->se)
		c->se_refreshes++;
	c->se = se.delta;
	c->se_refresher = !se.refresher.p || sp_str_caseeq_c(se.refresher, "uac");
	arm(c);
}

int sp__ua_timer_uas(struct sp_ua_call *c, const struct sp_msg *req, char *buf, size_t cap)
{
	struct sp_session_expires se;
	int n;

	buf[0] = 0;
	if (sp__ua_has_option(req, SP_HDR_ALLOW, "UPDATE"))
		c->se_peer_update = true;
	bool peer_timer = sp__ua_has_option(req, SP_HDR_SUPPORTED, "timer") ||
			  sp__ua_has_option(req, SP_HDR_REQUIRE, "timer");
	if (!get_se(req, SP_HDR_SESSION_EXPIRES, &se)) {
		if (!c->ua->cfg.session_expires) {
			/* §9: no Session-Expires and none of ours: no session
			 * timer; a refresh without it ends ours. */
			c->se = 0;
			sp_timer_stop(&c->t_se);
			return 0;
		}
		/* §9: we insert our interval, not below the request's
		 * Min-SE nor our own minimum; the refresher is ours to name:
		 * the caller when it supports timers, else us. */
		struct sp_session_expires min;
		uint32_t want = c->ua->cfg.session_expires, floor = sp__ua_min_se(c->ua);
		if (get_se(req, SP_HDR_MIN_SE, &min) && min.delta > floor)
			floor = min.delta;
		se = (struct sp_session_expires){ .delta = want > floor ? want : floor };
	}
	/* §9: the request's refresher stands; absent, the UAS chooses: the
	 * caller when it supports timers, else us. "uac" names the sender
	 * of this request. */
	bool peer_refreshes = se.refresher.p ? sp_str_caseeq_c(se.refresher, "uac") : peer_timer;
	if (!peer_timer)
		peer_refreshes = false;
	n = snprintf(buf, cap, "Session-Expires: %u;refresher=%s\r\n%s", se.delta,
		     peer_refreshes ? "uac" : "uas", peer_timer ? "Require: timer\r\n" : "");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	if (c->se)
		c->se_refreshes++;
	c->se = se.delta;
	c->se_refresher = !peer_refreshes;
	return 0;
}

void sp__ua_timer_start(struct sp_ua_call *c)
{
	arm(c);
}

int sp__ua_timer_refresh_hdrs(const struct sp_ua_call *c, char *buf, size_t cap)
{
	int n;
	/* §7.4 (and §9 for a UAS refreshing): the refresh request repeats
	 * Session-Expires with the refresher (us: "uac" of this request). */
	if (c->se)
		n = snprintf(buf, cap, "Supported: timer\r\nSession-Expires: %u;refresher=%s\r\n",
			     c->se, c->se_refresher ? "uac" : "uas");
	else
		n = snprintf(buf, cap, "Supported: timer\r\n");
	return n >= 0 && (size_t)n < cap ? 0 : -ENOSPC;
}

int sp__ua_timer_check(struct sp_ua *ua, const struct sp_msg *req, char *buf, size_t cap)
{
	struct sp_session_expires se;
	uint32_t min = sp__ua_min_se(ua);
	/* §8.1: an interval below our minimum: 422 with our Min-SE. */
	if (!get_se(req, SP_HDR_SESSION_EXPIRES, &se) || se.delta >= min)
		return 0;
	snprintf(buf, cap, "Min-SE: %u\r\n", min);
	return 422;
}

uint32_t sp_ua_call_session_expires(const struct sp_ua_call *c)
{
	return c->se;
}

bool sp_ua_call_session_refresher(const struct sp_ua_call *c)
{
	return c->se && c->se_refresher;
}

unsigned sp_ua_call_session_refreshes(const struct sp_ua_call *c)
{
	return c->se_refreshes;
}
