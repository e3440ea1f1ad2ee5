/*
 * Inside the store: the backend operations table behind struct sp_store.
 * store.c checks arguments and dispatches; each backend (sqlite_*.c)
 * implements the ops over already validated records.
 */
#ifndef SIPHON_STORE_INT_H
#define SIPHON_STORE_INT_H

#include "siphon/store.h"

struct sp_store_ops {
	const char *name;
	/* Opens the backend over an existing data directory; sets s->impl. */
	int (*open)(struct sp_store *s, const char *data_dir);
	void (*close)(struct sp_store *s);
	int (*schema_version)(struct sp_store *s, int *version);

	int (*subscriber_get)(struct sp_store *s, const char *user, const char *domain,
			      struct sp_store_subscriber *out);
	int (*subscriber_put)(struct sp_store *s, const struct sp_store_subscriber *sub,
			      bool replace);
	int (*subscriber_del)(struct sp_store *s, const char *user, const char *domain);
	int (*subscriber_list)(struct sp_store *s, const char *domain, sp_store_subscriber_cb cb,
			       void *arg);
	int (*subscriber_page)(struct sp_store *s, const char *domain, const char *after,
			       unsigned limit, sp_store_subscriber_cb cb, void *arg, size_t *count);
	/* next() yields records already validated by store.c. */
	int (*subscriber_import)(struct sp_store *s, sp_store_import_cb next, void *arg,
				 size_t *count);

	int (*domain_get)(struct sp_store *s, const char *name, struct sp_store_domain *out);
	int (*domain_put)(struct sp_store *s, const struct sp_store_domain *dom, bool replace);
	int (*domain_del)(struct sp_store *s, const char *name);
	int (*domain_list)(struct sp_store *s, sp_store_domain_cb cb, void *arg);

	int (*binding_put)(struct sp_store *s, const struct sp_store_binding *b);
	int (*binding_del)(struct sp_store *s, const char *aor, const char *contact);
	int (*binding_expire)(struct sp_store *s, int64_t now, size_t *count);
	int (*binding_load_all)(struct sp_store *s, sp_store_binding_cb cb, void *arg);
	/* next() yields ops already validated by store.c. */
	int (*binding_batch)(struct sp_store *s, sp_store_binding_op_cb next, void *arg,
			     size_t *count);

	int (*data_version)(struct sp_store *s, uint64_t *v);
};

struct sp_store {
	const struct sp_store_ops *ops;
	void *impl;
};

/* The SQLite backend (sqlite_store.c). */
extern const struct sp_store_ops sp__store_sqlite_ops;

/* Brings a freshly opened SQLite database to SP_STORE_SCHEMA_VERSION
 * (sqlite_schema.c). db is a sqlite3 *. Returns 0, -ENOTSUP (newer
 * schema), -EBUSY or -EIO. */
int sp__sqlite_migrate(void *db);

/* Maps a SQLite result code to a negative errno. */
int sp__sqlite_err(int rc);

#endif
