/*
 * The SQLite schema and its migrations (docs/store.md). The version lives
 * in the one-row table siphon_schema; migrations[i] takes a database from
 * version i to i + 1 and they run in order, all in one IMMEDIATE
 * transaction, so two processes opening a fresh data directory at once
 * (the CLI and the server) migrate it exactly once. A database newer than
 * this build is refused, never downgraded.
 *
 * Append a migration to change the schema; never edit a released one.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stddef.h>

#include "store_int.h"

static const char *const migrations[] = {
    /* 0 -> 1: subscribers and served domains. */
    "CREATE TABLE siphon_schema(version INTEGER NOT NULL);"
    "INSERT INTO siphon_schema(version) VALUES (0);"
    "CREATE TABLE subscribers("
    "  user TEXT NOT NULL,"
    "  domain TEXT NOT NULL,"
    "  ha1_md5 TEXT NOT NULL,"
    "  ha1_sha256 TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (domain, user)) WITHOUT ROWID;"
    "CREATE TABLE domains("
    "  name TEXT NOT NULL PRIMARY KEY,"
    "  auth TEXT NOT NULL DEFAULT 'digest' CHECK (auth IN ('digest', 'none')),"
    "  created_at INTEGER NOT NULL) WITHOUT ROWID;",

    /* 1 -> 2: location bindings, reloaded at restart. */
    "CREATE TABLE bindings("
    "  aor TEXT NOT NULL,"
    "  contact TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  q INTEGER NOT NULL DEFAULT -1,"
    "  call_id TEXT NOT NULL DEFAULT '',"
    "  cseq INTEGER NOT NULL DEFAULT 0,"
    "  path TEXT NOT NULL DEFAULT '',"
    "  instance TEXT NOT NULL DEFAULT '',"
    "  reg_id INTEGER NOT NULL DEFAULT 0,"
    "  transport TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL DEFAULT '',"
    "  user_agent TEXT NOT NULL DEFAULT '',"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (aor, contact));"
    "CREATE INDEX bindings_expires ON bindings(expires_at);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == SP_STORE_SCHEMA_VERSION,
	       "one migration per schema version");

int sp__sqlite_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return -EROFS;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_TOOBIG:
		return -ENAMETOOLONG;
	default:
		return -EIO;
	}
}

/* The version, or 0 when the database is empty. */
static int read_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
				    "AND name = 'siphon_schema'",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sp__sqlite_err(rc);
	rc = sqlite3_step(st);
	int have = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? -EIO : sp__sqlite_err(rc);
	*version = 0;
	if (!have)
		return 0;
	rc = sqlite3_prepare_v2(db, "SELECT version FROM siphon_schema", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sp__sqlite_err(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -EIO : sp__sqlite_err(rc);
}

int sp__sqlite_migrate(void *handle)
{
	sqlite3 *db = handle;
	int version = 0, err;
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return sp__sqlite_err(rc);
	err = read_version(db, &version);
	if (err)
		goto rollback;
	if (version < 0 || version > SP_STORE_SCHEMA_VERSION) {
		err = -ENOTSUP;
		goto rollback;
	}
	if (version == SP_STORE_SCHEMA_VERSION) {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		return 0;
	}
	for (int v = version; v < SP_STORE_SCHEMA_VERSION; v++) {
		rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			err = sp__sqlite_err(rc);
			goto rollback;
		}
	}
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(db, "UPDATE siphon_schema SET version = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, SP_STORE_SCHEMA_VERSION);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE) {
		err = sp__sqlite_err(rc);
		goto rollback;
	}
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	err = sp__sqlite_err(rc);
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err ? err : -EIO;
}
