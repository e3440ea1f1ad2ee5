/*
 * URIs: sip and sips (RFC 3261 §19.1, §25.1), tel (RFC 3966), and any other
 * scheme as an opaque absoluteURI. Parsing is zero-copy: every field is a
 * slice of the input, escapes are kept as written (compare with
 * sp_uri_equal, decode with sp_uri_unescape).
 */
#ifndef SIPHON_URI_H
#define SIPHON_URI_H

#include "siphon/parse.h"

enum sp_uri_scheme {
	SP_URI_OTHER = 0, /* absoluteURI of another scheme: only scheme + opaque */
	SP_URI_SIP,
	SP_URI_SIPS,
	SP_URI_TEL,
};

struct sp_uri {
	enum sp_uri_scheme scheme;
	struct sp_str scheme_raw; /* as written, e.g. "SIP" */
	struct sp_str raw;        /* the whole URI */
	/* sip/sips: userinfo and hostport. tel: user = telephone-subscriber
	 * number (global "+..." or local), host empty. */
	struct sp_str user;     /* escaped as written; empty if none */
	struct sp_str password; /* p == NULL if no ':' in userinfo */
	struct sp_hostport hp;
	struct sp_str params;  /* ";..." raw (sip/sips uri-parameters, tel par) */
	struct sp_str headers; /* after '?', raw, without the '?' */
	struct sp_str opaque;  /* SP_URI_OTHER: everything after "scheme:" */
	/* Well-known sip/sips URI parameters, picked out during the parse
	 * (RFC 3261 §19.1.1). Slices point into params; p == NULL if absent. */
	struct sp_str transport, user_param, method, maddr, ttl;
	bool lr;
};

enum {
	/* Accept only sip/sips/tel (Request-URI policy is the caller's; this
	 * flag makes other schemes an error instead of SP_URI_OTHER). */
	SP_URI_NO_OTHER = 1u << 0,
	/* Reject a sip/sips URI that carries "?headers" (RFC 3261 §19.1.1:
	 * not allowed in a Request-URI, RFC 4475 escruri). */
	SP_URI_NO_HEADERS = 1u << 1,
};

/* Parses exactly the bytes of s as one URI (no surrounding LWS or <>).
 * flags: SP_URI_*. Returns 0 and fills *uri, or -EBADMSG with err set
 * (err->at inside s). *uri is left unspecified on error. */
int sp_uri_parse(struct sp_uri *uri, struct sp_str s, unsigned flags, struct sp_parse_error *err);

/* RFC 3261 §19.1.4 URI comparison: scheme case-insensitive; user and
 * password case-sensitive, with escapes of unreserved characters equal to
 * the characters (an escaped reserved character is NOT equal to the
 * literal one: "a%3Bb" != "a;b"); host case-insensitive; port, transport,
 * user, ttl, method and maddr must match when present in either; other
 * parameters only when present in both; headers compared as a set.
 * tel URIs per RFC 3966 §4 (number without visual separators, params).
 * Other schemes: byte equality after case-folding the scheme. */
bool sp_uri_equal(const struct sp_uri *a, const struct sp_uri *b);

/* Decodes %HH escapes of s into out[cap]. Returns the decoded length (may
 * contain NUL bytes), or -ENOSPC if cap is too small. Invalid escapes are
 * copied as written. */
long sp_uri_unescape(char *out, size_t cap, struct sp_str s);

/* Compares two escaped slices as their unescaped bytes (case-sensitive). */
bool sp_uri_unescaped_eq(struct sp_str a, struct sp_str b);

/* Short name of a scheme ("sip", "sips", "tel", "other"). */
const char *sp_uri_scheme_name(enum sp_uri_scheme scheme);

#endif
