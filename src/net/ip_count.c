/*
 * Counts per remote IP (ip_count.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "siphon/ip_count.h"
#include "siphon/mem.h"

struct entry {
	struct entry *next;
	struct sp_sa ip; /* port zero */
	unsigned n;
};

struct sp_ip_count {
	struct entry **b;
	size_t mask; /* buckets - 1 */
	size_t entries;
	uint64_t seed;
};

static size_t bucket(const struct sp_ip_count *c, const struct sp_sa *ip, size_t mask)
{
	return (size_t)sp_sa_hash(ip, c->seed, false) & mask;
}

static struct entry **alloc_buckets(size_t n)
{
	struct entry **b = sp_malloc(n * sizeof(*b));
	if (b)
		memset(b, 0, n * sizeof(*b));
	return b;
}

int sp_ip_count_create(struct sp_ip_count **out, unsigned buckets)
{
	size_t n = 16;
	while (n < buckets && n < (1u << 24))
		n <<= 1;
	struct sp_ip_count *c = sp_malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	if (!(c->b = alloc_buckets(n))) {
		sp_free(c);
		return -ENOMEM;
	}
	c->mask = n - 1;
	if (getrandom(&c->seed, sizeof(c->seed), GRND_NONBLOCK) != sizeof(c->seed))
		c->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
	*out = c;
	return 0;
}

void sp_ip_count_destroy(struct sp_ip_count *c)
{
	if (!c)
		return;
	for (size_t i = 0; i <= c->mask; i++) {
		struct entry *e = c->b[i];
		while (e) {
			struct entry *next = e->next;
			sp_free(e);
			e = next;
		}
	}
	sp_free(c->b);
	sp_free(c);
}

static struct entry **slot(const struct sp_ip_count *c, const struct sp_sa *ip)
{
	struct entry **pp = &c->b[bucket(c, ip, c->mask)];
	while (*pp && !sp_sa_ip_eq(&(*pp)->ip, ip))
		pp = &(*pp)->next;
	return pp;
}

/* Twice the buckets (a failed allocation keeps the longer chains). */
static void grow(struct sp_ip_count *c)
{
	size_t n = (c->mask + 1) * 2;
	struct entry **b = alloc_buckets(n);
	if (!b)
		return;
	for (size_t i = 0; i <= c->mask; i++) {
		struct entry *e = c->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			size_t k = bucket(c, &e->ip, n - 1);
			e->next = b[k];
			b[k] = e;
		}
	}
	sp_free(c->b);
	c->b = b;
	c->mask = n - 1;
}

int sp_ip_count_inc(struct sp_ip_count *c, const struct sp_sa *ip, unsigned limit)
{
	struct entry **pp = slot(c, ip);
	if (*pp) {
		if ((*pp)->n >= limit)
			return -EMFILE;
		(*pp)->n++;
		return 0;
	}
	if (limit == 0)
		return -EMFILE;
	struct entry *e = sp_malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->ip = *ip;
	sp_sa_set_port(&e->ip, 0);
	e->n = 1;
	*pp = e;
	if (++c->entries > 2 * (c->mask + 1) && c->mask < (1u << 24))
		grow(c);
	return 0;
}

void sp_ip_count_dec(struct sp_ip_count *c, const struct sp_sa *ip)
{
	struct entry **pp = slot(c, ip);
	struct entry *e = *pp;
	if (!e)
		return;
	if (--e->n == 0) {
		*pp = e->next;
		sp_free(e);
		c->entries--;
	}
}

unsigned sp_ip_count_get(const struct sp_ip_count *c, const struct sp_sa *ip)
{
	const struct entry *e = *slot(c, ip);
	return e ? e->n : 0;
}
