/*
 * The UA core (src/ua, ua.h): the digest client against the RFC 7616
 * §3.9.1 example (MD5 and SHA-256), its nonce rules (a repeated nonce is
 * a wrong password, stale=true is retried, nc counts), and two UAs on one
 * loop over loopback UDP: a basic call (INVITE/180/200/ACK, BYE), busy
 * (486), an offer the callee cannot accept (488), CANCEL while ringing
 * (487), OPTIONS (200 with Allow), 405 and 501 (a BYE in no dialog, 481,
 * is in tests/integration/test_phone_sipp.sh), and CRLF keep-alives (RFC
 * 5626 §4.4.1) of a UA registered over TCP, counted by a minimal
 * registrar on an sp_net of the same loop. Loops run
 * until the expected state, bounded by an iteration count, never timed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/mem.h"
#include "siphon/net.h"
#include "siphon/response.h"
#include "siphon/ua.h"

#include "../../src/ua/ua_int.h"

/* ---- digest client ---- */

#define CHALLENGE(alg, extra)                                                                    \
	"SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"        \
	"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n"    \
	"WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "     \
	"algorithm=" alg ", nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "            \
	"opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"" extra "\r\nContent-Length: 0\r\n\r\n"

static void digest_case(const char *resp_text, const char *want)
{
	struct sp__ua_auth a = { 0 };
	struct sp_msg m;
	char out[1024];
	struct sp_wbuf b;

	assert_int_equal(sp_msg_parse(&m, resp_text, strlen(resp_text)), 0);
	assert_int_equal(sp__ua_auth_take(&a, &m), 0);
	sp_wbuf_init(&b, out, sizeof(out) - 1);
	assert_int_equal(sp__ua_auth_write(&a, &b, SP_STR("GET"), SP_STR("/dir/index.html"),
					   SP_STR("Mufasa"), SP_STR("Circle of Life"),
					   "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
			 0);
	out[b.len] = 0;
	if (!strstr(out, want))
		fprintf(stderr, "got %s", out);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "nc=00000001, qop=auth"));
	assert_non_null(strstr(out, "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
	assert_true(strncmp(out, "Authorization: Digest username=\"Mufasa\"", 39) == 0);

	/* The same nonce challenged again: wrong credentials (§22.2). */
	assert_int_equal(sp__ua_auth_take(&a, &m), -EACCES);
	sp_msg_free(&m);
}

static void test_digest_rfc7616(void **state)
{
	(void)state;
	/* RFC 7616 §3.9.1. */
	digest_case(CHALLENGE("MD5", ""), "response=\"8ca523f5e9506fed4657c9700eebdbec\"");
	digest_case(CHALLENGE("SHA-256", ""),
		    "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\"");
}

static void test_digest_stale_and_nc(void **state)
{
	const char *ch = CHALLENGE("SHA-256", ""), *st = CHALLENGE("SHA-256", ", stale=true");
	struct sp__ua_auth a = { 0 };
	struct sp_msg m, s;
	char out[1024];
	struct sp_wbuf b;
	(void)state;

	assert_int_equal(sp_msg_parse(&m, ch, strlen(ch)), 0);
	assert_int_equal(sp_msg_parse(&s, st, strlen(st)), 0);
	assert_int_equal(sp__ua_auth_take(&a, &m), 0);
	for (int i = 1; i <= 3; i++) {
		char want[32];
		sp_wbuf_init(&b, out, sizeof(out) - 1);
		assert_int_equal(sp__ua_auth_write(&a, &b, SP_STR("REGISTER"), SP_STR("sip:b"),
						   SP_STR("u"), SP_STR("p"), NULL),
				 0);
		out[b.len] = 0;
		snprintf(want, sizeof(want), "nc=%08x", i);
		assert_non_null(strstr(out, want));
		assert_non_null(strstr(out, "algorithm=SHA-256"));
	}
	/* stale=true with the same nonce: retried, not a failure. */
	assert_int_equal(sp__ua_auth_take(&a, &s), 0);
	sp_msg_free(&m);
	sp_msg_free(&s);
}

static void test_digest_unusable(void **state)
{
	const char *t = "SIP/2.0 407 Proxy Authentication Required\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
			"Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=FOO\r\n"
			"Proxy-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\n\r\n";
	struct sp__ua_auth a = { 0 };
	struct sp_msg m;
	(void)state;
	assert_int_equal(sp_msg_parse(&m, t, strlen(t)), 0);
	assert_int_equal(sp__ua_auth_take(&a, &m), -ENOTSUP);
	sp_msg_free(&m);
}

/* ---- two UAs on one loop ---- */

struct side {
	struct sp_ua *ua;
	enum sp_ua_call_state last;
	unsigned ended, confirmed;
	unsigned status;
	char reason[64];
	int answer_rc; /* what the media answer hook returns */
	unsigned set_answers;
};

struct pair {
	struct sp_loop *loop;
	struct side a, b;
	unsigned opt_status;
};

static const char OFFER[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			    "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";

static int m_offer(void *arg, struct sp_ua_call *c, struct sp_wbuf *sdp)
{
	(void)arg, (void)c;
	sp_wbuf_cstr(sdp, OFFER);
	return 0;
}

static int m_answer(void *arg, struct sp_ua_call *c, struct sp_str offer, struct sp_wbuf *sdp)
{
	struct side *s = arg;
	(void)c;
	assert_true(offer.len > 0);
	if (s->answer_rc)
		return s->answer_rc;
	sp_wbuf_cstr(sdp, OFFER);
	return 0;
}

static int m_set_answer(void *arg, struct sp_ua_call *c, struct sp_str answer)
{
	struct side *s = arg;
	(void)c;
	assert_true(answer.len > 0);
	s->set_answers++;
	return 0;
}

static void ev_state(struct sp_ua *ua, struct sp_ua_call *c, enum sp_ua_call_state st, void *arg)
{
	struct side *s = arg;
	(void)ua;
	s->last = st;
	if (st == SP_UA_CALL_CONFIRMED)
		s->confirmed++;
	if (st == SP_UA_CALL_ENDED) {
		s->ended++;
		s->status = sp_ua_call_status(c);
		snprintf(s->reason, sizeof(s->reason), "%s", sp_ua_call_reason(c));
	}
}

static void make_side(struct pair *p, struct side *s, const char *user, bool auto_answer)
{
	struct sp_ua_config cfg = {
		.loop = p->loop,
		.user = user,
		.auto_answer = auto_answer,
		.answer_delay_ms = 10,
		.media = { .offer = m_offer, .answer = m_answer, .set_answer = m_set_answer, .arg = s },
		.ev = { .call_state = ev_state, .arg = s },
	};
	assert_int_equal(sp_sa_parse(&cfg.local, SP_STR("127.0.0.1"), 0), 0);
	assert_int_equal(sp_ua_create(&s->ua, &cfg), 0);
}

static int pair_setup(void **state)
{
	static struct pair p;
	memset(&p, 0, sizeof(p));
	assert_int_equal(sp_loop_create(&p.loop, NULL), 0);
	make_side(&p, &p.a, "alice", false);
	make_side(&p, &p.b, "bob", true);
	*state = &p;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *p = *state;
	sp_ua_destroy(p->a.ua);
	sp_ua_destroy(p->b.ua);
	sp_loop_run_once(p->loop, 0);
	sp_loop_destroy(p->loop);
	return 0;
}

/* Runs the loop until *flag reaches want (bounded: ~20 s of idle waits). */
static void run_until(struct pair *p, const unsigned *flag, unsigned want)
{
	for (int i = 0; i < 2000 && *flag < want; i++)
		sp_loop_run_once(p->loop, 10);
	assert_true(*flag >= want);
}

static void target(struct pair *p, struct side *s, char *buf, size_t cap)
{
	char a[SP_SA_STRLEN];
	(void)p;
	sp_sa_print(sp_ua_local(s->ua), a, sizeof(a));
	snprintf(buf, cap, "sip:bob@%s", a);
}

static void test_basic_call(void **state)
{
	struct pair *p = *state;
	struct sp_ua_call *c;
	char t[128];

	target(p, &p->b, t, sizeof(t));
	assert_int_equal(sp_ua_call(&c, p->a.ua, t), 0);
	run_until(p, &p->a.confirmed, 1);
	run_until(p, &p->b.confirmed, 1); /* the ACK reached the callee */
	assert_int_equal(p->a.set_answers, 1);
	assert_int_equal(sp_ua_call_status(c), 200);
	assert_true(sp_ua_call_answered_at(c) >= 0);
	assert_int_equal(sp_ua_active_calls(p->b.ua), 1);

	/* Busy: bob takes one call at a time (486, §13.3.1.3). */
	struct side x = { 0 };
	struct pair q = { .loop = p->loop };
	make_side(&q, &x, "carol", false);
	struct sp_ua_call *c2;
	assert_int_equal(sp_ua_call(&c2, x.ua, t), 0);
	run_until(p, &x.ended, 1);
	assert_int_equal(x.status, 486);
	sp_mem_deref(c2);

	/* BYE from alice ends both sides (§15.1). */
	assert_int_equal(sp_ua_call_hangup(c, 0), 0);
	assert_int_equal(sp_ua_call_hangup(c, 0), -EALREADY);
	run_until(p, &p->a.ended, 1);
	run_until(p, &p->b.ended, 1);
	assert_string_equal(p->a.reason, "local BYE");
	assert_string_equal(p->b.reason, "remote BYE");
	assert_int_equal(sp_ua_call_state(c), SP_UA_CALL_ENDED);
	assert_int_equal(sp_ua_active_calls(p->a.ua), 0);
	assert_int_equal(sp_ua_active_calls(p->b.ua), 0);
	sp_mem_deref(c);
	for (int i = 0; i < 50 && sp_ua_pending(x.ua); i++)
		sp_loop_run_once(p->loop, 10);
	sp_ua_destroy(x.ua);
}

static void test_488(void **state)
{
	struct pair *p = *state;
	struct sp_ua_call *c;
	char t[128];

	p->b.answer_rc = -ENOTSUP;
	target(p, &p->b, t, sizeof(t));
	assert_int_equal(sp_ua_call(&c, p->a.ua, t), 0);
	run_until(p, &p->a.ended, 1);
	assert_int_equal(p->a.status, 488);
	assert_int_equal(p->b.status, 488);
	assert_int_equal(p->a.confirmed, 0);
	sp_mem_deref(c);
}

static void test_cancel(void **state)
{
	struct pair *p = *state;
	struct sp_ua_call *c;
	char t[128];

	/* alice answers nothing by herself: bob calls her and cancels. */
	char a[SP_SA_STRLEN];
	sp_sa_print(sp_ua_local(p->a.ua), a, sizeof(a));
	snprintf(t, sizeof(t), "sip:alice@%s", a);
	assert_int_equal(sp_ua_call(&c, p->b.ua, t), 0);
	for (int i = 0; i < 2000 && sp_ua_call_state(c) != SP_UA_CALL_RINGING; i++)
		sp_loop_run_once(p->loop, 10);
	assert_int_equal(sp_ua_call_state(c), SP_UA_CALL_RINGING);
	assert_int_equal(sp_ua_call_hangup(c, 0), 0); /* CANCEL, §9.1 */
	run_until(p, &p->b.ended, 1);
	run_until(p, &p->a.ended, 1);
	assert_int_equal(p->b.status, 487);
	assert_string_equal(p->b.reason, "cancelled");
	assert_string_equal(p->a.reason, "cancelled");
	sp_mem_deref(c);
}

static void opt_done(struct sp_ua *ua, unsigned status, const struct sp_msg *msg, void *arg)
{
	struct pair *p = arg;
	(void)ua;
	if (msg && status == 200) {
		const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_ALLOW);
		assert_non_null(h);
	}
	p->opt_status = status;
}

static void test_options_405_501(void **state)
{
	struct pair *p = *state;
	char t[128];

	target(p, &p->b, t, sizeof(t));
	assert_int_equal(sp_ua_request(p->a.ua, "OPTIONS", t, SP_STR_NULL, SP_STR_NULL, opt_done, p),
			 0);
	run_until(p, &p->opt_status, 1);
	assert_int_equal(p->opt_status, 200);

	/* A request method we do not serve: 405 (§8.2.1). */
	p->opt_status = 0;
	assert_int_equal(sp_ua_request(p->a.ua, "SUBSCRIBE", t, SP_STR_NULL, SP_STR_NULL, opt_done,
				       p),
			 0);
	run_until(p, &p->opt_status, 1);
	assert_int_equal(p->opt_status, 405);

	/* An unknown method: 501. */
	p->opt_status = 0;
	assert_int_equal(sp_ua_request(p->a.ua, "FOO", t, SP_STR_NULL, SP_STR_NULL, opt_done, p), 0);
	run_until(p, &p->opt_status, 1);
	assert_int_equal(p->opt_status, 501);

	/* MESSAGE with no handler: 405. */
	p->opt_status = 0;
	assert_int_equal(sp_ua_request(p->a.ua, "MESSAGE", t, SP_STR("text/plain"), SP_STR("hi"),
				       opt_done, p),
			 0);
	run_until(p, &p->opt_status, 1);
	assert_int_equal(p->opt_status, 405);
	for (int i = 0; i < 50 && sp_ua_pending(p->a.ua); i++)
		sp_loop_run_once(p->loop, 10);
	assert_int_equal(sp_ua_pending(p->a.ua), 0);
}

static void test_bad_args(void **state)
{
	struct pair *p = *state;
	struct sp_ua_call *c;
	assert_int_equal(sp_ua_call(&c, p->a.ua, ""), -EINVAL);
	assert_int_equal(sp_ua_call(&c, p->a.ua, "sip:bob@example.invalid"), -EDESTADDRREQ);
	assert_int_equal(sp_ua_register(p->a.ua, 60), -EDESTADDRREQ);
	assert_int_equal(sp_ua_unregister(p->a.ua), -EALREADY);
	assert_int_equal(sp_ua_request(p->a.ua, "INVITE", "sip:b@127.0.0.1", SP_STR_NULL,
				       SP_STR_NULL, NULL, NULL),
			 -EINVAL);
	struct sp_ua *ua;
	struct sp_ua_config cfg = { .loop = p->loop, .user = "x" };
	assert_int_equal(sp_ua_create(&ua, &cfg), -EINVAL); /* no local address */
}

/* ---- RFC 5626 §4.4.1 keep-alives over TCP ---- */

/* A registrar that answers every REGISTER 200 (Expires as asked). */
static void reg_recv(struct sp_net *net, const struct sp_net_rx *rx, void *arg)
{
	struct sp_msg m;
	char out[2048];
	struct sp_wbuf b;
	(void)net;
	(void)arg;
	if (rx->unframed || sp_msg_parse(&m, rx->buf, rx->len) != 0) {
		sp_msg_free(&m);
		return;
	}
	if (m.request && m.method_id == SP_METHOD_REGISTER) {
		struct sp_response r = { .code = 200, .headers = SP_STR("Expires: 60\r\n") };
		sp_wbuf_init(&b, out, sizeof(out));
		if (sp_response_build(&b, &m, &rx->src, &r) == 0)
			sp_conn_send(rx->conn, b.p, b.len);
	}
	sp_msg_free(&m);
}

static void reg_event(struct sp_ua *ua, unsigned status, uint32_t expires, void *arg)
{
	(void)ua, (void)expires;
	*(unsigned *)arg = status;
}

static void test_tcp_keepalive(void **state)
{
	struct sp_loop *loop;
	struct sp_net *srv;
	struct sp_ua *ua;
	struct sp_net_stats st;
	unsigned status = 0;
	(void)state;

	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	struct sp_net_listen nl = { .tp = SP_TP_TCP };
	assert_int_equal(sp_sa_parse(&nl.addr, SP_STR("127.0.0.1"), 0), 0);
	struct sp_net_config nc = { .listen = &nl, .nlisten = 1 };
	assert_int_equal(sp_net_create(&srv, loop, &nc, reg_recv, NULL, NULL), 0);
	struct sp_ua_config cfg = {
		.loop = loop,
		.tp = SP_TP_TCP,
		.user = "alice",
		.server = *sp_net_local(srv, 0),
		.keepalive_s = 1,
		.ev = { .registered = reg_event, .arg = &status },
	};
	assert_int_equal(sp_sa_parse(&cfg.local, SP_STR("127.0.0.1"), 0), 0);
	assert_int_equal(sp_ua_create(&ua, &cfg), 0);
	assert_int_equal(sp_ua_register(ua, 60), 0);
	for (int i = 0; i < 500 && !status; i++)
		sp_loop_run_once(loop, 10);
	assert_int_equal(status, 200);
	/* The server answers each ping with a pong (src/net/tcp_conn.c) and
	 * counts it. */
	sp_net_stats(srv, &st);
	for (int i = 0; i < 1000 && st.tcp_pings < 2; i++) {
		sp_loop_run_once(loop, 10);
		sp_net_stats(srv, &st);
	}
	assert_true(st.tcp_pings >= 2);
	assert_true(sp_ua_keepalives(ua) >= 2);
	/* Unregistered: no more pings. */
	status = 0;
	assert_int_equal(sp_ua_unregister(ua), 0);
	for (int i = 0; i < 500 && !status; i++)
		sp_loop_run_once(loop, 10);
	assert_int_equal(status, 200);
	unsigned sent = sp_ua_keepalives(ua);
	for (int i = 0; i < 150; i++)
		sp_loop_run_once(loop, 10);
	assert_int_equal(sp_ua_keepalives(ua), sent);
	sp_ua_destroy(ua);
	sp_net_destroy(srv);
	sp_loop_run_once(loop, 0);
	sp_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_rfc7616),
		cmocka_unit_test(test_digest_stale_and_nc),
		cmocka_unit_test(test_digest_unusable),
		cmocka_unit_test_setup_teardown(test_basic_call, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_488, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_cancel, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_options_405_501, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, pair_setup, pair_teardown),
		cmocka_unit_test(test_tcp_keepalive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
