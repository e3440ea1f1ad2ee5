/*
 * The dialog table of a UA (one per worker): a chained hash of dialogs
 * keyed on Call-ID and local tag, so that the dialogs a forked request
 * creates (same Call-ID and local tag, different remote tags, RFC 3261
 * §13.2.2.4) share a bucket and form the "dialog set" that a non-2xx
 * final response ends (§12.3). Lookups by full ID walk that bucket.
 */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "dialog_int.h"

#define MIN_BUCKETS 64u
#define MAX_BUCKETS (1u << 20)

struct sp_dialog_table {
	struct sp_dialog **buckets;
	uint32_t nbuckets;
	unsigned count;
	uint64_t seed;
};

/* FNV-1a over Call-ID, a separator and the local tag, with a per-table
 * seed so chains cannot be aimed at from the network. */
static uint32_t set_hash(uint64_t seed, struct sp_str call_id, struct sp_str local_tag)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (size_t i = 0; i < call_id.len; i++) {
		h ^= (unsigned char)call_id.p[i];
		h *= 0x100000001b3ull;
	}
	h ^= 0xff; /* no byte of a Call-ID: "ab"+"c" differs from "a"+"bc" */
	h *= 0x100000001b3ull;
	for (size_t i = 0; i < local_tag.len; i++) {
		h ^= (unsigned char)local_tag.p[i];
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static void table_destroy(void *obj)
{
	struct sp_dialog_table *t = obj;
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct sp_dialog *d = t->buckets[i], *next;
		for (; d; d = next) {
			next = d->hnext;
			d->hnext = NULL;
			d->table = NULL;
			sp_mem_deref(d);
		}
	}
	sp_free(t->buckets);
}

int sp_dialog_table_create(struct sp_dialog_table **out)
{
	if (!out)
		return -EINVAL;
	struct sp_dialog_table *t = sp_mem_zalloc(sizeof(*t), table_destroy);
	if (!t)
		return -ENOMEM;
	t->buckets = sp_malloc(MIN_BUCKETS * sizeof(*t->buckets));
	if (!t->buckets) {
		sp_mem_deref(t);
		return -ENOMEM;
	}
	memset(t->buckets, 0, MIN_BUCKETS * sizeof(*t->buckets));
	t->nbuckets = MIN_BUCKETS;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		t->seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)t;
	}
	*out = t;
	return 0;
}

void sp_dialog_table_destroy(struct sp_dialog_table *t)
{
	sp_mem_deref(t);
}

unsigned sp_dialog_table_count(const struct sp_dialog_table *t)
{
	return t->count;
}

static void table_grow(struct sp_dialog_table *t)
{
	uint32_t n = t->nbuckets * 2;
	if (n > MAX_BUCKETS)
		return;
	struct sp_dialog **b = sp_malloc(n * sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	memset(b, 0, n * sizeof(*b));
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct sp_dialog *d = t->buckets[i], *next;
		for (; d; d = next) {
			next = d->hnext;
			d->hnext = b[d->hash & (n - 1)];
			b[d->hash & (n - 1)] = d;
		}
	}
	sp_free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

struct sp_dialog *sp_dialog_table_find(const struct sp_dialog_table *t,
				       const struct sp_dialog_id *id)
{
	if (!t || !id)
		return NULL;
	struct sp_str lt = sp__dlg_tag(id->local_tag), rt = sp__dlg_tag(id->remote_tag);
	uint32_t h = set_hash(t->seed, id->call_id, lt);
	for (struct sp_dialog *d = t->buckets[h & (t->nbuckets - 1)]; d; d = d->hnext)
		if (d->hash == h && sp_str_eq(d->call_id, id->call_id) &&
		    sp_str_eq(d->local_tag, lt) && sp_str_eq(d->remote_tag, rt))
			return d;
	return NULL;
}

int sp_dialog_table_add(struct sp_dialog_table *t, struct sp_dialog *d)
{
	if (!t || !d)
		return -EINVAL;
	if (d->table)
		return -EEXIST;
	if (d->state == SP_DIALOG_TERMINATED)
		return -ESTALE;
	struct sp_dialog_id id = sp_dialog_id(d);
	if (sp_dialog_table_find(t, &id))
		return -EEXIST;
	if (t->count >= t->nbuckets)
		table_grow(t);
	d->hash = set_hash(t->seed, d->call_id, d->local_tag);
	struct sp_dialog **head = &t->buckets[d->hash & (t->nbuckets - 1)];
	d->hnext = *head;
	*head = sp_mem_ref(d);
	d->table = t;
	t->count++;
	return 0;
}

void sp_dialog_table_remove(struct sp_dialog_table *t, struct sp_dialog *d)
{
	if (!t || !d || d->table != t)
		return;
	struct sp_dialog **pp = &t->buckets[d->hash & (t->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == d) {
			*pp = d->hnext;
			d->hnext = NULL;
			d->table = NULL;
			t->count--;
			sp_dialog_terminate(d); /* RFC 3261 §12.3 */
			sp_mem_deref(d);
			return;
		}
	}
}

struct sp_dialog *sp_dialog_table_match(const struct sp_dialog_table *t,
					const struct sp_msg *req)
{
	/* RFC 3261 §12.2.2: only a request with a To tag is mid-dialog; its
	 * ID as the UAS sees it is (Call-ID, To tag, From tag). */
	if (!t || !req || !req->request || !req->has_call_id || !req->has_from ||
	    !req->has_to || !req->to.tag.p)
		return NULL;
	struct sp_dialog_id id = { req->call_id, req->to.tag, req->from.tag };
	return sp_dialog_table_find(t, &id);
}

unsigned sp_dialog_table_end_early(struct sp_dialog_table *t, struct sp_str call_id,
				   struct sp_str local_tag)
{
	if (!t)
		return 0;
	struct sp_str lt = sp__dlg_tag(local_tag);
	uint32_t h = set_hash(t->seed, call_id, lt);
	unsigned n = 0;
	struct sp_dialog *d = t->buckets[h & (t->nbuckets - 1)], *next;
	for (; d; d = next) {
		next = d->hnext;
		if (d->hash == h && d->state == SP_DIALOG_EARLY && sp_str_eq(d->call_id, call_id) &&
		    sp_str_eq(d->local_tag, lt)) {
			sp_dialog_table_remove(t, d);
			n++;
		}
	}
	return n;
}

int sp_dialog_table_uac_response(struct sp_dialog_table *t, const struct sp_msg *req,
				 const struct sp_msg *resp, bool tls, struct sp_dialog **out)
{
	if (out)
		*out = NULL;
	if (!t || !req || !resp || !req->request || resp->request || !req->has_call_id ||
	    !req->has_from || !resp->has_to)
		return -EINVAL;
	unsigned st = resp->status;
	/* §12.1: 100, and 1xx without To tag or to another method than
	 * INVITE, create nothing. */
	if (st < 101 || (st < 200 && (!resp->to.tag.p || req->method_id != SP_METHOD_INVITE)))
		return 0;
	if (st >= 300) {
		/* §12.3, §13.2.2.3: a non-2xx final ends the early dialogs. */
		sp_dialog_table_end_early(t, req->call_id, req->from.tag);
		return 0;
	}
	struct sp_dialog_id id = { req->call_id, req->from.tag, resp->to.tag };
	struct sp_dialog *d = sp_dialog_table_find(t, &id);
	if (d) {
		/* §13.2.2.1: a 1xx of an existing dialog creates nothing;
		 * §13.2.2.4: a 2xx confirms it. */
		if (st >= 200) {
			int rc = sp_dialog_confirm(d, resp);
			if (rc)
				return rc;
		}
		if (out)
			*out = d;
		return 0;
	}
	int rc = sp_dialog_create_uac(&d, req, resp, tls);
	if (rc)
		return rc;
	rc = sp_dialog_table_add(t, d);
	sp_mem_deref(d); /* the table holds it now, or it is gone */
	if (rc)
		return rc;
	if (out)
		*out = d;
	return 0;
}
