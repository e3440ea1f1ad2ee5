/*
 * Helpers of the media session tests (test_media_session.c,
 * test_opus_call.c), linked into every unit-test binary: a loop on a fake
 * clock stepped by hand, the 2 s test chirp, recording correlation, and a
 * whole offer/answer between two sessions. Failures go through cmocka.
 */
#ifndef SIPHON_MEDIA_HARNESS_H
#define SIPHON_MEDIA_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "siphon/loop.h"
#include "siphon/media_session.h"

/* A loop whose clock only moves through mh_run (starting at 1,000,000
 * ms). Destroy it with sp_loop_destroy. */
struct sp_loop *mh_loop_create(void);

/* Advances the fake clock by ms in steps of step ms, running timers and
 * reading sockets at each step. */
void mh_run(struct sp_loop *loop, unsigned ms, unsigned step);

/* The 2 s 8 kHz chirp of mh_write_chirp as samples (free() them). */
int16_t *mh_chirp_samples(void);

/* Writes a 2 s 8 kHz linear chirp 200 -> 3200 Hz with a slow amplitude
 * swell to path: its autocorrelation has one sharp peak, so a match means
 * the audio really went through, in order. */
void mh_write_chirp(const char *path);

/* The correlation of the recording rec with ref (lag searched ±2 s),
 * printed. */
double mh_correlate(const char *ref, const char *rec);

/* Creates a session (which must succeed). */
struct sp_media_session *mh_make(const struct sp_media_config *c);

/* a offers (a copy NUL-terminated in offer_out[cap] unless NULL), b
 * answers (NUL-terminated in ans[cap]), a takes the answer; each step
 * must succeed. */
void mh_exchange(struct sp_media_session *a, struct sp_media_session *b, char *offer_out,
		 char *ans, size_t cap);

#endif
