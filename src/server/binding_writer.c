/*
 * The location write-behind (binding_writer.h). Why a thread of its own and
 * batches: a binding change per REGISTER written as its own SQLite
 * transaction costs a WAL commit (file locks, a write) and, through a job
 * pool, a thread wake-up per change; at a few thousand registrations per
 * second that was most of the registrar's CPU. Here:
 *
 *   location commit (any worker, shard lock held)
 *     -> sp__bwriter_change: append {what, binding reference} to a chunked
 *        queue under one mutex; no wake-up, except the first change after
 *        the writer went idle, or the queue reaching the high-water mark
 *   writer thread "sp-store-write", every interval_ms while there is work
 *     -> take the whole queue (swap the list under the mutex)
 *     -> sp_store_binding_batch: one BEGIN IMMEDIATE ... COMMIT per tick
 *        (at most BATCH_MAX changes per transaction, so a large backlog
 *        does not hold the store's handle for long), in queue order, which
 *        is commit order per AOR (the callback runs under the shard lock)
 *     -> -EBUSY (another process held the write lock beyond the busy
 *        timeout): keep the batch, retry at the next tick before anything
 *        newer; any other error: drop the batch with a warning
 *
 * An idle server's writer sleeps without a timeout (no periodic wake-up).
 * The queue and the batch in the writer's hands together are bounded by
 * max_queued; beyond it a change is dropped with a rate-limited warning,
 * as a full job queue did before.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "binding_writer.h"

#define CHUNK	  1024 /* changes per queue chunk */
#define BATCH_MAX 8192 /* changes per transaction */

struct change {
	enum sp_location_change what;
	struct sp_binding *b; /* a reference */
};

struct chunk {
	struct chunk *next;
	unsigned n;
	struct change c[CHUNK];
};

struct sp__bwriter {
	struct sp_store *store;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned interval_ms;
	size_t high_water, max;
	/* under lock: */
	struct chunk *head, *tail; /* the queue */
	size_t queued;		   /* changes in the queue */
	size_t held;		   /* changes taken by the writer, not yet done with */
	bool stopping, idle;	   /* idle: the writer sleeps with nothing to do */
	struct sp__bwriter_stats st;
	/* the writer thread's own: changes taken, oldest first */
	struct chunk *phead, *ptail;
	unsigned ppos; /* next change in phead */
	pthread_t thread;
};

/* ---- queueing (any thread) ------------------------------------------------ */

void sp__bwriter_change(struct sp__bwriter *w, enum sp_location_change what,
			const struct sp_binding *b)
{
	const char *lost = NULL;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->queued + w->held >= w->max) {
		lost = "queue full";
	} else if (!w->tail || w->tail->n == CHUNK) {
		struct chunk *c = sp_malloc(sizeof(*c));
		if (!c) {
			lost = "out of memory";
		} else {
			c->next = NULL;
			c->n = 0;
			if (w->tail)
				w->tail->next = c;
			else
				w->head = c;
			w->tail = c;
		}
	}
	if (lost) {
		w->st.dropped++;
	} else {
		w->tail->c[w->tail->n++] =
		    (struct change){what, sp_binding_ref((struct sp_binding *)b)};
		w->queued++;
		/* Wake the writer only when it sleeps with nothing to do, or
		 * when the queue reaches the high-water mark. */
		if (w->idle) {
			w->idle = false;
			pthread_cond_signal(&w->cond);
		} else if (w->queued == w->high_water) {
			pthread_cond_signal(&w->cond);
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (lost)
		SP_LOG_RL(SP_LOG_WARN, "store: binding change lost: %s", lost);
}

/* ---- the writer thread ------------------------------------------------------ */

static void copy_str(char *dst, size_t cap, struct sp_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* The store record of change ch in *op. Every field a PUT uses is set (op
 * is reused between calls). -ENAMETOOLONG when the key does not fit. */
static int fill(struct sp_store_binding_op *op, const struct change *ch)
{
	const struct sp_binding *b = ch->b;
	struct sp_store_binding *sb = &op->b;

	if (b->aor.len >= sizeof(sb->aor) || b->contact.len >= sizeof(sb->contact))
		return -ENAMETOOLONG;
	copy_str(sb->aor, sizeof(sb->aor), b->aor);
	copy_str(sb->contact, sizeof(sb->contact), b->contact);
	if (ch->what == SP_LOC_REMOVE) {
		op->kind = SP_STORE_BINDING_DEL;
		return 0;
	}
	op->kind = SP_STORE_BINDING_PUT;
	sb->expires_at = (b->expires_at + 999) / 1000; /* ms -> s, rounding up */
	sb->q = b->q < 0 ? 0 : b->q > 1000 ? 1000 : b->q;
	copy_str(sb->call_id, sizeof(sb->call_id), b->call_id);
	sb->cseq = b->cseq;
	/* RFC 3327: the Path values in order, comma-joined (whole values
	 * only: one that does not fit ends the list). */
	size_t pl = 0;
	for (unsigned i = 0; i < b->npath; i++) {
		if (pl + b->path[i].len + 2 >= sizeof(sb->path))
			break;
		if (i)
			sb->path[pl++] = ',';
		memcpy(sb->path + pl, b->path[i].p, b->path[i].len);
		pl += b->path[i].len;
	}
	sb->path[pl] = '\0';
	copy_str(sb->instance, sizeof(sb->instance), b->instance);
	sb->reg_id = b->reg_id;
	copy_str(sb->transport, sizeof(sb->transport), b->transport);
	copy_str(sb->source, sizeof(sb->source), b->received);
	sb->user_agent[0] = '\0';
	sb->updated_at = 0;
	return 0;
}

/* Walks the writer's changes for one transaction. */
struct cursor {
	struct chunk *c;
	unsigned i;
	size_t consumed; /* changes passed over (applied or skipped) */
	size_t skipped;	 /* whose key does not fit a store record */
};

static int next_op(struct sp_store_binding_op *op, void *arg)
{
	struct cursor *k = arg;

	while (k->consumed < BATCH_MAX) {
		while (k->c && k->i == k->c->n) {
			k->c = k->c->next;
			k->i = 0;
		}
		if (!k->c)
			return 0;
		const struct change *ch = &k->c->c[k->i++];
		k->consumed++;
		if (fill(op, ch) == 0)
			return 1;
		k->skipped++;
	}
	return 0;
}

/* Lets go of the n oldest changes the writer holds. */
static void release(struct sp__bwriter *w, size_t n)
{
	size_t left = n;

	while (left && w->phead) {
		struct chunk *c = w->phead;
		while (left && w->ppos < c->n) {
			sp_binding_deref(c->c[w->ppos++].b);
			left--;
		}
		if (w->ppos == c->n) {
			w->phead = c->next;
			if (!w->phead)
				w->ptail = NULL;
			w->ppos = 0;
			sp_free(c);
		}
	}
	pthread_mutex_lock(&w->lock);
	w->held -= n - left;
	pthread_mutex_unlock(&w->lock);
}

/* Writes what the writer holds. Returns false when a batch met -EBUSY and
 * was kept (with everything after it). */
static bool write_held(struct sp__bwriter *w)
{
	while (w->phead) {
		struct cursor k = {.c = w->phead, .i = w->ppos};
		size_t n = 0;
		int rc = sp_store_binding_batch(w->store, next_op, &k, &n);

		if (rc == -EBUSY) {
			pthread_mutex_lock(&w->lock);
			w->st.retries++;
			pthread_mutex_unlock(&w->lock);
			SP_LOG_RL(SP_LOG_WARN,
				  "store: database locked by another process: binding changes "
				  "kept for the next try");
			return false;
		}
		pthread_mutex_lock(&w->lock);
		if (rc == 0) {
			w->st.written += n;
			w->st.batches++;
			w->st.dropped += k.skipped;
		} else {
			w->st.dropped += k.consumed;
		}
		pthread_mutex_unlock(&w->lock);
		if (rc)
			SP_LOG_RL(SP_LOG_WARN, "store: %zu binding changes not written: %s",
				  k.consumed, strerror(-rc));
		else if (k.skipped)
			SP_LOG_RL(SP_LOG_WARN, "store: %zu bindings not written: URI too long",
				  k.skipped);
		if (!k.consumed)
			break; /* cannot happen: a chunk is never empty */
		release(w, k.consumed);
	}
	return true;
}

static struct timespec deadline_in(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static void *writer_main(void *arg)
{
	struct sp__bwriter *w = arg;

	pthread_setname_np(pthread_self(), "sp-store-write");
	pthread_mutex_lock(&w->lock);
	for (;;) {
		/* Nothing to do: sleep until the first change (or stop). */
		while (!w->stopping && !w->head && !w->phead) {
			w->idle = true;
			pthread_cond_wait(&w->cond, &w->lock);
		}
		w->idle = false;
		/* Let the tick's changes accumulate (the high-water mark or
		 * stop cut it short). */
		struct timespec until = deadline_in(w->interval_ms);
		while (!w->stopping && w->queued < w->high_water)
			if (pthread_cond_timedwait(&w->cond, &w->lock, &until) == ETIMEDOUT)
				break;
		if (w->head) {
			if (w->ptail)
				w->ptail->next = w->head;
			else
				w->phead = w->head;
			w->ptail = w->tail;
			w->held += w->queued;
			w->head = w->tail = NULL;
			w->queued = 0;
		}
		bool stopping = w->stopping;
		pthread_mutex_unlock(&w->lock);

		bool ok = write_held(w);
		if (!ok && stopping) {
			/* Once more (the lock may be gone), then give up. */
			ok = write_held(w);
			if (!ok) {
				size_t n = 0;
				for (struct chunk *c = w->phead; c; c = c->next)
					n += c->n;
				n -= w->ppos;
				SP_LOG(SP_LOG_ERROR,
				       "store: %zu binding changes not written at stop: database "
				       "locked",
				       n);
				pthread_mutex_lock(&w->lock);
				w->st.dropped += n;
				pthread_mutex_unlock(&w->lock);
				release(w, n);
			}
		}
		pthread_mutex_lock(&w->lock);
		if (w->stopping && !w->head && !w->phead)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- life cycle ------------------------------------------------------------- */

int sp__bwriter_create(struct sp__bwriter **out, struct sp_store *store, unsigned interval_ms,
		       size_t high_water, size_t max_queued)
{
	pthread_condattr_t ca;
	int err;

	if (!out || !store || !interval_ms || !high_water || !max_queued)
		return -EINVAL;
	struct sp__bwriter *w = sp_malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	memset(w, 0, sizeof(*w));
	w->store = store;
	w->interval_ms = interval_ms;
	w->high_water = high_water;
	w->max = max_queued;
	if ((err = pthread_mutex_init(&w->lock, NULL)) != 0) {
		sp_free(w);
		return -err;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (err) {
		pthread_mutex_destroy(&w->lock);
		sp_free(w);
		return -err;
	}
	if ((err = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		sp_free(w);
		return -err;
	}
	*out = w;
	return 0;
}

void sp__bwriter_stats(struct sp__bwriter *w, struct sp__bwriter_stats *out)
{
	pthread_mutex_lock(&w->lock);
	*out = w->st;
	out->queued = w->queued + w->held;
	pthread_mutex_unlock(&w->lock);
}

void sp__bwriter_destroy(struct sp__bwriter *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* Whatever raced in after the writer's last look. */
	while (w->head) {
		struct chunk *c = w->head;
		w->head = c->next;
		for (unsigned i = 0; i < c->n; i++)
			sp_binding_deref(c->c[i].b);
		sp_free(c);
	}
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	sp_free(w);
}
