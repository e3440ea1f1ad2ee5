/*
 * Requests sent within a dialog (RFC 3261 §12.2.1.1), and the digest
 * retry every one of them gets (§22.2, §22.3): a BYE, INFO, REFER,
 * NOTIFY, UPDATE or PRACK answered 401 or 407 is sent once more with
 * credentials (a new CSeq, a new branch) without its owner noticing; only
 * the retry's responses reach the owner's handler. The re-INVITE handles
 * its challenges itself (its ACK repeats the credentials, ua_reinvite.c).
 * Credentials of a challenge held by the call are sent with every request
 * of its dialog (§22.3: a UA may answer a realm pre-emptively).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/mem.h"

#include "ua_int.h"

/* A non-INVITE request in flight: what it takes to send it again. */
struct dreq {
	struct sp_ua_call *c; /* owns slot; outlives the request (slots are
			       * dropped before a call goes) */
	struct sp_dialog *d;  /* referenced */
	struct sp_tsx **slot; /* the owner's transaction slot */
	sp_tsx_event_cb cb;   /* the owner's handler */
	void *arg;
	bool retried;	      /* a challenge was answered */
	bool in_cb, dropped;  /* the owner dropped the slot from its handler */
	struct sp_str method, contact, headers, ctype, body; /* into buf */
	char buf[];
};

static void dreq_event(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg);

static void dreq_free(void *obj)
{
	struct dreq *q = obj;
	sp_mem_deref(q->d);
}

static struct sp_str keep(char **p, struct sp_str s)
{
	struct sp_str out = { *p, s.len };
	if (s.len)
		memcpy(*p, s.p, s.len);
	*p += s.len;
	return out;
}

/* Prints q with a new branch (and credentials when the call holds a
 * challenge) and starts its transaction in *q->slot. */
static int dreq_send(struct sp_ua *ua, struct dreq *q, uint32_t *cseq)
{
	struct sp_ua_call *c = q->c;
	struct sp_tsx_dest dest;
	struct sp_wbuf b, hb;
	char via[160], hdrs[UA_STR_MAX * 8];
	int rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		return rc;
	sp_wbuf_init(&hb, hdrs, sizeof(hdrs));
	rc = sp__ua_auth_write(&c->auth, &hb, q->method, sp_dialog_remote_target(q->d),
			       sp_str_c(ua->auth_user), sp_str_c(ua->password), NULL);
	if (rc)
		return rc;
	sp_wbuf_put(&hb, q->headers.p, q->headers.len);
	if (hb.overflow)
		return -ENOSPC;
	struct sp_dialog_req r = {
		.method = q->method,
		.via = sp_str_c(via),
		.contact = q->contact,
		.headers = { hdrs, hb.len },
		.content_type = q->ctype,
		.body = q->body,
	};
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	rc = sp_dialog_request(q->d, &r, &b, cseq);
	if (rc == 0)
		rc = sp__ua_dialog_dest(ua, q->d, &dest);
	if (rc)
		return rc;
	if (*q->slot) { /* the challenged one, or an older one the owner kept */
		void *old;
		if (sp_tsx_handler(*q->slot, &old) == dreq_event && old != q)
			sp__ua_dialog_detach(*q->slot);
		sp_tsx_set_handler(*q->slot, NULL, NULL);
		*q->slot = sp_mem_deref(*q->slot);
	}
	return sp_tsx_request(q->slot, ua->tsx, b.p, b.len, &dest, dreq_event, q);
}

static void dreq_event(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct dreq *q = arg;
	struct sp_ua *ua = q->c->ua;
	bool final = !msg || msg->status >= 200;

	/* §22.2: once with credentials; a second challenge is the answer. */
	if (msg && (msg->status == 401 || msg->status == 407) && !q->retried && ua &&
	    ua->password[0] && sp__ua_auth_take(&q->c->auth, msg) == 0) {
		q->retried = true;
		if (dreq_send(ua, q, NULL) == 0)
			return;
	}
	q->in_cb = true;
	q->cb(t, msg, err, q->arg);
	q->in_cb = false;
	if (q->dropped) {
		sp_mem_deref(q);
	} else if (final) {
		sp_tsx_set_handler(t, NULL, NULL);
		sp_mem_deref(q);
	}
}

void sp__ua_dialog_detach(struct sp_tsx *t)
{
	void *arg;
	if (sp_tsx_handler(t, &arg) != dreq_event)
		return;
	struct dreq *q = arg;
	sp_tsx_set_handler(t, NULL, NULL);
	if (q->in_cb)
		q->dropped = true; /* freed when the owner's handler returns */
	else
		sp_mem_deref(q);
}

int sp__ua_dialog_send(struct sp_ua_call *c, struct sp_dialog *d, const struct sp_dialog_req *r,
		       uint32_t *cseq, struct sp_tsx **t, sp_tsx_event_cb cb, void *arg)
{
	struct sp_ua *ua = c->ua;
	struct sp_tsx_dest dest;
	struct sp_wbuf b;

	if (sp_str_eq(r->method, SP_STR("INVITE"))) {
		sp_wbuf_init(&b, ua->out, sizeof(ua->out));
		int rc = sp_dialog_request(d, r, &b, cseq);
		if (rc == 0)
			rc = sp__ua_dialog_dest(ua, d, &dest);
		if (rc)
			return rc;
		sp__ua_drop_tsx(t);
		return sp_tsx_request(t, ua->tsx, b.p, b.len, &dest, cb, arg);
	}
	size_t n = r->method.len + r->contact.len + r->headers.len + r->content_type.len +
		   r->body.len;
	struct dreq *q = sp_mem_zalloc(sizeof(*q) + n + 1, dreq_free);
	if (!q)
		return -ENOMEM;
	char *p = q->buf;
	q->method = keep(&p, r->method);
	q->contact = keep(&p, r->contact);
	q->headers = keep(&p, r->headers);
	q->ctype = keep(&p, r->content_type);
	q->body = keep(&p, r->body);
	q->c = c;
	q->d = sp_mem_ref(d);
	q->slot = t;
	q->cb = cb;
	q->arg = arg;
	int rc = dreq_send(ua, q, cseq);
	if (rc)
		sp_mem_deref(q);
	return rc;
}
