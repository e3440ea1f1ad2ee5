/*
 * What the proxy's three modes share (proxy.h): our answers and access
 * log lines, the routing environment, where a target goes (RFC 3263
 * without DNS for now: IP literals), and the printing of one forwarded
 * request (§16.6: Via, Record-Route, Route, the stamped previous Via).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "siphon/location.h"
#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/response.h"
#include "siphon/server.h"

#include "proxy.h"

#define RR_MAX 160

uint64_t sp__proxy_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t sp__proxy_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sp__proxy_log(struct sp__proxy_worker *pw, const struct sp_tsx_dest *src,
		     const struct sp_msg *req, unsigned status, const char *why, uint64_t t0)
{
	struct sp_access a = {
	    .worker = pw->io.worker,
	    .tp = src->tp,
	    .src = &src->addr,
	    .msg = req,
	    .status = status,
	    .why = why,
	    .usec = sp__proxy_now_us() - t0,
	};
	sp_access_log(&a);
}

/* Our own response to req (an error, a redirect): in st, or statelessly
 * when st is NULL. headers: extra lines, each with CRLF. */
void sp__proxy_answer(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		   const struct sp_tsx_dest *src, unsigned status, struct sp_str headers,
		   const char *why, uint64_t t0)
{
	char hbuf[8704];
	struct sp_wbuf hb, b;
	const char *server = pw->io.cfg->server_name;
	int rc;

	if (req->method_id == SP_METHOD_ACK) {
		/* §17: an ACK is never answered. */
		sp__proxy_log(pw, src, req, 0, why, t0);
		return;
	}
	sp_wbuf_init(&hb, hbuf, sizeof(hbuf));
	sp_wbuf_str(&hb, headers);
	if (*server) {
		sp_wbuf_cstr(&hb, "Server: ");
		sp_wbuf_cstr(&hb, server);
		sp_wbuf_cstr(&hb, "\r\n");
	}
	struct sp_response r = {.code = status, .headers = {hb.p, hb.len}};
	sp_wbuf_init(&b, pw->out, SP__PROXY_OUT_CAP);
	rc = hb.overflow ? -ENOSPC : sp_response_build(&b, req, &src->addr, &r);
	if (rc == 0) {
		if (st) {
			rc = sp_tsx_respond(st, b.p, b.len);
		} else {
			struct sp_tsx_dest to;
			sp_response_dest(req, src, &to);
			rc = pw->io.send(pw->io.arg, &to, b.p, b.len);
		}
	}
	if (rc)
		SP_LOG_RL(SP_LOG_DEBUG, "proxy: response %u not sent: %s", status, strerror(-rc));
	sp__proxy_log(pw, src, req, rc ? 0 : status, why, t0);
}

/* ---- shared by the stateful and stateless paths -------------------------- */

struct sp__pxy_env sp__proxy_env(struct sp__proxy_worker *pw)
{
	return (struct sp__pxy_env){
	    .cfg = pw->io.cfg,
	    .self = pw->io.self,
	    .loc = pw->io.loc,
	    .served = pw->io.served,
	    .arg = pw->io.arg,
	    .now_ms = sp__proxy_wall_ms(),
	};
}

int sp__proxy_validate(struct sp_msg *req)
{
	/* Start line, top Via, CSeq, Call-ID, From, To, Max-Forwards and
	 * Content-Length are parsed already (msg.h); repeats of them are
	 * sp_msg_check's (the UAS core's decision). */
	static const enum sp_hdr_id used[] = {
		SP_HDR_VIA,	      /* every value: loop detection (§16.3 step 4) */
		SP_HDR_ROUTE,	      /* §16.4, §16.6 step 7 */
		SP_HDR_PROXY_REQUIRE, /* §16.3 step 5 */
	};
	return sp_msg_validate_ids(req, used, sizeof(used) / sizeof(used[0]));
}

void sp__proxy_forget(struct sp__proxy_worker *pw)
{
	pw->pre.msg = NULL;
}

/* §16.4 for req, once per message handled (see pw->pre). */
static int preprocess(struct sp__proxy_worker *pw, const struct sp_msg *req,
		      struct sp__pxy_routing *routing)
{
	if (pw->pre.msg != req) {
		pw->pre.rc = sp__pxy_preprocess(pw->io.self, req, &pw->pre.routing);
		pw->pre.msg = req;
	}
	*routing = pw->pre.routing;
	return pw->pre.rc;
}

bool sp__proxy_is_local(struct sp__proxy_worker *pw, const struct sp_msg *req)
{
	struct sp__pxy_routing routing;
	struct sp__pxy_env env = sp__proxy_env(pw);
	char domain[256];

	if (req->method_id == SP_METHOD_REGISTER)
		return true;
	if (pw->io.cfg->proxy.mode == SP_PROXY_OFF)
		return true;
	if (preprocess(pw, req, &routing) != 0)
		return true; /* a broken Route: the UAS core answers 400 */
	if (routing.next || routing.strict_fixed)
		return false;
	if (req->ruri.scheme != SP_URI_SIP && req->ruri.scheme != SP_URI_SIPS)
		return false; /* tel: and others: the proxy routes or refuses them */
	if (!req->ruri.user.len)
		return sp__pxy_uri_is_self(pw->io.self, &req->ruri) ||
		       sp__pxy_served(&env, &req->ruri, domain, sizeof(domain));
	/* RFC 3261 §11: an OPTIONS for a user of ours with no binding is
	 * answered by this server with its own capabilities (the keepalive
	 * `sipsak -s sip:ping@server` of issue 3), the same 200 for unknown
	 * and unregistered users; a registered user's goes to the user. */
	if (req->method_id != SP_METHOD_OPTIONS || req->to.tag.p)
		return false;
	if (!sp__pxy_served(&env, &req->ruri, domain, sizeof(domain)))
		return sp__pxy_uri_is_self(pw->io.self, &req->ruri); /* our address */
	struct sp_location_snap snap;
	if (sp_location_lookup_uri_in(pw->io.loc, &req->ruri, sp_str_c(domain), env.now_ms,
				      &snap) != 0)
		return true;
	bool none = snap.n == 0;
	sp_location_snap_free(&snap);
	return none;
}

bool sp__proxy_from_local(struct sp__proxy_worker *pw, const struct sp_msg *req)
{
	struct sp__pxy_env env = sp__proxy_env(pw);
	char domain[256];
	return req->has_from && sp__pxy_served(&env, &req->from.uri, domain, sizeof(domain));
}

int sp__proxy_dest_uri(struct sp_str dest, struct sp_uri *uri)
{
	if (memchr(dest.p, '<', dest.len)) {
		union sp_hdr_parsed v;
		if (sp_hdr_parse_value(SP_HDR_ROUTE, dest, &v, NULL) != 0)
			return -EINVAL;
		*uri = v.nameaddr.uri;
		return 0;
	}
	return sp_uri_parse(uri, dest, 0, NULL) == 0 ? 0 : -EINVAL;
}

int sp__proxy_addr_dest(struct sp__proxy_worker *pw, enum sp_transport tp,
			const struct sp_sa *addr, struct sp_tsx_dest *to,
			const struct sp_config_listen **local)
{
	if (tp != SP_TP_UDP && tp != SP_TP_TCP)
		return -EPROTONOSUPPORT;
	memset(to, 0, sizeof(*to));
	to->tp = tp;
	to->addr = *addr;
	*local = sp__pxy_self_local(pw->io.self, tp, sp_sa_family(addr));
	if (!*local)
		return -EADDRNOTAVAIL;
	if (tp == SP_TP_UDP)
		to->conn = pw->io.udp_conn(pw->io.arg, &(*local)->addr);
	return 0;
}

int sp__proxy_target_dest(struct sp__proxy_worker *pw, struct sp_str dest, struct sp_tsx_dest *to,
			  const struct sp_config_listen **local)
{
	struct sp_uri uri;
	enum sp_transport tp;
	struct sp_sa addr;
	int rc = sp__proxy_dest_uri(dest, &uri);

	if (rc == 0)
		rc = sp__pxy_resolve_literal(&uri, &tp, &addr);
	return rc ? rc : sp__proxy_addr_dest(pw, tp, &addr, to, local);
}

static void print_addr(struct sp_wbuf *b, const struct sp_config_listen *l)
{
	char ip[SP_SA_STRLEN];
	sp_sa_print(&l->addr, ip, sizeof(ip));
	sp_wbuf_cstr(b, ip);
}

/* Our Via value for a branch (§16.6 step 8). */
static struct sp_str make_via(char *buf, size_t cap, const struct sp_config_listen *local,
			      const char *branch)
{
	struct sp_wbuf b;
	sp_wbuf_init(&b, buf, cap);
	sp_wbuf_cstr(&b, local->tp == SP_TP_TCP ? "SIP/2.0/TCP " : "SIP/2.0/UDP ");
	print_addr(&b, local);
	sp_wbuf_cstr(&b, ";branch=");
	sp_wbuf_cstr(&b, branch);
	return (struct sp_str){b.p, b.overflow ? 0 : b.len};
}

/* A Record-Route value naming local (§16.6 step 4, with lr). */
static struct sp_str make_rr(char *buf, size_t cap, const struct sp_config_listen *local)
{
	struct sp_wbuf b;
	sp_wbuf_init(&b, buf, cap);
	sp_wbuf_cstr(&b, "<sip:");
	print_addr(&b, local);
	if (local->tp == SP_TP_TCP)
		sp_wbuf_cstr(&b, ";transport=tcp");
	sp_wbuf_cstr(&b, ";lr>");
	return (struct sp_str){b.p, b.overflow ? 0 : b.len};
}

/* The local address a request from src arrived on, as a listen entry. */
static const struct sp_config_listen *arrival(struct sp__proxy_worker *pw,
					      const struct sp_tsx_dest *src)
{
	return sp__pxy_self_local(pw->io.self, src->tp, sp_sa_family(&src->addr));
}

/* Record-Route for an out-of-dialog request (§16.6 step 4): one entry, or
 * two when the request leaves over another transport or address family
 * than it came in on (RFC 5658 §4: the outgoing side on top). */
static void add_record_route(struct sp__proxy_worker *pw, const struct sp_msg *req,
			     const struct sp_tsx_dest *src, const struct sp_config_listen *out_local,
			     struct sp__pxy_fwd *f, char rr[2][RR_MAX])
{
	if (!pw->io.cfg->proxy.record_route || req->to.tag.p)
		return;
	const struct sp_config_listen *in_local = arrival(pw, src);
	f->rr[f->nrr++] = make_rr(rr[0], RR_MAX, out_local);
	if (in_local && in_local != out_local)
		f->rr[f->nrr++] = make_rr(rr[1], RR_MAX, in_local);
}

/* The received request's top Via with received/rport stamped (§18.2.1,
 * RFC 3581 §4), so the response can be routed back without state. */
static struct sp_str stamped_via(const struct sp_msg *req, const struct sp_tsx_dest *src,
				 char *buf, size_t cap)
{
	struct sp_wbuf b;
	const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_VIA);
	sp_wbuf_init(&b, buf, cap);
	sp_response_top_via(&b, h->value, &req->via1, &src->addr);
	/* "Via: " value CRLF -> value */
	if (b.overflow || b.len < 7)
		return SP_STR_NULL;
	return (struct sp_str){b.p + 5, b.len - 7};
}

/* Prints the request for one target into pw->out. */
int sp__proxy_print_branch(struct sp__proxy_worker *pw, const struct sp_msg *req,
			const struct sp_tsx_dest *src, const struct sp__pxy_routing *routing,
			const struct sp__pxy_target *t, const struct sp_config_listen *local,
			const struct sp_config_listen *via_local, const char *branch,
			struct sp_wbuf *out, struct sp__pxy_sent *sent)
{
	char via[SP__PXY_VIA_MAX], rr[2][RR_MAX], top[1024];
	struct sp__pxy_fwd f = {.routing = routing};

	f.ruri = t->ruri;
	f.via = make_via(sent ? sent->via : via, SP__PXY_VIA_MAX, via_local ? via_local : local,
			 branch);
	f.stamped = stamped_via(req, src, top, sizeof(top));
	add_record_route(pw, req, src, local, &f, rr);
	for (unsigned i = 0; i < t->npath && i < SP__PXY_ROUTE_MAX; i++)
		f.route[f.nroute++] = t->path[i];
	if (!f.via.len)
		return -ENOSPC;
	sp_wbuf_init(out, pw->out, SP__PROXY_OUT_CAP);
	int rc = sp__pxy_print_request(req, &f, out);
	if (rc || !sent)
		return rc;
	/* What the request carries, from what it was printed from. */
	struct sp_via v;
	if (sp_via_parse(&v, f.via, NULL) != 0)
		return -EINVAL;
	sent->keys = (struct sp_tsx_keys){
		.method = req->method_id,
		.method_name = req->method,
		.via1 = f.via,
		.branch = v.branch,
		.sent_by_host = v.sent_by.host,
		.sent_by_port = v.sent_by.has_port ? v.sent_by.port : 0,
		.call_id = req->call_id,
		.from_tag = req->from.tag,
		.to_tag = req->to.tag,
		.ruri = f.ruri.p ? f.ruri : req->ruri_raw,
		.cseq = req->cseq.seq,
	};
	return 0;
}

/* §16.3 - §16.5, shared by the stateful and redirect paths: returns true
 * when req was answered here. */
/* §16.3: answers and returns true when req fails a check. */
static bool check(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		  const struct sp_tsx_dest *src, uint64_t t0, uint64_t loop_hash)
{
	struct sp__pxy_check chk;
	char hb[256];
	struct sp_wbuf b;

	sp__pxy_validate(pw->io.self, req, loop_hash, &chk);
	if (chk.status) {
		sp_wbuf_init(&b, hb, sizeof(hb));
		if (chk.status == 420) {
			sp_wbuf_cstr(&b, "Unsupported: ");
			for (const struct sp_hdr *h = chk.unsupported; h; h = sp_msg_hdr_next(req, h)) {
				if (h != chk.unsupported)
					sp_wbuf_cstr(&b, ", ");
				sp_wbuf_str(&b, h->value);
			}
			sp_wbuf_cstr(&b, "\r\n");
		}
		sp__proxy_answer(pw, st, req, src, chk.status, (struct sp_str){b.p, b.overflow ? 0 : b.len},
		       chk.why, t0);
		return true;
	}
	return false;
}

bool sp__proxy_precheck(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
			const struct sp_tsx_dest *src, uint64_t t0)
{
	return check(pw, st, req, src, t0, sp__pxy_loop_hash(req));
}

bool sp__proxy_route(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src, bool trusted, uint64_t t0,
		     const struct sp__pxy_routing *routing, struct sp__pxy_targets *targets)
{
	char hb[SP_CONFIG_URI_MAX + 32];
	struct sp_wbuf b;
	struct sp__pxy_env env = sp__proxy_env(pw);

	if (sp__pxy_targets(&env, req, routing, trusted, targets) != 0) {
		sp__proxy_answer(pw, st, req, src, 500, SP_STR_NULL, "proxy: out of memory", t0);
		return true;
	}
	switch (targets->kind) {
	case SP__PXY_T_FORWARD:
		return false;
	case SP__PXY_T_REDIRECT:
		sp_wbuf_init(&b, hb, sizeof(hb));
		sp_wbuf_cstr(&b, "Contact: <");
		sp_wbuf_str(&b, targets->redirect);
		sp_wbuf_cstr(&b, ">\r\n");
		sp__proxy_answer(pw, st, req, src, 301, (struct sp_str){b.p, b.overflow ? 0 : b.len},
				 "proxy: redirect route", t0);
		return true;
	default:
		sp__proxy_answer(pw, st, req, src, targets->status, SP_STR_NULL, targets->why, t0);
		sp__pxy_targets_free(targets);
		return true;
	}
}

bool sp__proxy_prepare(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		       const struct sp_tsx_dest *src, bool trusted, uint64_t t0,
		       struct sp__pxy_routing *routing, struct sp__pxy_targets *targets,
		       uint64_t *loop_hash)
{
	*loop_hash = sp__pxy_loop_hash(req);
	if (check(pw, st, req, src, t0, *loop_hash))
		return true;
	if (preprocess(pw, req, routing) != 0) {
		sp__proxy_answer(pw, st, req, src, 400, SP_STR_NULL,
				 "RFC 3261 §16.4: Route does not parse", t0);
		return true;
	}
	return sp__proxy_route(pw, st, req, src, trusted, t0, routing, targets);
}

/* ---- the worker's proxy -------------------------------------------------- */

int sp__proxy_worker_create(struct sp__proxy_worker **out, const struct sp__proxy_io *io)
{
	struct sp__proxy_worker *pw = sp_malloc(sizeof(*pw));
	if (!pw)
		return -ENOMEM;
	memset(pw, 0, sizeof(*pw));
	pw->io = *io;
	pw->out = sp_malloc(SP__PROXY_OUT_CAP);
	if (!pw->out) {
		sp_free(pw);
		return -ENOMEM;
	}
	*out = pw;
	return 0;
}

void sp__proxy_worker_destroy(struct sp__proxy_worker *pw)
{
	if (!pw)
		return;
	sp__proxy_drop_contexts(pw);
	sp_free(pw->out);
	sp_free(pw);
}
