/*
 * Host names for the softphone verbs (RFC 3263 §4): a --server given as a
 * name, and a direct call's target host, are looked up with src/dns
 * (NAPTR, SRV, A/AAAA; the servers of --dns, else /etc/resolv.conf) before
 * the UA starts; the UA is told where the name goes (sp_ua_set_host). The
 * first target is used: no failover to the next one on a timeout.
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
	struct sp_dns_target first;
};

static void on_targets(int err, struct sp_dns_targets *res, void *arg)
{
	struct lookup *l = arg;
	l->done = true;
	l->err = err;
	if (err == 0 && res && res->n)
		l->first = res->t[0];
}

static bool lookup_done(struct sp_phone *p)
{
	return ((struct lookup *)p->resolving)->done;
}

int sp_phone_resolve(struct sp_phone *p, const char *host, uint16_t port, enum sp_transport tp,
		     struct sp_dns_target *out)
{
	char text[300];
	struct sp_uri uri;
	struct sp_parse_error perr;
	struct sp_dns *dns = NULL;
	struct lookup l = { 0 };
	int n = snprintf(text, sizeof(text), "sip:%s", host);
	if (port)
		n += snprintf(text + n, sizeof(text) - (size_t)n, ":%u", port);
	if (tp == SP_TP_TCP)
		snprintf(text + n, sizeof(text) - (size_t)n, ";transport=tcp");
	else if (tp == SP_TP_UDP)
		snprintf(text + n, sizeof(text) - (size_t)n, ";transport=udp");
	if (sp_uri_parse(&uri, sp_str_c(text), 0, &perr) != 0) {
		fprintf(stderr, "siphon %s: invalid host name '%s'\n", p->verb, host);
		return SP_EXIT_USAGE;
	}
	const char *servers[1] = { p->dns };
	struct sp_dns_config cfg = {
		.servers = p->dns ? servers : NULL,
		.nservers = p->dns ? 1 : 0,
		/* The UA speaks UDP and TCP (no TLS in this delivery). */
		.transports = SP_DNS_TP(SP_TP_UDP) | SP_DNS_TP(SP_TP_TCP),
	};
	int rc = sp_dns_create(&dns, p->loop, &cfg);
	if (rc == 0)
		rc = sp_dns_resolve_sip(dns, &uri, on_targets, &l, NULL);
	if (rc == 0) {
		p->resolving = &l;
		sp_phone_run(p, lookup_done, sp_loop_now(p->loop) + RESOLVE_MS, true);
		p->resolving = NULL;
		rc = l.done ? l.err : p->signalled ? -EINTR : -ETIMEDOUT;
	}
	sp_dns_destroy(dns); /* a lookup still pending is cancelled */
	if (rc == 0 && l.first.tp != SP_TP_UDP && l.first.tp != SP_TP_TCP)
		rc = -EPROTONOSUPPORT;
	if (rc) {
		fprintf(stderr, "siphon %s: cannot resolve %s (RFC 3263): %s\n", p->verb, text,
			rc == -ENOENT ? "no such name" : strerror(-rc));
		return SP_EXIT_FAIL;
	}
	*out = l.first;
	if (p->verbose) {
		char s[SP_SA_STRLEN];
		sp_sa_print(&out->addr, s, sizeof(s));
		fprintf(stderr, "siphon %s: %s is %s over %s\n", p->verb, host, s,
			sp_transport_name(out->tp));
	}
	return 0;
}
