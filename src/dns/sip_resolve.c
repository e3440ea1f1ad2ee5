/*
 * RFC 3263 §4: from a sip:/sips: URI to the ordered list of (transport,
 * address, port) a client tries. A job runs in up to three stages, each a
 * batch of record set lookups done in parallel (sp__dns_fetch: cache or a
 * shared query):
 *
 *   NAPTR  TARGET's NAPTR set, filtered and ordered (§4.1)
 *   SRV    one SRV set per selected NAPTR record, or per probed transport
 *          when no NAPTR is usable, or for the explicit transport (§4.2)
 *   ADDR   A and/or AAAA of every SRV target (RFC 2782 order), or of
 *          TARGET itself when there is a port or no SRV (§4.2)
 *
 * then the result list is built and delivered through the job's query
 * handle (query.c). A stage's lookups are counted in `pending` with one
 * extra count held while they are being started, so answers that come
 * from the cache at once cannot end the stage early.
 *
 * Failures that are not answers (timeouts, SERVFAIL) do not stop the
 * walk: the next step is tried and the first such error is reported only
 * if no target at all was found.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "siphon/mem.h"

#include "dns_int.h"

#define MAX_SETS  6  /* SRV sets: selected NAPTR records or probes */
#define MAX_HOSTS 32 /* hosts whose addresses are looked up */

enum stage { ST_NAPTR, ST_SRV, ST_ADDR, ST_DONE };

struct srv_set {
	struct sip_job *job;
	const char *name; /* into job->probe[] or the NAPTR set */
	enum sp_transport tp;
	struct sp__dns_waiter w;
	struct sp__dns_rrset *rs; /* referenced */
};

struct host {
	struct sip_job *job;
	const char *name; /* job->target or into an SRV set */
	uint16_t port;
	enum sp_transport tp;
	struct sp__dns_waiter w4, w6;
	struct sp__dns_rrset *rs4, *rs6; /* referenced */
};

struct sip_job {
	struct sp_dns_query q; /* first: the handle */
	sp_dns_sip_cb cb;
	void *arg;
	char target[SP__DNS_NAME_MAX + 1];
	char probe[MAX_SETS][SP__DNS_NAME_MAX + 16];
	bool sips;
	enum sp_transport tp; /* explicit (;transport=), else SP_TP_OTHER */
	uint16_t port;	      /* explicit, else 0 */
	enum stage stage;
	unsigned pending;
	int soft; /* first failure that was not an answer */

	struct sp__dns_waiter naptr_w;
	struct sp__dns_rrset *naptr;
	struct srv_set sets[MAX_SETS];
	unsigned nsets;
	struct host hosts[MAX_HOSTS];
	unsigned nhosts;

	struct sp_dns_targets *res;
	int err;
};

/* Transports we know how to locate (RFC 3263 §4.1, RFC 4168, RFC 7118). */
static const struct tp_info {
	enum sp_transport tp;
	const char *srv;   /* SRV prefix; NULL: none defined */
	const char *naptr; /* NAPTR service */
	uint16_t port;
} tps[] = {
    {SP_TP_UDP, "_sip._udp", "SIP+D2U", 5060},
    {SP_TP_TCP, "_sip._tcp", "SIP+D2T", 5060},
    {SP_TP_TLS, "_sips._tcp", "SIPS+D2T", 5061},
    {SP_TP_SCTP, "_sip._sctp", "SIP+D2S", 5060},
    {SP_TP_WS, NULL, NULL, 80},
    {SP_TP_WSS, NULL, NULL, 443},
};

static const struct tp_info *tp_info(enum sp_transport tp)
{
	for (size_t i = 0; i < sizeof(tps) / sizeof(tps[0]); i++)
		if (tps[i].tp == tp)
			return &tps[i];
	return NULL;
}

/* The transport of a URI without ;transport= and without SRV: §4.1. */
static enum sp_transport default_tp(const struct sip_job *j)
{
	return j->sips ? SP_TP_TLS : SP_TP_UDP;
}

static void job_free(struct sip_job *j)
{
	sp__dns_waiter_cancel(&j->naptr_w);
	sp_mem_deref(j->naptr);
	for (unsigned i = 0; i < j->nsets; i++) {
		sp__dns_waiter_cancel(&j->sets[i].w);
		sp_mem_deref(j->sets[i].rs);
	}
	for (unsigned i = 0; i < j->nhosts; i++) {
		sp__dns_waiter_cancel(&j->hosts[i].w4);
		sp__dns_waiter_cancel(&j->hosts[i].w6);
		sp_mem_deref(j->hosts[i].rs4);
		sp_mem_deref(j->hosts[i].rs6);
	}
	sp_mem_deref(j->res);
	sp_free(j);
}

static void op_finish(struct sp_dns_query *q)
{
	struct sip_job *j = (struct sip_job *)q;
	j->cb(j->err, j->err ? NULL : j->res, j->arg);
	job_free(j);
}

static void op_abort(struct sp_dns_query *q)
{
	struct sip_job *j = (struct sip_job *)q;
	j->cb(-ECANCELED, NULL, j->arg);
	job_free(j);
}

static void op_release(struct sp_dns_query *q)
{
	job_free((struct sip_job *)q);
}

static const struct sp__dns_query_ops sip_ops = {op_finish, op_abort, op_release};

static void soft_fail(struct sip_job *j, int err)
{
	if (!j->soft && err && err != -ENOENT)
		j->soft = err;
}

/* ---- result ---- */

static void add_target(struct sip_job *j, enum sp_transport tp, const struct sp_sa *sa)
{
	struct sp_dns_targets *r = j->res;
	if (r->n >= SP_DNS_MAX_TARGETS)
		return;
	for (unsigned i = 0; i < r->n; i++)
		if (r->t[i].tp == tp && sp_sa_eq(&r->t[i].addr, sa))
			return;
	r->t[r->n].tp = tp;
	r->t[r->n].addr = *sa;
	r->n++;
}

static void add_family(struct sip_job *j, const struct host *h, const struct sp__dns_rrset *rs)
{
	if (!rs || rs->status)
		return;
	for (unsigned i = 0; i < rs->n; i++) {
		struct sp_sa sa;
		memset(&sa, 0, sizeof(sa));
		if (rs->type == SP__DNS_A) {
			sa.u.in4.sin_family = AF_INET;
			sa.u.in4.sin_addr = rs->rr[i].u.a;
			sa.u.in4.sin_port = htons(h->port);
			sa.len = sizeof(sa.u.in4);
		} else {
			sa.u.in6.sin6_family = AF_INET6;
			sa.u.in6.sin6_addr = rs->rr[i].u.aaaa;
			sa.u.in6.sin6_port = htons(h->port);
			sa.len = sizeof(sa.u.in6);
		}
		add_target(j, h->tp, &sa);
	}
}

static void finish(struct sip_job *j)
{
	j->stage = ST_DONE;
	bool v6first = j->q.d->family == SP_DNS_V6_THEN_V4;
	for (unsigned i = 0; i < j->nhosts; i++) {
		const struct host *h = &j->hosts[i];
		add_family(j, h, v6first ? h->rs6 : h->rs4);
		add_family(j, h, v6first ? h->rs4 : h->rs6);
	}
	if (j->res->n == 0)
		j->err = j->soft ? j->soft : -ENOENT;
	sp__dns_query_complete(&j->q);
}

/* ---- ADDR stage ---- */

static void stage_done(struct sip_job *j);

/* One callback per family: the waiter's position in struct host says
 * which. */
static void on_a(struct sp__dns_waiter *w, int err, struct sp__dns_rrset *rs)
{
	struct host *h = container_of(w, struct host, w4);
	h->rs4 = sp_mem_ref(rs);
	soft_fail(h->job, err);
	stage_done(h->job);
}

static void on_aaaa(struct sp__dns_waiter *w, int err, struct sp__dns_rrset *rs)
{
	struct host *h = container_of(w, struct host, w6);
	h->rs6 = sp_mem_ref(rs);
	soft_fail(h->job, err);
	stage_done(h->job);
}

/* Starts one lookup of the current stage: an immediate result goes to
 * *slot, a pending one counts in j->pending. */
static void start(struct sip_job *j, const char *name, uint16_t type, struct sp__dns_waiter *w,
		  sp__dns_waiter_cb cb, struct sp__dns_rrset **slot)
{
	struct sp__dns_rrset *hit = NULL;
	w->cb = cb;
	int rc = sp__dns_fetch(j->q.d, name, type, w, &hit);
	if (rc == 0)
		j->pending++;
	else if (rc == 1)
		*slot = hit;
	else
		soft_fail(j, rc);
}

static void add_host(struct sip_job *j, const char *name, uint16_t port, enum sp_transport tp)
{
	if (j->nhosts >= MAX_HOSTS)
		return;
	for (unsigned i = 0; i < j->nhosts; i++)
		if (j->hosts[i].port == port && j->hosts[i].tp == tp &&
		    strcasecmp(j->hosts[i].name, name) == 0)
			return;
	struct host *h = &j->hosts[j->nhosts++];
	h->job = j;
	h->name = name;
	h->port = port;
	h->tp = tp;
}

static void stage_addr(struct sip_job *j)
{
	enum sp_dns_family fam = j->q.d->family;
	j->stage = ST_ADDR;
	j->pending = 1;
	for (unsigned i = 0; i < j->nhosts; i++) {
		struct host *h = &j->hosts[i];
		if (fam != SP_DNS_V6_ONLY)
			start(j, h->name, SP__DNS_A, &h->w4, on_a, &h->rs4);
		if (fam != SP_DNS_V4_ONLY)
			start(j, h->name, SP__DNS_AAAA, &h->w6, on_aaaa, &h->rs6);
	}
	stage_done(j);
}

/* TARGET itself, on the given port and transport (§4.2). */
static void addr_of_target(struct sip_job *j, uint16_t port, enum sp_transport tp)
{
	add_host(j, j->target, port, tp);
	stage_addr(j);
}

/* ---- SRV stage ---- */

static void on_srv(struct sp__dns_waiter *w, int err, struct sp__dns_rrset *rs)
{
	struct srv_set *s = container_of(w, struct srv_set, w);
	s->rs = sp_mem_ref(rs);
	soft_fail(s->job, err);
	stage_done(s->job);
}

static void add_set(struct sip_job *j, const char *name, enum sp_transport tp)
{
	if (j->nsets >= MAX_SETS)
		return;
	for (unsigned i = 0; i < j->nsets; i++)
		if (j->sets[i].tp == tp && strcasecmp(j->sets[i].name, name) == 0)
			return;
	struct srv_set *s = &j->sets[j->nsets++];
	s->job = j;
	s->name = name;
	s->tp = tp;
}

/* Adds the SRV set "<prefix>.<TARGET>" for tp (a probe, or the explicit
 * transport). */
static void add_probe(struct sip_job *j, enum sp_transport tp)
{
	const struct tp_info *ti = tp_info(tp);
	if (!ti || !ti->srv || j->nsets >= MAX_SETS)
		return;
	char *buf = j->probe[j->nsets];
	size_t n = strlen(ti->srv), t = strlen(j->target);
	if (n + 1 + t > SP__DNS_NAME_MAX)
		return;
	memcpy(buf, ti->srv, n);
	buf[n] = '.';
	memcpy(buf + n + 1, j->target, t + 1);
	add_set(j, buf, tp);
}

static void stage_srv(struct sip_job *j)
{
	j->stage = ST_SRV;
	j->pending = 1;
	for (unsigned i = 0; i < j->nsets; i++) {
		struct srv_set *s = &j->sets[i];
		start(j, s->name, SP__DNS_SRV, &s->w, on_srv, &s->rs);
	}
	stage_done(j);
}

static void srv_done(struct sip_job *j)
{
	unsigned idx[256];
	bool any = false;

	for (unsigned i = 0; i < j->nsets; i++) {
		struct srv_set *s = &j->sets[i];
		if (!s->rs || s->rs->status)
			continue;
		/* An SRV set exists: even one that says "." (no service)
		 * rules out the A/AAAA fallback (RFC 2782). */
		any = true;
		const struct tp_info *ti = tp_info(s->tp);
		unsigned n = sp__dns_srv_order(s->rs, j->q.d->deterministic, &j->q.d->rng, idx);
		for (unsigned k = 0; k < n; k++) {
			const struct sp__dns_rr *r = &s->rs->rr[idx[k]];
			add_host(j, r->u.srv.target, r->u.srv.port ? r->u.srv.port : ti->port,
				 s->tp);
		}
	}
	if (any) {
		stage_addr(j);
		return;
	}
	/* §4.2: no SRV, A/AAAA of TARGET on the default port of the
	 * transport already chosen: the explicit one, else the first SRV
	 * set's (the best NAPTR record's, or the first probe: UDP for sip
	 * when cfg.transports allows it, §4.1, TLS for sips). */
	enum sp_transport tp = j->tp != SP_TP_OTHER ? j->tp
			       : j->nsets	    ? j->sets[0].tp
						    : default_tp(j);
	addr_of_target(j, tp_info(tp)->port, tp);
}

/* ---- NAPTR stage ---- */

static void on_naptr(struct sp__dns_waiter *w, int err, struct sp__dns_rrset *rs)
{
	struct sip_job *j = container_of(w, struct sip_job, naptr_w);
	j->naptr = sp_mem_ref(rs);
	soft_fail(j, err);
	stage_done(j);
}

/* §4.1: the usable NAPTR records, in order, become SRV sets; without any,
 * the SRV names of every transport we may use are probed. */
static void naptr_done(struct sip_job *j)
{
	struct sp_dns *d = j->q.d;
	unsigned idx[256];

	if (j->naptr && j->naptr->status == 0) {
		unsigned n = sp__dns_naptr_order(j->naptr, idx);
		for (unsigned k = 0; k < n; k++) {
			const struct sp__dns_rr *r = &j->naptr->rr[idx[k]];
			if (!sp_str_caseeq_c(r->u.naptr.flags, "s") ||
			    r->u.naptr.replacement[0] == 0)
				continue;
			for (size_t t = 0; t < sizeof(tps) / sizeof(tps[0]); t++) {
				if (!tps[t].naptr ||
				    !sp_str_caseeq_c(r->u.naptr.services, tps[t].naptr))
					continue;
				/* A sips URI keeps only SIPS services. */
				if (j->sips && tps[t].tp != SP_TP_TLS)
					continue;
				if (!(d->transports & SP_DNS_TP(tps[t].tp)))
					continue;
				add_set(j, r->u.naptr.replacement, tps[t].tp);
			}
		}
	}
	if (j->nsets == 0) {
		if (j->sips) {
			add_probe(j, SP_TP_TLS);
		} else {
			static const enum sp_transport order[] = {SP_TP_UDP, SP_TP_TCP, SP_TP_TLS,
								  SP_TP_SCTP};
			for (size_t t = 0; t < sizeof(order) / sizeof(order[0]); t++)
				if (d->transports & SP_DNS_TP(order[t]))
					add_probe(j, order[t]);
		}
	}
	if (j->nsets == 0) {
		addr_of_target(j, tp_info(default_tp(j))->port, default_tp(j));
		return;
	}
	stage_srv(j);
}

/* One lookup of the current stage has completed (or the stage's start
 * has): moves on when none is left. */
static void stage_done(struct sip_job *j)
{
	if (--j->pending)
		return;
	switch (j->stage) {
	case ST_NAPTR:
		naptr_done(j);
		break;
	case ST_SRV:
		srv_done(j);
		break;
	case ST_ADDR:
		finish(j);
		break;
	case ST_DONE:
		break;
	}
}

/* ---- start ---- */

/* Numeric TARGET or localhost: the answer needs no query. */
static int immediate(struct sip_job *j, struct sp_str host, enum sp_transport tp)
{
	uint16_t port = j->port ? j->port : tp_info(tp)->port;
	struct sp_sa sa;
	if (sp_sa_from_host(&sa, host, port) == 0) {
		add_target(j, tp, &sa);
		return 1;
	}
	/* RFC 6761 §6.3: localhost and names below it are loopback. */
	size_t n = host.len;
	if (n && host.p[n - 1] == '.')
		n--;
	bool local = (n == 9 && strncasecmp(host.p, "localhost", 9) == 0) ||
		     (n > 10 && strncasecmp(host.p + n - 10, ".localhost", 10) == 0);
	if (!local)
		return 0;
	enum sp_dns_family fam = j->q.d->family;
	struct sp_sa v4, v6;
	sp_sa_from_host(&v4, SP_STR("127.0.0.1"), port);
	sp_sa_from_host(&v6, SP_STR("::1"), port);
	if (fam == SP_DNS_V6_THEN_V4 || fam == SP_DNS_V6_ONLY)
		add_target(j, tp, &v6);
	if (fam != SP_DNS_V6_ONLY)
		add_target(j, tp, &v4);
	if (fam == SP_DNS_V4_THEN_V6)
		add_target(j, tp, &v6);
	return 1;
}

/* The transport the URI asks for (§4.1), SP_TP_OTHER if none, or
 * -EPROTONOSUPPORT. */
static int uri_transport(const struct sp_uri *uri, bool sips, enum sp_transport *tp)
{
	*tp = SP_TP_OTHER;
	if (!sp_str_present(uri->transport))
		return 0;
	enum sp_transport t = sp_transport_lookup(uri->transport);
	if (t == SP_TP_OTHER || !tp_info(t))
		return -EPROTONOSUPPORT;
	if (sips) {
		/* RFC 3261 §26.2.2: sips over TCP is TLS; over UDP or SCTP
		 * there is no TLS we could use. */
		if (t == SP_TP_TCP || t == SP_TP_TLS)
			t = SP_TP_TLS;
		else if (t == SP_TP_WS || t == SP_TP_WSS)
			t = SP_TP_WSS;
		else
			return -EPROTONOSUPPORT;
	}
	*tp = t;
	return 0;
}

int sp_dns_resolve_sip(struct sp_dns *d, const struct sp_uri *uri, sp_dns_sip_cb cb, void *arg,
		       struct sp_dns_query **q)
{
	if (!d || !uri || !cb)
		return -EINVAL;
	if (d->destroying)
		return -ESHUTDOWN;
	if (uri->scheme != SP_URI_SIP && uri->scheme != SP_URI_SIPS)
		return -EINVAL;
	bool sips = uri->scheme == SP_URI_SIPS;
	/* §4: TARGET is maddr if present, else the host. */
	struct sp_str host = uri->maddr.p && uri->maddr.len ? uri->maddr : uri->hp.host;
	if (!host.len)
		return -EINVAL;
	enum sp_transport tp;
	int rc = uri_transport(uri, sips, &tp);
	if (rc)
		return rc;

	struct sip_job *j = sp_malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	j->res = sp_mem_zalloc(sizeof(*j->res) + SP_DNS_MAX_TARGETS * sizeof(j->res->t[0]), NULL);
	if (!j->res) {
		sp_free(j);
		return -ENOMEM;
	}
	j->cb = cb;
	j->arg = arg;
	j->sips = sips;
	j->tp = tp;
	j->port = uri->hp.has_port ? uri->hp.port : 0;
	j->q.d = d;

	enum sp_transport eff = tp != SP_TP_OTHER ? tp : default_tp(j);
	if (immediate(j, host, eff)) {
		sp__dns_query_start(d, &j->q, &sip_ops);
		j->stage = ST_DONE;
		sp__dns_query_complete(&j->q);
		goto out;
	}
	size_t n = host.len;
	if (host.p[n - 1] == '.')
		n--;
	if (!sp__dns_name_valid(host.p, n)) {
		job_free(j);
		return -EINVAL;
	}
	memcpy(j->target, host.p, n);
	j->target[n] = 0;
	sp__dns_query_start(d, &j->q, &sip_ops);

	if (j->port) {
		addr_of_target(j, j->port, eff); /* §4.2: explicit port */
	} else if (tp != SP_TP_OTHER) {
		add_probe(j, tp); /* §4.2: SRV for that transport */
		if (j->nsets)
			stage_srv(j);
		else
			addr_of_target(j, tp_info(tp)->port, tp); /* ws/wss */
	} else {
		j->stage = ST_NAPTR; /* §4.1 */
		j->pending = 1;
		start(j, j->target, SP__DNS_NAPTR, &j->naptr_w, on_naptr, &j->naptr);
		stage_done(j);
	}
out:
	if (q)
		*q = &j->q;
	return 0;
}
