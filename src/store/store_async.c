/*
 * The store's thread pool (DESIGN.md §3): blocking store work never runs on
 * a worker loop. A loop submits (work, done, arg); one of a few pool threads
 * runs work(store, arg) and posts done(result, arg) back to the submitting
 * loop with sp_loop_post(). The queue is bounded: past queue_max jobs
 * waiting or running, submit says -EBUSY at once, so an overloaded disk
 * turns into a fast error (a 500/503 for the registrar) instead of an
 * unbounded backlog.
 *
 * A job's memory is taken at submit, on the caller's thread, where ENOMEM
 * can still be returned; after that a completion is never dropped: a failed
 * sp_loop_post (ENOMEM inside the mailbox) is retried by the pool thread.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "siphon/loop.h"
#include "siphon/mem.h"

#include "store_int.h"

#define MAX_THREADS 8

struct job {
	struct job *next;
	struct sp_loop *loop;
	sp_store_work_cb work;
	sp_store_done_cb done;
	void *arg;
	int result;
};

struct sp_store_async {
	struct sp_store *store;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, **tail;
	unsigned pending, queue_max;
	bool stopping;
	unsigned nthreads;
	pthread_t threads[MAX_THREADS];
};

/* On the submitting loop: the completion. */
static void job_complete(void *arg)
{
	struct job *j = arg;
	j->done(j->result, j->arg);
	sp_free(j);
}

static void post_completion(struct job *j)
{
	const struct timespec ms = {0, 1000000};

	if (!j->done) {
		sp_free(j);
		return;
	}
	while (sp_loop_post(j->loop, job_complete, j) != 0)
		nanosleep(&ms, NULL);
}

static void *pool_main(void *arg)
{
	struct sp_store_async *a = arg;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->head && !a->stopping)
			pthread_cond_wait(&a->cond, &a->lock);
		struct job *j = a->head;
		if (!j)
			break; /* stopping and drained */
		a->head = j->next;
		if (!a->head)
			a->tail = &a->head;
		pthread_mutex_unlock(&a->lock);

		j->result = j->work(a->store, j->arg);
		/* The slot frees before the post, so a completion always
		 * sees its job no longer pending. */
		pthread_mutex_lock(&a->lock);
		a->pending--;
		pthread_mutex_unlock(&a->lock);
		post_completion(j);
		pthread_mutex_lock(&a->lock);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

static void async_free(struct sp_store_async *a)
{
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	sp_free(a);
}

static void stop_join(struct sp_store_async *a)
{
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	for (unsigned i = 0; i < a->nthreads; i++)
		pthread_join(a->threads[i], NULL);
	a->nthreads = 0;
}

int sp_store_async_create(struct sp_store_async **out, struct sp_store *s, unsigned nthreads,
			  unsigned queue_max)
{
	int err;

	if (!out || !s || nthreads < 1 || nthreads > MAX_THREADS || queue_max < 1)
		return -EINVAL;
	struct sp_store_async *a = sp_malloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	*a = (struct sp_store_async){.store = s, .queue_max = queue_max};
	a->tail = &a->head;
	if ((err = pthread_mutex_init(&a->lock, NULL)) != 0) {
		sp_free(a);
		return -err;
	}
	if ((err = pthread_cond_init(&a->cond, NULL)) != 0) {
		pthread_mutex_destroy(&a->lock);
		sp_free(a);
		return -err;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		if ((err = pthread_create(&a->threads[i], NULL, pool_main, a)) != 0) {
			stop_join(a);
			async_free(a);
			return -err;
		}
		a->nthreads++;
	}
	*out = a;
	return 0;
}

int sp_store_async_submit(struct sp_store_async *a, struct sp_loop *loop, sp_store_work_cb work,
			  sp_store_done_cb done, void *arg)
{
	if (!a || !work || (done && !loop))
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	if (a->stopping || a->pending >= a->queue_max) {
		pthread_mutex_unlock(&a->lock);
		return -EBUSY;
	}
	a->pending++; /* reserve the slot before allocating outside the lock */
	pthread_mutex_unlock(&a->lock);

	struct job *j = sp_malloc(sizeof(*j));
	pthread_mutex_lock(&a->lock);
	if (!j) {
		a->pending--;
		pthread_mutex_unlock(&a->lock);
		return -ENOMEM;
	}
	*j = (struct job){.loop = loop, .work = work, .done = done, .arg = arg};
	*a->tail = j;
	a->tail = &j->next;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

void sp_store_async_set_name(struct sp_store_async *a, const char *name)
{
	char n[16];

	if (!a || !name)
		return;
	snprintf(n, sizeof(n), "%s", name); /* the kernel's limit: 15 bytes */
	for (unsigned i = 0; i < a->nthreads; i++)
		pthread_setname_np(a->threads[i], n);
}

unsigned sp_store_async_pending(struct sp_store_async *a)
{
	pthread_mutex_lock(&a->lock);
	unsigned n = a->pending;
	pthread_mutex_unlock(&a->lock);
	return n;
}

void sp_store_async_destroy(struct sp_store_async *a)
{
	if (!a)
		return;
	stop_join(a);
	async_free(a);
}
