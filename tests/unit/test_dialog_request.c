/*
 * Requests within a dialog (src/sip/dialog_request.c) and requests
 * received in one (src/sip/dialog.c): the ACK and BYE of RFC 3665 §3.1
 * printed byte for byte, those of §3.2 with the route set in the Route
 * header (RFC 3261 §12.2.1.1 loose routing), the strict-routing example
 * of §12.2.1.1, CSeq numbering (increments, the 2xx ACK's number,
 * initial value, overflow, a failed print not using a number up),
 * Contact in target refresh requests and the secure flag, the remote CSeq
 * rules of §12.2.2 (500 for out of order, ACK and CANCEL exempt), target
 * refresh on both sides with the route set untouched (§12.2), and the
 * next hop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/dialog.h"
#include "siphon/response.h"

#include "test_util.h"

/* ---- messages: parsed from exact-size heap copies --------------------------- */

struct tmsg {
	char *buf;
	size_t len;
	struct sp_msg m;
};

static struct tmsg *tm_parse(char *buf, size_t len)
{
	struct tmsg *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->buf = buf;
	t->len = len;
	int rc = sp_msg_parse(&t->m, buf, len);
	if (rc)
		fprintf(stderr, "parse: %s at %zu\n", t->m.error.rule, t->m.error.offset);
	assert_int_equal(rc, 0);
	return t;
}

static struct tmsg *tm_vec(const char *name)
{
	char rel[128];
	size_t len;
	snprintf(rel, sizeof(rel), "dialog/%s", name);
	char *buf = tu_load(rel, &len);
	assert_non_null(buf);
	return tm_parse(buf, len);
}

static struct tmsg *tm_text(const char *text)
{
	size_t n = strlen(text);
	return tm_parse(tu_dup(text, n), n);
}

static void tm_free(struct tmsg *t)
{
	if (!t)
		return;
	sp_msg_free(&t->m);
	free(t->buf);
	free(t);
}

static struct sp_dialog *uac(const char *inv, const char *resp)
{
	struct tmsg *a = tm_vec(inv), *b = tm_vec(resp);
	struct sp_dialog *d = NULL;
	assert_int_equal(sp_dialog_create_uac(&d, &a->m, &b->m, false), 0);
	tm_free(a);
	tm_free(b);
	return d;
}

static struct sp_dialog *uas(const char *inv, const char *resp)
{
	struct tmsg *a = tm_vec(inv), *b = tm_vec(resp);
	struct sp_dialog *d = NULL;
	assert_int_equal(sp_dialog_create_uas(&d, &a->m, &b->m, false), 0);
	tm_free(a);
	tm_free(b);
	return d;
}

/* UAS dialog from an INVITE text, answered 200 with To tag "uas" and the
 * given Contact. */
static struct sp_dialog *uas_text(const char *inv_text, const char *contact_line)
{
	struct tmsg *inv = tm_text(inv_text);
	char buf[2048];
	struct sp_wbuf b;
	sp_wbuf_init(&b, buf, sizeof(buf));
	struct sp_response r = { .code = 200, .to_tag = SP_STR("uas"),
				 .headers = sp_str_c(contact_line) };
	assert_int_equal(sp_response_build(&b, &inv->m, NULL, &r), 0);
	struct tmsg *ok = tm_parse(tu_dup(buf, b.len), b.len);
	struct sp_dialog *d = NULL;
	assert_int_equal(sp_dialog_create_uas(&d, &inv->m, &ok->m, false), 0);
	tm_free(inv);
	tm_free(ok);
	return d;
}

/* Output buffer for one request. */
struct obuf {
	char mem[4096];
	struct sp_wbuf b;
};

static struct sp_wbuf *ob_reset(struct obuf *o)
{
	sp_wbuf_init(&o->b, o->mem, sizeof(o->mem));
	return &o->b;
}

/* The printed request must equal want byte for byte, and parse and
 * validate as one complete message. */
static void expect_bytes(const struct obuf *o, const char *want, size_t want_len)
{
	if (o->b.len != want_len || memcmp(o->b.p, want, want_len) != 0)
		fprintf(stderr, "got:\n%.*s\nwant:\n%.*s\n", (int)o->b.len, o->b.p, (int)want_len,
			want);
	assert_int_equal(o->b.len, want_len);
	assert_memory_equal(o->b.p, want, want_len);
	struct tmsg *m = tm_parse(tu_dup(o->b.p, o->b.len), o->b.len);
	assert_int_equal(sp_msg_validate(&m->m), 0);
	assert_int_equal(m->m.consumed, o->b.len);
	tm_free(m);
}

#define EXPECT(o, lit) expect_bytes((o), (lit), sizeof(lit) - 1)

/* RFC 3665 writes the Request-URI of in-dialog requests without the
 * ";transport=tcp" of the Contact it came from; RFC 3261 §12.2.1.1 puts
 * the remote target URI there as it is. The vector, with its start line
 * replaced by `start`, is what the dialog must print. */
static void expect_vector(const struct obuf *o, const char *vec, const char *start)
{
	char rel[128];
	size_t len;
	snprintf(rel, sizeof(rel), "dialog/%s", vec);
	char *v = tu_load(rel, &len);
	assert_non_null(v);
	long eol = tu_find(v, len, "\r\n");
	assert_true(eol > 0);
	size_t n = strlen(start) + len - (size_t)eol;
	char *want = malloc(n);
	assert_non_null(want);
	memcpy(want, start, strlen(start));
	memcpy(want + strlen(start), v + eol, len - (size_t)eol);
	expect_bytes(o, want, n);
	free(want);
	free(v);
}

/* The printed request and the RFC's have the same values, in order, of
 * every header either carries (the start line: see expect_vector). */
static void expect_same_as_vector(const struct obuf *o, const char *vec)
{
	struct tmsg *got = tm_parse(tu_dup(o->b.p, o->b.len), o->b.len);
	struct tmsg *want = tm_vec(vec);
	S_SAME(want->m.method, got->m.method);
	for (unsigned id = 1; id < SP_HDR__COUNT; id++) {
		assert_int_equal(sp_msg_hdr_count(&got->m, id), sp_msg_hdr_count(&want->m, id));
		const struct sp_hdr *a = sp_msg_hdr(&got->m, id), *b = sp_msg_hdr(&want->m, id);
		for (; a && b; a = sp_msg_hdr_next(&got->m, a), b = sp_msg_hdr_next(&want->m, b))
			S_SAME(b->value, a->value);
	}
	S_SAME(want->m.body, got->m.body);
	tm_free(got);
	tm_free(want);
}

/* ---- RFC 3665 flows ---------------------------------------------------------- */

/* §3.1 F4: Alice's ACK for Bob's 200 (no proxies), byte for byte. */
static void test_ack_rfc3665_3_1(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.1-F1-invite.sip", "rfc3665-3.1-F3-200.sip");
	struct obuf o;
	struct sp_dialog_req r = {
		.via = SP_STR("SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bd5"),
	};
	assert_int_equal(sp_dialog_ack(d, 1, &r, ob_reset(&o)), 0);
	expect_vector(&o, "rfc3665-3.1-F4-ack.sip",
		      "ACK sip:bob@client.biloxi.example.com;transport=tcp SIP/2.0");
	/* The ACK uses no sequence number (§13.2.2.4). */
	uint32_t seq;
	assert_true(sp_dialog_local_cseq(d, &seq));
	assert_int_equal(seq, 1);
	sp_mem_deref(d);
}

/* §3.1 F5: Bob's BYE (Bob was the UAS; his first CSeq is 1). */
static void test_bye_rfc3665_3_1(void **state)
{
	(void)state;
	struct sp_dialog *d = uas("rfc3665-3.1-F1-invite.sip", "rfc3665-3.1-F3-200.sip");
	assert_int_equal(sp_dialog_set_local_cseq(d, 0), 0);
	struct obuf o;
	struct sp_dialog_req r = {
		.method = SP_STR("BYE"),
		.via = SP_STR("SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7"),
	};
	uint32_t cseq = 0;
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &cseq), 0);
	assert_int_equal(cseq, 1);
	expect_vector(&o, "rfc3665-3.1-F5-bye.sip",
		      "BYE sip:alice@client.atlanta.example.com;transport=tcp SIP/2.0");
	sp_mem_deref(d);
}

/* §3.2 F15: Alice's ACK through the two proxies: Request-URI = Bob's
 * Contact, Route = the route set ss1, ss2 (loose routing). */
static void test_ack_rfc3665_3_2(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.2-F4-invite.sip", "rfc3665-3.2-F14-200.sip");
	struct obuf o;
	struct sp_dialog_req r = {
		.via = SP_STR("SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74b76"),
	};
	assert_int_equal(sp_dialog_ack(d, 2, &r, ob_reset(&o)), 0);
	EXPECT(&o, "ACK sip:bob@client.biloxi.example.com;transport=tcp SIP/2.0\r\n"
		   "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74b76\r\n"
		   "Max-Forwards: 70\r\n"
		   "Route: <sip:ss1.atlanta.example.com;lr>, <sip:ss2.biloxi.example.com;lr>\r\n"
		   "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		   "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
		   "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
		   "CSeq: 2 ACK\r\n"
		   "Content-Length: 0\r\n"
		   "\r\n");
	expect_same_as_vector(&o, "rfc3665-3.2-F15-ack.sip");
	/* The request goes to the first route. */
	struct sp_uri hop;
	assert_int_equal(sp_dialog_next_hop(d, &hop), 0);
	S_EQ(hop.hp.host, "ss1.atlanta.example.com");
	assert_true(hop.lr);
	sp_mem_deref(d);
}

/* §3.2 F18: Bob's BYE: Route = ss2, ss1 (the request's Record-Route in
 * order), Request-URI = Alice's Contact. */
static void test_bye_rfc3665_3_2(void **state)
{
	(void)state;
	struct sp_dialog *d = uas("rfc3665-3.2-F7-invite.sip", "rfc3665-3.2-F12-200.sip");
	assert_int_equal(sp_dialog_set_local_cseq(d, 0), 0);
	struct obuf o;
	struct sp_dialog_req r = {
		.method = SP_STR("BYE"),
		.via = SP_STR("SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7"),
	};
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	EXPECT(&o, "BYE sip:alice@client.atlanta.example.com;transport=tcp SIP/2.0\r\n"
		   "Via: SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n"
		   "Max-Forwards: 70\r\n"
		   "Route: <sip:ss2.biloxi.example.com;lr>, <sip:ss1.atlanta.example.com;lr>\r\n"
		   "From: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
		   "To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		   "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
		   "CSeq: 1 BYE\r\n"
		   "Content-Length: 0\r\n"
		   "\r\n");
	expect_same_as_vector(&o, "rfc3665-3.2-F18-bye.sip");
	sp_mem_deref(d);
}

/* ---- routing (§12.2.1.1) ----------------------------------------------------- */

#define STRICT_INVITE(rr)                                                                  \
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"                                    \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKs1\r\n"                             \
	"Record-Route: " rr "\r\n"                                                         \
	"From: <sip:alice@atlanta.example.com>;tag=a1\r\n"                                 \
	"To: <sip:bob@biloxi.example.com>\r\n"                                             \
	"Call-ID: strict@atlanta.example.com\r\n"                                          \
	"CSeq: 1 INVITE\r\n"                                                               \
	"Contact: <sip:user@remoteua>\r\n"                                                 \
	"Content-Length: 0\r\n"                                                            \
	"\r\n"

/* The example of §12.2.1.1: remote target sip:user@remoteua, route set
 * <sip:proxy1>,<sip:proxy2>,<sip:proxy3;lr>,<sip:proxy4>. */
static void test_strict_routing_rfc_example(void **state)
{
	(void)state;
	struct sp_dialog *d = uas_text(
		STRICT_INVITE("<sip:proxy1>,<sip:proxy2>,<sip:proxy3;lr>,<sip:proxy4>"),
		"Contact: <sip:bob@192.0.2.4>\r\n");
	assert_int_equal(sp_dialog_set_local_cseq(d, 99), 0);
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("BYE"),
				   .via = SP_STR("SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKb1") };
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	EXPECT(&o, "BYE sip:proxy1 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKb1\r\n"
		   "Max-Forwards: 70\r\n"
		   "Route: <sip:proxy2>, <sip:proxy3;lr>, <sip:proxy4>, <sip:user@remoteua>\r\n"
		   "From: <sip:bob@biloxi.example.com>;tag=uas\r\n"
		   "To: <sip:alice@atlanta.example.com>;tag=a1\r\n"
		   "Call-ID: strict@atlanta.example.com\r\n"
		   "CSeq: 100 BYE\r\n"
		   "Content-Length: 0\r\n"
		   "\r\n");
	struct sp_uri hop;
	assert_int_equal(sp_dialog_next_hop(d, &hop), 0);
	S_EQ(hop.raw, "sip:proxy1");
	sp_mem_deref(d);
}

/* A single strict router: its URI loses the method parameter and headers
 * in the Request-URI (§19.1.1 table), keeps its other parameters; Route
 * holds only the remote target. */
static void test_strict_routing_strips_params(void **state)
{
	(void)state;
	struct sp_dialog *d = uas_text(
		STRICT_INVITE("<sip:proxy1;method=INVITE;transport=tcp?Subject=x>"),
		"Contact: <sip:bob@192.0.2.4>\r\n");
	assert_int_equal(sp_dialog_set_local_cseq(d, 0), 0);
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("INFO"),
				   .via = SP_STR("SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKb2") };
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	EXPECT(&o, "INFO sip:proxy1;transport=tcp SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKb2\r\n"
		   "Max-Forwards: 70\r\n"
		   "Route: <sip:user@remoteua>\r\n"
		   "From: <sip:bob@biloxi.example.com>;tag=uas\r\n"
		   "To: <sip:alice@atlanta.example.com>;tag=a1\r\n"
		   "Call-ID: strict@atlanta.example.com\r\n"
		   "CSeq: 1 INFO\r\n"
		   "Content-Length: 0\r\n"
		   "\r\n");
	sp_mem_deref(d);
}

/* No route set: Request-URI = remote target, no Route header; the next
 * hop is the remote target. */
static void test_no_route_set(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.1-F1-invite.sip", "rfc3665-3.1-F3-200.sip");
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("OPTIONS"),
				   .via = SP_STR("SIP/2.0/TCP a;branch=z9hG4bKo") };
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len, "OPTIONS sip:bob@client.biloxi.example.com;transport=tcp "
					    "SIP/2.0\r\n") == 0);
	assert_true(tu_find(o.b.p, o.b.len, "Route:") < 0);
	struct sp_uri hop;
	assert_int_equal(sp_dialog_next_hop(d, &hop), 0);
	S_EQ(hop.hp.host, "client.biloxi.example.com");
	S_EQ(hop.transport, "tcp");
	sp_mem_deref(d);
}

/* ---- CSeq (§12.2.1.1, §8.1.1.5, §13.2.2.4) ---------------------------------- */

static void test_cseq_numbering(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.1-F1-invite.sip", "rfc3665-3.1-F3-200.sip");
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("INFO"),
				   .via = SP_STR("SIP/2.0/TCP a;branch=z9hG4bK1") };
	uint32_t cseq;
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &cseq), 0);
	assert_int_equal(cseq, 2);
	assert_true(tu_find(o.b.p, o.b.len, "\r\nCSeq: 2 INFO\r\n") > 0);
	r.method = SP_STR("BYE");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &cseq), 0);
	assert_int_equal(cseq, 3);
	assert_true(tu_find(o.b.p, o.b.len, "\r\nCSeq: 3 BYE\r\n") > 0);

	/* The ACK of a re-INVITE carries that INVITE's number. */
	r.method = SP_STR("INVITE");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &cseq), 0);
	assert_int_equal(cseq, 4);
	assert_int_equal(sp_dialog_ack(d, cseq, &r, ob_reset(&o)), 0);
	assert_true(tu_find(o.b.p, o.b.len, "\r\nCSeq: 4 ACK\r\n") > 0);
	assert_true(tu_find(o.b.p, o.b.len, "ACK sip:bob@client.biloxi") == 0);

	/* A print that does not fit uses no number. */
	char small[64];
	struct sp_wbuf sb;
	sp_wbuf_init(&sb, small, sizeof(small));
	r.method = SP_STR("INFO");
	cseq = 0;
	assert_int_equal(sp_dialog_request(d, &r, &sb, &cseq), -ENOSPC);
	assert_int_equal(cseq, 0);
	sp_wbuf_init(&sb, small, sizeof(small));
	assert_int_equal(sp_dialog_ack(d, 4, &r, &sb), -ENOSPC);
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &cseq), 0);
	assert_int_equal(cseq, 5);

	/* §8.1.1.5: never 2^31 or more. */
	assert_int_equal(sp_dialog_set_local_cseq(d, 1u << 31), -EINVAL);
	assert_int_equal(sp_dialog_set_local_cseq(d, (1u << 31) - 2), 0);
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &cseq), 0);
	assert_int_equal(cseq, (1u << 31) - 1);
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &cseq), -EOVERFLOW);
	sp_mem_deref(d);
}

/* A UAS dialog's local number is empty until its first request, which
 * gets a random initial value below 2^31 (§12.2.1.1, §8.1.1.5). */
static void test_cseq_initial(void **state)
{
	(void)state;
	struct sp_dialog *d = uas("rfc3665-3.1-F1-invite.sip", "rfc3665-3.1-F3-200.sip");
	assert_false(sp_dialog_local_cseq(d, NULL));
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("BYE"),
				   .via = SP_STR("SIP/2.0/TCP b;branch=z9hG4bK2") };
	uint32_t first, second, stored;
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &first), 0);
	assert_true(first >= 1 && first <= (1u << 30));
	assert_true(sp_dialog_local_cseq(d, &stored));
	assert_int_equal(stored, first);
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &second), 0);
	assert_int_equal(second, first + 1);
	bool differs = false;
	for (int i = 0; i < 8 && !differs; i++)
		differs = sp_dialog_cseq_initial() != sp_dialog_cseq_initial();
	assert_true(differs);
	sp_mem_deref(d);
}

/* ---- what may be built ------------------------------------------------------- */

static void test_request_rejects(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.1-F1-invite.sip", "rfc3665-3.1-F3-200.sip");
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("ACK"),
				   .via = SP_STR("SIP/2.0/TCP a;branch=z9hG4bK3") };
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -EINVAL);
	r.method = SP_STR("CANCEL"); /* §9.1: sp_tsx_build_cancel */
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -EINVAL);
	r.method = SP_STR("BAD METHOD");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -EINVAL);
	r.method = SP_STR_NULL;
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -EINVAL);
	r.method = SP_STR("BYE");
	r.via = SP_STR_NULL;
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -EINVAL);
	assert_int_equal(sp_dialog_ack(d, 1, &r, ob_reset(&o)), -EINVAL);
	assert_int_equal(sp_dialog_request(d, NULL, ob_reset(&o), NULL), -EINVAL);
	r.via = SP_STR("SIP/2.0/TCP a;branch=z9hG4bK3");
	assert_int_equal(sp_dialog_request(NULL, &r, ob_reset(&o), NULL), -EINVAL);
	r.contact = SP_STR("<sip:broken");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -EINVAL);
	r.contact = SP_STR_NULL;
	/* An extension method is fine. */
	r.method = SP_STR("FOO");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len, "\r\nCSeq: 2 FOO\r\n") > 0);
	uint32_t seq;
	assert_true(sp_dialog_local_cseq(d, &seq));
	assert_int_equal(seq, 2); /* failures used no number */
	sp_dialog_terminate(d);
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -ESTALE);
	assert_int_equal(sp_dialog_ack(d, 1, &r, ob_reset(&o)), -ESTALE);
	sp_mem_deref(d);

	/* An early dialog without remote target has nowhere to send. */
	struct tmsg *inv = tm_vec("rfc3665-3.1-F1-invite.sip");
	struct tmsg *ringing = tm_text("SIP/2.0 180 Ringing\r\n"
				       "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
				       "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
				       "To: Bob <sip:bob@biloxi.example.com>;tag=e1\r\n"
				       "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
				       "CSeq: 1 INVITE\r\n"
				       "Content-Length: 0\r\n\r\n");
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ringing->m, false), 0);
	r.method = SP_STR("UPDATE");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -EDESTADDRREQ);
	assert_int_equal(sp_dialog_ack(d, 1, &r, ob_reset(&o)), -EDESTADDRREQ);
	sp_mem_deref(d);
	tm_free(inv);
	tm_free(ringing);
}

/* §12.2.1.1: target refresh requests carry the dialog's Contact; others
 * only a Contact the caller gives; extra headers and a body follow. */
static void test_contact_headers_body(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.2-F4-invite.sip", "rfc3665-3.2-F14-200.sip");
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("INVITE"),
				   .via = SP_STR("SIP/2.0/TCP c;branch=z9hG4bK4") };
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len,
			    "\r\nCSeq: 3 INVITE\r\n"
			    "Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n") > 0);
	r.method = SP_STR("UPDATE");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len, "\r\nContact: <sip:alice@client.atlanta") > 0);
	r.method = SP_STR("BYE");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len, "Contact:") < 0);
	r.contact = SP_STR("<sip:alice@192.0.2.99>");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len, "\r\nContact: <sip:alice@192.0.2.99>\r\n") > 0);

	r.method = SP_STR("INFO");
	r.contact = SP_STR_NULL;
	r.headers = SP_STR("Subject: dtmf\r\nX-Extra: 1\r\n");
	r.content_type = SP_STR("application/dtmf-relay");
	r.body = SP_STR("Signal=5\r\nDuration=160\r\n");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	EXPECT(&o, "INFO sip:bob@client.biloxi.example.com;transport=tcp SIP/2.0\r\n"
		   "Via: SIP/2.0/TCP c;branch=z9hG4bK4\r\n"
		   "Max-Forwards: 70\r\n"
		   "Route: <sip:ss1.atlanta.example.com;lr>, <sip:ss2.biloxi.example.com;lr>\r\n"
		   "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		   "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
		   "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
		   "CSeq: 7 INFO\r\n"
		   "Subject: dtmf\r\n"
		   "X-Extra: 1\r\n"
		   "Content-Type: application/dtmf-relay\r\n"
		   "Content-Length: 24\r\n"
		   "\r\n"
		   "Signal=5\r\nDuration=160\r\n");
	sp_mem_deref(d);
}

/* §12.2.1.1: on a secure dialog the Contact must be a SIPS URI. */
static void test_secure_contact(void **state)
{
	(void)state;
	struct tmsg *inv = tm_text("INVITE sips:bob@biloxi.example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKs\r\n"
				   "From: <sips:alice@atlanta.example.com>;tag=a\r\n"
				   "To: <sips:bob@biloxi.example.com>\r\n"
				   "Call-ID: sec@h\r\n"
				   "CSeq: 1 INVITE\r\n"
				   "Contact: <sips:alice@192.0.2.1>\r\n"
				   "Content-Length: 0\r\n\r\n");
	struct tmsg *ok = tm_text("SIP/2.0 200 OK\r\n"
				  "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKs\r\n"
				  "From: <sips:alice@atlanta.example.com>;tag=a\r\n"
				  "To: <sips:bob@biloxi.example.com>;tag=b\r\n"
				  "Call-ID: sec@h\r\n"
				  "CSeq: 1 INVITE\r\n"
				  "Contact: <sips:bob@192.0.2.4>\r\n"
				  "Content-Length: 0\r\n\r\n");
	struct sp_dialog *d;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok->m, true), 0);
	assert_true(sp_dialog_secure(d));
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("INVITE"),
				   .via = SP_STR("SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bK5") };
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len, "INVITE sips:bob@192.0.2.4 SIP/2.0\r\n") == 0);
	assert_true(tu_find(o.b.p, o.b.len, "\r\nContact: <sips:alice@192.0.2.1>\r\n") > 0);
	r.contact = SP_STR("<sip:alice@192.0.2.1>");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), -EINVAL);
	r.contact = SP_STR("<sips:alice@192.0.2.77>");
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	sp_mem_deref(d);
	tm_free(inv);
	tm_free(ok);
}

/* ---- received requests (§12.2.2) -------------------------------------------- */

/* A request from Bob to Alice in the RFC 3665 §3.2 dialog. */
static struct tmsg *from_bob(const char *method, unsigned cseq, const char *to_tag,
			     const char *extra)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
			 "%s sip:alice@client.atlanta.example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK%s%u\r\n"
			 "Max-Forwards: 68\r\n"
			 "From: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
			 "To: Alice <sip:alice@atlanta.example.com>;tag=%s\r\n"
			 "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
			 "CSeq: %u %s\r\n"
			 "%s"
			 "Content-Length: 0\r\n"
			 "\r\n",
			 method, method, cseq, to_tag, cseq, method, extra ? extra : "");
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return tm_parse(tu_dup(buf, (size_t)n), (size_t)n);
}

static int rx(struct sp_dialog *d, const char *method, unsigned cseq)
{
	struct tmsg *m = from_bob(method, cseq, "9fxced76sl", NULL);
	int rc = sp_dialog_rx_request(d, &m->m);
	tm_free(m);
	return rc;
}

static void test_remote_cseq(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.2-F4-invite.sip", "rfc3665-3.2-F14-200.sip");
	assert_int_equal(sp_dialog_remote_cseq(d), -1);
	/* Empty: the first request sets it (F20's BYE, CSeq 1). */
	struct tmsg *bye = tm_vec("rfc3665-3.2-F20-bye.sip");
	assert_int_equal(sp_dialog_rx_request(d, &bye->m), 0);
	assert_int_equal(sp_dialog_remote_cseq(d), 1);
	/* Not greater: out of order, 500, nothing changes. */
	assert_int_equal(sp_dialog_rx_request(d, &bye->m), SP_DIALOG_OUT_OF_ORDER);
	assert_int_equal(SP_DIALOG_OUT_OF_ORDER, 500);
	assert_int_equal(rx(d, "INFO", 5), 0); /* gaps are fine */
	assert_int_equal(sp_dialog_remote_cseq(d), 5);
	assert_int_equal(rx(d, "INFO", 4), 500);
	assert_int_equal(sp_dialog_remote_cseq(d), 5);
	/* ACK and CANCEL carry the INVITE's number: exempt. */
	assert_int_equal(rx(d, "ACK", 3), 0);
	assert_int_equal(rx(d, "CANCEL", 5), 0);
	assert_int_equal(sp_dialog_remote_cseq(d), 5);
	assert_int_equal(rx(d, "INVITE", 6), 0);
	assert_int_equal(rx(d, "ACK", 6), 0);
	assert_int_equal(sp_dialog_remote_cseq(d), 6);
	assert_int_equal(rx(d, "BYE", 4294967295u), 0);
	assert_int_equal(sp_dialog_remote_cseq(d), 4294967295ll);

	/* Another dialog's request, or a response, is refused. */
	struct tmsg *other = from_bob("BYE", 9, "nottag", NULL);
	assert_int_equal(sp_dialog_rx_request(d, &other->m), -EINVAL);
	struct tmsg *ok = tm_vec("rfc3665-3.2-F14-200.sip");
	assert_int_equal(sp_dialog_rx_request(d, &ok->m), -EINVAL);
	sp_dialog_terminate(d);
	assert_int_equal(sp_dialog_rx_request(d, &bye->m), -ESTALE);
	sp_mem_deref(d);

	/* UAS side: remote CSeq starts at the INVITE's (2). */
	d = uas("rfc3665-3.2-F7-invite.sip", "rfc3665-3.2-F12-200.sip");
	struct tmsg *bye_alice = tm_text("BYE sip:bob@client.biloxi.example.com SIP/2.0\r\n"
					 "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bKq\r\n"
					 "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
					 "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
					 "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
					 "CSeq: 2 BYE\r\n"
					 "Content-Length: 0\r\n\r\n");
	assert_int_equal(sp_dialog_remote_cseq(d), 2);
	assert_int_equal(sp_dialog_rx_request(d, &bye_alice->m), 500);
	assert_int_equal(sp_dialog_remote_cseq(d), 2);
	sp_mem_deref(d);
	tm_free(bye_alice);
	tm_free(bye);
	tm_free(other);
	tm_free(ok);
}

/* ---- target refresh (§12.2, §12.2.1.2, §12.2.2; RFC 3311) ------------------- */

static void test_target_refresh_uas_side(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.2-F4-invite.sip", "rfc3665-3.2-F14-200.sip");
	/* A re-INVITE from Bob with a new Contact and a Record-Route: the
	 * target changes, the route set does not. */
	struct tmsg *reinv = from_bob("INVITE", 2, "9fxced76sl",
				      "Record-Route: <sip:elsewhere.example.com;lr>\r\n"
				      "Contact: <sip:bob@192.0.2.202;transport=tcp>\r\n");
	assert_int_equal(sp_dialog_rx_request(d, &reinv->m), 0);
	assert_int_equal(sp_dialog_target_refresh(d, &reinv->m), 0);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@192.0.2.202;transport=tcp");
	assert_int_equal(sp_dialog_route_count(d), 2);
	S_EQ(sp_dialog_route(d, 0), "<sip:ss1.atlanta.example.com;lr>");
	/* UPDATE (RFC 3311 §5.1) refreshes too. */
	struct tmsg *upd = from_bob("UPDATE", 3, "9fxced76sl", "Contact: <sip:bob@192.0.2.203>\r\n");
	assert_int_equal(sp_dialog_target_refresh(d, &upd->m), 0);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@192.0.2.203");
	/* Not a target refresh: INFO with a Contact changes nothing. */
	struct tmsg *info = from_bob("INFO", 4, "9fxced76sl", "Contact: <sip:bob@192.0.2.204>\r\n");
	assert_int_equal(sp_dialog_target_refresh(d, &info->m), -EINVAL);
	/* No Contact: nothing to do; a bad one: refused, nothing changes. */
	struct tmsg *nocontact = from_bob("INVITE", 5, "9fxced76sl", NULL);
	assert_int_equal(sp_dialog_target_refresh(d, &nocontact->m), 0);
	struct tmsg *bad = from_bob("INVITE", 6, "9fxced76sl", "Contact: <mailto:bob@x>\r\n");
	assert_int_equal(sp_dialog_target_refresh(d, &bad->m), -EBADMSG);
	struct tmsg *other = from_bob("INVITE", 7, "zzz", "Contact: <sip:bob@192.0.2.205>\r\n");
	assert_int_equal(sp_dialog_target_refresh(d, &other->m), -EINVAL);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@192.0.2.203");

	/* The next request goes to the new target. */
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("BYE"),
				   .via = SP_STR("SIP/2.0/TCP c;branch=z9hG4bK6") };
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len, "BYE sip:bob@192.0.2.203 SIP/2.0\r\n") == 0);
	sp_mem_deref(d);
	tm_free(reinv);
	tm_free(upd);
	tm_free(info);
	tm_free(nocontact);
	tm_free(bad);
	tm_free(other);
}

/* A response from Bob to Alice's request in the §3.2 dialog. */
static struct tmsg *to_alice(unsigned status, const char *method, unsigned cseq,
			     const char *extra)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
			 "SIP/2.0 %u X\r\n"
			 "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bKr\r\n"
			 "%s"
			 "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
			 "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
			 "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
			 "CSeq: %u %s\r\n"
			 "Content-Length: 0\r\n"
			 "\r\n",
			 status, extra ? extra : "", cseq, method);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return tm_parse(tu_dup(buf, (size_t)n), (size_t)n);
}

static void test_target_refresh_uac_side(void **state)
{
	(void)state;
	struct sp_dialog *d = uac("rfc3665-3.2-F4-invite.sip", "rfc3665-3.2-F14-200.sip");
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("INVITE"),
				   .via = SP_STR("SIP/2.0/TCP c;branch=z9hG4bK7") };
	uint32_t seq;
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), &seq), 0);
	assert_int_equal(seq, 3);
	/* A 491 changes nothing; the 2xx with a new Contact (and another
	 * Record-Route) moves the target only (§12.2: route set fixed). */
	const char *contact = "Record-Route: <sip:new.example.com;lr>\r\n"
			      "Contact: <sip:bob@198.51.100.9>\r\n";
	struct tmsg *glare = to_alice(491, "INVITE", 3, contact);
	assert_int_equal(sp_dialog_target_refresh(d, &glare->m), -EINVAL);
	struct tmsg *ok = to_alice(200, "INVITE", 3, contact);
	assert_int_equal(sp_dialog_target_refresh(d, &ok->m), 0);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@198.51.100.9");
	assert_int_equal(sp_dialog_route_count(d), 2);
	S_EQ(sp_dialog_route(d, 1), "<sip:ss2.biloxi.example.com;lr>");
	/* The ACK for it goes to the new target with the old route set. */
	r.via = SP_STR("SIP/2.0/TCP c;branch=z9hG4bK8");
	assert_int_equal(sp_dialog_ack(d, seq, &r, ob_reset(&o)), 0);
	EXPECT(&o, "ACK sip:bob@198.51.100.9 SIP/2.0\r\n"
		   "Via: SIP/2.0/TCP c;branch=z9hG4bK8\r\n"
		   "Max-Forwards: 70\r\n"
		   "Route: <sip:ss1.atlanta.example.com;lr>, <sip:ss2.biloxi.example.com;lr>\r\n"
		   "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		   "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
		   "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
		   "CSeq: 3 ACK\r\n"
		   "Content-Length: 0\r\n"
		   "\r\n");
	/* A 2xx to a request that is no target refresh is refused. */
	struct tmsg *ok_info = to_alice(200, "INFO", 4, "Contact: <sip:bob@198.51.100.10>\r\n");
	assert_int_equal(sp_dialog_target_refresh(d, &ok_info->m), -EINVAL);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@198.51.100.9");

	/* ENOMEM while refreshing changes nothing. */
	struct tmsg *ok2 = to_alice(200, "UPDATE", 5, "Contact: <sip:bob@198.51.100.11>\r\n");
	sp_mem_fail_after(0);
	int rc = sp_dialog_target_refresh(d, &ok2->m);
	sp_mem_fail_after(-1);
	assert_int_equal(rc, -ENOMEM);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@198.51.100.9");
	assert_int_equal(sp_dialog_target_refresh(d, &ok2->m), 0);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@198.51.100.11");
	sp_mem_deref(d);
	tm_free(glare);
	tm_free(ok);
	tm_free(ok_info);
	tm_free(ok2);
}

/* Every request and its parse round trip on a dialog with a null remote
 * tag (RFC 2543 peer): the To tag is left out (§12.2.1.1). */
static void test_null_tag_omitted(void **state)
{
	(void)state;
	struct tmsg *inv = tm_vec("rfc3665-3.1-F1-invite.sip");
	struct tmsg *ok = tm_text("SIP/2.0 200 OK\r\n"
				  "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
				  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
				  "To: Bob <sip:bob@biloxi.example.com>\r\n"
				  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
				  "CSeq: 1 INVITE\r\n"
				  "Contact: <sip:bob@192.0.2.4>\r\n"
				  "Content-Length: 0\r\n\r\n");
	struct sp_dialog *d;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok->m, false), 0);
	struct obuf o;
	struct sp_dialog_req r = { .method = SP_STR("BYE"),
				   .via = SP_STR("SIP/2.0/TCP c;branch=z9hG4bK9") };
	assert_int_equal(sp_dialog_request(d, &r, ob_reset(&o), NULL), 0);
	assert_true(tu_find(o.b.p, o.b.len, "\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n") > 0);
	struct tmsg *m = tm_parse(tu_dup(o.b.p, o.b.len), o.b.len);
	S_ABSENT(m->m.to.tag);
	S_EQ(m->m.from.tag, "9fxced76sl");
	tm_free(m);
	sp_mem_deref(d);
	tm_free(inv);
	tm_free(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_rfc3665_3_1),
		cmocka_unit_test(test_bye_rfc3665_3_1),
		cmocka_unit_test(test_ack_rfc3665_3_2),
		cmocka_unit_test(test_bye_rfc3665_3_2),
		cmocka_unit_test(test_strict_routing_rfc_example),
		cmocka_unit_test(test_strict_routing_strips_params),
		cmocka_unit_test(test_no_route_set),
		cmocka_unit_test(test_cseq_numbering),
		cmocka_unit_test(test_cseq_initial),
		cmocka_unit_test(test_request_rejects),
		cmocka_unit_test(test_contact_headers_body),
		cmocka_unit_test(test_secure_contact),
		cmocka_unit_test(test_remote_cseq),
		cmocka_unit_test(test_target_refresh_uas_side),
		cmocka_unit_test(test_target_refresh_uac_side),
		cmocka_unit_test(test_null_tag_omitted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
