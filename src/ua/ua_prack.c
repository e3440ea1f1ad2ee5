/*
 * Reliable provisional responses (RFC 3262, "100rel"):
 *  - UAS (§3): with cfg.rel100, an INVITE that requires or supports
 *    100rel gets its 180 reliably: Require: 100rel and RSeq, an early
 *    dialog made from it (the PRACK arrives within it), retransmitted at
 *    T1, 2*T1, 4*T1 ... until the PRACK; a PRACK matching it (RAck) gets
 *    200, any other 481; without one in 64*T1 the INVITE is refused with
 *    504. The 200 to the INVITE waits for the PRACK.
 *  - UAC (§4): our INVITEs say Supported: 100rel; a 1xx with Require:
 *    100rel and an RSeq one higher than the last one (or the first) is
 *    answered with a PRACK (RAck) in its early dialog; retransmissions
 *    of it are ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

/* Counts the option tags of header id in msg: *all of them, and the
 * return value those equal to tag. */
unsigned sp__ua_option_count(const struct sp_msg *msg, enum sp_hdr_id id, const char *tag,
			     unsigned *all)
{
	unsigned n = 0;
	*all = 0;
	for (const struct sp_hdr *h = sp_msg_hdr(msg, id); h; h = sp_msg_hdr_next(msg, h)) {
		const char *p = h->value.p, *end = p + h->value.len;
		while (p < end) {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			const char *e = comma ? comma : end;
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			const char *te = e;
			while (te > p && (te[-1] == ' ' || te[-1] == '\t'))
				te--;
			if (te > p) {
				(*all)++;
				n += sp_str_caseeq_c((struct sp_str){ p, (size_t)(te - p) }, tag);
			}
			p = comma ? comma + 1 : end;
		}
	}
	return n;
}

bool sp__ua_has_option(const struct sp_msg *msg, enum sp_hdr_id id, const char *tag)
{
	unsigned all;
	return sp__ua_option_count(msg, id, tag, &all) > 0;
}

bool sp__ua_only_option(const struct sp_msg *msg, enum sp_hdr_id id, const char *tag)
{
	unsigned all, n = sp__ua_option_count(msg, id, tag, &all);
	return all > 0 && n == all;
}

bool sp__ua_rel100_wanted(struct sp_ua *ua, const struct sp_msg *invite)
{
	/* RFC 3262 §3: Require or Supported naming 100rel. */
	return ua->cfg.rel100 && (sp__ua_has_option(invite, SP_HDR_REQUIRE, "100rel") ||
				  sp__ua_has_option(invite, SP_HDR_SUPPORTED, "100rel"));
}

/* ---- UAS (§3) ---- */

static void on_rel_retx(void *arg)
{
	struct sp_ua_call *c = arg;
	struct sp_ua *ua = c->ua;
	if (!ua || !c->rel_unacked || !c->ist ||
	    (c->state != SP_UA_CALL_RINGING && c->state != SP_UA_CALL_INCOMING))
		return;
	c->rel_elapsed += c->rel_ms;
	if (c->rel_elapsed >= 64u * ua->t1) {
		/* §3: no PRACK in 64*T1: the INVITE is refused with a 5xx. */
		c->rel_unacked = false;
		SP_LOG(SP_LOG_INFO, "ua: no PRACK for the reliable provisional: 504");
		sp__ua_uas_reject(c, 504, "no PRACK");
		return;
	}
	sp_tsx_respond(c->ist, c->rel, c->rel_len);
	c->rel_ms *= 2; /* §3: the interval doubles each time */
	sp_timer_start(ua->loop, &c->t_rel, c->rel_ms, on_rel_retx, c);
}

int sp__ua_send_reliable_1xx(struct sp_ua_call *c, const struct sp_msg *req,
			     const struct sp_tsx_dest *src, const char *dialog_hdrs, unsigned status,
			     struct sp_str sdp)
{
	struct sp_ua *ua = c->ua;
	struct sp_wbuf b;
	struct sp_msg r;
	struct sp_dialog *d;
	char hdrs[4400];
	uint32_t rnd = 0;

	/* §3: the first RSeq is random in 1 .. 2^31-1 (kept below 2^30 so
	 * increments never wrap). */
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		rnd = (uint32_t)rand();
	c->rseq = 1 + (rnd & 0x3fffffff);
	int n = snprintf(hdrs, sizeof(hdrs), "%sRequire: 100rel\r\nRSeq: %u\r\n", dialog_hdrs,
			 c->rseq);
	if (n <= 0 || (size_t)n >= sizeof(hdrs))
		return -ENOSPC;
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	int rc = sp__ua_build_response(ua, &b, req, &src->addr, status, c->local_tag, hdrs,
				       sdp.len ? SP_STR("application/sdp") : SP_STR_NULL, sdp);
	if (rc)
		return rc;
	c->rel = sp_malloc(b.len);
	if (!c->rel)
		return -ENOMEM;
	memcpy(c->rel, b.p, b.len);
	c->rel_len = b.len;
	/* §12.1.1: the 1xx makes the early dialog the PRACK comes in. */
	rc = sp_msg_parse(&r, c->rel, c->rel_len);
	if (rc == 0) {
		rc = sp_dialog_create_uas(&d, req, &r, false);
		if (rc == 0) {
			rc = sp_dialog_table_add(ua->dialogs, d);
			if (rc == 0)
				c->dlg = d;
			else
				sp_mem_deref(d);
		}
	}
	sp_msg_free(&r);
	if (rc)
		return rc;
	rc = sp_tsx_respond(c->ist, c->rel, c->rel_len);
	if (rc)
		return rc;
	c->rel_unacked = true;
	c->rel_ms = ua->t1;
	c->rel_elapsed = 0;
	sp_timer_start(ua->loop, &c->t_rel, c->rel_ms, on_rel_retx, c);
	return 0;
}

void sp__ua_prack_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src)
{
	struct sp_ua *ua = c->ua;
	const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_RACK);
	struct sp_rack rack;
	uint32_t inv_cseq = 0;

	if (c->ist) {
		size_t len;
		struct sp_msg inv;
		const char *buf = sp_tsx_request_bytes(c->ist, &len);
		if (sp_msg_parse(&inv, buf, len) == 0)
			inv_cseq = inv.cseq.seq;
		sp_msg_free(&inv);
	}
	/* §3: a PRACK matches an unacknowledged reliable provisional by its
	 * RAck (RSeq, CSeq number and method of the INVITE); else 481. */
	if (!h || sp_rack_parse(&rack, h->value, NULL) != 0 || !c->rel_unacked ||
	    rack.rseq != c->rseq || rack.cseq != inv_cseq ||
	    rack.method_id != SP_METHOD_INVITE) {
		sp__ua_respond(ua, st, req, src, 481, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
		return;
	}
	c->rel_unacked = false;
	sp_timer_stop(&c->t_rel);
	sp__ua_respond(ua, st, req, src, 200, NULL, NULL, SP_STR_NULL, SP_STR_NULL);
	c->pracks++;
	if (c->answer_on_prack) {
		c->answer_on_prack = false;
		sp__ua_uas_answer(c);
	}
}

/* ---- UAC (§4) ---- */

static void on_prack(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp_ua_call *c = arg;
	(void)t;
	if (!c->ua || (msg && msg->status < 200))
		return;
	c->prack_status = msg ? msg->status : err == -ETIMEDOUT ? 408 : 503;
	if (c->prack_status / 100 == 2)
		c->pracks++;
	else
		SP_LOG(SP_LOG_INFO, "ua: PRACK answered %u", c->prack_status);
	sp__ua_drop_tsx(&c->prack);
}

void sp__ua_uac_reliable_1xx(struct sp_ua_call *c, struct sp_dialog *d,
			     const struct sp_msg *resp)
{
	struct sp_ua *ua = c->ua;
	const struct sp_hdr *h = sp_msg_hdr(resp, SP_HDR_RSEQ);
	uint64_t rseq;
	char via[160], hdrs[256];

	if (!d || !h || !sp__ua_has_option(resp, SP_HDR_REQUIRE, "100rel") ||
	    sp_str_to_u64(h->value, 0xffffffffu, &rseq) != 0)
		return;
	/* §4: only the first, or one higher than the last: the others are
	 * retransmissions (or out of order) and not acknowledged. */
	if (c->rseq_seen && rseq != (uint64_t)c->rseq_seen + 1)
		return;
	c->rseq_seen = (uint32_t)rseq;
	if (sp__ua_via(ua, via, sizeof(via)) != 0)
		return;
	/* §7.2: RAck: response-num CSeq-num Method. */
	snprintf(hdrs, sizeof(hdrs), "RAck: %u %u INVITE\r\nUser-Agent: %s\r\n", c->rseq_seen,
		 resp->cseq.seq, ua->user_agent);
	struct sp_dialog_req r = {
		.method = SP_STR("PRACK"),
		.via = sp_str_c(via),
		.headers = sp_str_c(hdrs),
	};
	int rc = sp__ua_dialog_send(c, d, &r, NULL, &c->prack, on_prack, c);
	if (rc)
		SP_LOG(SP_LOG_WARN, "ua: PRACK not sent: %s", strerror(-rc));
}

unsigned sp_ua_call_pracks(const struct sp_ua_call *c)
{
	return c->pracks;
}
