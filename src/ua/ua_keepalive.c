/*
 * Keep-alive of the flow to the server while registered over TCP (RFC
 * 5626 §4.4.1): a CRLF CRLF ping every cfg.keepalive_s seconds on the
 * connection our REGISTERs use; the server answers each with a CRLF pong
 * (counted by src/net, sp_conn_pongs). Once the server has shown that it
 * answers pings, a ping left without pong for 10 s means the flow failed:
 * the connection is closed and we register again at once, which opens a
 * new one (§4.4.1, §4.5). A server that never answers a ping is never
 * judged by it (it may not support RFC 5626).
 */
#include <errno.h>
#include <string.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

#define KEEPALIVE_DEFAULT_S 30
#define PONG_WAIT_MS 10000 /* §4.4.1: "within 10 seconds" */

static void on_pong_wait(void *arg);

/* Judges the flow: pongs come in order, so pings 1..pongs are answered
 * and the oldest unanswered one is pongs+1. Failed when that one is
 * PONG_WAIT_MS old and the server has answered pings before; else the
 * wait is armed for it. */
static void judge(struct sp_ua *ua)
{
	struct sp__ua_reg *r = &ua->reg;
	unsigned pongs = sp_conn_pongs(r->flow);

	sp_timer_stop(&r->pong_wait);
	if (pongs)
		r->pong_seen = true;
	if (pongs >= r->flow_pings || !sp_conn_alive(r->flow))
		return; /* all answered, or gone (the next REGISTER reopens it) */
	unsigned oldest = pongs + 1;
	if (r->flow_pings - oldest >= PING_RING)
		oldest = r->flow_pings - PING_RING + 1; /* older still: as old */
	sp_msec due = r->ping_at[oldest % PING_RING] + PONG_WAIT_MS, now = sp_loop_now(ua->loop);
	if (now < due) {
		sp_timer_start(ua->loop, &r->pong_wait, (uint64_t)(due - now), on_pong_wait, ua);
		return;
	}
	if (!r->pong_seen)
		return; /* it never answers pings: no verdict (no RFC 5626) */
	SP_LOG(SP_LOG_WARN, "ua: no pong in %u s: the flow to the server failed (RFC 5626 "
	       "§4.4.1); registering again on a new connection", PONG_WAIT_MS / 1000);
	r->flow_failures++;
	sp_conn_close(r->flow);
	r->flow = sp_mem_deref(r->flow);
	sp__ua_reg_now(ua);
}

static void on_pong_wait(void *arg)
{
	struct sp_ua *ua = arg;
	if (ua->reg.flow)
		judge(ua);
}

static void on_keepalive(void *arg)
{
	struct sp_ua *ua = arg;
	struct sp__ua_reg *r = &ua->reg;
	struct sp_conn *conn = NULL;

	if (!r->registered || r->unregistering || ua->cfg.tp != SP_TP_TCP || !ua->net)
		return;
	int rc = sp_net_connect(ua->net, &ua->server.addr, &conn); /* the flow, found */
	if (rc == 0)
		rc = sp_conn_send(conn, "\r\n\r\n", 4);
	if (rc == 0) {
		r->pings++;
		SP_LOG(SP_LOG_DEBUG, "ua: keep-alive %u sent (CRLF CRLF)", r->pings);
		if (r->flow != conn) { /* a new flow: counted from 0 */
			sp_mem_deref(r->flow);
			r->flow = sp_mem_ref(conn);
			r->flow_pings = 0;
			r->pong_seen = false;
		}
		r->flow_pings++;
		r->ping_at[r->flow_pings % PING_RING] = sp_loop_now(ua->loop);
		if (!sp_timer_active(&r->pong_wait))
			judge(ua);
	} else {
		SP_LOG(SP_LOG_WARN, "ua: keep-alive not sent: %s", strerror(-rc));
	}
	sp_mem_deref(conn);
	sp__ua_keepalive_start(ua);
}

void sp__ua_keepalive_start(struct sp_ua *ua)
{
	struct sp__ua_reg *r = &ua->reg;
	if (ua->cfg.tp != SP_TP_TCP)
		return;
	uint32_t s = ua->cfg.keepalive_s ? ua->cfg.keepalive_s : KEEPALIVE_DEFAULT_S;
	sp_timer_start(ua->loop, &r->keepalive, (uint64_t)s * 1000, on_keepalive, ua);
}

void sp__ua_keepalive_stop(struct sp_ua *ua)
{
	struct sp__ua_reg *r = &ua->reg;
	sp_timer_stop(&r->keepalive);
	sp_timer_stop(&r->pong_wait);
	r->flow = sp_mem_deref(r->flow);
}

unsigned sp_ua_keepalives(const struct sp_ua *ua)
{
	return ua->reg.pings;
}

unsigned sp_ua_flow_failures(const struct sp_ua *ua)
{
	return ua->reg.flow_failures;
}
