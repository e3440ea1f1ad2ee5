/*
 * One worker's connection table: open connections by peer address (so a
 * request or response to a peer reuses the connection it already has, RFC
 * 3261 §18.2.2, §18.3), and a count of accepted connections per remote IP
 * (the per-IP limit, sp_ip_count). A chained hash table with a fixed
 * bucket count sized from max_conns, keyed with a per-table random seed so
 * that a remote party choosing addresses and ports cannot aim at one
 * chain.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "siphon/mem.h"
#include "net_int.h"

static size_t hash_sa(const struct sp__table *t, const struct sp_sa *sa)
{
	return (size_t)sp_sa_hash(sa, t->seed, true) & t->mask;
}

int sp__table_init(struct sp__table *t, unsigned max_conns)
{
	size_t n = 16;
	while (n < max_conns && n < (1u << 16))
		n <<= 1;
	t->conns = sp_malloc(n * sizeof(*t->conns));
	if (!t->conns || sp_ip_count_create(&t->ips, (unsigned)n) != 0) {
		sp_free(t->conns);
		t->conns = NULL;
		return -ENOMEM;
	}
	memset(t->conns, 0, n * sizeof(*t->conns));
	t->mask = n - 1;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)t;
	return 0;
}

/* The connections are not the table's: only the counts are freed. */
void sp__table_free(struct sp__table *t)
{
	sp_ip_count_destroy(t->ips);
	sp_free(t->conns);
	t->conns = NULL;
	t->ips = NULL;
}

void sp__table_add(struct sp__table *t, struct sp_conn *c)
{
	size_t b = hash_sa(t, &c->peer);
	c->hnext = t->conns[b];
	t->conns[b] = c;
}

void sp__table_del(struct sp__table *t, struct sp_conn *c)
{
	struct sp_conn **pp = &t->conns[hash_sa(t, &c->peer)];
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
	for (struct sp_conn *c = t->conns[hash_sa(t, peer)]; c; c = c->hnext)
		if (c->alive && sp_sa_eq(&c->peer, peer))
			return c;
	return NULL;
}
