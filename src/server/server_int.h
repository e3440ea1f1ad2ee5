/*
 * Inside src/server: the registrar service that server.c wires into its
 * workers (registrar_service.c). Shared part: the store, its async pools,
 * the served domains, the secret and the location table. Per worker: one
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
 * the async pools. Returns 0 or a negative errno (logged). */
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

#endif
