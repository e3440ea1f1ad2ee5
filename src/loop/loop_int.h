/*
 * Internals shared by the files of src/loop: the loop structure itself and
 * the entry points of the timer wheel (timer_wheel.c) and the mailbox
 * (mailbox.c) that the iteration in loop.c drives.
 */
#ifndef SIPHON_LOOP_INT_H
#define SIPHON_LOOP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "siphon/loop.h"

/*
 * Timer wheel geometry: 4 levels of 256 slots at 1 ms. Level L holds the
 * timers due between 2^(8L) and 2^(8L+8) ms after `base`, so the wheel
 * spans 2^32 ms (49.7 days); a longer delay parks in the farthest level-3
 * slot and is re-placed each time that slot cascades.
 */
#define SP__WHEEL_LEVELS 4
#define SP__WHEEL_BITS	 8
#define SP__WHEEL_SLOTS	 (1u << SP__WHEEL_BITS)
#define SP__WHEEL_WORDS	 (SP__WHEEL_SLOTS / 64)

struct sp__wheel {
	struct sp_timer *slot[SP__WHEEL_LEVELS][SP__WHEEL_SLOTS];
	/* One bit per non-empty slot, so the next expiry is a few ctz's. */
	uint64_t occupied[SP__WHEEL_LEVELS][SP__WHEEL_WORDS];
	sp_msec base;		/* first millisecond not yet processed */
	struct sp_timer *ready; /* due before base: run next pass, FIFO */
	struct sp_timer **ready_tail;
	bool running; /* inside sp__timers_run() */
};

struct sp__watcher {
	sp_io_cb cb; /* NULL: not watched */
	void *arg;
	unsigned events;
	uint32_t gen; /* bumped on unwatch, so stale epoll events are dropped */
};

struct sp__post {
	sp_post_cb cb;
	void *arg;
};

struct sp__mailbox {
	pthread_mutex_t lock;
	struct sp__post *items; /* filled by posters, under lock */
	size_t len, cap;
	struct sp__post *spare; /* drained by the loop thread, no lock */
	size_t spare_cap;
	int efd;       /* eventfd: posts and sp_loop_stop() wake the loop */
	bool draining; /* guards against a nested drain */
};

#define SP__LOOP_NEVENTS 64

struct sp_loop {
	struct sp_clock clock;
	sp_msec now;
	int epfd;
	atomic_bool stop;
	struct sp__watcher *watchers; /* indexed by fd */
	size_t nwatchers;
	struct sp__wheel wheel;
	struct sp__mailbox mbox;
	struct epoll_event events[SP__LOOP_NEVENTS];
};

/* Empties the wheel with base = loop->now. */
void sp__timers_init(struct sp_loop *loop);

/* Disarms every armed timer without running it (sp_timer_active() turns
 * false), for sp_loop_destroy(). */
void sp__timers_drop(struct sp_loop *loop);

/* Runs the timers due at loop->now: first those queued as ready by the
 * previous pass, then the wheel up to now, in expiry order. Timers that
 * callbacks arm already due wait for the next pass. Not reentrant: a
 * nested call returns at once. */
void sp__timers_run(struct sp_loop *loop);

/* Milliseconds from loop->now until the wheel next needs a pass (0: now),
 * or -1 if no timer is armed. Capped at INT_MAX. */
int sp__timers_timeout(const struct sp_loop *loop);

/* Sets up / tears down the mailbox and its eventfd. init returns 0 or
 * -errno. destroy drops queued posts without running them. */
int sp__mailbox_init(struct sp__mailbox *mb);
void sp__mailbox_destroy(struct sp__mailbox *mb);

/* On the loop thread, after the eventfd fired: runs every post queued so
 * far, in order. Posts made by those callbacks wait for the next call. */
void sp__mailbox_drain(struct sp_loop *loop);

/* Wakes the loop's epoll_wait. Any thread. */
void sp__mailbox_wake(struct sp__mailbox *mb);

#endif
