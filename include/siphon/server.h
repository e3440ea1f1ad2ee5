/*
 * `siphon serve`: the SIP server as a library (src/server). A UAS that
 * answers OPTIONS, a registrar (RFC 3261 §10.3, digest auth, location
 * service persisted in the store) for REGISTER, and refuses everything
 * else by the rules of RFC 3261 §8.2 and the RFC 4475 manifest; the proxy
 * grows here.
 *
 * Two parts:
 *  - the UAS core, a pure function from a parsed (or half-parsed) request
 *    to a decision: which status, which extra headers, or no response;
 *    unit-tested against every RFC 4475 message;
 *  - the running server: one worker thread per core (DESIGN.md §3), each
 *    with its own SO_REUSEPORT sockets (net.h) and transaction layer
 *    (tsx.h), fed by the network and answering through the core.
 */
#ifndef SIPHON_SERVER_H
#define SIPHON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/config.h"
#include "siphon/msg.h"
#include "siphon/print.h"
#include "siphon/sa.h"

/* ---- the UAS core -------------------------------------------------------- */

/* Extra headers a response carries (RFC 3261 §11.2, §8.2.1-§8.2.3). */
enum {
	SP_UAS_ALLOW = 1u << 0,       /* Allow: the methods we implement */
	SP_UAS_ACCEPT = 1u << 1,      /* Accept, Accept-Encoding, Accept-Language */
	SP_UAS_SUPPORTED = 1u << 2,   /* Supported: our option tags */
	SP_UAS_UNSUPPORTED = 1u << 3, /* Unsupported: the tags of `unsupported` */
};

#define SP_UAS_MAX_UNSUPPORTED 16

struct sp_uas_decision {
	uint16_t status;   /* response to send; 0: send nothing */
	const char *why;   /* static text naming the rule, for the log */
	unsigned headers;  /* SP_UAS_* */
	bool registrar;    /* status 0: a REGISTER for the registrar (the
			    * server authenticates and answers it) */
	bool proxy;        /* status 0: a request for the proxy */
	struct sp_str unsupported[SP_UAS_MAX_UNSUPPORTED]; /* Require tags, into msg->buf */
	unsigned nunsupported;
};

/* What the core knows about one received message. */
struct sp_uas_input {
	const struct sp_msg *msg; /* after sp_msg_parse (whatever it returned) */
	int parse_rc;             /* sp_msg_parse's result */
	int validate_rc;          /* sp_msg_validate's, when parse_rc is 0 */
	size_t wire_len;          /* bytes received for this message */
	size_t max_message;       /* sip.max_message_bytes; 0: no bound */
	bool to_proxy;            /* not addressed to this server: once the
				   * message is sound, the proxy's (RFC 3261
				   * §16.3 does its own checks) */
};

/* Decides the answer of this UAS to one message (RFC 3261 §8.2 in its
 * order, with the RFC 4475 outcomes for a UAS):
 *  - a response, or anything whose start line is not a request: nothing
 *    (responses are the transaction layer's; bcast, bigcode: drop);
 *  - an ACK: nothing, ever (§17);
 *  - larger than max_message: 513 (§18.1.1, §21.5.14);
 *  - a parse or validation failure: the status the parser suggests (400,
 *    505 for another SIP version, 501 for an unknown method whose CSeq
 *    method differs, RFC 4475 mismatch02);
 *  - findings of sp_msg_check for any role (missing or repeated headers,
 *    a branch that is only the magic cookie): 400;
 *  - method (§8.2.1): OPTIONS and REGISTER are ours; CANCEL 481 (§9.2: no INVITE
 *    transactions exist here); other known methods 405 and unknown ones
 *    501, both with Allow;
 *  - Request-URI scheme other than sip/sips/tel: 416 (§8.2.2.1);
 *  - Require tags we lack: 420 with Unsupported (§8.2.2.3);
 *  - a body we cannot read: 415 with Accept (§8.2.3);
 *  - a REGISTER that passed all of that: status 0 with d->registrar set
 *    (RFC 3261 §10.3 is the server's: it needs the store and the
 *    location service);
 *  - otherwise 200 with Allow, Accept and Supported (§11.2). Max-Forwards
 *    0 is answered normally: 483 is a proxy's rule (RFC 4475 zeromf).
 * Pure: no allocation, msg untouched. */
void sp_uas_decide(const struct sp_uas_input *in, struct sp_uas_decision *out);

/* Writes the header lines d->headers asks for (each ending in CRLF). */
void sp_uas_headers(const struct sp_uas_decision *d, struct sp_wbuf *b);

/* Writes the response d asks for to msg into out: the extra headers of
 * d, a Server header when server_name is not NULL, and no body. Built by
 * sp_response_build (response.h) when msg decoded its Via, From, To,
 * Call-ID and CSeq, else by sp_uas_build_raw. src is where msg came from
 * (for received/rport). Returns 0, -EINVAL (d->status is 0 or msg cannot
 * be answered) or -ENOSPC. */
int sp_uas_reply(struct sp_wbuf *out, const struct sp_msg *msg, const struct sp_sa *src,
		 const struct sp_uas_decision *d, const char *server_name);

/* True when a response can be built for msg even though it failed to
 * parse: a request with at least one Via value and one CSeq value in the
 * header table (what a client transaction matches on, §17.1.3). */
bool sp_uas_answerable(const struct sp_msg *msg);

/* Builds a response to a request that failed to parse or lacks some of
 * From, To, Call-ID (RFC 4475 insuf, baddn ...), from the raw header
 * values: every Via value (the top one stamped with received/rport when
 * it decoded, §18.2.1, RFC 3581 §4), From, To (with a tag when it decoded
 * without one), Call-ID and CSeq as far as present, then extra[] lines
 * verbatim and an empty body. Returns 0, -EINVAL (!sp_uas_answerable) or
 * -ENOSPC. */
int sp_uas_build_raw(struct sp_wbuf *out, const struct sp_msg *msg, const struct sp_sa *src,
		     unsigned status, struct sp_str extra);

/* ---- response routing (RFC 3261 §18.2.2, RFC 3581 §4) --------------------- */

/* A reliable connection that carried a request closed before its
 * response: §18.2.2 opens a new one to the received address (the source
 * IP, stamped in the response's top Via) and the sent-by port, or 5060
 * (5061 for TLS). resp[len] is the response about to be sent. Returns 0
 * with *out set, or -EINVAL when its top Via gives no IP address. */
int sp_route_reconnect(const void *resp, size_t len, struct sp_sa *out);

/* The server's send policy: -EACCES for a broadcast or multicast
 * destination (RFC 4475 bcast) or one outside allow_destinations, else 0. */
int sp_route_check(const struct sp_config *cfg, const struct sp_sa *dst);

/* ---- the running server --------------------------------------------------- */

struct sp_server;

/* Opens the store in cfg->data_dir (created if missing; the served domains,
 * data_dir/secret and the location bindings are read from it), then
 * starts cfg->workers threads, each with its own sockets on every listen
 * address (port 0: one ephemeral port shared by all workers) and its own
 * transaction layer. cfg is copied. Logs "listening on udp:ADDR:PORT" per
 * socket at info. Returns 0, or a negative errno (-EADDRINUSE ...) with
 * nothing left running. */
int sp_server_start(struct sp_server **out, const struct sp_config *cfg);

/* The address listen entry i is bound to (its real port), or NULL. */
const struct sp_config_listen *sp_server_listen(const struct sp_server *s, unsigned i);
unsigned sp_server_nlisten(const struct sp_server *s);

/* Stops every worker (transactions are dropped, connections closed),
 * joins them and frees s. NULL-safe. */
void sp_server_stop(struct sp_server *s);

/* ---- the access log -------------------------------------------------------- */

/* One request's outcome, for the access log line. */
struct sp_access {
	unsigned worker;
	enum sp_transport tp;
	const struct sp_sa *src;
	const struct sp_msg *msg; /* may be half-parsed */
	unsigned status;          /* 0: no response */
	const char *why;          /* the core's reason, may be NULL */
	uint64_t usec;            /* receive to response sent */
};

/* Logs one line at info:
 *   access worker=0 tp=udp src=127.0.0.1:5062 method="OPTIONS"
 *   ruri="sip:a@b" call_id="x" cseq="1 OPTIONS" status=200 us=41 why="..."
 * Quoted values are escaped (\" \\ \xHH) and cut at 256 bytes. The key
 * order is stable. */
void sp_access_log(const struct sp_access *a);

/* Formats the same line into buf[cap] (NUL-terminated); returns its
 * length. For tests. */
size_t sp_access_format(const struct sp_access *a, char *buf, size_t cap);

#endif
