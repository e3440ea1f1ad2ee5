/*
 * HMAC-SHA-256 (src/base/hmac.c) against the test cases of RFC 4231 §4.2-
 * §4.8, kept in tests/vectors/digest/hmac-sha256-rfc4231.tsv as hex
 * (case 5 gives only the first 128 bits, RFC 4231 §4.6), both one-shot and
 * fed byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/hash.h"

#include "test_util.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2, i;

	assert_true(n <= cap);
	for (i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void test_rfc4231(void **state)
{
	static const char *const cols[] = {"case", "key", "data", "hmac_sha256"};
	struct tu_tsv t;
	unsigned r;

	(void)state;
	assert_true(tu_tsv_load(&t, "digest/hmac-sha256-rfc4231.tsv", cols, 4));
	assert_int_equal(t.nrow, 7);
	for (r = 0; r < t.nrow; r++) {
		uint8_t key[256], data[256], want[32], got[32];
		size_t kl = unhex(tu_tsv_get(&t, r, "key"), key, sizeof(key));
		size_t dl = unhex(tu_tsv_get(&t, r, "data"), data, sizeof(data));
		size_t wl = unhex(tu_tsv_get(&t, r, "hmac_sha256"), want, sizeof(want));
		struct sp_hmac_sha256 c;
		size_t i;

		sp_hmac_sha256(key, kl, data, dl, got);
		assert_memory_equal(got, want, wl);

		memset(got, 0, sizeof(got));
		sp_hmac_sha256_init(&c, key, kl);
		for (i = 0; i < dl; i++)
			sp_hmac_sha256_update(&c, data + i, 1);
		sp_hmac_sha256_final(&c, got);
		assert_memory_equal(got, want, wl);
	}
	tu_tsv_free(&t);
}

/* A 64-byte key is used as is, a 65-byte one hashed (RFC 2104 §2): the
 * two must differ, and a key equal to SHA-256(long key) must equal the
 * long key. */
static void test_key_lengths(void **state)
{
	uint8_t k[65], hk[32], a[32], b[32];

	(void)state;
	memset(k, 0x5a, sizeof(k));
	sp_hmac_sha256(k, 64, "x", 1, a);
	sp_hmac_sha256(k, 65, "x", 1, b);
	assert_memory_not_equal(a, b, 32);
	sp_sha256(k, 65, hk);
	sp_hmac_sha256(hk, 32, "x", 1, a);
	assert_memory_equal(a, b, 32);
	/* Empty key and empty message are valid inputs. */
	sp_hmac_sha256(NULL, 0, NULL, 0, a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc4231),
	    cmocka_unit_test(test_key_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
