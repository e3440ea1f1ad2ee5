/*
 * Location service table (location.h): sharded hash of AOR records, each
 * an array of immutable refcounted bindings; per-shard expiry min-heap with
 * lazy deletion; staged per-AOR transactions for atomic REGISTER
 * processing (RFC 3261 §10.3 step 7); change reports for persistence.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/location.h"
#include "siphon/mem.h"

#include "location_int.h"

struct aor_rec {
	struct aor_rec *next; /* hash chain */
	uint64_t hash;
	struct sp_binding **b; /* owned references */
	unsigned n, cap;
	size_t klen;
	char key[]; /* canonical AOR */
};

struct heap_ent {
	int64_t at;
	struct sp_binding *b; /* owned reference */
};

struct shard {
	pthread_mutex_t mu;
	struct aor_rec **buckets;
	size_t nbuckets, nrecs, nbindings;
	struct heap_ent *heap;
	size_t hn, hcap;
};

struct sp_location {
	struct shard shards[SP_LOCATION_SHARDS];
	sp_location_change_cb change;
	void *arg;
	uint64_t version; /* atomically incremented */
	uint8_t gruu_key[32];
};

/* ---- bindings ------------------------------------------------------------ */

static size_t str_need(struct sp_str s)
{
	return s.p ? s.len + 1 : 0;
}

/* Copies s to *pos (NUL-terminated for debugging ease), returns the slice. */
static struct sp_str str_put(char **pos, struct sp_str s)
{
	struct sp_str r = SP_STR_NULL;

	if (!s.p)
		return r;
	memcpy(*pos, s.p, s.len);
	(*pos)[s.len] = '\0';
	r.p = *pos;
	r.len = s.len;
	*pos += s.len + 1;
	return r;
}

int sp_binding_create(struct sp_binding **out, const struct sp_binding_init *in)
{
	struct sp_binding *b;
	size_t need = sizeof(*b);
	bool uri_inside;
	char *pos;

	if (in->npath > SP_LOCATION_MAX_PATH)
		return -EINVAL;
	uri_inside = in->uri.p && in->contact.p && in->uri.p >= in->contact.p &&
		     in->uri.p + in->uri.len <= in->contact.p + in->contact.len;
	need += str_need(in->aor) + str_need(in->contact) + str_need(in->instance) +
		str_need(in->call_id) + str_need(in->received) + str_need(in->transport) +
		str_need(in->flow);
	if (!uri_inside)
		need += str_need(in->uri);
	for (unsigned i = 0; i < in->npath; i++)
		need += str_need(in->path[i]);

	need += in->npath * sizeof(struct sp_str);
	b = sp_mem_zalloc(need, NULL);
	if (!b)
		return -ENOMEM;
	/* the Path slice array first (aligned after the struct), then bytes */
	b->path = in->npath ? (const struct sp_str *)(b + 1) : NULL;
	pos = (char *)(b + 1) + in->npath * sizeof(struct sp_str);
	b->aor = str_put(&pos, in->aor);
	b->contact = str_put(&pos, in->contact);
	if (uri_inside)
		b->uri = (struct sp_str){b->contact.p + (in->uri.p - in->contact.p), in->uri.len};
	else
		b->uri = str_put(&pos, in->uri);
	b->instance = str_put(&pos, in->instance);
	b->call_id = str_put(&pos, in->call_id);
	b->received = str_put(&pos, in->received);
	b->transport = str_put(&pos, in->transport);
	b->flow = str_put(&pos, in->flow);
	for (unsigned i = 0; i < in->npath; i++)
		((struct sp_str *)(b + 1))[i] = str_put(&pos, in->path[i]);
	b->npath = in->npath;
	b->reg_id = in->reg_id;
	b->cseq = in->cseq;
	b->q = in->q;
	b->expires_at = in->expires_at;
	b->registered_at = in->registered_at;
	b->tgruu_epoch = in->tgruu_epoch;
	*out = b;
	return 0;
}

/* Bindings are sp_mem objects, whose counts are atomic (mem.h): these
 * only keep the binding type in the signatures. */
struct sp_binding *sp_binding_ref(struct sp_binding *b)
{
	return sp_mem_ref(b);
}

struct sp_binding *sp_binding_deref(struct sp_binding *b)
{
	return sp_mem_deref(b);
}

uint32_t sp_binding_nrefs(const struct sp_binding *b)
{
	return sp_mem_nrefs(b);
}

/* ---- canonical AOR --------------------------------------------------------- */

long sp_location_aor_key(const struct sp_uri *uri, char *out, size_t cap)
{
	return sp_location_aor_key_in(uri, SP_STR_NULL, out, cap);
}

long sp_location_aor_key_in(const struct sp_uri *uri, struct sp_str domain, char *out,
			    size_t cap)
{
	size_t n = 0;
	long ul;

	if (uri->scheme != SP_URI_SIP && uri->scheme != SP_URI_SIPS)
		return -EINVAL;
	if (!uri->hp.host.len)
		return -EINVAL;
	if (uri->user.len) {
		/* §10.3 step 5: escaped characters converted to unescaped form */
		ul = sp_uri_unescape(out, cap, uri->user);
		if (ul < 0)
			return -ENOSPC;
		n = (size_t)ul;
		if (n + 1 > cap)
			return -ENOSPC;
		out[n++] = '@';
	}
	if (domain.len) {
		if (n + domain.len > cap)
			return -ENOSPC;
		memcpy(out + n, domain.p, domain.len);
		return (long)(n + domain.len);
	}
	if (n + uri->hp.host.len > cap)
		return -ENOSPC;
	for (size_t i = 0; i < uri->hp.host.len; i++) {
		char c = uri->hp.host.p[i];

		out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	if (uri->hp.has_port) {
		char port[8];
		int pl = snprintf(port, sizeof(port), ":%u", (unsigned)uri->hp.port);

		if (n + (size_t)pl > cap)
			return -ENOSPC;
		memcpy(out + n, port, (size_t)pl);
		n += (size_t)pl;
	}
	return (long)n;
}

/* ---- table ------------------------------------------------------------------ */

/* FNV-1a 64 */
static uint64_t key_hash(struct sp_str k)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < k.len; i++) {
		h ^= (unsigned char)k.p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static struct shard *shard_of(struct sp_location *loc, uint64_t h)
{
	return &loc->shards[(h >> 40) % SP_LOCATION_SHARDS];
}

static void heap_clear(struct shard *s)
{
	for (size_t i = 0; i < s->hn; i++)
		sp_binding_deref(s->heap[i].b);
	sp_free(s->heap);
	s->heap = NULL;
	s->hn = s->hcap = 0;
}

static void rec_free(struct aor_rec *r)
{
	for (unsigned i = 0; i < r->n; i++)
		sp_binding_deref(r->b[i]);
	sp_free(r->b);
	sp_free(r);
}

static void location_destroy(void *obj)
{
	struct sp_location *loc = obj;

	for (unsigned i = 0; i < SP_LOCATION_SHARDS; i++) {
		struct shard *s = &loc->shards[i];

		for (size_t j = 0; j < s->nbuckets; j++) {
			struct aor_rec *r = s->buckets[j], *nx;

			for (; r; r = nx) {
				nx = r->next;
				rec_free(r);
			}
		}
		sp_free(s->buckets);
		heap_clear(s);
		pthread_mutex_destroy(&s->mu);
	}
}

int sp_location_create(struct sp_location **out, sp_location_change_cb change, void *arg)
{
	struct sp_location *loc = sp_mem_zalloc(sizeof(*loc), location_destroy);

	if (!loc)
		return -ENOMEM;
	for (unsigned i = 0; i < SP_LOCATION_SHARDS; i++)
		pthread_mutex_init(&loc->shards[i].mu, NULL);
	loc->change = change;
	loc->arg = arg;
	*out = loc;
	return 0;
}

size_t sp_location_count(struct sp_location *loc)
{
	size_t n = 0;

	for (unsigned i = 0; i < SP_LOCATION_SHARDS; i++) {
		struct shard *s = &loc->shards[i];

		pthread_mutex_lock(&s->mu);
		n += s->nbindings;
		pthread_mutex_unlock(&s->mu);
	}
	return n;
}

static struct aor_rec *rec_find(struct shard *s, struct sp_str key, uint64_t h)
{
	if (!s->nbuckets)
		return NULL;
	for (struct aor_rec *r = s->buckets[h % s->nbuckets]; r; r = r->next)
		if (r->hash == h && r->klen == key.len && !memcmp(r->key, key.p, key.len))
			return r;
	return NULL;
}

static int shard_grow(struct shard *s)
{
	size_t nb = s->nbuckets ? s->nbuckets * 2 : 64;
	struct aor_rec **bk = sp_malloc(nb * sizeof(*bk));

	if (!bk)
		return -ENOMEM;
	memset(bk, 0, nb * sizeof(*bk));
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct aor_rec *r = s->buckets[i], *nx;

		for (; r; r = nx) {
			nx = r->next;
			r->next = bk[r->hash % nb];
			bk[r->hash % nb] = r;
		}
	}
	sp_free(s->buckets);
	s->buckets = bk;
	s->nbuckets = nb;
	return 0;
}

/* Finds or creates the record of key. NULL on ENOMEM. */
static struct aor_rec *rec_get(struct shard *s, struct sp_str key, uint64_t h)
{
	struct aor_rec *r = rec_find(s, key, h);

	if (r)
		return r;
	if (s->nrecs >= s->nbuckets && shard_grow(s) < 0 && !s->nbuckets)
		return NULL;
	r = sp_malloc(sizeof(*r) + key.len);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->hash = h;
	r->klen = key.len;
	memcpy(r->key, key.p, key.len);
	r->next = s->buckets[h % s->nbuckets];
	s->buckets[h % s->nbuckets] = r;
	s->nrecs++;
	return r;
}

static void rec_unlink_if_empty(struct shard *s, struct aor_rec *r)
{
	struct aor_rec **pp;

	if (r->n)
		return;
	for (pp = &s->buckets[r->hash % s->nbuckets]; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			s->nrecs--;
			rec_free(r);
			return;
		}
	}
}

/* ---- expiry heap ------------------------------------------------------------ */

static int heap_reserve(struct shard *s, size_t more)
{
	size_t cap;
	struct heap_ent *h;

	if (s->hn + more <= s->hcap)
		return 0;
	cap = s->hcap ? s->hcap * 2 : 64;
	while (cap < s->hn + more)
		cap *= 2;
	h = sp_realloc(s->heap, cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	s->heap = h;
	s->hcap = cap;
	return 0;
}

/* Needs capacity reserved beforehand; takes a new reference on b. */
static void heap_push(struct shard *s, struct sp_binding *b)
{
	size_t i = s->hn++;

	while (i) {
		size_t p = (i - 1) / 2;

		if (s->heap[p].at <= b->expires_at)
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i].at = b->expires_at;
	s->heap[i].b = sp_binding_ref(b);
}

/* Removes the top entry and returns its binding (the reference passes to
 * the caller). */
static struct sp_binding *heap_pop(struct shard *s)
{
	struct sp_binding *top = s->heap[0].b;
	struct heap_ent last = s->heap[--s->hn];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->hn)
			break;
		if (c + 1 < s->hn && s->heap[c + 1].at < s->heap[c].at)
			c++;
		if (last.at <= s->heap[c].at)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->hn)
		s->heap[i] = last;
	return top;
}

/* ---- transactions ---------------------------------------------------------------- */

static void notify(struct sp_location *loc, enum sp_location_change c, const struct sp_binding *b)
{
	if (loc->change)
		loc->change(c, b, loc->arg);
}

static int txn_reserve(struct sp_location_txn *t, unsigned n)
{
	struct sp_binding **nb;
	bool *nf;
	unsigned cap;

	if (n <= t->cap)
		return 0;
	cap = t->cap ? t->cap * 2 : 8;
	while (cap < n)
		cap *= 2;
	nb = sp_realloc(t->cur, cap * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	t->cur = nb;
	nf = sp_realloc(t->fresh, cap * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	t->fresh = nf;
	t->cap = cap;
	return 0;
}

static void txn_release(struct sp_location_txn *t)
{
	for (unsigned i = 0; i < t->n; i++)
		sp_binding_deref(t->cur[i]);
	sp_free(t->cur);
	sp_free(t->fresh);
	t->cur = NULL;
	t->fresh = NULL;
	t->n = t->cap = 0;
}

int sp_location_begin(struct sp_location *loc, struct sp_str aor, int64_t now,
		      struct sp_location_txn *txn)
{
	uint64_t h = key_hash(aor);
	struct shard *s = shard_of(loc, h);
	struct aor_rec *r;

	memset(txn, 0, sizeof(*txn));
	txn->loc = loc;
	txn->shard = s;
	pthread_mutex_lock(&s->mu);
	r = rec_get(s, aor, h);
	if (!r)
		goto nomem;
	txn->rec = r;
	if (txn_reserve(txn, r->n + 1) < 0)
		goto nomem;
	for (unsigned i = 0; i < r->n; i++) {
		if (r->b[i]->expires_at <= now)
			continue; /* due: the commit drops it */
		txn->cur[txn->n] = sp_binding_ref(r->b[i]);
		txn->fresh[txn->n++] = false;
	}
	return 0;
nomem:
	if (r)
		rec_unlink_if_empty(s, r);
	pthread_mutex_unlock(&s->mu);
	txn_release(txn);
	return -ENOMEM;
}

int sp_location_txn_put(struct sp_location_txn *txn, unsigned i, struct sp_binding *b)
{
	if (i >= txn->n) {
		if (txn_reserve(txn, txn->n + 1) < 0) {
			sp_binding_deref(b);
			return -ENOMEM;
		}
		txn->cur[txn->n] = b;
		txn->fresh[txn->n++] = true;
		return 0;
	}
	sp_binding_deref(txn->cur[i]);
	txn->cur[i] = b;
	txn->fresh[i] = true;
	return 0;
}

void sp_location_txn_remove(struct sp_location_txn *txn, unsigned i)
{
	if (i >= txn->n)
		return;
	sp_binding_deref(txn->cur[i]);
	memmove(txn->cur + i, txn->cur + i + 1, (txn->n - i - 1) * sizeof(*txn->cur));
	memmove(txn->fresh + i, txn->fresh + i + 1, (txn->n - i - 1) * sizeof(*txn->fresh));
	txn->n--;
}

static bool in_array(struct sp_binding *const *a, unsigned n, const struct sp_binding *b)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] == b)
			return true;
	return false;
}

int sp_location_commit(struct sp_location_txn *txn)
{
	struct sp_location *loc = txn->loc;
	struct shard *s = txn->shard;
	struct aor_rec *r = txn->rec;
	unsigned nfresh = 0;
	struct sp_binding **old;
	unsigned oldn;

	for (unsigned i = 0; i < txn->n; i++)
		nfresh += txn->fresh[i];
	/* Everything that can fail happens before the first visible change. */
	if (heap_reserve(s, nfresh) < 0) {
		sp_location_abort(txn);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < txn->n; i++) {
		if (txn->fresh[i])
			((struct sp_binding *)txn->cur[i])->version =
			    __atomic_add_fetch(&loc->version, 1, __ATOMIC_RELAXED);
	}
	old = r->b;
	oldn = r->n;
	for (unsigned i = 0; i < oldn; i++)
		if (!in_array(txn->cur, txn->n, old[i]))
			notify(loc, SP_LOC_REMOVE, old[i]);
	for (unsigned i = 0; i < txn->n; i++) {
		if (!txn->fresh[i])
			continue;
		heap_push(s, txn->cur[i]);
		notify(loc, SP_LOC_PUT, txn->cur[i]);
	}
	s->nbindings = s->nbindings - oldn + txn->n;
	/* swap: the record takes the working array and its references */
	r->b = txn->cur;
	r->n = txn->n;
	r->cap = txn->cap;
	txn->cur = old;
	txn->n = oldn;
	sp_free(txn->fresh);
	txn->fresh = NULL;
	rec_unlink_if_empty(s, r);
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; i < txn->n; i++)
		sp_binding_deref(txn->cur[i]);
	sp_free(txn->cur);
	txn->cur = NULL;
	txn->n = txn->cap = 0;
	return 0;
}

void sp_location_abort(struct sp_location_txn *txn)
{
	struct shard *s = txn->shard;

	rec_unlink_if_empty(s, txn->rec);
	pthread_mutex_unlock(&s->mu);
	txn_release(txn);
}

/* ---- lookups ------------------------------------------------------------------ */

/* q descending, then most recent first */
static int snap_cmp(const void *a, const void *b)
{
	const struct sp_binding *x = *(struct sp_binding *const *)a;
	const struct sp_binding *y = *(struct sp_binding *const *)b;

	if (x->q != y->q)
		return x->q > y->q ? -1 : 1;
	if (x->registered_at != y->registered_at)
		return x->registered_at > y->registered_at ? -1 : 1;
	if (x->version != y->version)
		return x->version > y->version ? -1 : 1;
	return 0;
}

int sp_location_lookup(struct sp_location *loc, struct sp_str aor, struct sp_str instance,
		       int64_t now, struct sp_location_snap *snap)
{
	uint64_t h = key_hash(aor);
	struct shard *s = shard_of(loc, h);
	struct aor_rec *r;
	unsigned n = 0;

	snap->b = NULL;
	snap->n = 0;
	pthread_mutex_lock(&s->mu);
	r = rec_find(s, aor, h);
	if (r && r->n) {
		snap->b = sp_malloc(r->n * sizeof(*snap->b));
		if (!snap->b) {
			pthread_mutex_unlock(&s->mu);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < r->n; i++) {
			struct sp_binding *b = r->b[i];

			if (b->expires_at <= now)
				continue;
			if (instance.p && !sp_str_eq(instance, b->instance))
				continue;
			snap->b[n++] = sp_binding_ref(b);
		}
	}
	pthread_mutex_unlock(&s->mu);
	snap->n = n;
	if (n > 1)
		qsort(snap->b, n, sizeof(*snap->b), snap_cmp);
	return 0;
}

void sp_location_snap_free(struct sp_location_snap *snap)
{
	for (unsigned i = 0; i < snap->n; i++)
		sp_binding_deref(snap->b[i]);
	sp_free(snap->b);
	snap->b = NULL;
	snap->n = 0;
}

/* ---- expiry -------------------------------------------------------------------- */

/* Removes b from r if it is still there. */
static bool rec_drop(struct shard *s, struct aor_rec *r, struct sp_binding *b)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (r->b[i] != b)
			continue;
		memmove(r->b + i, r->b + i + 1, (r->n - i - 1) * sizeof(*r->b));
		r->n--;
		s->nbindings--;
		return true;
	}
	return false;
}

size_t sp_location_expire(struct sp_location *loc, int64_t now)
{
	size_t removed = 0;

	for (unsigned i = 0; i < SP_LOCATION_SHARDS; i++) {
		struct shard *s = &loc->shards[i];

		pthread_mutex_lock(&s->mu);
		while (s->hn && s->heap[0].at <= now) {
			struct sp_binding *b = heap_pop(s);
			uint64_t h = key_hash(b->aor);
			struct aor_rec *r = rec_find(s, b->aor, h);

			/* Lazy deletion: a binding replaced or removed since
			 * it was pushed is no longer in its record. */
			if (r && rec_drop(s, r, b)) {
				notify(loc, SP_LOC_REMOVE, b);
				sp_binding_deref(b); /* the record's reference */
				removed++;
				rec_unlink_if_empty(s, r);
			}
			sp_binding_deref(b); /* the heap's reference */
		}
		pthread_mutex_unlock(&s->mu);
	}
	return removed;
}

int64_t sp_location_next_expiry(struct sp_location *loc)
{
	int64_t next = INT64_MAX;

	for (unsigned i = 0; i < SP_LOCATION_SHARDS; i++) {
		struct shard *s = &loc->shards[i];

		pthread_mutex_lock(&s->mu);
		if (s->hn && s->heap[0].at < next)
			next = s->heap[0].at;
		pthread_mutex_unlock(&s->mu);
	}
	return next;
}

int sp_location_load(struct sp_location *loc, struct sp_binding *b, int64_t now)
{
	uint64_t h = key_hash(b->aor);
	struct shard *s = shard_of(loc, h);
	struct aor_rec *r;
	int rc = -ENOMEM;

	if (b->expires_at <= now)
		return 1;
	pthread_mutex_lock(&s->mu);
	r = rec_get(s, b->aor, h);
	if (!r || heap_reserve(s, 1) < 0)
		goto out;
	if (r->n == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 4;
		struct sp_binding **nb = sp_realloc(r->b, cap * sizeof(*nb));

		if (!nb)
			goto out;
		r->b = nb;
		r->cap = cap;
	}
	b->version = __atomic_add_fetch(&loc->version, 1, __ATOMIC_RELAXED);
	r->b[r->n++] = sp_binding_ref(b);
	s->nbindings++;
	heap_push(s, b);
	rc = 0;
out:
	if (r && rc < 0)
		rec_unlink_if_empty(s, r);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* ---- internal accessors (location_int.h) ----------------------------------------- */

const uint8_t *sp__location_gruu_key(const struct sp_location *loc)
{
	return loc->gruu_key;
}

uint64_t sp__location_next_nonce(struct sp_location *loc)
{
	return __atomic_add_fetch(&loc->version, 1, __ATOMIC_RELAXED);
}

void sp_location_set_gruu_key(struct sp_location *loc, const uint8_t key[32])
{
	memcpy(loc->gruu_key, key, 32);
}
