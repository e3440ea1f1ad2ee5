/*
 * Opus in the softphone's media sessions (src/ua/media_session*.c with
 * codecs "opus,..."), as test_media_session.c does for G.711: sessions on
 * 127.0.0.1 on one sp_loop with a fake clock (5 ms steps).
 *  - A and B both list opus first: the answer is opus/48000/2 (RFC 7587
 *    §6.2) with telephone-event/48000; A plays a 2 s chirp, B records:
 *    the recording correlates > 0.9, nothing lost or concealed, the
 *    payloads are compressed, the summary says codec=opus; RFC 4733
 *    digits go through on the 48 kHz clock;
 *  - G.711 stays as it was: a default (PCMU,PCMA) offer to an Opus
 *    answerer and an Opus offer to a default answerer both end on PCMU
 *    with telephone-event/8000, and the default offer mentions no Opus;
 *  - a foreign peer (a bare RTP session here) offers Opus on payload
 *    type 96: B answers with 96 and sends with it, its RTP timestamps
 *    step 960 per 20 ms packet (RFC 7587 §4.1); packets the peer drops
 *    are concealed (concealed_frames > 0) and reported lost;
 *  - a re-offer from Opus to PCMU: B's timestamps step 160 from then on;
 *  - configuration: 30 ms ptime with Opus, a repeated name; without
 *    libopus "opus" is refused with -ENOTSUP.
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
#include <math.h>
#include <unistd.h>

#include "siphon/audio.h"
#include "siphon/loop.h"
#include "siphon/media_session.h"
#include "siphon/mem.h"
#include "siphon/opus.h"
#include "siphon/print.h"
#include "siphon/rtp.h"
#include "siphon/sa.h"
#include "siphon/wav.h"

#include "media_harness.h"
#include "test_util.h"

#define STEP_MS 5
#define SDP_CAP 4096
#define OPUS	"opus,PCMU,PCMA"

struct fixture {
	struct sp_loop *loop;
	char dir[64];
	char chirp[128], rec[128];
	struct sp_media_session *a, *b;
	char digits[32];
	unsigned ndigits;
	/* The bare RTP peer of test_foreign_peer and what it heard. */
	struct sp_rtp_session *peer;
	unsigned peer_pkts, peer_bad_pt, peer_bad_step, peer_pcmu;
	uint32_t peer_last_ts;
	int peer_last_pt;
};

static void run_for(struct fixture *f, unsigned ms)
{
	mh_run(f->loop, ms, STEP_MS);
}

static void on_dtmf(void *arg, char digit)
{
	struct fixture *f = arg;
	if (f->ndigits < sizeof(f->digits) - 1)
		f->digits[f->ndigits++] = digit;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->loop = mh_loop_create();
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_opus_call.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->chirp, sizeof(f->chirp), "%s/chirp.wav", f->dir);
	snprintf(f->rec, sizeof(f->rec), "%s/rec.wav", f->dir);
	mh_write_chirp(f->chirp);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sp_media_session_destroy(f->a);
	sp_media_session_destroy(f->b);
	if (f->peer)
		sp_rtp_session_destroy(f->peer, NULL);
	sp_loop_destroy(f->loop);
	unlink(f->chirp);
	unlink(f->rec);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct sp_media_config config(struct fixture *f, const char *codecs)
{
	struct sp_media_config c = {0};
	c.loop = f->loop;
	c.local_ip = "127.0.0.1";
	c.dscp = -1;
	c.rtcp_interval_ms = 200;
	c.codecs = codecs;
	c.on_dtmf = on_dtmf;
	c.arg = f;
	return c;
}

/* A plays the chirp to B over Opus; then DTMF. */
static void test_opus_call(void **state)
{
	struct fixture *f = *state;
	if (!sp_opus_available())
		skip();
	struct sp_media_config ca = config(f, OPUS), cb = config(f, "OPUS,pcmu");
	ca.play_path = f->chirp;
	cb.record_path = f->rec;
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	char offer[SDP_CAP], ans[SDP_CAP];
	mh_exchange(f->a, f->b, offer, ans, SDP_CAP);
	assert_non_null(strstr(offer, "m=audio "));
	assert_non_null(strstr(offer, " RTP/AVP 111 0 8 110 101\r\n"));
	assert_non_null(strstr(offer, "a=rtpmap:111 opus/48000/2\r\n"));
	assert_non_null(strstr(offer, "a=fmtp:111 maxplaybackrate=8000;sprop-maxcapturerate=8000;"
				      "useinbandfec=1\r\n"));
	assert_non_null(strstr(ans, " RTP/AVP 111 0 110 101\r\n"));
	assert_non_null(strstr(ans, "a=rtpmap:110 telephone-event/48000\r\n"));

	run_for(f, 2600);
	struct sp_media_stats mid;
	sp_media_session_stats(f->b, &mid);
	assert_int_equal(mid.concealed_frames, 0);
	assert_int_equal(mid.lost, 0);
	assert_int_equal(mid.late, 0);
	/* §A.8 jitter on the 48 kHz clock: none on a fake clock. */
	assert_true(mid.jitter_ms < 0.1);
	sp_media_session_stop(f->a);
	run_for(f, 400);
	sp_media_session_stop(f->b);

	struct sp_media_stats sa, sb;
	sp_media_session_stats(f->a, &sa);
	sp_media_session_stats(f->b, &sb);
	char line[200];
	assert_true(sp_media_session_summary(f->b, line, sizeof(line)) > 0);
	print_message("A sent %llu (%llu octets), B %s\n", (unsigned long long)sa.sent_packets,
		      (unsigned long long)sa.sent_octets, line);
	assert_non_null(strstr(line, " codec=opus "));
	assert_string_equal(sa.codec, "opus");
	assert_in_range(sa.sent_packets, 125, 135);
	assert_in_range(sb.recv_packets, sa.sent_packets - 2, sa.sent_packets);
	/* Compressed: well under G.711's 160 octets per 20 ms. */
	assert_true(sb.recv_octets < sb.recv_packets * 100);
	assert_true(sb.recv_octets > sb.recv_packets * 20);
	assert_true(sb.concealed_frames <= 200 / 20); /* the tail only */
	assert_true(sb.remote_bye);
	assert_true(sa.rtt_ms >= 0);
	assert_true(mh_correlate(f->chirp, f->rec) > 0.9);
}

static void test_opus_dtmf(void **state)
{
	struct fixture *f = *state;
	if (!sp_opus_available())
		skip();
	struct sp_media_config ca = config(f, OPUS), cb = config(f, OPUS);
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	char ans[SDP_CAP];
	mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
	run_for(f, 200);
	assert_int_equal(sp_media_session_send_dtmf(f->a, "123#"), 4);
	run_for(f, 1500);
	assert_string_equal(f->digits, "123#");
	struct sp_media_stats sb;
	sp_media_session_stats(f->b, &sb);
	assert_int_equal(sb.ndtmf, 4);
	assert_int_equal(sb.lost, 0);
}

/* Whoever lacks Opus, the call is PCMU as before. */
static void test_pcmu_fallback(void **state)
{
	struct fixture *f = *state;
	if (!sp_opus_available())
		skip();
	char offer[SDP_CAP], ans[SDP_CAP];
	/* A default offer, answered by a side that prefers Opus. */
	struct sp_media_config ca = config(f, NULL), cb = config(f, OPUS);
	ca.play_path = f->chirp;
	cb.record_path = f->rec;
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	mh_exchange(f->a, f->b, offer, ans, SDP_CAP);
	assert_null(strstr(offer, "opus"));
	assert_null(strstr(offer, "48000"));
	assert_non_null(strstr(offer, " RTP/AVP 0 8 101\r\n"));
	assert_non_null(strstr(ans, " RTP/AVP 0 8 101\r\n"));
	assert_null(strstr(ans, "opus"));
	run_for(f, 2600);
	sp_media_session_stop(f->a);
	run_for(f, 400);
	sp_media_session_stop(f->b);
	struct sp_media_stats sa, sb;
	sp_media_session_stats(f->a, &sa);
	sp_media_session_stats(f->b, &sb);
	assert_string_equal(sa.codec, "PCMU");
	assert_string_equal(sb.codec, "PCMU");
	assert_int_equal(sb.recv_octets, sb.recv_packets * 160);
	assert_true(mh_correlate(f->chirp, f->rec) > 0.9);
	sp_media_session_destroy(f->a);
	sp_media_session_destroy(f->b);

	/* An Opus offer, answered by a default (G.711-only) side. */
	ca = config(f, OPUS);
	cb = config(f, NULL);
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	mh_exchange(f->a, f->b, offer, ans, SDP_CAP);
	assert_non_null(strstr(offer, "opus/48000/2"));
	assert_non_null(strstr(ans, " RTP/AVP 0 8 101\r\n"));
	assert_null(strstr(ans, "opus"));
	assert_null(strstr(ans, "48000"));
	run_for(f, 300);
	sp_media_session_stats(f->a, &sa);
	sp_media_session_stats(f->b, &sb);
	assert_string_equal(sa.codec, "PCMU");
	assert_string_equal(sb.codec, "PCMU");
	assert_true(sb.recv_packets > 5 && sa.recv_packets > 5);
	assert_int_equal(sb.recv_octets, sb.recv_packets * 160);
	/* DTMF falls back to telephone-event/8000. */
	assert_int_equal(sp_media_session_send_dtmf(f->a, "9"), 1);
	run_for(f, 400);
	assert_string_equal(f->digits, "9");
}

static void on_peer_rtp(struct sp_rtp_session *s, const struct sp_rtp_pkt *pkt, sp_msec arrival,
			void *arg)
{
	struct fixture *f = arg;
	(void)s;
	(void)arrival;
	/* RFC 7587 §4.1: 960 per 20 ms of Opus; RFC 3551 §4.5: 160 of PCMU. */
	uint32_t step = pkt->pt == 96 ? 960 : 160;
	if (pkt->pt == 96)
		f->peer_pkts++;
	else if (pkt->pt == 0)
		f->peer_pcmu++;
	else
		f->peer_bad_pt++;
	if (f->peer_last_pt == pkt->pt && pkt->ts - f->peer_last_ts != step)
		f->peer_bad_step++;
	f->peer_last_ts = pkt->ts;
	f->peer_last_pt = pkt->pt;
}

/* A bare RTP peer offers Opus as pt 96 and sends the chirp, losing some
 * packets; B answers and records. */
static void test_foreign_peer(void **state)
{
	struct fixture *f = *state;
	if (!sp_opus_available())
		skip();
	struct sp_rtp_config rc = {0};
	assert_int_equal(sp_sa_from_host(&rc.local, SP_STR("127.0.0.1"), 0), 0);
	rc.clock_rate = SP_OPUS_CLOCK;
	rc.on_rtp = on_peer_rtp;
	rc.arg = f;
	f->peer_last_pt = -1;
	assert_int_equal(sp_rtp_session_create(&f->peer, f->loop, &rc), 0);
	uint16_t pport = sp_sa_port(sp_rtp_session_local_rtp(f->peer));

	struct sp_media_config cb = config(f, OPUS);
	cb.record_path = f->rec;
	cb.tone_hz = 1000;
	f->b = mh_make(&cb);
	char offer[1024], ans[SDP_CAP];
	int n = snprintf(offer, sizeof(offer),
			 "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			 "t=0 0\r\nm=audio %u RTP/AVP 96 0\r\na=rtpmap:96 opus/48000/2\r\n"
			 "a=fmtp:96 useinbandfec=1\r\na=ptime:20\r\n",
			 pport);
	struct sp_wbuf wa;
	sp_wbuf_init(&wa, ans, sizeof(ans) - 1);
	assert_int_equal(sp_media_session_answer(f->b, (struct sp_str){offer, (size_t)n}, &wa), 0);
	ans[wa.len] = 0;
	assert_non_null(strstr(ans, " RTP/AVP 96 0\r\na=rtpmap:96 opus/48000/2\r\n"));
	/* Our own parameters, not the offer's (RFC 7587 §6.2.1). */
	assert_non_null(strstr(ans, "a=fmtp:96 maxplaybackrate=8000;"));
	struct sp_sa bsa;
	assert_int_equal(sp_sa_from_host(&bsa, SP_STR("127.0.0.1"), sp_media_session_port(f->b)),
			 0);
	assert_int_equal(sp_rtp_session_set_remote(f->peer, &bsa, NULL), 0);

	/* The peer: the chirp in 20 ms Opus packets with FEC, 100 of them,
	 * losing packets 30, 50 and 51, 70. */
	int16_t *s = mh_chirp_samples();
	struct sp_opus_enc *enc = NULL;
	struct sp_opus_enc_config ec = {.fec = true, .loss_pct = 10};
	assert_int_equal(sp_opus_enc_create(&enc, &ec), 0);
	for (int i = 0; i < 100; i++) {
		uint8_t pkt[400];
		int len = sp_opus_encode(enc, s + i * 160, 160, pkt, sizeof(pkt));
		assert_true(len > 0);
		if (i == 30 || i == 50 || i == 70)
			sp_rtp_session_drop_next(f->peer, i == 50 ? 2 : 1);
		assert_int_equal(sp_rtp_session_send(f->peer, 96, i == 0, 960, pkt, (size_t)len),
				 0);
		run_for(f, 20);
	}
	sp_mem_deref(enc);
	free(s);
	struct sp_media_stats mid;
	sp_media_session_stats(f->b, &mid);
	run_for(f, 400);
	sp_media_session_stop(f->b);
	struct sp_media_stats sb;
	sp_media_session_stats(f->b, &sb);
	char line[200];
	assert_true(sp_media_session_summary(f->b, line, sizeof(line)) > 0);
	print_message("B %s; at the peer's last packet: concealed %llu, lost %lld\n", line,
		      (unsigned long long)mid.concealed_frames, (long long)mid.lost);
	/* Four packets lost; each one concealed, nothing else. */
	assert_int_equal(mid.lost, 4);
	assert_int_equal(mid.concealed_frames, 4);
	assert_int_equal(sb.lost, 4);
	assert_string_equal(sb.codec, "opus");
	assert_true(mh_correlate(f->chirp, f->rec) > 0.8);
	/* B sent to the peer with the peer's payload type, 960 per packet. */
	print_message("peer heard %u packets\n", f->peer_pkts);
	assert_true(f->peer_pkts > 90);
	assert_int_equal(f->peer_pcmu, 0);
	assert_int_equal(f->peer_bad_pt, 0);
	assert_int_equal(f->peer_bad_step, 0);
}

/* A re-offer moves the call from Opus to PCMU: B's sender restarts on
 * the 8 kHz clock (timestamps step 160), and PCMU from the peer plays. */
static void test_reoffer_pcmu(void **state)
{
	struct fixture *f = *state;
	if (!sp_opus_available())
		skip();
	struct sp_rtp_config rc = {0};
	assert_int_equal(sp_sa_from_host(&rc.local, SP_STR("127.0.0.1"), 0), 0);
	rc.on_rtp = on_peer_rtp;
	rc.arg = f;
	f->peer_last_pt = -1;
	assert_int_equal(sp_rtp_session_create(&f->peer, f->loop, &rc), 0);
	uint16_t pport = sp_sa_port(sp_rtp_session_local_rtp(f->peer));
	struct sp_media_config cb = config(f, OPUS);
	cb.tone_hz = 440;
	f->b = mh_make(&cb);
	for (int v = 0; v < 2; v++) {
		char offer[512], ans[SDP_CAP];
		int n = snprintf(offer, sizeof(offer),
				 "v=0\r\no=peer 1 %d IN IP4 127.0.0.1\r\ns=-\r\n"
				 "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %u RTP/AVP %s\r\n",
				 v + 1, pport,
				 v ? "0 101\r\na=rtpmap:101 telephone-event/8000"
				   : "96\r\na=rtpmap:96 opus/48000/2");
		struct sp_wbuf wa;
		sp_wbuf_init(&wa, ans, sizeof(ans) - 1);
		assert_int_equal(
		    sp_media_session_answer(f->b, (struct sp_str){offer, (size_t)n}, &wa), 0);
		run_for(f, 400);
	}
	struct sp_media_stats sb;
	sp_media_session_stats(f->b, &sb);
	assert_string_equal(sb.codec, "PCMU");
	print_message("peer heard %u Opus, %u PCMU packets\n", f->peer_pkts, f->peer_pcmu);
	assert_true(f->peer_pkts >= 15 && f->peer_pcmu >= 15);
	assert_int_equal(f->peer_bad_pt, 0);
	/* Within each codec the step is exact. */
	assert_int_equal(f->peer_bad_step, 0);
	/* PCMU from the peer is played on the new clock. */
	struct sp_sa bsa;
	assert_int_equal(sp_sa_from_host(&bsa, SP_STR("127.0.0.1"), sp_media_session_port(f->b)),
			 0);
	assert_int_equal(sp_rtp_session_set_remote(f->peer, &bsa, NULL), 0);
	uint8_t pcmu[160];
	memset(pcmu, 0x55, sizeof(pcmu));
	for (int i = 0; i < 20; i++) {
		assert_int_equal(sp_rtp_session_send(f->peer, 0, i == 0, 160, pcmu, sizeof(pcmu)),
				 0);
		run_for(f, 20);
	}
	sp_media_session_stats(f->b, &sb);
	assert_true(sb.recv_packets >= 18);
	assert_int_equal(sb.lost, 0);
}

static void test_config(void **state)
{
	struct fixture *f = *state;
	struct sp_media_session *m = NULL;
	struct sp_media_config c = config(f, OPUS);
	if (!sp_opus_available()) {
		assert_int_equal(sp_media_session_create(&m, &c), -ENOTSUP);
		c.codecs = "PCMU,opus";
		assert_int_equal(sp_media_session_create(&m, &c), -ENOTSUP);
		assert_null(m);
		return;
	}
	/* RFC 6716 §2.1.4: no 30 ms Opus frame. */
	c.ptime_ms = 30;
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.codecs = "PCMU";
	assert_int_equal(sp_media_session_create(&m, &c), 0);
	sp_media_session_destroy(m);
	m = NULL;
	c.ptime_ms = 40;
	c.codecs = "opus,Opus";
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.codecs = " opus , PCMA ";
	assert_int_equal(sp_media_session_create(&m, &c), 0);
	char buf[SDP_CAP];
	struct sp_wbuf w;
	sp_wbuf_init(&w, buf, sizeof(buf) - 1);
	assert_int_equal(sp_media_session_offer(m, &w), 0);
	buf[w.len] = 0;
	assert_non_null(strstr(buf, " RTP/AVP 111 8 110 101\r\n"));
	assert_non_null(strstr(buf, "a=ptime:40\r\n"));
	sp_media_session_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_opus_call, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_opus_dtmf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pcmu_fallback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reoffer_pcmu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
