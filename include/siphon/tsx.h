/*
 * Transactions (RFC 3261 §17, as corrected by RFC 6026): the four state
 * machines (INVITE/non-INVITE, client/server), their timers A-M, and the
 * per-worker table that matches incoming messages to them (§17.1.3,
 * §17.2.3, with the RFC 2543 fallback for branches lacking the magic
 * cookie).
 *
 * One layer per worker loop; nothing here is thread-safe. The layer never
 * touches sockets: it sends through the sp_tsx_io the application gives it
 * and is fed parsed messages with sp_tsx_input().
 *
 * Ownership: transactions are sp_mem objects. The layer holds one
 * reference to each transaction it tracks and drops it when the
 * transaction terminates. A pointer handed to the TU (in a callback, or by
 * sp_tsx_find_invite) is borrowed for the duration of the call; to keep
 * it, take a reference with sp_mem_ref() and drop it with sp_mem_deref().
 * The event that ends a transaction (a final response, a timeout, a
 * transport error) is the last callback it makes; a terminated
 * transaction stays allocated while references remain, but is inert:
 * sp_tsx_respond() on it returns -ESTALE.
 *
 * Decisions (documented here because the RFC leaves them open):
 *  - 100 Trying (§17.2.1, RFC 6026 Figure 7 "send 100 if TU won't in
 *    200 ms"): the layer builds a 100 for every new INVITE and sends it
 *    when the TU has not responded `trying_ms` (default 200) after the
 *    INVITE arrived, or at once if `trying_ms` is 0. A retransmitted
 *    INVITE in Proceeding is answered with the latest provisional, which
 *    is that 100 until the TU sends its own.
 *  - Transport errors: a client transaction terminates and tells the TU
 *    (§17.1.4). A server transaction tells the TU and stays in its state
 *    (RFC 6026 §8.8, which replaces §17.2.4 for both server machines);
 *    its timers end it. A failed send inside sp_tsx_respond() or
 *    sp_tsx_request() is returned to the caller instead of reported through
 *    the callback.
 *  - Timers whose value is zero (D, I, J, K on reliable transports)
 *    terminate the transaction at once rather than on the next loop turn.
 *  - Bound: at most `max_tsx` transactions per layer (default 100000);
 *    beyond it sp_tsx_input() and sp_tsx_request() return -EBUSY, so a
 *    server can answer 503 statelessly.
 */
#ifndef SIPHON_TSX_H
#define SIPHON_TSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/loop.h"
#include "siphon/msg.h"
#include "siphon/print.h"
#include "siphon/sa.h"

/* RFC 3261 §17.1.1.1 and Table 4 defaults (ms). */
#define SP_TSX_T1_MS 500
#define SP_TSX_T2_MS 4000
#define SP_TSX_T4_MS 5000
#define SP_TSX_TRYING_MS 200
#define SP_TSX_MAX_DEFAULT 100000

/* Layer configuration; a zero field takes its default. */
struct sp_tsx_config {
	uint32_t t1, t2, t4; /* ms: 500, 4000, 5000 */
	uint32_t trying_ms;  /* 100 Trying delay for INVITE, 200; UINT32_MAX: never */
	uint32_t max_tsx;    /* transactions per layer, 100000 */
	bool trying_now;     /* send 100 Trying at once (overrides trying_ms) */
	/* Bounded memory per peer: server transactions alive at once per
	 * source IP address; 0: no limit but max_tsx. A new request beyond
	 * it is refused (-EDQUOT), unless
	 * unlimited(unlimited_arg, source) says the source is exempt (a
	 * trusted gateway). */
	uint32_t max_per_source;
	bool (*unlimited)(void *arg, const struct sp_sa *source);
	void *unlimited_arg;
};

/* Where a message goes or came from. conn is an opaque transport handle
 * (a connection for TCP/TLS/WS) or NULL. Transports other than UDP and
 * SP_TP_OTHER are reliable (§17.1.1.2: no retransmission timers). */
struct sp_tsx_dest {
	enum sp_transport tp;
	struct sp_sa addr;
	void *conn;
};

/* The transport: send() returns 0 or a negative errno, which is a
 * transport error (§17.1.4, §17.2.4). It must not call back into the
 * layer. hold() and release() (both optional) bracket the time a
 * transaction keeps a destination whose conn is set, so a connection
 * handle stays valid while a transaction may still send on it; without
 * them the caller guarantees that. */
struct sp_tsx_io {
	int (*send)(void *arg, const struct sp_tsx_dest *to, const void *buf, size_t len);
	void (*hold)(void *arg, const struct sp_tsx_dest *d);
	void (*release)(void *arg, const struct sp_tsx_dest *d);
	void *arg;
};

struct sp_tsx_layer;
struct sp_tsx;

/* RFC 3261 §17.1 Figures 5-8 (RFC 6026 adds Accepted). */
enum sp_tsx_state {
	SP_TSX_CALLING = 1, /* ICT */
	SP_TSX_TRYING,      /* NICT, NIST */
	SP_TSX_PROCEEDING,
	SP_TSX_COMPLETED,
	SP_TSX_CONFIRMED,   /* IST */
	SP_TSX_ACCEPTED,    /* ICT, IST (RFC 6026) */
	SP_TSX_TERMINATED,
};

/* A new server transaction for req, which arrived from src. The TU
 * answers with sp_tsx_respond() now or later (keeping a reference), and
 * may install a handler with sp_tsx_set_handler(). req and its buffer are
 * valid during the call only. */
typedef void (*sp_tsx_request_cb)(struct sp_tsx_layer *l, struct sp_tsx *st,
				  const struct sp_msg *req, const struct sp_tsx_dest *src,
				  void *arg);

/* What a transaction tells its TU.
 *  Client: msg is a response (every 1xx, the final, and in Accepted each
 *  further 2xx, RFC 6026 §7.2) with err 0; or msg NULL and err -ETIMEDOUT
 *  (Timer B or F) or the transport's error; the transaction has then
 *  terminated.
 *  Server: msg is NULL; err -ETIMEDOUT (Timer H: no ACK came, §17.2.1)
 *  or a transport error while retransmitting a response (the transaction
 *  keeps its state, RFC 6026 §8.8).
 * msg is valid during the call only. */
typedef void (*sp_tsx_event_cb)(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg);

/* Creates a layer on loop. cfg may be NULL (defaults); io is copied.
 * worker/nworkers: this layer's index among the workers, encoded in the
 * branches it makes (sp_tsx_branch). on_request runs for each new server
 * transaction. Returns 0, -EINVAL or -ENOMEM; *out untouched on error. */
int sp_tsx_layer_create(struct sp_tsx_layer **out, struct sp_loop *loop,
			const struct sp_tsx_config *cfg, const struct sp_tsx_io *io,
			unsigned worker, unsigned nworkers, sp_tsx_request_cb on_request,
			void *arg);

/* Terminates every transaction without callbacks and frees the layer.
 * Not from inside a layer callback. */
void sp_tsx_layer_destroy(struct sp_tsx_layer *l);

/* Number of live transactions. */
unsigned sp_tsx_layer_count(const struct sp_tsx_layer *l);

enum sp_tsx_input_result {
	SP_TSX_NEW = 1,       /* request: new server transaction, on_request ran */
	SP_TSX_ABSORBED,      /* retransmission handled inside a transaction */
	SP_TSX_MATCHED,       /* response passed to its client transaction's TU */
	SP_TSX_STRAY,         /* response matching no transaction: drop it
			       * (RFC 6026 §8.9), unless a stateless proxy */
	SP_TSX_ACK,           /* ACK no transaction absorbs: one for a 2xx
			       * (RFC 6026 §8.7: passed to the TU): the core
			       * routes it (dialog, proxy) */
	SP_TSX_OTHER_WORKER,  /* response whose branch another worker made:
			       * hand it to worker *owner */
};

/* Feeds one parsed message that arrived from src. msg and its buffer are
 * valid during the call only; whatever is kept is copied. owner may be
 * NULL. Returns an sp_tsx_input_result, -EBADMSG when msg lacks what
 * matching needs (top Via, CSeq, Call-ID, From, To), -EBUSY when the table
 * is full, -EDQUOT when the source has cfg.max_per_source transactions
 * (answer 503 to either) or -ENOMEM. */
int sp_tsx_input(struct sp_tsx_layer *l, const struct sp_msg *msg, const struct sp_tsx_dest *src,
		 unsigned *owner);

/* ---- server transactions ---- */

/* Sends the response buf[len] (a complete message, e.g. built with
 * sp_response_build) through the server transaction st and keeps a copy
 * for retransmission (§17.2.1, §17.2.2). The status is read from buf.
 * Returns 0; -EINVAL if buf is not a response or a 100-699 status, or the
 * status is not allowed now (a final was already sent: only 2xx
 * retransmissions are accepted in Accepted, RFC 6026 §8.7); -ESTALE if
 * st terminated; -ENOMEM; or the transport's error (the transition is
 * made anyway, RFC 6026 §8.8). */
int sp_tsx_respond(struct sp_tsx *st, const void *buf, size_t len);

/* Where responses to the server transaction's request go (RFC 3261
 * §18.2.2 with RFC 3581 §4). */
const struct sp_tsx_dest *sp_tsx_response_dest(const struct sp_tsx *st);

/* RFC 3261 §9.2: the INVITE server transaction that the CANCEL request
 * cancel matches (§17.2.3 rules except the method), or NULL. Borrowed. */
struct sp_tsx *sp_tsx_find_invite(struct sp_tsx_layer *l, const struct sp_msg *cancel);

/* ---- client transactions ---- */

/* Writes a new branch "z9hG4bKsp" + 4 hex digits of this worker + 16 hex
 * random digits (29 characters) and a NUL into buf[cap]. Returns its
 * length or -ENOSPC. */
int sp_tsx_branch(struct sp_tsx_layer *l, char *buf, size_t cap);

/* The worker a branch made by sp_tsx_branch names: true and *owner set,
 * or false if the branch is not in that form. A longer branch with the
 * same first SP_TSX_BRANCH_LEN characters (a proxy appends its loop hash
 * and branch index) names its worker the same way. */
bool sp_tsx_branch_owner(struct sp_str branch, unsigned *owner);

#define SP_TSX_BRANCH_LEN 29

/* Starts a client transaction: buf[len] is the complete request with our
 * Via (and its branch) on top, copied. It is sent to `to` now and
 * retransmitted per Figure 5 (INVITE) or 6 (other; ACK is never a
 * transaction, §17.1). cb receives the responses and errors. *out, if out
 * is not NULL, receives a reference owned by the caller. Returns 0,
 * -EINVAL (unparsable, ACK, or no branch), -EBUSY (table full), -EEXIST
 * (a transaction with that branch and method exists), -ENOMEM, or the
 * first send's transport error (no transaction then). */
int sp_tsx_request(struct sp_tsx **out, struct sp_tsx_layer *l, const void *buf, size_t len,
		   const struct sp_tsx_dest *to, sp_tsx_event_cb cb, void *arg);

/* What a client transaction keeps of its request (RFC 3261 §17.1.3: it
 * matches responses by branch and method; §9.1, §17.1.1.3: it builds
 * CANCEL and the ACK of a non-2xx from the others), for a caller that
 * printed the request from fields it already holds. Slices may point
 * anywhere: they are copied. to_tag may be empty (outside a dialog). */
struct sp_tsx_keys {
	enum sp_method method;
	struct sp_str method_name;  /* as in the Request-Line */
	struct sp_str via1;	    /* the top Via value as sent */
	struct sp_str branch;	    /* its branch parameter */
	struct sp_str sent_by_host; /* its sent-by */
	uint16_t sent_by_port;	    /* 0: none */
	struct sp_str call_id, from_tag, to_tag;
	struct sp_str ruri;	    /* the Request-URI as sent */
	uint32_t cseq;
};

/* As sp_tsx_request, with the keys given instead of parsed from buf (a
 * proxy forwarding what it parsed saves a parse per branch). The caller
 * vouches that k describes buf. Returns as sp_tsx_request; -EINVAL also
 * for a k without branch or method. */
int sp_tsx_request_keyed(struct sp_tsx **out, struct sp_tsx_layer *l, const void *buf,
			 size_t len, const struct sp_tsx_keys *k, const struct sp_tsx_dest *to,
			 sp_tsx_event_cb cb, void *arg);

/* ---- any transaction ---- */

/* Installs (or with cb NULL removes) the TU's event handler. */
void sp_tsx_set_handler(struct sp_tsx *t, sp_tsx_event_cb cb, void *arg);

/* The installed handler (NULL if none) and, when arg is not NULL, its
 * argument: how a TU finds its own state for a transaction another path
 * hands it (a CANCEL's INVITE transaction, sp_tsx_find_invite). */
sp_tsx_event_cb sp_tsx_handler(const struct sp_tsx *t, void **arg);

enum sp_tsx_state sp_tsx_state(const struct sp_tsx *t);
/* True for client transactions. */
bool sp_tsx_is_client(const struct sp_tsx *t);
/* The request that created the transaction (its own copy). */
const char *sp_tsx_request_bytes(const struct sp_tsx *t, size_t *len);
/* Status of the last response sent (server) or received (client); 0 if none. */
unsigned sp_tsx_status(const struct sp_tsx *t);

/* ---- messages the transaction layer builds ---- */

/* RFC 3261 §17.1.1.3: the ACK for a non-2xx final response resp to the
 * INVITE invite: same Request-URI, Call-ID, From and CSeq number as the
 * INVITE with method ACK, To of the response, one Via (the INVITE's top
 * Via), the INVITE's Route headers, Max-Forwards 70, no body. Returns 0,
 * -EINVAL (missing headers) or -ENOSPC. */
int sp_tsx_build_ack(struct sp_wbuf *out, const struct sp_msg *invite, const struct sp_msg *resp);

/* RFC 3261 §9.1: a CANCEL for the INVITE invite (same Request-URI,
 * Call-ID, To, From, CSeq number, top Via and Route headers; method
 * CANCEL). Returns 0, -EINVAL or -ENOSPC. */
int sp_tsx_build_cancel(struct sp_wbuf *out, const struct sp_msg *invite);

#endif
