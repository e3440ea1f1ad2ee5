/*
 * Stateless digest nonces (RFC 7616 §3.3 "nonce", §5.4; RFC 2617 §3.2.1
 * suggests time-stamp H(time-stamp ":" ETag ":" private-key)). Here:
 *
 *   nonce = hex( ts || seq || HMAC-SHA-256(key, ts || seq || realm)[0..16) )
 *
 * with ts the issue time in ms (8 bytes, big-endian) and seq a per-server
 * counter (4 bytes) so that two challenges in the same millisecond differ.
 * The server keeps no state per nonce: the MAC proves it issued the nonce
 * for this realm, ts gives its age. Fixed length (SP_AUTH_NONCE_LEN), so
 * every challenge has the same size (no user enumeration by length).
 */
#include <string.h>

#include "siphon/auth.h"
#include "siphon/hash.h"

#define TS_LEN	       8
#define SEQ_LEN	       4
#define MAC_LEN	       16
#define RAW_LEN	       (TS_LEN + SEQ_LEN + MAC_LEN)
#define FUTURE_SKEW_MS 1000

_Static_assert(RAW_LEN * 2 == SP_AUTH_NONCE_LEN, "nonce length");

static void mac(const uint8_t key[SP_AUTH_KEY_LEN], struct sp_str realm, const uint8_t *head,
		uint8_t out[SP_SHA256_LEN])
{
	struct sp_hmac_sha256 c;

	sp_hmac_sha256_init(&c, key, SP_AUTH_KEY_LEN);
	sp_hmac_sha256_update(&c, head, TS_LEN + SEQ_LEN);
	sp_hmac_sha256_update(&c, realm.p, realm.len);
	sp_hmac_sha256_final(&c, out);
}

void sp_auth_nonce_make(const uint8_t key[SP_AUTH_KEY_LEN], struct sp_str realm, sp_msec now,
			uint32_t seq, char out[SP_AUTH_NONCE_LEN])
{
	uint8_t raw[RAW_LEN], m[SP_SHA256_LEN];
	uint64_t ts = (uint64_t)now;
	int i;

	for (i = 0; i < TS_LEN; i++)
		raw[i] = (uint8_t)(ts >> (8 * (TS_LEN - 1 - i)));
	for (i = 0; i < SEQ_LEN; i++)
		raw[TS_LEN + i] = (uint8_t)(seq >> (8 * (SEQ_LEN - 1 - i)));
	mac(key, realm, raw, m);
	memcpy(raw + TS_LEN + SEQ_LEN, m, MAC_LEN);
	sp_hex_lower(out, raw, RAW_LEN);
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* we only issue lowercase */
}

enum sp_auth_nonce_state sp_auth_nonce_check(const uint8_t key[SP_AUTH_KEY_LEN],
					     struct sp_str realm, struct sp_str nonce, sp_msec now,
					     sp_msec ttl_ms, sp_msec *issued, uint64_t *id)
{
	uint8_t raw[RAW_LEN], m[SP_SHA256_LEN], diff = 0;
	uint64_t ts = 0, nid = 0;
	size_t i;

	if (nonce.len != SP_AUTH_NONCE_LEN)
		return SP_AUTH_NONCE_INVALID;
	for (i = 0; i < RAW_LEN; i++) {
		int hi = unhex(nonce.p[2 * i]), lo = unhex(nonce.p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return SP_AUTH_NONCE_INVALID;
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	mac(key, realm, raw, m);
	/* Constant time over the MAC, so a forger learns nothing per byte. */
	for (i = 0; i < MAC_LEN; i++)
		diff |= (uint8_t)(m[i] ^ raw[TS_LEN + SEQ_LEN + i]);
	if (diff)
		return SP_AUTH_NONCE_INVALID;

	for (i = 0; i < TS_LEN; i++)
		ts = ts << 8 | raw[i];
	if (ts > (uint64_t)INT64_MAX || (sp_msec)ts > now + FUTURE_SKEW_MS)
		return SP_AUTH_NONCE_INVALID;
	for (i = 0; i < 8; i++)
		nid = nid << 8 | raw[TS_LEN + SEQ_LEN + i];
	if (issued)
		*issued = (sp_msec)ts;
	if (id)
		*id = nid;
	/* RFC 7616 §3.3: a nonce past its lifetime is "stale". */
	if (now - (sp_msec)ts > ttl_ms)
		return SP_AUTH_NONCE_STALE;
	return SP_AUTH_NONCE_OK;
}
