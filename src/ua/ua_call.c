/*
 * What outgoing and incoming calls share (RFC 3261 §12-§15): the call
 * object and its states, BYE (§15.1.1), the ACK for a 2xx (§13.2.2.4),
 * the end of a call, and the accessors of ua.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/log.h"
#include "siphon/mem.h"

#include "ua_int.h"

static void call_free(void *obj)
{
	struct sp_ua_call *c = obj;
	sp_free(c->invite);
	sp_free(c->offer);
	sp_free(c->ok);
	sp_free(c->early_sdp);
	sp_free(c->reinv_sdp);
	sp_free(c->reok);
	sp_free(c->rel);
	struct sp_tsx **slots[] = { &c->prack, &c->reinv, &c->rist,  &c->info,  &c->ict,
				    &c->ist,   &c->bye,	  &c->refer, &c->update, &c->notify };
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		sp__ua_drop_tsx(slots[i]);
	sp_mem_deref(c->dlg);
	sp_mem_deref(c->early_dlg);
	sp_mem_deref(c->xfer);
	sp_mem_deref(c->xfer_of);
	sp_mem_deref(c->replaces);
}

int sp__ua_call_new(struct sp_ua_call **out, struct sp_ua *ua, bool outgoing)
{
	struct sp_ua_call *c = sp_mem_zalloc(sizeof(*c), call_free);
	if (!c)
		return -ENOMEM;
	c->ua = ua;
	c->outgoing = outgoing;
	c->answered_at = c->ended_at = -1;
	sp_timer_init(&c->t_answer);
	sp_timer_init(&c->t_retx);
	sp_timer_init(&c->t_noack);
	sp_timer_init(&c->t_glare);
	sp_timer_init(&c->t_reretx);
	sp_timer_init(&c->t_renoack);
	sp_timer_init(&c->t_rel);
	sp_timer_init(&c->t_xfer_bye);
	sp_timer_init(&c->t_se);
	sp__ua_token(c->local_tag, 12);
	c->next = ua->calls; /* the UA's reference: the one zalloc gave */
	ua->calls = c;
	*out = c;
	return 0;
}

void sp__ua_call_set_state(struct sp_ua_call *c, enum sp_ua_call_state st)
{
	struct sp_ua *ua = c->ua;
	if (c->state == st || c->state == SP_UA_CALL_ENDED)
		return;
	c->state = st;
	if ((st == SP_UA_CALL_ANSWERED || st == SP_UA_CALL_CONFIRMED) && c->answered_at < 0)
		c->answered_at = sp_loop_now(ua->loop);
	if (ua->cfg.ev.call_state)
		ua->cfg.ev.call_state(ua, c, st, ua->cfg.ev.arg);
	if (c->xfer_of && c->ua)
		sp__ua_refer_call_state(c); /* RFC 3515 §2.4.4: NOTIFY progress */
	if (c->replaces && c->ua && (st == SP_UA_CALL_ANSWERED || st == SP_UA_CALL_CONFIRMED))
		sp__ua_replaces_done(c); /* RFC 3891 §3 */
}

void sp__ua_drop_tsx(struct sp_tsx **t)
{
	if (*t) {
		sp__ua_dialog_detach(*t);
		sp_tsx_set_handler(*t, NULL, NULL);
		*t = sp_mem_deref(*t);
	}
}

void sp__ua_call_end(struct sp_ua_call *c, unsigned status, const char *reason)
{
	struct sp_ua *ua = c->ua;

	if (!ua || c->state == SP_UA_CALL_ENDED)
		return;
	sp_timer_stop(&c->t_answer);
	sp_timer_stop(&c->t_retx);
	sp_timer_stop(&c->t_noack);
	if (status)
		c->status = status;
	c->reason = reason;
	if (c->dlg) {
		sp_dialog_table_remove(ua->dialogs, c->dlg);
		c->dlg = sp_mem_deref(c->dlg);
	}
	if (c->outgoing && c->call_id[0])
		sp_dialog_table_end_early(ua->dialogs, sp_str_c(c->call_id),
					  sp_str_c(c->local_tag));
	sp__ua_indialog_stop(c);
	sp__ua_drop_tsx(&c->ict);
	sp__ua_drop_tsx(&c->ist);
	sp__ua_drop_tsx(&c->bye);
	c->replaces = sp_mem_deref(c->replaces); /* RFC 3891 §3: left unchanged */
	c->state = SP_UA_CALL_ENDED;
	c->ended_at = sp_loop_now(ua->loop);
	sp_mem_ref(c);
	sp__ua_refer_call_state(c); /* RFC 3515: the final NOTIFY, or unlink */
	if (ua->cfg.ev.call_state)
		ua->cfg.ev.call_state(ua, c, SP_UA_CALL_ENDED, ua->cfg.ev.arg);
	for (struct sp_ua_call **pp = &ua->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			c->next = NULL;
			sp_mem_deref(c); /* the UA's reference */
			break;
		}
	}
	sp_mem_deref(c);
}

struct sp_ua_call *sp__ua_call_by_dialog(struct sp_ua *ua, const struct sp_dialog *d)
{
	for (struct sp_ua_call *c = ua->calls; c; c = c->next)
		if (c->dlg == d)
			return c;
	return NULL;
}

int sp__ua_dialog_dest(struct sp_ua *ua, const struct sp_dialog *d, struct sp_tsx_dest *dest)
{
	struct sp_uri uri;
	int rc = sp_dialog_next_hop(d, &uri);
	return rc ? rc : sp__ua_uri_dest(ua, &uri, false, dest);
}

int sp__ua_send_ack(struct sp_ua_call *c, struct sp_dialog *d, uint32_t cseq, const char *auth)
{
	struct sp_ua *ua = c->ua;
	struct sp_tsx_dest dest;
	struct sp_wbuf b;
	char via[160];
	int rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		return rc;
	/* §13.2.2.4: the ACK carries the INVITE's credentials. */
	struct sp_dialog_req r = { .via = sp_str_c(via), .headers = sp_str_c(auth) };
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	rc = sp_dialog_ack(d, cseq, &r, &b);
	if (rc == 0)
		rc = sp__ua_dialog_dest(ua, d, &dest);
	if (rc == 0)
		rc = sp__ua_send(ua, &dest, b.p, b.len);
	if (rc)
		SP_LOG(SP_LOG_WARN, "ua: ACK not sent: %s", strerror(-rc));
	return rc;
}

/* The BYE's non-INVITE client transaction (§17.1.2): any final response
 * or error ends the call (§15.1.1: the session is over either way). */
static void on_bye(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct sp_ua_call *c = arg;
	(void)t;
	(void)err;
	if (msg && msg->status < 200)
		return;
	/* A reason given when the BYE was sent ("no ACK", "session
	 * expired") stands. */
	sp__ua_call_end(c, 0, c->reason ? c->reason : "local BYE");
}

int sp__ua_call_bye(struct sp_ua_call *c)
{
	struct sp_ua *ua = c->ua;
	char via[160];
	int rc;

	if (!c->dlg)
		return -ENOTCONN;
	rc = sp__ua_via(ua, via, sizeof(via));
	if (rc)
		return rc;
	struct sp_dialog_req r = { .method = SP_STR("BYE"), .via = sp_str_c(via) };
	char ua_line[96];
	snprintf(ua_line, sizeof(ua_line), "User-Agent: %s\r\n", ua->user_agent);
	r.headers = sp_str_c(ua_line);
	rc = sp__ua_dialog_send(c, c->dlg, &r, NULL, &c->bye, on_bye, c);
	c->ending = true;
	if (rc) {
		SP_LOG(SP_LOG_WARN, "ua: BYE not sent: %s", strerror(-rc));
		sp__ua_call_end(c, 0, "local BYE (not sent)");
	}
	return rc;
}

/* ---- ua.h ---- */

int sp_ua_call_hangup(struct sp_ua_call *c, unsigned status)
{
	if (!c->ua || c->state == SP_UA_CALL_ENDED || c->ending)
		return -EALREADY;
	return c->outgoing ? sp__ua_uac_hangup(c) : sp__ua_uas_hangup(c, status);
}

unsigned sp_ua_hangup_all(struct sp_ua *ua, bool abort)
{
	unsigned n = 0;
	struct sp_ua_call *c = ua->calls;
	while (c) {
		struct sp_ua_call *next = c->next;
		sp_mem_ref(c);
		if (c->state != SP_UA_CALL_ENDED) {
			n++;
			if (abort)
				sp__ua_call_end(c, 0, "aborted");
			else
				sp_ua_call_hangup(c, 0);
		}
		/* next may have ended (and gone) meanwhile: restart then. */
		bool listed = false;
		for (struct sp_ua_call *x = ua->calls; x; x = x->next)
			listed |= x == next;
		sp_mem_deref(c);
		c = listed ? next : NULL;
	}
	return n;
}

enum sp_ua_call_state sp_ua_call_state(const struct sp_ua_call *c)
{
	return c->state;
}

bool sp_ua_call_outgoing(const struct sp_ua_call *c)
{
	return c->outgoing;
}

unsigned sp_ua_call_status(const struct sp_ua_call *c)
{
	return c->status;
}

const char *sp_ua_call_reason(const struct sp_ua_call *c)
{
	return c->reason ? c->reason : "";
}

sp_msec sp_ua_call_answered_at(const struct sp_ua_call *c)
{
	return c->answered_at;
}

sp_msec sp_ua_call_ended_at(const struct sp_ua_call *c)
{
	return c->ended_at;
}

const char *sp_ua_call_peer(const struct sp_ua_call *c)
{
	return c->peer;
}

const char *sp_ua_call_id(const struct sp_ua_call *c)
{
	return c->call_id;
}

void sp_ua_call_set_data(struct sp_ua_call *c, void *data)
{
	c->data = data;
}

void *sp_ua_call_data(const struct sp_ua_call *c)
{
	return c->data;
}
