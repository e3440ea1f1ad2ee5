/*
 * Media sessions of the softphone (src/ua/media_session*.c): two sessions
 * in one process on 127.0.0.1 and one sp_loop, with a fake clock (real
 * loopback sockets; time advances in 5 ms steps, so runs are short and
 * nothing depends on the machine's speed) except in one real-clock run. A offers, B answers, A
 * takes the answer; then:
 *  - A plays a 2 s chirp WAV written here, B records: B's recording
 *    correlates with the file (> 0.9), packets sent ~ received, no loss;
 *    once more on the real clock (2.5 s);
 *  - hold and resume (RFC 3264 §8.4): B stops sending while A holds it,
 *    A keeps sending, both resume; a peer's hold by c=0.0.0.0, inactive
 *    and sendonly stops B's sending, recvonly and sendrecv do not;
 *  - DTMF "123#" as RFC 4733 events, and in-band when telephone-event is
 *    taken out of the offer: B reports the digits in order; on_dtmf may
 *    destroy the session;
 *  - a PCMA-only offer is answered with PCMA; an offer with only an
 *    unknown codec is refused with -ENOTSUP (the UA's 488);
 *  - echo: B sends back what it hears, A's recording of it correlates
 *    with what A played;
 *  - the sender's timing: no drift with late timers, missed frames made
 *    up, a long stall skipped;
 *  - configuration and state errors, the summary line, and allocation
 *    failure during creation.
 * Waits are bounded loops over the fake clock; no assertion depends on
 * real elapsed time.
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
#include "siphon/print.h"
#include "siphon/wav.h"

#include "media_harness.h"
#include "test_util.h"

#define STEP_MS 5
#define SDP_CAP 4096

struct fixture {
	struct sp_loop *loop;
	char dir[64];
	char chirp[128];
	char rec_a[128], rec_b[128];
	struct sp_media_session *a, *b;
	char digits[32];
	unsigned ndigits;
	bool destroy_on_dtmf; /* on_dtmf destroys B */
};

static void run_steps(struct fixture *f, unsigned ms, unsigned step)
{
	mh_run(f->loop, ms, step);
}

static void run_for(struct fixture *f, unsigned ms)
{
	run_steps(f, ms, STEP_MS);
}

static void on_dtmf(void *arg, char digit)
{
	struct fixture *f = arg;
	if (f->ndigits < sizeof(f->digits) - 1)
		f->digits[f->ndigits++] = digit;
	if (f->destroy_on_dtmf) {
		sp_media_session_destroy(f->b);
		f->b = NULL;
		f->destroy_on_dtmf = false;
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->loop = mh_loop_create();
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_media_session.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->chirp, sizeof(f->chirp), "%s/chirp.wav", f->dir);
	snprintf(f->rec_a, sizeof(f->rec_a), "%s/rec_a.wav", f->dir);
	snprintf(f->rec_b, sizeof(f->rec_b), "%s/rec_b.wav", f->dir);
	mh_write_chirp(f->chirp);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sp_media_session_destroy(f->a);
	sp_media_session_destroy(f->b);
	sp_loop_destroy(f->loop);
	unlink(f->chirp);
	unlink(f->rec_a);
	unlink(f->rec_b);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct sp_media_config config(struct fixture *f)
{
	struct sp_media_config c = {0};
	c.loop = f->loop;
	c.local_ip = "127.0.0.1";
	c.dscp = -1;
	c.rtcp_interval_ms = 200;
	c.on_dtmf = on_dtmf;
	c.arg = f;
	return c;
}

static void hold_exchange(struct sp_media_session *a, struct sp_media_session *b, bool hold,
			  char *ans)
{
	char offer[SDP_CAP];
	struct sp_wbuf wo, wa;
	sp_wbuf_init(&wo, offer, sizeof(offer) - 1);
	assert_int_equal(sp_media_session_hold(a, hold, &wo), 0);
	offer[wo.len] = 0;
	assert_non_null(strstr(offer, hold ? "a=sendonly" : "a=sendrecv"));
	sp_wbuf_init(&wa, ans, SDP_CAP - 1);
	assert_int_equal(sp_media_session_answer(b, (struct sp_str){offer, wo.len}, &wa), 0);
	ans[wa.len] = 0;
	assert_int_equal(sp_media_session_set_answer(a, (struct sp_str){ans, wa.len}), 0);
}

/* A plays the chirp, B records it. */
static void test_play_record(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config ca = config(f), cb = config(f);
	ca.play_path = f->chirp;
	cb.record_path = f->rec_b;
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);

	struct sp_media_stats st;
	sp_media_session_stats(f->a, &st);
	assert_string_equal(st.codec, "");
	assert_int_equal(st.rtt_ms, -1);
	assert_false(st.sending);

	char ans[SDP_CAP];
	mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
	assert_non_null(strstr(ans, "a=rtpmap:0 PCMU/8000"));
	run_for(f, 2600);
	/* While A sends, nothing is lost or concealed. (After A stops, B
	 * conceals the end of the stream until its buffer gives up.) */
	struct sp_media_stats mid;
	sp_media_session_stats(f->b, &mid);
	assert_true(mid.sending && mid.receiving);
	assert_int_equal(mid.concealed_frames, 0);
	assert_int_equal(mid.late, 0);
	assert_int_equal(mid.lost, 0);
	sp_media_session_stop(f->a);
	run_for(f, 400); /* B plays out what it holds */
	sp_media_session_stop(f->b);

	struct sp_media_stats sa, sb;
	sp_media_session_stats(f->a, &sa);
	sp_media_session_stats(f->b, &sb);
	char line[160];
	assert_true(sp_media_session_summary(f->b, line, sizeof(line)) > 0);
	print_message("A sent %llu, B %s\n", (unsigned long long)sa.sent_packets, line);
	/* 2.6 s of 20 ms frames; B misses at most the first (RFC 3550 §A.1
	 * probation). */
	assert_in_range(sa.sent_packets, 125, 135);
	assert_in_range(sb.recv_packets, sa.sent_packets - 2, sa.sent_packets);
	assert_int_equal(sb.recv_octets, sb.recv_packets * 160);
	assert_int_equal(sb.lost, 0);
	assert_true(sb.loss_pct == 0);
	assert_true(sb.concealed_frames <= 200 / 20); /* the tail only */
	assert_int_equal(sb.late, 0);
	assert_string_equal(sa.codec, "PCMU");
	assert_string_equal(sb.codec, "PCMU");
	assert_true(sb.rtcp_received > 0);
	assert_true(sb.remote_bye);  /* A's BYE on stop */
	assert_true(sa.rtt_ms >= 0); /* B's RR echoed A's SR */
	assert_true(sb.mos > 4.0 && sb.mos <= 4.5);
	assert_false(sa.sending);
	/* The recording was closed with its sizes set. */
	struct sp_wav_reader *r = NULL;
	assert_int_equal(sp_wav_open(&r, f->rec_b), 0);
	assert_true(sp_wav_info(r)->frames >= 2 * SP_AUDIO_RATE);
	sp_mem_deref(r);
	assert_true(mh_correlate(f->chirp, f->rec_b) > 0.9);

	/* Stopped: statistics stay, negotiation and DTMF are refused. */
	sp_media_session_stats(f->a, &st);
	assert_int_equal(st.sent_packets, sa.sent_packets);
	char buf[SDP_CAP];
	struct sp_wbuf w;
	sp_wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(sp_media_session_offer(f->a, &w), -ESHUTDOWN);
	assert_int_equal(sp_media_session_send_dtmf(f->a, "1"), -ESHUTDOWN);
	sp_media_session_stop(f->a); /* idempotent */
}

/* The same call on the real clock (2.5 s of wall time): timers fire
 * when the kernel lets them, arrivals jitter a little; the recording
 * still matches. Only bounded waits, no timing assertion. */
static void test_real_clock(void **state)
{
	struct fixture *f = *state;
	sp_loop_destroy(f->loop);
	f->loop = NULL;
	assert_int_equal(sp_loop_create(&f->loop, NULL), 0);
	struct sp_media_config ca = config(f), cb = config(f);
	ca.play_path = f->chirp;
	cb.record_path = f->rec_b;
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	char ans[SDP_CAP];
	mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
	sp_msec end = sp_loop_now(f->loop) + 2500;
	while (sp_loop_now(f->loop) < end)
		assert_int_equal(sp_loop_run_once(f->loop, 10), 0);
	sp_media_session_stop(f->a);
	end = sp_loop_now(f->loop) + 300;
	while (sp_loop_now(f->loop) < end)
		assert_int_equal(sp_loop_run_once(f->loop, 10), 0);
	sp_media_session_stop(f->b);
	struct sp_media_stats sa, sb;
	sp_media_session_stats(f->a, &sa);
	sp_media_session_stats(f->b, &sb);
	char line[160];
	assert_true(sp_media_session_summary(f->b, line, sizeof(line)) > 0);
	print_message("real clock: A sent %llu, B %s, concealed %llu\n",
		      (unsigned long long)sa.sent_packets, line,
		      (unsigned long long)sb.concealed_frames);
	assert_true(sa.sent_packets >= 100);
	assert_int_equal(sb.lost, 0);
	assert_true(mh_correlate(f->chirp, f->rec_b) > 0.9);
}

/* RFC 3264 §8.4: A holds B (sendonly / recvonly) and resumes. */
static void test_hold_resume(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config ca = config(f), cb = config(f);
	ca.tone_hz = 440;
	cb.tone_hz = 620;
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	char ans[SDP_CAP];
	mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
	run_for(f, 400);

	struct sp_media_stats a0, b0, a1, b1;
	sp_media_session_stats(f->a, &a0);
	sp_media_session_stats(f->b, &b0);
	assert_true(a0.sending && b0.sending);
	assert_true(b0.sent_packets > 10 && a0.recv_packets > 10);

	hold_exchange(f->a, f->b, true, ans);
	assert_non_null(strstr(ans, "a=recvonly"));
	sp_media_session_stats(f->b, &b0);
	assert_false(b0.sending);
	assert_true(b0.receiving);
	sp_media_session_stats(f->a, &a0);
	assert_true(a0.sending);
	run_for(f, 500);
	sp_media_session_stats(f->a, &a1);
	sp_media_session_stats(f->b, &b1);
	assert_int_equal(b1.sent_packets, b0.sent_packets);   /* B is silent */
	assert_true(a1.sent_packets >= a0.sent_packets + 20); /* A is not */
	assert_true(b1.recv_packets >= b0.recv_packets + 20); /* B still hears A */

	hold_exchange(f->a, f->b, false, ans);
	assert_null(strstr(ans, "a=recvonly"));
	run_for(f, 500);
	sp_media_session_stats(f->b, &b0);
	sp_media_session_stats(f->a, &a0);
	assert_true(b0.sending);
	assert_true(b0.sent_packets >= b1.sent_packets + 20);
	assert_true(a0.recv_packets >= a1.recv_packets + 20);
	assert_int_equal(a0.lost, 0); /* the pause is no loss: same sequence */
}

/* RFC 4733 events A -> B, digits in order, once each. */
static void test_dtmf_rfc4733(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config ca = config(f), cb = config(f);
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	assert_int_equal(sp_media_session_send_dtmf(f->a, "1"), -ENOTCONN);
	char ans[SDP_CAP];
	mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
	assert_non_null(strstr(ans, "telephone-event/8000"));
	run_for(f, 200);
	assert_int_equal(sp_media_session_send_dtmf(f->a, "12x"), -EINVAL);
	assert_int_equal(sp_media_session_send_dtmf(f->a, "123#"), 4);
	run_for(f, 1500);
	assert_string_equal(f->digits, "123#");
	struct sp_media_stats sb;
	sp_media_session_stats(f->b, &sb);
	assert_string_equal(sb.dtmf, "123#");
	assert_int_equal(sb.ndtmf, 4);
	assert_int_equal(sb.lost, 0);
}

/* Removes telephone-event from an offer: " 101" on the m= line and the
 * a= lines about payload type 101. */
static size_t strip_te(char *sdp)
{
	char out[SDP_CAP];
	size_t o = 0;
	for (char *line = sdp; *line;) {
		char *end = strstr(line, "\r\n");
		assert_non_null(end);
		end += 2;
		if (!strncmp(line, "m=", 2)) {
			char *te = strstr(line, " 101");
			assert_true(te && te < end);
			memcpy(out + o, line, (size_t)(te - line));
			o += (size_t)(te - line);
			memcpy(out + o, te + 4, (size_t)(end - te - 4));
			o += (size_t)(end - te - 4);
		} else if (strncmp(line, "a=rtpmap:101 ", 13) && strncmp(line, "a=fmtp:101 ", 11)) {
			memcpy(out + o, line, (size_t)(end - line));
			o += (size_t)(end - line);
		}
		line = end;
	}
	memcpy(sdp, out, o);
	sdp[o] = 0;
	return o;
}

/* A and B negotiate without telephone-event (taken out of A's offer). */
static void exchange_no_te(struct fixture *f)
{
	char offer[SDP_CAP], ans[SDP_CAP];
	struct sp_wbuf wo, wa;
	sp_wbuf_init(&wo, offer, sizeof(offer) - 1);
	assert_int_equal(sp_media_session_offer(f->a, &wo), 0);
	offer[wo.len] = 0;
	size_t len = strip_te(offer);
	assert_null(strstr(offer, "telephone-event"));
	sp_wbuf_init(&wa, ans, sizeof(ans) - 1);
	assert_int_equal(sp_media_session_answer(f->b, (struct sp_str){offer, len}, &wa), 0);
	ans[wa.len] = 0;
	assert_null(strstr(ans, "telephone-event"));
	assert_int_equal(sp_media_session_set_answer(f->a, (struct sp_str){ans, wa.len}), 0);
}

/* Without telephone-event, digits go as Q.23 tones and are detected. */
static void test_dtmf_inband(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config ca = config(f), cb = config(f);
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	exchange_no_te(f);
	run_for(f, 200);
	assert_int_equal(sp_media_session_send_dtmf(f->a, "123#"), 4);
	run_for(f, 1200);
	assert_string_equal(f->digits, "123#");
}

/* on_dtmf may destroy the session, for an RFC 4733 event (from the RTP
 * callback) and for an in-band digit (from the playout timer). */
static void test_dtmf_destroy(void **state)
{
	struct fixture *f = *state;
	for (int inband = 0; inband < 2; inband++) {
		struct sp_media_config ca = config(f), cb = config(f);
		f->a = mh_make(&ca);
		f->b = mh_make(&cb);
		char ans[SDP_CAP];
		if (inband)
			exchange_no_te(f);
		else
			mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
		run_for(f, 100);
		f->ndigits = 0;
		memset(f->digits, 0, sizeof(f->digits));
		f->destroy_on_dtmf = true;
		assert_int_equal(sp_media_session_send_dtmf(f->a, "12"), 2);
		run_for(f, 800);
		assert_null(f->b);
		assert_string_equal(f->digits, "1");
		sp_media_session_destroy(f->a);
		f->a = NULL;
	}
}

/* The sender's clock: tick n at start + 20n ms however late the timer
 * runs (no drift), missed frames made up, a long stall skipped. */
static void test_timing(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config ca = config(f), cb = config(f);
	ca.tone_hz = 700;
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	char ans[SDP_CAP];
	mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
	struct sp_media_stats st;
	/* Timers 0..6 ms late: 1 + 1001 / 20 frames by now. */
	run_steps(f, 1001, 7);
	sp_media_session_stats(f->a, &st);
	assert_int_equal(st.sent_packets, 51);
	/* 140 ms between loop iterations: 7 frames at a time. */
	run_steps(f, 1400, 140);
	sp_media_session_stats(f->a, &st);
	assert_int_equal(st.sent_packets, 51 + 70);
	sp_media_session_stats(f->b, &st);
	assert_int_equal(st.lost, 0);
	/* A 1 s stall: at most 10 frames are made up, the rest skipped, and
	 * the pace is back to one frame per 20 ms afterwards. */
	run_steps(f, 1000, 1000);
	struct sp_media_stats a0, a1;
	sp_media_session_stats(f->a, &a0);
	assert_int_equal(a0.sent_packets, 121 + 10);
	run_for(f, 1000);
	sp_media_session_stats(f->a, &a1);
	assert_int_equal(a1.sent_packets, a0.sent_packets + 50);
	sp_media_session_stats(f->b, &st);
	assert_true(st.recv_packets >= a1.sent_packets - 2);
}

/* A peer's offer, version ver, with connection address addr and
 * direction attribute dir, to RTP port port. */
static size_t peer_offer(char *buf, size_t cap, unsigned ver, const char *addr, const char *dir,
			 uint16_t port)
{
	int n = snprintf(buf, cap,
			 "v=0\r\n"
			 "o=peer 7 %u IN IP4 127.0.0.1\r\n"
			 "s=-\r\n"
			 "c=IN IP4 %s\r\n"
			 "t=0 0\r\n"
			 "m=audio %u RTP/AVP 0 101\r\n"
			 "a=rtpmap:101 telephone-event/8000\r\n"
			 "a=%s\r\n",
			 ver, addr, port, dir);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* The peer holds B: with the RFC 2543 form c=0.0.0.0 and with inactive
 * (RFC 3264 §8.4), B stops sending; B resumes with sendrecv. */
static void test_remote_hold(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config ca = config(f), cb = config(f);
	cb.tone_hz = 440;
	f->a = mh_make(&ca); /* only a port the packets go to; it negotiates nothing */
	f->b = mh_make(&cb);
	uint16_t port = sp_media_session_port(f->a);
	static const struct {
		const char *addr, *dir, *answer_dir;
		bool sends;
	} step[] = {
	    {"127.0.0.1", "sendrecv", "a=sendrecv", true},
	    {"0.0.0.0", "sendrecv", NULL, false},
	    {"127.0.0.1", "inactive", "a=inactive", false},
	    {"127.0.0.1", "sendonly", "a=recvonly", false},
	    {"127.0.0.1", "recvonly", "a=sendonly", true},
	    {"127.0.0.1", "sendrecv", "a=sendrecv", true},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(step); i++) {
		char offer[SDP_CAP], ans[SDP_CAP];
		size_t len =
		    peer_offer(offer, sizeof(offer), 7 + i, step[i].addr, step[i].dir, port);
		struct sp_wbuf wa;
		sp_wbuf_init(&wa, ans, sizeof(ans) - 1);
		assert_int_equal(sp_media_session_answer(f->b, (struct sp_str){offer, len}, &wa),
				 0);
		ans[wa.len] = 0;
		if (step[i].answer_dir)
			assert_non_null(strstr(ans, step[i].answer_dir));
		struct sp_media_stats b0, b1;
		sp_media_session_stats(f->b, &b0);
		assert_int_equal(b0.sending, step[i].sends);
		run_for(f, 300);
		sp_media_session_stats(f->b, &b1);
		if (step[i].sends)
			assert_true(b1.sent_packets >= b0.sent_packets + 10);
		else
			assert_int_equal(b1.sent_packets, b0.sent_packets);
	}
}

/* A PCMA-only offer gets a PCMA answer, and the audio flows. */
static void test_pcma(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config ca = config(f), cb = config(f);
	ca.codecs = "pcma";
	ca.play_path = f->chirp;
	cb.record_path = f->rec_b;
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	char ans[SDP_CAP];
	mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
	assert_non_null(strstr(ans, "RTP/AVP 8"));
	assert_null(strstr(ans, "PCMU"));
	run_for(f, 2300);
	sp_media_session_stop(f->a);
	run_for(f, 300);
	sp_media_session_stop(f->b);
	struct sp_media_stats sa, sb;
	sp_media_session_stats(f->a, &sa);
	sp_media_session_stats(f->b, &sb);
	assert_string_equal(sa.codec, "PCMA");
	assert_string_equal(sb.codec, "PCMA");
	assert_true(sb.recv_packets > 100);
	assert_true(mh_correlate(f->chirp, f->rec_b) > 0.9);
}

/* Nothing acceptable: -ENOTSUP (488 for the UA), nothing written; bad
 * SDP: -EBADMSG. */
static void test_unacceptable(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config cb = config(f);
	f->b = mh_make(&cb);
	static const char opus[] = "v=0\r\n"
				   "o=- 1 1 IN IP4 127.0.0.1\r\n"
				   "s=-\r\n"
				   "c=IN IP4 127.0.0.1\r\n"
				   "t=0 0\r\n"
				   "m=audio 40000 RTP/AVP 96\r\n"
				   "a=rtpmap:96 opus/48000/2\r\n";
	char ans[SDP_CAP];
	struct sp_wbuf wa;
	sp_wbuf_init(&wa, ans, sizeof(ans));
	assert_int_equal(sp_media_session_answer(f->b, sp_str_c(opus), &wa), -ENOTSUP);
	assert_int_equal(wa.len, 0);
	assert_int_equal(sp_media_session_answer(f->b, sp_str_c("hello"), &wa), -EBADMSG);
	assert_int_equal(sp_media_session_answer(f->b, SP_STR_NULL, &wa), -EBADMSG);
	assert_int_equal(sp_media_session_set_answer(f->b, sp_str_c(opus)), -EPROTO);
	struct sp_media_stats st;
	sp_media_session_stats(f->b, &st);
	assert_false(st.receiving);

	/* An answer that does not fit: -ENOSPC, and the session can still
	 * answer the same offer afterwards. */
	struct sp_media_config ca = config(f);
	f->a = mh_make(&ca);
	char offer[SDP_CAP];
	struct sp_wbuf wo;
	sp_wbuf_init(&wo, offer, sizeof(offer));
	assert_int_equal(sp_media_session_offer(f->a, &wo), 0);
	sp_wbuf_init(&wa, ans, 20);
	assert_int_equal(sp_media_session_answer(f->b, (struct sp_str){offer, wo.len}, &wa),
			 -ENOSPC);
	sp_wbuf_init(&wa, ans, sizeof(ans));
	assert_int_equal(sp_media_session_answer(f->b, (struct sp_str){offer, wo.len}, &wa), 0);
	/* A's offer is outstanding: a second one is refused; cancelled, it
	 * may offer again. */
	sp_wbuf_init(&wo, offer, sizeof(offer));
	assert_int_equal(sp_media_session_offer(f->a, &wo), -EBUSY);
	sp_media_session_cancel_offer(f->a);
	assert_int_equal(sp_media_session_offer(f->a, &wo), 0);
	/* An offer that does not fit leaves no offer outstanding. */
	sp_media_session_cancel_offer(f->a);
	sp_wbuf_init(&wo, offer, 10);
	assert_int_equal(sp_media_session_offer(f->a, &wo), -ENOSPC);
	assert_int_equal(wo.len, 0);
	sp_wbuf_init(&wo, offer, sizeof(offer));
	assert_int_equal(sp_media_session_offer(f->a, &wo), 0);
}

/* B echoes; A's recording of the echo matches what A played. */
static void test_echo(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config ca = config(f), cb = config(f);
	ca.play_path = f->chirp;
	ca.record_path = f->rec_a;
	cb.echo = true;
	cb.tone_hz = 1000; /* ignored: echo wins */
	f->a = mh_make(&ca);
	f->b = mh_make(&cb);
	char ans[SDP_CAP];
	mh_exchange(f->a, f->b, NULL, ans, SDP_CAP);
	run_for(f, 2800);
	sp_media_session_stop(f->b);
	run_for(f, 300);
	sp_media_session_stop(f->a);
	struct sp_media_stats sa, sb;
	sp_media_session_stats(f->a, &sa);
	sp_media_session_stats(f->b, &sb);
	assert_true(sb.sent_packets > 120);
	assert_true(sa.recv_packets > 120);
	assert_int_equal(sa.lost, 0);
	assert_true(mh_correlate(f->chirp, f->rec_a) > 0.9);
}

static void test_config_errors(void **state)
{
	struct fixture *f = *state;
	struct sp_media_session *m = (struct sp_media_session *)state; /* a sentinel */
	struct sp_media_session *const sentinel = m;
	struct sp_media_config c = config(f);

	c.codecs = "PCMU,G729";
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.codecs = "PCMU,pcmu";
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.codecs = "";
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.codecs = NULL;
	c.ptime_ms = 25;
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.ptime_ms = 20;
	c.dscp = 64;
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.dscp = 0;
	c.local_ip = "example.com";
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.local_ip = NULL;
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.local_ip = "127.0.0.1";
	c.play_path = "/nonexistent/none.wav";
	assert_int_equal(sp_media_session_create(&m, &c), -ENOENT);
	c.play_path = NULL;
	c.tone_hz = 5000; /* over the Nyquist frequency */
	assert_int_equal(sp_media_session_create(&m, &c), -EINVAL);
	c.tone_hz = 0;
	c.record_path = "/nonexistent/rec.wav";
	assert_int_equal(sp_media_session_create(&m, &c), -ENOENT);
	assert_ptr_equal(m, sentinel);

	/* A fixed port range. */
	c.record_path = NULL;
	c.port_min = 30000;
	c.port_max = 30001;
	f->a = mh_make(&c);
	assert_int_equal(sp_media_session_port(f->a), 30000);
	assert_int_equal(sp_media_session_create(&m, &c), -EADDRINUSE);
	assert_ptr_equal(m, sentinel);

	/* The summary before negotiation, and into a short buffer. */
	char line[128];
	assert_true(sp_media_session_summary(f->a, line, sizeof(line)) > 0);
	assert_string_equal(line, "rtp sent=0 recv=0 lost=0 (0.0%) jitter=0.0ms rtt=-1ms "
				  "concealed=0 codec=- mos=4.41");
	assert_int_equal(sp_media_session_summary(f->a, line, 10), -ENOSPC);
	sp_media_session_destroy(NULL);
}

/* Every allocation failure during creation gives -ENOMEM and leaks
 * nothing (AddressSanitizer checks the leaks). */
static void test_enomem(void **state)
{
	struct fixture *f = *state;
	struct sp_media_config c = config(f);
	c.play_path = f->chirp;
	c.record_path = f->rec_b;
	int rc = -ENOMEM;
	long n;
	for (n = 0; n < 200 && rc; n++) {
		struct sp_media_session *m = NULL;
		sp_mem_fail_after(n);
		rc = sp_media_session_create(&m, &c);
		sp_mem_fail_after(-1);
		if (rc) {
			assert_int_equal(rc, -ENOMEM);
			assert_null(m);
		} else {
			sp_media_session_destroy(m);
		}
	}
	assert_int_equal(rc, 0);
	assert_true(n > 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_play_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_real_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hold_resume, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_hold, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dtmf_rfc4733, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dtmf_inband, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dtmf_destroy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pcma, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unacceptable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
