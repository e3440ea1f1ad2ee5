/*
 * HMAC-SHA-256 (RFC 2104 §2, with SHA-256 from FIPS 180-4): the keyed MAC
 * that makes digest-authentication nonces stateless (src/sip/auth_nonce.c)
 * and derives per-server values from a secret. Checked against the test
 * cases of RFC 4231 §4 in tests/unit/test_hmac.c.
 */
#include <string.h>

#include "siphon/hash.h"

#define BLOCK 64 /* SHA-256 block size B (RFC 2104 §2) */

void sp_hmac_sha256_init(struct sp_hmac_sha256 *c, const void *key, size_t key_len)
{
	uint8_t k[BLOCK], pad[BLOCK];
	size_t i;

	/* RFC 2104 §2: a key longer than B is first hashed; a shorter one is
	 * padded with zeros to B bytes. */
	memset(k, 0, sizeof(k));
	if (key_len > BLOCK)
		sp_sha256(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);

	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x36; /* ipad */
	sp_sha256_init(&c->inner);
	sp_sha256_update(&c->inner, pad, BLOCK);
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x5c; /* opad */
	sp_sha256_init(&c->outer);
	sp_sha256_update(&c->outer, pad, BLOCK);
	memset(k, 0, sizeof(k));
	memset(pad, 0, sizeof(pad));
}

void sp_hmac_sha256_update(struct sp_hmac_sha256 *c, const void *data, size_t len)
{
	sp_sha256_update(&c->inner, data, len);
}

void sp_hmac_sha256_final(struct sp_hmac_sha256 *c, uint8_t out[SP_SHA256_LEN])
{
	uint8_t ih[SP_SHA256_LEN];

	/* H(K XOR opad, H(K XOR ipad, text)) */
	sp_sha256_final(&c->inner, ih);
	sp_sha256_update(&c->outer, ih, sizeof(ih));
	sp_sha256_final(&c->outer, out);
	memset(ih, 0, sizeof(ih));
}

void sp_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[SP_SHA256_LEN])
{
	struct sp_hmac_sha256 c;

	sp_hmac_sha256_init(&c, key, key_len);
	sp_hmac_sha256_update(&c, data, len);
	sp_hmac_sha256_final(&c, out);
}
