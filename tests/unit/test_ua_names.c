/*
 * Host names the UA looks up itself (src/ua/ua_names.c, cfg.dns): two UAs
 * on one loop over loopback UDP; alice's resolver knows only "localhost"
 * (RFC 6761 §6.3: answered without a query) and its one server is a
 * closed loopback port, so every other name fails at once
 * (-ECONNREFUSED) and nothing leaves the machine.
 *   - OPTIONS to sip:bob@localhost:PORT waits for the lookup and gets 200,
 *     twice (the second from the UA's table);
 *   - bytes sent to a name still being looked up wait, once each: a
 *     repeat of the same bytes is not queued again (counted by the trace
 *     hook when they leave);
 *   - a name that does not resolve: the OPTIONS ends 503 (the transport
 *     error of RFC 3261 §8.1.3.1 at its first retransmission) and the next
 *     request to it fails at once (-EHOSTUNREACH). The refused query must
 *     not spin the loop: c-ares 1.18 then reports a timeout due "now" for
 *     ~200 ms, and a resolver re-arming its timer at 0 used up the 500
 *     iterations before the answer (src/dns/resolver.c arm_timer);
 *   - without cfg.dns a name fails as before (-EDESTADDRREQ), while a name
 *     given to sp_ua_set_host is still used;
 *   - RFC 3263 §4.3 for a name: its first target is a port nobody reads,
 *     the OPTIONS times out there (Timer F, 64*T1 with T1 = 20 ms) and goes
 *     again to the second, bob (200); the next request goes straight there.
 * Loops run until the expected state, bounded by an iteration count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "siphon/dns.h"
#include "siphon/ua.h"
#include "siphon/uri.h"

#include "../../src/ua/ua_int.h"

struct names {
	struct sp_loop *loop;
	struct sp_dns *dns;
	struct sp_ua *alice, *bob;
	unsigned status, done, traced;
	char bob_port[8];
};

static void on_trace(void *arg, bool out, const struct sp_sa *peer, const char *buf, size_t len)
{
	struct names *n = arg;
	(void)peer, (void)buf, (void)len;
	if (out)
		n->traced++;
}

static struct sp_ua *make_ua(struct names *n, const char *user, struct sp_dns *dns)
{
	struct sp_ua *ua;
	struct sp_tsx_config tsx = { .t1 = 20, .t2 = 400, .t4 = 500 };
	struct sp_ua_config cfg = {
		.loop = n->loop, .user = user, .dns = dns, .tsx = &tsx,
		.trace = dns ? on_trace : NULL, .trace_arg = n, /* alice's sends */
	};
	assert_int_equal(sp_sa_parse(&cfg.local, SP_STR("127.0.0.1"), 0), 0);
	assert_int_equal(sp_ua_create(&ua, &cfg), 0);
	return ua;
}

static int setup(void **state)
{
	static struct names n;
	const char *servers[] = { "127.0.0.1:9" };
	struct sp_dns_config dc = { .servers = servers, .nservers = 1, .timeout_ms = 200,
				    .tries = 1 };
	memset(&n, 0, sizeof(n));
	assert_int_equal(sp_loop_create(&n.loop, NULL), 0);
	assert_int_equal(sp_dns_create(&n.dns, n.loop, &dc), 0);
	n.alice = make_ua(&n, "alice", n.dns);
	n.bob = make_ua(&n, "bob", NULL);
	snprintf(n.bob_port, sizeof(n.bob_port), "%u", sp_sa_port(sp_ua_local(n.bob)));
	*state = &n;
	return 0;
}

static int teardown(void **state)
{
	struct names *n = *state;
	sp_ua_destroy(n->alice);
	sp_ua_destroy(n->bob);
	sp_dns_destroy(n->dns);
	sp_loop_run_once(n->loop, 0);
	sp_loop_destroy(n->loop);
	return 0;
}

static void on_response(struct sp_ua *ua, unsigned status, const struct sp_msg *msg, void *arg)
{
	struct names *n = arg;
	(void)ua, (void)msg;
	n->status = status;
	n->done++;
}

/* OPTIONS from ua to target; returns sp_ua_request's result and, when 0,
 * runs the loop until the answer (bounded). */
static int options_to(struct names *n, struct sp_ua *ua, const char *t)
{
	n->done = 0;
	int rc = sp_ua_request(ua, "OPTIONS", t, SP_STR_NULL, SP_STR_NULL, on_response, n);
	for (int i = 0; rc == 0 && i < 500 && !n->done; i++)
		sp_loop_run_once(n->loop, 10);
	if (rc == 0)
		assert_int_equal(n->done, 1);
	return rc;
}

/* OPTIONS to sip:bob@HOST:<bob's port>. */
static int options(struct names *n, struct sp_ua *ua, const char *host)
{
	char t[128];
	snprintf(t, sizeof(t), "sip:bob@%s:%s", host, n->bob_port);
	return options_to(n, ua, t);
}

static void test_resolved(void **state)
{
	struct names *n = *state;
	assert_int_equal(options(n, n->alice, "localhost"), 0);
	assert_int_equal(n->status, 200);
	assert_int_equal(options(n, n->alice, "LocalHost"), 0); /* from the table */
	assert_int_equal(n->status, 200);
}

static void test_queued_once(void **state)
{
	struct names *n = *state;
	struct sp_uri uri;
	struct sp_parse_error err;
	struct sp_tsx_dest d;
	char t[64];

	snprintf(t, sizeof(t), "sip:bob@localhost:%s", n->bob_port);
	assert_int_equal(sp_uri_parse(&uri, sp_str_c(t), 0, &err), 0);
	assert_int_equal(sp__ua_uri_dest(n->alice, &uri, false, &d), 0);
	assert_true(sp__ua_dest_pending(&d));
	n->traced = 0;
	assert_int_equal(sp__ua_send(n->alice, &d, "first\r\n", 7), 0);
	assert_int_equal(sp__ua_send(n->alice, &d, "first\r\n", 7), 0); /* a repeat */
	assert_int_equal(sp__ua_send(n->alice, &d, "second\r\n", 8), 0);
	assert_int_equal(n->traced, 0);
	for (int i = 0; i < 100 && n->traced < 2; i++)
		sp_loop_run_once(n->loop, 10);
	assert_int_equal(n->traced, 2);
	/* Resolved now: the same destination sends at once. */
	assert_int_equal(sp__ua_send(n->alice, &d, "third\r\n", 7), 0);
	assert_int_equal(n->traced, 3);
}

static void test_unresolvable(void **state)
{
	struct names *n = *state;
	assert_int_equal(options(n, n->alice, "nosuch.invalid"), 0);
	assert_int_equal(n->status, 503);
	assert_int_equal(options(n, n->alice, "nosuch.invalid"), -EHOSTUNREACH);
}

static void test_without_resolver(void **state)
{
	struct names *n = *state;
	struct sp_dns_target t = { .tp = SP_TP_UDP };
	assert_int_equal(options(n, n->bob, "localhost"), -EDESTADDRREQ);
	assert_int_equal(sp_sa_parse(&t.addr, SP_STR("127.0.0.1"), 0), 0);
	assert_int_equal(sp_ua_set_host(n->bob, "bob.example", &t, 1), 0);
	assert_int_equal(options(n, n->bob, "bob.example"), 0); /* bob asks himself */
	assert_int_equal(n->status, 200);
}

static void test_failover(void **state)
{
	struct names *n = *state;
	struct sp_dns_target t[2] = { { .tp = SP_TP_UDP }, { .tp = SP_TP_UDP } };
	/* A bound UDP socket that is never read: requests to it vanish. */
	int hole = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(hole >= 0);
	assert_int_equal(sp_sa_parse(&t[0].addr, SP_STR("127.0.0.1"), 0), 0);
	assert_int_equal(bind(hole, &t[0].addr.u.sa, t[0].addr.len), 0);
	assert_int_equal(getsockname(hole, &t[0].addr.u.sa, &t[0].addr.len), 0);
	t[1].addr = *sp_ua_local(n->bob);
	assert_int_equal(sp_ua_set_host(n->alice, "two.example", t, 2), 0);
	n->traced = 0;
	assert_int_equal(options_to(n, n->alice, "sip:bob@two.example"), 0);
	assert_int_equal(n->status, 200);
	assert_true(n->traced > 2); /* retransmissions to the hole, then bob */
	n->traced = 0;
	assert_int_equal(options_to(n, n->alice, "sip:bob@two.example"), 0);
	assert_int_equal(n->status, 200);
	assert_int_equal(n->traced, 1); /* straight to bob */
	close(hole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queued_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unresolvable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_resolver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
