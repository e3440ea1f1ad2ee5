/*
 * Via header value parser (src/sip/hdr_via.c): every field of
 * struct sp_via, folded LWS, the RFC 4475 and RFC 5118 Via snippets, and
 * each error path with the byte err->at names. Every input is copied into
 * an exact-size heap buffer (no NUL after it), so ASan reports any read
 * past the end of a value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/hdr.h"

#include "test_util.h"

static struct sp_via ok_via(const char *text)
{
	struct sp_via via;
	struct sp_parse_error err = {0};
	struct sp_str v = tu_copy_c(text);
	tu_parse_ok(sp_via_parse(&via, v, &err), v, &err);
	return via;
}

/* Expects failure with err->at at byte offset `at` of text and the rule. */
static void bad_via_n(const char *text, size_t n, ptrdiff_t at, const char *rule)
{
	struct sp_via via;
	struct sp_parse_error err = {0};
	struct sp_str v = tu_copy(text, n);
	tu_parse_bad(sp_via_parse(&via, v, &err), v, &err, at, rule);
}

static void bad_via(const char *text, ptrdiff_t at, const char *rule)
{
	bad_via_n(text, strlen(text), at, rule);
}

/* ---- valid values ------------------------------------------------------ */

static void test_basic(void **state)
{
	(void)state;
	struct sp_via via = ok_via("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds");
	S_IS(via.proto_name, "SIP");
	S_IS(via.proto_version, "2.0");
	S_IS(via.transport_raw, "UDP");
	assert_int_equal(via.transport, SP_TP_UDP);
	S_IS(via.sent_by.host, "pc33.atlanta.com");
	assert_int_equal(via.sent_by.kind, SP_HOST_NAME);
	assert_false(via.sent_by.has_port);
	S_IS(via.params, ";branch=z9hG4bK776asdhds");
	S_IS(via.branch, "z9hG4bK776asdhds");
	assert_null(via.received.p);
	assert_null(via.maddr.p);
	assert_false(via.has_rport);
	assert_int_equal(via.rport, 0);
	assert_int_equal(via.ttl, -1);
}

static void test_all_params(void **state)
{
	(void)state;
	struct sp_via via =
	    ok_via("SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7"
		   ";received=192.0.2.101;rport=49152;maddr=224.2.0.1;ttl=16"
		   ";x-ext;y=\"q v\"");
	assert_int_equal(via.transport, SP_TP_TCP);
	assert_true(via.sent_by.has_port);
	assert_int_equal(via.sent_by.port, 5060);
	S_IS(via.branch, "z9hG4bKnashds7");
	S_IS(via.received, "192.0.2.101");
	assert_true(via.has_rport);
	assert_int_equal(via.rport, 49152);
	S_IS(via.maddr, "224.2.0.1");
	assert_int_equal(via.ttl, 16);
	S_IS(via.params, ";branch=z9hG4bKnashds7;received=192.0.2.101;rport=49152"
			 ";maddr=224.2.0.1;ttl=16;x-ext;y=\"q v\"");
}

/* §7.3.1: parameter names are case-insensitive; values kept as written. */
static void test_param_name_case(void **state)
{
	(void)state;
	struct sp_via via =
	    ok_via("SIP/2.0/UDP h.example.com;BRANCH=z9hG4bKAbC;Received=10.0.0.1;RPort");
	S_IS(via.branch, "z9hG4bKAbC");
	S_IS(via.received, "10.0.0.1");
	assert_true(via.has_rport);
	assert_int_equal(via.rport, 0);
}

/* RFC 4475 §3.1.1.1 wsinv: the three Via values, with folding. */
static void test_wsinv(void **state)
{
	(void)state;
	struct sp_via via = ok_via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw");
	S_IS(via.proto_name, "SIP");
	S_IS(via.proto_version, "2.0");
	S_IS(via.transport_raw, "UDP");
	S_IS(via.sent_by.host, "192.0.2.2");
	assert_int_equal(via.sent_by.kind, SP_HOST_IPV4);
	S_IS(via.branch, "390skdjuw");

	via = ok_via(
	    "  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ");
	assert_int_equal(via.transport, SP_TP_TCP);
	S_IS(via.sent_by.host, "spindle.example.com");
	S_IS(via.branch, "z9hG4bK9ikj8");
	S_IS(via.params, ";\r\n  branch  =   z9hG4bK9ikj8");

	via = ok_via(" SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239");
	S_IS(via.sent_by.host, "192.168.255.111");
	S_IS(via.branch, "z9hG4bK30239");
}

/* RFC 4475 §3.1.1.10: known and unknown transports. */
static void test_transports(void **state)
{
	(void)state;
	static const struct {
		const char *text, *raw;
		enum sp_transport tp;
	} cases[] = {
	    {"SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw", "UDP", SP_TP_UDP},
	    {"SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf", "SCTP", SP_TP_SCTP},
	    {"SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj", "TLS", SP_TP_TLS},
	    {"SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en", "UNKNOWN", SP_TP_OTHER},
	    {"SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee", "TCP", SP_TP_TCP},
	    {"SIP/2.0/udp t6.example.com", "udp", SP_TP_UDP},
	    {"SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKasudf", "WS", SP_TP_WS},
	    {"SIP/2.0/WSS df7jal23ls0d.invalid", "WSS", SP_TP_WSS},
	    {"SIP/2.0/x-Foo.Bar t7.example.com", "x-Foo.Bar", SP_TP_OTHER},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sp_via via = ok_via(cases[i].text);
		S_IS(via.transport_raw, cases[i].raw);
		assert_int_equal(via.transport, cases[i].tp);
	}
}

/* RFC 4475 §3.2.1 badbranch: the bare magic cookie still parses. */
static void test_badbranch_parses(void **state)
{
	(void)state;
	struct sp_via via = ok_via("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK");
	S_IS(via.branch, "z9hG4bK");
}

/* RFC 4475 §3.1.2.16 badvers: the version is kept for the message layer. */
static void test_badvers_parses(void **state)
{
	(void)state;
	struct sp_via via = ok_via("SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw");
	S_IS(via.proto_version, "7.0");
	via = ok_via("FOO/x.y/UDP c.example.com");
	S_IS(via.proto_name, "FOO");
	S_IS(via.proto_version, "x.y");
}

/* RFC 4475 §3.1.1.2 intmeth (branch of every token char) and §3.1.1.7
 * longreq (received + long branch); inv2543 (no branch). */
static void test_rfc4475_misc(void **state)
{
	(void)state;
	struct sp_via via = ok_via("SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~");
	S_IS(via.branch, "z9hG4bK-.!%66*_+`'~");

	via =
	    ok_via("SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=verylonglonglonglonglong"
		   "longlonglonglonglonglonglonglonglonglonglongbranchvalue");
	S_IS(via.received, "192.0.2.5");
	S_IS(via.branch, "verylonglonglonglonglong"
			 "longlonglonglonglonglonglonglonglonglonglongbranchvalue");

	via = ok_via("SIP/2.0/UDP iftgw.example.com");
	assert_null(via.branch.p);
	assert_int_equal(via.params.len, 0);

	/* bcast: a broadcast sent-by is well-formed */
	via = ok_via("SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23");
	assert_int_equal(via.sent_by.kind, SP_HOST_IPV4);

	/* esc02: '%' is a token char, not an escape */
	via = ok_via("SIP/2.0/UDP host5.example.net;branch=z9hG4bK%fz");
	S_IS(via.branch, "z9hG4bK%fz");
}

/* RFC 5118 §4.1, §4.5, §4.7, §4.9. */
static void test_rfc5118(void **state)
{
	(void)state;
	struct sp_via via = ok_via("SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111");
	S_IS(via.sent_by.host, "[2001:db8::9:1]");
	assert_int_equal(via.sent_by.kind, SP_HOST_IPV6);
	assert_false(via.sent_by.has_port);

	/* via-received-param-with-delim: brackets accepted, then dropped */
	via =
	    ok_via("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111");
	S_IS(via.received, "2001:db8::9:255");
	S_IS(via.branch, "z9hG4bKas3-111");

	/* via-received-param-no-delim: the RFC 3261 grammar's own form */
	via = ok_via("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3");
	S_IS(via.received, "2001:db8::9:255");
	S_IS(via.branch, "z9hG4bKas3");

	/* mult-ip-in-header */
	via = ok_via("SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111");
	S_IS(via.sent_by.host, "[2001:db8::9:1]");
	assert_true(via.sent_by.has_port);
	assert_int_equal(via.sent_by.port, 6050);
	via = ok_via("SIP/2.0/TCP [2001:db8::9:255];branch=z9hG4bK451jj;received=192.0.2.200");
	S_IS(via.received, "192.0.2.200");

	/* ipv4-mapped-ipv6 */
	via = ok_via("SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19");
	S_IS(via.sent_by.host, "[::ffff:192.0.2.10]");
	assert_int_equal(via.sent_by.port, 19823);
	via = ok_via("SIP/2.0/UDP [::1];received=::ffff:192.0.2.2");
	S_IS(via.received, "::ffff:192.0.2.2");
}

/* COLON = SWS ":" SWS around the port; port bounds. */
static void test_sent_by_port(void **state)
{
	(void)state;
	struct sp_via via = ok_via("SIP/2.0/UDP host.example.com : 5070 ;branch=z9hG4bKa");
	S_IS(via.sent_by.host, "host.example.com");
	assert_int_equal(via.sent_by.port, 5070);
	S_IS(via.branch, "z9hG4bKa");
	via = ok_via("SIP/2.0/UDP host:\r\n 0");
	assert_true(via.sent_by.has_port);
	assert_int_equal(via.sent_by.port, 0);
	via = ok_via("SIP/2.0/UDP 192.0.2.1:65535");
	assert_int_equal(via.sent_by.port, 65535);
	via = ok_via("SIP/2.0/UDP [::1] :00080");
	assert_int_equal(via.sent_by.port, 80);
	via = ok_via("SIP/2.0/UDP example.com.");
	S_IS(via.sent_by.host, "example.com.");
}

static void test_rport_ttl_maddr(void **state)
{
	(void)state;
	struct sp_via via = ok_via("SIP/2.0/UDP h;rport");
	assert_true(via.has_rport);
	assert_int_equal(via.rport, 0);
	via = ok_via("SIP/2.0/UDP h;rport=65535;ttl=0");
	assert_int_equal(via.rport, 65535);
	assert_int_equal(via.ttl, 0);
	via = ok_via("SIP/2.0/UDP h;ttl=255;maddr=[2001:db8::1]");
	assert_int_equal(via.ttl, 255);
	S_IS(via.maddr, "[2001:db8::1]");
	via = ok_via("SIP/2.0/UDP h;ttl=007;maddr=sip.example.com");
	assert_int_equal(via.ttl, 7);
	S_IS(via.maddr, "sip.example.com");
	via = ok_via("SIP/2.0/UDP h ; rport = 1 ; maddr = 10.1.2.3");
	assert_int_equal(via.rport, 1);
	S_IS(via.maddr, "10.1.2.3");
}

/* ---- errors -------------------------------------------------------------- */

/* RFC 4475 §3.1.2.1 badinv01: empty parameters. */
static void test_badinv01(void **state)
{
	(void)state;
	bad_via("SIP/2.0/UDP 192.0.2.15;;", 23, "Via: via-params");
	bad_via("SIP/2.0/UDP 192.0.2.15;;,;,,", 23, "Via: via-params");
	bad_via("SIP/2.0/UDP 192.0.2.15;", 23, "Via: via-params");
	bad_via("SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKx;", 39, "Via: via-params");
	bad_via("SIP/2.0/UDP 192.0.2.15;branch=", 30, "Via: via-params");
	bad_via("SIP/2.0/UDP 192.0.2.15;=x", 23, "Via: via-params");
}

static void test_bad_sent_protocol(void **state)
{
	(void)state;
	bad_via("", 0, "Via: sent-protocol");
	bad_via("   ", 3, "Via: sent-protocol");
	bad_via("/2.0/UDP h", 0, "Via: sent-protocol");
	bad_via("SIP", 3, "Via: sent-protocol");
	bad_via("SIP/", 4, "Via: sent-protocol");
	bad_via("SIP//UDP h", 4, "Via: sent-protocol");
	bad_via("SIP/2.0 UDP h", 8, "Via: sent-protocol");
	bad_via("SIP/2.0/ h", 10, "Via: sent-protocol");
	bad_via("SIP/2.0/UDP", 11, "Via: sent-protocol");
	bad_via("SIP/2.0/UDP;branch=x", 11, "Via: sent-protocol");
	bad_via("SIP/2.0/UDP/x h", 11, "Via: sent-protocol");
	bad_via("SIP/2.0/U@P h", 9, "Via: sent-protocol");

	struct sp_via via;
	struct sp_parse_error err = {0};
	assert_int_equal(sp_via_parse(&via, SP_STR_NULL, &err), -EBADMSG);
	assert_non_null(err.at);
	/* err may be NULL */
	assert_int_equal(sp_via_parse(&via, tu_copy_c("SIP/2.0"), NULL), -EBADMSG);
}

static void test_bad_sent_by(void **state)
{
	(void)state;
	bad_via("SIP/2.0/UDP ;branch=z9hG4bKx", 12, "Via: sent-by");
	bad_via("SIP/2.0/UDP 256.0.0.1", 12, "Via: sent-by");
	bad_via("SIP/2.0/UDP 2001:db8::1", 12, "Via: sent-by"); /* RFC 5118 §4.2 */
	bad_via("SIP/2.0/UDP [2001:db8::1", 12, "Via: sent-by");
	bad_via("SIP/2.0/UDP [2001:zz8::1]", 12, "Via: sent-by");
	bad_via("SIP/2.0/UDP -host.example.com", 12, "Via: sent-by");
	bad_via("SIP/2.0/UDP host:65536", 17, "Via: sent-by");
	bad_via("SIP/2.0/UDP host:", 17, "Via: sent-by");
	bad_via("SIP/2.0/UDP host: ;branch=x", 18, "Via: sent-by");
	bad_via("SIP/2.0/UDP host:99999999999999999999999", 17, "Via: sent-by");
}

static void test_bad_trailer(void **state)
{
	(void)state;
	bad_via("SIP/2.0/UDP host;branch=z9hG4bK1 junk", 33, "Via: via-parm");
	bad_via("SIP/2.0/UDP host, SIP/2.0/UDP h2", 16, "Via: via-parm");
	bad_via("SIP/2.0/UDP host host2", 17, "Via: via-parm");
	bad_via("SIP/2.0/UDP host_x", 16, "Via: via-parm");
	/* Two faults: the first offending byte (the quoted branch) wins. */
	bad_via("SIP/2.0/UDP host;branch=\"z9hG4bK\" x", 24, "Via: via-branch");
	bad_via("SIP/2.0/UDP host;ext=\"quoted\" x", 30, "Via: via-parm");
	/* a NUL byte is never a terminator, and never valid here */
	bad_via_n("SIP/2.0/UDP host;branch=a\0b", 27, 25, "Via: via-parm");
	bad_via_n("SIP/2.0/UDP h\0st", 16, 13, "Via: via-parm");
	/* raw UTF-8 after the value */
	bad_via("SIP/2.0/UDP host;x=y \xc3\xa9", 21, "Via: via-parm");
}

static void test_bad_branch(void **state)
{
	(void)state;
	bad_via("SIP/2.0/UDP h;branch", 20, "Via: via-branch");
	bad_via("SIP/2.0/UDP h;branch=\"z9hG4bKx\"", 21, "Via: via-branch");
	bad_via("SIP/2.0/UDP h;branch=z9hG4bK:1", 28, "Via: via-branch");
	bad_via("SIP/2.0/UDP h;branch=[::1]", 21, "Via: via-branch");
	/* §7.3.1: once only */
	bad_via("SIP/2.0/UDP h;branch=z9hG4bKa;BRANCH=z9hG4bKb", 30, "Via: via-branch");
}

static void test_bad_received(void **state)
{
	(void)state;
	bad_via("SIP/2.0/UDP h;received", 22, "Via: via-received");
	bad_via("SIP/2.0/UDP h;received=example.com", 23, "Via: via-received");
	bad_via("SIP/2.0/UDP h;received=192.0.2.256", 23, "Via: via-received");
	bad_via("SIP/2.0/UDP h;received=192.0.2", 23, "Via: via-received");
	bad_via("SIP/2.0/UDP h;received=[192.0.2.1]", 23, "Via: via-received");
	bad_via("SIP/2.0/UDP h;received=[2001:db8::1", 23, "Via: via-received");
	bad_via("SIP/2.0/UDP h;received=2001:db8::1]", 23, "Via: via-received");
	bad_via("SIP/2.0/UDP h;received=\"192.0.2.1\"", 23, "Via: via-received");
	bad_via("SIP/2.0/UDP h;received=1.2.3.4;received=1.2.3.4", 31, "Via: via-received");
}

static void test_bad_maddr(void **state)
{
	(void)state;
	bad_via("SIP/2.0/UDP h;maddr", 19, "Via: via-maddr");
	bad_via("SIP/2.0/UDP h;maddr=host_x", 24, "Via: via-maddr");
	bad_via("SIP/2.0/UDP h;maddr=host:5060", 24, "Via: via-maddr");
	bad_via("SIP/2.0/UDP h;maddr=2001:db8::1", 20, "Via: via-maddr");
	bad_via("SIP/2.0/UDP h;maddr=1.2.3.999", 20, "Via: via-maddr");
	bad_via("SIP/2.0/UDP h;maddr=\"a\"", 20, "Via: via-maddr");
	bad_via("SIP/2.0/UDP h;maddr=a.b;maddr=a.b", 24, "Via: via-maddr");
}

static void test_bad_rport_ttl(void **state)
{
	(void)state;
	bad_via("SIP/2.0/UDP h;rport=65536", 20, "Via: response-port");
	bad_via("SIP/2.0/UDP h;rport=99999999999999999999999", 20, "Via: response-port");
	bad_via("SIP/2.0/UDP h;rport=5x", 21, "Via: response-port");
	bad_via("SIP/2.0/UDP h;rport=x", 20, "Via: response-port");
	bad_via("SIP/2.0/UDP h;rport=\"1\"", 20, "Via: response-port");
	bad_via("SIP/2.0/UDP h;rport;rport=1", 20, "Via: response-port");
	bad_via("SIP/2.0/UDP h;ttl", 17, "Via: via-ttl");
	bad_via("SIP/2.0/UDP h;ttl=256", 18, "Via: via-ttl");
	bad_via("SIP/2.0/UDP h;ttl=0255", 18, "Via: via-ttl");
	bad_via("SIP/2.0/UDP h;ttl=-1", 18, "Via: via-ttl");
	bad_via("SIP/2.0/UDP h;ttl=1;ttl=1", 20, "Via: via-ttl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_basic, tu_free_copies),
	    cmocka_unit_test_teardown(test_all_params, tu_free_copies),
	    cmocka_unit_test_teardown(test_param_name_case, tu_free_copies),
	    cmocka_unit_test_teardown(test_wsinv, tu_free_copies),
	    cmocka_unit_test_teardown(test_transports, tu_free_copies),
	    cmocka_unit_test_teardown(test_badbranch_parses, tu_free_copies),
	    cmocka_unit_test_teardown(test_badvers_parses, tu_free_copies),
	    cmocka_unit_test_teardown(test_rfc4475_misc, tu_free_copies),
	    cmocka_unit_test_teardown(test_rfc5118, tu_free_copies),
	    cmocka_unit_test_teardown(test_sent_by_port, tu_free_copies),
	    cmocka_unit_test_teardown(test_rport_ttl_maddr, tu_free_copies),
	    cmocka_unit_test_teardown(test_badinv01, tu_free_copies),
	    cmocka_unit_test_teardown(test_bad_sent_protocol, tu_free_copies),
	    cmocka_unit_test_teardown(test_bad_sent_by, tu_free_copies),
	    cmocka_unit_test_teardown(test_bad_trailer, tu_free_copies),
	    cmocka_unit_test_teardown(test_bad_branch, tu_free_copies),
	    cmocka_unit_test_teardown(test_bad_received, tu_free_copies),
	    cmocka_unit_test_teardown(test_bad_maddr, tu_free_copies),
	    cmocka_unit_test_teardown(test_bad_rport_ttl, tu_free_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
