/*
 * libFuzzer target for the UA core (src/ua) as a peer drives it: the
 * transaction and dialog state machines, offer/answer, PRACK, UPDATE,
 * INFO, REFER/NOTIFY, session timers, CANCEL, BYE, with messages from the
 * network, untrusted. One UA per input (auto-answer, 100rel, transfer
 * accepted), whose sends go to the cfg.send seam: nothing leaves the
 * process, whatever addresses the input names.
 *
 * The input is a script of chunks separated by the line "%%" (the bytes
 * LF % % CR LF: messages end in CRLF, the separator line too):
 *   - a chunk starting with '!' is a local action: "!call" (an INVITE to
 *     sip:peer@127.0.0.1:5099), "!hold", "!resume", "!dtmf", "!update",
 *     "!refer", "!hangup", "!tick" (runs the loop without waiting: the
 *     timers due now fire, the answer among them), "!wait" (15 ms: past
 *     T1 = 10 ms, so retransmissions fire);
 *   - any other chunk is one message from the peer at 127.0.0.1:5099
 *     (UDP). Before it goes in, $B, $C, $F, $T and $N are replaced with the
 *     top Via branch, Call-ID, From tag and CSeq number of the last request
 *     the UA sent and the To tag of its last response (what
 *     SIPp's [last_*] would give), $I and $J with the branch and CSeq
 *     number of its last INVITE, $R with the RSeq of its last reliable
 *     provisional response, so the corpus can reach the dialog
 *     states although the UA's tags and branches are random
 *     (fuzz/gen_corpus_ua.py writes the seeds).
 * Checks: no crash, leak or sanitizer report; every send is well formed
 * enough to parse (the UA never emits bytes it could not read back).
 * FUZZ_UA_TRACE=1 in the environment prints every send (to see how far a
 * seed gets).
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/loop.h"
#include "siphon/mem.h"
#include "siphon/parse.h"
#include "siphon/ua.h"

#include "../src/ua/ua_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEER "127.0.0.1:5099"
#define MAX_MSG 65536

struct fuzz {
	struct sp_loop *loop;
	struct sp_ua *ua;
	struct sp_ua_call *call; /* from !call, referenced */
	char branch[128], call_id[256], from_tag[128], to_tag[128];
	unsigned cseq;
	char inv_branch[128]; /* of the last INVITE sent */
	unsigned inv_cseq;
	char rseq[16]; /* of the last reliable provisional response */
};

static const char SDP[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 "
			  "telephone-event/8000\r\n";

static int m_offer(void *arg, struct sp_ua_call *c, struct sp_wbuf *sdp)
{
	(void)arg, (void)c;
	sp_wbuf_cstr(sdp, SDP);
	return 0;
}

static int m_answer(void *arg, struct sp_ua_call *c, struct sp_str offer, struct sp_wbuf *sdp)
{
	(void)arg, (void)c;
	/* A body that names no audio is refused (488), as a real one would. */
	if (!memmem(offer.p, offer.len, "m=audio", 7))
		return -EPROTO;
	sp_wbuf_cstr(sdp, SDP);
	return 0;
}

static int m_set_answer(void *arg, struct sp_ua_call *c, struct sp_str answer)
{
	(void)arg, (void)c;
	return memmem(answer.p, answer.len, "m=audio", 7) ? 0 : -EPROTO;
}

static int m_hold(void *arg, struct sp_ua_call *c, bool hold, struct sp_wbuf *sdp)
{
	(void)arg, (void)c;
	sp_wbuf_cstr(sdp, SDP);
	sp_wbuf_cstr(sdp, hold ? "a=sendonly\r\n" : "a=sendrecv\r\n");
	return 0;
}

static void keep(char *dst, size_t cap, struct sp_str s)
{
	snprintf(dst, cap, "%.*s", s.p ? (int)s.len : 0, s.p ? s.p : "");
}

/* What the UA sends: parsed back (it must parse), its identifiers kept
 * for the placeholders. */
static int on_send(void *arg, const struct sp_tsx_dest *to, const void *buf, size_t len)
{
	struct fuzz *f = arg;
	struct sp_msg m;
	(void)to;
	if (len == 4 && memcmp(buf, "\r\n\r\n", 4) == 0)
		return 0; /* keep-alive */
	int rc = sp_msg_parse(&m, buf, len);
	if (rc != 0) {
		fprintf(stderr, "the UA sent what it cannot parse (%s):\n%.*s\n",
			m.error.rule ? m.error.rule : "?", (int)len, (const char *)buf);
		abort();
	}
	if (getenv("FUZZ_UA_TRACE")) /* for corpus authors: what the UA says */
		fprintf(stderr, "--- UA sends:\n%.*s\n", (int)len, (const char *)buf);
	if (m.request) {
		keep(f->branch, sizeof(f->branch), m.via1.branch);
		keep(f->call_id, sizeof(f->call_id), m.call_id);
		keep(f->from_tag, sizeof(f->from_tag), m.from.tag);
		f->cseq = m.cseq.seq;
		if (m.method_id == SP_METHOD_INVITE) {
			keep(f->inv_branch, sizeof(f->inv_branch), m.via1.branch);
			f->inv_cseq = m.cseq.seq;
		}
	} else {
		const struct sp_hdr *rseq = sp_msg_hdr(&m, SP_HDR_RSEQ);
		if (m.to.tag.p)
			keep(f->to_tag, sizeof(f->to_tag), m.to.tag);
		if (rseq)
			keep(f->rseq, sizeof(f->rseq), rseq->value);
	}
	sp_msg_free(&m);
	return 0;
}

/* The chunk with its placeholders replaced, into out[MAX_MSG]. */
static size_t expand(const struct fuzz *f, const char *p, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o < MAX_MSG - 1; i++) {
		const char *v = NULL;
		char num[16];
		if (p[i] == '$' && i + 1 < n) {
			switch (p[i + 1]) {
			case 'B': v = f->branch; break;
			case 'C': v = f->call_id; break;
			case 'F': v = f->from_tag; break;
			case 'T': v = f->to_tag; break;
			case 'N': snprintf(num, sizeof(num), "%u", f->cseq); v = num; break;
			case 'I': v = f->inv_branch; break;
			case 'J': snprintf(num, sizeof(num), "%u", f->inv_cseq); v = num; break;
			case 'R': v = f->rseq; break;
			default: break;
			}
		}
		if (!v) {
			out[o++] = p[i];
			continue;
		}
		size_t vl = strlen(v);
		if (vl > MAX_MSG - 1 - o)
			vl = MAX_MSG - 1 - o;
		memcpy(out + o, v, vl);
		o += vl;
		i++;
	}
	return o;
}

static void run_ms(struct fuzz *f, int ms)
{
	sp_msec until = sp_loop_now(f->loop) + ms;
	do
		sp_loop_run_once(f->loop, ms > 0 ? 5 : 0);
	while (ms > 0 && sp_loop_now(f->loop) < until);
}

static void action(struct fuzz *f, const char *p, size_t n)
{
#define IS(word) (n >= sizeof(word) - 1 && memcmp(p, word, sizeof(word) - 1) == 0)
	if (IS("!call") && !f->call)
		(void)sp_ua_call(&f->call, f->ua, "sip:peer@" PEER);
	else if (IS("!hold") && f->call)
		(void)sp_ua_call_hold(f->call, true);
	else if (IS("!resume") && f->call)
		(void)sp_ua_call_hold(f->call, false);
	else if (IS("!dtmf") && f->call)
		(void)sp_ua_call_send_info_dtmf(f->call, "1#", 100);
	else if (IS("!update") && f->call)
		(void)sp_ua_call_update(f->call, true);
	else if (IS("!refer") && f->call)
		(void)sp_ua_call_refer(f->call, "sip:carol@" PEER);
	else if (IS("!hangup"))
		(void)sp_ua_hangup_all(f->ua, false);
	else if (IS("!tick"))
		for (int i = 0; i < 3; i++)
			sp_loop_run_once(f->loop, 0); /* zero-delay timers: the answer */
	else if (IS("!wait"))
		run_ms(f, 15); /* past T1: retransmissions */
#undef IS
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char msg[MAX_MSG];
	struct fuzz f = { 0 };
	struct sp_tsx_config tsx = { .t1 = 10, .t2 = 40, .t4 = 50 };
	struct sp_ua_config cfg = {
		.user = "fuzz",
		.tsx = &tsx,
		.auto_answer = true,
		.rel100 = true,
		.accept_refer = true,
		.max_calls = 2,
		.media = { .offer = m_offer,
			   .answer = m_answer,
			   .set_answer = m_set_answer,
			   .replace_answer = m_set_answer,
			   .hold = m_hold },
		.send = on_send,
		.send_arg = &f,
	};
	struct sp_tsx_dest from = { .tp = SP_TP_UDP };

	if (sp_loop_create(&f.loop, NULL) != 0)
		return 0;
	cfg.loop = f.loop;
	if (sp_sa_parse(&cfg.local, SP_STR("127.0.0.1"), 0) != 0 ||
	    sp_sa_parse(&from.addr, SP_STR(PEER), 0) != 0 || sp_ua_create(&f.ua, &cfg) != 0) {
		sp_loop_destroy(f.loop);
		return 0;
	}
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n%%\r\n", 5);
		const char *stop = sep ? sep + 1 : end;
		size_t n = (size_t)(stop - p);
		if (n && *p == '!')
			action(&f, p, n);
		else if (n)
			sp__ua_input(f.ua, msg, expand(&f, p, n, msg), &from);
		run_ms(&f, 0);
		p = sep ? sep + 5 : end;
	}
	sp_ua_hangup_all(f.ua, true);
	sp_mem_deref(f.call);
	sp_ua_destroy(f.ua);
	sp_loop_run_once(f.loop, 0);
	sp_loop_destroy(f.loop);
	return 0;
}
