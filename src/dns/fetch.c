/*
 * One record set lookup: from the cache if it is there and fresh, else by
 * joining the c-ares query already in flight for the same name and type
 * (so a burst of requests for one domain sends one query), else by sending
 * a new one. The answer is parsed (wire.c), cached (cache.c) and handed to
 * every waiter.
 *
 * c-ares may call a query's callback from inside ares_query() (no server,
 * ENOMEM, a socket that cannot open). Such an answer is caught by the
 * entry's in_send flag and returned by sp__dns_fetch itself, so a waiter's
 * callback never runs inside the fetch that registered it.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "siphon/err.h"
#include "siphon/log.h"
#include "siphon/mem.h"

#include "dns_int.h"

int sp__dns_ares_err(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return 0;
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
	case ARES_ENONAME:
		return -ENOENT;
	case ARES_ETIMEOUT:
		return -ETIMEDOUT;
	case ARES_ECONNREFUSED:
		return -ECONNREFUSED;
	case ARES_ENOMEM:
		return -ENOMEM;
	case ARES_EBADRESP:
		return -EBADMSG;
	case ARES_EBADNAME:
	case ARES_EBADQUERY:
		return -EINVAL;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		return -ECANCELED;
	default: /* SERVFAIL, REFUSED, NOTIMP, FORMERR, no servers... */
		return -EAGAIN;
	}
}

/* Hands the outcome to every waiter of e. The waiters are moved to a
 * local list first: a callback may cancel another waiter of the same
 * entry, start new lookups, or cause e to be evicted. */
static void notify(struct sp__dns_waiter *list, int err, struct sp__dns_rrset *rs)
{
	struct sp__dns_waiter *local = list, *w;

	if (!local)
		return;
	local->pprev = &local;
	sp_mem_ref(rs);
	while ((w = local) != NULL) {
		local = w->next;
		if (local)
			local->pprev = &local;
		w->next = NULL;
		w->pprev = NULL;
		w->entry = NULL;
		w->cb(w, err, rs);
	}
	sp_mem_deref(rs);
}

/* Parses what c-ares delivered into a set or an error. */
static int outcome(struct sp__dns_entry *e, int status, const unsigned char *abuf, int alen,
		   struct sp__dns_rrset **rs)
{
	*rs = NULL;
	if (abuf && alen > 0 &&
	    (status == ARES_SUCCESS || status == ARES_ENODATA || status == ARES_ENOTFOUND))
		return sp__dns_parse(abuf, (size_t)alen, e->name, e->type, rs);
	int err = sp__dns_ares_err(status);
	/* Without a message (no SOA), a "not found" is not cached. */
	return err ? err : -EBADMSG;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct sp__dns_entry *e = arg;
	struct sp_dns *d = e->d;
	struct sp__dns_rrset *rs;
	(void)timeouts;

	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		/* sp_dns_destroy: every query was aborted before. */
		sp__dns_cache_drop(d, e);
		return;
	}
	int err = outcome(e, status, abuf, alen, &rs);
	if (err) {
		d->stats.failures++;
		SP_LOG_RL(SP_LOG_DEBUG, "dns: %s type %u: %s", e->name, e->type, sp_strerror(err));
	}
	if (e->in_send) {
		e->sync_done = true;
		e->sync_err = err;
		e->rs = rs;
		return;
	}
	struct sp__dns_waiter *list = e->waiters;
	e->waiters = NULL;
	if (err)
		sp__dns_cache_drop(d, e);
	else
		sp__dns_cache_store(d, e, rs);
	/* e may be gone now. */
	notify(list, err, rs);
	sp_mem_deref(rs);
}

static void lower(char *out, const char *in)
{
	while (*in)
		*out++ = (char)tolower((unsigned char)*in++);
	*out = 0;
}

int sp__dns_fetch(struct sp_dns *d, const char *name, uint16_t type, struct sp__dns_waiter *w,
		  struct sp__dns_rrset **hit)
{
	char key[SP__DNS_NAME_MAX + 1];

	if (strlen(name) > SP__DNS_NAME_MAX)
		return -EINVAL;
	lower(key, name);
	struct sp__dns_entry *e = sp__dns_cache_find(d, key, type);
	if (e && !e->pending) {
		if (sp_loop_now(d->loop) < e->expires) {
			d->stats.cache_hits++;
			if (e->rs->status)
				d->stats.neg_hits++;
			sp__dns_cache_touch(d, e);
			*hit = sp_mem_ref(e->rs);
			return 1;
		}
		sp__dns_cache_unresolve(d, e);
	} else if (e) {
		d->stats.coalesced++;
		goto join;
	}
	if (!e && !(e = sp__dns_cache_add(d, key, type)))
		return -ENOMEM;

	d->stats.queries++;
	e->in_send = true;
	ares_query(d->ch, key, 1 /* C_IN */, type, on_answer, e);
	e->in_send = false;
	sp__dns_timer_update(d);
	if (e->sync_done) {
		int err = e->sync_err;
		struct sp__dns_rrset *rs = e->rs;
		e->rs = NULL;
		if (err) {
			sp__dns_cache_drop(d, e);
			return err;
		}
		sp__dns_cache_store(d, e, rs);
		*hit = rs;
		return 1;
	}
join:
	w->entry = e;
	w->next = e->waiters;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = &e->waiters;
	e->waiters = w;
	return 0;
}

void sp__dns_waiter_cancel(struct sp__dns_waiter *w)
{
	if (!w->entry)
		return;
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	w->next = NULL;
	w->pprev = NULL;
	w->entry = NULL;
}
