/*
 * Call transfer and UPDATE in the UA core (src/ua/ua_refer.c,
 * ua_update.c): three UAs on one loop over loopback UDP, each call with
 * a real sp_media_session through the media hooks:
 *  - blind transfer (RFC 3515): alice calls bob, alice REFERs bob to
 *    carol; bob answers 202, NOTIFYs 100 then 200 (alice answers each),
 *    calls carol (with Referred-By), and the alice-bob call ends with
 *    alice's BYE after the final sipfrag; bob-carol stays up;
 *  - attended transfer (RFC 3891): alice talks to bob and to carol, REFERs
 *    bob to carol with Replaces naming the alice-carol dialog; bob's
 *    INVITE carries that Replaces, carol answers it at once and ends the
 *    alice-carol call with BYE (§3), bob ends alice-bob after the final
 *    NOTIFY; bob-carol stays up. An INVITE whose Replaces matches no
 *    dialog gets 481; one from neither that dialog's peer nor on its
 *    behalf (Referred-By) gets 403 and the dialog stays (§3);
 *  - a REFER refused by a UA that does not accept transfers (603);
 *  - UPDATE (RFC 3311): with an offer (answered by the media session),
 *    without one, and 491 while a re-INVITE offer is open.
 * Loops run until the expected state, bounded by an iteration count.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "siphon/media_session.h"
#include "siphon/mem.h"
#include "siphon/ua.h"

#define MAX_CALLS 4

struct side {
	struct sp_ua *ua;
	struct sp_loop *loop;
	struct sp_ua_call *calls[MAX_CALLS]; /* every call seen (referenced) */
	struct sp_media_session *m[MAX_CALLS];
	unsigned ncalls, confirmed, ended;
	unsigned refer[8]; /* ev.refer statuses, in order */
	unsigned nrefer, refer_done;
	bool refer_local;
	unsigned mod_local[8], mod_remote[8];
	unsigned nmod_local, nmod_remote;
	unsigned transfers;
	char referred_by[128]; /* Referred-By of the last INVITE received */
	char replaces[256];    /* Replaces of the last INVITE received */
	char ok_from[64], ok_to[64]; /* From/To tags of the last 200 to an INVITE received */
};

struct trio {
	struct sp_loop *loop;
	struct side a, b, c;
};

static int slot(struct side *s, struct sp_ua_call *c)
{
	for (unsigned i = 0; i < s->ncalls; i++)
		if (s->calls[i] == c)
			return (int)i;
	assert_true(s->ncalls < MAX_CALLS);
	s->calls[s->ncalls] = sp_mem_ref(c);
	return (int)s->ncalls++;
}

static struct sp_media_session *media(struct side *s, struct sp_ua_call *c)
{
	int i = slot(s, c);
	if (!s->m[i]) {
		struct sp_media_config mc = {
			.loop = s->loop,
			.local_ip = "127.0.0.1",
			.tone_hz = 440,
			.dscp = 0,
		};
		assert_int_equal(sp_media_session_create(&s->m[i], &mc), 0);
	}
	return s->m[i];
}

static int h_offer(void *arg, struct sp_ua_call *c, struct sp_wbuf *sdp)
{
	return sp_media_session_offer(media(arg, c), sdp);
}

static int h_answer(void *arg, struct sp_ua_call *c, struct sp_str offer, struct sp_wbuf *sdp)
{
	return sp_media_session_answer(media(arg, c), offer, sdp);
}

static int h_set_answer(void *arg, struct sp_ua_call *c, struct sp_str answer)
{
	return sp_media_session_set_answer(media(arg, c), answer);
}

static int h_hold(void *arg, struct sp_ua_call *c, bool hold, struct sp_wbuf *sdp)
{
	return sp_media_session_hold(media(arg, c), hold, sdp);
}

static void h_cancel(void *arg, struct sp_ua_call *c)
{
	sp_media_session_cancel_offer(media(arg, c));
}

static void ev_state(struct sp_ua *ua, struct sp_ua_call *c, enum sp_ua_call_state st, void *arg)
{
	struct side *s = arg;
	(void)ua;
	int i = slot(s, c);
	if (st == SP_UA_CALL_CONFIRMED)
		s->confirmed++;
	if (st == SP_UA_CALL_ENDED) {
		s->ended++;
		if (s->m[i])
			sp_media_session_stop(s->m[i]);
	}
}

static void ev_incoming(struct sp_ua *ua, struct sp_ua_call *c, const struct sp_msg *inv,
			void *arg)
{
	struct side *s = arg;
	(void)ua, (void)c;
	const struct sp_hdr *h = sp_msg_hdr(inv, SP_HDR_REFERRED_BY);
	if (h)
		snprintf(s->referred_by, sizeof(s->referred_by), "%.*s", SP_STR_FMT(h->value));
	h = sp_msg_hdr(inv, SP_HDR_REPLACES);
	if (h)
		snprintf(s->replaces, sizeof(s->replaces), "%.*s", SP_STR_FMT(h->value));
}

static void ev_refer(struct sp_ua *ua, struct sp_ua_call *c, bool local, unsigned status,
		     bool done, void *arg)
{
	struct side *s = arg;
	(void)ua, (void)c;
	s->refer_local = local;
	if (s->nrefer < 8)
		s->refer[s->nrefer++] = status;
	if (done)
		s->refer_done++;
}

static void ev_transfer(struct sp_ua *ua, struct sp_ua_call *c, struct sp_ua_call *n, void *arg)
{
	struct side *s = arg;
	(void)ua, (void)c;
	assert_true(sp_ua_call_outgoing(n));
	s->transfers++;
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

/* Copies the tag parameter of the header line starting with name. */
static void tag_of(const char *buf, size_t len, const char *name, char *out, size_t cap)
{
	const char *e = buf + len;
	for (const char *p = buf; p && p < e; p = memchr(p, '\n', (size_t)(e - p)), p = p ? p + 1 : p) {
		size_t nl = strlen(name);
		if ((size_t)(e - p) <= nl || strncmp(p, name, nl))
			continue;
		const char *eol = memchr(p, '\r', (size_t)(e - p));
		const char *t = memmem(p, (size_t)((eol ? eol : e) - p), ";tag=", 5);
		if (!t)
			return;
		t += 5;
		size_t n = 0;
		while (t + n < (eol ? eol : e) && t[n] != ';' && n + 1 < cap)
			n++;
		snprintf(out, cap, "%.*s", (int)n, t);
		return;
	}
}

static void h_trace(void *arg, bool out, const struct sp_sa *peer, const char *buf, size_t len)
{
	struct side *s = arg;
	(void)peer;
	if (out || len < 12 || memcmp(buf, "SIP/2.0 200", 11) || !memmem(buf, len, " INVITE\r\n", 9))
		return;
	tag_of(buf, len, "From:", s->ok_from, sizeof(s->ok_from));
	tag_of(buf, len, "To:", s->ok_to, sizeof(s->ok_to));
}

static void make_side(struct trio *t, struct side *s, const char *user, bool callee,
		      bool accept_refer)
{
	struct sp_ua_config cfg = {
		.loop = t->loop,
		.user = user,
		.auto_answer = callee,
		.answer_delay_ms = 10,
		.accept_refer = accept_refer,
		.max_calls = 2, /* alice talks to bob and carol (attended transfer) */
		.media = { .offer = h_offer,
			   .answer = h_answer,
			   .set_answer = h_set_answer,
			   .hold = h_hold,
			   .cancel_offer = h_cancel,
			   .arg = s },
		.ev = { .call_state = ev_state,
			.incoming = ev_incoming,
			.refer = ev_refer,
			.transfer = ev_transfer,
			.modified = ev_modified,
			.arg = s },
		.trace = h_trace,
		.trace_arg = s,
	};
	s->loop = t->loop;
	assert_int_equal(sp_sa_parse(&cfg.local, SP_STR("127.0.0.1"), 0), 0);
	assert_int_equal(sp_ua_create(&s->ua, &cfg), 0);
}

static int trio_setup(void **state)
{
	static struct trio t;
	memset(&t, 0, sizeof(t));
	assert_int_equal(sp_loop_create(&t.loop, NULL), 0);
	make_side(&t, &t.a, "alice", false, false);
	make_side(&t, &t.b, "bob", true, true);
	make_side(&t, &t.c, "carol", true, false);
	*state = &t;
	return 0;
}

static void run_until(struct trio *t, const unsigned *flag, unsigned want)
{
	for (int i = 0; i < 3000 && *flag < want; i++)
		sp_loop_run_once(t->loop, 10);
	assert_true(*flag >= want);
}

static void side_free(struct side *s)
{
	sp_ua_destroy(s->ua);
	for (unsigned i = 0; i < s->ncalls; i++) {
		sp_mem_deref(s->calls[i]);
		sp_media_session_destroy(s->m[i]);
	}
}

static int trio_teardown(void **state)
{
	struct trio *t = *state;
	struct side *all[] = { &t->a, &t->b, &t->c };
	for (unsigned k = 0; k < 3; k++)
		sp_ua_hangup_all(all[k]->ua, false);
	for (int i = 0; i < 500 && (sp_ua_active_calls(t->a.ua) || sp_ua_active_calls(t->b.ua) ||
				    sp_ua_active_calls(t->c.ua));
	     i++)
		sp_loop_run_once(t->loop, 10);
	for (unsigned k = 0; k < 3; k++)
		side_free(all[k]);
	sp_loop_run_once(t->loop, 0);
	sp_loop_destroy(t->loop);
	return 0;
}

static void uri_of(struct side *s, const char *user, char *buf, size_t cap)
{
	char a[SP_SA_STRLEN];
	sp_sa_print(sp_ua_local(s->ua), a, sizeof(a));
	snprintf(buf, cap, "sip:%s@%s", user, a);
}

/* alice calls bob; returns alice's call. */
static struct sp_ua_call *alice_calls_bob(struct trio *t)
{
	struct sp_ua_call *c;
	char u[128];
	uri_of(&t->b, "bob", u, sizeof(u));
	assert_int_equal(sp_ua_call(&c, t->a.ua, u), 0);
	sp_mem_deref(c); /* ev_state keeps one */
	run_until(t, &t->a.confirmed, 1);
	run_until(t, &t->b.confirmed, 1);
	return c;
}

static void test_blind_transfer(void **state)
{
	struct trio *t = *state;
	char carol[128];

	struct sp_ua_call *ab = alice_calls_bob(t);
	uri_of(&t->c, "carol", carol, sizeof(carol));
	assert_int_equal(sp_ua_call_refer(ab, carol), 0);
	assert_int_equal(sp_ua_call_refer(ab, carol), -EBUSY);

	/* alice: 202, then the sipfrags 100 ... 200, the last terminating
	 * the subscription (RFC 3515 §2.4.7). */
	run_until(t, &t->a.refer_done, 1);
	assert_true(t->a.refer_local);
	assert_true(t->a.nrefer >= 3);
	assert_int_equal(t->a.refer[0], 202);
	assert_int_equal(t->a.refer[1], 100);
	assert_int_equal(t->a.refer[t->a.nrefer - 1], 200);
	/* bob reported what it accepted and NOTIFYed, the same sequence. */
	assert_false(t->b.refer_local);
	assert_int_equal(t->b.refer_done, 1);
	assert_int_equal(t->b.refer[0], 202);
	assert_int_equal(t->b.refer[t->b.nrefer - 1], 200);
	assert_int_equal(t->b.transfers, 1);

	/* carol got bob's call, with alice as Referred-By (RFC 3892). */
	run_until(t, &t->c.confirmed, 1);
	assert_non_null(strstr(t->c.referred_by, "sip:alice@"));
	assert_int_equal(sp_ua_active_calls(t->c.ua), 1);

	/* The transferor hangs up after the final 2xx sipfrag. */
	assert_int_equal(sp_ua_call_hangup(ab, 0), 0);
	run_until(t, &t->a.ended, 1);
	run_until(t, &t->b.ended, 1);
	assert_string_equal(sp_ua_call_reason(ab), "local BYE");
	/* bob-carol is up: bob's second call, confirmed, media flowing. */
	assert_int_equal(t->b.ncalls, 2);
	assert_int_equal(sp_ua_call_state(t->b.calls[1]), SP_UA_CALL_CONFIRMED);
	assert_int_equal(sp_ua_call_state(t->b.calls[0]), SP_UA_CALL_ENDED);
	assert_string_equal(sp_ua_call_reason(t->b.calls[0]), "remote BYE");
	assert_int_equal(sp_ua_active_calls(t->b.ua), 1);
	assert_int_equal(sp_ua_active_calls(t->c.ua), 1);
}

static void test_transferee_ends_call(void **state)
{
	struct trio *t = *state;
	char carol[128];

	/* The transferor does not hang up: the transferee ends the
	 * referring call itself after the final NOTIFY (RFC 5589 §6.1). */
	struct sp_ua_call *ab = alice_calls_bob(t);
	uri_of(&t->c, "carol", carol, sizeof(carol));
	assert_int_equal(sp_ua_call_refer(ab, carol), 0);
	run_until(t, &t->a.refer_done, 1);
	run_until(t, &t->a.ended, 1);
	assert_string_equal(sp_ua_call_reason(ab), "remote BYE");
	run_until(t, &t->b.ended, 1);
	assert_string_equal(sp_ua_call_reason(t->b.calls[0]), "local BYE");
	assert_int_equal(sp_ua_active_calls(t->b.ua), 1);
	assert_int_equal(sp_ua_active_calls(t->c.ua), 1);
}

/* RFC 3891 with RFC 5589 §7: attended transfer. */
static void test_attended_transfer(void **state)
{
	struct trio *t = *state;
	struct sp_ua_call *ac;
	char carol[128];

	struct sp_ua_call *ab = alice_calls_bob(t);
	uri_of(&t->c, "carol", carol, sizeof(carol));
	assert_int_equal(sp_ua_call(&ac, t->a.ua, carol), 0);
	sp_mem_deref(ac); /* ev_state keeps one */
	run_until(t, &t->a.confirmed, 2);
	run_until(t, &t->c.confirmed, 1);
	assert_int_equal(sp_ua_call_refer_replaces(ab, ab), -EINVAL);
	assert_int_equal(sp_ua_call_refer_replaces(ab, ac), 0);

	/* bob-carol comes up with the Replaces of alice-carol (carol's
	 * view: her tag as to-tag), the replaced call ends with carol's BYE. */
	run_until(t, &t->c.confirmed, 2);
	assert_non_null(strstr(t->c.replaces, sp_ua_call_id(ac)));
	assert_non_null(strstr(t->c.replaces, "to-tag="));
	run_until(t, &t->c.ended, 1);
	assert_int_equal(sp_ua_call_state(t->c.calls[0]), SP_UA_CALL_ENDED);
	assert_string_equal(sp_ua_call_reason(t->c.calls[0]), "replaced");
	assert_int_equal(sp_ua_call_state(t->c.calls[1]), SP_UA_CALL_CONFIRMED);
	run_until(t, &t->a.ended, 1);
	assert_int_equal(sp_ua_call_state(ac), SP_UA_CALL_ENDED);
	assert_string_equal(sp_ua_call_reason(ac), "remote BYE");

	/* alice: 202 ... 200; bob ends alice-bob after the final NOTIFY. */
	run_until(t, &t->a.refer_done, 1);
	assert_int_equal(t->a.refer[t->a.nrefer - 1], 200);
	run_until(t, &t->a.ended, 2);
	assert_int_equal(sp_ua_call_state(ab), SP_UA_CALL_ENDED);
	run_until(t, &t->b.ended, 1);
	assert_string_equal(sp_ua_call_reason(t->b.calls[0]), "local BYE");
	assert_int_equal(sp_ua_active_calls(t->a.ua), 0);
	assert_int_equal(sp_ua_active_calls(t->b.ua), 1);
	assert_int_equal(sp_ua_active_calls(t->c.ua), 1);
	assert_int_equal(sp_ua_call_state(t->b.calls[1]), SP_UA_CALL_CONFIRMED);
}

/* RFC 3891 §3: an INVITE whose Replaces matches no dialog gets 481 (sent
 * from a plain UDP socket); carol's call with alice stays as it was. */
static void test_replaces_no_match(void **state)
{
	struct trio *t = *state;
	struct sp_ua_call *ac;
	char carol[128], host[SP_SA_STRLEN], msg[1024], buf[2048];
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(me);

	uri_of(&t->c, "carol", carol, sizeof(carol));
	assert_int_equal(sp_ua_call(&ac, t->a.ua, carol), 0);
	sp_mem_deref(ac);
	run_until(t, &t->c.confirmed, 1);

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	sp_sa_print(sp_ua_local(t->c.ua), host, sizeof(host));
	int n = snprintf(msg, sizeof(msg),
			 "INVITE %s SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKrepl1\r\n"
			 "Max-Forwards: 70\r\nFrom: <sip:bob@127.0.0.1>;tag=b1\r\nTo: <%s>\r\n"
			 "Call-ID: repl-test-1\r\nCSeq: 1 INVITE\r\n"
			 "Contact: <sip:bob@127.0.0.1:%u>\r\n"
			 "Replaces: %s;to-tag=nope;from-tag=nope\r\nContent-Length: 0\r\n\r\n",
			 carol, ntohs(me.sin_port), carol, ntohs(me.sin_port), sp_ua_call_id(ac));
	struct sp_sa to;
	assert_int_equal(sp_sa_parse(&to, sp_str_c(host), 0), 0);
	assert_true(sendto(fd, msg, (size_t)n, 0, &to.u.sa, to.len) == n);
	unsigned status = 0;
	for (int i = 0; i < 300 && status < 200; i++) {
		sp_loop_run_once(t->loop, 10);
		ssize_t r = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (r > 12 && !memcmp(buf, "SIP/2.0 ", 8))
			status = (unsigned)atoi(buf + 8);
	}
	close(fd);
	assert_int_equal(status, 481);
	assert_int_equal(sp_ua_active_calls(t->c.ua), 1);
	assert_int_equal(t->c.ended, 0);
}

/* Sends one raw INVITE to carol from a plain UDP socket and returns the
 * final status (0: none within the bound). */
static unsigned raw_invite(struct trio *t, const char *branch, const char *extra)
{
	char carol[128], host[SP_SA_STRLEN], msg[1536], buf[2048];
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(me);

	uri_of(&t->c, "carol", carol, sizeof(carol));
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	sp_sa_print(sp_ua_local(t->c.ua), host, sizeof(host));
	int n = snprintf(msg, sizeof(msg),
			 "INVITE %s SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK%s\r\n"
			 "Max-Forwards: 70\r\nFrom: <sip:mallory@127.0.0.1>;tag=m1\r\nTo: <%s>\r\n"
			 "Call-ID: %s\r\nCSeq: 1 INVITE\r\n"
			 "Contact: <sip:mallory@127.0.0.1:%u>\r\n%sContent-Length: 0\r\n\r\n",
			 carol, ntohs(me.sin_port), branch, carol, branch, ntohs(me.sin_port), extra);
	assert_true(n > 0 && (size_t)n < sizeof(msg));
	struct sp_sa to;
	assert_int_equal(sp_sa_parse(&to, sp_str_c(host), 0), 0);
	assert_true(sendto(fd, msg, (size_t)n, 0, &to.u.sa, to.len) == n);
	unsigned status = 0;
	for (int i = 0; i < 300 && status < 200; i++) {
		sp_loop_run_once(t->loop, 10);
		ssize_t r = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (r > 12 && !memcmp(buf, "SIP/2.0 ", 8))
			status = (unsigned)atoi(buf + 8);
	}
	close(fd);
	return status;
}

/* RFC 3891 §3: a Replaces naming carol's call with alice, sent by a third
 * party (its From is not alice, nor is its Referred-By), is refused 403;
 * carol's call stays up. */
static void test_replaces_unauthorised(void **state)
{
	struct trio *t = *state;
	struct sp_ua_call *ac;
	char carol[128], hdr[512];

	uri_of(&t->c, "carol", carol, sizeof(carol));
	assert_int_equal(sp_ua_call(&ac, t->a.ua, carol), 0);
	sp_mem_deref(ac);
	run_until(t, &t->c.confirmed, 1);
	run_until(t, &t->a.confirmed, 1);
	/* alice's view of the dialog: her tag in From, carol's in To. */
	assert_true(t->a.ok_from[0] && t->a.ok_to[0]);

	/* Right dialog, wrong initiator. */
	snprintf(hdr, sizeof(hdr), "Replaces: %s;to-tag=%s;from-tag=%s\r\n", sp_ua_call_id(ac),
		 t->a.ok_to, t->a.ok_from);
	assert_int_equal(raw_invite(t, "repl403a", hdr), 403);
	/* ... nor does a Referred-By naming someone else help. */
	size_t hl = strlen(hdr);
	snprintf(hdr + hl, sizeof(hdr) - hl, "Referred-By: <sip:mallory@127.0.0.1>\r\n");
	assert_int_equal(raw_invite(t, "repl403b", hdr), 403);
	assert_int_equal(sp_ua_active_calls(t->c.ua), 1);
	assert_int_equal(t->c.ended, 0);
	assert_int_equal(sp_ua_call_state(ac), SP_UA_CALL_CONFIRMED);
	assert_int_equal(sp_ua_call_state(t->c.calls[0]), SP_UA_CALL_CONFIRMED);

	/* The same INVITE on alice's behalf (Referred-By: alice's URI as in
	 * the From of her INVITE) is taken: carol answers it and ends the
	 * alice-carol call (§3). */
	snprintf(hdr, sizeof(hdr), "Replaces: %s;to-tag=%s;from-tag=%s\r\nReferred-By: <%s>\r\n",
		 sp_ua_call_id(ac), t->a.ok_to, t->a.ok_from, sp_ua_call_peer(t->c.calls[0]));
	assert_int_equal(raw_invite(t, "repl200", hdr), 200);
	run_until(t, &t->a.ended, 1);
	assert_string_equal(sp_ua_call_reason(t->c.calls[0]), "replaced");
}

static void test_refer_refused(void **state)
{
	struct trio *t = *state;
	struct sp_ua_call *ac;
	char u[128];

	/* carol does not accept transfers: 603, the call stays. */
	uri_of(&t->c, "carol", u, sizeof(u));
	assert_int_equal(sp_ua_call(&ac, t->a.ua, u), 0);
	sp_mem_deref(ac);
	run_until(t, &t->c.confirmed, 1);
	run_until(t, &t->a.confirmed, 1);
	uri_of(&t->b, "bob", u, sizeof(u));
	assert_int_equal(sp_ua_call_refer(ac, u), 0);
	run_until(t, &t->a.refer_done, 1);
	assert_int_equal(t->a.nrefer, 1);
	assert_int_equal(t->a.refer[0], 603);
	assert_int_equal(sp_ua_call_state(ac), SP_UA_CALL_CONFIRMED);
	assert_int_equal(t->b.ncalls, 0);
}

static struct sp_media_stats stats(struct sp_media_session *m)
{
	struct sp_media_stats st;
	sp_media_session_stats(m, &st);
	return st;
}

static void test_update(void **state)
{
	struct trio *t = *state;

	struct sp_ua_call *ab = alice_calls_bob(t);
	struct sp_ua_call *ba = t->b.calls[0];
	/* With an offer (RFC 3311 §5.1): bob's media session answers it. */
	assert_int_equal(sp_ua_call_update(ab, true), 0);
	assert_int_equal(sp_ua_call_update(ab, false), -EBUSY);
	assert_int_equal(sp_ua_call_hold(ab, true), -EBUSY); /* an offer is open */
	run_until(t, &t->a.nmod_local, 1);
	assert_int_equal(t->a.mod_local[0], 200);
	assert_int_equal(t->b.nmod_remote, 1);
	assert_int_equal(t->b.mod_remote[0], 200);
	assert_true(stats(t->a.m[0]).sending);
	assert_true(stats(t->b.m[0]).sending);
	/* Without an offer, from the callee's side. */
	assert_int_equal(sp_ua_call_update(ba, false), 0);
	run_until(t, &t->b.nmod_local, 1);
	assert_int_equal(t->b.mod_local[0], 200);
	/* Both offer at once: each answers the other 491 (§5.2). */
	assert_int_equal(sp_ua_call_update(ab, true), 0);
	assert_int_equal(sp_ua_call_update(ba, true), 0);
	run_until(t, &t->a.nmod_local, 2);
	run_until(t, &t->b.nmod_local, 2);
	assert_int_equal(t->a.mod_local[1], 491);
	assert_int_equal(t->b.mod_local[1], 491);
	/* The session stays, and a new offer succeeds. */
	assert_int_equal(sp_ua_call_state(ab), SP_UA_CALL_CONFIRMED);
	assert_int_equal(sp_ua_call_update(ab, true), 0);
	run_until(t, &t->a.nmod_local, 3);
	assert_int_equal(t->a.mod_local[2], 200);
	/* A hold by re-INVITE still works after the UPDATEs. */
	assert_int_equal(sp_ua_call_hold(ab, true), 0);
	run_until(t, &t->a.nmod_local, 4);
	assert_int_equal(t->a.mod_local[3], 200);
	assert_false(stats(t->b.m[0]).sending);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blind_transfer, trio_setup, trio_teardown),
		cmocka_unit_test_setup_teardown(test_transferee_ends_call, trio_setup,
						trio_teardown),
		cmocka_unit_test_setup_teardown(test_attended_transfer, trio_setup, trio_teardown),
		cmocka_unit_test_setup_teardown(test_replaces_no_match, trio_setup, trio_teardown),
		cmocka_unit_test_setup_teardown(test_replaces_unauthorised, trio_setup, trio_teardown),
		cmocka_unit_test_setup_teardown(test_refer_refused, trio_setup, trio_teardown),
		cmocka_unit_test_setup_teardown(test_update, trio_setup, trio_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
