/*
 * SHA-256, SHA-512 and SHA-512/256 (FIPS 180-4 §6.2, §6.4, §6.7), written
 * from the standard: big-endian words, 64-byte blocks for SHA-256 and
 * 128-byte blocks for SHA-512. SHA-512/256 is SHA-512 with its own initial
 * hash value (§5.3.6.2) and the output cut to 256 bits (§6.7) - not the
 * first half of a plain SHA-512, which is what RFC 7616 §3.9.2 computed by
 * mistake (see tests/unit/test_digest.c).
 */
#include <string.h>

#include "siphon/hash.h"
#include "hash_int.h"

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint64_t ror64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

/* ---- SHA-256 ------------------------------------------------------------ */

/* FIPS 180-4 §4.2.2. */
static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

/* FIPS 180-4 §6.2.2: message schedule and compression of one block into
 * the state h[8]. */
static void sha256_block(void *state, const uint8_t *blk)
{
	uint32_t *h = state;
	uint32_t w[64];
	for (int t = 0; t < 16; t++)
		w[t] = load_be32(blk + 4 * t);
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = ror32(w[t - 15], 7) ^ ror32(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = ror32(w[t - 2], 17) ^ ror32(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t S1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = k + S1 + ch + K256[t] + w[t];
		uint32_t S0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = S0 + maj;
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += k;
}

void sp_sha256_init(struct sp_sha256 *c)
{
	/* FIPS 180-4 §5.3.3. */
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
}

void sp_sha256_update(struct sp_sha256 *c, const void *data, size_t len)
{
	sp__hash_update(c->h, c->buf, 64, &c->bytes, data, len, sha256_block);
}

void sp_sha256_final(struct sp_sha256 *c, uint8_t out[SP_SHA256_LEN])
{
	/* FIPS 180-4 §5.1.1: 1 bit, zeros to 448 mod 512, 64-bit length. */
	sp__hash_pad(c->h, c->buf, 64, 56, c->bytes, sha256_block);
	store_be64(c->buf + 56, c->bytes << 3);
	sha256_block(c->h, c->buf);
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
}

void sp_sha256(const void *data, size_t len, uint8_t out[SP_SHA256_LEN])
{
	struct sp_sha256 c;
	sp_sha256_init(&c);
	sp_sha256_update(&c, data, len);
	sp_sha256_final(&c, out);
}

/* ---- SHA-512 and SHA-512/256 ------------------------------------------ */

/* FIPS 180-4 §4.2.3. */
static const uint64_t K512[80] = {
	0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
	0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
	0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
	0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
	0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
	0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
	0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
	0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
	0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
	0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
	0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
	0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
	0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
	0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
	0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
	0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
	0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
	0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
	0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
	0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

/* FIPS 180-4 §6.4.2, into the state h[8]. */
static void sha512_block(void *state, const uint8_t *blk)
{
	uint64_t *h = state;
	uint64_t w[80];
	for (int t = 0; t < 16; t++)
		w[t] = load_be64(blk + 8 * t);
	for (int t = 16; t < 80; t++) {
		uint64_t s0 = ror64(w[t - 15], 1) ^ ror64(w[t - 15], 8) ^ (w[t - 15] >> 7);
		uint64_t s1 = ror64(w[t - 2], 19) ^ ror64(w[t - 2], 61) ^ (w[t - 2] >> 6);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	uint64_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint64_t e = h[4], f = h[5], g = h[6], k = h[7];
	for (int t = 0; t < 80; t++) {
		uint64_t S1 = ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41);
		uint64_t ch = (e & f) ^ (~e & g);
		uint64_t t1 = k + S1 + ch + K512[t] + w[t];
		uint64_t S0 = ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39);
		uint64_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint64_t t2 = S0 + maj;
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += k;
}

void sp_sha512_init(struct sp_sha512 *c)
{
	/* FIPS 180-4 §5.3.5. */
	static const uint64_t iv[8] = {
		0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
		0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
	};
	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
	c->outlen = SP_SHA512_LEN;
}

void sp_sha512_256_init(struct sp_sha512 *c)
{
	/* FIPS 180-4 §5.3.6.2: the IV generated for "SHA-512/256". */
	static const uint64_t iv[8] = {
		0x22312194fc2bf72c, 0x9f555fa3c84c64c2, 0x2393b86b6f53b151, 0x963877195940eabd,
		0x96283ee2a88effe3, 0xbe5e1e2553863992, 0x2b0199fc2c85b8aa, 0x0eb72ddc81c52ca2,
	};
	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
	c->outlen = SP_SHA512_256_LEN;
}

void sp_sha512_update(struct sp_sha512 *c, const void *data, size_t len)
{
	sp__hash_update(c->h, c->buf, 128, &c->bytes, data, len, sha512_block);
}

void sp_sha512_final(struct sp_sha512 *c, uint8_t *out)
{
	/* FIPS 180-4 §5.1.2: 1 bit, zeros to 896 mod 1024, 128-bit length
	 * (the high 64 bits are the top bits of bytes * 8). */
	sp__hash_pad(c->h, c->buf, 128, 112, c->bytes, sha512_block);
	store_be64(c->buf + 112, c->bytes >> 61);
	store_be64(c->buf + 120, c->bytes << 3);
	sha512_block(c->h, c->buf);
	/* §6.7: SHA-512/t keeps the leftmost t bits. */
	uint8_t full[SP_SHA512_LEN];
	for (int i = 0; i < 8; i++)
		store_be64(full + 8 * i, c->h[i]);
	memcpy(out, full, c->outlen);
}

void sp_sha512(const void *data, size_t len, uint8_t out[SP_SHA512_LEN])
{
	struct sp_sha512 c;
	sp_sha512_init(&c);
	sp_sha512_update(&c, data, len);
	sp_sha512_final(&c, out);
}

void sp_sha512_256(const void *data, size_t len, uint8_t out[SP_SHA512_256_LEN])
{
	struct sp_sha512 c;
	sp_sha512_256_init(&c);
	sp_sha512_update(&c, data, len);
	sp_sha512_final(&c, out);
}
