/*
 * Structured header values other than Via and name-addr: numbers, CSeq,
 * Call-ID, media types, tokens, Event, Subscription-State, RAck,
 * Session-Expires, Retry-After, Date, Priority, Warning (src/sip/hdr_number.c,
 * hdr_event.c, hdr_misc.c, hdr_date.c). Field-by-field results, folded LWS,
 * overlarge numbers (RFC 4475 scalar02/scalarlg), and every error path with
 * the byte err->at names. Inputs live in exact-size heap buffers so ASan
 * catches any read past a value's end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/hdr.h"

#include "test_util.h"

/* One macro per parser shape: OK_* returns the parsed struct, BAD_*
 * asserts the failure position. */
#define DEFINE_PARSER_HELPERS(name, type, call)                                                    \
	static type ok_##name(const char *text)                                                    \
	{                                                                                          \
		type out;                                                                          \
		struct sp_parse_error err = {0};                                                   \
		struct sp_str v = tu_copy_c(text);                                                 \
		tu_parse_ok(call(&out, v, &err), v, &err);                                         \
		return out;                                                                        \
	}                                                                                          \
	static void bad_##name##_n(const char *text, size_t n, ptrdiff_t at, const char *rule)     \
	{                                                                                          \
		type out, before;                                                                  \
		struct sp_parse_error err = {0};                                                   \
		struct sp_str v = tu_copy(text, n);                                                \
		memset(&out, 0xa5, sizeof(out));                                                   \
		before = out;                                                                      \
		tu_parse_bad(call(&out, v, &err), v, &err, at, rule);                              \
		assert_memory_equal(&out, &before, sizeof(out)); /* untouched */                   \
	}                                                                                          \
	static void bad_##name(const char *text, ptrdiff_t at, const char *rule)                   \
	{                                                                                          \
		bad_##name##_n(text, strlen(text), at, rule);                                      \
	}

DEFINE_PARSER_HELPERS(cseq, struct sp_cseq, sp_cseq_parse)
DEFINE_PARSER_HELPERS(media, struct sp_media_type, sp_media_type_parse)
DEFINE_PARSER_HELPERS(event, struct sp_event, sp_event_parse)
DEFINE_PARSER_HELPERS(substate, struct sp_substate, sp_substate_parse)
DEFINE_PARSER_HELPERS(rack, struct sp_rack, sp_rack_parse)
DEFINE_PARSER_HELPERS(se, struct sp_session_expires, sp_session_expires_parse)
DEFINE_PARSER_HELPERS(ra, struct sp_retry_after, sp_retry_after_parse)
DEFINE_PARSER_HELPERS(date, struct sp_date, sp_date_parse)
DEFINE_PARSER_HELPERS(warning, struct sp_warning, sp_warning_parse)

/* Parsers that only validate: value in, 0 or -EBADMSG out. */
static void ok_check(int (*fn)(struct sp_str, struct sp_parse_error *), const char *text)
{
	struct sp_parse_error err = {0};
	struct sp_str v = tu_copy_c(text);
	tu_parse_ok(fn(v, &err), v, &err);
}

static void bad_check_n(int (*fn)(struct sp_str, struct sp_parse_error *), const char *text,
			size_t n, ptrdiff_t at, const char *rule)
{
	struct sp_parse_error err = {0};
	struct sp_str v = tu_copy(text, n);
	tu_parse_bad(fn(v, &err), v, &err, at, rule);
}

static void bad_check(int (*fn)(struct sp_str, struct sp_parse_error *), const char *text,
		      ptrdiff_t at, const char *rule)
{
	bad_check_n(fn, text, strlen(text), at, rule);
}

/* ---- sp_uint_parse ------------------------------------------------------- */

static uint32_t ok_uint(const char *text, uint32_t max)
{
	uint32_t out = 0xdeadbeef;
	struct sp_parse_error err = {0};
	struct sp_str v = tu_copy_c(text);
	tu_parse_ok(sp_uint_parse(v, max, &out, &err, "Max-Forwards"), v, &err);
	return out;
}

static void bad_uint(const char *text, uint32_t max, ptrdiff_t at)
{
	uint32_t out = 0xdeadbeef;
	struct sp_parse_error err = {0};
	struct sp_str v = tu_copy_c(text);
	tu_parse_bad(sp_uint_parse(v, max, &out, &err, "Content-Length"), v, &err, at,
		     "Content-Length");
	assert_int_equal(out, 0xdeadbeef);
}

static void test_uint(void **state)
{
	(void)state;
	assert_int_equal(ok_uint("70", 255), 70);
	assert_int_equal(ok_uint("0068", 255), 68); /* RFC 4475 wsinv */
	assert_int_equal(ok_uint("0", 255), 0);
	assert_int_equal(ok_uint("255", 255), 255);
	assert_int_equal(ok_uint("  42 \r\n ", 255), 42);
	assert_int_equal(ok_uint("\r\n 7", 255), 7);
	assert_int_equal(ok_uint("4294967295", UINT32_MAX), UINT32_MAX);
	assert_int_equal(ok_uint("000000000000000000000000004294967295", UINT32_MAX), UINT32_MAX);

	bad_uint("256", 255, 0); /* RFC 4475 scalar02 Max-Forwards 300 */
	bad_uint("300", 255, 0);
	bad_uint("4294967296", UINT32_MAX, 0);
	bad_uint("10000000000000000000000000000000000000000000000000000000000000000000000000000"
		 "000000000000000000000000",
		 UINT32_MAX, 0);	 /* scalar02 Expires 10^100 */
	bad_uint("-999", UINT32_MAX, 0); /* RFC 4475 ncl */
	bad_uint("five", UINT32_MAX, 0);
	bad_uint("+5", UINT32_MAX, 0);
	bad_uint("", UINT32_MAX, 0);
	bad_uint("   ", UINT32_MAX, 3);
	bad_uint("1 2", UINT32_MAX, 2);
	bad_uint("12a", UINT32_MAX, 2);
	bad_uint("0x10", UINT32_MAX, 1);
	bad_uint("1.5", UINT32_MAX, 1);

	/* NULL rule gives the generic one; NULL err is allowed */
	uint32_t out;
	struct sp_parse_error err = {0};
	assert_int_equal(sp_uint_parse(tu_copy_c("x"), 10, &out, &err, NULL), -EBADMSG);
	assert_string_equal(err.rule, "1*DIGIT");
	assert_int_equal(sp_uint_parse(tu_copy_c("x"), 10, &out, NULL, NULL), -EBADMSG);
	assert_int_equal(sp_uint_parse(SP_STR_NULL, 10, &out, &err, NULL), -EBADMSG);
}

/* ---- CSeq ------------------------------------------------------------------ */

static void test_cseq(void **state)
{
	(void)state;
	struct sp_cseq c = ok_cseq("4711 INVITE");
	assert_int_equal(c.seq, 4711);
	S_IS(c.method, "INVITE");
	assert_int_equal(c.method_id, SP_METHOD_INVITE);

	c = ok_cseq("0009\r\n  INVITE"); /* RFC 4475 wsinv */
	assert_int_equal(c.seq, 9);
	assert_int_equal(c.method_id, SP_METHOD_INVITE);

	c = ok_cseq("   1\tOPTIONS  ");
	assert_int_equal(c.seq, 1);
	assert_int_equal(c.method_id, SP_METHOD_OPTIONS);

	c = ok_cseq("139122385 !interesting-Method0123456789_*+`.%indeed'~"); /* intmeth */
	assert_int_equal(c.seq, 139122385);
	S_IS(c.method, "!interesting-Method0123456789_*+`.%indeed'~");
	assert_int_equal(c.method_id, SP_METHOD_OTHER);

	c = ok_cseq("29344 RE%47IST%45R"); /* esc02: not REGISTER */
	assert_int_equal(c.method_id, SP_METHOD_OTHER);

	c = ok_cseq("1 invite"); /* §7.1: methods are case-sensitive */
	assert_int_equal(c.method_id, SP_METHOD_OTHER);

	c = ok_cseq("4294967295 ACK");
	assert_int_equal(c.seq, UINT32_MAX);
	assert_int_equal(c.method_id, SP_METHOD_ACK);
	c = ok_cseq("0 INVITE"); /* ncl */
	assert_int_equal(c.seq, 0);
	c = ok_cseq("8775 NOTIFY");
	assert_int_equal(c.method_id, SP_METHOD_NOTIFY);

	bad_cseq("36893488147419103232 REGISTER", 0, "CSeq: 1*DIGIT LWS");  /* scalar02 */
	bad_cseq("9292394834772304023312 OPTIONS", 0, "CSeq: 1*DIGIT LWS"); /* scalarlg */
	bad_cseq("4294967296 BYE", 0, "CSeq: 1*DIGIT LWS");
	bad_cseq("INVITE", 0, "CSeq: 1*DIGIT LWS");
	bad_cseq("-1 INVITE", 0, "CSeq: 1*DIGIT LWS");
	bad_cseq("", 0, "CSeq: 1*DIGIT LWS");
	bad_cseq("1INVITE", 1, "CSeq: 1*DIGIT LWS");
	bad_cseq("1", 1, "CSeq: 1*DIGIT LWS");
	bad_cseq("1 ", 1, "CSeq: 1*DIGIT LWS");
	bad_cseq("1 INVITE x", 9, "CSeq: Method");
	bad_cseq("1 INV@TE", 5, "CSeq: Method");
	bad_cseq("1 ,", 2, "CSeq: Method");
	bad_cseq("1 INVITE,", 8, "CSeq: Method");
	bad_cseq_n("1 INV\0TE", 8, 5, "CSeq: Method");
}

/* ---- RAck ------------------------------------------------------------------ */

static void test_rack(void **state)
{
	(void)state;
	struct sp_rack r = ok_rack("776656 1 INVITE");
	assert_int_equal(r.rseq, 776656);
	assert_int_equal(r.cseq, 1);
	S_IS(r.method, "INVITE");
	assert_int_equal(r.method_id, SP_METHOD_INVITE);

	r = ok_rack(" 1\r\n 4294967295 \t UPDATE ");
	assert_int_equal(r.rseq, 1);
	assert_int_equal(r.cseq, UINT32_MAX);
	assert_int_equal(r.method_id, SP_METHOD_UPDATE);
	r = ok_rack("5 6 FOO");
	assert_int_equal(r.method_id, SP_METHOD_OTHER);

	bad_rack("1 INVITE", 2, "RAck: CSeq-num LWS");
	bad_rack("4294967296 1 INVITE", 0, "RAck: response-num LWS");
	bad_rack("1 4294967296 INVITE", 2, "RAck: CSeq-num LWS");
	bad_rack("1x 2 INVITE", 1, "RAck: response-num LWS");
	bad_rack("1 2", 3, "RAck: CSeq-num LWS");
	bad_rack("1 2 ", 3, "RAck: CSeq-num LWS");
	bad_rack("1 2 INVITE x", 11, "RAck: Method");
	bad_rack("1 2 :", 4, "RAck: Method");
	bad_rack("", 0, "RAck: response-num LWS");
}

/* ---- Session-Expires ------------------------------------------------------- */

static void test_session_expires(void **state)
{
	(void)state;
	struct sp_session_expires s = ok_se("4000;refresher=uac");
	assert_int_equal(s.delta, 4000);
	S_IS(s.refresher, "uac");
	S_IS(s.params, ";refresher=uac");

	s = ok_se("1800");
	assert_int_equal(s.delta, 1800);
	assert_null(s.refresher.p);
	assert_int_equal(s.params.len, 0);

	s = ok_se(" 90 ;\r\n Refresher = UAS ; x-y=z");
	assert_int_equal(s.delta, 90);
	S_IS(s.refresher, "UAS");

	s = ok_se("4294967295;foo;refresher=uas");
	assert_int_equal(s.delta, UINT32_MAX);
	S_IS(s.refresher, "uas");

	bad_se("abc", 0, "Session-Expires: delta-seconds");
	bad_se("4294967296", 0, "Session-Expires: delta-seconds");
	bad_se("1800;refresher=foo", 15, "Session-Expires: refresher-param");
	bad_se("1800;refresher=\"uac\"", 15, "Session-Expires: refresher-param");
	bad_se("1800;refresher", 14, "Session-Expires: refresher-param");
	bad_se("1800;refresher=uac;refresher=uas", 19, "Session-Expires: refresher-param");
	bad_se("1800 x", 5, "Session-Expires: se-params");
	bad_se("1800x", 4, "Session-Expires: se-params");
	bad_se("1800;", 5, "Session-Expires: se-params");
	bad_se("1800;;x", 5, "Session-Expires: se-params");
}

/* ---- Retry-After ------------------------------------------------------------ */

static void test_retry_after(void **state)
{
	(void)state;
	struct sp_retry_after r = ok_ra("18000;duration=3600"); /* §20.33 examples */
	assert_int_equal(r.delta, 18000);
	assert_int_equal(r.duration, 3600);
	assert_null(r.comment.p);
	S_IS(r.params, ";duration=3600");

	r = ok_ra("120 (I'm in a meeting)");
	assert_int_equal(r.delta, 120);
	S_IS(r.comment, "(I'm in a meeting)");
	assert_int_equal(r.duration, -1);
	assert_int_equal(r.params.len, 0);

	r = ok_ra("120(nested (comment (deep)) \\) \\( \"q\" \xd0\xbd)");
	S_IS(r.comment, "(nested (comment (deep)) \\) \\( \"q\" \xd0\xbd)");

	r = ok_ra("300 (a\r\n b) \r\n ;duration=0;x=y");
	S_IS(r.comment, "(a\r\n b)");
	assert_int_equal(r.duration, 0);
	S_IS(r.params, ";duration=0;x=y");

	r = ok_ra("0");
	assert_int_equal(r.delta, 0);
	r = ok_ra("4294967295 ; DURATION = 4294967295");
	assert_int_equal(r.delta, UINT32_MAX);
	assert_int_equal(r.duration, UINT32_MAX);
	r = ok_ra("5 ()");
	S_IS(r.comment, "()");

	bad_ra("949302838503028349304023988", 0, "Retry-After: delta-seconds"); /* scalarlg */
	bad_ra("4294967296", 0, "Retry-After: delta-seconds");
	bad_ra("", 0, "Retry-After: delta-seconds");
	bad_ra("(x) 5", 0, "Retry-After: delta-seconds");
	bad_ra("-5", 0, "Retry-After: delta-seconds");
	bad_ra("120 (unbalanced", 15, "Retry-After: comment");
	bad_ra("120 ((a)", 8, "Retry-After: comment");
	bad_ra("120 (a\\", 6, "Retry-After: comment");
	bad_ra("120 (bad \x01 ctl)", 9, "Retry-After: comment");
	bad_ra("120 (del \x7f)", 9, "Retry-After: comment");
	bad_ra_n("120 (nul \0)", 11, 9, "Retry-After: comment");
	bad_ra("120 (a\\\r\n b)", 6, "Retry-After: comment");
	bad_ra("120 (ok) junk", 9, "Retry-After: retry-param");
	bad_ra("120 (a) (b)", 8, "Retry-After: retry-param");
	bad_ra("120 junk", 4, "Retry-After: retry-param");
	bad_ra("120;", 4, "Retry-After: retry-param");
	bad_ra("120;duration", 12, "Retry-After: duration");
	bad_ra("120;duration=x", 13, "Retry-After: duration");
	bad_ra("120;duration=4294967296", 13, "Retry-After: duration");
	bad_ra("120;duration=1;duration=1", 15, "Retry-After: duration");
	bad_ra("120;duration=\"1\"", 13, "Retry-After: duration");
}

/* ---- Call-ID ------------------------------------------------------------------ */

static void test_callid(void **state)
{
	(void)state;
	ok_check(sp_callid_parse, "a84b4c76e66710@pc33.atlanta.com");
	ok_check(sp_callid_parse, "a84b4c76e66710");
	ok_check(sp_callid_parse, "843817637684230@998sdasdh09");
	/* RFC 4475 intmeth: word with most separators */
	ok_check(sp_callid_parse, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
	/* RFC 4475 transports: two spaces after the colon */
	ok_check(sp_callid_parse, "  transports.kijh4akdnaqjkwendsasfdj");
	ok_check(sp_callid_parse, "longreq.onereallyreallyreallyreallyreallyreallyreallyreally"
				  "reallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
				  "reallyreallylongcallid \r\n ");

	bad_check(sp_callid_parse, "", 0, "Call-ID: callid");
	bad_check(sp_callid_parse, "@host", 0, "Call-ID: callid");
	bad_check(sp_callid_parse, "a@", 2, "Call-ID: callid");
	bad_check(sp_callid_parse, "a@b@c", 3, "Call-ID: callid");
	bad_check(sp_callid_parse, "a b", 1, "Call-ID: callid");
	bad_check(sp_callid_parse, "a;b", 1, "Call-ID: callid");
	bad_check(sp_callid_parse, "a,b", 1, "Call-ID: callid");
	bad_check(sp_callid_parse, "a=b", 1, "Call-ID: callid");
	bad_check(sp_callid_parse, "a@b c", 3, "Call-ID: callid");
	bad_check(sp_callid_parse, "caf\xc3\xa9", 3, "Call-ID: callid");
	bad_check_n(sp_callid_parse, "a\0b", 3, 1, "Call-ID: callid");
	struct sp_parse_error err = {0};
	assert_int_equal(sp_callid_parse(SP_STR_NULL, &err), -EBADMSG);
	assert_int_equal(sp_callid_parse(tu_copy_c("a b"), NULL), -EBADMSG);
}

/* ---- tokens and Priority ----------------------------------------------------- */

static void test_token_priority(void **state)
{
	(void)state;
	ok_check(sp_token_parse, "100rel");
	ok_check(sp_token_parse, " timer ");
	ok_check(sp_token_parse, "nothingSupportsThis"); /* RFC 4475 bext01 */
	ok_check(sp_token_parse, "noProxiesSupportThis\r\n ");
	ok_check(sp_token_parse, "-.!%*_+`'~");
	bad_check(sp_token_parse, "", 0, "token");
	bad_check(sp_token_parse, "a b", 1, "token");
	bad_check(sp_token_parse, "a,b", 1, "token");
	bad_check(sp_token_parse, "a;b", 1, "token");
	bad_check(sp_token_parse, "\"a\"", 0, "token");
	bad_check(sp_token_parse, "a/b", 1, "token");

	ok_check(sp_priority_parse, "emergency");
	ok_check(sp_priority_parse, "urgent");
	ok_check(sp_priority_parse, "normal");
	ok_check(sp_priority_parse, "non-urgent");
	ok_check(sp_priority_parse, "x-custom"); /* other-priority = token */
	bad_check(sp_priority_parse, "not valid", 3, "Priority: priority-value");
	bad_check(sp_priority_parse, "", 0, "Priority: priority-value");
	bad_check(sp_priority_parse, "urgent;x", 6, "Priority: priority-value");
}

/* ---- media types ---------------------------------------------------------------- */

static void test_media_type(void **state)
{
	(void)state;
	struct sp_media_type m = ok_media("application/sdp");
	S_IS(m.type, "application");
	S_IS(m.subtype, "sdp");
	assert_int_equal(m.params.len, 0);

	m = ok_media("multipart/mixed;boundary=7a9cbec02ceef655"); /* mpart01 */
	S_IS(m.subtype, "mixed");
	S_IS(m.params, ";boundary=7a9cbec02ceef655");

	m = ok_media("application/pkcs7-mime; smime-type=enveloped-data;\r\n     name=smime.p7m");
	S_IS(m.subtype, "pkcs7-mime");
	S_IS(m.params, "; smime-type=enveloped-data;\r\n     name=smime.p7m");

	m = ok_media("text/plain ; charset = \"utf-8\" ");
	S_IS(m.params, "; charset = \"utf-8\"");

	m = ok_media("application \r\n / sdp"); /* SLASH = SWS "/" SWS */
	S_IS(m.type, "application");
	S_IS(m.subtype, "sdp");

	m = ok_media("*/*");
	S_IS(m.type, "*");
	S_IS(m.subtype, "*");
	m = ok_media("text/*;q=0.5");
	S_IS(m.subtype, "*");
	S_IS(m.params, ";q=0.5");
	m = ok_media("text/nobodyKnowsThis"); /* sdp01 */
	S_IS(m.subtype, "nobodyKnowsThis");
	m = ok_media("application/pidf+xml;level");
	S_IS(m.params, ";level");

	bad_media("application", 11, "media-type: SLASH");
	bad_media("", 0, "media-type: m-type");
	bad_media("/sdp", 0, "media-type: m-type");
	bad_media("application/", 12, "media-type: m-subtype");
	bad_media("application/;x=y", 12, "media-type: m-subtype");
	bad_media("appl@cation/sdp", 4, "media-type: SLASH");
	bad_media("application/sdp;", 16, "media-type: m-parameter");
	bad_media("application/sdp junk", 16, "media-type: m-parameter");
	bad_media("text/html, text/plain", 9, "media-type: m-parameter");
	bad_media("text/plain;charset=\"unterminated", 32, "media-type: m-parameter");
	bad_media("text/plain/x", 10, "media-type: m-parameter");
}

/* ---- Event ------------------------------------------------------------------------ */

static void test_event(void **state)
{
	(void)state;
	struct sp_event e = ok_event("presence");
	S_IS(e.package, "presence");
	assert_null(e.id.p);
	assert_int_equal(e.params.len, 0);

	e = ok_event("presence.winfo");
	S_IS(e.package, "presence.winfo");

	e = ok_event("dialog;id=1234;call-id=\"abc@x\"");
	S_IS(e.package, "dialog");
	S_IS(e.id, "1234");
	S_IS(e.params, ";id=1234;call-id=\"abc@x\"");

	e = ok_event(" Presence ;\r\n ID = x-y.z ");
	S_IS(e.package, "Presence");
	S_IS(e.id, "x-y.z");

	e = ok_event("refer;id=93809824");
	S_IS(e.id, "93809824");
	e = ok_event("a-b!%*_+`'~.t1.t2");
	S_IS(e.package, "a-b!%*_+`'~.t1.t2");

	bad_event("", 0, "Event: event-type");
	bad_event(".presence", 0, "Event: event-type");
	bad_event("presence.", 9, "Event: event-type");
	bad_event("presence..winfo", 9, "Event: event-type");
	bad_event("pres ence", 5, "Event: event-param");
	bad_event("presence;", 9, "Event: event-param");
	bad_event("presence,dialog", 8, "Event: event-param");
	bad_event("presence;id", 11, "Event: id");
	bad_event("presence;id=\"x\"", 12, "Event: id");
	bad_event("presence;id=[::1]", 12, "Event: id");
	bad_event("presence;id=1;id=2", 14, "Event: id");
}

/* ---- Subscription-State ------------------------------------------------------------- */

static void test_substate(void **state)
{
	(void)state;
	struct sp_substate s = ok_substate("active;expires=599"); /* RFC 3856 flow */
	S_IS(s.state, "active");
	assert_int_equal(s.expires, 599);
	assert_int_equal(s.retry_after, -1);
	assert_null(s.reason.p);
	S_IS(s.params, ";expires=599");

	s = ok_substate("pending");
	S_IS(s.state, "pending");
	assert_int_equal(s.expires, -1);
	assert_int_equal(s.params.len, 0);

	s = ok_substate("terminated;reason=noresource;retry-after=3600");
	S_IS(s.state, "terminated");
	S_IS(s.reason, "noresource");
	assert_int_equal(s.retry_after, 3600);

	s = ok_substate(" Active ;\r\n Expires = 0600 ; x-foo ; Reason=Timeout ");
	S_IS(s.state, "Active");
	assert_int_equal(s.expires, 600);
	S_IS(s.reason, "Timeout");

	s = ok_substate("x-ext;foo=bar;expires=4294967295");
	S_IS(s.state, "x-ext");
	assert_int_equal(s.expires, UINT32_MAX);

	bad_substate("", 0, "Subscription-State: substate-value");
	bad_substate(";expires=1", 0, "Subscription-State: substate-value");
	bad_substate("active junk", 7, "Subscription-State: subexp-params");
	bad_substate("active;", 7, "Subscription-State: subexp-params");
	bad_substate("active;expires", 14, "Subscription-State: expires");
	bad_substate("active;expires=abc", 15, "Subscription-State: expires");
	bad_substate("active;expires=4294967296", 15, "Subscription-State: expires");
	bad_substate("active;expires=-1", 15, "Subscription-State: expires");
	bad_substate("active;expires=1;expires=2", 17, "Subscription-State: expires");
	bad_substate("terminated;reason=\"timeout\"", 18, "Subscription-State: reason");
	bad_substate("terminated;reason", 17, "Subscription-State: reason");
	bad_substate("terminated;reason=a;reason=b", 20, "Subscription-State: reason");
	bad_substate("terminated;retry-after=1x", 24, "Subscription-State: retry-after");
	bad_substate("terminated;retry-after=1;retry-after=1", 25,
		     "Subscription-State: retry-after");
}

/* ---- Date ------------------------------------------------------------------------------ */

static void test_date(void **state)
{
	(void)state;
	assert_int_equal(ok_date("Sat, 15 Oct 2005 04:44:56 GMT").epoch, 1129351496); /* mpart01 */
	assert_int_equal(ok_date("Sun, 06 Nov 1994 08:49:37 GMT").epoch, 784111777);
	assert_int_equal(ok_date("Thu, 21 Feb 2002 13:02:03 GMT").epoch, 1014296523); /* §24 */
	assert_int_equal(ok_date("Tue, 29 Feb 2000 12:00:00 GMT").epoch, 951825600);
	assert_int_equal(ok_date("Thu, 01 Jan 1970 00:00:00 GMT").epoch, 0);
	assert_int_equal(ok_date("Wed, 31 Dec 1969 23:59:59 GMT").epoch, -1);
	assert_int_equal(ok_date("Fri, 31 Dec 9999 23:59:59 GMT").epoch, 253402300799LL);
	assert_int_equal(ok_date("Sat, 01 Jan 0000 00:00:00 GMT").epoch, -62167219200LL);
	assert_int_equal(ok_date(" \r\n Fri, 01 Jan 2010 16:00:00 GMT  ").epoch, 1262361600);
	/* the weekday is spelled-checked only, not matched to the date */
	assert_int_equal(ok_date("Mon, 01 Jan 2010 16:00:00 GMT").epoch, 1262361600);

	bad_date("Fri, 01 Jan 2010 16:00:00 EST", 26, "Date: \"GMT\""); /* RFC 4475 baddate */
	bad_date("Fri, 01 Jan 2010 16:00:00 UTC", 26, "Date: \"GMT\"");
	bad_date("Fri, 01 Jan 2010 16:00:00 gmt", 26, "Date: \"GMT\"");
	bad_date("Fri, 01 Jan 2010 16:00:00 GM", 26, "Date: \"GMT\"");
	bad_date("Fri, 01 Jan 2010 16:00:00", 25, "Date: \"GMT\"");
	bad_date("Fri, 01 Jan 2010 16:00:00  GMT", 26, "Date: \"GMT\"");
	bad_date("Fri, 01 Jan 2010 16:00:00 GMTX", 29, "Date: \"GMT\"");
	bad_date("Fri, 01 Jan 2010 16:00:00 GMT x", 30, "Date: \"GMT\"");
	bad_date("fri, 01 Jan 2010 16:00:00 GMT", 0, "Date: wkday"); /* §20.17 case */
	bad_date("FRI, 01 Jan 2010 16:00:00 GMT", 0, "Date: wkday");
	bad_date("Fr", 0, "Date: wkday");
	bad_date("", 0, "Date: wkday");
	bad_date("Friday, 01 Jan 2010 16:00:00 GMT", 3, "Date: wkday");
	bad_date("Fri,01 Jan 2010 16:00:00 GMT", 4, "Date: date1");
	bad_date("Fri, 1 Jan 2010 16:00:00 GMT", 6, "Date: date1");
	bad_date("Fri, 01 jan 2010 16:00:00 GMT", 8, "Date: month");
	bad_date("Fri, 01 JAN 2010 16:00:00 GMT", 8, "Date: month");
	bad_date("Fri, 01 Jax 2010 16:00:00 GMT", 8, "Date: month");
	bad_date("Fri, 01 Jan 10 16:00:00 GMT", 14, "Date: date1");
	bad_date("Fri, 00 Jan 2010 16:00:00 GMT", 5, "Date: date1");
	bad_date("Fri, 32 Jan 2010 16:00:00 GMT", 5, "Date: date1");
	bad_date("Fri, 31 Apr 2010 16:00:00 GMT", 5, "Date: date1");
	bad_date("Mon, 29 Feb 2001 16:00:00 GMT", 5, "Date: date1");
	bad_date("Mon, 29 Feb 1900 16:00:00 GMT", 5, "Date: date1");
	bad_date("Fri, 01 Jan 2010 24:00:00 GMT", 17, "Date: time");
	bad_date("Fri, 01 Jan 2010 23:60:00 GMT", 17, "Date: time");
	bad_date("Fri, 01 Jan 2010 23:59:60 GMT", 17, "Date: time");
	bad_date("Fri, 01 Jan 2010 16:00 GMT", 22, "Date: time");
	bad_date("Fri, 01 Jan 2010 1:00:00 GMT", 18, "Date: time");
	bad_date("Fri, 01 Jan 2010T16:00:00 GMT", 16, "Date: date1");
	bad_date("Fri, 01\r\n Jan 2010 16:00:00 GMT", 7, "Date: date1");
}

/* Every month boundary from 1600 to 2400 against a naive day count. */
static void test_date_calendar(void **state)
{
	(void)state;
	static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int64_t days = 0; /* days from 1970-01-01 to 1600-01-01, counted below */
	for (int y = 1600; y < 1970; y++)
		days -= 365 + ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
	for (int y = 1600; y <= 2400; y++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (int m = 0; m < 12; m++) {
			static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
			int n = dim[m] + (m == 1 && leap);
			char buf[40];
			struct sp_date d;
			snprintf(buf, sizeof(buf), "Mon, 01 %s %04d 00:00:00 GMT", mon[m], y);
			assert_int_equal(sp_date_parse(&d, sp_str_c(buf), NULL), 0);
			assert_int_equal(d.epoch, days * 86400);
			snprintf(buf, sizeof(buf), "Mon, %02d %s %04d 23:59:59 GMT", n, mon[m], y);
			assert_int_equal(sp_date_parse(&d, sp_str_c(buf), NULL), 0);
			assert_int_equal(d.epoch, (days + n) * 86400 - 1);
			snprintf(buf, sizeof(buf), "Mon, %02d %s %04d 00:00:00 GMT", n + 1, mon[m],
				 y);
			assert_int_equal(sp_date_parse(&d, sp_str_c(buf), NULL), -EBADMSG);
			days += n;
		}
	}
}

/* ---- Warning ------------------------------------------------------------------------------ */

static void test_warning(void **state)
{
	(void)state;
	struct sp_warning w = ok_warning("307 isi.edu \"Session parameter 'foo' not understood\"");
	assert_int_equal(w.code, 307);
	S_IS(w.agent, "isi.edu");
	S_IS(w.text, "\"Session parameter 'foo' not understood\"");

	w = ok_warning("399 overture \"In Progress\""); /* pseudonym */
	assert_int_equal(w.code, 399);
	S_IS(w.agent, "overture");

	w = ok_warning("370 192.0.2.1:5060 \"Choose a bigger pipe\"");
	S_IS(w.agent, "192.0.2.1:5060");
	w = ok_warning("399 [2001:db8::1]:5060 \"x\"");
	S_IS(w.agent, "[2001:db8::1]:5060");
	w = ok_warning("399 [2001:db8::1] \"\"");
	S_IS(w.agent, "[2001:db8::1]");
	S_IS(w.text, "\"\"");
	w = ok_warning(" 000\r\n devnull  \"a \\\" b\" ");
	assert_int_equal(w.code, 0);
	S_IS(w.agent, "devnull");
	S_IS(w.text, "\"a \\\" b\"");
	w = ok_warning("999 x.y-z \"\xd0\xbd\"");
	assert_int_equal(w.code, 999);

	bad_warning("1812 overture \"In Progress\"", 3, "Warning: warn-code"); /* scalarlg */
	bad_warning("12 x \"y\"", 2, "Warning: warn-code");
	bad_warning("abc x \"y\"", 0, "Warning: warn-code");
	bad_warning("", 0, "Warning: warn-code");
	bad_warning("399", 3, "Warning: SP");
	bad_warning("399x \"y\"", 3, "Warning: SP");
	bad_warning("399 agent", 9, "Warning: SP");
	bad_warning("399 agent\"x\"", 9, "Warning: SP");
	bad_warning("399 \"x\"", 4, "Warning: warn-agent");
	bad_warning("399 agent text", 10, "Warning: warn-text");
	bad_warning("399 agent \"unterminated", 23, "Warning: warn-text");
	bad_warning("399 host:99999 \"x\"", 9, "Warning: warn-agent");
	bad_warning("399 [::1 \"x\"", 4, "Warning: warn-agent");
	bad_warning("399 a!b:50 \"x\"", 5, "Warning: SP");
	bad_warning("399 a \"x\" junk", 10, "Warning: warn-text");
	bad_warning("399 a \"x\", 399 b \"y\"", 9, "Warning: warn-text");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_uint, tu_free_copies),
	    cmocka_unit_test_teardown(test_cseq, tu_free_copies),
	    cmocka_unit_test_teardown(test_rack, tu_free_copies),
	    cmocka_unit_test_teardown(test_session_expires, tu_free_copies),
	    cmocka_unit_test_teardown(test_retry_after, tu_free_copies),
	    cmocka_unit_test_teardown(test_callid, tu_free_copies),
	    cmocka_unit_test_teardown(test_token_priority, tu_free_copies),
	    cmocka_unit_test_teardown(test_media_type, tu_free_copies),
	    cmocka_unit_test_teardown(test_event, tu_free_copies),
	    cmocka_unit_test_teardown(test_substate, tu_free_copies),
	    cmocka_unit_test_teardown(test_date, tu_free_copies),
	    cmocka_unit_test_teardown(test_date_calendar, tu_free_copies),
	    cmocka_unit_test_teardown(test_warning, tu_free_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
