/*
 * Worker threads (DESIGN.md §3): one thread per core, each with its own
 * loop. A worker creates its loop, runs the application's setup (open its
 * SO_REUSEPORT sockets ...), reports, and then waits for the verdict of
 * sp_workers_start(): run if every worker's setup succeeded, otherwise tear
 * down and exit. So either all workers run or none does, and no loop runs
 * before every setup has returned.
 */
#include <errno.h>
#include <string.h>

#include "siphon/mem.h"

#include "loop_int.h"

enum verdict { PENDING, RUN, ABORT };

struct worker {
	pthread_t thread;
	struct sp_workers *w;
	struct sp_loop *loop;
	unsigned index;
	int rc; /* loop creation or setup result */
};

struct sp_workers {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned reported;
	enum verdict verdict;
	sp_worker_setup_cb setup;
	sp_worker_teardown_cb teardown;
	void *arg;
	unsigned n;
	struct worker worker[];
};

static void *worker_main(void *p)
{
	struct worker *k = p;
	struct sp_workers *w = k->w;
	int rc = sp_loop_create(&k->loop, NULL);
	if (!rc && w->setup)
		rc = w->setup(k->loop, k->index, w->arg);

	pthread_mutex_lock(&w->lock);
	k->rc = rc;
	w->reported++;
	pthread_cond_broadcast(&w->cond);
	while (w->verdict == PENDING)
		pthread_cond_wait(&w->cond, &w->lock);
	bool run = w->verdict == RUN;
	pthread_mutex_unlock(&w->lock);

	if (rc)
		return NULL; /* setup failed: it released its own work */
	if (run)
		sp_loop_run(k->loop);
	if (w->teardown)
		w->teardown(k->loop, k->index, w->arg);
	return NULL;
}

/* Joins the first `created` threads and frees everything. */
static void finish(struct sp_workers *w, unsigned created)
{
	for (unsigned i = 0; i < created; i++)
		pthread_join(w->worker[i].thread, NULL);
	for (unsigned i = 0; i < created; i++)
		sp_loop_destroy(w->worker[i].loop);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	sp_free(w);
}

int sp_workers_start(struct sp_workers **out, unsigned n, sp_worker_setup_cb setup,
		     sp_worker_teardown_cb teardown, void *arg)
{
	if (!n || n > 4096)
		return -EINVAL;
	size_t size = sizeof(struct sp_workers) + n * sizeof(struct worker);
	struct sp_workers *w = sp_malloc(size);
	if (!w)
		return -ENOMEM;
	memset(w, 0, size);
	w->n = n;
	w->setup = setup;
	w->teardown = teardown;
	w->arg = arg;
	w->verdict = PENDING;
	int err = pthread_mutex_init(&w->lock, NULL);
	if (err) {
		sp_free(w);
		return -err;
	}
	err = pthread_cond_init(&w->cond, NULL);
	if (err) {
		pthread_mutex_destroy(&w->lock);
		sp_free(w);
		return -err;
	}

	unsigned created = 0;
	for (; created < n; created++) {
		struct worker *k = &w->worker[created];
		k->w = w;
		k->index = created;
		err = pthread_create(&k->thread, NULL, worker_main, k);
		if (err) {
			err = -err;
			break;
		}
	}

	pthread_mutex_lock(&w->lock);
	while (w->reported < created)
		pthread_cond_wait(&w->cond, &w->lock);
	for (unsigned i = 0; !err && i < created; i++)
		err = w->worker[i].rc;
	w->verdict = err ? ABORT : RUN;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);

	if (err) {
		finish(w, created);
		return err;
	}
	*out = w;
	return 0;
}

struct sp_loop *sp_workers_loop(struct sp_workers *w, unsigned i)
{
	return i < w->n ? w->worker[i].loop : NULL;
}

unsigned sp_workers_count(const struct sp_workers *w)
{
	return w->n;
}

void sp_workers_stop(struct sp_workers *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->n; i++)
		sp_loop_stop(w->worker[i].loop);
	finish(w, w->n);
}
