/*
 * RFC 4475 (SIP torture test messages) against the message parser.
 *
 * The list of messages is not written here: it is read at run time from
 * tests/vectors/rfc4475/MANIFEST.tsv, one cmocka test per row, so that a row
 * this file does not know about fails instead of being skipped. Each row's
 * category decides the outcome:
 *
 *   valid, valid-but-should-be-rejected-by-application:
 *	sp_msg_parse() == 0 and sp_msg_validate() == 0, then field-by-field
 *	checks of what RFC 4475 §3 and the manifest note say, then a faithful
 *	print (sp_msg_print with no edits) that must reproduce the message's
 *	own octets and reparse to the same message;
 *   invalid:
 *	sp_msg_parse() or sp_msg_validate() returns -EBADMSG with the status a
 *	server should answer (505 for badvers, 501 for mismatch02, else 400)
 *	and an error offset inside the message, on the line that holds the
 *	fault.
 *
 * Where RFC 4475 lets an element be liberal and siphon is strict (or the
 * other way round), the table entry says so in a comment: "CHOICE: ...".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/msg.h"

#include "test_util.h"

/* ---- helpers ------------------------------------------------------------ */

#define NA(m, id, n) (tu_hdr_decode((m), (id), (n), __FILE__, __LINE__).nameaddr)
#define VIA(m, n)    (tu_hdr_decode((m), SP_HDR_VIA, (n), __FILE__, __LINE__).via)

/* The unescaped form of s must be exactly want[n] (NUL bytes allowed). */
static void unescaped_eq(struct sp_str s, const char *want, size_t n, const char *file, int line)
{
	char out[512];
	long got = sp_uri_unescape(out, sizeof(out), s);
	if (got == (long)n && memcmp(out, want, n) == 0)
		return;
	print_error("unescape(\"%.*s\") gave %ld bytes, want %zu\n", (int)s.len, s.p, got, n);
	_fail(file, line);
}
#define UNESC_EQ(s, lit) unescaped_eq((s), (lit), sizeof(lit) - 1, __FILE__, __LINE__)

/* A string made of pre, unit repeated n times, and post (static storage). */
static const char *rep(const char *pre, const char *unit, int n, const char *post)
{
	static char buf[4][1024];
	static int which;
	char *b = buf[which++ % 4];
	size_t len = 0;
	len += (size_t)snprintf(b + len, sizeof(buf[0]) - len, "%s", pre);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(b + len, sizeof(buf[0]) - len, "%s", unit);
	snprintf(b + len, sizeof(buf[0]) - len, "%s", post);
	return b;
}

/* ---- per-message checks: RFC 4475 §3.1.1 (valid) ------------------------- */

/* §3.1.1.1 A short tortuous INVITE. */
static void check_wsinv(const struct sp_msg *m)
{
	assert_true(m->request);
	S_EQ(m->method, "INVITE");
	assert_int_equal(m->method_id, SP_METHOD_INVITE);
	S_EQ(m->ruri_raw, "sip:vivekg@chair-dnrc.example.com;unknownparam");
	assert_int_equal(m->ruri.scheme, SP_URI_SIP);
	S_EQ(m->ruri.user, "vivekg");
	S_EQ(m->ruri.hp.host, "chair-dnrc.example.com");
	S_EQ(m->ruri.params, ";unknownparam");
	S_EQ(m->version, "SIP/2.0");

	/* 'TO :' folded, addr-spec form, LWS around ';' and '='. */
	assert_true(m->has_to);
	assert_int_equal(m->to.display.len, 0);
	assert_false(m->to.angle);
	S_EQ(m->to.uri.user, "vivekg");
	S_EQ(m->to.uri.hp.host, "chair-dnrc.example.com");
	S_EQ(m->to.tag, "1918181833n");
	assert_string_equal(sp_hdr_info(sp_msg_hdr(m, SP_HDR_TO)->id)->name, "To");
	S_EQ(sp_msg_hdr(m, SP_HDR_TO)->name, "TO");

	/* Display name with escaped backslash and quote, kept as written. */
	assert_true(m->has_from);
	S_EQ(m->from.display, "\"J Rosenberg \\\\\\\"\"");
	assert_true(m->from.angle);
	S_EQ(m->from.uri_raw, "sip:jdrosen@example.com");
	S_EQ(m->from.tag, "98asjd8");

	/* Leading zeros: 0068 and 0009. */
	assert_int_equal(m->max_forwards, 68);
	assert_true(m->has_cseq);
	assert_int_equal(m->cseq.seq, 9);
	S_EQ(m->cseq.method, "INVITE");
	assert_int_equal(m->cseq.method_id, SP_METHOD_INVITE);
	assert_true(m->has_call_id);
	S_EQ(m->call_id, "wsinv.ndaksdj@192.0.2.1");
	assert_int_equal(m->content_length, 150);
	assert_int_equal(m->body.len, 150);
	assert_memory_equal(m->body.p, "v=0\r\n", 5);

	/* 3 Via values: one header with one value (spread over 3 lines by
	 * folding, LWS around '/'), one compact header with two. */
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_VIA), 3);
	assert_true(m->has_via);
	S_EQ(m->via1.proto_name, "SIP");
	S_EQ(m->via1.proto_version, "2.0");
	S_EQ(m->via1.transport_raw, "UDP");
	assert_int_equal(m->via1.transport, SP_TP_UDP);
	S_EQ(m->via1.sent_by.host, "192.0.2.2");
	assert_int_equal(m->via1.sent_by.kind, SP_HOST_IPV4);
	assert_false(m->via1.sent_by.has_port);
	S_EQ(m->via1.branch, "390skdjuw");
	struct sp_via v2 = VIA(m, 1), v3 = VIA(m, 2);
	assert_int_equal(v2.transport, SP_TP_TCP);
	S_EQ(v2.sent_by.host, "spindle.example.com");
	S_EQ(v2.branch, "z9hG4bK9ikj8");
	assert_int_equal(v3.transport, SP_TP_UDP);
	S_EQ(v3.sent_by.host, "192.168.255.111");
	S_EQ(v3.branch, "z9hG4bK30239");
	const struct sp_hdr *h2 = tu_hdr_n(m, SP_HDR_VIA, 1);
	S_EQ(h2->name, "v");
	assert_int_equal(m->lines[h2->line].count, 2);
	assert_int_equal(tu_hdr_n(m, SP_HDR_VIA, 2)->line, h2->line);

	/* 's :' — Subject present with an empty value. */
	const struct sp_hdr *subj = sp_msg_hdr(m, SP_HDR_SUBJECT);
	assert_non_null(subj);
	S_EQ(subj->name, "s");
	assert_int_equal(subj->value.len, 0);

	/* Unknown headers: kept verbatim, folds inside, never split. */
	const struct sp_hdr *nf = sp_msg_hdr_by_name(m, SP_STR("newfangledheader"));
	assert_non_null(nf);
	assert_int_equal(nf->id, SP_HDR_OTHER);
	S_EQ(nf->value, "newfangled value\r\n continued newfangled value");
	const struct sp_hdr *uu = sp_msg_hdr_by_name(m, SP_STR("UnknownHeaderWithUnusualValue"));
	assert_non_null(uu);
	assert_int_equal(uu->id, SP_HDR_OTHER);
	S_EQ(uu->value, ";;,,;;,;");
	assert_int_equal(m->lines[uu->line].count, 1);
	S_EQ(m->lines[uu->line].raw, "UnknownHeaderWithUnusualValue: ;;,,;;,;");
	assert_null(sp_msg_hdr_next(m, uu));

	union sp_hdr_parsed ct = tu_hdr_decode(m, SP_HDR_CONTENT_TYPE, 0, __FILE__, __LINE__);
	S_EQ(ct.media.type, "application");
	S_EQ(ct.media.subtype, "sdp");

	/* 'Route:' with its value on the continuation line. */
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_ROUTE), 1);
	struct sp_nameaddr route = NA(m, SP_HDR_ROUTE, 0);
	S_EQ(route.uri.hp.host, "services.example.com");
	assert_true(route.uri.lr);
	S_EQ(route.uri.params, ";lr;unknownwith=value;unknown-no-value");

	/* 'm:' Contact: quoted display with escaped quotes, params with LWS. */
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_CONTACT), 1);
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	S_EQ(c.display, "\"Quoted string \\\"\\\"\"");
	S_EQ(c.uri.user, "jdrosen");
	struct sp_str pv;
	assert_true(sp_param_find(c.params, "newparam", &pv));
	S_EQ(pv, "newvalue");
	assert_true(sp_param_find(c.params, "secondparam", &pv));
	S_ABSENT(pv);
	assert_int_equal(sp_contact_q(&c), 330);

	assert_int_equal(m->nlines, 14);
	assert_int_equal(m->nhdrs, 15);
}

/* §3.1.1.2 Wide range of valid characters. */
static void check_intmeth(const struct sp_msg *m)
{
	S_EQ(m->method, "!interesting-Method0123456789_*+`.%indeed'~");
	assert_int_equal(m->method_id, SP_METHOD_OTHER);
	assert_int_equal(m->ruri.scheme, SP_URI_SIP);
	S_EQ(m->ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	S_EQ(m->ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	S_EQ(m->ruri.hp.host, "example.com");
	assert_int_equal(m->ruri.params.len, 0);
	assert_int_equal(m->ruri.headers.len, 0);

	/* '%' in a branch is not an escape. */
	assert_int_equal(m->via1.transport, SP_TP_TCP);
	S_EQ(m->via1.sent_by.host, "host1.example.com");
	S_EQ(m->via1.branch, "z9hG4bK-.!%66*_+`'~");

	/* Quoted-pairs of raw BEL, NUL and DEL: the NUL must not cut the
	 * display name short. */
	static const char disp[] = "\"BEL:\\\x07 NUL:\\\000 DEL:\\\x7f\"";
	S_EQ(m->to.display, disp);
	assert_int_equal(m->to.display.len, 22);
	assert_ptr_equal(memchr(m->to.display.p, '\0', m->to.display.len), m->to.display.p + 13);
	S_EQ(m->to.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	S_ABSENT(m->to.uri.password);
	S_EQ(m->to.uri.hp.host, "example.com");
	S_ABSENT(m->to.tag);

	/* Unquoted multi-token display name; param with a UTF-8 quoted value. */
	S_EQ(m->from.display, "token1~` token2'+_ token3*%!.-");
	S_EQ(m->from.uri_raw, "sip:mundane@example.com");
	S_EQ(m->from.tag, "_token~1'+`*%!-.");
	struct sp_str pv;
	assert_true(sp_param_find(m->from.params, "fromParam''~+*_!.-%", &pv));
	S_EQ(
	    pv,
	    "\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\"");

	S_EQ(m->call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
	assert_int_equal(m->cseq.seq, 139122385);
	S_EQ(m->cseq.method, "!interesting-Method0123456789_*+`.%indeed'~");
	assert_int_equal(m->cseq.method_id, SP_METHOD_OTHER);
	assert_int_equal(m->max_forwards, 255);

	const struct sp_hdr *x = sp_msg_hdr_by_name(m, SP_STR("extensionHeader-!.%*+_`'~"));
	assert_non_null(x);
	assert_int_equal(x->id, SP_HDR_OTHER);
	S_EQ(x->value, "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb");
	assert_int_equal(m->content_length, 0);
	assert_int_equal(m->body.len, 0);
}

/* §3.1.1.3 Valid use of the % escaping mechanism. */
static void check_esc01(const struct sp_msg *m)
{
	S_EQ(m->ruri.user, "sips%3Auser%40example.com");
	S_EQ(m->ruri.hp.host, "example.net");
	UNESC_EQ(m->ruri.user, "sips:user@example.com");

	/* To user '%75se%72' equals 'user' once unescaped. */
	S_EQ(m->to.uri.user, "%75se%72");
	assert_true(sp_uri_unescaped_eq(m->to.uri.user, SP_STR("user")));
	struct sp_uri plain;
	struct sp_parse_error err;
	assert_int_equal(sp_uri_parse(&plain, SP_STR("sip:user@example.com"), 0, &err), 0);
	assert_true(sp_uri_equal(&m->to.uri, &plain));

	S_EQ(m->from.uri.user, "I%20have%20spaces");
	UNESC_EQ(m->from.uri.user, "I have spaces");
	S_EQ(m->from.tag, "938");
	S_EQ(m->call_id, "esc01.239409asdfakjkn23onasd0-3234");
	S_EQ(sp_msg_hdr(m, SP_HDR_CALL_ID)->name, "i");
	S_EQ(sp_msg_hdr(m, SP_HDR_CONTENT_TYPE)->name, "C");

	/* Escaped parameter name and value; unescaping happens once only:
	 * v%61lue%25%34%31 is "value%41", not "valueA". */
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	S_EQ(c.uri.user, "cal%6Cer");
	assert_true(sp_uri_unescaped_eq(c.uri.user, SP_STR("caller")));
	S_EQ(c.uri.params, ";%6C%72;n%61me=v%61lue%25%34%31");
	struct sp_param prm;
	struct sp_str rest = c.uri.params;
	assert_true(sp_param_next(&rest, &prm));
	UNESC_EQ(prm.name, "lr");
	assert_true(sp_param_next(&rest, &prm));
	UNESC_EQ(prm.name, "name");
	UNESC_EQ(prm.value, "value%41");
	assert_false(sp_param_next(&rest, &prm));
	/* RFC 3261 §19.1.4: equal to the same URI written with other escapes. */
	struct sp_uri other;
	assert_int_equal(sp_uri_parse(&other,
				      SP_STR("sip:caller@host5.example.net;lr;name=value%2541"), 0,
				      &err),
			 0);
	assert_true(sp_uri_equal(&c.uri, &other));
	assert_int_equal(m->body.len, 150);
}

/* §3.1.1.4 Escaped nulls in URIs. */
static void check_escnull(const struct sp_msg *m)
{
	S_EQ(m->method, "REGISTER");
	S_EQ(m->to.uri.user, "null-%00-null");
	UNESC_EQ(m->to.uri.user, "null-\000-null");
	S_EQ(m->from.uri.user, "null-%00-null");
	UNESC_EQ(m->from.uri.user, "null-\000-null");
	S_EQ(m->from.tag, "839923423");

	/* Two Contacts that differ only after the NUL: two bindings. */
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_CONTACT), 2);
	struct sp_nameaddr c1 = NA(m, SP_HDR_CONTACT, 0), c2 = NA(m, SP_HDR_CONTACT, 1);
	S_EQ(c1.uri.user, "%00");
	S_EQ(c2.uri.user, "%00%00");
	UNESC_EQ(c1.uri.user, "\000");
	UNESC_EQ(c2.uri.user, "\000\000");
	assert_false(sp_uri_unescaped_eq(c1.uri.user, c2.uri.user));
	assert_false(sp_uri_equal(&c1.uri, &c2.uri));
	assert_true(sp_uri_equal(&c1.uri, &c1.uri));

	/* 'L:0' — compact form, no space. */
	S_EQ(sp_msg_hdr(m, SP_HDR_CONTENT_LENGTH)->name, "L");
	assert_int_equal(m->content_length, 0);
	assert_int_equal(m->body.len, 0);
}

/* §3.1.1.5 Use of % when it is not an escape. */
static void check_esc02(const struct sp_msg *m)
{
	S_EQ(m->method, "RE%47IST%45R");
	assert_int_equal(m->method_id, SP_METHOD_OTHER);
	S_EQ(m->cseq.method, "RE%47IST%45R");
	assert_int_equal(m->cseq.method_id, SP_METHOD_OTHER);
	S_EQ(m->to.display, "\"%Z%45\"");
	S_EQ(m->from.display, "\"%Z%45\"");
	S_EQ(m->from.tag, "f232jadfj23");
	S_EQ(m->via1.branch, "z9hG4bK209%fzsnel234");

	/* 'C%6Fntact' is an extension header, not a third Contact. */
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_CONTACT), 2);
	S_EQ(NA(m, SP_HDR_CONTACT, 0).uri.hp.host, "host1.example.com");
	S_EQ(NA(m, SP_HDR_CONTACT, 1).uri.hp.host, "host3.example.com");
	assert_int_equal(sp_hdr_lookup(SP_STR("C%6Fntact")), SP_HDR_OTHER);
	const struct sp_hdr *x = sp_msg_hdr_by_name(m, SP_STR("C%6Fntact"));
	assert_non_null(x);
	assert_int_equal(x->id, SP_HDR_OTHER);
	S_EQ(x->value, "<sip:alias2@host2.example.com>");
}

/* §3.1.1.6 Message with no LWS between display name and <. CHOICE: the
 * RFC 3261 grammar needs LWS there; RFC 4475 calls that a spec bug and
 * siphon accepts it as the RFC asks. */
static void check_lwsdisp(const struct sp_msg *m)
{
	S_EQ(m->from.display, "caller");
	assert_true(m->from.angle);
	S_EQ(m->from.uri_raw, "sip:caller@example.com");
	S_EQ(m->from.tag, "323");
	S_EQ(m->method, "OPTIONS");
}

/* §3.1.1.7 Long values in header fields. */
static void check_longreq(const struct sp_msg *m)
{
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_VIA), 34);
	S_EQ(m->via1.sent_by.host, "sip33.example.com");
	assert_int_equal(m->via1.transport, SP_TP_TCP);
	S_ABSENT(m->via1.branch);
	/* Mixed-case and compact names with LWS before the colon. */
	S_EQ(tu_hdr_n(m, SP_HDR_VIA, 1)->name, "v");
	S_EQ(tu_hdr_n(m, SP_HDR_VIA, 4)->name, "ViA");
	S_EQ(tu_hdr_n(m, SP_HDR_VIA, 13)->name, "V");
	S_EQ(tu_hdr_n(m, SP_HDR_VIA, 16)->name, "Via");
	for (unsigned i = 0; i < 33; i++) {
		char host[32];
		snprintf(host, sizeof(host), "sip%u.example.com", 33 - i);
		S_EQC(VIA(m, i).sent_by.host, host);
	}
	struct sp_via last = VIA(m, 33);
	S_EQ(last.sent_by.host, "host.example.com");
	S_EQ(last.received, "192.0.2.5");
	S_EQC(last.branch, rep("very", "long", 50, "branchvalue"));
	assert_int_equal(last.branch.len, 215);

	S_EQC(m->to.display, rep("\"I have a user name of ", "extreme", 10, " proportion\""));
	assert_true(m->to.angle);
	S_EQ(m->to.uri.hp.host, "example.com");
	assert_true(m->to.uri.hp.has_port);
	assert_int_equal(m->to.uri.hp.port, 6000);
	assert_int_equal(m->to.uri.params.len, 354);
	struct sp_str pv;
	assert_true(sp_param_find(m->to.uri.params, rep("longparam", "name", 25, ""), &pv));
	S_EQ(pv, "shortvalue");
	assert_true(sp_param_find(m->to.uri.params,
				  rep("very", "long", 25, "ParameterNameWithNoValue"), &pv));
	S_ABSENT(pv);

	S_EQ(sp_msg_hdr(m, SP_HDR_FROM)->name, "F");
	S_EQC(m->from.uri.user, rep("", "amazinglylongcallername", 5, ""));
	S_EQC(m->from.tag, rep("12", "982", 50, "424"));
	assert_true(sp_param_find(m->from.params, rep("unknownheaderparam", "name", 20, ""), &pv));
	S_EQC(pv, rep("unknowheaderparam", "value", 15, ""));

	S_EQC(m->call_id, rep("longreq.one", "really", 20, "longcallid"));
	assert_int_equal(m->cseq.seq, 3882340);
	const struct sp_hdr *u =
	    sp_msg_hdr_by_name(m, sp_str_c(rep("Unknown-", "Long", 20, "-Name")));
	assert_non_null(u);
	assert_int_equal(u->value.len, 306);
	assert_int_equal(m->max_forwards, 70);
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_CONTACT), 1);
	S_EQC(NA(m, SP_HDR_CONTACT, 0).uri.user, rep("", "amazinglylongcallername", 5, ""));
	S_EQ(sp_msg_hdr(m, SP_HDR_CONTENT_LENGTH)->name, "l");
	assert_int_equal(m->content_length, 150);
	assert_int_equal(m->body.len, 150);
}

/* §3.1.1.8 Extra trailing octets in a UDP datagram. */
static void check_dblreq(const struct sp_msg *m)
{
	S_EQ(m->method, "REGISTER");
	long hdr_end = tu_find(m->buf, m->len, "\r\n\r\n");
	assert_true(hdr_end > 0);
	assert_int_equal(m->consumed, (size_t)hdr_end + 4);
	assert_int_equal(m->content_length, 0);
	assert_int_equal(m->body.len, 0);
	assert_ptr_equal(m->body.p, m->buf + hdr_end + 4);
	assert_true(m->len > m->consumed);
	assert_int_equal(tu_find(m->buf, m->consumed, "INVITE"), -1);
	assert_true(tu_find(m->buf + m->consumed, m->len - m->consumed, "INVITE") >= 0);
	assert_int_equal(m->max_forwards, 8);
	assert_int_equal(m->cseq.seq, 8);
	assert_int_equal(m->cseq.method_id, SP_METHOD_REGISTER);
	S_EQ(sp_msg_hdr(m, SP_HDR_CALL_ID)->name, "I");
	S_EQ(m->call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	assert_false(c.angle);
	S_EQ(c.uri.hp.host, "host.example.com");
	assert_int_equal(m->nlines, 8);
}

/* §3.1.1.9 Semicolon-separated parameters in URI user part. */
static void check_semiuri(const struct sp_msg *m)
{
	S_EQ(m->ruri.user, "user;par=u%40example.net");
	UNESC_EQ(m->ruri.user, "user;par=u@example.net");
	S_EQ(m->ruri.hp.host, "example.com");
	assert_int_equal(m->ruri.params.len, 0);
	S_ABSENT(m->ruri.password);
	/* Folded Accept list: 6 values. */
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_ACCEPT), 6);
	S_EQ(tu_hdr_n(m, SP_HDR_ACCEPT, 2)->value, "multipart/mixed");
	union sp_hdr_parsed a = tu_hdr_decode(m, SP_HDR_ACCEPT, 5, __FILE__, __LINE__);
	S_EQ(a.media.type, "message");
	S_EQ(a.media.subtype, "sipfrag");
}

/* §3.1.1.10 Varied and unknown transport types. */
static void check_transports(const struct sp_msg *m)
{
	static const enum sp_transport tp[] = {SP_TP_UDP, SP_TP_SCTP, SP_TP_TLS, SP_TP_OTHER,
					       SP_TP_TCP};
	static const char *const raw[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_VIA), 5);
	for (unsigned i = 0; i < 5; i++) {
		struct sp_via v = VIA(m, i);
		char host[32];
		snprintf(host, sizeof(host), "t%u.example.com", i + 1);
		assert_int_equal(v.transport, tp[i]);
		S_EQC(v.transport_raw, raw[i]);
		S_EQC(v.sent_by.host, host);
	}
	S_EQ(m->call_id, "transports.kijh4akdnaqjkwendsasfdj");
}

/* §3.1.1.11 Multipart MIME message. */
static void check_mpart01(const struct sp_msg *m)
{
	S_EQ(m->method, "MESSAGE");
	assert_int_equal(m->method_id, SP_METHOD_MESSAGE);
	assert_int_equal(m->content_length, 553);
	assert_int_equal(m->body.len, 553);
	unsigned nuls = 0;
	for (size_t i = 0; i < m->body.len; i++)
		nuls += m->body.p[i] == '\0';
	assert_int_equal(nuls, 2);
	assert_memory_equal(m->body.p + 553 - 22, "--7a9cbec02ceef655--\r\n", 22);
	union sp_hdr_parsed ct = tu_hdr_decode(m, SP_HDR_CONTENT_TYPE, 0, __FILE__, __LINE__);
	S_EQ(ct.media.type, "multipart");
	S_EQ(ct.media.subtype, "mixed");
	struct sp_str pv;
	assert_true(sp_param_find(ct.media.params, "boundary", &pv));
	S_EQ(pv, "7a9cbec02ceef655");
	S_EQ(m->via1.sent_by.host, "127.0.0.1");
	assert_int_equal(m->via1.sent_by.port, 5070);
	assert_true(m->via1.has_rport);
	assert_int_equal(m->via1.rport, 0);
	S_EQ(m->via1.branch, "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-");
	assert_non_null(sp_msg_hdr(m, SP_HDR_IDENTITY));
	assert_int_equal(sp_msg_hdr(m, SP_HDR_IDENTITY)->value.len, 172);
	union sp_hdr_parsed d = tu_hdr_decode(m, SP_HDR_DATE, 0, __FILE__, __LINE__);
	assert_int_equal(d.date.epoch, 1129351496); /* 2005-10-15T04:44:56Z */
}

/* §3.1.1.12 Unusual reason phrase (UTF-8). */
static void check_unreason(const struct sp_msg *m)
{
	assert_false(m->request);
	assert_int_equal(m->status, 200);
	S_EQ(m->reason, "= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe "
			"\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe "
			"\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - "
			"\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5");
	S_EQ(m->version, "SIP/2.0");
	assert_int_equal(m->cseq.method_id, SP_METHOD_INVITE);
	assert_int_equal(m->content_length, 154);
	assert_int_equal(m->body.len, 154);
	S_EQ(m->to.tag, "2229");
}

/* §3.1.1.13 Empty reason phrase. */
static void check_noreason(const struct sp_msg *m)
{
	assert_false(m->request);
	assert_int_equal(m->status, 100);
	assert_int_equal(m->reason.len, 0);
	S_EQ(m->start_line, "SIP/2.0 100 ");
	assert_int_equal(m->cseq.seq, 35);
}

/* §3.3.12 REGISTER with a contact parameter. */
static void check_cparam01(const struct sp_msg *m)
{
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	assert_false(c.angle);
	S_EQ(c.uri_raw, "sip:+19725552222@gw1.example.net");
	S_EQ(c.uri.user, "+19725552222");
	assert_int_equal(c.uri.params.len, 0);
	S_EQ(c.params, ";unknownparam");
	struct sp_str pv;
	assert_true(sp_param_find(c.params, "unknownparam", &pv));
	S_ABSENT(pv);
}

/* §3.3.13 REGISTER with a URL parameter. */
static void check_cparam02(const struct sp_msg *m)
{
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	assert_true(c.angle);
	S_EQ(c.uri_raw, "sip:+19725552222@gw1.example.net;unknownparam");
	S_EQ(c.uri.params, ";unknownparam");
	assert_int_equal(c.params.len, 0);
	struct sp_str pv;
	assert_true(sp_param_find(c.uri.params, "unknownparam", &pv));
	S_ABSENT(pv);
	assert_false(sp_param_find(c.params, "unknownparam", &pv));
}

/* §3.3.14 REGISTER with a URL escaped header. */
static void check_regescrt(const struct sp_msg *m)
{
	const struct sp_hdr *h = sp_msg_hdr(m, SP_HDR_CONTACT);
	assert_non_null(h);
	S_EQ(h->name, "M");
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	assert_true(c.angle);
	S_EQ(c.uri.user, "user");
	S_EQ(c.uri.hp.host, "example.com");
	S_EQ(c.uri.headers, "Route=%3Csip:sip.example.com%3E");
	assert_int_equal(c.uri.params.len, 0);
	assert_int_equal(m->content_length, 0);
}

/* §3.4.1 INVITE with RFC 2543 syntax. */
static void check_inv2543(const struct sp_msg *m)
{
	assert_int_equal(m->content_length, -1);
	assert_int_equal(m->body.len, 105);
	assert_ptr_equal(m->body.p + m->body.len, m->buf + m->len);
	assert_int_equal(m->consumed, m->len);
	assert_memory_equal(m->body.p, "v=0\r\n", 5);
	assert_true(m->has_via);
	S_ABSENT(m->via1.branch);
	S_EQ(m->via1.sent_by.host, "iftgw.example.com");
	assert_int_equal(m->max_forwards, -1);
	S_ABSENT(m->from.tag);
	S_ABSENT(m->to.tag);
	/* To is in addr-spec form, so ';user=phone' is a header parameter
	 * (RFC 3261 §20.10); in From it is inside <> and belongs to the URI. */
	struct sp_str pv;
	S_ABSENT(m->to.uri.user_param);
	assert_int_equal(m->to.uri.params.len, 0);
	assert_true(sp_param_find(m->to.params, "user", &pv));
	S_EQ(pv, "phone");
	S_EQ(m->from.uri.user_param, "phone");
	S_EQ(m->from.uri.user, "+13035551111");
	struct sp_nameaddr rr = NA(m, SP_HDR_RECORD_ROUTE, 0);
	S_EQ(rr.uri.maddr, "ss1.example.com");
	S_EQ(rr.uri.user, "UserB");
}

/* ---- RFC 4475 §3.2, §3.3: parse fine, the application rejects ---------- */

static void check_badbranch(const struct sp_msg *m)
{
	S_EQ(m->via1.branch, "z9hG4bK");
}

static void check_insuf(const struct sp_msg *m)
{
	/* Missing Call-ID, From, To, Max-Forwards: absence is recorded; the
	 * 400 is the transaction layer's business (sp_msg_check). */
	assert_false(m->has_call_id);
	assert_false(m->has_from);
	assert_false(m->has_to);
	assert_int_equal(m->max_forwards, -1);
	assert_null(sp_msg_hdr(m, SP_HDR_CALL_ID));
	assert_true(m->has_cseq);
	assert_int_equal(m->content_length, 152);
	assert_int_equal(m->body.len, 152);
}

static void check_unkscm(const struct sp_msg *m)
{
	assert_int_equal(m->ruri.scheme, SP_URI_OTHER);
	S_EQ(m->ruri.scheme_raw, "nobodyKnowsThisScheme");
	S_EQ(m->ruri.opaque, "totallyopaquecontent");
}

static void check_novelsc(const struct sp_msg *m)
{
	assert_int_equal(m->ruri.scheme, SP_URI_OTHER);
	S_EQ(m->ruri.scheme_raw, "soap.beep");
	S_EQ(m->ruri.opaque, "//192.0.2.103:3002");
}

static void check_unksm2(const struct sp_msg *m)
{
	assert_int_equal(m->to.uri.scheme, SP_URI_OTHER);
	S_EQ(m->to.uri.scheme_raw, "isbn");
	assert_int_equal(m->from.uri.scheme, SP_URI_OTHER);
	S_EQ(m->from.uri_raw, "http://www.example.com");
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	assert_int_equal(c.uri.scheme, SP_URI_OTHER);
	S_EQ(c.uri.scheme_raw, "name");
	S_EQ(c.uri.opaque, "John_Smith");
}

static void check_bext01(const struct sp_msg *m)
{
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_REQUIRE), 2);
	S_EQ(tu_hdr_n(m, SP_HDR_REQUIRE, 0)->value, "nothingSupportsThis");
	S_EQ(tu_hdr_n(m, SP_HDR_REQUIRE, 1)->value, "nothingSupportsThisEither");
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_PROXY_REQUIRE), 2);
	S_EQ(tu_hdr_n(m, SP_HDR_PROXY_REQUIRE, 1)->value, "norDoAnyProxiesSupportThis");
}

static void check_invut(const struct sp_msg *m)
{
	union sp_hdr_parsed ct = tu_hdr_decode(m, SP_HDR_CONTENT_TYPE, 0, __FILE__, __LINE__);
	S_EQ(ct.media.type, "application");
	S_EQ(ct.media.subtype, "unknownformat");
	assert_int_equal(m->body.len, 40);
}

static void check_regaut01(const struct sp_msg *m)
{
	union sp_hdr_parsed a = tu_hdr_decode(m, SP_HDR_AUTHORIZATION, 0, __FILE__, __LINE__);
	S_EQ(a.auth.scheme, "NoOneKnowsThisScheme");
	assert_false(a.auth.digest);
	S_EQ(a.auth.params, "opaque-data=here");
	assert_int_equal(m->content_length, 0);
}

static void check_multi01(const struct sp_msg *m)
{
	/* Repeated single-valued headers: all kept, the first one decoded;
	 * the 400 is sp_msg_check's. */
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_CSEQ), 2);
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_CALL_ID), 2);
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_TO), 2);
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_FROM), 2);
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_MAX_FORWARDS), 2);
	assert_int_equal(m->cseq.seq, 5);
	S_EQ(m->call_id, "multi01.98asdh@192.0.2.1");
	assert_int_equal(m->max_forwards, 70);
	S_EQ(m->to.uri.user, "user");
	S_EQ(m->from.tag, "3413415");
}

static void check_bcast(const struct sp_msg *m)
{
	assert_int_equal(m->status, 200);
	struct sp_via v = VIA(m, 1);
	S_EQ(v.sent_by.host, "255.255.255.255");
	assert_int_equal(v.sent_by.kind, SP_HOST_IPV4);
}

static void check_zeromf(const struct sp_msg *m)
{
	assert_int_equal(m->max_forwards, 0);
}

static void check_sdp01(const struct sp_msg *m)
{
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_ACCEPT), 1);
	union sp_hdr_parsed a = tu_hdr_decode(m, SP_HDR_ACCEPT, 0, __FILE__, __LINE__);
	S_EQ(a.media.type, "text");
	S_EQ(a.media.subtype, "nobodyKnowsThis");
	assert_int_equal(m->body.len, 150);
}

/* ---- the table ------------------------------------------------------------ */

enum cat { VALID, INVALID, APP_REJECT };

struct vec {
	const char *name;
	enum cat cat;
	void (*check)(const struct sp_msg *m); /* VALID, APP_REJECT */
	uint16_t status;		       /* INVALID: expected msg->error.status */
	/* INVALID: the error offset lies on the line that starts with this
	 * text (NULL: anywhere in the message, or one past its end). */
	const char *err_line;
	bool err_end_ok; /* INVALID: offset == len is also acceptable */
};

static const struct vec vecs[] = {
    /* §3.1.1 valid */
    {"wsinv", VALID, check_wsinv, 0, NULL, false},
    {"intmeth", VALID, check_intmeth, 0, NULL, false},
    {"esc01", VALID, check_esc01, 0, NULL, false},
    {"escnull", VALID, check_escnull, 0, NULL, false},
    {"esc02", VALID, check_esc02, 0, NULL, false},
    {"lwsdisp", VALID, check_lwsdisp, 0, NULL, false},
    {"longreq", VALID, check_longreq, 0, NULL, false},
    {"dblreq", VALID, check_dblreq, 0, NULL, false},
    {"semiuri", VALID, check_semiuri, 0, NULL, false},
    {"transports", VALID, check_transports, 0, NULL, false},
    {"mpart01", VALID, check_mpart01, 0, NULL, false},
    {"unreason", VALID, check_unreason, 0, NULL, false},
    {"noreason", VALID, check_noreason, 0, NULL, false},
    /* §3.3.12-14, §3.4.1 valid */
    {"cparam01", VALID, check_cparam01, 0, NULL, false},
    {"cparam02", VALID, check_cparam02, 0, NULL, false},
    {"regescrt", VALID, check_regescrt, 0, NULL, false},
    /* CHOICE: RFC 2543 compatibility is accepted (no branch, no tag, no
     * Content-Length over a datagram, no Max-Forwards). */
    {"inv2543", VALID, check_inv2543, 0, NULL, false},

    /* §3.1.2 invalid */
    {"badinv01", INVALID, NULL, 400, "Via: SIP/2.0/UDP 192.0.2.15;;", false},
    /* Datagram: Content-Length larger than what arrived. */
    {"clerr", INVALID, NULL, 400, NULL, true},
    {"ncl", INVALID, NULL, 400, "Content-Length: -999", false},
    /* The CSeq (first of the three oversized numbers in the message) is
     * the fatal one. */
    {"scalar02", INVALID, NULL, 400, "CSeq: 36893488147419103232", false},
    {"scalarlg", INVALID, NULL, 400, "CSeq: 9292394834772304023312", false},
    /* CHOICE: strict — no closing quote is inferred. */
    {"quotbal", INVALID, NULL, 400, "To: \"Mr. J. User", false},
    /* CHOICE: strict — <> around the Request-URI are not ignored. */
    {"ltgtruri", INVALID, NULL, 400, "INVITE <sip:", false},
    /* CHOICE: strict — no LWS inside the Request-URI. */
    {"lwsruri", INVALID, NULL, 400, "INVITE sip:user@example.com; lr", false},
    /* CHOICE: strict — exactly one SP between Request-Line elements. */
    {"lwsstart", INVALID, NULL, 400, "INVITE  sip:", false},
    /* CHOICE: strict — no trailing SP after SIP-Version. */
    {"trws", INVALID, NULL, 400, "OPTIONS sip:remote-target@", false},
    /* CHOICE: strict — ?headers in a Request-URI are rejected, not dropped. */
    {"escruri", INVALID, NULL, 400, "INVITE sip:user@example.com?Route=", false},
    /* CHOICE: strict — sp_msg_validate decodes Date and rejects a zone
     * other than GMT (an application that ignores Date may skip
     * validation of that header; the parse itself succeeds). */
    {"baddate", INVALID, NULL, 400, "Date: Fri, 01 Jan 2010 16:00:00 EST", false},
    /* CHOICE: strict — no brackets are inferred around a URI with
     * headers in an addr-spec Contact. */
    {"regbadct", INVALID, NULL, 400, "Contact: sip:user@example.com?Route=", false},
    /* CHOICE: strict — no LWS inside <>. */
    {"badaspec", INVALID, NULL, 400, "To: \"Watson, Thomas\" < sip:", false},
    /* CHOICE: strict — no quotes are inferred around a display name with
     * ','. Over a datagram this file also lacks the empty line ending
     * its headers, which is reached only if From got through. */
    {"baddn", INVALID, NULL, 400, "From:    Bell, Alexander", true},
    {"badvers", INVALID, NULL, 505, "OPTIONS sip:t.watson@example.org SIP/7.0", false},
    {"mismatch01", INVALID, NULL, 400, "CSeq: 8 INVITE", false},
    /* RFC 4475 §3.1.2.18: 501 preferred for an unknown method. */
    {"mismatch02", INVALID, NULL, 501, "CSeq: 8 INVITE", false},
    {"bigcode", INVALID, NULL, 400, "SIP/2.0 4294967301", false},
    /* §3.3.9, framing: two Content-Length values. */
    {"mcl01", INVALID, NULL, 400, "Content-Length: 5", false},
    /* Archive extra: no SIP-Version on the Request-Line. */
    {"test", INVALID, NULL, 400, "INVITE sip:alan@jasomi.com", false},

    /* §3.2, §3.3: well-formed, rejected above the parser */
    {"badbranch", APP_REJECT, check_badbranch, 0, NULL, false},
    {"insuf", APP_REJECT, check_insuf, 0, NULL, false},
    {"unkscm", APP_REJECT, check_unkscm, 0, NULL, false},
    {"novelsc", APP_REJECT, check_novelsc, 0, NULL, false},
    {"unksm2", APP_REJECT, check_unksm2, 0, NULL, false},
    {"bext01", APP_REJECT, check_bext01, 0, NULL, false},
    {"invut", APP_REJECT, check_invut, 0, NULL, false},
    {"regaut01", APP_REJECT, check_regaut01, 0, NULL, false},
    {"multi01", APP_REJECT, check_multi01, 0, NULL, false},
    {"bcast", APP_REJECT, check_bcast, 0, NULL, false},
    {"zeromf", APP_REJECT, check_zeromf, 0, NULL, false},
    {"sdp01", APP_REJECT, check_sdp01, 0, NULL, false},
};

/* ---- the manifest --------------------------------------------------------- */

#define MAX_ROWS 64

struct row {
	const char *name, *category, *file, *sha256; /* cells of the manifest */
	size_t bytes;
};

static struct tu_tsv manifest;
static struct row rows[MAX_ROWS];
static unsigned nrows;
static bool manifest_ok;

static bool read_manifest(void)
{
	static const char *const cols[] = {"name",  "section", "category", "note",
					   "title", "file",    "bytes",	   "sha256"};
	bool ok = tu_tsv_load(&manifest, "rfc4475/MANIFEST.tsv", cols, ARRAY_SIZE(cols));
	for (unsigned i = 0; i < manifest.nrow; i++) {
		if (nrows == MAX_ROWS)
			return false;
		struct row *r = &rows[nrows++];
		r->name = tu_tsv_get(&manifest, i, "name");
		r->category = tu_tsv_get(&manifest, i, "category");
		r->file = tu_tsv_get(&manifest, i, "file");
		r->bytes = strtoul(tu_tsv_get(&manifest, i, "bytes"), NULL, 10);
		r->sha256 = tu_tsv_get(&manifest, i, "sha256");
	}
	return ok;
}

static const struct vec *find_vec(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vecs); i++)
		if (strcmp(vecs[i].name, name) == 0)
			return &vecs[i];
	return NULL;
}

static const char *cat_name(enum cat c)
{
	return c == VALID     ? "valid"
	       : c == INVALID ? "invalid"
			      : "valid-but-should-be-rejected-by-application";
}

/* Start of the line holding byte off (after the previous LF). */
static size_t line_start(const char *buf, size_t off)
{
	while (off > 0 && buf[off - 1] != '\n')
		off--;
	return off;
}

static void run_row(void **state)
{
	const struct row *r = *state;
	const struct vec *v = find_vec(r->name);
	if (!v)
		fail_msg("MANIFEST row '%s' is unknown to the test table", r->name);
	assert_string_equal(r->category, cat_name(v->cat));

	size_t len;
	char *buf = tu_load_verified(r->file, &len, r->bytes, r->sha256);

	struct sp_msg msg;
	int rc = sp_msg_parse(&msg, buf, len);
	if (v->cat != INVALID) {
		if (rc == 0)
			rc = sp_msg_validate(&msg);
		if (rc != 0)
			print_error("%s rejected at offset %zu (%s), status %u\n", r->name,
				    msg.error.offset, msg.error.rule ? msg.error.rule : "?",
				    msg.error.status);
		assert_int_equal(rc, 0);
		v->check(&msg);
		tu_msg_roundtrip(&msg);
	} else {
		bool in_parse = rc != 0;
		if (rc == 0)
			rc = sp_msg_validate(&msg);
		if (rc == 0)
			print_error("%s accepted, should be rejected\n", r->name);
		assert_int_equal(rc, -EBADMSG);
		print_message("%-10s rejected by %s at offset %zu (%s), status %u\n", r->name,
			      in_parse ? "parse   " : "validate", msg.error.offset,
			      msg.error.rule ? msg.error.rule : "?", msg.error.status);
		assert_non_null(msg.error.rule);
		assert_int_equal(msg.error.status, v->status);
		assert_true(msg.error.offset <= len);
		if (v->err_line && msg.error.offset < len) {
			size_t ls = line_start(buf, msg.error.offset);
			size_t n = strlen(v->err_line);
			if (len - ls < n || memcmp(buf + ls, v->err_line, n) != 0) {
				print_error("%s: error at offset %zu is on the line \"%.40s\", "
					    "expected the line \"%s\"\n",
					    r->name, msg.error.offset, buf + ls, v->err_line);
				fail();
			}
		} else if (msg.error.offset == len) {
			assert_true(v->err_end_ok);
		}
	}
	sp_msg_free(&msg);
	free(buf);
}

static void manifest_covers_table(void **state)
{
	(void)state;
	assert_true(manifest_ok);
	assert_int_equal(nrows, 50);
	unsigned counts[3] = {0};
	for (unsigned i = 0; i < ARRAY_SIZE(vecs); i++) {
		bool found = false;
		for (unsigned k = 0; k < nrows; k++)
			found |= strcmp(rows[k].name, vecs[i].name) == 0;
		if (!found)
			fail_msg("table entry '%s' is not in MANIFEST.tsv", vecs[i].name);
		counts[vecs[i].cat]++;
	}
	assert_int_equal(ARRAY_SIZE(vecs), 50);
	/* README counts: 17 valid, 21 invalid, 12 application rejects. */
	assert_int_equal(counts[VALID], 17);
	assert_int_equal(counts[INVALID], 21);
	assert_int_equal(counts[APP_REJECT], 12);
}

/* baddn over a datagram, with the missing empty line supplied: the fault
 * is then the unquoted ',' in the display name, nothing else. */
static void baddn_with_terminator(void **state)
{
	(void)state;
	size_t len;
	char *buf = tu_load("rfc4475/baddn.dat", &len);
	assert_non_null(buf);
	char *full = malloc(len + 2);
	memcpy(full, buf, len);
	memcpy(full + len, "\r\n", 2);
	struct sp_msg msg;
	int rc = sp_msg_parse(&msg, full, len + 2);
	if (rc == 0)
		rc = sp_msg_validate(&msg);
	assert_int_equal(rc, -EBADMSG);
	assert_int_equal(msg.error.status, 400);
	size_t ls = line_start(full, msg.error.offset);
	assert_memory_equal(full + ls, "From:    Bell, Alexander", 24);
	sp_msg_free(&msg);
	free(full);
	free(buf);
}

/* The faults of badinv01 in an unknown header are legal (RFC 4475 §3.1.2.1
 * vs wsinv): the same junk under an extension name parses and validates. */
static void badinv01_junk_in_unknown_header(void **state)
{
	(void)state;
	static const char m[] = "OPTIONS sip:user@example.com SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKx\r\n"
				"To: sip:j.user@example.com\r\n"
				"From: sip:caller@example.net;tag=1\r\n"
				"Call-ID: x\r\n"
				"CSeq: 8 OPTIONS\r\n"
				"X-Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"
				"X-Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n"
				"Content-Length: 0\r\n\r\n";
	struct sp_msg msg;
	assert_int_equal(sp_msg_parse(&msg, m, sizeof(m) - 1), 0);
	assert_int_equal(sp_msg_validate(&msg), 0);
	S_EQ(sp_msg_hdr_by_name(&msg, SP_STR("x-via"))->value, "SIP/2.0/UDP 192.0.2.15;;,;,,");
	sp_msg_free(&msg);
}

int main(void)
{
	static struct CMUnitTest tests[MAX_ROWS + 4];
	size_t n = 0;

	manifest_ok = read_manifest();
	tests[n++] =
	    (struct CMUnitTest){"manifest_covers_table", manifest_covers_table, NULL, NULL, NULL};
	for (unsigned i = 0; i < nrows; i++)
		tests[n++] = (struct CMUnitTest){rows[i].name, run_row, NULL, NULL, &rows[i]};
	tests[n++] =
	    (struct CMUnitTest){"baddn_with_terminator", baddn_with_terminator, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"badinv01_junk_in_unknown_header",
					 badinv01_junk_in_unknown_header, NULL, NULL, NULL};
	int failed = _cmocka_run_group_tests("rfc4475", tests, n, NULL, NULL);
	tu_tsv_free(&manifest);
	return failed;
}
