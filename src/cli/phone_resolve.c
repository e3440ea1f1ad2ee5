/*
 * Host names for the softphone verbs (RFC 3263 §4): a --server given as a
 * name, and a direct call's target host, are looked up with src/dns
 * (NAPTR, SRV, A/AAAA; the servers of --dns, else /etc/resolv.conf) before
 * the UA starts; the UA is told where the name goes (sp_ua_set_host). For
 * the server every target on the first one's transport is kept: the UA
 * fails over to the next (RFC 3263 §4.3, sp_ua_add_server). The same
 * resolver then serves the UA for names it meets later (a peer's Contact
 * or Record-Route, cfg.dns).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/dns.h"
#include "siphon/mem.h"
#include "siphon/transport.h"
#include "siphon/uri.h"

#include "cli.h"
#include "phone_common.h"

#define RESOLVE_MS 15000 /* bound on one lookup (c-ares retries inside) */

struct lookup {
	bool done;
	int err;
	struct sp_dns_target *out;
	unsigned max, n;
};

/* Keeps the targets, in order, that use the first one's transport. */
static void on_targets(int err, struct sp_dns_targets *res, void *arg)
{
	struct lookup *l = arg;
	l->done = true;
	l->err = err;
	for (unsigned i = 0; err == 0 && res && i < res->n && l->n < l->max; i++)
		if (res->t[i].tp == res->t[0].tp)
			l->out[l->n++] = res->t[i];
}

static bool lookup_done(struct sp_phone *p)
{
	return ((struct lookup *)p->resolving)->done;
}

int sp_phone_resolver(struct sp_phone *p, bool required)
{
	if (p->resolver)
		return 0;
	const char *servers[1] = { p->dns };
	struct sp_dns_config cfg = {
		.servers = p->dns ? servers : NULL,
		.nservers = p->dns ? 1 : 0,
		/* The UA speaks UDP and TCP (no TLS in this delivery). */
		.transports = SP_DNS_TP(SP_TP_UDP) | SP_DNS_TP(SP_TP_TCP),
	};
	int rc = sp_dns_create(&p->resolver, p->loop, &cfg);
	if (rc && (required || p->verbose))
		fprintf(stderr, "siphon %s: DNS resolver: %s\n", p->verb, strerror(-rc));
	return rc && required ? SP_EXIT_FAIL : 0;
}

int sp_phone_resolve(struct sp_phone *p, const char *host, uint16_t port, enum sp_transport tp,
		     struct sp_dns_target *out, unsigned max, unsigned *n)
{
	char text[300];
	struct sp_uri uri;
	struct sp_parse_error perr;
	struct lookup l = { .out = out, .max = max ? max : 1 };
	int w = snprintf(text, sizeof(text), "sip:%s", host);
	if (port)
		w += snprintf(text + w, sizeof(text) - (size_t)w, ":%u", port);
	if (tp == SP_TP_TCP)
		snprintf(text + w, sizeof(text) - (size_t)w, ";transport=tcp");
	else if (tp == SP_TP_UDP)
		snprintf(text + w, sizeof(text) - (size_t)w, ";transport=udp");
	if (sp_uri_parse(&uri, sp_str_c(text), 0, &perr) != 0) {
		fprintf(stderr, "siphon %s: invalid host name '%s'\n", p->verb, host);
		return SP_EXIT_USAGE;
	}
	struct sp_dns_query *q = NULL;
	int rc = sp_phone_resolver(p, true);
	if (rc)
		return rc;
	rc = sp_dns_resolve_sip(p->resolver, &uri, on_targets, &l, &q);
	if (rc == 0) {
		p->resolving = &l;
		sp_phone_run(p, lookup_done, sp_loop_now(p->loop) + RESOLVE_MS, true);
		p->resolving = NULL;
		if (!l.done)
			sp_dns_cancel(q);
		rc = l.done ? l.err : p->signalled ? -EINTR : -ETIMEDOUT;
	}
	if (rc == 0 && out[0].tp != SP_TP_UDP && out[0].tp != SP_TP_TCP)
		rc = -EPROTONOSUPPORT;
	if (rc) {
		fprintf(stderr, "siphon %s: cannot resolve %s (RFC 3263): %s\n", p->verb, text,
			rc == -ENOENT ? "no such name" : strerror(-rc));
		return SP_EXIT_FAIL;
	}
	if (n)
		*n = l.n;
	for (unsigned i = 0; p->verbose && i < l.n; i++) {
		char s[SP_SA_STRLEN];
		sp_sa_print(&out[i].addr, s, sizeof(s));
		fprintf(stderr, "siphon %s: %s is %s over %s\n", p->verb, host, s,
			sp_transport_name(out[i].tp));
	}
	return 0;
}
