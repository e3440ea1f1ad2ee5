/*
 * The registrar service of `siphon serve` (server_int.h): the wiring of the
 * store (store.h), digest authentication (auth.h), the registrar rules
 * (registrar.h) and the shared location table (location.h) into the
 * worker threads.
 *
 *   REGISTER (server transaction open, retransmissions absorbed)
 *     -> Request-URI host a served domain?            no: 403
 *     -> To URI sip/sips?                              no: 400 (RFC 4475 unksm2)
 *     -> sp__regsvc_authorize with ok = the registrar, identity = To user
 *
 *   sp__regsvc_authorize (REGISTER above; INVITE, MESSAGE, ... from the proxy)
 *     -> domain auth none: ok now
 *     -> sp_auth_check_begin: 403 banned / 401 or 407 challenge / 400 / LOOKUP
 *     -> LOOKUP: the subscriber cache (subscriber_cache.h), shared by the
 *        workers: a hit, or a cached "no such user", finishes the check
 *        here, synchronously; a miss reads the store on the read pool
 *        (DESIGN.md §3: SQLite never on a worker), the completion is
 *        posted back to this worker, caches the answer and re-parses the
 *        transaction's own copy of the request
 *     -> sp_auth_check_finish: OK (the identity rule: REGISTER's To user,
 *        RFC 3261 §10.3 step 3, or another request's From user must be
 *        the authenticated user: else 403), a challenge again (wrong
 *        password, unknown user: the same answer), 403 banned
 *     -> ok: for REGISTER, sp_registrar_process + sp_registrar_print
 *
 * Persistence: the location table's change callback queues the change
 * for the write-behind thread (binding_writer.h: one store transaction per
 * 100 ms tick). Worker 0 runs sp_location_expire every second and polls
 * the store's data_version on the read pool: a change by another process
 * (`siphon user add|del|passwd|import`) empties the subscriber cache, so
 * it takes effect within about two seconds. The secret in data_dir/secret
 * keys digest nonces and GRUUs, so both survive a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "siphon/auth.h"
#include "siphon/hash.h"
#include "siphon/location.h"
#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/registrar.h"
#include "siphon/response.h"
#include "siphon/server.h"
#include "siphon/store.h"

#include "binding_writer.h"
#include "server_int.h"
#include "subscriber_cache.h"

#define SECRET_FILE "secret"
#define SECRET_LEN  32
#define HDR_CAP	    32768

struct sp__regsvc {
	struct sp_config cfg;
	struct sp_store *store;
	struct sp_store_async *reads; /* subscriber lookups, data_version polls */
	pthread_mutex_t reads_lock;   /* guards reads against quiesce */
	atomic_uint inflight;	      /* lookups submitted, completion not yet run */
	struct sp__bwriter *writer;   /* binding write-behind */
	struct sp__subcache *cache;   /* H(A1)s, shared by the workers */
	atomic_bool dv_busy;	      /* a data_version poll is queued or running */
	uint64_t dv;		      /* last data_version seen (by the poll only) */
	struct sp_location *loc;
	struct sp_registrar_cfg rcfg;
	struct sp_store_domain *dom; /* served domains; the default one when none */
	size_t ndom;
	bool default_only; /* no domain configured: dom[0] is localhost + aliases */
	uint8_t auth_key[SP_AUTH_KEY_LEN];
};

struct sp__regsvc_worker {
	struct sp__regsvc *r;
	struct sp_loop *loop;
	unsigned index;
	struct sp_auth_server **auth; /* one per domain */
	struct sp_timer expiry;	      /* worker 0 */
	char *out;
	size_t out_cap;
	char *hdr;   /* extra header lines of a response (reply) */
	char *lines; /* the registrar's Contact lines (do_register) */
};

/* A subscriber lookup in flight. */
struct lookup {
	struct sp__regsvc_worker *w;
	struct sp_tsx *st; /* a reference */
	struct sp_tsx_dest src;
	unsigned dom;
	uint64_t t0;
	sp__regsvc_authed_cb ok;
	void *arg;
	uint32_t gen;	   /* the cache generation before the store was asked */
	struct sp_msg msg; /* parsed from the transaction's copy of the request */
	struct sp_auth_check chk;
	char user[SP_STORE_USER_MAX];
	struct sp_store_subscriber sub;
};

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Wall clock in ms: bindings and nonces keep their meaning across restarts. */
static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void copy_str(char *dst, size_t cap, struct sp_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* ---- persistence --------------------------------------------------------- */

/* The location change callback: shard lock held, any thread. Queue only. */
static void on_change(enum sp_location_change what, const struct sp_binding *b, void *arg)
{
	struct sp__regsvc *r = arg;
	sp__bwriter_change(r->writer, what, b);
}

/* Splits the comma-joined Path values back (commas inside <> kept). */
static unsigned split_path(const char *p, struct sp_str *out, unsigned max)
{
	unsigned n = 0;
	int depth = 0;
	const char *start = p;

	if (!*p)
		return 0;
	for (;; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && depth)
			depth--;
		if ((*p == ',' && !depth) || !*p) {
			if (n < max)
				out[n++] = sp_str_trim(sp_str_span(start, p));
			if (!*p)
				break;
			start = p + 1;
		}
	}
	return n;
}

struct load_ctx {
	struct sp_location *loc;
	int64_t now;
	size_t loaded, skipped;
};

static int load_one(const struct sp_store_binding *sb, void *arg)
{
	struct load_ctx *lc = arg;
	struct sp_binding_init bi;
	struct sp_nameaddr na;
	struct sp_parse_error err;
	struct sp_str path[SP_LOCATION_MAX_PATH];
	struct sp_binding *b;

	memset(&bi, 0, sizeof(bi));
	bi.contact = sp_str_c(sb->contact);
	if (sp_nameaddr_parse(&na, bi.contact, 0, &err) < 0) {
		lc->skipped++;
		return 0;
	}
	bi.aor = sp_str_c(sb->aor);
	bi.uri = na.uri_raw;
	if (sb->instance[0])
		bi.instance = sp_str_c(sb->instance);
	bi.reg_id = sb->reg_id;
	bi.q = sb->q < 0 ? 1000 : sb->q;
	bi.expires_at = sb->expires_at * 1000;
	bi.registered_at = sb->updated_at * 1000;
	bi.call_id = sp_str_c(sb->call_id);
	bi.cseq = sb->cseq;
	bi.npath = split_path(sb->path, path, SP_LOCATION_MAX_PATH);
	bi.path = path;
	if (sb->source[0])
		bi.received = sp_str_c(sb->source);
	if (sb->transport[0])
		bi.transport = sp_str_c(sb->transport);
	bi.tgruu_epoch = bi.instance.p ? sp_location_gruu_epoch(bi.call_id) : 0;
	if (sp_binding_create(&b, &bi) != 0) {
		lc->skipped++;
		return 0;
	}
	int rc = sp_location_load(lc->loc, b, lc->now);
	sp_binding_deref(b);
	if (rc < 0)
		return rc;
	if (rc == 0)
		lc->loaded++;
	return 0;
}

/* ---- warming the subscriber cache ------------------------------------------- */

#define WARM_PAGE 1024

/* A warm-up in progress: one read pool job per page of subscribers, so a
 * large table never holds the store's handle for long. */
struct warm {
	struct sp__regsvc *r;
	unsigned dom;	/* the domain being read */
	uint32_t gen;	/* the cache generation it started under */
	size_t n, room; /* cached so far; entries it may fill */
	bool stale;	/* the store changed meanwhile: stop */
	char after[SP_STORE_USER_MAX];
};

static void creds_from(struct sp_auth_creds *c, const struct sp_store_subscriber *sub)
{
	memset(c, 0, sizeof(*c));
	c->ha1_md5.len = strlen(sub->ha1_md5);
	memcpy(c->ha1_md5.hex, sub->ha1_md5, c->ha1_md5.len);
	c->ha1_sha256.len = strlen(sub->ha1_sha256);
	memcpy(c->ha1_sha256.hex, sub->ha1_sha256, c->ha1_sha256.len);
}

static int warm_one(const struct sp_store_subscriber *sub, void *arg)
{
	struct warm *wm = arg;
	struct sp_auth_creds c;

	creds_from(&c, sub);
	int rc = sp__subcache_put(wm->r->cache, wm->dom, sp_str_c(sub->user), wm->gen, &c);
	explicit_bzero(&c, sizeof(c));
	snprintf(wm->after, sizeof(wm->after), "%s", sub->user);
	if (rc == -ESTALE) {
		wm->stale = true;
		return 1;
	}
	if (rc == 0)
		wm->n++;
	return wm->n >= wm->room;
}

static int warm_work(struct sp_store *s, void *arg);

/* The next page of the warm-up (from a read pool thread), or its end. */
static void warm_next(struct warm *wm)
{
	struct sp__regsvc *r = wm->r;

	pthread_mutex_lock(&r->reads_lock);
	int rc = r->reads ? sp_store_async_submit(r->reads, NULL, warm_work, NULL, wm) : -ESHUTDOWN;
	pthread_mutex_unlock(&r->reads_lock);
	if (rc)
		sp_free(wm);
}

static int warm_work(struct sp_store *s, void *arg)
{
	struct warm *wm = arg;
	struct sp__regsvc *r = wm->r;
	size_t got = 0;
	int rc = 0;

	while (wm->dom < r->ndom && r->dom[wm->dom].auth == SP_STORE_AUTH_NONE)
		wm->dom++;
	if (wm->dom < r->ndom)
		rc = sp_store_subscriber_page(s, r->dom[wm->dom].name, wm->after, WARM_PAGE,
					      warm_one, wm, &got);
	if (rc < 0 || wm->stale || wm->n >= wm->room || wm->dom >= r->ndom) {
		SP_LOG(rc < 0 ? SP_LOG_WARN : SP_LOG_INFO,
		       "registrar: subscriber cache warmed with %zu subscribers%s%s", wm->n,
		       rc < 0	   ? ": "
		       : wm->stale ? " (the store changed: stopped)"
				   : "",
		       rc < 0 ? strerror(-rc) : "");
		sp_free(wm);
		return rc;
	}
	if (got < WARM_PAGE) { /* this domain is done */
		wm->dom++;
		wm->after[0] = '\0';
	}
	warm_next(wm);
	return 0;
}

/* ---- start and stop ------------------------------------------------------- */

/* data_dir/secret: 32 random bytes, created once (mode 0600). */
static int load_secret(const char *dir, uint8_t key[SECRET_LEN])
{
	char path[SP_CONFIG_PATH_MAX + 16];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, SECRET_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, key, SECRET_LEN);
		close(fd);
		if (n == SECRET_LEN)
			return 0;
		SP_LOG(SP_LOG_ERROR, "%s: want %d bytes; remove it to make a new one", path,
		       SECRET_LEN);
		return -EINVAL;
	}
	if (errno != ENOENT)
		return -errno;
	if (getrandom(key, SECRET_LEN, 0) != SECRET_LEN)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, key, SECRET_LEN);
	if (fsync(fd) != 0)
		n = -1;
	close(fd);
	if (n != SECRET_LEN) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

static int add_domain(const struct sp_store_domain *d, void *arg)
{
	struct sp__regsvc *r = arg;
	struct sp_store_domain *v = sp_realloc(r->dom, (r->ndom + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->dom = v;
	r->dom[r->ndom++] = *d;
	return 0;
}

int sp__regsvc_create(struct sp__regsvc **out, const struct sp_config *cfg)
{
	struct sp__regsvc *r = sp_malloc(sizeof(*r));
	uint8_t secret[SECRET_LEN], k[SP_SHA256_LEN];
	int rc;

	if (!r)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	pthread_mutex_init(&r->reads_lock, NULL);
	atomic_init(&r->inflight, 0);
	atomic_init(&r->dv_busy, false);
	r->rcfg.min_expires = cfg->registrar.min_expires;
	r->rcfg.default_expires = cfg->registrar.default_expires;
	r->rcfg.max_expires = cfg->registrar.max_expires;
	r->rcfg.max_bindings = cfg->registrar.max_bindings;
	r->rcfg.gruu = true;

	rc = sp_store_open(&r->store, "sqlite", cfg->data_dir);
	if (rc) {
		SP_LOG(SP_LOG_ERROR, "cannot open the store in %s: %s", cfg->data_dir,
		       rc == -ENOTSUP ? "written by a newer siphon" : strerror(-rc));
		goto fail;
	}
	rc = sp_store_domain_list(r->store, add_domain, r);
	if (rc) {
		SP_LOG(SP_LOG_ERROR, "cannot read the domains: %s", strerror(-rc));
		goto fail;
	}
	if (r->ndom == 0) {
		rc = add_domain(&(struct sp_store_domain){.name = SP_STORE_DEFAULT_DOMAIN,
							  .auth = SP_STORE_AUTH_DIGEST},
				r);
		if (rc)
			goto fail;
		r->default_only = true;
	}
	rc = load_secret(cfg->data_dir, secret);
	if (rc) {
		SP_LOG(SP_LOG_ERROR, "cannot read or create %s/%s: %s", cfg->data_dir, SECRET_FILE,
		       strerror(-rc));
		goto fail;
	}
	/* Separate keys for separate uses, from one secret. */
	sp_hmac_sha256(secret, sizeof(secret), "siphon auth nonce", 17, k);
	memcpy(r->auth_key, k, SP_AUTH_KEY_LEN);
	rc = sp_location_create(&r->loc, on_change, r);
	if (rc)
		goto fail;
	sp_hmac_sha256(secret, sizeof(secret), "siphon gruu", 11, k);
	sp_location_set_gruu_key(r->loc, k);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(k, sizeof(k));

	struct load_ctx lc = {.loc = r->loc, .now = wall_ms()};
	sp_store_binding_expire(r->store, lc.now / 1000, NULL);
	rc = sp_store_binding_load_all(r->store, load_one, &lc);
	if (rc) {
		SP_LOG(SP_LOG_ERROR, "cannot load the bindings: %s", strerror(-rc));
		goto fail;
	}
	/* Other processes' commits from here on empty the subscriber cache. */
	rc = sp_store_data_version(r->store, &r->dv);
	if (rc == 0)
		rc = sp__subcache_create(&r->cache, SP__SUBCACHE_DEFAULT);
	if (rc == 0)
		rc = sp__bwriter_create(&r->writer, r->store, SP__BWRITER_INTERVAL_MS,
					SP__BWRITER_HIGH_WATER, SP__BWRITER_MAX);
	if (rc == 0)
		rc = sp_store_async_create(&r->reads, r->store, 2, 65536);
	if (rc) {
		SP_LOG(SP_LOG_ERROR, "registrar: cannot start: %s", strerror(-rc));
		goto fail;
	}
	sp_store_async_set_name(r->reads, "sp-store-read");
	/* Warm the subscriber cache in the background, up to 3/4 of its
	 * capacity (shards fill unevenly; a full one is emptied): a
	 * registrar's steady state is every active user cached, and this is
	 * where it starts instead of one store lookup per user. */
	struct warm *wm = sp_malloc(sizeof(*wm));
	if (wm) {
		memset(wm, 0, sizeof(*wm));
		wm->r = r;
		wm->gen = sp__subcache_generation(r->cache);
		wm->room = sp__subcache_capacity(r->cache) / 4 * 3;
		warm_next(wm);
	}
	for (size_t i = 0; i < r->ndom; i++)
		SP_LOG(SP_LOG_INFO, "registrar: domain %s (auth %s)%s", r->dom[i].name,
		       sp_store_auth_name(r->dom[i].auth),
		       r->default_only ? ", aliases localhost, host name, IP addresses" : "");
	SP_LOG(SP_LOG_INFO, "registrar: %zu bindings loaded from %s (%zu unreadable)", lc.loaded,
	       cfg->data_dir, lc.skipped);
	*out = r;
	return 0;
fail:
	explicit_bzero(secret, sizeof(secret));
	sp__regsvc_destroy(r);
	return rc;
}

void sp__regsvc_quiesce(struct sp__regsvc *r)
{
	struct sp_store_async *a;

	pthread_mutex_lock(&r->reads_lock);
	a = r->reads;
	r->reads = NULL;
	pthread_mutex_unlock(&r->reads_lock);
	sp_store_async_destroy(a); /* completions are posted to the running workers */
	for (int i = 0; i < 5000 && atomic_load(&r->inflight); i++)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
}

void sp__regsvc_destroy(struct sp__regsvc *r)
{
	if (!r)
		return;
	sp_store_async_destroy(r->reads);
	r->reads = NULL;
	/* The table's last changes (expiry on worker 0) are queued already:
	 * the writer writes them before it stops. */
	sp__bwriter_destroy(r->writer);
	r->writer = NULL;
	sp_mem_deref(r->loc);
	sp__subcache_destroy(r->cache);
	sp_store_close(r->store);
	sp_free(r->dom);
	pthread_mutex_destroy(&r->reads_lock);
	explicit_bzero(r->auth_key, sizeof(r->auth_key));
	sp_free(r);
}

/* On a read pool thread: has another process committed to the store
 * since the last poll? Then every cached H(A1) may be wrong. */
static int data_version_work(struct sp_store *s, void *arg)
{
	struct sp__regsvc *r = arg;
	uint64_t v;
	int rc = sp_store_data_version(s, &v);

	if (rc == 0 && v != r->dv) {
		r->dv = v;
		sp__subcache_invalidate(r->cache);
		SP_LOG(SP_LOG_INFO, "registrar: the store changed (siphon user ...): "
				    "subscriber cache emptied");
	}
	atomic_store(&r->dv_busy, false);
	return rc;
}

/* Worker 0, every second: expiry, and the data_version poll (one at a
 * time: a poll that waits behind a busy store is not queued twice). */
static void expiry_run(void *arg)
{
	struct sp__regsvc_worker *w = arg;
	struct sp__regsvc *r = w->r;
	size_t n = sp_location_expire(r->loc, wall_ms());
	if (n)
		SP_LOG(SP_LOG_DEBUG, "registrar: %zu bindings expired", n);
	if (!atomic_exchange(&r->dv_busy, true)) {
		pthread_mutex_lock(&r->reads_lock);
		int rc = r->reads
			     ? sp_store_async_submit(r->reads, NULL, data_version_work, NULL, r)
			     : -ESHUTDOWN;
		pthread_mutex_unlock(&r->reads_lock);
		if (rc)
			atomic_store(&r->dv_busy, false);
	}
	sp_timer_start(w->loop, &w->expiry, 1000, expiry_run, w);
}

int sp__regsvc_worker_create(struct sp__regsvc_worker **out, struct sp__regsvc *r,
			     struct sp_loop *loop, unsigned index)
{
	struct sp__regsvc_worker *w = sp_malloc(sizeof(*w));
	int rc = -ENOMEM;

	if (!w)
		return -ENOMEM;
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->loop = loop;
	w->index = index;
	sp_timer_init(&w->expiry);
	w->out_cap = r->cfg.sip.max_message_bytes + HDR_CAP;
	w->out = sp_malloc(w->out_cap);
	w->hdr = sp_malloc(HDR_CAP);
	w->lines = sp_malloc(HDR_CAP);
	w->auth = sp_malloc(r->ndom * sizeof(*w->auth));
	if (!w->out || !w->hdr || !w->lines || !w->auth)
		goto fail;
	memset(w->auth, 0, r->ndom * sizeof(*w->auth));
	for (size_t i = 0; i < r->ndom; i++) {
		rc = sp_auth_server_create(&w->auth[i], NULL, sp_str_c(r->dom[i].name), r->auth_key,
					   sizeof(r->auth_key));
		if (rc)
			goto fail;
	}
	if (index == 0)
		sp_timer_start(loop, &w->expiry, 1000, expiry_run, w);
	*out = w;
	return 0;
fail:
	sp__regsvc_worker_destroy(w);
	return rc;
}

void sp__regsvc_worker_destroy(struct sp__regsvc_worker *w)
{
	if (!w)
		return;
	sp_timer_stop(&w->expiry);
	if (w->auth)
		for (size_t i = 0; i < w->r->ndom; i++)
			sp_mem_deref(w->auth[i]);
	sp_free(w->auth);
	sp_free(w->out);
	sp_free(w->hdr);
	sp_free(w->lines);
	sp_free(w);
}

/* ---- answering ---------------------------------------------------------- */

static void reply(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
		  const struct sp_tsx_dest *src, unsigned status, const char *reason,
		  struct sp_str headers, const char *why, uint64_t t0)
{
	struct sp_wbuf hb, b;
	const char *server = w->r->cfg.server_name;
	int rc;

	sp_wbuf_init(&hb, w->hdr, HDR_CAP);
	sp_wbuf_str(&hb, headers);
	if (*server) {
		sp_wbuf_cstr(&hb, "Server: ");
		sp_wbuf_cstr(&hb, server);
		sp_wbuf_cstr(&hb, "\r\n");
	}
	struct sp_response r = {
	    .code = status,
	    .reason = reason,
	    .headers = {hb.p, hb.len},
	};
	sp_wbuf_init(&b, w->out, w->out_cap);
	rc = hb.overflow ? -ENOSPC : sp_response_build(&b, req, &src->addr, &r);
	if (rc == 0)
		rc = sp_tsx_respond(st, b.p, b.len);
	if (rc)
		SP_LOG_RL(SP_LOG_DEBUG, "worker %u: response %u not sent: %s", w->index, status,
			  strerror(-rc));
	struct sp_access a = {
	    .worker = w->index,
	    .tp = src->tp,
	    .src = &src->addr,
	    .msg = req,
	    .status = rc ? 0 : status,
	    .why = why,
	    .usec = mono_us() - t0,
	};
	sp_access_log(&a);
}

/* Index of the served domain host names, or -1. */
static int find_domain(const struct sp__regsvc *r, struct sp_str host)
{
	char low[SP_STORE_DOMAIN_MAX];

	if (!host.len || host.len >= sizeof(low))
		return -1;
	for (size_t i = 0; i < host.len; i++) {
		char c = host.p[i];
		low[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	low[host.len] = '\0';
	if (r->default_only)
		return sp_store_default_alias(low) ? 0 : -1;
	for (size_t i = 0; i < r->ndom; i++)
		if (strcmp(r->dom[i].name, low) == 0)
			return (int)i;
	return -1;
}

/* RFC 3261 §10.3 steps 5-8 (the request is authorised). */
static void do_register(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
			const struct sp_tsx_dest *src, uint64_t t0)
{
	struct sp_reg_result res;
	char rbuf[SP_SA_STRLEN];
	size_t rl = sp_sa_print(&src->addr, rbuf, sizeof(rbuf));
	struct sp_reg_source rs = {
	    .received = {rbuf, rl},
	    .transport = sp_str_c(sp_transport_name(src->tp)),
	};
	/* One AOR whatever alias of the domain the To host used (issue 4:
	 * sip:alice@127.0.0.1 and sip:alice@localhost are the same AOR). */
	int d = find_domain(w->r, req->to.uri.hp.host);
	if (d >= 0)
		rs.domain = sp_str_c(w->r->dom[d].name);
	int64_t now = wall_ms();
	int rc = sp_registrar_process(w->r->loc, &w->r->rcfg, req, &rs, now, &res);

	if (rc) {
		reply(w, st, req, src, 500, NULL, SP_STR_NULL, "registrar: out of memory", t0);
		return;
	}
	struct sp_wbuf b;
	sp_wbuf_init(&b, w->lines, HDR_CAP);
	sp_registrar_print(w->r->loc, &res, req, now, &b);
	if (b.overflow)
		reply(w, st, req, src, 500, NULL, SP_STR_NULL, "registrar: response too large", t0);
	else
		reply(w, st, req, src, res.status, res.reason, (struct sp_str){b.p, b.len},
		      res.why ? res.why : "registrar", t0);
	sp_reg_result_free(&res);
}

/* The continuation of sp__regsvc_register once authorised. */
static void register_ok(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
			const struct sp_tsx_dest *src, uint64_t t0, void *arg)
{
	(void)arg;
	do_register(w, st, req, src, t0);
}

/* 401 + WWW-Authenticate (REGISTER, RFC 3261 §22.2) or 407 +
 * Proxy-Authenticate (any other request, §22.3): chk says which. */
static void challenge(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src, unsigned dom, const struct sp_auth_check *chk,
		      uint64_t t0)
{
	struct sp_auth_challenge ch;
	char buf[2 * (SP_AUTH_CHALLENGE_MAX + 32)];
	struct sp_wbuf b;

	sp_auth_challenge(w->auth[dom], chk, wall_ms(), &ch);
	sp_wbuf_init(&b, buf, sizeof(buf));
	/* auth.algorithms: which values, in which order (sp_auth_challenge
	 * gives SHA-256 then MD5). */
	for (unsigned k = 0; k < w->r->cfg.auth.nalgorithms; k++) {
		unsigned i = w->r->cfg.auth.algorithms[k] == SP_DIGEST_MD5 ? 1 : 0;
		if (i >= ch.n)
			continue;
		sp_wbuf_cstr(&b, ch.name);
		sp_wbuf_cstr(&b, ": ");
		sp_wbuf_put(&b, ch.value[i].buf, ch.value[i].len);
		sp_wbuf_cstr(&b, "\r\n");
	}
	reply(w, st, req, src, chk->status ? chk->status : 401, NULL, (struct sp_str){b.p, b.len},
	      chk->why == SP_AUTH_WHY_NO_CREDENTIALS ? "auth: challenge"
	      : chk->stale			     ? "auth: stale nonce"
						     : "auth: failed",
	      t0);
}

/* A verdict other than LOOKUP: answer it, or (authenticated) apply the
 * identity rule and go on to ok. */
static void verdict(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
		    const struct sp_tsx_dest *src, unsigned dom, const struct sp_auth_check *chk,
		    uint64_t t0, sp__regsvc_authed_cb ok, void *arg)
{
	switch (chk->verdict) {
	case SP_AUTH_OK:
		if (req->method_id == SP_METHOD_REGISTER) {
			/* §10.3 step 3: the user may change the bindings of
			 * its own AOR only (To user, in the same domain). */
			if (!sp_str_eq(req->to.uri.user, chk->username) ||
			    find_domain(w->r, req->to.uri.hp.host) != (int)dom) {
				reply(w, st, req, src, 403, NULL, SP_STR_NULL,
				      "RFC 3261 §10.3 step 3: not authorised for this AOR", t0);
				return;
			}
		} else if (!sp_str_eq(req->from.uri.user, chk->username) ||
			   find_domain(w->r, req->from.uri.hp.host) != (int)dom) {
			/* A local user sends as itself only (issue 4: no open
			 * relay, no spoofed From of another local user). */
			reply(w, st, req, src, 403, NULL, SP_STR_NULL,
			      "auth: From is not the authenticated user", t0);
			return;
		}
		ok(w, st, req, src, t0, arg);
		return;
	case SP_AUTH_CHALLENGE:
		challenge(w, st, req, src, dom, chk, t0);
		return;
	case SP_AUTH_FORBIDDEN:
		reply(w, st, req, src, 403, NULL, SP_STR_NULL, "auth: source banned", t0);
		return;
	case SP_AUTH_BAD_REQUEST:
	default:
		reply(w, st, req, src, 400, NULL, SP_STR_NULL, "auth: malformed credentials", t0);
		return;
	}
}

static void lookup_done(int result, void *arg)
{
	struct lookup *l = arg;
	struct sp__regsvc_worker *w = l->w;
	struct sp_auth_creds creds;

	memset(&creds, 0, sizeof(creds));
	if (result == 0)
		creds_from(&creds, &l->sub);
	/* The answer is good for the next request too, whatever became of
	 * this one (refused if the store changed since the lookup began). */
	if (result == 0 || result == -ENOENT)
		sp__subcache_put(w->r->cache, l->dom, sp_str_c(l->user), l->gen,
				 result == 0 ? &creds : NULL);
	if (sp_tsx_state(l->st) != SP_TSX_TERMINATED) {
		if (result == 0 || result == -ENOENT) {
			sp_auth_check_finish(w->auth[l->dom], &l->chk, &l->msg,
					     result == 0 ? &creds : NULL, &l->src.addr, wall_ms());
			verdict(w, l->st, &l->msg, &l->src, l->dom, &l->chk, l->t0, l->ok, l->arg);
		} else {
			reply(w, l->st, &l->msg, &l->src, 500, NULL, SP_STR_NULL,
			      "store: subscriber lookup failed", l->t0);
		}
	}
	explicit_bzero(&creds, sizeof(creds));
	explicit_bzero(&l->sub, sizeof(l->sub));
	sp_msg_free(&l->msg);
	sp_mem_deref(l->st);
	atomic_fetch_sub(&w->r->inflight, 1);
	sp_free(l);
}

static int lookup_work(struct sp_store *s, void *arg)
{
	struct lookup *l = arg;
	return sp_store_subscriber_get(s, l->user, l->w->r->dom[l->dom].name, &l->sub);
}

/* A cache miss: the rest runs when the store answers, on this worker. The
 * check is redone over the transaction's own copy of the request, which
 * lives as long as our reference (the receive buffer does not). */
static void start_lookup(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
			 const struct sp_tsx_dest *src, unsigned dom, uint64_t t0,
			 sp__regsvc_authed_cb ok, void *arg)
{
	struct sp__regsvc *r = w->r;
	struct lookup *l = sp_malloc(sizeof(*l));
	size_t len;
	const char *bytes = sp_tsx_request_bytes(st, &len);
	int rc;

	if (!l) {
		reply(w, st, req, src, 500, NULL, SP_STR_NULL, "out of memory", t0);
		return;
	}
	memset(l, 0, sizeof(*l));
	l->w = w;
	l->src = *src;
	l->dom = dom;
	l->t0 = t0;
	l->ok = ok;
	l->arg = arg;
	l->gen = sp__subcache_generation(r->cache);
	if (!bytes || sp_msg_parse(&l->msg, bytes, len) != 0 || sp_msg_validate(&l->msg) != 0 ||
	    sp_auth_check_begin(w->auth[dom], &l->chk, &l->msg, &src->addr, wall_ms()) !=
		SP_AUTH_LOOKUP ||
	    l->chk.username.len >= sizeof(l->user)) {
		sp_msg_free(&l->msg);
		sp_free(l);
		reply(w, st, req, src, 500, NULL, SP_STR_NULL, "request copy unusable", t0);
		return;
	}
	copy_str(l->user, sizeof(l->user), l->chk.username);
	l->st = sp_mem_ref(st);
	atomic_fetch_add(&r->inflight, 1);
	pthread_mutex_lock(&r->reads_lock);
	rc = r->reads ? sp_store_async_submit(r->reads, w->loop, lookup_work, lookup_done, l)
		      : -ESHUTDOWN;
	pthread_mutex_unlock(&r->reads_lock);
	if (rc) {
		atomic_fetch_sub(&r->inflight, 1);
		reply(w, st, req, src, rc == -EBUSY ? 503 : 500, NULL, SP_STR_NULL,
		      "store: lookup not queued", t0);
		sp_msg_free(&l->msg);
		sp_mem_deref(l->st);
		sp_free(l);
	}
}

void sp__regsvc_authorize(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
			  const struct sp_tsx_dest *src, unsigned dom, uint64_t t0,
			  sp__regsvc_authed_cb ok, void *arg)
{
	struct sp__regsvc *r = w->r;
	struct sp_auth_check chk;
	struct sp_auth_creds creds;
	int64_t now = wall_ms();

	if (dom >= r->ndom) {
		reply(w, st, req, src, 500, NULL, SP_STR_NULL, "auth: no such domain", t0);
		return;
	}
	if (r->dom[dom].auth == SP_STORE_AUTH_NONE) {
		ok(w, st, req, src, t0, arg);
		return;
	}
	if (sp_auth_check_begin(w->auth[dom], &chk, req, &src->addr, now) != SP_AUTH_LOOKUP) {
		verdict(w, st, req, src, dom, &chk, t0, ok, arg);
		return;
	}
	if (chk.username.len > SP__SUBCACHE_USER_MAX) {
		/* Longer than any stored user name: the answer of a wrong
		 * password, without asking. */
		sp_auth_check_finish(w->auth[dom], &chk, req, NULL, &src->addr, now);
		verdict(w, st, req, src, dom, &chk, t0, ok, arg);
		return;
	}
	switch (sp__subcache_get(r->cache, dom, chk.username, &creds)) {
	case SP__SUBCACHE_HIT:
		sp_auth_check_finish(w->auth[dom], &chk, req, &creds, &src->addr, now);
		explicit_bzero(&creds, sizeof(creds));
		verdict(w, st, req, src, dom, &chk, t0, ok, arg);
		return;
	case SP__SUBCACHE_NO_USER:
		sp_auth_check_finish(w->auth[dom], &chk, req, NULL, &src->addr, now);
		verdict(w, st, req, src, dom, &chk, t0, ok, arg);
		return;
	case SP__SUBCACHE_MISS:
	default:
		start_lookup(w, st, req, src, dom, t0, ok, arg);
		return;
	}
}

void sp__regsvc_register(struct sp__regsvc_worker *w, struct sp_tsx *st, const struct sp_msg *req,
			 const struct sp_tsx_dest *src, uint64_t t0)
{
	struct sp__regsvc *r = w->r;
	int dom;

	/* §10.3 step 1: the Request-URI names the domain. */
	dom = (req->ruri.scheme == SP_URI_SIP || req->ruri.scheme == SP_URI_SIPS)
		  ? find_domain(r, req->ruri.hp.host)
		  : -1;
	if (dom < 0) {
		reply(w, st, req, src, 403, "Domain Not Served", SP_STR_NULL,
		      "RFC 3261 §10.3 step 1: domain not served here", t0);
		return;
	}
	/* The registrar's own rule, before any challenge (RFC 4475 unksm2). */
	if (req->to.uri.scheme != SP_URI_SIP && req->to.uri.scheme != SP_URI_SIPS) {
		reply(w, st, req, src, 400, NULL, SP_STR_NULL,
		      "RFC 3261 §10.3 step 5: To is no sip/sips URI", t0);
		return;
	}
	sp__regsvc_authorize(w, st, req, src, (unsigned)dom, t0, register_ok, NULL);
}

/* ---- queries for the proxy ------------------------------------------------ */

int sp__regsvc_domain(const struct sp__regsvc *r, struct sp_str host)
{
	return find_domain(r, host);
}

const char *sp__regsvc_domain_name(const struct sp__regsvc *r, unsigned i)
{
	return i < r->ndom ? r->dom[i].name : "";
}

struct sp_location *sp__regsvc_location(const struct sp__regsvc *r)
{
	return r->loc;
}
