/*
 * Internals shared by the files of src/dns: parsed record sets, the cache
 * with its lookups in flight (one c-ares query per name and type, however
 * many resolutions wait for it), the query handles, and the resolver
 * object itself.
 *
 * Layering inside the folder:
 *   resolver.c     sp_dns, c-ares channel on the loop (sockets, timer)
 *   fetch.c        sp__dns_fetch: cache hit, join a query, or send one
 *   cache.c        the table of entries: hash, LRU, TTL, bound
 *   wire.c         DNS message -> struct sp__dns_rrset
 *   rr_order.c     RFC 2782 SRV order, RFC 3403 NAPTR order
 *   query.c        sp_dns_query handles: deferred completion, cancel
 *   sip_resolve.c  RFC 3263 §4
 *   enum.c         RFC 6116 ENUM
 *   naptr_regex.c  RFC 3402 §3.2 substitution expressions
 */
#ifndef SIPHON_DNS_INT_H
#define SIPHON_DNS_INT_H

#include <ares.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/dns.h"
#include "siphon/loop.h"
#include "siphon/str.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* A domain name in presentation form, without trailing dot: at most 253
 * characters (RFC 1035 §2.3.4: 255 octets on the wire). */
#define SP__DNS_NAME_MAX 253

/* RR types (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 3403). */
enum {
	SP__DNS_A = 1,
	SP__DNS_CNAME = 5,
	SP__DNS_SOA = 6,
	SP__DNS_AAAA = 28,
	SP__DNS_SRV = 33,
	SP__DNS_NAPTR = 35,
};

/* ---- parsed record sets (wire.c) ---- */

/* One record's data. Strings point into the set's own storage and are
 * NUL-terminated (character-strings may also hold NUL bytes: use len). */
struct sp__dns_rr {
	union {
		struct in_addr a;
		struct in6_addr aaaa;
		struct {
			uint16_t priority, weight, port;
			const char *target; /* "" for the root ("." in a zone) */
		} srv;
		struct {
			uint16_t order, pref;
			struct sp_str flags, services, regexp;
			const char *replacement; /* "" for the root */
		} naptr;
	} u;
};

/* TTL of a set that must not be cached (a negative answer without SOA,
 * RFC 2308 §5). */
#define SP__DNS_TTL_NONE UINT32_MAX

/* The answer to one (name, type) question, refcounted (sp_mem_*): the
 * cache holds one reference, each resolution using it another. */
struct sp__dns_rrset {
	uint16_t type;
	/* 0: n >= 1 records; -ENOENT: NXDOMAIN; -ENODATA: the name exists
	 * without records of this type (also a CNAME chain that ends in the
	 * answer without them). */
	int status;
	uint32_t ttl; /* seconds, before the config caps; or SP__DNS_TTL_NONE */
	unsigned n;
	struct sp__dns_rr rr[];
};

/* Parses the response msg[len] to a query for (qname, qtype): the
 * records of qtype owned by qname or by the end of a CNAME chain from it
 * in the answer section (RFC 1034 §3.6.2), IN class only; the TTL is the
 * smallest of the records and CNAMEs used (RFC 2181 §5.2, §8). Negative
 * answers take their TTL from the SOA in the authority section (RFC 2308
 * §5: min(SOA TTL, SOA MINIMUM)). Records whose data is malformed make
 * the whole message -EBADMSG; records that are well-formed but unusable
 * (a target with characters no host name has) are left out. Returns 0
 * with *out (one reference, the caller's), -EAGAIN for an RCODE other
 * than NOERROR/NXDOMAIN, -EBADMSG or -ENOMEM. */
int sp__dns_parse(const uint8_t *msg, size_t len, const char *qname, uint16_t qtype,
		  struct sp__dns_rrset **out);

/* True if s is a host name we look up: 1..253 characters, labels of
 * 1..63 letters, digits, '-' and '_', no trailing dot. */
bool sp__dns_name_valid(const char *s, size_t len);

/* ---- RR ordering (rr_order.c) ---- */

/* splitmix64: the resolver's PRNG for SRV weights. */
uint64_t sp__dns_rand(uint64_t *state);

/* Writes into idx[] the indices of the usable records of an SRV set in
 * RFC 2782 order: priority ascending; within one priority the weighted
 * random selection ("Usage rules"), or, if deterministic, weight
 * descending, then target and port (RFC 3263 §4.4). Targets "." are
 * left out. idx has room for rs->n entries. Returns how many were
 * written. */
unsigned sp__dns_srv_order(const struct sp__dns_rrset *rs, bool deterministic, uint64_t *rng,
			   unsigned *idx);

/* Writes into idx[] the indices of a NAPTR set sorted by order, then
 * preference, stable (RFC 3403 §4.1, RFC 6116 §5.2). Returns rs->n. */
unsigned sp__dns_naptr_order(const struct sp__dns_rrset *rs, unsigned *idx);

/* ---- cache and lookups (cache.c, fetch.c) ---- */

struct sp__dns_entry;
struct sp__dns_waiter;

/* Called once when the lookup a waiter joined completes: err < 0 and rs
 * NULL for a failure (timeout...), else err 0 and rs (positive or
 * negative) borrowed for the call. */
typedef void (*sp__dns_waiter_cb)(struct sp__dns_waiter *w, int err, struct sp__dns_rrset *rs);

/* Intrusive: embedded in whatever waits. Idle when entry is NULL. */
struct sp__dns_waiter {
	struct sp__dns_waiter *next, **pprev;
	struct sp__dns_entry *entry;
	sp__dns_waiter_cb cb;
};

/* Looks (name, type) up. name: presentation form, any case, no trailing
 * dot. Returns 1 with *hit (a new reference) when the cache answers
 * (positive or negative) or c-ares failed at once; 0 when w joined a
 * lookup in flight and w->cb follows from the loop (never inside this
 * call); or -ENOMEM / the error c-ares reported at once. w must be idle
 * and w->cb set. */
int sp__dns_fetch(struct sp_dns *d, const char *name, uint16_t type, struct sp__dns_waiter *w,
		  struct sp__dns_rrset **hit);

/* Detaches w from its lookup (no-op if idle); w->cb will not run. */
void sp__dns_waiter_cancel(struct sp__dns_waiter *w);

/* Doubly linked LRU list node (circular, around a sentinel). */
struct sp__dns_lru {
	struct sp__dns_lru *prev, *next;
};

/* A cache slot: a resolved set with an expiry, or a lookup in flight with
 * its waiters. Pending entries are never evicted. */
struct sp__dns_entry {
	struct sp__dns_entry *hnext; /* hash chain */
	struct sp__dns_lru lru;	     /* resolved entries only */
	struct sp_dns *d;
	uint32_t hash;
	uint16_t type;
	bool pending;
	bool in_send; /* inside ares_query: an answer now is synchronous */
	bool sync_done;
	int sync_err;
	struct sp__dns_rrset *rs; /* resolved (or sync result): one reference */
	sp_msec expires;
	struct sp__dns_waiter *waiters;
	char name[]; /* lower case, NUL-terminated */
};

int sp__dns_cache_init(struct sp_dns *d);
void sp__dns_cache_free(struct sp_dns *d);
/* The entry for (lower-case name, type), or NULL. */
struct sp__dns_entry *sp__dns_cache_find(struct sp_dns *d, const char *name, uint16_t type);
/* A new pending entry, in the table. NULL on ENOMEM. */
struct sp__dns_entry *sp__dns_cache_add(struct sp_dns *d, const char *name, uint16_t type);
/* Marks e resolved with rs (reference taken) for ttl seconds (capped by
 * the config; 0 or SP__DNS_TTL_NONE removes and frees e instead), moves
 * it to the LRU head and evicts past the bound. */
void sp__dns_cache_store(struct sp_dns *d, struct sp__dns_entry *e, struct sp__dns_rrset *rs);
/* Removes e from the table and frees it (waiters must be gone). */
void sp__dns_cache_drop(struct sp_dns *d, struct sp__dns_entry *e);
/* Marks a hit on a resolved entry (moves it to the LRU head). */
void sp__dns_cache_touch(struct sp_dns *d, struct sp__dns_entry *e);
/* Turns a resolved (expired) entry back into a pending one. */
void sp__dns_cache_unresolve(struct sp_dns *d, struct sp__dns_entry *e);

/* ---- query handles (query.c) ---- */

struct sp__dns_query_ops {
	/* Calls the user callback with the result and frees the job. */
	void (*finish)(struct sp_dns_query *q);
	/* Calls the user callback with -ECANCELED and frees the job. */
	void (*abort)(struct sp_dns_query *q);
	/* Frees the job without calling anything (sp_dns_cancel). */
	void (*release)(struct sp_dns_query *q);
};

/* The common head of every job (embedded first). */
struct sp_dns_query {
	struct sp_dns *d;
	const struct sp__dns_query_ops *ops;
	struct sp_dns_query *next, **pprev; /* d->queries */
	struct sp_timer done;
};

/* Registers q (zeroed job memory) on d. */
void sp__dns_query_start(struct sp_dns *d, struct sp_dns_query *q,
			 const struct sp__dns_query_ops *ops);
/* The job's result is ready: ops->finish runs on a zero-delay timer. */
void sp__dns_query_complete(struct sp_dns_query *q);
/* Unregisters q (before ops->finish / abort / release). */
void sp__dns_query_unlink(struct sp_dns_query *q);

/* ---- the resolver (resolver.c) ---- */

struct sp_dns {
	struct sp_loop *loop;
	ares_channel ch;
	struct sp_timer tmr; /* c-ares timeouts */

	/* config, defaults applied */
	unsigned cache_max;
	uint32_t ttl_max, neg_ttl_max;
	unsigned transports;
	enum sp_dns_family family;
	bool deterministic;
	char enum_suffix[SP__DNS_NAME_MAX + 1];

	/* cache (cache.c) */
	struct sp__dns_entry **buckets;
	unsigned nbuckets;	/* power of two */
	struct sp__dns_lru lru; /* sentinel: lru.next is the most recent */
	unsigned nresolved, npending;

	struct sp_dns_query *queries;
	unsigned nqueries;
	uint64_t rng;
	struct sp_dns_stats stats;
	bool destroying;
};

/* Re-arms the timeout timer after c-ares was called. */
void sp__dns_timer_update(struct sp_dns *d);

/* Maps an ARES_* status to the errno the API reports. */
int sp__dns_ares_err(int status);

#endif
