/*
 * The sending half of the transport layer: §18.1.1 transport choice by
 * size, and the Via we write (parsed back with the Via parser).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>

#include "siphon/transport.h"
#include "test_util.h"

static void test_request_transport(void **state)
{
	(void)state;
	assert_int_equal(sp_request_transport(SP_TP_UDP, 1300, true), SP_TP_UDP);
	assert_int_equal(sp_request_transport(SP_TP_UDP, 1301, true), SP_TP_TCP);
	/* No TCP route: stays on UDP (the caller may then fail or fragment). */
	assert_int_equal(sp_request_transport(SP_TP_UDP, 4000, false), SP_TP_UDP);
	assert_int_equal(sp_request_transport(SP_TP_TCP, 100, true), SP_TP_TCP);
	assert_int_equal(sp_request_transport(SP_TP_TLS, 9000, true), SP_TP_TLS);
}

static void via_roundtrip(enum sp_transport tp, const char *host, uint16_t port, bool rport,
			  const char *want)
{
	char mem[256];
	struct sp_wbuf b;
	struct sp_via v;
	struct sp_parse_error err;
	sp_wbuf_init(&b, mem, sizeof(mem));
	assert_int_equal(sp_via_print(&b, tp, sp_str_c(host), port, SP_STR("z9hG4bKsp0001abc"),
				      rport),
			 0);
	S_EQC(((struct sp_str){ b.p, b.len }), want);
	assert_int_equal(sp_via_parse(&v, (struct sp_str){ b.p, b.len }, &err), 0);
	assert_int_equal(v.transport, tp);
	assert_int_equal(v.sent_by.port, port);
	assert_int_equal(v.has_rport, rport);
	S_EQ(v.branch, "z9hG4bKsp0001abc");
}

static void test_via_print(void **state)
{
	(void)state;
	via_roundtrip(SP_TP_UDP, "192.0.2.1", 5060, true,
		      "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKsp0001abc;rport");
	via_roundtrip(SP_TP_TCP, "sip.example.com", 0, false,
		      "SIP/2.0/TCP sip.example.com;branch=z9hG4bKsp0001abc");
	via_roundtrip(SP_TP_UDP, "2001:db8::1", 5070, false,
		      "SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bKsp0001abc");
	via_roundtrip(SP_TP_TLS, "[2001:db8::1]", 5061, false,
		      "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKsp0001abc");
}

static void test_via_print_errors(void **state)
{
	(void)state;
	char mem[40];
	struct sp_wbuf b;
	sp_wbuf_init(&b, mem, sizeof(mem));
	/* §8.1.1.7: our branches carry the magic cookie. */
	assert_int_equal(sp_via_print(&b, SP_TP_UDP, SP_STR("h"), 0, SP_STR("abc"), false),
			 -EINVAL);
	assert_int_equal(sp_via_print(&b, SP_TP_UDP, SP_STR("h"), 0, SP_STR("z9hG4bK"), false),
			 -EINVAL);
	assert_int_equal(sp_via_print(&b, SP_TP_OTHER, SP_STR("h"), 0, SP_STR("z9hG4bK1"), false),
			 -EINVAL);
	assert_int_equal(sp_via_print(&b, SP_TP_UDP, SP_STR(""), 0, SP_STR("z9hG4bK1"), false),
			 -EINVAL);
	/* Too small: nothing half-written stays in the buffer. */
	sp_wbuf_put(&b, "x", 1);
	assert_int_equal(sp_via_print(&b, SP_TP_UDP, SP_STR("a-rather-long-host.example.com"),
				      5060, SP_STR("z9hG4bK1"), true),
			 -ENOSPC);
	assert_int_equal(b.len, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_transport),
		cmocka_unit_test(test_via_print),
		cmocka_unit_test(test_via_print_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
