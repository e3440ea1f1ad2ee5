/*
 * ITU-T G.711 μ-law and A-law, bit-exact with the ITU's own reference
 * code (ITU-T G.191 Software Tools Library, g711.c): negative inputs are
 * taken in one's complement, so -1 encodes like 0 and every decoder value
 * re-encodes to its own code (except μ-law's "negative zero", 0x7F, which
 * decodes to 0 and so re-encodes as 0xFF). Formulas rather than tables:
 * a handful of shifts per sample is as fast as a cache line.
 */
#include "siphon/audio.h"

/* G.711 §3, Table 2a: 14-bit magnitude plus the bias of 33, eight
 * segments of sixteen steps, all bits inverted on the line. */
uint8_t sp_g711_ulaw_encode(int16_t s)
{
	int mag = s < 0 ? (~s) >> 2 : s >> 2;
	mag += 33;
	if (mag > 0x1FFF)
		mag = 0x1FFF;
	int seg = 1;
	for (int i = mag >> 6; i; i >>= 1)
		seg++;
	int code = ((8 - seg) << 4) | (0xF - ((mag >> seg) & 0xF));
	if (s >= 0)
		code |= 0x80;
	return (uint8_t)code;
}

/* G.711 §3, Table 2b: the decision value midpoint of each step. */
int16_t sp_g711_ulaw_decode(uint8_t code)
{
	int inv = ~code;
	int exponent = (inv >> 4) & 0x7;
	int mantissa = inv & 0xF;
	int step = 4 << (exponent + 1);
	int v = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
	return (int16_t)(code & 0x80 ? v : -v);
}

/* G.711 §2, Table 1a: 12-bit magnitude, a linear first segment, seven
 * more of sixteen steps each; even bits inverted on the line. */
uint8_t sp_g711_alaw_encode(int16_t s)
{
	int ix = s < 0 ? (~s) >> 4 : s >> 4;
	if (ix > 15) {
		int exponent = 1;
		while (ix > 16 + 15) {
			ix >>= 1;
			exponent++;
		}
		ix -= 16;
		ix += exponent << 4;
	}
	if (s >= 0)
		ix |= 0x80;
	return (uint8_t)(ix ^ 0x55);
}

/* G.711 §2, Table 1b. */
int16_t sp_g711_alaw_decode(uint8_t code)
{
	int ix = (code ^ 0x55) & 0x7F;
	int exponent = ix >> 4;
	int mant = ix & 0xF;
	if (exponent > 0)
		mant += 16;
	mant = (mant << 4) + 8;
	if (exponent > 1)
		mant <<= exponent - 1;
	return (int16_t)(code & 0x80 ? mant : -mant);
}

void sp_g711_encode(enum sp_g711_law law, uint8_t *out, const int16_t *in, size_t n)
{
	if (law == SP_G711_ALAW) {
		for (size_t i = 0; i < n; i++)
			out[i] = sp_g711_alaw_encode(in[i]);
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = sp_g711_ulaw_encode(in[i]);
	}
}

void sp_g711_decode(enum sp_g711_law law, int16_t *out, const uint8_t *in, size_t n)
{
	if (law == SP_G711_ALAW) {
		for (size_t i = 0; i < n; i++)
			out[i] = sp_g711_alaw_decode(in[i]);
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = sp_g711_ulaw_decode(in[i]);
	}
}
