/*
 * The stateful proxy (proxy.h; RFC 3261 §16). One context per proxied
 * server transaction (§16.2 "response context"):
 *
 *   request -> §16.3 checks -> §16.4 routes -> §16.5 targets, grouped by q
 *     -> group 1: one client transaction per target, in parallel (§16.6)
 *     -> responses (§16.7): 100 absorbed; 101-199 and 2xx forwarded at
 *        once; 3xx-6xx kept, the best one forwarded when every branch is
 *        done and no group is left
 *     -> the next group (sequential forking, highest q first) when every
 *        branch of the current one failed, or when proxy.fork_timeout_s
 *        passes (the pending branches are then cancelled)
 *     -> a 2xx to an INVITE or a 6xx cancels every pending branch and
 *        stops forking (§16.7 step 10, §16.7 step 5)
 *
 * Timer C (§16.6 step 11, proxy.timer_c_s) guards each INVITE branch: on
 * expiry a branch that had a provisional response is cancelled, one that
 * had none counts as 408 (§16.8). A CANCEL cancels every pending branch
 * (§16.10); a branch is cancelled only once it had a provisional response
 * (§9.1), earlier it is marked and cancelled when one arrives.
 *
 * Lifetime: the context holds a reference to the server transaction and
 * to each client transaction. Once the final answer went upstream and
 * every branch ended, it hands each client transaction to late_2xx() (a
 * 2xx retransmission in RFC 6026 Accepted is forwarded statelessly along
 * the Via) and frees itself.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "siphon/dns.h"
#include "siphon/location.h"
#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/response.h"
#include "siphon/server.h"

#include "proxy.h"

#define CHALLENGES_MAX 8

struct sp__proxy_ctx;

struct branch {
	struct sp__proxy_ctx *ctx;
	struct sp_tsx *ct;     /* client transaction (a reference), or NULL */
	struct sp_tsx_dest dest;
	const struct sp__pxy_target *target;
	unsigned index;	       /* in ctx->br */
	unsigned attempt;      /* transactions started (RFC 3263 §4.3 failover) */
	struct sp_dns_query *dq;      /* RFC 3263 lookup in flight */
	struct sp_dns_targets *addrs; /* its answer, in failover order (a reference) */
	unsigned next_addr;	      /* the next of addrs to try */
	unsigned group;
	uint16_t status;       /* last response status, 0 none */
	bool done;	       /* a final response, a timeout or an error */
	bool cancel_wanted;    /* cancel once a provisional arrives (§9.1) */
	bool cancel_sent;
	struct sp_timer timer_c;
};

struct sp__proxy_ctx {
	struct sp__proxy_ctx *next, **pprev; /* pw->live */
	struct sp__proxy_worker *pw;
	struct sp_tsx *st; /* server transaction (a reference) */
	struct sp_tsx_dest src;
	/* The request: while sp__proxy_request runs, the caller's parse
	 * (now); afterwards parsed again from the transaction's own copy
	 * (req, at the end), only if something still needs it (a later fork
	 * group, an answer of our own, the access log), so most calls parse
	 * the INVITE once. */
	const struct sp_msg *now;
	bool parsed;
	bool invite;
	bool trusted;
	uint64_t t0, loop_hash;
	struct sp__pxy_routing routing;
	struct sp__pxy_targets targets;
	unsigned next_target; /* first target no branch was started for */
	unsigned nbr;
	unsigned group;	   /* current q group */
	unsigned pending;  /* branches not done */
	bool answered;	   /* a final (or 2xx) went upstream */
	bool stop;	   /* no more groups: cancelled, 2xx or 6xx */
	bool cancelled;	   /* a CANCEL came from upstream */
	struct sp_timer fork_timer;
	char *best;	   /* the best final response so far (a copy) */
	size_t best_len;
	unsigned best_status;
	bool best_weak;	   /* best is a 487 of a branch we cancelled ourselves */
	char *chal[CHALLENGES_MAX]; /* WWW-/Proxy-Authenticate values of other 401/407 */
	size_t chal_len[CHALLENGES_MAX];
	unsigned nchal;
	struct sp_dns_query *eq; /* ENUM lookup in flight */
	char *enum_uri;		 /* the Request-URI ENUM gave (RFC 6116) */
	char *recursed; /* copies of 3xx Contact URIs turned into targets */
	size_t recursed_len;
	/* Not zeroed at creation (4-6 KB a request): req is valid while
	 * parsed, br[i] once started (i < nbr). */
	struct sp_msg req;
	struct branch br[SP__PXY_TARGETS_MAX];
};

/* ---- the stateful proxy: contexts ---------------------------------------- */

static void ctx_destroy(void *arg)
{
	struct sp__proxy_ctx *c = arg;
	if (c->pprev) {
		*c->pprev = c->next;
		if (c->next)
			c->next->pprev = c->pprev;
	}
	for (unsigned i = 0; i < c->nbr; i++) {
		if (c->br[i].dq)
			sp_dns_cancel(c->br[i].dq);
		sp_mem_deref(c->br[i].addrs);
		sp_mem_deref(c->br[i].ct);
	}
	sp_mem_deref(c->st);
	for (unsigned i = 0; i < c->nbr; i++)
		sp_timer_stop(&c->br[i].timer_c);
	sp_timer_stop(&c->fork_timer);
	sp__pxy_targets_free(&c->targets);
	if (c->parsed)
		sp_msg_free(&c->req);
	sp_free(c->best);
	for (unsigned i = 0; i < c->nchal; i++)
		sp_free(c->chal[i]);
	sp_free(c->recursed);
	if (c->eq)
		sp_dns_cancel(c->eq);
	sp_free(c->enum_uri);
}

#define RECURSED_CAP 4096

/* §16.7 step 4 (proxy.recurse_3xx): the sip/sips Contacts of a 3xx become
 * new targets, after the ones already known, unless tried already.
 * Returns how many were added. */
static unsigned recurse(struct sp__proxy_ctx *c, const struct sp_msg *resp)
{
	unsigned added = 0;

	if (!c->recursed && !(c->recursed = sp_malloc(RECURSED_CAP)))
		return 0;
	for (const struct sp_hdr *h = sp_msg_hdr(resp, SP_HDR_CONTACT); h;
	     h = sp_msg_hdr_next(resp, h)) {
		union sp_hdr_parsed v;
		if (sp_hdr_parse_value(SP_HDR_CONTACT, h->value, &v, NULL) != 0 || v.nameaddr.star ||
		    (v.nameaddr.uri.scheme != SP_URI_SIP && v.nameaddr.uri.scheme != SP_URI_SIPS))
			continue;
		struct sp_str uri = v.nameaddr.uri_raw;
		bool known = false;
		for (unsigned i = 0; i < c->targets.n && !known; i++)
			known = sp_str_eq(c->targets.t[i].ruri, uri);
		if (known || c->targets.n == SP__PXY_TARGETS_MAX ||
		    c->recursed_len + uri.len > RECURSED_CAP)
			continue;
		char *copy = c->recursed + c->recursed_len;
		memcpy(copy, uri.p, uri.len);
		c->recursed_len += uri.len;
		int q = sp_contact_q(&v.nameaddr);
		c->targets.t[c->targets.n++] = (struct sp__pxy_target){
		    .ruri = {copy, uri.len}, .dest = {copy, uri.len}, .q = q < 0 ? 1000 : q};
		added++;
	}
	return added;
}

static void start_group(struct sp__proxy_ctx *c);
static void branch_end(struct branch *b, uint16_t status);
static bool try_next(struct branch *b);

/* The request (see struct sp__proxy_ctx), with c->routing valid for it. */
static const struct sp_msg *ctx_req(struct sp__proxy_ctx *c)
{
	size_t len;
	const char *bytes;

	if (c->now)
		return c->now;
	if (!c->parsed) {
		c->parsed = true;
		bytes = c->st ? sp_tsx_request_bytes(c->st, &len) : NULL;
		/* It parsed and validated before, from the same bytes. */
		if (bytes && sp_msg_parse(&c->req, bytes, len) == 0 &&
		    sp_msg_validate(&c->req) == 0)
			sp__pxy_preprocess(c->pw->io.self, &c->req, &c->routing);
	}
	return &c->req;
}

/* An access log line for the request, without parsing it again when the
 * log would drop the line. */
static void ctx_log(struct sp__proxy_ctx *c, unsigned status, const char *why)
{
	if (sp_log_get_level() >= SP_LOG_INFO)
		sp__proxy_log(c->pw, &c->src, ctx_req(c), status, why, c->t0);
}

/* A 2xx retransmission from a branch whose context is gone (RFC 6026
 * §7.2: the client transaction in Accepted passes each to the TU). */
static void late_2xx(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp__proxy_worker *pw = arg;
	(void)t;
	if (!err && msg && msg->status >= 200 && msg->status < 300)
		sp__proxy_response(pw, msg);
}

/* Frees the context once it has nothing left to do. */
static void ctx_maybe_end(struct sp__proxy_ctx *c)
{
	if (!c->answered || c->pending)
		return;
	for (unsigned i = 0; i < c->nbr; i++) {
		struct branch *b = &c->br[i];
		sp_timer_stop(&b->timer_c);
		if (b->ct) {
			sp_tsx_set_handler(b->ct, late_2xx, c->pw);
			b->ct = sp_mem_deref(b->ct);
		}
	}
	if (c->st) {
		sp_tsx_set_handler(c->st, NULL, NULL);
		c->st = sp_mem_deref(c->st);
	}
	sp_mem_deref(c);
}

static void cancel_done(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	(void)t, (void)msg, (void)err, (void)arg; /* the CANCEL's own 200: nothing to do */
}

/* Sends a CANCEL for branch b (RFC 3261 §9.1, §16.10). */
static void send_cancel(struct branch *b)
{
	struct sp__proxy_worker *pw = b->ctx->pw;
	struct sp_msg inv;
	struct sp_wbuf w;
	size_t len;
	const char *bytes = b->ct ? sp_tsx_request_bytes(b->ct, &len) : NULL;

	b->cancel_sent = true;
	if (!bytes || sp_msg_parse(&inv, bytes, len) != 0) {
		if (bytes)
			sp_msg_free(&inv);
		return;
	}
	sp_wbuf_init(&w, pw->out, SP__PROXY_OUT_CAP);
	int rc = sp_tsx_build_cancel(&w, &inv);
	if (rc == 0)
		rc = sp_tsx_request(NULL, pw->io.tsx, w.p, w.len, &b->dest, cancel_done, NULL);
	if (rc)
		SP_LOG_RL(SP_LOG_DEBUG, "proxy: CANCEL not sent: %s", strerror(-rc));
	sp_msg_free(&inv);
}

/* Cancels branch b if it is pending: now when it had a provisional
 * response, else when one arrives (§9.1). */
static void cancel_branch(struct branch *b)
{
	if (b->done || b->cancel_sent)
		return;
	if (b->dq) {
		/* Still resolving: nothing was sent, nothing to cancel. */
		sp_dns_cancel(b->dq);
		b->dq = NULL;
		branch_end(b, 487);
		return;
	}
	if (!b->ctx->invite)
		return;
	if (b->status >= 100)
		send_cancel(b);
	else
		b->cancel_wanted = true;
}

static void cancel_pending(struct sp__proxy_ctx *c, bool all_groups)
{
	for (unsigned i = 0; i < c->nbr; i++)
		if (all_groups || c->br[i].group == c->group)
			cancel_branch(&c->br[i]);
}

/* Keeps a copy of resp if it beats the best so far (§16.7 step 6), and
 * the challenges of every 401/407 (step 7). A 487 from a branch that we
 * cancelled (sequential forking, a 2xx elsewhere) says nothing about the
 * callee: any other final replaces it, unless the caller cancelled. */
static void keep_final(struct sp__proxy_ctx *c, const struct branch *b, const struct sp_msg *resp)
{
	unsigned st = resp->status;
	bool weak = st == 487 && b->cancel_sent && !c->cancelled;

	if (st == 401 || st == 407) {
		enum sp_hdr_id id = st == 401 ? SP_HDR_WWW_AUTHENTICATE : SP_HDR_PROXY_AUTHENTICATE;
		/* The best 401/407 carries its own; keep the others' here. A
		 * response that becomes best later is filtered at the end. */
		for (const struct sp_hdr *h = sp_msg_hdr(resp, id); h && c->nchal < CHALLENGES_MAX;
		     h = sp_msg_hdr_next(resp, h)) {
			char *v = sp_malloc(h->value.len ? h->value.len : 1);
			if (!v)
				break;
			memcpy(v, h->value.p, h->value.len);
			c->chal[c->nchal] = v;
			c->chal_len[c->nchal++] = h->value.len;
		}
	}
	if (c->best_status && weak)
		return;
	if (!(c->best_weak && !weak) && !sp__pxy_better(c->best_status, st))
		return;
	const char *end = resp->body.p ? resp->body.p + resp->body.len
				       : resp->header_end.p + resp->header_end.len;
	size_t len = (size_t)(end - resp->start_line.p);
	char *copy = sp_malloc(len);
	if (!copy)
		return;
	memcpy(copy, resp->start_line.p, len);
	sp_free(c->best);
	c->best = copy;
	c->best_len = len;
	c->best_status = st;
	c->best_weak = weak;
}

/* Sends the best final response upstream (§16.7 steps 6-9). */
static void send_best(struct sp__proxy_ctx *c)
{
	struct sp__proxy_worker *pw = c->pw;
	struct sp_msg resp;
	struct sp_wbuf w;
	int rc;

	c->answered = true;
	if (!c->best) {
		/* The best is one we stand for: a timeout (408), a transport
		 * error (503 -> 500) or a target we cannot reach (404). */
		unsigned st = c->best_status ? sp__pxy_upstream_status(c->best_status)
			      : c->cancelled ? 487
					     : 500;
		sp__proxy_answer(pw, c->st, ctx_req(c), &c->src, st, SP_STR_NULL,
				 st == 408   ? "proxy: no answer from any branch"
				 : st == 404 ? "proxy: next hop not resolvable"
					     : "proxy: branches failed",
				 c->t0);
		return;
	}
	if (sp_msg_parse(&resp, c->best, c->best_len) != 0) {
		sp_msg_free(&resp);
		sp__proxy_answer(pw, c->st, ctx_req(c), &c->src, 500, SP_STR_NULL, "proxy: best response broken",
		       c->t0);
		return;
	}
	if (c->best_status == 503) {
		/* §16.7 step 6: a 503 goes upstream as 500. */
		sp_msg_free(&resp);
		sp__proxy_answer(pw, c->st, ctx_req(c), &c->src, 500, SP_STR_NULL, "proxy: downstream 503",
		       c->t0);
		return;
	}
	struct sp_str extra[CHALLENGES_MAX];
	unsigned n = 0;
	if (c->best_status == 401 || c->best_status == 407) {
		enum sp_hdr_id id =
		    c->best_status == 401 ? SP_HDR_WWW_AUTHENTICATE : SP_HDR_PROXY_AUTHENTICATE;
		for (unsigned i = 0; i < c->nchal; i++) {
			struct sp_str v = {c->chal[i], c->chal_len[i]};
			bool own = false;
			for (const struct sp_hdr *h = sp_msg_hdr(&resp, id); h && !own;
			     h = sp_msg_hdr_next(&resp, h))
				own = sp_str_eq(h->value, v);
			if (!own)
				extra[n++] = v;
		}
	}
	sp_wbuf_init(&w, pw->out, SP__PROXY_OUT_CAP);
	rc = sp__pxy_print_response(&resp, c->best_status == 401 ? SP_STR("WWW-Authenticate")
								 : SP_STR("Proxy-Authenticate"),
				    extra, n, &w);
	if (rc == 0)
		rc = sp_tsx_respond(c->st, w.p, w.len);
	if (rc)
		SP_LOG_RL(SP_LOG_DEBUG, "proxy: final %u not forwarded: %s", c->best_status,
			  strerror(-rc));
	ctx_log(c, rc ? 0 : c->best_status, "proxy: best response");
	sp_msg_free(&resp);
}


/* After a branch ended: the next group, the final answer, or the end. */
static void advance(struct sp__proxy_ctx *c)
{
	if (c->answered) {
		ctx_maybe_end(c);
		return;
	}
	/* The current group still runs (sequential forking waits for it). */
	for (unsigned i = 0; i < c->nbr; i++)
		if (!c->br[i].done && c->br[i].group == c->group)
			return;
	if (!c->stop && c->next_target < c->targets.n) {
		start_group(c);
		return;
	}
	if (c->pending)
		return; /* branches of earlier groups, cancelled, still to end */
	send_best(c);
	ctx_maybe_end(c);
}

static void branch_end(struct branch *b, uint16_t status)
{
	struct sp__proxy_ctx *c = b->ctx;
	if (b->done)
		return;
	b->done = true;
	b->status = status;
	sp_timer_stop(&b->timer_c);
	c->pending--;
}

/* A branch that ended without a response (§16.7 step 6, §16.8, §16.9):
 * its status (408, 503, 404) competes as if a response had come. */
static void branch_fail(struct branch *b, uint16_t status)
{
	struct sp__proxy_ctx *c = b->ctx;
	if (b->done)
		return;
	branch_end(b, status);
	if (!c->best_status || c->best_weak || sp__pxy_better(c->best_status, status)) {
		sp_free(c->best);
		c->best = NULL;
		c->best_status = status;
		c->best_weak = false;
	}
}

/* Timer C (§16.8). */
static void timer_c(void *arg)
{
	struct branch *b = arg;
	struct sp__proxy_ctx *c = b->ctx;

	if (b->done)
		return;
	if (b->status >= 100 && !b->cancel_sent) {
		send_cancel(b);
		/* The CANCEL should bring a 487; if nothing comes in 64*T1,
		 * the branch counts as 408. */
		sp_timer_start(c->pw->io.loop, &b->timer_c, 64u * c->pw->io.cfg->sip.t1_ms, timer_c,
			       b);
		return;
	}
	sp_mem_ref(c);
	branch_fail(b, 408);
	advance(c);
	sp_mem_deref(c);
}

/* Forwards a provisional or 2xx response upstream at once (§16.7 step 5). */
static void forward_now(struct sp__proxy_ctx *c, const struct sp_msg *resp)
{
	struct sp_wbuf w;
	int rc;

	sp_wbuf_init(&w, c->pw->out, SP__PROXY_OUT_CAP);
	rc = sp__pxy_print_response(resp, SP_STR_NULL, NULL, 0, &w);
	if (rc == 0)
		rc = sp_tsx_respond(c->st, w.p, w.len);
	if (rc && rc != -ESTALE)
		SP_LOG_RL(SP_LOG_DEBUG, "proxy: %u not forwarded: %s", resp->status, strerror(-rc));
	if (resp->status >= 200 && !c->answered) {
		c->answered = true;
		ctx_log(c, rc ? 0 : resp->status, "proxy: answered");
	}
}

/* Events of a branch's client transaction (tsx.h). */
static void branch_event(struct sp_tsx *t, const struct sp_msg *resp, int err, void *arg)
{
	struct branch *b = arg;
	struct sp__proxy_ctx *c = b->ctx;

	(void)t;
	sp_mem_ref(c);
	if (!resp) {
		/* RFC 3263 §4.3: a timeout or a transport error moves on to
		 * the next address; without one, §16.7: a timeout is a 408, a
		 * transport error a 503 (§16.9). */
		if (b->done || !try_next(b))
			branch_fail(b, err == -ETIMEDOUT ? 408 : 503);
		advance(c);
		sp_mem_deref(c);
		return;
	}
	unsigned st = resp->status;
	/* RFC 3263 §4.3: so does a 503 (its Retry-After is not honoured). */
	if (st == 503 && !b->done && b->addrs && b->next_addr < b->addrs->n && try_next(b)) {
		sp_mem_deref(c);
		return;
	}
	if (st < 200) {
		if (!b->done) {
			b->status = (uint16_t)st;
			/* §16.7 step 2: a provisional resets timer C. */
			if (c->invite)
				sp_timer_start(c->pw->io.loop, &b->timer_c,
					       c->pw->io.cfg->proxy.timer_c_s * 1000ull, timer_c, b);
			if (b->cancel_wanted && !b->cancel_sent)
				send_cancel(b);
		}
		if (st > 100 && !c->answered)
			forward_now(c, resp);
		sp_mem_deref(c);
		return;
	}
	bool first = !b->done;
	branch_end(b, (uint16_t)st);
	if (st < 300) {
		/* §16.7 step 5: every 2xx goes upstream (INVITE: more than
		 * one may, one per forked branch), and step 10: the other
		 * branches are cancelled. */
		if (!c->answered || c->invite)
			forward_now(c, resp);
		c->stop = true;
		cancel_pending(c, true);
	} else if (first) {
		if (st < 400 && c->pw->io.cfg->proxy.recurse_3xx && !c->stop && recurse(c, resp)) {
			advance(c); /* the contacts are tried instead of the 3xx */
			sp_mem_deref(c);
			return;
		}
		if (st >= 600) {
			/* §16.7 step 5 / §16.6: a 6xx ends forking. */
			c->stop = true;
			cancel_pending(c, true);
		}
		if (!c->answered)
			keep_final(c, b, resp);
	}
	advance(c);
	sp_mem_deref(c);
}

/* Starts one client transaction of branch b to (tp, addr). Returns 0 or
 * a negative errno (nothing was sent). */
static int send_attempt(struct branch *b, enum sp_transport tp, const struct sp_sa *addr)
{
	struct sp__proxy_ctx *c = b->ctx;
	struct sp__proxy_worker *pw = c->pw;
	const struct sp_config_listen *local, *via_local = NULL;
	char branch[SP__PXY_BRANCH_MAX];
	struct sp_wbuf w;
	struct sp__pxy_sent sent;
	struct sp_tsx *ct = NULL;
	int rc;

	rc = sp__proxy_addr_dest(pw, tp, addr, &b->dest, &local);
	if (rc)
		return rc;
	if (tp == SP_TP_UDP) {
		/* Sent from, and named in the Via by, this worker's own port:
		 * the responses come back to it (DESIGN.md §3), not to
		 * whichever worker the kernel hashes the peer's address to.
		 * Record-Route keeps the shared address. */
		const struct sp_config_listen *own =
			&pw->io.own_udp[sp_sa_family(addr) == AF_INET6 ? 1 : 0];
		if (own->addr.len) {
			via_local = own;
			b->dest.conn = pw->io.udp_conn(pw->io.arg, &own->addr);
		}
	}
	/* Each attempt is a new transaction: a new branch (§16.6 step 8). */
	sp__pxy_branch(branch, sizeof(branch), pw->io.worker, c->loop_hash,
		       b->index + SP__PXY_TARGETS_MAX * b->attempt++);
	rc = sp__proxy_print_branch(pw, ctx_req(c), &c->src, &c->routing, b->target, local,
				    via_local, branch, &w, &sent);
	if (rc == 0)
		rc = sp_tsx_request_keyed(&ct, pw->io.tsx, w.p, w.len, &sent.keys, &b->dest,
					  branch_event, b);
	if (rc)
		return rc;
	if (b->ct) {
		/* The previous attempt ended (a timeout, an error, a 503). */
		sp_tsx_set_handler(b->ct, NULL, NULL);
		sp_mem_deref(b->ct);
	}
	b->ct = ct;
	b->status = 0;
	if (c->invite)
		sp_timer_start(pw->io.loop, &b->timer_c, pw->io.cfg->proxy.timer_c_s * 1000ull,
			       timer_c, b);
	return 0;
}

/* RFC 3263 §4.3: the next address of the branch's resolved list that
 * takes the request. False when none is left (the caller ends b). */
static bool try_next(struct branch *b)
{
	while (b->addrs && b->next_addr < b->addrs->n) {
		const struct sp_dns_target *t = &b->addrs->t[b->next_addr++];
		int rc = send_attempt(b, t->tp, &t->addr);
		if (rc == 0)
			return true;
		SP_LOG_RL(SP_LOG_DEBUG, "proxy: next hop not tried: %s", strerror(-rc));
	}
	return false;
}

/* The RFC 3263 answer for branch b. */
static void resolved(int err, struct sp_dns_targets *res, void *arg)
{
	struct branch *b = arg;
	struct sp__proxy_ctx *c = b->ctx;

	b->dq = NULL;
	sp_mem_ref(c);
	if (err == 0) {
		b->addrs = sp_mem_ref(res);
		b->next_addr = 0;
	}
	if (!b->done && (err || !try_next(b)))
		branch_fail(b, err == -ENOENT ? 404 : err == -ETIMEDOUT ? 408 : 503);
	advance(c);
	sp_mem_deref(c);
}

/* Starts one branch for target t: at once when its next hop is an IP
 * literal, else after an RFC 3263 lookup. A branch that cannot start ends
 * at once (§16.9: a transport error counts as 503, an unresolvable next
 * hop as 404). */
static void start_branch(struct sp__proxy_ctx *c, const struct sp__pxy_target *t)
{
	struct sp__proxy_worker *pw = c->pw;
	struct branch *b = &c->br[c->nbr];
	struct sp_uri uri;
	enum sp_transport tp;
	struct sp_sa addr;
	int rc;

	memset(b, 0, sizeof(*b));
	b->ctx = c;
	b->target = t;
	b->index = c->nbr;
	b->group = c->group;
	sp_timer_init(&b->timer_c);
	c->nbr++;
	c->pending++;

	rc = sp__proxy_dest_uri(t->dest, &uri);
	if (rc == 0)
		rc = sp__pxy_resolve_literal(&uri, &tp, &addr);
	if (rc == 0)
		rc = send_attempt(b, tp, &addr);
	else if (rc == -EAGAIN && pw->io.dns)
		rc = sp_dns_resolve_sip(pw->io.dns, &uri, resolved, b, &b->dq);
	if (rc) {
		SP_LOG_RL(SP_LOG_DEBUG, "proxy: branch to %.*s not started: %s", (int)t->dest.len,
			  t->dest.p, strerror(-rc));
		branch_fail(b, rc == -EAGAIN || rc == -EPROTONOSUPPORT || rc == -EINVAL ? 404 : 503);
	}
}

static void fork_timeout(void *arg)
{
	struct sp__proxy_ctx *c = arg;
	if (c->answered || c->stop)
		return;
	/* Sequential forking: the group had its time; cancel it, go on. */
	sp_mem_ref(c);
	cancel_pending(c, false);
	if (c->next_target < c->targets.n)
		start_group(c);
	sp_mem_deref(c);
}

/* Starts the branches of the next q group (§16.6, RFC 3261 §16.6 and
 * RFC 3841 ordering: highest q first, equal q in parallel). */
static void start_group(struct sp__proxy_ctx *c)
{
	if (c->next_target >= c->targets.n)
		return;
	int q = c->targets.t[c->next_target].q;
	c->group++;
	while (c->next_target < c->targets.n && c->targets.t[c->next_target].q == q &&
	       c->nbr < SP__PXY_TARGETS_MAX)
		start_branch(c, &c->targets.t[c->next_target++]);
	if (c->next_target < c->targets.n && c->pw->io.cfg->proxy.fork_timeout_s && c->invite)
		sp_timer_start(c->pw->io.loop, &c->fork_timer,
			       c->pw->io.cfg->proxy.fork_timeout_s * 1000ull, fork_timeout, c);
	/* Branches that could not start ended at once. */
	bool running = false;
	for (unsigned i = 0; i < c->nbr; i++)
		running |= !c->br[i].done && c->br[i].group == c->group;
	if (!running)
		advance(c);
}

/* The server transaction's own events: a transport error or Timer H. */
static void st_event(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	(void)t, (void)msg, (void)arg;
	SP_LOG_RL(SP_LOG_DEBUG, "proxy: upstream transaction: %s", strerror(-err));
}

/* Puts c in charge of st: a reference, the handler that finds c again
 * (a CANCEL), and the worker's list of live contexts. */
static void ctx_attach(struct sp__proxy_ctx *c, struct sp_tsx *st)
{
	struct sp__proxy_ctx **head = &c->pw->live;
	c->st = sp_mem_ref(st);
	sp_tsx_set_handler(st, st_event, c);
	c->next = *head;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = head;
	*head = c;
}

/* Moves a string pointing into req's buffer onto the same bytes of the
 * server transaction's copy (it starts at the same offset: tsx.h). */
static void rebase(struct sp_str *s, const struct sp_msg *req, const char *copy, size_t len)
{
	if (!s->p || s->p < req->buf || s->p >= req->buf + req->len)
		return;
	size_t off = (size_t)(s->p - req->buf);
	*s = copy && off + s->len <= len ? (struct sp_str){copy + off, s->len} : SP_STR_NULL;
}

/* The targets name parts of the request (its Request-URI, a Route);
 * branches started later (a fork group, an RFC 3263 answer, failover)
 * read them after req's buffer was reused, so they are moved onto the
 * transaction's copy. Binding and config strings stay as they are. */
static void targets_rebase(struct sp__proxy_ctx *c, const struct sp_msg *req)
{
	size_t len;
	const char *copy;

	if (!c->st)
		return; /* it ended already (every branch failed at once): none will start */
	copy = sp_tsx_request_bytes(c->st, &len);
	for (unsigned i = 0; i < c->targets.n; i++) {
		rebase(&c->targets.t[i].ruri, req, copy, len);
		rebase(&c->targets.t[i].dest, req, copy, len);
	}
	rebase(&c->targets.redirect, req, copy, len);
}

/* The ENUM answer (RFC 6116): the Request-URI becomes the URI it gave, or
 * stays when there is none; then §16.5 goes on as usual. */
static void enum_done(int err, const char *uri, size_t len, void *arg)
{
	struct sp__proxy_ctx *c = arg;
	const struct sp_msg *req;

	c->eq = NULL;
	sp_mem_ref(c);
	req = ctx_req(c);
	if (err == 0 && (c->enum_uri = sp_malloc(len + 1)) != NULL) {
		memcpy(c->enum_uri, uri, len + 1);
		c->routing.ruri = (struct sp_str){c->enum_uri, len};
		c->routing.retargeted = true;
	} else if (err != -ENOENT) {
		SP_LOG_RL(SP_LOG_DEBUG, "proxy: ENUM failed: %s", strerror(-err));
	}
	if (sp__proxy_route(c->pw, c->st, req, &c->src, c->trusted, c->t0, &c->routing,
			    &c->targets)) {
		c->answered = true;
		ctx_maybe_end(c);
	} else {
		start_group(c);
	}
	sp_mem_deref(c);
}

/* The number ENUM should translate: a global number (tel:, user=phone) in
 * a request without a Route, when dns.enum is on. */
static bool wants_enum(struct sp__proxy_worker *pw, const struct sp_msg *req, char *num,
		       size_t cap)
{
	return pw->io.dns && pw->io.cfg->dns.enum_enabled && !sp_msg_hdr(req, SP_HDR_ROUTE) &&
	       sp__pxy_number(&req->ruri, num, cap) && num[0] == '+';
}

void sp__proxy_request(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		       const struct sp_tsx_dest *src, bool trusted, uint64_t t0)
{
	struct sp__proxy_ctx *c =
		sp_mem_alloc_head(sizeof(*c), offsetof(struct sp__proxy_ctx, req), ctx_destroy);
	char num[64];

	if (!c) {
		sp__proxy_answer(pw, st, req, src, 500, SP_STR_NULL, "proxy: out of memory", t0);
		return;
	}
	c->pw = pw;
	c->src = *src;
	c->t0 = t0;
	c->trusted = trusted;
	c->invite = req->method_id == SP_METHOD_INVITE;
	sp_timer_init(&c->fork_timer);
	if (wants_enum(pw, req, num, sizeof(num))) {
		if (sp__proxy_precheck(pw, st, req, src, t0)) {
			sp_mem_deref(c);
			return;
		}
		c->loop_hash = sp__pxy_loop_hash(req);
		ctx_attach(c, st);
		int rc = sp_dns_enum(pw->io.dns, sp_str_c(num), enum_done, c, &c->eq);
		if (rc)
			enum_done(rc, NULL, 0, c);
		return;
	}
	if (sp__proxy_prepare(pw, st, req, src, trusted, t0, &c->routing, &c->targets,
			      &c->loop_hash)) {
		sp_mem_deref(c);
		return;
	}
	c->now = req; /* until we return: req's buffer is reused after */
	ctx_attach(c, st);
	sp_mem_ref(c); /* branches may all end inside start_group */
	start_group(c);
	/* c->routing points into req: a later use parses the copy again;
	 * the targets are moved onto the copy now. */
	c->now = NULL;
	memset(&c->routing, 0, sizeof(c->routing));
	targets_rebase(c, req);
	sp_mem_deref(c);
}

void sp__proxy_cancel(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src, uint64_t t0)
{
	struct sp_tsx *ist = sp_tsx_find_invite(pw->io.tsx, req);
	void *arg = NULL;

	if (!ist) {
		/* §16.10: no context: forward it statelessly; it will find
		 * the transaction downstream, if any. */
		sp__proxy_answer(pw, st, req, src, 200, SP_STR_NULL, "CANCEL forwarded statelessly", t0);
		sp__proxy_stateless(pw, req, src, true, t0);
		return;
	}
	/* §9.2: 200 to the CANCEL; the INVITE gets its final answer from
	 * the branches (a 487 from each cancelled UAS). */
	sp__proxy_answer(pw, st, req, src, 200, SP_STR_NULL, "CANCEL", t0);
	if (sp_tsx_handler(ist, &arg) != st_event || !arg)
		return; /* answered already */
	struct sp__proxy_ctx *c = arg;
	sp_mem_ref(c);
	c->cancelled = true;
	c->stop = true;
	if (c->eq) {
		sp_dns_cancel(c->eq);
		c->eq = NULL;
	}
	cancel_pending(c, true);
	advance(c);
	sp_mem_deref(c);
}


void sp__proxy_drop_contexts(struct sp__proxy_worker *pw)
{
	struct sp__proxy_ctx **head = &pw->live;
	while (*head)
		sp_mem_deref(*head); /* its destructor unlinks it */
}
