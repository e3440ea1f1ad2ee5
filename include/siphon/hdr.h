/*
 * Header fields: the registry of known names (long and compact forms, RFC
 * 3261 §7.3.3 and the IANA list), methods, and the structured parsers for
 * each header's value. Every parser takes one value slice (one element of a
 * comma list, as split by the message parser) and fills a value struct of
 * slices into it. None of them allocate.
 */
#ifndef SIPHON_HDR_H
#define SIPHON_HDR_H

#include "siphon/uri.h"

/* ---- methods ---------------------------------------------------------- */

enum sp_method {
	SP_METHOD_OTHER = 0,
	SP_METHOD_INVITE,
	SP_METHOD_ACK,
	SP_METHOD_BYE,
	SP_METHOD_CANCEL,
	SP_METHOD_OPTIONS,
	SP_METHOD_REGISTER,
	SP_METHOD_PRACK,
	SP_METHOD_UPDATE,
	SP_METHOD_INFO,
	SP_METHOD_MESSAGE,
	SP_METHOD_REFER,
	SP_METHOD_SUBSCRIBE,
	SP_METHOD_NOTIFY,
	SP_METHOD_PUBLISH,
	SP_METHOD__COUNT
};

/* Method names are case-sensitive (RFC 3261 §7.1): "invite" is OTHER. */
enum sp_method sp_method_lookup(struct sp_str name);
const char *sp_method_name(enum sp_method m); /* "OTHER" for SP_METHOD_OTHER */

/* ---- header registry ---------------------------------------------------- */

enum sp_hdr_id {
	SP_HDR_OTHER = 0, /* unknown: kept verbatim, never split */
	SP_HDR_ACCEPT,
	SP_HDR_ACCEPT_CONTACT,
	SP_HDR_ACCEPT_ENCODING,
	SP_HDR_ACCEPT_LANGUAGE,
	SP_HDR_ALERT_INFO,
	SP_HDR_ALLOW,
	SP_HDR_ALLOW_EVENTS,
	SP_HDR_AUTHENTICATION_INFO,
	SP_HDR_AUTHORIZATION,
	SP_HDR_CALL_ID,
	SP_HDR_CALL_INFO,
	SP_HDR_CONTACT,
	SP_HDR_CONTENT_DISPOSITION,
	SP_HDR_CONTENT_ENCODING,
	SP_HDR_CONTENT_LANGUAGE,
	SP_HDR_CONTENT_LENGTH,
	SP_HDR_CONTENT_TYPE,
	SP_HDR_CSEQ,
	SP_HDR_DATE,
	SP_HDR_ERROR_INFO,
	SP_HDR_EVENT,
	SP_HDR_EXPIRES,
	SP_HDR_FROM,
	SP_HDR_IDENTITY,
	SP_HDR_IDENTITY_INFO,
	SP_HDR_IN_REPLY_TO,
	SP_HDR_MAX_FORWARDS,
	SP_HDR_MIME_VERSION,
	SP_HDR_MIN_EXPIRES,
	SP_HDR_MIN_SE,
	SP_HDR_ORGANIZATION,
	SP_HDR_P_ASSERTED_IDENTITY,
	SP_HDR_P_PREFERRED_IDENTITY,
	SP_HDR_PATH,
	SP_HDR_PRIORITY,
	SP_HDR_PRIVACY,
	SP_HDR_PROXY_AUTHENTICATE,
	SP_HDR_PROXY_AUTHORIZATION,
	SP_HDR_PROXY_REQUIRE,
	SP_HDR_RACK,
	SP_HDR_REASON,
	SP_HDR_RECORD_ROUTE,
	SP_HDR_REFER_TO,
	SP_HDR_REFERRED_BY,
	SP_HDR_REJECT_CONTACT,
	SP_HDR_REPLACES,
	SP_HDR_REPLY_TO,
	SP_HDR_REQUEST_DISPOSITION,
	SP_HDR_REQUIRE,
	SP_HDR_RETRY_AFTER,
	SP_HDR_ROUTE,
	SP_HDR_RSEQ,
	SP_HDR_SERVER,
	SP_HDR_SESSION_EXPIRES,
	SP_HDR_SIP_ETAG,
	SP_HDR_SIP_IF_MATCH,
	SP_HDR_SUBJECT,
	SP_HDR_SUBSCRIPTION_STATE,
	SP_HDR_SUPPORTED,
	SP_HDR_TIMESTAMP,
	SP_HDR_TO,
	SP_HDR_UNSUPPORTED,
	SP_HDR_USER_AGENT,
	SP_HDR_VIA,
	SP_HDR_WARNING,
	SP_HDR_WWW_AUTHENTICATE,
	SP_HDR__COUNT
};

enum {
	SP_HDRF_LIST = 1u << 0,   /* value is a comma-separated list: split it */
	SP_HDRF_SINGLE = 1u << 1, /* may appear at most once (one value) */
	SP_HDRF_EMPTY_OK = 1u << 2, /* list that may be empty ("Allow:") */
};

struct sp_hdr_info {
	const char *name;  /* canonical long form, e.g. "Call-ID" */
	char compact;      /* compact form letter, or 0 */
	unsigned flags;    /* SP_HDRF_* */
};

/* Registry entry for id (SP_HDR_OTHER gives name NULL). */
const struct sp_hdr_info *sp_hdr_info(enum sp_hdr_id id);

/* Case-insensitive lookup of a long or compact name; SP_HDR_OTHER if
 * unknown. */
enum sp_hdr_id sp_hdr_lookup(struct sp_str name);

/* ---- structured values ---------------------------------------------------- */

enum sp_transport {
	SP_TP_OTHER = 0, /* other-transport token, kept in via.transport */
	SP_TP_UDP,
	SP_TP_TCP,
	SP_TP_TLS,
	SP_TP_SCTP,
	SP_TP_WS,
	SP_TP_WSS,
};

/* Transport token lookup (case-insensitive); SP_TP_OTHER if unknown. */
enum sp_transport sp_transport_lookup(struct sp_str name);

/* The token as written in a Via ("UDP", "TCP", "TLS", "SCTP", "WS",
 * "WSS"); NULL for SP_TP_OTHER. */
const char *sp_transport_name(enum sp_transport tp);

/* Via (RFC 3261 §20.42, §25.1 via-parm; RFC 3581 rport). */
struct sp_via {
	struct sp_str proto_name;    /* "SIP" */
	struct sp_str proto_version; /* "2.0" */
	struct sp_str transport_raw; /* as written, e.g. "UDP", "UNKNOWN" */
	enum sp_transport transport;
	struct sp_hostport sent_by;
	struct sp_str params;   /* ";..." raw */
	struct sp_str branch;   /* p == NULL if absent */
	struct sp_str received; /* p == NULL if absent */
	struct sp_str maddr;    /* p == NULL if absent */
	bool has_rport;         /* ";rport" present, with or without value */
	uint16_t rport;         /* its value, 0 if none */
	int ttl;                /* 0-255, -1 if absent */
};
int sp_via_parse(struct sp_via *via, struct sp_str value, struct sp_parse_error *err);

/* name-addr / addr-spec with header params (From, To, Contact, Route,
 * Record-Route, Reply-To, Refer-To, Referred-By, Path, P-Asserted-Identity,
 * P-Preferred-Identity). RFC 3261 §20.10 rule: in addr-spec form (no <>)
 * every ';' after the URI starts a header parameter, and the URI may not
 * contain ',', '?' or ';' of its own. */
struct sp_nameaddr {
	struct sp_str display; /* as written: quoted (with quotes) or tokens; empty if none */
	struct sp_str uri_raw; /* inside the <> or the bare addr-spec */
	struct sp_uri uri;
	struct sp_str params; /* header parameters ";..." raw */
	struct sp_str tag;    /* tag parameter value, p == NULL if absent */
	bool angle;           /* written as name-addr (<...>) */
	bool star;            /* Contact: * */
};
enum {
	SP_NA_STAR = 1u << 0,         /* '*' is allowed (Contact) */
	SP_NA_ANGLE = 1u << 1,        /* only name-addr form (Route, Record-Route, Path) */
	SP_NA_ANY_SCHEME = 1u << 2,   /* default; kept for readability */
};
int sp_nameaddr_parse(struct sp_nameaddr *na, struct sp_str value, unsigned flags,
		      struct sp_parse_error *err);

/* Contact helpers: q in thousandths (0..1000, -1 if absent or invalid),
 * expires param (-1 if absent; values beyond 2^32-1 saturate to UINT32_MAX
 * as RFC 4475 scalar02 allows). */
int sp_contact_q(const struct sp_nameaddr *na);
int64_t sp_contact_expires(const struct sp_nameaddr *na);

/* CSeq (§20.16): 32-bit number (RFC 3261 §8.1.1.5: < 2^31 when sent, up to
 * 2^32-1 accepted) and method. */
struct sp_cseq {
	uint32_t seq;
	struct sp_str method;
	enum sp_method method_id;
};
int sp_cseq_parse(struct sp_cseq *cseq, struct sp_str value, struct sp_parse_error *err);

/* Call-ID (§25.1): word [ "@" word ]. */
int sp_callid_parse(struct sp_str value, struct sp_parse_error *err);

/* 1*DIGIT values no larger than max (Max-Forwards 255, Content-Length,
 * Expires, Min-Expires, RSeq, Min-SE use UINT32_MAX). */
int sp_uint_parse(struct sp_str value, uint32_t max, uint32_t *out, struct sp_parse_error *err,
		  const char *rule);

/* media-type for Content-Type and each Accept value (§20.1, §20.15). */
struct sp_media_type {
	struct sp_str type, subtype; /* "*" allowed in Accept */
	struct sp_str params;        /* ";..." raw */
};
int sp_media_type_parse(struct sp_media_type *mt, struct sp_str value,
			struct sp_parse_error *err);

/* One token (each value of Allow, Supported, Require, Proxy-Require,
 * Unsupported, Allow-Events, Content-Encoding ...). */
int sp_token_parse(struct sp_str value, struct sp_parse_error *err);

/* Event (RFC 6665 §8.2.1 / RFC 3265 §7.2.1): event-type with template
 * dots, params (id). */
struct sp_event {
	struct sp_str package; /* full event-type, e.g. "presence.winfo" */
	struct sp_str id;      /* p == NULL if absent */
	struct sp_str params;
};
int sp_event_parse(struct sp_event *ev, struct sp_str value, struct sp_parse_error *err);

/* Subscription-State (RFC 6665 §8.2.3). */
struct sp_substate {
	struct sp_str state;  /* active, pending, terminated, or extension */
	struct sp_str reason; /* p == NULL if absent */
	int64_t expires;      /* -1 if absent */
	int64_t retry_after;  /* -1 if absent */
	struct sp_str params;
};
int sp_substate_parse(struct sp_substate *ss, struct sp_str value, struct sp_parse_error *err);

/* RAck (RFC 3262 §7.2): response-num CSeq-num Method. */
struct sp_rack {
	uint32_t rseq, cseq;
	struct sp_str method;
	enum sp_method method_id;
};
int sp_rack_parse(struct sp_rack *rack, struct sp_str value, struct sp_parse_error *err);

/* Session-Expires (RFC 4028 §4): delta-seconds [;refresher=uac|uas]. */
struct sp_session_expires {
	uint32_t delta;
	struct sp_str refresher; /* p == NULL if absent */
	struct sp_str params;
};
int sp_session_expires_parse(struct sp_session_expires *se, struct sp_str value,
			     struct sp_parse_error *err);

/* Retry-After (§20.33): delta-seconds [comment] *(;duration=|generic). */
struct sp_retry_after {
	uint32_t delta;
	struct sp_str comment;  /* with parentheses, empty if none */
	int64_t duration;       /* -1 if absent */
	struct sp_str params;
};
int sp_retry_after_parse(struct sp_retry_after *ra, struct sp_str value,
			 struct sp_parse_error *err);

/* Date (§20.17): rfc1123-date, GMT only (RFC 4475 baddate). */
struct sp_date {
	int64_t epoch; /* seconds since 1970-01-01T00:00:00Z */
};
int sp_date_parse(struct sp_date *d, struct sp_str value, struct sp_parse_error *err);

/* Priority (§20.26): emergency / urgent / normal / non-urgent / token. */
int sp_priority_parse(struct sp_str value, struct sp_parse_error *err);

/* One Warning value (§20.43): 3DIGIT SP agent SP quoted-string. */
struct sp_warning {
	uint16_t code;
	struct sp_str agent;
	struct sp_str text; /* with quotes */
};
int sp_warning_parse(struct sp_warning *w, struct sp_str value, struct sp_parse_error *err);

/* Credentials and challenges (RFC 3261 §20.7, §20.27, §20.28, §20.44;
 * RFC 2617; RFC 7616; RFC 8760): Authorization, Proxy-Authorization,
 * WWW-Authenticate, Proxy-Authenticate (scheme + params) and
 * Authentication-Info (params only: parse with SP_AUTH_NO_SCHEME).
 * Quoted values are given without their quotes (escapes as written). A
 * scheme other than Digest is kept with its raw params (RFC 4475
 * regaut01). Every slice is p == NULL when absent. */
struct sp_auth {
	struct sp_str scheme; /* "Digest" or other; p == NULL with SP_AUTH_NO_SCHEME */
	bool digest;          /* scheme is Digest (case-insensitive) */
	struct sp_str params; /* everything after the scheme, raw */
	struct sp_str username, realm, nonce, uri, response, algorithm, cnonce, opaque, qop, nc,
		stale, domain, nextnonce, rspauth, userhash, charset;
};
enum {
	SP_AUTH_NO_SCHEME = 1u << 0, /* value is auth params only (Authentication-Info) */
	/* Reject what the default accepts for robustness: a missing COMMA after
	 * a quoted-string (RFC 3665 §2.1 F3 as published) and a Digest response
	 * whose length is neither 0 nor the algorithm's (RFC 8760 §2.7). */
	SP_AUTH_STRICT = 1u << 1,
};
/* Parses one header value (one challenge or credentials; LWS, including
 * CRLF folding, may surround each token). Digest parameters are checked
 * (nc 8LHEX, response/rspauth *LHEX, stale/userhash true/false, qop a
 * token list) and a repeated one is an error. Returns 0 and fills *auth,
 * or -EBADMSG with *err set and *auth untouched. */
int sp_auth_parse(struct sp_auth *auth, struct sp_str value, unsigned flags,
		  struct sp_parse_error *err);

#endif
