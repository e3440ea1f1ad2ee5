/*
 * Authentication failures per source address, and bans: after
 * max_failures failed digests within failure_window_s of the first one,
 * the address is refused with 403 and no challenge for ban_s (a brute
 * force then costs the attacker the ban time per max_failures guesses).
 * The window is fixed, opened by the first failure after the previous one
 * closed; failures older than the window do not accumulate.
 *
 * Addresses are IPv4 addresses, or IPv6 /64 prefixes (one host usually
 * owns a whole /64, RFC 4291 §2.5.4, and could otherwise rotate through
 * it); IPv4-mapped IPv6 counts as IPv4. Ports are ignored.
 *
 * Memory is fixed: a set-associative table of WAYS entries per set; a
 * full set forgets first an entry with nothing to remember (no ban, window
 * over), then the least recently touched unbanned one, and a banned one
 * only when the whole set is banned. The set index is a seeded hash, so
 * an attacker cannot aim at the set of a banned address.
 */
#include <errno.h>
#include <string.h>

#include "siphon/auth.h"
#include "siphon/mem.h"

#define WAYS 8

struct ban_entry {
	uint8_t key[9]; /* family tag + 4 (IPv4) or 8 (IPv6 /64) bytes */
	bool live;
	uint32_t failures;
	sp_msec window_start;
	sp_msec banned_until; /* 0: not banned */
	sp_msec touched;
};

struct sp_auth_ban {
	struct ban_entry *e;
	uint32_t nsets;
	uint32_t count;
	uint64_t seed;
	uint32_t max_failures;
	sp_msec window_ms, ban_ms;
};

static void ban_destroy(void *obj)
{
	struct sp_auth_ban *b = obj;

	sp_free(b->e);
}

int sp_auth_ban_create(struct sp_auth_ban **out, const struct sp_auth_config *cfg, uint64_t seed)
{
	struct sp_auth_ban *b;
	uint32_t nsets = (cfg->ban_entries + WAYS - 1) / WAYS;

	if (nsets == 0)
		nsets = 1;
	b = sp_mem_zalloc(sizeof(*b), ban_destroy);
	if (!b)
		return -ENOMEM;
	b->e = sp_malloc((size_t)nsets * WAYS * sizeof(*b->e));
	if (!b->e) {
		sp_mem_deref(b);
		return -ENOMEM;
	}
	memset(b->e, 0, (size_t)nsets * WAYS * sizeof(*b->e));
	b->nsets = nsets;
	b->seed = seed;
	b->max_failures = cfg->max_failures ? cfg->max_failures : 1;
	b->window_ms = (sp_msec)cfg->failure_window_s * 1000;
	b->ban_ms = (sp_msec)cfg->ban_s * 1000;
	*out = b;
	return 0;
}

static void make_key(const struct sp_sa *sa, uint8_t key[9])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(key, 0, 9);
	if (sa->u.sa.sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &sa->u.in4.sin_addr, 4);
	} else if (sa->u.sa.sa_family == AF_INET6) {
		const uint8_t *a = sa->u.in6.sin6_addr.s6_addr;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			key[0] = 4;
			memcpy(key + 1, a + 12, 4);
		} else {
			key[0] = 6;
			memcpy(key + 1, a, 8); /* the /64 prefix */
		}
	}
}

/* FNV-1a, seeded. */
static uint32_t set_of(const struct sp_auth_ban *b, const uint8_t key[9])
{
	uint64_t h = 14695981039346656037ull ^ b->seed;
	int i;

	for (i = 0; i < 9; i++) {
		h ^= key[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 29;
	return (uint32_t)(h % b->nsets);
}

static struct ban_entry *find(struct sp_auth_ban *b, const uint8_t key[9])
{
	struct ban_entry *set = &b->e[(size_t)set_of(b, key) * WAYS];
	unsigned i;

	for (i = 0; i < WAYS; i++)
		if (set[i].live && memcmp(set[i].key, key, 9) == 0)
			return &set[i];
	return NULL;
}

static bool banned(const struct ban_entry *e, sp_msec now)
{
	return e->banned_until && now < e->banned_until;
}

bool sp_auth_ban_check(struct sp_auth_ban *b, const struct sp_sa *addr, sp_msec now)
{
	uint8_t key[9];
	struct ban_entry *e;

	make_key(addr, key);
	e = find(b, key);
	return e && banned(e, now);
}

/* Rank of an entry as a victim: lower goes first. */
static int victim_rank(const struct sp_auth_ban *b, const struct ban_entry *e, sp_msec now)
{
	if (!e->live)
		return 0;
	if (banned(e, now))
		return 3;
	if (now - e->window_start >= b->window_ms)
		return 1; /* nothing left to remember */
	return 2;
}

static struct ban_entry *insert(struct sp_auth_ban *b, const uint8_t key[9], sp_msec now)
{
	struct ban_entry *set = &b->e[(size_t)set_of(b, key) * WAYS], *v = NULL;
	int vr = 4;
	unsigned i;

	for (i = 0; i < WAYS; i++) {
		int r = victim_rank(b, &set[i], now);
		if (r < vr || (r == vr && set[i].touched < v->touched)) {
			v = &set[i];
			vr = r;
		}
	}
	if (!v->live)
		b->count++;
	memset(v, 0, sizeof(*v));
	memcpy(v->key, key, 9);
	v->live = true;
	return v;
}

bool sp_auth_ban_fail(struct sp_auth_ban *b, const struct sp_sa *addr, sp_msec now)
{
	uint8_t key[9];
	struct ban_entry *e;

	make_key(addr, key);
	e = find(b, key);
	if (!e)
		e = insert(b, key, now);
	e->touched = now;
	if (banned(e, now))
		return false; /* already banned; the ban is not extended */
	if (e->banned_until)
		e->banned_until = 0; /* a ban that ran out */
	if (e->failures == 0 || now - e->window_start >= b->window_ms) {
		e->window_start = now;
		e->failures = 0;
	}
	if (++e->failures < b->max_failures)
		return false;
	e->failures = 0;
	e->banned_until = now + b->ban_ms;
	if (e->banned_until == 0)
		e->banned_until = 1;
	return true;
}

uint32_t sp_auth_ban_count(const struct sp_auth_ban *b)
{
	return b->count;
}

uint32_t sp_auth_ban_capacity(const struct sp_auth_ban *b)
{
	return b->nsets * WAYS;
}
