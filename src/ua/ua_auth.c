/*
 * The digest client of the UA (RFC 3261 §22.2-§22.4, RFC 7616, RFC 8760):
 * takes a 401/407 challenge and writes the Authorization or
 * Proxy-Authorization header of the retried request. MD5 and SHA-256 (and
 * SHA-512/256 and the -sess variants, which digest.c computes alike);
 * qop=auth with a fresh cnonce and an incrementing nonce-count, or the RFC
 * 2069 form when the challenge offers no qop. The state lives in the
 * request's owner (the registration, a call) so a refresh can send
 * credentials at once with the next nc.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/digest.h"
#include "siphon/hdr.h"

#include "ua_int.h"

static void set(char *dst, size_t cap, struct sp_str v)
{
	char tmp[512];
	if (!v.p || v.len >= sizeof(tmp) || v.len >= cap) {
		dst[0] = 0;
		return;
	}
	v = sp_digest_unq(v, tmp);
	memcpy(dst, v.p, v.len);
	dst[v.len] = 0;
}

/* qop-options (RFC 7616 §3.3): a quoted comma list of tokens. */
static bool offers_auth(struct sp_str qop)
{
	size_t i = 0;
	while (i < qop.len) {
		size_t j = i;
		while (j < qop.len && qop.p[j] != ',')
			j++;
		struct sp_str t = sp_str_trim((struct sp_str){ qop.p + i, j - i });
		if (sp_str_caseeq_c(t, "auth"))
			return true;
		i = j + 1;
	}
	return false;
}

int sp__ua_auth_take(struct sp__ua_auth *a, const struct sp_msg *resp)
{
	bool proxy = resp->status == 407;
	enum sp_hdr_id id = proxy ? SP_HDR_PROXY_AUTHENTICATE : SP_HDR_WWW_AUTHENTICATE;
	struct sp_parse_error err;

	if (resp->status != 401 && resp->status != 407)
		return -ENOTSUP;
	/* RFC 8760 §2.4: the topmost challenge whose algorithm we support. */
	for (const struct sp_hdr *h = sp_msg_hdr(resp, id); h; h = sp_msg_hdr_next(resp, h)) {
		struct sp_auth au;
		enum sp_digest_alg alg;
		char nonce[sizeof(a->nonce)];

		if (sp_auth_parse(&au, h->value, 0, &err) != 0 || !au.digest || !au.realm.p ||
		    !au.nonce.p)
			continue;
		if (sp_digest_alg_lookup(au.algorithm, &alg) != 0)
			continue; /* RFC 7616 §3.3: ignore unknown algorithms */
		if (au.qop.p && !offers_auth(au.qop))
			continue; /* only auth-int offered: not implemented */
		set(nonce, sizeof(nonce), au.nonce);
		if (!nonce[0])
			continue;
		bool stale = au.stale.p && sp_str_caseeq_c(au.stale, "true");
		/* RFC 3261 §22.2: a second challenge for the nonce we
		 * answered means the credentials are wrong, unless the nonce
		 * was only stale (RFC 7616 §3.3). */
		if (a->have && a->proxy == proxy && !strcmp(nonce, a->nonce) && !stale)
			return -EACCES;
		if (++a->tries > 4)
			return -EACCES;
		if (strcmp(nonce, a->nonce) != 0)
			a->nc = 0;
		a->have = true;
		a->proxy = proxy;
		a->alg = alg;
		a->alg_given = au.algorithm.p != NULL;
		a->qop_auth = au.qop.p != NULL;
		memcpy(a->nonce, nonce, sizeof(nonce));
		set(a->realm, sizeof(a->realm), au.realm);
		set(a->opaque, sizeof(a->opaque), au.opaque);
		if (au.opaque.p && !a->opaque[0] && au.opaque.len)
			return -ENOTSUP;
		return 0;
	}
	return -ENOTSUP;
}

/* A quoted-string with '"' and '\' escaped (RFC 3261 §25.1). */
static void quoted(struct sp_wbuf *b, const char *name, struct sp_str v)
{
	sp_wbuf_printf(b, "%s=\"", name);
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] == '"' || v.p[i] == '\\')
			sp_wbuf_put(b, "\\", 1);
		sp_wbuf_put(b, &v.p[i], 1);
	}
	sp_wbuf_put(b, "\"", 1);
}

int sp__ua_auth_write(struct sp__ua_auth *a, struct sp_wbuf *b, struct sp_str method,
		      struct sp_str uri, struct sp_str user, struct sp_str password,
		      const char *cnonce_fixed)
{
	struct sp_digest_hex ha1, resp;
	char nc[9];
	int rc;

	if (!a->have)
		return 0;
	rc = sp_digest_ha1(a->alg, user, sp_str_c(a->realm), password, &ha1);
	if (rc)
		return rc;
	struct sp_digest_input in = {
		.alg = a->alg,
		.nonce = sp_str_c(a->nonce),
		.method = method,
		.uri = uri,
	};
	if (a->qop_auth) {
		/* RFC 7616 §3.4: nc counts the requests sent under this
		 * nonce; a fresh cnonce each time. */
		a->nc++;
		snprintf(nc, sizeof(nc), "%08x", a->nc);
		if (cnonce_fixed)
			snprintf(a->cnonce, sizeof(a->cnonce), "%s", cnonce_fixed);
		else
			sp__ua_token(a->cnonce, 16);
		in.nc = sp_str_c(nc);
		in.cnonce = sp_str_c(a->cnonce);
		in.qop = SP_STR("auth");
	}
	rc = sp_digest_response(&in, &ha1, &resp);
	explicit_bzero(&ha1, sizeof(ha1));
	if (rc)
		return rc;
	sp_wbuf_printf(b, "%s: Digest ", a->proxy ? "Proxy-Authorization" : "Authorization");
	quoted(b, "username", user);
	sp_wbuf_cstr(b, ", ");
	quoted(b, "realm", sp_str_c(a->realm));
	sp_wbuf_cstr(b, ", ");
	quoted(b, "nonce", sp_str_c(a->nonce));
	sp_wbuf_cstr(b, ", ");
	quoted(b, "uri", uri);
	sp_wbuf_cstr(b, ", ");
	quoted(b, "response", sp_digest_hex_str(&resp));
	if (a->alg_given || a->alg != SP_DIGEST_MD5)
		sp_wbuf_printf(b, ", algorithm=%s", sp_digest_alg_name(a->alg));
	if (a->qop_auth) {
		sp_wbuf_cstr(b, ", ");
		quoted(b, "cnonce", sp_str_c(a->cnonce));
		sp_wbuf_printf(b, ", nc=%s, qop=auth", nc);
	}
	if (a->opaque[0]) {
		sp_wbuf_cstr(b, ", ");
		quoted(b, "opaque", sp_str_c(a->opaque));
	}
	sp_wbuf_cstr(b, "\r\n");
	return b->overflow ? -ENOSPC : 0;
}
