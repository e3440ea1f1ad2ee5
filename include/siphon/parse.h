/*
 * Shared pieces of every SIP parser: the error record, generic parameter
 * lists (";name=value" after URIs and header values), and host[:port].
 * Parsers in libsiphon are pure functions over slices: they never copy and
 * never allocate, and on failure they report where and which rule failed.
 */
#ifndef SIPHON_PARSE_H
#define SIPHON_PARSE_H

#include "siphon/ctype.h"
#include "siphon/str.h"

/* Where a parse failed: the first offending byte (inside the input slice,
 * or one past its end when input ran out) and the ABNF rule that failed,
 * e.g. "Via: sent-protocol". rule is a static string. */
struct sp_parse_error {
	const char *at;
	const char *rule;
};

/* Records a failure in err (may be NULL) and returns -EBADMSG. */
int sp_parse_fail(struct sp_parse_error *err, const char *at, const char *rule);

/* One parameter: value.p == NULL when written without '=' ("lr"). */
struct sp_param {
	struct sp_str name;
	struct sp_str value;
};

enum sp_param_syntax {
	/* uri-parameters / headers of a SIP URI (RFC 3261 §25.1): no LWS,
	 * pname/pvalue are paramchar (with %HH escapes). */
	SP_PARAM_URI,
	/* generic-param after header values: LWS allowed around ';' and '=',
	 * name is a token, value is token / host / quoted-string. */
	SP_PARAM_HEADER,
};

/* Scans a parameter list that starts at *pp (at the first ';' or at the end)
 * and ends at the first byte that cannot continue it (for SP_PARAM_HEADER a
 * ',' or end; for SP_PARAM_URI also '?', '>' or LWS). Sets *raw to the whole
 * list including its leading ';' (empty if none) and advances *pp.
 * Returns 0 or -EBADMSG (empty names such as ";;" are errors). */
int sp_params_scan(const char **pp, const char *end, enum sp_param_syntax syntax,
		   struct sp_str *raw, struct sp_parse_error *err, const char *rule);

/* Called by sp_params_scan_each for every parameter as it is validated
 * (name and value as in sp_param_next); returns 0 or -EBADMSG with err
 * set, which stops the scan. Lets a parser pick out the parameters it
 * knows in the same pass instead of walking the list twice. */
typedef int (*sp_param_cb)(void *arg, const struct sp_param *prm, struct sp_parse_error *err);

/* sp_params_scan that also hands each parameter to each(arg, ...). */
int sp_params_scan_each(const char **pp, const char *end, enum sp_param_syntax syntax,
			struct sp_str *raw, struct sp_parse_error *err, const char *rule,
			sp_param_cb each, void *arg);

/* Iterates a list that sp_params_scan accepted: returns true and fills *out
 * with the next parameter (name and value trimmed of LWS, quoted values
 * keep their quotes), advancing *rest; false at the end. */
bool sp_param_next(struct sp_str *rest, struct sp_param *out);

/* Looks up name (case-insensitive) in a scanned list. Returns true and sets
 * *value (p == NULL for a valueless parameter) when present. */
bool sp_param_find(struct sp_str params, const char *name, struct sp_str *value);

/* A quoted-string's contents without the surrounding quotes (escapes kept
 * as written). Returns s unchanged if it is not quoted. */
struct sp_str sp_unquote(struct sp_str s);

/* Scans a quoted-string starting at *pp ('"'), quoted-pairs allowed (any
 * byte except CR/LF may follow '\'), NUL bytes allowed inside. Advances *pp
 * past the closing quote. Returns 0 or -EBADMSG (unterminated). */
int sp_quoted_scan(const char **pp, const char *end, struct sp_parse_error *err,
		   const char *rule);

/* Skips LWS (SP, HTAB, and CRLF-folding already validated by the framer). */
static inline const char *sp_skip_lws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Scans a token (RFC 3261 §25.1) at *pp; returns its length (0 if none). */
static inline size_t sp_token_scan(const char **pp, const char *end)
{
	const char *p = *pp;
	while (p < end && sp_is((unsigned char)*p, SP_C_TOKEN))
		p++;
	size_t n = (size_t)(p - *pp);
	*pp = p;
	return n;
}

enum sp_host_kind {
	SP_HOST_NAME = 0, /* hostname (RFC 3261 §25.1), including FQDN dot */
	SP_HOST_IPV4,
	SP_HOST_IPV6, /* IPv6reference: host slice includes the brackets */
};

struct sp_hostport {
	struct sp_str host;
	enum sp_host_kind kind;
	bool has_port;
	uint16_t port;
};

/* Parses host [":" port] at *pp up to the first byte that cannot continue
 * it. Ports above 65535 and malformed IPv4/IPv6 are errors. An IPv6 address
 * without brackets is an error (RFC 5118 §4.2). Advances *pp. */
int sp_hostport_scan(const char **pp, const char *end, struct sp_hostport *hp,
		     struct sp_parse_error *err);

/* Validates s as exactly one IPv4 dotted quad / IPv6 address (no brackets). */
bool sp_ipv4_valid(struct sp_str s);
bool sp_ipv6_valid(struct sp_str s);

#endif
