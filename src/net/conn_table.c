/*
 * One worker's connection table: open connections by peer address (so a
 * request or response to a peer reuses the connection it already has, RFC
 * 3261 §18.2.2, §18.3), and a count of accepted connections per remote IP
 * (the per-IP limit). Chained hash tables with a fixed bucket count sized
 * from max_conns, keyed with a per-table random seed so that a remote
 * party choosing addresses and ports cannot aim at one chain.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "siphon/mem.h"
#include "net_int.h"

static uint64_t mix(uint64_t h)
{
	/* splitmix64 finaliser */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static size_t hash_sa(const struct sp__table *t, const struct sp_sa *sa, bool with_port)
{
	uint64_t h = t->seed;
	if (sa->u.sa.sa_family == AF_INET) {
		h = mix(h ^ sa->u.in4.sin_addr.s_addr);
	} else {
		uint64_t w[2];
		memcpy(w, &sa->u.in6.sin6_addr, sizeof(w));
		h = mix(mix(h ^ w[0]) ^ w[1]);
	}
	if (with_port)
		h = mix(h ^ sp_sa_port(sa));
	return (size_t)h & t->mask;
}

int sp__table_init(struct sp__table *t, unsigned max_conns)
{
	size_t n = 16;
	while (n < max_conns && n < (1u << 16))
		n <<= 1;
	t->conns = sp_malloc(n * sizeof(*t->conns));
	t->ips = sp_malloc(n * sizeof(*t->ips));
	if (!t->conns || !t->ips) {
		sp_free(t->conns);
		sp_free(t->ips);
		return -ENOMEM;
	}
	memset(t->conns, 0, n * sizeof(*t->conns));
	memset(t->ips, 0, n * sizeof(*t->ips));
	t->mask = n - 1;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)t;
	return 0;
}

/* The connections are not the table's: only the count nodes are freed. */
void sp__table_free(struct sp__table *t)
{
	if (t->ips) {
		for (size_t i = 0; i <= t->mask; i++) {
			struct sp__ipcount *e = t->ips[i];
			while (e) {
				struct sp__ipcount *next = e->next;
				sp_free(e);
				e = next;
			}
		}
	}
	sp_free(t->conns);
	sp_free(t->ips);
	t->conns = NULL;
	t->ips = NULL;
}

void sp__table_add(struct sp__table *t, struct sp_conn *c)
{
	size_t b = hash_sa(t, &c->peer, true);
	c->hnext = t->conns[b];
	t->conns[b] = c;
}

void sp__table_del(struct sp__table *t, struct sp_conn *c)
{
	struct sp_conn **pp = &t->conns[hash_sa(t, &c->peer, true)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			c->hnext = NULL;
			return;
		}
	}
}

/* The newest open connection to peer, or NULL. */
struct sp_conn *sp__table_find(const struct sp__table *t, const struct sp_sa *peer)
{
	for (struct sp_conn *c = t->conns[hash_sa(t, peer, true)]; c; c = c->hnext)
		if (c->alive && sp_sa_eq(&c->peer, peer))
			return c;
	return NULL;
}

static struct sp__ipcount **ip_slot(struct sp__table *t, const struct sp_sa *ip)
{
	struct sp__ipcount **pp = &t->ips[hash_sa(t, ip, false)];
	while (*pp && !sp_sa_ip_eq(&(*pp)->ip, ip))
		pp = &(*pp)->next;
	return pp;
}

int sp__table_ip_inc(struct sp__table *t, const struct sp_sa *ip, unsigned limit)
{
	struct sp__ipcount **pp = ip_slot(t, ip);
	if (*pp) {
		if ((*pp)->n >= limit)
			return -EMFILE;
		(*pp)->n++;
		return 0;
	}
	if (limit == 0)
		return -EMFILE;
	struct sp__ipcount *e = sp_malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->ip = *ip;
	sp_sa_set_port(&e->ip, 0);
	e->n = 1;
	*pp = e;
	return 0;
}

void sp__table_ip_dec(struct sp__table *t, const struct sp_sa *ip)
{
	struct sp__ipcount **pp = ip_slot(t, ip);
	struct sp__ipcount *e = *pp;
	if (!e)
		return;
	if (--e->n == 0) {
		*pp = e->next;
		sp_free(e);
	}
}
