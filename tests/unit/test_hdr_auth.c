/*
 * sp_auth_parse (src/sip/hdr_auth.c): Authorization, Proxy-Authorization,
 * WWW-Authenticate, Proxy-Authenticate and Authentication-Info values.
 * Real headers come from the example messages in tests/vectors (RFC 3665,
 * RFC 4475 regaut01), cut out of the message bytes with their folding
 * intact; then the accept and reject rules one by one.
 *
 * Decisions under test:
 *  - a missing COMMA after a quoted-string is accepted by default and
 *    rejected with SP_AUTH_STRICT (RFC 3665 §2.1 F3 as published);
 *  - response / rspauth are *LHEX of any length (RFC 8760 §2.7), so the
 *    23- to 31-digit responses of RFC 3665 parse; SP_AUTH_STRICT demands
 *    0 or the algorithm's length;
 *  - a repeated Digest parameter is an error (RFC 7235 §2.1).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/hdr.h"

#include "test_util.h"

#ifndef SIPHON_VECTORS
#error "SIPHON_VECTORS must name tests/vectors"
#endif

static struct sp_str S(const char *c)
{
	return sp_str_c(c);
}

/* ---- message files ----------------------------------------------------- */

struct file {
	char *buf;
	size_t len;
};

/* SIPHON_VECTORS/rel, whole, in an exact-size buffer. */
static void file_load(struct file *f, const char *rel)
{
	f->buf = tu_load(rel, &f->len);
	if (!f->buf)
		fail_msg("cannot read %s", rel);
}

/* Iterates the header fields of a message: *pos starts at 0. Sets *name
 * and *value (raw: from after the colon up to the CRLF that ends the field,
 * folding kept) and returns true, or false at the end of the header. */
static bool next_header(const struct file *f, size_t *pos, struct sp_str *name,
			struct sp_str *value)
{
	const char *p = f->buf + *pos, *end = f->buf + f->len;
	if (*pos == 0) { /* skip the start line */
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		p = nl + 1;
	}
	if (p >= end || *p == '\r' || *p == '\n')
		return false;
	const char *colon = memchr(p, ':', (size_t)(end - p));
	assert_non_null(colon);
	const char *n_end = colon;
	while (n_end > p && (n_end[-1] == ' ' || n_end[-1] == '\t'))
		n_end--;
	*name = sp_str_span(p, n_end);
	const char *v = colon + 1, *q = v;
	for (;;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		assert_non_null(nl);
		if (nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t')) {
			q = nl + 1; /* folded */
			continue;
		}
		const char *ve = nl > v && nl[-1] == '\r' ? nl - 1 : nl;
		*value = sp_str_span(v, ve);
		*pos = (size_t)(nl + 1 - f->buf);
		return true;
	}
}

/* The first value of header `want` in file `path` (loaded into *f). */
static struct sp_str header_of(struct file *f, const char *path, const char *want)
{
	struct sp_str name, value;
	size_t pos = 0;
	file_load(f, path);
	while (next_header(f, &pos, &name, &value))
		if (sp_str_caseeq_c(name, want))
			return value;
	fail_msg("%s: no %s", path, want);
	return SP_STR_NULL;
}

/* Parses and fails the test with the error position on failure. */
static void parse_ok(struct sp_auth *a, struct sp_str v, unsigned flags)
{
	struct sp_parse_error err = { 0 };
	tu_parse_ok(sp_auth_parse(a, v, flags, &err), v, &err);
}

/* ---- the example messages ---------------------------------------------- */

static void check_challenge(const char *file, const char *hdr, const char *nonce)
{
	struct file f;
	struct sp_auth a;
	struct sp_str v = header_of(&f, file, hdr);
	assert_non_null(memchr(v.p, '\n', v.len)); /* it is folded */
	parse_ok(&a, v, 0);
	S_IS(a.scheme, "Digest");
	assert_true(a.digest);
	S_IS(a.realm, "atlanta.example.com");
	S_IS(a.qop, "auth");
	S_IS(a.nonce, nonce);
	S_IS(a.opaque, ""); /* present and empty */
	S_IS(a.stale, "FALSE");
	S_IS(a.algorithm, "MD5");
	S_IS(a.username, NULL);
	S_IS(a.response, NULL);
	S_IS(a.domain, NULL);
	/* params: everything after the scheme, trimmed */
	assert_true(a.params.p == a.realm.p - strlen("realm=\""));
	assert_true(a.params.p + a.params.len == a.algorithm.p + a.algorithm.len);
	parse_ok(&a, v, SP_AUTH_STRICT);
	free(f.buf);
}

static void test_www_authenticate_401(void **state)
{
	(void)state;
	check_challenge("examples/401-www-authenticate.sip", "WWW-Authenticate",
			"ea9c8e88df84f1cec4341ae6cbe5a359");
}

static void test_proxy_authenticate_407(void **state)
{
	(void)state;
	check_challenge("examples/407-proxy-authenticate.sip",
			"Proxy-Authenticate", "f84f1cec41e6cbe5aea9c8e88d359");
}

static void test_register_authorization(void **state)
{
	(void)state;
	struct file f;
	struct sp_auth a;
	struct sp_str v =
		header_of(&f, "examples/register-authorization.sip", "Authorization");
	parse_ok(&a, v, SP_AUTH_STRICT);
	assert_true(a.digest);
	S_IS(a.username, "bob");
	S_IS(a.realm, "atlanta.example.com");
	S_IS(a.qop, "auth"); /* quoted in credentials, as published */
	S_IS(a.nonce, "1cec4341ae6cbe5a359ea9c8e88df84f");
	S_IS(a.opaque, "");
	S_IS(a.uri, "sips:ss2.biloxi.example.com");
	S_IS(a.response, "71ba27c64bd01de719686aa4590d5824");
	S_IS(a.nc, NULL);
	S_IS(a.cnonce, NULL);
	S_IS(a.algorithm, NULL);
	free(f.buf);
}

/* RFC 3665 §2.1 F3 as published: no comma between realm="..." and nonce=,
 * and a 31-digit response. Accepted by default (the quoted-string ends
 * the value unambiguously; the digest check then fails), rejected at the
 * 'n' of nonce with SP_AUTH_STRICT. */
static void test_register_authorization_as_published(void **state)
{
	(void)state;
	struct file f;
	struct sp_auth a;
	struct sp_parse_error err = { 0 };
	struct sp_str v = header_of(
		&f, "examples/register-authorization-2.1-F3-as-published.sip",
		"Authorization");

	parse_ok(&a, v, 0);
	S_IS(a.username, "bob");
	S_IS(a.realm, "atlanta.example.com");
	S_IS(a.nonce, "ea9c8e88df84f1cec4341ae6cbe5a359");
	S_IS(a.opaque, "");
	S_IS(a.uri, "sips:ss2.biloxi.example.com");
	S_IS(a.response, "dfe56131d1958046689d83306477ecc");
	assert_int_equal(a.response.len, 31);

	struct sp_auth untouched;
	memset(&untouched, 0xa5, sizeof(untouched));
	struct sp_auth b;
	memcpy(&b, &untouched, sizeof(b));
	assert_int_equal(sp_auth_parse(&b, v, SP_AUTH_STRICT, &err), -EBADMSG);
	assert_memory_equal(&b, &untouched, sizeof(b));
	assert_string_equal(err.rule, "COMMA");
	assert_ptr_equal(err.at, a.nonce.p - strlen("nonce=\""));
	free(f.buf);
}

static void test_invite_proxy_authorization(void **state)
{
	(void)state;
	struct file f;
	struct sp_auth a;
	struct sp_parse_error err = { 0 };
	struct sp_str v = header_of(&f, "examples/invite-proxy-authorization.sip",
				    "Proxy-Authorization");
	parse_ok(&a, v, 0);
	S_IS(a.username, "alice");
	S_IS(a.uri, "sip:bob@biloxi.example.com");
	S_IS(a.response, "42ce3cef44b22f50c6a6071bc8"); /* 26 digits as published */
	/* strict: MD5 (default) responses have 32 digits (RFC 8760 §2.7) */
	assert_int_equal(sp_auth_parse(&a, v, SP_AUTH_STRICT, &err), -EBADMSG);
	assert_string_equal(err.rule, "request-digest length");
	free(f.buf);
}

/* RFC 4475 §3.3.7 regaut01: an unknown scheme is well-formed and kept. */
static void test_rfc4475_regaut01(void **state)
{
	(void)state;
	struct file f;
	struct sp_auth a;
	struct sp_str v = header_of(&f, "rfc4475/regaut01.dat", "Authorization");
	parse_ok(&a, v, 0);
	S_IS(a.scheme, "NoOneKnowsThisScheme");
	assert_false(a.digest);
	S_IS(a.params, "opaque-data=here");
	S_IS(a.opaque, NULL); /* Digest fields stay absent */
	S_IS(a.username, NULL);
	parse_ok(&a, v, SP_AUTH_STRICT);
	free(f.buf);
}

/* Every credentials/challenge header of the 181 RFC 3665 messages parses.
 * With SP_AUTH_STRICT exactly those fail that have the F3 missing comma
 * or a response whose length is not 32 (the MD5 default). */
static void test_rfc3665_sweep(void **state)
{
	(void)state;
	DIR *d = opendir(SIPHON_VECTORS "/rfc3665");
	assert_non_null(d);
	struct dirent *de;
	unsigned files = 0, headers = 0, strict_fail = 0, short_resp = 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".sip") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "rfc3665/%s", de->d_name);
		struct file f;
		file_load(&f, path);
		files++;
		struct sp_str name, value;
		size_t pos = 0;
		bool f3 = strcmp(de->d_name, "rfc3665-2.1-F3-register.sip") == 0;
		while (next_header(&f, &pos, &name, &value)) {
			if (!sp_str_caseeq_c(name, "Authorization") &&
			    !sp_str_caseeq_c(name, "Proxy-Authorization") &&
			    !sp_str_caseeq_c(name, "WWW-Authenticate") &&
			    !sp_str_caseeq_c(name, "Proxy-Authenticate"))
				continue;
			struct sp_auth a;
			struct sp_parse_error err = { 0 };
			headers++;
			parse_ok(&a, value, 0);
			assert_true(a.digest);
			assert_non_null(a.realm.p);
			assert_non_null(a.nonce.p);
			bool bad_len = a.response.p && a.response.len != 32;
			short_resp += bad_len;
			int rc = sp_auth_parse(&a, value, SP_AUTH_STRICT, &err);
			if (f3 || bad_len) {
				assert_int_equal(rc, -EBADMSG);
				strict_fail++;
			} else {
				assert_int_equal(rc, 0);
			}
		}
		free(f.buf);
	}
	closedir(d);
	assert_int_equal(files, 181);
	assert_int_equal(headers, 33);
	assert_int_equal(short_resp, 10); /* F3 (31), 5 x 26 digits, 4 x 23 */
	assert_int_equal(strict_fail, 10);
}

/* ---- accept rules ------------------------------------------------------- */

static void test_folding_and_case(void **state)
{
	(void)state;
	struct sp_auth a;
	parse_ok(&a, S(" dIgEsT\r\n REALM = \"a\" ,\r\n\tNonce=\"b\"\t, Qop=auth-int "), 0);
	assert_true(a.digest);
	S_IS(a.scheme, "dIgEsT");
	S_IS(a.realm, "a");
	S_IS(a.nonce, "b");
	S_IS(a.qop, "auth-int");
	S_IS(a.params, "REALM = \"a\" ,\r\n\tNonce=\"b\"\t, Qop=auth-int");

	/* folding with a bare LF (the framer's tolerance) */
	parse_ok(&a, S("Digest\n realm=\"x\""), 0);
	S_IS(a.realm, "x");
}

static void test_qop_forms(void **state)
{
	(void)state;
	struct sp_auth a;
	parse_ok(&a, S("Digest qop=\"auth,auth-int\""), 0); /* RFC 2617 §3.5 */
	S_IS(a.qop, "auth,auth-int");
	parse_ok(&a, S("Digest qop=\"auth, auth-int\""), 0); /* RFC 7616 §3.9.1 */
	S_IS(a.qop, "auth, auth-int");
	parse_ok(&a, S("Digest qop=auth"), 0);
	S_IS(a.qop, "auth");
	parse_ok(&a, S("Digest qop=\"token-ext\""), 0); /* unknown options are ignored later */
	S_IS(a.qop, "token-ext");
}

/* RFC 7616 §3.9.2: SHA-512-256 with userhash and charset. */
static void test_rfc7616_userhash(void **state)
{
	(void)state;
	struct sp_auth a;
	parse_ok(&a,
		 S("Digest\r\n    realm=\"api@example.org\",\r\n    qop=\"auth\",\r\n"
		   "    algorithm=SHA-512-256,\r\n"
		   "    nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\",\r\n"
		   "    opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\",\r\n"
		   "    charset=UTF-8,\r\n    userhash=true"),
		 SP_AUTH_STRICT);
	S_IS(a.algorithm, "SHA-512-256");
	S_IS(a.charset, "UTF-8");
	S_IS(a.userhash, "true");

	parse_ok(&a,
		 S("Digest username=\"488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec\","
		   " realm=\"api@example.org\", uri=\"/doe.json\", algorithm=SHA-512-256,"
		   " nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", nc=00000001,"
		   " cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\", qop=auth,"
		   " response=\"ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd\","
		   " opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", userhash=true"),
		 SP_AUTH_STRICT);
	S_IS(a.nc, "00000001");
	S_IS(a.cnonce, "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v");
	assert_int_equal(a.response.len, 64);

	/* username* alone (RFC 5987 form) is fine and not a Digest field */
	parse_ok(&a,
		 S("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"api@example.org\","
		   " userhash=false"),
		 0);
	S_IS(a.username, NULL);
}

static void test_authentication_info(void **state)
{
	(void)state;
	struct sp_auth a;
	/* RFC 3261 §20.6 */
	parse_ok(&a, S("nextnonce=\"47364c23432d2e131a5fb210812c\""), SP_AUTH_NO_SCHEME);
	S_IS(a.scheme, NULL);
	assert_false(a.digest);
	S_IS(a.nextnonce, "47364c23432d2e131a5fb210812c");
	S_IS(a.params, "nextnonce=\"47364c23432d2e131a5fb210812c\"");

	parse_ok(&a,
		 S("qop=auth, rspauth=\"6629fae49393a05397450978507c4ef1\",\r\n"
		   " cnonce=\"0a4f113b\", nc=00000001"),
		 SP_AUTH_NO_SCHEME);
	S_IS(a.qop, "auth");
	S_IS(a.rspauth, "6629fae49393a05397450978507c4ef1");
	S_IS(a.cnonce, "0a4f113b");
	S_IS(a.nc, "00000001");
	/* response-digest = LDQUOT *LHEX RDQUOT: empty is allowed */
	parse_ok(&a, S("rspauth=\"\""), SP_AUTH_NO_SCHEME);
	S_IS(a.rspauth, "");
}

static void test_response_lengths(void **state)
{
	(void)state;
	struct sp_auth a;
	struct sp_parse_error err;
	/* RFC 8760 §2.7: empty before a challenge */
	parse_ok(&a, S("Digest username=\"bob\", realm=\"r\", nonce=\"\", uri=\"sip:r\", "
		       "response=\"\""),
		 SP_AUTH_STRICT);
	S_IS(a.response, "");
	/* 64 digits are right for SHA-256, wrong for MD5 in strict mode */
	const char *r64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char v[200];
	snprintf(v, sizeof(v), "Digest algorithm=SHA-256, response=\"%s\"", r64);
	parse_ok(&a, S(v), SP_AUTH_STRICT);
	snprintf(v, sizeof(v), "Digest algorithm=SHA-256-sess, response=%s", r64);
	parse_ok(&a, S(v), SP_AUTH_STRICT);
	snprintf(v, sizeof(v), "Digest response=\"%s\", algorithm=MD5", r64);
	parse_ok(&a, S(v), 0);
	assert_int_equal(sp_auth_parse(&a, S(v), SP_AUTH_STRICT, &err), -EBADMSG);
	assert_ptr_equal(err.at, strstr(v, r64));
	/* unknown algorithm: at least 32 digits */
	snprintf(v, sizeof(v), "Digest algorithm=SHA3-999, response=\"%.40s\"", r64);
	parse_ok(&a, S(v), SP_AUTH_STRICT);
	snprintf(v, sizeof(v), "Digest algorithm=SHA3-999, response=\"%.31s\"", r64);
	assert_int_equal(sp_auth_parse(&a, S(v), SP_AUTH_STRICT, &err), -EBADMSG);
	/* one digit: lenient default accepts (verification will fail) */
	parse_ok(&a, S("Digest response=\"0\""), 0);
}

static void test_values_kept_as_written(void **state)
{
	(void)state;
	struct sp_auth a;
	/* escapes stay (unq() is the digest code's job), commas inside
	 * quotes are not separators, unknown params are ignored */
	parse_ok(&a,
		 S("Digest username=\"a\\\"b, c\", foo=bar, baz=\"q,r\", realm=\"\\\\\","
		   " stale=\"TRUE\", domain=\"sip:a.example.com sip:b.example.com\""),
		 SP_AUTH_STRICT);
	S_IS(a.username, "a\\\"b, c");
	S_IS(a.realm, "\\\\");
	S_IS(a.stale, "TRUE");
	S_IS(a.domain, "sip:a.example.com sip:b.example.com");
	/* a NUL byte escaped inside a quoted-string */
	static const char nul[] = "Digest realm=\"a\\\0b\"";
	parse_ok(&a, (struct sp_str){ nul, sizeof(nul) - 1 }, 0);
	assert_int_equal(a.realm.len, 4);
	/* other schemes: params raw, repeats allowed, Digest fields absent */
	parse_ok(&a, S("Foo realm=\"x\", realm=\"y\", nc=1"), SP_AUTH_STRICT);
	assert_false(a.digest);
	S_IS(a.realm, NULL);
	S_IS(a.nc, NULL);
	S_IS(a.params, "realm=\"x\", realm=\"y\", nc=1");
	/* value-less token chars in a value: token = 1*(alphanum / "-.!%*_+`'~") */
	parse_ok(&a, S("Digest opaque=a-b.c!d%e*f_g+h`i'j~k"), 0);
	S_IS(a.opaque, "a-b.c!d%e*f_g+h`i'j~k");
}

/* ---- reject rules ------------------------------------------------------- */

static const struct {
	const char *value;
	unsigned flags;
	const char *at; /* the text err.at points to (a suffix of value) */
	const char *rule;
} bad[] = {
	{ "", 0, "", "auth-scheme" },
	{ "   ", 0, "", "auth-scheme" },
	{ "Digest", 0, "", "auth-scheme LWS auth-param" },
	{ "Digest  ", 0, "  ", "auth-scheme LWS auth-param" },
	{ ",Digest realm=\"a\"", 0, ",Digest realm=\"a\"", "auth-scheme" },
	{ "Digest,realm=\"a\"", 0, ",realm=\"a\"", "auth-scheme LWS auth-param" },
	{ "Digest realm", 0, "", "auth-param EQUAL" },
	{ "Digest realm \"a\"", 0, "\"a\"", "auth-param EQUAL" },
	{ "Digest realm=", 0, "", "auth-param value" },
	{ "Digest realm=,nonce=\"a\"", 0, ",nonce=\"a\"", "auth-param value" },
	{ "Digest realm=\"abc", 0, "", "auth-param quoted-string" },
	{ "Digest realm=\"a\",", 0, "", "auth-param-name" },
	{ "Digest realm=\"a\",, nonce=\"b\"", 0, ", nonce=\"b\"", "auth-param-name" },
	{ "Digest =\"a\"", 0, "=\"a\"", "auth-param-name" },
	{ "Digest realm=a nonce=b", 0, "nonce=b", "COMMA" },
	{ "Digest realm=\"a\"nonce=\"b\"", 0, "nonce=\"b\"", "COMMA" },
	{ "Digest realm=\"a\" nonce=\"b\"", SP_AUTH_STRICT, "nonce=\"b\"", "COMMA" },
	{ "Digest realm=\"a\" ;nonce=\"b\"", 0, ";nonce=\"b\"", "auth-param-name" },
	{ "Digest realm=\"a\" garbage", 0, "", "auth-param EQUAL" },
	{ "Digest realm=\"a\"\r\nnonce=\"b\"", 0, "\r\nnonce=\"b\"", "COMMA" },
	{ "Digest realm=<sip:a>", 0, "<sip:a>", "auth-param value" },
	{ "Digest nc=0000001", 0, "0000001", "nc-value" },
	{ "Digest nc=000000001", 0, "000000001", "nc-value" },
	{ "Digest nc=0000000g", 0, "0000000g", "nc-value" },
	{ "Digest nc=0000000A", 0, "0000000A", "nc-value" },
	{ "Digest nc=\"\"", 0, "\"", "nc-value" },
	{ "Digest response=\"ABCDEF\"", 0, "ABCDEF\"", "request-digest" },
	{ "Digest response=\"12 34\"", 0, "12 34\"", "request-digest" },
	{ "Digest response=xyz", 0, "xyz", "request-digest" },
	{ "rspauth=\"0x12\"", SP_AUTH_NO_SCHEME, "0x12\"", "response-digest" },
	{ "Digest stale=maybe", 0, "maybe", "stale" },
	{ "Digest stale=\"\"", 0, "\"", "stale" },
	{ "Digest userhash=1", 0, "1", "userhash" },
	{ "Digest qop=\"\"", 0, "\"", "qop-value" },
	{ "Digest qop=\"auth,\"", 0, "\"", "qop-value" },
	{ "Digest qop=\"auth auth-int\"", 0, "auth-int\"", "qop-value" },
	{ "Digest qop=\",auth\"", 0, ",auth\"", "qop-value" },
	{ "Digest algorithm=\"MD 5\"", 0, "MD 5\"", "algorithm" },
	{ "Digest algorithm=\"\"", 0, "\"", "algorithm" },
	{ "Digest realm=\"a\", REALM=\"a\"", 0, "REALM=\"a\"", "auth-param (repeated)" },
	{ "Digest nc=00000001, nc=00000001", 0, "nc=00000001", "auth-param (repeated)" },
	{ "Digest username*=UTF-8''a, username*=UTF-8''b", 0, "username*=UTF-8''b",
	  "auth-param (repeated)" },
	{ "Digest username=\"a\", username*=UTF-8''b", 0, "a\", username*=UTF-8''b",
	  "username and username*" },
	{ "NoOneKnowsThisScheme opaque", 0, "", "auth-param EQUAL" },
	{ "NoOneKnowsThisScheme", 0, "", "auth-scheme LWS auth-param" },
	{ "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", 0, "=", "auth-param value" },
	{ "", SP_AUTH_NO_SCHEME, "", "auth-param-name" },
	{ "Digest realm=\"a\"", SP_AUTH_NO_SCHEME, "realm=\"a\"", "auth-param EQUAL" },
	{ "nextnonce=\"a\", nextnonce=\"b\"", SP_AUTH_NO_SCHEME, "nextnonce=\"b\"",
	  "auth-param (repeated)" },
	{ "nc=1", SP_AUTH_NO_SCHEME, "1", "nc-value" },
};

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sp_str v = S(bad[i].value);
		struct sp_auth a, untouched;
		memset(&untouched, 0x5a, sizeof(untouched));
		memcpy(&a, &untouched, sizeof(a));
		struct sp_parse_error err = { 0 };
		int rc = sp_auth_parse(&a, v, bad[i].flags, &err);
		if (rc != -EBADMSG)
			fail_msg("#%zu \"%s\": rc %d, want -EBADMSG", i, bad[i].value, rc);
		assert_memory_equal(&a, &untouched, sizeof(a));
		const char *want_at = v.p + v.len - strlen(bad[i].at);
		assert_true(strcmp(want_at, bad[i].at) == 0); /* the table is consistent */
		if (err.at != want_at || strcmp(err.rule, bad[i].rule) != 0)
			fail_msg("#%zu \"%s\": failed at +%td (%s), want +%td (%s)", i,
				 bad[i].value, err.at - v.p, err.rule, want_at - v.p, bad[i].rule);
	}
	/* a NULL slice and a NULL err are both fine */
	struct sp_auth a;
	assert_int_equal(sp_auth_parse(&a, SP_STR_NULL, 0, NULL), -EBADMSG);
	assert_int_equal(sp_auth_parse(&a, S("Digest nc=1"), 0, NULL), -EBADMSG);
	/* a raw NUL is not qdtext */
	static const char nul[] = "Digest realm=\"a\0b\"";
	assert_int_equal(sp_auth_parse(&a, (struct sp_str){ nul, sizeof(nul) - 1 }, 0, NULL),
			 -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_www_authenticate_401),
		cmocka_unit_test(test_proxy_authenticate_407),
		cmocka_unit_test(test_register_authorization),
		cmocka_unit_test(test_register_authorization_as_published),
		cmocka_unit_test(test_invite_proxy_authorization),
		cmocka_unit_test(test_rfc4475_regaut01),
		cmocka_unit_test(test_rfc3665_sweep),
		cmocka_unit_test(test_folding_and_case),
		cmocka_unit_test(test_qop_forms),
		cmocka_unit_test(test_rfc7616_userhash),
		cmocka_unit_test(test_authentication_info),
		cmocka_unit_test(test_response_lengths),
		cmocka_unit_test(test_values_kept_as_written),
		cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
