/*
 * Hierarchical timer wheel (DESIGN.md §3): a SIP transaction arms two or
 * three timers and most are cancelled, so start and stop are O(1) list
 * operations on intrusive struct sp_timer links, and cost is paid only for
 * timers that survive long enough to cascade.
 *
 * Geometry (loop_int.h): 4 levels x 256 slots at 1 ms. A timer due `d` ms
 * after `base` goes to level L = floor(log256(d)), slot
 * (expires >> 8L) & 255. Level-0 slots therefore hold exactly one
 * millisecond each; a level-L slot is "cascaded" (its timers re-placed one
 * level lower, or further) when base reaches the first millisecond it
 * covers, i.e. when the low 8L bits of base are zero. This is the classic
 * BSD/Linux cascading wheel.
 *
 * Each level keeps a 256-bit occupancy bitmap, exact at all times (a stop
 * that empties a slot clears its bit), so the next millisecond that needs
 * work - a non-empty level-0 slot or the cascade of a non-empty higher
 * slot - is found with at most 4 x 5 word scans. That gives the epoll
 * timeout, and lets a pass over a long stretch of time (a test advancing a
 * fake clock by hours) jump from event to event instead of ticking.
 *
 * Re-entrancy: due timers are moved to a list on the stack before their
 * callbacks run; a timer is unlinked and marked idle before its own
 * callback, so a callback may stop or restart any timer, its own included,
 * or free the object holding one after stopping it. A timer armed by a
 * callback that is already due (delay 0, or a clock that jumped) goes to
 * the `ready` list that the next pass runs first: never the current pass,
 * so a timer restarting itself with delay 0 runs once per iteration.
 */
#include <limits.h>
#include <string.h>

#include "loop_int.h"

#define MASK (SP__WHEEL_SLOTS - 1)

static unsigned slot_of(sp_msec t, unsigned level)
{
	return (unsigned)(((uint64_t)t >> (level * SP__WHEEL_BITS)) & MASK);
}

static void bit_set(uint64_t *bm, unsigned i)
{
	bm[i >> 6] |= 1ull << (i & 63);
}

static void bit_clear(uint64_t *bm, unsigned i)
{
	bm[i >> 6] &= ~(1ull << (i & 63));
}

/* Offset k in [0, 256) of the first set bit at position (from + k) & 255,
 * searching cyclically; -1 if the bitmap is empty. */
static int next_set(const uint64_t *bm, unsigned from)
{
	unsigned w = from >> 6, b = from & 63;
	uint64_t x = bm[w] & (~0ull << b);
	for (unsigned i = 0;; i++) {
		if (x) {
			unsigned pos =
			    ((w + i) & (SP__WHEEL_WORDS - 1)) * 64 + (unsigned)__builtin_ctzll(x);
			return (int)((pos - from) & MASK);
		}
		if (i == SP__WHEEL_WORDS)
			return -1;
		x = bm[(w + i + 1) & (SP__WHEEL_WORDS - 1)];
		if (i + 1 == SP__WHEEL_WORDS) /* back at word w: bits below b */
			x &= b ? (1ull << b) - 1 : 0;
	}
}

static void list_push(struct sp_timer **head, struct sp_timer *t)
{
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

static void list_unlink(struct sp_timer *t)
{
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

/* Places t (t->expires >= base) in its wheel slot. */
static void wheel_add(struct sp__wheel *wh, struct sp_timer *t)
{
	uint64_t d = (uint64_t)t->expires - (uint64_t)wh->base;
	sp_msec at = t->expires;
	unsigned level;
	if (d < 1ull << 8) {
		level = 0;
	} else if (d < 1ull << 16) {
		level = 1;
	} else if (d < 1ull << 24) {
		level = 2;
	} else {
		level = 3;
		if (d >= 1ull << 32) /* beyond the wheel: park, re-place later */
			at = (sp_msec)((uint64_t)wh->base + (1ull << 32) - 1);
	}
	unsigned s = slot_of(at, level);
	list_push(&wh->slot[level][s], t);
	bit_set(wh->occupied[level], s);
}

static void ready_add(struct sp__wheel *wh, struct sp_timer *t)
{
	t->next = NULL;
	t->pprev = wh->ready_tail;
	*wh->ready_tail = t;
	wh->ready_tail = &t->next;
}

void sp__timers_init(struct sp_loop *loop)
{
	struct sp__wheel *wh = &loop->wheel;
	memset(wh, 0, sizeof(*wh));
	wh->base = loop->now;
	wh->ready_tail = &wh->ready;
}

static void drop_list(struct sp_timer **head)
{
	while (*head)
		list_unlink(*head);
}

void sp__timers_drop(struct sp_loop *loop)
{
	struct sp__wheel *wh = &loop->wheel;
	for (unsigned l = 0; l < SP__WHEEL_LEVELS; l++)
		for (unsigned s = 0; s < SP__WHEEL_SLOTS; s++)
			drop_list(&wh->slot[l][s]);
	drop_list(&wh->ready);
	sp__timers_init(loop);
}

/* The first millisecond >= base at which the wheel has work: a non-empty
 * level-0 slot falls due, or a non-empty higher slot cascades. INT64_MAX if
 * the wheel is empty. */
static sp_msec next_tick(const struct sp__wheel *wh)
{
	uint64_t b = (uint64_t)wh->base, best = UINT64_MAX;
	int k = next_set(wh->occupied[0], (unsigned)(b & MASK));
	if (k >= 0)
		best = (uint64_t)k;
	for (unsigned l = 1; l < SP__WHEEL_LEVELS; l++) {
		unsigned shift = l * SP__WHEEL_BITS;
		/* If base is aligned its own slot cascades now; otherwise that
		 * slot holds the next rotation and the search starts after it. */
		unsigned skip = (b & ((1ull << shift) - 1)) ? 1 : 0;
		int off = next_set(wh->occupied[l], (unsigned)((b >> shift) + skip) & MASK);
		if (off < 0)
			continue;
		uint64_t when = (((b >> shift) + (uint64_t)off + skip) << shift) - b;
		if (when < best)
			best = when;
	}
	if (best == UINT64_MAX)
		return INT64_MAX;
	return (sp_msec)(b + best);
}

/* Re-places the timers of the higher slots that begin at base. */
static void cascade(struct sp__wheel *wh)
{
	for (unsigned l = 1; l < SP__WHEEL_LEVELS; l++) {
		unsigned shift = l * SP__WHEEL_BITS;
		if ((uint64_t)wh->base & ((1ull << shift) - 1))
			return;
		unsigned s = slot_of(wh->base, l);
		struct sp_timer *t = wh->slot[l][s];
		wh->slot[l][s] = NULL;
		bit_clear(wh->occupied[l], s);
		while (t) {
			struct sp_timer *next = t->next;
			wheel_add(wh, t);
			t = next;
		}
	}
}

/* Runs the list at *head (a stack variable the first timer points back
 * to): each timer is unlinked and idle before its callback, and a callback
 * stopping a later one unlinks it from this list. */
static void run_list(struct sp_timer **head)
{
	struct sp_timer *t;
	while ((t = *head) != NULL) {
		list_unlink(t);
		t->cb(t->arg);
	}
}

/* Moves the list at *from to the stack variable *to. */
static void take_list(struct sp_timer **to, struct sp_timer **from)
{
	*to = *from;
	*from = NULL;
	if (*to)
		(*to)->pprev = to;
}

void sp__timers_run(struct sp_loop *loop)
{
	struct sp__wheel *wh = &loop->wheel;
	struct sp_timer *due;
	if (wh->running)
		return;
	wh->running = true;

	take_list(&due, &wh->ready);
	wh->ready_tail = &wh->ready;
	run_list(&due);

	while (wh->base <= loop->now) {
		sp_msec next = next_tick(wh);
		if (next > loop->now) {
			wh->base = loop->now + 1;
			break;
		}
		wh->base = next;
		cascade(wh);
		unsigned s = slot_of(wh->base, 0);
		take_list(&due, &wh->slot[0][s]);
		bit_clear(wh->occupied[0], s);
		wh->base++;
		run_list(&due);
	}
	wh->running = false;
}

int sp__timers_timeout(const struct sp_loop *loop)
{
	const struct sp__wheel *wh = &loop->wheel;
	if (wh->ready)
		return 0;
	sp_msec next = next_tick(wh);
	if (next == INT64_MAX)
		return -1;
	if (next <= loop->now)
		return 0;
	uint64_t d = (uint64_t)next - (uint64_t)loop->now;
	return d > INT_MAX ? INT_MAX : (int)d;
}

/* ---- public ---- */

void sp_timer_init(struct sp_timer *t)
{
	memset(t, 0, sizeof(*t));
}

bool sp_timer_active(const struct sp_timer *t)
{
	return t->pprev != NULL;
}

void sp_timer_stop(struct sp_timer *t)
{
	if (!t->pprev)
		return;
	struct sp__wheel *wh = &t->loop->wheel;
	struct sp_timer **pp = t->pprev;
	if (wh->ready_tail == &t->next)
		wh->ready_tail = pp;
	list_unlink(t);
	/* Emptied a wheel slot (t was its only timer)? Keep the bitmap exact. */
	uintptr_t first = (uintptr_t)&wh->slot[0][0];
	uintptr_t p = (uintptr_t)pp;
	if (!*pp && p >= first && p < first + sizeof(wh->slot)) {
		size_t i = (p - first) / sizeof(wh->slot[0][0]);
		bit_clear(wh->occupied[i / SP__WHEEL_SLOTS], (unsigned)(i % SP__WHEEL_SLOTS));
	}
}

void sp_timer_start(struct sp_loop *loop, struct sp_timer *t, uint64_t delay_ms, sp_timer_cb cb,
		    void *arg)
{
	struct sp__wheel *wh = &loop->wheel;
	sp_timer_stop(t);
	t->cb = cb;
	t->arg = arg;
	t->loop = loop;
	sp_msec now = loop->now;
	uint64_t room = (uint64_t)(INT64_MAX - (now > 0 ? now : 0));
	t->expires = delay_ms > room ? INT64_MAX : now + (sp_msec)delay_ms;
	if (t->expires < wh->base || (wh->running && t->expires <= now))
		ready_add(wh, t);
	else
		wheel_add(wh, t);
}
