/*
 * Client transactions (src/sip/tsx_ict.c, tsx_nict.c, tsx_layer.c) on a
 * fake clock and a recording transport: every transition of RFC 3261
 * Figure 6 and RFC 6026 Figure 5, the retransmission schedules (A doubling
 * without cap, E capped at T2 and at T2 in Proceeding), Timers B, D, F, K
 * and M over UDP and TCP, the ACK of §17.1.1.3 byte by byte, transport
 * errors, response matching (§17.1.3) and worker ownership of branches.
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
#include "siphon/tsx.h"

#include "test_util.h"
#include "tsx_fake.h"

#define CALL_ID "a84b4c76e66710@pc33.atlanta.example.com"

static char *request(struct tf *f, const char *method, char branch[32])
{
	static char buf[2048];
	assert_int_equal(sp_tsx_branch(f->l, branch, 32), SP_TSX_BRANCH_LEN);
	snprintf(buf, sizeof(buf),
		 "%s sip:bob@biloxi.example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
		 "Max-Forwards: 70\r\n"
		 "Route: <sip:p1.example.com;lr>\r\n"
		 "Route: <sip:p2.example.com;lr>\r\n"
		 "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		 "To: Bob <sip:bob@biloxi.example.com>\r\n"
		 "Call-ID: " CALL_ID "\r\n"
		 "CSeq: 314159 %s\r\n"
		 "Contact: <sip:alice@192.0.2.1>\r\n"
		 "Content-Type: application/sdp\r\n"
		 "Content-Length: 4\r\n"
		 "\r\n"
		 "v=0\n",
		 method, branch, method);
	return buf;
}

static const char *response(unsigned code, const char *method, const char *branch,
			    const char *to_tag)
{
	static char buf[2048];
	char tag[64] = "";
	if (to_tag)
		snprintf(tag, sizeof(tag), ";tag=%s", to_tag);
	snprintf(buf, sizeof(buf),
		 "SIP/2.0 %u Whatever\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s;received=192.0.2.1\r\n"
		 "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		 "To: Bob <sip:bob@biloxi.example.com>%s\r\n"
		 "Call-ID: " CALL_ID "\r\n"
		 "CSeq: 314159 %s\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 code, branch, tag, method);
	return buf;
}

static struct sp_tsx_dest udp, tcp;

static struct sp_tsx *start(struct tf *f, const char *method, char branch[32],
			    const struct sp_tsx_dest *to)
{
	struct sp_tsx *t = NULL;
	const char *req = request(f, method, branch);
	assert_int_equal(sp_tsx_request(&t, f->l, req, strlen(req), to, tf_event_cb, f), 0);
	assert_non_null(t);
	return t;
}

static int feed(struct tf *f, const char *text)
{
	return tf_feed_from(f, text, &udp, NULL);
}

static int setup(void **state)
{
	udp = tf_dest(SP_TP_UDP, "198.51.100.7:5060");
	tcp = tf_dest(SP_TP_TCP, "198.51.100.7:5060");
	*state = tf_new(NULL, 0, 1);
	return 0;
}

static int teardown(void **state)
{
	tf_free(*state);
	return 0;
}

/* ---- non-INVITE client transaction, Figure 6 ----------------------------- */

/* Trying over UDP: E doubles from T1 and caps at T2 (§17.1.2.2); Timer F
 * ends it at 64*T1 with -ETIMEDOUT. */
static void test_nict_udp_timeout(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "OPTIONS", br, &udp);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TRYING);
	assert_true(sp_tsx_is_client(t));
	tf_run_to(f, 31999);
	static const sp_msec want[] = { 0, 500, 1500, 3500, 7500, 11500, 15500,
					19500, 23500, 27500, 31500 };
	tf_expect_times(f, 0, want, ARRAY_SIZE(want));
	assert_int_equal(f->nev, 0);
	assert_int_equal(sp_tsx_layer_count(f->l), 1);
	tf_run_to(f, 32000);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -ETIMEDOUT);
	assert_int_equal(f->ev[0].status, 0);
	assert_int_equal(f->ev[0].at, 32000);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
	/* Every send went to the destination, with the request's bytes. */
	size_t len;
	const char *req = sp_tsx_request_bytes(t, &len);
	for (unsigned i = 0; i < f->nsent; i++) {
		assert_true(sp_sa_eq(&f->sent[i].to.addr, &udp.addr));
		assert_int_equal(f->sent[i].len, len);
		assert_memory_equal(f->sent[i].buf, req, len);
	}
	/* A late response finds nothing (RFC 6026 §8.9). */
	assert_int_equal(feed(f, response(200, "OPTIONS", br, "x")), SP_TSX_STRAY);
	tf_run_to(f, 40000);
	assert_int_equal(f->nsent, ARRAY_SIZE(want));
	sp_mem_deref(t);
}

/* Reliable: no Timer E, one send, Timer F at 64*T1. */
static void test_nict_tcp_timeout(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "REGISTER", br, &tcp);
	tf_run_to(f, 31999);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->nev, 0);
	tf_run_to(f, 32000);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -ETIMEDOUT);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	sp_mem_deref(t);
}

/* Trying --1xx--> Proceeding: each 1xx to the TU, E continues and then
 * fires every T2 (§17.1.2.2); Timer F still ends Proceeding. */
static void test_nict_proceeding(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "OPTIONS", br, &udp);
	tf_run_to(f, 1600);
	assert_int_equal(feed(f, response(100, "OPTIONS", br, NULL)), SP_TSX_MATCHED);
	assert_int_equal(sp_tsx_state(t), SP_TSX_PROCEEDING);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].status, 100);
	tf_run_to(f, 2000);
	assert_int_equal(feed(f, response(180, "OPTIONS", br, "b")), SP_TSX_MATCHED);
	assert_int_equal(f->nev, 2);
	assert_int_equal(sp_tsx_status(t), 180);
	tf_run_to(f, 31999);
	static const sp_msec want[] = { 0, 500, 1500, 3500, 7500, 11500, 15500,
					19500, 23500, 27500, 31500 };
	tf_expect_times(f, 0, want, ARRAY_SIZE(want));
	tf_run_to(f, 32000);
	assert_int_equal(f->nev, 3);
	assert_int_equal(f->ev[2].err, -ETIMEDOUT);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	sp_mem_deref(t);
}

/* With T2 reached later: a 1xx in Trying moves the next intervals to T2
 * at once (T1 = 100, T2 = 4000: 0 100 300 700 | 1xx at 800 | 1500 5500). */
static void test_nict_proceeding_t2(void **state)
{
	(void)state;
	struct sp_tsx_config cfg = { .t1 = 100 };
	struct tf *f = tf_new(&cfg, 0, 1);
	char br[32];
	struct sp_tsx *t = start(f, "OPTIONS", br, &udp);
	tf_run_to(f, 800);
	assert_int_equal(feed(f, response(183, "OPTIONS", br, "b")), SP_TSX_MATCHED);
	tf_run_to(f, 6399);
	static const sp_msec want[] = { 0, 100, 300, 700, 1500, 5500 };
	tf_expect_times(f, 0, want, ARRAY_SIZE(want));
	/* Timer F = 64*T1 = 6400. */
	tf_run_to(f, 6400);
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[1].err, -ETIMEDOUT);
	sp_mem_deref(t);
	tf_free(f);
}

/* Trying --final--> Completed: response to the TU once, retransmissions
 * absorbed, no more sends, Timer K = T4 over UDP. */
static void test_nict_completed_udp(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "OPTIONS", br, &udp);
	tf_run_to(f, 600);
	assert_int_equal(feed(f, response(200, "OPTIONS", br, "b")), SP_TSX_MATCHED);
	assert_int_equal(sp_tsx_state(t), SP_TSX_COMPLETED);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].status, 200);
	assert_int_equal(f->ev[0].err, 0);
	tf_run_to(f, 3000);
	assert_int_equal(feed(f, response(200, "OPTIONS", br, "b")), SP_TSX_ABSORBED);
	assert_int_equal(feed(f, response(100, "OPTIONS", br, NULL)), SP_TSX_ABSORBED);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->nsent, 2); /* 0 and 500 */
	tf_run_to(f, 5599);
	assert_int_equal(sp_tsx_state(t), SP_TSX_COMPLETED);
	tf_run_to(f, 5600);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
	assert_int_equal(f->nev, 1); /* Timer K is silent */
	assert_int_equal(feed(f, response(200, "OPTIONS", br, "b")), SP_TSX_STRAY);
	sp_mem_deref(t);
}

/* Proceeding --final--> Completed; over TCP, K = 0: terminated at once. */
static void test_nict_completed_tcp(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "REGISTER", br, &tcp);
	assert_int_equal(feed(f, response(100, "REGISTER", br, NULL)), SP_TSX_MATCHED);
	assert_int_equal(feed(f, response(401, "REGISTER", br, "b")), SP_TSX_MATCHED);
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[1].status, 401);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
	tf_run_to(f, 40000);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->nev, 2);
	sp_mem_deref(t);
}

/* §17.1.4: a failed retransmission terminates and informs the TU. */
static void test_nict_transport_error(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "OPTIONS", br, &udp);
	tf_run_to(f, 1000);
	f->fail = -ENETUNREACH;
	tf_run_to(f, 1500);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -ENETUNREACH);
	assert_int_equal(f->ev[0].at, 1500);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
	tf_run_to(f, 40000);
	assert_int_equal(f->nsent, 3);
	assert_int_equal(f->nev, 1);
	sp_mem_deref(t);
}

/* A failing first send creates nothing and returns the error. */
static void test_first_send_fails(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = NULL;
	const char *req = request(f, "INVITE", br);
	f->fail = -ECONNREFUSED;
	assert_int_equal(sp_tsx_request(&t, f->l, req, strlen(req), &tcp, tf_event_cb, f),
			 -ECONNREFUSED);
	assert_null(t);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
	assert_int_equal(f->nev, 0);
}

/* ---- INVITE client transaction, RFC 6026 Figure 5 ------------------------ */

/* Calling over UDP: A doubles without cap (§17.1.1.2), B at 64*T1. */
static void test_ict_udp_timeout(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &udp);
	assert_int_equal(sp_tsx_state(t), SP_TSX_CALLING);
	tf_run_to(f, 31999);
	static const sp_msec want[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
	tf_expect_times(f, 0, want, ARRAY_SIZE(want));
	assert_int_equal(f->nev, 0);
	tf_run_to(f, 32000);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -ETIMEDOUT);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	tf_run_to(f, 70000);
	assert_int_equal(f->nsent, ARRAY_SIZE(want));
	sp_mem_deref(t);
}

static void test_ict_tcp_timeout(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &tcp);
	tf_run_to(f, 32000);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -ETIMEDOUT);
	assert_int_equal(f->ev[0].at, 32000);
	sp_mem_deref(t);
}

/* Calling --1xx--> Proceeding: retransmissions stop, Timer B no longer
 * runs (Figure 5 has no B edge from Proceeding); every 1xx to the TU. */
static void test_ict_proceeding(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &udp);
	tf_run_to(f, 600);
	assert_int_equal(feed(f, response(100, "INVITE", br, NULL)), SP_TSX_MATCHED);
	assert_int_equal(sp_tsx_state(t), SP_TSX_PROCEEDING);
	assert_int_equal(feed(f, response(180, "INVITE", br, "b")), SP_TSX_MATCHED);
	assert_int_equal(feed(f, response(180, "INVITE", br, "b")), SP_TSX_MATCHED);
	assert_int_equal(f->nev, 3);
	tf_run_to(f, 100000);
	assert_int_equal(f->nsent, 2); /* 0 and 500 */
	assert_int_equal(f->nev, 3);
	assert_int_equal(sp_tsx_state(t), SP_TSX_PROCEEDING);
	sp_mem_deref(t);
}

/* Checks the ACK of §17.1.1.3 against the INVITE t sent and the final. */
static void check_ack(struct tf *f, unsigned i, struct sp_tsx *t, const char *to_tag)
{
	struct sp_msg ack, inv;
	size_t len;
	const char *req = sp_tsx_request_bytes(t, &len);
	assert_int_equal(sp_msg_parse(&inv, req, len), 0);
	tf_parse_sent(f, i, &ack);
	assert_true(ack.request);
	assert_int_equal(ack.method_id, SP_METHOD_ACK);
	S_SAME(inv.ruri_raw, ack.ruri_raw);
	/* One Via, equal to the INVITE's top Via. */
	assert_int_equal(sp_msg_hdr_count(&ack, SP_HDR_VIA), 1);
	S_SAME(sp_msg_hdr(&inv, SP_HDR_VIA)->value, sp_msg_hdr(&ack, SP_HDR_VIA)->value);
	S_SAME(sp_msg_hdr(&inv, SP_HDR_FROM)->value, sp_msg_hdr(&ack, SP_HDR_FROM)->value);
	S_SAME(inv.call_id, ack.call_id);
	assert_int_equal(ack.cseq.seq, 314159);
	S_EQ(ack.cseq.method, "ACK");
	S_IS(ack.to.tag, to_tag);
	S_EQ(ack.to.uri_raw, "sip:bob@biloxi.example.com");
	/* The Route set, in order. */
	assert_int_equal(sp_msg_hdr_count(&ack, SP_HDR_ROUTE), 2);
	S_EQ(tu_hdr_n(&ack, SP_HDR_ROUTE, 0)->value, "<sip:p1.example.com;lr>");
	S_EQ(tu_hdr_n(&ack, SP_HDR_ROUTE, 1)->value, "<sip:p2.example.com;lr>");
	assert_int_equal(ack.max_forwards, 70);
	assert_int_equal(ack.content_length, 0);
	assert_int_equal(ack.body.len, 0);
	assert_null(sp_msg_hdr(&ack, SP_HDR_CONTACT));
	assert_int_equal(sp_msg_validate(&ack), 0);
	sp_msg_free(&ack);
	sp_msg_free(&inv);
}

/* Calling --300-699--> Completed: ACK sent, response to the TU; each
 * retransmitted final re-sends the ACK without reaching the TU; Timer D
 * (32 s over UDP) ends it. */
static void test_ict_non2xx_udp(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &udp);
	tf_run_to(f, 700);
	assert_int_equal(feed(f, response(486, "INVITE", br, "busy1")), SP_TSX_MATCHED);
	assert_int_equal(sp_tsx_state(t), SP_TSX_COMPLETED);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].status, 486);
	assert_int_equal(f->nsent, 3); /* INVITE 0, 500, ACK at 700 */
	assert_int_equal(f->sent[2].at, 700);
	assert_true(sp_sa_eq(&f->sent[2].to.addr, &udp.addr));
	check_ack(f, 2, t, "busy1");

	tf_run_to(f, 2000);
	assert_int_equal(f->nsent, 3); /* no INVITE retransmission any more */
	assert_int_equal(feed(f, response(486, "INVITE", br, "busy1")), SP_TSX_ABSORBED);
	assert_int_equal(f->nsent, 4);
	assert_int_equal(f->sent[3].len, f->sent[2].len);
	assert_memory_equal(f->sent[3].buf, f->sent[2].buf, f->sent[2].len);
	assert_int_equal(f->nev, 1);

	tf_run_to(f, 32699);
	assert_int_equal(sp_tsx_state(t), SP_TSX_COMPLETED);
	tf_run_to(f, 32700);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(f->nev, 1);
	assert_int_equal(feed(f, response(486, "INVITE", br, "busy1")), SP_TSX_STRAY);
	assert_int_equal(f->nsent, 4);
	sp_mem_deref(t);
}

/* Proceeding --300-699--> Completed over TCP: the ACK is still sent
 * (RFC 6026 §8.4: "even if the transport is reliable"), D = 0. */
static void test_ict_non2xx_tcp(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &tcp);
	assert_int_equal(feed(f, response(180, "INVITE", br, "t9")), SP_TSX_MATCHED);
	assert_int_equal(feed(f, response(603, "INVITE", br, "t9")), SP_TSX_MATCHED);
	assert_int_equal(f->nsent, 2);
	check_ack(f, 1, t, "t9");
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[1].status, 603);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
	sp_mem_deref(t);
}

/* Completed, Transport Err. / Inform TU -> Terminated (Figure 5). */
static void test_ict_ack_transport_error(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &udp);
	assert_int_equal(feed(f, response(404, "INVITE", br, "nf")), SP_TSX_MATCHED);
	assert_int_equal(sp_tsx_state(t), SP_TSX_COMPLETED);
	f->fail = -EHOSTUNREACH;
	assert_int_equal(feed(f, response(404, "INVITE", br, "nf")), SP_TSX_ABSORBED);
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[1].err, -EHOSTUNREACH);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_layer_count(f->l), 0);
	sp_mem_deref(t);
}

/* Calling, Transport Err. / inform TU (Timer A's retransmission fails). */
static void test_ict_transport_error(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &udp);
	f->fail = -ENOBUFS;
	tf_run_to(f, 500);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].err, -ENOBUFS);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	tf_run_to(f, 40000);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(f->nev, 1);
	sp_mem_deref(t);
}

/* Calling --2xx--> Accepted (RFC 6026 §7.2): 2xx to the TU, no ACK from
 * the transaction, later 2xx (retransmissions, other forks) to the TU,
 * Timer M = 64*T1. */
static void test_ict_accepted(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &udp);
	tf_run_to(f, 100);
	assert_int_equal(feed(f, response(200, "INVITE", br, "fork1")), SP_TSX_MATCHED);
	assert_int_equal(sp_tsx_state(t), SP_TSX_ACCEPTED);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].status, 200);
	assert_int_equal(feed(f, response(200, "INVITE", br, "fork1")), SP_TSX_MATCHED);
	assert_int_equal(feed(f, response(200, "INVITE", br, "fork2")), SP_TSX_MATCHED);
	assert_int_equal(f->nev, 3);
	/* Not an edge of the figure: absorbed. */
	assert_int_equal(feed(f, response(486, "INVITE", br, "fork3")), SP_TSX_ABSORBED);
	assert_int_equal(feed(f, response(180, "INVITE", br, "fork3")), SP_TSX_ABSORBED);
	assert_int_equal(f->nev, 3);
	tf_run_to(f, 32099);
	assert_int_equal(f->nsent, 1); /* no retransmission, no ACK */
	assert_int_equal(sp_tsx_state(t), SP_TSX_ACCEPTED);
	tf_run_to(f, 32100);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(f->nev, 3);
	assert_int_equal(feed(f, response(200, "INVITE", br, "fork1")), SP_TSX_STRAY);
	sp_mem_deref(t);
}

/* Proceeding --2xx--> Accepted over TCP: M still runs (all transports). */
static void test_ict_accepted_tcp(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &tcp);
	assert_int_equal(feed(f, response(183, "INVITE", br, "a")), SP_TSX_MATCHED);
	assert_int_equal(feed(f, response(200, "INVITE", br, "a")), SP_TSX_MATCHED);
	assert_int_equal(sp_tsx_state(t), SP_TSX_ACCEPTED);
	tf_run_to(f, 31999);
	assert_int_equal(sp_tsx_state(t), SP_TSX_ACCEPTED);
	tf_run_to(f, 32000);
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	sp_mem_deref(t);
}

/* ---- matching and the layer ------------------------------------------------ */

/* §17.1.3: the CSeq method separates a CANCEL from its INVITE (same
 * branch); §9.1: the CANCEL the layer builds. */
static void test_cancel_matching(void **state)
{
	struct tf *f = *state;
	char br[32];
	struct sp_tsx *inv = start(f, "INVITE", br, &udp);
	assert_int_equal(feed(f, response(180, "INVITE", br, "r")), SP_TSX_MATCHED);

	/* The CANCEL, built from the INVITE. */
	struct sp_msg m;
	size_t len;
	const char *req = sp_tsx_request_bytes(inv, &len);
	assert_int_equal(sp_msg_parse(&m, req, len), 0);
	char buf[1024];
	struct sp_wbuf b;
	sp_wbuf_init(&b, buf, sizeof(buf));
	assert_int_equal(sp_tsx_build_cancel(&b, &m), 0);
	struct sp_msg c;
	assert_int_equal(sp_msg_parse(&c, b.p, b.len), 0);
	assert_int_equal(c.method_id, SP_METHOD_CANCEL);
	S_SAME(m.ruri_raw, c.ruri_raw);
	S_SAME(m.via1.branch, c.via1.branch);
	assert_int_equal(sp_msg_hdr_count(&c, SP_HDR_VIA), 1);
	S_SAME(sp_msg_hdr(&m, SP_HDR_TO)->value, sp_msg_hdr(&c, SP_HDR_TO)->value);
	assert_int_equal(c.cseq.seq, 314159);
	S_EQ(c.cseq.method, "CANCEL");
	assert_int_equal(sp_msg_hdr_count(&c, SP_HDR_ROUTE), 2);
	assert_int_equal(sp_msg_validate(&c), 0);
	sp_msg_free(&c);
	sp_msg_free(&m);

	struct sp_tsx *can = NULL;
	assert_int_equal(sp_tsx_request(&can, f->l, b.p, b.len, &udp, tf_event_cb, f), 0);
	assert_int_equal(sp_tsx_layer_count(f->l), 2);
	assert_int_equal(feed(f, response(200, "CANCEL", br, "r")), SP_TSX_MATCHED);
	assert_ptr_equal(f->ev[f->nev - 1].t, can);
	assert_int_equal(sp_tsx_state(can), SP_TSX_COMPLETED);
	assert_int_equal(sp_tsx_state(inv), SP_TSX_PROCEEDING);
	assert_int_equal(feed(f, response(487, "INVITE", br, "r")), SP_TSX_MATCHED);
	assert_ptr_equal(f->ev[f->nev - 1].t, inv);
	assert_int_equal(sp_tsx_state(inv), SP_TSX_COMPLETED);
	/* A response for another method with that branch matches nothing. */
	assert_int_equal(feed(f, response(200, "BYE", br, "r")), SP_TSX_STRAY);
	sp_mem_deref(can);
	sp_mem_deref(inv);
}

/* A response whose branch another worker made names that worker; one
 * made elsewhere (or no branch) is stray. */
static void test_other_worker(void **state)
{
	(void)state;
	struct tf *w0 = tf_new(NULL, 0, 3);
	struct tf *w2 = tf_new(NULL, 2, 3);
	char br[32];
	struct sp_tsx *t = start(w2, "OPTIONS", br, &udp);
	unsigned owner = 99, o;
	assert_true(sp_tsx_branch_owner(sp_str_c(br), &o));
	assert_int_equal(o, 2);
	assert_int_equal(tf_feed_from(w0, response(200, "OPTIONS", br, "x"), &udp, &owner),
			 SP_TSX_OTHER_WORKER);
	assert_int_equal(owner, 2);
	assert_int_equal(tf_feed_from(w2, response(200, "OPTIONS", br, "x"), &udp, &owner),
			 SP_TSX_MATCHED);
	assert_int_equal(tf_feed_from(w0, response(200, "OPTIONS", "z9hG4bKforeign", "x"), &udp,
				      &owner),
			 SP_TSX_STRAY);
	/* Branch forms. */
	assert_false(sp_tsx_branch_owner(SP_STR("z9hG4bKsp00"), &o));
	assert_false(sp_tsx_branch_owner(SP_STR("z9hG4bKspzzzz0123456789abcdef"), &o));
	assert_true(sp_tsx_branch_owner(SP_STR("z9hG4bKsp00ff0123456789abcdef"), &o));
	assert_int_equal(o, 255);
	char b1[32], b2[32];
	assert_int_equal(sp_tsx_branch(w0->l, b1, sizeof(b1)), SP_TSX_BRANCH_LEN);
	assert_int_equal(sp_tsx_branch(w0->l, b2, sizeof(b2)), SP_TSX_BRANCH_LEN);
	assert_string_not_equal(b1, b2);
	assert_int_equal(sp_tsx_branch(w0->l, b1, SP_TSX_BRANCH_LEN), -ENOSPC);
	sp_mem_deref(t);
	tf_free(w0);
	tf_free(w2);
}

/* Requests the layer refuses; the table bound; out of memory. */
static void test_request_errors(void **state)
{
	(void)state;
	struct sp_tsx_config cfg = { .max_tsx = 2 };
	struct tf *f = tf_new(&cfg, 0, 1);
	char br[32];
	struct sp_tsx *t = NULL;
	const char *req = request(f, "ACK", br);
	assert_int_equal(sp_tsx_request(&t, f->l, req, strlen(req), &udp, tf_event_cb, f),
			 -EINVAL);
	assert_int_equal(sp_tsx_request(&t, f->l, "garbage", 7, &udp, tf_event_cb, f), -EINVAL);
	const char *resp = response(200, "INVITE", "z9hG4bKx", "a");
	assert_int_equal(sp_tsx_request(&t, f->l, resp, strlen(resp), &udp, tf_event_cb, f),
			 -EINVAL);
	assert_int_equal(f->nsent, 0);

	req = request(f, "INVITE", br);
	assert_int_equal(sp_tsx_request(NULL, f->l, req, strlen(req), &udp, tf_event_cb, f), 0);
	assert_int_equal(sp_tsx_request(NULL, f->l, req, strlen(req), &udp, tf_event_cb, f),
			 -EEXIST);
	req = request(f, "INVITE", br);
	assert_int_equal(sp_tsx_request(NULL, f->l, req, strlen(req), &udp, tf_event_cb, f), 0);
	req = request(f, "INVITE", br);
	assert_int_equal(sp_tsx_request(NULL, f->l, req, strlen(req), &udp, tf_event_cb, f),
			 -EBUSY);
	assert_int_equal(sp_tsx_layer_count(f->l), 2);
	tf_free(f);

	f = tf_new(NULL, 0, 1);
	req = request(f, "INVITE", br);
	for (long n = 0; n < 8; n++) {
		sp_mem_fail_after(n);
		int rc = sp_tsx_request(&t, f->l, req, strlen(req), &udp, tf_event_cb, f);
		sp_mem_fail_after(-1);
		if (rc == 0) {
			assert_true(n > 0);
			sp_mem_deref(t);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
	}
	assert_int_equal(sp_tsx_layer_count(f->l), 1);
	tf_free(f);
}

/* A client transaction with its keys given (a proxy's, no parse): it
 * matches its responses by branch and method like a parsed one, copies
 * the keys (the caller's buffers may go), refuses ACK, no branch and a
 * duplicate branch. */
static void test_keyed_request(void **state)
{
	struct tf *f = *state;
	char br[32], keybuf[64];
	struct sp_tsx *t = NULL;
	const char *req = request(f, "INVITE", br);
	snprintf(keybuf, sizeof(keybuf), "%s", br);
	struct sp_tsx_keys k = {
		.method = SP_METHOD_INVITE,
		.method_name = SP_STR("INVITE"),
		.via1 = SP_STR("SIP/2.0/UDP 192.0.2.1:5060;branch=x"),
		.branch = sp_str_c(keybuf),
		.sent_by_host = SP_STR("192.0.2.1"),
		.sent_by_port = 5060,
		.call_id = SP_STR(CALL_ID),
		.from_tag = SP_STR("1928301774"),
		.ruri = SP_STR("sip:bob@biloxi.example.com"),
		.cseq = 314159,
	};
	struct sp_tsx_keys bad = k;
	bad.method = SP_METHOD_ACK;
	assert_int_equal(sp_tsx_request_keyed(&t, f->l, req, strlen(req), &bad, &udp, tf_event_cb,
					      f),
			 -EINVAL);
	bad = k;
	bad.branch = SP_STR_NULL;
	assert_int_equal(sp_tsx_request_keyed(&t, f->l, req, strlen(req), &bad, &udp, tf_event_cb,
					      f),
			 -EINVAL);
	assert_int_equal(
		sp_tsx_request_keyed(&t, f->l, req, strlen(req), &k, &udp, tf_event_cb, f), 0);
	memset(keybuf, 'x', sizeof(keybuf) - 1); /* copied: the caller's buffer may change */
	assert_int_equal(sp_tsx_request_keyed(NULL, f->l, req, strlen(req), &k, &udp, tf_event_cb,
					      f),
			 0); /* another branch now ("xxx..."): a new transaction */
	assert_int_equal(f->nsent, 2);
	assert_int_equal(sp_tsx_state(t), SP_TSX_CALLING);
	assert_int_equal(feed(f, response(180, "INVITE", br, "b")), SP_TSX_MATCHED);
	assert_int_equal(sp_tsx_state(t), SP_TSX_PROCEEDING);
	assert_int_equal(f->ev[0].status, 180);
	struct sp_tsx_keys dup = k;
	dup.branch = sp_str_c(br);
	assert_int_equal(sp_tsx_request_keyed(NULL, f->l, req, strlen(req), &dup, &udp,
					      tf_event_cb, f),
			 -EEXIST);
	sp_mem_deref(t);
}

/* The ACK builder on its own: missing headers are refused, a small
 * buffer gives -ENOSPC. */
static void test_build_ack_errors(void **state)
{
	struct tf *f = *state;
	char br[32];
	const char *req = request(f, "INVITE", br);
	struct sp_msg inv, resp;
	char *copy = strdup(req);
	assert_int_equal(sp_msg_parse(&inv, copy, strlen(copy)), 0);
	const char *r = response(486, "INVITE", br, "x");
	char *rcopy = strdup(r);
	assert_int_equal(sp_msg_parse(&resp, rcopy, strlen(rcopy)), 0);
	char small[64];
	struct sp_wbuf b;
	sp_wbuf_init(&b, small, sizeof(small));
	assert_int_equal(sp_tsx_build_ack(&b, &inv, &resp), -ENOSPC);
	sp_wbuf_init(&b, small, sizeof(small));
	assert_int_equal(sp_tsx_build_ack(&b, &resp, &resp), -EINVAL);
	assert_int_equal(sp_tsx_build_ack(&b, &inv, &inv), -EINVAL);
	sp_msg_free(&inv);
	sp_msg_free(&resp);
	free(copy);
	free(rcopy);
}

/* The layer refuses messages it cannot match. */
static void test_input_badmsg(void **state)
{
	struct tf *f = *state;
	assert_int_equal(feed(f, "SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa\r\n"
				 "From: <sip:a@b>;tag=1\r\n"
				 "To: <sip:a@b>\r\n"
				 "Call-ID: x\r\n"
				 "Content-Length: 0\r\n\r\n"),
			 -EBADMSG);
	assert_int_equal(feed(f, "SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/UDP 192.0.2.1\r\n"
				 "From: <sip:a@b>;tag=1\r\n"
				 "To: <sip:a@b>\r\n"
				 "Call-ID: x\r\n"
				 "CSeq: 1 OPTIONS\r\n"
				 "Content-Length: 0\r\n\r\n"),
			 SP_TSX_STRAY);
}

/* Destroying the layer with live transactions runs no callback and leaks
 * nothing; a transaction the TU still holds is inert. */
static void test_destroy_live(void **state)
{
	(void)state;
	struct tf *f = tf_new(NULL, 0, 1);
	char br[32];
	struct sp_tsx *t = start(f, "INVITE", br, &udp);
	sp_mem_deref(start(f, "OPTIONS", br, &tcp));
	sp_tsx_layer_destroy(f->l);
	f->l = NULL;
	assert_int_equal(sp_tsx_state(t), SP_TSX_TERMINATED);
	assert_int_equal(sp_tsx_respond(t, "SIP/2.0 200 OK\r\n\r\n", 18), -ESTALE);
	assert_int_equal(f->nev, 0);
	sp_mem_deref(t);
	sp_loop_destroy(f->loop);
	for (unsigned i = 0; i < f->nsent; i++)
		free(f->sent[i].buf);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_nict_udp_timeout),
		T(test_nict_tcp_timeout),
		T(test_nict_proceeding),
		T(test_nict_proceeding_t2),
		T(test_nict_completed_udp),
		T(test_nict_completed_tcp),
		T(test_nict_transport_error),
		T(test_first_send_fails),
		T(test_ict_udp_timeout),
		T(test_ict_tcp_timeout),
		T(test_ict_proceeding),
		T(test_ict_non2xx_udp),
		T(test_ict_non2xx_tcp),
		T(test_ict_ack_transport_error),
		T(test_ict_transport_error),
		T(test_ict_accepted),
		T(test_ict_accepted_tcp),
		T(test_cancel_matching),
		T(test_other_worker),
		T(test_request_errors),
		T(test_keyed_request),
		T(test_build_ack_errors),
		T(test_input_badmsg),
		T(test_destroy_live),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
