/*
 * Credentials and challenges: the values of Authorization,
 * Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate (RFC 3261
 * §20.7, §20.27, §20.28, §20.44) and Authentication-Info (§20.6), as one
 * grammar (RFC 3261 §25.1, RFC 2617 §1.2, §3.2):
 *
 *   credentials / challenge = auth-scheme LWS auth-param *(COMMA auth-param)
 *   auth-param              = token EQUAL ( token / quoted-string )
 *   Authentication-Info     = ainfo *(COMMA ainfo)        (no scheme)
 *
 * The Digest rules (digest-response, digest-cln, ainfo) are all special
 * cases of auth-param, so one loop reads every scheme; for Digest the
 * parameters the registrar and UA need are picked out and their values
 * checked (RFC 3261 §25.1, RFC 7616 §3.3-§3.5, RFC 8760 §2.7). Other
 * schemes keep their params raw (RFC 4475 §3.3.7 regaut01).
 *
 * Leniency, on purpose: a missing COMMA after a quoted-string is accepted
 * unless SP_AUTH_STRICT is given. A quoted-string ends at its closing
 * quote, so `realm="a" nonce="b"` has exactly one reading; RFC 3665 §2.1 F3
 * was published that way, and rejecting it would answer a typo with 400
 * instead of a digest check. Responses of any LHEX length are accepted:
 * RFC 8760 §2.7 made request-digest *LHEX (empty before a challenge, 64
 * digits for SHA-256), and RFC 3665 prints 23- to 31-digit ones; a wrong
 * length simply fails verification later.
 */
#include <errno.h>
#include <stddef.h>

#include "siphon/ctype.h"
#include "siphon/digest.h"
#include "siphon/hdr.h"
#include "siphon/parse.h"

enum check {
	CHECK_NONE,
	CHECK_NC,       /* nc-value = 8LHEX (RFC 3261 §25.1, RFC 7616 §3.5) */
	CHECK_REQ_DIG,  /* request-digest = *LHEX (RFC 8760 §2.7) */
	CHECK_RESP_DIG, /* response-digest = *LHEX (RFC 3261 §25.1) */
	CHECK_BOOL,     /* "true" / "false" (RFC 3261 §25.1 stale, RFC 7616 §3.4 userhash) */
	CHECK_QOP,      /* qop-value *("," qop-value) (RFC 3261 §25.1) */
	CHECK_TOKEN,    /* algorithm = token (RFC 8760 §2.7) */
};

/* The Digest parameters struct sp_auth names. */
static const struct {
	const char *name;
	size_t off;
	enum check check;
	const char *rule;
} known[] = {
	{ "username", offsetof(struct sp_auth, username), CHECK_NONE, NULL },
	{ "realm", offsetof(struct sp_auth, realm), CHECK_NONE, NULL },
	{ "nonce", offsetof(struct sp_auth, nonce), CHECK_NONE, NULL },
	{ "uri", offsetof(struct sp_auth, uri), CHECK_NONE, NULL },
	{ "response", offsetof(struct sp_auth, response), CHECK_REQ_DIG, "request-digest" },
	{ "algorithm", offsetof(struct sp_auth, algorithm), CHECK_TOKEN, "algorithm" },
	{ "cnonce", offsetof(struct sp_auth, cnonce), CHECK_NONE, NULL },
	{ "opaque", offsetof(struct sp_auth, opaque), CHECK_NONE, NULL },
	{ "qop", offsetof(struct sp_auth, qop), CHECK_QOP, "qop-value" },
	{ "nc", offsetof(struct sp_auth, nc), CHECK_NC, "nc-value" },
	{ "stale", offsetof(struct sp_auth, stale), CHECK_BOOL, "stale" },
	{ "domain", offsetof(struct sp_auth, domain), CHECK_NONE, NULL },
	{ "nextnonce", offsetof(struct sp_auth, nextnonce), CHECK_NONE, NULL },
	{ "rspauth", offsetof(struct sp_auth, rspauth), CHECK_RESP_DIG, "response-digest" },
	{ "userhash", offsetof(struct sp_auth, userhash), CHECK_BOOL, "userhash" },
	{ "charset", offsetof(struct sp_auth, charset), CHECK_NONE, NULL },
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* RFC 3261 §25.1: LWS = [*WSP CRLF] 1*WSP. A line end is whitespace only
 * where the header continues (folding); the bare LF form is tolerated as
 * the framer tolerates it. */
static const char *lws(const char *p, const char *end)
{
	for (;;) {
		if (p < end && (*p == ' ' || *p == '\t')) {
			p++;
			continue;
		}
		const char *q = p;
		if (q < end && *q == '\r')
			q++;
		if (q < end && *q == '\n' && q + 1 < end && (q[1] == ' ' || q[1] == '\t')) {
			p = q + 1;
			continue;
		}
		return p;
	}
}

/* LHEX = DIGIT / %x61-66 (RFC 3261 §25.1): lowercase only. */
static bool lhex(struct sp_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!sp_is(c, SP_C_DIGIT) && (c < 'a' || c > 'f'))
			return false;
	}
	return true;
}

static bool all_token(struct sp_str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!sp_is((unsigned char)s.p[i], SP_C_TOKEN))
			return false;
	return s.len > 0;
}

/* qop-options = LDQUOT qop-value *("," qop-value) RDQUOT in a challenge,
 * message-qop = qop-value in credentials (RFC 3261 §25.1); the parser does
 * not know which header it reads, so both forms pass. LWS around the commas
 * is tolerated (RFC 7616 §3.9.1 writes "auth, auth-int"). Returns the first
 * bad byte or NULL. */
static const char *qop_list_bad(struct sp_str s)
{
	const char *p = s.p, *end = s.p + s.len;
	for (;;) {
		p = lws(p, end);
		if (!sp_token_scan(&p, end))
			return p;
		p = lws(p, end);
		if (p == end)
			return NULL;
		if (*p != ',')
			return p;
		p++;
	}
}

/* Checks one recognised value; returns NULL or the first bad byte. */
static const char *check_value(enum check check, struct sp_str v)
{
	switch (check) {
	case CHECK_NONE:
		return NULL;
	case CHECK_NC:
		return v.len == 8 && lhex(v) ? NULL : v.p;
	case CHECK_REQ_DIG:
	case CHECK_RESP_DIG:
		return lhex(v) ? NULL : v.p;
	case CHECK_BOOL:
		/* ABNF literals are case-insensitive (RFC 5234 §2.3); RFC 7616
		 * §3.3 calls stale "a case-insensitive flag". */
		return sp_str_caseeq_c(v, "true") || sp_str_caseeq_c(v, "false") ? NULL : v.p;
	case CHECK_QOP:
		return qop_list_bad(v);
	case CHECK_TOKEN:
		return all_token(v) ? NULL : v.p;
	}
	return v.p;
}

struct state {
	struct sp_auth a;
	unsigned seen;       /* bit i: known[i] was given */
	bool username_ext;   /* "username*" was given */
	struct sp_parse_error *err;
};

/* Records one Digest parameter. name is a token, value the unquoted
 * contents (or the token). */
static int digest_param(struct state *st, struct sp_str name, struct sp_str value)
{
	for (unsigned i = 0; i < NKNOWN; i++) {
		if (!sp_str_caseeq_c(name, known[i].name))
			continue;
		/* RFC 7235 §2.1 (the HTTP framework SIP follows, RFC 3261
		 * §22.1): "Each parameter name MUST only occur once per
		 * challenge" (RFC 3261 §19.1.1 rules the same for URI
		 * parameters). Two differing values would be read differently
		 * by different elements, so a repeat is an error. */
		if (st->seen & (1u << i))
			return sp_parse_fail(st->err, name.p, "auth-param (repeated)");
		const char *bad = check_value(known[i].check, value);
		if (bad)
			return sp_parse_fail(st->err, bad, known[i].rule);
		st->seen |= 1u << i;
		*(struct sp_str *)((char *)&st->a + known[i].off) = value;
		return 0;
	}
	if (sp_str_caseeq_c(name, "username*")) {
		if (st->username_ext)
			return sp_parse_fail(st->err, name.p, "auth-param (repeated)");
		st->username_ext = true;
	}
	return 0; /* any other auth-param is allowed and ignored */
}

/* The strict length rule of RFC 8760 §2.7: "The number of hex digits is
 * implied by the length of the value of the algorithm used, with a minimum
 * size of 32. A parameter with an empty value (empty string) is allowed". */
static bool response_len_ok(const struct sp_auth *a)
{
	enum sp_digest_alg alg;
	if (!a->response.p || a->response.len == 0)
		return true;
	if (sp_digest_alg_lookup(a->algorithm, &alg) != 0)
		return a->response.len >= 32; /* unknown algorithm */
	return a->response.len == sp_digest_hex_len(alg);
}

int sp_auth_parse(struct sp_auth *auth, struct sp_str value, unsigned flags,
		  struct sp_parse_error *err)
{
	struct state st = { .err = err };
	int rc;

	if (!value.p)
		value = SP_STR("");
	value = sp_str_trim(value);
	const char *p = value.p, *end = value.p + value.len;

	if (!(flags & SP_AUTH_NO_SCHEME)) {
		/* auth-scheme = token, then LWS (RFC 3261 §25.1). */
		const char *s = p;
		if (!sp_token_scan(&p, end))
			return sp_parse_fail(err, p, "auth-scheme");
		st.a.scheme = sp_str_span(s, p);
		st.a.digest = sp_str_caseeq_c(st.a.scheme, "Digest");
		const char *q = lws(p, end);
		if (q == p || q == end)
			return sp_parse_fail(err, q, "auth-scheme LWS auth-param");
		p = q;
	}
	/* Authentication-Info carries Digest ainfo (RFC 3261 §25.1). */
	bool digest = st.a.digest || (flags & SP_AUTH_NO_SCHEME);
	st.a.params = sp_str_span(p, end);

	for (;;) {
		/* auth-param = auth-param-name EQUAL ( token / quoted-string ) */
		const char *n = p;
		if (!sp_token_scan(&p, end))
			return sp_parse_fail(err, p, "auth-param-name");
		struct sp_str name = sp_str_span(n, p);
		p = lws(p, end); /* EQUAL = SWS "=" SWS */
		if (p >= end || *p != '=')
			return sp_parse_fail(err, p, "auth-param EQUAL");
		p = lws(p + 1, end);

		struct sp_str val;
		bool quoted = p < end && *p == '"';
		const char *v = p;
		if (quoted) {
			if ((rc = sp_quoted_scan(&p, end, err, "auth-param quoted-string")) != 0)
				return rc;
			val = sp_str_span(v + 1, p - 1);
		} else {
			if (!sp_token_scan(&p, end))
				return sp_parse_fail(err, p, "auth-param value");
			val = sp_str_span(v, p);
		}
		if (digest && (rc = digest_param(&st, name, val)) != 0)
			return rc;

		/* COMMA = SWS "," SWS */
		const char *q = lws(p, end);
		if (q == end)
			break;
		if (*q == ',') {
			p = lws(q + 1, end);
			continue;
		}
		/* RFC 3665 §2.1 F3: `realm="..."` LWS `nonce=` (see top). */
		if (quoted && q > p && !(flags & SP_AUTH_STRICT)) {
			p = q;
			continue;
		}
		return sp_parse_fail(err, q, "COMMA");
	}

	if (digest) {
		/* RFC 7616 §3.4: "Sending both username and username* in the
		 * same header option MUST be treated as an error." */
		if (st.username_ext && st.a.username.p)
			return sp_parse_fail(err, st.a.username.p, "username and username*");
		if ((flags & SP_AUTH_STRICT) && !response_len_ok(&st.a))
			return sp_parse_fail(err, st.a.response.p, "request-digest length");
	}
	*auth = st.a;
	return 0;
}
