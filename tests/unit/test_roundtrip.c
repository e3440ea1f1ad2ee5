/*
 * Printing and stream framing, end to end.
 *
 * Printing: a parsed message printed with an edit list (what a proxy does:
 * push a Via, pop a Route, rewrite the Request-URI, swap a Contact, replace
 * the body) must come out exactly as expected, byte for byte, and must parse
 * and validate again to the edited message. A print into a buffer that is
 * too small returns -ENOSPC and never writes past the buffer (checked with a
 * guard region). Messages built from scratch with sp_msgb_* parse and
 * validate.
 *
 * Framing: sp_framer_feed finds message boundaries in a TCP-like byte stream
 * however the bytes are split, reports CRLF keep-alives, waits on short
 * input, and refuses streams that cannot be framed (no, negative,
 * non-numeric or repeated Content-Length; header block or body over bound).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/err.h"
#include "siphon/msg.h"
#include "siphon/print.h"

#include "test_util.h"

/* ---- helpers -------------------------------------------------------------- */

static void parse_ok(struct sp_msg *m, const char *buf, size_t len)
{
	int rc = sp_msg_parse(m, buf, len);
	if (rc == 0)
		rc = sp_msg_validate(m);
	if (rc != 0)
		print_error("rejected at offset %zu (%s): \"%.*s\"\n", m->error.offset,
			    m->error.rule ? m->error.rule : "?", (int)len, buf);
	assert_int_equal(rc, 0);
}

/* Prints msg with e into a fresh buffer and compares with want; then
 * parses and validates the print into *again (caller frees again and
 * *out). */
static void print_expect(const struct sp_msg *msg, const struct sp_msg_edit *e, const char *want,
			 size_t want_len, struct sp_msg *again, char **out, const char *file,
			 int line)
{
	size_t cap = msg->len + 1024;
	char *mem = malloc(cap);
	assert_non_null(mem);
	struct sp_wbuf w;
	sp_wbuf_init(&w, mem, cap);
	assert_int_equal(sp_msg_print(msg, e, &w), 0);
	if (w.len != want_len || memcmp(mem, want, want_len) != 0) {
		print_error("print:\n%.*s\n--- want:\n%.*s\n", (int)w.len, mem, (int)want_len,
			    want);
		_fail(file, line);
	}
	/* Exact-size copy for the reparse. */
	*out = tu_dup(mem, w.len);
	free(mem);
	parse_ok(again, *out, want_len);
	assert_int_equal(again->consumed, want_len);
}
#define PRINT_EXPECT(msg, e, lit, again, out)                                                      \
	print_expect((msg), (e), (lit), sizeof(lit) - 1, (again), (out), __FILE__, __LINE__)

/* The proxy-shaped INVITE most edit tests start from. Lines:
 *  0 Via (2 values)  1 Via  2 Max-Forwards  3 Route (2 values)  4 Route
 *  5 To  6 From  7 Call-ID  8 CSeq  9 Contact  10 X-Unknown
 *  11 Content-Type  12 Content-Length */
#define L_RL "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
#define L_VIA2                                                                                     \
	"Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKaaa, SIP/2.0/UDP "                          \
	"p2.example.com;branch=z9hG4bKbbb\r\n"
#define L_VIA1	 "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKccc\r\n"
#define L_MF	 "Max-Forwards: 70\r\n"
#define L_ROUTE2 "Route: <sip:r1.example.com;lr>, <sip:r2.example.com;lr>\r\n"
#define L_ROUTE1 "Route: <sip:r3.example.com;lr>\r\n"
#define L_REST                                                                                     \
	"To: Bob <sip:bob@biloxi.example.com>\r\n"                                                 \
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"                           \
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"                                     \
	"CSeq: 314159 INVITE\r\n"
#define L_CONTACT "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
#define L_XU	  "X-Unknown:  ;;,,;;,;\r\n"
#define L_CT	  "Content-Type: application/sdp\r\n"
#define L_CL	  "Content-Length: 5\r\n"
#define BODY	  "v=0\r\n"
#define BASE	  L_RL L_VIA2 L_VIA1 L_MF L_ROUTE2 L_ROUTE1 L_REST L_CONTACT L_XU L_CT L_CL "\r\n" BODY

struct fixture {
	char *buf;
	size_t len;
	struct sp_msg msg;
	struct sp_msg_edit e;
	struct sp_msg again;
	char *out;
};

static int setup_base(void **state)
{
	static const char base[] = BASE "trailing octets that are not part of the message";
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->len = sizeof(base) - 1;
	fx->buf = tu_dup(base, fx->len);
	if (sp_msg_parse(&fx->msg, fx->buf, fx->len) != 0 || sp_msg_validate(&fx->msg) != 0)
		return -1;
	sp_edit_init(&fx->e);
	*state = fx;
	return 0;
}

static int teardown_base(void **state)
{
	struct fixture *fx = *state;
	sp_msg_free(&fx->msg);
	sp_msg_free(&fx->again);
	free(fx->out);
	free(fx->buf);
	free(fx);
	return 0;
}

/* ---- printing ---------------------------------------------------------------- */

static void print_faithful(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(fx->msg.nlines, 13);
	assert_int_equal(fx->msg.nhdrs, 15);
	/* NULL edits and an empty edit list give the same: the message's own
	 * octets, without what followed the body. */
	PRINT_EXPECT(&fx->msg, NULL, BASE, &fx->again, &fx->out);
	sp_msg_free(&fx->again);
	free(fx->out);
	PRINT_EXPECT(&fx->msg, &fx->e, BASE, &fx->again, &fx->out);
	assert_int_equal(fx->again.nhdrs, 15);
}

/* RFC 3261 §16.6 step 8: the new Via goes on top of the Via stack. */
static void prepend_via(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(sp_edit_prepend(&fx->e, SP_HDR_VIA, SP_STR("Via"),
					 SP_STR("SIP/2.0/TCP proxy.example.com;branch=z9hG4bKnew")),
			 0);
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKnew\r\n" L_VIA2 L_VIA1
			 L_MF L_ROUTE2 L_ROUTE1 L_REST L_CONTACT L_XU L_CT L_CL "\r\n" BODY,
		     &fx->again, &fx->out);
	assert_int_equal(sp_msg_hdr_count(&fx->again, SP_HDR_VIA), 4);
	S_EQ(fx->again.via1.sent_by.host, "proxy.example.com");
	S_EQ(fx->again.via1.branch, "z9hG4bKnew");
	assert_int_equal(fx->again.via1.transport, SP_TP_TCP);
}

/* The Via stack is not the first header: the new Via still lands right
 * above the first Via, not at the top of the header section. */
static void prepend_via_not_first(void **state)
{
	(void)state;
	static const char in[] = "SIP/2.0 200 OK\r\n"
				 "To: <sip:b@example.com>;tag=2\r\n"
				 "From: <sip:a@example.com>;tag=1\r\n"
				 "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				 "Call-ID: c\r\n"
				 "CSeq: 1 OPTIONS\r\n"
				 "Content-Length: 0\r\n\r\n";
	static const char want[] = "SIP/2.0 200 OK\r\n"
				   "To: <sip:b@example.com>;tag=2\r\n"
				   "From: <sip:a@example.com>;tag=1\r\n"
				   "Via: SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n"
				   "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				   "Call-ID: c\r\n"
				   "CSeq: 1 OPTIONS\r\n"
				   "Content-Length: 0\r\n\r\n";
	char *buf = tu_dup(in, sizeof(in) - 1), *out;
	struct sp_msg msg, again;
	struct sp_msg_edit e;
	parse_ok(&msg, buf, sizeof(in) - 1);
	sp_edit_init(&e);
	assert_int_equal(sp_edit_prepend(&e, SP_HDR_VIA, SP_STR("Via"),
					 SP_STR("SIP/2.0/UDP b.example.com;branch=z9hG4bK2")),
			 0);
	PRINT_EXPECT(&msg, &e, want, &again, &out);
	S_EQ(again.via1.sent_by.host, "b.example.com");
	sp_msg_free(&again);
	free(out);

	/* A message with no Via at all: the new Via goes first. */
	static const char novia[] = "SIP/2.0 200 OK\r\nCall-ID: c\r\n\r\n";
	char *b2 = tu_dup(novia, sizeof(novia) - 1);
	struct sp_msg m2;
	assert_int_equal(sp_msg_parse(&m2, b2, sizeof(novia) - 1), 0);
	PRINT_EXPECT(&m2, &e,
		     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n"
		     "Call-ID: c\r\nContent-Length: 0\r\n\r\n",
		     &again, &out);
	sp_msg_free(&again);
	free(out);
	sp_msg_free(&m2);
	free(b2);
	sp_msg_free(&msg);
	free(buf);
}

/* Response path, §18.2.1 / §16.7 step 3: pop our Via off a 'Via: a, b'
 * line: the line is reprinted as 'Via: b'. */
static void remove_top_via_value(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(sp_edit_remove(&fx->e, &fx->msg, sp_msg_hdr(&fx->msg, SP_HDR_VIA)), 0);
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKbbb\r\n" L_VIA1 L_MF
			 L_ROUTE2 L_ROUTE1 L_REST L_CONTACT L_XU L_CT L_CL "\r\n" BODY,
		     &fx->again, &fx->out);
	assert_int_equal(sp_msg_hdr_count(&fx->again, SP_HDR_VIA), 2);
	S_EQ(fx->again.via1.sent_by.host, "p2.example.com");
}

/* Removing every value of a line drops the line. */
static void remove_whole_via_line(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(sp_edit_remove(&fx->e, &fx->msg, tu_hdr_n(&fx->msg, SP_HDR_VIA, 0)), 0);
	assert_int_equal(sp_edit_remove(&fx->e, &fx->msg, tu_hdr_n(&fx->msg, SP_HDR_VIA, 1)), 0);
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL L_VIA1 L_MF L_ROUTE2 L_ROUTE1 L_REST L_CONTACT L_XU L_CT L_CL "\r\n" BODY,
		     &fx->again, &fx->out);
	assert_int_equal(sp_msg_hdr_count(&fx->again, SP_HDR_VIA), 1);
	S_EQ(fx->again.via1.sent_by.host, "pc33.atlanta.example.com");
}

/* §16.4 / §16.12: a proxy removes the Route that named it. */
static void remove_route(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(sp_edit_remove(&fx->e, &fx->msg, sp_msg_hdr(&fx->msg, SP_HDR_ROUTE)), 0);
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL L_VIA2 L_VIA1 L_MF
		     "Route: <sip:r2.example.com;lr>\r\n" L_ROUTE1 L_REST L_CONTACT L_XU L_CT L_CL
		     "\r\n" BODY,
		     &fx->again, &fx->out);
	assert_int_equal(sp_msg_hdr_count(&fx->again, SP_HDR_ROUTE), 2);
	S_EQ(sp_msg_hdr(&fx->again, SP_HDR_ROUTE)->value, "<sip:r2.example.com;lr>");

	/* The single-valued Route line goes away entirely. */
	sp_msg_free(&fx->again);
	free(fx->out);
	sp_edit_init(&fx->e);
	assert_int_equal(sp_edit_remove(&fx->e, &fx->msg, tu_hdr_n(&fx->msg, SP_HDR_ROUTE, 2)), 0);
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL L_VIA2 L_VIA1 L_MF L_ROUTE2 L_REST L_CONTACT L_XU L_CT L_CL "\r\n" BODY,
		     &fx->again, &fx->out);
	assert_int_equal(sp_msg_hdr_count(&fx->again, SP_HDR_ROUTE), 2);
}

static void replace_contact(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(sp_edit_replace(&fx->e, &fx->msg, sp_msg_hdr(&fx->msg, SP_HDR_CONTACT),
					 SP_STR("<sip:alice@192.0.2.10:5070;transport=tcp>")),
			 0);
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL L_VIA2 L_VIA1 L_MF L_ROUTE2 L_ROUTE1 L_REST
		     "Contact: <sip:alice@192.0.2.10:5070;transport=tcp>\r\n" L_XU L_CT L_CL
		     "\r\n" BODY,
		     &fx->again, &fx->out);
	union sp_hdr_parsed v;
	struct sp_parse_error err;
	assert_int_equal(sp_hdr_parse_value(SP_HDR_CONTACT,
					    sp_msg_hdr(&fx->again, SP_HDR_CONTACT)->value, &v,
					    &err),
			 0);
	assert_int_equal(v.nameaddr.uri.hp.port, 5070);
	S_EQ(v.nameaddr.uri.transport, "tcp");
}

/* Replace one value of a two-value line: the line is reprinted with both. */
static void replace_second_route_value(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(sp_edit_replace(&fx->e, &fx->msg, tu_hdr_n(&fx->msg, SP_HDR_ROUTE, 1),
					 SP_STR("<sip:new.example.com;lr>")),
			 0);
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL L_VIA2 L_VIA1 L_MF
		     "Route: <sip:r1.example.com;lr>, <sip:new.example.com;lr>\r\n" L_ROUTE1 L_REST
			 L_CONTACT L_XU L_CT L_CL "\r\n" BODY,
		     &fx->again, &fx->out);
}

/* §16.6 step 2 / §16.5: retarget. */
static void rewrite_ruri(void **state)
{
	struct fixture *fx = *state;
	sp_edit_set_ruri(&fx->e, SP_STR("sip:bob@192.0.2.4:5062;transport=tcp"));
	PRINT_EXPECT(&fx->msg, &fx->e,
		     "INVITE sip:bob@192.0.2.4:5062;transport=tcp SIP/2.0\r\n" L_VIA2 L_VIA1 L_MF
			 L_ROUTE2 L_ROUTE1 L_REST L_CONTACT L_XU L_CT L_CL "\r\n" BODY,
		     &fx->again, &fx->out);
	assert_int_equal(fx->again.method_id, SP_METHOD_INVITE);
	S_EQ(fx->again.ruri.hp.host, "192.0.2.4");
	assert_int_equal(fx->again.ruri.hp.port, 5062);
}

/* A new body: the old Content-Length line is dropped and a new one, with
 * the new length, ends the header section. */
static void new_body(void **state)
{
	struct fixture *fx = *state;
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
	sp_edit_set_body(&fx->e, SP_STR(sdp));
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL L_VIA2 L_VIA1 L_MF L_ROUTE2 L_ROUTE1 L_REST L_CONTACT L_XU L_CT
		     "Content-Length: 36\r\n\r\n"
		     "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n",
		     &fx->again, &fx->out);
	assert_int_equal(fx->again.content_length, 36);
	S_EQ(fx->again.body, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n");

	/* An empty (present) body: Content-Length: 0. */
	sp_msg_free(&fx->again);
	free(fx->out);
	sp_edit_set_body(&fx->e, (struct sp_str){"", 0});
	PRINT_EXPECT(&fx->msg, &fx->e,
		     L_RL L_VIA2 L_VIA1 L_MF L_ROUTE2 L_ROUTE1 L_REST L_CONTACT L_XU L_CT
		     "Content-Length: 0\r\n\r\n",
		     &fx->again, &fx->out);
	assert_int_equal(fx->again.content_length, 0);
}

/* Everything a forwarding proxy does at once (§16.6): the unknown header
 * with its odd value is copied unchanged (RFC 4475 wsinv). Two prepends
 * aimed at the same line (the first, as the message has no Record-Route)
 * come out in the order they were recorded. */
static void proxy_forward(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(sp_edit_prepend(&fx->e, SP_HDR_VIA, SP_STR("Via"),
					 SP_STR("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKfw")),
			 0);
	assert_int_equal(sp_edit_remove(&fx->e, &fx->msg, sp_msg_hdr(&fx->msg, SP_HDR_ROUTE)), 0);
	assert_int_equal(sp_edit_replace(&fx->e, &fx->msg,
					 sp_msg_hdr(&fx->msg, SP_HDR_MAX_FORWARDS), SP_STR("69")),
			 0);
	assert_int_equal(sp_edit_prepend(&fx->e, SP_HDR_RECORD_ROUTE, SP_STR("Record-Route"),
					 SP_STR("<sip:proxy.example.com;lr>")),
			 0);
	assert_int_equal(sp_edit_append(&fx->e, SP_STR("X-Proxy"), SP_STR("siphon")), 0);
	sp_edit_set_ruri(&fx->e, SP_STR("sip:bob@192.0.2.4"));
	PRINT_EXPECT(&fx->msg, &fx->e,
		     "INVITE sip:bob@192.0.2.4 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKfw\r\n"
		     "Record-Route: <sip:proxy.example.com;lr>\r\n" L_VIA2 L_VIA1
		     "Max-Forwards: 69\r\n"
		     "Route: <sip:r2.example.com;lr>\r\n" L_ROUTE1 L_REST L_CONTACT L_XU L_CT L_CL
		     "X-Proxy: siphon\r\n"
		     "\r\n" BODY,
		     &fx->again, &fx->out);
	assert_int_equal(fx->again.max_forwards, 69);
	S_EQ(sp_msg_hdr_by_name(&fx->again, SP_STR("X-Unknown"))->value, ";;,,;;,;");
	assert_int_equal(sp_msg_hdr_count(&fx->again, SP_HDR_VIA), 4);
	assert_int_equal(sp_msg_hdr_count(&fx->again, SP_HDR_RECORD_ROUTE), 1);
}

static void edit_list_full(void **state)
{
	struct fixture *fx = *state;
	for (unsigned i = 0; i < SP_EDIT_MAX; i++)
		assert_int_equal(sp_edit_append(&fx->e, SP_STR("X-A"), SP_STR("1")), 0);
	assert_int_equal(sp_edit_append(&fx->e, SP_STR("X-A"), SP_STR("1")), -ENOSPC);
	assert_int_equal(sp_edit_remove(&fx->e, &fx->msg, sp_msg_hdr(&fx->msg, SP_HDR_VIA)),
			 -ENOSPC);
	assert_int_equal(sp_edit_prepend(&fx->e, SP_HDR_VIA, SP_STR("Via"), SP_STR("x")), -ENOSPC);
	assert_int_equal(fx->e.n, SP_EDIT_MAX);
}

/* A message without Content-Length (fine over UDP) gets one on print. */
static void adds_content_length(void **state)
{
	(void)state;
	static const char in[] = "OPTIONS sip:b@example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				 "To: <sip:b@example.com>\r\n"
				 "From: <sip:a@example.com>;tag=1\r\n"
				 "Call-ID: c\r\n"
				 "CSeq: 1 OPTIONS\r\n"
				 "\r\n"
				 "hello";
	static const char want[] = "OPTIONS sip:b@example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				   "To: <sip:b@example.com>\r\n"
				   "From: <sip:a@example.com>;tag=1\r\n"
				   "Call-ID: c\r\n"
				   "CSeq: 1 OPTIONS\r\n"
				   "Content-Length: 5\r\n"
				   "\r\n"
				   "hello";
	char *buf = tu_dup(in, sizeof(in) - 1), *out;
	struct sp_msg msg, again;
	parse_ok(&msg, buf, sizeof(in) - 1);
	assert_int_equal(msg.content_length, -1);
	S_EQ(msg.body, "hello");
	PRINT_EXPECT(&msg, NULL, want, &again, &out);
	assert_int_equal(again.content_length, 5);
	S_EQ(again.body, "hello");
	sp_msg_free(&again);
	free(out);
	sp_msg_free(&msg);
	free(buf);
}

/* A compact 'l:' is dropped and replaced when the body changes. */
static void compact_content_length_rewritten(void **state)
{
	(void)state;
	static const char in[] = "MESSAGE sip:b@example.com SIP/2.0\r\n"
				 "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				 "t: <sip:b@example.com>\r\n"
				 "f: <sip:a@example.com>;tag=1\r\n"
				 "i: c\r\n"
				 "CSeq: 1 MESSAGE\r\n"
				 "l: 2\r\n"
				 "c: text/plain\r\n"
				 "\r\n"
				 "hi";
	static const char want[] = "MESSAGE sip:b@example.com SIP/2.0\r\n"
				   "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				   "t: <sip:b@example.com>\r\n"
				   "f: <sip:a@example.com>;tag=1\r\n"
				   "i: c\r\n"
				   "CSeq: 1 MESSAGE\r\n"
				   "c: text/plain\r\n"
				   "Content-Length: 11\r\n"
				   "\r\n"
				   "hello world";
	char *buf = tu_dup(in, sizeof(in) - 1), *out;
	struct sp_msg msg, again;
	struct sp_msg_edit e;
	parse_ok(&msg, buf, sizeof(in) - 1);
	sp_edit_init(&e);
	sp_edit_set_body(&e, SP_STR("hello world"));
	PRINT_EXPECT(&msg, &e, want, &again, &out);
	assert_int_equal(sp_msg_hdr_count(&again, SP_HDR_CONTENT_LENGTH), 1);
	sp_msg_free(&again);
	free(out);
	sp_msg_free(&msg);
	free(buf);
}

/* -ENOSPC for every buffer size short of the full print, with nothing
 * written past the end (guard region), for a faithful and an edited print. */
static void enospc_guard(void **state)
{
	struct fixture *fx = *state;
	enum { GUARD = 64 };
	assert_int_equal(sp_edit_prepend(&fx->e, SP_HDR_VIA, SP_STR("Via"),
					 SP_STR("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKg")),
			 0);
	assert_int_equal(sp_edit_remove(&fx->e, &fx->msg, sp_msg_hdr(&fx->msg, SP_HDR_ROUTE)), 0);
	sp_edit_set_body(&fx->e, SP_STR("v=0\r\ns=-\r\n"));
	const struct sp_msg_edit *edits[] = {NULL, &fx->e};
	for (unsigned k = 0; k < 2; k++) {
		char full[2048];
		struct sp_wbuf w;
		sp_wbuf_init(&w, full, sizeof(full));
		assert_int_equal(sp_msg_print(&fx->msg, edits[k], &w), 0);
		size_t need = w.len;
		for (size_t cap = 0; cap <= need; cap++) {
			char *mem = malloc(cap + GUARD);
			assert_non_null(mem);
			memset(mem, 0x5a, cap + GUARD);
			sp_wbuf_init(&w, mem, cap);
			int rc = sp_msg_print(&fx->msg, edits[k], &w);
			if (cap < need) {
				assert_int_equal(rc, -ENOSPC);
				assert_true(w.overflow);
			} else {
				assert_int_equal(rc, 0);
				assert_memory_equal(mem, full, need);
			}
			assert_true(w.len <= cap);
			for (size_t i = cap; i < cap + GUARD; i++)
				if ((unsigned char)mem[i] != 0x5a)
					fail_msg("cap %zu: byte %zu past the end was written", cap,
						 i - cap);
			free(mem);
		}
	}
}

/* ---- builder ------------------------------------------------------------------- */

static void build_request(void **state)
{
	(void)state;
	char mem[1024];
	struct sp_wbuf w;
	sp_wbuf_init(&w, mem, sizeof(mem));
	sp_msgb_request(&w, SP_STR("MESSAGE"), SP_STR("sip:bob@example.com"));
	sp_msgb_header(&w, SP_STR("Via"), SP_STR("SIP/2.0/UDP h.example.com;branch=z9hG4bK1"));
	sp_msgb_header(&w, SP_STR("Max-Forwards"), SP_STR("70"));
	sp_msgb_header(&w, SP_STR("To"), SP_STR("<sip:bob@example.com>"));
	sp_msgb_header(&w, SP_STR("From"), SP_STR("\"Alice\" <sip:alice@example.com>;tag=x1"));
	sp_msgb_header(&w, SP_STR("Call-ID"), SP_STR("b1@h.example.com"));
	sp_msgb_header(&w, SP_STR("CSeq"), SP_STR("1 MESSAGE"));
	assert_int_equal(sp_msgb_finish(&w, SP_STR("text/plain"), SP_STR("hello")), 0);
	static const char want[] = "MESSAGE sip:bob@example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
				   "Max-Forwards: 70\r\n"
				   "To: <sip:bob@example.com>\r\n"
				   "From: \"Alice\" <sip:alice@example.com>;tag=x1\r\n"
				   "Call-ID: b1@h.example.com\r\n"
				   "CSeq: 1 MESSAGE\r\n"
				   "Content-Type: text/plain\r\n"
				   "Content-Length: 5\r\n"
				   "\r\n"
				   "hello";
	assert_int_equal(w.len, sizeof(want) - 1);
	assert_memory_equal(mem, want, w.len);
	char *buf = tu_dup(mem, w.len);
	struct sp_msg msg;
	parse_ok(&msg, buf, w.len);
	assert_int_equal(msg.method_id, SP_METHOD_MESSAGE);
	assert_int_equal(msg.cseq.method_id, SP_METHOD_MESSAGE);
	S_EQ(msg.from.tag, "x1");
	S_EQ(msg.body, "hello");
	assert_int_equal(msg.consumed, w.len);
	sp_msg_free(&msg);
	free(buf);
}

static void build_response(void **state)
{
	(void)state;
	char mem[512];
	struct sp_wbuf w;
	sp_wbuf_init(&w, mem, sizeof(mem));
	sp_msgb_response(&w, 180, NULL);
	sp_msgb_header(&w, SP_STR("Via"), SP_STR("SIP/2.0/UDP h.example.com;branch=z9hG4bK1"));
	sp_msgb_header(&w, SP_STR("To"), SP_STR("<sip:bob@example.com>;tag=t2"));
	sp_msgb_header(&w, SP_STR("From"), SP_STR("<sip:alice@example.com>;tag=x1"));
	sp_msgb_header(&w, SP_STR("Call-ID"), SP_STR("b1@h.example.com"));
	sp_msgb_header(&w, SP_STR("CSeq"), SP_STR("1 INVITE"));
	/* A content type without a body is not printed. */
	assert_int_equal(sp_msgb_finish(&w, SP_STR("application/sdp"), SP_STR_NULL), 0);
	static const char want[] = "SIP/2.0 180 Ringing\r\n"
				   "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
				   "To: <sip:bob@example.com>;tag=t2\r\n"
				   "From: <sip:alice@example.com>;tag=x1\r\n"
				   "Call-ID: b1@h.example.com\r\n"
				   "CSeq: 1 INVITE\r\n"
				   "Content-Length: 0\r\n"
				   "\r\n";
	assert_int_equal(w.len, sizeof(want) - 1);
	assert_memory_equal(mem, want, w.len);
	char *buf = tu_dup(mem, w.len);
	struct sp_msg msg;
	parse_ok(&msg, buf, w.len);
	assert_int_equal(msg.status, 180);
	S_EQ(msg.reason, "Ringing");
	sp_msg_free(&msg);
	free(buf);

	/* Own reason phrase; and every default phrase builds a valid line. */
	sp_wbuf_init(&w, mem, sizeof(mem));
	sp_msgb_response(&w, 299, "Custom Thing");
	assert_int_equal(sp_msgb_finish(&w, SP_STR_NULL, SP_STR_NULL), 0);
	buf = tu_dup(mem, w.len);
	parse_ok(&msg, buf, w.len);
	assert_int_equal(msg.status, 299);
	S_EQ(msg.reason, "Custom Thing");
	sp_msg_free(&msg);
	free(buf);
	for (unsigned code = 100; code < 700; code++) {
		sp_wbuf_init(&w, mem, sizeof(mem));
		sp_msgb_response(&w, code, NULL);
		assert_int_equal(sp_msgb_finish(&w, SP_STR_NULL, SP_STR_NULL), 0);
		buf = tu_dup(mem, w.len);
		assert_int_equal(sp_msg_parse(&msg, buf, w.len), 0);
		assert_int_equal(msg.status, code);
		assert_true(msg.reason.len > 0);
		sp_msg_free(&msg);
		free(buf);
	}
}

static void build_enospc(void **state)
{
	(void)state;
	enum { GUARD = 32 };
	for (size_t cap = 0; cap < 80; cap++) {
		char *mem = malloc(cap + GUARD);
		assert_non_null(mem);
		memset(mem, 0x5a, cap + GUARD);
		struct sp_wbuf w;
		sp_wbuf_init(&w, mem, cap);
		sp_msgb_request(&w, SP_STR("OPTIONS"), SP_STR("sip:b@example.com"));
		sp_msgb_header(&w, SP_STR("Call-ID"), SP_STR("abc"));
		sp_wbuf_printf(&w, "X-N: %d\r\n", 12345);
		int rc = sp_msgb_finish(&w, SP_STR("text/plain"), SP_STR("hello"));
		/* 35 + 14 + 12 + 26 + 19 + 2 + 5 = 113 bytes needed */
		assert_int_equal(rc, -ENOSPC);
		assert_true(w.len <= cap);
		for (size_t i = cap; i < cap + GUARD; i++)
			assert_int_equal((unsigned char)mem[i], 0x5a);
		free(mem);
	}
}

/* ---- stream framing --------------------------------------------------------- */

static const char stream2[] = "OPTIONS sip:b@example.com SIP/2.0\r\n"
			      "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1\r\n"
			      "To: <sip:b@example.com>\r\n"
			      "From: <sip:a@example.com>;tag=1\r\n"
			      "Call-ID: c1\r\n"
			      "CSeq: 1 OPTIONS\r\n"
			      "Content-Length  :  5\r\n"
			      "\r\n"
			      "hello"
			      "MESSAGE sip:b@example.com SIP/2.0\r\n"
			      "v: SIP/2.0/TCP a.example.com;branch=z9hG4bK2\r\n"
			      "t: <sip:b@example.com>\r\n"
			      "f: <sip:a@example.com>;tag=1\r\n"
			      "i: c2\r\n"
			      "CSeq: 2 MESSAGE\r\n"
			      "l: 0\r\n"
			      "\r\n";

static size_t first_len(void)
{
	const char *h = strstr(stream2, "\r\n\r\n");
	return (size_t)(h - stream2) + 4 + 5;
}

/* Frames buf[len] in one call per message, as if it had all arrived at
 * once. Fills lens[] with the message lengths; returns the count. */
static unsigned frame_all(const char *buf, size_t len, size_t *lens, unsigned max)
{
	struct sp_framer f;
	unsigned n = 0;
	size_t off = 0;
	sp_framer_init(&f, 0, 0);
	while (off < len && n < max) {
		size_t out = 0, eoff = 0;
		int rc = sp_framer_feed(&f, buf + off, len - off, &out, &eoff);
		if (rc == SP_EINCOMPLETE)
			break;
		assert_true(rc == SP_FRAME_MESSAGE || rc == SP_FRAME_KEEPALIVE);
		assert_true(out > 0 && out <= len - off);
		if (rc == SP_FRAME_MESSAGE)
			lens[n++] = out;
		off += out;
	}
	return n;
}

static void framer_back_to_back(void **state)
{
	(void)state;
	size_t len = sizeof(stream2) - 1;
	char *buf = tu_dup(stream2, len);
	size_t lens[4];
	assert_int_equal(frame_all(buf, len, lens, 4), 2);
	assert_int_equal(lens[0], first_len());
	assert_int_equal(lens[0] + lens[1], len);
	/* Each framed message parses on its own, with exactly its bytes. */
	struct sp_msg m;
	parse_ok(&m, buf, lens[0]);
	assert_int_equal(m.consumed, lens[0]);
	S_EQ(m.body, "hello");
	sp_msg_free(&m);
	parse_ok(&m, buf + lens[0], lens[1]);
	assert_int_equal(m.method_id, SP_METHOD_MESSAGE);
	assert_int_equal(m.body.len, 0);
	sp_msg_free(&m);
	free(buf);
}

/* Bytes arriving one at a time: feeding prefixes of growing length gives
 * exactly the same boundaries as feeding everything at once. */
static void framer_every_boundary(void **state)
{
	(void)state;
	size_t len = sizeof(stream2) - 1;
	size_t want[4];
	assert_int_equal(frame_all(stream2, len, want, 4), 2);

	struct sp_framer f;
	sp_framer_init(&f, 0, 0);
	size_t start = 0, got[4];
	unsigned n = 0;
	for (size_t end = start + 1; end <= len; end++) {
		/* A fresh exact-size copy of what has arrived so far. */
		char *chunk = tu_dup(stream2 + start, end - start);
		size_t out = 0, eoff = 0;
		int rc = sp_framer_feed(&f, chunk, end - start, &out, &eoff);
		free(chunk);
		if (rc == SP_EINCOMPLETE)
			continue;
		assert_int_equal(rc, SP_FRAME_MESSAGE);
		assert_true(n < 2);
		assert_int_equal(out, end - start); /* reported as soon as complete */
		got[n++] = out;
		start = end;
	}
	assert_int_equal(n, 2);
	assert_int_equal(got[0], want[0]);
	assert_int_equal(got[1], want[1]);

	/* Every two-piece split: first piece, then the whole: same result. */
	for (size_t cut = 1; cut < want[0]; cut++) {
		struct sp_framer g;
		size_t out = 0, eoff = 0;
		sp_framer_init(&g, 0, 0);
		assert_int_equal(sp_framer_feed(&g, stream2, cut, &out, &eoff), SP_EINCOMPLETE);
		assert_int_equal(sp_framer_feed(&g, stream2, len, &out, &eoff), SP_FRAME_MESSAGE);
		assert_int_equal(out, want[0]);
	}
}

/* RFC 5626 §4.4.1: "\r\n\r\n" ping and "\r\n" pong between messages. */
static void framer_keepalive(void **state)
{
	(void)state;
	struct sp_framer f;
	size_t out = 0, eoff = 0;
	sp_framer_init(&f, 0, 0);
	assert_int_equal(sp_framer_feed(&f, "\r\n\r\n", 4, &out, &eoff), SP_FRAME_KEEPALIVE);
	assert_int_equal(out, 4);
	/* A lone CRLF: wait to see whether the ping's second CRLF follows. */
	assert_int_equal(sp_framer_feed(&f, "\r\n", 2, &out, &eoff), SP_EINCOMPLETE);
	assert_int_equal(sp_framer_feed(&f, "\r\n\r", 3, &out, &eoff), SP_EINCOMPLETE);
	/* The pinging side: each CRLF is a pong at once, two are two pongs
	 * (not a ping to answer). */
	struct sp_framer cf;
	sp_framer_init(&cf, 0, 0);
	cf.client = true;
	assert_int_equal(sp_framer_feed(&cf, "\r\n", 2, &out, &eoff), SP_FRAME_KEEPALIVE);
	assert_int_equal(out, 2);
	assert_int_equal(sp_framer_feed(&cf, "\r\n\r\n", 4, &out, &eoff), SP_FRAME_KEEPALIVE);
	assert_int_equal(out, 2);
	/* A CRLF followed by a message: a pong, then the message. */
	size_t len = sizeof(stream2) - 1;
	char *buf = malloc(len + 6);
	memcpy(buf, "\r\n", 2);
	memcpy(buf + 2, stream2, len);
	assert_int_equal(sp_framer_feed(&f, buf, len + 2, &out, &eoff), SP_FRAME_KEEPALIVE);
	assert_int_equal(out, 2);
	assert_int_equal(sp_framer_feed(&f, buf + 2, len, &out, &eoff), SP_FRAME_MESSAGE);
	assert_int_equal(out, first_len());
	/* Ping between two messages. */
	memcpy(buf, stream2, first_len());
	memcpy(buf + first_len(), "\r\n\r\n", 4);
	memcpy(buf + first_len() + 4, stream2 + first_len(), len - first_len());
	size_t lens[4];
	sp_framer_init(&f, 0, 0);
	assert_int_equal(frame_all(buf, len + 4, lens, 4), 2);
	assert_int_equal(lens[0], first_len());
	assert_int_equal(lens[1], len - first_len());
	free(buf);
}

/* Stream framing failures: the connection must be closed. */
static void expect_bad(const char *buf, size_t len, size_t max_header, size_t max_body,
		       const char *file, int line)
{
	struct sp_framer f;
	size_t out = 0, eoff = (size_t)-1;
	sp_framer_init(&f, max_header, max_body);
	int rc = sp_framer_feed(&f, buf, len, &out, &eoff);
	if (rc != -EBADMSG || eoff > len) {
		print_error("framer rc %d err_off %zu (len %zu), want -EBADMSG\n", rc, eoff, len);
		_fail(file, line);
	}
}
#define EXPECT_BAD(buf, len, mh, mb) expect_bad((buf), (len), (mh), (mb), __FILE__, __LINE__)

static void framer_bad_content_length(void **state)
{
	(void)state;
	static const char head[] = "OPTIONS sip:b@example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1\r\n"
				   "Call-ID: c\r\n"
				   "CSeq: 1 OPTIONS\r\n";
	static const char *const tails[] = {
	    "\r\n",					       /* missing */
	    "Content-Length: -999\r\n\r\n",		       /* negative (ncl) */
	    "Content-Length: five\r\n\r\n",		       /* non-numeric */
	    "Content-Length: \r\n\r\n",			       /* empty */
	    "Content-Length: 5 5\r\n\r\n",		       /* junk */
	    "Content-Length: 99999999999999999999999\r\n\r\n", /* overflow */
	    "Content-Length: 1\r\nl: 1\r\n\r\nx",	       /* two (mcl01) */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(tails); i++) {
		char buf[512];
		size_t len = (size_t)snprintf(buf, sizeof(buf), "%s%s", head, tails[i]);
		char *copy = tu_dup(buf, len);
		EXPECT_BAD(copy, len, 0, 0);
		free(copy);
	}

	/* The RFC 4475 files themselves. */
	static const char *const files[] = {"rfc4475/ncl.dat", "rfc4475/mcl01.dat",
					    "rfc4475/inv2543.dat"};
	for (unsigned i = 0; i < ARRAY_SIZE(files); i++) {
		size_t len;
		char *buf = tu_load(files[i], &len);
		assert_non_null(buf);
		EXPECT_BAD(buf, len, 0, 0);
		free(buf);
	}
}

/* Bounds: the header block and the body. */
static void framer_bounds(void **state)
{
	(void)state;
	size_t len = sizeof(stream2) - 1;
	size_t hdr = (size_t)(strstr(stream2, "\r\n\r\n") - stream2) + 4;
	struct sp_framer f;
	size_t out = 0, eoff = 0;

	/* Header block exactly at the bound: fine; one byte over: refused. */
	sp_framer_init(&f, hdr, 0);
	assert_int_equal(sp_framer_feed(&f, stream2, len, &out, &eoff), SP_FRAME_MESSAGE);
	EXPECT_BAD(stream2, len, hdr - 1, 0);
	/* Also when the header block is still arriving. */
	sp_framer_init(&f, 64, 0);
	assert_int_equal(sp_framer_feed(&f, stream2, 63, &out, &eoff), SP_EINCOMPLETE);
	assert_int_equal(sp_framer_feed(&f, stream2, 64, &out, &eoff), -EBADMSG);

	/* Body (Content-Length 5) at the bound: fine; one over: refused,
	 * before any body byte arrives. */
	sp_framer_init(&f, 0, 5);
	assert_int_equal(sp_framer_feed(&f, stream2, len, &out, &eoff), SP_FRAME_MESSAGE);
	EXPECT_BAD(stream2, hdr, 0, 4);
}

/* Over a stream, a message shorter than its Content-Length is not an
 * error yet: more bytes may come (RFC 4475 §3.1.2.2 clerr). baddn has no
 * empty line ending its headers: the framer keeps waiting. */
static void framer_waits(void **state)
{
	(void)state;
	static const char *const files[] = {"rfc4475/clerr.dat", "rfc4475/baddn.dat"};
	for (unsigned i = 0; i < ARRAY_SIZE(files); i++) {
		size_t len;
		char *buf = tu_load(files[i], &len);
		assert_non_null(buf);
		struct sp_framer f;
		size_t out = 0, eoff = 0;
		sp_framer_init(&f, 0, 0);
		for (size_t k = 1; k <= len; k++)
			assert_int_equal(sp_framer_feed(&f, buf, k, &out, &eoff), SP_EINCOMPLETE);
		free(buf);
	}
}

/* Every RFC 4475 message with a usable Content-Length frames to exactly
 * the octets sp_msg_parse consumes; dblreq's trailing INVITE becomes the
 * next message on a stream (after a CRLF pong). */
static void framer_torture_files(void **state)
{
	(void)state;
	static const char *const ok[] = {
	    "wsinv",	"intmeth",    "esc01",	 "escnull",  "esc02",	 "lwsdisp",  "longreq",
	    "semiuri",	"transports", "mpart01", "unreason", "noreason", "cparam01", "cparam02",
	    "regescrt", "badbranch",  "insuf",	 "unkscm",   "novelsc",	 "unksm2",   "bext01",
	    "invut",	"regaut01",   "multi01", "bcast",    "zeromf",	 "sdp01"};
	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
		char rel[64];
		size_t len, out = 0, eoff = 0;
		snprintf(rel, sizeof(rel), "rfc4475/%s.dat", ok[i]);
		char *buf = tu_load(rel, &len);
		assert_non_null(buf);
		struct sp_framer f;
		sp_framer_init(&f, 0, 0);
		int rc = sp_framer_feed(&f, buf, len, &out, &eoff);
		if (rc != SP_FRAME_MESSAGE)
			fail_msg("%s: framer rc %d", ok[i], rc);
		struct sp_msg m;
		assert_int_equal(sp_msg_parse(&m, buf, out), 0);
		assert_int_equal(m.consumed, out);
		assert_int_equal(out, len);
		sp_msg_free(&m);
		free(buf);
	}

	size_t len, out = 0, eoff = 0;
	char *buf = tu_load("rfc4475/dblreq.dat", &len);
	assert_non_null(buf);
	struct sp_framer f;
	sp_framer_init(&f, 0, 0);
	assert_int_equal(sp_framer_feed(&f, buf, len, &out, &eoff), SP_FRAME_MESSAGE);
	assert_int_equal(out, 300);
	assert_int_equal(sp_framer_feed(&f, buf + 300, len - 300, &out, &eoff), SP_FRAME_KEEPALIVE);
	assert_int_equal(out, 2);
	assert_int_equal(sp_framer_feed(&f, buf + 302, len - 302, &out, &eoff), SP_FRAME_MESSAGE);
	struct sp_msg m;
	assert_int_equal(sp_msg_parse(&m, buf + 302, out), 0);
	assert_int_equal(m.method_id, SP_METHOD_INVITE);
	assert_int_equal(m.body.len, 150);
	assert_int_equal(m.consumed, out);
	sp_msg_free(&m);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(print_faithful, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(prepend_via, setup_base, teardown_base),
	    cmocka_unit_test(prepend_via_not_first),
	    cmocka_unit_test_setup_teardown(remove_top_via_value, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(remove_whole_via_line, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(remove_route, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(replace_contact, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(replace_second_route_value, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(rewrite_ruri, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(new_body, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(proxy_forward, setup_base, teardown_base),
	    cmocka_unit_test_setup_teardown(edit_list_full, setup_base, teardown_base),
	    cmocka_unit_test(adds_content_length),
	    cmocka_unit_test(compact_content_length_rewritten),
	    cmocka_unit_test_setup_teardown(enospc_guard, setup_base, teardown_base),
	    cmocka_unit_test(build_request),
	    cmocka_unit_test(build_response),
	    cmocka_unit_test(build_enospc),
	    cmocka_unit_test(framer_back_to_back),
	    cmocka_unit_test(framer_every_boundary),
	    cmocka_unit_test(framer_keepalive),
	    cmocka_unit_test(framer_bad_content_length),
	    cmocka_unit_test(framer_bounds),
	    cmocka_unit_test(framer_waits),
	    cmocka_unit_test(framer_torture_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
