/*
 * Location service (RFC 3261 §10, §16.5): the bindings of each
 * address-of-record (AOR) to contact addresses, shared by every worker.
 *
 * Shape (DESIGN §3, §4):
 * - A table of SP_LOCATION_SHARDS shards, each with its own mutex, its own
 *   open hash of AOR records keyed by the canonical AOR
 *   (sp_location_aor_key) and its own expiry min-heap. Work on one AOR
 *   takes exactly one shard lock; no operation ever holds two.
 * - A binding is a refcounted, immutable object: every string it holds is
 *   an owned copy inside the same single allocation. Bindings cross
 *   threads (a snapshot is released on another worker than the one that
 *   committed), so their count is atomic: use sp_binding_ref/deref, not
 *   sp_mem_ref/deref (whose count is plain, for single-thread objects). Updating a binding
 *   means replacing it with a new one, so a lookup snapshot is just an
 *   array of references that stays valid, unlocked, for as long as the
 *   caller keeps it.
 * - Changes to one AOR are staged in a transaction (sp_location_begin) and
 *   made visible all at once by sp_location_commit, or not at all
 *   (RFC 3261 §10.3: a REGISTER is processed atomically).
 * - Expiry: each commit pushes (expires_at, binding) on the shard's
 *   min-heap; sp_location_expire(now) pops what is due. An entry whose
 *   binding was replaced or removed meanwhile is dropped when it surfaces
 *   (lazy deletion), so the cost is O((expired + superseded) log n). A
 *   superseded binding's memory is held by its heap entry until its old
 *   deadline (a UA refreshing at half time keeps at most two versions).
 *   The server drives it from a timer (per worker, or one periodic sweep)
 *   using sp_location_next_expiry.
 * - Persistence: every committed change is reported to an optional
 *   change callback (for the asynchronous write-behind to the store);
 *   sp_location_load restores bindings in bulk at start.
 *
 * Times are milliseconds on the wall clock (epoch), supplied by the caller,
 * so that tests use fake time and a restored binding keeps its deadline.
 */
#ifndef SIPHON_LOCATION_H
#define SIPHON_LOCATION_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/str.h"
#include "siphon/uri.h"

#define SP_LOCATION_SHARDS   64
#define SP_LOCATION_MAX_PATH 16 /* Path values kept per binding */

/* One binding. Immutable once created; refcounted (sp_binding_ref/deref).
 * Every slice points inside the binding's own allocation (absent: p NULL). */
struct sp_binding {
	struct sp_str aor;	/* canonical AOR key (sp_location_aor_key) */
	struct sp_str contact;	/* the Contact header value exactly as sent */
	struct sp_str uri;	/* the contact URI as sent (inside contact) */
	struct sp_str instance; /* +sip.instance value without its quotes (RFC 5626 §4.1) */
	uint32_t reg_id;	/* reg-id (RFC 5626 §4.2), 0 if absent */
	int q;			/* thousandths, 1000 when absent (RFC 3261 §20.10) */
	int64_t expires_at;	/* ms, wall clock */
	int64_t registered_at;	/* ms of the REGISTER that created this version */
	struct sp_str call_id;
	uint32_t cseq;
	const struct sp_str *path; /* RFC 3327 Path values, in order (npath of them) */
	unsigned npath;
	struct sp_str received;	 /* source address of the REGISTER, as text */
	struct sp_str transport; /* transport it came over ("UDP", "TCP", ...) */
	struct sp_str flow;	 /* opaque flow token (RFC 5626 §5.2), may be absent */
	uint64_t tgruu_epoch;	 /* Call-ID generation for temp-gruus (RFC 5627 §5.1) */
	uint64_t version;	 /* table-wide sequence: larger is more recent */
};

/* What sp_binding_create copies. Slices need not outlive the call. */
struct sp_binding_init {
	struct sp_str aor, contact, uri, instance, call_id, received, transport, flow;
	const struct sp_str *path;
	unsigned npath;
	uint32_t reg_id, cseq;
	int q;
	int64_t expires_at, registered_at;
	uint64_t tgruu_epoch;
};

/* Creates a binding holding copies of everything in *init, in one
 * allocation. `uri` must lie inside `contact` (it is then stored as the
 * same bytes of the copy) or be given separately (copied). Returns 0 and
 * sets *out (one reference), -EINVAL when npath exceeds
 * SP_LOCATION_MAX_PATH, or -ENOMEM; *out untouched on error. */
int sp_binding_create(struct sp_binding **out, const struct sp_binding_init *init);

/* Takes one more reference (atomic); returns b. NULL-safe. */
struct sp_binding *sp_binding_ref(struct sp_binding *b);

/* Drops one reference (atomic); frees at zero. NULL-safe; returns NULL. */
struct sp_binding *sp_binding_deref(struct sp_binding *b);

/* Current count, for tests. */
uint32_t sp_binding_nrefs(const struct sp_binding *b);

/* RFC 3261 §10.3 step 5: the canonical AOR of a sip/sips URI, written to
 * out[cap]: "user@host" or "user@host:port", with every URI parameter and
 * header dropped, %HH escapes of the user decoded, and the host lowercased.
 * The scheme is dropped too: sip: and sips: of the same user@host are one
 * AOR (RFC 5630 §3.1.3: SIPS is a property of how the AOR is reached, not a
 * different resource). The port is kept when written: RFC 3261 §19.1.4
 * makes a URI with a port differ from one without. Returns the length,
 * -EINVAL for another scheme (tel, other) or an empty host, -ENOSPC if cap
 * is too small. */
long sp_location_aor_key(const struct sp_uri *uri, char *out, size_t cap);

/* sp_location_aor_key with the host[:port] replaced by domain (when
 * domain.len): the served domain an alias host stands for, so that
 * sip:alice@127.0.0.1 and sip:alice@localhost are one AOR when both name
 * the default domain (issue 4). domain must be lowercase already. */
long sp_location_aor_key_in(const struct sp_uri *uri, struct sp_str domain, char *out,
			    size_t cap);

/* A change committed to the table, for persistence. The binding reference
 * is valid for the duration of the call (take one to keep it). */
enum sp_location_change {
	SP_LOC_PUT,    /* binding added, or replaces one with the same aor+contact identity */
	SP_LOC_REMOVE, /* binding removed (deregistered, replaced by identity, or expired) */
};
/* Called with the shard lock held, in commit order for the AOR; it must
 * not call into the table (queue the work instead). */
typedef void (*sp_location_change_cb)(enum sp_location_change change, const struct sp_binding *b,
				      void *arg);

struct sp_location;

/* Creates an empty table. change may be NULL. Returns 0 and sets *out, or
 * -ENOMEM. Free with sp_mem_deref. */
int sp_location_create(struct sp_location **out, sp_location_change_cb change, void *arg);

/* Number of bindings in the table (all shards; approximate while writers run). */
size_t sp_location_count(struct sp_location *loc);

/* ---- per-AOR transactions -------------------------------------------------- */

/* A staged change of one AOR's bindings. Lives on the caller's stack
 * between sp_location_begin and sp_location_commit/abort; the shard lock is
 * held all that time, so keep it short and call nothing that may block.
 * Members are private except through the functions below. */
struct sp_location_txn {
	struct sp_location *loc;
	void *shard;
	void *rec;
	struct sp_binding **cur; /* working array (owned references) */
	unsigned n, cap;
	bool *fresh; /* cur[i] was put by this transaction */
};

/* Locks the AOR's shard and stages its current bindings (those still
 * unexpired at `now` are visible through sp_location_txn_get; due ones
 * are dropped by the commit). Returns 0, or -ENOMEM (nothing locked). */
int sp_location_begin(struct sp_location *loc, struct sp_str aor, int64_t now,
		      struct sp_location_txn *txn);

/* Bindings staged now (index 0 .. n-1). */
static inline unsigned sp_location_txn_count(const struct sp_location_txn *txn)
{
	return txn->n;
}
static inline const struct sp_binding *sp_location_txn_get(const struct sp_location_txn *txn,
							   unsigned i)
{
	return txn->cur[i];
}
/* True when binding i was put by this transaction (not yet committed). */
static inline bool sp_location_txn_fresh(const struct sp_location_txn *txn, unsigned i)
{
	return txn->fresh[i];
}

/* Stages b (the transaction takes the caller's reference) at index i
 * (replacing the binding there), or appended when i == count. Returns 0
 * or -ENOMEM (b is then released). */
int sp_location_txn_put(struct sp_location_txn *txn, unsigned i, struct sp_binding *b);

/* Stages the removal of binding i (later indices shift down). */
void sp_location_txn_remove(struct sp_location_txn *txn, unsigned i);

/* Makes the staged state the AOR's bindings, reports each change to the
 * change callback, schedules expiry, and unlocks. Returns 0, or -ENOMEM
 * (the table is then unchanged: RFC 3261 §10.3 step 7 requires all or
 * nothing). Either way the transaction is finished. */
int sp_location_commit(struct sp_location_txn *txn);

/* Discards the staged changes and unlocks. */
void sp_location_abort(struct sp_location_txn *txn);

/* ---- lookups ---------------------------------------------------------------- */

/* A snapshot: references to bindings, ordered by q descending, then most
 * recently registered first (RFC 3261 §16.6 leaves order within a q to the
 * proxy; newest first favours the device the user touched last). */
struct sp_location_snap {
	struct sp_binding **b;
	unsigned n;
};

/* Snapshot of the bindings of the AOR key `aor` unexpired at `now`. When
 * instance is present only bindings with that +sip.instance are given (a
 * public GRUU, RFC 5627 §6.1). Returns 0 (n may be 0), or -ENOMEM. Free
 * with sp_location_snap_free. */
int sp_location_lookup(struct sp_location *loc, struct sp_str aor, struct sp_str instance,
		       int64_t now, struct sp_location_snap *snap);

/* Drops the references and the array; the snapshot becomes empty. */
void sp_location_snap_free(struct sp_location_snap *snap);

/* Removes every binding due at `now` (expires_at <= now), reporting each
 * as SP_LOC_REMOVE. Returns how many were removed. */
size_t sp_location_expire(struct sp_location *loc, int64_t now);

/* Earliest deadline in the table (ms), or INT64_MAX when empty: when the
 * server should next call sp_location_expire. Stale heap entries may make
 * it early, never late. */
int64_t sp_location_next_expiry(struct sp_location *loc);

/* Bulk restore at start (from the store): inserts b (a new reference is
 * taken) unless it is already expired at `now`, without reporting a
 * change. Returns 0, 1 when skipped as expired, or -ENOMEM. */
int sp_location_load(struct sp_location *loc, struct sp_binding *b, int64_t now);

/* ---- GRUU (RFC 5627) ---------------------------------------------------------- */

struct sp_wbuf;

/* Sets the 32-byte secret that protects temporary GRUUs (RFC 5627 §5.4,
 * Appendix A.2). Keep it stable across restarts (config or store) so that
 * temp-gruus handed out before a restart keep routing. Default: zeros. */
void sp_location_set_gruu_key(struct sp_location *loc, const uint8_t key[32]);

/* The Call-ID generation a binding records in tgruu_epoch: temp-gruus
 * minted under one Call-ID stay valid while a binding of the same AOR and
 * instance has that Call-ID (RFC 5627 §5.1: a new Call-ID invalidates
 * them; §5.3: so does the end of the instance's last contact). */
uint64_t sp_location_gruu_epoch(struct sp_str call_id);

/* Writes the public GRUU of binding b (which must have an instance):
 * "sip:" AOR ";gr=" instance URN, escaped where needed (RFC 5627 §5.1,
 * Appendix A.1: stateless and stable across registrations). */
void sp_location_pub_gruu(const struct sp_binding *b, struct sp_wbuf *out);

/* Mints a new temporary GRUU for b and writes it:
 * "sip:tgruu.<token>@domain;gr" where token encrypts (Call-ID epoch, a hash
 * of the instance, AOR) under the table's key with a fresh nonce and
 * authenticates it, so two
 * temp-gruus cannot be linked to each other or to the AOR (RFC 5627 §5.1
 * properties 1 and 2) and no per-GRUU state is kept. */
void sp_location_temp_gruu(struct sp_location *loc, const struct sp_binding *b,
			   struct sp_wbuf *out);

/* What a proxy owning the domain asks (RFC 3261 §16.5, RFC 5627 §6.1):
 * the targets of a Request-URI. Without a "gr" parameter: the bindings of
 * its AOR. With "gr": a temp-gruu (user "tgruu.<token>") reaches the
 * bindings of its AOR and instance still under the minting Call-ID; a
 * pub-gruu reaches the bindings of its AOR with that instance. Returns 0
 * with the snapshot (n == 0: no contacts, answer 480 for a GRUU), -ENOENT
 * when the URI carries "gr" but is no valid GRUU (answer 404), -EINVAL if
 * it is no sip/sips URI, or -ENOMEM. */
int sp_location_lookup_uri(struct sp_location *loc, const struct sp_uri *uri, int64_t now,
			   struct sp_location_snap *snap);

/* sp_location_lookup_uri with the AOR's host[:port] taken as the served
 * domain `domain` (lowercase; empty: as written), as sp_location_aor_key_in
 * does at registration: the lookup a proxy does for a Request-URI whose
 * host is an alias of a served domain. */
int sp_location_lookup_uri_in(struct sp_location *loc, const struct sp_uri *uri,
			      struct sp_str domain, int64_t now, struct sp_location_snap *snap);

#endif
