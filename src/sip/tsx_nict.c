/*
 * The non-INVITE client transaction: RFC 3261 §17.1.2, Figure 6. Timer E
 * retransmits the request over unreliable transports (doubling up to T2
 * in Trying, every T2 in Proceeding), Timer F gives up, and Timer K keeps
 * the transaction in Completed long enough to absorb retransmitted
 * finals.
 */
#include <errno.h>

#include "tsx_int.h"

static void timer_e(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_E);
}

static void timer_f(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_F);
}

static void timer_k(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_K);
}

/* Figure 6: Trying/Proceeding --200-699 / resp. to TU--> Completed;
 * Timer K = T4 unreliable, 0 reliable (§17.1.2.2). */
static int to_completed(struct sp_tsx *t, const struct sp_msg *resp)
{
	sp_timer_stop(&t->tmr_rt);
	sp_timer_stop(&t->tmr_to);
	t->state = SP_TSX_COMPLETED;
	sp__tsx_linger(t, t->reliable ? 0 : sp__t4(t), timer_k);
	sp__tsx_notify(t, resp, 0);
	return SP_TSX_MATCHED;
}

/* Figure 6: Timer E fires / send request. §17.1.2.2: the interval doubles
 * up to T2 in Trying and is T2 in Proceeding. A transport error ends the
 * transaction (§17.1.4). */
static void retransmit(struct sp_tsx *t)
{
	int err = sp__tsx_send(t, t->req, t->req_len);
	if (err) {
		sp__tsx_terminate(t);
		sp__tsx_notify(t, NULL, err);
		return;
	}
	if (t->state == SP_TSX_PROCEEDING || 2 * t->rt_ms > sp__t2(t))
		t->rt_ms = sp__t2(t);
	else
		t->rt_ms *= 2;
	sp__tsx_timer(t, &t->tmr_rt, t->rt_ms, timer_e);
}

int sp__nict_input(struct sp_tsx *t, enum sp__tsx_ev ev, const struct sp_msg *msg)
{
	switch (t->state) {
	case SP_TSX_TRYING:
	case SP_TSX_PROCEEDING:
		/* Figure 6, Trying and Proceeding (the same edges but one). */
		switch (ev) {
		case SP__EV_START:
			/* §17.1.2.2: Timer E = T1 (unreliable only), Timer F = 64*T1. */
			if (!t->reliable) {
				t->rt_ms = sp__t1(t);
				sp__tsx_timer(t, &t->tmr_rt, t->rt_ms, timer_e);
			}
			sp__tsx_timer(t, &t->tmr_to, sp__64t1(t), timer_f);
			return 0;
		case SP__EV_TIMER_E:
			retransmit(t);
			return 0;
		case SP__EV_TIMER_F:
			/* Timer F or Transport Err. / inform TU. */
			sp__tsx_terminate(t);
			sp__tsx_notify(t, NULL, -ETIMEDOUT);
			return 0;
		case SP__EV_RESP_1XX:
			/* 1xx / 1xx to TU: Trying -> Proceeding. */
			t->state = SP_TSX_PROCEEDING;
			sp__tsx_notify(t, msg, 0);
			return SP_TSX_MATCHED;
		case SP__EV_RESP_2XX:
		case SP__EV_RESP_FINAL:
			return to_completed(t, msg);
		default:
			break;
		}
		break;

	case SP_TSX_COMPLETED:
		/* Figure 6, Completed: retransmitted responses are absorbed. */
		switch (ev) {
		case SP__EV_TIMER_K:
			/* Timer K / -. */
			sp__tsx_terminate(t);
			return 0;
		default:
			break;
		}
		break;

	default:
		break;
	}
	return msg ? SP_TSX_ABSORBED : 0;
}
