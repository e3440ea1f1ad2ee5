/*
 * One interface over the message digests of md5.c and sha2.c, so that a
 * caller which picks the algorithm at run time (Digest authentication,
 * RFC 7616 §3.3 "algorithm") needs no switch of its own, plus the lowercase
 * hex encoding every Digest value uses.
 */
#include "siphon/hash.h"

size_t sp_hash_len(enum sp_hash_alg alg)
{
	switch (alg) {
	case SP_HASH_MD5:
		return SP_MD5_LEN;
	case SP_HASH_SHA256:
		return SP_SHA256_LEN;
	case SP_HASH_SHA512:
		return SP_SHA512_LEN;
	case SP_HASH_SHA512_256:
		return SP_SHA512_256_LEN;
	}
	return 0;
}

void sp_hash_init(struct sp_hash *h, enum sp_hash_alg alg)
{
	h->alg = alg;
	switch (alg) {
	case SP_HASH_MD5:
		sp_md5_init(&h->u.md5);
		break;
	case SP_HASH_SHA256:
		sp_sha256_init(&h->u.sha256);
		break;
	case SP_HASH_SHA512:
		sp_sha512_init(&h->u.sha512);
		break;
	case SP_HASH_SHA512_256:
		sp_sha512_256_init(&h->u.sha512);
		break;
	}
}

void sp_hash_update(struct sp_hash *h, const void *data, size_t len)
{
	switch (h->alg) {
	case SP_HASH_MD5:
		sp_md5_update(&h->u.md5, data, len);
		break;
	case SP_HASH_SHA256:
		sp_sha256_update(&h->u.sha256, data, len);
		break;
	case SP_HASH_SHA512:
	case SP_HASH_SHA512_256:
		sp_sha512_update(&h->u.sha512, data, len);
		break;
	}
}

size_t sp_hash_final(struct sp_hash *h, uint8_t *out)
{
	switch (h->alg) {
	case SP_HASH_MD5:
		sp_md5_final(&h->u.md5, out);
		break;
	case SP_HASH_SHA256:
		sp_sha256_final(&h->u.sha256, out);
		break;
	case SP_HASH_SHA512:
	case SP_HASH_SHA512_256:
		sp_sha512_final(&h->u.sha512, out);
		break;
	}
	return sp_hash_len(h->alg);
}

void sp_hex_lower(char *hex, const uint8_t *bin, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 15];
	}
}
