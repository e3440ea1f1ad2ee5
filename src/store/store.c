/*
 * The store interface (include/siphon/store.h): opens a backend by name,
 * creates the data directory, checks every record before a backend sees it
 * (terminated fields, HA1 hex of the right length, lowercase domains) and
 * dispatches to the backend's operations table.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "siphon/mem.h"

#include "store_int.h"

static const struct sp_store_ops *const backends[] = {
    &sp__store_sqlite_ops,
};

/* mkdir -p with mode 0700 for every component created. */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int sp_store_open(struct sp_store **out, const char *backend, const char *data_dir)
{
	const struct sp_store_ops *ops = NULL;

	if (!out || !backend || !data_dir)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, backend) == 0)
			ops = backends[i];
	if (!ops)
		return -ENOTSUP;
	int err = make_dirs(data_dir);
	if (err)
		return err;
	struct sp_store *s = sp_mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return -ENOMEM;
	s->ops = ops;
	err = ops->open(s, data_dir);
	if (err) {
		sp_mem_deref(s);
		return err;
	}
	*out = s;
	return 0;
}

void sp_store_close(struct sp_store *s)
{
	if (!s)
		return;
	s->ops->close(s);
	sp_mem_deref(s);
}

int sp_store_schema_version(struct sp_store *s, int *version)
{
	if (!s || !version)
		return -EINVAL;
	return s->ops->schema_version(s, version);
}

/* ---- checks ---- */

/* A C string that fits size bytes, NUL included; empty is refused unless
 * may_be_empty. */
static int check_str(const char *v, size_t size, bool may_be_empty)
{
	if (!v)
		return -EINVAL;
	size_t n = strnlen(v, size);
	if (n == size)
		return -ENAMETOOLONG;
	return n == 0 && !may_be_empty ? -EINVAL : 0;
}

static bool is_lower_hex(const char *v, size_t len)
{
	if (strnlen(v, len + 1) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return false;
	return true;
}

static bool has_upper(const char *v)
{
	for (; *v; v++)
		if (*v >= 'A' && *v <= 'Z')
			return true;
	return false;
}

static int check_subscriber(const struct sp_store_subscriber *sub)
{
	int err;

	if (!sub)
		return -EINVAL;
	if ((err = check_str(sub->user, sizeof(sub->user), false)) ||
	    (err = check_str(sub->domain, sizeof(sub->domain), false)))
		return err;
	if (has_upper(sub->domain))
		return -EINVAL;
	/* Either HA1 may be empty (an import from a store that kept only
	 * MD5), not both. */
	bool md5 = sub->ha1_md5[0] != '\0', sha = sub->ha1_sha256[0] != '\0';
	if ((!md5 && !sha) || (md5 && !is_lower_hex(sub->ha1_md5, 32)) ||
	    (sha && !is_lower_hex(sub->ha1_sha256, 64)))
		return -EINVAL;
	return 0;
}

/* ---- subscribers ---- */

int sp_store_subscriber_get(struct sp_store *s, const char *user, const char *domain,
			    struct sp_store_subscriber *out)
{
	if (!s || !out || check_str(user, SP_STORE_USER_MAX, false) ||
	    check_str(domain, SP_STORE_DOMAIN_MAX, false))
		return -EINVAL;
	return s->ops->subscriber_get(s, user, domain, out);
}

int sp_store_subscriber_put(struct sp_store *s, const struct sp_store_subscriber *sub, bool replace)
{
	if (!s)
		return -EINVAL;
	int err = check_subscriber(sub);
	return err ? err : s->ops->subscriber_put(s, sub, replace);
}

int sp_store_subscriber_del(struct sp_store *s, const char *user, const char *domain)
{
	if (!s || check_str(user, SP_STORE_USER_MAX, false) ||
	    check_str(domain, SP_STORE_DOMAIN_MAX, false))
		return -EINVAL;
	return s->ops->subscriber_del(s, user, domain);
}

int sp_store_subscriber_list(struct sp_store *s, const char *domain, sp_store_subscriber_cb cb,
			     void *arg)
{
	if (!s || !cb || (domain && check_str(domain, SP_STORE_DOMAIN_MAX, false)))
		return -EINVAL;
	return s->ops->subscriber_list(s, domain, cb, arg);
}

int sp_store_subscriber_page(struct sp_store *s, const char *domain, const char *after,
			     unsigned limit, sp_store_subscriber_cb cb, void *arg, size_t *count)
{
	size_t n = 0;

	if (!s || !cb || !limit || check_str(domain, SP_STORE_DOMAIN_MAX, false) ||
	    (after && check_str(after, SP_STORE_USER_MAX, true)))
		return -EINVAL;
	int err = s->ops->subscriber_page(s, domain, after ? after : "", limit, cb, arg, &n);
	if (count)
		*count = n;
	return err;
}

struct import_check {
	sp_store_import_cb next;
	void *arg;
};

static int import_checked(struct sp_store_subscriber *sub, void *arg)
{
	struct import_check *ic = arg;
	int rc = ic->next(sub, ic->arg);
	if (rc <= 0)
		return rc;
	int err = check_subscriber(sub);
	return err ? err : 1;
}

int sp_store_subscriber_import(struct sp_store *s, sp_store_import_cb next, void *arg,
			       size_t *count)
{
	size_t n = 0;

	if (!s || !next)
		return -EINVAL;
	struct import_check ic = {next, arg};
	int err = s->ops->subscriber_import(s, import_checked, &ic, &n);
	if (count)
		*count = err ? 0 : n;
	return err;
}

/* ---- domains ---- */

const char *sp_store_auth_name(enum sp_store_auth auth)
{
	return auth == SP_STORE_AUTH_NONE ? "none" : "digest";
}

int sp_store_auth_parse(const char *name, enum sp_store_auth *auth)
{
	if (!name || !auth)
		return -EINVAL;
	if (strcmp(name, "digest") == 0)
		*auth = SP_STORE_AUTH_DIGEST;
	else if (strcmp(name, "none") == 0)
		*auth = SP_STORE_AUTH_NONE;
	else
		return -EINVAL;
	return 0;
}

int sp_store_domain_get(struct sp_store *s, const char *name, struct sp_store_domain *out)
{
	if (!s || !out || check_str(name, SP_STORE_DOMAIN_MAX, false))
		return -EINVAL;
	return s->ops->domain_get(s, name, out);
}

int sp_store_domain_put(struct sp_store *s, const struct sp_store_domain *dom, bool replace)
{
	if (!s || !dom)
		return -EINVAL;
	int err = check_str(dom->name, sizeof(dom->name), false);
	if (err)
		return err;
	if (dom->auth != SP_STORE_AUTH_DIGEST && dom->auth != SP_STORE_AUTH_NONE)
		return -EINVAL;
	struct sp_store_domain low = *dom;
	for (char *p = low.name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s->ops->domain_put(s, &low, replace);
}

int sp_store_domain_del(struct sp_store *s, const char *name)
{
	if (!s || check_str(name, SP_STORE_DOMAIN_MAX, false))
		return -EINVAL;
	return s->ops->domain_del(s, name);
}

int sp_store_domain_list(struct sp_store *s, sp_store_domain_cb cb, void *arg)
{
	if (!s || !cb)
		return -EINVAL;
	return s->ops->domain_list(s, cb, arg);
}

/* ---- bindings ---- */

static int check_binding(const struct sp_store_binding *b)
{
	int err;

	if ((err = check_str(b->aor, sizeof(b->aor), false)) ||
	    (err = check_str(b->contact, sizeof(b->contact), false)) ||
	    (err = check_str(b->call_id, sizeof(b->call_id), true)) ||
	    (err = check_str(b->path, sizeof(b->path), true)) ||
	    (err = check_str(b->instance, sizeof(b->instance), true)) ||
	    (err = check_str(b->transport, sizeof(b->transport), true)) ||
	    (err = check_str(b->source, sizeof(b->source), true)) ||
	    (err = check_str(b->user_agent, sizeof(b->user_agent), true)))
		return err;
	if (b->q < -1 || b->q > 1000)
		return -EINVAL;
	return 0;
}

int sp_store_binding_put(struct sp_store *s, const struct sp_store_binding *b)
{
	if (!s || !b)
		return -EINVAL;
	int err = check_binding(b);
	return err ? err : s->ops->binding_put(s, b);
}

int sp_store_binding_del(struct sp_store *s, const char *aor, const char *contact)
{
	if (!s || check_str(aor, SP_STORE_URI_MAX, false) ||
	    (contact && check_str(contact, SP_STORE_URI_MAX, false)))
		return -EINVAL;
	return s->ops->binding_del(s, aor, contact);
}

int sp_store_binding_expire(struct sp_store *s, int64_t now, size_t *count)
{
	size_t n = 0;

	if (!s)
		return -EINVAL;
	int err = s->ops->binding_expire(s, now, &n);
	if (count)
		*count = err ? 0 : n;
	return err;
}

int sp_store_binding_load_all(struct sp_store *s, sp_store_binding_cb cb, void *arg)
{
	if (!s || !cb)
		return -EINVAL;
	return s->ops->binding_load_all(s, cb, arg);
}

struct batch_check {
	sp_store_binding_op_cb next;
	void *arg;
};

static int batch_checked(struct sp_store_binding_op *op, void *arg)
{
	struct batch_check *bc = arg;
	int rc = bc->next(op, bc->arg), err;
	if (rc <= 0)
		return rc;
	switch (op->kind) {
	case SP_STORE_BINDING_PUT:
		err = check_binding(&op->b);
		break;
	case SP_STORE_BINDING_DEL:
		if ((err = check_str(op->b.aor, sizeof(op->b.aor), false)) == 0)
			err = check_str(op->b.contact, sizeof(op->b.contact), false);
		break;
	default:
		err = -EINVAL;
	}
	return err ? err : 1;
}

int sp_store_binding_batch(struct sp_store *s, sp_store_binding_op_cb next, void *arg,
			   size_t *count)
{
	size_t n = 0;

	if (!s || !next)
		return -EINVAL;
	struct batch_check bc = {next, arg};
	int err = s->ops->binding_batch(s, batch_checked, &bc, &n);
	if (count)
		*count = err ? 0 : n;
	return err;
}

/* ---- change detection ---- */

int sp_store_data_version(struct sp_store *s, uint64_t *v)
{
	if (!s || !v)
		return -EINVAL;
	return s->ops->data_version(s, v);
}
