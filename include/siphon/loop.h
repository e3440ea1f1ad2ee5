/*
 * The event loop (DESIGN.md §3): one per worker thread. epoll for file
 * descriptors, a hierarchical timer wheel with O(1) start and stop, an
 * eventfd-woken mailbox so other threads can post work, and an injectable
 * clock so tests advance time instead of sleeping.
 *
 * Everything here is single-threaded except sp_loop_post() and
 * sp_loop_stop(), which any thread may call. The loop is not reentrant:
 * callbacks must not call sp_loop_run/run_once/advance/destroy on their own
 * loop.
 */
#ifndef SIPHON_LOOP_H
#define SIPHON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct sp_loop;

/* Milliseconds of a monotonic clock. */
typedef int64_t sp_msec;

/* A clock source: now(arg) returns milliseconds, never going backwards. */
struct sp_clock {
	sp_msec (*now)(void *arg);
	void *arg;
};

/* Creates a loop. clock may be NULL (CLOCK_MONOTONIC). Returns 0 or a
 * negative errno; *out untouched on error. */
int sp_loop_create(struct sp_loop **out, const struct sp_clock *clock);

/* Destroys a loop that is not running (NULL-safe). Timers still armed are
 * disarmed without running (sp_timer_active() turns false, so they must
 * still be valid memory); watched fds are not closed. Posts still queued
 * are dropped without running: whatever their args own leaks unless the
 * caller drains first (sp_loop_run_once(loop, 0)). The caller must ensure
 * no thread posts to the loop from the moment destroy starts. */
void sp_loop_destroy(struct sp_loop *loop);

/* The loop's notion of now: read from the clock once per iteration (and on
 * sp_loop_advance), so every callback of one iteration sees one time. */
sp_msec sp_loop_now(const struct sp_loop *loop);

/* ---- file descriptors ---- */

enum { SP_IO_READ = 1u << 0, SP_IO_WRITE = 1u << 1 };
typedef void (*sp_io_cb)(int fd, unsigned events, void *arg);

/* Watches fd for events (SP_IO_*), level-triggered; calling it again for
 * the same fd changes the events and callback. Errors and hang-ups are
 * delivered as the events watched, for read()/write() to report. Returns 0,
 * -EINVAL (fd < 0 or no cb), -ENOMEM, or the -errno of epoll_ctl. */
int sp_loop_watch(struct sp_loop *loop, int fd, unsigned events, sp_io_cb cb, void *arg);

/* Stops watching fd (call before closing it). Safe inside any callback:
 * an event already fetched for fd in the same batch is not delivered. */
void sp_loop_unwatch(struct sp_loop *loop, int fd);

/* ---- timers ---- */

typedef void (*sp_timer_cb)(void *arg);

/* Intrusive timer: embed it in the object it times. Fields are private.
 * An armed timer must be stopped before its memory is freed or reused. */
struct sp_timer {
	struct sp_timer *next, **pprev;
	sp_msec expires;
	sp_timer_cb cb;
	void *arg;
	struct sp_loop *loop;
};

/* Prepares t (idle). Must be called once before start/stop. */
void sp_timer_init(struct sp_timer *t);

/* (Re)arms t to call cb(arg) delay ms after sp_loop_now(). O(1). An armed
 * timer is moved. A timer already due (delay 0) runs in the current
 * iteration's timer pass if armed before it (by an I/O callback), else in
 * the next pass: never in the pass that armed it, so a timer restarting
 * itself with delay 0 runs once per iteration. Delays beyond the wheel
 * (2^32 ms) work; expiry saturates at INT64_MAX. Timers due in the same
 * millisecond run in unspecified order. */
void sp_timer_start(struct sp_loop *loop, struct sp_timer *t, uint64_t delay_ms, sp_timer_cb cb,
		    void *arg);

/* Disarms t if armed. O(1). Safe inside any callback, including t's own. */
void sp_timer_stop(struct sp_timer *t);

/* True while t is armed. */
bool sp_timer_active(const struct sp_timer *t);

/* ---- running ---- */

/* Runs until sp_loop_stop(). Returns 0, or -errno if epoll fails. */
int sp_loop_run(struct sp_loop *loop);

/* One iteration: waits at most timeout_ms (-1: until the next timer or
 * event) for I/O, then runs due timers and posted work. Returns 0 (also
 * when interrupted by a signal) or -errno if epoll fails. For tests. */
int sp_loop_run_once(struct sp_loop *loop, int timeout_ms);

/* Makes sp_loop_run return after the current iteration (or at once, if
 * it is not running yet). Thread-safe. */
void sp_loop_stop(struct sp_loop *loop);

/* Test clock: for loops created with a clock whose now() the test
 * controls, re-reads the clock and runs one timer pass: every timer due,
 * in expiry order, all seeing the new now. Timers armed by those callbacks
 * are relative to the new now; one already due (delay 0) waits for the
 * next advance. To step through a sequence (retransmissions), advance the
 * clock in steps. Polls no fds and runs no posts. */
void sp_loop_advance(struct sp_loop *loop);

/* ---- mailbox ---- */

typedef void (*sp_post_cb)(void *arg);

/* Queues cb(arg) to run on loop's thread, in posting order, and wakes it.
 * Callable from any thread, the loop's own included (then it runs on a
 * later iteration). Returns 0 or -ENOMEM. Ownership of whatever arg points
 * to passes with it (e.g. a referenced receive buffer). The caller must
 * ensure the loop outlives the call; see sp_loop_destroy for posts still
 * queued then. */
int sp_loop_post(struct sp_loop *loop, sp_post_cb cb, void *arg);

/* ---- workers ---- */

struct sp_workers;

/* Called on each worker thread before its loop runs; returns 0 or -errno
 * (then every worker stops and sp_workers_start fails). */
typedef int (*sp_worker_setup_cb)(struct sp_loop *loop, unsigned index, void *arg);
/* Called on each worker thread whose setup succeeded, after its loop
 * stopped (or, if sp_workers_start fails, without running it), to release
 * what setup created. A setup that fails releases its own work. */
typedef void (*sp_worker_teardown_cb)(struct sp_loop *loop, unsigned index, void *arg);

/* Starts n threads (1..4096), each with its own loop, and waits until
 * every setup has returned; no loop runs before that. Returns 0, or the
 * first failing setup's error, -ENOMEM, -EINVAL or pthread's error as
 * -errno: then every thread is joined and freed, nothing left running,
 * *out untouched. */
int sp_workers_start(struct sp_workers **out, unsigned n, sp_worker_setup_cb setup,
		     sp_worker_teardown_cb teardown, void *arg);

/* The loop of worker i (NULL if i >= n), for posting to it. */
struct sp_loop *sp_workers_loop(struct sp_workers *w, unsigned i);
unsigned sp_workers_count(const struct sp_workers *w);

/* Stops every loop, joins the threads (each runs its teardown on its
 * own thread), destroys the loops and frees. Posts still queued are
 * dropped (sp_loop_destroy). NULL-safe. */
void sp_workers_stop(struct sp_workers *w);

#endif
