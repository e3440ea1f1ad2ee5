/*
 * Application-level checks (sp_msg_check): the rules the RFC 4475 corpus
 * does not reach (tests/integration/test_lint.sh covers that corpus), the
 * cases that must stay silent, the ACK/response "drop" rule, and the
 * count-beyond-max contract.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/check.h"

#define VIA "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
#define REST                                                                                       \
	"Max-Forwards: 70\r\n"                                                                     \
	"To: Bob <sip:bob@biloxi.com>\r\n"                                                         \
	"From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"                                   \
	"Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"

#define SDP "v=0\r\n"

struct result {
	struct sp_msg msg;
	struct sp_finding f[16];
	size_t n;
};

/* Parses, validates (both must succeed) and checks s. */
static void check(struct result *r, const char *s)
{
	assert_int_equal(sp_msg_parse(&r->msg, s, strlen(s)), 0);
	assert_int_equal(sp_msg_validate(&r->msg), 0);
	r->n = sp_msg_check(&r->msg, r->f, 16);
}

static void done(struct result *r)
{
	sp_msg_free(&r->msg);
}

/* True if some finding has this status, role and detail (NULL: any). */
static bool has(const struct result *r, unsigned status, const char *role, const char *detail)
{
	for (size_t i = 0; i < r->n && i < 16; i++) {
		const struct sp_finding *f = &r->f[i];
		if (f->status == status && strcmp(f->role, role) == 0 &&
		    (!detail || sp_str_eq(f->detail, sp_str_c(detail))))
			return true;
	}
	return false;
}

static void test_clean(void **state)
{
	(void)state;
	struct result r;
	check(&r, "INVITE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 INVITE\r\n"
		  "Accept: text/plain, application/*\r\n"
		  "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\n" SDP);
	assert_int_equal(r.n, 0);
	done(&r);
	/* No Max-Forwards (RFC 2543 style) and a tel Request-URI: silent. */
	check(&r, "OPTIONS tel:+1-201-555-0123 SIP/2.0\r\n" VIA
		  "To: <tel:+1-201-555-0123>\r\nFrom: <sip:a@b.c>;tag=1\r\n"
		  "Call-ID: x@y\r\nCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(r.n, 0);
	done(&r);
	/* An unknown method is dispatch's business (501), not a finding. */
	check(&r, "FOO sip:bob@biloxi.com SIP/2.0\r\n" VIA REST
		  "CSeq: 3 FOO\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(r.n, 0);
	done(&r);
}

static void test_body_rules(void **state)
{
	(void)state;
	struct result r;
	/* RFC 3261 §8.2.3: unknown Content-Encoding. */
	check(&r, "MESSAGE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 MESSAGE\r\n"
		  "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n"
		  "Content-Length: 2\r\n\r\nhi");
	assert_int_equal(r.n, 1);
	assert_true(has(&r, 415, SP_ROLE_UAS, "gzip"));
	done(&r);
	/* RFC 3261 §7.4.1: a body needs a Content-Type. */
	check(&r, "MESSAGE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 MESSAGE\r\n"
		  "Content-Length: 2\r\n\r\nhi");
	assert_int_equal(r.n, 1);
	assert_true(has(&r, 400, SP_ROLE_UAS, NULL));
	assert_null(r.f[0].detail.p);
	done(&r);
	/* Unsupported type: the detail is type/subtype without params. */
	check(&r, "MESSAGE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 MESSAGE\r\n"
		  "Content-Type: Application/Foo ; x=1\r\nContent-Length: 2\r\n\r\nhi");
	assert_true(has(&r, 415, SP_ROLE_UAS, "Application/Foo"));
	done(&r);
	/* Type names are case-insensitive. */
	check(&r, "MESSAGE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 MESSAGE\r\n"
		  "Content-Type: TEXT/Plain\r\nContent-Length: 2\r\n\r\nhi");
	assert_int_equal(r.n, 0);
	done(&r);
}

static void test_accept(void **state)
{
	(void)state;
	struct result r;
	/* RFC 3261 §20.1: an empty Accept admits nothing. */
	check(&r, "INVITE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 INVITE\r\n"
		  "Accept:\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\n" SDP);
	assert_int_equal(r.n, 1);
	assert_true(has(&r, 406, SP_ROLE_UAS, NULL));
	done(&r);
	/* q=0 refuses the type. */
	check(&r, "INVITE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 INVITE\r\n"
		  "Accept: application/sdp;q=0.0\r\n"
		  "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\n" SDP);
	assert_true(has(&r, 406, SP_ROLE_UAS, NULL));
	done(&r);
	/* The any-type wildcard on a second Accept line admits it. */
	check(&r, "INVITE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 INVITE\r\n"
		  "Accept: text/html\r\nAccept: */*;q=0.1\r\n"
		  "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\n" SDP);
	assert_int_equal(r.n, 0);
	done(&r);
}

static void test_auth(void **state)
{
	(void)state;
	struct result r;
	check(&r, "INVITE sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 INVITE\r\n"
		  "Proxy-Authorization: Bearer token=abc\r\n"
		  "Authorization: Digest username=\"a\", realm=\"b\", nonce=\"c\", "
		  "uri=\"sip:bob@biloxi.com\", response=\"0123456789abcdef0123456789abcdef\"\r\n"
		  "Content-Length: 0\r\n\r\n");
	assert_int_equal(r.n, 1);
	assert_true(has(&r, 407, SP_ROLE_PROXY, "Bearer"));
	done(&r);
	/* Outside REGISTER a non-Digest Authorization is the UAS's. */
	check(&r, "OPTIONS sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 OPTIONS\r\n"
		  "Authorization: Bearer token=abc\r\nContent-Length: 0\r\n\r\n");
	assert_true(has(&r, 401, SP_ROLE_UAS, "Bearer"));
	done(&r);
}

static void test_ack_and_response_drop(void **state)
{
	(void)state;
	struct result r;
	/* RFC 3261 §17: nothing answers an ACK, so its faults are drops. */
	check(&r, "ACK sip:bob@biloxi.com SIP/2.0\r\n" VIA
		  "Max-Forwards: 0\r\nTo: <sip:b@c>\r\nFrom: <sip:a@b>;tag=1\r\n"
		  "Call-ID: x@y\r\nCSeq: 1 ACK\r\nRequire: foo\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(r.n, 1); /* Require is ignored in ACK (§8.2.2.3) */
	assert_true(has(&r, 0, SP_ROLE_PROXY, NULL));
	done(&r);
	/* A response without Call-ID is dropped, never answered. */
	check(&r, "SIP/2.0 200 OK\r\n" VIA
		  "To: <sip:b@c>;tag=2\r\nFrom: <sip:a@b>;tag=1\r\nCSeq: 1 INVITE\r\n"
		  "Content-Length: 0\r\n\r\n");
	assert_int_equal(r.n, 1);
	assert_true(has(&r, 0, SP_ROLE_ANY, NULL));
	assert_int_equal(r.f[0].offset, 0);
	done(&r);
}

static void test_offsets_and_max(void **state)
{
	(void)state;
	struct sp_msg m;
	struct sp_finding f[2];
	const char *s = "OPTIONS sip:bob@biloxi.com SIP/2.0\r\n" VIA REST "CSeq: 1 OPTIONS\r\n"
			"Require: a, b, c\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(sp_msg_parse(&m, s, strlen(s)), 0);
	assert_int_equal(sp_msg_validate(&m), 0);
	/* Three findings, two stored, the count says three. */
	assert_int_equal(sp_msg_check(&m, f, 2), 3);
	assert_true(sp_str_eq(f[0].detail, SP_STR("a")));
	assert_true(sp_str_eq(f[1].detail, SP_STR("b")));
	assert_int_equal(f[1].offset, (size_t)(strstr(s, "a, b") + 3 - s));
	assert_int_equal(sp_msg_check(&m, NULL, 0), 3);
	sp_msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_body_rules),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_ack_and_response_drop),
		cmocka_unit_test(test_offsets_and_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
