/*
 * The location write-behind (src/server/binding_writer.h) over a real
 * SQLite store in a mkdtemp directory, read back through a second handle
 * as `siphon location list` would: changes reach the store within a tick,
 * in order (a put then its removal leaves nothing, a removal then a put
 * leaves the binding); the high-water mark writes before the tick; stop
 * writes what is queued; a database locked by another process beyond the
 * busy timeout (-EBUSY) keeps the batch and writes it later, while the
 * bound drops what does not fit; a key too long for a store record is
 * skipped alone; allocation failures drop a change, never crash; the
 * binding references are all given back.
 */
#define _GNU_SOURCE /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "siphon/location.h"
#include "siphon/mem.h"
#include "siphon/store.h"

#include "../../src/server/binding_writer.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/siphon-bwriter-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown_dir(void **state)
{
	(void)state;
	sp_mem_fail_after(-1);
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static struct sp_store *open_store(void)
{
	struct sp_store *s = NULL;
	assert_int_equal(sp_store_open(&s, "sqlite", tmpdir), 0);
	return s;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A binding of aor with contact <sip:user@192.0.2.1:port>. */
static struct sp_binding *binding(const char *aor, unsigned port)
{
	char contact[128];
	struct sp_binding *b = NULL;
	struct sp_str path[2] = {sp_str_c("<sip:edge1.example.com;lr>"),
				 sp_str_c("<sip:edge2.example.com;lr>")};

	snprintf(contact, sizeof(contact), "<sip:x@192.0.2.1:%u>;+sip.instance=\"<urn:x>\"", port);
	struct sp_binding_init bi = {
	    .aor = sp_str_c(aor),
	    .contact = sp_str_c(contact),
	    .uri = {contact + 1, strcspn(contact + 1, ">")},
	    .instance = sp_str_c("<urn:x>"),
	    .call_id = sp_str_c("call-1@test"),
	    .received = sp_str_c("192.0.2.1:5060"),
	    .transport = sp_str_c("UDP"),
	    .path = path,
	    .npath = 2,
	    .reg_id = 1,
	    .cseq = 7,
	    .q = 500,
	    .expires_at = 2000000000500, /* ms: rounds up to 2000000001 s */
	    .registered_at = 1000,
	};
	assert_int_equal(sp_binding_create(&b, &bi), 0);
	return b;
}

struct rows {
	unsigned n;
	struct sp_store_binding last;
};

static int row_cb(const struct sp_store_binding *b, void *arg)
{
	struct rows *r = arg;
	r->n++;
	r->last = *b;
	return 0;
}

/* Bindings in the store, read through another handle. */
static unsigned stored(struct rows *out)
{
	struct sp_store *s = open_store();
	struct rows r = {0};
	assert_int_equal(sp_store_binding_load_all(s, row_cb, &r), 0);
	sp_store_close(s);
	if (out)
		*out = r;
	return r.n;
}

/* Waits up to ms for the store to hold n bindings; returns the time it
 * took, or fails. */
static int64_t wait_stored(unsigned n, int64_t ms)
{
	int64_t t0 = mono_ms();
	while (stored(NULL) != n) {
		assert_true(mono_ms() - t0 < ms);
		usleep(5000);
	}
	return mono_ms() - t0;
}

static void test_tick_and_order(void **state)
{
	struct sp_store *s = open_store();
	struct sp__bwriter *w = NULL;
	struct sp__bwriter_stats st;
	struct rows r;

	(void)state;
	assert_int_equal(sp__bwriter_create(&w, s, 50, 1000, 100), 0);
	struct sp_binding *a = binding("a@example.com", 1), *b = binding("b@example.com", 2);
	struct sp_binding *c = binding("c@example.com", 3);

	sp__bwriter_change(w, SP_LOC_PUT, a);
	/* Written within a tick or so, well under the 1 s promise. */
	int64_t took = wait_stored(1, 1000);
	assert_true(took < 900);
	stored(&r);
	assert_string_equal(r.last.aor, "a@example.com");
	assert_string_equal(r.last.contact, "<sip:x@192.0.2.1:1>;+sip.instance=\"<urn:x>\"");
	assert_int_equal(r.last.expires_at, 2000000001);
	assert_int_equal(r.last.q, 500);
	assert_string_equal(r.last.call_id, "call-1@test");
	assert_int_equal(r.last.cseq, 7);
	assert_string_equal(r.last.path, "<sip:edge1.example.com;lr>,<sip:edge2.example.com;lr>");
	assert_string_equal(r.last.instance, "<urn:x>");
	assert_int_equal(r.last.reg_id, 1);
	assert_string_equal(r.last.transport, "UDP");
	assert_string_equal(r.last.source, "192.0.2.1:5060");

	/* In order: put then removal of b leaves nothing; removal then put
	 * of c leaves c; a's removal removes it. */
	sp__bwriter_change(w, SP_LOC_PUT, b);
	sp__bwriter_change(w, SP_LOC_REMOVE, b);
	sp__bwriter_change(w, SP_LOC_REMOVE, c);
	sp__bwriter_change(w, SP_LOC_PUT, c);
	sp__bwriter_change(w, SP_LOC_REMOVE, a);
	for (int64_t t0 = mono_ms();;) {
		sp__bwriter_stats(w, &st);
		if (st.written == 6)
			break;
		assert_true(mono_ms() - t0 < 2000);
		usleep(5000);
	}
	assert_int_equal(stored(&r), 1);
	assert_string_equal(r.last.aor, "c@example.com");
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 0);
	assert_true(st.batches >= 2 && st.batches <= 6);
	/* The writer gave its references back. */
	assert_int_equal(sp_binding_nrefs(a), 1);
	assert_int_equal(sp_binding_nrefs(b), 1);
	sp__bwriter_destroy(w);
	assert_int_equal(sp_binding_nrefs(c), 1);
	sp_binding_deref(a);
	sp_binding_deref(b);
	sp_binding_deref(c);
	sp_store_close(s);
}

static void test_high_water_and_stop(void **state)
{
	struct sp_store *s = open_store();
	struct sp__bwriter *w = NULL;
	char aor[64];

	(void)state;
	/* A tick of 60 s: only the high-water mark (10) makes it write. */
	assert_int_equal(sp__bwriter_create(&w, s, 60000, 10, 1000), 0);
	for (unsigned i = 0; i < 9; i++) {
		snprintf(aor, sizeof(aor), "u%u@example.com", i);
		struct sp_binding *b = binding(aor, 5060);
		sp__bwriter_change(w, SP_LOC_PUT, b);
		sp_binding_deref(b);
	}
	usleep(200000);
	assert_int_equal(stored(NULL), 0);
	struct sp_binding *b = binding("u9@example.com", 5060);
	sp__bwriter_change(w, SP_LOC_PUT, b);
	sp_binding_deref(b);
	wait_stored(10, 2000);

	/* Stop writes what is queued, without waiting for the tick. */
	for (unsigned i = 10; i < 15; i++) {
		snprintf(aor, sizeof(aor), "u%u@example.com", i);
		b = binding(aor, 5060);
		sp__bwriter_change(w, SP_LOC_PUT, b);
		sp_binding_deref(b);
	}
	int64_t t0 = mono_ms();
	sp__bwriter_destroy(w);
	assert_true(mono_ms() - t0 < 5000);
	assert_int_equal(stored(NULL), 15);
	sp__bwriter_destroy(NULL);
	sp__bwriter_change(NULL, SP_LOC_PUT, b); /* NULL-safe: nothing */
	sp_store_close(s);
}

/* Another process keeps the write lock past the store's busy timeout
 * (5 s): the batch is kept and written after, and the bound (8) drops
 * what does not fit meanwhile. */
static void test_busy_and_bound(void **state)
{
	struct sp_store *s = open_store();
	struct sp__bwriter *w = NULL;
	struct sp__bwriter_stats st;
	char path[300], aor[64];
	sqlite3 *db;

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, SP_STORE_DB_FILE);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sp__bwriter_create(&w, s, 20, 1000, 8), 0);
	for (unsigned i = 0; i < 10; i++) {
		snprintf(aor, sizeof(aor), "u%u@example.com", i);
		struct sp_binding *b = binding(aor, 5060);
		sp__bwriter_change(w, SP_LOC_PUT, b);
		sp_binding_deref(b);
		if (i == 4)
			usleep(100000); /* the writer takes the first five */
	}
	sp__bwriter_stats(w, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.queued, 8);
	for (int64_t t0 = mono_ms(); st.retries == 0; sp__bwriter_stats(w, &st)) {
		assert_true(mono_ms() - t0 < 8000);
		usleep(20000);
	}
	assert_int_equal(st.written, 0);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	wait_stored(8, 2000);
	sp__bwriter_stats(w, &st);
	assert_int_equal(st.written, 8);
	assert_int_equal(st.queued, 0);
	sp__bwriter_destroy(w);
	sp_store_close(s);
}

static void test_skip_and_enomem(void **state)
{
	struct sp_store *s = open_store();
	struct sp__bwriter *w = NULL, *keep;
	struct sp__bwriter_stats st;
	char *longaor = malloc(SP_STORE_URI_MAX + 16);

	(void)state;
	assert_int_equal(sp__bwriter_create(&w, NULL, 10, 1, 1), -EINVAL);
	assert_int_equal(sp__bwriter_create(&w, s, 0, 1, 1), -EINVAL);
	keep = w = (struct sp__bwriter *)&st;
	sp_mem_fail_after(0);
	assert_int_equal(sp__bwriter_create(&w, s, 10, 1, 1), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_ptr_equal(w, keep);
	assert_int_equal(sp__bwriter_create(&w, s, 10, 1000, 100), 0);

	/* An AOR too long for a store record is skipped alone. */
	assert_non_null(longaor);
	memset(longaor, 'a', SP_STORE_URI_MAX + 8);
	strcpy(longaor + SP_STORE_URI_MAX, "@ex.com");
	struct sp_binding *l = binding(longaor, 1), *ok = binding("ok@example.com", 1);
	sp__bwriter_change(w, SP_LOC_PUT, l);
	sp__bwriter_change(w, SP_LOC_PUT, ok);
	wait_stored(1, 2000);
	for (int64_t t0 = mono_ms();; usleep(5000)) {
		sp__bwriter_stats(w, &st);
		if (st.queued == 0)
			break;
		assert_true(mono_ms() - t0 < 2000);
	}
	assert_int_equal(st.written, 1);
	assert_int_equal(st.dropped, 1);

	/* No memory for a new queue chunk: the change is dropped. */
	usleep(50000); /* the writer is idle: the queue has no chunk */
	sp_mem_fail_after(0);
	sp__bwriter_change(w, SP_LOC_REMOVE, ok);
	sp_mem_fail_after(-1);
	sp__bwriter_stats(w, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.queued, 0);
	sp__bwriter_destroy(w);
	assert_int_equal(stored(NULL), 1);
	assert_int_equal(sp_binding_nrefs(l), 1);
	assert_int_equal(sp_binding_nrefs(ok), 1);
	sp_binding_deref(l);
	sp_binding_deref(ok);
	free(longaor);
	sp_store_close(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
	const struct CMUnitTest tests[] = {
	    T(test_tick_and_order),
	    T(test_high_water_and_stop),
	    T(test_busy_and_bound),
	    T(test_skip_and_enomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
