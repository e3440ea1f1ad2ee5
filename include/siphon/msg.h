/*
 * SIP messages (RFC 3261 §7, §18.3, §20, §25): framing and parsing.
 *
 * A parsed message is a table of slices into the caller's buffer, which
 * must outlive it. The parser runs once over a complete message and eagerly
 * decodes what every element needs (start line, top Via, CSeq, Call-ID,
 * From, To, Max-Forwards, Content-Length); every other header is located
 * and split into its comma-separated values, and decoded on demand with the
 * parsers of hdr.h (sp_msg_validate decodes them all).
 *
 * Framing is separate: sp_msg_parse treats its input as one datagram
 * (body = Content-Length, or the rest when absent; octets past it are
 * discarded); sp_framer finds message boundaries in a byte stream.
 */
#ifndef SIPHON_MSG_H
#define SIPHON_MSG_H

#include "siphon/hdr.h"
#include "siphon/mem.h"

/* Bounds that keep a hostile message from costing unbounded work. */
#define SP_MSG_MAX_VALUES 1024 /* header values (after list splitting) */
#define SP_MSG_MAX_LINES 512   /* header field lines */
#define SP_HDR_NONE UINT16_MAX

/* One header value: a whole field for single-valued and unknown headers,
 * one element of the comma list for list headers (Via, Contact, ...). */
struct sp_hdr {
	enum sp_hdr_id id;
	struct sp_str name;  /* as written (compact forms kept) */
	struct sp_str value; /* trimmed of surrounding LWS; folds kept inside */
	uint16_t line;       /* index into msg->lines */
	uint16_t next;       /* next value with the same id (or same unknown name), or SP_HDR_NONE */
};

/* One header field line as received (folded continuation lines included). */
struct sp_hdr_line {
	struct sp_str raw;  /* from the name to the end of the value, no CRLF */
	struct sp_str name;
	enum sp_hdr_id id;
	uint16_t first;     /* index of its first value in msg->hdrs */
	uint16_t count;     /* number of values (0 for an empty value) */
};

/* Why a message was rejected: the absolute byte offset of the first
 * offending byte, the rule that failed, and the response a server should
 * send (400, 505, 513) if the message is a request it can answer. */
struct sp_msg_error {
	size_t offset;
	const char *rule;
	uint16_t status;
};

struct sp_msg {
	const char *buf;
	size_t len;      /* bytes handed to the parser */
	size_t consumed; /* bytes of this message (start line to end of body) */
	bool request;
	struct sp_str start_line; /* without its CRLF */

	/* Request-Line (§7.1) */
	struct sp_str method;
	enum sp_method method_id;
	struct sp_str ruri_raw;
	struct sp_uri ruri;
	/* Status-Line (§7.2) */
	uint16_t status;
	struct sp_str reason; /* may be empty */
	struct sp_str version; /* "SIP/2.0" as written */

	struct sp_hdr *hdrs;
	uint16_t nhdrs;
	struct sp_hdr_line *lines;
	uint16_t nlines;
	uint16_t first[SP_HDR__COUNT]; /* first value per id, SP_HDR_NONE if none */
	struct sp_str header_end;      /* the empty line ending the headers (CRLF) */

	/* Eagerly parsed; present flags tell whether the header existed. */
	bool has_via, has_cseq, has_call_id, has_from, has_to;
	struct sp_via via1;
	struct sp_cseq cseq;
	struct sp_str call_id;
	struct sp_nameaddr from, to;
	int max_forwards;      /* -1 if absent */
	int64_t content_length; /* -1 if absent */

	struct sp_str body;
	struct sp_msg_error error;

	struct sp_arena arena;
	char arena_mem[2048];
};

/* Parses buf[len] as one message in datagram framing (RFC 3261 §18.3):
 * the body is Content-Length octets (an error if fewer arrived), or the
 * rest of the buffer when Content-Length is absent; extra octets are not
 * part of the message (msg->consumed tells where it ended). Always
 * initialises *msg; call sp_msg_free() afterwards even on error.
 * Returns 0, -EBADMSG (msg->error says where and why: the first fault), or
 * -ENOMEM. After -EBADMSG in the start line or a header line the other
 * lines are still read, so a server can answer 400: the has_* flags say
 * which eager fields decoded (has_via covers msg->via1 only; the header
 * table holds every value that was split), msg->method keeps the method
 * token if there was one. body and consumed are unset then. */
int sp_msg_parse(struct sp_msg *msg, const char *buf, size_t len);

/* Decodes every known header value with its structured parser and checks
 * that the CSeq method equals the request method (RFC 3261 §8.1.1.5).
 * Returns 0 or -EBADMSG with msg->error set. Rules an application applies
 * (missing or repeated headers, unsupported extensions) are sp_msg_check's
 * (check.h). */
int sp_msg_validate(struct sp_msg *msg);

/* As sp_msg_validate, for the values of the n header ids listed only
 * (every value of each), plus the CSeq method rule: what an element that
 * uses only those headers checks (RFC 3261 §16.3 step 1: a proxy ignores
 * the rest, well-formed or not, and forwards it unchanged). */
int sp_msg_validate_ids(struct sp_msg *msg, const enum sp_hdr_id *ids, unsigned n);

/* Releases what the parse allocated (large messages spill from the inline
 * arena). The buffer is not touched. */
void sp_msg_free(struct sp_msg *msg);

/* First value of a known header, or NULL. */
const struct sp_hdr *sp_msg_hdr(const struct sp_msg *msg, enum sp_hdr_id id);

/* Next value with the same id (or same unknown name), or NULL. */
const struct sp_hdr *sp_msg_hdr_next(const struct sp_msg *msg, const struct sp_hdr *h);

/* First value of any header by name (long or compact, case-insensitive);
 * the way to reach unknown extension headers. NULL if none. */
const struct sp_hdr *sp_msg_hdr_by_name(const struct sp_msg *msg, struct sp_str name);

/* Number of values of a known header. */
unsigned sp_msg_hdr_count(const struct sp_msg *msg, enum sp_hdr_id id);

/* Decoded value of any header, by id (the union member named after it).
 * SP_HDR_OTHER and headers without a structured parser fill `raw`. */
union sp_hdr_parsed {
	struct sp_str raw;
	struct sp_via via;
	struct sp_nameaddr nameaddr;
	struct sp_cseq cseq;
	uint32_t number;
	struct sp_media_type media;
	struct sp_event event;
	struct sp_substate substate;
	struct sp_rack rack;
	struct sp_session_expires session_expires;
	struct sp_retry_after retry_after;
	struct sp_date date;
	struct sp_warning warning;
	struct sp_auth auth;
};

/* Which member of union sp_hdr_parsed sp_hdr_parse_value fills for id. */
enum sp_hdr_kind {
	SP_HK_RAW = 0,
	SP_HK_VIA,
	SP_HK_NAMEADDR,
	SP_HK_CSEQ,
	SP_HK_NUMBER,
	SP_HK_MEDIA,
	SP_HK_TOKEN, /* raw, validated as a token */
	SP_HK_CALLID,
	SP_HK_EVENT,
	SP_HK_SUBSTATE,
	SP_HK_RACK,
	SP_HK_SESSION_EXPIRES,
	SP_HK_RETRY_AFTER,
	SP_HK_DATE,
	SP_HK_PRIORITY,
	SP_HK_WARNING,
	SP_HK_AUTH,
	SP_HK_AUTH_INFO,
};
enum sp_hdr_kind sp_hdr_kind(enum sp_hdr_id id);

/* Parses one value of header id into *out (see sp_hdr_kind). Returns 0 or
 * -EBADMSG with err set. */
int sp_hdr_parse_value(enum sp_hdr_id id, struct sp_str value, union sp_hdr_parsed *out,
		       struct sp_parse_error *err);

/* Stream framing (sp_framer) lives in framer.h, in the transport layer
 * (src/net), which frames TCP/TLS streams; included here for callers that
 * know it as part of the message API. */
#include "siphon/framer.h"

#endif
