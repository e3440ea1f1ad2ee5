/*
 * Inside the proxy (RFC 3261 §16): the message work that the stateful
 * proxy (proxy.c), the stateless proxy (proxy_stateless.c) and the
 * redirect server share, as pure functions over parsed messages so that
 * unit tests reach every rule without sockets.
 *
 *   proxy_msg.c     who we are (sp__pxy_self), §16.3 checks, §16.4 route
 *                   preprocessing, the loop-detection hash and branches
 *                   (§16.6 step 8), the forwarded request (§16.6) and the
 *                   forwarded response (§16.7 step 9)
 *   proxy_best.c    §16.7 step 6: the best final response, 401/407
 *                   challenge aggregation
 *   proxy_target.c  §16.5 targets: static routes (config), the location
 *                   service, GRUUs, grouped by q-value for forking
 */
#ifndef SIPHON_PROXY_INT_H
#define SIPHON_PROXY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/config.h"
#include "siphon/msg.h"
#include "siphon/print.h"
#include "siphon/sa.h"
#include "siphon/uri.h"

/* ---- who we are ---------------------------------------------------------- */

#define SP__PXY_SELF_MAX 64

/* The addresses this server answers on: each listen address, and for a
 * wildcard listen address every local interface address with its port. */
struct sp__pxy_self {
	struct sp_config_listen addr[SP__PXY_SELF_MAX];
	unsigned n;
};

/* Fills self from the bound listen addresses (wildcards expanded with
 * getifaddrs). */
void sp__pxy_self_init(struct sp__pxy_self *self, const struct sp_config_listen *bound,
		       unsigned nbound);

/* Adds one more address of ours (a specific one); false when self is full. */
bool sp__pxy_self_add(struct sp__pxy_self *self, const struct sp_config_listen *l);

/* True when host:port (port 0: the default, 5060, or 5061 when sips) is
 * one of our addresses. host is an IP literal (IPv6 in brackets or not);
 * names never match (a Record-Route we write carries an address). */
bool sp__pxy_hostport_is_self(const struct sp__pxy_self *self, struct sp_str host, uint16_t port,
			      bool sips);

/* True when uri is a sip/sips URI naming this server (no user part is
 * required: Record-Route and Route entries usually have none). */
bool sp__pxy_uri_is_self(const struct sp__pxy_self *self, const struct sp_uri *uri);

/* The local address to put in Via and Record-Route when sending over tp
 * to an address of family af (AF_INET/AF_INET6): the first listen address
 * of that transport and family, NULL if none. Wildcard listen addresses
 * are skipped unless nothing else exists (then a local interface address
 * with that port is used). */
const struct sp_config_listen *sp__pxy_self_local(const struct sp__pxy_self *self,
						  enum sp_transport tp, int af);

/* ---- §16.3 request validation ------------------------------------------- */

struct sp__pxy_check {
	uint16_t status;	  /* 0: go on; else the response */
	const char *why;	  /* for the access log */
	const struct sp_hdr *unsupported; /* 420: the first Proxy-Require value */
};

/* RFC 3261 §16.3 steps 2-5 on a request that parsed and validated (step 1):
 * URI scheme (416), Max-Forwards (483; an OPTIONS to us with 0 is answered
 * by the caller, §16.3 step 3), loop detection (482, below), Proxy-Require
 * (420: we support no proxy extension). loop_hash is sp__pxy_loop_hash of
 * req. */
void sp__pxy_validate(const struct sp__pxy_self *self, const struct sp_msg *req,
		      uint64_t loop_hash, struct sp__pxy_check *out);

/* ---- §16.4 route information preprocessing ------------------------------ */

#define SP__PXY_DROP_MAX 4

struct sp__pxy_routing {
	struct sp_str ruri;	/* the Request-URI from here on (raw URI text) */
	bool strict_fixed;	/* a strict router put our Record-Route in it */
	bool retargeted;	/* ruri was replaced since (ENUM): targets parse it */
	const struct sp_hdr *drop[SP__PXY_DROP_MAX]; /* Route values to remove */
	unsigned ndrop;
	const struct sp_hdr *next; /* the first Route value left, or NULL */
	struct sp_uri next_uri;	   /* its URI, when next */
};

/* RFC 3261 §16.4: if the Request-URI is an address of ours that we put in
 * a Record-Route (it carries lr), a strict router sent it: the Request-URI
 * becomes the last Route value, which is removed. Then every Route value
 * on top naming us is removed (two after double record-routing, RFC 5658).
 * Returns 0, or -EBADMSG when a Route value does not parse (answer 400). */
int sp__pxy_preprocess(const struct sp__pxy_self *self, const struct sp_msg *req,
		       struct sp__pxy_routing *out);

/* ---- loop detection and branches (§16.3 step 4, §16.6 step 8) ----------- */

/* A 64-bit hash over the fields that decide how the request is processed:
 * To tag, From tag, Call-ID, CSeq number, Request-URI as received, Route,
 * Proxy-Require and Proxy-Authorization values. The topmost Via that
 * §16.6 step 8 also lists is left out on purpose: a looped request comes
 * back under another Via, which would make every loop look like a spiral. */
uint64_t sp__pxy_loop_hash(const struct sp_msg *req);

/* The branch of a forwarded request: "z9hG4bKsp" + 4 hex digits of the
 * worker (so its responses reach the worker that sent it, DESIGN.md §3) +
 * 16 hex digits of the loop hash + "." + the branch index in hex, into
 * buf[cap] (at least SP__PXY_BRANCH_MAX). Returns the length. */
#define SP__PXY_BRANCH_MAX 48

/* The worker field of a stateless branch (§16.11): no worker owns its
 * responses (above any worker index, so the transaction layer never hands
 * them over, tsx.h), any worker forwards them, and a retransmission that
 * the kernel gives another worker gets the same branch. */
#define SP__PXY_ANY_WORKER 0xffffu
size_t sp__pxy_branch(char *buf, size_t cap, unsigned worker, uint64_t loop_hash, unsigned index);

/* The loop hash a branch of ours carries: true and *hash set, or false. */
bool sp__pxy_branch_hash(struct sp_str branch, uint64_t *hash);

/* ---- §16.6 the request to forward -------------------------------------- */

#define SP__PXY_ROUTE_MAX 8

struct sp__pxy_fwd {
	struct sp_str ruri;			/* step 2; p NULL: keep the received one */
	struct sp_str via;			/* step 8: our Via value */
	struct sp_str stamped;			/* the received top Via with received/rport
						 * (§18.2.1), or p NULL: as received */
	struct sp_str rr[2];			/* step 4: Record-Route values, top first */
	unsigned nrr;
	struct sp_str route[SP__PXY_ROUTE_MAX]; /* step 6: Route values to put on top (Path) */
	unsigned nroute;
	const struct sp__pxy_routing *routing;	/* §16.4: Route values to remove */
};

/* Prints the copy of req to forward (§16.6 steps 1-9): Request-URI,
 * Max-Forwards decremented (70 added when absent, step 3), Record-Route
 * and Route values added, our Route values removed, our Via on top,
 * Content-Length kept or added (step 9 on streams). Returns 0, -ENOSPC
 * (out too small or too many edits). */
int sp__pxy_print_request(const struct sp_msg *req, const struct sp__pxy_fwd *f,
			  struct sp_wbuf *out);

/* Prints resp without its topmost Via (RFC 3261 §16.7 step 3), with the
 * values of extra appended as headers named extra_name (challenge
 * aggregation, §16.7 step 7); extra may be NULL. Returns 0 or -ENOSPC. */
int sp__pxy_print_response(const struct sp_msg *resp, struct sp_str extra_name,
			   const struct sp_str *extra, unsigned nextra, struct sp_wbuf *out);

/* ---- §16.7 step 6: the best response ------------------------------------ */

/* True when a final response with status cand should replace the current
 * best (best 0: none yet). 6xx wins over everything; otherwise the lowest
 * class wins, and within a class the first one received stays, except that
 * 401/407 and 3xx are preferred in their classes as §16.7 asks. 503
 * counts as 500 (§16.7 step 6: a 503 is never forwarded as such). */
bool sp__pxy_better(unsigned best, unsigned cand);

/* The status to send upstream for the best response best (503 -> 500,
 * §16.7 step 6). */
unsigned sp__pxy_upstream_status(unsigned best);

/* ---- §16.5 targets ------------------------------------------------------- */

#define SP__PXY_TARGETS_MAX 16

struct sp_binding;
struct sp_location;

/* One target: where a branch goes. */
struct sp__pxy_target {
	struct sp_str ruri;	   /* Request-URI of the branch (§16.6 step 2) */
	struct sp_str dest;	   /* URI naming the next hop: a Path value, the
				    * route's next hop, the Route, or ruri */
	const struct sp_str *path; /* Route values to add (RFC 3327 §5.3) */
	unsigned npath;
	int q;			   /* thousandths (1000 when absent) */
	struct sp_binding *b;	   /* reference holding ruri/path, or NULL */
};

enum sp__pxy_targets_kind {
	SP__PXY_T_FORWARD,   /* t[0..n), ordered by q descending */
	SP__PXY_T_NOT_FOUND, /* served domain, no usable binding: answer status */
	SP__PXY_T_REDIRECT,  /* a route says 301 with Contact redirect */
	SP__PXY_T_DENIED,    /* relaying refused: 403 */
};

struct sp__pxy_targets {
	enum sp__pxy_targets_kind kind;
	uint16_t status; /* NOT_FOUND, DENIED */
	const char *why;
	struct sp__pxy_target t[SP__PXY_TARGETS_MAX];
	unsigned n;
	struct sp_str redirect; /* REDIRECT: the Contact URI */
};

/* What target selection needs from the server. served() says whether a
 * Request-URI host names a domain served here and writes its name to
 * domain[cap] (lowercase; empty for "as written"). */
struct sp__pxy_env {
	const struct sp_config *cfg;
	const struct sp__pxy_self *self;
	struct sp_location *loc;
	bool (*served)(void *arg, const struct sp_uri *uri, char *domain, size_t cap);
	void *arg;
	int64_t now_ms; /* wall clock, for binding expiry */
};

/* RFC 3261 §16.5 for req after §16.4 (routing). With a Route left, the one
 * target is the Request-URI sent to that Route. Else a Request-URI in a
 * served domain goes to its bindings (the location service, GRUUs
 * included, RFC 5627 §6.1), and any other to the first static route that
 * matches (domain, number prefix for tel: and user=phone, default), or to
 * the Request-URI itself (RFC 3263 resolves it). from_local: the From domain is served here and the request was
 * authenticated; a request neither from nor to a served domain is not
 * relayed (DENIED) unless it is in a dialog we record-routed. Returns 0,
 * -ENOMEM. Release with sp__pxy_targets_free. */
int sp__pxy_targets(const struct sp__pxy_env *env, const struct sp_msg *req,
		    const struct sp__pxy_routing *routing, bool from_local,
		    struct sp__pxy_targets *out);

void sp__pxy_targets_free(struct sp__pxy_targets *t);

/* True when uri's host is one of our addresses or a served domain:
 * IP literals must be ours (any port when none is written), names are
 * asked to env->served. */
bool sp__pxy_served(const struct sp__pxy_env *env, const struct sp_uri *uri, char *domain,
		    size_t cap);

/* The telephone number a Request-URI carries: a tel: URI, or a sip/sips
 * URI with user=phone (RFC 3261 §19.1.1), visual separators (RFC 3966
 * §5.1.1) dropped, into out[cap]. False when it carries none. */
bool sp__pxy_number(const struct sp_uri *uri, char *out, size_t cap);

/* Resolves a URI whose host is an IP literal (or "localhost") into a
 * transport and address (RFC 3263 §4.1-4.2 without DNS: transport param,
 * else UDP for sip and TLS for sips; port, else 5060/5061). Returns 0,
 * -EAGAIN (a host name: DNS needed), -EPROTONOSUPPORT (a transport we do
 * not have: TLS, SCTP...) or -EINVAL. */
int sp__pxy_resolve_literal(const struct sp_uri *uri, enum sp_transport *tp, struct sp_sa *addr);

#endif
