/*
 * E-model (src/media/quality.c) against values worked by hand from the
 * ITU-T G.107 formulas with the Table 3 defaults: R = 93.2 for a short,
 * loss-free call, the delay impairment at 150 and 400 ms, Ie,eff of
 * G.711 with and without PLC (G.113 Appendix I Bpl) for random and
 * bursty loss, the Annex B MOS mapping, and the burst ratio.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "siphon/quality.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static double r_of(double delay, double loss, double burst, bool plc)
{
	struct sp_quality_params p = {delay, loss, burst, plc};
	return sp_quality_r(&p);
}

static void test_default_r(void **state)
{
	(void)state;
	/* Ro - Is - Idle(Tr=0) = 94.77 - 1.41 - 0.15. */
	NEAR(r_of(0, 0, 1, false), 93.2, 0.05);
	NEAR(r_of(0, 0, 1, true), 93.2, 0.05);
	NEAR(sp_quality_mos(93.2), 4.41, 0.01);
}

static void test_delay(void **state)
{
	(void)state;
	/* T = 150: Idte 2.81, Idle(300) 0.84, Idd 0.16. */
	NEAR(r_of(150, 0, 1, false), 94.77 - 1.41 - 2.81 - 0.84 - 0.16, 0.05);
	/* T = 400: Idte 5.81, Idle(800) 1.22, Idd 24.07. */
	NEAR(r_of(400, 0, 1, false), 94.77 - 1.41 - 5.81 - 1.22 - 24.07, 0.05);
	/* Monotonic in delay. */
	double prev = 101.0;
	for (double d = 0; d <= 1000; d += 10) {
		double r = r_of(d, 0, 1, false);
		assert_true(r <= prev + 1e-9);
		prev = r;
	}
}

static void test_loss(void **state)
{
	(void)state;
	double r0 = r_of(0, 0, 1, false);
	/* 1% random: Ie,eff = 95·1/(1 + 4.3) = 17.92; with PLC
	 * 95·1/(1 + 25.1) = 3.64. */
	NEAR(r0 - r_of(0, 1, 1, false), 17.92, 0.01);
	NEAR(r0 - r_of(0, 1, 1, true), 3.64, 0.01);
	/* 2% with BurstR 2: 95·2/(1 + 25.1) = 7.28. */
	NEAR(r0 - r_of(0, 2, 2, true), 7.28, 0.01);
	/* 5% random with PLC: 95·5/(5 + 25.1) = 15.78. */
	NEAR(r0 - r_of(0, 5, 1, true), 15.78, 0.01);
	/* Burstier is worse; burst ratio 0 means 1. */
	assert_true(r_of(0, 5, 3, true) < r_of(0, 5, 1, true));
	NEAR(r_of(0, 5, 0, true), r_of(0, 5, 1, true), 1e-9);
	/* Total loss: 93.2 - 95·100/104.3; long delay plus loss clamps at
	 * 0; out-of-range input clamps. */
	NEAR(r_of(0, 100, 1, false), r0 - 9500.0 / 104.3, 0.01);
	NEAR(r_of(1000, 50, 4, false), 0.0, 1e-9);
	NEAR(r_of(-5, -1, 1, false), r0, 1e-9);
	NEAR(r_of(NAN, NAN, 1, false), r0, 1e-9);
}

static void test_mos(void **state)
{
	(void)state;
	NEAR(sp_quality_mos(-3), 1.0, 1e-12);
	NEAR(sp_quality_mos(0), 1.0, 1e-12);
	NEAR(sp_quality_mos(100), 4.5, 1e-12);
	NEAR(sp_quality_mos(120), 4.5, 1e-12);
	NEAR(sp_quality_mos(50), 1 + 1.75 - 0.175, 1e-9);
	NEAR(sp_quality_mos(80), 4.024, 0.001); /* G.107 Figure B.1: "satisfied" */
	NEAR(sp_quality_mos(NAN), 1.0, 1e-12);
	/* The Annex B polynomial dips under 1 for small R: clamped. */
	NEAR(sp_quality_mos(3), 1.0, 1e-12);
	double prev = 0;
	for (double r = 0; r <= 100; r += 0.5) {
		double m = sp_quality_mos(r);
		assert_true(m >= prev);
		prev = m;
	}
}

static void test_burst_ratio(void **state)
{
	(void)state;
	/* 1000 packets, 20 lost in 20 single losses: about random. */
	NEAR(sp_quality_burst_ratio(1000, 20, 20), 1.0, 1e-9);
	/* 20 lost in 5 bursts of 4: 4 · 0.98 = 3.92. */
	NEAR(sp_quality_burst_ratio(1000, 20, 5), 3.92, 1e-9);
	NEAR(sp_quality_burst_ratio(0, 0, 0), 1.0, 1e-9);
	NEAR(sp_quality_burst_ratio(100, 100, 1), 1.0, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_r),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_mos),
		cmocka_unit_test(test_burst_ratio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
