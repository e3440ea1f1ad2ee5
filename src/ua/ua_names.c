/*
 * Host names the UA sends to (RFC 3263 §4): the names the application
 * resolved itself (sp_ua_set_host, kept for the UA's life), and, with
 * cfg.dns, any other name a request must go to: a peer's Contact or
 * Record-Route naming a host instead of an address, a Refer-To target.
 *
 * Sending stays synchronous for the rest of the UA: a request to a name
 * not yet resolved gets a destination that stands for the name (a
 * "pending" sp_tsx_dest, below), its bytes wait in the name's queue while
 * sp_dns looks the name up, and go out to the first usable target when
 * the answer comes. A retransmission of the same bytes is not queued
 * twice. Every usable target of the answer is kept, in RFC 3263 order:
 * a request outside a dialog that times out, meets a transport error or
 * gets 503 goes again to the next one (§4.3, sp__ua_name_failover). A
 * name that does not resolve fails every send to it for
 * NAME_NEG_MS, so the transaction sees a transport error at its next
 * retransmission (RFC 3261 §8.1.3.1: it then acts as on a 503). Resolved
 * names are looked up again after NAME_TTL_MS, in place (sp_dns keeps the
 * records' own TTLs, so that is usually a cache hit); meanwhile their
 * requests wait as for a new name.
 *
 * Bounded: UA_NAMES names, NAME_QUEUE messages queued per name; a new
 * name takes the place of the one used longest ago that has nothing
 * queued. A destination still naming a replaced entry fails to send
 * (the generation number no longer matches).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "siphon/dns.h"
#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/transport.h"

#include "ua_int.h"

#define NAME_TTL_MS 60000 /* a resolved name is looked up again after this */
#define NAME_NEG_MS 30000 /* a failed name fails sends for this long */

enum name_state { NAME_FREE, NAME_PENDING, NAME_OK, NAME_FAILED };

struct sp__ua_name {
	struct sp_ua *ua;
	enum name_state state;
	bool fixed;	/* sp_ua_set_host: any port, never expires */
	uint32_t gen;	/* bumped when the slot changes names */
	char key[UA_STR_MAX]; /* fixed: the host; else host, port, transport */
	struct sp_dns_target t[UA_NAME_TARGETS]; /* failover order */
	unsigned nt, cur; /* requests go to t[cur] */
	sp_msec expires, used;
	struct sp_dns_query *q;
	struct {
		void *buf;
		size_t len;
	} queue[NAME_QUEUE];
	unsigned nq;
};

/* ---- the pending destination ---- */

/* A destination standing for slot i of generation gen: family AF_UNSPEC,
 * length 0 (so it can never be taken for an address), both numbers in the
 * IPv4 fields. UDP, so no connection is held for it. */
static void pending_dest(struct sp_tsx_dest *d, unsigned i, uint32_t gen)
{
	memset(d, 0, sizeof(*d));
	d->tp = SP_TP_UDP;
	d->addr.u.sa.sa_family = AF_UNSPEC;
	d->addr.u.in4.sin_port = (in_port_t)(i + 1);
	d->addr.u.in4.sin_addr.s_addr = gen;
}

bool sp__ua_dest_pending(const struct sp_tsx_dest *d)
{
	return d->addr.len == 0 && d->addr.u.sa.sa_family == AF_UNSPEC &&
	       d->addr.u.in4.sin_port != 0;
}

/* ---- the table ---- */

static void drop_queue(struct sp__ua_name *n)
{
	for (unsigned i = 0; i < n->nq; i++)
		sp_free(n->queue[i].buf);
	n->nq = 0;
}

static void release(struct sp__ua_name *n)
{
	if (n->q)
		sp_dns_cancel(n->q);
	n->q = NULL;
	drop_queue(n);
	n->state = NAME_FREE;
	n->gen++;
}

/* A URI's destination: host (or maddr, RFC 3263 §4), port, transport,
 * secure scheme: what RFC 3263 resolution depends on. */
static int uri_key(const struct sp_uri *uri, char *key, size_t cap)
{
	struct sp_str host = uri->maddr.p ? uri->maddr : uri->hp.host;
	int n = snprintf(key, cap, "%s%.*s:%u;%.*s", uri->scheme == SP_URI_SIPS ? "s:" : "",
			 (int)host.len, host.p, uri->hp.has_port ? uri->hp.port : 0u,
			 (int)uri->transport.len, uri->transport.p ? uri->transport.p : "");
	return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

static struct sp__ua_name *find(struct sp_ua *ua, struct sp_str key, bool fixed)
{
	for (unsigned i = 0; i < UA_NAMES; i++) {
		struct sp__ua_name *n = ua->names[i];
		if (n && n->state != NAME_FREE && n->fixed == fixed && strlen(n->key) == key.len &&
		    strncasecmp(n->key, key.p, key.len) == 0)
			return n;
	}
	return NULL;
}

/* A free slot, else the resolved or failed name used longest ago (never
 * one the application set); NULL when every slot is busy. */
static struct sp__ua_name *take_slot(struct sp_ua *ua)
{
	struct sp__ua_name *victim = NULL;
	for (unsigned i = 0; i < UA_NAMES; i++) {
		struct sp__ua_name *n = ua->names[i];
		if (!n) {
			if (!(n = sp_malloc(sizeof(*n))))
				return NULL;
			memset(n, 0, sizeof(*n));
			n->ua = ua;
			ua->names[i] = n;
		}
		if (n->state == NAME_FREE)
			return n;
		if (n->state == NAME_PENDING || n->nq || n->fixed)
			continue;
		if (!victim || n->used < victim->used)
			victim = n;
	}
	if (victim)
		release(victim);
	return victim;
}

static unsigned slot_of(const struct sp_ua *ua, const struct sp__ua_name *n)
{
	unsigned i = 0;
	while (ua->names[i] != n)
		i++;
	return i;
}

/* Keeps the targets the UA can send on, in order: its own transport, or
 * UDP (a TCP target needs our TCP socket to name in Via). Returns how
 * many. */
static unsigned keep_targets(struct sp__ua_name *n, const struct sp_dns_targets *res)
{
	n->nt = n->cur = 0;
	for (unsigned i = 0; i < res->n && n->nt < UA_NAME_TARGETS; i++)
		if (res->t[i].tp == n->ua->cfg.tp || res->t[i].tp == SP_TP_UDP)
			n->t[n->nt++] = res->t[i];
	return n->nt;
}

static void on_resolved(int err, struct sp_dns_targets *res, void *arg)
{
	struct sp__ua_name *n = arg;
	struct sp_ua *ua = n->ua;

	n->q = NULL;
	if (err == 0 && !keep_targets(n, res))
		err = -EPROTONOSUPPORT;
	if (err) {
		SP_LOG(SP_LOG_WARN, "ua: cannot resolve %s (RFC 3263): %s; %u request(s) dropped",
		       n->key, err == -ENOENT ? "no such name" : strerror(-err), n->nq);
		n->state = NAME_FAILED;
		n->expires = sp_loop_now(ua->loop) + NAME_NEG_MS;
		drop_queue(n);
		return;
	}
	n->state = NAME_OK;
	n->expires = sp_loop_now(ua->loop) + NAME_TTL_MS;
	struct sp_tsx_dest d = { .tp = n->t[0].tp, .addr = n->t[0].addr };
	for (unsigned i = 0; i < n->nq; i++) {
		int rc = sp__ua_send(ua, &d, n->queue[i].buf, n->queue[i].len);
		if (rc)
			SP_LOG(SP_LOG_WARN, "ua: request to %s not sent: %s", n->key, strerror(-rc));
	}
	drop_queue(n);
}

static int start_lookup(struct sp_ua *ua, struct sp__ua_name *n, const struct sp_uri *uri)
{
	int rc = sp_dns_resolve_sip(ua->cfg.dns, uri, on_resolved, n, &n->q);
	if (rc) {
		release(n);
		return rc == -ENOMEM ? rc : -EDESTADDRREQ;
	}
	n->state = NAME_PENDING;
	return 0;
}

int sp__ua_name_dest(struct sp_ua *ua, const struct sp_uri *uri, struct sp_tsx_dest *d)
{
	struct sp__ua_name *n = find(ua, uri->maddr.p ? uri->maddr : uri->hp.host, true);
	sp_msec now = sp_loop_now(ua->loop);

	if (n) {
		n->used = now;
		d->addr = n->t[n->cur].addr;
		d->tp = n->t[n->cur].tp;
		if (uri->hp.has_port)
			sp_sa_set_port(&d->addr, uri->hp.port);
		return 0;
	}
	if (!ua->cfg.dns)
		return -EDESTADDRREQ; /* the UA sends no query of its own */
	char key[UA_STR_MAX];
	int rc = uri_key(uri, key, sizeof(key));
	if (rc)
		return rc;
	n = find(ua, sp_str_c(key), false);
	if (n && n->state != NAME_PENDING && now >= n->expires) {
		/* Looked up again in place: destinations handed out for
		 * this name (its slot and generation) stay valid. */
		if ((rc = start_lookup(ua, n, uri)) != 0)
			return rc;
	}
	if (!n) {
		if (!(n = take_slot(ua)))
			return -ENOSPC;
		memcpy(n->key, key, strlen(key) + 1);
		n->fixed = false;
		if ((rc = start_lookup(ua, n, uri)) != 0)
			return rc;
	}
	n->used = now;
	switch (n->state) {
	case NAME_OK:
		d->addr = n->t[n->cur].addr;
		d->tp = n->t[n->cur].tp;
		return 0;
	case NAME_FAILED:
		return -EHOSTUNREACH;
	default:
		pending_dest(d, slot_of(ua, n), n->gen);
		return 0;
	}
}

/* The entry a pending destination stands for; NULL when its slot went
 * to another name since. */
static struct sp__ua_name *of_pending(struct sp_ua *ua, const struct sp_tsx_dest *d)
{
	unsigned i = (unsigned)d->addr.u.in4.sin_port - 1;
	struct sp__ua_name *n = i < UA_NAMES ? ua->names[i] : NULL;
	return n && n->gen == d->addr.u.in4.sin_addr.s_addr ? n : NULL;
}

int sp__ua_name_send(struct sp_ua *ua, const struct sp_tsx_dest *d, const void *buf, size_t len)
{
	struct sp__ua_name *n = of_pending(ua, d);
	if (!n)
		return -EHOSTUNREACH;
	switch (n->state) {
	case NAME_OK: {
		struct sp_tsx_dest to = { .tp = n->t[n->cur].tp, .addr = n->t[n->cur].addr };
		return sp__ua_send(ua, &to, buf, len);
	}
	case NAME_PENDING:
		break;
	default:
		return -EHOSTUNREACH;
	}
	for (unsigned k = 0; k < n->nq; k++)
		if (n->queue[k].len == len && memcmp(n->queue[k].buf, buf, len) == 0)
			return 0; /* a retransmission of what waits already */
	if (n->nq == NAME_QUEUE)
		return -ENOBUFS;
	void *copy = sp_malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	n->queue[n->nq].buf = copy;
	n->queue[n->nq++].len = len;
	return 0;
}

/* Whether a request sent to failed went to target t of n (a name the
 * application set may have had its port replaced by the URI's). */
static bool went_to(const struct sp__ua_name *n, const struct sp_dns_target *t,
		    const struct sp_tsx_dest *failed)
{
	return n->fixed ? sp_sa_ip_eq(&t->addr, &failed->addr) : sp_sa_eq(&t->addr, &failed->addr);
}

bool sp__ua_name_failover(struct sp_ua *ua, const struct sp_tsx_dest *failed, unsigned tries)
{
	struct sp__ua_name *n = NULL;
	bool current = true;
	if (sp__ua_dest_pending(failed)) {
		n = of_pending(ua, failed);
	} else {
		for (unsigned i = 0; i < UA_NAMES && !n; i++) {
			struct sp__ua_name *e = ua->names[i];
			if (!e || e->state != NAME_OK)
				continue;
			if (went_to(e, &e->t[e->cur], failed))
				n = e;
			for (unsigned k = 0; !n && k < e->nt; k++)
				if (went_to(e, &e->t[k], failed))
					n = e, current = false;
		}
	}
	if (!n || n->state != NAME_OK || tries + 1 >= n->nt)
		return false;
	if (current) { /* else another request moved on already */
		char s[SP_SA_STRLEN];
		sp_sa_print(&n->t[n->cur].addr, s, sizeof(s));
		n->cur = (n->cur + 1) % n->nt;
		SP_LOG(SP_LOG_WARN, "ua: %s at %s failed: trying the next address (RFC 3263 §4.3)",
		       n->key, s);
	}
	return true;
}

int sp_ua_set_host(struct sp_ua *ua, const char *host, const struct sp_dns_target *t, unsigned nt)
{
	struct sp_sa probe;
	size_t len = host ? strlen(host) : 0;
	if (!len || len >= sizeof(ua->names[0]->key) || !t || !nt ||
	    sp_sa_from_host(&probe, sp_str_c(host), 0) == 0)
		return -EINVAL;
	for (unsigned i = 0; i < nt; i++)
		if (!t[i].addr.len || (t[i].tp != SP_TP_UDP && t[i].tp != SP_TP_TCP))
			return -EINVAL;
	struct sp__ua_name *n = find(ua, sp_str_c(host), true);
	if (!n) {
		unsigned fixed = 0;
		for (unsigned i = 0; i < UA_NAMES; i++)
			fixed += ua->names[i] && ua->names[i]->state != NAME_FREE && ua->names[i]->fixed;
		if (fixed >= UA_HOSTS || !(n = take_slot(ua)))
			return -ENOSPC;
		memcpy(n->key, host, len + 1);
		n->fixed = true;
	}
	n->state = NAME_OK;
	n->nt = nt < UA_NAME_TARGETS ? nt : UA_NAME_TARGETS;
	n->cur = 0;
	memcpy(n->t, t, n->nt * sizeof(*t));
	n->used = sp_loop_now(ua->loop);
	return 0;
}

void sp__ua_names_destroy(struct sp_ua *ua)
{
	for (unsigned i = 0; i < UA_NAMES; i++) {
		if (ua->names[i])
			release(ua->names[i]);
		sp_free(ua->names[i]);
		ua->names[i] = NULL;
	}
}
