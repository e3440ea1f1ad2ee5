/*
 * bench/parse adapter for Sofia-SIP (libsofia-sip-ua 1.12.11, the parser
 * inside FreeSWITCH's mod_sofia).
 *
 * msg_make() is what Sofia's own tests and tools use to parse a message
 * from memory: msg_create() on the default SIP mclass, copy into the
 * message's receive buffer (msg_recv_iovec/msg_recv_commit), then
 * msg_extract(), which splits the header block and decodes every header
 * the mclass knows (Via, From, To, CSeq, Call-ID, Contact, Content-Type,
 * Authorization, Record-Route, Max-Forwards, ...) at extract time; unknown
 * headers become sip_unknown_t. That reaches the depth we need with no
 * extra call. Headers that fail to decode are moved to sip_error, so the
 * fact check requires that list to be empty.
 */
#include "bench.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>

static msg_mclass_t const *mclass;

static int sofia_init(void)
{
	mclass = sip_default_mclass();
	return mclass ? 0 : -1;
}

static int sofia_parse(const char *buf, size_t len)
{
	msg_t *msg = msg_make(mclass, 0, buf, (ssize_t)len);
	int rc;

	if (!msg)
		return -1;
	rc = msg_has_error(msg) ? -1 : 0;
	msg_destroy(msg);
	return rc;
}

static int sofia_facts(const char *buf, size_t len, struct bench_facts *f, char *why,
		       size_t whylen)
{
	msg_t *msg = msg_make(mclass, 0, buf, (ssize_t)len);
	sip_t *sip;
	sip_via_t *v;
	int rc = -1;

	if (!msg) {
		snprintf(why, whylen, "msg_make returned NULL");
		return -1;
	}
	sip = sip_object(msg);
	if (msg_has_error(msg) || !sip) {
		snprintf(why, whylen, "msg_make flagged an error");
		goto out;
	}
	if (sip->sip_error) {
		snprintf(why, whylen, "a header failed to decode: %.*s",
			 (int)sip->sip_error->er_common->h_len,
			 sip->sip_error->er_common->h_data
				 ? (const char *)sip->sip_error->er_common->h_data
				 : "?");
		goto out;
	}
	if (!sip->sip_cseq || !sip->sip_call_id || !sip->sip_from || !sip->sip_to ||
	    !sip->sip_via) {
		snprintf(why, whylen, "CSeq, Call-ID, From, To or Via missing");
		goto out;
	}
	f->request = sip->sip_request != NULL;
	f->status = sip->sip_status ? sip->sip_status->st_status : 0;
	bench_copy(f->method, sizeof(f->method),
		   sip->sip_request ? sip->sip_request->rq_method_name : NULL, SIZE_MAX);
	f->cseq = sip->sip_cseq->cs_seq;
	bench_copy(f->cseq_method, sizeof(f->cseq_method), sip->sip_cseq->cs_method_name,
		   SIZE_MAX);
	bench_copy(f->call_id, sizeof(f->call_id), sip->sip_call_id->i_id, SIZE_MAX);

	f->nvia = 0;
	for (v = sip->sip_via; v; v = v->v_next)
		f->nvia++;
	bench_copy(f->via1_host, sizeof(f->via1_host), sip->sip_via->v_host, SIZE_MAX);
	f->via1_has_branch = sip->sip_via->v_branch != NULL;
	bench_copy(f->via1_branch, sizeof(f->via1_branch), sip->sip_via->v_branch, SIZE_MAX);
	f->from_has_tag = sip->sip_from->a_tag != NULL;
	bench_copy(f->from_tag, sizeof(f->from_tag), sip->sip_from->a_tag, SIZE_MAX);
	f->to_has_tag = sip->sip_to->a_tag != NULL;
	bench_copy(f->to_tag, sizeof(f->to_tag), sip->sip_to->a_tag, SIZE_MAX);
	f->body_len = sip->sip_payload ? sip->sip_payload->pl_len : 0;
	rc = 0;
out:
	msg_destroy(msg);
	return rc;
}

const struct bench_parser bench_sofia = {
	.name = "sofia",
	.init = sofia_init,
	.parse = sofia_parse,
	.facts = sofia_facts,
};
