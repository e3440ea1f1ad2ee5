/*
 * The INVITE client transaction: RFC 3261 §17.1.1 as replaced by RFC 6026
 * §8.4 (Figure 5 with the Accepted state and Timer M). It retransmits the
 * INVITE on Timer A over unreliable transports, gives up on Timer B,
 * acknowledges 300-699 responses itself (the ACK of §17.1.1.3, resent for
 * every retransmitted final) and passes every 2xx to the TU, which sends
 * the ACK for it.
 */
#include <errno.h>

#include "tsx_int.h"

static void timer_a(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_A);
}

static void timer_b(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_B);
}

static void timer_d(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_D);
}

static void timer_m(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_M);
}

/* §17.1.4: a transport error ends the transaction and the TU is told. */
static void transport_error(struct sp_tsx *t, int err)
{
	sp__tsx_terminate(t);
	sp__tsx_notify(t, NULL, err);
}

/* §17.1.1.3: builds and keeps the ACK for the final response resp. On
 * failure (memory) the transaction goes on without one; the server's
 * Timer H ends its side. */
static void make_ack(struct sp_tsx *t, const struct sp_msg *resp)
{
	struct sp_msg inv;
	struct sp_wbuf b;
	const struct sp_hdr *to = sp_msg_hdr(resp, SP_HDR_TO);
	/* The ACK is the INVITE's headers minus most, plus the response's To. */
	size_t cap = t->req_len + (to ? to->value.len : 0) + 256;
	char *buf;

	if (!(buf = sp_malloc(cap)))
		return;
	sp_wbuf_init(&b, buf, cap);
	if (sp_msg_parse(&inv, t->req, t->req_len) != 0 || sp_tsx_build_ack(&b, &inv, resp) != 0) {
		sp_msg_free(&inv);
		sp_free(buf);
		return;
	}
	sp_msg_free(&inv);
	sp_free(t->ack);
	t->ack = buf;
	t->ack_len = b.len;
}

static int send_ack(struct sp_tsx *t)
{
	return t->ack ? sp__tsx_send(t, t->ack, t->ack_len) : 0;
}

/* Figure 5: Calling/Proceeding --300-699 / ACK sent, resp. to TU-->
 * Completed; Timer D (RFC 6026 §8.4: at least 32 s unreliable, 0
 * reliable). */
static int to_completed(struct sp_tsx *t, const struct sp_msg *resp)
{
	uint32_t d = sp__64t1(t) > 32000 ? sp__64t1(t) : 32000;
	int err;

	sp_timer_stop(&t->tmr_rt);
	sp_timer_stop(&t->tmr_to);
	t->state = SP_TSX_COMPLETED;
	make_ack(t, resp);
	if ((err = send_ack(t)) != 0) {
		sp__tsx_notify(t, resp, 0);
		if (t->state == SP_TSX_COMPLETED)
			transport_error(t, err); /* Figure 5: Completed, Transport Err. */
		return SP_TSX_MATCHED;
	}
	sp__tsx_linger(t, t->reliable ? 0 : d, timer_d);
	sp__tsx_notify(t, resp, 0);
	return SP_TSX_MATCHED;
}

/* Figure 5: Calling/Proceeding --2xx / 2xx to TU--> Accepted; Timer M =
 * 64*T1 (RFC 6026 §8.4). */
static int to_accepted(struct sp_tsx *t, const struct sp_msg *resp)
{
	sp_timer_stop(&t->tmr_rt);
	sp_timer_stop(&t->tmr_to);
	t->state = SP_TSX_ACCEPTED;
	sp__tsx_timer(t, &t->tmr_end, sp__64t1(t), timer_m);
	sp__tsx_notify(t, resp, 0);
	return SP_TSX_MATCHED;
}

int sp__ict_input(struct sp_tsx *t, enum sp__tsx_ev ev, const struct sp_msg *msg)
{
	int err;

	switch (t->state) {
	case SP_TSX_CALLING:
		/* RFC 6026 Figure 5, Calling. */
		switch (ev) {
		case SP__EV_START:
			/* §17.1.1.2: Timer A = T1 (unreliable only), Timer B = 64*T1. */
			if (!t->reliable) {
				t->rt_ms = sp__t1(t);
				sp__tsx_timer(t, &t->tmr_rt, t->rt_ms, timer_a);
			}
			sp__tsx_timer(t, &t->tmr_to, sp__64t1(t), timer_b);
			return 0;
		case SP__EV_TIMER_A:
			/* Timer A fires / reset A (doubled), INVITE sent. */
			if ((err = sp__tsx_send(t, t->req, t->req_len)) != 0) {
				transport_error(t, err);
				return 0;
			}
			t->rt_ms *= 2;
			sp__tsx_timer(t, &t->tmr_rt, t->rt_ms, timer_a);
			return 0;
		case SP__EV_TIMER_B:
			/* Timer B fires / inform TU. */
			sp__tsx_terminate(t);
			sp__tsx_notify(t, NULL, -ETIMEDOUT);
			return 0;
		case SP__EV_RESP_1XX:
			/* 1xx / 1xx to TU: §17.1.1.2 stops retransmitting; B does
			 * not run in Proceeding. */
			sp_timer_stop(&t->tmr_rt);
			sp_timer_stop(&t->tmr_to);
			t->state = SP_TSX_PROCEEDING;
			sp__tsx_notify(t, msg, 0);
			return SP_TSX_MATCHED;
		case SP__EV_RESP_2XX:
			return to_accepted(t, msg);
		case SP__EV_RESP_FINAL:
			return to_completed(t, msg);
		default:
			break;
		}
		break;

	case SP_TSX_PROCEEDING:
		/* RFC 6026 Figure 5, Proceeding. */
		switch (ev) {
		case SP__EV_RESP_1XX:
			/* 1xx / 1xx to TU. */
			sp__tsx_notify(t, msg, 0);
			return SP_TSX_MATCHED;
		case SP__EV_RESP_2XX:
			return to_accepted(t, msg);
		case SP__EV_RESP_FINAL:
			return to_completed(t, msg);
		default:
			break;
		}
		break;

	case SP_TSX_COMPLETED:
		/* RFC 6026 Figure 5, Completed. */
		switch (ev) {
		case SP__EV_RESP_FINAL:
			/* 300-699 / ACK sent; not passed to the TU (§8.4). */
			if ((err = send_ack(t)) != 0)
				transport_error(t, err);
			return SP_TSX_ABSORBED;
		case SP__EV_TIMER_D:
			/* Timer D fires / -. */
			sp__tsx_terminate(t);
			return 0;
		default:
			break;
		}
		break;

	case SP_TSX_ACCEPTED:
		/* RFC 6026 Figure 5, Accepted. */
		switch (ev) {
		case SP__EV_RESP_2XX:
			/* 2xx / 2xx to TU (retransmission or another fork). */
			sp__tsx_notify(t, msg, 0);
			return SP_TSX_MATCHED;
		case SP__EV_TIMER_M:
			/* Timer M fires / -. */
			sp__tsx_terminate(t);
			return 0;
		default:
			break;
		}
		break;

	default:
		break;
	}
	/* Not an edge of Figure 5 (a 1xx after the final, a non-2xx in
	 * Accepted, ...): absorbed without effect. */
	return msg ? SP_TSX_ABSORBED : 0;
}
