/*
 * The event loop (src/loop): the timer wheel against a sorted reference
 * with a fake clock (random delays, delays on every level boundary and
 * beyond the wheel, stop/restart from inside callbacks, 100k timers with
 * 90% cancelled as transactions do), fd watchers on pipes, eventfds and
 * socketpairs, the mailbox under four posting threads, worker threads, and
 * allocation failure. No timing assertions: the single real-clock test only
 * checks that a 5 ms timer eventually fires.
 */
#define _GNU_SOURCE /* pipe2 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "siphon/loop.h"
#include "siphon/mem.h"

/* ---- fake clock and a deterministic PRNG ---- */

static sp_msec fake_time;

static sp_msec fake_now(void *arg)
{
	(void)arg;
	return fake_time;
}

static struct sp_loop *fake_loop(sp_msec start)
{
	struct sp_clock clk = {fake_now, NULL};
	struct sp_loop *loop = NULL;
	fake_time = start;
	assert_int_equal(sp_loop_create(&loop, &clk), 0);
	assert_non_null(loop);
	return loop;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* ---- recording timers ---- */

struct rec {
	struct sp_timer t;
	sp_msec expires; /* what the test expects */
	sp_msec fired_at;
	unsigned fired;
	unsigned id;
};

static struct {
	struct sp_loop *loop;
	unsigned *log; /* ids in firing order */
	size_t nlog, caplog;
	sp_msec prev; /* clock before the current advance */
} ctx;

static void log_reset(size_t cap)
{
	free(ctx.log);
	ctx.log = calloc(cap, sizeof(*ctx.log));
	assert_non_null(ctx.log);
	ctx.nlog = 0;
	ctx.caplog = cap;
}

static void rec_cb(void *arg)
{
	struct rec *r = arg;
	assert_false(sp_timer_active(&r->t));
	r->fired++;
	r->fired_at = sp_loop_now(ctx.loop);
	if (ctx.nlog < ctx.caplog)
		ctx.log[ctx.nlog++] = r->id;
}

static void rec_start(struct sp_loop *loop, struct rec *r, unsigned id, uint64_t delay)
{
	sp_timer_init(&r->t);
	r->id = id;
	r->fired = 0;
	r->fired_at = -1;
	r->expires = sp_loop_now(loop) + (sp_msec)delay;
	sp_timer_start(loop, &r->t, delay, rec_cb, r);
	assert_true(sp_timer_active(&r->t));
}

static void advance_to(struct sp_loop *loop, sp_msec t)
{
	ctx.prev = fake_time;
	fake_time = t;
	sp_loop_advance(loop);
	assert_int_equal(sp_loop_now(loop), t);
}

static int cmp_expires(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return x->expires < y->expires ? -1 : x->expires > y->expires;
}

/* The firing log against the timers sorted by expiry. */
static void check_sorted_order(struct rec *recs, size_t n)
{
	struct rec *ref = malloc(n * sizeof(*ref));
	assert_non_null(ref);
	memcpy(ref, recs, n * sizeof(*ref));
	qsort(ref, n, sizeof(*ref), cmp_expires);
	assert_int_equal(ctx.nlog, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(recs[ctx.log[i]].expires, ref[i].expires);
	free(ref);
}

/* ---- timer tests ---- */

/* Random delays, clock stepped 1 ms at a time: each timer fires exactly
 * at its expiry, and the firing order is the sorted order. */
static void test_timer_random_order_step(void **state)
{
	(void)state;
	const size_t n = 3000;
	rng_state = 0x9e3779b97f4a7c15ull;
	struct sp_loop *loop = ctx.loop = fake_loop(1000003);
	struct rec *recs = calloc(n, sizeof(*recs));
	log_reset(n);
	for (size_t i = 0; i < n; i++)
		rec_start(loop, &recs[i], (unsigned)i, rnd() % 6000);
	for (sp_msec t = fake_time; t <= 1000003 + 6000; t++)
		advance_to(loop, t);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(recs[i].fired, 1);
		assert_int_equal(recs[i].fired_at, recs[i].expires);
	}
	check_sorted_order(recs, n);
	sp_loop_destroy(loop);
	free(recs);
}

/* Random delays across three wheel levels and random clock jumps: a timer
 * fires in the first advance that reaches its expiry, in sorted order. */
static void test_timer_random_order_jumps(void **state)
{
	(void)state;
	const size_t n = 5000;
	rng_state = 12345;
	struct sp_loop *loop = ctx.loop = fake_loop(0x12345678abll);
	struct rec *recs = calloc(n, sizeof(*recs));
	log_reset(n);
	sp_msec start = fake_time, last = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t d;
		switch (i % 3) {
		case 0:
			d = 1 + rnd() % 300;
			break;
		case 1:
			d = rnd() % 70000;
			break;
		default:
			d = rnd() % (1u << 25);
			break;
		}
		rec_start(loop, &recs[i], (unsigned)i, d);
		if (recs[i].expires > last)
			last = recs[i].expires;
	}
	size_t fired = 0;
	while (fake_time <= last) {
		size_t before = ctx.nlog;
		advance_to(loop, fake_time + 1 + (sp_msec)(rnd() % 50000));
		for (size_t i = before; i < ctx.nlog; i++) {
			struct rec *r = &recs[ctx.log[i]];
			assert_true(r->expires > ctx.prev);
			assert_true(r->expires <= fake_time);
			assert_int_equal(r->fired_at, fake_time);
		}
		fired = ctx.nlog;
	}
	assert_int_equal(fired, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(recs[i].fired, 1);
	check_sorted_order(recs, n);
	(void)start;
	sp_loop_destroy(loop);
	free(recs);
}

/* Delays on and around every level boundary and beyond the 2^32 ms span
 * of the wheel, from several clock origins: nothing fires 1 ms early, each
 * fires exactly at its expiry. */
static void test_timer_level_boundaries(void **state)
{
	(void)state;
	static const uint64_t delays[] = {
	    0,
	    1,
	    2,
	    255,
	    256,
	    257,
	    511,
	    512,
	    65535,
	    65536,
	    65537,
	    65536 * 3 + 17,
	    (1u << 24) - 1,
	    1u << 24,
	    (1u << 24) + 5,
	    (1ull << 32) - 1,
	    1ull << 32,
	    (1ull << 32) + 7,
	    (1ull << 33) + 3,
	    (1ull << 40) + 11,
	};
	static const sp_msec origins[] = {
	    0, 1, 255, 256, 65535, (1 << 24) - 1, 123456789, (1ll << 32) - 2, 0x7123456789ll,
	};
	const size_t n = sizeof(delays) / sizeof(delays[0]);
	for (size_t o = 0; o < sizeof(origins) / sizeof(origins[0]); o++) {
		struct sp_loop *loop = ctx.loop = fake_loop(origins[o]);
		struct rec recs[sizeof(delays) / sizeof(delays[0])];
		log_reset(n);
		for (size_t i = 0; i < n; i++)
			rec_start(loop, &recs[i], (unsigned)i, delays[i]);
		for (size_t i = 0; i < n; i++) {
			if (recs[i].expires > fake_time) {
				advance_to(loop, recs[i].expires - 1);
				assert_int_equal(recs[i].fired, 0);
			}
			advance_to(loop, recs[i].expires);
			assert_int_equal(recs[i].fired, 1);
			assert_int_equal(recs[i].fired_at, recs[i].expires);
			for (size_t j = i + 1; j < n; j++)
				assert_int_equal(recs[j].fired, 0);
		}
		assert_int_equal(ctx.nlog, n);
		sp_loop_destroy(loop);
	}
}

/* One timer per boundary delay, clock walked in fixed strides (or one
 * jump): fires in the first advance that reaches it, never before. */
static void test_timer_level_strides(void **state)
{
	(void)state;
	static const struct {
		uint64_t delay;
		sp_msec stride;
	} cases[] = {
	    {255, 1},
	    {256, 1},
	    {65535, 1},
	    {65536, 1},
	    {65537, 7},
	    {(1u << 24) + 5, 1000},
	    {(1u << 24) + 5, 4093},
	    {(1ull << 32) + 9, 1 << 20},
	    /* From origin 77777 these land in the slot of their level that
	     * base is in (the next rotation): one jump must still fire. */
	    {65400, 1ll << 34},
	    {16770000, 1ll << 34},
	    {(1ull << 32) - 100, 1ll << 34},
	    {(1ull << 32) + 12345, 1ll << 34},
	    {65400, 65400},
	    {16770000, 16770000},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct sp_loop *loop = ctx.loop = fake_loop(77777);
		struct rec r;
		log_reset(1);
		rec_start(loop, &r, 0, cases[c].delay);
		while (!r.fired)
			advance_to(loop, fake_time + cases[c].stride);
		assert_true(r.expires > ctx.prev);
		assert_true(r.expires <= fake_time);
		sp_loop_destroy(loop);
	}
}

static void test_timer_stop_before_fire(void **state)
{
	(void)state;
	struct sp_loop *loop = ctx.loop = fake_loop(0);
	struct rec a, b, c;
	log_reset(4);
	sp_timer_init(&c.t);
	sp_timer_stop(&c.t); /* never started: no-op */
	assert_false(sp_timer_active(&c.t));
	rec_start(loop, &a, 0, 10);
	rec_start(loop, &b, 1, 100000);
	sp_timer_stop(&a.t);
	sp_timer_stop(&a.t); /* twice: no-op */
	sp_timer_stop(&b.t);
	assert_false(sp_timer_active(&a.t));
	assert_false(sp_timer_active(&b.t));
	advance_to(loop, 200000);
	assert_int_equal(a.fired, 0);
	assert_int_equal(b.fired, 0);
	sp_loop_destroy(loop);
}

static void test_timer_restart_moves(void **state)
{
	(void)state;
	struct sp_loop *loop = ctx.loop = fake_loop(500);
	struct rec a, b;
	log_reset(4);
	rec_start(loop, &a, 0, 100);
	sp_timer_start(loop, &a.t, 50, rec_cb, &a); /* earlier */
	a.expires = 550;
	rec_start(loop, &b, 1, 10);
	sp_timer_start(loop, &b.t, 70000, rec_cb, &b); /* later, other level */
	b.expires = 70500;
	advance_to(loop, 549);
	assert_int_equal(a.fired, 0);
	advance_to(loop, 550);
	assert_int_equal(a.fired, 1);
	advance_to(loop, 70499);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 0);
	advance_to(loop, 70500);
	assert_int_equal(b.fired, 1);
	assert_int_equal(b.fired_at, 70500);
	sp_loop_destroy(loop);
}

/* Delay 0 outside a timer pass: due timers queue in FIFO order; stopping
 * the tail or head keeps the queue consistent; a moved one leaves it. */
static void test_timer_ready_queue(void **state)
{
	(void)state;
	struct sp_loop *loop = ctx.loop = fake_loop(0);
	struct rec x, y, z, w, v;
	log_reset(8);
	advance_to(loop, 10);
	rec_start(loop, &x, 0, 0);
	rec_start(loop, &y, 1, 0);
	sp_timer_stop(&y.t); /* tail */
	rec_start(loop, &z, 2, 0);
	rec_start(loop, &w, 3, 0);
	sp_timer_stop(&x.t); /* head */
	rec_start(loop, &v, 4, 0);
	sp_timer_start(loop, &w.t, 5, rec_cb, &w); /* moved to the wheel */
	sp_loop_advance(loop);
	assert_int_equal(ctx.nlog, 2);
	assert_int_equal(ctx.log[0], 2);
	assert_int_equal(ctx.log[1], 4);
	assert_int_equal(x.fired + y.fired + w.fired, 0);
	advance_to(loop, 15);
	assert_int_equal(w.fired, 1);
	sp_loop_destroy(loop);
}

/* Callbacks stopping other due timers of the same tick and of later ticks
 * of the same pass; each stopped timer never runs. */
struct stopper {
	struct sp_timer t;
	struct stopper *victims;
	size_t nvictims;
	unsigned *count;
};

static void stopper_cb(void *arg)
{
	struct stopper *s = arg;
	(*s->count)++;
	for (size_t i = 0; i < s->nvictims; i++)
		sp_timer_stop(&s->victims[i].t);
	sp_timer_stop(&s->t); /* own, already idle */
}

static void test_timer_stop_other_in_callback(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop(0);
	struct stopper s[10];
	unsigned count = 0;
	/* Ten timers in one millisecond: whichever runs first stops all. */
	for (size_t i = 0; i < 10; i++) {
		sp_timer_init(&s[i].t);
		s[i].victims = s;
		s[i].nvictims = 10;
		s[i].count = &count;
		sp_timer_start(loop, &s[i].t, 20, stopper_cb, &s[i]);
	}
	fake_time = 20;
	sp_loop_advance(loop);
	assert_int_equal(count, 1);
	for (size_t i = 0; i < 10; i++)
		assert_false(sp_timer_active(&s[i].t));

	/* One pass over 0..100000 ms: the timer at 30 stops those at 31
	 * (level 0), 1000 (level 1) and 90000 (level 2). */
	struct stopper first, later[3];
	count = 0;
	sp_timer_init(&first.t);
	first.victims = later;
	first.nvictims = 3;
	first.count = &count;
	sp_timer_start(loop, &first.t, 10, stopper_cb, &first);
	static const uint64_t d[] = {11, 980, 89980};
	for (size_t i = 0; i < 3; i++) {
		sp_timer_init(&later[i].t);
		later[i].nvictims = 0;
		later[i].count = &count;
		sp_timer_start(loop, &later[i].t, d[i], stopper_cb, &later[i]);
	}
	fake_time = 100000;
	sp_loop_advance(loop);
	assert_int_equal(count, 1);
	sp_loop_destroy(loop);
}

/* A callback stops a heap timer due in the same tick and frees it: under
 * ASan any later touch of the freed timer fails. */
struct heap_pair {
	struct sp_timer t;
	struct heap_pair *other;
	unsigned *runs;
};

static void heap_pair_cb(void *arg)
{
	struct heap_pair *p = arg;
	(*p->runs)++;
	if (p->other) {
		sp_timer_stop(&p->other->t);
		p->other->other = NULL;
		free(p->other);
	}
	free(p);
}

static void test_timer_free_other_in_callback(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop(0);
	unsigned runs = 0;
	for (int round = 0; round < 50; round++) {
		struct heap_pair *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
		a->other = b;
		b->other = a;
		a->runs = b->runs = &runs;
		sp_timer_init(&a->t);
		sp_timer_init(&b->t);
		sp_timer_start(loop, &a->t, 5, heap_pair_cb, a);
		sp_timer_start(loop, &b->t, 5, heap_pair_cb, b);
		fake_time += 5;
		sp_loop_advance(loop);
	}
	assert_int_equal(runs, 50);
	sp_loop_destroy(loop);
}

/* A timer restarting itself: at a fixed period, and with delay 0, where it
 * must run once per pass rather than loop forever. */
struct again {
	struct sp_timer t;
	struct sp_loop *loop;
	uint64_t period;
	unsigned runs, max;
	sp_msec at[8];
};

static void again_cb(void *arg)
{
	struct again *a = arg;
	if (a->runs < 8)
		a->at[a->runs] = sp_loop_now(a->loop);
	if (++a->runs < a->max)
		sp_timer_start(a->loop, &a->t, a->period, again_cb, a);
}

static void test_timer_restart_self(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop(0);
	struct again a = {.loop = loop, .period = 10, .max = 5};
	sp_timer_init(&a.t);
	sp_timer_start(loop, &a.t, 10, again_cb, &a);
	for (fake_time = 1; fake_time <= 200; fake_time++)
		sp_loop_advance(loop);
	assert_int_equal(a.runs, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(a.at[i], 10 * (i + 1));
	assert_false(sp_timer_active(&a.t));

	struct again z = {.loop = loop, .period = 0, .max = 1000000};
	sp_timer_init(&z.t);
	sp_timer_start(loop, &z.t, 0, again_cb, &z);
	sp_loop_advance(loop);
	assert_int_equal(z.runs, 1);
	sp_loop_advance(loop);
	assert_int_equal(z.runs, 2);
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	assert_int_equal(z.runs, 3);
	fake_time += 1000; /* a jump: still once per pass */
	sp_loop_advance(loop);
	assert_int_equal(z.runs, 4);
	assert_true(sp_timer_active(&z.t));
	sp_timer_stop(&z.t);
	sp_loop_destroy(loop);
}

/* 100k timers as transactions use them: 90% stopped before they fire. */
static void test_timer_100k_mostly_stopped(void **state)
{
	(void)state;
	const size_t n = 100000;
	rng_state = 0xdeadbeefcafef00dull;
	struct sp_loop *loop = ctx.loop = fake_loop(5000);
	struct rec *recs = calloc(n, sizeof(*recs));
	log_reset(n);
	for (size_t i = 0; i < n; i++) {
		rec_start(loop, &recs[i], (unsigned)i, 1 + rnd() % 64000);
		if (i % 7 == 3)
			advance_to(loop, fake_time + 1); /* arm over time */
	}
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (i % 10 == 0) {
			kept++;
			continue;
		}
		if (recs[i].fired)
			continue;
		sp_timer_stop(&recs[i].t);
		recs[i].expires = -1; /* must never fire now */
	}
	size_t fired_early = ctx.nlog;
	while (ctx.nlog < n && fake_time < 5000 + 200000) {
		size_t before = ctx.nlog;
		advance_to(loop, fake_time + 1 + (sp_msec)(rnd() % 1000));
		for (size_t i = before; i < ctx.nlog; i++) {
			struct rec *r = &recs[ctx.log[i]];
			assert_int_equal(ctx.log[i] % 10, 0);
			assert_true(r->expires > ctx.prev && r->expires <= fake_time);
		}
	}
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(recs[i].fired <= 1);
		if (i % 10 == 0)
			assert_int_equal(recs[i].fired, 1);
		assert_false(sp_timer_active(&recs[i].t));
		total += recs[i].fired;
	}
	assert_int_equal(total, ctx.nlog);
	assert_true(total >= kept);
	assert_true(total <= kept + fired_early);
	sp_loop_destroy(loop);
	free(recs);
}

/* Destroying a loop disarms its timers without running them. */
static void test_timer_dropped_on_destroy(void **state)
{
	(void)state;
	struct sp_loop *loop = ctx.loop = fake_loop(0);
	struct rec a, b;
	log_reset(2);
	rec_start(loop, &a, 0, 100000);
	advance_to(loop, 1);
	rec_start(loop, &b, 1, 0); /* queued as ready */
	sp_loop_destroy(loop);
	assert_false(sp_timer_active(&a.t));
	assert_false(sp_timer_active(&b.t));
	sp_timer_stop(&a.t);
	assert_int_equal(a.fired + b.fired, 0);
}

/* The cached clock: one reading per pass, never going backwards. */
static void test_loop_now(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop(42);
	assert_int_equal(sp_loop_now(loop), 42);
	fake_time = 50;
	assert_int_equal(sp_loop_now(loop), 42);
	sp_loop_advance(loop);
	assert_int_equal(sp_loop_now(loop), 50);
	fake_time = 45;
	sp_loop_advance(loop);
	assert_int_equal(sp_loop_now(loop), 50);
	sp_loop_destroy(loop);
}

/* Real clock: a 5 ms timer eventually fires, run_once(-1) sleeping until
 * it; sp_loop_run returns after a callback's sp_loop_stop. */
static void set_flag(void *arg)
{
	*(int *)arg = 1;
}

static void stop_loop(void *arg)
{
	sp_loop_stop(arg);
}

static void test_timer_real_clock(void **state)
{
	(void)state;
	struct sp_loop *loop = NULL;
	int fired = 0;
	struct sp_timer t, s;
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	sp_timer_init(&t);
	sp_timer_start(loop, &t, 5, set_flag, &fired);
	while (!fired)
		assert_int_equal(sp_loop_run_once(loop, -1), 0);
	sp_timer_init(&s);
	sp_timer_start(loop, &s, 2, stop_loop, loop);
	assert_int_equal(sp_loop_run(loop), 0);
	assert_false(sp_timer_active(&s));
	/* Stop before run: returns at once. */
	sp_loop_stop(loop);
	assert_int_equal(sp_loop_run(loop), 0);
	sp_loop_destroy(loop);
}

/* ---- fd watchers ---- */

struct io_rec {
	struct sp_loop *loop;
	int fd;
	unsigned calls, last;
	int other; /* fd to unwatch from the callback, or -1 */
	bool unwatch_self;
};

static void io_cb(int fd, unsigned events, void *arg)
{
	struct io_rec *r = arg;
	assert_int_equal(fd, r->fd);
	r->calls++;
	r->last = events;
	if (events & SP_IO_READ) {
		char buf[64];
		ssize_t n = read(fd, buf, sizeof(buf));
		(void)n;
	}
	if (r->unwatch_self)
		sp_loop_unwatch(r->loop, fd);
	if (r->other >= 0)
		sp_loop_unwatch(r->loop, r->other);
}

static void test_io_pipe(void **state)
{
	(void)state;
	struct sp_loop *loop = NULL;
	int p[2];
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	struct io_rec r = {.loop = loop, .fd = p[0], .other = -1};
	assert_int_equal(sp_loop_watch(loop, p[0], SP_IO_READ, io_cb, &r), 0);
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	assert_int_equal(r.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	while (r.calls == 0)
		assert_int_equal(sp_loop_run_once(loop, -1), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.last, SP_IO_READ);

	/* Unwatch inside the callback: later data is not delivered. */
	r.unwatch_self = true;
	assert_int_equal(write(p[1], "y", 1), 1);
	while (r.calls == 1)
		assert_int_equal(sp_loop_run_once(loop, -1), 0);
	assert_int_equal(write(p[1], "z", 1), 1);
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	assert_int_equal(r.calls, 2);

	/* Watch again; a hang-up is delivered as the watched event. */
	r.unwatch_self = false;
	assert_int_equal(sp_loop_watch(loop, p[0], SP_IO_READ, io_cb, &r), 0);
	assert_int_equal(sp_loop_run_once(loop, 0), 0); /* drains "z" */
	assert_int_equal(r.calls, 3);
	close(p[1]);
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	assert_int_equal(r.calls, 4);
	assert_int_equal(r.last, SP_IO_READ);
	sp_loop_unwatch(loop, p[0]);
	sp_loop_unwatch(loop, p[0]); /* twice: no-op */
	close(p[0]);

	assert_int_equal(sp_loop_watch(loop, -1, SP_IO_READ, io_cb, &r), -EINVAL);
	assert_int_equal(sp_loop_watch(loop, 0, SP_IO_READ, NULL, &r), -EINVAL);
	sp_loop_destroy(loop);
}

/* Two ready eventfds in one batch: the first callback unwatches the other,
 * whose already-fetched event must not be delivered. */
static void test_io_unwatch_other_same_batch(void **state)
{
	(void)state;
	struct sp_loop *loop = NULL;
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	int a = eventfd(1, EFD_NONBLOCK), b = eventfd(1, EFD_NONBLOCK);
	assert_true(a >= 0 && b >= 0);
	struct io_rec ra = {.loop = loop, .fd = a, .other = b};
	struct io_rec rb = {.loop = loop, .fd = b, .other = a};
	assert_int_equal(sp_loop_watch(loop, a, SP_IO_READ, io_cb, &ra), 0);
	assert_int_equal(sp_loop_watch(loop, b, SP_IO_READ, io_cb, &rb), 0);
	assert_int_equal(sp_loop_run_once(loop, 1000), 0);
	assert_int_equal(ra.calls + rb.calls, 1);
	close(a);
	close(b);
	sp_loop_destroy(loop);
}

/* Write readiness, then a change of the watched events on the same fd. */
static void test_io_write_and_modify(void **state)
{
	(void)state;
	struct sp_loop *loop = NULL;
	int sv[2];
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct io_rec r = {.loop = loop, .fd = sv[0], .other = -1};
	assert_int_equal(sp_loop_watch(loop, sv[0], SP_IO_WRITE, io_cb, &r), 0);
	assert_int_equal(sp_loop_run_once(loop, 1000), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.last, SP_IO_WRITE);
	assert_int_equal(sp_loop_watch(loop, sv[0], SP_IO_READ, io_cb, &r), 0);
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(write(sv[1], "ab", 2), 2);
	assert_int_equal(sp_loop_run_once(loop, 1000), 0);
	assert_int_equal(r.calls, 2);
	assert_int_equal(r.last, SP_IO_READ);
	/* Closed without unwatch, the fd number reused: watch still works. */
	close(sv[0]);
	int fd = eventfd(1, EFD_NONBLOCK);
	assert_int_equal(fd, sv[0]);
	r.fd = fd;
	assert_int_equal(sp_loop_watch(loop, fd, SP_IO_READ, io_cb, &r), 0);
	assert_int_equal(sp_loop_run_once(loop, 1000), 0);
	assert_int_equal(r.calls, 3);
	sp_loop_unwatch(loop, fd);
	close(fd);
	close(sv[1]);

	/* A regular file cannot be polled. */
	int f = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(f >= 0);
	assert_int_equal(sp_loop_watch(loop, f, SP_IO_READ, io_cb, &r), -EPERM);
	close(f);
	sp_loop_destroy(loop);
}

/* ---- mailbox ---- */

struct seq_log {
	unsigned got[16];
	unsigned n;
	struct sp_loop *loop;
	int nested;
};

static struct seq_log seqs;

static void seq_cb(void *arg)
{
	seqs.got[seqs.n++] = (unsigned)(uintptr_t)arg;
	if (seqs.nested) {
		seqs.nested = 0;
		assert_int_equal(sp_loop_post(seqs.loop, seq_cb, (void *)(uintptr_t)99), 0);
	}
}

static void test_post_same_thread(void **state)
{
	(void)state;
	struct sp_loop *loop = NULL;
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	memset(&seqs, 0, sizeof(seqs));
	seqs.loop = loop;
	seqs.nested = 1;
	for (uintptr_t i = 1; i <= 3; i++)
		assert_int_equal(sp_loop_post(loop, seq_cb, (void *)i), 0);
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	/* The post made by a callback waits for the next iteration. */
	assert_int_equal(seqs.n, 3);
	assert_int_equal(seqs.got[0], 1);
	assert_int_equal(seqs.got[1], 2);
	assert_int_equal(seqs.got[2], 3);
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	assert_int_equal(seqs.n, 4);
	assert_int_equal(seqs.got[3], 99);
	/* Still queued at destroy: dropped, never run. */
	assert_int_equal(sp_loop_post(loop, seq_cb, (void *)(uintptr_t)7), 0);
	sp_loop_destroy(loop);
	assert_int_equal(seqs.n, 4);
}

#define POSTERS	   4
#define PER_THREAD 10000

static struct {
	struct sp_loop *loop;
	unsigned next[POSTERS];
	unsigned total;
	int bad;
} mt;

static void mt_cb(void *arg)
{
	uintptr_t v = (uintptr_t)arg;
	unsigned th = (unsigned)(v >> 20), seq = (unsigned)(v & 0xfffff);
	if (th >= POSTERS || seq != mt.next[th])
		mt.bad++;
	else
		mt.next[th]++;
	if (++mt.total == POSTERS * PER_THREAD)
		sp_loop_stop(mt.loop);
}

static void *poster(void *arg)
{
	uintptr_t th = (uintptr_t)arg;
	for (uintptr_t i = 0; i < PER_THREAD; i++)
		if (sp_loop_post(mt.loop, mt_cb, (void *)(th << 20 | i)) != 0)
			return (void *)1;
	return NULL;
}

static void test_post_many_threads(void **state)
{
	(void)state;
	memset(&mt, 0, sizeof(mt));
	assert_int_equal(sp_loop_create(&mt.loop, NULL), 0);
	pthread_t th[POSTERS];
	for (uintptr_t i = 0; i < POSTERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, poster, (void *)i), 0);
	assert_int_equal(sp_loop_run(mt.loop), 0);
	for (unsigned i = 0; i < POSTERS; i++) {
		void *rv;
		assert_int_equal(pthread_join(th[i], &rv), 0);
		assert_null(rv);
	}
	assert_int_equal(mt.bad, 0);
	assert_int_equal(mt.total, POSTERS * PER_THREAD);
	for (unsigned i = 0; i < POSTERS; i++)
		assert_int_equal(mt.next[i], PER_THREAD);
	/* Exactly once: nothing more arrives. */
	assert_int_equal(sp_loop_run_once(mt.loop, 0), 0);
	assert_int_equal(mt.total, POSTERS * PER_THREAD);
	sp_loop_destroy(mt.loop);
}

/* sp_loop_stop from another thread wakes a loop blocked in epoll_wait. */
static void *stopper_thread(void *arg)
{
	sp_loop_stop(arg);
	return NULL;
}

static void test_stop_from_other_thread(void **state)
{
	(void)state;
	struct sp_loop *loop = NULL;
	pthread_t th;
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, stopper_thread, loop), 0);
	assert_int_equal(sp_loop_run(loop), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	sp_loop_destroy(loop);
}

/* ---- workers ---- */

#define NWORKERS 3

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t setup_thread[NWORKERS];
	pthread_t post_thread[NWORKERS];
	pthread_t teardown_thread[NWORKERS];
	unsigned setups, teardowns, posts;
	unsigned setup_index_mask;
	int fail_index;
	struct sp_loop *loops[NWORKERS];
} wk = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static int wk_setup(struct sp_loop *loop, unsigned index, void *arg)
{
	assert_ptr_equal(arg, &wk);
	pthread_mutex_lock(&wk.lock);
	wk.setups++;
	wk.setup_index_mask |= 1u << index;
	wk.setup_thread[index] = pthread_self();
	wk.loops[index] = loop;
	pthread_mutex_unlock(&wk.lock);
	return (int)index == wk.fail_index ? -EADDRINUSE : 0;
}

static void wk_teardown(struct sp_loop *loop, unsigned index, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wk.lock);
	assert_ptr_equal(loop, wk.loops[index]);
	wk.teardowns++;
	wk.teardown_thread[index] = pthread_self();
	pthread_mutex_unlock(&wk.lock);
}

static void wk_post_cb(void *arg)
{
	unsigned index = (unsigned)(uintptr_t)arg;
	pthread_mutex_lock(&wk.lock);
	wk.post_thread[index] = pthread_self();
	wk.posts++;
	pthread_cond_broadcast(&wk.cond);
	pthread_mutex_unlock(&wk.lock);
}

static void wk_reset(int fail_index)
{
	pthread_mutex_lock(&wk.lock);
	wk.setups = wk.teardowns = wk.posts = 0;
	wk.setup_index_mask = 0;
	wk.fail_index = fail_index;
	memset(wk.loops, 0, sizeof(wk.loops));
	pthread_mutex_unlock(&wk.lock);
}

static void test_workers(void **state)
{
	(void)state;
	struct sp_workers *w = NULL;
	wk_reset(-1);
	assert_int_equal(sp_workers_start(&w, NWORKERS, wk_setup, wk_teardown, &wk), 0);
	assert_non_null(w);
	assert_int_equal(sp_workers_count(w), NWORKERS);
	assert_null(sp_workers_loop(w, NWORKERS));
	pthread_mutex_lock(&wk.lock);
	assert_int_equal(wk.setups, NWORKERS); /* all returned before start did */
	assert_int_equal(wk.setup_index_mask, (1u << NWORKERS) - 1);
	pthread_mutex_unlock(&wk.lock);
	for (unsigned i = 0; i < NWORKERS; i++) {
		assert_ptr_equal(sp_workers_loop(w, i), wk.loops[i]);
		assert_int_equal(
		    sp_loop_post(sp_workers_loop(w, i), wk_post_cb, (void *)(uintptr_t)i), 0);
	}
	pthread_mutex_lock(&wk.lock);
	while (wk.posts < NWORKERS)
		pthread_cond_wait(&wk.cond, &wk.lock);
	pthread_mutex_unlock(&wk.lock);
	for (unsigned i = 0; i < NWORKERS; i++) {
		assert_true(pthread_equal(wk.post_thread[i], wk.setup_thread[i]));
		assert_false(pthread_equal(wk.post_thread[i], pthread_self()));
	}
	sp_workers_stop(w);
	assert_int_equal(wk.teardowns, NWORKERS);
	for (unsigned i = 0; i < NWORKERS; i++)
		assert_true(pthread_equal(wk.teardown_thread[i], wk.setup_thread[i]));
	sp_workers_stop(NULL);
}

static void test_workers_setup_fails(void **state)
{
	(void)state;
	struct sp_workers *w = (struct sp_workers *)&wk; /* sentinel */
	wk_reset(1);
	assert_int_equal(sp_workers_start(&w, NWORKERS, wk_setup, wk_teardown, &wk), -EADDRINUSE);
	assert_ptr_equal(w, (struct sp_workers *)&wk);
	/* Every thread is joined by now: the counts are final. */
	assert_int_equal(wk.setups, NWORKERS);
	assert_int_equal(wk.teardowns, NWORKERS - 1);
	assert_int_equal(sp_workers_start(&w, 0, wk_setup, wk_teardown, &wk), -EINVAL);
}

/* ---- allocation failure ---- */

static void test_enomem(void **state)
{
	(void)state;
	struct sp_loop *loop = (struct sp_loop *)&ctx; /* sentinel */
	sp_mem_fail_after(0);
	assert_int_equal(sp_loop_create(&loop, NULL), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_ptr_equal(loop, (struct sp_loop *)&ctx);

	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	sp_mem_fail_after(0);
	assert_int_equal(sp_loop_post(loop, seq_cb, NULL), -ENOMEM);
	int efd = eventfd(0, EFD_NONBLOCK);
	struct io_rec r = {.loop = loop, .fd = efd, .other = -1};
	assert_int_equal(sp_loop_watch(loop, efd, SP_IO_READ, io_cb, &r), -ENOMEM);
	sp_mem_fail_after(-1);
	/* The failed post left nothing queued; a retry works. */
	memset(&seqs, 0, sizeof(seqs));
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	assert_int_equal(seqs.n, 0);
	assert_int_equal(sp_loop_post(loop, seq_cb, (void *)(uintptr_t)5), 0);
	assert_int_equal(sp_loop_run_once(loop, 0), 0);
	assert_int_equal(seqs.n, 1);
	assert_int_equal(sp_loop_watch(loop, efd, SP_IO_READ, io_cb, &r), 0);
	sp_loop_unwatch(loop, efd);
	close(efd);
	sp_loop_destroy(loop);

	/* Workers: the set itself, then a worker's loop (one worker, so no
	 * other thread allocates meanwhile). */
	struct sp_workers *w = (struct sp_workers *)&ctx;
	wk_reset(-1);
	sp_mem_fail_after(0);
	assert_int_equal(sp_workers_start(&w, 1, wk_setup, wk_teardown, &wk), -ENOMEM);
	sp_mem_fail_after(1);
	assert_int_equal(sp_workers_start(&w, 1, wk_setup, wk_teardown, &wk), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_ptr_equal(w, (struct sp_workers *)&ctx);
	assert_int_equal(wk.setups, 0);
	assert_int_equal(wk.teardowns, 0);
}

static int teardown_ctx(void **state)
{
	(void)state;
	free(ctx.log);
	ctx.log = NULL;
	ctx.caplog = ctx.nlog = 0;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_timer_random_order_step, teardown_ctx),
	    cmocka_unit_test_teardown(test_timer_random_order_jumps, teardown_ctx),
	    cmocka_unit_test_teardown(test_timer_level_boundaries, teardown_ctx),
	    cmocka_unit_test_teardown(test_timer_level_strides, teardown_ctx),
	    cmocka_unit_test_teardown(test_timer_stop_before_fire, teardown_ctx),
	    cmocka_unit_test_teardown(test_timer_restart_moves, teardown_ctx),
	    cmocka_unit_test_teardown(test_timer_ready_queue, teardown_ctx),
	    cmocka_unit_test(test_timer_stop_other_in_callback),
	    cmocka_unit_test(test_timer_free_other_in_callback),
	    cmocka_unit_test(test_timer_restart_self),
	    cmocka_unit_test_teardown(test_timer_100k_mostly_stopped, teardown_ctx),
	    cmocka_unit_test_teardown(test_timer_dropped_on_destroy, teardown_ctx),
	    cmocka_unit_test(test_loop_now),
	    cmocka_unit_test(test_timer_real_clock),
	    cmocka_unit_test(test_io_pipe),
	    cmocka_unit_test(test_io_unwatch_other_same_batch),
	    cmocka_unit_test(test_io_write_and_modify),
	    cmocka_unit_test(test_post_same_thread),
	    cmocka_unit_test(test_post_many_threads),
	    cmocka_unit_test(test_stop_from_other_thread),
	    cmocka_unit_test(test_workers),
	    cmocka_unit_test(test_workers_setup_fails),
	    cmocka_unit_test_teardown(test_enomem, teardown_ctx),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
