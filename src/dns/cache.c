/*
 * The resolver's cache: a chained hash table of (name, type) entries.
 * An entry is either resolved (a record set, positive or negative, with an
 * expiry, on the LRU list) or pending (a c-ares query in flight, with the
 * waiters that joined it). Only resolved entries count against the bound
 * and only they are evicted, least recently used first; pending entries
 * are bounded by the queries in flight.
 *
 * TTLs: positive sets live min(TTL, ttl_max) seconds (RFC 2181 §5.2: the
 * smallest TTL of the set), negative ones min(SOA TTL, SOA MINIMUM,
 * neg_ttl_max) (RFC 2308 §5); a TTL of 0 or a negative answer without SOA
 * is not cached. Expiry is checked on lookup against sp_loop_now(), so a
 * test clock moves it too.
 */
#include <errno.h>
#include <string.h>

#include "siphon/mem.h"

#include "dns_int.h"

static uint32_t hash(const char *name, uint16_t type)
{
	uint32_t h = 2166136261u ^ type; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static void lru_unlink(struct sp__dns_lru *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

static void lru_push(struct sp__dns_lru *head, struct sp__dns_lru *l)
{
	l->next = head->next;
	l->prev = head;
	head->next->prev = l;
	head->next = l;
}

int sp__dns_cache_init(struct sp_dns *d)
{
	unsigned nb = 64;
	while (nb < d->cache_max && nb < (1u << 20))
		nb <<= 1;
	d->buckets = sp_malloc(nb * sizeof(*d->buckets));
	if (!d->buckets)
		return -ENOMEM;
	memset(d->buckets, 0, nb * sizeof(*d->buckets));
	d->nbuckets = nb;
	d->lru.prev = d->lru.next = &d->lru;
	return 0;
}

struct sp__dns_entry *sp__dns_cache_find(struct sp_dns *d, const char *name, uint16_t type)
{
	uint32_t h = hash(name, type);
	for (struct sp__dns_entry *e = d->buckets[h & (d->nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->type == type && strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

struct sp__dns_entry *sp__dns_cache_add(struct sp_dns *d, const char *name, uint16_t type)
{
	size_t len = strlen(name);
	struct sp__dns_entry *e = sp_malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, len + 1);
	e->d = d;
	e->type = type;
	e->hash = hash(name, type);
	e->pending = true;
	e->lru.prev = e->lru.next = &e->lru;
	struct sp__dns_entry **b = &d->buckets[e->hash & (d->nbuckets - 1)];
	e->hnext = *b;
	*b = e;
	d->npending++;
	return e;
}

void sp__dns_cache_drop(struct sp_dns *d, struct sp__dns_entry *e)
{
	struct sp__dns_entry **pp = &d->buckets[e->hash & (d->nbuckets - 1)];
	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	if (e->pending)
		d->npending--;
	else
		d->nresolved--;
	lru_unlink(&e->lru);
	sp_mem_deref(e->rs);
	sp_free(e);
}

void sp__dns_cache_unresolve(struct sp_dns *d, struct sp__dns_entry *e)
{
	if (e->pending)
		return;
	lru_unlink(&e->lru);
	e->rs = sp_mem_deref(e->rs);
	e->pending = true;
	d->nresolved--;
	d->npending++;
}

void sp__dns_cache_touch(struct sp_dns *d, struct sp__dns_entry *e)
{
	lru_unlink(&e->lru);
	lru_push(&d->lru, &e->lru);
}

void sp__dns_cache_store(struct sp_dns *d, struct sp__dns_entry *e, struct sp__dns_rrset *rs)
{
	uint32_t ttl = rs->ttl;
	uint32_t cap = rs->status == 0 ? d->ttl_max : d->neg_ttl_max;

	if (ttl == SP__DNS_TTL_NONE || ttl == 0) {
		sp__dns_cache_drop(d, e);
		return;
	}
	if (ttl > cap)
		ttl = cap;
	sp_mem_deref(e->rs);
	e->rs = sp_mem_ref(rs);
	e->expires = sp_loop_now(d->loop) + (sp_msec)ttl * 1000;
	if (e->pending) {
		e->pending = false;
		d->npending--;
		d->nresolved++;
	}
	sp__dns_cache_touch(d, e);
	while (d->nresolved > d->cache_max) {
		struct sp__dns_entry *old = container_of(d->lru.prev, struct sp__dns_entry, lru);
		d->stats.evictions++;
		sp__dns_cache_drop(d, old);
	}
}

void sp_dns_cache_flush(struct sp_dns *d)
{
	while (d->lru.next != &d->lru)
		sp__dns_cache_drop(d, container_of(d->lru.next, struct sp__dns_entry, lru));
}

void sp__dns_cache_free(struct sp_dns *d)
{
	if (!d->buckets)
		return;
	for (unsigned i = 0; i < d->nbuckets; i++)
		while (d->buckets[i])
			sp__dns_cache_drop(d, d->buckets[i]);
	sp_free(d->buckets);
	d->buckets = NULL;
}
