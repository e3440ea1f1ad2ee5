/*
 * The proxy of `siphon serve` (RFC 3261 §16), per worker: stateful
 * forwarding with parallel and sequential forking (proxy.c), stateless
 * forwarding (§16.11) for ACKs, CANCELs without a context and the
 * stateless mode, and the redirect server (§8.3). server.c decides which
 * requests are the proxy's (those not addressed to this server itself),
 * authenticates local users first, and hands them here.
 */
#ifndef SIPHON_SERVER_PROXY_H
#define SIPHON_SERVER_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/config.h"
#include "siphon/loop.h"
#include "siphon/msg.h"
#include "siphon/tsx.h"

#include "proxy_int.h"

struct sp__proxy_worker;
struct sp_dns;
struct sp_location;

/* What a worker gives its proxy. Everything must outlive the proxy. */
struct sp__proxy_io {
	struct sp_loop *loop;
	struct sp_tsx_layer *tsx;
	unsigned worker;
	const struct sp_config *cfg;
	const struct sp__pxy_self *self;
	struct sp_location *loc;
	struct sp_dns *dns; /* RFC 3263 and ENUM; NULL: IP literals only */
	/* sp__pxy_env.served: is this URI's host a served domain? */
	bool (*served)(void *arg, const struct sp_uri *uri, char *domain, size_t cap);
	/* Sends outside any transaction (the transport policy applies). */
	int (*send)(void *arg, const struct sp_tsx_dest *to, const void *buf, size_t len);
	/* The sp_tsx_dest.conn of a UDP send from local address `local`. */
	void *(*udp_conn)(void *arg, const struct sp_sa *local);
	/* This worker's own UDP address per family ([0] IPv4, [1] IPv6;
	 * addr.len 0 when none): the stateful proxy's Via and source for UDP
	 * branches, so their responses come back to this worker. */
	struct sp_config_listen own_udp[2];
	void *arg;
};

/* Creates the proxy of one worker, on that worker's thread. Returns 0 or
 * -ENOMEM; *out untouched on error. */
int sp__proxy_worker_create(struct sp__proxy_worker **out, const struct sp__proxy_io *io);

/* Frees it (NULL-safe) after the transaction layer is gone: contexts
 * still open are dropped without answers. */
void sp__proxy_worker_destroy(struct sp__proxy_worker *pw);

/* True when req, which this server did not answer as a UAS, is addressed
 * to this server itself rather than to be proxied (RFC 3261 §16.4, §16.5):
 * no Route left after removing ours, and a Request-URI without a user
 * naming us or a served domain. REGISTER is always ours (the registrar). */
bool sp__proxy_is_local(struct sp__proxy_worker *pw, const struct sp_msg *req);

/* RFC 3261 §16.3 step 1 (reasonable syntax): sp_msg_validate_ids over
 * the headers the proxy reads beyond those sp_msg_parse decodes (every
 * Via, Route, Proxy-Require); the others are forwarded as they are,
 * well-formed or not. 0 or -EBADMSG with req->error set (400). */
int sp__proxy_validate(struct sp_msg *req);

/* True when the From URI of req is in a served domain (the request must
 * then be authenticated before it is proxied, issue 4). */
bool sp__proxy_from_local(struct sp__proxy_worker *pw, const struct sp_msg *req);

/* RFC 3261 §16.3 checks only (the ones that need no identity: scheme,
 * Max-Forwards, loop, Proxy-Require): answers req in st and returns true
 * when one fails. The server runs them before authenticating. */
bool sp__proxy_precheck(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
			const struct sp_tsx_dest *src, uint64_t t0);

/* Stateful proxying of req in its server transaction st (RFC 3261 §16.2-
 * §16.9): answered now (an error, a redirect) or later, when the
 * branches answer. trusted: the sender is one of our users (authenticated)
 * or a trusted source, and may be relayed to other domains. t0: receive
 * time (CLOCK_MONOTONIC µs) for the access log. */
void sp__proxy_request(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		       const struct sp_tsx_dest *src, bool trusted, uint64_t t0);

/* RFC 3261 §16.10: a CANCEL in its server transaction st. Answered 200
 * and applied to the pending branches when it matches an INVITE we are
 * proxying; else forwarded statelessly (or 481 when it cannot be routed). */
void sp__proxy_cancel(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src, uint64_t t0);

/* RFC 3261 §16.11: forwards req without a transaction (an ACK for a 2xx,
 * every request in stateless mode). Errors are answered statelessly
 * (never for an ACK). */
void sp__proxy_stateless(struct sp__proxy_worker *pw, const struct sp_msg *req,
			 const struct sp_tsx_dest *src, bool trusted, uint64_t t0);

/* Stateless mode: a response that matched no client transaction. When its
 * top Via is ours it is forwarded to the next Via (§16.11, §18.2.2);
 * otherwise dropped. */
void sp__proxy_response(struct sp__proxy_worker *pw, const struct sp_msg *resp);

/* Redirect mode (RFC 3261 §8.3): answers req in st with 302 (one target)
 * or 300 (several) listing the targets as Contacts with their q, 301 for
 * a redirect route, or the proxy's error. */
void sp__proxy_redirect(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
			const struct sp_tsx_dest *src, bool trusted, uint64_t t0);

/* ---- inside the proxy (proxy*.c) ------------------------------------------ */

#define SP__PROXY_OUT_CAP (65535 + 4096)

struct sp__proxy_ctx;

struct sp__proxy_worker {
	struct sp__proxy_io io;
	char *out; /* the message being printed (SP__PROXY_OUT_CAP) */
	struct sp__proxy_ctx *live; /* stateful contexts (proxy.c), for shutdown */
	/* §16.4 Route preprocessing of the message being handled, done once
	 * for sp__proxy_is_local and reused by sp__proxy_prepare (valid
	 * between two sp__proxy_forget calls, for that msg only). */
	struct {
		const struct sp_msg *msg;
		int rc;
		struct sp__pxy_routing routing;
	} pre;
};

/* Forgets what was worked out for the message handled before: the server
 * calls it when it starts and ends handling a message. */
void sp__proxy_forget(struct sp__proxy_worker *pw);

/* Frees every live stateful context without answering (shutdown, after
 * the transaction layer is gone). */
void sp__proxy_drop_contexts(struct sp__proxy_worker *pw);

uint64_t sp__proxy_now_us(void);  /* CLOCK_MONOTONIC µs */
int64_t sp__proxy_wall_ms(void);  /* wall clock ms (binding expiry) */

/* One access log line for req from src (status 0: nothing sent). */
void sp__proxy_log(struct sp__proxy_worker *pw, const struct sp_tsx_dest *src,
		   const struct sp_msg *req, unsigned status, const char *why, uint64_t t0);

/* Our own response to req: in st, or statelessly to the Via when st is
 * NULL; headers are extra lines with CRLF. Writes the access log line. */
void sp__proxy_answer(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src, unsigned status, struct sp_str headers,
		      const char *why, uint64_t t0);

/* The routing environment (now: the wall clock for binding expiry). */
struct sp__pxy_env sp__proxy_env(struct sp__proxy_worker *pw);

/* The URI of a destination string: a bare URI or a name-addr (a Path
 * value). Returns 0 or -EINVAL. */
int sp__proxy_dest_uri(struct sp_str dest, struct sp_uri *uri);

/* A resolved next hop as a transaction destination, with the local
 * address to send from. Returns 0, -EPROTONOSUPPORT (not UDP/TCP) or
 * -EADDRNOTAVAIL (no socket of that transport and family). */
int sp__proxy_addr_dest(struct sp__proxy_worker *pw, enum sp_transport tp,
			const struct sp_sa *addr, struct sp_tsx_dest *to,
			const struct sp_config_listen **local);

/* Where a target's request goes (dest: a URI or name-addr): transport,
 * address and UDP socket in *to, the local address in *local. Returns 0,
 * -EAGAIN (a host name), -EPROTONOSUPPORT, -EINVAL, -EADDRNOTAVAIL. */
int sp__proxy_target_dest(struct sp__proxy_worker *pw, struct sp_str dest,
			  struct sp_tsx_dest *to, const struct sp_config_listen **local);

#define SP__PXY_VIA_MAX 256

/* What a printed branch request's client transaction keeps
 * (sp_tsx_request_keyed): no parse of the request just printed. */
struct sp__pxy_sent {
	char via[SP__PXY_VIA_MAX]; /* our Via value (keys point into it) */
	struct sp_tsx_keys keys;
};

/* Prints req as forwarded to target t from local with our branch into
 * pw->out (§16.6): Record-Route names local, the Via names via_local
 * (NULL: local too). sent (may be NULL) receives what its transaction
 * keeps. Returns 0 or -ENOSPC. */
int sp__proxy_print_branch(struct sp__proxy_worker *pw, const struct sp_msg *req,
			   const struct sp_tsx_dest *src, const struct sp__pxy_routing *routing,
			   const struct sp__pxy_target *t, const struct sp_config_listen *local,
			   const struct sp_config_listen *via_local, const char *branch,
			   struct sp_wbuf *out, struct sp__pxy_sent *sent);

/* §16.5 after §16.4 (routing): finds the targets of req. Returns true
 * when req was answered here (480/404, 403, a redirect route's 301, an
 * error); false with *targets to forward to. */
bool sp__proxy_route(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src, bool trusted, uint64_t t0,
		     const struct sp__pxy_routing *routing, struct sp__pxy_targets *targets);

/* §16.3 - §16.5: validates req, preprocesses its routes and finds its
 * targets. Returns true when req was answered here (an error, 480/404,
 * 403, a redirect route's 301); false with *targets to forward to. */
bool sp__proxy_prepare(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
		       const struct sp_tsx_dest *src, bool trusted, uint64_t t0,
		       struct sp__pxy_routing *routing, struct sp__pxy_targets *targets,
		       uint64_t *loop_hash);

#endif
