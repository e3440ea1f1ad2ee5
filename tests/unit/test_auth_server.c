/*
 * Digest authentication on the server side (src/sip/auth_*.c): stateless
 * nonces, the nonce-count table, failure counting and bans, and the whole
 * exchange a registrar and a proxy run: request -> 401/407 with SHA-256
 * and MD5 challenges -> credentials computed with sp_digest_* -> OK. Time
 * is a plain number handed in, so expiry and bans need no sleeping.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/auth.h"
#include "siphon/digest.h"
#include "siphon/mem.h"
#include "siphon/msg.h"
#include "siphon/sa.h"

#include "test_util.h"

static const uint8_t secret[32] = "0123456789abcdef0123456789abcdef";
#define REALM "example.com"
#define T0    ((sp_msec)1700000000000)

static struct sp_auth_server *server(uint32_t max_failures)
{
	struct sp_auth_config cfg;
	struct sp_auth_server *s = NULL;

	sp_auth_config_default(&cfg);
	cfg.max_failures = max_failures;
	assert_int_equal(sp_auth_server_create(&s, &cfg, SP_STR(REALM), secret, sizeof(secret)), 0);
	return s;
}

static struct sp_sa addr(const char *ip)
{
	struct sp_sa sa;

	assert_int_equal(sp_sa_parse(&sa, sp_str_c(ip), 5060), 0);
	return sa;
}

/* A parsed request; the struct stays put (the message arena is inside). */
struct req {
	char *buf;
	struct sp_msg msg;
};

static struct req *request(const char *method, const char *ruri, const char *auth_line)
{
	struct req *r = calloc(1, sizeof(*r));
	char text[4096];
	int n;

	assert_non_null(r);
	n = snprintf(text, sizeof(text),
		     "%s %s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKauth1\r\n"
		     "From: <sip:alice@example.com>;tag=a1\r\n"
		     "To: <sip:alice@example.com>\r\n"
		     "Call-ID: auth-test-1\r\n"
		     "CSeq: 1 %s\r\n"
		     "Max-Forwards: 70\r\n"
		     "%s"
		     "Content-Length: 0\r\n\r\n",
		     method, ruri, method, auth_line ? auth_line : "");
	assert_true(n > 0 && (size_t)n < sizeof(text));
	r->buf = tu_dup(text, (size_t)n);
	assert_int_equal(sp_msg_parse(&r->msg, r->buf, (size_t)n), 0);
	return r;
}

static void req_free(struct req *r)
{
	sp_msg_free(&r->msg);
	free(r->buf);
	free(r);
}

static struct sp_auth_creds creds_for(const char *user, const char *password)
{
	struct sp_auth_creds c;

	memset(&c, 0, sizeof(c));
	assert_int_equal(sp_digest_ha1(SP_DIGEST_MD5, sp_str_c(user), SP_STR(REALM),
				       sp_str_c(password), &c.ha1_md5),
			 0);
	assert_int_equal(sp_digest_ha1(SP_DIGEST_SHA256, sp_str_c(user), SP_STR(REALM),
				       sp_str_c(password), &c.ha1_sha256),
			 0);
	return c;
}

/* The nonce of a challenge value, into out (NUL-terminated). */
static void challenge_nonce(const char *value, size_t len, char *out, size_t cap)
{
	struct sp_auth a;
	struct sp_parse_error err;

	assert_int_equal(sp_auth_parse(&a, (struct sp_str){value, len}, 0, &err), 0);
	assert_true(a.digest);
	assert_true(a.nonce.len < cap);
	memcpy(out, a.nonce.p, a.nonce.len);
	out[a.nonce.len] = '\0';
}

/* An Authorization/Proxy-Authorization line answering nonce. */
static void credentials(char *line, size_t cap, const char *hdr, enum sp_digest_alg alg,
			const char *user, const char *password, const char *nonce,
			const char *method, const char *uri, const char *nc)
{
	struct sp_digest_hex ha1, resp;
	struct sp_digest_input in = {
	    .alg = alg,
	    .nonce = sp_str_c(nonce),
	    .nc = sp_str_c(nc),
	    .cnonce = SP_STR("0a4f113b"),
	    .qop = SP_STR("auth"),
	    .method = sp_str_c(method),
	    .uri = sp_str_c(uri),
	};

	assert_int_equal(
	    sp_digest_ha1(alg, sp_str_c(user), SP_STR(REALM), sp_str_c(password), &ha1), 0);
	assert_int_equal(sp_digest_response(&in, &ha1, &resp), 0);
	snprintf(line, cap,
		 "%s: Digest username=\"%s\", realm=\"" REALM "\", nonce=\"%s\", uri=\"%s\", "
		 "response=\"%.*s\", algorithm=%s, cnonce=\"0a4f113b\", qop=auth, nc=%s\r\n",
		 hdr, user, nonce, uri, (int)resp.len, resp.hex, sp_digest_alg_name(alg), nc);
}

/* Runs begin + finish (when begin asks for a lookup) for one request. */
static enum sp_auth_verdict run(struct sp_auth_server *s, struct sp_auth_check *chk, struct req *r,
				const struct sp_auth_creds *creds, const struct sp_sa *src,
				sp_msec now)
{
	enum sp_auth_verdict v = sp_auth_check_begin(s, chk, &r->msg, src, now);

	if (v != SP_AUTH_LOOKUP)
		return v;
	return sp_auth_check_finish(s, chk, &r->msg, creds, src, now);
}

/* A challenge for a first REGISTER; returns its nonce in nonce[]. */
static void get_nonce(struct sp_auth_server *s, const char *method, const struct sp_sa *src,
		      sp_msec now, char *nonce, size_t cap)
{
	struct req *r = request(method, "sip:example.com", NULL);
	struct sp_auth_check chk;
	struct sp_auth_challenge ch;

	assert_int_equal(run(s, &chk, r, NULL, src, now), SP_AUTH_CHALLENGE);
	sp_auth_challenge(s, &chk, now, &ch);
	challenge_nonce(ch.value[0].buf, ch.value[0].len, nonce, cap);
	req_free(r);
}

/* ---- nonces -------------------------------------------------------------- */

static void test_nonce(void **state)
{
	uint8_t key[SP_AUTH_KEY_LEN];
	char n[SP_AUTH_NONCE_LEN], n2[SP_AUTH_NONCE_LEN];
	struct sp_str ns = {n, sizeof(n)};
	sp_msec issued = 0;
	uint64_t id = 0, id2 = 0;

	(void)state;
	memset(key, 7, sizeof(key));
	sp_auth_nonce_make(key, SP_STR(REALM), T0, 1, n);
	assert_int_equal(sp_auth_nonce_check(key, SP_STR(REALM), ns, T0 + 5, 300000, &issued, &id),
			 SP_AUTH_NONCE_OK);
	assert_int_equal(issued, T0);
	/* Same time, other sequence: another nonce, another id. */
	sp_auth_nonce_make(key, SP_STR(REALM), T0, 2, n2);
	assert_memory_not_equal(n, n2, sizeof(n));
	assert_int_equal(sp_auth_nonce_check(key, SP_STR(REALM), (struct sp_str){n2, sizeof(n2)},
					     T0, 300000, NULL, &id2),
			 SP_AUTH_NONCE_OK);
	assert_true(id != id2);
	/* Expiry (RFC 7616 §3.3 stale): at the TTL still OK, after it stale. */
	assert_int_equal(
	    sp_auth_nonce_check(key, SP_STR(REALM), ns, T0 + 300000, 300000, NULL, NULL),
	    SP_AUTH_NONCE_OK);
	assert_int_equal(
	    sp_auth_nonce_check(key, SP_STR(REALM), ns, T0 + 300001, 300000, NULL, NULL),
	    SP_AUTH_NONCE_STALE);
	/* Issued in the future (more than the skew): not ours. */
	assert_int_equal(sp_auth_nonce_check(key, SP_STR(REALM), ns, T0 - 5000, 300000, NULL, NULL),
			 SP_AUTH_NONCE_INVALID);
	/* Other realm, other key. */
	assert_int_equal(sp_auth_nonce_check(key, SP_STR("other"), ns, T0, 300000, NULL, NULL),
			 SP_AUTH_NONCE_INVALID);
	key[0] ^= 1;
	assert_int_equal(sp_auth_nonce_check(key, SP_STR(REALM), ns, T0, 300000, NULL, NULL),
			 SP_AUTH_NONCE_INVALID);
	key[0] ^= 1;
	/* Any changed digit: time (to make it look fresh), sequence, MAC. */
	for (size_t i = 0; i < sizeof(n); i++) {
		char save = n[i];
		n[i] = n[i] == '0' ? '1' : '0';
		assert_int_equal(
		    sp_auth_nonce_check(key, SP_STR(REALM), ns, T0, 300000, NULL, NULL),
		    SP_AUTH_NONCE_INVALID);
		n[i] = save;
	}
	/* Wrong length, uppercase. */
	assert_int_equal(sp_auth_nonce_check(key, SP_STR(REALM), (struct sp_str){n, sizeof(n) - 1},
					     T0, 300000, NULL, NULL),
			 SP_AUTH_NONCE_INVALID);
}

/* ---- the nonce-count table ------------------------------------------------ */

static void test_nc_table(void **state)
{
	struct sp_auth_nc *t = NULL;

	(void)state;
	assert_int_equal(sp_auth_nc_create(&t, 64, 300000), 0);
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 1, T0), SP_AUTH_NC_OK);
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 1, T0), SP_AUTH_NC_REPLAY);
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 3, T0), SP_AUTH_NC_OK);
	/* Reordered in flight: 2 was never used, inside the window. */
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 2, T0), SP_AUTH_NC_OK);
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 2, T0), SP_AUTH_NC_REPLAY);
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 0, T0), SP_AUTH_NC_REPLAY);
	/* Far ahead, then anything more than 64 below is refused. */
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 200, T0), SP_AUTH_NC_OK);
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 100, T0), SP_AUTH_NC_REPLAY);
	assert_int_equal(sp_auth_nc_use(t, 42, T0, 150, T0), SP_AUTH_NC_OK);
	/* Another nonce has its own counter. */
	assert_int_equal(sp_auth_nc_use(t, 43, T0, 1, T0), SP_AUTH_NC_OK);
	sp_mem_deref(t);
}

/* 100k distinct nonces: the table stays at its capacity and a nonce whose
 * state was evicted is refused, never reopened to replay. */
static void test_nc_bounded(void **state)
{
	struct sp_auth_nc *t = NULL;
	uint64_t i;

	(void)state;
	assert_int_equal(sp_auth_nc_create(&t, 1000, 300000), 0);
	assert_int_equal(sp_auth_nc_use(t, 7, T0, 1, T0), SP_AUTH_NC_OK);
	for (i = 0; i < 100000; i++) {
		assert_int_equal(sp_auth_nc_use(t, 1000 + i * 7919, T0 + 1 + (sp_msec)(i / 100), 1,
						T0 + 1 + (sp_msec)(i / 100)),
				 SP_AUTH_NC_OK);
		assert_true(sp_auth_nc_count(t) <= sp_auth_nc_capacity(t));
	}
	assert_true(sp_auth_nc_capacity(t) >= 1000 && sp_auth_nc_capacity(t) < 1100);
	assert_int_equal(sp_auth_nc_count(t), sp_auth_nc_capacity(t));
	/* Nonce 7 was evicted long ago: its replay must not pass. */
	assert_int_equal(sp_auth_nc_use(t, 7, T0, 1, T0 + 2000), SP_AUTH_NC_UNKNOWN);
	/* A nonce issued after everything seen is new. */
	assert_int_equal(sp_auth_nc_use(t, 99, T0 + 5000, 1, T0 + 5000), SP_AUTH_NC_OK);
	sp_mem_deref(t);
}

/* ---- failures and bans ---------------------------------------------------- */

static void test_ban_table(void **state)
{
	struct sp_auth_config cfg;
	struct sp_auth_ban *b = NULL;
	struct sp_sa a = addr("192.0.2.7:5060"), a_port = addr("192.0.2.7:7000"),
		     other = addr("192.0.2.8"), v6 = addr("[2001:db8::1]:5060"),
		     v6_same64 = addr("[2001:db8::ffff]:5060"),
		     v6_other = addr("[2001:db8:0:1::1]");
	int i;

	(void)state;
	sp_auth_config_default(&cfg);
	cfg.max_failures = 3;
	assert_int_equal(sp_auth_ban_create(&b, &cfg, 1), 0);
	/* Failures outside the window do not add up. */
	assert_false(sp_auth_ban_fail(b, &a, T0));
	assert_false(sp_auth_ban_fail(b, &a, T0 + 1000));
	assert_false(sp_auth_ban_fail(b, &a, T0 + 61000));
	assert_false(sp_auth_ban_fail(b, &a, T0 + 62000));
	assert_false(sp_auth_ban_check(b, &a, T0 + 62000));
	/* The third within the window bans; the port does not matter. */
	assert_true(sp_auth_ban_fail(b, &a_port, T0 + 63000));
	assert_true(sp_auth_ban_check(b, &a, T0 + 63000));
	assert_false(sp_auth_ban_check(b, &other, T0 + 63000));
	assert_true(sp_auth_ban_check(b, &a, T0 + 63000 + 299999));
	assert_false(sp_auth_ban_check(b, &a, T0 + 63000 + 300000));
	/* After the ban: a fresh count. */
	assert_false(sp_auth_ban_fail(b, &a, T0 + 400000));
	assert_false(sp_auth_ban_check(b, &a, T0 + 400000));
	/* IPv6 by /64. */
	for (i = 0; i < 2; i++)
		assert_false(sp_auth_ban_fail(b, &v6, T0));
	assert_true(sp_auth_ban_fail(b, &v6_same64, T0));
	assert_true(sp_auth_ban_check(b, &v6, T0));
	assert_false(sp_auth_ban_check(b, &v6_other, T0));
	sp_mem_deref(b);
}

static void test_ban_bounded(void **state)
{
	struct sp_auth_config cfg;
	struct sp_auth_ban *b = NULL;
	struct sp_sa banned = addr("198.51.100.1");
	uint32_t i;

	(void)state;
	sp_auth_config_default(&cfg);
	cfg.max_failures = 2;
	cfg.ban_entries = 1000;
	assert_int_equal(sp_auth_ban_create(&b, &cfg, 12345), 0);
	sp_auth_ban_fail(b, &banned, T0);
	assert_true(sp_auth_ban_fail(b, &banned, T0));
	for (i = 0; i < 100000; i++) {
		struct sp_sa sa;
		char ip[32];
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		sa = addr(ip);
		sp_auth_ban_fail(b, &sa, T0 + 1);
		assert_true(sp_auth_ban_count(b) <= sp_auth_ban_capacity(b));
	}
	assert_true(sp_auth_ban_capacity(b) < 1100);
	assert_int_equal(sp_auth_ban_count(b), sp_auth_ban_capacity(b));
	/* Unbanned entries are evicted before a banned one. */
	assert_true(sp_auth_ban_check(b, &banned, T0 + 2));
	sp_mem_deref(b);
}

/* ---- the whole exchange ------------------------------------------------ */

static void check_challenge(const struct sp_auth_challenge *ch, bool proxy, bool stale)
{
	const char *algs[2] = {"SHA-256", "MD5"};
	unsigned i;

	assert_int_equal(ch->n, 2);
	assert_string_equal(ch->name, proxy ? "Proxy-Authenticate" : "WWW-Authenticate");
	for (i = 0; i < 2; i++) {
		struct sp_auth a;
		struct sp_parse_error err;
		struct sp_str v = {ch->value[i].buf, ch->value[i].len};

		assert_int_equal(sp_auth_parse(&a, v, SP_AUTH_STRICT, &err), 0);
		assert_true(a.digest);
		assert_true(sp_str_eq(a.realm, SP_STR(REALM)));
		assert_true(sp_str_eq(a.algorithm, sp_str_c(algs[i])));
		assert_true(sp_str_eq(a.qop, SP_STR("auth")));
		assert_int_equal(a.nonce.len, SP_AUTH_NONCE_LEN);
		assert_int_equal(sp_str_present(a.stale), stale);
	}
}

static void exchange(enum sp_digest_alg alg, unsigned which)
{
	struct sp_auth_server *s = server(10);
	struct sp_sa src = addr("192.0.2.1:5060");
	struct sp_auth_creds c = creds_for("alice", "secret");
	struct sp_auth_check chk;
	struct sp_auth_challenge ch;
	char nonce[128], line[1024];
	struct req *r = request("REGISTER", "sip:example.com", NULL);

	assert_int_equal(run(s, &chk, r, &c, &src, T0), SP_AUTH_CHALLENGE);
	assert_int_equal(chk.status, 401);
	assert_int_equal(chk.why, SP_AUTH_WHY_NO_CREDENTIALS);
	sp_auth_challenge(s, &chk, T0, &ch);
	check_challenge(&ch, false, false);
	req_free(r);

	challenge_nonce(ch.value[which].buf, ch.value[which].len, nonce, sizeof(nonce));
	credentials(line, sizeof(line), "Authorization", alg, "alice", "secret", nonce, "REGISTER",
		    "sip:example.com", "00000001");
	r = request("REGISTER", "sip:example.com", line);
	assert_int_equal(sp_auth_check_begin(s, &chk, &r->msg, &src, T0 + 10), SP_AUTH_LOOKUP);
	assert_true(sp_str_eq(chk.username, SP_STR("alice")));
	assert_int_equal(chk.alg, alg);
	assert_int_equal(sp_auth_check_finish(s, &chk, &r->msg, &c, &src, T0 + 10), SP_AUTH_OK);
	assert_int_equal(chk.status, 0);
	req_free(r);
	sp_mem_deref(s);
}

static void test_exchange_sha256(void **state)
{
	(void)state;
	exchange(SP_DIGEST_SHA256, 0);
}

static void test_exchange_md5(void **state)
{
	(void)state;
	exchange(SP_DIGEST_MD5, 1);
}

/* RFC 3261 §22.3: a proxy challenges with 407 and Proxy-Authenticate. */
static void test_invite_407(void **state)
{
	struct sp_auth_server *s = server(10);
	struct sp_sa src = addr("192.0.2.1");
	struct sp_auth_creds c = creds_for("alice", "secret");
	struct sp_auth_check chk;
	struct sp_auth_challenge ch;
	char nonce[128], line[1024];
	struct req *r = request("INVITE", "sip:bob@example.com", NULL);

	(void)state;
	assert_int_equal(run(s, &chk, r, &c, &src, T0), SP_AUTH_CHALLENGE);
	assert_int_equal(chk.status, 407);
	sp_auth_challenge(s, &chk, T0, &ch);
	check_challenge(&ch, true, false);
	req_free(r);

	/* Credentials in Authorization do not answer a proxy challenge. */
	challenge_nonce(ch.value[0].buf, ch.value[0].len, nonce, sizeof(nonce));
	credentials(line, sizeof(line), "Authorization", SP_DIGEST_SHA256, "alice", "secret", nonce,
		    "INVITE", "sip:bob@example.com", "00000001");
	r = request("INVITE", "sip:bob@example.com", line);
	assert_int_equal(run(s, &chk, r, &c, &src, T0), SP_AUTH_CHALLENGE);
	req_free(r);

	credentials(line, sizeof(line), "Proxy-Authorization", SP_DIGEST_SHA256, "alice", "secret",
		    nonce, "INVITE", "sip:bob@example.com", "00000001");
	r = request("INVITE", "sip:bob@example.com", line);
	assert_int_equal(run(s, &chk, r, &c, &src, T0), SP_AUTH_OK);
	req_free(r);
	sp_mem_deref(s);
}

/* Wrong password and unknown user: same verdict, same status, both counted,
 * and challenge headers byte-identical except the nonce digits. */
static void test_no_enumeration(void **state)
{
	struct sp_auth_server *s = server(10);
	struct sp_sa src = addr("192.0.2.1");
	struct sp_auth_creds c = creds_for("alice", "secret");
	struct sp_auth_check chk1, chk2;
	struct sp_auth_challenge ch1, ch2;
	char nonce[128], line[1024];
	struct req *r;
	unsigned i;

	(void)state;
	get_nonce(s, "REGISTER", &src, T0, nonce, sizeof(nonce));
	credentials(line, sizeof(line), "Authorization", SP_DIGEST_SHA256, "alice", "guess", nonce,
		    "REGISTER", "sip:example.com", "00000001");
	r = request("REGISTER", "sip:example.com", line);
	assert_int_equal(run(s, &chk1, r, &c, &src, T0), SP_AUTH_CHALLENGE);
	req_free(r);

	credentials(line, sizeof(line), "Authorization", SP_DIGEST_SHA256, "mallory", "guess",
		    nonce, "REGISTER", "sip:example.com", "00000001");
	r = request("REGISTER", "sip:example.com", line);
	assert_int_equal(run(s, &chk2, r, NULL, &src, T0), SP_AUTH_CHALLENGE);
	req_free(r);

	assert_int_equal(chk1.status, chk2.status);
	assert_int_equal(chk1.stale, chk2.stale);
	assert_int_equal(chk1.why, SP_AUTH_WHY_FAILED);
	assert_int_equal(chk2.why, SP_AUTH_WHY_FAILED);
	sp_auth_challenge(s, &chk1, T0, &ch1);
	sp_auth_challenge(s, &chk2, T0, &ch2);
	assert_string_equal(ch1.name, ch2.name);
	for (i = 0; i < 2; i++) {
		const char *p1 = ch1.value[i].buf, *p2 = ch2.value[i].buf;
		const char *n1 = strstr(p1, "nonce=\""), *n2;
		size_t off;

		assert_int_equal(ch1.value[i].len, ch2.value[i].len);
		assert_non_null(n1);
		off = (size_t)(n1 - p1) + 7;
		n2 = p2 + off;
		assert_memory_equal(p1, p2, off);
		assert_memory_not_equal(n1 + 7, n2, SP_AUTH_NONCE_LEN);
		assert_memory_equal(p1 + off + SP_AUTH_NONCE_LEN, p2 + off + SP_AUTH_NONCE_LEN,
				    ch1.value[i].len - off - SP_AUTH_NONCE_LEN);
	}
	sp_mem_deref(s);
}

static void test_nc_replay(void **state)
{
	struct sp_auth_server *s = server(10);
	struct sp_sa src = addr("192.0.2.1");
	struct sp_auth_creds c = creds_for("alice", "secret");
	struct sp_auth_check chk;
	char nonce[128], line[1024];
	static const struct {
		const char *nc;
		enum sp_auth_verdict v;
	} steps[] = {
	    {"00000001", SP_AUTH_OK},	     {"00000001", SP_AUTH_CHALLENGE},
	    {"00000002", SP_AUTH_OK},	     {"00000050", SP_AUTH_OK},
	    {"00000002", SP_AUTH_CHALLENGE}, {"00000001", SP_AUTH_CHALLENGE},
	    {"00000051", SP_AUTH_OK},
	};
	unsigned i;

	(void)state;
	get_nonce(s, "REGISTER", &src, T0, nonce, sizeof(nonce));
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		struct req *r;

		credentials(line, sizeof(line), "Authorization", SP_DIGEST_MD5, "alice", "secret",
			    nonce, "REGISTER", "sip:example.com", steps[i].nc);
		r = request("REGISTER", "sip:example.com", line);
		assert_int_equal(run(s, &chk, r, &c, &src, T0 + 100), steps[i].v);
		if (steps[i].v == SP_AUTH_CHALLENGE) {
			assert_true(chk.stale);
			assert_int_equal(chk.why, SP_AUTH_WHY_REPLAY);
		}
		req_free(r);
	}
	/* 1 is more than 64 below 0x51: refused as a replay above. A replay
	 * is not a password failure: no ban however often it comes. */
	assert_false(sp_auth_ban_check(sp_auth_server_ban(s), &src, T0 + 100));
	sp_mem_deref(s);
}

/* The right password with an expired nonce: stale=true (RFC 7616 §3.3);
 * a wrong one with an expired nonce: a plain failure. */
static void test_stale(void **state)
{
	struct sp_auth_server *s = server(10);
	struct sp_sa src = addr("192.0.2.1");
	struct sp_auth_creds c = creds_for("alice", "secret");
	struct sp_auth_check chk;
	struct sp_auth_challenge ch;
	char nonce[128], line[1024];
	struct req *r;

	(void)state;
	get_nonce(s, "REGISTER", &src, T0, nonce, sizeof(nonce));
	credentials(line, sizeof(line), "Authorization", SP_DIGEST_SHA256, "alice", "secret", nonce,
		    "REGISTER", "sip:example.com", "00000001");
	r = request("REGISTER", "sip:example.com", line);
	assert_int_equal(run(s, &chk, r, &c, &src, T0 + 300001), SP_AUTH_CHALLENGE);
	assert_true(chk.stale);
	assert_int_equal(chk.why, SP_AUTH_WHY_STALE);
	sp_auth_challenge(s, &chk, T0 + 300001, &ch);
	check_challenge(&ch, false, true);
	req_free(r);

	credentials(line, sizeof(line), "Authorization", SP_DIGEST_SHA256, "alice", "nope", nonce,
		    "REGISTER", "sip:example.com", "00000001");
	r = request("REGISTER", "sip:example.com", line);
	assert_int_equal(run(s, &chk, r, &c, &src, T0 + 300001), SP_AUTH_CHALLENGE);
	assert_false(chk.stale);
	assert_int_equal(chk.why, SP_AUTH_WHY_FAILED);
	req_free(r);
	sp_mem_deref(s);
}

static void expect_begin(struct sp_auth_server *s, const char *line, enum sp_auth_verdict v,
			 enum sp_auth_why why, uint16_t status)
{
	struct sp_sa src = addr("192.0.2.1");
	struct sp_auth_check chk;
	struct req *r = request("REGISTER", "sip:example.com", line);

	assert_int_equal(sp_auth_check_begin(s, &chk, &r->msg, &src, T0), v);
	assert_int_equal(chk.why, why);
	assert_int_equal(chk.status, status);
	req_free(r);
}

static void test_malformed(void **state)
{
	struct sp_auth_server *s = server(10);
	struct sp_sa src = addr("192.0.2.1");
	char nonce[128], line[1024], *p;

	(void)state;
	get_nonce(s, "REGISTER", &src, T0, nonce, sizeof(nonce));
	/* qop missing (RFC 2069 form): challenged again. */
	snprintf(line, sizeof(line),
		 "Authorization: Digest username=\"alice\", realm=\"" REALM "\", nonce=\"%s\", "
		 "uri=\"sip:example.com\", response=\"0123456789abcdef0123456789abcdef\"\r\n",
		 nonce);
	expect_begin(s, line, SP_AUTH_CHALLENGE, SP_AUTH_WHY_NO_QOP, 401);
	/* qop=auth without nc: malformed. */
	snprintf(line, sizeof(line),
		 "Authorization: Digest username=\"alice\", realm=\"" REALM "\", nonce=\"%s\", "
		 "uri=\"sip:example.com\", response=\"0123456789abcdef0123456789abcdef\", "
		 "qop=auth, cnonce=\"x\"\r\n",
		 nonce);
	expect_begin(s, line, SP_AUTH_BAD_REQUEST, SP_AUTH_WHY_MALFORMED, 400);
	/* uri not the Request-URI (RFC 7616 §3.4.6): 400. */
	credentials(line, sizeof(line), "Authorization", SP_DIGEST_MD5, "alice", "secret", nonce,
		    "REGISTER", "sip:elsewhere.example.net", "00000001");
	expect_begin(s, line, SP_AUTH_BAD_REQUEST, SP_AUTH_WHY_URI_MISMATCH, 400);
	/* Equal as a URI though not byte for byte (RFC 3261 §19.1.4). */
	credentials(line, sizeof(line), "Authorization", SP_DIGEST_MD5, "alice", "secret", nonce,
		    "REGISTER", "sip:EXAMPLE.com", "00000001");
	expect_begin(s, line, SP_AUTH_LOOKUP, SP_AUTH_WHY_NONE, 0);
	/* A nonce we did not issue. */
	credentials(line, sizeof(line), "Authorization", SP_DIGEST_MD5, "alice", "secret",
		    "00000000000000000000000000000000000000000000000000000000", "REGISTER",
		    "sip:example.com", "00000001");
	expect_begin(s, line, SP_AUTH_CHALLENGE, SP_AUTH_WHY_BAD_NONCE, 401);
	/* Another realm: not ours, ignored. */
	credentials(line, sizeof(line), "Authorization", SP_DIGEST_MD5, "alice", "secret", nonce,
		    "REGISTER", "sip:example.com", "00000001");
	p = strstr(line, REALM);
	memcpy(p, "exbmple", 7);
	expect_begin(s, line, SP_AUTH_CHALLENGE, SP_AUTH_WHY_NO_CREDENTIALS, 401);
	/* An algorithm we did not offer. */
	snprintf(line, sizeof(line),
		 "Authorization: Digest username=\"alice\", realm=\"" REALM "\", nonce=\"%s\", "
		 "uri=\"sip:example.com\", response=\"0123456789abcdef0123456789abcdef\", "
		 "algorithm=MD5-sess, qop=auth, nc=00000001, cnonce=\"x\"\r\n",
		 nonce);
	expect_begin(s, line, SP_AUTH_CHALLENGE, SP_AUTH_WHY_BAD_ALGORITHM, 401);
	/* Broken Digest syntax: 400. */
	expect_begin(s, "Authorization: Digest username=\"alice\r\n", SP_AUTH_BAD_REQUEST,
		     SP_AUTH_WHY_MALFORMED, 400);
	sp_mem_deref(s);
}

/* RFC 4475 §3.1.2.13 regaut01: an unknown scheme is ignored, the
 * request challenged. */
static void test_regaut01(void **state)
{
	struct sp_auth_server *s = server(10);
	struct sp_sa src = addr("192.0.2.253");
	struct sp_auth_check chk;
	struct sp_auth_challenge ch;
	struct sp_msg *msg = calloc(1, sizeof(*msg));
	size_t len;
	char *buf = tu_load("rfc4475/regaut01.dat", &len);

	(void)state;
	assert_non_null(buf);
	assert_non_null(msg);
	assert_int_equal(sp_msg_parse(msg, buf, len), 0);
	assert_non_null(sp_msg_hdr(msg, SP_HDR_AUTHORIZATION));
	assert_int_equal(sp_auth_check_begin(s, &chk, msg, &src, T0), SP_AUTH_CHALLENGE);
	assert_int_equal(chk.status, 401);
	assert_int_equal(chk.why, SP_AUTH_WHY_NO_CREDENTIALS);
	sp_auth_challenge(s, &chk, T0, &ch);
	check_challenge(&ch, false, false);
	sp_msg_free(msg);
	free(msg);
	free(buf);
	sp_mem_deref(s);
}

/* N failures in T: 403 without a challenge until the ban ends, then
 * challenges again; the ban holds for a right password too. */
static void test_ban_flow(void **state)
{
	struct sp_auth_server *s = server(3);
	struct sp_sa src = addr("192.0.2.66:5060"), other = addr("192.0.2.67");
	struct sp_auth_creds c = creds_for("alice", "secret");
	struct sp_auth_check chk;
	char nonce[128], line[1024], good[1024];
	struct req *r, *ok;

	(void)state;
	get_nonce(s, "REGISTER", &src, T0, nonce, sizeof(nonce));
	credentials(line, sizeof(line), "Authorization", SP_DIGEST_SHA256, "alice", "wrong", nonce,
		    "REGISTER", "sip:example.com", "00000001");
	credentials(good, sizeof(good), "Authorization", SP_DIGEST_SHA256, "alice", "secret", nonce,
		    "REGISTER", "sip:example.com", "00000001");
	r = request("REGISTER", "sip:example.com", line);
	ok = request("REGISTER", "sip:example.com", good);
	assert_int_equal(run(s, &chk, r, &c, &src, T0), SP_AUTH_CHALLENGE);
	assert_int_equal(run(s, &chk, r, NULL, &src, T0 + 1000), SP_AUTH_CHALLENGE);
	assert_int_equal(run(s, &chk, r, &c, &src, T0 + 2000), SP_AUTH_FORBIDDEN);
	assert_int_equal(chk.status, 403);
	assert_int_equal(chk.why, SP_AUTH_WHY_BAN_STARTED);
	/* Banned: 403 before any lookup, even with the right password. */
	assert_int_equal(sp_auth_check_begin(s, &chk, &ok->msg, &src, T0 + 3000),
			 SP_AUTH_FORBIDDEN);
	assert_int_equal(chk.why, SP_AUTH_WHY_BANNED);
	/* Others are not affected. */
	assert_int_equal(sp_auth_check_begin(s, &chk, &ok->msg, &other, T0 + 3000), SP_AUTH_LOOKUP);
	/* Ban over (300 s): allowed again (the nonce is stale by then). */
	assert_int_equal(run(s, &chk, ok, &c, &src, T0 + 2000 + 300000), SP_AUTH_CHALLENGE);
	assert_true(chk.stale);
	req_free(r);
	req_free(ok);

	get_nonce(s, "REGISTER", &src, T0 + 302000, nonce, sizeof(nonce));
	credentials(good, sizeof(good), "Authorization", SP_DIGEST_SHA256, "alice", "secret", nonce,
		    "REGISTER", "sip:example.com", "00000001");
	ok = request("REGISTER", "sip:example.com", good);
	assert_int_equal(run(s, &chk, ok, &c, &src, T0 + 302000), SP_AUTH_OK);
	req_free(ok);
	sp_mem_deref(s);
}

static bool is_local(void *arg, struct sp_str host)
{
	(void)arg;
	return sp_str_caseeq_c(host, REALM);
}

static void test_required(void **state)
{
	static const struct {
		const char *method;
		bool want;
	} cases[] = {
	    {"REGISTER", true},	 {"INVITE", true}, {"MESSAGE", true},
	    {"SUBSCRIBE", true}, {"ACK", false},   {"CANCEL", false},
	};
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct req *r = request(cases[i].method, "sip:bob@example.com", NULL);
		assert_int_equal(sp_auth_required(&r->msg, is_local, NULL), cases[i].want);
		req_free(r);
	}
}

static void test_create_errors(void **state)
{
	struct sp_auth_server *s = NULL;

	(void)state;
	assert_int_equal(sp_auth_server_create(&s, NULL, SP_STR(REALM), secret, 8), -EINVAL);
	assert_int_equal(sp_auth_server_create(&s, NULL, SP_STR(""), secret, 32), -EINVAL);
	assert_int_equal(sp_auth_server_create(&s, NULL, SP_STR("a\r\nb"), secret, 32), -EINVAL);
	assert_null(s);
	for (long n = 0; n < 3; n++) {
		sp_mem_fail_after(n);
		int rc = sp_auth_server_create(&s, NULL, SP_STR(REALM), secret, 32);
		sp_mem_fail_after(-1);
		assert_int_equal(rc, -ENOMEM);
		assert_null(s);
	}
	assert_int_equal(sp_auth_server_create(&s, NULL, SP_STR(REALM), secret, 32), 0);
	sp_mem_deref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nonce),	   cmocka_unit_test(test_nc_table),
	    cmocka_unit_test(test_nc_bounded),	   cmocka_unit_test(test_ban_table),
	    cmocka_unit_test(test_ban_bounded),	   cmocka_unit_test(test_exchange_sha256),
	    cmocka_unit_test(test_exchange_md5),   cmocka_unit_test(test_invite_407),
	    cmocka_unit_test(test_no_enumeration), cmocka_unit_test(test_nc_replay),
	    cmocka_unit_test(test_stale),	   cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_regaut01),	   cmocka_unit_test(test_ban_flow),
	    cmocka_unit_test(test_required),	   cmocka_unit_test(test_create_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
