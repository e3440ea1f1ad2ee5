/*
 * Receiver statistics for one RTP source (src/media/rtp_source.c, RFC
 * 3550 Appendix A): probation and validation (§A.1) including its break
 * and the wrap during probation, wrap-around of the sequence number, the
 * MAX_DROPOUT and MAX_MISORDER boundaries, a sender restart (two
 * sequential packets after a large jump) and a lone stray jump, duplicates
 * and reordering, expected/lost/fraction lost per interval (§A.3) with the
 * 24-bit clamp, and the jitter estimate (§A.8) against values computed by
 * hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/rtp.h"

/* A source validated at seq first (first-1 and first received). */
static void valid_at(struct sp_rtp_source *s, uint16_t first)
{
	sp_rtp_source_init(s, 0xabc, (uint16_t)(first - 1));
	assert_false(sp_rtp_source_update(s, (uint16_t)(first - 1), 10));
	assert_true(sp_rtp_source_update(s, first, 10));
	assert_int_equal(s->probation, 0);
	assert_int_equal(s->base_seq, first);
	assert_int_equal(s->received, 1);
}

static void test_probation(void **state)
{
	(void)state;
	struct sp_rtp_source s;

	sp_rtp_source_init(&s, 7, 100);
	assert_int_equal(s.ssrc, 7);
	assert_int_equal(sp_rtp_source_expected(&s), 0);
	assert_false(sp_rtp_source_update(&s, 100, 10));
	assert_int_equal(s.probation, 1);
	assert_true(sp_rtp_source_update(&s, 101, 10));
	assert_int_equal(s.received, 1);
	assert_int_equal(s.octets, 10);
	assert_int_equal(sp_rtp_source_expected(&s), 1);
	assert_int_equal(sp_rtp_source_lost(&s), 0);

	/* Out of sequence during probation: it starts over. */
	sp_rtp_source_init(&s, 7, 100);
	assert_false(sp_rtp_source_update(&s, 100, 0));
	assert_false(sp_rtp_source_update(&s, 105, 0));
	assert_false(sp_rtp_source_update(&s, 104, 0));
	assert_true(sp_rtp_source_update(&s, 105, 0));
	assert_int_equal(s.base_seq, 105);

	/* Probation across the wrap: 65535 then 0 are in sequence. */
	sp_rtp_source_init(&s, 7, 65535);
	assert_false(sp_rtp_source_update(&s, 65535, 0));
	assert_true(sp_rtp_source_update(&s, 0, 0));
	assert_int_equal(s.base_seq, 0);
	assert_int_equal(s.cycles, 0);
}

static void test_wrap(void **state)
{
	(void)state;
	struct sp_rtp_source s;
	valid_at(&s, 65533);
	for (uint32_t q = 65534; q < 65536 + 5; q++)
		assert_true(sp_rtp_source_update(&s, (uint16_t)q, 10));
	/* 65533 .. 65540 (= 4 after one wrap): 8 packets. */
	assert_int_equal(s.cycles, 65536);
	assert_int_equal(s.max_seq, 4);
	assert_int_equal(sp_rtp_source_ext_max(&s), 65540);
	assert_int_equal(sp_rtp_source_expected(&s), 8);
	assert_int_equal(s.received, 8);
	assert_int_equal(sp_rtp_source_lost(&s), 0);
	/* A late packet from before the wrap does not unwrap anything. */
	assert_true(sp_rtp_source_update(&s, 65532, 10));
	assert_int_equal(s.cycles, 65536);
	assert_int_equal(s.out_of_order, 1);
	/* ... but it was never expected (below base): lost goes to -1. */
	assert_int_equal(sp_rtp_source_lost(&s), -1);

	/* Two full cycles of in-order packets. */
	valid_at(&s, 0);
	for (uint32_t q = 1; q <= 2 * 65536; q++)
		assert_true(sp_rtp_source_update(&s, (uint16_t)q, 0));
	assert_int_equal(s.cycles, 2 * 65536);
	assert_int_equal(sp_rtp_source_expected(&s), 2 * 65536 + 1);
	assert_int_equal(sp_rtp_source_lost(&s), 0);
}

static void test_dropout_misorder(void **state)
{
	(void)state;
	struct sp_rtp_source s;

	/* A gap of MAX_DROPOUT - 1 is in order; the missing ones are lost. */
	valid_at(&s, 1000);
	assert_true(sp_rtp_source_update(&s, 1000 + SP_RTP_MAX_DROPOUT - 1, 0));
	assert_int_equal(sp_rtp_source_expected(&s), SP_RTP_MAX_DROPOUT);
	assert_int_equal(sp_rtp_source_lost(&s), SP_RTP_MAX_DROPOUT - 2);

	/* A gap of MAX_DROPOUT is a very large jump: not counted. */
	valid_at(&s, 1000);
	assert_false(sp_rtp_source_update(&s, 1000 + SP_RTP_MAX_DROPOUT, 0));
	assert_int_equal(s.max_seq, 1000);
	assert_int_equal(s.received, 1);
	/* ... and the stream simply continuing does not restart anything. */
	assert_true(sp_rtp_source_update(&s, 1001, 0));
	assert_int_equal(s.base_seq, 1000);
	assert_int_equal(s.received, 2);

	/* MAX_MISORDER: 99 behind is reordering; 100 behind is already a
	 * jump (§A.1: udelta <= RTP_SEQ_MOD - MAX_MISORDER). */
	valid_at(&s, 5000);
	assert_true(sp_rtp_source_update(&s, 5200, 0));
	assert_true(sp_rtp_source_update(&s, 5101, 0));
	assert_int_equal(s.out_of_order, 1);
	assert_false(sp_rtp_source_update(&s, 5100, 0));
	assert_int_equal(s.bad_seq, 5101);
}

static void test_restart(void **state)
{
	(void)state;
	struct sp_rtp_source s;
	valid_at(&s, 100);
	for (uint16_t q = 101; q <= 110; q++)
		assert_true(sp_rtp_source_update(&s, q, 20));
	assert_int_equal(s.received, 11);

	/* §A.1: the sender restarted at 40000. The first packet there is
	 * rejected (bad_seq = 40001), the second re-syncs. */
	assert_false(sp_rtp_source_update(&s, 40000, 20));
	assert_int_equal(s.bad_seq, 40001);
	assert_true(sp_rtp_source_update(&s, 40001, 20));
	assert_int_equal(s.base_seq, 40001);
	assert_int_equal(s.max_seq, 40001);
	assert_int_equal(s.received, 1);
	assert_int_equal(s.cycles, 0);
	assert_int_equal(sp_rtp_source_expected(&s), 1);
	assert_true(sp_rtp_source_update(&s, 40002, 20));
	assert_int_equal(sp_rtp_source_lost(&s), 0);

	/* A restart whose bad_seq wraps: 65535 then 0. */
	valid_at(&s, 100);
	assert_false(sp_rtp_source_update(&s, 65535, 0));
	assert_int_equal(s.bad_seq, 0);
	assert_true(sp_rtp_source_update(&s, 0, 0));
	assert_int_equal(s.base_seq, 0);
}

static void test_duplicates(void **state)
{
	(void)state;
	struct sp_rtp_source s;
	valid_at(&s, 10);
	for (uint16_t q = 11; q <= 20; q++)
		assert_true(sp_rtp_source_update(&s, q, 1));
	/* Duplicate of the highest, of an older one, then one missing
	 * and arriving late (out of order, not a duplicate). */
	assert_true(sp_rtp_source_update(&s, 20, 1));
	assert_true(sp_rtp_source_update(&s, 15, 1));
	assert_int_equal(s.duplicates, 2);
	assert_int_equal(s.out_of_order, 0);
	assert_true(sp_rtp_source_update(&s, 22, 1));
	assert_true(sp_rtp_source_update(&s, 21, 1));
	assert_int_equal(s.out_of_order, 1);
	assert_int_equal(s.duplicates, 2);
	assert_true(sp_rtp_source_update(&s, 21, 1));
	assert_int_equal(s.duplicates, 3);
	/* §A.3: duplicates count as received, so lost goes negative. */
	assert_int_equal(sp_rtp_source_expected(&s), 13);
	assert_int_equal(s.received, 16);
	assert_int_equal(sp_rtp_source_lost(&s), -3);
	assert_int_equal(s.octets, 10 + 15); /* valid_at's 10, then 1 each */
}

static void test_loss_fraction(void **state)
{
	(void)state;
	struct sp_rtp_source s;
	struct sp_rtcp_rb rb;

	valid_at(&s, 10);
	for (uint16_t q = 11; q <= 20; q++)
		if (q != 15 && q != 16)
			assert_true(sp_rtp_source_update(&s, q, 160));
	/* 10..20: 11 expected, 9 received, 2 lost: fraction 2*256/11 = 46. */
	sp_rtp_source_report(&s, &rb);
	assert_int_equal(rb.ssrc, 0xabc);
	assert_int_equal(rb.fraction, 46);
	assert_int_equal(rb.lost, 2);
	assert_int_equal(rb.ext_seq, 20);
	assert_int_equal(rb.lsr, 0);
	assert_int_equal(rb.dlsr, 0);

	/* Next interval: 21..28 all arrive: fraction 0, lost stays 2. */
	for (uint16_t q = 21; q <= 28; q++)
		assert_true(sp_rtp_source_update(&s, q, 160));
	sp_rtp_source_report(&s, &rb);
	assert_int_equal(rb.fraction, 0);
	assert_int_equal(rb.lost, 2);

	/* Next: the late 15 and 16 arrive and nothing new: received
	 * interval 2 > expected interval 0: fraction 0 (§A.3), lost 0. */
	assert_true(sp_rtp_source_update(&s, 15, 160));
	assert_true(sp_rtp_source_update(&s, 16, 160));
	sp_rtp_source_report(&s, &rb);
	assert_int_equal(rb.fraction, 0);
	assert_int_equal(rb.lost, 0);

	/* 29..32 expected, only 32 arrives: 3 of 4 lost: 192. */
	assert_true(sp_rtp_source_update(&s, 32, 160));
	sp_rtp_source_report(&s, &rb);
	assert_int_equal(rb.fraction, 192);
	assert_int_equal(rb.lost, 3);

	/* Everything lost in an interval: 256/256 does not fit, 255. */
	s.max_seq = 40; /* as if 33..40 were expected, none received */
	sp_rtp_source_report(&s, &rb);
	assert_int_equal(rb.fraction, 255);

	/* The 24-bit clamp of cumulative loss. */
	s.cycles = 0x10000000;
	assert_int_equal(sp_rtp_source_lost(&s), 0x7fffff);
	s.cycles = 0;
	s.received = 0x2000000;
	assert_int_equal(sp_rtp_source_lost(&s), -0x800000);
}

static void test_jitter(void **state)
{
	(void)state;
	struct sp_rtp_source s;
	valid_at(&s, 1);
	/* 8 kHz, 160 timestamp units per packet; arrivals in the same units.
	 *  ts    arrival  transit  |D|  J*16 = J*16 + |D| - ((J*16 + 8) >> 4)
	 *   0     1000     1000     -   (first: transit only)
	 * 160     1160     1000     0   0
	 * 320     1400     1080    80   80          -> jitter 5
	 * 480     1480     1000    80   80+80-5=155 -> 9
	 * 640     1640     1000     0   155-10=145  -> 9
	 * The floating form of §A.8 gives 0, 0, 5, 9.69, 9.08. */
	static const uint32_t ts[] = { 0, 160, 320, 480, 640 };
	static const uint32_t arr[] = { 1000, 1160, 1400, 1480, 1640 };
	static const uint32_t j16[] = { 0, 0, 80, 155, 145 };
	for (unsigned i = 0; i < 5; i++) {
		sp_rtp_source_jitter(&s, ts[i], arr[i]);
		assert_int_equal(s.jitter, j16[i]);
		assert_int_equal(sp_rtp_source_jitter_ts(&s), j16[i] >> 4);
	}
	/* Transit times that wrap 2^32 act as small differences. */
	valid_at(&s, 1);
	sp_rtp_source_jitter(&s, 0xfffffff0u, 100);            /* transit 116 */
	sp_rtp_source_jitter(&s, 0x00000090u, 0x90 + 116 + 16); /* 132: +16 */
	assert_int_equal(s.jitter, 16);
	/* A constant delay, however large, gives zero jitter. */
	valid_at(&s, 1);
	for (uint32_t i = 0; i < 100; i++)
		sp_rtp_source_jitter(&s, i * 160, i * 160 + 123456789u);
	assert_int_equal(s.jitter, 0);
	struct sp_rtcp_rb rb;
	sp_rtp_source_report(&s, &rb);
	assert_int_equal(rb.jitter, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probation),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_dropout_misorder),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_loss_fraction),
		cmocka_unit_test(test_jitter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
