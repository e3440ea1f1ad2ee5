/*
 * The Opus pieces of src/media (include/siphon/opus.h) and what the
 * media layer gained for them:
 *  - encoder and decoder at 8 kHz: a 2 s chirp goes through at 10, 20,
 *    40 and 60 ms frames and correlates > 0.95 with the input; packet
 *    durations; concealment of a lost frame (decode with no packet) and
 *    FEC recovery of one from the next packet, which beats plain
 *    concealment on the same loss; malformed input; argument checks;
 *    every allocation failure (the codec states come from sp_malloc);
 *  - the RFC 7587 §6.1 format-parameter parser;
 *  - the jitter buffer's look at the frame after a lost one (for FEC);
 *  - RFC 4733 events on a 48 kHz clock (sp_dtmf_tx_create_clock).
 * In a build without libopus only the -ENOTSUP answers are checked.
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

#include "siphon/audio.h"
#include "siphon/dtmf.h"
#include "siphon/jitter.h"
#include "siphon/mem.h"
#include "siphon/opus.h"

#include "media_harness.h"
#include "test_util.h"

#define CHIRP_N (2 * SP_AUDIO_RATE)

static double corr(const int16_t *ref, const int16_t *rec, size_t n)
{
	struct sp_corr c;
	assert_int_equal(sp_correlate(ref, n, rec, n, 400, &c), 0);
	print_message("correlation %.4f at lag %ld\n", c.coeff, c.lag);
	return c.coeff;
}

static void test_unavailable(void **state)
{
	(void)state;
	if (sp_opus_available())
		skip();
	struct sp_opus_enc *e = NULL;
	struct sp_opus_dec *d = NULL;
	assert_int_equal(sp_opus_enc_create(&e, NULL), -ENOTSUP);
	assert_int_equal(sp_opus_dec_create(&d), -ENOTSUP);
	assert_null(e);
	assert_null(d);
}

/* Encode and decode the chirp frame by frame at each frame length. */
static void test_round_trip(void **state)
{
	(void)state;
	if (!sp_opus_available())
		skip();
	int16_t *in = mh_chirp_samples();
	int16_t *out = calloc(CHIRP_N, sizeof(*out));
	assert_non_null(out);
	static const unsigned ptimes[] = {10, 20, 40, 60};
	for (unsigned p = 0; p < ARRAY_SIZE(ptimes); p++) {
		struct sp_opus_enc *e = NULL;
		struct sp_opus_dec *d = NULL;
		assert_int_equal(sp_opus_enc_create(&e, NULL), 0);
		assert_int_equal(sp_opus_dec_create(&d), 0);
		unsigned n = ptimes[p] * SP_AUDIO_RATE / 1000;
		size_t bytes = 0, frames = 0;
		for (unsigned i = 0; i + n <= CHIRP_N; i += n) {
			uint8_t pkt[1500];
			int len = sp_opus_encode(e, in + i, n, pkt, sizeof(pkt));
			assert_true(len > 0);
			bytes += (size_t)len;
			frames++;
			/* A packet decodes to its own duration. */
			assert_int_equal(
			    sp_opus_decode(d, pkt, (size_t)len, out + i, SP_OPUS_MAX_SAMPLES),
			    (int)n);
		}
		/* VBR around 24 kbit/s: 30 bytes per 10 ms, give or take. */
		double kbps = (double)bytes * 8 / ((double)frames * ptimes[p]);
		print_message("%u ms frames: %.1f kbit/s\n", ptimes[p], kbps);
		assert_true(kbps > 8 && kbps < 40);
		assert_true(corr(in, out, CHIRP_N / n * n) > 0.95);
		sp_mem_deref(e);
		sp_mem_deref(d);
	}
	free(in);
	free(out);
}

/* Every tenth 20 ms frame is lost: plain concealment (no packet) and FEC
 * from the next packet both fill the frame; FEC sounds closer. */
static void test_loss(void **state)
{
	(void)state;
	if (!sp_opus_available())
		skip();
	enum { N = 160, FRAMES = CHIRP_N / N };
	int16_t *in = mh_chirp_samples();
	int16_t *plc = calloc(CHIRP_N, sizeof(*plc));
	int16_t *fec = calloc(CHIRP_N, sizeof(*fec));
	assert_non_null(plc);
	assert_non_null(fec);
	static uint8_t pkt[FRAMES][400];
	int len[FRAMES];
	struct sp_opus_enc *e = NULL;
	struct sp_opus_enc_config ec = {.fec = true, .loss_pct = 10};
	assert_int_equal(sp_opus_enc_create(&e, &ec), 0);
	for (int f = 0; f < FRAMES; f++) {
		len[f] = sp_opus_encode(e, in + f * N, N, pkt[f], sizeof(pkt[f]));
		assert_true(len[f] > 0);
	}
	sp_mem_deref(e);

	struct sp_opus_dec *dp = NULL, *df = NULL;
	assert_int_equal(sp_opus_dec_create(&dp), 0);
	assert_int_equal(sp_opus_dec_create(&df), 0);
	unsigned lost = 0;
	for (int f = 0; f < FRAMES; f++) {
		if (f % 10 == 5 && f + 1 < FRAMES) {
			assert_int_equal(sp_opus_decode(dp, NULL, 0, plc + f * N, N), N);
			assert_int_equal(
			    sp_opus_decode_fec(df, pkt[f + 1], (size_t)len[f + 1], fec + f * N, N),
			    N);
			lost++;
			continue;
		}
		assert_int_equal(sp_opus_decode(dp, pkt[f], (size_t)len[f], plc + f * N, N), N);
		assert_int_equal(sp_opus_decode(df, pkt[f], (size_t)len[f], fec + f * N, N), N);
	}
	assert_int_equal(lost, FRAMES / 10);
	/* The concealed frames are not silence. */
	double energy = 0;
	for (int i = 5 * N; i < 6 * N; i++)
		energy += (double)plc[i] * plc[i];
	assert_true(energy > 0);
	/* A pure sweep is the worst case for SILK's concealment (its
	 * predictors ring for a few hundred ms after each loss), so only
	 * the order is asserted: FEC rebuilds the frames almost exactly. */
	double c_plc = corr(in, plc, CHIRP_N), c_fec = corr(in, fec, CHIRP_N);
	assert_true(c_fec > 0.9);
	assert_true(c_fec > c_plc);
	sp_mem_deref(dp);
	sp_mem_deref(df);
	free(in);
	free(plc);
	free(fec);
}

static void test_errors(void **state)
{
	(void)state;
	if (!sp_opus_available())
		skip();
	struct sp_opus_enc *e = NULL;
	struct sp_opus_dec *d = NULL;
	struct sp_opus_enc_config bad = {.bitrate = 5999};
	assert_int_equal(sp_opus_enc_create(&e, &bad), -EINVAL);
	bad = (struct sp_opus_enc_config){.loss_pct = 101};
	assert_int_equal(sp_opus_enc_create(&e, &bad), -EINVAL);
	assert_null(e);
	assert_int_equal(sp_opus_enc_create(&e, NULL), 0);
	assert_int_equal(sp_opus_dec_create(&d), 0);
	int16_t pcm[SP_OPUS_MAX_SAMPLES] = {0};
	uint8_t pkt[1500];
	/* 30 ms is no Opus frame; 2.5 and 5 ms are below what we send. */
	assert_int_equal(sp_opus_encode(e, pcm, 240, pkt, sizeof(pkt)), -EINVAL);
	assert_int_equal(sp_opus_encode(e, pcm, 20, pkt, sizeof(pkt)), -EINVAL);
	assert_int_equal(sp_opus_encode(e, pcm, 161, pkt, sizeof(pkt)), -EINVAL);
	assert_int_equal(sp_opus_encode(e, pcm, 160, pkt, 0), -ENOSPC);
	int len = sp_opus_encode(e, pcm, 480, pkt, sizeof(pkt));
	assert_true(len > 0);
	/* A 60 ms packet does not fit 20 ms of room. */
	assert_int_equal(sp_opus_decode(d, pkt, (size_t)len, pcm, 160), -ENOSPC);
	assert_int_equal(sp_opus_decode(d, pkt, (size_t)len, pcm, SP_OPUS_MAX_SAMPLES), 480);
	/* RFC 6716 §3.2.3: code 1 (two equal frames) needs an even number
	 * of bytes after the TOC. */
	static const uint8_t odd[] = {0x01, 0x00, 0x00, 0x00};
	assert_int_equal(sp_opus_decode(d, odd, sizeof(odd), pcm, SP_OPUS_MAX_SAMPLES), -EBADMSG);
	assert_int_equal(sp_opus_decode(d, pkt, 0, pcm, SP_OPUS_MAX_SAMPLES), -EBADMSG);
	/* Concealment needs whole 2.5 ms units. */
	assert_int_equal(sp_opus_decode(d, NULL, 0, pcm, 30), -EINVAL);
	assert_int_equal(sp_opus_decode(d, NULL, 0, pcm, 0), -EINVAL);
	assert_int_equal(sp_opus_decode_fec(d, pkt, (size_t)len, pcm, 30), -EINVAL);
	assert_int_equal(sp_opus_decode_fec(d, NULL, 0, pcm, 160), -EBADMSG);
	assert_true(sp_opus_frame_ok(20) && sp_opus_frame_ok(60));
	assert_false(sp_opus_frame_ok(30) || sp_opus_frame_ok(50) || sp_opus_frame_ok(0));
	sp_mem_deref(e);
	sp_mem_deref(d);
}

/* Every allocation failure gives -ENOMEM and leaks nothing. */
static void test_enomem(void **state)
{
	(void)state;
	if (!sp_opus_available())
		skip();
	for (int which = 0; which < 2; which++) {
		int rc = -ENOMEM;
		long n;
		for (n = 0; n < 10 && rc; n++) {
			struct sp_opus_enc *e = NULL;
			struct sp_opus_dec *d = NULL;
			sp_mem_fail_after(n);
			rc = which ? sp_opus_dec_create(&d) : sp_opus_enc_create(&e, NULL);
			sp_mem_fail_after(-1);
			if (rc) {
				assert_int_equal(rc, -ENOMEM);
				assert_null(e);
				assert_null(d);
			}
			sp_mem_deref(e);
			sp_mem_deref(d);
		}
		assert_int_equal(rc, 0);
		assert_int_equal(n, 3); /* the object, then the codec state */
	}
}

static void test_fmtp(void **state)
{
	(void)state;
	struct sp_opus_fmtp f;
	sp_opus_fmtp_parse(sp_str_c("maxplaybackrate=16000; sprop-maxcapturerate=8000;"
				    "maxaveragebitrate=20000;stereo=1;sprop-stereo=0;cbr=1;"
				    "useinbandfec=1;usedtx=1;maxptime=60;minptime=10"),
			   &f);
	assert_int_equal(f.maxplaybackrate, 16000);
	assert_int_equal(f.sprop_maxcapturerate, 8000);
	assert_int_equal(f.maxaveragebitrate, 20000);
	assert_int_equal(f.maxptime, 60);
	assert_int_equal(f.minptime, 10);
	assert_true(f.stereo && f.cbr && f.useinbandfec && f.usedtx);
	assert_false(f.sprop_stereo);
	/* Names are case-insensitive; bad values and pieces are skipped. */
	sp_opus_fmtp_parse(sp_str_c("USEINBANDFEC=1;maxaveragebitrate=5;cbr=2;stereo;=1;;"
				    "maxplaybackrate=99999999999;x=y;usedtx=-1"),
			   &f);
	assert_true(f.useinbandfec);
	assert_int_equal(f.maxaveragebitrate, 0);
	assert_int_equal(f.maxplaybackrate, 0);
	assert_false(f.cbr || f.stereo || f.usedtx);
	sp_opus_fmtp_parse(SP_STR_NULL, &f);
	assert_false(f.useinbandfec);
	sp_opus_fmtp_parse(SP_STR(""), &f);
	assert_int_equal(f.maxaveragebitrate, 0);
}

/* sp_jb_peek_next: after a real loss, the following frame when it is
 * buffered; never after delay growth or a played frame. 48 kHz clock,
 * 20 ms frames (Opus). */
static void test_jb_peek(void **state)
{
	(void)state;
	struct sp_jb_config c = {.clock_rate = 48000, .ptime_ms = 20, .min_ms = 20, .max_ms = 200};
	struct sp_jb *jb = NULL;
	assert_int_equal(sp_jb_create(&jb, &c), 0);
	uint8_t buf[SP_JB_MAX_PAYLOAD];
	size_t len;
	uint64_t now = 1000;
	/* Frames 0..9 with frame 5 missing, arriving in time. */
	for (int i = 0; i < 10; i++) {
		uint8_t p = (uint8_t)i;
		if (i != 5)
			assert_int_equal(sp_jb_put(jb, 960u * (unsigned)i, (uint16_t)i, &p, 1,
						   now + 20 * (unsigned)i),
					 SP_JB_QUEUED);
	}
	assert_false(sp_jb_peek_next(jb, buf, sizeof(buf), &len));
	int played = 0, got5 = 0;
	for (int t = 0; t < 40 && played < 9; t++) {
		int r = sp_jb_get(jb, now + 20 * (unsigned)t + 200, buf, sizeof(buf), &len);
		if (r == SP_JB_FRAME) {
			played++;
			assert_false(sp_jb_peek_next(jb, buf, sizeof(buf), &len));
			assert_int_equal(len, 0);
		} else if (r == SP_JB_LOST && played == 5) {
			assert_true(sp_jb_peek_next(jb, buf, sizeof(buf), &len));
			assert_int_equal(len, 1);
			assert_int_equal(buf[0], 6); /* the next one, not consumed */
			got5++;
		}
	}
	assert_int_equal(played, 9);
	assert_int_equal(got5, 1);
	/* A payload the size of an MTU fits. */
	static uint8_t big[SP_JB_MAX_PAYLOAD];
	assert_true(sp_jb_put(jb, 960u * 30, 30, big, sizeof(big), now + 2000) >= 0);
	sp_mem_deref(jb);
}

/* RFC 4733 §2.1: telephone-event/48000 counts durations at 48 kHz. */
static void test_dtmf_clock(void **state)
{
	(void)state;
	struct sp_dtmf_tx *tx = NULL;
	assert_int_equal(sp_dtmf_tx_create_clock(&tx, 44100, 20, 100, 60, 10), -EINVAL);
	assert_int_equal(sp_dtmf_tx_create_clock(&tx, 0, 20, 100, 60, 10), -EINVAL);
	assert_int_equal(sp_dtmf_tx_create_clock(&tx, 48000, 20, 100, 60, 10), 0);
	assert_int_equal(sp_dtmf_tx_send(tx, "5"), 1);
	struct sp_dtmf_pkt p;
	struct sp_dtmf_event ev;
	uint32_t ts = 96000, last = 0;
	unsigned n = 0;
	while (sp_dtmf_tx_next(tx, ts, &p) == 1 && n < 20) {
		assert_int_equal(p.ts, 96000); /* the event's start */
		assert_int_equal(sp_dtmf_event_decode(&ev, p.payload, p.len), 0);
		last = ev.duration;
		ts += 960;
		n++;
	}
	/* 100 ms of tone at 48 kHz, the end packet three times. */
	assert_int_equal(last, 4800);
	assert_int_equal(n, 5 + 2);
	sp_mem_deref(tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unavailable), cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_loss),	cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_enomem),	cmocka_unit_test(test_fmtp),
	    cmocka_unit_test(test_jb_peek),	cmocka_unit_test(test_dtmf_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
