/*
 * The INVITE server transaction: RFC 3261 §17.2.1 as replaced by RFC 6026
 * §8.5-§8.7 (Figure 7 with the Accepted state and Timer L). It sends the
 * 100 Trying the TU does not send within trying_ms, answers retransmitted
 * INVITEs with the latest response, retransmits 300-699 finals on Timer G
 * until the ACK arrives (Confirmed) or Timer H gives up, and after a 2xx
 * absorbs INVITE retransmissions while passing ACKs to the core. Transport
 * errors are reported and the state kept (RFC 6026 §7.1, §8.8).
 */
#include <errno.h>

#include "tsx_int.h"

static void timer_trying(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_TRYING);
}

static void timer_g(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_G);
}

static void timer_h(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_H);
}

static void timer_i(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_I);
}

static void timer_l(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_L);
}

/* Sends the stored response; a failure is reported to the TU and the
 * state kept (RFC 6026 Figure 7 "Transport Err. / Inform TU"). */
static void resend(struct sp_tsx *t)
{
	int err;
	if (!t->resp)
		return;
	if ((err = sp__tsx_send(t, t->resp, t->resp_len)) != 0)
		sp__tsx_notify(t, NULL, err);
}

/* TU responses: store (except 2xx: the TU retransmits those, RFC 6026
 * §8.5), then send; the send's error goes back to the TU's call. */
static int tu_send(struct sp_tsx *t, const void *buf, size_t len, bool store, unsigned status)
{
	int err;
	if (store) {
		if ((err = sp__tsx_store_resp(t, buf, len, status)) != 0)
			return err;
	} else {
		t->status = (uint16_t)status;
	}
	t->tu_responded = true;
	sp_timer_stop(&t->tmr_rt); /* no 100 Trying any more */
	return sp__tsx_send(t, buf, len);
}

/* The 100 Trying built when the INVITE arrived (tsx_layer.c). */
static void send_trying(struct sp_tsx *t)
{
	if (!t->resp)
		return;
	t->status = 100;
	resend(t);
}

static unsigned status_of(const void *buf)
{
	const char *s = buf;
	return (unsigned)(s[8] - '0') * 100 + (unsigned)(s[9] - '0') * 10 + (unsigned)(s[10] - '0');
}

int sp__ist_input(struct sp_tsx *t, enum sp__tsx_ev ev, const void *buf, size_t len)
{
	int err;

	switch (t->state) {
	case SP_TSX_PROCEEDING:
		/* RFC 6026 Figure 7, Proceeding. */
		switch (ev) {
		case SP__EV_START:
			/* INVITE / pass INV to TU (done), send 100 if TU won't in
			 * 200 ms (§17.2.1). */
			if (t->tu_responded || t->layer->cfg.trying_ms == UINT32_MAX)
				return 0;
			if (t->layer->cfg.trying_now)
				send_trying(t);
			else
				sp__tsx_timer(t, &t->tmr_rt, t->layer->cfg.trying_ms, timer_trying);
			return 0;
		case SP__EV_TIMER_TRYING:
			/* Unless the TU answered or a retransmission got it. */
			if (!t->tu_responded && !t->status)
				send_trying(t);
			return 0;
		case SP__EV_REQ:
			/* INVITE / send response (the latest provisional, or the
			 * 100 built for it). */
			if (t->resp && !t->status)
				t->status = 100;
			resend(t);
			return SP_TSX_ABSORBED;
		case SP__EV_TU_1XX:
			/* 101-199 from TU / send response. */
			return tu_send(t, buf, len, true, status_of(buf));
		case SP__EV_TU_2XX:
			/* 2xx from TU / send response -> Accepted; Timer L =
			 * 64*T1 for every transport (RFC 6026 §8.7). */
			t->state = SP_TSX_ACCEPTED;
			sp__tsx_timer(t, &t->tmr_end, sp__64t1(t), timer_l);
			return tu_send(t, buf, len, false, status_of(buf));
		case SP__EV_TU_FINAL:
			/* 300-699 from TU / send response -> Completed; Timer G =
			 * T1 (unreliable only), Timer H = 64*T1 (§17.2.1). */
			if ((err = sp__tsx_store_resp(t, buf, len, status_of(buf))) != 0)
				return err;
			t->state = SP_TSX_COMPLETED;
			t->tu_responded = true;
			sp_timer_stop(&t->tmr_rt);
			if (!t->reliable) {
				t->rt_ms = sp__t1(t);
				sp__tsx_timer(t, &t->tmr_rt, t->rt_ms, timer_g);
			}
			sp__tsx_timer(t, &t->tmr_to, sp__64t1(t), timer_h);
			return sp__tsx_send(t, buf, len);
		case SP__EV_ACK:
			return SP_TSX_ABSORBED; /* no final yet: not an edge */
		default:
			break;
		}
		break;

	case SP_TSX_COMPLETED:
		/* RFC 6026 Figure 7, Completed. */
		switch (ev) {
		case SP__EV_REQ:
			/* INVITE / send response. */
			resend(t);
			return SP_TSX_ABSORBED;
		case SP__EV_TIMER_G:
			/* Timer G fires / send response; G = min(2G, T2). */
			t->rt_ms = 2 * t->rt_ms < sp__t2(t) ? 2 * t->rt_ms : sp__t2(t);
			sp__tsx_timer(t, &t->tmr_rt, t->rt_ms, timer_g);
			resend(t);
			return 0;
		case SP__EV_TIMER_H:
			/* Timer H fires / -: the ACK never came; §17.2.1 tells the
			 * TU of the failure. */
			sp__tsx_terminate(t);
			sp__tsx_notify(t, NULL, -ETIMEDOUT);
			return 0;
		case SP__EV_ACK:
			/* ACK / - -> Confirmed; Timer I = T4 unreliable, 0
			 * reliable (§17.2.1). */
			sp_timer_stop(&t->tmr_rt);
			sp_timer_stop(&t->tmr_to);
			t->state = SP_TSX_CONFIRMED;
			sp__tsx_linger(t, t->reliable ? 0 : sp__t4(t), timer_i);
			return SP_TSX_ABSORBED;
		case SP__EV_TU_1XX:
		case SP__EV_TU_2XX:
		case SP__EV_TU_FINAL:
			return -EINVAL; /* a final was sent */
		default:
			break;
		}
		break;

	case SP_TSX_CONFIRMED:
		/* RFC 3261 Figure 7, Confirmed: ACKs and INVITEs absorbed. */
		switch (ev) {
		case SP__EV_TIMER_I:
			/* Timer I fires / -. */
			sp__tsx_terminate(t);
			return 0;
		case SP__EV_TU_1XX:
		case SP__EV_TU_2XX:
		case SP__EV_TU_FINAL:
			return -EINVAL;
		default:
			break;
		}
		break;

	case SP_TSX_ACCEPTED:
		/* RFC 6026 Figure 7, Accepted. */
		switch (ev) {
		case SP__EV_REQ:
			/* INVITE / -: absorbed, not passed to the TU (§7.1). */
			return SP_TSX_ABSORBED;
		case SP__EV_ACK:
			/* ACK / to TU: the core routes it (§8.7). */
			return SP_TSX_ACK;
		case SP__EV_TU_2XX:
			/* 2xx from TU / send response (the TU's retransmission). */
			return sp__tsx_send(t, buf, len);
		case SP__EV_TU_1XX:
		case SP__EV_TU_FINAL:
			return -EINVAL;
		case SP__EV_TIMER_L:
			/* Timer L fires / -. */
			sp__tsx_terminate(t);
			return 0;
		default:
			break;
		}
		break;

	default:
		break;
	}
	return ev == SP__EV_REQ || ev == SP__EV_ACK ? SP_TSX_ABSORBED : 0;
}
