/*
 * Query handles: what sp_dns_resolve_sip() and sp_dns_enum() hand out.
 * Every job registers here so sp_dns_destroy() can abort it, and every
 * result is delivered on a zero-delay timer of the job's own, so a
 * callback never runs inside the call that started the job (a cache hit
 * or a numeric host is ready at once) nor inside c-ares' processing.
 */
#include "dns_int.h"

static void on_done(void *arg)
{
	struct sp_dns_query *q = arg;
	sp__dns_query_unlink(q);
	q->ops->finish(q);
}

void sp__dns_query_start(struct sp_dns *d, struct sp_dns_query *q,
			 const struct sp__dns_query_ops *ops)
{
	q->d = d;
	q->ops = ops;
	sp_timer_init(&q->done);
	q->next = d->queries;
	if (q->next)
		q->next->pprev = &q->next;
	q->pprev = &d->queries;
	d->queries = q;
	d->nqueries++;
}

void sp__dns_query_complete(struct sp_dns_query *q)
{
	sp_timer_start(q->d->loop, &q->done, 0, on_done, q);
}

void sp__dns_query_unlink(struct sp_dns_query *q)
{
	sp_timer_stop(&q->done);
	if (!q->pprev)
		return;
	*q->pprev = q->next;
	if (q->next)
		q->next->pprev = q->pprev;
	q->next = NULL;
	q->pprev = NULL;
	q->d->nqueries--;
}

void sp_dns_cancel(struct sp_dns_query *q)
{
	if (!q)
		return;
	sp__dns_query_unlink(q);
	q->ops->release(q);
}
