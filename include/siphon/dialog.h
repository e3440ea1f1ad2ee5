/*
 * Dialogs (RFC 3261 §12): the state two user agents keep between them
 * (dialog ID, sequence numbers, local and remote URI, remote target, route
 * set, secure flag), its creation on either side (§12.1), the requests
 * sent within it (§12.2.1.1) and the checks on requests received in it
 * (§12.2.2), and a per-worker table that finds dialogs by ID, groups the
 * early dialogs a forked INVITE creates (§13.2.2.4) and ends them (§12.3).
 *
 * A dialog is an sp_mem object holding its own copies of everything it
 * keeps: the messages it was made from may go away after the call. Slices
 * the accessors return point into the dialog and stay valid until the
 * piece of state they show is replaced (route set and remote target by
 * sp_dialog_confirm and sp_dialog_target_refresh) or the dialog is freed.
 * Nothing here is thread-safe: a dialog lives on its worker's loop, like
 * its transactions.
 *
 * Decisions where the RFC leaves room (docs/dialog.md says why):
 *  - Dialog-creating methods are INVITE, SUBSCRIBE (RFC 6665 §4.1.2.1) and
 *    REFER (RFC 3515 §2). Only INVITE creates early dialogs: §12.1 names
 *    "101-199 responses with a To tag, where the request was INVITE".
 *  - A null tag (absent in From or To, RFC 2543) is kept as an empty tag:
 *    it still identifies a dialog (§12.1.1, §12.1.2) and is omitted from
 *    the requests the dialog builds (§12.2.1.1).
 *  - A 2xx for an early dialog confirms it, recomputes its route set from
 *    the 2xx (§13.2.2.4) and takes the 2xx's Contact as remote target (a
 *    2xx to INVITE answers a target refresh request, §12.2.1.2); sequence
 *    numbers are kept.
 *  - A request whose CSeq equals the remote sequence number is out of order
 *    like a lower one: §12.2.2 calls only a greater number "in order".
 *  - The remote target must be a SIP or SIPS URI (§12.1.1: "MUST be a SIP
 *    or SIPS URI"). A dialog-creating request or 2xx without a usable
 *    Contact is malformed; a 1xx without one makes an early dialog with no
 *    remote target, which takes one from a later 2xx or target refresh.
 */
#ifndef SIPHON_DIALOG_H
#define SIPHON_DIALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/msg.h"
#include "siphon/print.h"

struct sp_dialog;
struct sp_dialog_table;

/* RFC 3261 §12: early after a 1xx, confirmed after a 2xx. */
enum sp_dialog_state {
	SP_DIALOG_EARLY = 1,
	SP_DIALOG_CONFIRMED,
	SP_DIALOG_TERMINATED,
};

/* RFC 3261 §12: the dialog ID as this UA sees it. An empty tag is a null
 * tag (RFC 2543 peer). */
struct sp_dialog_id {
	struct sp_str call_id;
	struct sp_str local_tag;
	struct sp_str remote_tag;
};

/* What the status of a received request is when sp_dialog_rx_request
 * refuses it: a SIP status, answered with sp_response_build. */
#define SP_DIALOG_OUT_OF_ORDER 500

/* ---- creation (§12.1) ----------------------------------------------------- */

/* True for the methods whose 2xx (and, for INVITE, 1xx with a To tag)
 * create a dialog: INVITE, SUBSCRIBE, REFER. */
bool sp_dialog_creating_method(enum sp_method m);

/* True for target refresh requests, whose Contact replaces the remote
 * target: INVITE (§12.2, §14), UPDATE (RFC 3311 §5.1), SUBSCRIBE and
 * NOTIFY (RFC 6665 §3.1, §3.2). */
bool sp_dialog_target_refresh_method(enum sp_method m);

/* A random initial local sequence number in [1, 2^30] (RFC 3261 §8.1.1.5:
 * below 2^31, with room left so increments never wrap, §12.2.1.1). For the
 * CSeq of a new dialog-creating request, and used by the dialog when its
 * local sequence number is empty. */
uint32_t sp_dialog_cseq_initial(void);

/* RFC 3261 §12.1.2: the UAC's dialog from req, the dialog-creating request
 * this UA sent (INVITE, SUBSCRIBE, REFER, with a From tag), and resp, a
 * response to it: 101-199 with a To tag (INVITE only) makes an early
 * dialog, 2xx a confirmed one (a 2xx without To tag gives a null remote
 * tag). tls: req was sent over TLS (with a SIPS Request-URI this sets the
 * secure flag). Route set: resp's Record-Route values in reverse order;
 * remote target: resp's Contact URI; local sequence number: req's CSeq;
 * remote sequence number empty; local URI and tag from req's From, remote
 * URI and tag from resp's To; local contact: req's Contact value if any.
 * Returns 0 and a new reference in *out; -EINVAL when the pair does not
 * make a dialog (another method or status, a 1xx without To tag, a From
 * without tag, Call-ID or CSeq differing between them); -EBADMSG when a
 * Record-Route or, for a 2xx, the Contact is missing or not a SIP/SIPS
 * name-addr; -ENOMEM. *out is untouched on error. */
int sp_dialog_create_uac(struct sp_dialog **out, const struct sp_msg *req,
			 const struct sp_msg *resp, bool tls);

/* RFC 3261 §12.1.1: the UAS's dialog from req, a dialog-creating request
 * outside any dialog (no To tag), and resp, the 101-199 (INVITE only) or
 * 2xx response this UA sends to it, which carries the local tag. tls: req
 * arrived over TLS (with a SIPS Request-URI this sets the secure flag).
 * Route set: req's Record-Route values in order; remote target: req's
 * Contact URI; remote sequence number: req's CSeq; local sequence number
 * empty; remote URI and tag from req's From (a missing tag is null),
 * local URI from req's To and local tag from resp's To; local contact:
 * resp's Contact value if any. Returns 0 and a new reference in *out;
 * -EINVAL (req has a To tag or another method, resp has another status,
 * no To tag, or another Call-ID or CSeq); -EBADMSG (a Record-Route, or
 * req's Contact, missing or not a SIP/SIPS name-addr); -ENOMEM. *out is
 * untouched on error. */
int sp_dialog_create_uas(struct sp_dialog **out, const struct sp_msg *req,
			 const struct sp_msg *resp, bool tls);

/* RFC 3261 §13.2.2.4: moves an early dialog to confirmed on a 2xx. For a
 * UAC dialog resp is the 2xx received: the route set is recomputed from
 * its Record-Route (reversed, §12.1.2) and its Contact (required, as for
 * creation) replaces the remote target (§12.2.1.2); sequence numbers are
 * kept. For
 * a UAS dialog resp is the 2xx sent and only the state changes. Returns 0
 * (also when already confirmed: nothing changes); -EINVAL if resp is not a
 * 2xx of this dialog (Call-ID, tags) or the dialog terminated; -EBADMSG
 * (bad Record-Route or Contact: nothing changes); -ENOMEM (nothing
 * changes). */
int sp_dialog_confirm(struct sp_dialog *d, const struct sp_msg *resp);

/* RFC 3261 §12.3: marks the dialog terminated; requests can no longer be
 * built on it. Idempotent. sp_dialog_table_remove does this too. */
void sp_dialog_terminate(struct sp_dialog *d);

/* ---- state ----------------------------------------------------------------- */

enum sp_dialog_state sp_dialog_state(const struct sp_dialog *d);
/* The dialog ID (slices into d). */
struct sp_dialog_id sp_dialog_id(const struct sp_dialog *d);
/* True if this UA was the UAC of the creating transaction. */
bool sp_dialog_is_uac(const struct sp_dialog *d);
/* The secure flag (§12.1.1, §12.1.2). */
bool sp_dialog_secure(const struct sp_dialog *d);
/* Local and remote URI as sent in From/To: display name as written (empty
 * if none) and the URI. */
struct sp_str sp_dialog_local_uri(const struct sp_dialog *d, struct sp_str *display);
struct sp_str sp_dialog_remote_uri(const struct sp_dialog *d, struct sp_str *display);
/* The remote target URI, p == NULL if none yet (an early dialog from a 1xx
 * without Contact). */
struct sp_str sp_dialog_remote_target(const struct sp_dialog *d);
/* The Contact value this UA sent (used in target refresh requests), p ==
 * NULL if none. */
struct sp_str sp_dialog_local_contact(const struct sp_dialog *d);
/* Number of route set entries and entry i (< count) as written in the
 * Record-Route value it came from (name-addr with parameters). */
unsigned sp_dialog_route_count(const struct sp_dialog *d);
struct sp_str sp_dialog_route(const struct sp_dialog *d, unsigned i);
/* Local sequence number: true and *seq, or false while empty (UAS dialog
 * that has sent nothing yet). */
bool sp_dialog_local_cseq(const struct sp_dialog *d, uint32_t *seq);
/* Remote sequence number, -1 while empty (UAC dialog that has received no
 * request yet). */
int64_t sp_dialog_remote_cseq(const struct sp_dialog *d);
/* Sets the local sequence number (the next request gets seq + 1), e.g. to
 * restore a dialog or to follow a CSeq the UA chose. seq < 2^31. Returns 0
 * or -EINVAL. */
int sp_dialog_set_local_cseq(struct sp_dialog *d, uint32_t seq);

/* ---- requests within the dialog (§12.2.1.1) -------------------------------- */

/* A request to build. Slices are copied into the output; absent (p ==
 * NULL or empty) fields are left out. */
struct sp_dialog_req {
	struct sp_str method;       /* e.g. SP_STR("BYE"); ignored by sp_dialog_ack */
	struct sp_str via;          /* top Via value with its branch (sp_tsx_branch); required */
	struct sp_str contact;      /* Contact value; absent: the dialog's local contact
				     * in target refresh requests, none in others */
	struct sp_str headers;      /* extra header lines, each ending in CRLF, verbatim */
	struct sp_str content_type; /* with a body */
	struct sp_str body;
};

/* Appends to out a request within d (RFC 3261 §12.2.1.1, §8.1.1):
 * Request-URI and Route from the remote target and route set (loose
 * routing when the first route has lr; otherwise strict: the first route,
 * without method parameter and headers, is the Request-URI and the remote
 * target ends the Route list; a Request-URI never carries a method
 * parameter or headers, §19.1.1), Via r->via, Max-Forwards 70, From (local
 * URI and tag), To (remote URI and tag; null tags omitted), Call-ID, CSeq
 * with the local sequence number plus one (an initial one when empty),
 * Contact for target refresh requests (or when r->contact is given; a
 * SIPS URI is required on a secure dialog), r->headers, Content-Type,
 * Content-Length and the body. On success the local sequence number
 * becomes the CSeq used, also stored in *cseq when cseq is not NULL.
 * Returns 0; -EINVAL (method missing, not a token, ACK or CANCEL — see
 * sp_dialog_ack and sp_tsx_build_cancel, §9.1 — via missing, or a
 * non-SIPS Contact on a secure dialog); -ESTALE (terminated);
 * -EDESTADDRREQ (no remote target yet); -EOVERFLOW (the sequence number
 * would reach 2^31, §8.1.1.5); -ENOSPC (out too small: the sequence number
 * is not used up). */
int sp_dialog_request(struct sp_dialog *d, const struct sp_dialog_req *r, struct sp_wbuf *out,
		      uint32_t *cseq);

/* RFC 3261 §13.2.2.4: appends to out the ACK for a 2xx to the INVITE sent
 * in d with CSeq number invite_cseq: built as any request in the dialog
 * (Request-URI, Route, From, To, Call-ID, Max-Forwards 70, r->via, which
 * needs a branch of its own) with CSeq "invite_cseq ACK"; r->headers
 * carries the INVITE's credentials and r->body the answer, if any; no
 * Contact unless r->contact is given. The local sequence number does not
 * change. Returns 0, -EINVAL (no via), -ESTALE, -EDESTADDRREQ or -ENOSPC. */
int sp_dialog_ack(const struct sp_dialog *d, uint32_t invite_cseq, const struct sp_dialog_req *r,
		  struct sp_wbuf *out);

/* RFC 3261 §12.2.1.1, §8.1.2: the URI a request within d goes to (resolve
 * it with RFC 3263): the first route set entry, or the remote target when
 * the route set is empty. *uri points into d (valid as the route set and
 * remote target). Returns 0 or -EDESTADDRREQ (no route and no target). */
int sp_dialog_next_hop(const struct sp_dialog *d, struct sp_uri *uri);

/* ---- requests received within the dialog (§12.2.2) ------------------------- */

/* RFC 3261 §12.2.2: checks and records the CSeq of req, a request that
 * sp_dialog_table_match found for d. ACK and CANCEL are exempt (their
 * numbers are the INVITE's). An empty remote sequence number takes req's;
 * a number not greater than it is out of order and nothing changes;
 * otherwise it becomes the remote sequence number. Returns 0 (in order),
 * SP_DIALOG_OUT_OF_ORDER (a status: answer 500), -EINVAL (req is not a
 * request of this dialog: Call-ID, To tag = local tag, From tag = remote
 * tag) or -ESTALE (terminated). Not for the request that created d. */
int sp_dialog_rx_request(struct sp_dialog *d, const struct sp_msg *req);

/* RFC 3261 §12.2.1.2, §12.2.2; RFC 3311 §5: replaces the remote target
 * with the Contact URI of msg, when it has one: msg is either a target
 * refresh request received in d that the UA accepted (call it when
 * answering 2xx; a rejected request changes nothing, §12.2.2), or a 2xx
 * response to a target refresh request d sent. The route set never
 * changes (§12.2). Returns 0 (replaced, or no Contact); -EINVAL (msg is
 * neither, or belongs to another dialog); -EBADMSG (Contact not a SIP/SIPS
 * name-addr: nothing changes); -ENOMEM (nothing changes). */
int sp_dialog_target_refresh(struct sp_dialog *d, const struct sp_msg *msg);

/* ---- the dialog table ------------------------------------------------------- */

/* Creates an empty table. Returns 0, or -ENOMEM with *out untouched. */
int sp_dialog_table_create(struct sp_dialog_table **out);

/* Drops the table's reference to every dialog it holds (without
 * terminating them) and frees it. NULL-safe. */
void sp_dialog_table_destroy(struct sp_dialog_table *t);

/* Number of dialogs in the table. */
unsigned sp_dialog_table_count(const struct sp_dialog_table *t);

/* Adds d; the table takes a reference. A dialog is in at most one table.
 * Returns 0, -EEXIST (a dialog with the same ID is there, or d is already
 * in a table), -ESTALE (d terminated) or -ENOMEM. */
int sp_dialog_table_add(struct sp_dialog_table *t, struct sp_dialog *d);

/* Terminates d (§12.3, §15: after a BYE, or a non-2xx final to the INVITE
 * for an early dialog), removes it from t and drops the table's
 * reference. Does nothing if d is not in t. */
void sp_dialog_table_remove(struct sp_dialog_table *t, struct sp_dialog *d);

/* The dialog with exactly this ID, or NULL. Borrowed: take a reference to
 * keep it. */
struct sp_dialog *sp_dialog_table_find(const struct sp_dialog_table *t,
				       const struct sp_dialog_id *id);

/* RFC 3261 §12.2.2: the dialog of a received request (UAS view: Call-ID,
 * local tag = To tag, remote tag = From tag), or NULL. NULL for a request
 * with a To tag means the UA answers 481 (Call/Transaction Does Not
 * Exist); a request without To tag is outside any dialog and also gives
 * NULL. Borrowed. */
struct sp_dialog *sp_dialog_table_match(const struct sp_dialog_table *t,
					const struct sp_msg *req);

/* RFC 3261 §12.1.2, §12.3, §13.2.2: applies resp, a response to req (the
 * dialog-creating request this UA sent), to the dialog set of req
 * (Call-ID and local tag):
 *  - 100, or 101-199 without To tag or to another method than INVITE:
 *    nothing (*out NULL);
 *  - 101-199 with a To tag (INVITE): the early dialog with that remote
 *    tag, created and added when new (a fork makes another one);
 *  - 2xx: that dialog confirmed (sp_dialog_confirm) if it exists, else a
 *    new confirmed dialog added;
 *  - 300-699: every early dialog of the set terminated and removed
 *    (§12.3, §13.2.2.3); confirmed ones stay (*out NULL).
 * *out (may be NULL) receives the dialog, borrowed. Returns 0 or the
 * errors of sp_dialog_create_uac / sp_dialog_confirm / sp_dialog_table_add
 * (nothing changes then). */
int sp_dialog_table_uac_response(struct sp_dialog_table *t, const struct sp_msg *req,
				 const struct sp_msg *resp, bool tls, struct sp_dialog **out);

/* RFC 3261 §12.3, §13.2.2.4: terminates and removes every early dialog
 * with this Call-ID and local tag (after a non-2xx final response, or
 * 64*T1 after the first 2xx). Returns how many were removed. */
unsigned sp_dialog_table_end_early(struct sp_dialog_table *t, struct sp_str call_id,
				   struct sp_str local_tag);

#endif
