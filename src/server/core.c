/*
 * The UAS core (server.h): what this server answers to one request, as a
 * pure function of the parse, the validation and sp_msg_check's findings,
 * in the order of RFC 3261 §8.2; and the stateless answer to requests too
 * broken for a transaction (they failed to parse, or lack Call-ID, From
 * or To), built from whatever header values the parser could split.
 *
 * The roles: this server is a UAS, so findings for SP_ROLE_ANY and
 * SP_ROLE_UAS apply; proxy findings (483 for Max-Forwards 0, Proxy-Require)
 * and registrar findings do not (RFC 4475 zeromf, bext01, regaut01): the
 * registrar (server.c, registrar.c) applies its own rules to a REGISTER.
 */
#include <errno.h>
#include <string.h>

#include "siphon/check.h"
#include "siphon/hash.h"
#include "siphon/response.h"
#include "siphon/server.h"

/* What this UAS implements. Allow lists the methods it answers with
 * something other than 405/501 (RFC 3261 §20.5). */
#define ALLOW_VALUE "OPTIONS, REGISTER"
#define ACCEPT_VALUE "application/sdp"
#define SUPPORTED_VALUE "" /* no option tags yet: each feature adds its own */

static bool is_ack(const struct sp_msg *msg)
{
	return msg->method_id == SP_METHOD_ACK || sp_str_eq(msg->method, SP_STR("ACK"));
}

static void set(struct sp_uas_decision *d, uint16_t status, const char *why, unsigned headers)
{
	d->status = status;
	d->why = why;
	d->headers = headers;
}

/* RFC 3261 §8.2.1: method inspection. Returns true when it decided. */
static bool method_rule(const struct sp_msg *msg, struct sp_uas_decision *d)
{
	switch (msg->method_id) {
	case SP_METHOD_OPTIONS:
	case SP_METHOD_REGISTER: /* §10.3: the registrar */
		return false;
	case SP_METHOD_CANCEL:
		/* §9.2: a CANCEL matching no INVITE server transaction gets
		 * 481; this server never has one. */
		set(d, 481, "CANCEL matches no INVITE transaction", 0);
		return true;
	case SP_METHOD_OTHER:
		set(d, 501, "method not implemented", SP_UAS_ALLOW);
		return true;
	default:
		set(d, 405, "method not allowed here", SP_UAS_ALLOW);
		return true;
	}
}

void sp_uas_decide(const struct sp_uas_input *in, struct sp_uas_decision *d)
{
	const struct sp_msg *msg = in->msg;
	struct sp_finding f[32];
	size_t n;

	memset(d, 0, sizeof(*d));
	/* Responses belong to the transaction layer; one that matches no
	 * client transaction, or does not parse, is dropped (RFC 4475
	 * bcast, bigcode, scalarlg). */
	if (!msg->request) {
		set(d, 0, "response", 0);
		return;
	}
	/* §17: an ACK is never answered, however broken. */
	if (is_ack(msg)) {
		set(d, 0, "ACK", 0);
		return;
	}
	/* §18.1.1 / §21.5.14: larger than we take. */
	if (in->max_message && in->wire_len > in->max_message) {
		set(d, 513, "message larger than sip.max_message_bytes", 0);
		return;
	}
	if (in->parse_rc == -ENOMEM) {
		set(d, 0, "out of memory while parsing", 0);
		return;
	}
	if (in->parse_rc || in->validate_rc) {
		set(d, msg->error.status ? msg->error.status : 400,
		    msg->error.rule ? msg->error.rule : "malformed", 0);
		if (d->status == 501 || d->status == 405)
			d->headers = SP_UAS_ALLOW;
		return;
	}

	n = sp_msg_check(msg, f, sizeof(f) / sizeof(f[0]));
	if (n > sizeof(f) / sizeof(f[0]))
		n = sizeof(f) / sizeof(f[0]);

	/* Malformed-in-substance requests first: missing or repeated
	 * mandatory headers, a branch that is only the cookie (RFC 4475
	 * insuf, multi01, badbranch): 400 before anything looks further. */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i].role, SP_ROLE_ANY) == 0 && f[i].status == 400) {
			set(d, 400, f[i].reason, 0);
			return;
		}
	}
	/* A request to be proxied: the UAS rules below (method, Require,
	 * content) are the destination's business (RFC 3261 §16.3). */
	if (in->to_proxy) {
		set(d, 0, "proxy", 0);
		d->proxy = true;
		return;
	}
	if (method_rule(msg, d))
		return;

	/* §8.2.2 header inspection, §8.2.3 content: the first finding for
	 * this role decides; 420 lists every unsupported Require tag. */
	for (size_t i = 0; i < n; i++) {
		if (!f[i].status ||
		    (strcmp(f[i].role, SP_ROLE_ANY) != 0 && strcmp(f[i].role, SP_ROLE_UAS) != 0))
			continue;
		if (f[i].status == 420) {
			set(d, 420, f[i].reason, SP_UAS_UNSUPPORTED);
			for (size_t k = i; k < n; k++)
				if (f[k].status == 420 && strcmp(f[k].role, SP_ROLE_UAS) == 0 &&
				    d->nunsupported < SP_UAS_MAX_UNSUPPORTED)
					d->unsupported[d->nunsupported++] = f[k].detail;
			return;
		}
		set(d, f[i].status, f[i].reason, f[i].status == 415 ? SP_UAS_ACCEPT : 0);
		return;
	}
	if (msg->method_id == SP_METHOD_REGISTER) {
		set(d, 0, "REGISTER", 0);
		d->registrar = true;
		return;
	}
	/* §11.2: the OPTIONS answer says what we can do. */
	set(d, 200, "OPTIONS", SP_UAS_ALLOW | SP_UAS_ACCEPT | SP_UAS_SUPPORTED);
}

void sp_uas_headers(const struct sp_uas_decision *d, struct sp_wbuf *b)
{
	if (d->headers & SP_UAS_ALLOW)
		sp_wbuf_cstr(b, "Allow: " ALLOW_VALUE "\r\n");
	if (d->headers & SP_UAS_ACCEPT)
		sp_wbuf_cstr(b, "Accept: " ACCEPT_VALUE "\r\n"
				"Accept-Encoding: identity\r\n"
				"Accept-Language: en\r\n");
	if (d->headers & SP_UAS_SUPPORTED)
		sp_wbuf_cstr(b, "Supported: " SUPPORTED_VALUE "\r\n");
	if ((d->headers & SP_UAS_UNSUPPORTED) && d->nunsupported) {
		sp_wbuf_cstr(b, "Unsupported: ");
		for (unsigned i = 0; i < d->nunsupported; i++) {
			if (i)
				sp_wbuf_cstr(b, ", ");
			sp_wbuf_str(b, d->unsupported[i]);
		}
		sp_wbuf_cstr(b, "\r\n");
	}
}

/* ---- stateless answers to broken requests -------------------------------- */

bool sp_uas_answerable(const struct sp_msg *msg)
{
	return msg->request && msg->hdrs && sp_msg_hdr(msg, SP_HDR_VIA) &&
	       sp_msg_hdr(msg, SP_HDR_CSEQ);
}

static void copy_first(struct sp_wbuf *b, const struct sp_msg *msg, enum sp_hdr_id id,
		       const char *name)
{
	const struct sp_hdr *h = sp_msg_hdr(msg, id);
	if (h)
		sp_msgb_header(b, sp_str_c(name), h->value);
}

int sp_uas_build_raw(struct sp_wbuf *out, const struct sp_msg *msg, const struct sp_sa *src,
		     unsigned status, struct sp_str extra)
{
	const struct sp_hdr *h;

	if (!sp_uas_answerable(msg) || status < 100 || status > 699)
		return -EINVAL;
	sp_msgb_response(out, status, NULL);

	/* §8.2.6.2: the Via values in order, the top one stamped. When
	 * some Via value does not decode, the Via lines are echoed exactly
	 * as received instead: splitting a broken list could change it. */
	bool vias_ok = msg->has_via && src && src->len;
	union sp_hdr_parsed v;
	h = sp_msg_hdr(msg, SP_HDR_VIA);
	for (const struct sp_hdr *k = sp_msg_hdr_next(msg, h); k && vias_ok;
	     k = sp_msg_hdr_next(msg, k))
		vias_ok = sp_via_parse(&v.via, k->value, NULL) == 0;
	if (vias_ok) {
		sp_response_top_via(out, h->value, &msg->via1, src);
		for (h = sp_msg_hdr_next(msg, h); h; h = sp_msg_hdr_next(msg, h))
			sp_msgb_header(out, SP_STR("Via"), h->value);
	} else {
		for (unsigned i = 0; i < msg->nlines; i++) {
			if (msg->lines[i].id != SP_HDR_VIA)
				continue;
			sp_wbuf_str(out, msg->lines[i].raw);
			sp_wbuf_put(out, "\r\n", 2);
		}
	}

	copy_first(out, msg, SP_HDR_FROM, "From");
	h = sp_msg_hdr(msg, SP_HDR_TO);
	if (h) {
		sp_wbuf_cstr(out, "To: ");
		sp_wbuf_str(out, h->value);
		/* §8.2.6.2: a tag, the same for every retransmission. */
		if (msg->has_to && !msg->to.tag.p && status != 100) {
			uint8_t dg[SP_MD5_LEN];
			char tag[17];
			struct sp_md5 c;
			const struct sp_hdr *cid = sp_msg_hdr(msg, SP_HDR_CALL_ID);
			const struct sp_hdr *cseq = sp_msg_hdr(msg, SP_HDR_CSEQ);
			const struct sp_hdr *via = sp_msg_hdr(msg, SP_HDR_VIA);
			sp_md5_init(&c);
			if (cid)
				sp_md5_update(&c, cid->value.p, cid->value.len);
			sp_md5_update(&c, "\n", 1);
			sp_md5_update(&c, cseq->value.p, cseq->value.len);
			sp_md5_update(&c, "\n", 1);
			sp_md5_update(&c, via->value.p, via->value.len);
			sp_md5_final(&c, dg);
			for (int i = 0; i < 8; i++) {
				tag[2 * i] = "0123456789abcdef"[dg[i] >> 4];
				tag[2 * i + 1] = "0123456789abcdef"[dg[i] & 15];
			}
			sp_wbuf_cstr(out, ";tag=");
			sp_wbuf_put(out, tag, 16);
		}
		sp_wbuf_put(out, "\r\n", 2);
	}
	copy_first(out, msg, SP_HDR_CALL_ID, "Call-ID");
	copy_first(out, msg, SP_HDR_CSEQ, "CSeq");
	sp_wbuf_str(out, extra);
	return sp_msgb_finish(out, SP_STR_NULL, SP_STR_NULL);
}

int sp_uas_reply(struct sp_wbuf *out, const struct sp_msg *msg, const struct sp_sa *src,
		 const struct sp_uas_decision *d, const char *server_name)
{
	char hbuf[1024];
	struct sp_wbuf hb;
	size_t mark = out->len;
	int rc;

	if (!d->status)
		return -EINVAL;
	sp_wbuf_init(&hb, hbuf, sizeof(hbuf));
	sp_uas_headers(d, &hb);
	if (server_name && *server_name) {
		sp_wbuf_cstr(&hb, "Server: ");
		sp_wbuf_cstr(&hb, server_name);
		sp_wbuf_cstr(&hb, "\r\n");
	}
	if (hb.overflow)
		return -ENOSPC;
	struct sp_response r = {
		.code = d->status,
		.headers = (struct sp_str){ hb.p, hb.len },
	};
	rc = sp_response_build(out, msg, src, &r);
	if (rc != -EINVAL)
		return rc;
	out->len = mark;
	out->overflow = false;
	return sp_uas_build_raw(out, msg, src, d->status, r.headers);
}
