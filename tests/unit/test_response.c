/*
 * Responses to parsed requests (src/sip/response.c): the copying rules of
 * RFC 3261 §8.2.6.2, the received/rport stamping of §18.2.1 and RFC 3581
 * §4, the To tag (added, kept, never on 100), Timestamp in 100 (§8.2.6.1),
 * extra headers and bodies, and the error returns. Every built response
 * is parsed and validated back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/response.h"

#include "test_util.h"

struct built {
	char *req;
	struct sp_msg rq;
	char out[4096];
	struct sp_msg rs;
	int rc;
};

/* Parses request text, builds r from src "ip:port" (NULL: none), parses
 * the result into b->rs when the build succeeded. */
static void build(struct built *b, const char *request, const char *src,
		  const struct sp_response *r)
{
	struct sp_sa sa;
	b->req = tu_dup(request, strlen(request));
	assert_int_equal(sp_msg_parse(&b->rq, b->req, strlen(request)), 0);
	if (src)
		assert_int_equal(sp_sa_parse(&sa, sp_str_c(src), 5060), 0);
	struct sp_wbuf w;
	sp_wbuf_init(&w, b->out, sizeof(b->out));
	b->rc = sp_response_build(&w, &b->rq, src ? &sa : NULL, r);
	memset(&b->rs, 0, sizeof(b->rs));
	if (b->rc == 0) {
		assert_int_equal(sp_msg_parse(&b->rs, b->out, w.len), 0);
		assert_int_equal(b->rs.consumed, w.len);
		assert_int_equal(sp_msg_validate(&b->rs), 0);
		tu_msg_roundtrip(&b->rs);
	}
}

static void done(struct built *b)
{
	sp_msg_free(&b->rq);
	if (b->rc == 0)
		sp_msg_free(&b->rs);
	free(b->req);
}

static const char INVITE[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds\r\n"
	"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/TCP p0.example.com;branch=z9hG4bKp0\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Timestamp: 54.3\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 4\r\n"
	"\r\n"
	"v=0\n";

/* §8.2.6.2: the copied headers, Vias in order; same sent-by and source:
 * no received. */
static void test_copy(void **state)
{
	(void)state;
	struct built b;
	struct sp_response r = { .code = 486, .to_tag = SP_STR("a6c85cf") };
	build(&b, INVITE, "192.0.2.4:5060", &r);
	assert_int_equal(b.rc, 0);
	assert_false(b.rs.request);
	assert_int_equal(b.rs.status, 486);
	S_EQ(b.rs.reason, "Busy Here");
	assert_int_equal(sp_msg_hdr_count(&b.rs, SP_HDR_VIA), 3);
	S_EQ(tu_hdr_n(&b.rs, SP_HDR_VIA, 0)->value, "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds");
	S_EQ(tu_hdr_n(&b.rs, SP_HDR_VIA, 1)->value, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1");
	S_EQ(tu_hdr_n(&b.rs, SP_HDR_VIA, 2)->value, "SIP/2.0/TCP p0.example.com;branch=z9hG4bKp0");
	S_SAME(sp_msg_hdr(&b.rq, SP_HDR_FROM)->value, sp_msg_hdr(&b.rs, SP_HDR_FROM)->value);
	S_SAME(b.rq.call_id, b.rs.call_id);
	S_EQ(sp_msg_hdr(&b.rs, SP_HDR_CSEQ)->value, "314159 INVITE");
	S_EQ(sp_msg_hdr(&b.rs, SP_HDR_TO)->value, "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf");
	S_IS(b.rs.to.tag, "a6c85cf");
	/* Nothing else is copied: no Contact, no Timestamp, no body. */
	assert_null(sp_msg_hdr(&b.rs, SP_HDR_CONTACT));
	assert_null(sp_msg_hdr(&b.rs, SP_HDR_TIMESTAMP));
	assert_null(sp_msg_hdr(&b.rs, SP_HDR_MAX_FORWARDS));
	assert_int_equal(b.rs.content_length, 0);
	done(&b);
}

/* §18.2.1: a sent-by that differs from the source gets received=. */
static void test_received(void **state)
{
	(void)state;
	struct built b;
	struct sp_response r = { .code = 200, .to_tag = SP_STR("x") };
	build(&b, INVITE, "198.51.100.9:33000", &r);
	assert_int_equal(b.rc, 0);
	S_EQ(tu_hdr_n(&b.rs, SP_HDR_VIA, 0)->value,
	     "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds;received=198.51.100.9");
	S_IS(b.rs.via1.received, "198.51.100.9");
	done(&b);

	/* A host name always differs; IPv6 sources print without brackets. */
	static const char req[] = "OPTIONS sip:x@example.com SIP/2.0\r\n"
				  "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK1;received=1.2.3.4\r\n"
				  "From: <sip:a@example.com>;tag=f\r\n"
				  "To: <sip:x@example.com>;tag=already\r\n"
				  "Call-ID: c1\r\n"
				  "CSeq: 7 OPTIONS\r\n"
				  "\r\n";
	build(&b, req, "[2001:db8::7]:5060", &r);
	assert_int_equal(b.rc, 0);
	S_EQ(tu_hdr_n(&b.rs, SP_HDR_VIA, 0)->value,
	     "SIP/2.0/TCP host.example.com;branch=z9hG4bK1;received=2001:db8::7");
	/* A To with a tag keeps it (§8.2.6.2). */
	S_EQ(sp_msg_hdr(&b.rs, SP_HDR_TO)->value, "<sip:x@example.com>;tag=already");
	done(&b);
}

/* RFC 3581 §4: an empty rport gets the source port, and received is
 * added even when the address equals sent-by; a valued rport is kept. */
static void test_rport(void **state)
{
	(void)state;
	struct built b;
	struct sp_response r = { .code = 100 };
	static const char req[] = "REGISTER sip:example.com SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 192.0.2.4:5060;rport;branch=z9hG4bKr1\r\n"
				  "From: <sip:a@example.com>;tag=f\r\n"
				  "To: <sip:a@example.com>\r\n"
				  "Call-ID: c2\r\n"
				  "CSeq: 1 REGISTER\r\n"
				  "Content-Length: 0\r\n"
				  "\r\n";
	build(&b, req, "192.0.2.4:61000", &r);
	assert_int_equal(b.rc, 0);
	S_EQ(tu_hdr_n(&b.rs, SP_HDR_VIA, 0)->value,
	     "SIP/2.0/UDP 192.0.2.4:5060;rport=61000;branch=z9hG4bKr1;received=192.0.2.4");
	assert_true(b.rs.via1.has_rport);
	assert_int_equal(b.rs.via1.rport, 61000);
	/* 100 Trying: no To tag (§8.2.6.2). */
	S_EQ(sp_msg_hdr(&b.rs, SP_HDR_TO)->value, "<sip:a@example.com>");
	S_ABSENT(b.rs.to.tag);
	done(&b);

	/* Without a source: the Via copied as is. */
	build(&b, req, NULL, &r);
	assert_int_equal(b.rc, 0);
	S_EQ(tu_hdr_n(&b.rs, SP_HDR_VIA, 0)->value, "SIP/2.0/UDP 192.0.2.4:5060;rport;branch=z9hG4bKr1");
	done(&b);
}

/* §8.2.6.1: 100 Trying copies Timestamp; other responses do not. */
static void test_trying_timestamp(void **state)
{
	(void)state;
	struct built b;
	struct sp_response r = { .code = 100 };
	build(&b, INVITE, "192.0.2.4:5060", &r);
	assert_int_equal(b.rc, 0);
	S_EQ(sp_msg_hdr(&b.rs, SP_HDR_TIMESTAMP)->value, "54.3");
	S_ABSENT(b.rs.to.tag);
	S_EQ(b.rs.reason, "Trying");
	done(&b);
}

/* A To tag the TU did not give is derived from the request: the same for
 * every response to it, different for another request. */
static void test_derived_tag(void **state)
{
	(void)state;
	struct built a, b;
	struct sp_response r180 = { .code = 180 }, r200 = { .code = 200 };
	build(&a, INVITE, "192.0.2.4:5060", &r180);
	build(&b, INVITE, "192.0.2.4:5060", &r200);
	assert_int_equal(a.rc, 0);
	assert_int_equal(b.rc, 0);
	assert_true(a.rs.to.tag.len >= 8);
	S_SAME(a.rs.to.tag, b.rs.to.tag);
	done(&a);
	done(&b);

	char *other = strdup(INVITE);
	char *cs = strstr(other, "314159");
	cs[0] = '4';
	build(&a, other, "192.0.2.4:5060", &r180);
	build(&b, INVITE, "192.0.2.4:5060", &r180);
	assert_false(sp_str_eq(a.rs.to.tag, b.rs.to.tag));
	done(&a);
	done(&b);
	free(other);
}

/* Reason phrase, extra headers and a body. */
static void test_headers_body(void **state)
{
	(void)state;
	struct built b;
	struct sp_response r = {
		.code = 200,
		.reason = "Fine",
		.to_tag = SP_STR("t"),
		.headers = SP_STR("Contact: <sip:bob@192.0.2.9>\r\nAllow: INVITE, ACK\r\n"),
		.content_type = SP_STR("application/sdp"),
		.body = SP_STR("v=0\r\n"),
	};
	build(&b, INVITE, "192.0.2.4:5060", &r);
	assert_int_equal(b.rc, 0);
	S_EQ(b.rs.reason, "Fine");
	S_EQ(sp_msg_hdr(&b.rs, SP_HDR_CONTACT)->value, "<sip:bob@192.0.2.9>");
	assert_int_equal(sp_msg_hdr_count(&b.rs, SP_HDR_ALLOW), 2);
	S_EQ(sp_msg_hdr(&b.rs, SP_HDR_CONTENT_TYPE)->value, "application/sdp");
	S_EQ(b.rs.body, "v=0\r\n");
	assert_int_equal(b.rs.content_length, 5);
	done(&b);
}

static void test_errors(void **state)
{
	(void)state;
	struct built b;
	struct sp_response r = { .code = 200 };
	/* Out of space. */
	char *req = tu_dup(INVITE, sizeof(INVITE) - 1);
	struct sp_msg m;
	assert_int_equal(sp_msg_parse(&m, req, sizeof(INVITE) - 1), 0);
	char small[100];
	struct sp_wbuf w;
	sp_wbuf_init(&w, small, sizeof(small));
	assert_int_equal(sp_response_build(&w, &m, NULL, &r), -ENOSPC);
	/* Bad status codes. */
	struct sp_response bad = { .code = 99 };
	sp_wbuf_init(&w, small, sizeof(small));
	assert_int_equal(sp_response_build(&w, &m, NULL, &bad), -EINVAL);
	bad.code = 700;
	assert_int_equal(sp_response_build(&w, &m, NULL, &bad), -EINVAL);
	sp_msg_free(&m);
	free(req);

	/* Not a request; a request without CSeq. */
	static const char resp[] = "SIP/2.0 200 OK\r\n"
				   "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				   "From: <sip:a@example.com>;tag=f\r\n"
				   "To: <sip:a@example.com>\r\n"
				   "Call-ID: c\r\n"
				   "CSeq: 1 OPTIONS\r\n"
				   "\r\n";
	build(&b, resp, NULL, &r);
	assert_int_equal(b.rc, -EINVAL);
	done(&b);
	static const char nocseq[] = "OPTIONS sip:a@example.com SIP/2.0\r\n"
				     "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				     "From: <sip:a@example.com>;tag=f\r\n"
				     "To: <sip:a@example.com>\r\n"
				     "Call-ID: c\r\n"
				     "\r\n";
	build(&b, nocseq, NULL, &r);
	assert_int_equal(b.rc, -EINVAL);
	done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_received),
		cmocka_unit_test(test_rport),
		cmocka_unit_test(test_trying_timestamp),
		cmocka_unit_test(test_derived_tag),
		cmocka_unit_test(test_headers_body),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
