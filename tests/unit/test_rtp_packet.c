/*
 * RTP packets (src/media/rtp_packet.c, RFC 3550 §5.1, §5.3.1): parsing of
 * hand-assembled packets field by field, print and reparse round trips
 * with CSRCs, extension and padding, every malformed form (truncated
 * header, version, CSRC count or extension length past the end, padding
 * count zero or larger than the packet), printing bounds, and the RFC 5761
 * RTP/RTCP demultiplexing rule. Inputs are exact-size heap copies so ASan
 * sees any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

#include "siphon/rtp.h"

/* An exact-size heap copy of b[n]. */
static uint8_t *dup_exact(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	if (n)
		memcpy(p, b, n);
	return p;
}

static int parse_bytes(struct sp_rtp_pkt *pkt, const uint8_t *b, size_t n)
{
	uint8_t *c = dup_exact(b, n);
	int rc = sp_rtp_parse(pkt, c, n);
	free(c);
	return rc;
}

/* V=2, M=1, PT=0, seq 0x1234, ts 0xdeadbeef, ssrc 0x01020304, 4 octets. */
static const uint8_t simple[] = {
	0x80, 0x80, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
	'a', 'b', 'c', 'd',
};

static void test_parse_simple(void **state)
{
	(void)state;
	struct sp_rtp_pkt pkt;
	uint8_t *c = dup_exact(simple, sizeof(simple));
	assert_int_equal(sp_rtp_parse(&pkt, c, sizeof(simple)), 0);
	assert_true(pkt.marker);
	assert_int_equal(pkt.pt, 0);
	assert_int_equal(pkt.seq, 0x1234);
	assert_int_equal(pkt.ts, 0xdeadbeef);
	assert_int_equal(pkt.ssrc, 0x01020304);
	assert_int_equal(pkt.cc, 0);
	assert_false(pkt.ext);
	assert_int_equal(pkt.pad_len, 0);
	assert_ptr_equal(pkt.payload, c + 12);
	assert_int_equal(pkt.payload_len, 4);
	assert_memory_equal(pkt.payload, "abcd", 4);
	free(c);
}

/* P and X and two CSRCs: 12 + 8 (CSRC) + 4 + 8 (ext) + 3 payload + 5 pad. */
static const uint8_t full[] = {
	0xb2, 0x08, 0xff, 0xff, 0x00, 0x00, 0x00, 0x10, 0xca, 0xfe, 0xba, 0xbe,
	0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
	0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa, 0x00, 0x00, 0x21, 0xbb, 0xcc, 0x00,
	'x', 'y', 'z',
	0x00, 0x00, 0x00, 0x00, 0x05,
};

static void test_parse_full(void **state)
{
	(void)state;
	struct sp_rtp_pkt pkt;
	uint8_t *c = dup_exact(full, sizeof(full));
	assert_int_equal(sp_rtp_parse(&pkt, c, sizeof(full)), 0);
	assert_false(pkt.marker);
	assert_int_equal(pkt.pt, 8);
	assert_int_equal(pkt.seq, 0xffff);
	assert_int_equal(pkt.cc, 2);
	assert_int_equal(pkt.csrc[0], 0x11111111);
	assert_int_equal(pkt.csrc[1], 0x22222222);
	assert_true(pkt.ext);
	assert_int_equal(pkt.ext_profile, 0xbede);
	assert_int_equal(pkt.ext_len, 8);
	assert_ptr_equal(pkt.ext_data, c + 24);
	assert_int_equal(pkt.pad_len, 5);
	assert_int_equal(pkt.payload_len, 3);
	assert_memory_equal(pkt.payload, "xyz", 3);

	/* Printing the parse gives the same bytes back. */
	uint8_t out[64];
	long n = sp_rtp_print(out, sizeof(out), &pkt);
	assert_int_equal(n, sizeof(full));
	assert_memory_equal(out, full, sizeof(full));
	/* One octet short of room. */
	assert_int_equal(sp_rtp_print(out, sizeof(full) - 1, &pkt), -ENOSPC);
	free(c);
}

static void test_roundtrip(void **state)
{
	(void)state;
	uint8_t payload[160], ext[12], buf[256];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	memset(ext, 0x5a, sizeof(ext));
	for (unsigned cc = 0; cc <= SP_RTP_MAX_CSRC; cc += 5) {
		for (unsigned pad = 0; pad < 6; pad += 5) {
			for (int x = 0; x < 2; x++) {
				struct sp_rtp_pkt in = {
					.marker = cc & 1, .pt = 96, .seq = (uint16_t)(65530 + cc),
					.ts = 160u * cc, .ssrc = 0x80000000u + cc, .cc = (uint8_t)cc,
					.ext = x, .ext_profile = 0x1000, .ext_data = x ? ext : NULL,
					.ext_len = x ? sizeof(ext) : 0, .pad_len = (uint8_t)pad,
					.payload = payload, .payload_len = sizeof(payload),
				};
				for (unsigned i = 0; i < cc; i++)
					in.csrc[i] = i * 0x01010101u;
				long n = sp_rtp_print(buf, sizeof(buf), &in);
				assert_true(n > 0);
				struct sp_rtp_pkt out;
				assert_int_equal(parse_bytes(&out, buf, (size_t)n), 0);
				assert_int_equal(out.marker, in.marker);
				assert_int_equal(out.pt, in.pt);
				assert_int_equal(out.seq, in.seq);
				assert_int_equal(out.ts, in.ts);
				assert_int_equal(out.ssrc, in.ssrc);
				assert_int_equal(out.cc, in.cc);
				assert_memory_equal(out.csrc, in.csrc, cc * 4);
				assert_int_equal(out.ext, in.ext);
				assert_int_equal(out.ext_len, in.ext_len);
				assert_int_equal(out.pad_len, in.pad_len);
				assert_int_equal(out.payload_len, sizeof(payload));
			}
		}
	}
	/* An extension with no words is legal (length 0). */
	struct sp_rtp_pkt e = { .pt = 0, .ext = true, .ext_profile = 7 };
	long n = sp_rtp_print(buf, sizeof(buf), &e);
	assert_int_equal(n, 16);
	struct sp_rtp_pkt eo;
	assert_int_equal(parse_bytes(&eo, buf, (size_t)n), 0);
	assert_true(eo.ext);
	assert_int_equal(eo.ext_len, 0);
	assert_int_equal(eo.ext_profile, 7);
	assert_int_equal(eo.payload_len, 0);
}

static void test_malformed(void **state)
{
	(void)state;
	struct sp_rtp_pkt pkt;
	uint8_t b[64];

	/* Truncated header: every length under 12. */
	for (size_t n = 0; n < 12; n++)
		assert_int_equal(parse_bytes(&pkt, simple, n), -EBADMSG);
	assert_int_equal(sp_rtp_parse(&pkt, NULL, 0), -EBADMSG);

	/* Versions 0, 1, 3. */
	for (unsigned v = 0; v < 4; v++) {
		if (v == 2)
			continue;
		memcpy(b, simple, sizeof(simple));
		b[0] = (uint8_t)((b[0] & 0x3f) | v << 6);
		assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), -EBADMSG);
	}

	/* CSRC count past the end: cc=2 needs 8 octets, 4 are there;
	 * cc=1 fits exactly (no payload). */
	memcpy(b, simple, sizeof(simple));
	b[0] = 0x82;
	assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), -EBADMSG);
	b[0] = 0x81;
	assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), 0);
	assert_int_equal(pkt.payload_len, 0);
	b[0] = 0x8f;
	assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), -EBADMSG);

	/* Extension header itself truncated, then its length past the end. */
	memcpy(b, simple, 12);
	b[0] = 0x90;
	assert_int_equal(parse_bytes(&pkt, b, 12), -EBADMSG);
	assert_int_equal(parse_bytes(&pkt, b, 15), -EBADMSG);
	b[12] = 0xbe;
	b[13] = 0xde;
	b[14] = 0x00;
	b[15] = 0x02; /* two words: 8 octets needed after the header */
	memset(b + 16, 0, 8);
	assert_int_equal(parse_bytes(&pkt, b, 23), -EBADMSG);
	assert_int_equal(parse_bytes(&pkt, b, 24), 0);
	b[14] = 0xff; /* 0xff02 words */
	assert_int_equal(parse_bytes(&pkt, b, 24), -EBADMSG);

	/* Padding: count zero, larger than what follows the header, equal to
	 * it (empty payload: fine). */
	memcpy(b, simple, sizeof(simple));
	b[0] = 0xa0;
	b[15] = 0;
	assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), -EBADMSG);
	b[15] = 5;
	assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), -EBADMSG);
	b[15] = 200;
	assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), -EBADMSG);
	b[15] = 4;
	assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), 0);
	assert_int_equal(pkt.payload_len, 0);
	/* Padding bit on a bare header: the count octet would be the SSRC's. */
	b[0] = 0xa0;
	b[11] = 1;
	assert_int_equal(parse_bytes(&pkt, b, 12), -EBADMSG);
	/* Padding that would eat into the CSRC list. */
	memcpy(b, simple, sizeof(simple));
	b[0] = 0xa1;
	b[15] = 1;
	assert_int_equal(parse_bytes(&pkt, b, sizeof(simple)), -EBADMSG);
}

static void test_print_invalid(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct sp_rtp_pkt p = { .pt = 128 };
	assert_int_equal(sp_rtp_print(buf, sizeof(buf), &p), -EINVAL);
	p = (struct sp_rtp_pkt){ .cc = 16 };
	assert_int_equal(sp_rtp_print(buf, sizeof(buf), &p), -EINVAL);
	p = (struct sp_rtp_pkt){ .ext = true, .ext_len = 6, .ext_data = buf };
	assert_int_equal(sp_rtp_print(buf, sizeof(buf), &p), -EINVAL);
	p = (struct sp_rtp_pkt){ .ext = true, .ext_len = 4 };
	assert_int_equal(sp_rtp_print(buf, sizeof(buf), &p), -EINVAL);
	p = (struct sp_rtp_pkt){ .payload_len = 4 };
	assert_int_equal(sp_rtp_print(buf, sizeof(buf), &p), -EINVAL);
	p = (struct sp_rtp_pkt){ .pt = 0 };
	assert_int_equal(sp_rtp_print(buf, 11, &p), -ENOSPC);
	assert_int_equal(sp_rtp_print(buf, 12, &p), 12);
}

static void test_demux(void **state)
{
	(void)state;
	/* RFC 5761 §4: second octet 192..223 is RTCP; RTP pt 0/8/96 and
	 * pt 0..127 with marker outside 64..95 are RTP. */
	uint8_t b[2] = { 0x80, 0 };
	for (unsigned v = 0; v < 256; v++) {
		b[1] = (uint8_t)v;
		assert_int_equal(sp_rtp_is_rtcp(b, 2), v >= 192 && v <= 223);
	}
	b[1] = 200;
	assert_false(sp_rtp_is_rtcp(b, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_simple),
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_print_invalid),
		cmocka_unit_test(test_demux),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
