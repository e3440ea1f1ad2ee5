/*
 * libFuzzer target for credentials/challenge parsing (sp_auth_parse,
 * hdr.h) and the digest arithmetic fed from it (digest.h). The input is one
 * header value, parsed as a challenge/credentials and as
 * Authentication-Info (SP_AUTH_NO_SCHEME), each with and without
 * SP_AUTH_STRICT. Besides "no crash, no sanitizer report", every run
 * checks the contracts:
 *  - the return is 0 or -EBADMSG; on failure err.at lies inside the input
 *    or one past its end, err.rule is set and *auth is untouched; on
 *    success every slice lies inside the input;
 *  - what SP_AUTH_STRICT accepts, the default accepts, with the same result;
 *  - accepted Digest values obey their rules (nc 8LHEX, response and
 *    rspauth LHEX);
 *  - the params of an accepted Digest value parse alone as
 *    Authentication-Info does, to the same fields;
 *  - unq() never grows a value, and the digest of parsed fields computes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/digest.h"
#include "siphon/hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void inside(struct sp_str in, struct sp_str s)
{
	if (!s.p)
		return;
	check(s.p >= in.p && s.len <= in.len && (size_t)(s.p - in.p) <= in.len - s.len);
}

#define FIELDS(a)                                                                          \
	{ (a)->username, (a)->realm, (a)->nonce, (a)->uri, (a)->response, (a)->algorithm,  \
	  (a)->cnonce, (a)->opaque, (a)->qop, (a)->nc, (a)->stale, (a)->domain,             \
	  (a)->nextnonce, (a)->rspauth, (a)->userhash, (a)->charset }
#define NFIELDS 16

static bool lhex(struct sp_str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') || (s.p[i] >= 'a' && s.p[i] <= 'f')))
			return false;
	return true;
}

static bool same_fields(const struct sp_auth *x, const struct sp_auth *y)
{
	struct sp_str fx[NFIELDS] = FIELDS(x), fy[NFIELDS] = FIELDS(y);
	for (int i = 0; i < NFIELDS; i++)
		if (fx[i].p != fy[i].p || fx[i].len != fy[i].len)
			return false;
	return true;
}

/* Runs the digest code over the parsed fields, as a registrar would. */
static void digest(const struct sp_auth *a)
{
	enum sp_digest_alg alg;
	struct sp_digest_hex ha1, out;
	if (sp_digest_alg_lookup(a->algorithm, &alg) != 0)
		return;
	char *ubuf = malloc(a->username.len + 1), *nbuf = malloc(a->nonce.len + 1);
	char *cbuf = malloc(a->cnonce.len + 1);
	check(ubuf && nbuf && cbuf);
	struct sp_str user = sp_digest_unq(a->username, ubuf);
	check(user.len <= a->username.len);
	check(sp_digest_ha1(alg, user, a->realm, SP_STR("pw"), &ha1) == 0);
	check(ha1.len == sp_digest_hex_len(alg));
	struct sp_digest_input in = {
		.alg = alg,
		.nonce = sp_digest_unq(a->nonce, nbuf),
		.nc = a->nc,
		.cnonce = sp_digest_unq(a->cnonce, cbuf),
		.qop = a->qop,
		.method = SP_STR("REGISTER"),
		.uri = a->uri,
	};
	int rc = sp_digest_response(&in, &ha1, &out);
	check(rc == 0 || rc == -EINVAL || rc == -ENOTSUP);
	if (rc == 0) {
		check(out.len == ha1.len);
		(void)sp_digest_hex_eq(&out, a->response);
		check(sp_digest_rspauth(&in, &ha1, &out) == 0);
	}
	if (a->username.p) {
		check(sp_digest_userhash(alg, user, a->realm, &out) == 0);
	}
	free(ubuf);
	free(nbuf);
	free(cbuf);
}

static void one(struct sp_str in, unsigned flags)
{
	struct sp_auth a, s, untouched;
	struct sp_parse_error err = { 0 };
	memset(&untouched, 0x3c, sizeof(untouched));
	memcpy(&a, &untouched, sizeof(a));
	int rc = sp_auth_parse(&a, in, flags, &err);
	if (rc != 0) {
		check(rc == -EBADMSG);
		check(err.rule != NULL);
		check(err.at >= in.p && err.at <= in.p + in.len);
		check(memcmp(&a, &untouched, sizeof(a)) == 0);
		/* strict accepts no more than the default */
		check(sp_auth_parse(&s, in, flags | SP_AUTH_STRICT, NULL) == -EBADMSG);
		return;
	}
	inside(in, a.scheme);
	inside(in, a.params);
	struct sp_str f[NFIELDS] = FIELDS(&a);
	for (int i = 0; i < NFIELDS; i++)
		inside(in, f[i]);
	if (flags & SP_AUTH_NO_SCHEME)
		check(!a.scheme.p && !a.digest);
	else
		check(a.scheme.len > 0);
	if (a.nc.p)
		check(a.nc.len == 8 && lhex(a.nc));
	if (a.response.p)
		check(lhex(a.response));
	if (a.rspauth.p)
		check(lhex(a.rspauth));
	if (!a.digest && !(flags & SP_AUTH_NO_SCHEME))
		for (int i = 0; i < NFIELDS; i++)
			check(f[i].p == NULL);

	if (sp_auth_parse(&s, in, flags | SP_AUTH_STRICT, NULL) == 0)
		check(same_fields(&s, &a) && s.digest == a.digest && s.scheme.p == a.scheme.p &&
		      s.scheme.len == a.scheme.len && s.params.p == a.params.p &&
		      s.params.len == a.params.len);

	if (a.digest) {
		struct sp_auth b;
		check(sp_auth_parse(&b, a.params, SP_AUTH_NO_SCHEME, NULL) == 0);
		check(same_fields(&a, &b));
	}
	if (a.digest || (flags & SP_AUTH_NO_SCHEME))
		digest(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so reads past the end are caught. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	struct sp_str in = { buf, size };
	one(in, 0);
	one(in, SP_AUTH_NO_SCHEME);
	free(buf);
	return 0;
}
