/*
 * RTP sessions (src/media/rtp_session.c, rtcp_session.c, rtp_socket.c)
 * over real loopback sockets on one sp_loop with a fake clock: two
 * sessions exchange 50 packets each and their RTCP reports (a reduced
 * minimum interval of 100 ms); the receiver counts, zero loss, zero
 * jitter (arrivals follow the timestamps exactly on the fake clock), the
 * first packet held on probation and delivered with the second, SR
 * and RR contents, CNAMEs and a round-trip time; packets dropped on the
 * way (sp_rtp_session_drop_next) seen as loss by the receiver and reported
 * back to the sender in RTCP; rtcp-mux on one port; symmetric RTP latching
 * to the real source; BYE with a reason on destroy; the port pair, the
 * DSCP marking, configuration errors and allocation failure.
 *
 * Waiting is a bounded number of sp_loop_run_once iterations; nothing
 * asserts on elapsed real time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "siphon/loop.h"
#include "siphon/mem.h"
#include "siphon/rtp.h"
#include "siphon/sa.h"
#include "../../src/media/rtp_int.h" /* the socket fds, for the DSCP check */

#define SPIN 200

static sp_msec fake_time;

static sp_msec fake_now(void *arg)
{
	(void)arg;
	return fake_time;
}

struct peer {
	struct sp_rtp_session *s;
	unsigned nrtp, nrtcp, nbye;
	uint16_t last_seq;
	uint8_t last_pt;
	size_t last_len;
	char bye_reason[64];
	bool destroy_on_rtp;
};

static void on_rtp(struct sp_rtp_session *s, const struct sp_rtp_pkt *pkt, sp_msec arrival,
		   void *arg)
{
	struct peer *p = arg;
	assert_ptr_equal(s, p->s);
	assert_int_equal(arrival, fake_time);
	p->nrtp++;
	p->last_seq = pkt->seq;
	p->last_pt = pkt->pt;
	p->last_len = pkt->payload_len;
	if (p->destroy_on_rtp) {
		sp_rtp_session_destroy(s, NULL);
		p->s = NULL;
	}
}

static void on_rtcp(struct sp_rtp_session *s, const uint8_t *buf, size_t len, void *arg)
{
	struct peer *p = arg;
	struct sp_rtcp_iter it;
	struct sp_rtcp_pkt pkt;
	(void)s;
	p->nrtcp++;
	/* The session hands over only valid compounds. */
	assert_int_equal(sp_rtcp_parse(&it, buf, len), 0);
	while (sp_rtcp_next(&it, &pkt) > 0) {
		if (pkt.pt != SP_RTCP_BYE)
			continue;
		p->nbye++;
		if (pkt.u.bye.reason)
			snprintf(p->bye_reason, sizeof(p->bye_reason), "%.*s",
				 (int)pkt.u.bye.reason_len, (const char *)pkt.u.bye.reason);
	}
}

static struct sp_loop *fake_loop(void)
{
	struct sp_clock clk = { fake_now, NULL };
	struct sp_loop *loop = NULL;
	fake_time = 1000000;
	assert_int_equal(sp_loop_create(&loop, &clk), 0);
	return loop;
}

static struct sp_rtp_config config(struct peer *p, const char *cname, bool mux)
{
	struct sp_rtp_config c = { 0 };
	assert_int_equal(sp_sa_parse(&c.local, sp_str_c("127.0.0.1"), 0), 0);
	c.rtcp_mux = mux;
	c.rtcp_min_ms = 100;
	c.cname = cname;
	c.on_rtp = on_rtp;
	c.on_rtcp = on_rtcp;
	c.arg = p;
	return c;
}

static void open_peer(struct peer *p, struct sp_loop *loop, const char *cname, bool mux)
{
	memset(p, 0, sizeof(*p));
	struct sp_rtp_config c = config(p, cname, mux);
	assert_int_equal(sp_rtp_session_create(&p->s, loop, &c), 0);
	assert_non_null(p->s);
}

/* Runs the loop until *counter reaches want (or SPIN iterations). */
static void pump_until(struct sp_loop *loop, const unsigned *counter, unsigned want)
{
	for (int i = 0; i < SPIN && *counter < want; i++)
		sp_loop_run_once(loop, 10);
}

/* Packets on_rtp has seen once packet i (from 0) of a new source was
 * sent: none while the first is held on probation (§A.1), then all. */
static unsigned delivered(unsigned i)
{
	return i ? i + 1 : 0;
}

/* Drains whatever is in flight without waiting long. */
static void drain(struct sp_loop *loop)
{
	for (int i = 0; i < 3; i++)
		sp_loop_run_once(loop, 0);
}

/* Moves the fake clock by ms, firing due timers (RTCP), and delivers what
 * they sent. */
static void step(struct sp_loop *loop, sp_msec ms)
{
	fake_time += ms;
	sp_loop_advance(loop);
	drain(loop);
}

static void connect_pair(struct peer *a, struct peer *b)
{
	assert_int_equal(sp_rtp_session_set_remote(a->s, sp_rtp_session_local_rtp(b->s), NULL), 0);
	assert_int_equal(sp_rtp_session_set_remote(b->s, sp_rtp_session_local_rtp(a->s), NULL), 0);
}

static void test_exchange(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop();
	struct peer a, b;
	open_peer(&a, loop, "alice@example.com", false);
	open_peer(&b, loop, "bob@example.com", false);

	/* RTP on an even port, RTCP on the next. */
	const struct sp_sa *rtp = sp_rtp_session_local_rtp(a.s);
	const struct sp_sa *rtcp = sp_rtp_session_local_rtcp(a.s);
	assert_int_equal(sp_sa_port(rtp) % 2, 0);
	assert_int_equal(sp_sa_port(rtcp), sp_sa_port(rtp) + 1);
	assert_true(sp_sa_port(rtp) >= 16384 && sp_sa_port(rtp) <= 32766);
	assert_int_not_equal(sp_rtp_session_ssrc(a.s), sp_rtp_session_ssrc(b.s));

	uint8_t payload[160];
	memset(payload, 0xd5, sizeof(payload));
	assert_int_equal(sp_rtp_session_send(a.s, 0, false, 160, payload, sizeof(payload)),
			 -ENOTCONN);
	connect_pair(&a, &b);

	for (unsigned i = 0; i < 50; i++) {
		assert_int_equal(sp_rtp_session_send(a.s, 0, i == 0, 160, payload, 160), 0);
		assert_int_equal(sp_rtp_session_send(b.s, 8, i == 0, 160, payload, 160), 0);
		/* The first packet of each is held on probation (§A.1) and
		 * handed over with the second. */
		pump_until(loop, &a.nrtp, delivered(i));
		pump_until(loop, &b.nrtp, delivered(i));
		step(loop, 20);
	}
	assert_int_equal(a.nrtp, 50);
	assert_int_equal(b.nrtp, 50);
	assert_int_equal(a.last_pt, 8);
	assert_int_equal(b.last_pt, 0);
	assert_int_equal(b.last_len, 160);
	/* Let reports flow for a simulated 2 s. */
	for (int i = 0; i < 100; i++)
		step(loop, 20);

	struct sp_rtp_stats sa, sb;
	sp_rtp_session_stats(a.s, &sa);
	sp_rtp_session_stats(b.s, &sb);
	assert_int_equal(sa.sent_packets, 50);
	assert_int_equal(sa.sent_octets, 50 * 160);
	assert_true(sa.have_source);
	assert_true(sa.remote_valid);
	assert_int_equal(sa.remote_ssrc, sp_rtp_session_ssrc(b.s));
	assert_int_equal(sa.received_packets, 49);
	assert_int_equal(sa.received_octets, 49 * 160);
	assert_int_equal(sa.expected, 49);
	assert_int_equal(sa.lost, 0);
	assert_int_equal(sa.fraction_lost, 0);
	assert_int_equal(sa.duplicates, 0);
	assert_int_equal(sa.out_of_order, 0);
	/* Every packet arrived exactly 160 timestamp units after the last. */
	assert_int_equal(sa.jitter_ts, 0);
	assert_true(sa.jitter_ms == 0.0);
	assert_string_equal(sa.cname, "bob@example.com");
	assert_string_equal(sb.cname, "alice@example.com");
	assert_false(sa.bye);
	/* RTCP went both ways; each side read the other's report on it. */
	assert_true(sa.rtcp_sent >= 3);
	assert_true(sb.rtcp_sent >= 3);
	assert_true(sa.rtcp_received >= 3);
	assert_int_equal(a.nrtcp, sa.rtcp_received);
	assert_int_equal(sa.bad_packets, 0);
	assert_true(sa.have_report);
	assert_int_equal(sa.remote_lost, 0);
	assert_int_equal(sa.remote_fraction_lost, 0);
	assert_int_equal(sa.remote_jitter_ts, 0);
	/* LSR/DLSR came back: on the fake clock the path takes no time. */
	assert_true(sa.have_rtt);
	assert_true(sb.have_rtt);
	assert_true(sa.rtt_ms <= 1);
	assert_int_equal(sb.received_packets, 49);
	assert_int_equal(sb.lost, 0);

	sp_rtp_session_destroy(a.s, NULL);
	sp_rtp_session_destroy(b.s, NULL);
	sp_loop_destroy(loop);
}

static void test_loss_reported(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop();
	struct peer a, b;
	open_peer(&a, loop, NULL, false);
	open_peer(&b, loop, NULL, false);
	connect_pair(&a, &b);
	uint8_t payload[80] = { 0 };

	unsigned want = 0;
	for (unsigned i = 0; i < 50; i++) {
		if (i == 20)
			sp_rtp_session_drop_next(a.s, 3); /* packets 20, 21, 22 */
		if (i == 40)
			sp_rtp_session_drop_next(a.s, 1); /* packet 40 */
		assert_int_equal(sp_rtp_session_send(a.s, 0, false, 80, payload, 80), 0);
		bool lost = (i >= 20 && i <= 22) || i == 40;
		if (i > 0 && !lost)
			want++;
		pump_until(loop, &b.nrtp, want);
		step(loop, 10);
	}
	for (int i = 0; i < 100; i++)
		step(loop, 20);

	struct sp_rtp_stats sa, sb;
	sp_rtp_session_stats(b.s, &sb);
	assert_int_equal(b.nrtp, 46);
	assert_int_equal(sb.received_packets, 45);
	assert_int_equal(sb.expected, 49); /* packets 1..49 */
	assert_int_equal(sb.lost, 4);
	assert_true(sb.rtcp_sent >= 2);
	/* The sender heard it in B's reports. */
	sp_rtp_session_stats(a.s, &sa);
	assert_int_equal(sa.sent_packets, 50); /* dropped ones count as sent */
	assert_true(sa.have_report);
	assert_int_equal(sa.remote_lost, 4);
	assert_true(sa.have_rtt);
	/* A sent and never received: its stats have no source. */
	assert_false(sa.have_source);

	sp_rtp_session_destroy(a.s, NULL);
	sp_rtp_session_destroy(b.s, NULL);
	sp_loop_destroy(loop);
}

static void test_mux(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop();
	struct peer a, b;
	open_peer(&a, loop, "a", true);
	open_peer(&b, loop, "b", true);
	assert_true(sp_sa_eq(sp_rtp_session_local_rtp(a.s), sp_rtp_session_local_rtcp(a.s)));
	connect_pair(&a, &b);
	uint8_t payload[20] = { 0 };

	/* RFC 5761 §4: payload types 64-95 would look like RTCP. */
	assert_int_equal(sp_rtp_session_send(a.s, 72, false, 160, payload, 20), -EINVAL);
	assert_int_equal(sp_rtp_session_send(a.s, 128, false, 160, payload, 20), -EINVAL);
	for (unsigned i = 0; i < 50; i++) {
		assert_int_equal(sp_rtp_session_send(a.s, 96, false, 160, payload, 20), 0);
		assert_int_equal(sp_rtp_session_send(b.s, 96, false, 160, payload, 20), 0);
		pump_until(loop, &b.nrtp, delivered(i));
		step(loop, 20);
	}
	for (int i = 0; i < 50; i++)
		step(loop, 20);
	struct sp_rtp_stats sa;
	sp_rtp_session_stats(a.s, &sa);
	assert_int_equal(b.nrtp, 50);
	assert_int_equal(sa.received_packets, 49);
	assert_true(sa.rtcp_received >= 1);
	assert_true(sa.have_rtt);
	assert_string_equal(sa.cname, "b");
	assert_int_equal(sa.bad_packets, 0);
	sp_rtp_session_destroy(a.s, NULL);
	sp_rtp_session_destroy(b.s, NULL);
	sp_loop_destroy(loop);
}

static void test_latching_and_bye(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop();
	struct peer a, b;
	open_peer(&a, loop, "a", false);
	struct sp_rtp_config cb = config(&b, "b", false);
	cb.symmetric = true;
	memset(&b, 0, sizeof(b));
	assert_int_equal(sp_rtp_session_create(&b.s, loop, &cb), 0);

	/* B was told a wrong address (as from SDP behind NAT). */
	struct sp_sa wrong;
	assert_int_equal(sp_sa_parse(&wrong, sp_str_c("127.0.0.1:9"), 0), 0);
	assert_int_equal(sp_rtp_session_set_remote(b.s, &wrong, NULL), 0);
	assert_int_equal(sp_rtp_session_set_remote(a.s, sp_rtp_session_local_rtp(b.s), NULL), 0);
	uint8_t payload[20] = { 0 };
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(sp_rtp_session_send(a.s, 0, false, 160, payload, 20), 0);
		pump_until(loop, &b.nrtp, delivered(i));
		step(loop, 20);
	}
	assert_int_equal(b.nrtp, 5);
	/* B now answers where A's packets came from. */
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(sp_rtp_session_send(b.s, 0, false, 160, payload, 20), 0);
		pump_until(loop, &a.nrtp, delivered(i));
		step(loop, 20);
	}
	assert_int_equal(a.nrtp, 5);
	/* RTCP latches on its own, from A's reports. */
	for (int i = 0; i < 50; i++)
		step(loop, 20);
	struct sp_rtp_stats sb;
	sp_rtp_session_stats(b.s, &sb);
	assert_true(sb.rtcp_received >= 1);

	/* BYE with a reason reaches A, which marks the source. */
	unsigned before = a.nrtcp;
	sp_rtp_session_destroy(b.s, "call ended");
	pump_until(loop, &a.nrtcp, before + 1);
	assert_int_equal(a.nbye, 1);
	assert_string_equal(a.bye_reason, "call ended");
	struct sp_rtp_stats sa;
	sp_rtp_session_stats(a.s, &sa);
	assert_true(sa.bye);
	sp_rtp_session_destroy(a.s, NULL);
	sp_loop_destroy(loop);
}

static void test_destroy_in_callback(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop();
	struct peer a, b;
	open_peer(&a, loop, "a", false);
	open_peer(&b, loop, "b", false);
	connect_pair(&a, &b);
	b.destroy_on_rtp = true;
	uint8_t payload[4] = { 0 };
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(sp_rtp_session_send(a.s, 0, false, 160, payload, 4), 0);
	pump_until(loop, &b.nrtp, 1);
	assert_int_equal(b.nrtp, 1);
	assert_null(b.s);
	drain(loop);
	assert_int_equal(b.nrtp, 1);
	/* B sent neither RTP nor RTCP, so no BYE went out (§6.3.7). */
	assert_int_equal(a.nbye, 0);
	sp_rtp_session_destroy(a.s, NULL);
	sp_loop_destroy(loop);
}

static void test_ports_dscp_errors(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop();
	struct peer a, b;
	struct sp_rtp_session *none = (struct sp_rtp_session *)&b; /* must stay */
	struct sp_rtp_session *out = none;

	/* DSCP: EF by default, or as configured, on both sockets. */
	open_peer(&a, loop, "a", false);
	int tos = 0;
	socklen_t tl = sizeof(tos);
	assert_int_equal(getsockopt(a.s->rtp_fd, IPPROTO_IP, IP_TOS, &tos, &tl), 0);
	assert_int_equal(tos, 46 << 2);
	assert_int_equal(getsockopt(a.s->rtcp_fd, IPPROTO_IP, IP_TOS, &tos, &tl), 0);
	assert_int_equal(tos, 46 << 2);

	/* A range holding exactly the pair A took: busy. */
	struct sp_rtp_config c = config(&b, "b", false);
	uint16_t port = sp_sa_port(sp_rtp_session_local_rtp(a.s));
	c.port_min = port;
	c.port_max = (uint16_t)(port + 1);
	assert_int_equal(sp_rtp_session_create(&out, loop, &c), -EADDRINUSE);
	assert_ptr_equal(out, none);
	/* The next pair up is free (or, rarely, used by someone else). */
	c.port_max = (uint16_t)(port + 3);
	c.dscp = 34; /* AF41 */
	int rc = sp_rtp_session_create(&out, loop, &c);
	if (rc == 0) {
		assert_int_equal(sp_sa_port(sp_rtp_session_local_rtp(out)), port + 2);
		assert_int_equal(getsockopt(out->rtp_fd, IPPROTO_IP, IP_TOS, &tos, &tl), 0);
		assert_int_equal(tos, 34 << 2);
		sp_rtp_session_destroy(out, NULL);
		out = none;
	} else {
		assert_int_equal(rc, -EADDRINUSE);
	}
	/* An odd-only range has no pair: EINVAL. */
	c.port_min = c.port_max = 20001;
	assert_int_equal(sp_rtp_session_create(&out, loop, &c), -EINVAL);
	/* Bad configurations. */
	c = config(&b, "b", false);
	c.on_rtp = NULL;
	assert_int_equal(sp_rtp_session_create(&out, loop, &c), -EINVAL);
	c = config(&b, "b", false);
	c.local.len = 0;
	assert_int_equal(sp_rtp_session_create(&out, loop, &c), -EINVAL);
	c = config(&b, "b", false);
	c.dscp = 64;
	assert_int_equal(sp_rtp_session_create(&out, loop, &c), -EINVAL);
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c = config(&b, big, false);
	assert_int_equal(sp_rtp_session_create(&out, loop, &c), -EINVAL);
	assert_ptr_equal(out, none);

	/* Allocation failure: ENOMEM, nothing left open. */
	c = config(&b, "b", false);
	sp_mem_fail_after(0);
	rc = sp_rtp_session_create(&out, loop, &c);
	sp_mem_fail_after(-1);
	assert_int_equal(rc, -ENOMEM);
	assert_ptr_equal(out, none);

	/* Remote addresses: unset, wildcard, port 0, other family. */
	struct sp_sa r;
	assert_int_equal(sp_rtp_session_set_remote(a.s, &(struct sp_sa){ 0 }, NULL), -EINVAL);
	assert_int_equal(sp_sa_parse(&r, sp_str_c("0.0.0.0:4000"), 0), 0);
	assert_int_equal(sp_rtp_session_set_remote(a.s, &r, NULL), -EINVAL);
	assert_int_equal(sp_sa_parse(&r, sp_str_c("127.0.0.1"), 0), 0);
	assert_int_equal(sp_rtp_session_set_remote(a.s, &r, NULL), -EINVAL);
	assert_int_equal(sp_sa_parse(&r, sp_str_c("[::1]:4000"), 0), 0);
	assert_int_equal(sp_rtp_session_set_remote(a.s, &r, NULL), -EINVAL);
	assert_int_equal(sp_sa_parse(&r, sp_str_c("127.0.0.1:65535"), 0), 0);
	assert_int_equal(sp_rtp_session_set_remote(a.s, &r, NULL), -EINVAL); /* no RTCP port */
	assert_int_equal(sp_sa_parse(&r, sp_str_c("127.0.0.1:4000"), 0), 0);
	assert_int_equal(sp_rtp_session_set_remote(a.s, &r, NULL), 0);
	uint8_t big_payload[1461] = { 0 };
	assert_int_equal(sp_rtp_session_send(a.s, 0, false, 160, big_payload, 1461), -EMSGSIZE);
	sp_rtp_session_destroy(a.s, NULL);
	sp_rtp_session_destroy(NULL, NULL);
	sp_loop_destroy(loop);
}

static void test_ipv6(void **state)
{
	(void)state;
	struct sp_loop *loop = fake_loop();
	struct peer a, b;
	struct sp_rtp_config ca = config(&a, "a6", false), cb = config(&b, "b6", false);
	assert_int_equal(sp_sa_parse(&ca.local, sp_str_c("::1"), 0), 0);
	cb.local = ca.local;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (sp_rtp_session_create(&a.s, loop, &ca) != 0) {
		sp_loop_destroy(loop);
		skip(); /* no IPv6 loopback here */
	}
	assert_int_equal(sp_rtp_session_create(&b.s, loop, &cb), 0);
	connect_pair(&a, &b);
	uint8_t payload[8] = { 0 };
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(sp_rtp_session_send(a.s, 0, false, 160, payload, 8), 0);
		pump_until(loop, &b.nrtp, delivered(i));
		step(loop, 20);
	}
	assert_int_equal(b.nrtp, 5);
	int tc = 0;
	socklen_t tl = sizeof(tc);
	assert_int_equal(getsockopt(a.s->rtp_fd, IPPROTO_IPV6, IPV6_TCLASS, &tc, &tl), 0);
	assert_int_equal(tc, 46 << 2);
	sp_rtp_session_destroy(a.s, NULL);
	sp_rtp_session_destroy(b.s, NULL);
	sp_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_loss_reported),
		cmocka_unit_test(test_mux),
		cmocka_unit_test(test_latching_and_bye),
		cmocka_unit_test(test_destroy_in_callback),
		cmocka_unit_test(test_ports_dscp_errors),
		cmocka_unit_test(test_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
