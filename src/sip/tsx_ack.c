/*
 * Requests the transaction layer derives from an INVITE: the ACK for a
 * non-2xx final response (RFC 3261 §17.1.1.3), which the INVITE client
 * transaction sends itself, and the CANCEL (§9.1), which a TU sends in a
 * transaction of its own. Both reuse the INVITE's Request-URI, top Via,
 * From, Call-ID, CSeq number and Route set.
 */
#include <errno.h>

#include "siphon/tsx.h"

static bool usable_invite(const struct sp_msg *inv)
{
	return inv->request && inv->has_via && inv->has_from && inv->has_to && inv->has_call_id &&
	       inv->has_cseq;
}

/* The common part: Request-Line, top Via, From, To value `to`, Call-ID,
 * CSeq with method m, Route set, Max-Forwards, no body. */
static int derived(struct sp_wbuf *out, const struct sp_msg *inv, struct sp_str method,
		   struct sp_str to)
{
	sp_msgb_request(out, method, inv->ruri_raw);
	/* §17.1.1.3, §9.1: one Via, equal to the request's top Via. */
	sp_msgb_header(out, SP_STR("Via"), sp_msg_hdr(inv, SP_HDR_VIA)->value);
	sp_msgb_header(out, SP_STR("Max-Forwards"), SP_STR("70"));
	sp_msgb_header(out, SP_STR("From"), sp_msg_hdr(inv, SP_HDR_FROM)->value);
	sp_msgb_header(out, SP_STR("To"), to);
	sp_msgb_header(out, SP_STR("Call-ID"), sp_msg_hdr(inv, SP_HDR_CALL_ID)->value);
	/* CSeq number of the INVITE, the method of the new request. */
	sp_wbuf_put(out, "CSeq: ", 6);
	sp_wbuf_u64(out, inv->cseq.seq);
	sp_wbuf_put(out, " ", 1);
	sp_wbuf_str(out, method);
	sp_wbuf_put(out, "\r\n", 2);
	/* §17.1.1.3, §9.1: the Route header fields of the request. */
	for (const struct sp_hdr *h = sp_msg_hdr(inv, SP_HDR_ROUTE); h; h = sp_msg_hdr_next(inv, h))
		sp_msgb_header(out, SP_STR("Route"), h->value);
	return sp_msgb_finish(out, SP_STR_NULL, SP_STR_NULL);
}

int sp_tsx_build_ack(struct sp_wbuf *out, const struct sp_msg *invite, const struct sp_msg *resp)
{
	const struct sp_hdr *to = resp->has_to ? sp_msg_hdr(resp, SP_HDR_TO) : NULL;
	if (!usable_invite(invite) || resp->request || !to)
		return -EINVAL;
	/* §17.1.1.3: "The To header field in the ACK MUST equal the To
	 * header field in the response being acknowledged". */
	return derived(out, invite, SP_STR("ACK"), to->value);
}

int sp_tsx_build_cancel(struct sp_wbuf *out, const struct sp_msg *invite)
{
	if (!usable_invite(invite))
		return -EINVAL;
	/* §9.1: To equal to the request's. */
	return derived(out, invite, SP_STR("CANCEL"), sp_msg_hdr(invite, SP_HDR_TO)->value);
}
