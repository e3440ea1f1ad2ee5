/*
 * The subscriber cache (subscriber_cache.c): the H(A1)s of the subscribers
 * the store answered for, shared by every worker, so that a digest check
 * of a known user finishes on the worker that received the request, with
 * no store lookup, thread hand-off or re-parse.
 *
 * Keyed by (served domain index, user name, exact bytes). An entry is
 * either the user's HA1s or "no such user": both are cached, so an
 * unknown user costs what a known one costs and gets the same answer
 * (no user enumeration, auth.h). Entries carry the generation they were
 * filled under; sp__subcache_invalidate() bumps the generation, which
 * makes every entry a miss at once (the server does it when another
 * process, `siphon user ...`, changed the store: sp_store_data_version).
 * A lookup reads the generation before it asks the store and inserts its
 * answer under that generation, so an answer read before an invalidation
 * is never cached after it.
 *
 * Memory is bounded: at most max_entries entries in SHARDS shards, each
 * with its own mutex and chained hash; a shard that is full when a new
 * user comes is emptied (simple, O(shard) now and then, and bounded).
 * HA1s are wiped (explicit_bzero) when an entry is freed.
 */
#ifndef SIPHON_SUBSCRIBER_CACHE_H
#define SIPHON_SUBSCRIBER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "siphon/auth.h"
#include "siphon/str.h"

struct sp__subcache;

#define SP__SUBCACHE_SHARDS   64
#define SP__SUBCACHE_DEFAULT  1000000 /* entries */
#define SP__SUBCACHE_USER_MAX 127     /* longer user names are never cached */

enum sp__subcache_result {
	SP__SUBCACHE_MISS = 0, /* not cached (or from an older generation): ask the store */
	SP__SUBCACHE_HIT,      /* *creds filled */
	SP__SUBCACHE_NO_USER,  /* the store said: no such subscriber */
};

/* Creates an empty cache of at most max_entries (>= 1; rounded up to one
 * per shard) entries. Returns 0, -EINVAL or -ENOMEM; *out untouched on
 * error. */
int sp__subcache_create(struct sp__subcache **out, size_t max_entries);

/* Frees every entry (HA1s wiped) and the cache. NULL-safe. No call may be
 * in flight. */
void sp__subcache_destroy(struct sp__subcache *c);

/* The current generation: read it BEFORE asking the store, and give it to
 * sp__subcache_put with the answer. Any thread. */
uint32_t sp__subcache_generation(const struct sp__subcache *c);

/* Makes every entry stale (a miss from now on); entries inserted under an
 * older generation are refused. Any thread, lock-free. */
void sp__subcache_invalidate(struct sp__subcache *c);

/* Looks user up in served domain dom. On HIT fills *creds (the caller
 * wipes it after use). Any thread. */
enum sp__subcache_result sp__subcache_get(struct sp__subcache *c, unsigned dom, struct sp_str user,
					  struct sp_auth_creds *creds);

/* Caches the store's answer for user in domain dom, obtained under
 * generation gen: creds (at least one HA1 present) or NULL for "no such
 * user". Replaces an existing entry. Returns 0, -ESTALE (gen is not the
 * current generation: nothing cached), -EINVAL (dom over 65535, user
 * empty or longer than SP__SUBCACHE_USER_MAX, no HA1, HA1 not hex) or
 * -ENOMEM. Any thread. */
int sp__subcache_put(struct sp__subcache *c, unsigned dom, struct sp_str user, uint32_t gen,
		     const struct sp_auth_creds *creds);

/* Entries held now, stale ones included (for tests and metrics). */
size_t sp__subcache_count(struct sp__subcache *c);

/* The bound actually used (max_entries rounded up to the shards). */
size_t sp__subcache_capacity(const struct sp__subcache *c);

#endif
