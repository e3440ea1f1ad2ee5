/*
 * MD5 (RFC 1321), written from the RFC's description (§3.1-§3.5): 64-byte
 * blocks, four rounds of sixteen steps over a little-endian state of four
 * 32-bit words. Needed for RFC 2617 / RFC 3261 §22.4 Digest, which is
 * still the algorithm most SIP devices speak.
 */
#include <string.h>

#include "siphon/hash.h"
#include "hash_int.h"

static inline uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 1321 §3.4: T[i] = floor(2^32 * abs(sin(i + 1))). */
static const uint32_t T[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391,
};

/* Per-step left rotations, four per round (RFC 1321 §3.4). */
static const uint8_t S[4][4] = {
	{ 7, 12, 17, 22 },
	{ 5, 9, 14, 20 },
	{ 4, 11, 16, 23 },
	{ 6, 10, 15, 21 },
};

/* RFC 1321 §3.4: process one 16-word block into the state h[4]. */
static void md5_block(void *state, const uint8_t *blk)
{
	uint32_t *h = state;
	uint32_t x[16];
	for (int i = 0; i < 16; i++)
		x[i] = load_le32(blk + 4 * i);

	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned k;
		switch (i / 16) {
		case 0: /* F(X,Y,Z) = XY v not(X) Z */
			f = (b & c) | (~b & d);
			k = i;
			break;
		case 1: /* G(X,Y,Z) = XZ v Y not(Z) */
			f = (b & d) | (c & ~d);
			k = (5 * i + 1) & 15;
			break;
		case 2: /* H(X,Y,Z) = X xor Y xor Z */
			f = b ^ c ^ d;
			k = (3 * i + 5) & 15;
			break;
		default: /* I(X,Y,Z) = Y xor (X v not(Z)) */
			f = c ^ (b | ~d);
			k = (7 * i) & 15;
			break;
		}
		uint32_t t = d;
		d = c;
		c = b;
		b = b + rol32(a + f + x[k] + T[i], S[i / 16][i & 3]);
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

void sp_md5_init(struct sp_md5 *c)
{
	/* RFC 1321 §3.3: word A 01 23 45 67 ... low-order bytes first. */
	c->h[0] = 0x67452301;
	c->h[1] = 0xefcdab89;
	c->h[2] = 0x98badcfe;
	c->h[3] = 0x10325476;
	c->bytes = 0;
}

void sp_md5_update(struct sp_md5 *c, const void *data, size_t len)
{
	sp__hash_update(c->h, c->buf, 64, &c->bytes, data, len, md5_block);
}

void sp_md5_final(struct sp_md5 *c, uint8_t out[SP_MD5_LEN])
{
	/* RFC 1321 §3.1-§3.2: a 1 bit, zeros to 56 mod 64, then the bit
	 * length as 64 bits, low-order word first. */
	uint64_t bits = c->bytes << 3;
	sp__hash_pad(c->h, c->buf, 64, 56, c->bytes, md5_block);
	store_le32(c->buf + 56, (uint32_t)bits);
	store_le32(c->buf + 60, (uint32_t)(bits >> 32));
	md5_block(c->h, c->buf);
	for (int i = 0; i < 4; i++)
		store_le32(out + 4 * i, c->h[i]);
}

void sp_md5(const void *data, size_t len, uint8_t out[SP_MD5_LEN])
{
	struct sp_md5 c;
	sp_md5_init(&c);
	sp_md5_update(&c, data, len);
	sp_md5_final(&c, out);
}
