/*
 * The SQLite backend of the store (DESIGN.md §6, docs/store.md): one
 * database file, SP_STORE_DB_FILE, in the data directory, in WAL mode so
 * readers never wait for the writer, with a busy timeout so that the CLI
 * and a running server can share it. Every statement is prepared once,
 * on first use, and kept for the life of the handle. One mutex serializes
 * the calls on a handle (cached statements are per connection), so the
 * async pool's threads may share it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "siphon/mem.h"

#include "store_int.h"

#define BUSY_TIMEOUT_MS 5000

enum stmt_id {
	ST_SUB_GET,
	ST_SUB_INSERT,
	ST_SUB_UPSERT,
	ST_SUB_DEL,
	ST_SUB_LIST,
	ST_SUB_LIST_DOMAIN,
	ST_SUB_PAGE,
	ST_DOM_GET,
	ST_DOM_INSERT,
	ST_DOM_UPSERT,
	ST_DOM_DEL,
	ST_DOM_LIST,
	ST_BIND_UPSERT,
	ST_BIND_DEL,
	ST_BIND_DEL_AOR,
	ST_BIND_EXPIRE,
	ST_BIND_ALL,
	ST_VERSION,
	ST_DATA_VERSION,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_SUB_GET] = "SELECT user, domain, ha1_md5, ha1_sha256, created_at FROM subscribers "
		   "WHERE user = ?1 AND domain = ?2",
    [ST_SUB_INSERT] = "INSERT INTO subscribers(user, domain, ha1_md5, ha1_sha256, created_at) "
		      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_SUB_UPSERT] = "INSERT INTO subscribers(user, domain, ha1_md5, ha1_sha256, created_at) "
		      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(domain, user) DO UPDATE SET "
		      "ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256",
    [ST_SUB_DEL] = "DELETE FROM subscribers WHERE user = ?1 AND domain = ?2",
    [ST_SUB_LIST] = "SELECT user, domain, ha1_md5, ha1_sha256, created_at FROM subscribers "
		    "ORDER BY domain, user",
    [ST_SUB_LIST_DOMAIN] = "SELECT user, domain, ha1_md5, ha1_sha256, created_at "
			   "FROM subscribers WHERE domain = ?1 ORDER BY user",
    [ST_SUB_PAGE] = "SELECT user, domain, ha1_md5, ha1_sha256, created_at FROM subscribers "
		    "WHERE domain = ?1 AND user > ?2 ORDER BY user LIMIT ?3",
    [ST_DOM_GET] = "SELECT name, auth, created_at FROM domains WHERE name = lower(?1)",
    [ST_DOM_INSERT] = "INSERT INTO domains(name, auth, created_at) VALUES (?1, ?2, ?3)",
    [ST_DOM_UPSERT] = "INSERT INTO domains(name, auth, created_at) VALUES (?1, ?2, ?3) "
		      "ON CONFLICT(name) DO UPDATE SET auth = excluded.auth",
    [ST_DOM_DEL] = "DELETE FROM domains WHERE name = lower(?1)",
    [ST_DOM_LIST] = "SELECT name, auth, created_at FROM domains ORDER BY name",
    [ST_BIND_UPSERT] =
	"INSERT OR REPLACE INTO bindings(aor, contact, expires_at, q, call_id, cseq, path, "
	"instance, reg_id, transport, source, user_agent, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [ST_BIND_DEL] = "DELETE FROM bindings WHERE aor = ?1 AND contact = ?2",
    [ST_BIND_DEL_AOR] = "DELETE FROM bindings WHERE aor = ?1",
    [ST_BIND_EXPIRE] = "DELETE FROM bindings WHERE expires_at <= ?1",
    [ST_BIND_ALL] = "SELECT aor, contact, expires_at, q, call_id, cseq, path, instance, "
		    "reg_id, transport, source, user_agent, updated_at FROM bindings "
		    "ORDER BY aor, contact",
    [ST_VERSION] = "SELECT version FROM siphon_schema",
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

struct sq {
	sqlite3 *db;
	pthread_mutex_t lock;
	sqlite3_stmt *st[ST_COUNT];
};

static struct sq *SQ(struct sp_store *s)
{
	return s->impl;
}

/* The cached statement id, reset and unbound; NULL with *err set on
 * failure. Call with the lock held. */
static sqlite3_stmt *stmt(struct sq *q, enum stmt_id id, int *err)
{
	if (!q->st[id]) {
		int rc = sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					    &q->st[id], NULL);
		if (rc != SQLITE_OK) {
			*err = sp__sqlite_err(rc);
			return NULL;
		}
	}
	return q->st[id];
}

/* Ends a statement's use: reset, bindings cleared. */
static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a statement without rows to completion; returns 0 or -errno. */
static int exec_id(struct sq *q, enum stmt_id id)
{
	int err = 0;
	sqlite3_stmt *st = stmt(q, id, &err);
	if (!st)
		return err;
	int rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : sp__sqlite_err(rc);
}

static void copy_col(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int64_t now_unix(void)
{
	return (int64_t)time(NULL);
}

/* ---- open/close ---- */

static void sq_close(struct sp_store *s)
{
	struct sq *q = SQ(s);
	if (!q)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close_v2(q->db);
	pthread_mutex_destroy(&q->lock);
	sp_free(q);
	s->impl = NULL;
}

static int sq_open(struct sp_store *s, const char *data_dir)
{
	char path[PATH_MAX];
	int err;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", data_dir, SP_STORE_DB_FILE) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	/* Create it 0600 ourselves: SQLite would honour the umask, and gives
	 * the -wal and -shm files the mode of the database. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);

	struct sq *q = sp_malloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	memset(q, 0, sizeof(*q));
	err = -pthread_mutex_init(&q->lock, NULL);
	if (err) {
		sp_free(q);
		return err;
	}
	s->impl = q;
	int rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = q->db ? sp__sqlite_err(rc) : -ENOMEM;
		goto fail;
	}
	sqlite3_extended_result_codes(q->db, 0);
	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	rc = sqlite3_exec(q->db,
			  "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
			  "PRAGMA foreign_keys = ON;",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		err = sp__sqlite_err(rc);
		goto fail;
	}
	err = sp__sqlite_migrate(q->db);
	if (err)
		goto fail;
	return 0;
fail:
	sq_close(s);
	return err;
}

static int sq_schema_version(struct sp_store *s, int *version)
{
	struct sq *q = SQ(s);
	int err = 0;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_VERSION, &err);
	if (st) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*version = sqlite3_column_int(st, 0);
		else
			err = rc == SQLITE_DONE ? -EIO : sp__sqlite_err(rc);
		done(st);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* ---- subscribers ---- */

static void read_sub(sqlite3_stmt *st, struct sp_store_subscriber *out)
{
	copy_col(out->user, sizeof(out->user), st, 0);
	copy_col(out->domain, sizeof(out->domain), st, 1);
	copy_col(out->ha1_md5, sizeof(out->ha1_md5), st, 2);
	copy_col(out->ha1_sha256, sizeof(out->ha1_sha256), st, 3);
	out->created_at = sqlite3_column_int64(st, 4);
}

static int sq_subscriber_get(struct sp_store *s, const char *user, const char *domain,
			     struct sp_store_subscriber *out)
{
	struct sq *q = SQ(s);
	int err = 0;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_SUB_GET, &err);
	if (st) {
		bind_text(st, 1, user);
		bind_text(st, 2, domain);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			read_sub(st, out);
		else
			err = rc == SQLITE_DONE ? -ENOENT : sp__sqlite_err(rc);
		done(st);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* One subscriber write; lock held. */
static int sub_write(struct sq *q, const struct sp_store_subscriber *sub, bool replace)
{
	int err = 0;
	sqlite3_stmt *st = stmt(q, replace ? ST_SUB_UPSERT : ST_SUB_INSERT, &err);
	if (!st)
		return err;
	bind_text(st, 1, sub->user);
	bind_text(st, 2, sub->domain);
	bind_text(st, 3, sub->ha1_md5);
	bind_text(st, 4, sub->ha1_sha256);
	sqlite3_bind_int64(st, 5, now_unix());
	int rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : sp__sqlite_err(rc);
}

static int sq_subscriber_put(struct sp_store *s, const struct sp_store_subscriber *sub,
			     bool replace)
{
	struct sq *q = SQ(s);
	pthread_mutex_lock(&q->lock);
	int err = sub_write(q, sub, replace);
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* A DELETE by key: 0, or -ENOENT when no row changed; lock held. */
static int delete_rows(struct sq *q, sqlite3_stmt *st, size_t *count)
{
	int rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return sp__sqlite_err(rc);
	int n = sqlite3_changes(q->db);
	if (count)
		*count = (size_t)n;
	return n > 0 || count ? 0 : -ENOENT;
}

static int sq_subscriber_del(struct sp_store *s, const char *user, const char *domain)
{
	struct sq *q = SQ(s);
	int err = 0;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_SUB_DEL, &err);
	if (st) {
		bind_text(st, 1, user);
		bind_text(st, 2, domain);
		err = delete_rows(q, st, NULL);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

static int sq_subscriber_list(struct sp_store *s, const char *domain, sp_store_subscriber_cb cb,
			      void *arg)
{
	struct sq *q = SQ(s);
	struct sp_store_subscriber sub;
	int err = 0, rc;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, domain ? ST_SUB_LIST_DOMAIN : ST_SUB_LIST, &err);
	if (st) {
		if (domain)
			bind_text(st, 1, domain);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			read_sub(st, &sub);
			if ((err = cb(&sub, arg)) != 0)
				break;
		}
		if (!err && rc != SQLITE_DONE)
			err = sp__sqlite_err(rc);
		done(st);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

static int sq_subscriber_page(struct sp_store *s, const char *domain, const char *after,
			      unsigned limit, sp_store_subscriber_cb cb, void *arg, size_t *count)
{
	struct sq *q = SQ(s);
	struct sp_store_subscriber sub;
	size_t n = 0;
	int err = 0, rc;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_SUB_PAGE, &err);
	if (st) {
		bind_text(st, 1, domain);
		bind_text(st, 2, after);
		sqlite3_bind_int64(st, 3, limit);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			read_sub(st, &sub);
			n++;
			if ((err = cb(&sub, arg)) != 0)
				break;
		}
		if (!err && rc != SQLITE_DONE)
			err = sp__sqlite_err(rc);
		done(st);
	}
	pthread_mutex_unlock(&q->lock);
	explicit_bzero(&sub, sizeof(sub));
	*count = n;
	return err;
}

static int sq_subscriber_import(struct sp_store *s, sp_store_import_cb next, void *arg,
				size_t *count)
{
	struct sq *q = SQ(s);
	struct sp_store_subscriber sub;
	size_t n = 0;
	int err;

	pthread_mutex_lock(&q->lock);
	err = exec_id(q, ST_BEGIN);
	if (err)
		goto out;
	for (;;) {
		memset(&sub, 0, sizeof(sub));
		int rc = next(&sub, arg);
		if (rc < 0) {
			err = rc;
			break;
		}
		if (rc == 0)
			break;
		if ((err = sub_write(q, &sub, true)) != 0)
			break;
		n++;
	}
	if (!err)
		err = exec_id(q, ST_COMMIT);
	if (err)
		exec_id(q, ST_ROLLBACK);
	else
		*count = n;
out:
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* ---- domains ---- */

static void read_dom(sqlite3_stmt *st, struct sp_store_domain *out)
{
	const unsigned char *auth = sqlite3_column_text(st, 1);
	copy_col(out->name, sizeof(out->name), st, 0);
	out->auth = auth && strcmp((const char *)auth, "none") == 0 ? SP_STORE_AUTH_NONE
								    : SP_STORE_AUTH_DIGEST;
	out->created_at = sqlite3_column_int64(st, 2);
}

static int sq_domain_get(struct sp_store *s, const char *name, struct sp_store_domain *out)
{
	struct sq *q = SQ(s);
	int err = 0;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_DOM_GET, &err);
	if (st) {
		bind_text(st, 1, name);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			read_dom(st, out);
		else
			err = rc == SQLITE_DONE ? -ENOENT : sp__sqlite_err(rc);
		done(st);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

static int sq_domain_put(struct sp_store *s, const struct sp_store_domain *dom, bool replace)
{
	struct sq *q = SQ(s);
	int err = 0;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, replace ? ST_DOM_UPSERT : ST_DOM_INSERT, &err);
	if (st) {
		bind_text(st, 1, dom->name);
		bind_text(st, 2, sp_store_auth_name(dom->auth));
		sqlite3_bind_int64(st, 3, now_unix());
		int rc = sqlite3_step(st);
		done(st);
		err = rc == SQLITE_DONE ? 0 : sp__sqlite_err(rc);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

static int sq_domain_del(struct sp_store *s, const char *name)
{
	struct sq *q = SQ(s);
	int err = 0;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_DOM_DEL, &err);
	if (st) {
		bind_text(st, 1, name);
		err = delete_rows(q, st, NULL);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

static int sq_domain_list(struct sp_store *s, sp_store_domain_cb cb, void *arg)
{
	struct sq *q = SQ(s);
	struct sp_store_domain dom;
	int err = 0, rc;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_DOM_LIST, &err);
	if (st) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			read_dom(st, &dom);
			if ((err = cb(&dom, arg)) != 0)
				break;
		}
		if (!err && rc != SQLITE_DONE)
			err = sp__sqlite_err(rc);
		done(st);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* ---- bindings ---- */

/* One binding upsert; lock held. */
static int bind_write(struct sq *q, const struct sp_store_binding *b, int64_t now)
{
	int err = 0;
	sqlite3_stmt *st = stmt(q, ST_BIND_UPSERT, &err);
	if (!st)
		return err;
	bind_text(st, 1, b->aor);
	bind_text(st, 2, b->contact);
	sqlite3_bind_int64(st, 3, b->expires_at);
	sqlite3_bind_int(st, 4, b->q);
	bind_text(st, 5, b->call_id);
	sqlite3_bind_int64(st, 6, b->cseq);
	bind_text(st, 7, b->path);
	bind_text(st, 8, b->instance);
	sqlite3_bind_int64(st, 9, b->reg_id);
	bind_text(st, 10, b->transport);
	bind_text(st, 11, b->source);
	bind_text(st, 12, b->user_agent);
	sqlite3_bind_int64(st, 13, now);
	int rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : sp__sqlite_err(rc);
}

/* A DELETE of (aor, contact), or of every binding of aor when contact is
 * NULL; lock held. count as delete_rows. */
static int bind_delete(struct sq *q, const char *aor, const char *contact, size_t *count)
{
	int err = 0;
	sqlite3_stmt *st = stmt(q, contact ? ST_BIND_DEL : ST_BIND_DEL_AOR, &err);
	if (!st)
		return err;
	bind_text(st, 1, aor);
	if (contact)
		bind_text(st, 2, contact);
	return delete_rows(q, st, count);
}

static int sq_binding_put(struct sp_store *s, const struct sp_store_binding *b)
{
	struct sq *q = SQ(s);

	pthread_mutex_lock(&q->lock);
	int err = bind_write(q, b, now_unix());
	pthread_mutex_unlock(&q->lock);
	return err;
}

static int sq_binding_del(struct sp_store *s, const char *aor, const char *contact)
{
	struct sq *q = SQ(s);

	pthread_mutex_lock(&q->lock);
	int err = bind_delete(q, aor, contact, NULL);
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* BEGIN IMMEDIATE takes the write lock first (waiting up to the busy
 * timeout for another process), so the statements inside never meet
 * SQLITE_BUSY halfway; the cached statements are reused for every row. */
static int sq_binding_batch(struct sp_store *s, sp_store_binding_op_cb next, void *arg,
			    size_t *count)
{
	struct sq *q = SQ(s);
	struct sp_store_binding_op *op = sp_malloc(sizeof(*op));
	int64_t now = now_unix();
	size_t n = 0, ignored;
	int err;

	if (!op)
		return -ENOMEM;
	memset(op, 0, sizeof(*op));
	pthread_mutex_lock(&q->lock);
	err = exec_id(q, ST_BEGIN);
	if (err)
		goto out;
	for (;;) {
		int rc = next(op, arg);
		if (rc < 0) {
			err = rc;
			break;
		}
		if (rc == 0)
			break;
		if (op->kind == SP_STORE_BINDING_PUT)
			err = bind_write(q, &op->b, now);
		else
			err = bind_delete(q, op->b.aor, op->b.contact, &ignored);
		if (err)
			break;
		n++;
	}
	if (!err)
		err = exec_id(q, ST_COMMIT);
	if (err)
		exec_id(q, ST_ROLLBACK);
	else
		*count = n;
out:
	pthread_mutex_unlock(&q->lock);
	sp_free(op);
	return err;
}

static int sq_binding_expire(struct sp_store *s, int64_t now, size_t *count)
{
	struct sq *q = SQ(s);
	int err = 0;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_BIND_EXPIRE, &err);
	if (st) {
		sqlite3_bind_int64(st, 1, now);
		err = delete_rows(q, st, count);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

static int sq_binding_load_all(struct sp_store *s, sp_store_binding_cb cb, void *arg)
{
	struct sq *q = SQ(s);
	int err = 0, rc;

	struct sp_store_binding *b = sp_malloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_BIND_ALL, &err);
	if (st) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			memset(b, 0, sizeof(*b));
			copy_col(b->aor, sizeof(b->aor), st, 0);
			copy_col(b->contact, sizeof(b->contact), st, 1);
			b->expires_at = sqlite3_column_int64(st, 2);
			b->q = sqlite3_column_int(st, 3);
			copy_col(b->call_id, sizeof(b->call_id), st, 4);
			b->cseq = (uint32_t)sqlite3_column_int64(st, 5);
			copy_col(b->path, sizeof(b->path), st, 6);
			copy_col(b->instance, sizeof(b->instance), st, 7);
			b->reg_id = (uint32_t)sqlite3_column_int64(st, 8);
			copy_col(b->transport, sizeof(b->transport), st, 9);
			copy_col(b->source, sizeof(b->source), st, 10);
			copy_col(b->user_agent, sizeof(b->user_agent), st, 11);
			b->updated_at = sqlite3_column_int64(st, 12);
			if ((err = cb(b, arg)) != 0)
				break;
		}
		if (!err && rc != SQLITE_DONE)
			err = sp__sqlite_err(rc);
		done(st);
	}
	pthread_mutex_unlock(&q->lock);
	sp_free(b);
	return err;
}

/* PRAGMA data_version: per connection, it changes only when another
 * connection commits (https://sqlite.org/pragma.html#pragma_data_version),
 * so the server's own write-behind through this handle leaves it alone. */
static int sq_data_version(struct sp_store *s, uint64_t *v)
{
	struct sq *q = SQ(s);
	int err = 0;

	pthread_mutex_lock(&q->lock);
	sqlite3_stmt *st = stmt(q, ST_DATA_VERSION, &err);
	if (st) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*v = (uint64_t)sqlite3_column_int64(st, 0);
		else
			err = rc == SQLITE_DONE ? -EIO : sp__sqlite_err(rc);
		done(st);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

const struct sp_store_ops sp__store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .schema_version = sq_schema_version,
    .subscriber_get = sq_subscriber_get,
    .subscriber_put = sq_subscriber_put,
    .subscriber_del = sq_subscriber_del,
    .subscriber_list = sq_subscriber_list,
    .subscriber_page = sq_subscriber_page,
    .subscriber_import = sq_subscriber_import,
    .domain_get = sq_domain_get,
    .domain_put = sq_domain_put,
    .domain_del = sq_domain_del,
    .domain_list = sq_domain_list,
    .binding_put = sq_binding_put,
    .binding_del = sq_binding_del,
    .binding_expire = sq_binding_expire,
    .binding_load_all = sq_binding_load_all,
    .binding_batch = sq_binding_batch,
    .data_version = sq_data_version,
};
