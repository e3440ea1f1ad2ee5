/*
 * ENUM (RFC 6116): E.164 number -> SIP URI through NAPTR records. The
 * DDDS loop (RFC 3402 §4) is a depth-first walk: the records of a domain
 * are sorted by order and preference (§5.2) and considered in turn; a
 * terminal record ("u" flag) with the "sip" Enumservice whose
 * substitution expression matches the AUS ends the walk with its URI; a
 * non-terminal record (empty flags) sends the walk into the domain in
 * its replacement field (§5.2.1), and when that domain yields nothing the
 * walk resumes with the next record of the referring set. At most 5
 * non-terminal hops are followed and a domain already on the path is
 * never entered again (referential loops). Any record that cannot be
 * used is skipped, never fatal (§5.2).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "siphon/mem.h"
#include "siphon/uri.h"

#include "dns_int.h"

#define MAX_DEPTH 6 /* the first domain and 5 non-terminal hops */

struct frame {
	const char *name;	  /* the domain: job->domain or a replacement */
	struct sp__dns_rrset *rs; /* referenced, once answered */
	unsigned idx[256];	  /* records in order */
	unsigned n, cur;
};

struct enum_job {
	struct sp_dns_query q; /* first: the handle */
	sp_dns_enum_cb cb;
	void *arg;
	char aus[20];
	char domain[SP__DNS_NAME_MAX + 1];
	struct frame st[MAX_DEPTH];
	unsigned depth;
	struct sp__dns_waiter w;
	int soft; /* first failure that was not an answer */
	int err;
	size_t len;
	char uri[SP_DNS_ENUM_URI_MAX + 1];
};

static void job_free(struct enum_job *j)
{
	sp__dns_waiter_cancel(&j->w);
	for (unsigned i = 0; i < j->depth; i++)
		sp_mem_deref(j->st[i].rs);
	sp_free(j);
}

static void op_finish(struct sp_dns_query *q)
{
	struct enum_job *j = (struct enum_job *)q;
	j->cb(j->err, j->err ? NULL : j->uri, j->err ? 0 : j->len, j->arg);
	job_free(j);
}

static void op_abort(struct sp_dns_query *q)
{
	struct enum_job *j = (struct enum_job *)q;
	j->cb(-ECANCELED, NULL, 0, j->arg);
	job_free(j);
}

static void op_release(struct sp_dns_query *q)
{
	job_free((struct enum_job *)q);
}

static const struct sp__dns_query_ops enum_ops = {op_finish, op_abort, op_release};

/* RFC 6116 §3.4.3: "E2U" 1*("+" type [":" subtype]); true if one of the
 * Enumservices has type "sip". RFC 2916's "sip+E2U" is accepted too
 * (§5.2: clients SHOULD support the obsolete syntax). */
static bool sip_service(struct sp_str s)
{
	if (sp_str_caseeq_c(s, "sip+E2U"))
		return true;
	if (s.len < 4 || strncasecmp(s.p, "E2U+", 4) != 0)
		return false;
	size_t i = 4;
	while (i <= s.len) {
		size_t start = i, type_end = 0;
		while (i < s.len && s.p[i] != '+') {
			if (s.p[i] == ':' && !type_end)
				type_end = i;
			i++;
		}
		if (!type_end)
			type_end = i;
		if (type_end - start == 3 && strncasecmp(s.p + start, "sip", 3) == 0)
			return true;
		i++;
	}
	return false;
}

/* A terminal record: its URI into j->uri if it applies. */
static bool terminal(struct enum_job *j, const struct sp__dns_rr *r)
{
	if (!sip_service(r->u.naptr.services))
		return false;
	long n = sp_dns_naptr_subst(r->u.naptr.regexp, sp_str_c(j->aus), j->uri, sizeof(j->uri));
	if (n <= 0)
		return false;
	/* §3.3: the output is a URI; for the sip Enumservice a SIP one. */
	struct sp_uri u;
	if (sp_uri_parse(&u, (struct sp_str){j->uri, (size_t)n}, SP_URI_NO_OTHER, NULL) != 0 ||
	    (u.scheme != SP_URI_SIP && u.scheme != SP_URI_SIPS))
		return false;
	j->len = (size_t)n;
	return true;
}

static void walk(struct enum_job *j);

static void pop(struct enum_job *j)
{
	j->depth--;
	j->st[j->depth].rs = sp_mem_deref(j->st[j->depth].rs);
}

/* The top frame's lookup answered: sort its records, or drop the frame. */
static void answered(struct enum_job *j, int err, struct sp__dns_rrset *rs)
{
	struct frame *f = &j->st[j->depth - 1];
	if (err && !j->soft)
		j->soft = err;
	if (!rs || rs->status) {
		pop(j);
		return;
	}
	f->rs = sp_mem_ref(rs);
	f->n = sp__dns_naptr_order(rs, f->idx);
	f->cur = 0;
}

static void on_naptr(struct sp__dns_waiter *w, int err, struct sp__dns_rrset *rs)
{
	struct enum_job *j = container_of(w, struct enum_job, w);
	answered(j, err, rs);
	walk(j);
}

/* Pushes a frame for name and looks it up. Returns true if the walk must
 * wait for the answer. */
static bool enter(struct enum_job *j, const char *name)
{
	struct frame *f = &j->st[j->depth++];
	struct sp__dns_rrset *hit = NULL;
	f->name = name;
	f->rs = NULL;
	f->n = f->cur = 0;
	j->w.cb = on_naptr;
	int rc = sp__dns_fetch(j->q.d, name, SP__DNS_NAPTR, &j->w, &hit);
	if (rc == 0)
		return true;
	answered(j, rc < 0 ? rc : 0, hit);
	sp_mem_deref(hit);
	return false;
}

static bool on_path(const struct enum_job *j, const char *name)
{
	for (unsigned i = 0; i < j->depth; i++)
		if (strcasecmp(j->st[i].name, name) == 0)
			return true;
	return false;
}

/* Considers records until one yields a URI, a lookup must be waited
 * for, or nothing is left. */
static void walk(struct enum_job *j)
{
	while (j->depth) {
		struct frame *f = &j->st[j->depth - 1];
		if (f->cur >= f->n) {
			pop(j);
			continue;
		}
		const struct sp__dns_rr *r = &f->rs->rr[f->idx[f->cur++]];
		struct sp_str flags = r->u.naptr.flags;
		if (sp_str_caseeq_c(flags, "u")) {
			if (terminal(j, r)) {
				j->err = 0;
				sp__dns_query_complete(&j->q);
				return;
			}
		} else if (flags.len == 0) {
			/* §5.2.1: non-terminal; the replacement is the next
			 * key. Too deep or a loop: skip the record. */
			const char *next = r->u.naptr.replacement;
			if (next[0] && j->depth < MAX_DEPTH && !on_path(j, next) &&
			    sp__dns_name_valid(next, strlen(next)) && enter(j, next))
				return;
		}
		/* Any other flag: §3.4.2, ignore the record. */
	}
	j->err = j->soft ? j->soft : -ENOENT;
	sp__dns_query_complete(&j->q);
}

int sp_dns_enum(struct sp_dns *d, struct sp_str number, sp_dns_enum_cb cb, void *arg,
		struct sp_dns_query **q)
{
	if (!d || !cb)
		return -EINVAL;
	if (d->destroying)
		return -ESHUTDOWN;
	struct enum_job *j = sp_malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	int rc = sp_dns_enum_domain(number, d->enum_suffix, j->aus, sizeof(j->aus), j->domain,
				    sizeof(j->domain));
	if (rc) {
		sp_free(j);
		return rc == -ENOSPC ? -EINVAL : rc;
	}
	j->cb = cb;
	j->arg = arg;
	sp__dns_query_start(d, &j->q, &enum_ops);
	if (!enter(j, j->domain))
		walk(j);
	if (q)
		*q = &j->q;
	return 0;
}
