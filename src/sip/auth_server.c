/*
 * The server side of digest authentication (RFC 3261 §22.2-§22.4, RFC
 * 7616 §3.3-§3.4, RFC 8760): decides from a request and the stored H(A1)
 * whether to accept, challenge (401/407), refuse (403, a banned source) or
 * reject (400) it, and prints the challenges. No I/O and no allocation per
 * request; the H(A1) lookup happens between sp_auth_check_begin() and
 * sp_auth_check_finish(), outside this module.
 *
 * No user enumeration: every check that could tell an unknown user from a
 * known one is run after the lookup and on the same path: an unknown user
 * (or one without an H(A1) for the algorithm used) is verified against a
 * dummy H(A1) derived from the secret, the dummy is computed for every
 * request, and a failure is counted and answered the same way. Challenges
 * have a fixed length and differ only in the nonce.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "siphon/auth.h"
#include "siphon/hash.h"
#include "siphon/mem.h"
#include "siphon/uri.h"

struct sp_auth_server {
	struct sp_auth_config cfg;
	char realm_buf[SP_AUTH_REALM_MAX];
	struct sp_str realm;
	uint8_t nonce_key[SP_AUTH_KEY_LEN];
	uint8_t dummy_key[SP_AUTH_KEY_LEN];
	uint32_t seq;
	struct sp_auth_nc *nc;
	struct sp_auth_ban *ban;
};

void sp_auth_config_default(struct sp_auth_config *cfg)
{
	*cfg = (struct sp_auth_config){
	    .nonce_ttl_s = 300,
	    .max_failures = 10,
	    .failure_window_s = 60,
	    .ban_s = 300,
	    .nc_entries = 16384,
	    .ban_entries = 16384,
	};
}

static void server_destroy(void *obj)
{
	struct sp_auth_server *s = obj;

	sp_mem_deref(s->nc);
	sp_mem_deref(s->ban);
	memset(s->nonce_key, 0, sizeof(s->nonce_key));
	memset(s->dummy_key, 0, sizeof(s->dummy_key));
}

/* A key for one purpose from the server secret: HMAC(secret, label). */
static void derive(const void *secret, size_t len, const char *label, uint8_t out[32])
{
	sp_hmac_sha256(secret, len, label, strlen(label), out);
}

int sp_auth_server_create(struct sp_auth_server **out, const struct sp_auth_config *cfg,
			  struct sp_str realm, const void *secret, size_t secret_len)
{
	struct sp_auth_server *s;
	uint8_t seed[32];
	uint64_t seed64 = 0;
	size_t i;
	int err;

	if (!secret || secret_len < 16 || realm.len == 0 || realm.len > SP_AUTH_REALM_MAX ||
	    sp_str_chr(realm, '\r') >= 0 || sp_str_chr(realm, '\n') >= 0)
		return -EINVAL;
	s = sp_mem_zalloc(sizeof(*s), server_destroy);
	if (!s)
		return -ENOMEM;
	if (cfg)
		s->cfg = *cfg;
	else
		sp_auth_config_default(&s->cfg);
	memcpy(s->realm_buf, realm.p, realm.len);
	s->realm = (struct sp_str){s->realm_buf, realm.len};
	derive(secret, secret_len, "siphon digest nonce", s->nonce_key);
	derive(secret, secret_len, "siphon digest dummy ha1", s->dummy_key);
	derive(secret, secret_len, "siphon auth ban seed", seed);
	for (i = 0; i < 8; i++)
		seed64 = seed64 << 8 | seed[i];

	err = sp_auth_nc_create(&s->nc, s->cfg.nc_entries, (sp_msec)s->cfg.nonce_ttl_s * 1000);
	if (!err)
		err = sp_auth_ban_create(&s->ban, &s->cfg, seed64);
	if (err) {
		sp_mem_deref(s);
		return err;
	}
	*out = s;
	return 0;
}

struct sp_auth_nc *sp_auth_server_nc(struct sp_auth_server *s)
{
	return s->nc;
}

struct sp_auth_ban *sp_auth_server_ban(struct sp_auth_server *s)
{
	return s->ban;
}

static enum sp_auth_verdict end(struct sp_auth_check *chk, enum sp_auth_verdict v,
				enum sp_auth_why why)
{
	chk->verdict = v;
	chk->why = why;
	switch (v) {
	case SP_AUTH_CHALLENGE:
		chk->status = chk->proxy ? 407 : 401; /* RFC 3261 §22.2, §22.3 */
		break;
	case SP_AUTH_FORBIDDEN:
		chk->status = 403;
		break;
	case SP_AUTH_BAD_REQUEST:
		chk->status = 400;
		break;
	case SP_AUTH_OK:
	case SP_AUTH_LOOKUP:
		chk->status = 0;
		break;
	}
	return v;
}

/* True when a value that failed to parse was meant as Digest
 * credentials: then it is malformed; any other scheme is ignored. */
static bool says_digest(struct sp_str v)
{
	v = sp_str_trim(v);
	return v.len >= 6 && sp_str_caseeq(SP_STR("Digest"), (struct sp_str){v.p, 6}) &&
	       (v.len == 6 || v.p[6] == ' ' || v.p[6] == '\t' || v.p[6] == '\r' || v.p[6] == '\n');
}

/* unq() of v into buf[cap]; false when it does not fit. */
static bool unq_into(struct sp_str v, char *buf, size_t cap, struct sp_str *out)
{
	struct sp_str u;

	if (v.len > cap)
		return false;
	u = sp_digest_unq(v, buf);
	if (u.p != buf) { /* no escapes: copy, so the check owns its strings */
		memcpy(buf, u.p, u.len);
		u.p = buf;
	}
	*out = u;
	return true;
}

static bool realm_is(const struct sp_auth_server *s, struct sp_str realm)
{
	char buf[SP_AUTH_REALM_MAX];
	struct sp_str u;

	if (!sp_str_present(realm) || !unq_into(realm, buf, sizeof(buf), &u))
		return false;
	return sp_str_eq(u, s->realm);
}

/* The "uri" parameter must name the Request-URI (RFC 7616 §3.4.6, RFC
 * 2617 §3.2.2.5): compared as URIs (RFC 3261 §19.1.4) when both parse,
 * else byte for byte. */
static bool uri_matches(const struct sp_msg *msg, struct sp_str uri)
{
	struct sp_uri u;
	struct sp_parse_error err;

	if (sp_uri_parse(&u, uri, 0, &err) == 0)
		return sp_uri_equal(&u, &msg->ruri);
	return sp_str_eq(uri, msg->ruri_raw);
}

static uint32_t hex32(struct sp_str s)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < s.len; i++) {
		char c = s.p[i];
		v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

enum sp_auth_verdict sp_auth_check_begin(struct sp_auth_server *s, struct sp_auth_check *chk,
					 const struct sp_msg *msg, const struct sp_sa *src,
					 sp_msec now)
{
	enum sp_hdr_id id;
	const struct sp_hdr *h;
	struct sp_auth best = {.digest = false};
	enum sp_digest_alg best_alg = SP_DIGEST_MD5;
	bool found = false, bad_alg = false;
	const struct sp_auth *a;

	memset(chk, 0, offsetof(struct sp_auth_check, user_buf));
	/* RFC 3261 §22.2: a registrar is the UAS of REGISTER and answers 401
	 * with WWW-Authenticate; otherwise we act as a proxy, §22.3: 407 with
	 * Proxy-Authenticate, credentials in Proxy-Authorization. */
	chk->proxy = msg->method_id != SP_METHOD_REGISTER;
	id = chk->proxy ? SP_HDR_PROXY_AUTHORIZATION : SP_HDR_AUTHORIZATION;

	if (src && sp_auth_ban_check(s->ban, src, now))
		return end(chk, SP_AUTH_FORBIDDEN, SP_AUTH_WHY_BANNED);

	for (h = sp_msg_hdr(msg, id); h; h = sp_msg_hdr_next(msg, h)) {
		struct sp_auth c;
		struct sp_parse_error err;
		enum sp_digest_alg alg;

		if (sp_auth_parse(&c, h->value, 0, &err) < 0) {
			if (says_digest(h->value))
				return end(chk, SP_AUTH_BAD_REQUEST, SP_AUTH_WHY_MALFORMED);
			continue;
		}
		/* RFC 4475 §3.1.2.13 (regaut01): an unknown scheme is ignored. */
		if (!c.digest)
			continue;
		/* RFC 3261 §22.4: credentials for other realms (other proxies
		 * on the path) are not ours. */
		if (!realm_is(s, c.realm))
			continue;
		/* We offer MD5 and SHA-256 without userhash (RFC 8760 §2.4,
		 * RFC 7616 §3.4.4); other credentials cannot answer our
		 * challenge. */
		if (sp_digest_alg_lookup(c.algorithm, &alg) < 0 ||
		    (alg != SP_DIGEST_MD5 && alg != SP_DIGEST_SHA256) ||
		    (sp_str_present(c.userhash) && sp_str_caseeq_c(c.userhash, "true"))) {
			bad_alg = true;
			continue;
		}
		if (!found || (alg == SP_DIGEST_SHA256 && best_alg != SP_DIGEST_SHA256)) {
			best = c;
			best_alg = alg;
			found = true;
		}
	}
	if (!found)
		return end(chk, SP_AUTH_CHALLENGE,
			   bad_alg ? SP_AUTH_WHY_BAD_ALGORITHM : SP_AUTH_WHY_NO_CREDENTIALS);

	chk->cred = best;
	chk->alg = best_alg;
	a = &chk->cred;
	/* RFC 7616 §3.4: username, realm, nonce, uri and response are
	 * required; a missing one is a malformed request (RFC 2617 §3.2.2:
	 * "the proper response is 400 Bad Request"). */
	if (!sp_str_present(a->username) || !sp_str_present(a->nonce) || !sp_str_present(a->uri) ||
	    !sp_str_present(a->response) || a->response.len != sp_digest_hex_len(best_alg))
		return end(chk, SP_AUTH_BAD_REQUEST, SP_AUTH_WHY_MALFORMED);
	/* We challenge with qop="auth" only; credentials in the RFC 2069 form
	 * (no qop) or with auth-int do not answer it: challenge again. */
	if (!sp_str_present(a->qop) || !sp_str_caseeq_c(a->qop, "auth"))
		return end(chk, SP_AUTH_CHALLENGE, SP_AUTH_WHY_NO_QOP);
	/* RFC 7616 §3.4: with qop, cnonce and nc MUST be sent. */
	if (!sp_str_present(a->nc) || a->nc.len != 8 || !sp_str_present(a->cnonce))
		return end(chk, SP_AUTH_BAD_REQUEST, SP_AUTH_WHY_MALFORMED);
	chk->nc = hex32(a->nc);

	if (!unq_into(a->username, chk->user_buf, sizeof(chk->user_buf), &chk->username) ||
	    chk->username.len == 0 ||
	    !unq_into(a->uri, chk->uri_buf, sizeof(chk->uri_buf), &chk->uri) ||
	    !unq_into(a->cnonce, chk->cnonce_buf, sizeof(chk->cnonce_buf), &chk->cnonce))
		return end(chk, SP_AUTH_BAD_REQUEST, SP_AUTH_WHY_MALFORMED);
	/* Proxy-Authorization is exempt: a proxy upstream of us may have
	 * retargeted the request after the UAC computed its credentials
	 * (RFC 3261 §16.5), and clients such as SIPp put the next hop in
	 * "uri". The digest still covers the "uri" sent, and nc forbids a
	 * replay, so a captured answer cannot be reused for another target. */
	if (!chk->proxy && !uri_matches(msg, chk->uri))
		return end(chk, SP_AUTH_BAD_REQUEST, SP_AUTH_WHY_URI_MISMATCH);

	/* Our nonces hold no character that needs quoting: compare as sent. */
	chk->nonce_state =
	    sp_auth_nonce_check(s->nonce_key, s->realm, a->nonce, now,
				(sp_msec)s->cfg.nonce_ttl_s * 1000, &chk->issued, &chk->nonce_id);
	if (chk->nonce_state == SP_AUTH_NONCE_INVALID)
		return end(chk, SP_AUTH_CHALLENGE, SP_AUTH_WHY_BAD_NONCE);
	/* A stale nonce is decided after the digest check: stale=true only
	 * for a right digest (RFC 7616 §3.3). */
	return end(chk, SP_AUTH_LOOKUP, SP_AUTH_WHY_NONE);
}

/* The dummy H(A1) for user under alg: a keyed hash, so it is the same
 * for every request (no timing difference between attempts) and nobody
 * can know a password that matches it. */
static void dummy_ha1(const struct sp_auth_server *s, enum sp_digest_alg alg, struct sp_str user,
		      struct sp_digest_hex *out)
{
	struct sp_hmac_sha256 c;
	uint8_t m[SP_SHA256_LEN], tag = (uint8_t)alg;

	sp_hmac_sha256_init(&c, s->dummy_key, sizeof(s->dummy_key));
	sp_hmac_sha256_update(&c, &tag, 1);
	sp_hmac_sha256_update(&c, user.p, user.len);
	sp_hmac_sha256_final(&c, m);
	out->len = sp_digest_hex_len(alg);
	sp_hex_lower(out->hex, m, out->len / 2);
}

enum sp_auth_verdict sp_auth_check_finish(struct sp_auth_server *s, struct sp_auth_check *chk,
					  const struct sp_msg *msg,
					  const struct sp_auth_creds *creds,
					  const struct sp_sa *src, sp_msec now)
{
	struct sp_digest_hex dummy, want;
	const struct sp_digest_hex *ha1 = &dummy, *stored = NULL;
	struct sp_digest_input in;
	bool ok;

	if (chk->verdict != SP_AUTH_LOOKUP)
		return chk->verdict;
	if (src && sp_auth_ban_check(s->ban, src, now))
		return end(chk, SP_AUTH_FORBIDDEN, SP_AUTH_WHY_BANNED);

	/* Always computed, so known and unknown users cost the same. */
	dummy_ha1(s, chk->alg, chk->username, &dummy);
	if (creds)
		stored = chk->alg == SP_DIGEST_SHA256 ? &creds->ha1_sha256 : &creds->ha1_md5;
	if (stored && stored->len == dummy.len)
		ha1 = stored;

	/* RFC 7616 §3.4.1: request-digest with qop=auth; RFC 3261 §22.4:
	 * the method is the request's. */
	in = (struct sp_digest_input){
	    .alg = chk->alg,
	    .nonce = chk->cred.nonce,
	    .nc = chk->cred.nc,
	    .cnonce = chk->cnonce,
	    .qop = chk->cred.qop,
	    .method = msg->method,
	    .uri = chk->uri,
	};
	ok =
	    sp_digest_response(&in, ha1, &want) == 0 && sp_digest_hex_eq(&want, chk->cred.response);
	ok = ok && ha1 != &dummy;
	if (!ok) {
		/* Wrong password and unknown user alike: a failure. */
		if (src && sp_auth_ban_fail(s->ban, src, now))
			return end(chk, SP_AUTH_FORBIDDEN, SP_AUTH_WHY_BAN_STARTED);
		return end(chk, SP_AUTH_CHALLENGE, SP_AUTH_WHY_FAILED);
	}
	/* RFC 7616 §3.3: right digest, old nonce: stale=true, the client
	 * retries with the new nonce without asking the user. */
	if (chk->nonce_state == SP_AUTH_NONCE_STALE) {
		chk->stale = true;
		return end(chk, SP_AUTH_CHALLENGE, SP_AUTH_WHY_STALE);
	}
	/* RFC 7616 §5.4 (replay): each nc once per nonce. A replay is
	 * answered with a fresh nonce; it is not a password failure. */
	if (sp_auth_nc_use(s->nc, chk->nonce_id, chk->issued, chk->nc, now) != SP_AUTH_NC_OK) {
		chk->stale = true;
		return end(chk, SP_AUTH_CHALLENGE, SP_AUTH_WHY_REPLAY);
	}
	return end(chk, SP_AUTH_OK, SP_AUTH_WHY_NONE);
}

/* Appends s to b[*n] (the caller sized b for the worst case). */
static void put(char *b, size_t *n, struct sp_str s)
{
	memcpy(b + *n, s.p, s.len);
	*n += s.len;
}

static size_t print_one(const struct sp_auth_server *s, bool stale, const char *alg,
			const char nonce[SP_AUTH_NONCE_LEN], char *b)
{
	size_t n = 0, i;

	put(b, &n, SP_STR("Digest realm=\""));
	/* quoted-string (RFC 3261 §25.1): escape '"' and '\'. */
	for (i = 0; i < s->realm.len; i++) {
		if (s->realm.p[i] == '"' || s->realm.p[i] == '\\')
			b[n++] = '\\';
		b[n++] = s->realm.p[i];
	}
	put(b, &n, SP_STR("\", nonce=\""));
	put(b, &n, (struct sp_str){nonce, SP_AUTH_NONCE_LEN});
	put(b, &n, SP_STR("\", algorithm="));
	put(b, &n, sp_str_c(alg));
	put(b, &n, SP_STR(", qop=\"auth\""));
	if (stale)
		put(b, &n, SP_STR(", stale=true")); /* RFC 7616 §3.3 */
	return n;
}

void sp_auth_challenge(struct sp_auth_server *s, const struct sp_auth_check *chk, sp_msec now,
		       struct sp_auth_challenge *out)
{
	char nonce[SP_AUTH_NONCE_LEN];

	sp_auth_nonce_make(s->nonce_key, s->realm, now, s->seq++, nonce);
	out->name = chk->proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
	out->id = chk->proxy ? SP_HDR_PROXY_AUTHENTICATE : SP_HDR_WWW_AUTHENTICATE;
	out->n = 2;
	/* RFC 8760 §2.4: challenges in order of preference, strongest first;
	 * MD5 last for clients that know nothing else (RFC 8760 §3). */
	out->value[0].len = print_one(s, chk->stale, "SHA-256", nonce, out->value[0].buf);
	out->value[1].len = print_one(s, chk->stale, "MD5", nonce, out->value[1].buf);
}

bool sp_auth_required(const struct sp_msg *msg, sp_auth_local_cb is_local, void *arg)
{
	if (!msg->request)
		return false;
	if (msg->method_id == SP_METHOD_REGISTER)
		return true;
	/* RFC 3261 §22.1: ACK and CANCEL cannot be challenged. */
	if (msg->method_id == SP_METHOD_ACK || msg->method_id == SP_METHOD_CANCEL)
		return false;
	/* In-dialog requests were authorised when the dialog was made. */
	if (msg->has_to && sp_str_present(msg->to.tag))
		return false;
	return msg->has_from && is_local && is_local(arg, msg->from.uri.hp.host);
}
