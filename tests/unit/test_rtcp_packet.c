/*
 * RTCP packets and timing arithmetic (src/media/rtcp_packet.c,
 * rtcp_print.c, rtcp_timing.c; RFC 3550 §6, §A.2, §A.7): a hand-assembled
 * compound of SR, SDES, BYE and APP decoded field by field and printed
 * back byte for byte, RR and unknown-type packets, SDES item handling, the
 * 24-bit signed cumulative loss, every §A.2 validity failure and every
 * inconsistent body, printing bounds, NTP conversion, the round-trip time
 * of RFC 3550 Figure 2, and the interval's bounds and bandwidth split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

#include "siphon/rtcp.h"

static uint8_t *dup_exact(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	if (n)
		memcpy(p, b, n);
	return p;
}

/* SR: ssrc 0x11223344, NTP 0xb7108000:0x12345678, rtp 0x1000, 50 packets,
 * 8000 octets, one block on 0x55667788: fraction 0x40, lost -2
 * (0xfffffe), ext seq 0x0001ffff, jitter 17, LSR 0xb7052000, DLSR
 * 0x00054000. */
static const uint8_t sr[] = {
	0x81, 200, 0x00, 0x0c,
	0x11, 0x22, 0x33, 0x44,
	0xb7, 0x10, 0x80, 0x00, 0x12, 0x34, 0x56, 0x78,
	0x00, 0x00, 0x10, 0x00,
	0x00, 0x00, 0x00, 0x32,
	0x00, 0x00, 0x1f, 0x40,
	0x55, 0x66, 0x77, 0x88,
	0x40, 0xff, 0xff, 0xfe,
	0x00, 0x01, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x11,
	0xb7, 0x05, 0x20, 0x00,
	0x00, 0x05, 0x40, 0x00,
};

/* SDES, one chunk: CNAME "a@b" (type order), NAME "Al", then null and
 * padding to 32 bits: 4 + 2+3 + 2+2 = 13, +3 nulls = 16. */
static const uint8_t sdes[] = {
	0x81, 202, 0x00, 0x04,
	0x11, 0x22, 0x33, 0x44,
	0x01, 0x03, 'a', '@', 'b',
	0x02, 0x02, 'A', 'l',
	0x00, 0x00, 0x00,
};

/* BYE for 0x11223344 with reason "bye": 1 + 3 = 4, no padding needed. */
static const uint8_t bye[] = {
	0x81, 203, 0x00, 0x02,
	0x11, 0x22, 0x33, 0x44,
	0x03, 'b', 'y', 'e',
};

/* APP subtype 5, name "TEST", 4 data octets. */
static const uint8_t app[] = {
	0x85, 204, 0x00, 0x03,
	0x11, 0x22, 0x33, 0x44,
	'T', 'E', 'S', 'T',
	0xde, 0xad, 0xbe, 0xef,
};

static size_t compound(uint8_t *out)
{
	size_t n = 0;
	memcpy(out + n, sr, sizeof(sr));
	n += sizeof(sr);
	memcpy(out + n, sdes, sizeof(sdes));
	n += sizeof(sdes);
	memcpy(out + n, bye, sizeof(bye));
	n += sizeof(bye);
	memcpy(out + n, app, sizeof(app));
	n += sizeof(app);
	return n;
}

static void test_compound(void **state)
{
	(void)state;
	uint8_t tmp[256], out[256];
	size_t len = compound(tmp);
	uint8_t *c = dup_exact(tmp, len);
	struct sp_rtcp_iter it;
	struct sp_rtcp_pkt pkt;
	size_t olen = 0;

	assert_int_equal(sp_rtcp_parse(&it, c, len), 0);

	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(pkt.pt, SP_RTCP_SR);
	assert_int_equal(pkt.count, 1);
	assert_ptr_equal(pkt.raw, c);
	assert_int_equal(pkt.raw_len, sizeof(sr));
	assert_int_equal(pkt.u.r.ssrc, 0x11223344);
	assert_true(pkt.u.r.si.ntp == 0xb710800012345678ull);
	assert_int_equal(pkt.u.r.si.rtp_ts, 0x1000);
	assert_int_equal(pkt.u.r.si.packets, 50);
	assert_int_equal(pkt.u.r.si.octets, 8000);
	assert_int_equal(pkt.u.r.rb[0].ssrc, 0x55667788);
	assert_int_equal(pkt.u.r.rb[0].fraction, 0x40);
	assert_int_equal(pkt.u.r.rb[0].lost, -2);
	assert_int_equal(pkt.u.r.rb[0].ext_seq, 0x0001ffff);
	assert_int_equal(pkt.u.r.rb[0].jitter, 17);
	assert_int_equal(pkt.u.r.rb[0].lsr, 0xb7052000);
	assert_int_equal(pkt.u.r.rb[0].dlsr, 0x00054000);
	assert_int_equal(pkt.u.r.ext_len, 0);
	long n = sp_rtcp_print(out + olen, sizeof(out) - olen, &pkt);
	assert_int_equal(n, sizeof(sr));
	olen += (size_t)n;

	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(pkt.pt, SP_RTCP_SDES);
	assert_int_equal(pkt.count, 1);
	assert_int_equal(pkt.u.sdes.chunk[0].ssrc, 0x11223344);
	assert_int_equal(pkt.u.sdes.chunk[0].item[SP_SDES_CNAME].len, 3);
	assert_memory_equal(pkt.u.sdes.chunk[0].item[SP_SDES_CNAME].p, "a@b", 3);
	assert_int_equal(pkt.u.sdes.chunk[0].item[SP_SDES_NAME].len, 2);
	assert_memory_equal(pkt.u.sdes.chunk[0].item[SP_SDES_NAME].p, "Al", 2);
	assert_null(pkt.u.sdes.chunk[0].item[SP_SDES_EMAIL].p);
	n = sp_rtcp_print(out + olen, sizeof(out) - olen, &pkt);
	assert_int_equal(n, sizeof(sdes));
	olen += (size_t)n;

	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(pkt.pt, SP_RTCP_BYE);
	assert_int_equal(pkt.count, 1);
	assert_int_equal(pkt.u.bye.ssrc[0], 0x11223344);
	assert_int_equal(pkt.u.bye.reason_len, 3);
	assert_memory_equal(pkt.u.bye.reason, "bye", 3);
	n = sp_rtcp_print(out + olen, sizeof(out) - olen, &pkt);
	assert_int_equal(n, sizeof(bye));
	olen += (size_t)n;

	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(pkt.pt, SP_RTCP_APP);
	assert_int_equal(pkt.count, 5);
	assert_memory_equal(pkt.u.app.name, "TEST", 4);
	assert_int_equal(pkt.u.app.data_len, 4);
	n = sp_rtcp_print(out + olen, sizeof(out) - olen, &pkt);
	assert_int_equal(n, sizeof(app));
	olen += (size_t)n;

	assert_int_equal(sp_rtcp_next(&it, &pkt), 0);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 0);
	assert_int_equal(olen, len);
	assert_memory_equal(out, tmp, len);
	free(c);
}

static int parse_first(const uint8_t *b, size_t n, struct sp_rtcp_pkt *pkt)
{
	uint8_t *c = dup_exact(b, n);
	struct sp_rtcp_iter it;
	int rc = sp_rtcp_parse(&it, c, n);
	if (!rc)
		rc = sp_rtcp_next(&it, pkt);
	free(c);
	return rc;
}

static void test_rr_and_print(void **state)
{
	(void)state;
	uint8_t buf[1024], ext[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct sp_rtcp_pkt in = { .pt = SP_RTCP_RR, .count = 31 };
	struct sp_rtcp_pkt out;
	in.u.r.ssrc = 42;
	for (unsigned i = 0; i < 31; i++) {
		in.u.r.rb[i] = (struct sp_rtcp_rb){
			.ssrc = i, .fraction = (uint8_t)(i * 8), .ext_seq = 65536 * i,
			.jitter = i * 3, .lsr = i + 100, .dlsr = i + 200,
		};
		in.u.r.rb[i].lost = (int32_t)i * 1000 - 15000;
	}
	in.u.r.rb[0].lost = 0x7fffff;
	in.u.r.rb[1].lost = -0x800000;
	in.u.r.rb[2].lost = 0x1000000; /* clamped on print */
	in.u.r.rb[3].lost = -0x1000000;
	in.u.r.ext = ext;
	in.u.r.ext_len = sizeof(ext);
	long n = sp_rtcp_print(buf, sizeof(buf), &in);
	assert_int_equal(n, 8 + 31 * 24 + 8);
	assert_int_equal(parse_first(buf, (size_t)n, &out), 1);
	assert_int_equal(out.count, 31);
	assert_int_equal(out.u.r.ssrc, 42);
	assert_int_equal(out.u.r.rb[0].lost, 0x7fffff);
	assert_int_equal(out.u.r.rb[1].lost, -0x800000);
	assert_int_equal(out.u.r.rb[2].lost, 0x7fffff);
	assert_int_equal(out.u.r.rb[3].lost, -0x800000);
	for (unsigned i = 4; i < 31; i++) {
		assert_int_equal(out.u.r.rb[i].lost, in.u.r.rb[i].lost);
		assert_int_equal(out.u.r.rb[i].ssrc, i);
		assert_int_equal(out.u.r.rb[i].fraction, i * 8);
		assert_int_equal(out.u.r.rb[i].ext_seq, 65536 * i);
		assert_int_equal(out.u.r.rb[i].jitter, i * 3);
		assert_int_equal(out.u.r.rb[i].lsr, i + 100);
		assert_int_equal(out.u.r.rb[i].dlsr, i + 200);
	}
	assert_int_equal(out.u.r.ext_len, 8);
	assert_memory_equal(out.u.r.ext, ext, 8);

	/* An empty RR (RC 0) is the smallest valid compound. */
	struct sp_rtcp_pkt e = { .pt = SP_RTCP_RR };
	assert_int_equal(sp_rtcp_print(buf, sizeof(buf), &e), 8);
	assert_int_equal(sp_rtcp_print(buf, 7, &e), -ENOSPC);

	/* Printing bounds and invalid packets. */
	assert_int_equal(sp_rtcp_print(buf, 100, &in), -ENOSPC);
	in.count = 32;
	assert_int_equal(sp_rtcp_print(buf, sizeof(buf), &in), -EINVAL);
	in.count = 0;
	in.u.r.ext_len = 3; /* not a multiple of 4 */
	assert_int_equal(sp_rtcp_print(buf, sizeof(buf), &in), -EINVAL);
	in.u.r.ext = NULL;
	in.u.r.ext_len = 4;
	assert_int_equal(sp_rtcp_print(buf, sizeof(buf), &in), -EINVAL);
}

static void test_padding_last(void **state)
{
	(void)state;
	/* RR then a BYE padded with 4 octets (P bit, count 4). */
	uint8_t buf[64];
	struct sp_rtcp_pkt rr = { .pt = SP_RTCP_RR };
	struct sp_rtcp_pkt b = { .pt = SP_RTCP_BYE, .count = 2, .pad_len = 4 };
	b.u.bye.ssrc[0] = 7;
	b.u.bye.ssrc[1] = 8;
	long n = sp_rtcp_print(buf, sizeof(buf), &rr);
	long m = sp_rtcp_print(buf + n, sizeof(buf) - (size_t)n, &b);
	assert_int_equal(m, 4 + 8 + 4);
	assert_int_equal(buf[n] & 0x20, 0x20);
	assert_int_equal(buf[n + m - 1], 4);

	uint8_t *c = dup_exact(buf, (size_t)(n + m));
	struct sp_rtcp_iter it;
	struct sp_rtcp_pkt pkt;
	assert_int_equal(sp_rtcp_parse(&it, c, (size_t)(n + m)), 0);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(pkt.pt, SP_RTCP_BYE);
	assert_int_equal(pkt.pad_len, 4);
	assert_int_equal(pkt.count, 2);
	assert_int_equal(pkt.u.bye.ssrc[1], 8);
	assert_null(pkt.u.bye.reason);
	free(c);
}

static void test_sdes_items(void **state)
{
	(void)state;
	/* Two chunks: the first repeats CNAME (first kept), has an unknown
	 * item 42 (skipped), an empty NOTE and a PRIV; the second is empty
	 * (just the SSRC and a null octet + padding). */
	static const uint8_t b[] = {
		0x80, 201, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, /* RR first */
		0x82, 202, 0x00, 0x08,
		0x00, 0x00, 0x00, 0x01,
		0x01, 0x01, 'x',
		0x01, 0x01, 'y',
		42, 0x02, 'z', 'z',
		0x07, 0x00,
		0x08, 0x04, 0x02, 'p', 'r', 'v',
		0x00, 0x00,
		0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x00,
	};
	struct sp_rtcp_iter it;
	struct sp_rtcp_pkt pkt;
	uint8_t *c = dup_exact(b, sizeof(b));
	assert_int_equal(sp_rtcp_parse(&it, c, sizeof(b)), 0);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(pkt.count, 2);
	const struct sp_rtcp_sdes_chunk *ch = pkt.u.sdes.chunk;
	assert_int_equal(ch[0].ssrc, 1);
	assert_int_equal(ch[0].item[SP_SDES_CNAME].len, 1);
	assert_int_equal(ch[0].item[SP_SDES_CNAME].p[0], 'x');
	assert_non_null(ch[0].item[SP_SDES_NOTE].p);
	assert_int_equal(ch[0].item[SP_SDES_NOTE].len, 0);
	assert_int_equal(ch[0].item[SP_SDES_PRIV].len, 4);
	assert_memory_equal(ch[0].item[SP_SDES_PRIV].p, "\x02prv", 4);
	assert_int_equal(ch[1].ssrc, 2);
	for (unsigned t = 0; t < SP_SDES_NITEMS; t++)
		assert_null(ch[1].item[t].p);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 0);

	/* Reprint: only the kept items, in type order; reparses the same. */
	assert_int_equal(sp_rtcp_parse(&it, c, sizeof(b)), 0);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	uint8_t out[64];
	long n = sp_rtcp_print(out, sizeof(out), &pkt);
	/* 4 + (4 + 3 + 2 + 6 + 1 -> 16) + (4 + 1 -> 8) = 28 */
	assert_int_equal(n, 28);
	struct sp_rtcp_pkt again;
	uint8_t *c2 = dup_exact(out, (size_t)n);
	assert_int_equal(sp_rtcp_parse_any(&it, c2, (size_t)n), 0);
	assert_int_equal(sp_rtcp_next(&it, &again), 1);
	assert_int_equal(again.count, 2);
	assert_int_equal(again.u.sdes.chunk[0].item[SP_SDES_CNAME].p[0], 'x');
	assert_int_equal(again.u.sdes.chunk[0].item[SP_SDES_PRIV].len, 4);
	assert_int_equal(again.u.sdes.chunk[1].ssrc, 2);
	free(c2);
	free(c);
}

static void test_other_type(void **state)
{
	(void)state;
	/* RR + an RTPFB (205) packet kept raw. */
	static const uint8_t b[] = {
		0x80, 201, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09,
		0x81, 205, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x0a,
	};
	struct sp_rtcp_iter it;
	struct sp_rtcp_pkt pkt;
	uint8_t *c = dup_exact(b, sizeof(b));
	assert_int_equal(sp_rtcp_parse(&it, c, sizeof(b)), 0);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(pkt.pt, 205);
	assert_int_equal(pkt.count, 1);
	assert_int_equal(pkt.u.other.body_len, 8);
	assert_ptr_equal(pkt.u.other.body, c + 12);
	uint8_t out[32];
	assert_int_equal(sp_rtcp_print(out, sizeof(out), &pkt), 12);
	assert_memory_equal(out, b + 8, 12);
	free(c);
}

static int validate(const uint8_t *b, size_t n)
{
	uint8_t *c = dup_exact(b, n);
	struct sp_rtcp_iter it;
	int rc = sp_rtcp_parse(&it, c, n);
	free(c);
	return rc;
}

static void test_invalid_compound(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t len = compound(b);

	assert_int_equal(validate(b, len), 0);
	/* Truncated anywhere: the lengths no longer sum to the input. */
	for (size_t n = 0; n < len; n++) {
		int rc = validate(b, n);
		bool boundary = n == sizeof(sr) || n == sizeof(sr) + sizeof(sdes) ||
				n == sizeof(sr) + sizeof(sdes) + sizeof(bye);
		assert_int_equal(rc, boundary ? 0 : -EBADMSG);
	}
	assert_int_equal(sp_rtcp_parse(&(struct sp_rtcp_iter){ 0 }, NULL, 0), -EBADMSG);

	/* Trailing octets after the last packet (length sum mismatch). */
	uint8_t x[300];
	memcpy(x, b, len);
	memset(x + len, 0, 8);
	assert_int_equal(validate(x, len + 3), -EBADMSG);
	assert_int_equal(validate(x, len + 4), -EBADMSG); /* a version-0 header */

	/* First packet not SR/RR; first packet with padding; version 1. */
	assert_int_equal(validate(sdes, sizeof(sdes)), -EBADMSG);
	struct sp_rtcp_iter it;
	uint8_t *c = dup_exact(sdes, sizeof(sdes));
	assert_int_equal(sp_rtcp_parse_any(&it, c, sizeof(sdes)), 0); /* RFC 5506 form */
	free(c);
	memcpy(x, b, len);
	x[0] |= 0x20;
	assert_int_equal(validate(x, len), -EBADMSG);
	memcpy(x, b, len);
	x[0] = (x[0] & 0x3f) | 0x40;
	assert_int_equal(validate(x, len), -EBADMSG);
	/* A later packet with a bad version. */
	memcpy(x, b, len);
	x[sizeof(sr)] = (uint8_t)((x[sizeof(sr)] & 0x3f) | 0xc0);
	assert_int_equal(validate(x, len), -EBADMSG);
	/* A length field one word too long (past the compound), too short. */
	memcpy(x, b, len);
	x[3] = 0x0d;
	assert_int_equal(validate(x, len), -EBADMSG);
	x[3] = 0x0b;
	assert_int_equal(validate(x, len), -EBADMSG);
	/* Padding in a packet that is not the last. */
	memcpy(x, b, len);
	x[sizeof(sr)] |= 0x20;
	assert_int_equal(validate(x, len), -EBADMSG);
	/* Padding in the last one: count 0, count larger than its body. */
	memcpy(x, b, len);
	size_t last = len - sizeof(app);
	x[last] |= 0x20;
	x[len - 1] = 0;
	assert_int_equal(validate(x, len), -EBADMSG);
	x[len - 1] = 13;
	assert_int_equal(validate(x, len), -EBADMSG);
	x[len - 1] = 4; /* fine: the data are padding now */
	assert_int_equal(validate(x, len), 0);
	c = dup_exact(x, len);
	struct sp_rtcp_pkt pkt;
	assert_int_equal(sp_rtcp_parse(&it, c, len), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(sp_rtcp_next(&it, &pkt), 1);
	assert_int_equal(pkt.pad_len, 4);
	assert_int_equal(pkt.u.app.data_len, 0);
	free(c);
}

/* Returns sp_rtcp_next's result for the second packet of RR + b. */
static int body_rc(const uint8_t *b, size_t n)
{
	uint8_t tmp[128];
	static const uint8_t rr[] = { 0x80, 201, 0x00, 0x01, 0, 0, 0, 9 };
	memcpy(tmp, rr, 8);
	memcpy(tmp + 8, b, n);
	uint8_t *c = dup_exact(tmp, n + 8);
	struct sp_rtcp_iter it;
	struct sp_rtcp_pkt pkt;
	int rc = sp_rtcp_parse(&it, c, n + 8);
	if (!rc)
		rc = sp_rtcp_next(&it, &pkt);
	if (rc == 1)
		rc = sp_rtcp_next(&it, &pkt);
	if (rc < 0)
		assert_int_equal(sp_rtcp_next(&it, &pkt), 0); /* stopped */
	free(c);
	return rc;
}

static void test_invalid_bodies(void **state)
{
	(void)state;
	/* RR claiming 2 blocks in room for 1. */
	uint8_t rr2[4 + 4 + 24] = { 0x82, 201, 0x00, 0x07 };
	assert_int_equal(body_rc(rr2, sizeof(rr2)), -EBADMSG);
	rr2[0] = 0x81;
	assert_int_equal(body_rc(rr2, sizeof(rr2)), 1);
	/* SR too short for its sender info. */
	uint8_t sr0[4 + 4 + 16] = { 0x80, 200, 0x00, 0x05 };
	assert_int_equal(body_rc(sr0, sizeof(sr0)), -EBADMSG);
	/* SDES item length past the packet. */
	uint8_t s1[] = { 0x81, 202, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x09, 'a', 'b' };
	assert_int_equal(body_rc(s1, sizeof(s1)), -EBADMSG);
	/* SDES without a terminating null octet. */
	uint8_t s2[] = { 0x81, 202, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x02, 'a', 'b' };
	assert_int_equal(body_rc(s2, sizeof(s2)), -EBADMSG);
	/* SDES: two chunks announced, one present. */
	uint8_t s3[] = { 0x82, 202, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0 };
	assert_int_equal(body_rc(s3, sizeof(s3)), -EBADMSG);
	/* SDES: type octet at the very end, no length. */
	uint8_t s4[] = { 0x81, 202, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x01, 'a', 0x05 };
	assert_int_equal(body_rc(s4, sizeof(s4)), -EBADMSG);
	/* BYE: SSRC count past the end; reason length past the end. */
	uint8_t b1[] = { 0x83, 203, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2 };
	assert_int_equal(body_rc(b1, sizeof(b1)), -EBADMSG);
	uint8_t b2[] = { 0x81, 203, 0x00, 0x02, 0, 0, 0, 1, 0x04, 'a', 'b', 'c' };
	assert_int_equal(body_rc(b2, sizeof(b2)), -EBADMSG);
	b2[8] = 3;
	assert_int_equal(body_rc(b2, sizeof(b2)), 1);
	/* APP shorter than SSRC + name. */
	uint8_t a1[] = { 0x80, 204, 0x00, 0x01, 0, 0, 0, 1 };
	assert_int_equal(body_rc(a1, sizeof(a1)), -EBADMSG);
}

static void test_ntp_rtt(void **state)
{
	(void)state;
	assert_true(sp_ntp_from_unix_ms(0) == 2208988800ull << 32);
	assert_true(sp_ntp_from_unix_ms(1500) == ((2208988801ull << 32) | 0x80000000u));
	assert_true(sp_ntp_from_unix_ms(250) == ((2208988800ull << 32) | 0x40000000u));
	assert_int_equal(sp_ntp_mid32(0xb710800012345678ull), 0x80001234u);

	/* RFC 3550 Figure 2: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000
	 * (46853.125 s), DLSR = 0x0005:4000 (5.250 s): RTT 0x0006:2000
	 * (6.125 s). */
	int64_t rtt = sp_rtcp_rtt(0xb7108000u, 0xb7052000u, 0x00054000u);
	assert_int_equal(rtt, 0x00062000);
	assert_int_equal(sp_rtcp_units_to_ms((uint64_t)rtt), 6125);
	/* No SR yet; a DLSR making it negative. */
	assert_int_equal(sp_rtcp_rtt(0xb7108000u, 0, 0), -1);
	assert_int_equal(sp_rtcp_rtt(0xb7108000u, 0xb7052000u, 0x00100000u), -1);
	/* Across the wrap of the 32-bit middle word: 1 s exactly. */
	assert_int_equal(sp_rtcp_rtt(0x00008000u, 0xffff8000u, 0), 0x10000);
	assert_int_equal(sp_rtcp_units_to_ms(0x10000), 1000);
	assert_int_equal(sp_rtcp_units_to_ms(66), 1); /* 1.007 ms */
}

static void test_interval(void **state)
{
	(void)state;
	const double comp = 2.71828 - 1.5;
	struct sp_rtcp_interval_in in = {
		.members = 2, .senders = 2, .rtcp_bw = 500, .we_sent = true,
		.avg_rtcp_size = 100, .min_s = 5,
	};
	/* Deterministic 100*2/500 = 0.4 s, under the 5 s minimum. */
	assert_true(sp_rtcp_interval(&in, 0.0) == 5 * 0.5 / comp);
	assert_true(sp_rtcp_interval(&in, 0.5) == 5 * 1.0 / comp);
	double hi = sp_rtcp_interval(&in, 0.999999);
	assert_true(hi < 5 * 1.5 / comp && hi > 5 * 1.4999 / comp);
	/* Out-of-range random numbers act as the middle. */
	assert_true(sp_rtcp_interval(&in, 1.0) == 5 * 1.0 / comp);
	assert_true(sp_rtcp_interval(&in, -0.1) == 5 * 1.0 / comp);
	/* Initial: half the minimum. */
	in.initial = true;
	assert_true(sp_rtcp_interval(&in, 0.5) == 2.5 / comp);
	in.initial = false;
	/* Every value lies in [0.5, 1.5] of the deterministic interval. */
	for (int i = 0; i < 1000; i++) {
		double t = sp_rtcp_interval(&in, i / 1000.0);
		assert_true(t >= 2.5 / comp && t < 7.5 / comp);
	}
	/* Reduced minimum (§6.2): 360 / 80 kb/s = 4.5 s, or a test's 0.1 s;
	 * then the bandwidth term rules: 0.4 s. */
	in.min_s = 0.1;
	assert_true(sp_rtcp_interval(&in, 0.5) == 0.4 / comp);
	/* 1000 members, 10 senders: senders are under a quarter, so a
	 * sender shares 25% among 10 (100*10/125 = 8 s), a receiver 75%
	 * among 990 (100*990/375 = 264 s). */
	in.min_s = 5;
	in.members = 1000;
	in.senders = 10;
	double s = sp_rtcp_interval(&in, 0.5) * comp;
	assert_true(s > 7.999 && s < 8.001);
	in.we_sent = false;
	double r = sp_rtcp_interval(&in, 0.5) * comp;
	assert_true(r > 263.999 && r < 264.001);
	/* All senders (more than a quarter): no split, 100*1000/500. */
	in.senders = 1000;
	double a = sp_rtcp_interval(&in, 0.5) * comp;
	assert_true(a > 199.999 && a < 200.001);
	/* Zeroed input keeps the 5 s default and never divides by zero. */
	struct sp_rtcp_interval_in z = { 0 };
	assert_true(sp_rtcp_interval(&z, 0.5) == 5 / comp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compound),
		cmocka_unit_test(test_rr_and_print),
		cmocka_unit_test(test_padding_last),
		cmocka_unit_test(test_sdes_items),
		cmocka_unit_test(test_other_type),
		cmocka_unit_test(test_invalid_compound),
		cmocka_unit_test(test_invalid_bodies),
		cmocka_unit_test(test_ntp_rtt),
		cmocka_unit_test(test_interval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
