/*
 * INFO within a call's dialog (RFC 6086), used the legacy way (§2: no
 * Info-Package) for DTMF, as many SIP devices do:
 *  - received: application/dtmf-relay ("Signal=5\r\nDuration=160\r\n")
 *    or application/dtmf (the digit alone) gives the digit to
 *    ev.info_dtmf; an INFO without body is answered 200 (§4.2.2); any
 *    other body 415 with Accept; an Info-Package we do not know 469
 *    (§4.2.2);
 *  - sent: sp_ua_call_send_info_dtmf queues digits, one INFO each, the
 *    next after the final response to the previous one (ordered).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

#define INFO_ACCEPT "Accept: application/dtmf-relay, application/dtmf\r\n"

/* A digit from its text: the character itself, or its RFC 4733 event
 * number (10 = *, 11 = #, 12-15 = A-D), which some devices send. */
static char digit_of(struct sp_str v)
{
	static const char ev[] = "0123456789*#ABCD";
	char buf[4];
	if (v.len == 1) {
		char d = v.p[0];
		if (d >= 'a' && d <= 'd')
			d = (char)(d - 'a' + 'A');
		return strchr(ev, d) && d ? d : 0;
	}
	if (v.len == 2 && v.p[0] == '1' && v.p[1] >= '0' && v.p[1] <= '5') {
		memcpy(buf, v.p, 2);
		buf[2] = 0;
		return ev[atoi(buf)];
	}
	return 0;
}

static struct sp_str trim(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	return (struct sp_str){ p, (size_t)(e - p) };
}

/* application/dtmf-relay: "key=value" lines; Signal and Duration used. */
static char parse_relay(struct sp_str body, unsigned *dur)
{
	const char *p = body.p, *end = body.p + body.len;
	char d = 0;
	*dur = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(le - p));
		if (eq) {
			struct sp_str k = trim(p, eq), v = trim(eq + 1, le);
			if (sp_str_caseeq_c(k, "Signal"))
				d = digit_of(v);
			else if (sp_str_caseeq_c(k, "Duration") && v.len && v.len < 8) {
				char n[8];
				memcpy(n, v.p, v.len);
				n[v.len] = 0;
				*dur = (unsigned)strtoul(n, NULL, 10);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return d;
}

void sp__ua_info_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		    const struct sp_tsx_dest *src)
{
	struct sp_ua *ua = c->ua;
	unsigned dur = 0;
	char d = 0;

	/* RFC 6086 §4.2.2: we support no Info Package: 469 with an empty
	 * Recv-Info. */
	if (sp_msg_hdr_by_name(req, SP_STR("Info-Package"))) {
		sp__ua_respond(ua, st, req, src, 469, NULL, "Recv-Info: \r\n", SP_STR_NULL,
			       SP_STR_NULL);
		return;
	}
	if (req->body.len) {
		struct sp_str t = sp__ua_media_type(req);
		if (sp_str_caseeq_c(t, "application/dtmf-relay"))
			d = parse_relay(req->body, &dur);
		else if (sp_str_caseeq_c(t, "application/dtmf"))
			d = digit_of(trim(req->body.p, req->body.p + req->body.len));
		else {
			/* §4.2.2: a body we do not understand: 415. */
			sp__ua_respond(ua, st, req, src, 415, NULL, INFO_ACCEPT, SP_STR_NULL,
				       SP_STR_NULL);
			return;
		}
		if (!d) {
			sp__ua_respond(ua, st, req, src, 400, NULL, NULL, SP_STR_NULL,
				       SP_STR_NULL);
			return;
		}
	}
	sp__ua_respond(ua, st, req, src, 200, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
	if (d && ua->cfg.ev.info_dtmf)
		ua->cfg.ev.info_dtmf(ua, c, d, dur, ua->cfg.ev.arg);
}

/* ---- sending ---- */

static void send_next(struct sp_ua_call *c);

static void on_info(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp_ua_call *c = arg;
	(void)t;
	if (!c->ua || (msg && msg->status < 200))
		return;
	unsigned status = msg ? msg->status : err == -ETIMEDOUT ? 408 : 503;
	sp__ua_drop_tsx(&c->info);
	if (status >= 300) {
		SP_LOG(SP_LOG_INFO, "ua: INFO refused (%u): DTMF dropped", status);
		c->info_n = 0;
		return;
	}
	send_next(c);
}

static void send_next(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	char via[160], body[64], hdrs[128];
	int rc;

	if (!c->info_n || c->info || c->state != SP_UA_CALL_CONFIRMED || c->ending || !c->dlg)
		return;
	char d = c->info_q[0];
	memmove(c->info_q, c->info_q + 1, c->info_n--);
	rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		goto fail;
	snprintf(body, sizeof(body), "Signal=%c\r\nDuration=%u\r\n", d, c->info_dur);
	snprintf(hdrs, sizeof(hdrs), "User-Agent: %s\r\n", ua->user_agent);
	struct sp_dialog_req r = {
		.method = SP_STR("INFO"),
		.via = sp_str_c(via),
		.headers = sp_str_c(hdrs),
		.content_type = SP_STR("application/dtmf-relay"),
		.body = sp_str_c(body),
	};
	rc = sp__ua_dialog_send(c, c->dlg, &r, NULL, &c->info, on_info, c);
	if (rc == 0)
		return;
fail:
	SP_LOG(SP_LOG_WARN, "ua: INFO not sent: %s", strerror(-rc));
	c->info_n = 0;
}

int sp_ua_call_send_info_dtmf(struct sp_ua_call *c, const char *digits, unsigned duration_ms)
{
	size_t n = digits ? strlen(digits) : 0;
	if (!c->ua || c->state != SP_UA_CALL_CONFIRMED || c->ending || !n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!digit_of((struct sp_str){ digits + i, 1 }))
			return -EINVAL;
	if (c->info_n + n > sizeof(c->info_q) - 1)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		c->info_q[c->info_n++] = digit_of((struct sp_str){ digits + i, 1 });
	c->info_q[c->info_n] = 0;
	c->info_dur = duration_ms ? duration_ms : 160;
	send_next(c);
	return (int)n;
}
