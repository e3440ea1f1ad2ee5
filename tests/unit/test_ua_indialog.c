/*
 * In-dialog features of the UA core (src/ua/ua_reinvite.c, ua_info.c):
 * two UAs on one loop over loopback UDP, each call driving a real
 * sp_media_session through the media hooks (as the softphone does):
 *  - hold and resume (RFC 3261 §14, RFC 3264 §8.4): the held side stops
 *    sending RTP (its statistics), the holder keeps sending, resume makes
 *    both send again; the callee holds too (re-INVITE from the UAS side);
 *  - glare: both re-INVITE at once, both get 491 (§14.2), both retry
 *    (§14.1) and succeed;
 *  - a re-offer the peer cannot accept: 488, the session stays;
 *  - INFO DTMF (RFC 6086, application/dtmf-relay) arrives in order;
 *  - 100rel (RFC 3262): a callee with rel100 sends its 180 reliably, the
 *    caller PRACKs it, and the 200 follows;
 *  - session timers (RFC 4028) with a test-only minimum of 1-2 s: the
 *    caller refreshes (UPDATE) and the call stays up; a silenced
 *    refresher gets a BYE from the callee at expiry; a 422 is retried
 *    with the callee's Min-SE.
 * Loops run until the expected state, bounded by an iteration count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/media_session.h"
#include "siphon/mem.h"
#include "siphon/ua.h"

struct side {
	struct sp_ua *ua;
	struct sp_loop *loop;
	struct sp_ua_call *call; /* the call of this side (referenced) */
	struct sp_media_session *m;
	unsigned confirmed, ended;
	unsigned mod_local[8], mod_remote[8]; /* statuses of re-INVITEs */
	unsigned nmod_local, nmod_remote;
	bool refuse; /* the answer hook refuses re-offers */
	char digits[32];
	unsigned ndigits;
};

struct pair {
	struct sp_loop *loop;
	struct side a, b;
};

static struct sp_media_session *media(struct side *s)
{
	if (!s->m) {
		struct sp_media_config mc = {
			.loop = s->loop,
			.local_ip = "127.0.0.1",
			.tone_hz = 440,
			.dscp = 0,
		};
		assert_int_equal(sp_media_session_create(&s->m, &mc), 0);
	}
	return s->m;
}

static int h_offer(void *arg, struct sp_ua_call *c, struct sp_wbuf *sdp)
{
	(void)c;
	return sp_media_session_offer(media(arg), sdp);
}

static int h_answer(void *arg, struct sp_ua_call *c, struct sp_str offer, struct sp_wbuf *sdp)
{
	struct side *s = arg;
	(void)c;
	if (s->refuse && s->m)
		return -ENOTSUP;
	return sp_media_session_answer(media(s), offer, sdp);
}

static int h_set_answer(void *arg, struct sp_ua_call *c, struct sp_str answer)
{
	(void)c;
	return sp_media_session_set_answer(media(arg), answer);
}

static int h_hold(void *arg, struct sp_ua_call *c, bool hold, struct sp_wbuf *sdp)
{
	(void)c;
	return sp_media_session_hold(media(arg), hold, sdp);
}

static void h_cancel(void *arg, struct sp_ua_call *c)
{
	(void)c;
	sp_media_session_cancel_offer(media(arg));
}

static void ev_state(struct sp_ua *ua, struct sp_ua_call *c, enum sp_ua_call_state st, void *arg)
{
	struct side *s = arg;
	(void)ua;
	if (!s->call)
		s->call = sp_mem_ref(c);
	if (st == SP_UA_CALL_CONFIRMED)
		s->confirmed++;
	if (st == SP_UA_CALL_ENDED) {
		s->ended++;
		if (s->m)
			sp_media_session_stop(s->m);
	}
}

static void ev_modified(struct sp_ua *ua, struct sp_ua_call *c, bool local, unsigned status,
			void *arg)
{
	struct side *s = arg;
	(void)ua, (void)c;
	if (local && s->nmod_local < 8)
		s->mod_local[s->nmod_local++] = status;
	if (!local && s->nmod_remote < 8)
		s->mod_remote[s->nmod_remote++] = status;
}

static void ev_info_dtmf(struct sp_ua *ua, struct sp_ua_call *c, char d, unsigned dur, void *arg)
{
	struct side *s = arg;
	(void)ua, (void)c;
	assert_int_equal(dur, 120);
	if (s->ndigits < sizeof(s->digits) - 1)
		s->digits[s->ndigits++] = d;
}

/* Session timer settings of the next pair (RFC 4028 tests). */
static struct {
	uint32_t a_se, a_min, b_se, b_min;
	bool a_silent;
} knobs;

static void make_side(struct pair *p, struct side *s, const char *user, bool auto_answer)
{
	struct sp_ua_config cfg = {
		.loop = p->loop,
		.user = user,
		.auto_answer = auto_answer,
		.answer_delay_ms = 10,
		.media = { .offer = h_offer,
			   .answer = h_answer,
			   .set_answer = h_set_answer,
			   .hold = h_hold,
			   .cancel_offer = h_cancel,
			   .arg = s },
		.ev = { .call_state = ev_state,
			.modified = ev_modified,
			.info_dtmf = ev_info_dtmf,
			.arg = s },
	};
	s->loop = p->loop;
	cfg.rel100 = auto_answer; /* the callee sends reliable 180s */
	cfg.session_expires = auto_answer ? knobs.b_se : knobs.a_se;
	cfg.min_se = auto_answer ? knobs.b_min : knobs.a_min;
	cfg.no_session_refresh = auto_answer ? false : knobs.a_silent;
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

static void run_until(struct pair *p, const unsigned *flag, unsigned want)
{
	for (int i = 0; i < 3000 && *flag < want; i++)
		sp_loop_run_once(p->loop, 10);
	assert_true(*flag >= want);
}

static int pair_teardown(void **state)
{
	struct pair *p = *state;
	memset(&knobs, 0, sizeof(knobs));
	if (p->a.call && sp_ua_call_state(p->a.call) != SP_UA_CALL_ENDED)
		sp_ua_call_hangup(p->a.call, 0);
	for (int i = 0; i < 500 && (sp_ua_active_calls(p->a.ua) || sp_ua_active_calls(p->b.ua));
	     i++)
		sp_loop_run_once(p->loop, 10);
	sp_ua_destroy(p->a.ua);
	sp_ua_destroy(p->b.ua);
	sp_mem_deref(p->a.call);
	sp_mem_deref(p->b.call);
	sp_media_session_destroy(p->a.m);
	sp_media_session_destroy(p->b.m);
	sp_loop_run_once(p->loop, 0);
	sp_loop_destroy(p->loop);
	return 0;
}

static void connect_call(struct pair *p)
{
	struct sp_ua_call *c;
	char t[128], a[SP_SA_STRLEN];
	sp_sa_print(sp_ua_local(p->b.ua), a, sizeof(a));
	snprintf(t, sizeof(t), "sip:bob@%s", a);
	assert_int_equal(sp_ua_call(&c, p->a.ua, t), 0);
	sp_mem_deref(c); /* ev_state took one */
	run_until(p, &p->a.confirmed, 1);
	run_until(p, &p->b.confirmed, 1);
}

static struct sp_media_stats stats(struct side *s)
{
	struct sp_media_stats st;
	sp_media_session_stats(s->m, &st);
	return st;
}

/* Waits until s has sent RTP beyond what it had sent at *mark. */
static void until_sent_more(struct pair *p, struct side *s, uint64_t mark)
{
	for (int i = 0; i < 3000 && stats(s).sent_packets <= mark; i++)
		sp_loop_run_once(p->loop, 10);
	assert_true(stats(s).sent_packets > mark);
}

static void test_hold_resume(void **state)
{
	struct pair *p = *state;

	connect_call(p);
	assert_true(stats(&p->a).sending);
	assert_true(stats(&p->b).sending);
	until_sent_more(p, &p->b, 0);

	/* alice holds bob (sendonly, §8.4): bob answers recvonly and stops
	 * sending; alice keeps sending. */
	assert_int_equal(sp_ua_call_hold(p->a.call, true), 0);
	assert_int_equal(sp_ua_call_hold(p->a.call, true), -EBUSY);
	run_until(p, &p->a.nmod_local, 1);
	assert_int_equal(p->a.mod_local[0], 200);
	assert_int_equal(p->b.nmod_remote, 1);
	assert_int_equal(p->b.mod_remote[0], 200);
	assert_true(sp_ua_call_held(p->a.call));
	assert_false(stats(&p->b).sending);
	assert_true(stats(&p->a).sending);
	uint64_t b_sent = stats(&p->b).sent_packets, a_sent = stats(&p->a).sent_packets;
	until_sent_more(p, &p->a, a_sent + 10); /* ten of alice's frames later ... */
	assert_int_equal(stats(&p->b).sent_packets, b_sent); /* ... bob sent nothing */

	/* Resume: both send again. */
	assert_int_equal(sp_ua_call_hold(p->a.call, false), 0);
	run_until(p, &p->a.nmod_local, 2);
	assert_int_equal(p->a.mod_local[1], 200);
	assert_false(sp_ua_call_held(p->a.call));
	assert_true(stats(&p->b).sending);
	until_sent_more(p, &p->b, b_sent);

	/* The callee holds the caller: a re-INVITE from the UAS side. */
	assert_int_equal(sp_ua_call_hold(p->b.call, true), 0);
	run_until(p, &p->b.nmod_local, 1);
	assert_int_equal(p->b.mod_local[0], 200);
	assert_false(stats(&p->a).sending);
	assert_true(stats(&p->b).sending);
	assert_int_equal(sp_ua_call_hold(p->b.call, false), 0);
	run_until(p, &p->b.nmod_local, 2);
	assert_true(stats(&p->a).sending);
	assert_int_equal(sp_ua_active_calls(p->a.ua), 1);
}

static void test_glare(void **state)
{
	struct pair *p = *state;

	connect_call(p);
	/* Both re-INVITE before either arrives: each answers the other 491
	 * (§14.2); each retries after its random wait (§14.1). */
	assert_int_equal(sp_ua_call_hold(p->a.call, true), 0);
	assert_int_equal(sp_ua_call_hold(p->b.call, true), 0);
	run_until(p, &p->a.nmod_remote, 1);
	run_until(p, &p->b.nmod_remote, 1);
	assert_int_equal(p->a.mod_remote[0], 491);
	assert_int_equal(p->b.mod_remote[0], 491);
	assert_int_equal(p->a.nmod_local, 0); /* a 491 is not reported: retried */
	assert_int_equal(sp_ua_call_hold(p->a.call, false), -EBUSY); /* retry pending */
	run_until(p, &p->a.nmod_local, 1);
	run_until(p, &p->b.nmod_local, 1);
	assert_int_equal(p->a.mod_local[0], 200);
	assert_int_equal(p->b.mod_local[0], 200);
	assert_int_equal(sp_ua_active_calls(p->a.ua), 1);
	assert_int_equal(sp_ua_active_calls(p->b.ua), 1);
}

static void test_reoffer_refused(void **state)
{
	struct pair *p = *state;

	connect_call(p);
	p->b.refuse = true;
	assert_int_equal(sp_ua_call_hold(p->a.call, true), 0);
	run_until(p, &p->a.nmod_local, 1);
	assert_int_equal(p->a.mod_local[0], 488);
	assert_int_equal(p->b.mod_remote[0], 488);
	assert_false(sp_ua_call_held(p->a.call));
	/* The old session stays: both still send, the call is up, and a new
	 * offer can be made (the refused one was cancelled). */
	assert_true(stats(&p->a).sending);
	assert_true(stats(&p->b).sending);
	assert_int_equal(sp_ua_call_state(p->a.call), SP_UA_CALL_CONFIRMED);
	p->b.refuse = false;
	assert_int_equal(sp_ua_call_hold(p->a.call, true), 0);
	run_until(p, &p->a.nmod_local, 2);
	assert_int_equal(p->a.mod_local[1], 200);
}

static void test_info_dtmf(void **state)
{
	struct pair *p = *state;

	connect_call(p);
	assert_int_equal(sp_ua_call_send_info_dtmf(p->a.call, "x1", 120), -EINVAL);
	assert_int_equal(sp_ua_call_send_info_dtmf(p->a.call, "159*#", 120), 5);
	assert_int_equal(sp_ua_call_send_info_dtmf(p->a.call, "0d", 120), 2);
	run_until(p, &p->b.ndigits, 7);
	assert_string_equal(p->b.digits, "159*#0D");
	/* From the callee too. */
	assert_int_equal(sp_ua_call_send_info_dtmf(p->b.call, "7", 120), 1);
	run_until(p, &p->a.ndigits, 1);
	assert_string_equal(p->a.digits, "7");
}

static void test_prack(void **state)
{
	struct pair *p = *state;

	connect_call(p);
	assert_int_equal(sp_ua_call_pracks(p->a.call), 1); /* 200 to our PRACK */
	assert_int_equal(sp_ua_call_pracks(p->b.call), 1); /* the PRACK matched */
	assert_int_equal(sp_ua_call_status(p->a.call), 200);
	/* The dialog the reliable 180 made early is the call's: BYE works. */
	assert_int_equal(sp_ua_call_hangup(p->a.call, 0), 0);
	run_until(p, &p->b.ended, 1);
	run_until(p, &p->a.ended, 1);
}

/* Runs until the call of s has seen n session refreshes. */
static void until_refreshes(struct pair *p, struct side *s, unsigned n)
{
	for (int i = 0; i < 3000 && sp_ua_call_session_refreshes(s->call) < n && !s->ended; i++)
		sp_loop_run_once(p->loop, 10);
	assert_true(sp_ua_call_session_refreshes(s->call) >= n);
}

static int timer_setup(void **state)
{
	knobs.a_se = 3;	 /* refresh at 1.5 s; bob gives up at 2 s */
	knobs.b_min = 1; /* test-only minimum */
	return pair_setup(state);
}

static int silent_setup(void **state)
{
	knobs.a_se = 2;
	knobs.b_min = 1;
	knobs.a_silent = true;
	return pair_setup(state);
}

static int min_se_setup(void **state)
{
	knobs.a_se = 1;	 /* below bob's minimum: 422 */
	knobs.b_min = 2;
	return pair_setup(state);
}

static int uas_se_setup(void **state)
{
	memset(&knobs, 0, sizeof(knobs));
	knobs.b_se = 3; /* alice asks for none: bob inserts his (§9) */
	knobs.b_min = 1;
	return pair_setup(state);
}

/* RFC 4028 §9: an INVITE without Session-Expires (but Supported: timer)
 * gets the callee's interval with refresher=uac; the caller refreshes. */
static void test_session_uas_inserts(void **state)
{
	struct pair *p = *state;
	connect_call(p);
	assert_int_equal(sp_ua_call_session_expires(p->a.call), 3);
	assert_int_equal(sp_ua_call_session_expires(p->b.call), 3);
	assert_true(sp_ua_call_session_refresher(p->a.call));
	assert_false(sp_ua_call_session_refresher(p->b.call));
	until_refreshes(p, &p->b, 1);
	assert_int_equal(sp_ua_call_state(p->b.call), SP_UA_CALL_CONFIRMED);
}

/* RFC 4028 §7.4, §9: the caller (refresher=uac, bob's choice) refreshes
 * at half the interval; both sides count it; the call stays up. */
static void test_session_refresh(void **state)
{
	struct pair *p = *state;
	connect_call(p);
	assert_int_equal(sp_ua_call_session_expires(p->a.call), 3);
	assert_int_equal(sp_ua_call_session_expires(p->b.call), 3);
	assert_true(sp_ua_call_session_refresher(p->a.call));
	assert_false(sp_ua_call_session_refresher(p->b.call));
	until_refreshes(p, &p->a, 2);
	until_refreshes(p, &p->b, 2);
	assert_int_equal(p->a.ended, 0);
	assert_int_equal(p->b.ended, 0);
	assert_int_equal(sp_ua_call_state(p->a.call), SP_UA_CALL_CONFIRMED);
}

/* RFC 4028 §10: the refresher is silenced: the callee sends BYE before
 * the session expires. */
static void test_session_expiry(void **state)
{
	struct pair *p = *state;
	connect_call(p);
	run_until(p, &p->a.ended, 1);
	run_until(p, &p->b.ended, 1);
	assert_int_equal(sp_ua_call_session_refreshes(p->a.call), 0);
	assert_string_equal(sp_ua_call_reason(p->a.call), "remote BYE");
	assert_string_equal(sp_ua_call_reason(p->b.call), "session expired");
}

/* RFC 4028 §8.1, §7.4: 422 with Min-SE 2, the retry asks for 2 s. */
static void test_session_422(void **state)
{
	struct pair *p = *state;
	connect_call(p);
	assert_int_equal(sp_ua_call_status(p->a.call), 200);
	assert_int_equal(sp_ua_call_session_expires(p->a.call), 2);
	assert_int_equal(sp_ua_call_session_expires(p->b.call), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hold_resume, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_glare, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_reoffer_refused, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_info_dtmf, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_prack, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_session_refresh, timer_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_session_expiry, silent_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_session_422, min_se_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_session_uas_inserts, uas_se_setup,
						pair_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
