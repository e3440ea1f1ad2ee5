/*
 * Responses to a parsed request: the header copying rules of RFC 3261
 * §8.2.6.2, the Via stamping of §18.2.1 and RFC 3581, and the destination
 * rules of §18.2.2. The transaction layer builds its 100 Trying here; TUs
 * and stateless elements build every other response the same way.
 */
#include <errno.h>

#include "siphon/hash.h"
#include "siphon/response.h"

/* A tag for a To without one, derived from what identifies the request
 * so every response to it (and to its retransmissions) carries the same
 * one (§8.2.6.2: "the same tag MUST be used for all responses to that
 * request"). TUs that create dialogs should pass their own random tag
 * (§19.3). */
static struct sp_str derived_tag(const struct sp_msg *req, char buf[17])
{
	struct sp_md5 c;
	uint8_t d[SP_MD5_LEN];
	uint32_t seq = req->cseq.seq;

	sp_md5_init(&c);
	sp_md5_update(&c, req->call_id.p, req->call_id.len);
	sp_md5_update(&c, "\n", 1);
	sp_md5_update(&c, req->from.tag.p, req->from.tag.len);
	sp_md5_update(&c, "\n", 1);
	sp_md5_update(&c, req->via1.branch.p, req->via1.branch.len);
	sp_md5_update(&c, &seq, sizeof(seq));
	sp_md5_final(&c, d);
	sp_hex_lower(buf, d, 8);
	buf[16] = 0;
	return (struct sp_str){ buf, 16 };
}

/* RFC 3261 §18.2.1: received is added when the sent-by host is a domain
 * name or an address other than the packet's source; RFC 3581 §4: always
 * when rport is present. */
static bool needs_received(const struct sp_via *via, const struct sp_sa *src)
{
	struct sp_sa sent;

	if (via->has_rport)
		return true;
	if (sp_sa_from_host(&sent, via->sent_by.host, 0) != 0)
		return true;
	return !sp_sa_ip_eq(&sent, src);
}

void sp_response_top_via(struct sp_wbuf *b, struct sp_str value, const struct sp_via *via,
			 const struct sp_sa *src)
{
	struct sp_str rest = via->params;
	struct sp_param prm;
	bool add_received = src && src->len && needs_received(via, src);

	sp_wbuf_put(b, "Via: ", 5);
	if (!src || !src->len || (!add_received && !via->has_rport)) {
		sp_wbuf_str(b, value);
		sp_wbuf_put(b, "\r\n", 2);
		return;
	}
	/* sent-protocol and sent-by as written, then the parameters. */
	sp_wbuf_str(b, sp_str_trim(sp_str_span(value.p, via->params.p)));
	while (sp_param_next(&rest, &prm)) {
		if (sp_str_caseeq_c(prm.name, "received"))
			continue;
		sp_wbuf_put(b, ";", 1);
		if (sp_str_caseeq_c(prm.name, "rport") && !prm.value.len) {
			sp_wbuf_str(b, prm.name);
			sp_wbuf_put(b, "=", 1);
			sp_wbuf_u64(b, sp_sa_port(src));
			continue;
		}
		sp_wbuf_str(b, prm.name);
		if (prm.value.p) {
			sp_wbuf_put(b, "=", 1);
			sp_wbuf_str(b, prm.value);
		}
	}
	if (add_received) {
		char ip[SP_SA_STRLEN];
		size_t n = sp_sa_print_ip(src, ip, sizeof(ip));
		sp_wbuf_put(b, ";received=", 10);
		sp_wbuf_put(b, ip, n);
	}
	sp_wbuf_put(b, "\r\n", 2);
}

static void copy_all(struct sp_wbuf *b, const struct sp_msg *req, enum sp_hdr_id id,
		     const char *name)
{
	for (const struct sp_hdr *h = sp_msg_hdr(req, id); h; h = sp_msg_hdr_next(req, h))
		sp_msgb_header(b, sp_str_c(name), h->value);
}

int sp_response_build(struct sp_wbuf *out, const struct sp_msg *req, const struct sp_sa *src,
		      const struct sp_response *r)
{
	const struct sp_hdr *h;
	char tagbuf[17];

	if (!req->request || !req->has_via || !req->has_from || !req->has_to ||
	    !req->has_call_id || !req->has_cseq || r->code < 100 || r->code > 699)
		return -EINVAL;

	sp_msgb_response(out, r->code, r->reason);

	/* §8.2.6.2: Via values in the same order; §18.2.1 stamps the top. */
	h = sp_msg_hdr(req, SP_HDR_VIA);
	sp_response_top_via(out, h->value, &req->via1, src);
	for (h = sp_msg_hdr_next(req, h); h; h = sp_msg_hdr_next(req, h))
		sp_msgb_header(out, SP_STR("Via"), h->value);

	/* §8.2.6.2: From, Call-ID and CSeq equal to the request's. */
	sp_msgb_header(out, SP_STR("From"), sp_msg_hdr(req, SP_HDR_FROM)->value);

	/* §8.2.6.2: To copied; a tag added unless present or 100 Trying. */
	sp_wbuf_put(out, "To: ", 4);
	sp_wbuf_str(out, sp_msg_hdr(req, SP_HDR_TO)->value);
	if (!req->to.tag.p && r->code != 100) {
		struct sp_str tag = r->to_tag.len ? r->to_tag : derived_tag(req, tagbuf);
		sp_wbuf_put(out, ";tag=", 5);
		sp_wbuf_str(out, tag);
	}
	sp_wbuf_put(out, "\r\n", 2);

	sp_msgb_header(out, SP_STR("Call-ID"), sp_msg_hdr(req, SP_HDR_CALL_ID)->value);
	sp_msgb_header(out, SP_STR("CSeq"), sp_msg_hdr(req, SP_HDR_CSEQ)->value);

	/* §8.2.6.1: a 100 (Trying) copies the Timestamp. */
	if (r->code == 100)
		copy_all(out, req, SP_HDR_TIMESTAMP, "Timestamp");

	sp_wbuf_str(out, r->headers);
	return sp_msgb_finish(out, r->content_type, r->body);
}

void sp_response_dest(const struct sp_msg *req, const struct sp_tsx_dest *src,
		      struct sp_tsx_dest *out)
{
	const struct sp_via *via = &req->via1;
	uint16_t port;
	struct sp_sa maddr;

	*out = *src;
	/* §18.2.2: reliable transports answer on the connection the request
	 * came in on. */
	if (src->tp != SP_TP_UDP && src->tp != SP_TP_OTHER)
		return;
	out->conn = src->conn;
	port = via->sent_by.has_port ? via->sent_by.port : 5060;
	/* §18.2.2: maddr (only an IP literal: names are not resolved here). */
	if (via->maddr.len && sp_sa_from_host(&maddr, via->maddr, port) == 0) {
		out->addr = maddr;
		return;
	}
	/* RFC 3581 §4: with rport, the source address and port. §18.2.2:
	 * otherwise the received address (the source, when it differs from
	 * sent-by; sent-by itself, equal to it, when not) and the sent-by
	 * port. */
	if (!via->has_rport)
		sp_sa_set_port(&out->addr, port);
}
