/*
 * Inside src/server: the registrar service that server.c wires into its
 * workers (registrar_service.c). Shared part: the store, its read pool,
 * the binding write-behind, the subscriber cache, the served domains, the
 * secret and the location table. Per worker: one
 * sp_auth_server per served domain (they are not thread-safe), the
 * response buffer and, on worker 0, the expiry timer.
 */
#ifndef SIPHON_SERVER_INT_H
#define SIPHON_SERVER_INT_H

#include "siphon/config.h"
#include "siphon/loop.h"
#include "siphon/msg.h"
#include "siphon/tsx.h"

struct sp__regsvc;
struct sp__regsvc_worker;

/* Opens the store in cfg->data_dir (creating it), reads the served
 * domains, loads or creates the secret file, loads the bindings and starts
 * the read pool and the write-behind thread. Returns 0 or a negative
 * errno (logged). */
int sp__regsvc_create(struct sp__regsvc **out, const struct sp_config *cfg);

/* Before the workers stop: no new lookups; waits (bounded) for those in
 * flight to complete on their workers. */
void sp__regsvc_quiesce(struct sp__regsvc *r);

/* After the workers stopped: writes what is queued, closes. NULL-safe. */
void sp__regsvc_destroy(struct sp__regsvc *r);

/* On worker `index`'s thread. Returns 0 or a negative errno. */
int sp__regsvc_worker_create(struct sp__regsvc_worker **out, struct sp__regsvc *r,
			     struct sp_loop *loop, unsigned index);
void sp__regsvc_worker_destroy(struct sp__regsvc_worker *w);

/* Handles a REGISTER that the UAS core handed to the registrar, in the
 * server transaction st (answered now or after an asynchronous lookup;
 * the access log line is written when it is answered). t0: receive time
 * (CLOCK_MONOTONIC, µs). */
void sp__regsvc_register(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
			 const struct sp_tsx_dest *src, uint64_t t0);

/* ---- for the proxy (proxy.h) ---- */

struct sp_location;

/* Index of the served domain whose name or alias is host (case
 * insensitive; with no domain configured, the default domain's aliases),
 * or -1. */
int sp__regsvc_domain(const struct sp__regsvc *r, struct sp_str host);

/* The name of served domain i (lowercase): the realm and the AOR domain. */
const char *sp__regsvc_domain_name(const struct sp__regsvc *r, unsigned i);

/* The location table (bindings), for proxy lookups. */
struct sp_location *sp__regsvc_location(const struct sp__regsvc *r);

/* Continuation after authentication: req is valid during the call only
 * (it may be the transaction's own re-parsed copy). */
typedef void (*sp__regsvc_authed_cb)(struct sp__regsvc_worker *w, struct sp_tsx *st,
				     const struct sp_msg *req, const struct sp_tsx_dest *src,
				     uint64_t t0, void *arg);

/* Digest authentication of a non-REGISTER request in server transaction
 * st (RFC 3261 §22.3: 407 + Proxy-Authenticate, Proxy-Authorization) for
 * the served domain index dom (the From domain). Calls ok (now, or later
 * on this worker after a store lookup, with a reference to st kept
 * meanwhile) once the request is authenticated AND the authenticated user
 * equals the From user (and the From host names domain dom); otherwise
 * answers the request itself (407 challenge, 403 banned or From user
 * mismatch, 400, 500, 503 when the store's queue is full) and writes the
 * access log line. A domain with auth none calls ok at once.
 *
 * The same path serves REGISTER (401 + WWW-Authenticate, Authorization;
 * the identity rule is then RFC 3261 §10.3 step 3: To user). ACK and
 * CANCEL cannot be challenged (§22.1): do not pass them. ok is not called
 * when the request was answered here, nor when st terminated while the
 * lookup ran: arg is never freed here, so it must not be per-request
 * memory that only ok releases (pass long-lived state, e.g. the worker's
 * proxy context, or keep per-request state reachable from st). Most
 * requests of a known user finish synchronously: the H(A1)s are cached
 * (subscriber_cache.h). */
void sp__regsvc_authorize(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
			  const struct sp_tsx_dest *src, unsigned dom, uint64_t t0,
			  sp__regsvc_authed_cb ok, void *arg);

#endif
