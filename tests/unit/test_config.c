/*
 * Server configuration (config.h): the defaults, YAML loading with its
 * error messages (file:line:col), listen specs, CIDR prefixes, and the
 * print -> load round trip that `siphon serve --print-config` promises.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/config.h"

static int load(struct sp_config *c, const char *yaml, char *err)
{
	return sp_config_load_string(c, yaml, strlen(yaml), "t.yaml", err, SP_CONFIG_ERR_MAX);
}

static const char *listen_str(const struct sp_config *c, unsigned i, char *buf)
{
	sp_config_listen_print(&c->listen[i], buf, 96);
	return buf;
}

static void test_defaults(void **state)
{
	(void)state;
	struct sp_config c;
	char b[96];
	sp_config_defaults(&c, "1.2.3");
	assert_int_equal(c.nlisten, 4);
	assert_string_equal(listen_str(&c, 0, b), "udp:0.0.0.0:5060");
	assert_string_equal(listen_str(&c, 1, b), "tcp:0.0.0.0:5060");
	assert_string_equal(listen_str(&c, 2, b), "udp:[::]:5060");
	assert_string_equal(listen_str(&c, 3, b), "tcp:[::]:5060");
	assert_true(c.workers >= 1);
	assert_string_equal(c.data_dir, "./var");
	assert_int_equal(c.log_level, SP_LOG_INFO);
	assert_string_equal(c.server_name, "siphon/1.2.3");
	assert_int_equal(c.sip.t1_ms, 500);
	assert_int_equal(c.sip.t2_ms, 4000);
	assert_int_equal(c.sip.t4_ms, 5000);
	assert_int_equal(c.sip.max_message_bytes, 65535);
	assert_int_equal(c.sip.max_header_bytes, 16384);
	assert_int_equal(c.sip.max_transactions, 500000);
	assert_int_equal(c.sip.max_transactions_per_source, 50000);
	assert_true(c.proxy.worker_ports);
	assert_int_equal(c.sip.dscp, 24);
	assert_int_equal(c.tcp.idle_timeout_s, 300);
	assert_int_equal(c.tcp.max_connections_per_ip, 64);
	assert_int_equal(c.tcp.max_connections, 4096);
	assert_int_equal(c.security.nallow, 2);
	struct sp_sa sa;
	assert_int_equal(sp_sa_parse(&sa, SP_STR("203.0.113.9:1"), 0), 0);
	assert_true(sp_config_dest_allowed(&c, &sa));
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[2001:db8::1]:1"), 0), 0);
	assert_true(sp_config_dest_allowed(&c, &sa));
}

static void test_load(void **state)
{
	(void)state;
	struct sp_config c;
	char err[SP_CONFIG_ERR_MAX], b[96];
	sp_config_defaults(&c, NULL);
	assert_int_equal(load(&c,
			      "# a test config\n"
			      "listen:\n"
			      "  - udp:127.0.0.1:5099\n"
			      "  - tcp:127.0.0.1:5099\n"
			      "  - '[::1]:5098'\n"
			      "workers: 3\n"
			      "data_dir: /tmp/x y\n"
			      "log_level: debug\n"
			      "server_name: \"My \\\"Server\\\"\"\n"
			      "sip:\n"
			      "  t1_ms: 250\n"
			      "  dscp: 46\n"
			      "tcp:\n"
			      "  idle_timeout_s: 30\n"
			      "security:\n"
			      "  allow_destinations: [127.0.0.0/8, '::1/128']\n",
			      err),
			 0);
	assert_int_equal(c.nlisten, 4);
	assert_string_equal(listen_str(&c, 0, b), "udp:127.0.0.1:5099");
	assert_string_equal(listen_str(&c, 1, b), "tcp:127.0.0.1:5099");
	assert_string_equal(listen_str(&c, 2, b), "udp:[::1]:5098");
	assert_string_equal(listen_str(&c, 3, b), "tcp:[::1]:5098");
	assert_int_equal(c.workers, 3);
	assert_string_equal(c.data_dir, "/tmp/x y");
	assert_int_equal(c.log_level, SP_LOG_DEBUG);
	assert_string_equal(c.server_name, "My \"Server\"");
	assert_int_equal(c.sip.t1_ms, 250);
	assert_int_equal(c.sip.t2_ms, 4000); /* untouched keys keep defaults */
	assert_int_equal(c.sip.dscp, 46);
	assert_int_equal(c.tcp.idle_timeout_s, 30);
	assert_int_equal(c.security.nallow, 2);
	struct sp_sa sa;
	assert_int_equal(sp_sa_parse(&sa, SP_STR("127.0.0.2:1"), 0), 0);
	assert_true(sp_config_dest_allowed(&c, &sa));
	assert_int_equal(sp_sa_parse(&sa, SP_STR("128.0.0.1:1"), 0), 0);
	assert_false(sp_config_dest_allowed(&c, &sa));
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[::1]:1"), 0), 0);
	assert_true(sp_config_dest_allowed(&c, &sa));
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[::2]:1"), 0), 0);
	assert_false(sp_config_dest_allowed(&c, &sa));

	/* A single string is a list of one; empty documents keep defaults. */
	sp_config_defaults(&c, NULL);
	assert_int_equal(load(&c, "listen: 127.0.0.1\n", err), 0);
	assert_int_equal(c.nlisten, 2);
	assert_string_equal(listen_str(&c, 0, b), "udp:127.0.0.1:5060");
	sp_config_defaults(&c, NULL);
	assert_int_equal(load(&c, "", err), 0);
	assert_int_equal(load(&c, "# nothing\n", err), 0);
	assert_int_equal(c.nlisten, 4);
	assert_int_equal(load(&c, "workers: auto\nsip: {dscp: system}\n", err), 0);
	assert_true(c.workers >= 1);
	assert_int_equal(c.sip.dscp, -1);
}

/* Each bad document fails with exactly this message, and leaves the
 * configuration untouched. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *msg;
	} bad[] = {
		{ "lisen: 1.2.3.4\n", "t.yaml:1:1: unknown key 'lisen' in the top level" },
		{ "sip:\n  t1_ms: 500\n  t3_ms: 1\n", "t.yaml:3:3: unknown key 't3_ms' in sip" },
		{ "workers: 0\n", "t.yaml:1:10: workers: want a whole number from 1 to 1024, got '0'" },
		{ "workers: many\n",
		  "t.yaml:1:10: workers: want a whole number from 1 to 1024, got 'many'" },
		{ "workers: [1]\n", "t.yaml:1:10: workers: want a string" },
		{ "workers:\n", "t.yaml:1:9: workers: value missing" },
		{ "log_level: loud\n",
		  "t.yaml:1:12: log_level: want error, warn, info or debug, got 'loud'" },
		{ "listen:\n  - 127.0.0.1:5060\n  - udp:::1:5060\n",
		  "t.yaml:3:5: listen: 'udp:::1:5060': write IPv6 addresses in brackets, "
		  "e.g. [::1]:5060" },
		{ "listen:\n  - sctp:1.2.3.4\n",
		  "t.yaml:2:5: listen: 'sctp:1.2.3.4': want [udp:|tcp:]ADDRESS[:PORT] with an "
		  "IPv4 or [IPv6] address" },
		{ "listen: []\n", "t.yaml:1:9: listen: the list is empty" },
		{ "security:\n  allow_destinations:\n    - 10.0.0.0/33\n",
		  "t.yaml:3:7: allow_destinations: '10.0.0.0/33' is not ADDRESS/BITS "
		  "(e.g. 127.0.0.0/8, ::1/128)" },
		{ "sip: 5\n", "t.yaml:1:6: sip: want a mapping of keys" },
		{ "sip:\n  dscp: 64\n", "t.yaml:2:9: dscp: want a whole number from 0 to 63, got '64'" },
		{ "sip:\n  t1_ms: 5000\n", "t.yaml:1:1: sip: t2_ms (4000) must not be below t1_ms (5000)" },
		{ "workers: 2\nworkers: 3\n", "t.yaml:2:1: key 'workers' given twice in the top level" },
		{ "listen: [1.2.3.4\n", "t.yaml:2:1: did not find expected ',' or ']' while parsing "
					"a flow sequence" },
		{ "a: b\n---\nc: d\n", "t.yaml:1:1: unknown key 'a' in the top level" },
		{ "workers: 2\n---\nworkers: 3\n", "t.yaml:3:1: only one YAML document is allowed" },
		{ "- 1\n- 2\n", "t.yaml:1:1: the top level: want a mapping of keys" },
		{ "server_name: \"a\\nb\"\n",
		  "t.yaml:1:14: server_name: control characters are not allowed" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sp_config c, before;
		char err[SP_CONFIG_ERR_MAX] = "";
		sp_config_defaults(&c, NULL);
		before = c;
		int rc = load(&c, bad[i].yaml, err);
		if (rc != -EINVAL || strcmp(err, bad[i].msg) != 0)
			fail_msg("case %zu: rc %d, message\n  '%s'\nwant\n  '%s'", i, rc, err,
				 bad[i].msg);
		assert_memory_equal(&c, &before, sizeof(c));
	}
	/* A missing file names the file and the errno text. */
	struct sp_config c;
	char err[SP_CONFIG_ERR_MAX];
	sp_config_defaults(&c, NULL);
	assert_int_equal(sp_config_load(&c, "/nonexistent/siphon.yaml", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/siphon.yaml: No such file or directory");
}

static void test_listen_specs(void **state)
{
	(void)state;
	struct sp_config_listen l[8];
	unsigned n = 0;
	char err[SP_CONFIG_ERR_MAX], b[96];

	assert_int_equal(sp_config_parse_listen("udp:127.0.0.1:5099", l, &n, 8, err, 256), 0);
	assert_int_equal(sp_config_parse_listen("TCP:[::1]:5099", l, &n, 8, err, 256), 0);
	assert_int_equal(sp_config_parse_listen("[::]", l, &n, 8, err, 256), 0);
	/* Duplicates are merged. */
	assert_int_equal(sp_config_parse_listen("127.0.0.1:5099", l, &n, 8, err, 256), 0);
	assert_int_equal(n, 5);
	const char *want[] = { "udp:127.0.0.1:5099", "tcp:[::1]:5099", "udp:[::]:5060",
			       "tcp:[::]:5060", "tcp:127.0.0.1:5099" };
	for (unsigned i = 0; i < n; i++) {
		sp_config_listen_print(&l[i], b, sizeof(b));
		assert_string_equal(b, want[i]);
	}
	assert_int_equal(sp_config_parse_listen("example.com:5060", l, &n, 8, err, 256), -EINVAL);
	assert_int_equal(sp_config_parse_listen("1.2.3.4:70000", l, &n, 8, err, 256), -EINVAL);
	assert_int_equal(sp_config_parse_listen("1.2.3.5", l, &n, 6, err, 256), -ENOSPC);
}

static void test_cidr(void **state)
{
	(void)state;
	struct sp_cidr c;
	struct sp_sa sa;
	assert_int_equal(sp_cidr_parse("10.1.0.0/15", &c), 0);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("10.0.255.255"), 0), 0);
	assert_true(sp_cidr_match(&c, &sa));
	assert_int_equal(sp_sa_parse(&sa, SP_STR("10.2.0.0"), 0), 0);
	assert_false(sp_cidr_match(&c, &sa));
	assert_int_equal(sp_cidr_parse("192.0.2.7", &c), 0); /* a host */
	assert_int_equal(c.bits, 32);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[::ffff:192.0.2.7]"), 0), 0);
	assert_true(sp_cidr_match(&c, &sa));
	assert_int_equal(sp_cidr_parse("2001:db8::/32", &c), 0);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[2001:db8:ffff::1]"), 0), 0);
	assert_true(sp_cidr_match(&c, &sa));
	assert_int_equal(sp_sa_parse(&sa, SP_STR("10.0.0.1"), 0), 0);
	assert_false(sp_cidr_match(&c, &sa));
	assert_int_equal(sp_cidr_parse("1.2.3.4/", &c), -EINVAL);
	assert_int_equal(sp_cidr_parse("/8", &c), -EINVAL);
	assert_int_equal(sp_cidr_parse("::1/129", &c), -EINVAL);
	assert_int_equal(sp_cidr_parse("host/8", &c), -EINVAL);
}

/* --print-config output loads back to the same configuration. */
static void roundtrip(const struct sp_config *c)
{
	char *text = NULL, err[SP_CONFIG_ERR_MAX];
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	assert_non_null(fp);
	assert_int_equal(sp_config_print(c, fp), 0);
	fclose(fp);
	struct sp_config back;
	sp_config_defaults(&back, "other");
	back.workers = c->workers + 1;
	back.nlisten = 0;
	back.security.nallow = 0;
	if (sp_config_load_string(&back, text, len, "print", err, sizeof(err)) != 0)
		fail_msg("printed config does not load: %s\n%s", err, text);
	assert_memory_equal(&back, c, sizeof(back));
	free(text);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct sp_config c;
	char err[SP_CONFIG_ERR_MAX];
	sp_config_defaults(&c, "0.1.0");
	roundtrip(&c);
	int rc = load(&c,
			      "listen: [udp:127.0.0.1:0, 'tcp:[::1]:7']\n"
			      "workers: 5\ndata_dir: \"a\\\\b\\\"c\\td\"\n"
			      "server_name: ünïcode/1\n"
			      "sip: {t1_ms: 100, t2_ms: 200, t4_ms: 300, max_message_bytes: 4096,"
			      " max_header_bytes: 2048, max_transactions: 7000,"
			      " max_transactions_per_source: 0, dscp: system}\n"
			      "tcp: {idle_timeout_s: 1, connect_timeout_s: 2,"
			      " max_connections_per_ip: 3, max_connections: 4}\n"
			      "security: {allow_destinations: [127.0.0.1/8, '::1']}\n"
			      "log_level: warn\n",
			      err);
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(c.sip.max_transactions_per_source, 0);
	roundtrip(&c);
}

/* registrar and auth keys (issue 4): defaults, load, cross-key rule. */
static void test_registrar_keys(void **state)
{
	(void)state;
	struct sp_config c;
	char err[SP_CONFIG_ERR_MAX];
	sp_config_defaults(&c, NULL);
	assert_int_equal(c.registrar.min_expires, 60);
	assert_int_equal(c.registrar.default_expires, 3600);
	assert_int_equal(c.registrar.max_expires, 86400);
	assert_int_equal(c.registrar.max_bindings, 10);
	assert_int_equal(c.auth.nalgorithms, 2);
	/* MD5 first by default: clients that read only the first challenge. */
	assert_int_equal(c.auth.algorithms[0], SP_DIGEST_MD5);
	assert_int_equal(c.auth.algorithms[1], SP_DIGEST_SHA256);
	int rc = load(&c,
		      "registrar: {min_expires: 30, default_expires: 600, max_expires: 7200,"
		      " max_bindings: 0}\n"
		      "auth: {algorithms: [md5]}\n",
		      err);
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(c.registrar.min_expires, 30);
	assert_int_equal(c.registrar.default_expires, 600);
	assert_int_equal(c.registrar.max_expires, 7200);
	assert_int_equal(c.registrar.max_bindings, 0);
	assert_int_equal(c.auth.nalgorithms, 1);
	assert_int_equal(c.auth.algorithms[0], SP_DIGEST_MD5);
	roundtrip(&c);
	assert_int_not_equal(load(&c, "registrar: {min_expires: 100, default_expires: 50}\n", err),
			     0);
	assert_int_not_equal(load(&c, "auth: {algorithms: [MD5, md5]}\n", err), 0);
	assert_int_not_equal(load(&c, "auth: {algorithms: [SHA-512]}\n", err), 0);
	assert_int_not_equal(load(&c, "registrar: {max_bindings: -1}\n", err), 0);
}

static void test_proxy_keys(void **state)
{
	(void)state;
	struct sp_config c;
	char err[SP_CONFIG_ERR_MAX];
	sp_config_defaults(&c, NULL);
	assert_int_equal(c.proxy.mode, SP_PROXY_STATEFUL);
	assert_true(c.proxy.record_route);
	assert_true(c.proxy.timer_c_s > 180); /* RFC 3261 §16.6 step 11 */
	assert_int_equal(c.proxy.unknown_user_status, 480);
	assert_int_equal(c.nroutes, 0);
	assert_string_equal(c.dns.enum_suffix, "e164.arpa");
	int rc = load(&c,
		      "proxy: {mode: stateless, record_route: false, timer_c_s: 5,"
		      " fork_timeout_s: 2, unknown_user_status: 404, recurse_3xx: true, worker_ports: false,"
		      " trusted: [127.0.0.2/32]}\n"
		      "routes:\n"
		      "  - domain: Uas.Test\n"
		      "    next_hop: udp:127.0.0.1:25090\n"
		      "  - prefix: '+44'\n"
		      "    next_hop: sip:127.0.0.2;transport=tcp\n"
		      "  - domain: old.test\n"
		      "    redirect: sip:new.test\n"
		      "  - default: true\n"
		      "    next_hop: tcp:gw.test\n"
		      "dns: {servers: ['127.0.0.1:5353'], timeout_ms: 500, enum: true,"
		      " enum_suffix: e164.test}\n",
		      err);
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(c.proxy.mode, SP_PROXY_STATELESS);
	assert_false(c.proxy.record_route);
	assert_int_equal(c.proxy.timer_c_s, 5);
	assert_int_equal(c.proxy.unknown_user_status, 404);
	assert_true(c.proxy.recurse_3xx);
	assert_false(c.proxy.worker_ports);
	assert_int_equal(c.proxy.ntrusted, 1);
	assert_int_equal(c.nroutes, 4);
	assert_int_equal(c.routes[0].match, SP_ROUTE_DOMAIN);
	assert_string_equal(c.routes[0].value, "uas.test");
	assert_string_equal(c.routes[0].next_hop, "sip:127.0.0.1:25090;transport=udp");
	assert_int_equal(c.routes[1].match, SP_ROUTE_PREFIX);
	assert_string_equal(c.routes[1].value, "+44");
	assert_string_equal(c.routes[2].redirect, "sip:new.test");
	assert_int_equal(c.routes[3].match, SP_ROUTE_DEFAULT);
	assert_string_equal(c.routes[3].next_hop, "sip:gw.test;transport=tcp");
	assert_int_equal(c.dns.nservers, 1);
	assert_int_equal(sp_sa_port(&c.dns.servers[0]), 5353);
	assert_true(c.dns.enum_enabled);
	roundtrip(&c);
	assert_int_not_equal(load(&c, "proxy: {mode: forking}\n", err), 0);
	assert_int_not_equal(load(&c, "proxy: {unknown_user_status: 403}\n", err), 0);
	assert_int_not_equal(load(&c, "routes: [{domain: a.test}]\n", err), 0);
	assert_int_not_equal(
		load(&c, "routes: [{domain: a.test, prefix: '1', next_hop: 'udp:1.2.3.4'}]\n", err), 0);
	assert_int_not_equal(load(&c, "routes: [{domain: a.test, next_hop: 'http://x'}]\n", err), 0);
	assert_int_not_equal(load(&c, "routes: [{default: false, next_hop: 'udp:1.2.3.4'}]\n", err),
			     0);
	assert_int_not_equal(load(&c, "dns: {servers: [not-an-ip]}\n", err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_load),
		cmocka_unit_test(test_errors),		 cmocka_unit_test(test_listen_specs),
		cmocka_unit_test(test_cidr),		 cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_registrar_keys),
		cmocka_unit_test(test_proxy_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
