/*
 * The subscriber cache (subscriber_cache.h): SHARDS shards, each a mutex
 * and a chained hash of entries that grows by doubling (load factor 1).
 * The shard and bucket come from a seeded FNV-1a hash of (domain, user),
 * the seed random per process so that user names chosen to collide cannot
 * be computed in advance. An entry is one allocation: the header, the
 * user name, then the HA1s in binary (16 bytes MD5, 32 bytes SHA-256, each
 * only when present): ~80 bytes of payload for a typical positive entry,
 * ~30 for a negative one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include "siphon/hash.h"
#include "siphon/mem.h"

#include "subscriber_cache.h"

#define MIN_BUCKETS 64

enum {
	F_EXISTS = 1, /* a subscriber (else: "no such user") */
	F_MD5 = 2,
	F_SHA256 = 4,
};

struct entry {
	struct entry *next;
	uint32_t hash;
	uint32_t gen;
	uint16_t dom;
	uint8_t ulen;
	uint8_t flags;
	unsigned char data[]; /* user, then [MD5 16 bytes], then [SHA-256 32 bytes] */
};

struct shard {
	pthread_mutex_t lock;
	struct entry **b;
	size_t nb; /* buckets, a power of two */
	size_t n;  /* entries */
};

struct sp__subcache {
	struct shard sh[SP__SUBCACHE_SHARDS];
	size_t per_shard;
	uint64_t seed;
	_Atomic uint32_t gen;
};

static uint64_t hash_key(const struct sp__subcache *c, unsigned dom, struct sp_str user)
{
	uint64_t h = 14695981039346656037ull ^ c->seed;

	h = (h ^ (dom & 0xff)) * 1099511628211ull;
	h = (h ^ (dom >> 8)) * 1099511628211ull;
	for (size_t i = 0; i < user.len; i++)
		h = (h ^ (unsigned char)user.p[i]) * 1099511628211ull;
	h ^= h >> 31;
	return h;
}

static size_t entry_size(const struct entry *e)
{
	return sizeof(*e) + e->ulen + ((e->flags & F_MD5) ? SP_MD5_LEN : 0) +
	       ((e->flags & F_SHA256) ? SP_SHA256_LEN : 0);
}

static void entry_free(struct entry *e)
{
	explicit_bzero(e, entry_size(e));
	sp_free(e);
}

static void shard_clear(struct shard *s)
{
	for (size_t i = 0; i < s->nb; i++) {
		struct entry *e = s->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			entry_free(e);
		}
		s->b[i] = NULL;
	}
	s->n = 0;
}

int sp__subcache_create(struct sp__subcache **out, size_t max_entries)
{
	if (!out || !max_entries)
		return -EINVAL;
	struct sp__subcache *c = sp_malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	c->per_shard = (max_entries + SP__SUBCACHE_SHARDS - 1) / SP__SUBCACHE_SHARDS;
	if (getrandom(&c->seed, sizeof(c->seed), GRND_NONBLOCK) != sizeof(c->seed))
		c->seed = (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15ull;
	atomic_init(&c->gen, 1);
	for (unsigned i = 0; i < SP__SUBCACHE_SHARDS; i++) {
		struct shard *s = &c->sh[i];
		pthread_mutex_init(&s->lock, NULL);
		s->nb = MIN_BUCKETS;
		s->b = sp_malloc(s->nb * sizeof(*s->b));
		if (!s->b) {
			s->nb = 0;
			sp__subcache_destroy(c);
			return -ENOMEM;
		}
		memset(s->b, 0, s->nb * sizeof(*s->b));
	}
	*out = c;
	return 0;
}

void sp__subcache_destroy(struct sp__subcache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < SP__SUBCACHE_SHARDS; i++) {
		struct shard *s = &c->sh[i];
		if (s->b) {
			shard_clear(s);
			sp_free(s->b);
		}
		pthread_mutex_destroy(&s->lock);
	}
	sp_free(c);
}

uint32_t sp__subcache_generation(const struct sp__subcache *c)
{
	return atomic_load_explicit(&((struct sp__subcache *)c)->gen, memory_order_acquire);
}

void sp__subcache_invalidate(struct sp__subcache *c)
{
	atomic_fetch_add_explicit(&c->gen, 1, memory_order_acq_rel);
}

size_t sp__subcache_capacity(const struct sp__subcache *c)
{
	return c->per_shard * SP__SUBCACHE_SHARDS;
}

size_t sp__subcache_count(struct sp__subcache *c)
{
	size_t n = 0;
	for (unsigned i = 0; i < SP__SUBCACHE_SHARDS; i++) {
		pthread_mutex_lock(&c->sh[i].lock);
		n += c->sh[i].n;
		pthread_mutex_unlock(&c->sh[i].lock);
	}
	return n;
}

static struct shard *shard_of(struct sp__subcache *c, uint64_t h)
{
	return &c->sh[(h >> 40) % SP__SUBCACHE_SHARDS];
}

/* The link pointing at the entry for the key in s, or at the chain's
 * terminating NULL. Lock held. */
static struct entry **find(struct shard *s, uint32_t h, unsigned dom, struct sp_str user)
{
	struct entry **p = &s->b[h & (s->nb - 1)];
	for (; *p; p = &(*p)->next) {
		const struct entry *e = *p;
		if (e->hash == h && e->dom == dom && e->ulen == user.len &&
		    memcmp(e->data, user.p, user.len) == 0)
			break;
	}
	return p;
}

/* Doubles the buckets when the shard is fuller than one per bucket (a
 * failed allocation just keeps the chains longer). Lock held. */
static void grow(struct shard *s)
{
	size_t nb = s->nb * 2;
	struct entry **b;

	if (s->n <= s->nb || !(b = sp_malloc(nb * sizeof(*b))))
		return;
	memset(b, 0, nb * sizeof(*b));
	for (size_t i = 0; i < s->nb; i++) {
		struct entry *e = s->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	sp_free(s->b);
	s->b = b;
	s->nb = nb;
}

static int unhex(const char *hex, size_t len, unsigned char *out)
{
	for (size_t i = 0; i < len; i += 2) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = hex[i + k];
			int d = ch >= '0' && ch <= '9'	 ? ch - '0'
				: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
				: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
							 : -1;
			if (d < 0)
				return -EINVAL;
			v = v * 16 + d;
		}
		out[i / 2] = (unsigned char)v;
	}
	return 0;
}

enum sp__subcache_result sp__subcache_get(struct sp__subcache *c, unsigned dom, struct sp_str user,
					  struct sp_auth_creds *creds)
{
	enum sp__subcache_result r = SP__SUBCACHE_MISS;

	if (dom > UINT16_MAX || !user.len || user.len > SP__SUBCACHE_USER_MAX)
		return SP__SUBCACHE_MISS;
	uint32_t gen = sp__subcache_generation(c);
	uint64_t h = hash_key(c, dom, user);
	struct shard *s = shard_of(c, h);

	pthread_mutex_lock(&s->lock);
	struct entry **p = find(s, (uint32_t)h, dom, user), *e = *p;
	if (e && e->gen != gen) {
		/* Filled before the store changed: drop it. */
		*p = e->next;
		s->n--;
		entry_free(e);
	} else if (e && !(e->flags & F_EXISTS)) {
		r = SP__SUBCACHE_NO_USER;
	} else if (e) {
		const unsigned char *d = e->data + e->ulen;
		memset(creds, 0, sizeof(*creds));
		if (e->flags & F_MD5) {
			sp_hex_lower(creds->ha1_md5.hex, d, SP_MD5_LEN);
			creds->ha1_md5.len = 2 * SP_MD5_LEN;
			d += SP_MD5_LEN;
		}
		if (e->flags & F_SHA256) {
			sp_hex_lower(creds->ha1_sha256.hex, d, SP_SHA256_LEN);
			creds->ha1_sha256.len = 2 * SP_SHA256_LEN;
		}
		r = SP__SUBCACHE_HIT;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int sp__subcache_put(struct sp__subcache *c, unsigned dom, struct sp_str user, uint32_t gen,
		     const struct sp_auth_creds *creds)
{
	unsigned char bin[SP_MD5_LEN + SP_SHA256_LEN];
	size_t blen = 0;
	uint8_t flags = 0;

	if (dom > UINT16_MAX || !user.len || user.len > SP__SUBCACHE_USER_MAX)
		return -EINVAL;
	if (creds) {
		flags = F_EXISTS;
		if (creds->ha1_md5.len) {
			if (creds->ha1_md5.len != 2 * SP_MD5_LEN ||
			    unhex(creds->ha1_md5.hex, creds->ha1_md5.len, bin) != 0)
				goto bad;
			flags |= F_MD5;
			blen += SP_MD5_LEN;
		}
		if (creds->ha1_sha256.len) {
			if (creds->ha1_sha256.len != 2 * SP_SHA256_LEN ||
			    unhex(creds->ha1_sha256.hex, creds->ha1_sha256.len, bin + blen) != 0)
				goto bad;
			flags |= F_SHA256;
			blen += SP_SHA256_LEN;
		}
		if (!blen)
			goto bad;
	}
	if (gen != sp__subcache_generation(c)) {
		explicit_bzero(bin, sizeof(bin));
		return -ESTALE;
	}
	struct entry *n = sp_malloc(sizeof(*n) + user.len + blen);
	if (!n) {
		explicit_bzero(bin, sizeof(bin));
		return -ENOMEM;
	}
	uint64_t h = hash_key(c, dom, user);
	n->next = NULL;
	n->hash = (uint32_t)h;
	n->gen = gen;
	n->dom = (uint16_t)dom;
	n->ulen = (uint8_t)user.len;
	n->flags = flags;
	memcpy(n->data, user.p, user.len);
	memcpy(n->data + user.len, bin, blen);
	explicit_bzero(bin, sizeof(bin));

	struct shard *s = shard_of(c, h);
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	/* Checked again under the lock: an invalidation that came in while
	 * the entry was built must not let it in. (One that comes after this
	 * makes the entry stale on its first get, as any other.) */
	if (gen != sp__subcache_generation(c)) {
		rc = -ESTALE;
	} else {
		struct entry **p = find(s, n->hash, dom, user);
		if (*p) {
			struct entry *old = *p;
			n->next = old->next;
			*p = n;
			entry_free(old);
		} else {
			if (s->n >= c->per_shard)
				shard_clear(s); /* full: start over (bounded, simple) */
			else
				grow(s);
			struct entry **head = &s->b[n->hash & (s->nb - 1)];
			n->next = *head;
			*head = n;
			s->n++;
		}
		n = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (n)
		entry_free(n);
	return rc;
bad:
	explicit_bzero(bin, sizeof(bin));
	return -EINVAL;
}
