/*
 * A request outside a dialog (RFC 3261 §8.1): built with a new branch,
 * sent in a non-INVITE client transaction to the outbound proxy (with a
 * loose Route naming it, §8.1.2) or to the Request-URI's host, and
 * resent with credentials on 401/407 (§22.2, §22.3: same Call-ID and
 * From tag, CSeq plus one), or to the server's next address after a
 * timeout, a transport error or a 503 (RFC 3263 §4.3, sp_ua_add_server).
 * The owner hears the final response once.
 * REGISTER (ua_register.c), OPTIONS and MESSAGE (sp_ua_request) use it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

struct sp__ua_ood {
	struct sp_ua *ua;
	char method[24], ruri[UA_STR_MAX], to[UA_STR_MAX];
	char call_id[64], from_tag[24];
	uint32_t cseq;
	char *headers, *ctype, *body;
	size_t body_len;
	struct sp__ua_auth own, *auth;
	struct sp_tsx *t;
	struct sp_tsx_dest dest; /* where the last one went */
	unsigned failovers;	 /* RFC 3263 §4.3: next server addresses tried */
	sp__ua_ood_cb cb;
	void *arg;
	bool counted;  /* in ua->oods (and ua->nood) */
	bool free_arg; /* arg is ours to sp_free when abandoned */
	struct sp__ua_ood *next;
};

static void ood_free(void *obj)
{
	struct sp__ua_ood *o = obj;
	sp_mem_deref(o->t);
	sp_free(o->headers);
	sp_free(o->ctype);
	sp_free(o->body);
}

static char *dup_mem(const char *p, size_t n)
{
	char *s = sp_malloc(n + 1);
	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

static void on_event(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg);

static int send_req(struct sp__ua_ood *o)
{
	struct sp_ua *ua = o->ua;
	char via[160];
	struct sp_wbuf b;
	struct sp_uri uri;
	struct sp_parse_error perr;
	struct sp_tsx_dest dest;
	int rc;

	if (sp_uri_parse(&uri, sp_str_c(o->ruri), SP_URI_NO_OTHER, &perr) != 0)
		return -EINVAL;
	rc = sp__ua_uri_dest(ua, &uri, true, &dest);
	if (rc)
		return rc;
	o->dest = dest;
	rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		return rc;
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	sp_wbuf_printf(&b,
		       "%s %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n%s"
		       "From: %s%s%s<%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n",
		       o->method, o->ruri, via, ua->has_server ? ua->route : "",
		       ua->display[0] ? "\"" : "", ua->display, ua->display[0] ? "\" " : "",
		       ua->aor, o->from_tag, o->to, o->call_id, o->cseq, o->method);
	rc = sp__ua_auth_write(o->auth, &b, sp_str_c(o->method), sp_str_c(o->ruri),
			       sp_str_c(ua->auth_user), sp_str_c(ua->password), NULL);
	if (rc)
		return rc;
	sp_wbuf_printf(&b, "%sUser-Agent: %s\r\n", o->headers ? o->headers : "", ua->user_agent);
	rc = sp_msgb_finish(&b, sp_str_c(o->ctype),
			    o->body ? (struct sp_str){ o->body, o->body_len } : SP_STR_NULL);
	if (rc)
		return rc;
	o->t = sp_mem_deref(o->t);
	return sp_tsx_request(&o->t, ua->tsx, b.p, b.len, &dest, on_event, o);
}

static void finish(struct sp__ua_ood *o, unsigned status, const struct sp_msg *msg)
{
	sp__ua_ood_cb cb = o->cb;
	o->cb = NULL;
	if (o->counted) {
		struct sp__ua_ood **pp = &o->ua->oods;
		while (*pp && *pp != o)
			pp = &(*pp)->next;
		if (*pp)
			*pp = o->next;
		o->ua->nood--;
		o->counted = false;
	}
	if (cb)
		cb(o, status, msg, o->arg);
	sp_mem_deref(o); /* the reference the transaction's handler held */
}

/* RFC 3261 §17.1.2 Figure 6: the transaction's responses and errors. */
static void on_event(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp__ua_ood *o = arg;
	(void)t;

	if (msg && msg->status < 200)
		return;
	/* RFC 3263 §4.3: the server's next address after a timeout, a
	 * transport error or a 503 (a new transaction, CSeq plus one). */
	if ((!msg || msg->status == 503) && o->ua &&
	    sp__ua_failover(o->ua, &o->dest, o->failovers)) {
		o->failovers++;
		o->cseq++;
		if (send_req(o) == 0)
			return;
	}
	if (!msg) {
		/* §8.1.3.1: a timeout is a 408, a transport error a 503. */
		finish(o, err == -ETIMEDOUT ? 408 : 503, NULL);
		return;
	}
	if ((msg->status == 401 || msg->status == 407) && o->ua && o->ua->password[0] &&
	    sp__ua_auth_take(o->auth, msg) == 0) {
		o->cseq++; /* §22.2: a new request, same Call-ID */
		if (send_req(o) == 0)
			return;
	}
	o->auth->tries = 0;
	finish(o, msg->status, msg);
}

int sp__ua_ood_start(struct sp__ua_ood **out, struct sp_ua *ua, const struct sp__ua_ood_params *p)
{
	struct sp__ua_ood *o = sp_mem_zalloc(sizeof(*o), ood_free);
	int rc;

	if (!o)
		return -ENOMEM;
	o->ua = ua;
	snprintf(o->method, sizeof(o->method), "%s", p->method);
	snprintf(o->ruri, sizeof(o->ruri), "%s", p->ruri);
	snprintf(o->to, sizeof(o->to), "%s", p->to);
	if (p->call_id)
		snprintf(o->call_id, sizeof(o->call_id), "%s", p->call_id);
	else
		sp__ua_token(o->call_id, 24);
	if (p->from_tag)
		snprintf(o->from_tag, sizeof(o->from_tag), "%s", p->from_tag);
	else
		sp__ua_token(o->from_tag, 12);
	o->cseq = p->cseq ? p->cseq : sp_dialog_cseq_initial();
	o->auth = p->auth ? p->auth : &o->own;
	o->auth->tries = 0;
	o->cb = p->cb;
	o->arg = p->arg;
	if ((p->headers && !(o->headers = dup_mem(p->headers, strlen(p->headers)))) ||
	    (p->ctype.p && !(o->ctype = dup_mem(p->ctype.p, p->ctype.len))) ||
	    (p->body.p && !(o->body = dup_mem(p->body.p, p->body.len)))) {
		sp_mem_deref(o);
		return -ENOMEM;
	}
	o->body_len = p->body.len;
	rc = send_req(o);
	if (rc) {
		sp_mem_deref(o);
		return rc;
	}
	ua->nood++;
	o->counted = true;
	o->next = ua->oods;
	ua->oods = o;
	if (out)
		*out = o; /* borrowed: valid until the callback returns */
	return 0;
}

uint32_t sp__ua_ood_cseq(const struct sp__ua_ood *o)
{
	return o->cseq;
}

void sp__ua_ood_release_all(struct sp_ua *ua, bool before_layer)
{
	for (struct sp__ua_ood *o = ua->oods; o; o = o->next)
		o->t = sp_mem_deref(o->t);
	if (before_layer)
		return;
	while (ua->oods) {
		struct sp__ua_ood *o = ua->oods;
		ua->oods = o->next;
		ua->nood--;
		o->counted = false;
		if (o->free_arg)
			sp_free(o->arg);
		sp_mem_deref(o);
	}
}

/* ---- sp_ua_request ---- */

struct req_ctx {
	struct sp_ua *ua;
	sp_ua_response_cb cb;
	void *arg;
};

static void req_done(struct sp__ua_ood *o, unsigned status, const struct sp_msg *resp, void *arg)
{
	struct req_ctx *r = arg;
	(void)o;
	if (r->cb)
		r->cb(r->ua, status, resp, r->arg);
	sp_free(r);
}

int sp_ua_request(struct sp_ua *ua, const char *method, const char *target,
		  struct sp_str content_type, struct sp_str body, sp_ua_response_cb cb, void *arg)
{
	char ruri[UA_STR_MAX], to[UA_STR_MAX + 2];
	struct sp_str m = sp_str_c(method);
	enum sp_method id = sp_method_lookup(m);
	int rc;

	if (!m.len || id == SP_METHOD_INVITE || id == SP_METHOD_ACK || id == SP_METHOD_CANCEL ||
	    id == SP_METHOD_REGISTER || id == SP_METHOD_BYE)
		return -EINVAL;
	rc = sp__ua_target(ua, target, ruri, sizeof(ruri));
	if (rc)
		return rc;
	snprintf(to, sizeof(to), "<%s>", ruri);
	struct req_ctx *r = sp_malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct req_ctx){ ua, cb, arg };
	struct sp__ua_ood_params p = {
		.method = method,
		.ruri = ruri,
		.to = to,
		.headers = id == SP_METHOD_OPTIONS ? "Accept: application/sdp\r\n" : NULL,
		.ctype = content_type,
		.body = body,
		.cb = req_done,
		.arg = r,
	};
	struct sp__ua_ood *o;
	rc = sp__ua_ood_start(&o, ua, &p);
	if (rc)
		sp_free(r);
	else
		o->free_arg = true;
	return rc;
}
