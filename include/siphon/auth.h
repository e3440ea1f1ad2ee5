/*
 * Digest authentication for a SIP server (RFC 3261 §22, RFC 2617, RFC 7616,
 * RFC 8760), as a library module without I/O: it decides, the caller sends.
 *
 *   - Challenges: 401 + WWW-Authenticate for REGISTER (RFC 3261 §22.2,
 *     the registrar is the UAS), 407 + Proxy-Authenticate for other
 *     requests (§22.3); two challenges, SHA-256 then MD5 (RFC 8760 §2.4:
 *     in order of preference), qop="auth".
 *   - Stateless nonces: hex(issue time || sequence || HMAC-SHA-256 prefix)
 *     under a per-server secret; expired ones give stale=true (RFC 7616
 *     §3.3) when the digest was otherwise right.
 *   - Nonce-count replay protection in a bounded table (RFC 7616 §3.4.1,
 *     §5.4 of RFC 2617 style "nonce-count").
 *   - Failure counting per source address, then 403 without a challenge
 *     until a ban ends.
 *   - No user enumeration: an unknown user is verified against a dummy
 *     H(A1) derived from the secret, so the work and the answer equal those
 *     of a wrong password.
 *
 * Time is always an sp_msec "now" from the caller (a loop clock, or a fake
 * one in tests). The objects here are not thread-safe: use one per worker
 * or serialise calls (a nonce used on two workers with separate tables is
 * then only replay-checked per worker).
 *
 * The check runs in two steps because the H(A1) lookup is asynchronous
 * (a store): sp_auth_check_begin() reads the request and says whom to look
 * up; sp_auth_check_finish() takes the result and decides.
 */
#ifndef SIPHON_AUTH_H
#define SIPHON_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/digest.h"
#include "siphon/loop.h"
#include "siphon/msg.h"
#include "siphon/sa.h"
#include "siphon/str.h"

/* ---- configuration ------------------------------------------------------ */

struct sp_auth_config {
	uint32_t nonce_ttl_s;	   /* nonce lifetime; older gives stale=true (300) */
	uint32_t max_failures;	   /* failures from one address that trigger a ban (10) */
	uint32_t failure_window_s; /* ... within this many seconds (60) */
	uint32_t ban_s;		   /* ban length (300) */
	uint32_t nc_entries;	   /* nonce-count table size, fixed memory (16384) */
	uint32_t ban_entries;	   /* failure/ban table size, fixed memory (16384) */
};

/* Fills *cfg with the defaults above. */
void sp_auth_config_default(struct sp_auth_config *cfg);

/* ---- stateless nonces (src/sip/auth_nonce.c) ---------------------------- */

/* hex(8-byte issue time in ms || 4-byte sequence || 16-byte MAC): every
 * nonce has exactly this length, so challenges differ only in its value. */
#define SP_AUTH_NONCE_LEN 56
#define SP_AUTH_KEY_LEN	  32

enum sp_auth_nonce_state {
	SP_AUTH_NONCE_OK = 0,
	SP_AUTH_NONCE_STALE,   /* genuine, older than the TTL (RFC 7616 §3.3 stale) */
	SP_AUTH_NONCE_INVALID, /* not ours: bad format, bad MAC, other realm, future */
};

/* Writes a nonce for realm issued at now with sequence number seq to out
 * (SP_AUTH_NONCE_LEN bytes, no NUL). The MAC is HMAC-SHA-256 under key
 * over (time, seq, realm). */
void sp_auth_nonce_make(const uint8_t key[SP_AUTH_KEY_LEN], struct sp_str realm, sp_msec now,
			uint32_t seq, char out[SP_AUTH_NONCE_LEN]);

/* Checks nonce (the unq() value) for realm: INVALID unless it is one that
 * sp_auth_nonce_make() produced under key for realm, at most 1 s in the
 * future; STALE when issued more than ttl_ms before now; else OK. For a
 * genuine nonce (OK or STALE), sets *issued to its issue time and *id to a
 * 64-bit value unique to it (from the MAC) when they are not NULL. */
enum sp_auth_nonce_state sp_auth_nonce_check(const uint8_t key[SP_AUTH_KEY_LEN],
					     struct sp_str realm, struct sp_str nonce, sp_msec now,
					     sp_msec ttl_ms, sp_msec *issued, uint64_t *id);

/* ---- nonce-count replay table (src/sip/auth_nc.c) ----------------------- */

/* Remembers, per nonce, the highest nc seen and which of the 64 values
 * below it were used, in a table of fixed size; the least recently used
 * entry of a set is evicted. Sound under eviction: a nonce that is not in
 * the table and was issued no later than the newest evicted one is
 * refused as "unknown" (the caller answers stale=true: a new nonce). */
struct sp_auth_nc;

enum sp_auth_nc_result {
	SP_AUTH_NC_OK = 0,  /* first use of this nc: recorded */
	SP_AUTH_NC_REPLAY,  /* already used, or too far below the highest */
	SP_AUTH_NC_UNKNOWN, /* the nonce's state was evicted: refuse */
};

/* Creates a table of at least `entries` entries (rounded up to a multiple
 * of the set size; minimum one set) for nonces that live ttl_ms (an entry
 * of an older nonce is reused first). Free with sp_mem_deref(). Returns 0
 * or -ENOMEM (*out untouched). */
int sp_auth_nc_create(struct sp_auth_nc **out, uint32_t entries, sp_msec ttl_ms);

/* Records nc (>= 1) for the nonce with id and issue time issued (from
 * sp_auth_nonce_check), at now. nc 0 is a replay. */
enum sp_auth_nc_result sp_auth_nc_use(struct sp_auth_nc *t, uint64_t id, sp_msec issued,
				      uint32_t nc, sp_msec now);

/* Entries in use (never more than the capacity). */
uint32_t sp_auth_nc_count(const struct sp_auth_nc *t);
uint32_t sp_auth_nc_capacity(const struct sp_auth_nc *t);

/* ---- failures and bans per source address (src/sip/auth_ban.c) ---------- */

/* Counts failures per IP address (IPv4, or IPv6 /64; ports ignored): max_failures within
 * failure_window_s of the first failure of a window ban the address for
 * ban_s. Fixed size; eviction takes the least recently touched entry of a
 * set, an unbanned one before a banned one. */
struct sp_auth_ban;

/* Creates a table of cfg->ban_entries (rounded up to a set) using
 * cfg->max_failures, failure_window_s and ban_s. seed keys the set hash
 * (derive it from a secret). Free with sp_mem_deref(). Returns 0 or
 * -ENOMEM (*out untouched). */
int sp_auth_ban_create(struct sp_auth_ban **out, const struct sp_auth_config *cfg, uint64_t seed);

/* True while addr is banned at now. */
bool sp_auth_ban_check(struct sp_auth_ban *b, const struct sp_sa *addr, sp_msec now);

/* Counts one failure of addr at now. Returns true when this failure
 * started a ban. */
bool sp_auth_ban_fail(struct sp_auth_ban *b, const struct sp_sa *addr, sp_msec now);

uint32_t sp_auth_ban_count(const struct sp_auth_ban *b);
uint32_t sp_auth_ban_capacity(const struct sp_auth_ban *b);

/* ---- the server side check (src/sip/auth_server.c) ---------------------- */

struct sp_auth_server;

/* Creates the authenticator for one realm with a per-server secret (at
 * least 16 random bytes; the caller gets them, e.g. from getrandom(), and
 * keeps them stable to make nonces survive restarts). cfg NULL: defaults.
 * realm is copied (at most SP_AUTH_REALM_MAX bytes, no CR/LF). Free with
 * sp_mem_deref(). Returns 0, -EINVAL or -ENOMEM (*out untouched). */
#define SP_AUTH_REALM_MAX 128
int sp_auth_server_create(struct sp_auth_server **out, const struct sp_auth_config *cfg,
			  struct sp_str realm, const void *secret, size_t secret_len);

/* The tables, for statistics and tests. */
struct sp_auth_nc *sp_auth_server_nc(struct sp_auth_server *s);
struct sp_auth_ban *sp_auth_server_ban(struct sp_auth_server *s);

enum sp_auth_verdict {
	SP_AUTH_OK = 0,	     /* authenticated as chk->username */
	SP_AUTH_LOOKUP,	     /* (begin) fetch H(A1) of chk->username, then finish */
	SP_AUTH_CHALLENGE,   /* answer chk->status (401/407) with sp_auth_challenge() */
	SP_AUTH_FORBIDDEN,   /* answer 403, no challenge: the source is banned */
	SP_AUTH_BAD_REQUEST, /* answer 400: malformed credentials (chk->why) */
};

/* Why a check ended as it did: for logs only, never for the response
 * (which must not tell an unknown user from a wrong password). */
enum sp_auth_why {
	SP_AUTH_WHY_NONE = 0,
	SP_AUTH_WHY_NO_CREDENTIALS, /* none for our realm and scheme */
	SP_AUTH_WHY_BANNED,
	SP_AUTH_WHY_MALFORMED,
	SP_AUTH_WHY_URI_MISMATCH,
	SP_AUTH_WHY_BAD_ALGORITHM,
	SP_AUTH_WHY_NO_QOP,
	SP_AUTH_WHY_BAD_NONCE,
	SP_AUTH_WHY_STALE,
	SP_AUTH_WHY_REPLAY,
	SP_AUTH_WHY_FAILED,	 /* wrong password or unknown user */
	SP_AUTH_WHY_BAN_STARTED, /* this failure started a ban */
};

/* Stored secrets of a user (DESIGN.md §6: HA1, never the password). A
 * digest with len 0 is absent. */
struct sp_auth_creds {
	struct sp_digest_hex ha1_md5;	 /* H(user:realm:password), MD5 */
	struct sp_digest_hex ha1_sha256; /* the same with SHA-256 */
};

#define SP_AUTH_USER_MAX   256
#define SP_AUTH_URI_MAX	   1024
#define SP_AUTH_CNONCE_MAX 256

/* State of one check between begin and finish. The slices point into the
 * request (which must outlive the check) or into the buffers below. */
struct sp_auth_check {
	enum sp_auth_verdict verdict;
	enum sp_auth_why why;
	uint16_t status;	/* 401, 407, 403, 400; 0 for OK and LOOKUP */
	bool proxy;		/* Proxy-Authorization / Proxy-Authenticate (407) */
	bool stale;		/* the challenge carries stale=true */
	struct sp_str username; /* unq() value to look up, then the user */
	enum sp_digest_alg alg;
	/* internal */
	struct sp_auth cred;
	struct sp_str uri, cnonce;
	uint32_t nc;
	sp_msec issued;
	uint64_t nonce_id;
	enum sp_auth_nonce_state nonce_state;
	char user_buf[SP_AUTH_USER_MAX];
	char uri_buf[SP_AUTH_URI_MAX];
	char cnonce_buf[SP_AUTH_CNONCE_MAX];
};

/* Step 1: reads the request. REGISTER uses Authorization (401); any other
 * method Proxy-Authorization (407). Credentials of another scheme or realm
 * are ignored (RFC 3261 §22.4; RFC 4475 §3.1.2.13 regaut01). src is the
 * address the request came from. Returns and stores in chk->verdict:
 *   SP_AUTH_FORBIDDEN   src is banned (no challenge);
 *   SP_AUTH_CHALLENGE   no usable credentials, a nonce not ours, no qop;
 *   SP_AUTH_BAD_REQUEST malformed Digest credentials, uri not the R-URI;
 *   SP_AUTH_LOOKUP      look up chk->username in the server's realm and
 *                       call sp_auth_check_finish().
 * Never OK. msg must be a parsed request. */
enum sp_auth_verdict sp_auth_check_begin(struct sp_auth_server *s, struct sp_auth_check *chk,
					 const struct sp_msg *msg, const struct sp_sa *src,
					 sp_msec now);

/* Step 2, after SP_AUTH_LOOKUP: creds is what the store has for
 * chk->username (NULL: no such user, verified against a dummy H(A1) so
 * the outcome equals a wrong password). Returns and stores:
 *   SP_AUTH_OK          right digest, fresh nonce, new nc;
 *   SP_AUTH_CHALLENGE   wrong digest (a failure, counted against src), or a
 *                       right digest with an expired nonce or a replayed nc
 *                       (stale=true, not a failure);
 *   SP_AUTH_FORBIDDEN   src is now banned (this failure reached the limit,
 *                       or a ban started while the lookup ran). */
enum sp_auth_verdict sp_auth_check_finish(struct sp_auth_server *s, struct sp_auth_check *chk,
					  const struct sp_msg *msg,
					  const struct sp_auth_creds *creds,
					  const struct sp_sa *src, sp_msec now);

/* The challenge header values for chk->verdict == SP_AUTH_CHALLENGE: one
 * per algorithm, SHA-256 first, then MD5 (RFC 8760 §2.4), both with the
 * same fresh nonce, e.g.
 *   Digest realm="example.com", nonce="<56 hex>", algorithm=SHA-256, qop="auth"
 * with ", stale=true" when chk->stale. Two challenges for the same realm
 * differ only in the nonce value. */
#define SP_AUTH_CHALLENGE_MAX (SP_AUTH_REALM_MAX * 2 + SP_AUTH_NONCE_LEN + 96)
struct sp_auth_challenge {
	const char *name; /* "WWW-Authenticate" or "Proxy-Authenticate" */
	enum sp_hdr_id id;
	unsigned n; /* number of values (2) */
	struct {
		size_t len;
		char buf[SP_AUTH_CHALLENGE_MAX];
	} value[2];
};

/* Fills *out for chk at now (a new nonce each call). */
void sp_auth_challenge(struct sp_auth_server *s, const struct sp_auth_check *chk, sp_msec now,
		       struct sp_auth_challenge *out);

/* ---- policy: which requests must authenticate ---------------------------- */

/* Returns true when host (a From URI host) is a domain served here. */
typedef bool (*sp_auth_local_cb)(void *arg, struct sp_str host);

/* True when a server must authenticate msg before acting on it: every
 * REGISTER, and any out-of-dialog request other than ACK and CANCEL
 * (RFC 3261 §22.1: they cannot be challenged) whose From host is local,
 * so the server is not an open relay for its own domains (INVITE,
 * MESSAGE, SUBSCRIBE, ...). */
bool sp_auth_required(const struct sp_msg *msg, sp_auth_local_cb is_local, void *arg);

#endif
