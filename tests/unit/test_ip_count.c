/*
 * Counts per remote IP (src/net/ip_count.c, ip_count.h): the limit, the
 * port ignored, IPv4 and IPv6 apart, entries gone at zero, and the table
 * growing (10,000 addresses in a 16-bucket table) with every count kept;
 * allocation failures leave the counts as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>

#include "siphon/ip_count.h"
#include "siphon/mem.h"

static struct sp_sa ip(const char *text)
{
	struct sp_sa sa;
	assert_int_equal(sp_sa_parse(&sa, sp_str_c(text), 0), 0);
	return sa;
}

static void test_limit(void **state)
{
	(void)state;
	struct sp_ip_count *c;
	struct sp_sa a = ip("192.0.2.1:5060"), a2 = ip("192.0.2.1:6000"), b = ip("[2001:db8::1]:5060");
	assert_int_equal(sp_ip_count_create(&c, 0), 0);
	assert_int_equal(sp_ip_count_inc(c, &a, 2), 0);
	assert_int_equal(sp_ip_count_inc(c, &a2, 2), 0); /* same IP, other port */
	assert_int_equal(sp_ip_count_inc(c, &a, 2), -EMFILE);
	assert_int_equal(sp_ip_count_get(c, &a), 2);
	assert_int_equal(sp_ip_count_inc(c, &b, 2), 0);
	assert_int_equal(sp_ip_count_get(c, &b), 1);
	assert_int_equal(sp_ip_count_inc(c, &b, 0), -EMFILE); /* limit 0 refuses all */
	sp_ip_count_dec(c, &a);
	assert_int_equal(sp_ip_count_inc(c, &a, 2), 0);
	sp_ip_count_dec(c, &a);
	sp_ip_count_dec(c, &a);
	sp_ip_count_dec(c, &a); /* none left: nothing happens */
	assert_int_equal(sp_ip_count_get(c, &a), 0);
	sp_ip_count_destroy(c);
	sp_ip_count_destroy(NULL);
}

static void test_grow(void **state)
{
	(void)state;
	struct sp_ip_count *c;
	char text[32];
	assert_int_equal(sp_ip_count_create(&c, 16), 0);
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(text, sizeof(text), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		struct sp_sa a = ip(text);
		for (unsigned k = 0; k <= i % 3; k++)
			assert_int_equal(sp_ip_count_inc(c, &a, 100), 0);
	}
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(text, sizeof(text), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		struct sp_sa a = ip(text);
		assert_int_equal(sp_ip_count_get(c, &a), i % 3 + 1);
	}
	/* Out of memory for a new entry: refused, nothing counted. */
	struct sp_sa n = ip("198.51.100.1");
	sp_mem_fail_after(0);
	assert_int_equal(sp_ip_count_inc(c, &n, 100), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_int_equal(sp_ip_count_get(c, &n), 0);
	sp_ip_count_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
