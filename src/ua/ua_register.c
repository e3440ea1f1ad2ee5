/*
 * The registration client (RFC 3261 §10.2): REGISTER our contact for the
 * address-of-record with the server, digest credentials on 401 (§22.2),
 * one Call-ID for every refresh with the CSeq growing (§10.2.4), the
 * granted expiry read from our Contact in the 200 (else its Expires,
 * §10.2.4), a refresh at half of it, 423 answered with Min-Expires
 * (§10.2.8), and Expires 0 to remove the binding (§10.2.2). While
 * registered over TCP the connection to the server is kept alive with a
 * CRLF CRLF ping every cfg.keepalive_s seconds, and a flow whose pongs
 * stop is replaced (RFC 5626 §4.4.1, ua_keepalive.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

static int send_register(struct sp_ua *ua, uint32_t expires);

/* §10.2.4: the expiry the registrar granted our contact. */
static uint32_t granted(struct sp_ua *ua, const struct sp_msg *resp, uint32_t asked)
{
	struct sp_parse_error err;
	for (const struct sp_hdr *h = sp_msg_hdr(resp, SP_HDR_CONTACT); h;
	     h = sp_msg_hdr_next(resp, h)) {
		struct sp_nameaddr na;
		struct sp_sa sa;
		if (sp_nameaddr_parse(&na, h->value, SP_NA_STAR, &err) != 0 || na.star)
			continue;
		uint16_t port = na.uri.hp.has_port ? na.uri.hp.port : 5060;
		if (sp_sa_from_host(&sa, na.uri.hp.host, port) != 0 || !sp_sa_eq(&sa, &ua->local) ||
		    !sp_str_eq(na.uri.user, sp_str_c(ua->user)))
			continue;
		int64_t e = sp_contact_expires(&na);
		if (e >= 0)
			return e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
	}
	const struct sp_hdr *h = sp_msg_hdr(resp, SP_HDR_EXPIRES);
	uint32_t v;
	if (h && sp_uint_parse(h->value, UINT32_MAX, &v, &err, "Expires") == 0)
		return v;
	return asked;
}

void sp__ua_reg_now(struct sp_ua *ua)
{
	if (ua->reg.active && !ua->reg.unregistering && !ua->reg.req) {
		int rc = send_register(ua, ua->reg.want);
		if (rc && ua->cfg.ev.registered) {
			ua->reg.registered = false;
			ua->cfg.ev.registered(ua, 503, 0, ua->cfg.ev.arg);
		}
	}
}

static void on_refresh(void *arg)
{
	sp__ua_reg_now(arg);
}

static void reg_done(struct sp__ua_ood *o, unsigned status, const struct sp_msg *resp, void *arg)
{
	struct sp_ua *ua = arg;
	struct sp__ua_reg *r = &ua->reg;
	bool was_unreg = r->req_unreg;
	uint32_t exp = 0;

	r->cseq = sp__ua_ood_cseq(o);
	r->req = NULL;
	if (r->unregistering && !was_unreg) {
		/* sp_ua_unregister came while this one ran: now remove. */
		if (send_register(ua, 0) == 0)
			return;
		status = 503;
	}
	if (status >= 200 && status < 300) {
		if (was_unreg) {
			r->registered = false;
			r->active = false;
		} else {
			exp = granted(ua, resp, r->want);
			r->granted = exp;
			r->registered = exp > 0;
			/* Refresh at half the granted time (at least 1 s). */
			uint64_t ms = (uint64_t)exp * 500u;
			if (exp)
				sp_timer_start(ua->loop, &r->refresh, ms < 1000 ? 1000 : ms,
					       on_refresh, ua);
			if (exp && !sp_timer_active(&r->keepalive))
				sp__ua_keepalive_start(ua); /* RFC 5626 §4.4.1 */
		}
	} else if (status == 423 && resp && !was_unreg) {
		/* §10.2.8: retry with at least Min-Expires. */
		const struct sp_hdr *h = sp_msg_hdr(resp, SP_HDR_MIN_EXPIRES);
		struct sp_parse_error err;
		uint32_t min;
		if (h && sp_uint_parse(h->value, UINT32_MAX, &min, &err, "Min-Expires") == 0 &&
		    min > r->want) {
			r->want = min;
			if (send_register(ua, min) == 0)
				return;
		}
		r->registered = false;
		r->active = false;
	} else {
		r->registered = false;
		r->active = false;
	}
	if (!r->registered)
		sp__ua_keepalive_stop(ua);
	if (ua->cfg.ev.registered)
		ua->cfg.ev.registered(ua, status, exp, ua->cfg.ev.arg);
}

static int send_register(struct sp_ua *ua, uint32_t expires)
{
	struct sp__ua_reg *r = &ua->reg;
	char ruri[UA_STR_MAX + 8], to[UA_STR_MAX + 4], hdrs[UA_STR_MAX + 128];

	snprintf(ruri, sizeof(ruri), "sip:%s", ua->domain);
	snprintf(to, sizeof(to), "<%s>", ua->aor);
	snprintf(hdrs, sizeof(hdrs), "Contact: %s;expires=%u\r\nExpires: %u\r\nAllow: %s\r\n",
		 ua->contact, expires, expires, UA_ALLOW);
	struct sp__ua_ood_params p = {
		.method = "REGISTER",
		.ruri = ruri,
		.to = to,
		.call_id = r->call_id,
		.from_tag = r->from_tag,
		.cseq = ++r->cseq,
		.headers = hdrs,
		.auth = &r->auth,
		.cb = reg_done,
		.arg = ua,
	};
	r->req_unreg = expires == 0;
	return sp__ua_ood_start(&r->req, ua, &p);
}

int sp_ua_register(struct sp_ua *ua, uint32_t expires)
{
	struct sp__ua_reg *r = &ua->reg;

	if (!ua->has_server)
		return -EDESTADDRREQ;
	if (r->req)
		return -EBUSY;
	if (!r->call_id[0]) {
		sp__ua_token(r->call_id, 24);
		sp__ua_token(r->from_tag, 12);
		r->cseq = sp_dialog_cseq_initial();
	}
	r->want = expires ? expires : 3600;
	r->active = true;
	r->unregistering = false;
	int rc = send_register(ua, r->want);
	if (rc)
		r->active = false;
	return rc;
}

int sp_ua_unregister(struct sp_ua *ua)
{
	struct sp__ua_reg *r = &ua->reg;

	if (!r->active || r->unregistering)
		return -EALREADY;
	sp_timer_stop(&r->refresh);
	sp__ua_keepalive_stop(ua);
	r->unregistering = true;
	if (r->req)
		return 0; /* reg_done sends it */
	int rc = send_register(ua, 0);
	if (rc) {
		r->active = false;
		r->registered = false;
	}
	return rc;
}

bool sp_ua_registered(const struct sp_ua *ua)
{
	return ua->reg.registered;
}

void sp__ua_reg_stop(struct sp_ua *ua)
{
	sp_timer_stop(&ua->reg.refresh);
	sp__ua_keepalive_stop(ua);
	ua->reg.req = NULL; /* freed with the UA's other requests */
	ua->reg.active = false;
}
