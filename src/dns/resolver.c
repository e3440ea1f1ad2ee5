/*
 * The resolver object: one c-ares channel per sp_loop, driven by that
 * loop. c-ares tells us which sockets to watch through
 * ARES_OPT_SOCK_STATE_CB; readiness is handed back with ares_process_fd();
 * one timer, re-armed after every call into c-ares from ares_timeout(),
 * lets it retransmit and time queries out. Nothing is shared between
 * loops except the one-time c-ares library initialisation.
 *
 * c-ares allocates through sp_malloc/sp_realloc/sp_free (ares_library_
 * init_mem), like the rest of the library, so allocation-failure tests
 * reach it too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "siphon/mem.h"
#include "siphon/sa.h"

#include "dns_int.h"

#define DEF_TIMEOUT_MS	1000
#define DEF_TRIES	2
#define DEF_CACHE_MAX	4096
#define DEF_TTL_MAX	3600
#define DEF_NEG_TTL_MAX 300
#define DEF_ENUM_SUFFIX "e164.arpa"
#define MAX_SERVERS	16

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_status;

static void *ares_malloc_cb(size_t n)
{
	return sp_malloc(n);
}

static void *ares_realloc_cb(void *p, size_t n)
{
	return sp_realloc(p, n);
}

static void lib_init(void)
{
	lib_status =
	    ares_library_init_mem(ARES_LIB_INIT_ALL, ares_malloc_cb, sp_free, ares_realloc_cb);
}

static void arm_timer(struct sp_dns *d, bool after_expiry);

static void on_timer(void *arg)
{
	struct sp_dns *d = arg;
	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	arm_timer(d, true);
}

/* The loop's timer follows c-ares' next timeout. */
static void arm_timer(struct sp_dns *d, bool after_expiry)
{
	struct timeval tv;
	if (d->destroying)
		return;
	if (!ares_timeout(d->ch, NULL, &tv)) {
		sp_timer_stop(&d->tmr);
		return;
	}
	uint64_t ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
	/* c-ares 1.18 can keep reporting a timeout due now that
	 * ares_process_fd() does not act on (seen after a server refused
	 * one of two queries with ICMP port unreachable: nothing happens
	 * until the other query times out). Re-arming at 0 would spin the
	 * loop until then; 10 ms later is soon enough for a DNS timeout. */
	if (ms == 0 && after_expiry)
		ms = 10;
	sp_timer_start(d->loop, &d->tmr, ms, on_timer, d);
}

void sp__dns_timer_update(struct sp_dns *d)
{
	arm_timer(d, false);
}

static void on_io(int fd, unsigned events, void *arg)
{
	struct sp_dns *d = arg;
	ares_process_fd(d->ch, (events & SP_IO_READ) ? fd : ARES_SOCKET_BAD,
			(events & SP_IO_WRITE) ? fd : ARES_SOCKET_BAD);
	sp__dns_timer_update(d);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct sp_dns *d = data;
	unsigned ev = (readable ? SP_IO_READ : 0) | (writable ? SP_IO_WRITE : 0);
	if (!ev) {
		sp_loop_unwatch(d->loop, fd);
		return;
	}
	/* A failure leaves the socket unwatched: its queries time out
	 * through the timer instead of hanging. */
	(void)sp_loop_watch(d->loop, fd, ev, on_io, d);
}

/* "IP[:port]" list to c-ares' "ip:port,[v6]:port" form. */
static int servers_csv(const struct sp_dns_config *cfg, char *csv, size_t cap)
{
	size_t n = 0;
	if (cfg->nservers > MAX_SERVERS)
		return -EINVAL;
	for (unsigned i = 0; i < cfg->nservers; i++) {
		struct sp_sa sa;
		char buf[SP_SA_STRLEN];
		if (!cfg->servers || !cfg->servers[i] ||
		    sp_sa_parse(&sa, sp_str_c(cfg->servers[i]), 53) != 0 || sp_sa_port(&sa) == 0)
			return -EINVAL;
		size_t len = sp_sa_print(&sa, buf, sizeof(buf));
		if (!len || n + len + 2 > cap)
			return -EINVAL;
		if (n)
			csv[n++] = ',';
		memcpy(csv + n, buf, len);
		n += len;
	}
	csv[n] = 0;
	return 0;
}

static uint64_t seed(uint64_t cfg_seed)
{
	uint64_t s = cfg_seed;
	if (s)
		return s;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)&s;
	}
	return s;
}

int sp_dns_create(struct sp_dns **out, struct sp_loop *loop, const struct sp_dns_config *cfg)
{
	static const struct sp_dns_config defaults;
	char csv[MAX_SERVERS * SP_SA_STRLEN];
	int rc;

	if (!out || !loop)
		return -EINVAL;
	if (!cfg)
		cfg = &defaults;
	if ((unsigned)cfg->family > SP_DNS_V6_ONLY)
		return -EINVAL;
	if ((rc = servers_csv(cfg, csv, sizeof(csv))) != 0)
		return rc;
	const char *suffix = cfg->enum_suffix ? cfg->enum_suffix : DEF_ENUM_SUFFIX;
	size_t slen = strlen(suffix);
	if (slen && suffix[slen - 1] == '.')
		slen--;
	if (!sp__dns_name_valid(suffix, slen) || slen > SP__DNS_NAME_MAX - 32)
		return -EINVAL;

	pthread_once(&lib_once, lib_init);
	if (lib_status != ARES_SUCCESS)
		return -EIO;

	struct sp_dns *d = sp_malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	memset(d, 0, sizeof(*d));
	d->loop = loop;
	sp_timer_init(&d->tmr);
	d->cache_max = cfg->cache_max ? cfg->cache_max : DEF_CACHE_MAX;
	d->ttl_max = cfg->ttl_max ? cfg->ttl_max : DEF_TTL_MAX;
	d->neg_ttl_max = cfg->neg_ttl_max ? cfg->neg_ttl_max : DEF_NEG_TTL_MAX;
	d->transports = cfg->transports
			    ? cfg->transports
			    : SP_DNS_TP(SP_TP_UDP) | SP_DNS_TP(SP_TP_TCP) | SP_DNS_TP(SP_TP_TLS);
	d->family = cfg->family;
	d->deterministic = cfg->deterministic;
	memcpy(d->enum_suffix, suffix, slen);
	d->enum_suffix[slen] = 0;
	d->rng = seed(cfg->seed);

	if ((rc = sp__dns_cache_init(d)) != 0) {
		sp_free(d);
		return rc;
	}

	struct ares_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.timeout = (int)(cfg->timeout_ms ? cfg->timeout_ms : DEF_TIMEOUT_MS);
	opt.tries = (int)(cfg->tries ? cfg->tries : DEF_TRIES);
	/* ares_query neither searches nor expands aliases; said anyway so a
	 * HOSTALIASES environment can never redirect a lookup. */
	opt.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	opt.sock_state_cb = on_sock_state;
	opt.sock_state_cb_data = d;
	int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_SOCK_STATE_CB;
	rc = ares_init_options(&d->ch, &opt, mask);
	if (rc == ARES_SUCCESS && cfg->nservers)
		rc = ares_set_servers_ports_csv(d->ch, csv);
	if (rc != ARES_SUCCESS) {
		if (d->ch)
			ares_destroy(d->ch);
		sp__dns_cache_free(d);
		sp_free(d);
		return rc == ARES_ENOMEM ? -ENOMEM : -EIO;
	}
	*out = d;
	return 0;
}

void sp_dns_destroy(struct sp_dns *d)
{
	if (!d)
		return;
	d->destroying = true;
	while (d->queries) {
		struct sp_dns_query *q = d->queries;
		sp__dns_query_unlink(q);
		q->ops->abort(q);
	}
	/* Every entry still pending gets ARES_EDESTRUCTION and is dropped;
	 * every socket is reported closed and unwatched. */
	ares_destroy(d->ch);
	sp_timer_stop(&d->tmr);
	sp__dns_cache_free(d);
	sp_free(d);
}

void sp_dns_stats(const struct sp_dns *d, struct sp_dns_stats *out)
{
	*out = d->stats;
	out->cached = d->nresolved;
	out->in_flight = d->npending;
	out->pending = d->nqueries;
}
