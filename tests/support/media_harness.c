/*
 * Helpers of the media session tests; see media_harness.h for each
 * contract.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/audio.h"
#include "siphon/print.h"
#include "siphon/wav.h"

#include "media_harness.h"

static sp_msec fake_time;

static sp_msec fake_now(void *arg)
{
	(void)arg;
	return fake_time;
}

struct sp_loop *mh_loop_create(void)
{
	struct sp_loop *loop = NULL;
	struct sp_clock clk = { fake_now, NULL };
	fake_time = 1000000;
	assert_int_equal(sp_loop_create(&loop, &clk), 0);
	return loop;
}

void mh_run(struct sp_loop *loop, unsigned ms, unsigned step)
{
	for (unsigned t = 0; t < ms; t += step) {
		fake_time += step;
		sp_loop_advance(loop);
		assert_int_equal(sp_loop_run_once(loop, 0), 0);
	}
}

int16_t *mh_chirp_samples(void)
{
	enum { N = 2 * SP_AUDIO_RATE };
	int16_t *s = malloc(N * sizeof(*s));
	assert_non_null(s);
	double phase = 0;
	for (int i = 0; i < N; i++) {
		double t = (double)i / SP_AUDIO_RATE;
		phase += 2 * M_PI * (200 + 1500 * t) / SP_AUDIO_RATE;
		double amp = 4000 + 6000 * (0.5 + 0.5 * sin(2 * M_PI * 1.3 * t));
		s[i] = (int16_t)lrint(amp * sin(phase));
	}
	return s;
}

void mh_write_chirp(const char *path)
{
	int16_t *s = mh_chirp_samples();
	assert_int_equal(sp_wav_save(path, SP_AUDIO_RATE, s, 2 * SP_AUDIO_RATE), 0);
	free(s);
}

double mh_correlate(const char *ref, const char *rec)
{
	struct sp_corr c;
	assert_int_equal(sp_correlate_wav(ref, rec, 2000, &c), 0);
	print_message("correlation %.4f at lag %ld over %zu samples\n", c.coeff, c.lag, c.overlap);
	return c.coeff;
}

struct sp_media_session *mh_make(const struct sp_media_config *c)
{
	struct sp_media_session *m = NULL;
	assert_int_equal(sp_media_session_create(&m, c), 0);
	assert_non_null(m);
	return m;
}

void mh_exchange(struct sp_media_session *a, struct sp_media_session *b, char *offer_out,
		 char *ans, size_t cap)
{
	char offer[4096];
	struct sp_wbuf wo, wa;
	sp_wbuf_init(&wo, offer, sizeof(offer) - 1);
	assert_int_equal(sp_media_session_offer(a, &wo), 0);
	offer[wo.len] = 0;
	if (offer_out) {
		assert_true(wo.len < cap);
		memcpy(offer_out, offer, wo.len + 1);
	}
	sp_wbuf_init(&wa, ans, cap - 1);
	assert_int_equal(sp_media_session_answer(b, (struct sp_str){ offer, wo.len }, &wa), 0);
	ans[wa.len] = 0;
	assert_int_equal(sp_media_session_set_answer(a, (struct sp_str){ ans, wa.len }), 0);
}
