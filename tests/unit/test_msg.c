/*
 * The message parser core: start lines, header lines and folding, compact
 * names, list splitting, datagram framing, eager fields, bounds, errors
 * with offsets, allocation failure. Conformance corpora have their own
 * tests (test_conformance_*.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "siphon/err.h"
#include "siphon/msg.h"

#define HDRS                                                                                       \
	"Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"                            \
	"Max-Forwards: 70\r\n"                                                                     \
	"To: Bob <sip:bob@biloxi.com>\r\n"                                                         \
	"From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"                                   \
	"Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"                                             \
	"CSeq: 314159 INVITE\r\n"

static int parse(struct sp_msg *m, const char *s)
{
	return sp_msg_parse(m, s, strlen(s));
}

static void test_request_line(void **state)
{
	(void)state;
	struct sp_msg m;
	const char *s = "INVITE sip:bob@biloxi.com SIP/2.0\r\n" HDRS "Content-Length: 0\r\n\r\n";
	assert_int_equal(parse(&m, s), 0);
	assert_true(m.request);
	assert_int_equal(m.method_id, SP_METHOD_INVITE);
	assert_true(sp_str_eq(m.method, SP_STR("INVITE")));
	assert_true(sp_str_eq(m.ruri_raw, SP_STR("sip:bob@biloxi.com")));
	assert_int_equal(m.ruri.scheme, SP_URI_SIP);
	assert_true(sp_str_eq(m.version, SP_STR("SIP/2.0")));
	assert_true(sp_str_eq(m.start_line, SP_STR("INVITE sip:bob@biloxi.com SIP/2.0")));
	assert_int_equal(m.max_forwards, 70);
	assert_int_equal(m.content_length, 0);
	assert_int_equal(m.cseq.seq, 314159);
	assert_int_equal(m.cseq.method_id, SP_METHOD_INVITE);
	assert_true(sp_str_eq(m.call_id, SP_STR("a84b4c76e66710@pc33.atlanta.com")));
	assert_true(sp_str_eq(m.from.tag, SP_STR("1928301774")));
	assert_null(m.to.tag.p);
	assert_true(sp_str_eq(m.via1.branch, SP_STR("z9hG4bK776asdhds")));
	assert_int_equal(m.consumed, strlen(s));
	assert_int_equal(m.body.len, 0);
	assert_int_equal(sp_msg_validate(&m), 0);
	sp_msg_free(&m);

	/* Method names are case-sensitive (RFC 3261 §7.1). */
	assert_int_equal(parse(&m, "invite sip:a@b.c SIP/2.0\r\n\r\n"), 0);
	assert_int_equal(m.method_id, SP_METHOD_OTHER);
	sp_msg_free(&m);
	/* The version is case-insensitive. */
	assert_int_equal(parse(&m, "OPTIONS sip:a@b.c sip/2.0\r\n\r\n"), 0);
	sp_msg_free(&m);
}

static void expect_error(const char *s, size_t offset, uint16_t status)
{
	struct sp_msg m;
	int rc = sp_msg_parse(&m, s, strlen(s));
	if (rc == 0)
		rc = sp_msg_validate(&m);
	if (rc != -EBADMSG || m.error.offset != offset || m.error.status != status)
		fail_msg("%s: rc %d offset %zu (want %zu) status %u (want %u) rule %s", s, rc,
			 m.error.offset, offset, m.error.status, status,
			 m.error.rule ? m.error.rule : "-");
	assert_non_null(m.error.rule);
	sp_msg_free(&m);
}

static void test_request_line_errors(void **state)
{
	(void)state;
	expect_error("INVITE  sip:a@b.c SIP/2.0\r\n\r\n", 7, 400);      /* lwsstart */
	expect_error("INVITE sip:a@b.c SIP/2.0 \r\n\r\n", 24, 400);     /* trws */
	expect_error("INVITE sip:a@b.c\r\n\r\n", 7, 400);               /* no version */
	expect_error("INVITE <sip:a@b.c> SIP/2.0\r\n\r\n", 7, 400);     /* ltgtruri */
	expect_error("INVITE sip:a@b.c SIP/7.0\r\n\r\n", 17, 505);      /* badvers */
	expect_error("INVITE sip:a@b.c HTTP/1.1\r\n\r\n", 17, 400);
	expect_error("INV@TE sip:a@b.c SIP/2.0\r\n\r\n", 3, 400);
	expect_error("INVITE sip:a@b.c SIP/2.0\n\r\n", 24, 400);        /* bare LF */
	expect_error("INVITE sip:a@b.c SIP/2.0", 24, 400);              /* no CRLF */
	expect_error("", 0, 400);
}

static void test_status_line(void **state)
{
	(void)state;
	struct sp_msg m;
	assert_int_equal(parse(&m, "SIP/2.0 180 Ringing\r\n" HDRS "\r\n"), 0);
	assert_false(m.request);
	assert_int_equal(m.status, 180);
	assert_true(sp_str_eq(m.reason, SP_STR("Ringing")));
	sp_msg_free(&m);
	/* RFC 4475 noreason: empty Reason-Phrase after the SP. */
	assert_int_equal(parse(&m, "SIP/2.0 100 \r\n" HDRS "\r\n"), 0);
	assert_int_equal(m.status, 100);
	assert_int_equal(m.reason.len, 0);
	sp_msg_free(&m);
	/* UTF-8 reason phrase (RFC 4475 unreason). */
	assert_int_equal(parse(&m, "SIP/2.0 200 \xd0\xbd\xd0\xbe OK\r\n" HDRS "\r\n"), 0);
	assert_int_equal(m.reason.len, 7);
	sp_msg_free(&m);
	expect_error("SIP/2.0 4294967301 better not break\r\n\r\n", 8, 400); /* bigcode */
	expect_error("SIP/2.0 099 Low\r\n\r\n", 8, 400);
	expect_error("SIP/2.0 700 High\r\n\r\n", 8, 400);
	expect_error("SIP/2.0 20 OK\r\n\r\n", 8, 400);
	expect_error("SIP/2.0 200 O\x01K\r\n\r\n", 13, 400);
}

static void test_headers_and_folding(void **state)
{
	(void)state;
	struct sp_msg m;
	const char *s = "OPTIONS sip:a@b.c SIP/2.0\r\n"
			"v: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			"t: <sip:a@b.c>\r\n"
			"f: <sip:c@d.e>;tag=x\r\n"
			"i: abc\r\n"
			"cseq: 1 OPTIONS\r\n"
			"Subject:\r\n"
			"X-Folded: one\r\n two\r\n\tthree\r\n"
			"UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
			"MaX-fOrWaRdS: 0068\r\n"
			"l: 0\r\n\r\n";
	assert_int_equal(parse(&m, s), 0);
	assert_int_equal(m.max_forwards, 68);
	assert_int_equal(m.cseq.seq, 1);
	assert_true(sp_str_eq(m.call_id, SP_STR("abc")));
	const struct sp_hdr *h = sp_msg_hdr(&m, SP_HDR_SUBJECT);
	assert_non_null(h);
	assert_int_equal(h->value.len, 0);
	h = sp_msg_hdr_by_name(&m, SP_STR("x-folded"));
	assert_non_null(h);
	assert_true(sp_str_eq(h->value, SP_STR("one\r\n two\r\n\tthree")));
	h = sp_msg_hdr_by_name(&m, SP_STR("UnknownHeaderWithUnusualValue"));
	assert_non_null(h);
	assert_true(sp_str_eq(h->value, SP_STR(";;,,;;,;")));
	assert_int_equal(h->id, SP_HDR_OTHER);
	assert_ptr_equal(sp_msg_hdr_by_name(&m, SP_STR("Content-Length")),
			 sp_msg_hdr(&m, SP_HDR_CONTENT_LENGTH));
	assert_true(sp_str_eq(sp_msg_hdr(&m, SP_HDR_VIA)->name, SP_STR("v")));
	assert_int_equal(m.nlines, 10);
	assert_int_equal(sp_msg_validate(&m), 0);
	sp_msg_free(&m);

	/* A header line that starts with whitespace right after the start line. */
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\n X: y\r\n\r\n", 27, 400);
	/* RFC 4475 test.dat: a header line without a colon. */
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\nFoobar roobar\r\n\r\n", 34, 400);
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\n: y\r\n\r\n", 27, 400);
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\nX: a\rb\r\n\r\n", 31, 400);
}

static void test_list_splitting(void **state)
{
	(void)state;
	struct sp_msg m;
	const char *s = "OPTIONS sip:a@b.c SIP/2.0\r\n"
			"Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP "
			"b.example.com;branch=z9hG4bK2\r\n"
			"Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
			"Contact: \"Doe, John\" <sip:j@x.com;a=1,2>, <sip:k@y.com>;q=0.5\r\n"
			"Allow:\r\n"
			"Supported: timer ,100rel\r\n"
			"Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
			"\r\n";
	assert_int_equal(parse(&m, s), 0);
	assert_int_equal(sp_msg_hdr_count(&m, SP_HDR_VIA), 3);
	assert_true(sp_str_eq(m.via1.sent_by.host, SP_STR("a.example.com")));
	const struct sp_hdr *v = sp_msg_hdr(&m, SP_HDR_VIA);
	v = sp_msg_hdr_next(&m, v);
	assert_true(sp_str_eq(v->value, SP_STR("SIP/2.0/TCP b.example.com;branch=z9hG4bK2")));
	assert_int_equal(v->line, 0);
	v = sp_msg_hdr_next(&m, v);
	assert_int_equal(v->line, 1);
	assert_null(sp_msg_hdr_next(&m, v));
	assert_int_equal(sp_msg_hdr_count(&m, SP_HDR_CONTACT), 2);
	assert_true(sp_str_eq(sp_msg_hdr(&m, SP_HDR_CONTACT)->value,
			      SP_STR("\"Doe, John\" <sip:j@x.com;a=1,2>")));
	assert_int_equal(sp_msg_hdr_count(&m, SP_HDR_ALLOW), 0);
	assert_int_equal(m.lines[3].count, 0);
	assert_int_equal(sp_msg_hdr_count(&m, SP_HDR_SUPPORTED), 2);
	assert_true(sp_str_eq(sp_msg_hdr_next(&m, sp_msg_hdr(&m, SP_HDR_SUPPORTED))->value,
			      SP_STR("100rel")));
	/* Date is single-valued: its comma is not a separator. */
	assert_int_equal(sp_msg_hdr_count(&m, SP_HDR_DATE), 1);
	sp_msg_free(&m);

	/* RFC 4475 badinv01: empty list elements. */
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n\r\n",
		     59, 400);
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\nContact:\r\n\r\n", 35, 400);
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\nContact: \"open <sip:a@b>\r\n\r\n", 51, 400);
}

static void test_datagram_body(void **state)
{
	(void)state;
	struct sp_msg m;
	/* Body with a NUL, bare CR and LF; octets past Content-Length dropped. */
	const char s[] = "MESSAGE sip:a@b.c SIP/2.0\r\n" HDRS "Content-Length: 5\r\n\r\n"
			 "a\0\r\nbEXTRA";
	assert_int_equal(sp_msg_parse(&m, s, sizeof(s) - 1), 0);
	assert_int_equal(m.body.len, 5);
	assert_memory_equal(m.body.p, "a\0\r\nb", 5);
	assert_int_equal(m.consumed, sizeof(s) - 1 - 5);
	sp_msg_free(&m);
	/* No Content-Length over a datagram: the body is the rest (RFC 3261 §18.3). */
	const char *t = "MESSAGE sip:a@b.c SIP/2.0\r\n" HDRS "\r\nhello";
	assert_int_equal(parse(&m, t), 0);
	assert_int_equal(m.content_length, -1);
	assert_true(sp_str_eq(m.body, SP_STR("hello")));
	sp_msg_free(&m);
	/* RFC 4475 clerr: Content-Length larger than what arrived. */
	const char *u = "MESSAGE sip:a@b.c SIP/2.0\r\nContent-Length: 9999\r\n\r\nshort";
	expect_error(u, strlen(u), 400);
	/* RFC 4475 ncl, mcl01 */
	expect_error("MESSAGE sip:a@b.c SIP/2.0\r\nContent-Length: -999\r\n\r\n", 43, 400);
	expect_error("MESSAGE sip:a@b.c SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\nab", 33, 400);
	/* Leading CRLFs are skipped (RFC 3261 §7.5). */
	assert_int_equal(parse(&m, "\r\n\r\nOPTIONS sip:a@b.c SIP/2.0\r\n\r\n"), 0);
	assert_int_equal(m.method_id, SP_METHOD_OPTIONS);
	sp_msg_free(&m);
}

static void test_eager_errors(void **state)
{
	(void)state;
	/* scalar02: CSeq beyond 2^32-1 never wraps. */
	expect_error("REGISTER sip:a@b.c SIP/2.0\r\nCSeq: 36893488147419103232 REGISTER\r\n\r\n",
		     34, 400);
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\nMax-Forwards: 256\r\n\r\n", 41, 400);
	/* mismatch01 (400) and mismatch02 (501 for an unknown method). */
	expect_error("OPTIONS sip:a@b.c SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n", 35, 400);
	expect_error("NEWMETHOD sip:a@b.c SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n", 37, 501);
}

static void test_bounds(void **state)
{
	(void)state;
	/* Thousands of values: bounded, rejected, no unbounded allocation. */
	size_t cap = 64 * 1024, len = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	len += (size_t)snprintf(s + len, cap - len, "OPTIONS sip:a@b.c SIP/2.0\r\nX-List: x");
	for (int i = 0; i < 400; i++)
		len += (size_t)snprintf(s + len, cap - len, "\r\nA%d: 1", i);
	len += (size_t)snprintf(s + len, cap - len, "\r\nSupported: a");
	for (int i = 0; i < 1100; i++)
		len += (size_t)snprintf(s + len, cap - len, ",b");
	len += (size_t)snprintf(s + len, cap - len, "\r\n\r\n");
	struct sp_msg m;
	assert_int_equal(sp_msg_parse(&m, s, len), -EBADMSG);
	assert_string_equal(m.error.rule, "too many header values");
	sp_msg_free(&m);

	/* Allocation failure while spilling the header table: -ENOMEM, no leak. */
	len = (size_t)snprintf(s, cap, "OPTIONS sip:a@b.c SIP/2.0\r\n");
	for (int i = 0; i < 200; i++)
		len += (size_t)snprintf(s + len, cap - len, "A%d: 1\r\n", i);
	len += (size_t)snprintf(s + len, cap - len, "\r\n");
	sp_mem_fail_after(0);
	assert_int_equal(sp_msg_parse(&m, s, len), -ENOMEM);
	sp_mem_fail_after(-1);
	sp_msg_free(&m);
	assert_int_equal(sp_msg_parse(&m, s, len), 0);
	assert_int_equal(m.nhdrs, 200);
	sp_msg_free(&m);
	free(s);
}

/* After a bad header line the parse goes on, so a server can answer 400
 * with the Via, From, To, Call-ID and CSeq that did decode. */
static void test_error_recovery(void **state)
{
	(void)state;
	struct sp_msg m;
	const char *s = "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
			"Max-Forwards: 300\r\n" HDRS "Content-Length: 0\r\n\r\n";
	assert_int_equal(parse(&m, s), -EBADMSG);
	assert_int_equal(m.error.offset, 49);
	assert_int_equal(m.error.status, 400);
	assert_true(m.has_via && m.has_from && m.has_to && m.has_call_id && m.has_cseq);
	assert_true(sp_str_eq(m.via1.branch, SP_STR("z9hG4bK776asdhds")));
	assert_int_equal(m.cseq.seq, 314159);
	assert_int_equal(sp_msg_hdr_count(&m, SP_HDR_VIA), 1);
	sp_msg_free(&m);

	/* A Via that does not decode leaves has_via false; the first error
	 * is the one reported even when a later line is bad too. */
	const char *t = "OPTIONS sip:a@b.c SIP/2.0\r\n"
			"Via: SIP/2.0/UDP bad host\r\n"
			"Via: SIP/2.0/UDP good.example.com;branch=z9hG4bK2\r\n"
			"CSeq: x OPTIONS\r\n\r\n";
	assert_int_equal(parse(&m, t), -EBADMSG);
	assert_int_equal(m.error.offset, 48);
	assert_false(m.has_via);
	assert_false(m.has_cseq);
	sp_msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_request_line_errors),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_headers_and_folding),
		cmocka_unit_test(test_list_splitting),
		cmocka_unit_test(test_datagram_body),
		cmocka_unit_test(test_eager_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_error_recovery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
