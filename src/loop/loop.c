/*
 * The event loop (DESIGN.md §3): one per worker thread, never shared. An
 * iteration reads the clock, sleeps in epoll_wait until the next timer or an
 * event, reads the clock again (so all callbacks of the iteration see one
 * `now`), dispatches I/O, runs due timers (timer_wheel.c), then drains the
 * mailbox if its eventfd fired (mailbox.c).
 *
 * fd watchers live in an array indexed by fd. Each epoll registration
 * carries the fd and a generation number, bumped on unwatch, so an event
 * that was already fetched for an fd unwatched (and perhaps re-watched) by
 * an earlier callback of the same batch is dropped instead of delivered.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "siphon/mem.h"

#include "loop_int.h"

/* epoll data of the mailbox eventfd: fd bits 0xffffffff never match a
 * real fd. */
#define MAILBOX_TAG UINT64_MAX

static sp_msec monotonic_now(void *arg)
{
	struct timespec ts;
	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sp_msec)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void update_now(struct sp_loop *loop)
{
	sp_msec t = loop->clock.now(loop->clock.arg);
	if (t > loop->now)
		loop->now = t;
}

int sp_loop_create(struct sp_loop **out, const struct sp_clock *clock)
{
	struct sp_loop *loop = sp_malloc(sizeof(*loop));
	int err;
	if (!loop)
		return -ENOMEM;
	memset(loop, 0, sizeof(*loop));
	atomic_init(&loop->stop, false);
	loop->clock.now = monotonic_now;
	if (clock && clock->now)
		loop->clock = *clock;
	loop->now = loop->clock.now(loop->clock.arg);
	sp__timers_init(loop);

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		err = -errno;
		goto fail;
	}
	err = sp__mailbox_init(&loop->mbox);
	if (err)
		goto fail_ep;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = MAILBOX_TAG};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->mbox.efd, &ev) < 0) {
		err = -errno;
		goto fail_mb;
	}
	*out = loop;
	return 0;

fail_mb:
	sp__mailbox_destroy(&loop->mbox);
fail_ep:
	close(loop->epfd);
fail:
	sp_free(loop);
	return err;
}

void sp_loop_destroy(struct sp_loop *loop)
{
	if (!loop)
		return;
	sp__timers_drop(loop);
	sp__mailbox_destroy(&loop->mbox);
	close(loop->epfd);
	sp_free(loop->watchers);
	sp_free(loop);
}

sp_msec sp_loop_now(const struct sp_loop *loop)
{
	return loop->now;
}

/* ---- file descriptors ---- */

static uint32_t to_epoll(unsigned events)
{
	return ((events & SP_IO_READ) ? EPOLLIN : 0) | ((events & SP_IO_WRITE) ? EPOLLOUT : 0);
}

static int grow_watchers(struct sp_loop *loop, size_t fd)
{
	size_t n = loop->nwatchers ? loop->nwatchers : 64;
	while (n <= fd)
		n *= 2;
	struct sp__watcher *w = sp_realloc(loop->watchers, n * sizeof(*w));
	if (!w)
		return -ENOMEM;
	memset(w + loop->nwatchers, 0, (n - loop->nwatchers) * sizeof(*w));
	loop->watchers = w;
	loop->nwatchers = n;
	return 0;
}

int sp_loop_watch(struct sp_loop *loop, int fd, unsigned events, sp_io_cb cb, void *arg)
{
	if (fd < 0 || !cb)
		return -EINVAL;
	if ((size_t)fd >= loop->nwatchers) {
		int err = grow_watchers(loop, (size_t)fd);
		if (err)
			return err;
	}
	struct sp__watcher *w = &loop->watchers[fd];
	struct epoll_event ev = {
	    .events = to_epoll(events),
	    .data.u64 = (uint32_t)fd | (uint64_t)w->gen << 32,
	};
	/* The table and the kernel disagree if the fd was closed (which
	 * removes it from epoll) without an unwatch: try the other op. */
	int op = w->cb ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(loop->epfd, op, fd, &ev) < 0) {
		if (errno != (op == EPOLL_CTL_MOD ? ENOENT : EEXIST))
			return -errno;
		op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
		if (epoll_ctl(loop->epfd, op, fd, &ev) < 0)
			return -errno;
	}
	w->cb = cb;
	w->arg = arg;
	w->events = events;
	return 0;
}

void sp_loop_unwatch(struct sp_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nwatchers || !loop->watchers[fd].cb)
		return;
	struct sp__watcher *w = &loop->watchers[fd];
	/* Fails harmlessly (EBADF/ENOENT) if the fd is already closed. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	w->cb = NULL;
	w->arg = NULL;
	w->events = 0;
	w->gen++;
}

static void dispatch(struct sp_loop *loop, const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	if ((size_t)fd >= loop->nwatchers)
		return;
	struct sp__watcher *w = &loop->watchers[fd];
	if (!w->cb || w->gen != gen)
		return; /* unwatched by an earlier callback of this batch */
	unsigned e = 0;
	if (ev->events & EPOLLIN)
		e |= SP_IO_READ;
	if (ev->events & EPOLLOUT)
		e |= SP_IO_WRITE;
	/* Errors and hang-ups show up as whatever the callback waits for; its
	 * read() or write() then reports them. */
	if (ev->events & (EPOLLERR | EPOLLHUP))
		e |= w->events;
	e &= w->events;
	if (e)
		w->cb(fd, e, w->arg);
}

/* ---- running ---- */

static int iterate(struct sp_loop *loop, int timeout_ms)
{
	update_now(loop);
	int timeout = sp__timers_timeout(loop);
	if (timeout_ms >= 0 && (timeout < 0 || timeout_ms < timeout))
		timeout = timeout_ms;
	if (atomic_load_explicit(&loop->stop, memory_order_relaxed))
		timeout = 0;

	int err = 0;
	int n = epoll_wait(loop->epfd, loop->events, SP__LOOP_NEVENTS, timeout);
	if (n < 0) {
		if (errno != EINTR)
			err = -errno;
		n = 0;
	}
	update_now(loop);

	bool mail = false;
	for (int i = 0; i < n; i++) {
		if (loop->events[i].data.u64 == MAILBOX_TAG)
			mail = true;
		else
			dispatch(loop, &loop->events[i]);
	}
	sp__timers_run(loop);
	if (mail)
		sp__mailbox_drain(loop);
	return err;
}

int sp_loop_run_once(struct sp_loop *loop, int timeout_ms)
{
	return iterate(loop, timeout_ms);
}

int sp_loop_run(struct sp_loop *loop)
{
	while (!atomic_load(&loop->stop)) {
		int err = iterate(loop, -1);
		if (err)
			return err;
	}
	atomic_store(&loop->stop, false);
	return 0;
}

void sp_loop_stop(struct sp_loop *loop)
{
	atomic_store(&loop->stop, true);
	sp__mailbox_wake(&loop->mbox);
}

void sp_loop_advance(struct sp_loop *loop)
{
	update_now(loop);
	sp__timers_run(loop);
}
