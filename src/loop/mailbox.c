/*
 * The cross-thread mailbox (DESIGN.md §3): how a worker hands a buffer to
 * the worker owning its transaction, and how the blocking-work pool returns
 * results. Posters append (cb, arg) to an array under a mutex; the first
 * post into an empty array writes the eventfd the loop polls. The loop
 * thread swaps the array with a spare one under the lock and runs the
 * items outside it, so posters never wait on callbacks, and the steady
 * state allocates nothing (both arrays keep their capacity).
 *
 * Ordering: one array, appended under one lock, run front to back, so
 * posts from one thread run in the order they were made.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "siphon/mem.h"

#include "loop_int.h"

int sp__mailbox_init(struct sp__mailbox *mb)
{
	memset(mb, 0, sizeof(*mb));
	mb->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (mb->efd < 0)
		return -errno;
	int err = pthread_mutex_init(&mb->lock, NULL);
	if (err) {
		close(mb->efd);
		return -err;
	}
	return 0;
}

void sp__mailbox_destroy(struct sp__mailbox *mb)
{
	pthread_mutex_destroy(&mb->lock);
	close(mb->efd);
	sp_free(mb->items);
	sp_free(mb->spare);
}

void sp__mailbox_wake(struct sp__mailbox *mb)
{
	uint64_t one = 1;
	/* EAGAIN means the counter is already non-zero: awake anyway. */
	while (write(mb->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

int sp_loop_post(struct sp_loop *loop, sp_post_cb cb, void *arg)
{
	struct sp__mailbox *mb = &loop->mbox;
	pthread_mutex_lock(&mb->lock);
	if (mb->len == mb->cap) {
		size_t cap = mb->cap ? mb->cap * 2 : 64;
		struct sp__post *p =
		    cap > SIZE_MAX / sizeof(*p) ? NULL : sp_realloc(mb->items, cap * sizeof(*p));
		if (!p) {
			pthread_mutex_unlock(&mb->lock);
			return -ENOMEM;
		}
		mb->items = p;
		mb->cap = cap;
	}
	mb->items[mb->len].cb = cb;
	mb->items[mb->len].arg = arg;
	bool wake = ++mb->len == 1;
	pthread_mutex_unlock(&mb->lock);
	/* Later posts find len > 1 and skip the syscall: the drain, which
	 * reads the eventfd before taking the array, will see them. */
	if (wake)
		sp__mailbox_wake(mb);
	return 0;
}

void sp__mailbox_drain(struct sp_loop *loop)
{
	struct sp__mailbox *mb = &loop->mbox;
	uint64_t count;
	if (mb->draining)
		return;
	/* Reset the eventfd first: a post after this point either lands in
	 * the array taken below or writes the eventfd again. */
	while (read(mb->efd, &count, sizeof(count)) < 0 && errno == EINTR)
		;

	pthread_mutex_lock(&mb->lock);
	struct sp__post *items = mb->items;
	size_t len = mb->len, cap = mb->cap;
	mb->items = mb->spare;
	mb->cap = mb->spare_cap;
	mb->len = 0;
	pthread_mutex_unlock(&mb->lock);

	mb->spare = items;
	mb->spare_cap = cap;
	mb->draining = true;
	for (size_t i = 0; i < len; i++)
		items[i].cb(items[i].arg);
	mb->draining = false;
}
