/*
 * Requests within a dialog (RFC 3261 §12.2.1.1): the Request-URI and Route
 * header from the remote target and route set (loose and strict routing),
 * From/To/Call-ID from the dialog ID and URIs, the CSeq from the local
 * sequence number, Contact for target refresh requests, and the ACK for a
 * 2xx (§13.2.2.4). The request is printed with the builder of print.h
 * into the caller's buffer; the caller supplies the top Via with the
 * branch the transaction layer expects (sp_tsx_branch, sp_tsx_request).
 */
#include <errno.h>

#include "dialog_int.h"

/* The first route's name-addr (validated when the route set was made). */
static void first_route(const struct sp_dialog *d, struct sp_nameaddr *na)
{
	int rc = sp_nameaddr_parse(na, d->routes->v[0], SP_NA_ANGLE, NULL);
	(void)rc; /* route_set() accepted it */
}

/* Writes uri as a Request-URI: RFC 3261 §12.2.1.1 "stripping any
 * parameters that are not allowed in a Request-URI", which the table of
 * §19.1.1 names: the method parameter and the headers. */
static void put_ruri(struct sp_wbuf *b, const struct sp_uri *uri)
{
	const char *end = uri->raw.p + uri->raw.len;
	if (uri->params.p)
		end = uri->params.p;
	else if (uri->headers.p)
		end = uri->headers.p - 1;
	sp_wbuf_put(b, uri->raw.p, (size_t)(end - uri->raw.p));
	struct sp_str rest = uri->params;
	struct sp_param prm;
	while (sp_param_next(&rest, &prm)) {
		if (sp_str_caseeq_c(prm.name, "method"))
			continue;
		sp_wbuf_put(b, ";", 1);
		sp_wbuf_str(b, prm.name);
		if (prm.value.p) {
			sp_wbuf_put(b, "=", 1);
			sp_wbuf_str(b, prm.value);
		}
	}
}

/* "Name: display <uri>;tag=tag" (tag omitted when null, §12.2.1.1). */
static void put_party(struct sp_wbuf *b, const char *name, struct sp_str display, struct sp_str uri,
		      struct sp_str tag)
{
	sp_wbuf_cstr(b, name);
	if (display.len) {
		sp_wbuf_str(b, display);
		sp_wbuf_put(b, " ", 1);
	}
	sp_wbuf_put(b, "<", 1);
	sp_wbuf_str(b, uri);
	sp_wbuf_put(b, ">", 1);
	if (tag.len) {
		sp_wbuf_put(b, ";tag=", 5);
		sp_wbuf_str(b, tag);
	}
	sp_wbuf_put(b, "\r\n", 2);
}

/* True when the route set's first URI lacks lr: a strict router
 * (§12.2.1.1); *first is then its name-addr. */
static bool strict_route(const struct sp_dialog *d, struct sp_nameaddr *first)
{
	if (!sp_dialog_route_count(d))
		return false;
	first_route(d, first);
	return !first->uri.lr;
}

/* Request-Line (§12.2.1.1): the remote target, or the strict router. */
static void put_request_line(struct sp_wbuf *b, const struct sp_dialog *d, struct sp_str method)
{
	struct sp_nameaddr first;
	sp_wbuf_str(b, method);
	sp_wbuf_put(b, " ", 1);
	if (strict_route(d, &first)) {
		put_ruri(b, &first.uri);
	} else {
		struct sp_uri target;
		if (sp_uri_parse(&target, d->target, 0, NULL) == 0)
			put_ruri(b, &target);
		else
			sp_wbuf_str(b, d->target);
	}
	sp_wbuf_put(b, " SIP/2.0\r\n", 10);
}

/* Route (§12.2.1.1): the route set in order (loose), or the rest of it
 * followed by the remote target (strict); none for an empty set. */
static void put_route(struct sp_wbuf *b, const struct sp_dialog *d)
{
	struct sp_nameaddr first;
	unsigned n = sp_dialog_route_count(d);
	bool strict = strict_route(d, &first);
	unsigned from = strict ? 1 : 0;
	if (n == 0)
		return;
	sp_wbuf_put(b, "Route: ", 7);
	for (unsigned i = from; i < n; i++) {
		if (i > from)
			sp_wbuf_put(b, ", ", 2);
		sp_wbuf_str(b, d->routes->v[i]);
	}
	if (strict) {
		if (n > 1)
			sp_wbuf_put(b, ", ", 2);
		sp_wbuf_put(b, "<", 1);
		sp_wbuf_str(b, d->target);
		sp_wbuf_put(b, ">", 1);
	}
	sp_wbuf_put(b, "\r\n", 2);
}

/* The whole request; contact.p == NULL: no Contact. */
static int build(const struct sp_dialog *d, struct sp_str method, uint32_t seq,
		 const struct sp_dialog_req *r, struct sp_str contact, struct sp_wbuf *out)
{
	put_request_line(out, d, method);
	sp_msgb_header(out, SP_STR("Via"), r->via);
	sp_wbuf_put(out, "Max-Forwards: 70\r\n", 18); /* §8.1.1.6 */
	put_route(out, d);
	put_party(out, "From: ", d->local_display, d->local_uri, d->local_tag);
	put_party(out, "To: ", d->remote_display, d->remote_uri, d->remote_tag);
	sp_msgb_header(out, SP_STR("Call-ID"), d->call_id);
	sp_wbuf_put(out, "CSeq: ", 6);
	sp_wbuf_u64(out, seq);
	sp_wbuf_put(out, " ", 1);
	sp_wbuf_str(out, method);
	sp_wbuf_put(out, "\r\n", 2);
	if (contact.p)
		sp_msgb_header(out, SP_STR("Contact"), contact);
	sp_wbuf_str(out, r->headers);
	return sp_msgb_finish(out, r->content_type, r->body);
}

/* What every request in d needs before anything is written. */
static int check_common(const struct sp_dialog *d, const struct sp_dialog_req *r,
			const struct sp_wbuf *out)
{
	if (!d || !r || !out || !r->via.len)
		return -EINVAL;
	if (d->state == SP_DIALOG_TERMINATED)
		return -ESTALE;
	if (!d->target.p)
		return -EDESTADDRREQ;
	return 0;
}

/* The Contact to print: given, or the dialog's in a target refresh
 * request. A secure dialog requires a SIPS URI (§12.2.1.1). */
static int pick_contact(const struct sp_dialog *d, const struct sp_dialog_req *r, bool refresh,
			struct sp_str *contact)
{
	*contact = r->contact.len ? r->contact : refresh ? d->local_contact : SP_STR_NULL;
	if (!contact->p)
		return 0;
	struct sp_nameaddr na;
	if (sp_nameaddr_parse(&na, *contact, 0, NULL) != 0 ||
	    (d->secure && na.uri.scheme != SP_URI_SIPS))
		return -EINVAL;
	return 0;
}

int sp_dialog_request(struct sp_dialog *d, const struct sp_dialog_req *r, struct sp_wbuf *out,
		      uint32_t *cseq)
{
	int rc = check_common(d, r, out);
	if (rc)
		return rc;
	if (!r->method.len || sp_token_parse(r->method, NULL) != 0)
		return -EINVAL;
	enum sp_method m = sp_method_lookup(r->method);
	if (m == SP_METHOD_ACK || m == SP_METHOD_CANCEL)
		return -EINVAL;
	struct sp_str contact;
	if ((rc = pick_contact(d, r, sp_dialog_target_refresh_method(m), &contact)) != 0)
		return rc;

	/* §12.2.1.1: local + 1, or an initial value (§8.1.1.5) when empty. */
	uint32_t seq;
	if (d->has_local_seq) {
		if (d->local_seq >= (1u << 31) - 1)
			return -EOVERFLOW;
		seq = d->local_seq + 1;
	} else {
		seq = sp_dialog_cseq_initial();
	}
	if ((rc = build(d, r->method, seq, r, contact, out)) != 0)
		return rc;
	d->local_seq = seq;
	d->has_local_seq = true;
	if (cseq)
		*cseq = seq;
	return 0;
}

int sp_dialog_ack(const struct sp_dialog *d, uint32_t invite_cseq, const struct sp_dialog_req *r,
		  struct sp_wbuf *out)
{
	int rc = check_common(d, r, out);
	if (rc)
		return rc;
	struct sp_str contact;
	if ((rc = pick_contact(d, r, false, &contact)) != 0)
		return rc;
	/* RFC 3261 §13.2.2.4: the INVITE's sequence number, method ACK. */
	return build(d, SP_STR("ACK"), invite_cseq, r, contact, out);
}

int sp_dialog_next_hop(const struct sp_dialog *d, struct sp_uri *uri)
{
	/* RFC 3261 §8.1.2: the first Route value, else the Request-URI;
	 * under strict routing the first route is the Request-URI. */
	if (sp_dialog_route_count(d)) {
		struct sp_nameaddr na;
		first_route(d, &na);
		*uri = na.uri;
		return 0;
	}
	if (!d->target.p || sp_uri_parse(uri, d->target, 0, NULL) != 0)
		return -EDESTADDRREQ;
	return 0;
}
