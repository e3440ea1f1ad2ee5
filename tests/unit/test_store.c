/*
 * The store (src/store, include/siphon/store.h) with its SQLite backend,
 * each test in its own mkdtemp data directory: subscriber and domain CRUD
 * and argument checks, no password anywhere in the database files, location
 * bindings (put, replace, load_all, del, expire), binding batches (in
 * order, all or none, -EBUSY while another connection holds the write
 * lock), data_version (unchanged by the handle's own commits, changed by
 * another handle's), paged subscriber listing, migration of a version 1
 * database, two handles on one file (the CLI beside the running server),
 * the async pool (1000 jobs completing through sp_loop_post on a loop
 * driven by sp_loop_run_once, its threads named, a full queue refusing
 * with -EBUSY) and allocation failure.
 */
#define _GNU_SOURCE /* nftw, memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "siphon/digest.h"
#include "siphon/loop.h"
#include "siphon/mem.h"
#include "siphon/store.h"

/* ---- data directories ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/siphon-store-XXXXXX");
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

/* tmpdir/sub (sub may be NULL) in buf. */
static const char *dir_path(char *buf, size_t size, const char *sub)
{
	snprintf(buf, size, "%s%s%s", tmpdir, sub ? "/" : "", sub ? sub : "");
	return buf;
}

static struct sp_store *open_store(void)
{
	struct sp_store *s = NULL;
	assert_int_equal(sp_store_open(&s, "sqlite", tmpdir), 0);
	assert_non_null(s);
	return s;
}

/* A subscriber with both HA1s of password pw. */
static struct sp_store_subscriber make_sub(const char *user, const char *domain, const char *pw)
{
	struct sp_store_subscriber sub;
	struct sp_digest_hex md5, sha;

	memset(&sub, 0, sizeof(sub));
	snprintf(sub.user, sizeof(sub.user), "%s", user);
	snprintf(sub.domain, sizeof(sub.domain), "%s", domain);
	assert_int_equal(
	    sp_digest_ha1(SP_DIGEST_MD5, sp_str_c(user), sp_str_c(domain), sp_str_c(pw), &md5), 0);
	assert_int_equal(
	    sp_digest_ha1(SP_DIGEST_SHA256, sp_str_c(user), sp_str_c(domain), sp_str_c(pw), &sha),
	    0);
	memcpy(sub.ha1_md5, md5.hex, 32);
	memcpy(sub.ha1_sha256, sha.hex, 64);
	return sub;
}

static int count_cb(const struct sp_store_subscriber *sub, void *arg)
{
	(void)sub;
	(*(unsigned *)arg)++;
	return 0;
}

static unsigned count_subs(struct sp_store *s, const char *domain)
{
	unsigned n = 0;
	assert_int_equal(sp_store_subscriber_list(s, domain, count_cb, &n), 0);
	return n;
}

/* ---- opening ---- */

static void test_open_creates_private_files(void **state)
{
	char path[256], db[300];
	struct sp_store *s = NULL;
	struct stat st;
	int version = 0;

	(void)state;
	dir_path(path, sizeof(path), "a/b");
	assert_int_equal(sp_store_open(&s, "sqlite", path), 0);
	assert_int_equal(sp_store_schema_version(s, &version), 0);
	assert_int_equal(version, SP_STORE_SCHEMA_VERSION);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(db, sizeof(db), "%s/%s", path, SP_STORE_DB_FILE);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	sp_store_close(s);

	struct sp_store *keep = (struct sp_store *)&st;
	s = keep;
	assert_int_equal(sp_store_open(&s, "redis", path), -ENOTSUP);
	assert_ptr_equal(s, keep);
	/* A file where the directory should be. */
	assert_int_equal(sp_store_open(&s, "sqlite", db), -ENOTDIR);
	assert_ptr_equal(s, keep);
	sp_store_close(NULL);
}

/* ---- subscribers ---- */

static void test_subscriber_crud(void **state)
{
	struct sp_store *s = open_store();
	struct sp_store_subscriber got, sub = make_sub("alice", "example.com", "pw1");

	(void)state;
	assert_int_equal(sp_store_subscriber_get(s, "alice", "example.com", &got), -ENOENT);
	assert_int_equal(sp_store_subscriber_put(s, &sub, false), 0);
	assert_int_equal(sp_store_subscriber_put(s, &sub, false), -EEXIST);
	assert_int_equal(sp_store_subscriber_get(s, "alice", "example.com", &got), 0);
	assert_string_equal(got.user, "alice");
	assert_string_equal(got.domain, "example.com");
	assert_string_equal(got.ha1_md5, sub.ha1_md5);
	assert_string_equal(got.ha1_sha256, sub.ha1_sha256);
	assert_true(got.created_at > 1600000000);
	/* The user part is case-sensitive (RFC 3261 §19.1.4). */
	assert_int_equal(sp_store_subscriber_get(s, "Alice", "example.com", &got), -ENOENT);

	/* passwd: replace keeps the row, changes the HA1s. */
	struct sp_store_subscriber sub2 = make_sub("alice", "example.com", "pw2");
	assert_int_equal(sp_store_subscriber_put(s, &sub2, true), 0);
	assert_int_equal(sp_store_subscriber_get(s, "alice", "example.com", &got), 0);
	assert_string_equal(got.ha1_md5, sub2.ha1_md5);
	assert_string_not_equal(got.ha1_md5, sub.ha1_md5);

	struct sp_store_subscriber bob = make_sub("bob", "example.com", "x");
	struct sp_store_subscriber carol = make_sub("carol", "other.org", "x");
	assert_int_equal(sp_store_subscriber_put(s, &bob, false), 0);
	assert_int_equal(sp_store_subscriber_put(s, &carol, false), 0);
	assert_int_equal(count_subs(s, NULL), 3);
	assert_int_equal(count_subs(s, "example.com"), 2);
	assert_int_equal(count_subs(s, "nowhere"), 0);

	assert_int_equal(sp_store_subscriber_del(s, "alice", "example.com"), 0);
	assert_int_equal(sp_store_subscriber_del(s, "alice", "example.com"), -ENOENT);
	assert_int_equal(count_subs(s, NULL), 2);

	/* MD5 only (an import from an older store) is allowed; neither is not. */
	struct sp_store_subscriber bad = make_sub("dave", "example.com", "x");
	bad.ha1_sha256[0] = '\0';
	assert_int_equal(sp_store_subscriber_put(s, &bad, false), 0);
	bad.ha1_md5[0] = '\0';
	assert_int_equal(sp_store_subscriber_put(s, &bad, true), -EINVAL);
	bad = make_sub("erin", "example.com", "x");
	bad.ha1_md5[3] = 'G';
	assert_int_equal(sp_store_subscriber_put(s, &bad, false), -EINVAL);
	bad = make_sub("erin", "example.com", "x");
	bad.ha1_md5[3] = 'A'; /* lowercase hex only */
	assert_int_equal(sp_store_subscriber_put(s, &bad, false), -EINVAL);
	bad = make_sub("erin", "Example.com", "x");
	assert_int_equal(sp_store_subscriber_put(s, &bad, false), -EINVAL);
	bad = make_sub("", "example.com", "x");
	assert_int_equal(sp_store_subscriber_put(s, &bad, false), -EINVAL);
	bad = make_sub("erin", "example.com", "x");
	memset(bad.user, 'u', sizeof(bad.user)); /* no NUL */
	assert_int_equal(sp_store_subscriber_put(s, &bad, false), -ENAMETOOLONG);
	assert_int_equal(sp_store_subscriber_put(s, NULL, false), -EINVAL);
	sp_store_close(s);
}

static int stop_at_two(const struct sp_store_subscriber *sub, void *arg)
{
	(void)sub;
	return ++*(unsigned *)arg == 2 ? 42 : 0;
}

static void test_subscriber_list_stops(void **state)
{
	struct sp_store *s = open_store();
	unsigned n = 0;

	(void)state;
	for (int i = 0; i < 5; i++) {
		char u[16];
		snprintf(u, sizeof(u), "u%d", i);
		struct sp_store_subscriber sub = make_sub(u, "d", "p");
		assert_int_equal(sp_store_subscriber_put(s, &sub, false), 0);
	}
	assert_int_equal(sp_store_subscriber_list(s, NULL, stop_at_two, &n), 42);
	assert_int_equal(n, 2);
	/* The statement was reset: the next list sees everything. */
	assert_int_equal(count_subs(s, NULL), 5);
	sp_store_close(s);
}

struct gen {
	unsigned i, n;
	int fail_at; /* -1: never; else index returning -EIO; */
	bool bad_at_end;
};

static int gen_next(struct sp_store_subscriber *sub, void *arg)
{
	struct gen *g = arg;
	char u[32];

	if ((int)g->i == g->fail_at)
		return -EIO;
	if (g->i == g->n)
		return 0;
	snprintf(u, sizeof(u), "load%05u", g->i++);
	*sub = make_sub(u, "bench.test", "pw");
	if (g->bad_at_end && g->i == g->n)
		sub->ha1_md5[0] = 'z';
	return 1;
}

static void test_subscriber_import(void **state)
{
	struct sp_store *s = open_store();
	size_t count = 99;

	(void)state;
	struct gen g = {.n = 1000, .fail_at = -1};
	assert_int_equal(sp_store_subscriber_import(s, gen_next, &g, &count), 0);
	assert_int_equal(count, 1000);
	assert_int_equal(count_subs(s, "bench.test"), 1000);

	/* All or nothing: a failing source or an invalid record rolls back. */
	assert_int_equal(sp_store_subscriber_del(s, "load00007", "bench.test"), 0);
	g = (struct gen){.n = 1000, .fail_at = 500};
	assert_int_equal(sp_store_subscriber_import(s, gen_next, &g, &count), -EIO);
	assert_int_equal(count, 0);
	assert_int_equal(count_subs(s, "bench.test"), 999);
	g = (struct gen){.n = 20, .fail_at = -1, .bad_at_end = true};
	assert_int_equal(sp_store_subscriber_import(s, gen_next, &g, &count), -EINVAL);
	assert_int_equal(count_subs(s, "bench.test"), 999);
	struct sp_store_subscriber got;
	assert_int_equal(sp_store_subscriber_get(s, "load00007", "bench.test", &got), -ENOENT);
	sp_store_close(s);
}

/* ---- no plaintext ---- */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	*len = 0;
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t n = fread(buf + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return buf;
}

/* True if needle occurs in tmpdir/siphon.db or its -wal file. */
static bool db_contains(const char *needle)
{
	const char *const files[] = {SP_STORE_DB_FILE, SP_STORE_DB_FILE "-wal"};
	char path[300];
	bool found = false;

	for (size_t i = 0; i < 2; i++) {
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		char *buf = read_all(path, &len);
		if (buf && memmem(buf, len, needle, strlen(needle)))
			found = true;
		free(buf);
	}
	return found;
}

static void test_no_plaintext(void **state)
{
	const char *pw = "Pl41n-T3xt-Secret!";
	struct sp_store *s = open_store();
	struct sp_store_subscriber sub = make_sub("alice", "example.com", pw);

	(void)state;
	assert_int_equal(sp_store_subscriber_put(s, &sub, false), 0);
	sub = make_sub("alice", "example.com", pw); /* passwd to the same */
	assert_int_equal(sp_store_subscriber_put(s, &sub, true), 0);
	/* While open (WAL holds the rows) and after close (checkpointed). */
	assert_true(db_contains(sub.ha1_sha256)); /* the scan does find rows */
	assert_false(db_contains(pw));
	sp_store_close(s);
	assert_true(db_contains(sub.ha1_md5));
	assert_false(db_contains(pw));
}

/* ---- domains ---- */

static int dom_cb(const struct sp_store_domain *d, void *arg)
{
	char *out = arg;
	strcat(out, d->name);
	strcat(out, d->auth == SP_STORE_AUTH_NONE ? ":none " : ":digest ");
	return 0;
}

static void test_domain_crud(void **state)
{
	struct sp_store *s = open_store();
	struct sp_store_domain d = {.name = "Example.COM"}, got;
	char list[256] = "";
	enum sp_store_auth a;

	(void)state;
	assert_int_equal(sp_store_domain_put(s, &d, false), 0);
	assert_int_equal(sp_store_domain_put(s, &d, false), -EEXIST);
	assert_int_equal(sp_store_domain_get(s, "example.com", &got), 0);
	assert_string_equal(got.name, "example.com");
	assert_int_equal(got.auth, SP_STORE_AUTH_DIGEST);
	assert_int_equal(sp_store_domain_get(s, "EXAMPLE.com", &got), 0);
	d = (struct sp_store_domain){.name = "lab.test", .auth = SP_STORE_AUTH_NONE};
	assert_int_equal(sp_store_domain_put(s, &d, false), 0);
	d = (struct sp_store_domain){.name = "example.com", .auth = SP_STORE_AUTH_NONE};
	assert_int_equal(sp_store_domain_put(s, &d, true), 0);
	assert_int_equal(sp_store_domain_list(s, dom_cb, list), 0);
	assert_string_equal(list, "example.com:none lab.test:none ");
	assert_int_equal(sp_store_domain_del(s, "lab.test"), 0);
	assert_int_equal(sp_store_domain_del(s, "lab.test"), -ENOENT);
	assert_int_equal(sp_store_domain_get(s, "lab.test", &got), -ENOENT);
	d.auth = (enum sp_store_auth)7;
	assert_int_equal(sp_store_domain_put(s, &d, true), -EINVAL);

	assert_int_equal(sp_store_auth_parse("none", &a), 0);
	assert_int_equal(a, SP_STORE_AUTH_NONE);
	assert_int_equal(sp_store_auth_parse("digest", &a), 0);
	assert_int_equal(a, SP_STORE_AUTH_DIGEST);
	assert_int_equal(sp_store_auth_parse("basic", &a), -EINVAL);
	assert_string_equal(sp_store_auth_name(SP_STORE_AUTH_NONE), "none");
	sp_store_close(s);
}

/* ---- bindings ---- */

static struct sp_store_binding make_binding(const char *aor, const char *contact, int64_t exp)
{
	struct sp_store_binding b;
	memset(&b, 0, sizeof(b));
	snprintf(b.aor, sizeof(b.aor), "%s", aor);
	snprintf(b.contact, sizeof(b.contact), "%s", contact);
	b.expires_at = exp;
	b.q = -1;
	return b;
}

struct bind_list {
	unsigned n;
	struct sp_store_binding v[8];
};

static int bind_cb(const struct sp_store_binding *b, void *arg)
{
	struct bind_list *l = arg;
	assert_true(l->n < 8);
	l->v[l->n++] = *b;
	return 0;
}

static void test_bindings(void **state)
{
	struct sp_store *s = open_store();
	struct bind_list l = {0};

	(void)state;
	struct sp_store_binding b =
	    make_binding("sip:alice@example.com",
			 "<sip:alice@192.0.2.1:5060;ob>;+sip.instance="
			 "\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"",
			 2000000000);
	b.q = 700;
	snprintf(b.call_id, sizeof(b.call_id), "a84b4c76e66710");
	b.cseq = 314159;
	snprintf(b.path, sizeof(b.path), "<sip:edge.example.com;lr>");
	snprintf(b.instance, sizeof(b.instance), "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>");
	b.reg_id = 1;
	snprintf(b.transport, sizeof(b.transport), "tcp");
	snprintf(b.source, sizeof(b.source), "192.0.2.1:49152");
	snprintf(b.user_agent, sizeof(b.user_agent), "siphon-test/1.0");
	assert_int_equal(sp_store_binding_put(s, &b), 0);
	struct sp_store_binding b2 =
	    make_binding("sip:alice@example.com", "sip:alice@[2001:db8::1]", 1000);
	assert_int_equal(sp_store_binding_put(s, &b2), 0);
	struct sp_store_binding b3 = make_binding("sip:bob@example.com", "sip:bob@192.0.2.2", 3000);
	assert_int_equal(sp_store_binding_put(s, &b3), 0);

	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), 0);
	assert_int_equal(l.n, 3);
	/* Ordered by aor then contact: "<sip:..." sorts before "sip:...". */
	assert_string_equal(l.v[0].contact, b.contact);
	assert_string_equal(l.v[0].aor, b.aor);
	assert_int_equal(l.v[0].expires_at, 2000000000);
	assert_int_equal(l.v[0].q, 700);
	assert_string_equal(l.v[0].call_id, b.call_id);
	assert_int_equal(l.v[0].cseq, 314159);
	assert_string_equal(l.v[0].path, b.path);
	assert_string_equal(l.v[0].instance, b.instance);
	assert_int_equal(l.v[0].reg_id, 1);
	assert_string_equal(l.v[0].transport, "tcp");
	assert_string_equal(l.v[0].source, "192.0.2.1:49152");
	assert_string_equal(l.v[0].user_agent, "siphon-test/1.0");
	assert_true(l.v[0].updated_at > 1600000000);
	assert_int_equal(l.v[1].q, -1);
	assert_string_equal(l.v[2].aor, "sip:bob@example.com");

	/* A refresh replaces the row (same aor and contact). */
	b.cseq = 314160;
	b.expires_at = 2000003600;
	assert_int_equal(sp_store_binding_put(s, &b), 0);
	l.n = 0;
	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].cseq, 314160);
	assert_int_equal(l.v[0].expires_at, 2000003600);

	/* Survives a restart (close and reopen). */
	sp_store_close(s);
	s = open_store();
	l.n = 0;
	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), 0);
	assert_int_equal(l.n, 3);

	size_t n = 99;
	assert_int_equal(sp_store_binding_expire(s, 1000, &n), 0);
	assert_int_equal(n, 1); /* b2 */
	assert_int_equal(
	    sp_store_binding_del(s, "sip:alice@example.com", "sip:alice@[2001:db8::1]"), -ENOENT);
	assert_int_equal(sp_store_binding_del(s, "sip:bob@example.com", "sip:bob@192.0.2.2"), 0);
	assert_int_equal(sp_store_binding_put(s, &b3), 0);
	assert_int_equal(sp_store_binding_del(s, "sip:bob@example.com", NULL), 0);
	assert_int_equal(sp_store_binding_del(s, "sip:bob@example.com", NULL), -ENOENT);
	l.n = 0;
	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), 0);
	assert_int_equal(l.n, 1);

	b3.q = 1001;
	assert_int_equal(sp_store_binding_put(s, &b3), -EINVAL);
	b3 = make_binding("sip:bob@example.com", "", 1);
	assert_int_equal(sp_store_binding_put(s, &b3), -EINVAL);
	sp_store_close(s);
}

/* ---- binding batches ---- */

struct batch_src {
	const struct sp_store_binding_op *ops;
	unsigned n, i;
	int fail_at; /* return -ECANCELED at this index; -1: never */
};

static int batch_next(struct sp_store_binding_op *op, void *arg)
{
	struct batch_src *src = arg;
	if ((int)src->i == src->fail_at)
		return -ECANCELED;
	if (src->i == src->n)
		return 0;
	*op = src->ops[src->i++];
	return 1;
}

static struct sp_store_binding_op put_op(const char *aor, const char *contact, int64_t exp)
{
	struct sp_store_binding_op op = {.kind = SP_STORE_BINDING_PUT};
	op.b = make_binding(aor, contact, exp);
	return op;
}

static struct sp_store_binding_op del_op(const char *aor, const char *contact)
{
	struct sp_store_binding_op op = {.kind = SP_STORE_BINDING_DEL};
	snprintf(op.b.aor, sizeof(op.b.aor), "%s", aor);
	snprintf(op.b.contact, sizeof(op.b.contact), "%s", contact);
	return op;
}

static void test_binding_batch(void **state)
{
	struct sp_store *s = open_store();
	struct bind_list l = {0};
	size_t n = 99;
	static struct sp_store_binding_op ops[6];

	(void)state;
	/* In order: a put, its refresh, a delete of a row that never existed
	 * (no error), a put then its delete, another put. */
	ops[0] = put_op("a@example.com", "sip:a@192.0.2.1", 1000);
	ops[1] = put_op("a@example.com", "sip:a@192.0.2.1", 2000);
	ops[2] = del_op("z@example.com", "sip:z@192.0.2.9");
	ops[3] = put_op("b@example.com", "sip:b@192.0.2.2", 1000);
	ops[4] = del_op("b@example.com", "sip:b@192.0.2.2");
	ops[5] = put_op("c@example.com", "sip:c@192.0.2.3", 3000);
	struct batch_src src = {.ops = ops, .n = 6, .fail_at = -1};
	assert_int_equal(sp_store_binding_batch(s, batch_next, &src, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].aor, "a@example.com");
	assert_int_equal(l.v[0].expires_at, 2000);
	assert_string_equal(l.v[1].aor, "c@example.com");

	/* All or none: an error from the source, or an invalid record,
	 * halfway writes nothing. */
	ops[0] = del_op("a@example.com", "sip:a@192.0.2.1");
	ops[1] = put_op("d@example.com", "sip:d@192.0.2.4", 1000);
	src = (struct batch_src){.ops = ops, .n = 2, .fail_at = 2};
	n = 99;
	assert_int_equal(sp_store_binding_batch(s, batch_next, &src, &n), -ECANCELED);
	assert_int_equal(n, 0);
	ops[2] = put_op("e@example.com", "sip:e@192.0.2.5", 1000);
	ops[2].b.q = 2000;
	src = (struct batch_src){.ops = ops, .n = 3, .fail_at = -1};
	assert_int_equal(sp_store_binding_batch(s, batch_next, &src, NULL), -EINVAL);
	ops[2] = del_op("e@example.com", "");
	src = (struct batch_src){.ops = ops, .n = 3, .fail_at = -1};
	assert_int_equal(sp_store_binding_batch(s, batch_next, &src, NULL), -EINVAL);
	ops[2].kind = 7;
	src = (struct batch_src){.ops = ops, .n = 3, .fail_at = -1};
	assert_int_equal(sp_store_binding_batch(s, batch_next, &src, NULL), -EINVAL);
	l.n = 0;
	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].aor, "a@example.com");

	/* An empty batch commits nothing, fine. */
	src = (struct batch_src){.ops = ops, .n = 0, .fail_at = -1};
	assert_int_equal(sp_store_binding_batch(s, batch_next, &src, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(sp_store_binding_batch(s, NULL, &src, &n), -EINVAL);
	assert_int_equal(sp_store_binding_batch(NULL, batch_next, &src, &n), -EINVAL);
	sp_store_close(s);
}

/* Another process holds the write lock beyond the busy timeout: -EBUSY,
 * nothing written, and the same batch goes through afterwards. */
static void test_binding_batch_busy(void **state)
{
	struct sp_store *s = open_store();
	struct bind_list l = {0};
	char path[300];
	sqlite3 *db;
	static struct sp_store_binding_op ops[1];

	(void)state;
	ops[0] = put_op("a@example.com", "sip:a@192.0.2.1", 1000);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, SP_STORE_DB_FILE);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	struct batch_src src = {.ops = ops, .n = 1, .fail_at = -1};
	assert_int_equal(sp_store_binding_batch(s, batch_next, &src, NULL), -EBUSY);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), 0);
	assert_int_equal(l.n, 0);
	src = (struct batch_src){.ops = ops, .n = 1, .fail_at = -1};
	assert_int_equal(sp_store_binding_batch(s, batch_next, &src, NULL), 0);
	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), 0);
	assert_int_equal(l.n, 1);
	sp_store_close(s);
}

/* ---- change detection ---- */

static void test_data_version(void **state)
{
	struct sp_store *server = open_store(), *cli = open_store();
	uint64_t v0, v;
	static struct sp_store_binding_op ops[1];

	(void)state;
	assert_int_equal(sp_store_data_version(server, &v0), 0);
	/* The server's own writes (bindings, even subscribers) and reads
	 * leave its data_version alone... */
	struct sp_store_subscriber a = make_sub("alice", "example.com", "p");
	assert_int_equal(sp_store_subscriber_put(server, &a, false), 0);
	struct sp_store_binding b = make_binding("a@example.com", "sip:a@192.0.2.1", 1000);
	assert_int_equal(sp_store_binding_put(server, &b), 0);
	ops[0] = put_op("b@example.com", "sip:b@192.0.2.2", 1000);
	struct batch_src src = {.ops = ops, .n = 1, .fail_at = -1};
	assert_int_equal(sp_store_binding_batch(server, batch_next, &src, NULL), 0);
	struct sp_store_subscriber got;
	assert_int_equal(sp_store_subscriber_get(server, "alice", "example.com", &got), 0);
	assert_int_equal(sp_store_data_version(server, &v), 0);
	assert_true(v == v0);
	/* ... another handle's reads too ... */
	assert_int_equal(sp_store_subscriber_get(cli, "alice", "example.com", &got), 0);
	assert_int_equal(count_subs(cli, NULL), 1);
	assert_int_equal(sp_store_data_version(server, &v), 0);
	assert_true(v == v0);
	/* ... but its commits change it (`siphon user passwd` beside the
	 * running server), every time. */
	struct sp_store_subscriber a2 = make_sub("alice", "example.com", "new");
	assert_int_equal(sp_store_subscriber_put(cli, &a2, true), 0);
	assert_int_equal(sp_store_data_version(server, &v), 0);
	assert_true(v != v0);
	v0 = v;
	assert_int_equal(sp_store_data_version(server, &v), 0);
	assert_true(v == v0);
	assert_int_equal(sp_store_subscriber_del(cli, "alice", "example.com"), 0);
	assert_int_equal(sp_store_data_version(server, &v), 0);
	assert_true(v != v0);
	assert_int_equal(sp_store_data_version(NULL, &v), -EINVAL);
	assert_int_equal(sp_store_data_version(server, NULL), -EINVAL);
	sp_store_close(cli);
	sp_store_close(server);
}

/* ---- paged listing ---- */

struct page_ctx {
	char last[SP_STORE_USER_MAX];
	unsigned seen, stop_after;
};

static int page_cb(const struct sp_store_subscriber *sub, void *arg)
{
	struct page_ctx *p = arg;
	assert_true(strcmp(sub->user, p->last) > 0); /* ordered, no repeat */
	assert_string_equal(sub->domain, "example.com");
	snprintf(p->last, sizeof(p->last), "%s", sub->user);
	p->seen++;
	return p->stop_after && p->seen == p->stop_after ? 42 : 0;
}

static int import_n(struct sp_store_subscriber *sub, void *arg)
{
	unsigned *i = arg;
	if (*i == 0)
		return 0;
	char u[32];
	snprintf(u, sizeof(u), "user%04u", --*i);
	*sub = make_sub(u, *i % 2 ? "example.com" : "example.org", "p");
	return 1;
}

static void test_subscriber_page(void **state)
{
	struct sp_store *s = open_store();
	unsigned left = 1000;
	size_t n = 0, got;
	struct page_ctx p = {.seen = 0};

	(void)state;
	assert_int_equal(sp_store_subscriber_import(s, import_n, &left, &n), 0);
	assert_int_equal(n, 1000);
	/* 500 in example.com, in pages of 64: 7 full pages and one of 52. */
	unsigned pages = 0;
	do {
		assert_int_equal(
		    sp_store_subscriber_page(s, "example.com", p.last, 64, page_cb, &p, &got), 0);
		pages++;
	} while (got == 64);
	assert_int_equal(pages, 8);
	assert_int_equal(p.seen, 500);
	assert_int_equal(got, 500 - 7 * 64);
	/* After the last one: nothing. NULL after: from the start. */
	assert_int_equal(sp_store_subscriber_page(s, "example.com", p.last, 64, page_cb, &p, &got),
			 0);
	assert_int_equal(got, 0);
	p = (struct page_ctx){.stop_after = 3};
	assert_int_equal(sp_store_subscriber_page(s, "example.com", NULL, 64, page_cb, &p, &got),
			 42);
	assert_int_equal(got, 3);
	assert_string_equal(p.last, "user0005");
	assert_int_equal(sp_store_subscriber_page(s, "example.com", NULL, 0, page_cb, &p, &got),
			 -EINVAL);
	assert_int_equal(sp_store_subscriber_page(s, NULL, NULL, 1, page_cb, &p, &got), -EINVAL);
	assert_int_equal(sp_store_subscriber_page(s, "example.com", NULL, 1, NULL, &p, &got),
			 -EINVAL);
	sp_store_close(s);
}

/* ---- migration ---- */

/* A database as siphon wrote it at schema version 1. */
static void write_v1_db(int version)
{
	char path[300];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, SP_STORE_DB_FILE);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[2048];
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE siphon_schema(version INTEGER NOT NULL);"
		 "INSERT INTO siphon_schema(version) VALUES (%d);"
		 "CREATE TABLE subscribers(user TEXT NOT NULL, domain TEXT NOT NULL,"
		 "  ha1_md5 TEXT NOT NULL, ha1_sha256 TEXT NOT NULL, created_at INTEGER NOT NULL,"
		 "  PRIMARY KEY (domain, user)) WITHOUT ROWID;"
		 "CREATE TABLE domains(name TEXT NOT NULL PRIMARY KEY,"
		 "  auth TEXT NOT NULL DEFAULT 'digest' CHECK (auth IN ('digest', 'none')),"
		 "  created_at INTEGER NOT NULL) WITHOUT ROWID;"
		 "INSERT INTO subscribers VALUES ('old', 'example.com',"
		 "  '0123456789abcdef0123456789abcdef',"
		 "  '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 1);"
		 "INSERT INTO domains VALUES ('example.com', 'none', 1);",
		 version);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_migrate_from_v1(void **state)
{
	struct sp_store_subscriber got;
	struct sp_store_domain dom;
	int version = 0;

	(void)state;
	write_v1_db(1);
	struct sp_store *s = open_store();
	assert_int_equal(sp_store_schema_version(s, &version), 0);
	assert_int_equal(version, 2);
	assert_int_equal(sp_store_subscriber_get(s, "old", "example.com", &got), 0);
	assert_string_equal(got.ha1_md5, "0123456789abcdef0123456789abcdef");
	assert_int_equal(got.created_at, 1);
	assert_int_equal(sp_store_domain_get(s, "example.com", &dom), 0);
	assert_int_equal(dom.auth, SP_STORE_AUTH_NONE);
	struct sp_store_binding b = make_binding("sip:old@example.com", "sip:old@192.0.2.9", 5);
	assert_int_equal(sp_store_binding_put(s, &b), 0); /* the v2 table exists */
	sp_store_close(s);
	/* Reopening a current database changes nothing. */
	s = open_store();
	assert_int_equal(sp_store_schema_version(s, &version), 0);
	assert_int_equal(version, 2);
	sp_store_close(s);
}

static void test_refuses_newer_schema(void **state)
{
	struct sp_store *s = NULL;

	(void)state;
	write_v1_db(SP_STORE_SCHEMA_VERSION + 1);
	assert_int_equal(sp_store_open(&s, "sqlite", tmpdir), -ENOTSUP);
	assert_null(s);
}

/* ---- two handles on one file ---- */

struct two {
	struct sp_store *other;
	unsigned rows;
	int put_rc;
};

/* Called while handle a reads: handle b writes (WAL: readers never block
 * the writer). */
static int write_from_other(const struct sp_store_subscriber *sub, void *arg)
{
	struct two *t = arg;
	(void)sub;
	if (t->rows++ == 0) {
		struct sp_store_subscriber x = make_sub("during", "example.com", "p");
		t->put_rc = sp_store_subscriber_put(t->other, &x, false);
	}
	return 0;
}

static void test_two_handles(void **state)
{
	struct sp_store *cli = open_store(), *server = open_store();
	struct sp_store_subscriber got;

	(void)state;
	struct sp_store_subscriber a = make_sub("alice", "example.com", "p");
	assert_int_equal(sp_store_subscriber_put(cli, &a, false), 0);
	assert_int_equal(sp_store_subscriber_get(server, "alice", "example.com", &got), 0);
	struct sp_store_subscriber b = make_sub("bob", "example.com", "p");
	assert_int_equal(sp_store_subscriber_put(server, &b, false), 0);
	assert_int_equal(sp_store_subscriber_get(cli, "bob", "example.com", &got), 0);
	assert_int_equal(sp_store_subscriber_put(server, &a, false), -EEXIST);

	struct two t = {.other = cli};
	assert_int_equal(sp_store_subscriber_list(server, NULL, write_from_other, &t), 0);
	assert_int_equal(t.put_rc, 0);
	assert_int_equal(t.rows, 2); /* the reader's snapshot predates the write */
	assert_int_equal(count_subs(server, NULL), 3);

	/* Deleted by one, gone for the other. */
	assert_int_equal(sp_store_subscriber_del(cli, "alice", "example.com"), 0);
	assert_int_equal(sp_store_subscriber_get(server, "alice", "example.com", &got), -ENOENT);
	sp_store_close(cli);
	sp_store_close(server);
}

/* ---- async pool ---- */

struct async_ctx {
	pthread_t loop_thread;
	atomic_uint done;
	unsigned wrong_thread, failed;
};

struct put_job {
	struct async_ctx *ctx;
	struct sp_store_subscriber sub;
	int result;
};

static int put_work(struct sp_store *s, void *arg)
{
	struct put_job *j = arg;
	return sp_store_subscriber_put(s, &j->sub, false);
}

static void put_done(int result, void *arg)
{
	struct put_job *j = arg;
	if (!pthread_equal(pthread_self(), j->ctx->loop_thread))
		j->ctx->wrong_thread++;
	if (result)
		j->ctx->failed++;
	j->result = result;
	atomic_fetch_add(&j->ctx->done, 1);
}

/* Threads of this process whose name is name (/proc/self/task/N/comm). */
static unsigned threads_named(const char *name)
{
	unsigned n = 0;
	struct dirent *e;
	DIR *d = opendir("/proc/self/task");

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], comm[32] = "";
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		n += strcmp(comm, name) == 0;
	}
	closedir(d);
	return n;
}

static void test_async_1000_jobs(void **state)
{
	enum { N = 1000 };
	struct sp_store *s = open_store();
	struct sp_loop *loop = NULL;
	struct sp_store_async *a = NULL;
	struct async_ctx ctx = {.loop_thread = pthread_self()};
	struct put_job *jobs = calloc(N, sizeof(*jobs));

	(void)state;
	assert_non_null(jobs);
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	assert_int_equal(sp_store_async_create(&a, s, 2, N), 0);
	sp_store_async_set_name(a, "sp-test-pool-with-a-long-name");
	assert_int_equal(threads_named("sp-test-pool-wi"), 2); /* 15 bytes kept */
	sp_store_async_set_name(NULL, "x");
	for (unsigned i = 0; i < N; i++) {
		char u[32];
		snprintf(u, sizeof(u), "async%04u", i);
		jobs[i].ctx = &ctx;
		jobs[i].sub = make_sub(u, "example.com", "p");
		jobs[i].result = 1;
		assert_int_equal(sp_store_async_submit(a, loop, put_work, put_done, &jobs[i]), 0);
	}
	for (int spins = 0; atomic_load(&ctx.done) < N && spins < 10000; spins++)
		assert_int_equal(sp_loop_run_once(loop, 100), 0);
	assert_int_equal(atomic_load(&ctx.done), N);
	assert_int_equal(ctx.wrong_thread, 0);
	assert_int_equal(ctx.failed, 0);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(jobs[i].result, 0);
	assert_int_equal(sp_store_async_pending(a), 0);
	assert_int_equal(count_subs(s, "example.com"), N);

	/* The same user again: the error comes back through done. */
	jobs[0].result = 1;
	assert_int_equal(sp_store_async_submit(a, loop, put_work, put_done, &jobs[0]), 0);
	while (atomic_load(&ctx.done) < N + 1)
		assert_int_equal(sp_loop_run_once(loop, 100), 0);
	assert_int_equal(jobs[0].result, -EEXIST);

	assert_int_equal(sp_store_async_submit(a, NULL, put_work, put_done, &jobs[0]), -EINVAL);
	assert_int_equal(sp_store_async_submit(a, loop, NULL, put_done, &jobs[0]), -EINVAL);
	sp_store_async_destroy(a);
	sp_loop_destroy(loop);
	sp_store_close(s);
	free(jobs);
}

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open, entered;
};

static int wait_gate(struct sp_store *s, void *arg)
{
	struct gate *g = arg;
	(void)s;
	pthread_mutex_lock(&g->lock);
	g->entered = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	return 7;
}

static int nop_work(struct sp_store *s, void *arg)
{
	(void)s;
	(*(atomic_uint *)arg)++;
	return 0;
}

static void count_done(int result, void *arg)
{
	assert_int_equal(result, 0);
	(void)arg;
}

static void test_async_queue_full(void **state)
{
	struct sp_store *s = open_store();
	struct sp_loop *loop = NULL;
	struct sp_store_async *a = NULL;
	struct gate g = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	atomic_uint ran = 0;

	(void)state;
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	assert_int_equal(sp_store_async_create(&a, s, 1, 4), 0);
	/* The one thread blocks in the first job; three more fill the queue. */
	assert_int_equal(sp_store_async_submit(a, NULL, wait_gate, NULL, &g), 0);
	pthread_mutex_lock(&g.lock);
	while (!g.entered)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sp_store_async_submit(a, loop, nop_work, count_done, &ran), 0);
	assert_int_equal(sp_store_async_pending(a), 4);
	assert_int_equal(sp_store_async_submit(a, loop, nop_work, count_done, &ran), -EBUSY);
	assert_int_equal(sp_store_async_pending(a), 4);

	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	while (sp_store_async_pending(a) > 0)
		assert_int_equal(sp_loop_run_once(loop, 10), 0);
	assert_int_equal(atomic_load(&ran), 3);
	/* Room again. */
	assert_int_equal(sp_store_async_submit(a, loop, nop_work, count_done, &ran), 0);
	/* destroy runs what is queued; its completion is left for the loop. */
	sp_store_async_destroy(a);
	assert_int_equal(atomic_load(&ran), 4);
	sp_loop_run_once(loop, 0);
	sp_loop_destroy(loop);
	sp_store_close(s);
}

/* ---- allocation failure ---- */

static void test_enomem(void **state)
{
	struct sp_store *s = NULL, *keep;
	struct sp_store_async *a = NULL;
	atomic_uint ran = 0;

	(void)state;
	keep = (struct sp_store *)&ran;
	for (long n = 0; n < 2; n++) {
		s = keep;
		sp_mem_fail_after(n);
		assert_int_equal(sp_store_open(&s, "sqlite", tmpdir), -ENOMEM);
		sp_mem_fail_after(-1);
		assert_ptr_equal(s, keep);
	}
	s = open_store();

	sp_mem_fail_after(0);
	assert_int_equal(sp_store_async_create(&a, s, 1, 8), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_null(a);
	assert_int_equal(sp_store_async_create(&a, s, 1, 8), 0);
	sp_mem_fail_after(0);
	assert_int_equal(sp_store_async_submit(a, NULL, nop_work, NULL, &ran), -ENOMEM);
	sp_mem_fail_after(-1);
	assert_int_equal(sp_store_async_pending(a), 0);

	/* load_all's row buffer. */
	struct bind_list l = {0};
	sp_mem_fail_after(0);
	assert_int_equal(sp_store_binding_load_all(s, bind_cb, &l), -ENOMEM);
	sp_mem_fail_after(-1);

	sp_store_async_destroy(a);
	sp_store_close(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
	const struct CMUnitTest tests[] = {
	    T(test_open_creates_private_files),
	    T(test_subscriber_crud),
	    T(test_subscriber_list_stops),
	    T(test_subscriber_import),
	    T(test_no_plaintext),
	    T(test_domain_crud),
	    T(test_bindings),
	    T(test_migrate_from_v1),
	    T(test_refuses_newer_schema),
	    T(test_two_handles),
	    T(test_binding_batch),
	    T(test_binding_batch_busy),
	    T(test_data_version),
	    T(test_subscriber_page),
	    T(test_async_1000_jobs),
	    T(test_async_queue_full),
	    T(test_enomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
