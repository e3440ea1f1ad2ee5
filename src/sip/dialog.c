/*
 * The dialog object (RFC 3261 §12): creation on the UAC side (§12.1.2)
 * and the UAS side (§12.1.1), confirmation of early dialogs by a 2xx
 * (§13.2.2.4), target refresh (§12.2.1.2, §12.2.2), the remote CSeq rules
 * for received requests (§12.2.2) and the accessors. Everything a dialog
 * keeps is copied out of the messages it is given: the identity and URIs
 * in one allocation made at creation, the remote target and the route set
 * each in their own, replaced whole so that a failed update changes
 * nothing (§12.2.2: requests are atomic).
 */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "dialog_int.h"

/* ---- small helpers ----------------------------------------------------------- */

bool sp_dialog_creating_method(enum sp_method m)
{
	/* RFC 3261 §12.1, RFC 6665 §4.1.2.1, RFC 3515 §2. */
	return m == SP_METHOD_INVITE || m == SP_METHOD_SUBSCRIBE || m == SP_METHOD_REFER;
}

bool sp_dialog_target_refresh_method(enum sp_method m)
{
	/* RFC 3261 §12.2 (re-INVITE), RFC 3311 §5.1, RFC 6665 §3.1, §3.2. */
	return m == SP_METHOD_INVITE || m == SP_METHOD_UPDATE || m == SP_METHOD_SUBSCRIBE ||
	       m == SP_METHOD_NOTIFY;
}

uint32_t sp_dialog_cseq_initial(void)
{
	uint32_t v;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (uint32_t)ts.tv_nsec * 2654435761u ^ (uint32_t)ts.tv_sec;
	}
	/* RFC 3261 §8.1.1.5: below 2^31; [1, 2^30] leaves 2^30 increments. */
	return 1 + (v & ((1u << 30) - 1));
}

static bool tag_eq(struct sp_str a, struct sp_str b)
{
	return sp_str_eq(sp__dlg_tag(a), sp__dlg_tag(b));
}

bool sp__dlg_id_match(const struct sp_dialog *d, const struct sp_msg *msg, bool uas_view)
{
	if (!msg->has_call_id || !msg->has_from || !msg->has_to ||
	    !sp_str_eq(msg->call_id, d->call_id))
		return false;
	const struct sp_nameaddr *local = uas_view ? &msg->to : &msg->from;
	const struct sp_nameaddr *remote = uas_view ? &msg->from : &msg->to;
	return tag_eq(local->tag, d->local_tag) && tag_eq(remote->tag, d->remote_tag);
}

/* The first Contact of m as a remote target: 0 and *uri (a slice of m),
 * -ENOENT if m has none, -EBADMSG if it is '*', unparsable or not a SIP
 * or SIPS URI (RFC 3261 §12.1.1: "MUST be a SIP or SIPS URI"). */
static int contact_uri(const struct sp_msg *m, struct sp_str *uri)
{
	const struct sp_hdr *h = sp_msg_hdr(m, SP_HDR_CONTACT);
	if (!h)
		return -ENOENT;
	struct sp_nameaddr na;
	if (sp_nameaddr_parse(&na, h->value, SP_NA_STAR, NULL) != 0 || na.star)
		return -EBADMSG;
	if (na.uri.scheme != SP_URI_SIP && na.uri.scheme != SP_URI_SIPS)
		return -EBADMSG;
	*uri = na.uri_raw;
	return 0;
}

/* RFC 3261 §12.1.1, §12.1.2: the route set from m's Record-Route values,
 * in order (UAS) or reversed (UAC), every value kept as written (URI
 * parameters and header parameters included). *out is NULL for an empty
 * set. Returns 0, -EBADMSG (a value that is not a SIP/SIPS name-addr) or
 * -ENOMEM. */
static int route_set(const struct sp_msg *m, bool reverse, struct sp__dlg_routes **out)
{
	unsigned n = 0;
	size_t bytes = 0;
	for (const struct sp_hdr *h = sp_msg_hdr(m, SP_HDR_RECORD_ROUTE); h;
	     h = sp_msg_hdr_next(m, h)) {
		struct sp_nameaddr na;
		if (sp_nameaddr_parse(&na, h->value, SP_NA_ANGLE, NULL) != 0 ||
		    (na.uri.scheme != SP_URI_SIP && na.uri.scheme != SP_URI_SIPS))
			return -EBADMSG;
		n++;
		bytes += h->value.len;
	}
	if (n == 0) {
		*out = NULL;
		return 0;
	}
	struct sp__dlg_routes *r = sp_malloc(sizeof(*r) + n * sizeof(r->v[0]) + bytes);
	if (!r)
		return -ENOMEM;
	r->n = n;
	char *p = (char *)&r->v[n];
	unsigned i = 0;
	for (const struct sp_hdr *h = sp_msg_hdr(m, SP_HDR_RECORD_ROUTE); h;
	     h = sp_msg_hdr_next(m, h), i++) {
		unsigned k = reverse ? n - 1 - i : i;
		memcpy(p, h->value.p, h->value.len);
		r->v[k] = (struct sp_str){ p, h->value.len };
		p += h->value.len;
	}
	*out = r;
	return 0;
}

/* A heap copy of s (NULL with *copy absent when s is absent). */
static int copy_str(struct sp_str s, char **mem, struct sp_str *copy)
{
	if (!s.p) {
		*mem = NULL;
		*copy = SP_STR_NULL;
		return 0;
	}
	char *p = sp_malloc(s.len ? s.len : 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, s.p, s.len);
	*mem = p;
	*copy = (struct sp_str){ p, s.len };
	return 0;
}

static struct sp_str put(char **cur, struct sp_str s)
{
	if (!s.p)
		return SP_STR_NULL;
	struct sp_str r = { *cur, s.len };
	if (s.len)
		memcpy(*cur, s.p, s.len);
	*cur += s.len;
	return r;
}

static void dialog_destroy(void *obj)
{
	struct sp_dialog *d = obj;
	sp_free(d->fixed_mem);
	sp_free(d->target_mem);
	sp_free(d->routes);
}

/* What a new dialog is made of: slices into the creating messages. */
struct dlg_parts {
	bool uac, secure, early, has_local_seq;
	uint32_t local_seq;
	int64_t remote_seq;
	struct sp_str call_id, local_tag, remote_tag;
	const struct sp_nameaddr *local, *remote;
	struct sp_str local_contact, target;
	const struct sp_msg *rr_from; /* the message whose Record-Route makes the route set */
};

static int dialog_new(struct sp_dialog **out, const struct dlg_parts *pp)
{
	struct sp__dlg_routes *routes;
	int rc = route_set(pp->rr_from, pp->uac, &routes);
	if (rc)
		return rc;
	struct sp_str lt = sp__dlg_tag(pp->local_tag), rt = sp__dlg_tag(pp->remote_tag);
	size_t n = pp->call_id.len + lt.len + rt.len + pp->local->display.len +
		   pp->local->uri_raw.len + pp->remote->display.len + pp->remote->uri_raw.len +
		   pp->local_contact.len;
	struct sp_dialog *d = sp_mem_zalloc(sizeof(*d), dialog_destroy);
	char *fixed = sp_malloc(n ? n : 1);
	char *tmem = NULL;
	struct sp_str target = SP_STR_NULL;
	if (!d || !fixed || copy_str(pp->target, &tmem, &target) != 0) {
		sp_free(routes);
		sp_free(fixed);
		sp_mem_deref(d);
		return -ENOMEM;
	}
	char *cur = fixed;
	d->fixed_mem = fixed;
	d->call_id = put(&cur, pp->call_id);
	d->local_tag = put(&cur, lt);
	d->remote_tag = put(&cur, rt);
	d->local_display = put(&cur, pp->local->display);
	d->local_uri = put(&cur, pp->local->uri_raw);
	d->remote_display = put(&cur, pp->remote->display);
	d->remote_uri = put(&cur, pp->remote->uri_raw);
	d->local_contact = put(&cur, pp->local_contact);
	d->target_mem = tmem;
	d->target = target;
	d->routes = routes;
	d->state = pp->early ? SP_DIALOG_EARLY : SP_DIALOG_CONFIRMED;
	d->uac = pp->uac;
	d->secure = pp->secure;
	d->has_local_seq = pp->has_local_seq;
	d->local_seq = pp->local_seq;
	d->remote_seq = pp->remote_seq;
	*out = d;
	return 0;
}

static bool has_basics(const struct sp_msg *m)
{
	return m->has_call_id && m->has_from && m->has_to && m->has_cseq;
}

/* The pair (request, response) belongs together and the response may
 * create a dialog (RFC 3261 §12.1): 101-199 with a To tag for INVITE, or
 * 2xx. */
static bool creating_pair(const struct sp_msg *req, const struct sp_msg *resp)
{
	if (!req || !resp || !req->request || resp->request || !has_basics(req) ||
	    !has_basics(resp) || !sp_dialog_creating_method(req->method_id))
		return false;
	if (resp->status >= 101 && resp->status <= 199) {
		if (req->method_id != SP_METHOD_INVITE || !resp->to.tag.p)
			return false;
	} else if (resp->status < 200 || resp->status > 299) {
		return false;
	}
	return sp_str_eq(req->call_id, resp->call_id) && resp->cseq.seq == req->cseq.seq &&
	       resp->cseq.method_id == req->method_id && tag_eq(req->from.tag, resp->from.tag);
}

/* The Contact a message local to us carried, as written (p == NULL if
 * none). */
static struct sp_str contact_value(const struct sp_msg *m)
{
	const struct sp_hdr *h = sp_msg_hdr(m, SP_HDR_CONTACT);
	return h ? h->value : SP_STR_NULL;
}

int sp_dialog_create_uac(struct sp_dialog **out, const struct sp_msg *req,
			 const struct sp_msg *resp, bool tls)
{
	if (!out || !creating_pair(req, resp) || !req->from.tag.p)
		return -EINVAL;
	struct dlg_parts pp = {
		.uac = true,
		/* RFC 3261 §12.1.2: sent over TLS with a SIPS Request-URI. */
		.secure = tls && req->ruri.scheme == SP_URI_SIPS,
		.early = resp->status < 200,
		/* §12.1.2: local = the request's CSeq, remote empty. */
		.has_local_seq = true,
		.local_seq = req->cseq.seq,
		.remote_seq = -1,
		.call_id = req->call_id,
		.local_tag = req->from.tag,
		.remote_tag = resp->to.tag,
		.local = &req->from,
		.remote = &resp->to,
		.local_contact = contact_value(req),
		.rr_from = resp,
	};
	int rc = contact_uri(resp, &pp.target);
	/* A 1xx may lack a Contact: the early dialog waits for a target. */
	if (rc == -ENOENT && resp->status < 200)
		rc = 0;
	else if (rc == -ENOENT)
		rc = -EBADMSG;
	if (rc)
		return rc;
	return dialog_new(out, &pp);
}

int sp_dialog_create_uas(struct sp_dialog **out, const struct sp_msg *req,
			 const struct sp_msg *resp, bool tls)
{
	/* §12.1.1: the response "always includes a tag"; the request is
	 * outside a dialog, so its To has none. */
	if (!out || !creating_pair(req, resp) || req->to.tag.p || !resp->to.tag.p ||
	    !resp->to.tag.len)
		return -EINVAL;
	struct dlg_parts pp = {
		.uac = false,
		/* RFC 3261 §12.1.1: arrived over TLS with a SIPS Request-URI. */
		.secure = tls && req->ruri.scheme == SP_URI_SIPS,
		.early = resp->status < 200,
		/* §12.1.1: remote = the request's CSeq, local empty. */
		.has_local_seq = false,
		.remote_seq = req->cseq.seq,
		.call_id = req->call_id,
		.local_tag = resp->to.tag,
		.remote_tag = req->from.tag,
		.local = &req->to,
		.remote = &req->from,
		.local_contact = contact_value(resp),
		.rr_from = req,
	};
	int rc = contact_uri(req, &pp.target);
	if (rc)
		return rc == -ENOENT ? -EBADMSG : rc;
	return dialog_new(out, &pp);
}

/* Replaces the remote target with uri (copied). */
static int set_target(struct sp_dialog *d, struct sp_str uri)
{
	char *mem;
	struct sp_str copy;
	if (copy_str(uri, &mem, &copy) != 0)
		return -ENOMEM;
	sp_free(d->target_mem);
	d->target_mem = mem;
	d->target = copy;
	return 0;
}

int sp_dialog_confirm(struct sp_dialog *d, const struct sp_msg *resp)
{
	if (!d || !resp || resp->request || d->state == SP_DIALOG_TERMINATED ||
	    resp->status < 200 || resp->status > 299 || !resp->has_cseq ||
	    !sp_dialog_creating_method(resp->cseq.method_id) || !sp__dlg_id_match(d, resp, !d->uac))
		return -EINVAL;
	if (d->state == SP_DIALOG_CONFIRMED)
		return 0;
	if (d->uac) {
		/* RFC 3261 §13.2.2.4: "the route set for the dialog MUST be
		 * recomputed based on the 2xx response"; the 2xx answers a
		 * target refresh request (§12.2.1.2), so its Contact is the
		 * remote target. Both are built before anything changes. */
		struct sp_str uri;
		int rc = contact_uri(resp, &uri);
		if (rc)
			return rc == -ENOENT ? -EBADMSG : rc;
		struct sp__dlg_routes *routes;
		if ((rc = route_set(resp, true, &routes)) != 0)
			return rc;
		if ((rc = set_target(d, uri)) != 0) {
			sp_free(routes);
			return rc;
		}
		sp_free(d->routes);
		d->routes = routes;
	}
	d->state = SP_DIALOG_CONFIRMED;
	return 0;
}

void sp_dialog_terminate(struct sp_dialog *d)
{
	if (d)
		d->state = SP_DIALOG_TERMINATED;
}

/* ---- received requests and target refresh (§12.2) ------------------------------ */

int sp_dialog_rx_request(struct sp_dialog *d, const struct sp_msg *req)
{
	if (!d || !req || !req->request || !req->has_cseq || !sp__dlg_id_match(d, req, true))
		return -EINVAL;
	if (d->state == SP_DIALOG_TERMINATED)
		return -ESTALE;
	/* RFC 3261 §12.2.1.1: ACK and CANCEL carry the INVITE's number. */
	if (req->method_id == SP_METHOD_ACK || req->method_id == SP_METHOD_CANCEL)
		return 0;
	/* §12.2.2: empty: take it; lower (or equal: not "greater", so not
	 * in order): 500 and no state change; greater: take it. */
	if (d->remote_seq >= 0 && (int64_t)req->cseq.seq <= d->remote_seq)
		return SP_DIALOG_OUT_OF_ORDER;
	d->remote_seq = req->cseq.seq;
	return 0;
}

int sp_dialog_target_refresh(struct sp_dialog *d, const struct sp_msg *msg)
{
	if (!d || !msg || !msg->has_cseq || d->state == SP_DIALOG_TERMINATED)
		return -EINVAL;
	if (msg->request) {
		/* RFC 3261 §12.2.2: a target refresh request received. */
		if (!sp_dialog_target_refresh_method(msg->method_id) ||
		    !sp__dlg_id_match(d, msg, true))
			return -EINVAL;
	} else {
		/* §12.2.1.2: a 2xx to a target refresh request sent. */
		if (msg->status < 200 || msg->status > 299 ||
		    !sp_dialog_target_refresh_method(msg->cseq.method_id) ||
		    !sp__dlg_id_match(d, msg, false))
			return -EINVAL;
	}
	struct sp_str uri;
	int rc = contact_uri(msg, &uri);
	if (rc == -ENOENT)
		return 0; /* "if present" */
	if (rc)
		return rc;
	return set_target(d, uri);
}

/* ---- accessors ---------------------------------------------------------------- */

enum sp_dialog_state sp_dialog_state(const struct sp_dialog *d)
{
	return d->state;
}

struct sp_dialog_id sp_dialog_id(const struct sp_dialog *d)
{
	return (struct sp_dialog_id){ d->call_id, d->local_tag, d->remote_tag };
}

bool sp_dialog_is_uac(const struct sp_dialog *d)
{
	return d->uac;
}

bool sp_dialog_secure(const struct sp_dialog *d)
{
	return d->secure;
}

struct sp_str sp_dialog_local_uri(const struct sp_dialog *d, struct sp_str *display)
{
	if (display)
		*display = d->local_display;
	return d->local_uri;
}

struct sp_str sp_dialog_remote_uri(const struct sp_dialog *d, struct sp_str *display)
{
	if (display)
		*display = d->remote_display;
	return d->remote_uri;
}

struct sp_str sp_dialog_remote_target(const struct sp_dialog *d)
{
	return d->target;
}

struct sp_str sp_dialog_local_contact(const struct sp_dialog *d)
{
	return d->local_contact;
}

unsigned sp_dialog_route_count(const struct sp_dialog *d)
{
	return d->routes ? d->routes->n : 0;
}

struct sp_str sp_dialog_route(const struct sp_dialog *d, unsigned i)
{
	return d->routes && i < d->routes->n ? d->routes->v[i] : SP_STR_NULL;
}

bool sp_dialog_local_cseq(const struct sp_dialog *d, uint32_t *seq)
{
	if (d->has_local_seq && seq)
		*seq = d->local_seq;
	return d->has_local_seq;
}

int64_t sp_dialog_remote_cseq(const struct sp_dialog *d)
{
	return d->remote_seq;
}

int sp_dialog_set_local_cseq(struct sp_dialog *d, uint32_t seq)
{
	if (!d || seq >= (1u << 31))
		return -EINVAL;
	d->local_seq = seq;
	d->has_local_seq = true;
	return 0;
}
