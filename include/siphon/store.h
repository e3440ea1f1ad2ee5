/*
 * The store (DESIGN.md §6): subscribers, served domains and location
 * bindings, behind one interface so that a shared network store can plug in
 * later without touching the registrar or the proxy. The embedded default
 * backend is SQLite in WAL mode under a data directory (docs/store.md).
 *
 * Two layers:
 *   - the synchronous API below (sp_store_*): every call may block on disk
 *     and must never run on a worker loop. The CLI uses it directly; the
 *     server uses it at startup (sp_store_binding_load_all), from its
 *     binding write-behind thread (sp_store_binding_batch) and through the
 *     async layer.
 *   - the async layer (sp_store_async_*): a small thread pool that runs
 *     store jobs and posts each completion back to the submitting loop with
 *     sp_loop_post(), so a SIP worker never blocks (DESIGN.md §3).
 *
 * Subscribers keep H(A1) in hex for MD5 and SHA-256 (RFC 7616 §3.4.2 with
 * realm = domain), never a password. Records are plain value types with
 * fixed-size NUL-terminated fields; a value that does not fit is refused
 * with -ENAMETOOLONG. A store handle is safe to use from several threads
 * (calls are serialized); several handles, in one process or several (the
 * CLI while the server runs), may share one data directory.
 *
 * Errors are negative errno: -ENOENT (no such record), -EEXIST (add of an
 * existing record), -EINVAL (bad argument), -ENAMETOOLONG, -ENOMEM,
 * -EBUSY (database locked beyond the busy timeout, or async queue full),
 * -EIO (any other database failure), -ENOTSUP (unknown backend, or a
 * database written by a newer siphon).
 */
#ifndef SIPHON_STORE_H
#define SIPHON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sp_loop;
struct sp_store;

/* Field sizes, NUL included. */
#define SP_STORE_USER_MAX   128
#define SP_STORE_DOMAIN_MAX 256
#define SP_STORE_URI_MAX    1024
#define SP_STORE_TEXT_MAX   256

/* The realm and name of the default domain, used when no domain is
 * configured: its aliases are the listen addresses, "localhost" and the
 * host name (docs/store.md). */
#define SP_STORE_DEFAULT_DOMAIN "localhost"

/* True when dom (lowercase, NUL-terminated) is an alias of the default
 * domain: "localhost", this machine's host name, or an IPv4 or IPv6
 * address literal (bracketed or not), which covers every listen address.
 * The rule `siphon user` and `siphon serve` share when no domain is
 * configured. */
bool sp_store_default_alias(const char *dom);

/* The file inside the data directory. */
#define SP_STORE_DB_FILE "siphon.db"

/* The schema version this build writes (docs/store.md lists them). */
#define SP_STORE_SCHEMA_VERSION 2

/* A subscriber: ha1_md5 is 32 and ha1_sha256 64 lowercase hex digits,
 * H(user ":" domain ":" password) (sp_digest_ha1). One of the two may be
 * empty (a subscriber imported from a store that kept only MD5): that
 * algorithm then cannot authenticate the subscriber and should not be
 * offered to it. */
struct sp_store_subscriber {
	char user[SP_STORE_USER_MAX];
	char domain[SP_STORE_DOMAIN_MAX];
	char ha1_md5[33];
	char ha1_sha256[65];
	int64_t created_at; /* unix seconds; set by the store on insert */
};

enum sp_store_auth {
	SP_STORE_AUTH_DIGEST = 0, /* the default: digest authentication */
	SP_STORE_AUTH_NONE,	  /* open registration (labs, benchmarks) */
};

/* A served domain; name is lowercase. */
struct sp_store_domain {
	char name[SP_STORE_DOMAIN_MAX];
	enum sp_store_auth auth;
	int64_t created_at; /* unix seconds; set by the store on insert */
};

/* A location binding (RFC 3261 §10.3, RFC 5626): one Contact of one AOR.
 * Keyed by (aor, contact); contact is the exact text as sent. Empty strings
 * mean absent. */
struct sp_store_binding {
	char aor[SP_STORE_URI_MAX];
	char contact[SP_STORE_URI_MAX];
	int64_t expires_at; /* absolute unix seconds */
	int q;		    /* q-value in thousandths (0..1000); -1: none */
	char call_id[SP_STORE_TEXT_MAX];
	uint32_t cseq;
	char path[SP_STORE_URI_MAX];	  /* Path header values, comma-joined (RFC 3327) */
	char instance[SP_STORE_TEXT_MAX]; /* +sip.instance (RFC 5626 §4.1) */
	uint32_t reg_id;		  /* reg-id; 0: none */
	char transport[16];		  /* received over: "udp", "tcp", ... */
	char source[64];		  /* received from: "1.2.3.4:5060", "[::1]:5060" */
	char user_agent[SP_STORE_TEXT_MAX];
	int64_t updated_at; /* unix seconds; set by the store on write */
};

/* Iteration callbacks: return 0 to go on, anything else to stop (the
 * listing call then returns that value). They run with the handle's lock
 * held: a callback must not call the store on the same handle. */
typedef int (*sp_store_subscriber_cb)(const struct sp_store_subscriber *sub, void *arg);
typedef int (*sp_store_domain_cb)(const struct sp_store_domain *dom, void *arg);
typedef int (*sp_store_binding_cb)(const struct sp_store_binding *b, void *arg);

/* Import source: fills *sub with the next subscriber and returns 1, returns
 * 0 at the end, or a negative errno to abandon the import. */
typedef int (*sp_store_import_cb)(struct sp_store_subscriber *sub, void *arg);

/* ---- opening ---- */

/* Opens backend ("sqlite") over data_dir, creating the directory (mode
 * 0700, parents too) and the database (mode 0600) when missing, and
 * migrating an older schema to SP_STORE_SCHEMA_VERSION. Returns 0, -ENOTSUP
 * (unknown backend or newer schema), -ENOMEM, -EIO, or the -errno of
 * mkdir/open; *out untouched on error. */
int sp_store_open(struct sp_store **out, const char *backend, const char *data_dir);

/* Closes the store (NULL-safe). No call may be in flight. */
void sp_store_close(struct sp_store *s);

/* The schema version of the open database. */
int sp_store_schema_version(struct sp_store *s, int *version);

/* ---- subscribers ---- */

/* Copies subscriber user@domain into *out. Returns 0 or -ENOENT. */
int sp_store_subscriber_get(struct sp_store *s, const char *user, const char *domain,
			    struct sp_store_subscriber *out);

/* Adds sub (replace false: -EEXIST if it exists) or adds-or-replaces it
 * (replace true: keeps created_at of an existing row). The HA1s must be
 * lowercase hex of the right length, at most one empty, and the domain
 * lowercase (-EINVAL otherwise). */
int sp_store_subscriber_put(struct sp_store *s, const struct sp_store_subscriber *sub,
			    bool replace);

/* Deletes user@domain. Returns 0 or -ENOENT. */
int sp_store_subscriber_del(struct sp_store *s, const char *user, const char *domain);

/* Calls cb for every subscriber of domain (NULL: all), ordered by domain
 * then user. Returns 0, cb's non-zero value, or a negative errno. */
int sp_store_subscriber_list(struct sp_store *s, const char *domain, sp_store_subscriber_cb cb,
			     void *arg);

/* Calls cb for at most limit subscribers of domain whose user name sorts
 * after `after` (bytewise; "" or NULL: from the first), ordered by user:
 * a long listing in pages, each call holding the handle only briefly (the
 * server warms its subscriber cache this way while it answers requests).
 * *count (may be NULL) gets how many rows were passed to cb; fewer than
 * limit means the end. Returns 0, cb's non-zero value, or a negative
 * errno. */
int sp_store_subscriber_page(struct sp_store *s, const char *domain, const char *after,
			     unsigned limit, sp_store_subscriber_cb cb, void *arg, size_t *count);

/* Adds or replaces every subscriber next() yields, in one transaction:
 * all or none. *count (may be NULL) gets the number written. Returns 0,
 * next()'s negative value, -EINVAL for an invalid record (nothing is
 * written then), or another negative errno. */
int sp_store_subscriber_import(struct sp_store *s, sp_store_import_cb next, void *arg,
			       size_t *count);

/* ---- domains ---- */

int sp_store_domain_get(struct sp_store *s, const char *name, struct sp_store_domain *out);
/* As subscriber_put; the name is stored lowercased. */
int sp_store_domain_put(struct sp_store *s, const struct sp_store_domain *dom, bool replace);
int sp_store_domain_del(struct sp_store *s, const char *name);
/* Calls cb for every domain, ordered by name. */
int sp_store_domain_list(struct sp_store *s, sp_store_domain_cb cb, void *arg);

/* "digest" or "none"; sp_store_auth_parse returns 0 or -EINVAL. */
const char *sp_store_auth_name(enum sp_store_auth auth);
int sp_store_auth_parse(const char *name, enum sp_store_auth *auth);

/* ---- location bindings ---- */

/* Adds or replaces the binding (b->aor, b->contact). */
int sp_store_binding_put(struct sp_store *s, const struct sp_store_binding *b);

/* Deletes binding (aor, contact), or every binding of aor when contact is
 * NULL. Returns 0 or -ENOENT when nothing matched. */
int sp_store_binding_del(struct sp_store *s, const char *aor, const char *contact);

/* Deletes every binding with expires_at <= now; *count (may be NULL) gets
 * how many. */
int sp_store_binding_expire(struct sp_store *s, int64_t now, size_t *count);

/* Calls cb for every binding (ordered by aor, then contact): the reload of
 * the location service at restart. */
int sp_store_binding_load_all(struct sp_store *s, sp_store_binding_cb cb, void *arg);

/* One change of a binding batch (sp_store_binding_batch). */
enum sp_store_binding_op_kind {
	SP_STORE_BINDING_PUT, /* add or replace b (as sp_store_binding_put) */
	SP_STORE_BINDING_DEL, /* delete (b.aor, b.contact) if present; other fields unused */
};
struct sp_store_binding_op {
	enum sp_store_binding_op_kind kind;
	struct sp_store_binding b;
};

/* Batch source: fills *op with the next change and returns 1, returns 0 at
 * the end, or a negative errno to abandon the batch. *op is the same
 * buffer on every call (not cleared in between: set every field a PUT
 * uses). */
typedef int (*sp_store_binding_op_cb)(struct sp_store_binding_op *op, void *arg);

/* Applies every change next() yields, in order, in one transaction: all or
 * none (the location write-behind: one commit per batch instead of one per
 * binding). A DEL of a binding that does not exist is no error. *count
 * (may be NULL) gets the number of changes applied. Returns 0, next()'s
 * negative value, -EINVAL or -ENAMETOOLONG for an invalid record (nothing
 * is written then), -EBUSY when the database stayed locked beyond the
 * busy timeout (another process writing: nothing is written, try again
 * later with the same changes), or another negative errno. */
int sp_store_binding_batch(struct sp_store *s, sp_store_binding_op_cb next, void *arg,
			   size_t *count);

/* ---- change detection ---- */

/* A number that changes whenever ANOTHER handle or process commits a
 * change to the database (SQLite PRAGMA data_version); commits made
 * through s itself leave it unchanged. Compare two values read from the
 * same handle: the server polls it to notice `siphon user` changes and
 * drop its subscriber cache. Returns 0 or a negative errno. */
int sp_store_data_version(struct sp_store *s, uint64_t *v);

/* ---- async layer ---- */

struct sp_store_async;

/* A job: runs on a pool thread with the store and returns a result
 * (0 or a negative errno), which is handed to the done callback. */
typedef int (*sp_store_work_cb)(struct sp_store *s, void *arg);
/* A completion: runs on the submitting loop's thread, by sp_loop_post. */
typedef void (*sp_store_done_cb)(int result, void *arg);

/* Starts nthreads (1..8) pool threads over s, with room for queue_max
 * (>= 1) jobs waiting or running. s must outlive the pool. Returns 0,
 * -EINVAL, -ENOMEM or pthread's -errno; *out untouched on error. */
int sp_store_async_create(struct sp_store_async **out, struct sp_store *s, unsigned nthreads,
			  unsigned queue_max);

/* Queues work(store, arg) for a pool thread, then done(result, arg) on
 * loop. Any thread may submit. done may be NULL (fire and forget); loop may
 * then be NULL too. Returns 0, -EBUSY when queue_max jobs are already
 * waiting or running, -EINVAL (no work, or done without a loop) or -ENOMEM;
 * on error nothing runs. The job holds its memory from submit, so a
 * completion is never lost to ENOMEM: if sp_loop_post fails the pool
 * retries it. loop must stay alive until done has run. */
int sp_store_async_submit(struct sp_store_async *a, struct sp_loop *loop, sp_store_work_cb work,
			  sp_store_done_cb done, void *arg);

/* Names the pool's threads (pthread_setname_np: at most 15 bytes, e.g.
 * "sp-store-read") so that top and perf tell them apart; until then they
 * carry the creating thread's name. NULL-safe. */
void sp_store_async_set_name(struct sp_store_async *a, const char *name);

/* Jobs waiting or running now (for tests and metrics). */
unsigned sp_store_async_pending(struct sp_store_async *a);

/* Runs every job already queued (their completions are posted), then
 * stops and joins the threads and frees (NULL-safe). */
void sp_store_async_destroy(struct sp_store_async *a);

#endif
