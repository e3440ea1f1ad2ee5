/*
 * Digest authentication values (RFC 2617 §3.2.2, RFC 7616 §3.4-§3.5,
 * RFC 8760 §2.6): the hashes a UAC puts in Authorization and a registrar
 * or proxy recomputes to check it. Each value is H() of fields joined by
 * ':' with no added whitespace (RFC 7616 §3.4.5), fed to the hash piece by
 * piece so that nothing is copied or allocated.
 */
#include <errno.h>

#include "siphon/digest.h"

static const struct {
	const char *name;
	enum sp_hash_alg hash;
	bool sess;
} algs[] = {
	/* RFC 7616 §3.3 and §6.1 (IANA registry); RFC 8760 §2.7. */
	[SP_DIGEST_MD5] = { "MD5", SP_HASH_MD5, false },
	[SP_DIGEST_MD5_SESS] = { "MD5-sess", SP_HASH_MD5, true },
	[SP_DIGEST_SHA256] = { "SHA-256", SP_HASH_SHA256, false },
	[SP_DIGEST_SHA256_SESS] = { "SHA-256-sess", SP_HASH_SHA256, true },
	[SP_DIGEST_SHA512_256] = { "SHA-512-256", SP_HASH_SHA512_256, false },
	[SP_DIGEST_SHA512_256_SESS] = { "SHA-512-256-sess", SP_HASH_SHA512_256, true },
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

static bool alg_ok(enum sp_digest_alg alg)
{
	return (unsigned)alg < NALGS;
}

int sp_digest_alg_lookup(struct sp_str name, enum sp_digest_alg *alg)
{
	if (!name.p) {
		*alg = SP_DIGEST_MD5; /* RFC 7616 §3.3: absent means MD5 */
		return 0;
	}
	/* ABNF string literals are case-insensitive (RFC 5234 §2.3), and the
	 * RFC 3261 §25.1 algorithm rule spells them as literals. */
	for (unsigned i = 0; i < NALGS; i++) {
		if (sp_str_caseeq_c(name, algs[i].name)) {
			*alg = (enum sp_digest_alg)i;
			return 0;
		}
	}
	return -ENOTSUP;
}

const char *sp_digest_alg_name(enum sp_digest_alg alg)
{
	return alg_ok(alg) ? algs[alg].name : "";
}

bool sp_digest_alg_is_sess(enum sp_digest_alg alg)
{
	return alg_ok(alg) && algs[alg].sess;
}

size_t sp_digest_hex_len(enum sp_digest_alg alg)
{
	return alg_ok(alg) ? 2 * sp_hash_len(algs[alg].hash) : 0;
}

bool sp_digest_hex_eq(const struct sp_digest_hex *want, struct sp_str got)
{
	if (got.len != want->len)
		return false;
	unsigned char diff = 0;
	for (size_t i = 0; i < got.len; i++)
		diff |= (unsigned char)(want->hex[i] ^ got.p[i]);
	return diff == 0;
}

struct sp_str sp_digest_unq(struct sp_str v, char *buf)
{
	if (sp_str_chr(v, '\\') < 0)
		return v;
	/* RFC 3261 §25.1 quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F):
	 * the backslash goes, the byte after it stays. */
	size_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] == '\\' && i + 1 < v.len)
			i++;
		buf[n++] = v.p[i];
	}
	return (struct sp_str){ buf, n };
}

/* ---- H() over ':'-joined fields ---------------------------------------- */

static void feed(struct sp_hash *h, struct sp_str s)
{
	if (s.len)
		sp_hash_update(h, s.p, s.len);
}

static void colon(struct sp_hash *h)
{
	sp_hash_update(h, ":", 1);
}

static void finish(struct sp_hash *h, struct sp_digest_hex *out)
{
	uint8_t bin[SP_HASH_MAX_LEN];
	size_t n = sp_hash_final(h, bin);
	sp_hex_lower(out->hex, bin, n);
	out->len = 2 * n;
}

/* H(a ":" b) or H(a ":" b ":" c) when c.p != NULL. */
static void hash3(enum sp_digest_alg alg, struct sp_str a, struct sp_str b, struct sp_str c,
		  struct sp_digest_hex *out)
{
	struct sp_hash h;
	sp_hash_init(&h, algs[alg].hash);
	feed(&h, a);
	colon(&h);
	feed(&h, b);
	if (c.p) {
		colon(&h);
		feed(&h, c);
	}
	finish(&h, out);
}

int sp_digest_ha1(enum sp_digest_alg alg, struct sp_str username, struct sp_str realm,
		  struct sp_str password, struct sp_digest_hex *out)
{
	if (!alg_ok(alg))
		return -EINVAL;
	/* RFC 7616 §3.4.2: A1 = unq(username) ":" unq(realm) ":" passwd. An
	 * absent password is hashed as empty (p == NULL must not drop the
	 * last colon). */
	if (!password.p)
		password = SP_STR("");
	hash3(alg, username, realm, password, out);
	return 0;
}

int sp_digest_ha1_sess(enum sp_digest_alg alg, const struct sp_digest_hex *ha1,
		       struct sp_str nonce, struct sp_str cnonce, struct sp_digest_hex *out)
{
	if (!alg_ok(alg) || ha1->len != sp_digest_hex_len(alg))
		return -EINVAL;
	if (!algs[alg].sess) {
		if (out != ha1)
			*out = *ha1;
		return 0;
	}
	if (!cnonce.p)
		return -EINVAL;
	/* RFC 7616 §3.4.2: A1 = H(user:realm:passwd) ":" nonce ":" cnonce, in
	 * hex; the copy lets out alias ha1. */
	struct sp_digest_hex base = *ha1;
	if (!nonce.p)
		nonce = SP_STR("");
	hash3(alg, sp_digest_hex_str(&base), nonce, cnonce, out);
	return 0;
}

int sp_digest_userhash(enum sp_digest_alg alg, struct sp_str username, struct sp_str realm,
		       struct sp_digest_hex *out)
{
	if (!alg_ok(alg))
		return -EINVAL;
	/* RFC 7616 §3.4.4: username = H(unq(username) ":" unq(realm)). */
	hash3(alg, username, realm, SP_STR_NULL, out);
	return 0;
}

enum qop { QOP_NONE, QOP_AUTH, QOP_AUTH_INT };

static int qop_kind(struct sp_str qop, enum qop *out)
{
	if (!qop.len)
		*out = QOP_NONE;
	else if (sp_str_caseeq_c(qop, "auth"))
		*out = QOP_AUTH;
	else if (sp_str_caseeq_c(qop, "auth-int"))
		*out = QOP_AUTH_INT;
	else
		return -ENOTSUP;
	return 0;
}

int sp_digest_ha2(enum sp_digest_alg alg, struct sp_str qop, struct sp_str method,
		  struct sp_str uri, struct sp_str body, struct sp_digest_hex *out)
{
	enum qop kind;
	int rc;
	if (!alg_ok(alg))
		return -EINVAL;
	if ((rc = qop_kind(qop, &kind)) != 0)
		return rc;
	/* RFC 7616 §3.4.3: A2 = Method ":" request-uri [":" H(entity-body)];
	 * RFC 8760 §2.6 item 7: no body hashes as H(""). */
	if (kind == QOP_AUTH_INT) {
		struct sp_digest_hex hbody;
		struct sp_hash h;
		sp_hash_init(&h, algs[alg].hash);
		feed(&h, body);
		finish(&h, &hbody);
		hash3(alg, method, uri, sp_digest_hex_str(&hbody), out);
	} else {
		hash3(alg, method, uri, SP_STR_NULL, out);
	}
	return 0;
}

static int response(const struct sp_digest_input *in, const struct sp_digest_hex *ha1,
		    struct sp_str method, struct sp_digest_hex *out)
{
	struct sp_digest_hex key, ha2;
	enum qop kind;
	int rc;
	if (!alg_ok(in->alg) || ha1->len != sp_digest_hex_len(in->alg) || !in->nonce.p)
		return -EINVAL;
	if ((rc = qop_kind(in->qop, &kind)) != 0)
		return rc;
	if (kind != QOP_NONE && (!in->nc.p || !in->cnonce.p))
		return -EINVAL; /* RFC 7616 §3.4: nc and cnonce go with qop */
	if ((rc = sp_digest_ha1_sess(in->alg, ha1, in->nonce, in->cnonce, &key)) != 0)
		return rc;
	if ((rc = sp_digest_ha2(in->alg, in->qop, method, in->uri, in->body, &ha2)) != 0)
		return rc;

	struct sp_hash h;
	sp_hash_init(&h, algs[in->alg].hash);
	feed(&h, sp_digest_hex_str(&key));
	colon(&h);
	feed(&h, in->nonce);
	colon(&h);
	if (kind != QOP_NONE) {
		/* RFC 7616 §3.4.1: KD(H(A1), nonce:nc:cnonce:qop:H(A2)). */
		feed(&h, in->nc);
		colon(&h);
		feed(&h, in->cnonce);
		colon(&h);
		feed(&h, in->qop);
		colon(&h);
	}
	/* Without qop: KD(H(A1), nonce:H(A2)), RFC 2617 §3.2.2.1. */
	feed(&h, sp_digest_hex_str(&ha2));
	finish(&h, out);
	return 0;
}

int sp_digest_response(const struct sp_digest_input *in, const struct sp_digest_hex *ha1,
		       struct sp_digest_hex *out)
{
	return response(in, ha1, in->method.p ? in->method : SP_STR(""), out);
}

int sp_digest_rspauth(const struct sp_digest_input *in, const struct sp_digest_hex *ha1,
		      struct sp_digest_hex *out)
{
	/* RFC 7616 §3.5: A2 = ":" request-uri [":" H(entity-body)]. */
	return response(in, ha1, SP_STR(""), out);
}
