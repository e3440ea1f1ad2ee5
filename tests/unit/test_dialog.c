/*
 * Dialog creation and the dialog table (src/sip/dialog.c,
 * src/sip/dialog_table.c): UAC and UAS dialogs from the RFC 3665 §3.1 and
 * §3.2 messages (tests/vectors/dialog), route set order on both sides
 * (RFC 3261 §12.1.1, §12.1.2), early dialogs and their confirmation with
 * the route set recomputed (§13.2.2.4), forking (two early dialogs, a 2xx
 * on one, the other ended), non-2xx finals ending early dialogs (§12.3),
 * null tags (RFC 2543), the secure flag, malformed messages, the 481 case
 * of §12.2.2, table growth and ENOMEM on every allocation.
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
	struct sp_msg m;
};

static struct tmsg *tm_parse(char *buf, size_t len)
{
	struct tmsg *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->buf = buf;
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

static struct tmsg *tm_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct tmsg *tm_fmt(const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(tmp));
	return tm_parse(tu_dup(tmp, (size_t)n), (size_t)n);
}

static void tm_free(struct tmsg *t)
{
	if (!t)
		return;
	sp_msg_free(&t->m);
	free(t->buf);
	free(t);
}

/* A request from Alice (From tag "atag") with the given Request-URI,
 * method, CSeq, To tag (NULL: none) and extra header lines. */
static struct tmsg *request(const char *method, const char *ruri, unsigned cseq,
			    const char *to_tag, const char *extra)
{
	return tm_fmt("%s %s SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
		      "Max-Forwards: 70\r\n"
		      "%s"
		      "From: Alice <sip:alice@atlanta.example.com>;tag=atag\r\n"
		      "To: Bob <sip:bob@biloxi.example.com>%s%s\r\n"
		      "Call-ID: cid-1@atlanta.example.com\r\n"
		      "CSeq: %u %s\r\n"
		      "Contact: <sip:alice@192.0.2.1>\r\n"
		      "Content-Length: 0\r\n"
		      "\r\n",
		      method, ruri, extra ? extra : "", to_tag ? ";tag=" : "",
		      to_tag ? to_tag : "", cseq, method);
}

/* A response to request(): status, CSeq method, To tag (NULL: none),
 * extra header lines (Record-Route, Contact ...). */
static struct tmsg *response(unsigned status, const char *method, unsigned cseq,
			     const char *to_tag, const char *extra)
{
	return tm_fmt("SIP/2.0 %u Whatever\r\n"
		      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
		      "%s"
		      "From: Alice <sip:alice@atlanta.example.com>;tag=atag\r\n"
		      "To: Bob <sip:bob@biloxi.example.com>%s%s\r\n"
		      "Call-ID: cid-1@atlanta.example.com\r\n"
		      "CSeq: %u %s\r\n"
		      "Content-Length: 0\r\n"
		      "\r\n",
		      status, extra ? extra : "", to_tag ? ";tag=" : "", to_tag ? to_tag : "",
		      cseq, method);
}

static struct sp_dialog *const SENTINEL = (struct sp_dialog *)&SENTINEL;

/* ---- UAC creation (§12.1.2) ------------------------------------------------- */

/* RFC 3665 §3.2: Alice's INVITE (F4) and the 200 that reaches her (F14),
 * Record-Route ss2, ss1: the route set is ss1, ss2 (reversed). */
static void test_uac_rfc3665_3_2(void **state)
{
	(void)state;
	struct tmsg *inv = tm_vec("rfc3665-3.2-F4-invite.sip");
	struct tmsg *ok = tm_vec("rfc3665-3.2-F14-200.sip");
	struct sp_dialog *d = NULL;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok->m, false), 0);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_CONFIRMED);
	assert_true(sp_dialog_is_uac(d));
	assert_false(sp_dialog_secure(d));
	struct sp_dialog_id id = sp_dialog_id(d);
	S_EQ(id.call_id, "3848276298220188511@atlanta.example.com");
	S_EQ(id.local_tag, "9fxced76sl");
	S_EQ(id.remote_tag, "314159");
	struct sp_str disp;
	S_EQ(sp_dialog_local_uri(d, &disp), "sip:alice@atlanta.example.com");
	S_EQ(disp, "Alice");
	S_EQ(sp_dialog_remote_uri(d, &disp), "sip:bob@biloxi.example.com");
	S_EQ(disp, "Bob");
	S_EQ(sp_dialog_remote_target(d), "sip:bob@client.biloxi.example.com;transport=tcp");
	S_EQ(sp_dialog_local_contact(d), "<sip:alice@client.atlanta.example.com;transport=tcp>");
	assert_int_equal(sp_dialog_route_count(d), 2);
	S_EQ(sp_dialog_route(d, 0), "<sip:ss1.atlanta.example.com;lr>");
	S_EQ(sp_dialog_route(d, 1), "<sip:ss2.biloxi.example.com;lr>");
	S_ABSENT(sp_dialog_route(d, 2));
	uint32_t seq = 0;
	assert_true(sp_dialog_local_cseq(d, &seq));
	assert_int_equal(seq, 2);
	assert_int_equal(sp_dialog_remote_cseq(d), -1);
	/* The dialog keeps copies: the messages may go. */
	tm_free(inv);
	tm_free(ok);
	S_EQ(sp_dialog_route(d, 1), "<sip:ss2.biloxi.example.com;lr>");
	S_EQ(sp_dialog_id(d).call_id, "3848276298220188511@atlanta.example.com");
	sp_mem_deref(d);
}

/* RFC 3665 §3.2: Bob receives F7 (Record-Route ss2, ss1) and sends F12:
 * the route set is ss2, ss1 (in order), remote CSeq 2, local empty. */
static void test_uas_rfc3665_3_2(void **state)
{
	(void)state;
	struct tmsg *inv = tm_vec("rfc3665-3.2-F7-invite.sip");
	struct tmsg *ok = tm_vec("rfc3665-3.2-F12-200.sip");
	struct sp_dialog *d = NULL;
	assert_int_equal(sp_dialog_create_uas(&d, &inv->m, &ok->m, false), 0);
	tm_free(inv);
	tm_free(ok);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_CONFIRMED);
	assert_false(sp_dialog_is_uac(d));
	struct sp_dialog_id id = sp_dialog_id(d);
	S_EQ(id.call_id, "3848276298220188511@atlanta.example.com");
	S_EQ(id.local_tag, "314159");
	S_EQ(id.remote_tag, "9fxced76sl");
	struct sp_str disp;
	S_EQ(sp_dialog_local_uri(d, &disp), "sip:bob@biloxi.example.com");
	S_EQ(disp, "Bob");
	S_EQ(sp_dialog_remote_uri(d, &disp), "sip:alice@atlanta.example.com");
	S_EQ(disp, "Alice");
	S_EQ(sp_dialog_remote_target(d), "sip:alice@client.atlanta.example.com;transport=tcp");
	S_EQ(sp_dialog_local_contact(d), "<sip:bob@client.biloxi.example.com;transport=tcp>");
	assert_int_equal(sp_dialog_route_count(d), 2);
	S_EQ(sp_dialog_route(d, 0), "<sip:ss2.biloxi.example.com;lr>");
	S_EQ(sp_dialog_route(d, 1), "<sip:ss1.atlanta.example.com;lr>");
	assert_false(sp_dialog_local_cseq(d, NULL));
	assert_int_equal(sp_dialog_remote_cseq(d), 2);
	sp_mem_deref(d);
}

/* The UAS side with a response built by sp_response_build (what a UA
 * does): a 180 makes an early dialog, the 200 confirms it without
 * touching the route set (it came from the request, §12.1.1). */
static void test_uas_early_then_confirmed(void **state)
{
	(void)state;
	struct tmsg *inv = tm_vec("rfc3665-3.2-F7-invite.sip");
	char buf[2048];
	struct sp_wbuf b;
	struct sp_response r = { .code = 180, .to_tag = SP_STR("bobtag"),
				 .headers = SP_STR("Contact: <sip:bob@192.0.2.4>\r\n") };
	sp_wbuf_init(&b, buf, sizeof(buf));
	assert_int_equal(sp_response_build(&b, &inv->m, NULL, &r), 0);
	struct tmsg *ringing = tm_parse(tu_dup(buf, b.len), b.len);
	r.code = 200;
	sp_wbuf_init(&b, buf, sizeof(buf));
	assert_int_equal(sp_response_build(&b, &inv->m, NULL, &r), 0);
	struct tmsg *ok = tm_parse(tu_dup(buf, b.len), b.len);

	struct sp_dialog *d = NULL;
	assert_int_equal(sp_dialog_create_uas(&d, &inv->m, &ringing->m, false), 0);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_EARLY);
	S_EQ(sp_dialog_id(d).local_tag, "bobtag");
	S_EQ(sp_dialog_local_contact(d), "<sip:bob@192.0.2.4>");
	assert_int_equal(sp_dialog_confirm(d, &ok->m), 0);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_CONFIRMED);
	assert_int_equal(sp_dialog_route_count(d), 2);
	S_EQ(sp_dialog_route(d, 0), "<sip:ss2.biloxi.example.com;lr>");
	/* Confirming twice changes nothing. */
	assert_int_equal(sp_dialog_confirm(d, &ok->m), 0);
	/* A 180 does not confirm. */
	assert_int_equal(sp_dialog_confirm(d, &ringing->m), -EINVAL);
	sp_mem_deref(d);
	tm_free(inv);
	tm_free(ringing);
	tm_free(ok);
}

/* §13.2.2.4: a 180 without Record-Route makes an early dialog with an
 * empty route set; the 2xx recomputes it (reversed) and sets the remote
 * target from its Contact; the local CSeq used in the early dialog stays. */
static void test_uac_early_confirm_recomputes_route_set(void **state)
{
	(void)state;
	struct tmsg *inv = request("INVITE", "sip:bob@biloxi.example.com", 10, NULL, NULL);
	struct tmsg *ringing = response(180, "INVITE", 10, "btag",
					"Contact: <sip:bob@192.0.2.4>\r\n");
	struct tmsg *ok = response(200, "INVITE", 10, "btag",
				   "Record-Route: <sip:p2.example.com;lr>;x=1\r\n"
				   "Record-Route: <sip:p1.example.com;lr>\r\n"
				   "Contact: <sip:bob@192.0.2.44:5062>\r\n");
	struct sp_dialog *d = NULL;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ringing->m, false), 0);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_EARLY);
	assert_int_equal(sp_dialog_route_count(d), 0);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@192.0.2.4");
	assert_int_equal(sp_dialog_set_local_cseq(d, 11), 0); /* a PRACK was sent */

	assert_int_equal(sp_dialog_confirm(d, &ok->m), 0);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_CONFIRMED);
	assert_int_equal(sp_dialog_route_count(d), 2);
	S_EQ(sp_dialog_route(d, 0), "<sip:p1.example.com;lr>");
	S_EQ(sp_dialog_route(d, 1), "<sip:p2.example.com;lr>;x=1"); /* header params kept */
	S_EQ(sp_dialog_remote_target(d), "sip:bob@192.0.2.44:5062");
	uint32_t seq;
	assert_true(sp_dialog_local_cseq(d, &seq));
	assert_int_equal(seq, 11);
	assert_int_equal(sp_dialog_remote_cseq(d), -1);
	sp_mem_deref(d);
	tm_free(inv);
	tm_free(ringing);
	tm_free(ok);
}

/* A 1xx without Contact makes an early dialog with no remote target. */
static void test_uac_early_without_contact(void **state)
{
	(void)state;
	struct tmsg *inv = request("INVITE", "sip:bob@biloxi.example.com", 1, NULL, NULL);
	struct tmsg *ringing = response(180, "INVITE", 1, "btag", NULL);
	struct sp_dialog *d = NULL;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ringing->m, false), 0);
	S_ABSENT(sp_dialog_remote_target(d));
	struct sp_uri uri;
	assert_int_equal(sp_dialog_next_hop(d, &uri), -EDESTADDRREQ);
	sp_mem_deref(d);
	tm_free(inv);
	tm_free(ringing);
}

/* RFC 2543 compatibility (§12.1.2): a 2xx without To tag still makes a
 * dialog, with a null remote tag. A 1xx without To tag makes none (§12.1). */
static void test_null_tags(void **state)
{
	(void)state;
	struct tmsg *inv = request("INVITE", "sip:bob@biloxi.example.com", 1, NULL, NULL);
	struct tmsg *ok = response(200, "INVITE", 1, NULL, "Contact: <sip:bob@192.0.2.4>\r\n");
	struct tmsg *ringing = response(180, "INVITE", 1, NULL, "Contact: <sip:bob@192.0.2.4>\r\n");
	struct sp_dialog *d = SENTINEL;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ringing->m, false), -EINVAL);
	assert_ptr_equal(d, SENTINEL);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok->m, false), 0);
	S_EQ(sp_dialog_id(d).remote_tag, "");
	assert_non_null(sp_dialog_id(d).remote_tag.p);

	struct sp_dialog_table *t = NULL;
	assert_int_equal(sp_dialog_table_create(&t), 0);
	assert_int_equal(sp_dialog_table_add(t, d), 0);
	struct sp_dialog_id id = { SP_STR("cid-1@atlanta.example.com"), SP_STR("atag"),
				   SP_STR_NULL };
	assert_ptr_equal(sp_dialog_table_find(t, &id), d);
	id.remote_tag = SP_STR("");
	assert_ptr_equal(sp_dialog_table_find(t, &id), d);
	sp_dialog_table_destroy(t);
	sp_mem_deref(d);

	/* UAS: a request without From tag gives a null remote tag. */
	struct tmsg *inv2 = tm_fmt("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=x1\r\n"
				   "From: <sip:alice@atlanta.example.com>\r\n"
				   "To: <sip:bob@biloxi.example.com>\r\n"
				   "Call-ID: old@host\r\n"
				   "CSeq: 5 INVITE\r\n"
				   "Contact: <sip:alice@192.0.2.1>\r\n"
				   "Content-Length: 0\r\n\r\n");
	char buf[1024];
	struct sp_wbuf b;
	sp_wbuf_init(&b, buf, sizeof(buf));
	struct sp_response r = { .code = 200, .to_tag = SP_STR("bt") };
	assert_int_equal(sp_response_build(&b, &inv2->m, NULL, &r), 0);
	struct tmsg *ok2 = tm_parse(tu_dup(buf, b.len), b.len);
	assert_int_equal(sp_dialog_create_uas(&d, &inv2->m, &ok2->m, false), 0);
	S_EQ(sp_dialog_id(d).remote_tag, "");
	S_EQ(sp_dialog_id(d).local_tag, "bt");
	S_EQ(sp_dialog_local_uri(d, NULL), "sip:bob@biloxi.example.com");
	S_ABSENT(sp_dialog_local_contact(d));
	sp_mem_deref(d);
	tm_free(inv2);
	tm_free(ok2);
	tm_free(inv);
	tm_free(ok);
	tm_free(ringing);
}

/* §12.1.1, §12.1.2: secure when the request went over TLS with a SIPS
 * Request-URI; TLS alone or SIPS alone is not enough. */
static void test_secure_flag(void **state)
{
	(void)state;
	struct tmsg *inv = request("INVITE", "sips:bob@biloxi.example.com", 1, NULL, NULL);
	struct tmsg *inv_sip = request("INVITE", "sip:bob@biloxi.example.com", 1, NULL, NULL);
	struct tmsg *ok = response(200, "INVITE", 1, "b", "Contact: <sips:bob@192.0.2.4>\r\n");
	struct sp_dialog *d;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok->m, true), 0);
	assert_true(sp_dialog_secure(d));
	sp_mem_deref(d);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok->m, false), 0);
	assert_false(sp_dialog_secure(d));
	sp_mem_deref(d);
	assert_int_equal(sp_dialog_create_uac(&d, &inv_sip->m, &ok->m, true), 0);
	assert_false(sp_dialog_secure(d));
	sp_mem_deref(d);

	struct tmsg *req = tm_fmt("INVITE sips:bob@biloxi.example.com SIP/2.0\r\n"
				  "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKs\r\n"
				  "From: <sips:alice@atlanta.example.com>;tag=a\r\n"
				  "To: <sips:bob@biloxi.example.com>\r\n"
				  "Call-ID: s@h\r\n"
				  "CSeq: 1 INVITE\r\n"
				  "Contact: <sips:alice@192.0.2.1>\r\n"
				  "Content-Length: 0\r\n\r\n");
	struct tmsg *resp = tm_fmt("SIP/2.0 200 OK\r\n"
				   "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKs\r\n"
				   "From: <sips:alice@atlanta.example.com>;tag=a\r\n"
				   "To: <sips:bob@biloxi.example.com>;tag=b\r\n"
				   "Call-ID: s@h\r\n"
				   "CSeq: 1 INVITE\r\n"
				   "Contact: <sips:bob@192.0.2.4>\r\n"
				   "Content-Length: 0\r\n\r\n");
	assert_int_equal(sp_dialog_create_uas(&d, &req->m, &resp->m, true), 0);
	assert_true(sp_dialog_secure(d));
	sp_mem_deref(d);
	tm_free(req);
	tm_free(resp);
	tm_free(inv);
	tm_free(inv_sip);
	tm_free(ok);
}

/* Pairs that make no dialog, and malformed dialog-forming messages. */
static void test_create_rejects(void **state)
{
	(void)state;
	struct tmsg *inv = request("INVITE", "sip:bob@biloxi.example.com", 1, NULL, NULL);
	struct tmsg *opt = request("OPTIONS", "sip:bob@biloxi.example.com", 1, NULL, NULL);
	struct tmsg *sub = request("SUBSCRIBE", "sip:bob@biloxi.example.com", 1, NULL,
				   "Event: presence\r\n");
	const char *ct = "Contact: <sip:bob@192.0.2.4>\r\n";
	struct tmsg *ok_opt = response(200, "OPTIONS", 1, "b", ct);
	struct tmsg *busy = response(486, "INVITE", 1, "b", ct);
	struct tmsg *trying = response(100, "INVITE", 1, "b", ct);
	struct tmsg *ok_other_cseq = response(200, "INVITE", 2, "b", ct);
	struct tmsg *ok_no_contact = response(200, "INVITE", 1, "b", NULL);
	struct tmsg *ok_star = response(200, "INVITE", 1, "b", "Contact: *\r\n");
	struct tmsg *ok_tel = response(200, "INVITE", 1, "b", "Contact: <tel:+15551234>\r\n");
	struct tmsg *ok_bad_rr = response(200, "INVITE", 1, "b",
					  "Record-Route: <tel:+15551234>\r\n"
					  "Contact: <sip:bob@192.0.2.4>\r\n");
	struct tmsg *ringing_sub = response(180, "SUBSCRIBE", 1, "b", ct);
	struct tmsg *ok_sub = response(200, "SUBSCRIBE", 1, "b", ct);
	struct tmsg *other_call = tm_fmt("SIP/2.0 200 OK\r\n"
					 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
					 "From: Alice <sip:alice@atlanta.example.com>;tag=atag\r\n"
					 "To: Bob <sip:bob@biloxi.example.com>;tag=b\r\n"
					 "Call-ID: another@atlanta.example.com\r\n"
					 "CSeq: 1 INVITE\r\n%s"
					 "Content-Length: 0\r\n\r\n",
					 ct);
	struct sp_dialog *d = SENTINEL;

	assert_int_equal(sp_dialog_create_uac(&d, &opt->m, &ok_opt->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &busy->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &trying->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok_other_cseq->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &other_call->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &inv->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, NULL, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uac(NULL, &inv->m, &ok_sub->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok_no_contact->m, false), -EBADMSG);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok_star->m, false), -EBADMSG);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok_tel->m, false), -EBADMSG);
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok_bad_rr->m, false), -EBADMSG);
	/* §12.1: only INVITE makes early dialogs. */
	assert_int_equal(sp_dialog_create_uac(&d, &sub->m, &ringing_sub->m, false), -EINVAL);
	assert_ptr_equal(d, SENTINEL);
	/* SUBSCRIBE's 2xx does make one. */
	assert_int_equal(sp_dialog_create_uac(&d, &sub->m, &ok_sub->m, false), 0);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_CONFIRMED);
	sp_mem_deref(d);

	/* UAS: a request with a To tag is inside a dialog already; the
	 * response must carry a tag. */
	struct tmsg *reinv = request("INVITE", "sip:bob@192.0.2.4", 2, "b", NULL);
	struct tmsg *ok_reinv = response(200, "INVITE", 2, "b", ct);
	struct tmsg *ok_notag = response(200, "INVITE", 1, NULL, ct);
	struct tmsg *ok = response(200, "INVITE", 1, "b", ct);
	struct tmsg *inv_nocontact = tm_fmt("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
					    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
					    "From: Alice <sip:alice@atlanta.example.com>;tag=atag\r\n"
					    "To: Bob <sip:bob@biloxi.example.com>\r\n"
					    "Call-ID: cid-1@atlanta.example.com\r\n"
					    "CSeq: 1 INVITE\r\n"
					    "Content-Length: 0\r\n\r\n");
	d = SENTINEL;
	assert_int_equal(sp_dialog_create_uas(&d, &reinv->m, &ok_reinv->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uas(&d, &inv->m, &ok_notag->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uas(&d, &inv->m, &busy->m, false), -EINVAL);
	assert_int_equal(sp_dialog_create_uas(&d, &inv_nocontact->m, &ok->m, false), -EBADMSG);
	assert_ptr_equal(d, SENTINEL);
	assert_int_equal(sp_dialog_create_uas(&d, &inv->m, &ok->m, false), 0);
	sp_mem_deref(d);

	tm_free(reinv);
	tm_free(ok_reinv);
	tm_free(ok_notag);
	tm_free(ok);
	tm_free(inv_nocontact);
	tm_free(inv);
	tm_free(opt);
	tm_free(sub);
	tm_free(ok_opt);
	tm_free(busy);
	tm_free(trying);
	tm_free(ok_other_cseq);
	tm_free(ok_no_contact);
	tm_free(ok_star);
	tm_free(ok_tel);
	tm_free(ok_bad_rr);
	tm_free(ringing_sub);
	tm_free(ok_sub);
	tm_free(other_call);
}

/* A failed confirmation (bad Record-Route, missing Contact) leaves the
 * early dialog as it was. */
static void test_confirm_failure_is_atomic(void **state)
{
	(void)state;
	struct tmsg *inv = request("INVITE", "sip:bob@biloxi.example.com", 1, NULL, NULL);
	struct tmsg *ringing = response(180, "INVITE", 1, "b",
					"Record-Route: <sip:p1.example.com;lr>\r\n"
					"Contact: <sip:bob@192.0.2.4>\r\n");
	struct tmsg *bad_rr = response(200, "INVITE", 1, "b",
				       "Record-Route: sip:p9.example.com\r\n"
				       "Contact: <sip:bob@192.0.2.9>\r\n");
	struct tmsg *no_contact = response(200, "INVITE", 1, "b", NULL);
	struct tmsg *other_tag = response(200, "INVITE", 1, "c", "Contact: <sip:c@192.0.2.5>\r\n");
	struct sp_dialog *d;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ringing->m, false), 0);
	assert_int_equal(sp_dialog_confirm(d, &bad_rr->m), -EBADMSG);
	assert_int_equal(sp_dialog_confirm(d, &no_contact->m), -EBADMSG);
	assert_int_equal(sp_dialog_confirm(d, &other_tag->m), -EINVAL);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_EARLY);
	assert_int_equal(sp_dialog_route_count(d), 1);
	S_EQ(sp_dialog_remote_target(d), "sip:bob@192.0.2.4");
	sp_dialog_terminate(d);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_TERMINATED);
	sp_dialog_terminate(d);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_TERMINATED);
	sp_mem_deref(d);
	tm_free(inv);
	tm_free(ringing);
	tm_free(bad_rr);
	tm_free(no_contact);
	tm_free(other_tag);
}

/* ---- the table: forking, termination, matching -------------------------------- */

/* §13.2.2.4: two 180s with different tags make two early dialogs of one
 * set; a 2xx confirms one; ending the set's early dialogs (64*T1 later)
 * removes the other. */
static void test_forking(void **state)
{
	(void)state;
	struct sp_dialog_table *t;
	assert_int_equal(sp_dialog_table_create(&t), 0);
	struct tmsg *inv = request("INVITE", "sip:bob@biloxi.example.com", 7, NULL, NULL);
	struct tmsg *r1 = response(180, "INVITE", 7, "fork1",
				   "Record-Route: <sip:p1.example.com;lr>\r\n"
				   "Contact: <sip:bob@192.0.2.11>\r\n");
	struct tmsg *r2 = response(180, "INVITE", 7, "fork2", "Contact: <sip:bob@192.0.2.22>\r\n");
	struct tmsg *ok2 = response(200, "INVITE", 7, "fork2",
				    "Record-Route: <sip:p2.example.com;lr>\r\n"
				    "Contact: <sip:bob@192.0.2.22>\r\n");
	struct tmsg *trying = response(100, "INVITE", 7, NULL, NULL);
	struct tmsg *notag = response(183, "INVITE", 7, NULL, "Contact: <sip:x@192.0.2.1>\r\n");

	struct sp_dialog *d1 = SENTINEL, *d2 = NULL, *d;
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &trying->m, false, &d1), 0);
	assert_null(d1);
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &notag->m, false, &d1), 0);
	assert_null(d1);
	assert_int_equal(sp_dialog_table_count(t), 0);

	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &r1->m, false, &d1), 0);
	assert_non_null(d1);
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &r2->m, false, &d2), 0);
	assert_non_null(d2);
	assert_ptr_not_equal(d1, d2);
	assert_int_equal(sp_dialog_table_count(t), 2);
	assert_int_equal(sp_dialog_state(d1), SP_DIALOG_EARLY);
	assert_int_equal(sp_dialog_state(d2), SP_DIALOG_EARLY);
	S_EQ(sp_dialog_id(d1).remote_tag, "fork1");
	S_EQ(sp_dialog_id(d2).remote_tag, "fork2");
	S_SAME(sp_dialog_id(d1).local_tag, sp_dialog_id(d2).local_tag);
	S_SAME(sp_dialog_id(d1).call_id, sp_dialog_id(d2).call_id);

	/* A retransmitted 180 finds the same dialog. */
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &r1->m, false, &d), 0);
	assert_ptr_equal(d, d1);
	assert_int_equal(sp_dialog_table_count(t), 2);

	/* The 2xx confirms fork2 and recomputes its route set. */
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &ok2->m, false, &d), 0);
	assert_ptr_equal(d, d2);
	assert_int_equal(sp_dialog_state(d2), SP_DIALOG_CONFIRMED);
	assert_int_equal(sp_dialog_route_count(d2), 1);
	S_EQ(sp_dialog_route(d2, 0), "<sip:p2.example.com;lr>");
	assert_int_equal(sp_dialog_state(d1), SP_DIALOG_EARLY);
	/* Its retransmission changes nothing. */
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &ok2->m, false, &d), 0);
	assert_ptr_equal(d, d2);
	assert_int_equal(sp_dialog_table_count(t), 2);

	sp_mem_ref(d1);
	assert_int_equal(sp_dialog_table_end_early(t, inv->m.call_id, inv->m.from.tag), 1);
	assert_int_equal(sp_dialog_state(d1), SP_DIALOG_TERMINATED);
	assert_int_equal(sp_dialog_table_count(t), 1);
	struct sp_dialog_id id = sp_dialog_id(d1);
	assert_null(sp_dialog_table_find(t, &id));
	id = sp_dialog_id(d2);
	assert_ptr_equal(sp_dialog_table_find(t, &id), d2);
	sp_mem_deref(d1);

	sp_dialog_table_destroy(t);
	tm_free(inv);
	tm_free(r1);
	tm_free(r2);
	tm_free(ok2);
	tm_free(trying);
	tm_free(notag);
}

/* §12.3, §13.2.2.3: a non-2xx final ends every early dialog of the set;
 * a confirmed dialog of the same set stays; other calls are untouched. */
static void test_non2xx_final_ends_early(void **state)
{
	(void)state;
	struct sp_dialog_table *t;
	assert_int_equal(sp_dialog_table_create(&t), 0);
	struct tmsg *inv = request("INVITE", "sip:bob@biloxi.example.com", 3, NULL, NULL);
	struct tmsg *a = response(180, "INVITE", 3, "a", NULL);
	struct tmsg *b = response(183, "INVITE", 3, "b", NULL);
	struct tmsg *c = response(200, "INVITE", 3, "c", "Contact: <sip:c@192.0.2.3>\r\n");
	struct tmsg *busy = response(486, "INVITE", 3, "z", NULL);
	struct tmsg *inv2 = tm_fmt("INVITE sip:carol@chicago.example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKother\r\n"
				   "From: <sip:alice@atlanta.example.com>;tag=atag\r\n"
				   "To: <sip:carol@chicago.example.com>\r\n"
				   "Call-ID: cid-2@atlanta.example.com\r\n"
				   "CSeq: 1 INVITE\r\n"
				   "Contact: <sip:alice@192.0.2.1>\r\n"
				   "Content-Length: 0\r\n\r\n");
	struct tmsg *other = tm_fmt("SIP/2.0 180 Ringing\r\n"
				    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKother\r\n"
				    "From: <sip:alice@atlanta.example.com>;tag=atag\r\n"
				    "To: <sip:carol@chicago.example.com>;tag=k\r\n"
				    "Call-ID: cid-2@atlanta.example.com\r\n"
				    "CSeq: 1 INVITE\r\n"
				    "Content-Length: 0\r\n\r\n");
	struct sp_dialog *da, *db, *dc, *dother, *d = SENTINEL;
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &a->m, false, &da), 0);
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &b->m, false, &db), 0);
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &c->m, false, &dc), 0);
	assert_int_equal(sp_dialog_table_uac_response(t, &inv2->m, &other->m, false, &dother), 0);
	assert_int_equal(sp_dialog_table_count(t), 4);
	sp_mem_ref(da);
	sp_mem_ref(db);
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &busy->m, false, &d), 0);
	assert_null(d);
	assert_int_equal(sp_dialog_table_count(t), 2);
	assert_int_equal(sp_dialog_state(da), SP_DIALOG_TERMINATED);
	assert_int_equal(sp_dialog_state(db), SP_DIALOG_TERMINATED);
	assert_int_equal(sp_dialog_state(dc), SP_DIALOG_CONFIRMED);
	assert_int_equal(sp_dialog_state(dother), SP_DIALOG_EARLY);
	/* A terminated dialog cannot go back in. */
	assert_int_equal(sp_dialog_table_add(t, da), -ESTALE);
	sp_mem_deref(da);
	sp_mem_deref(db);
	sp_dialog_table_destroy(t);
	tm_free(inv);
	tm_free(a);
	tm_free(b);
	tm_free(c);
	tm_free(busy);
	tm_free(inv2);
	tm_free(other);
}

/* Add, duplicate, remove (BYE, §15), and the lookups of §12.2.2: the BYE
 * of RFC 3665 §3.2 F20 matches Alice's dialog; a request whose To tag
 * matches nothing gets NULL and the UA answers 481. */
static void test_table_match_and_481(void **state)
{
	(void)state;
	struct sp_dialog_table *t;
	assert_int_equal(sp_dialog_table_create(&t), 0);
	struct tmsg *inv = tm_vec("rfc3665-3.2-F4-invite.sip");
	struct tmsg *ok = tm_vec("rfc3665-3.2-F14-200.sip");
	struct tmsg *bye = tm_vec("rfc3665-3.2-F20-bye.sip");
	struct sp_dialog *d, *dup;
	assert_int_equal(sp_dialog_create_uac(&d, &inv->m, &ok->m, false), 0);
	assert_int_equal(sp_dialog_create_uac(&dup, &inv->m, &ok->m, false), 0);
	assert_int_equal(sp_dialog_table_add(t, d), 0);
	assert_int_equal(sp_mem_nrefs(d), 2);
	assert_int_equal(sp_dialog_table_add(t, d), -EEXIST);
	assert_int_equal(sp_dialog_table_add(t, dup), -EEXIST);
	sp_mem_deref(dup);
	assert_int_equal(sp_dialog_table_count(t), 1);

	assert_ptr_equal(sp_dialog_table_match(t, &bye->m), d);
	/* A response or a request seen from the wrong side matches nothing. */
	assert_null(sp_dialog_table_match(t, &ok->m));
	assert_null(sp_dialog_table_match(t, &inv->m)); /* no To tag: outside a dialog */

	struct tmsg *stray = tm_fmt("BYE sip:alice@client.atlanta.example.com SIP/2.0\r\n"
				    "Via: SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKn\r\n"
				    "From: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
				    "To: Alice <sip:alice@atlanta.example.com>;tag=unknown\r\n"
				    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
				    "CSeq: 1 BYE\r\n"
				    "Content-Length: 0\r\n\r\n");
	assert_null(sp_dialog_table_match(t, &stray->m));
	char buf[1024];
	struct sp_wbuf b;
	sp_wbuf_init(&b, buf, sizeof(buf));
	struct sp_response r = { .code = 481 };
	assert_int_equal(sp_response_build(&b, &stray->m, NULL, &r), 0);
	assert_true(b.len > 40);
	assert_memory_equal(buf, "SIP/2.0 481 Call/Transaction Does Not Exist\r\n", 45);

	/* The BYE is accepted and ends the dialog (§15). */
	assert_int_equal(sp_dialog_rx_request(d, &bye->m), 0);
	sp_dialog_table_remove(t, d);
	assert_int_equal(sp_dialog_state(d), SP_DIALOG_TERMINATED);
	assert_int_equal(sp_mem_nrefs(d), 1); /* the table dropped its own */
	assert_int_equal(sp_dialog_table_count(t), 0);
	assert_null(sp_dialog_table_match(t, &bye->m));
	sp_dialog_table_remove(t, d); /* not in it: nothing */
	sp_mem_deref(d);

	assert_null(sp_dialog_table_find(t, NULL));
	assert_null(sp_dialog_table_match(t, NULL));
	assert_int_equal(sp_dialog_table_add(t, NULL), -EINVAL);
	assert_int_equal(sp_dialog_table_create(NULL), -EINVAL);
	sp_dialog_table_destroy(NULL);
	sp_dialog_table_destroy(t);
	tm_free(inv);
	tm_free(ok);
	tm_free(bye);
	tm_free(stray);
}

/* Many dialogs: the table grows and finds each; dialogs of different
 * calls whose Call-ID + tag concatenate alike stay apart. */
static void test_table_growth(void **state)
{
	(void)state;
	struct sp_dialog_table *t;
	assert_int_equal(sp_dialog_table_create(&t), 0);
	enum { N = 300 };
	static struct sp_dialog *ds[N];
	for (unsigned i = 0; i < N; i++) {
		struct tmsg *inv = tm_fmt("INVITE sip:b@h SIP/2.0\r\n"
					  "Via: SIP/2.0/UDP h;branch=z9hG4bK%u\r\n"
					  "From: <sip:a@h>;tag=t%u\r\n"
					  "To: <sip:b@h>\r\n"
					  "Call-ID: c%u\r\n"
					  "CSeq: 1 INVITE\r\n"
					  "Contact: <sip:a@h>\r\n\r\n",
					  i, i % 7, i);
		struct tmsg *ok = tm_fmt("SIP/2.0 200 OK\r\n"
					 "Via: SIP/2.0/UDP h;branch=z9hG4bK%u\r\n"
					 "From: <sip:a@h>;tag=t%u\r\n"
					 "To: <sip:b@h>;tag=r\r\n"
					 "Call-ID: c%u\r\n"
					 "CSeq: 1 INVITE\r\n"
					 "Contact: <sip:b@h>\r\n\r\n",
					 i, i % 7, i);
		assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &ok->m, false, &ds[i]), 0);
		assert_non_null(ds[i]);
		tm_free(inv);
		tm_free(ok);
	}
	assert_int_equal(sp_dialog_table_count(t), N);
	for (unsigned i = 0; i < N; i++) {
		struct sp_dialog_id id = sp_dialog_id(ds[i]);
		assert_ptr_equal(sp_dialog_table_find(t, &id), ds[i]);
	}
	/* "c1" + "t1x" vs "c1t" + "1x": not the same set. */
	struct sp_dialog_id id = { SP_STR("c1t"), SP_STR("1"), SP_STR("r") };
	assert_null(sp_dialog_table_find(t, &id));
	sp_dialog_table_destroy(t); /* drops every dialog */
}

/* ---- ENOMEM on every allocation ----------------------------------------------- */

static void test_enomem(void **state)
{
	(void)state;
	struct tmsg *inv = tm_vec("rfc3665-3.2-F4-invite.sip");
	struct tmsg *ok = tm_vec("rfc3665-3.2-F14-200.sip");
	struct tmsg *inv_uas = tm_vec("rfc3665-3.2-F7-invite.sip");
	struct tmsg *ok_uas = tm_vec("rfc3665-3.2-F12-200.sip");
	struct tmsg *ringing = tm_vec("rfc3665-3.2-F11-180.sip");
	int rc;
	unsigned fails = 0;

	for (long n = 0;; n++) {
		struct sp_dialog *d = SENTINEL;
		sp_mem_fail_after(n);
		rc = sp_dialog_create_uac(&d, &inv->m, &ok->m, false);
		sp_mem_fail_after(-1);
		if (rc == 0) {
			assert_int_equal(sp_dialog_route_count(d), 2);
			sp_mem_deref(d);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_ptr_equal(d, SENTINEL);
		fails++;
	}
	assert_true(fails >= 3); /* dialog, fixed block, target, route set */

	for (long n = 0;; n++) {
		struct sp_dialog *d = SENTINEL;
		sp_mem_fail_after(n);
		rc = sp_dialog_create_uas(&d, &inv_uas->m, &ok_uas->m, false);
		sp_mem_fail_after(-1);
		if (rc == 0) {
			sp_mem_deref(d);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_ptr_equal(d, SENTINEL);
	}

	for (long n = 0;; n++) {
		struct sp_dialog_table *t = (struct sp_dialog_table *)SENTINEL;
		sp_mem_fail_after(n);
		rc = sp_dialog_table_create(&t);
		sp_mem_fail_after(-1);
		if (rc == 0) {
			sp_dialog_table_destroy(t);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_ptr_equal(t, (struct sp_dialog_table *)SENTINEL);
	}

	/* Confirmation under ENOMEM changes nothing; the table path too. */
	struct sp_dialog_table *t;
	assert_int_equal(sp_dialog_table_create(&t), 0);
	struct sp_dialog *early;
	assert_int_equal(sp_dialog_table_uac_response(t, &inv->m, &ringing->m, false, &early), 0);
	for (long n = 0;; n++) {
		struct sp_dialog *d = SENTINEL;
		sp_mem_fail_after(n);
		rc = sp_dialog_table_uac_response(t, &inv->m, &ok->m, false, &d);
		sp_mem_fail_after(-1);
		if (rc == 0) {
			assert_ptr_equal(d, early);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_null(d);
		assert_int_equal(sp_dialog_state(early), SP_DIALOG_EARLY);
		S_EQ(sp_dialog_remote_target(early), "sip:bob@client.biloxi.example.com;transport=tcp");
		assert_int_equal(sp_dialog_route_count(early), 2);
	}
	assert_int_equal(sp_dialog_state(early), SP_DIALOG_CONFIRMED);
	sp_dialog_table_destroy(t);

	/* A new dialog that cannot be created leaves the table empty. */
	assert_int_equal(sp_dialog_table_create(&t), 0);
	for (long n = 0;; n++) {
		struct sp_dialog *d = SENTINEL;
		sp_mem_fail_after(n);
		rc = sp_dialog_table_uac_response(t, &inv->m, &ok->m, false, &d);
		sp_mem_fail_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(sp_dialog_table_count(t), 0);
	}
	assert_int_equal(sp_dialog_table_count(t), 1);
	sp_dialog_table_destroy(t);

	tm_free(inv);
	tm_free(ok);
	tm_free(inv_uas);
	tm_free(ok_uas);
	tm_free(ringing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uac_rfc3665_3_2),
		cmocka_unit_test(test_uas_rfc3665_3_2),
		cmocka_unit_test(test_uas_early_then_confirmed),
		cmocka_unit_test(test_uac_early_confirm_recomputes_route_set),
		cmocka_unit_test(test_uac_early_without_contact),
		cmocka_unit_test(test_null_tags),
		cmocka_unit_test(test_secure_flag),
		cmocka_unit_test(test_create_rejects),
		cmocka_unit_test(test_confirm_failure_is_atomic),
		cmocka_unit_test(test_forking),
		cmocka_unit_test(test_non2xx_final_ends_early),
		cmocka_unit_test(test_table_match_and_481),
		cmocka_unit_test(test_table_growth),
		cmocka_unit_test(test_enomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
