/*
 * Server transactions (src/sip/tsx_ist.c, tsx_nist.c, tsx_layer.c) on a
 * fake clock and a recording transport: every transition of RFC 6026
 * Figure 7 and RFC 3261 Figure 8, the automatic 100 Trying, Timer G's
 * schedule, Timers H, I, J and L over UDP and TCP, absorbed
 * retransmissions, transport errors (reported, state kept: RFC 6026
 * §8.8), request matching (§17.2.3, with the RFC 2543 fallback), CANCEL
 * matching (§9.2), the table bound and the bound per source address
 * (bounded memory per peer, with an exemption for trusted sources).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/print.h"
#include "siphon/response.h"
#include "siphon/tsx.h"

#include "test_util.h"
#include "tsx_fake.h"

static struct sp_tsx_dest udp, tcp;

/* A request from the client at 203.0.113.5:5070. branch is the whole
 * parameter text (";branch=..." or ""). */
static const char *req_full(const char *method, const char *ruri, const char *sent_by,
			    const char *branch, unsigned cseq, const char *cseq_method,
			    const char *to_tag)
{
	static char buf[2048];
	char tag[64] = "";
	if (to_tag)
		snprintf(tag, sizeof(tag), ";tag=%s", to_tag);
	snprintf(buf, sizeof(buf),
		 "%s %s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP %s%s;rport\r\n"
		 "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKupstream\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: Alice <sip:alice@atlanta.example.com>;tag=88sja8x\r\n"
		 "To: Bob <sip:bob@biloxi.example.com>%s\r\n"
		 "Call-ID: 987asjd97y7atg\r\n"
		 "CSeq: %u %s\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 method, ruri, sent_by, branch, tag, cseq, cseq_method);
	return buf;
}

static const char *req(const char *method, const char *branch)
{
	char b[128];
	snprintf(b, sizeof(b), ";branch=%s", branch);
	return req_full(method, "sip:bob@biloxi.example.com", "client.example.com:5070", b, 1,
			method, NULL);
}

static int feed(struct tf *f, const char *text)
{
	return tf_feed_from(f, text, &udp, NULL);
}

static int feed_tcp(struct tf *f, const char *text)
{
	return tf_feed_from(f, text, &tcp, NULL);
}

/* Builds the response `code` to the request st holds and passes it to
 * sp_tsx_respond; returns its result. */
static int respond(struct sp_tsx *st, unsigned code, const char *to_tag)
{
	size_t len;
	const char *bytes = sp_tsx_request_bytes(st, &len);
	struct sp_msg m;
	assert_int_equal(sp_msg_parse(&m, bytes, len), 0);
	char buf[2048];
	struct sp_wbuf b;
	sp_wbuf_init(&b, buf, sizeof(buf));
	struct sp_response r = { .code = code, .to_tag = sp_str_c(to_tag) };
	assert_int_equal(sp_response_build(&b, &m, &sp_tsx_response_dest(st)->addr, &r), 0);
	sp_msg_free(&m);
	return sp_tsx_respond(st, b.p, b.len);
}

static unsigned respond_code; /* what on_respond answers */

static void on_respond(struct tf *f, struct sp_tsx *st, const struct sp_msg *r)
{
	(void)f;
	(void)r;
	assert_int_equal(respond(st, respond_code, "uas1"), 0);
}

static int setup(void **state)
{
	udp = tf_dest(SP_TP_UDP, "203.0.113.5:5070");
	tcp = tf_dest(SP_TP_TCP, "203.0.113.5:40001");
	tcp.conn = &tcp;
	*state = tf_new(NULL, 0, 1);
	return 0;
}

static int teardown(void **state)
{
	tf_free(*state);
	return 0;
}

/* ---- INVITE server transaction, RFC 6026 Figure 7 ------------------------ */

/* "send 100 if TU won't in 200 ms"; retransmitted INVITEs get the latest
 * provisional; 101-199 from TU sent. */
static void test_ist_trying_delay(void **state)
{
	struct tf *f = *state;
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv1")), SP_TSX_NEW);
	assert_int_equal(f->nst, 1);
	struct sp_tsx *st = f->st[0];
	assert_false(sp_tsx_is_client(st));
	assert_int_equal(sp_tsx_state(st), SP_TSX_PROCEEDING);
	tf_run_to(f, 199);
	assert_int_equal(f->nsent, 0);
	tf_run_to(f, 200);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(sp_tsx_status(st), 100);

	/* The 100: To untouched, Vias in order, the top one stamped; sent to
	 * the source address and port (rport, RFC 3581 §4). */
	struct sp_msg m;
	tf_parse_sent(f, 0, &m);
	assert_int_equal(m.status, 100);
	S_ABSENT(m.to.tag);
	assert_int_equal(sp_msg_hdr_count(&m, SP_HDR_VIA), 2);
	S_EQ(tu_hdr_n(&m, SP_HDR_VIA, 0)->value,
	     "SIP/2.0/UDP client.example.com:5070;branch=z9hG4bKinv1;rport=5070;received=203.0.113.5");
	S_EQ(tu_hdr_n(&m, SP_HDR_VIA, 1)->value, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKupstream");
	S_EQ(m.cseq.method, "INVITE");
	sp_msg_free(&m);
	assert_true(sp_sa_eq(&f->sent[0].to.addr, &udp.addr));

	tf_run_to(f, 300);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv1")), SP_TSX_ABSORBED);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(tf_sent_status(f, 1), 100);
	assert_int_equal(f->nst, 1); /* not passed to the TU */

	tf_run_to(f, 400);
	assert_int_equal(respond(st, 180, "uas1"), 0);
	assert_int_equal(f->nsent, 3);
	assert_int_equal(tf_sent_status(f, 2), 180);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv1")), SP_TSX_ABSORBED);
	assert_int_equal(f->nsent, 4);
	assert_int_equal(tf_sent_status(f, 3), 180);
	assert_int_equal(f->sent[3].len, f->sent[2].len);
	assert_int_equal(sp_tsx_state(st), SP_TSX_PROCEEDING);
	tf_run_to(f, 100000); /* Proceeding has no timer */
	assert_int_equal(f->nsent, 4);
	assert_int_equal(f->nev, 0);
}

/* A TU answering within the callback: no 100 at all. */
static void test_ist_tu_first(void **state)
{
	struct tf *f = *state;
	f->on_req = on_respond;
	respond_code = 183;
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv2")), SP_TSX_NEW);
	tf_run_to(f, 1000);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(tf_sent_status(f, 0), 183);
}

/* trying_now: the 100 as soon as the TU's callback returns; a
 * retransmission before the delay gets the 100 once. */
static void test_ist_trying_now(void **state)
{
	(void)state;
	struct sp_tsx_config cfg = { .trying_now = true };
	struct tf *f = tf_new(&cfg, 0, 1);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv3")), SP_TSX_NEW);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(tf_sent_status(f, 0), 100);
	tf_free(f);

	f = tf_new(NULL, 0, 1);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv3")), SP_TSX_NEW);
	tf_run_to(f, 50);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv3")), SP_TSX_ABSORBED);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->sent[0].at, 50);
	tf_run_to(f, 1000);
	assert_int_equal(f->nsent, 1);
	tf_free(f);
}

/* Proceeding --300-699--> Completed: G from T1 doubling to T2, INVITE
 * retransmissions answered with the final, ACK -> Confirmed (absorbed),
 * Timer I = T4. */
static void test_ist_non2xx_udp(void **state)
{
	struct tf *f = *state;
	f->on_req = on_respond;
	respond_code = 486;
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv4")), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	assert_int_equal(sp_tsx_state(st), SP_TSX_COMPLETED);
	tf_run_to(f, 2000);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv4")), SP_TSX_ABSORBED);
	tf_run_to(f, 7999);
	static const sp_msec want[] = { 0, 500, 1500, 2000, 3500, 7500 };
	tf_expect_times(f, 0, want, ARRAY_SIZE(want));
	for (unsigned i = 0; i < f->nsent; i++) {
		assert_int_equal(tf_sent_status(f, i), 486);
		assert_int_equal(f->sent[i].len, f->sent[0].len);
	}
	/* The final carries the TU's To tag. */
	struct sp_msg m;
	tf_parse_sent(f, 0, &m);
	S_IS(m.to.tag, "uas1");
	sp_msg_free(&m);

	tf_run_to(f, 8000);
	assert_int_equal(feed(f, req("ACK", "z9hG4bKinv4")), SP_TSX_ABSORBED);
	assert_int_equal(sp_tsx_state(st), SP_TSX_CONFIRMED);
	assert_int_equal(feed(f, req("ACK", "z9hG4bKinv4")), SP_TSX_ABSORBED);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv4")), SP_TSX_ABSORBED);
	assert_int_equal(respond(st, 200, "uas1"), -EINVAL);
	tf_run_to(f, 12999);
	assert_int_equal(f->nsent, ARRAY_SIZE(want));
	assert_int_equal(sp_tsx_state(st), SP_TSX_CONFIRMED);
	tf_run_to(f, 13000);
	assert_int_equal(sp_tsx_state(st), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
	assert_int_equal(f->nev, 0);
	assert_int_equal(respond(st, 486, "uas1"), -ESTALE);
	/* Past Timer I the same INVITE is a new transaction. */
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv4")), SP_TSX_NEW);
	assert_int_equal(f->nst, 2);
}

/* Completed --Timer H--> Terminated: G capped at T2, the TU told of the
 * missing ACK. */
static void test_ist_timer_h(void **state)
{
	struct tf *f = *state;
	f->on_req = on_respond;
	respond_code = 603;
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv5")), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	tf_run_to(f, 31999);
	static const sp_msec want[] = { 0, 500, 1500, 3500, 7500, 11500,
					15500, 19500, 23500, 27500, 31500 };
	tf_expect_times(f, 0, want, ARRAY_SIZE(want));
	assert_int_equal(f->nev, 0);
	tf_run_to(f, 32000);
	assert_int_equal(f->nev, 1);
	assert_ptr_equal(f->ev[0].t, st);
	assert_int_equal(f->ev[0].err, -ETIMEDOUT);
	assert_int_equal(sp_tsx_state(st), SP_TSX_TERMINATED);
	tf_run_to(f, 60000);
	assert_int_equal(f->nsent, ARRAY_SIZE(want));
}

/* Reliable: no Timer G; ACK -> Confirmed with I = 0 (terminated at once);
 * without the ACK, H still fires. Responses go back on the connection. */
static void test_ist_non2xx_tcp(void **state)
{
	struct tf *f = *state;
	f->on_req = on_respond;
	respond_code = 480;
	assert_int_equal(feed_tcp(f, req("INVITE", "z9hG4bKinv6")), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	assert_ptr_equal(f->sent[0].to.conn, &tcp);
	assert_true(sp_sa_eq(&f->sent[0].to.addr, &tcp.addr));
	tf_run_to(f, 10000);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(feed_tcp(f, req("ACK", "z9hG4bKinv6")), SP_TSX_ABSORBED);
	assert_int_equal(sp_tsx_state(st), SP_TSX_TERMINATED);

	assert_int_equal(feed_tcp(f, req("INVITE", "z9hG4bKinv7")), SP_TSX_NEW);
	tf_run_to(f, 41999);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(f->nev, 0);
	tf_run_to(f, 42000);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -ETIMEDOUT);
	assert_int_equal(sp_tsx_state(f->st[1]), SP_TSX_TERMINATED);
}

/* Proceeding --2xx--> Accepted (RFC 6026 §7.1): INVITE retransmissions
 * absorbed without a send, ACKs passed on, the TU's 2xx retransmissions
 * sent, Timer L = 64*T1. */
static void test_ist_accepted(void **state)
{
	struct tf *f = *state;
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv8")), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	tf_run_to(f, 100);
	assert_int_equal(respond(st, 200, "uas1"), 0);
	assert_int_equal(sp_tsx_state(st), SP_TSX_ACCEPTED);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(tf_sent_status(f, 0), 200);
	tf_run_to(f, 1000);
	assert_int_equal(f->nsent, 1); /* the transaction never resends a 2xx */
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv8")), SP_TSX_ABSORBED);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->nst, 1);
	/* The TU retransmits its 2xx itself (§13.3.1.4). */
	assert_int_equal(respond(st, 200, "uas1"), 0);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(respond(st, 486, "uas1"), -EINVAL);
	assert_int_equal(respond(st, 180, "uas1"), -EINVAL);
	/* ACKs: matching the transaction or not, they go to the core. */
	assert_int_equal(feed(f, req("ACK", "z9hG4bKinv8")), SP_TSX_ACK);
	assert_int_equal(feed(f, req("ACK", "z9hG4bKnewack")), SP_TSX_ACK);
	assert_int_equal(sp_tsx_state(st), SP_TSX_ACCEPTED);
	tf_run_to(f, 32099);
	assert_int_equal(sp_tsx_state(st), SP_TSX_ACCEPTED);
	tf_run_to(f, 32100);
	assert_int_equal(sp_tsx_state(st), SP_TSX_TERMINATED);
	assert_int_equal(f->nev, 0);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
}

/* Transport errors: reported, state kept (RFC 6026 Figure 7). */
static void test_ist_transport_error(void **state)
{
	struct tf *f = *state;
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv9")), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	f->fail = -EIO;
	tf_run_to(f, 200); /* the 100 fails: Proceeding, Transport Err. */
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -EIO);
	assert_int_equal(sp_tsx_state(st), SP_TSX_PROCEEDING);
	assert_int_equal(respond(st, 500, "uas1"), -EIO); /* returned, not reported */
	assert_int_equal(f->nev, 1);
	assert_int_equal(sp_tsx_state(st), SP_TSX_COMPLETED);
	tf_run_to(f, 700); /* G fails: Completed, Transport Err. */
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[1].err, -EIO);
	assert_int_equal(sp_tsx_state(st), SP_TSX_COMPLETED);
	f->fail = 0;
	tf_run_to(f, 1700);
	assert_int_equal(f->nsent, 4); /* 100, 500 at 200, 700, 1700 */
	assert_int_equal(f->sent[3].rc, 0);
	assert_int_equal(feed(f, req("ACK", "z9hG4bKinv9")), SP_TSX_ABSORBED);
	assert_int_equal(sp_tsx_state(st), SP_TSX_CONFIRMED);

	/* Accepted, Transport Err.: the 2xx send fails, the state holds. */
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKinv10")), SP_TSX_NEW);
	f->fail = -EPIPE;
	assert_int_equal(respond(f->st[1], 200, "uas2"), -EPIPE);
	assert_int_equal(sp_tsx_state(f->st[1]), SP_TSX_ACCEPTED);
}

/* ---- non-INVITE server transaction, Figure 8 ----------------------------- */

static void test_nist_udp(void **state)
{
	struct tf *f = *state;
	assert_int_equal(feed(f, req("BYE", "z9hG4bKbye1")), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	assert_int_equal(sp_tsx_state(st), SP_TSX_TRYING);
	/* Trying: retransmissions discarded (§17.2.2), no automatic 100. */
	tf_run_to(f, 500);
	assert_int_equal(feed(f, req("BYE", "z9hG4bKbye1")), SP_TSX_ABSORBED);
	assert_int_equal(f->nsent, 0);
	/* 1xx from TU -> Proceeding; retransmission gets it again. */
	assert_int_equal(respond(st, 100, NULL), 0);
	assert_int_equal(sp_tsx_state(st), SP_TSX_PROCEEDING);
	assert_int_equal(feed(f, req("BYE", "z9hG4bKbye1")), SP_TSX_ABSORBED);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(tf_sent_status(f, 1), 100);
	assert_int_equal(respond(st, 101, "x"), 0);
	assert_int_equal(feed(f, req("BYE", "z9hG4bKbye1")), SP_TSX_ABSORBED);
	assert_int_equal(tf_sent_status(f, 3), 101);
	/* 200-699 from TU -> Completed; retransmission gets the final. */
	tf_run_to(f, 1000);
	assert_int_equal(respond(st, 200, "x"), 0);
	assert_int_equal(sp_tsx_state(st), SP_TSX_COMPLETED);
	assert_int_equal(feed(f, req("BYE", "z9hG4bKbye1")), SP_TSX_ABSORBED);
	assert_int_equal(f->nsent, 6);
	assert_int_equal(tf_sent_status(f, 5), 200);
	assert_int_equal(respond(st, 200, "x"), -EINVAL);
	/* Timer J = 64*T1. */
	tf_run_to(f, 32999);
	assert_int_equal(sp_tsx_state(st), SP_TSX_COMPLETED);
	assert_int_equal(f->nsent, 6); /* no retransmission on its own */
	tf_run_to(f, 33000);
	assert_int_equal(sp_tsx_state(st), SP_TSX_TERMINATED);
	assert_int_equal(f->nev, 0);
	assert_int_equal(feed(f, req("BYE", "z9hG4bKbye1")), SP_TSX_NEW);
}

/* Trying --final--> Completed over TCP: J = 0. */
static void test_nist_tcp(void **state)
{
	struct tf *f = *state;
	f->on_req = on_respond;
	respond_code = 404;
	assert_int_equal(feed_tcp(f, req("OPTIONS", "z9hG4bKopt1")), SP_TSX_NEW);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(sp_tsx_state(f->st[0]), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
}

static void test_nist_transport_error(void **state)
{
	struct tf *f = *state;
	assert_int_equal(feed(f, req("MESSAGE", "z9hG4bKmsg1")), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	f->fail = -EMSGSIZE;
	assert_int_equal(respond(st, 202, "x"), -EMSGSIZE);
	assert_int_equal(sp_tsx_state(st), SP_TSX_COMPLETED);
	assert_int_equal(feed(f, req("MESSAGE", "z9hG4bKmsg1")), SP_TSX_ABSORBED);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -EMSGSIZE);
	assert_int_equal(sp_tsx_state(st), SP_TSX_COMPLETED);
}

/* ---- matching ------------------------------------------------------------- */

/* §17.2.3: an ACK to a non-2xx matches the INVITE transaction; a CANCEL
 * does not (its own transaction) but sp_tsx_find_invite (§9.2) finds the
 * INVITE; another sent-by or method with the same branch is another
 * transaction. */
static void test_matching(void **state)
{
	struct tf *f = *state;
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKm1")), SP_TSX_NEW);
	struct sp_tsx *inv = f->st[0];
	assert_int_equal(feed(f, req("CANCEL", "z9hG4bKm1")), SP_TSX_NEW);
	assert_int_equal(f->nst, 2);
	struct sp_tsx *can = f->st[1];
	assert_ptr_not_equal(inv, can);
	assert_int_equal(sp_tsx_state(can), SP_TSX_TRYING);

	/* §9.2 CANCEL matching. */
	const char *c = req("CANCEL", "z9hG4bKm1");
	struct sp_msg m;
	char *copy = strdup(c);
	assert_int_equal(sp_msg_parse(&m, copy, strlen(copy)), 0);
	assert_ptr_equal(sp_tsx_find_invite(f->l, &m), inv);
	sp_msg_free(&m);
	free(copy);
	copy = strdup(req("CANCEL", "z9hG4bKother"));
	assert_int_equal(sp_msg_parse(&m, copy, strlen(copy)), 0);
	assert_null(sp_tsx_find_invite(f->l, &m));
	sp_msg_free(&m);
	free(copy);

	/* The CANCEL's retransmission matches the CANCEL. */
	assert_int_equal(respond(can, 200, "uas1"), 0);
	assert_int_equal(feed(f, req("CANCEL", "z9hG4bKm1")), SP_TSX_ABSORBED);
	assert_int_equal(tf_sent_status(f, f->nsent - 1), 200);
	assert_int_equal(respond(inv, 487, "uas1"), 0);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKm1")), SP_TSX_ABSORBED);
	assert_int_equal(tf_sent_status(f, f->nsent - 1), 487);
	assert_int_equal(feed(f, req("ACK", "z9hG4bKm1")), SP_TSX_ABSORBED);
	assert_int_equal(sp_tsx_state(inv), SP_TSX_CONFIRMED);
	assert_int_equal(sp_tsx_state(can), SP_TSX_COMPLETED);

	/* Same branch, another sent-by: another transaction. */
	assert_int_equal(feed(f, req_full("INVITE", "sip:bob@biloxi.example.com",
					  "client2.example.com:5070", ";branch=z9hG4bKm1", 1,
					  "INVITE", NULL)),
			 SP_TSX_NEW);
	/* Same branch, another port: another transaction. */
	assert_int_equal(feed(f, req_full("INVITE", "sip:bob@biloxi.example.com",
					  "client.example.com", ";branch=z9hG4bKm1", 1, "INVITE",
					  NULL)),
			 SP_TSX_NEW);
	/* Same branch and sent-by, another method: another transaction. */
	assert_int_equal(feed(f, req("OPTIONS", "z9hG4bKm1")), SP_TSX_NEW);
	assert_int_equal(f->nst, 5);
	/* sent-by host compares case-insensitively. */
	assert_int_equal(feed(f, req_full("OPTIONS", "sip:bob@biloxi.example.com",
					  "CLIENT.example.com:5070", ";branch=z9hG4bKm1", 1,
					  "OPTIONS", NULL)),
			 SP_TSX_ABSORBED);
	/* An ACK that matches nothing goes to the core. */
	assert_int_equal(feed(f, req("ACK", "z9hG4bKnothing")), SP_TSX_ACK);
}

/* §17.2.3 RFC 2543 fallback: no magic cookie, so matching uses the
 * Request-URI, tags, Call-ID, CSeq and top Via. */
static void test_rfc2543(void **state)
{
	struct tf *f = *state;
	const char *inv = req_full("INVITE", "sip:bob@biloxi.example.com", "old.example.com",
				   ";branch=1234", 5, "INVITE", NULL);
	assert_int_equal(feed(f, inv), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	inv = req_full("INVITE", "sip:bob@biloxi.example.com", "old.example.com", ";branch=1234",
		       5, "INVITE", NULL);
	assert_int_equal(feed(f, inv), SP_TSX_ABSORBED);
	/* No branch at all. */
	assert_int_equal(feed(f, req_full("INVITE", "sip:bob@biloxi.example.com", "old.example.com",
					  "", 7, "INVITE", NULL)),
			 SP_TSX_NEW);
	assert_int_equal(feed(f, req_full("INVITE", "sip:bob@biloxi.example.com", "old.example.com",
					  "", 7, "INVITE", NULL)),
			 SP_TSX_ABSORBED);
	/* Differences that make another transaction: CSeq, Request-URI,
	 * top Via, To tag. */
	assert_int_equal(feed(f, req_full("INVITE", "sip:bob@biloxi.example.com", "old.example.com",
					  ";branch=1234", 6, "INVITE", NULL)),
			 SP_TSX_NEW);
	assert_int_equal(feed(f, req_full("INVITE", "sip:carol@biloxi.example.com",
					  "old.example.com", ";branch=1234", 5, "INVITE", NULL)),
			 SP_TSX_NEW);
	assert_int_equal(feed(f, req_full("INVITE", "sip:bob@biloxi.example.com",
					  "old.example.com:5062", ";branch=1234", 5, "INVITE",
					  NULL)),
			 SP_TSX_NEW);
	assert_int_equal(feed(f, req_full("INVITE", "sip:bob@biloxi.example.com", "old.example.com",
					  ";branch=1234", 5, "INVITE", "t1")),
			 SP_TSX_NEW);
	assert_int_equal(f->nst, 6);

	/* §9.2: the CANCEL finds the INVITE by the same fields. */
	const char *c = req_full("CANCEL", "sip:bob@biloxi.example.com", "old.example.com",
				 ";branch=1234", 5, "CANCEL", NULL);
	char *copy = strdup(c);
	struct sp_msg m;
	assert_int_equal(sp_msg_parse(&m, copy, strlen(copy)), 0);
	assert_ptr_equal(sp_tsx_find_invite(f->l, &m), st);
	sp_msg_free(&m);
	free(copy);

	/* The ACK matches with the To tag of the final response. */
	assert_int_equal(respond(st, 404, "nf404"), 0);
	assert_int_equal(feed(f, req_full("ACK", "sip:bob@biloxi.example.com", "old.example.com",
					  ";branch=1234", 5, "ACK", "other")),
			 SP_TSX_ACK);
	assert_int_equal(sp_tsx_state(st), SP_TSX_COMPLETED);
	assert_int_equal(feed(f, req_full("ACK", "sip:bob@biloxi.example.com", "old.example.com",
					  ";branch=1234", 5, "ACK", "nf404")),
			 SP_TSX_ABSORBED);
	assert_int_equal(sp_tsx_state(st), SP_TSX_CONFIRMED);
}

/* The table bound: -EBUSY for new requests (a 503 is due), while
 * retransmissions still match; out of memory gives -ENOMEM. */
/* Feeds text (a new request) with the n-th allocation failing, n = 0, 1,
 * ..., until it makes a transaction: each failure must be -ENOMEM. */
static void new_despite_oom(struct tf *f, const char *text)
{
	char *buf = strdup(text);
	struct sp_msg m;
	assert_int_equal(sp_msg_parse(&m, buf, strlen(buf)), 0);
	int rc = -1;
	for (long n = 0; n < 8 && rc != SP_TSX_NEW; n++) {
		sp_mem_fail_after(n);
		rc = sp_tsx_input(f->l, &m, &udp, NULL);
		sp_mem_fail_after(-1);
		assert_true(rc == -ENOMEM || rc == SP_TSX_NEW);
	}
	assert_int_equal(rc, SP_TSX_NEW);
	sp_msg_free(&m);
	free(buf);
}

static void test_table_full(void **state)
{
	(void)state;
	struct sp_tsx_config cfg = { .max_tsx = 1 };
	struct tf *f = tf_new(&cfg, 0, 1);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKfull1")), SP_TSX_NEW);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKfull2")), -EBUSY);
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKfull1")), SP_TSX_ABSORBED);
	char br[32];
	assert_int_equal(sp_tsx_branch(f->l, br, sizeof(br)), SP_TSX_BRANCH_LEN);
	assert_int_equal(sp_tsx_request(NULL, f->l, req("OPTIONS", br), strlen(req("OPTIONS", br)),
					&udp, tf_event_cb, f),
			 -EBUSY);
	tf_free(f);

	f = tf_new(NULL, 0, 1);
	new_despite_oom(f, req("INVITE", "z9hG4bKoom"));
	assert_int_equal(sp_tsx_layer_count(f->l), 1);
	tf_free(f);
}

/* Bounded memory per peer: at most max_per_source server transactions per
 * source IP (any port), a retransmission still absorbed, other sources and
 * exempt ones unaffected, the share freed as transactions end, and no
 * count left behind by an allocation failure. */
static bool exempt(void *arg, const struct sp_sa *src)
{
	struct sp_sa gw;
	(void)arg;
	assert_int_equal(sp_sa_parse(&gw, SP_STR("198.51.100.9"), 0), 0);
	return sp_sa_ip_eq(&gw, src);
}

static void test_per_source(void **state)
{
	(void)state;
	struct sp_tsx_config cfg = { .max_per_source = 2, .unlimited = exempt };
	struct tf *f = tf_new(&cfg, 0, 1);
	struct sp_tsx_dest port2 = tf_dest(SP_TP_UDP, "203.0.113.5:6000");
	struct sp_tsx_dest other = tf_dest(SP_TP_UDP, "192.0.2.7:5060");
	struct sp_tsx_dest gw = tf_dest(SP_TP_UDP, "198.51.100.9:5060");
	char br[32];

	assert_int_equal(feed(f, req("OPTIONS", "z9hG4bKps1")), SP_TSX_NEW);
	assert_int_equal(tf_feed_from(f, req("OPTIONS", "z9hG4bKps2"), &port2, NULL), SP_TSX_NEW);
	assert_int_equal(feed(f, req("OPTIONS", "z9hG4bKps3")), -EDQUOT);
	assert_int_equal(feed(f, req("OPTIONS", "z9hG4bKps1")), SP_TSX_ABSORBED);
	assert_int_equal(tf_feed_from(f, req("OPTIONS", "z9hG4bKps4"), &other, NULL), SP_TSX_NEW);
	for (int i = 0; i < 5; i++) {
		snprintf(br, sizeof(br), "z9hG4bKgw%d", i);
		assert_int_equal(tf_feed_from(f, req("OPTIONS", br), &gw, NULL), SP_TSX_NEW);
	}
	/* The first one ends (Timer J over UDP): its share is free again. */
	assert_int_equal(respond(f->st[0], 200, "x"), 0);
	tf_run_to(f, 33000);
	assert_int_equal(sp_tsx_state(f->st[0]), SP_TSX_TERMINATED);
	assert_int_equal(feed(f, req("OPTIONS", "z9hG4bKps5")), SP_TSX_NEW);
	assert_int_equal(feed(f, req("OPTIONS", "z9hG4bKps6")), -EDQUOT);
	tf_free(f);

	/* Allocation failures on the way (INVITE: the 100 Trying too). */
	cfg.max_per_source = 1;
	f = tf_new(&cfg, 0, 1);
	new_despite_oom(f, req("INVITE", "z9hG4bKpsoom"));
	assert_int_equal(feed(f, req("INVITE", "z9hG4bKpsnext")), -EDQUOT);
	tf_free(f);
}

/* §18.2.2 with RFC 3581: where responses go. */
static void test_response_dest(void **state)
{
	struct tf *f = *state;
	/* rport requested: the source port. */
	assert_int_equal(feed(f, req("OPTIONS", "z9hG4bKd1")), SP_TSX_NEW);
	assert_true(sp_sa_eq(&sp_tsx_response_dest(f->st[0])->addr, &udp.addr));
	/* No rport: the source address, the sent-by port. */
	assert_int_equal(feed(f, "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP client.example.com:5080;branch=z9hG4bKd2\r\n"
				 "From: <sip:a@b>;tag=1\r\n"
				 "To: <sip:b@b>\r\n"
				 "Call-ID: d2\r\n"
				 "CSeq: 1 OPTIONS\r\n"
				 "Content-Length: 0\r\n\r\n"),
			 SP_TSX_NEW);
	struct sp_tsx_dest want = tf_dest(SP_TP_UDP, "203.0.113.5:5080");
	assert_true(sp_sa_eq(&sp_tsx_response_dest(f->st[1])->addr, &want.addr));
	/* No port in sent-by: 5060. maddr (an IP) wins. */
	assert_int_equal(feed(f, "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP client.example.com;branch=z9hG4bKd3\r\n"
				 "From: <sip:a@b>;tag=1\r\n"
				 "To: <sip:b@b>\r\n"
				 "Call-ID: d3\r\n"
				 "CSeq: 1 OPTIONS\r\n"
				 "Content-Length: 0\r\n\r\n"),
			 SP_TSX_NEW);
	want = tf_dest(SP_TP_UDP, "203.0.113.5:5060");
	assert_true(sp_sa_eq(&sp_tsx_response_dest(f->st[2])->addr, &want.addr));
	assert_int_equal(feed(f, "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP client.example.com:5090;maddr=239.1.1.1;ttl=1;branch=z9hG4bKd4\r\n"
				 "From: <sip:a@b>;tag=1\r\n"
				 "To: <sip:b@b>\r\n"
				 "Call-ID: d4\r\n"
				 "CSeq: 1 OPTIONS\r\n"
				 "Content-Length: 0\r\n\r\n"),
			 SP_TSX_NEW);
	want = tf_dest(SP_TP_UDP, "239.1.1.1:5090");
	assert_true(sp_sa_eq(&sp_tsx_response_dest(f->st[3])->addr, &want.addr));
	/* TCP: back where it came from, on its connection. */
	assert_int_equal(feed_tcp(f, req("OPTIONS", "z9hG4bKd5")), SP_TSX_NEW);
	assert_true(sp_sa_eq(&sp_tsx_response_dest(f->st[4])->addr, &tcp.addr));
	assert_ptr_equal(sp_tsx_response_dest(f->st[4])->conn, &tcp);
}

/* What the layer refuses, and what a client call does on a server. */
static void test_bad_input(void **state)
{
	struct tf *f = *state;
	assert_int_equal(feed(f, "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP client.example.com;branch=z9hG4bKb1\r\n"
				 "From: <sip:a@b>;tag=1\r\n"
				 "To: <sip:b@b>\r\n"
				 "CSeq: 1 OPTIONS\r\n"
				 "Content-Length: 0\r\n\r\n"),
			 -EBADMSG);
	assert_int_equal(f->nst, 0);
	assert_int_equal(feed(f, req("OPTIONS", "z9hG4bKb2")), SP_TSX_NEW);
	struct sp_tsx *st = f->st[0];
	assert_int_equal(sp_tsx_respond(st, "SIP/2.0 99 x\r\n\r\n", 17), -EINVAL);
	assert_int_equal(sp_tsx_respond(st, "OPTIONS sip:a SIP/2.0\r\n\r\n", 25), -EINVAL);
	assert_int_equal(sp_tsx_respond(st, "SIP/2.0 20", 10), -EINVAL);
	assert_int_equal(sp_tsx_state(st), SP_TSX_TRYING);
	assert_int_equal(f->nsent, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_ist_trying_delay),
		T(test_ist_tu_first),
		T(test_ist_trying_now),
		T(test_ist_non2xx_udp),
		T(test_ist_timer_h),
		T(test_ist_non2xx_tcp),
		T(test_ist_accepted),
		T(test_ist_transport_error),
		T(test_nist_udp),
		T(test_nist_tcp),
		T(test_nist_transport_error),
		T(test_matching),
		T(test_rfc2543),
		T(test_table_full),
		T(test_per_source),
		T(test_response_dest),
		T(test_bad_input),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
