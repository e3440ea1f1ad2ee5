/*
 * Full syntax check of a parsed message: every known header value through
 * its structured parser, plus the one rule that ties the start line to a
 * header: the CSeq method must equal the request method (RFC 3261 §8.1.1.5,
 * RFC 4475 mismatch01/02); or of the headers named only (a proxy checks
 * what it uses, RFC 3261 §16.3 step 1). Application-level rules (missing
 * or repeated headers, unsupported extensions) are sp_msg_check's
 * business.
 */
#include <errno.h>

#include "siphon/msg.h"

static int fail_at(struct sp_msg *msg, const char *at, const char *rule, uint16_t status)
{
	msg->error.offset = (size_t)(at - msg->buf);
	msg->error.rule = rule;
	msg->error.status = status;
	return -EBADMSG;
}

/* RFC 3261 §8.2 / RFC 4475 §3.1.2.18: an unknown method with a
 * mismatched CSeq is better answered 501 than 400. */
static int cseq_method(struct sp_msg *msg)
{
	if (msg->request && msg->has_cseq && !sp_str_eq(msg->cseq.method, msg->method))
		return fail_at(msg, msg->cseq.method.p, "CSeq: method differs from Request-Line",
			       msg->method_id == SP_METHOD_OTHER ? 501 : 400);
	return 0;
}

int sp_msg_validate_ids(struct sp_msg *msg, const enum sp_hdr_id *ids, unsigned n)
{
	struct sp_parse_error perr;
	union sp_hdr_parsed parsed;

	for (unsigned i = 0; i < n; i++) {
		const struct sp_hdr *h = sp_msg_hdr(msg, ids[i]);
		/* The top Via was decoded by sp_msg_parse already. */
		if (h && ids[i] == SP_HDR_VIA && msg->has_via)
			h = sp_msg_hdr_next(msg, h);
		for (; h; h = sp_msg_hdr_next(msg, h))
			if (sp_hdr_parse_value(h->id, h->value, &parsed, &perr) != 0)
				return fail_at(msg, perr.at, perr.rule, 400);
	}
	return cseq_method(msg);
}

int sp_msg_validate(struct sp_msg *msg)
{
	struct sp_parse_error perr;
	union sp_hdr_parsed parsed;

	for (unsigned i = 0; i < msg->nhdrs; i++) {
		const struct sp_hdr *h = &msg->hdrs[i];
		if (h->id == SP_HDR_OTHER)
			continue;
		if (sp_hdr_parse_value(h->id, h->value, &parsed, &perr) != 0)
			return fail_at(msg, perr.at, perr.rule, 400);
	}
	return cseq_method(msg);
}
