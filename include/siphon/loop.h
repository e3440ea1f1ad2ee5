/*
 * The event loop (DESIGN.md §3): one per worker thread. epoll for file
 * descriptors, a hierarchical timer wheel with O(1) start and stop, an
 * eventfd-woken mailbox so other threads can post work, and an injectable
 * clock so tests advance time instead of sleeping.
 *
 * Everything here is single-threaded except sp_loop_post() and
 * sp_loop_stop(), which any thread may call.
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

/* Destroys a loop that is not running. Timers still armed are dropped
 * (their callbacks never run); watched fds are not closed. */
void sp_loop_destroy(struct sp_loop *loop);

/* The loop's notion of now: read from the clock once per iteration (and on
 * sp_loop_advance), so every callback of one iteration sees one time. */
sp_msec sp_loop_now(const struct sp_loop *loop);

/* ---- file descriptors ---- */

enum { SP_IO_READ = 1u << 0, SP_IO_WRITE = 1u << 1 };
typedef void (*sp_io_cb)(int fd, unsigned events, void *arg);

/* Watches fd for events (SP_IO_*), level-triggered; calling it again for
 * the same fd changes the events and callback. Returns 0 or -errno. */
int sp_loop_watch(struct sp_loop *loop, int fd, unsigned events, sp_io_cb cb, void *arg);

/* Stops watching fd (call before closing it). Safe inside any callback. */
void sp_loop_unwatch(struct sp_loop *loop, int fd);

/* ---- timers ---- */

typedef void (*sp_timer_cb)(void *arg);

/* Intrusive timer: embed it in the object it times. Fields are private. */
struct sp_timer {
	struct sp_timer *next, **pprev;
	sp_msec expires;
	sp_timer_cb cb;
	void *arg;
	struct sp_loop *loop;
};

/* Prepares t (idle). Must be called once before start/stop. */
void sp_timer_init(struct sp_timer *t);

/* (Re)arms t to call cb(arg) delay ms from now (0: on the next iteration).
 * O(1). A running timer is moved. */
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
 * event) for I/O, then runs due timers and posted work. For tests. */
int sp_loop_run_once(struct sp_loop *loop, int timeout_ms);

/* Makes sp_loop_run return after the current iteration. Thread-safe. */
void sp_loop_stop(struct sp_loop *loop);

/* Test clock: for loops created with a clock whose now() the test
 * controls, re-reads the clock and fires every timer now due, in expiry
 * order (timers started by callbacks fire too if due). */
void sp_loop_advance(struct sp_loop *loop);

/* ---- mailbox ---- */

typedef void (*sp_post_cb)(void *arg);

/* Queues cb(arg) to run on loop's thread, in posting order, and wakes it.
 * Callable from any thread. Returns 0 or -ENOMEM. Ownership of whatever
 * arg points to passes with it (e.g. a referenced receive buffer). */
int sp_loop_post(struct sp_loop *loop, sp_post_cb cb, void *arg);

/* ---- workers ---- */

struct sp_workers;

/* Called on each worker thread before its loop runs; returns 0 or -errno
 * (then every worker stops and sp_workers_start fails). */
typedef int (*sp_worker_setup_cb)(struct sp_loop *loop, unsigned index, void *arg);
/* Called on each worker thread after its loop stopped, to release what
 * setup created. */
typedef void (*sp_worker_teardown_cb)(struct sp_loop *loop, unsigned index, void *arg);

/* Starts n threads, each with its own loop, and waits until every setup
 * has returned. Returns 0 or a negative errno (nothing left running). */
int sp_workers_start(struct sp_workers **out, unsigned n, sp_worker_setup_cb setup,
		     sp_worker_teardown_cb teardown, void *arg);

/* The loop of worker i (i < n), for posting to it. */
struct sp_loop *sp_workers_loop(struct sp_workers *w, unsigned i);
unsigned sp_workers_count(const struct sp_workers *w);

/* Stops every loop, joins the threads, runs teardowns, frees. */
void sp_workers_stop(struct sp_workers *w);

#endif
