/*
 * RFC 3263 resolution (src/dns) against a real DNS server on loopback:
 * tests/support/dns_server.py serving tests/support/dns_zone.json on
 * 127.0.0.1 and an ephemeral port, started once for the binary. Every
 * resolver here is configured with that server only, so no query ever
 * leaves the machine. The server logs each query it receives; tests count
 * them to prove what was (and was not) asked, and what the cache saved.
 *
 * Covered: numeric hosts, explicit port, explicit transport, NAPTR -> SRV
 * -> A with transport filtering, SRV priority and weighted order (and the
 * deterministic order), SRV without NAPTR, A without SRV, AAAA and family
 * order, CNAME, SRV ".", a truncated answer retried over TCP, a malformed
 * answer, negative and positive caching with TTLs (on a clock the test
 * moves), query coalescing, the cache bound, timeout, SERVFAIL, an
 * unreachable server, cancel, destroy with queries pending, argument
 * errors and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "siphon/dns.h"
#include "siphon/loop.h"
#include "siphon/mem.h"
#include "siphon/uri.h"

#include "dns_harness.h"
#include "test_util.h"

static struct dns_srv srv;
static struct sp_loop *loop;
static sp_msec clock_offset; /* added to the real clock: TTL tests jump */

static sp_msec test_now(void *arg)
{
	(void)arg;
	return dns_wall_ms() + clock_offset;
}

struct res {
	bool done;
	unsigned calls;
	int err;
	unsigned n;
	struct sp_dns_target t[SP_DNS_MAX_TARGETS];
};

static void on_sip(int err, struct sp_dns_targets *r, void *arg)
{
	struct res *x = arg;
	x->calls++;
	x->done = true;
	x->err = err;
	x->n = 0;
	if (err) {
		assert_null(r);
		return;
	}
	assert_non_null(r);
	assert_true(r->n >= 1 && r->n <= SP_DNS_MAX_TARGETS);
	x->n = r->n;
	memcpy(x->t, r->t, r->n * sizeof(r->t[0]));
}

/* Moves the test clock by ms and lets the loop read it (the loop caches
 * the time once per iteration; the cache compares expiry with that). */
static void jump(sp_msec ms)
{
	clock_offset += ms;
	sp_loop_run_once(loop, 0);
}

static struct sp_dns *mk(struct sp_dns_config *cfg)
{
	const char *servers[] = {srv.addr};
	struct sp_dns_config c = {0};
	if (cfg)
		c = *cfg;
	if (!c.nservers) {
		c.servers = servers;
		c.nservers = 1;
	}
	if (!c.timeout_ms)
		c.timeout_ms = 500;
	struct sp_dns *d = NULL;
	assert_int_equal(sp_dns_create(&d, loop, &c), 0);
	dns_srv_clear(&srv);
	return d;
}

/* Starts a resolution of uri; the callback must not run inside the call. */
static void start(struct sp_dns *d, const char *uri, struct res *x, struct sp_dns_query **q)
{
	struct sp_uri u;
	memset(x, 0, sizeof(*x));
	/* The URI is only read during the call. */
	assert_int_equal(sp_uri_parse(&u, sp_str_c(uri), 0, NULL), 0);
	assert_int_equal(sp_dns_resolve_sip(d, &u, on_sip, x, q), 0);
	assert_false(x->done);
}

static void resolve(struct sp_dns *d, const char *uri, struct res *x)
{
	start(d, uri, x, NULL);
	assert_true(dns_run_until(loop, &x->done, 10000));
	assert_int_equal(x->calls, 1);
}

/* Fails unless target i is tp and "ip:port". */
static void target_is(const struct res *x, unsigned i, enum sp_transport tp, const char *addr)
{
	char buf[SP_SA_STRLEN];
	assert_true(i < x->n);
	sp_sa_print(&x->t[i].addr, buf, sizeof(buf));
	if (x->t[i].tp != tp || strcmp(buf, addr) != 0)
		fail_msg("target %u: %s %s, want %s %s", i, sp_transport_name(x->t[i].tp), buf,
			 sp_transport_name(tp), addr);
}

/* ---- no DNS needed ---- */

static void test_numeric(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:alice@127.0.0.9", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.9:5060");

	resolve(d, "sips:alice@127.0.0.9", &x);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.9:5061");

	resolve(d, "sip:[::1]:5070;transport=tcp", &x);
	target_is(&x, 0, SP_TP_TCP, "[::1]:5070");

	resolve(d, "sip:alice@127.0.0.9;transport=TLS", &x);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.9:5061");

	resolve(d, "sips:bob@127.0.0.9:5099;transport=tcp", &x);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.9:5099");

	/* maddr is TARGET (RFC 3263 §4). */
	resolve(d, "sip:bob@nx.test;maddr=127.0.0.8", &x);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.8:5060");

	/* RFC 6761 §6.3. */
	resolve(d, "sip:bob@localhost:5088", &x);
	assert_int_equal(x.n, 2);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.1:5088");
	target_is(&x, 1, SP_TP_UDP, "[::1]:5088");

	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 0);
	sp_dns_destroy(d);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct sp_uri u;
	struct res x = {0};
	struct sp_dns_query *q = (struct sp_dns_query *)&x;

	assert_int_equal(sp_uri_parse(&u, SP_STR("tel:+441234"), 0, NULL), 0);
	assert_int_equal(sp_dns_resolve_sip(d, &u, on_sip, &x, &q), -EINVAL);
	assert_ptr_equal(q, &x);
	assert_int_equal(sp_uri_parse(&u, SP_STR("sips:h.test;transport=udp"), 0, NULL), 0);
	assert_int_equal(sp_dns_resolve_sip(d, &u, on_sip, &x, &q), -EPROTONOSUPPORT);
	assert_int_equal(sp_uri_parse(&u, SP_STR("sip:h.test;transport=foo"), 0, NULL), 0);
	assert_int_equal(sp_dns_resolve_sip(d, &u, on_sip, &x, &q), -EPROTONOSUPPORT);
	/* A URI host that is no DNS name: a label over 63 characters. */
	char longhost[128] = "sip:";
	memset(longhost + 4, 'a', 64);
	strcpy(longhost + 68, ".test");
	assert_int_equal(sp_uri_parse(&u, sp_str_c(longhost), 0, NULL), 0);
	assert_int_equal(sp_dns_resolve_sip(d, &u, on_sip, &x, &q), -EINVAL);
	dns_run_for(loop, 50);
	assert_int_equal(x.calls, 0);
	sp_dns_destroy(d);

	/* Configuration. */
	const char *bad[] = {"dns.example.com"};
	const char *bad_port[] = {"127.0.0.1:0"};
	struct sp_dns_config c = {.servers = bad, .nservers = 1};
	assert_int_equal(sp_dns_create(&d, loop, &c), -EINVAL);
	c.servers = bad_port;
	assert_int_equal(sp_dns_create(&d, loop, &c), -EINVAL);
	c = (struct sp_dns_config){
	    .servers = (const char *[]){srv.addr}, .nservers = 1, .enum_suffix = "bad..suffix"};
	assert_int_equal(sp_dns_create(&d, loop, &c), -EINVAL);
	c.enum_suffix = NULL;
	c.family = (enum sp_dns_family)9;
	assert_int_equal(sp_dns_create(&d, loop, &c), -EINVAL);
	assert_int_equal(sp_dns_create(&d, NULL, NULL), -EINVAL);
	sp_dns_destroy(NULL);
}

/* ---- RFC 3263 ---- */

/* §4.2: an explicit port means A/AAAA only, never NAPTR or SRV. */
static void test_explicit_port(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:port.test:5090", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 2);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.10:5090");
	target_is(&x, 1, SP_TP_UDP, "[2001:db8::10]:5090");
	assert_int_equal(dns_srv_count(&srv, "port.test", "A"), 1);
	assert_int_equal(dns_srv_count(&srv, "port.test", "AAAA"), 1);
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 2);

	resolve(d, "sips:port.test:5091", &x);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.10:5091");
	resolve(d, "sip:port.test:5092;transport=tcp", &x);
	target_is(&x, 0, SP_TP_TCP, "127.0.0.10:5092");
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 2); /* cached */
	sp_dns_destroy(d);
}

/* §4.2: ;transport= without port: SRV for that transport only. */
static void test_transport_param(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:tp.test;transport=tcp", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_TCP, "127.0.0.11:5070");
	assert_int_equal(dns_srv_count(&srv, "_sip._tcp.tp.test", "SRV"), 1);
	assert_int_equal(dns_srv_count(&srv, NULL, "NAPTR"), 0);

	resolve(d, "sip:tp.test;transport=tls", &x);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.11:5071");
	resolve(d, "sips:tp.test;transport=tcp", &x);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.11:5071");

	/* No SRV for UDP: A on the default port. */
	resolve(d, "sip:tp.test;transport=udp", &x);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.12:5060");
	assert_int_equal(dns_srv_count(&srv, NULL, "NAPTR"), 0);
	sp_dns_destroy(d);
}

/* §4.1: NAPTR (order, preference, flags "s", known services) -> SRV -> A,
 * every transport's targets in NAPTR order. */
static void test_naptr_chain(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:naptr.test", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 3);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.21:5061");
	target_is(&x, 1, SP_TP_TCP, "127.0.0.22:5060");
	target_is(&x, 2, SP_TP_UDP, "127.0.0.23:5060");
	assert_int_equal(dns_srv_count(&srv, "naptr.test", "NAPTR"), 1);
	assert_int_equal(dns_srv_count(&srv, "_sip._x.naptr.test", NULL), 0);
	assert_int_equal(dns_srv_count(&srv, NULL, "SRV"), 3);
	sp_dns_destroy(d);

	/* Without TLS support the SIPS record is discarded. */
	struct sp_dns_config c = {.transports = SP_DNS_TP(SP_TP_UDP) | SP_DNS_TP(SP_TP_TCP)};
	d = mk(&c);
	resolve(d, "sip:naptr.test", &x);
	assert_int_equal(x.n, 2);
	target_is(&x, 0, SP_TP_TCP, "127.0.0.22:5060");
	target_is(&x, 1, SP_TP_UDP, "127.0.0.23:5060");
	assert_int_equal(dns_srv_count(&srv, "_sips._tcp.naptr.test", NULL), 0);

	/* A sips URI keeps only SIPS services. */
	resolve(d, "sips:naptr.test", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.21:5061");
	sp_dns_destroy(d);
}

/* RFC 2782: priority first; within a priority, weighted random. */
static void test_srv_priority_weight(void **state)
{
	(void)state;
	struct sp_dns_config c = {.seed = 12345};
	struct sp_dns *d = mk(&c);
	struct res x;
	unsigned a_first = 0, runs = 200;

	for (unsigned i = 0; i < runs; i++) {
		resolve(d, "sip:w.test;transport=udp", &x);
		assert_int_equal(x.err, 0);
		assert_int_equal(x.n, 3);
		/* c.w.test has priority 10: always last. */
		target_is(&x, 2, SP_TP_UDP, "127.0.0.33:5060");
		char buf[SP_SA_STRLEN];
		sp_sa_print(&x.t[0].addr, buf, sizeof(buf));
		if (strcmp(buf, "127.0.0.31:5060") == 0)
			a_first++;
		else
			target_is(&x, 0, SP_TP_UDP, "127.0.0.32:5060");
	}
	/* Weights 90:10: a.w.test first about 90% of the time (mean 180,
	 * sd ~4.2); both orders occur. */
	print_message("a.w.test first in %u of %u\n", a_first, runs);
	assert_true(a_first >= 150 && a_first < runs);
	/* Everything after the first lookups came from the cache. */
	assert_int_equal(dns_srv_count(&srv, "_sip._udp.w.test", "SRV"), 1);
	sp_dns_destroy(d);

	/* RFC 3263 §4.4: the fixed order. */
	c.deterministic = true;
	d = mk(&c);
	for (unsigned i = 0; i < 5; i++) {
		resolve(d, "sip:w.test;transport=udp", &x);
		target_is(&x, 0, SP_TP_UDP, "127.0.0.31:5060");
		target_is(&x, 1, SP_TP_UDP, "127.0.0.32:5060");
		target_is(&x, 2, SP_TP_UDP, "127.0.0.33:5060");
	}
	sp_dns_destroy(d);
}

/* §4.1: no NAPTR, the SRV probes in order, the one that exists wins. */
static void test_no_naptr_srv(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:srv.test", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_TCP, "127.0.0.41:5080");
	assert_int_equal(dns_srv_count(&srv, "srv.test", "NAPTR"), 1);
	assert_int_equal(dns_srv_count(&srv, "_sip._udp.srv.test", "SRV"), 1);
	assert_int_equal(dns_srv_count(&srv, "_sip._tcp.srv.test", "SRV"), 1);
	assert_int_equal(dns_srv_count(&srv, "_sips._tcp.srv.test", "SRV"), 1);
	assert_int_equal(dns_srv_count(&srv, "srv.test", "A"), 0);
	sp_dns_destroy(d);
}

/* §4.1, §4.2: neither NAPTR nor SRV: A of the host, UDP 5060 (sip) or
 * TLS 5061 (sips). */
static void test_no_srv_a(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:a.test", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.51:5060");
	resolve(d, "sips:a.test", &x);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_TLS, "127.0.0.51:5061");
	/* CNAME to it. */
	resolve(d, "sip:alias.test:5000", &x);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.51:5000");
	sp_dns_destroy(d);

	/* Without UDP the first transport allowed is the fallback's. */
	struct sp_dns_config c = {.transports = SP_DNS_TP(SP_TP_TCP)};
	d = mk(&c);
	resolve(d, "sip:a.test", &x);
	target_is(&x, 0, SP_TP_TCP, "127.0.0.51:5060");
	sp_dns_destroy(d);
}

static void test_aaaa(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:v6.test", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_UDP, "[2001:db8::6]:5060");
	resolve(d, "sip:dual.test", &x);
	assert_int_equal(x.n, 2);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.61:5060");
	target_is(&x, 1, SP_TP_UDP, "[2001:db8::61]:5060");
	sp_dns_destroy(d);

	struct sp_dns_config c = {.family = SP_DNS_V6_THEN_V4};
	d = mk(&c);
	resolve(d, "sip:dual.test", &x);
	assert_int_equal(x.n, 2);
	target_is(&x, 0, SP_TP_UDP, "[2001:db8::61]:5060");
	target_is(&x, 1, SP_TP_UDP, "127.0.0.61:5060");
	sp_dns_destroy(d);

	c.family = SP_DNS_V4_ONLY;
	d = mk(&c);
	resolve(d, "sip:v6.test:5060", &x);
	assert_int_equal(x.err, -ENOENT);
	assert_int_equal(dns_srv_count(&srv, NULL, "AAAA"), 0);
	sp_dns_destroy(d);

	c.family = SP_DNS_V6_ONLY;
	d = mk(&c);
	resolve(d, "sip:dual.test:5060", &x);
	assert_int_equal(x.n, 1);
	target_is(&x, 0, SP_TP_UDP, "[2001:db8::61]:5060");
	assert_int_equal(dns_srv_count(&srv, NULL, "A"), 0);
	sp_dns_destroy(d);
}

/* RFC 2782: a lone "." target: no service, and no A fallback. */
static void test_srv_dot(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:dot.test;transport=udp", &x);
	assert_int_equal(x.err, -ENOENT);
	assert_int_equal(dns_srv_count(&srv, "dot.test", "A"), 0);
	sp_dns_destroy(d);
}

/* An answer over 512 bytes comes truncated over UDP; c-ares asks again
 * over TCP (the server's TCP side) and all 20 records arrive. */
static void test_truncated_tcp(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:big.test;transport=udp", &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.n, 20);
	for (unsigned i = 0; i < 20; i++) {
		char want[32];
		snprintf(want, sizeof(want), "127.0.1.%u:%u", i + 1, 6001 + i);
		target_is(&x, i, SP_TP_UDP, want);
	}
	/* Once over UDP, once over TCP. */
	assert_int_equal(dns_srv_count(&srv, "_sip._udp.big.test", "SRV"), 2);
	sp_dns_destroy(d);
}

/* A malformed answer is an error, reported when nothing else resolves,
 * and not cached. */
static void test_malformed(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:bad.test;transport=udp", &x);
	assert_int_equal(x.err, -EBADMSG);
	resolve(d, "sip:bad.test;transport=udp", &x);
	assert_int_equal(x.err, -EBADMSG);
	assert_int_equal(dns_srv_count(&srv, "_sip._udp.bad.test", "SRV"), 2);
	sp_dns_destroy(d);
}

/* ---- caching ---- */

/* RFC 2308: NXDOMAIN is cached for min(SOA TTL, MINIMUM) = 10 s (the
 * zone's SOA), here capped to 5 s by the config. */
static void test_negative_cache(void **state)
{
	(void)state;
	struct sp_dns_config c = {.neg_ttl_max = 5};
	struct sp_dns *d = mk(&c);
	struct sp_dns_stats st;
	struct res x;

	resolve(d, "sip:nx.test:5060", &x);
	assert_int_equal(x.err, -ENOENT);
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 2);
	resolve(d, "sip:nx.test:5060", &x);
	assert_int_equal(x.err, -ENOENT);
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 2); /* no new query */
	sp_dns_stats(d, &st);
	assert_int_equal(st.neg_hits, 2);
	assert_int_equal(st.queries, 2);

	/* After the capped TTL: asked again. */
	jump(5000);
	resolve(d, "sip:nx.test:5060", &x);
	assert_int_equal(x.err, -ENOENT);
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 4);

	/* A whole NAPTR/SRV/A walk for a missing domain: cached as well. */
	dns_srv_clear(&srv);
	resolve(d, "sip:nx2.test", &x);
	assert_int_equal(x.err, -ENOENT);
	unsigned first = dns_srv_count(&srv, NULL, NULL);
	assert_int_equal(first, 6); /* NAPTR, 3 SRV, A, AAAA */
	resolve(d, "sip:nx2.test", &x);
	assert_int_equal(x.err, -ENOENT);
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), first);
	sp_dns_destroy(d);
}

/* Positive entries live for their TTL (1 s for ttl.test). */
static void test_positive_ttl(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x;

	resolve(d, "sip:ttl.test:5060", &x);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.71:5060");
	assert_int_equal(dns_srv_count(&srv, "ttl.test", "A"), 1);
	resolve(d, "sip:ttl.test:5060", &x);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.71:5060");
	assert_int_equal(dns_srv_count(&srv, "ttl.test", "A"), 1);
	jump(1001);
	resolve(d, "sip:ttl.test:5060", &x);
	target_is(&x, 0, SP_TP_UDP, "127.0.0.71:5060");
	assert_int_equal(dns_srv_count(&srv, "ttl.test", "A"), 2);

	/* The TTL cap applies to long TTLs (a.test has 300 s). */
	sp_dns_destroy(d);
	struct sp_dns_config c = {.ttl_max = 2};
	d = mk(&c);
	resolve(d, "sip:a.test:5060", &x);
	jump(1000);
	resolve(d, "sip:a.test:5060", &x);
	assert_int_equal(dns_srv_count(&srv, "a.test", "A"), 1);
	jump(1001);
	resolve(d, "sip:a.test:5060", &x);
	assert_int_equal(dns_srv_count(&srv, "a.test", "A"), 2);

	/* Flush forgets everything. */
	sp_dns_cache_flush(d);
	resolve(d, "sip:a.test:5060", &x);
	assert_int_equal(dns_srv_count(&srv, "a.test", "A"), 3);
	sp_dns_destroy(d);
}

/* Lookups of one name at once share one query. */
static void test_coalescing(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x[8];
	struct sp_dns_stats st;

	for (unsigned i = 0; i < 8; i++)
		start(d, "sip:naptr.test", &x[i], NULL);
	for (unsigned i = 0; i < 8; i++) {
		assert_true(dns_run_until(loop, &x[i].done, 10000));
		assert_int_equal(x[i].err, 0);
		assert_int_equal(x[i].n, 3);
	}
	assert_int_equal(dns_srv_count(&srv, "naptr.test", "NAPTR"), 1);
	assert_int_equal(dns_srv_count(&srv, NULL, "SRV"), 3);
	sp_dns_stats(d, &st);
	assert_true(st.coalesced >= 7);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.in_flight, 0);
	sp_dns_destroy(d);
}

/* The bound: the least recently used set goes first. */
static void test_cache_bound(void **state)
{
	(void)state;
	struct sp_dns_config c = {.cache_max = 2, .family = SP_DNS_V4_ONLY};
	struct sp_dns *d = mk(&c);
	struct sp_dns_stats st;
	struct res x;

	resolve(d, "sip:a.test:5060", &x);
	resolve(d, "sip:dual.test:5060", &x);
	resolve(d, "sip:a.test:5060", &x);    /* hit: a.test most recent */
	resolve(d, "sip:port.test:5060", &x); /* evicts dual.test */
	sp_dns_stats(d, &st);
	assert_int_equal(st.cached, 2);
	assert_int_equal(st.evictions, 1);
	resolve(d, "sip:a.test:5060", &x);
	assert_int_equal(dns_srv_count(&srv, "a.test", "A"), 1);
	resolve(d, "sip:dual.test:5060", &x);
	assert_int_equal(dns_srv_count(&srv, "dual.test", "A"), 2);
	sp_dns_destroy(d);
}

/* ---- failures ---- */

static void test_timeout(void **state)
{
	(void)state;
	struct sp_dns_config c = {.timeout_ms = 100, .tries = 1};
	struct sp_dns *d = mk(&c);
	struct sp_dns_stats st;
	struct res x;

	int64_t t0 = dns_wall_ms();
	resolve(d, "sip:slow.test:5060", &x);
	assert_int_equal(x.err, -ETIMEDOUT);
	print_message("timed out after %lld ms\n", (long long)(dns_wall_ms() - t0));
	sp_dns_stats(d, &st);
	assert_true(st.failures >= 1);
	/* Not cached: asked again. */
	unsigned n = dns_srv_count(&srv, "slow.test", NULL);
	resolve(d, "sip:slow.test:5060", &x);
	assert_int_equal(x.err, -ETIMEDOUT);
	assert_true(dns_srv_count(&srv, "slow.test", NULL) > n);

	/* SERVFAIL from every server (c-ares 1.18 reports it as refused,
	 * after trying the next server). */
	resolve(d, "sip:broken.test:5060", &x);
	assert_int_equal(x.err, -ECONNREFUSED);
	sp_dns_destroy(d);
}

static void test_unreachable(void **state)
{
	(void)state;
	/* A port nobody listens on (bound, read back, closed). */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sin.sin_port));
	const char *servers[] = {addr};
	struct sp_dns_config c = {.servers = servers, .nservers = 1, .timeout_ms = 100, .tries = 2};
	struct sp_dns *d = mk(&c);
	struct res x;

	resolve(d, "sip:a.test", &x);
	print_message("unreachable server: %s\n", strerror(-x.err));
	assert_true(x.err == -ECONNREFUSED || x.err == -ETIMEDOUT);
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 0);
	sp_dns_destroy(d);
}

/* ---- cancel and destroy ---- */

static void test_cancel(void **state)
{
	(void)state;
	struct sp_dns_config c = {.timeout_ms = 100, .tries = 1};
	struct sp_dns *d = mk(&c);
	struct sp_dns_query *q;
	struct sp_dns_stats st;
	struct res x, y;

	/* Pending on the network. */
	start(d, "sip:slow.test:5060", &x, &q);
	dns_run_for(loop, 20);
	sp_dns_cancel(q);
	dns_run_for(loop, 300);
	assert_int_equal(x.calls, 0);

	/* Ready (numeric), cancelled before its zero-delay timer ran. */
	start(d, "sip:127.0.0.1", &x, &q);
	sp_dns_cancel(q);
	dns_run_for(loop, 30);
	assert_int_equal(x.calls, 0);

	/* One of two waiters on the same query cancelled: the other still
	 * gets its answer. */
	start(d, "sip:dual.test:5060", &x, &q);
	start(d, "sip:dual.test:5060", &y, NULL);
	sp_dns_cancel(q);
	assert_true(dns_run_until(loop, &y.done, 5000));
	assert_int_equal(y.err, 0);
	assert_int_equal(y.n, 2);
	dns_run_for(loop, 30);
	assert_int_equal(x.calls, 0);
	sp_dns_stats(d, &st);
	assert_int_equal(st.pending, 0);
	sp_dns_destroy(d);
}

static struct sp_dns *reenter_d;
static int reenter_rc;

static void on_sip_reenter(int err, struct sp_dns_targets *r, void *arg)
{
	struct sp_uri u;
	on_sip(err, r, arg);
	assert_int_equal(sp_uri_parse(&u, SP_STR("sip:a.test"), 0, NULL), 0);
	reenter_rc = sp_dns_resolve_sip(reenter_d, &u, on_sip, arg, NULL);
}

/* Destroy aborts what is pending with -ECANCELED, from inside the call. */
static void test_destroy_pending(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct res x, y, z;
	struct sp_uri u;

	start(d, "sip:slow.test:5060", &x, NULL);
	memset(&z, 0, sizeof(z));
	assert_int_equal(sp_uri_parse(&u, SP_STR("sip:slow.test"), 0, NULL), 0);
	assert_int_equal(sp_dns_resolve_sip(d, &u, on_sip_reenter, &z, NULL), 0);
	reenter_d = d;
	dns_run_for(loop, 10);
	start(d, "sip:127.0.0.1", &y, NULL); /* ready, not yet delivered */
	sp_dns_destroy(d);
	assert_int_equal(x.calls, 1);
	assert_int_equal(x.err, -ECANCELED);
	assert_int_equal(y.calls, 1);
	assert_int_equal(y.err, -ECANCELED);
	assert_int_equal(z.calls, 1);
	assert_int_equal(z.err, -ECANCELED);
	assert_int_equal(reenter_rc, -ESHUTDOWN);
	/* Nothing fires later. */
	dns_run_for(loop, 50);
	assert_int_equal(x.calls + y.calls + z.calls, 3);
}

/* A result kept past the callback with a reference. */
static struct sp_dns_targets *kept;

static void on_keep(int err, struct sp_dns_targets *r, void *arg)
{
	on_sip(err, r, arg);
	kept = sp_mem_ref(r);
}

static void test_keep_result(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct sp_uri u;
	struct res x = {0};

	assert_int_equal(sp_uri_parse(&u, SP_STR("sip:naptr.test"), 0, NULL), 0);
	assert_int_equal(sp_dns_resolve_sip(d, &u, on_keep, &x, NULL), 0);
	assert_true(dns_run_until(loop, &x.done, 5000));
	sp_dns_destroy(d);
	assert_non_null(kept);
	assert_int_equal(kept->n, 3);
	assert_int_equal(kept->t[0].tp, SP_TP_TLS);
	kept = sp_mem_deref(kept);
}

/* ---- allocation failures ---- */

/* Every allocation of create, a full NAPTR walk and destroy failing in
 * turn: each step returns -ENOMEM or reports an error through the
 * callback, never crashes or leaks (ASan checks at exit). */
static void test_oom(void **state)
{
	(void)state;
	const char *servers[] = {srv.addr};
	struct sp_dns_config c = {.servers = servers, .nservers = 1, .timeout_ms = 50, .tries = 1};
	unsigned ok = 0;
	long k;

	for (k = 0; k < 5000; k++) {
		struct sp_dns *d = NULL;
		struct sp_uri u;
		struct res x = {0};
		sp_mem_fail_after(k);
		int rc = sp_dns_create(&d, loop, &c);
		if (rc) {
			sp_mem_fail_after(-1);
			assert_true(rc == -ENOMEM || rc == -EIO);
			continue;
		}
		assert_int_equal(sp_uri_parse(&u, SP_STR("sip:naptr.test"), 0, NULL), 0);
		rc = sp_dns_resolve_sip(d, &u, on_sip, &x, NULL);
		if (rc == 0)
			assert_true(dns_run_until(loop, &x.done, 5000));
		else
			assert_int_equal(rc, -ENOMEM);
		sp_dns_destroy(d);
		/* Budget left over: no allocation failed, all were covered. */
		void *probe = sp_malloc(1);
		sp_mem_fail_after(-1);
		/* What resolved despite the failures (maybe not all). */
		if (rc == 0 && x.err == 0) {
			assert_true(x.n >= 1 && x.n <= 3);
			ok += x.n == 3;
		}
		if (probe) {
			sp_free(probe);
			assert_int_equal(rc, 0);
			assert_int_equal(x.err, 0);
			assert_int_equal(x.n, 3);
			break;
		}
	}
	print_message("allocation failure at each of %ld allocations; %u runs complete\n", k, ok);
	assert_true(k < 5000);
}

static int group_setup(void **state)
{
	(void)state;
	struct sp_clock clk = {test_now, NULL};
	if (dns_srv_start(&srv) != 0)
		return -1;
	return sp_loop_create(&loop, &clk);
}

static int group_teardown(void **state)
{
	(void)state;
	sp_loop_destroy(loop);
	dns_srv_stop(&srv);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_numeric),	   cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_explicit_port),  cmocka_unit_test(test_transport_param),
	    cmocka_unit_test(test_naptr_chain),	   cmocka_unit_test(test_srv_priority_weight),
	    cmocka_unit_test(test_no_naptr_srv),   cmocka_unit_test(test_no_srv_a),
	    cmocka_unit_test(test_aaaa),	   cmocka_unit_test(test_srv_dot),
	    cmocka_unit_test(test_truncated_tcp),  cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_negative_cache), cmocka_unit_test(test_positive_ttl),
	    cmocka_unit_test(test_coalescing),	   cmocka_unit_test(test_cache_bound),
	    cmocka_unit_test(test_timeout),	   cmocka_unit_test(test_unreachable),
	    cmocka_unit_test(test_cancel),	   cmocka_unit_test(test_destroy_pending),
	    cmocka_unit_test(test_keep_result),	   cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
