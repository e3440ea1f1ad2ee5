/*
 * The non-INVITE server transaction: RFC 3261 §17.2.2, Figure 8. It
 * absorbs request retransmissions (silently in Trying, answered with the
 * latest provisional in Proceeding and with the final in Completed) and
 * lingers in Completed for Timer J. Transport errors are reported and the
 * state kept (RFC 6026 §8.8, which replaces §17.2.4 for every server
 * transaction).
 */
#include <errno.h>

#include "tsx_int.h"

static void timer_j(void *arg)
{
	sp__tsx_fire(arg, SP__EV_TIMER_J);
}

static unsigned status_of(const void *buf)
{
	const char *s = buf;
	return (unsigned)(s[8] - '0') * 100 + (unsigned)(s[9] - '0') * 10 + (unsigned)(s[10] - '0');
}

/* Figure 8: 1xx from TU / send response (Trying -> Proceeding). */
static int provisional(struct sp_tsx *t, const void *buf, size_t len)
{
	int err = sp__tsx_store_resp(t, buf, len, status_of(buf));
	if (err)
		return err;
	t->state = SP_TSX_PROCEEDING;
	return sp__tsx_send(t, buf, len);
}

/* Figure 8: 200-699 from TU / send response -> Completed; Timer J = 64*T1
 * unreliable, 0 reliable (§17.2.2). */
static int final(struct sp_tsx *t, const void *buf, size_t len)
{
	int err = sp__tsx_store_resp(t, buf, len, status_of(buf));
	if (err)
		return err;
	t->state = SP_TSX_COMPLETED;
	err = sp__tsx_send(t, buf, len);
	sp__tsx_linger(t, t->reliable ? 0 : sp__64t1(t), timer_j);
	return err;
}

/* Request retransmission / send response; a transport error is reported
 * and the state kept. */
static void resend(struct sp_tsx *t)
{
	int err = sp__tsx_send(t, t->resp, t->resp_len);
	if (err)
		sp__tsx_notify(t, NULL, err);
}

int sp__nist_input(struct sp_tsx *t, enum sp__tsx_ev ev, const void *buf, size_t len)
{
	switch (t->state) {
	case SP_TSX_TRYING:
		/* Figure 8, Trying. */
		switch (ev) {
		case SP__EV_START:
			return 0;
		case SP__EV_REQ:
			/* §17.2.2: retransmissions discarded in Trying. */
			return SP_TSX_ABSORBED;
		case SP__EV_TU_1XX:
			return provisional(t, buf, len);
		case SP__EV_TU_2XX:
		case SP__EV_TU_FINAL:
			return final(t, buf, len);
		default:
			break;
		}
		break;

	case SP_TSX_PROCEEDING:
		/* Figure 8, Proceeding. */
		switch (ev) {
		case SP__EV_REQ:
			/* Request / send response (the latest provisional). */
			resend(t);
			return SP_TSX_ABSORBED;
		case SP__EV_TU_1XX:
			/* 1xx from TU / send response. */
			return provisional(t, buf, len);
		case SP__EV_TU_2XX:
		case SP__EV_TU_FINAL:
			return final(t, buf, len);
		default:
			break;
		}
		break;

	case SP_TSX_COMPLETED:
		/* Figure 8, Completed. */
		switch (ev) {
		case SP__EV_REQ:
			/* Request / send response (the final). */
			resend(t);
			return SP_TSX_ABSORBED;
		case SP__EV_TIMER_J:
			/* Timer J fires / -. */
			sp__tsx_terminate(t);
			return 0;
		case SP__EV_TU_1XX:
		case SP__EV_TU_2XX:
		case SP__EV_TU_FINAL:
			return -EINVAL; /* the final was sent */
		default:
			break;
		}
		break;

	default:
		break;
	}
	return ev == SP__EV_REQ ? SP_TSX_ABSORBED : 0;
}
