/*
 * Jitter buffer (src/media/jitter.c) under simulated arrival schedules:
 * 20 ms G.711 packets, each carrying its own index, arrive at the sending
 * time plus a per-packet network delay; the audio clock takes a frame
 * every 20 ms. Checked: order and completeness of what is played, and
 * every counter, for a clean network, random loss, reordering,
 * duplicates, a jitter burst (delay grows at once, shrinks slowly),
 * sequence and timestamp wrap, a timestamp jump, a stray packet, a
 * pause in sending, and bad arguments. All time is simulated.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/jitter.h"
#include "siphon/mem.h"

#define MAXP 2000

struct pkt {
	uint64_t arrival;
	uint32_t ts;
	uint16_t seq;
	uint32_t idx;
	bool lost, dup;
};

struct result {
	uint32_t played[3 * MAXP]; /* indices of frames, in order */
	int nplayed, nlost, nwait;
	struct sp_jb_stats st;
	int put[5];                /* count per put result */
};

/* Stable sort by arrival (insertion sort: small inputs). */
static void sort(struct pkt *p, int n)
{
	for (int i = 1; i < n; i++) {
		struct pkt k = p[i];
		int j = i - 1;
		while (j >= 0 && p[j].arrival > k.arrival) {
			p[j + 1] = p[j];
			j--;
		}
		p[j + 1] = k;
	}
}

static void simulate(struct pkt *p, int n, uint64_t end_ms, struct result *r)
{
	struct sp_jb *jb;
	assert_int_equal(sp_jb_create(&jb, NULL), 0);
	memset(r, 0, sizeof(*r));
	sort(p, n);
	int next = 0;
	/* Run on past the end until the buffer has given up waiting, so
	 * that the stream's end is not counted as loss. */
	for (uint64_t t = 10; t < end_ms + 300; t += 20) {
		for (; next < n && p[next].arrival <= t; next++) {
			if (p[next].lost)
				continue;
			for (int k = 0; k < (p[next].dup ? 2 : 1); k++) {
				int rc = sp_jb_put(jb, p[next].ts, p[next].seq, &p[next].idx, 4,
						   p[next].arrival);
				assert_in_range(rc, 0, 4);
				r->put[rc]++;
			}
		}
		uint32_t idx = 0;
		size_t len;
		int rc = sp_jb_get(jb, t, &idx, sizeof(idx), &len);
		if (rc == SP_JB_FRAME) {
			assert_int_equal(len, 4);
			r->played[r->nplayed++] = idx;
		} else {
			assert_int_equal(len, 0);
			if (rc == SP_JB_LOST)
				r->nlost++;
			else
				r->nwait++;
		}
	}
	sp_jb_stats(jb, &r->st);
	sp_mem_deref(jb);
}

/* n packets from ts0/seq0, sent every 20 ms, with a fixed 30 ms delay. */
static void stream(struct pkt *p, int n, uint32_t ts0, uint16_t seq0)
{
	for (int i = 0; i < n; i++) {
		p[i] = (struct pkt){.arrival = 1000 + 20u * (unsigned)i + 30, .ts = ts0 + 160u * (unsigned)i,
				    .seq = (uint16_t)(seq0 + i), .idx = (uint32_t)i};
	}
}

static void assert_in_order(const struct result *r)
{
	for (int i = 1; i < r->nplayed; i++)
		assert_true(r->played[i] > r->played[i - 1]);
}

static struct pkt P[MAXP];
static struct result R;

static void test_clean(void **state)
{
	(void)state;
	stream(P, 500, 1234, 100);
	simulate(P, 500, 1000 + 500 * 20 + 200, &R);
	assert_int_equal(R.nplayed, 500);
	for (int i = 0; i < 500; i++)
		assert_int_equal(R.played[i], i);
	assert_int_equal(R.st.received, 500);
	assert_int_equal(R.st.lost, 0);
	assert_int_equal(R.st.late, 0);
	assert_int_equal(R.st.duplicated, 0);
	assert_int_equal(R.st.concealed, (uint64_t)R.nlost);
	assert_true(R.st.target_ms >= 20.0 && R.st.target_ms <= 30.0);
	assert_true(R.st.delay_ms >= 20.0 && R.st.delay_ms <= 40.0);
}

static void test_loss(void **state)
{
	(void)state;
	stream(P, 500, 0, 0);
	int lost = 0;
	uint32_t lcg = 7;
	for (int i = 5; i < 495; i++) {
		lcg = lcg * 1103515245u + 12345u;
		if ((lcg >> 16) % 100 < 5) {
			P[i].lost = true;
			lost++;
		}
	}
	simulate(P, 500, 1000 + 500 * 20 + 200, &R);
	assert_true(lost > 10);
	assert_int_equal(R.nplayed, 500 - lost);
	assert_true(R.nlost >= lost); /* plus the stream's tail, concealed */
	assert_int_equal(R.st.lost, (uint64_t)lost);
	assert_int_equal(R.st.concealed, (uint64_t)R.nlost); /* + the stream's tail */
	assert_int_equal(R.st.late, 0);
	assert_in_order(&R);
}

static void test_reorder_and_dups(void **state)
{
	(void)state;
	stream(P, 300, 0, 0);
	for (int i = 1; i < 300; i += 2)
		P[i].arrival = P[i - 1].arrival - 5; /* odd ones overtake */
	for (int i = 0; i < 300; i++)
		P[i].dup = true;
	simulate(P, 300, 1000 + 300 * 20 + 200, &R);
	assert_int_equal(R.nplayed, 300);
	for (int i = 0; i < 300; i++)
		assert_int_equal(R.played[i], i);
	assert_int_equal(R.st.duplicated, 300);
	assert_int_equal(R.put[SP_JB_DUPLICATE], 300);
	assert_int_equal(R.st.lost + R.st.late, 0);
	/* A replay of old packets long after they played: duplicates. */
}

static void test_jitter_burst(void **state)
{
	(void)state;
	int n = 1500; /* 30 s */
	stream(P, n, 5000, 60000);
	/* At 4 s the network stalls for 150 ms: packets 200..207 arrive
	 * together. */
	for (int i = 200; i < 208; i++)
		P[i].arrival = 1000 + 200 * 20 + 30 + 150;
	/* Mild jitter of 0..8 ms elsewhere. */
	uint32_t lcg = 3;
	for (int i = 0; i < n; i++) {
		if (i >= 200 && i < 208)
			continue;
		lcg = lcg * 1103515245u + 12345u;
		P[i].arrival += (lcg >> 16) % 9;
	}
	struct sp_jb *jb;
	assert_int_equal(sp_jb_create(&jb, NULL), 0);
	sort(P, n);
	int next = 0;
	double target_after_burst = 0.0, delay_after_burst = 0.0;
	uint64_t late_at_10s = 0;
	for (uint64_t t = 10; t < 1000 + (uint64_t)n * 20 + 300; t += 20) {
		for (; next < n && P[next].arrival <= t; next++)
			sp_jb_put(jb, P[next].ts, P[next].seq, &P[next].idx, 4, P[next].arrival);
		uint32_t idx;
		size_t len;
		sp_jb_get(jb, t, &idx, 4, &len);
		struct sp_jb_stats st;
		sp_jb_stats(jb, &st);
		if (t == 1000 + 210 * 20 + 10) {
			target_after_burst = st.target_ms;
			assert_true(st.jitter_ms >= 140.0);
		}
		if (t == 1000 + 260 * 20 + 10)
			delay_after_burst = st.delay_ms;
		if (t == 10010)
			late_at_10s = st.late;
	}
	struct sp_jb_stats st;
	sp_jb_stats(jb, &st);
	sp_mem_deref(jb);
	/* Grew at once to cover the burst ... */
	assert_true(target_after_burst >= 150.0);
	assert_true(delay_after_burst >= 140.0);
	/* ... the burst cost a few packets, and nothing after it ... */
	assert_true(st.late > 0 && st.late <= 8);
	assert_int_equal(st.late, late_at_10s);
	/* ... and came back down slowly, by dropping frames. */
	assert_true(st.target_ms < 40.0);
	assert_true(st.delay_ms < 70.0);
	assert_true(st.dropped >= 3);
	assert_true(st.received == (uint64_t)n);
}

static void test_wrap(void **state)
{
	(void)state;
	stream(P, 400, 0xFFFF0000u, 65400);
	simulate(P, 400, 1000 + 400 * 20 + 200, &R);
	assert_int_equal(R.nplayed, 400);
	for (int i = 0; i < 400; i++)
		assert_int_equal(R.played[i], i);
	assert_int_equal(R.st.lost + R.st.late + R.st.stray + R.st.resyncs, 0);
}

static void test_jump_and_stray(void **state)
{
	(void)state;
	stream(P, 300, 1000, 1000);
	for (int i = 150; i < 300; i++)
		P[i].ts += 3000000; /* sender restarted its clock */
	P[300] = (struct pkt){.arrival = 1000 + 100 * 20 + 31, .ts = 0x7777777, .seq = 40000,
			      .idx = 9999};
	simulate(P, 301, 1000 + 300 * 20 + 200, &R);
	assert_int_equal(R.put[SP_JB_RESYNCED], 1);
	assert_int_equal(R.put[SP_JB_STRAY], 1);
	assert_int_equal(R.st.resyncs, 1);
	assert_int_equal(R.st.stray, 1);
	/* Nearly everything played, in order, no stray frame. */
	assert_in_order(&R);
	assert_true(R.nplayed >= 295);
	for (int i = 0; i < R.nplayed; i++)
		assert_true(R.played[i] < 300);
}

static void test_late_and_pause(void **state)
{
	(void)state;
	stream(P, 400, 0, 0);
	P[100].arrival += 300; /* far too late */
	/* Sender pauses 1 s after packet 200 (silence suppression): the
	 * timestamps and send times of the rest move on by 1 s. */
	for (int i = 200; i < 400; i++) {
		P[i].ts += 8000;
		P[i].arrival += 1000;
	}
	simulate(P, 400, 1000 + 400 * 20 + 1300, &R);
	assert_int_equal(R.st.late, 1);
	assert_int_equal(R.st.lost, 1);
	/* The late packet raised the target (max 200 ms); coming back
	 * down cost a few frames. */
	assert_int_equal((uint64_t)R.nplayed + R.st.dropped, 399);
	assert_true(R.st.dropped <= 10);
	assert_in_order(&R);
	assert_true(R.nwait > 40); /* the pause plays as "nothing yet" */
	assert_int_equal(R.st.resyncs, 0);
}

static void test_bad_args(void **state)
{
	(void)state;
	struct sp_jb *jb = NULL;
	struct sp_jb_config c = {8000, 20, 100, 50};
	assert_int_equal(sp_jb_create(&jb, &c), -EINVAL);
	c = (struct sp_jb_config){8000, 3, 20, 200};
	assert_int_equal(sp_jb_create(&jb, &c), -EINVAL);
	c = (struct sp_jb_config){0, 20, 20, 200};
	assert_int_equal(sp_jb_create(&jb, &c), -EINVAL);
	assert_null(jb);
	sp_mem_fail_after(0);
	assert_int_equal(sp_jb_create(&jb, NULL), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_int_equal(sp_jb_create(&jb, NULL), 0);
	static uint8_t big[SP_JB_MAX_PAYLOAD + 1];
	assert_int_equal(sp_jb_put(jb, 0, 0, big, sizeof(big), 0), -EINVAL);
	size_t len = 99;
	assert_int_equal(sp_jb_get(jb, 0, big, 4, &len), SP_JB_WAIT);
	assert_int_equal(len, 0);
	sp_mem_deref(jb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_reorder_and_dups),
		cmocka_unit_test(test_jitter_burst),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_jump_and_stray),
		cmocka_unit_test(test_late_and_pause),
		cmocka_unit_test(test_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
