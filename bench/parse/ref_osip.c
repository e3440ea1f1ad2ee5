/*
 * bench/parse adapter for GNU oSIP (libosipparser2, Debian libosip2-dev 5.3).
 *
 * osip_message_parse() copies the buffer, unfolds LWS, then walks every
 * header line and hands each known header (Via, From, To, CSeq, Call-ID,
 * Contact, Content-Type, Content-Length, Authorization, Record-Route, ...)
 * to its parser as it goes: there is no lazy mode, so the depth we need
 * (all headers located, Via/From/To/CSeq/Call-ID decoded) is reached by
 * the plain call. Unknown headers (Max-Forwards among them) are stored as
 * name/value strings. The body is copied into an osip_body_t.
 */
#include "bench.h"

#include <stdlib.h>

#include <osipparser2/osip_parser.h>

static int osip_init(void)
{
	return parser_init();
}

static int osip_parse(const char *buf, size_t len)
{
	osip_message_t *sip;
	int rc;

	if (osip_message_init(&sip) != 0)
		return -1;
	rc = osip_message_parse(sip, buf, len);
	osip_message_free(sip);
	return rc;
}

static int osip_facts(const char *buf, size_t len, struct bench_facts *f, char *why,
		      size_t whylen)
{
	osip_message_t *sip;
	osip_generic_param_t *gp;
	osip_via_t *via;
	osip_body_t *body;
	int rc;

	if (osip_message_init(&sip) != 0) {
		snprintf(why, whylen, "osip_message_init failed");
		return -1;
	}
	rc = osip_message_parse(sip, buf, len);
	if (rc != 0) {
		snprintf(why, whylen, "osip_message_parse returned %d", rc);
		goto out;
	}
	rc = -1;
	if (!sip->cseq || !sip->call_id || !sip->from || !sip->to) {
		snprintf(why, whylen, "CSeq, Call-ID, From or To missing");
		goto out;
	}
	f->request = MSG_IS_REQUEST(sip);
	f->status = sip->status_code;
	bench_copy(f->method, sizeof(f->method), sip->sip_method, SIZE_MAX);
	f->cseq = (uint32_t)strtoul(sip->cseq->number, NULL, 10);
	bench_copy(f->cseq_method, sizeof(f->cseq_method), sip->cseq->method, SIZE_MAX);
	if (sip->call_id->host)
		snprintf(f->call_id, sizeof(f->call_id), "%s@%s", sip->call_id->number,
			 sip->call_id->host);
	else
		bench_copy(f->call_id, sizeof(f->call_id), sip->call_id->number, SIZE_MAX);

	f->nvia = (unsigned)osip_list_size(&sip->vias);
	via = osip_list_get(&sip->vias, 0);
	if (!via) {
		snprintf(why, whylen, "no Via");
		goto out;
	}
	bench_copy(f->via1_host, sizeof(f->via1_host), via->host, SIZE_MAX);
	gp = NULL;
	osip_via_param_get_byname(via, "branch", &gp);
	f->via1_has_branch = gp != NULL;
	bench_copy(f->via1_branch, sizeof(f->via1_branch), gp ? gp->gvalue : NULL, SIZE_MAX);

	gp = NULL;
	osip_from_get_tag(sip->from, &gp);
	f->from_has_tag = gp != NULL;
	bench_copy(f->from_tag, sizeof(f->from_tag), gp ? gp->gvalue : NULL, SIZE_MAX);
	gp = NULL;
	osip_to_get_tag(sip->to, &gp);
	f->to_has_tag = gp != NULL;
	bench_copy(f->to_tag, sizeof(f->to_tag), gp ? gp->gvalue : NULL, SIZE_MAX);

	body = osip_list_get(&sip->bodies, 0);
	f->body_len = body ? body->length : 0;
	rc = 0;
out:
	osip_message_free(sip);
	return rc;
}

const struct bench_parser bench_osip = {
	.name = "osip",
	.init = osip_init,
	.parse = osip_parse,
	.facts = osip_facts,
};
