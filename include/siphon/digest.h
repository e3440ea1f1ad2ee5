/*
 * Digest authentication arithmetic (RFC 2617 §3.2.2, RFC 7616 §3.4-§3.5,
 * RFC 8760 for SIP): H(A1), H(A2), the request-digest ("response"), the
 * response-digest ("rspauth") and the hashed username, for MD5, SHA-256 and
 * SHA-512/256 and their -sess variants. Every value is lowercase hex
 * (RFC 7616 §3.2). Nothing here allocates or parses headers: the registrar
 * and the UA take the parameters from struct sp_auth (siphon/hdr.h), the
 * stored HA1 from the store, and call these.
 *
 * String inputs are the unq() values of RFC 7616 §3.3: the contents of a
 * quoted-string with the quotes and the quoting backslashes removed. The
 * header parser keeps escapes as written, so pass its slices through
 * sp_digest_unq() first.
 */
#ifndef SIPHON_DIGEST_H
#define SIPHON_DIGEST_H

#include <stdbool.h>

#include "siphon/hash.h"
#include "siphon/str.h"

/* The algorithms of the IANA "Hash Algorithms for HTTP Digest
 * Authentication" registry that SIP may use (RFC 8760 §2.7). */
enum sp_digest_alg {
	SP_DIGEST_MD5 = 0,
	SP_DIGEST_MD5_SESS,
	SP_DIGEST_SHA256,
	SP_DIGEST_SHA256_SESS,
	SP_DIGEST_SHA512_256,
	SP_DIGEST_SHA512_256_SESS,
};

/* Maps an algorithm token (case-insensitive) to *alg. An absent value
 * (name.p == NULL) means MD5 (RFC 7616 §3.3). Returns 0, or -ENOTSUP for
 * an algorithm not implemented here (the challenge SHOULD then be ignored,
 * RFC 7616 §3.3; RFC 8760 §2.4). *alg is untouched on error. */
int sp_digest_alg_lookup(struct sp_str name, enum sp_digest_alg *alg);

/* Canonical token of alg, e.g. "SHA-512-256-sess"; "" for a bad value. */
const char *sp_digest_alg_name(enum sp_digest_alg alg);

/* True for the -sess variants (RFC 7616 §3.4.2). */
bool sp_digest_alg_is_sess(enum sp_digest_alg alg);

/* Number of hex digits alg produces: 32 (MD5) or 64 (RFC 7616 §3.2,
 * RFC 8760 §2.2); 0 for a bad value. */
size_t sp_digest_hex_len(enum sp_digest_alg alg);

/* A digest in lowercase hex: len is 32 or 64; hex is not NUL-terminated. */
#define SP_DIGEST_HEX_MAX 64
struct sp_digest_hex {
	size_t len;
	char hex[SP_DIGEST_HEX_MAX];
};

/* The digest as a slice into *d. */
static inline struct sp_str sp_digest_hex_str(const struct sp_digest_hex *d)
{
	return (struct sp_str){ d->hex, d->len };
}

/* Compares a computed digest with a received hex string (for instance the
 * "response" parameter) in time that depends only on the lengths, so a
 * failed check leaks nothing about how many digits matched. Lowercase only:
 * request-digest is LHEX (RFC 3261 §25.1). */
bool sp_digest_hex_eq(const struct sp_digest_hex *want, struct sp_str got);

/* unq() of RFC 7616 §3.3: removes the quoting backslashes of a
 * quoted-string's contents (the header parser has already removed the
 * quotes). If v holds no backslash, returns v itself and buf is not used;
 * otherwise writes the result to buf, which must hold v.len bytes, and
 * returns a slice of buf. A lone trailing backslash is kept. */
struct sp_str sp_digest_unq(struct sp_str v, char *buf);

/* H(A1) = H(username ":" realm ":" password) (RFC 7616 §3.4.2, RFC 2617
 * §3.2.2.2) with the hash of alg. For a -sess alg this is still the plain
 * value - the one a store keeps (DESIGN.md §6) - and sp_digest_response()
 * applies the session step itself. Returns 0 or -EINVAL (bad alg). */
int sp_digest_ha1(enum sp_digest_alg alg, struct sp_str username, struct sp_str realm,
		  struct sp_str password, struct sp_digest_hex *out);

/* The session key of a -sess alg: H(ha1 ":" nonce ":" cnonce) over the
 * hex ha1 (RFC 7616 §3.4.2; RFC 2617's sample code hashes the binary HA1
 * instead, which its own text and RFC 7616 do not). For a non-sess alg,
 * copies *ha1. out may alias ha1. Returns 0 or -EINVAL (bad alg, or a
 * -sess alg without cnonce). */
int sp_digest_ha1_sess(enum sp_digest_alg alg, const struct sp_digest_hex *ha1,
		       struct sp_str nonce, struct sp_str cnonce, struct sp_digest_hex *out);

/* Hashed username H(username ":" realm) (RFC 7616 §3.4.4). Returns 0 or
 * -EINVAL (bad alg). */
int sp_digest_userhash(enum sp_digest_alg alg, struct sp_str username, struct sp_str realm,
		       struct sp_digest_hex *out);

/* H(A2) (RFC 7616 §3.4.3): H(method ":" uri) when qop is absent (p == NULL
 * or empty) or "auth", H(method ":" uri ":" H(body)) when qop is
 * "auth-int" (an empty body hashes as H(""), RFC 8760 §2.6 item 7). qop is
 * compared case-insensitively. An empty method gives the A2 of rspauth
 * (RFC 7616 §3.5: ":" uri). Returns 0, -EINVAL (bad alg) or -ENOTSUP (an
 * unknown qop token). */
int sp_digest_ha2(enum sp_digest_alg alg, struct sp_str qop, struct sp_str method,
		  struct sp_str uri, struct sp_str body, struct sp_digest_hex *out);

/* Everything a request-digest covers besides H(A1). All strings are unq()
 * values; slices with p == NULL are absent. */
struct sp_digest_input {
	enum sp_digest_alg alg;
	struct sp_str nonce;
	struct sp_str nc;     /* 8 hex digits, as sent */
	struct sp_str cnonce;
	struct sp_str qop;    /* "auth", "auth-int"; absent or empty: RFC 2069 form */
	struct sp_str method; /* e.g. "REGISTER" (the CSeq/request method) */
	struct sp_str uri;    /* the "uri" parameter, as sent */
	struct sp_str body;   /* message body, used only for qop=auth-int */
};

/* The request-digest ("response" parameter) from the stored H(A1) (RFC 7616
 * §3.4.1, RFC 2617 §3.2.2.1):
 *   qop present:  H(HA1' ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)
 *   qop absent:   H(HA1' ":" nonce ":" HA2)      (RFC 2069 compatibility,
 *                                                 RFC 3261 §22.4 item 8)
 * where HA1' is sp_digest_ha1_sess() of ha1 for a -sess algorithm. qop is
 * hashed as written. ha1->len must match in->alg. Returns 0, -EINVAL (bad
 * alg, wrong ha1 length, nonce absent, or qop present without nc/cnonce)
 * or -ENOTSUP (unknown qop). */
int sp_digest_response(const struct sp_digest_input *in, const struct sp_digest_hex *ha1,
		       struct sp_digest_hex *out);

/* The response-digest ("rspauth" of Authentication-Info, RFC 7616 §3.5):
 * sp_digest_response() with the method left out of A2. Same returns. */
int sp_digest_rspauth(const struct sp_digest_input *in, const struct sp_digest_hex *ha1,
		      struct sp_digest_hex *out);

#endif
