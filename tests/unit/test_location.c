/*
 * Location service (location.h): canonical AOR keys (RFC 3261 §10.3 step
 * 5), bindings as single owned allocations, staged transactions (commit
 * and abort), lookup order, expiry under fake time, change reports and
 * bulk load for persistence, ENOMEM without change, eight threads on
 * shared and separate AORs, and the memory cost of 100k bindings
 * (printed, not asserted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/location.h"
#include "siphon/mem.h"
#include "test_util.h"

#define T0 1700000000000LL

static struct sp_binding *mk(const char *aor, const char *contact, int q, int64_t exp_at)
{
	struct sp_binding_init bi;
	struct sp_binding *b = NULL;

	memset(&bi, 0, sizeof(bi));
	bi.aor = sp_str_c(aor);
	bi.contact = sp_str_c(contact);
	bi.uri = bi.contact;
	bi.call_id = SP_STR("cid");
	bi.q = q;
	bi.expires_at = exp_at;
	bi.registered_at = T0;
	assert_int_equal(sp_binding_create(&b, &bi), 0);
	return b;
}

/* Adds one binding to its AOR through a transaction. */
static void add(struct sp_location *loc, const char *aor, const char *contact, int q,
		int64_t exp_at)
{
	struct sp_location_txn t;

	assert_int_equal(sp_location_begin(loc, sp_str_c(aor), T0, &t), 0);
	assert_int_equal(
	    sp_location_txn_put(&t, sp_location_txn_count(&t), mk(aor, contact, q, exp_at)), 0);
	assert_int_equal(sp_location_commit(&t), 0);
}

static void key_is(const char *uri_s, const char *want)
{
	struct sp_uri u;
	struct sp_parse_error err;
	struct sp_str in = tu_copy_c(uri_s);
	char out[128];
	long n;

	tu_parse_ok(sp_uri_parse(&u, in, 0, &err), in, &err);
	n = sp_location_aor_key(&u, out, sizeof(out));
	if (!want) {
		assert_int_equal(n, -EINVAL);
		return;
	}
	assert_true(n >= 0);
	tu_slice_eq((struct sp_str){out, (size_t)n}, want, strlen(want), __FILE__, __LINE__);
}

static void test_aor_key(void **state)
{
	(void)state;
	key_is("sip:alice@example.com", "alice@example.com");
	key_is("SIP:alice@EXAMPLE.Com;transport=tcp;user=phone", "alice@example.com");
	key_is("sips:%61lice@example.com?subject=x", "alice@example.com");
	key_is("sip:alice@example.com:5070;gr=abc", "alice@example.com:5070");
	key_is("sip:Alice@example.com", "Alice@example.com"); /* user is case-sensitive */
	key_is("sip:example.com", "example.com");
	key_is("tel:+1-201-555-0123", NULL);
	key_is("isbn:2983792873", NULL);
	tu_free_copies(NULL);
}

static void test_binding_copy(void **state)
{
	struct sp_binding_init bi;
	struct sp_binding *b;
	char contact[] = "<sip:a@192.0.2.1;lr>;q=0.5";
	struct sp_str path[2] = {SP_STR("<sip:p1;lr>"), SP_STR("<sip:p2;lr>")};

	(void)state;
	memset(&bi, 0, sizeof(bi));
	bi.aor = SP_STR("a@example.com");
	bi.contact = sp_str_c(contact);
	bi.uri = (struct sp_str){contact + 1, 18};
	bi.instance = SP_STR("<urn:uuid:1>");
	bi.path = path;
	bi.npath = 2;
	assert_int_equal(sp_binding_create(&b, &bi), 0);
	memset(contact, 'x', sizeof(contact) - 1); /* the binding owns its copy */
	S_EQ(b->contact, "<sip:a@192.0.2.1;lr>;q=0.5");
	S_EQ(b->uri, "sip:a@192.0.2.1;lr");
	assert_true(b->uri.p == b->contact.p + 1); /* one copy, shared */
	S_EQ(b->path[1], "<sip:p2;lr>");
	S_EQ(b->instance, "<urn:uuid:1>");
	S_ABSENT(b->flow);
	assert_int_equal(sp_binding_nrefs(b), 1);
	sp_binding_deref(b);
	bi.npath = SP_LOCATION_MAX_PATH + 1;
	b = NULL;
	assert_int_equal(sp_binding_create(&b, &bi), -EINVAL);
	assert_null(b);
}

struct log {
	int puts, removes;
	char last[64];
};

static void on_change(enum sp_location_change ch, const struct sp_binding *b, void *arg)
{
	struct log *l = arg;

	if (ch == SP_LOC_PUT)
		l->puts++;
	else
		l->removes++;
	snprintf(l->last, sizeof(l->last), "%.*s", SP_STR_FMT(b->contact));
}

static void test_txn_and_expiry(void **state)
{
	struct sp_location *loc;
	struct sp_location_txn t;
	struct sp_location_snap s;
	struct log lg = {0};

	(void)state;
	assert_int_equal(sp_location_create(&loc, on_change, &lg), 0);
	add(loc, "a@x", "<sip:1@h>", 1000, T0 + 10000);
	add(loc, "a@x", "<sip:2@h>", 500, T0 + 20000);
	add(loc, "b@x", "<sip:3@h>", 1000, T0 + 10000);
	add(loc, "c@x", "<sip:4@h>", 1000, T0 + 30000);
	assert_int_equal(lg.puts, 4);
	assert_int_equal(sp_location_count(loc), 4);
	assert_int_equal(sp_location_next_expiry(loc), T0 + 10000);

	/* abort leaves no trace */
	assert_int_equal(sp_location_begin(loc, SP_STR("a@x"), T0, &t), 0);
	assert_int_equal(sp_location_txn_count(&t), 2);
	sp_location_txn_remove(&t, 0);
	assert_int_equal(sp_location_txn_put(&t, 1, mk("a@x", "<sip:9@h>", 1000, T0 + 5)), 0);
	sp_location_abort(&t);
	assert_int_equal(sp_location_count(loc), 4);
	assert_int_equal(lg.puts, 4);

	/* replacing 2@h leaves a stale heap entry that expiry skips */
	assert_int_equal(sp_location_begin(loc, SP_STR("a@x"), T0, &t), 0);
	assert_int_equal(sp_location_txn_put(&t, 1, mk("a@x", "<sip:2@h>", 500, T0 + 40000)), 0);
	assert_int_equal(sp_location_commit(&t), 0);
	assert_int_equal(lg.puts, 5);
	assert_int_equal(lg.removes, 1);

	/* fake time: exactly the due ones go */
	assert_int_equal(sp_location_expire(loc, T0 + 9999), 0);
	assert_int_equal(sp_location_expire(loc, T0 + 10000), 2); /* 1@h and 3@h */
	assert_int_equal(lg.removes, 3);
	assert_int_equal(sp_location_count(loc), 2);
	assert_int_equal(sp_location_expire(loc, T0 + 25000), 0); /* stale 2@h entry */
	assert_int_equal(sp_location_count(loc), 2);
	/* a due binding is invisible to lookups even before the sweep */
	assert_int_equal(sp_location_lookup(loc, SP_STR("c@x"), SP_STR_NULL, T0 + 30000, &s), 0);
	assert_int_equal(s.n, 0);
	sp_location_snap_free(&s);
	assert_int_equal(sp_location_lookup(loc, SP_STR("a@x"), SP_STR_NULL, T0 + 30000, &s), 0);
	assert_int_equal(s.n, 1);
	S_EQ(s.b[0]->contact, "<sip:2@h>");
	sp_location_snap_free(&s);
	assert_int_equal(sp_location_expire(loc, T0 + 40000), 2); /* 4@h, 2@h */
	assert_int_equal(lg.removes, 5);
	assert_int_equal(sp_location_count(loc), 0);
	assert_int_equal(sp_location_next_expiry(loc), INT64_MAX);
	sp_mem_deref(loc);
}

static void test_load(void **state)
{
	struct sp_location *loc;
	struct sp_location_snap s;
	struct log lg = {0};
	struct sp_binding *b1 = mk("a@x", "<sip:1@h>", 200, T0 + 1000);
	struct sp_binding *b2 = mk("a@x", "<sip:2@h>", 800, T0 + 1000);
	struct sp_binding *old = mk("a@x", "<sip:0@h>", 800, T0 - 1);

	(void)state;
	assert_int_equal(sp_location_create(&loc, on_change, &lg), 0);
	assert_int_equal(sp_location_load(loc, b1, T0), 0);
	assert_int_equal(sp_location_load(loc, b2, T0), 0);
	assert_int_equal(sp_location_load(loc, old, T0), 1);
	assert_int_equal(lg.puts, 0); /* restoring is not a change */
	assert_int_equal(sp_location_lookup(loc, SP_STR("a@x"), SP_STR_NULL, T0, &s), 0);
	assert_int_equal(s.n, 2);
	assert_ptr_equal(s.b[0], b2);		   /* q order */
	assert_int_equal(sp_binding_nrefs(b2), 4); /* caller, record, heap, snapshot */
	sp_location_snap_free(&s);
	sp_binding_deref(b1);
	sp_binding_deref(b2);
	sp_binding_deref(old);
	assert_int_equal(sp_location_expire(loc, T0 + 1000), 2);
	sp_mem_deref(loc);
}

static void test_enomem(void **state)
{
	struct sp_location *loc;
	struct sp_location_txn t;
	int ok = 0;

	(void)state;
	assert_int_equal(sp_location_create(&loc, NULL, NULL), 0);
	add(loc, "a@x", "<sip:1@h>", 1000, T0 + 10000);
	/* every allocation point of begin/put/commit, failed in turn */
	for (long n = 0; n < 20 && !ok; n++) {
		struct sp_binding *b = mk("a@x", "<sip:2@h>", 1000, T0 + 10000);

		sp_mem_fail_after(n);
		if (sp_location_begin(loc, SP_STR("a@x"), T0, &t) == 0) {
			if (sp_location_txn_put(&t, sp_location_txn_count(&t), b) == 0) {
				ok = sp_location_commit(&t) == 0;
			} else {
				sp_location_abort(&t);
			}
		} else {
			sp_binding_deref(b);
		}
		sp_mem_fail_after(-1);
		assert_int_equal(sp_location_count(loc), ok ? 2 : 1);
	}
	assert_true(ok);
	sp_mem_deref(loc);
}

/* ---- threads ------------------------------------------------------------ */

#define NTHREADS 8
#define ROUNDS	 2000

struct worker {
	struct sp_location *loc;
	int id;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	char aor[32], contact[64];

	for (int i = 0; i < ROUNDS; i++) {
		struct sp_location_txn t;
		struct sp_location_snap s;
		const char *key = (i % 2) ? "shared@x" : aor;

		snprintf(aor, sizeof(aor), "u%d@x", w->id);
		snprintf(contact, sizeof(contact), "<sip:%d.%d@h>", w->id, i % 4);
		if (sp_location_begin(w->loc, sp_str_c(key), T0, &t) < 0)
			continue;
		{
			struct sp_binding_init bi;
			struct sp_binding *b;
			unsigned m = sp_location_txn_count(&t);

			for (unsigned j = 0; j < sp_location_txn_count(&t); j++)
				if (sp_str_eq(sp_location_txn_get(&t, j)->contact,
					      sp_str_c(contact)))
					m = j;
			memset(&bi, 0, sizeof(bi));
			bi.aor = sp_str_c(key);
			bi.contact = sp_str_c(contact);
			bi.q = 1000;
			bi.expires_at = T0 + 1000 + i;
			if (sp_binding_create(&b, &bi) == 0)
				sp_location_txn_put(&t, m, b);
			sp_location_commit(&t);
		}
		if (sp_location_lookup(w->loc, sp_str_c(key), SP_STR_NULL, T0, &s) == 0) {
			for (unsigned j = 0; j < s.n; j++)
				(void)s.b[j]->contact.len;
			sp_location_snap_free(&s);
		}
		if (i % 100 == 0)
			sp_location_expire(w->loc, T0 + i);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct sp_location *loc;
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	struct sp_location_snap s;

	(void)state;
	assert_int_equal(sp_location_create(&loc, NULL, NULL), 0);
	for (int i = 0; i < NTHREADS; i++) {
		w[i].loc = loc;
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	/* each thread keeps 2 contacts on its own AOR (even rounds, i % 4 of
	 * 0 and 2) and 2 on the shared one (odd rounds: 1 and 3) */
	assert_int_equal(sp_location_lookup(loc, SP_STR("shared@x"), SP_STR_NULL, T0, &s), 0);
	assert_int_equal(s.n, NTHREADS * 2);
	sp_location_snap_free(&s);
	assert_int_equal(sp_location_count(loc), NTHREADS * 4);
	assert_int_equal(sp_location_expire(loc, T0 + 1000 + ROUNDS), NTHREADS * 4);
	sp_mem_deref(loc);
}

/* ---- memory ------------------------------------------------------------- */

static void test_memory_100k(void **state)
{
	struct sp_location *loc;
	struct mallinfo2 before, after;
	size_t n = 100000;
	char aor[48], contact[96];

	(void)state;
	assert_int_equal(sp_location_create(&loc, NULL, NULL), 0);
	before = mallinfo2();
	for (size_t i = 0; i < n; i++) {
		snprintf(aor, sizeof(aor), "user%zu@example.com", i);
		snprintf(
		    contact, sizeof(contact),
		    "<sip:user%zu@192.0.2.%zu:5060;transport=udp>;+sip.instance=\"<urn:uuid:x>\"",
		    i, i % 250);
		add(loc, aor, contact, 1000, T0 + 3600000);
	}
	after = mallinfo2();
	assert_int_equal(sp_location_count(loc), n);
	/* What the table accounts for each binding here: the object (struct
	 * and strings, plus the sp_mem header), its AOR record (one binding
	 * per AOR in this test), the record's array, a heap entry and a hash
	 * bucket; allocator overhead not included. */
	{
		struct sp_location_snap s;
		size_t obj;

		assert_int_equal(
		    sp_location_lookup(loc, SP_STR("user99999@example.com"), SP_STR_NULL, T0, &s),
		    0);
		assert_int_equal(s.n, 1);
		obj = sizeof(struct sp_binding) + s.b[0]->aor.len + 1 + s.b[0]->contact.len + 1 +
		      s.b[0]->call_id.len + 1 + 16;
		printf("location: %zu bindings; per binding: object %zu bytes, with record, "
		       "array, heap entry and bucket ~%zu bytes; malloc'd heap %zu bytes "
		       "(mallinfo2, 0 under ASan)\n",
		       n, obj,
		       obj + 48 + s.b[0]->aor.len + 4 * sizeof(void *) + 16 + 2 * sizeof(void *),
		       (size_t)(after.uordblks - before.uordblks) / n);
		sp_location_snap_free(&s);
	}
	sp_mem_deref(loc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aor_key),	   cmocka_unit_test(test_binding_copy),
	    cmocka_unit_test(test_txn_and_expiry), cmocka_unit_test(test_load),
	    cmocka_unit_test(test_enomem),	   cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_memory_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
