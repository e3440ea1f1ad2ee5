/*
 * src/base: slices, number parsing, ctype tables, refcounts, arenas,
 * allocation-failure injection, errors and the log sink.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "siphon/ctype.h"
#include "siphon/err.h"
#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/str.h"

static void test_str_compare(void **state)
{
	(void)state;
	assert_true(sp_str_eq(SP_STR("abc"), SP_STR("abc")));
	assert_false(sp_str_eq(SP_STR("abc"), SP_STR("abC")));
	assert_true(sp_str_caseeq(SP_STR("Via"), SP_STR("vIA")));
	assert_false(sp_str_caseeq(SP_STR("Via"), SP_STR("Vi")));
	/* NUL bytes are ordinary bytes. */
	struct sp_str a = { "a\0b", 3 }, b = { "a\0c", 3 };
	assert_false(sp_str_eq(a, b));
	assert_true(sp_str_eq(SP_STR_NULL, (struct sp_str){ "", 0 }));
	assert_false(sp_str_present(SP_STR_NULL));
	assert_int_equal(sp_str_chr(SP_STR("a:b"), ':'), 1);
	assert_int_equal(sp_str_chr(SP_STR("ab"), ':'), -1);
}

static void test_str_trim(void **state)
{
	(void)state;
	struct sp_str t = sp_str_trim(SP_STR(" \t\r\n x y \r\n "));
	assert_int_equal(t.len, 3);
	assert_memory_equal(t.p, "x y", 3);
	assert_int_equal(sp_str_trim(SP_STR("   ")).len, 0);
}

static void test_str_to_u64(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(sp_str_to_u64(SP_STR("0068"), 255, &v), 0);
	assert_int_equal(v, 68);
	assert_int_equal(sp_str_to_u64(SP_STR("255"), 255, &v), 0);
	assert_int_equal(sp_str_to_u64(SP_STR("256"), 255, &v), -ERANGE);
	assert_int_equal(sp_str_to_u64(SP_STR("4294967295"), UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(sp_str_to_u64(SP_STR("4294967296"), UINT32_MAX, &v), -ERANGE);
	/* RFC 4475 scalar02 / scalarlg: overlarge never wraps. */
	assert_int_equal(sp_str_to_u64(SP_STR("36893488147419103232"), UINT64_MAX, &v), -ERANGE);
	assert_int_equal(sp_str_to_u64(SP_STR("18446744073709551615"), UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(sp_str_to_u64(SP_STR("18446744073709551616"), UINT64_MAX, &v), -ERANGE);
	assert_int_equal(sp_str_to_u64(SP_STR("5"), 0, &v), -ERANGE);
	assert_int_equal(sp_str_to_u64(SP_STR("-999"), UINT32_MAX, &v), -EINVAL);
	assert_int_equal(sp_str_to_u64(SP_STR(""), UINT32_MAX, &v), -EINVAL);
	assert_int_equal(sp_str_to_u64(SP_STR("1 "), UINT32_MAX, &v), -EINVAL);
	assert_int_equal(sp_str_to_u64(SP_STR("five"), UINT32_MAX, &v), -EINVAL);
}

static void test_ctype(void **state)
{
	(void)state;
	const char *token = "-.!%*_+`'~";
	for (const char *c = token; *c; c++)
		assert_true(sp_is((unsigned char)*c, SP_C_TOKEN));
	assert_false(sp_is(':', SP_C_TOKEN));
	assert_false(sp_is('"', SP_C_TOKEN));
	assert_false(sp_is(0, SP_C_TOKEN));
	assert_true(sp_is(0xe0, SP_C_UTF8));
	assert_true(sp_is('\t', SP_C_WS));
	assert_true(sp_is('\n', SP_C_LWS));
	assert_false(sp_is('\n', SP_C_WS));
	assert_int_equal(sp_lower['Q'], 'q');
	assert_int_equal(sp_lower[0xc4], 0xc4);
	assert_int_equal(sp_hexval('F'), 15);
	assert_int_equal(sp_hexval('g'), -1);
}

static int destroyed;
static void on_destroy(void *obj)
{
	(void)obj;
	destroyed++;
}

static void test_refcount(void **state)
{
	(void)state;
	destroyed = 0;
	int *obj = sp_mem_zalloc(sizeof(int) * 4, on_destroy);
	assert_non_null(obj);
	assert_int_equal(obj[3], 0);
	assert_int_equal(sp_mem_nrefs(obj), 1);
	assert_ptr_equal(sp_mem_ref(obj), obj);
	assert_int_equal(sp_mem_nrefs(obj), 2);
	assert_null(sp_mem_deref(obj));
	assert_int_equal(destroyed, 0);
	assert_null(sp_mem_deref(obj));
	assert_int_equal(destroyed, 1);
	assert_null(sp_mem_deref(NULL));
	assert_null(sp_mem_ref(NULL));
}

static void test_alloc_failure_injection(void **state)
{
	(void)state;
	sp_mem_fail_after(1);
	void *a = sp_mem_zalloc(8, NULL);
	void *b = sp_mem_zalloc(8, NULL);
	sp_mem_fail_after(-1);
	assert_non_null(a);
	assert_null(b);
	sp_mem_deref(a);
	assert_null(sp_mem_zalloc(SIZE_MAX - 4, NULL));
}

static void test_arena(void **state)
{
	(void)state;
	char inline_block[256];
	struct sp_arena a;
	sp_arena_init(&a, inline_block, sizeof(inline_block), 64 * 1024);
	char *p = sp_arena_alloc(&a, 10);
	assert_true(p >= inline_block && p < inline_block + sizeof(inline_block));
	assert_int_equal((uintptr_t)p % 16, 0);
	/* Spill to the heap once the inline block is exhausted. */
	char *q = sp_arena_alloc(&a, 1000);
	assert_non_null(q);
	assert_true(q < inline_block || q >= inline_block + sizeof(inline_block));
	memset(q, 0xab, 1000);
	/* The limit bounds the heap part. */
	assert_null(sp_arena_alloc(&a, 128 * 1024));
	sp_arena_reset(&a);
	assert_ptr_equal(sp_arena_alloc(&a, 1), inline_block);
	/* Allocation failure surfaces as NULL, not an abort. */
	sp_mem_fail_after(0);
	assert_null(sp_arena_alloc(&a, 4000));
	sp_mem_fail_after(-1);
	sp_arena_release(&a);

	struct sp_arena h;
	sp_arena_init(&h, NULL, 0, 1 << 20);
	for (int i = 0; i < 1000; i++)
		assert_non_null(sp_arena_alloc(&h, 100));
	sp_arena_release(&h);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(sp_strerror(SP_EINCOMPLETE), "incomplete message: more bytes needed");
	assert_string_equal(sp_strerror(-EBADMSG), strerror(EBADMSG));
	assert_string_equal(sp_strerror(12345678), "unknown error");
}

static char last_line[256];
static enum sp_log_level last_level;
static int lines_seen;
static void sink(enum sp_log_level level, const char *line, void *arg)
{
	(void)arg;
	last_level = level;
	snprintf(last_line, sizeof(last_line), "%s", line);
	lines_seen++;
}

static void test_log(void **state)
{
	(void)state;
	enum sp_log_level lvl;
	sp_log_set_sink(sink, NULL);
	sp_log_set_level(SP_LOG_WARN);
	lines_seen = 0;
	SP_LOG(SP_LOG_INFO, "dropped %d", 1);
	assert_int_equal(lines_seen, 0);
	SP_LOG(SP_LOG_ERROR, "kept %d", 2);
	assert_int_equal(lines_seen, 1);
	assert_string_equal(last_line, "kept 2");
	assert_int_equal(last_level, SP_LOG_ERROR);
	/* Rate limit: a burst of 10 per second per call site. */
	for (int i = 0; i < 50; i++)
		SP_LOG_RL(SP_LOG_WARN, "flood %d", i);
	assert_true(lines_seen <= 1 + 10 + 1 + 10);
	assert_true(lines_seen >= 1 + 10);
	assert_int_equal(sp_log_level_parse("debug", &lvl), 0);
	assert_int_equal(lvl, SP_LOG_DEBUG);
	assert_int_equal(sp_log_level_parse("loud", &lvl), -EINVAL);
	sp_log_set_sink(NULL, NULL);
	sp_log_set_level(SP_LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_compare),
		cmocka_unit_test(test_str_trim),
		cmocka_unit_test(test_str_to_u64),
		cmocka_unit_test(test_ctype),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_alloc_failure_injection),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
