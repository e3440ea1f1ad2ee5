/*
 * Nonce-count replay protection (RFC 7616 §3.4 "nc", §5.4 "Replay
 * Attacks"; RFC 2617 §3.2.2): a request is accepted once per (nonce, nc).
 * Per nonce the table keeps the highest nc seen and a 64-bit window of the
 * values below it, so requests reordered in flight (UDP, or a REGISTER and
 * an INVITE sent together) still pass, while a repeated nc, or one more
 * than 64 below the highest, is a replay.
 *
 * Memory is fixed: a set-associative table (WAYS entries per set, the set
 * picked by the nonce id, which comes from the nonce's MAC and so is
 * uniform) evicting the least recently used entry of a full set. Forgetting
 * a nonce must not reopen it to replays, so the table remembers the newest
 * issue time among evicted entries (horizon): a nonce missing from the
 * table but issued at or before the horizon may have been used, and is
 * refused (the server answers stale=true and the client takes a new nonce).
 */
#include <errno.h>

#include "siphon/auth.h"
#include "siphon/mem.h"

#define WAYS   8
#define WINDOW 64

struct nc_entry {
	uint64_t id;
	sp_msec issued;
	sp_msec used;	 /* last use, for LRU */
	uint64_t window; /* bit i: highest - i was used */
	uint32_t highest;
	bool live;
};

struct sp_auth_nc {
	struct nc_entry *e;
	uint32_t nsets;
	uint32_t count;
	sp_msec ttl_ms; /* nonces older than this are refused before the table */
	sp_msec horizon;
	bool evicted;
};

static void nc_destroy(void *obj)
{
	struct sp_auth_nc *t = obj;

	sp_free(t->e);
}

int sp_auth_nc_create(struct sp_auth_nc **out, uint32_t entries, sp_msec ttl_ms)
{
	struct sp_auth_nc *t;
	uint32_t nsets = (entries + WAYS - 1) / WAYS;

	if (nsets == 0)
		nsets = 1;
	t = sp_mem_zalloc(sizeof(*t), nc_destroy);
	if (!t)
		return -ENOMEM;
	t->e = sp_malloc((size_t)nsets * WAYS * sizeof(*t->e));
	if (!t->e) {
		sp_mem_deref(t);
		return -ENOMEM;
	}
	memset(t->e, 0, (size_t)nsets * WAYS * sizeof(*t->e));
	t->nsets = nsets;
	t->ttl_ms = ttl_ms;
	*out = t;
	return 0;
}

enum sp_auth_nc_result sp_auth_nc_use(struct sp_auth_nc *t, uint64_t id, sp_msec issued,
				      uint32_t nc, sp_msec now)
{
	struct nc_entry *set = &t->e[(size_t)(id % t->nsets) * WAYS], *victim = NULL;
	unsigned i;

	if (nc == 0)
		return SP_AUTH_NC_REPLAY; /* nc counts from 00000001 (RFC 7616 §3.4) */
	for (i = 0; i < WAYS; i++) {
		struct nc_entry *e = &set[i];
		uint32_t d;

		if (!e->live || e->id != id || e->issued != issued)
			continue;
		e->used = now;
		if (nc > e->highest) {
			d = nc - e->highest;
			e->window = d >= WINDOW ? 0 : e->window << d;
			e->window |= 1;
			e->highest = nc;
			return SP_AUTH_NC_OK;
		}
		d = e->highest - nc;
		if (d >= WINDOW || (e->window >> d) & 1)
			return SP_AUTH_NC_REPLAY;
		e->window |= (uint64_t)1 << d;
		return SP_AUTH_NC_OK;
	}

	/* Not in the table: new, unless its state may have been evicted. */
	if (t->evicted && issued <= t->horizon)
		return SP_AUTH_NC_UNKNOWN;
	/* A free slot, else one whose nonce has expired (the server refuses
	 * it as stale before asking the table, so forgetting it is free),
	 * else the least recently used. */
	for (i = 0; i < WAYS; i++) {
		if (!set[i].live || now - set[i].issued > t->ttl_ms) {
			victim = &set[i];
			break;
		}
		if (!victim || set[i].used < victim->used)
			victim = &set[i];
	}
	if (!victim->live) {
		t->count++;
	} else if (now - victim->issued <= t->ttl_ms) {
		if (!t->evicted || victim->issued > t->horizon)
			t->horizon = victim->issued;
		t->evicted = true;
	}
	*victim = (struct nc_entry){
	    .id = id, .issued = issued, .used = now, .window = 1, .highest = nc, .live = true};
	return SP_AUTH_NC_OK;
}

uint32_t sp_auth_nc_count(const struct sp_auth_nc *t)
{
	return t->count;
}

uint32_t sp_auth_nc_capacity(const struct sp_auth_nc *t)
{
	return t->nsets * WAYS;
}
