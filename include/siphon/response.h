/*
 * Building a response to a parsed request (RFC 3261 §8.2.6, §18.2.1,
 * RFC 3581) and choosing where it goes (§18.2.2). Used by the transaction
 * layer for its own 100 Trying, and by any TU or stateless element.
 */
#ifndef SIPHON_RESPONSE_H
#define SIPHON_RESPONSE_H

#include "siphon/print.h"
#include "siphon/tsx.h"

struct sp_response {
	unsigned code;           /* 100-699 */
	const char *reason;      /* NULL: sp_reason_phrase(code) */
	struct sp_str to_tag;    /* added when the request's To has no tag; absent:
				  * derived from the request (stable across calls) */
	struct sp_str headers;   /* extra header lines, each ending in CRLF, verbatim */
	struct sp_str content_type; /* with a body */
	struct sp_str body;
};

/* Writes the response r to the request req into out (RFC 3261 §8.2.6.2):
 * every Via value in order, the top one with received= when its sent-by
 * host is not src's address (§18.2.1) or rport is present, and rport=
 * filled with src's port when the request had an empty rport (RFC 3581
 * §4); From, Call-ID and CSeq copied; To copied with a tag added unless it
 * had one or the status is 100; for 100 the Timestamp copied (§8.2.6.1);
 * then r->headers, Content-Type/Length and the body. src may be NULL (no
 * received/rport). Returns 0, -EINVAL (req is not a request with Via,
 * From, To, Call-ID and CSeq, or code is out of range) or -ENOSPC. */
int sp_response_build(struct sp_wbuf *out, const struct sp_msg *req, const struct sp_sa *src,
		      const struct sp_response *r);

/* Writes "Via: " + value + CRLF for the top Via of a request from src
 * (value decoded as *via): received= when the sent-by host is not src's
 * address or rport was asked for, an empty rport filled with src's port
 * (RFC 3261 §18.2.1, RFC 3581 §4), any received= the request carried
 * replaced; the value unchanged when neither applies or src is NULL. */
void sp_response_top_via(struct sp_wbuf *b, struct sp_str value, const struct sp_via *via,
			 const struct sp_sa *src);

/* RFC 3261 §18.2.2 with RFC 3581 §4: where a response to req, received
 * from src, is sent. Reliable transports: back to src (same connection;
 * the transport reconnects to the received address and sent-by port if it
 * closed). Unreliable: a maddr that is an IP literal with the sent-by port
 * (or 5060); else the source address (the received address, or sent-by
 * when equal to it) with the source port when rport was requested, else
 * the sent-by port (or 5060). */
void sp_response_dest(const struct sp_msg *req, const struct sp_tsx_dest *src,
		      struct sp_tsx_dest *out);

#endif
