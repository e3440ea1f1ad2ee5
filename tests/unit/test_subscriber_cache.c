/*
 * The subscriber cache (src/server/subscriber_cache.h): a miss, a hit that
 * gives back exactly the HA1s put (MD5 only, SHA-256 only, both), a
 * negative "no such user" entry and its replacement, keys that differ only
 * by domain or case, generation invalidation (every entry a miss at once;
 * an answer obtained under the older generation refused), the bound on
 * entries (10,000 users into a 640-entry cache), argument checks,
 * allocation failure, and four threads hammering one cache (for ASan and
 * helgrind-style races under the sanitizer build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/digest.h"
#include "siphon/mem.h"

#include "../../src/server/subscriber_cache.h"

static struct sp_auth_creds make_creds(const char *user, const char *pw, bool md5, bool sha)
{
	struct sp_auth_creds c;

	memset(&c, 0, sizeof(c));
	if (md5)
		assert_int_equal(sp_digest_ha1(SP_DIGEST_MD5, sp_str_c(user),
					       sp_str_c("example.com"), sp_str_c(pw), &c.ha1_md5),
				 0);
	if (sha)
		assert_int_equal(sp_digest_ha1(SP_DIGEST_SHA256, sp_str_c(user),
					       sp_str_c("example.com"), sp_str_c(pw),
					       &c.ha1_sha256),
				 0);
	return c;
}

static void assert_creds_equal(const struct sp_auth_creds *a, const struct sp_auth_creds *b)
{
	assert_int_equal(a->ha1_md5.len, b->ha1_md5.len);
	assert_memory_equal(a->ha1_md5.hex, b->ha1_md5.hex, a->ha1_md5.len);
	assert_int_equal(a->ha1_sha256.len, b->ha1_sha256.len);
	assert_memory_equal(a->ha1_sha256.hex, b->ha1_sha256.hex, a->ha1_sha256.len);
}

static void test_miss_hit_negative(void **state)
{
	struct sp__subcache *c = NULL;
	struct sp_auth_creds got, alice = make_creds("alice", "pw", true, true);
	struct sp_auth_creds md5only = make_creds("bob", "pw", true, false);
	struct sp_auth_creds shaonly = make_creds("carol", "pw", false, true);

	(void)state;
	assert_int_equal(sp__subcache_create(&c, 1000), 0);
	uint32_t g = sp__subcache_generation(c);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("alice"), &got), SP__SUBCACHE_MISS);

	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("alice"), g, &alice), 0);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("alice"), &got), SP__SUBCACHE_HIT);
	assert_creds_equal(&got, &alice);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("bob"), g, &md5only), 0);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("bob"), &got), SP__SUBCACHE_HIT);
	assert_creds_equal(&got, &md5only);
	assert_int_equal(got.ha1_sha256.len, 0);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("carol"), g, &shaonly), 0);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("carol"), &got), SP__SUBCACHE_HIT);
	assert_creds_equal(&got, &shaonly);

	/* Exact keys: another domain index, another case, a prefix. */
	assert_int_equal(sp__subcache_get(c, 1, sp_str_c("alice"), &got), SP__SUBCACHE_MISS);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("Alice"), &got), SP__SUBCACHE_MISS);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("alic"), &got), SP__SUBCACHE_MISS);

	/* "No such user" is cached too, and a later answer replaces it. */
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("mallory"), g, NULL), 0);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("mallory"), &got), SP__SUBCACHE_NO_USER);
	assert_int_equal(sp__subcache_count(c), 4);
	struct sp_auth_creds m = make_creds("mallory", "x", true, true);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("mallory"), g, &m), 0);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("mallory"), &got), SP__SUBCACHE_HIT);
	assert_creds_equal(&got, &m);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("alice"), g, NULL), 0);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("alice"), &got), SP__SUBCACHE_NO_USER);
	assert_int_equal(sp__subcache_count(c), 4);
	sp__subcache_destroy(c);
}

static void test_generation(void **state)
{
	struct sp__subcache *c = NULL;
	struct sp_auth_creds got, alice = make_creds("alice", "pw", true, true);
	struct sp_auth_creds alice2 = make_creds("alice", "new", true, true);

	(void)state;
	assert_int_equal(sp__subcache_create(&c, 1000), 0);
	uint32_t g1 = sp__subcache_generation(c);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("alice"), g1, &alice), 0);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("nobody"), g1, NULL), 0);

	/* A lookup starts (reads g1), the store changes, the poll
	 * invalidates, the old answer comes back: refused. */
	sp__subcache_invalidate(c);
	uint32_t g2 = sp__subcache_generation(c);
	assert_int_not_equal(g1, g2);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("alice"), &got), SP__SUBCACHE_MISS);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("nobody"), &got), SP__SUBCACHE_MISS);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("alice"), g1, &alice), -ESTALE);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("nobody"), g1, NULL), -ESTALE);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("alice"), &got), SP__SUBCACHE_MISS);

	/* A lookup started under g2 fills the new generation. */
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("alice"), g2, &alice2), 0);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("alice"), &got), SP__SUBCACHE_HIT);
	assert_creds_equal(&got, &alice2);
	/* Stale entries were dropped by the gets that met them. */
	assert_int_equal(sp__subcache_count(c), 1);
	sp__subcache_destroy(c);
}

static void test_bound(void **state)
{
	struct sp__subcache *c = NULL;
	struct sp_auth_creds got, cr = make_creds("u", "pw", true, true);
	char user[32];
	size_t max = 0;

	(void)state;
	assert_int_equal(sp__subcache_create(&c, 640), 0);
	assert_int_equal(sp__subcache_capacity(c), 640);
	uint32_t g = sp__subcache_generation(c);
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(user, sizeof(user), "u%u", i);
		assert_int_equal(sp__subcache_put(c, 0, sp_str_c(user), g, i % 3 ? &cr : NULL), 0);
		size_t n = sp__subcache_count(c);
		assert_true(n <= 640);
		if (n > max)
			max = n;
	}
	assert_true(max > 320); /* it did fill up before emptying shards */
	/* The most recent user is always there (its shard was emptied, if
	 * at all, before it went in). */
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("u9999"), &got), SP__SUBCACHE_NO_USER);
	snprintf(user, sizeof(user), "u%u", 10000);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c(user), g, &cr), 0);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c(user), &got), SP__SUBCACHE_HIT);

	/* Rounded up to one entry per shard. */
	struct sp__subcache *tiny = NULL;
	assert_int_equal(sp__subcache_create(&tiny, 1), 0);
	assert_int_equal(sp__subcache_capacity(tiny), SP__SUBCACHE_SHARDS);
	sp__subcache_destroy(tiny);
	sp__subcache_destroy(c);
}

static void test_arguments(void **state)
{
	struct sp__subcache *c = NULL, *keep = (struct sp__subcache *)&c;
	struct sp_auth_creds got, cr = make_creds("u", "pw", true, true), none;
	char longuser[SP__SUBCACHE_USER_MAX + 2];

	(void)state;
	assert_int_equal(sp__subcache_create(NULL, 10), -EINVAL);
	c = keep;
	assert_int_equal(sp__subcache_create(&c, 0), -EINVAL);
	assert_ptr_equal(c, keep);
	for (long n = 0; n < 3; n++) {
		sp_mem_fail_after(n);
		assert_int_equal(sp__subcache_create(&c, 10), -ENOMEM);
		sp_mem_fail_after(-1);
		assert_ptr_equal(c, keep);
	}
	assert_int_equal(sp__subcache_create(&c, 100000), 0);
	uint32_t g = sp__subcache_generation(c);

	memset(longuser, 'x', sizeof(longuser) - 1);
	longuser[sizeof(longuser) - 1] = '\0';
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c(longuser), g, &cr), -EINVAL);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c(longuser), &got), SP__SUBCACHE_MISS);
	longuser[SP__SUBCACHE_USER_MAX] = '\0'; /* the longest cached */
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c(longuser), g, &cr), 0);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c(longuser), &got), SP__SUBCACHE_HIT);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c(""), g, &cr), -EINVAL);
	assert_int_equal(sp__subcache_put(c, 70000, sp_str_c("u"), g, &cr), -EINVAL);
	memset(&none, 0, sizeof(none));
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("u"), g, &none), -EINVAL);
	struct sp_auth_creds bad = cr;
	bad.ha1_md5.hex[3] = 'g';
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("u"), g, &bad), -EINVAL);
	bad = cr;
	bad.ha1_sha256.len = 40;
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("u"), g, &bad), -EINVAL);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("u"), &got), SP__SUBCACHE_MISS);

	sp_mem_fail_after(0);
	assert_int_equal(sp__subcache_put(c, 0, sp_str_c("u"), g, &cr), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_int_equal(sp__subcache_get(c, 0, sp_str_c("u"), &got), SP__SUBCACHE_MISS);
	/* A failed bucket growth keeps working with longer chains. */
	char user[32];
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(user, sizeof(user), "g%u", i);
		sp_mem_fail_after(i % 2 ? 1 : -1);
		int rc = sp__subcache_put(c, 0, sp_str_c(user), g, &cr);
		sp_mem_fail_after(-1);
		assert_int_equal(rc, 0);
	}
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(user, sizeof(user), "g%u", i);
		assert_int_equal(sp__subcache_get(c, 0, sp_str_c(user), &got), SP__SUBCACHE_HIT);
	}
	sp__subcache_destroy(c);
	sp__subcache_destroy(NULL);
}

/* ---- threads ---- */

struct hammer {
	struct sp__subcache *c;
	unsigned id;
	unsigned bad;
};

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	struct sp_auth_creds cr = make_creds("t", "pw", true, true), got;
	char user[32];

	for (unsigned i = 0; i < 20000; i++) {
		unsigned k = (i * 7 + h->id) % 3000;
		snprintf(user, sizeof(user), "t%u", k);
		switch (i % 5) {
		case 0:
		case 1:
			sp__subcache_put(h->c, k % 4, sp_str_c(user), sp__subcache_generation(h->c),
					 k % 2 ? &cr : NULL);
			break;
		case 4:
			if (h->id == 0 && i % 1000 == 4)
				sp__subcache_invalidate(h->c);
			__attribute__((fallthrough));
		default:
			switch (sp__subcache_get(h->c, k % 4, sp_str_c(user), &got)) {
			case SP__SUBCACHE_HIT:
				if (!(k % 2) || memcmp(got.ha1_md5.hex, cr.ha1_md5.hex, 32))
					h->bad++;
				break;
			case SP__SUBCACHE_NO_USER:
				if (k % 2)
					h->bad++;
				break;
			default:
				break;
			}
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	enum { N = 4 };
	struct sp__subcache *c = NULL;
	pthread_t t[N];
	struct hammer h[N];

	(void)state;
	assert_int_equal(sp__subcache_create(&c, 2000), 0);
	for (unsigned i = 0; i < N; i++) {
		h[i] = (struct hammer){.c = c, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
	}
	for (unsigned i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(h[i].bad, 0);
	}
	assert_true(sp__subcache_count(c) <= sp__subcache_capacity(c));
	sp__subcache_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_miss_hit_negative),
	    cmocka_unit_test(test_generation),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_arguments),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
