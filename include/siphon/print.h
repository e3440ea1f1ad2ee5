/*
 * Printing SIP messages (on the bounded write buffer of wbuf.h): a builder for new messages,
 * and an edit list applied to a parsed message in one printing pass (what a
 * proxy does: prepend a Via, drop a Route, rewrite the Request-URI).
 */
#ifndef SIPHON_PRINT_H
#define SIPHON_PRINT_H

#include "siphon/msg.h"
#include "siphon/wbuf.h"

/* The RFC 3261 §21 reason phrase for a status code ("Unknown" if none). */
const char *sp_reason_phrase(unsigned code);

/* ---- building new messages ---- */

/* Writes "METHOD ruri SIP/2.0\r\n". */
void sp_msgb_request(struct sp_wbuf *b, struct sp_str method, struct sp_str ruri);
/* Writes "SIP/2.0 code reason\r\n"; reason NULL: the default phrase. */
void sp_msgb_response(struct sp_wbuf *b, unsigned code, const char *reason);
/* Writes "name: value\r\n". */
void sp_msgb_header(struct sp_wbuf *b, struct sp_str name, struct sp_str value);
/* Ends the message: Content-Type (if body and type given), Content-Length,
 * the empty line and the body. Returns 0, or -ENOSPC if anything was lost. */
int sp_msgb_finish(struct sp_wbuf *b, struct sp_str content_type, struct sp_str body);

/* ---- editing parsed messages ---- */

#define SP_EDIT_MAX 32

enum sp_edit_kind {
	SP_EDIT_REMOVE,  /* drop one header value */
	SP_EDIT_REPLACE, /* replace one header value */
	SP_EDIT_PREPEND, /* new header line before the first line of that name (or first line) */
	SP_EDIT_APPEND,  /* new header line after all others */
};

struct sp_edit {
	enum sp_edit_kind kind;
	uint16_t hdr;          /* value index (REMOVE, REPLACE) */
	enum sp_hdr_id id;     /* header id for PREPEND placement */
	struct sp_str name;    /* PREPEND, APPEND */
	struct sp_str value;   /* REPLACE, PREPEND, APPEND */
};

struct sp_msg_edit {
	struct sp_edit ops[SP_EDIT_MAX];
	unsigned n;
	struct sp_str ruri; /* p == NULL: keep */
	struct sp_str body; /* p == NULL: keep */
};

void sp_edit_init(struct sp_msg_edit *e);
/* Each returns 0 or -ENOSPC when SP_EDIT_MAX operations are recorded. */
int sp_edit_remove(struct sp_msg_edit *e, const struct sp_msg *msg, const struct sp_hdr *h);
int sp_edit_replace(struct sp_msg_edit *e, const struct sp_msg *msg, const struct sp_hdr *h,
		    struct sp_str value);
int sp_edit_prepend(struct sp_msg_edit *e, enum sp_hdr_id id, struct sp_str name,
		    struct sp_str value);
int sp_edit_append(struct sp_msg_edit *e, struct sp_str name, struct sp_str value);
void sp_edit_set_ruri(struct sp_msg_edit *e, struct sp_str ruri);
void sp_edit_set_body(struct sp_msg_edit *e, struct sp_str body);

/* Prints msg with the edits applied (e may be NULL: a faithful copy) in
 * one pass. Untouched header lines are copied byte for byte; a line whose
 * values were edited is reprinted as "Name: v1, v2". Content-Length is
 * rewritten to the body length when the body changed or the header was
 * absent; octets after the body are never copied. Returns 0 or -ENOSPC. */
int sp_msg_print(const struct sp_msg *msg, const struct sp_msg_edit *e, struct sp_wbuf *out);

#endif
