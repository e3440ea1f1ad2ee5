/*
 * RTCP packets (RFC 3550 §6.4-§6.7): validation of a compound packet's
 * header chain (§A.2, §6.1) and decoding of one packet at a time into
 * slices of the datagram: SR and RR with their report blocks and profile
 * extension, SDES chunks and items, BYE with its reason, APP, and any other
 * type as a raw body. Every length is checked against what is left of the
 * packet before it is used.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "siphon/rtcp.h"
#include "rtp_int.h"

/* Header chain checks of §A.2. first_rule: the compound must open with an
 * SR or RR (RFC 5506 reduced-size packets are the exception). */
static int validate(const uint8_t *p, size_t len, bool first_rule)
{
	if (!p || len < SP_RTCP_HDR_LEN)
		return -EBADMSG;
	if (first_rule) {
		/* §A.2: first packet version 2, no padding, SR or RR. */
		if ((p[0] & 0xe0) != 0x80 || (p[1] != SP_RTCP_SR && p[1] != SP_RTCP_RR))
			return -EBADMSG;
	}
	size_t off = 0;
	while (off < len) {
		if (len - off < SP_RTCP_HDR_LEN)
			return -EBADMSG;
		const uint8_t *h = p + off;
		if ((h[0] >> 6) != 2)
			return -EBADMSG;
		size_t plen = ((size_t)sp__get16(h + 2) + 1) * 4;
		if (plen > len - off)
			return -EBADMSG; /* length past the compound */
		if (h[0] & 0x20) {
			/* Padding only in the last packet (§6.4.1, §A.2), and no
			 * more of it than the packet's body. */
			if (off + plen != len)
				return -EBADMSG;
			uint8_t n = h[plen - 1];
			if (n == 0 || n > plen - SP_RTCP_HDR_LEN)
				return -EBADMSG;
		}
		off += plen;
	}
	return 0; /* the lengths summed to len exactly */
}

int sp_rtcp_parse(struct sp_rtcp_iter *it, const void *buf, size_t len)
{
	int rc = validate(buf, len, true);
	if (!rc) {
		it->p = buf;
		it->end = it->p + len;
	}
	return rc;
}

int sp_rtcp_parse_any(struct sp_rtcp_iter *it, const void *buf, size_t len)
{
	int rc = validate(buf, len, false);
	if (!rc) {
		it->p = buf;
		it->end = it->p + len;
	}
	return rc;
}

static void get_rb(const uint8_t *b, struct sp_rtcp_rb *rb)
{
	rb->ssrc = sp__get32(b);
	rb->fraction = b[4];
	uint32_t lost = (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	/* 24-bit two's complement (§6.4.1 "cumulative number of packets lost") */
	rb->lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
	rb->ext_seq = sp__get32(b + 8);
	rb->jitter = sp__get32(b + 12);
	rb->lsr = sp__get32(b + 16);
	rb->dlsr = sp__get32(b + 20);
}

/* SR/RR (§6.4.1, §6.4.2): SSRC, sender info for SR, report blocks, then
 * whatever is left is the profile-specific extension. */
static int decode_report(struct sp_rtcp_pkt *pkt, const uint8_t *b, size_t n)
{
	size_t need = 4 + (pkt->pt == SP_RTCP_SR ? 20 : 0) + (size_t)pkt->count * SP_RTCP_RB_LEN;
	if (need > n)
		return -EBADMSG;
	pkt->u.r.ssrc = sp__get32(b);
	size_t off = 4;
	if (pkt->pt == SP_RTCP_SR) {
		pkt->u.r.si.ntp = (uint64_t)sp__get32(b + 4) << 32 | sp__get32(b + 8);
		pkt->u.r.si.rtp_ts = sp__get32(b + 12);
		pkt->u.r.si.packets = sp__get32(b + 16);
		pkt->u.r.si.octets = sp__get32(b + 20);
		off += 20;
	}
	for (unsigned i = 0; i < pkt->count; i++, off += SP_RTCP_RB_LEN)
		get_rb(b + off, &pkt->u.r.rb[i]);
	pkt->u.r.ext = off < n ? b + off : NULL;
	pkt->u.r.ext_len = n - off;
	return 0;
}

/* SDES (§6.5): count chunks, each an SSRC and items up to a null octet,
 * then null octets to the next 32-bit boundary. b is 4-aligned relative to
 * the packet start, so offsets from b align the same way. */
static int decode_sdes(struct sp_rtcp_pkt *pkt, const uint8_t *b, size_t n)
{
	size_t off = 0;
	for (unsigned c = 0; c < pkt->count; c++) {
		struct sp_rtcp_sdes_chunk *ch = &pkt->u.sdes.chunk[c];
		memset(ch, 0, sizeof(*ch));
		if (n - off < 4)
			return -EBADMSG;
		ch->ssrc = sp__get32(b + off);
		off += 4;
		for (;;) {
			if (off >= n)
				return -EBADMSG; /* no terminating null octet */
			uint8_t type = b[off];
			if (type == SP_SDES_END) {
				off = (off + 4) & ~(size_t)3; /* null, then to 32 bits */
				if (off > n)
					return -EBADMSG;
				break;
			}
			if (n - off < 2 || b[off + 1] > n - off - 2)
				return -EBADMSG;
			uint8_t ilen = b[off + 1];
			if (type < SP_SDES_NITEMS && !ch->item[type].p) {
				ch->item[type].p = b + off + 2;
				ch->item[type].len = ilen;
			}
			off += 2 + (size_t)ilen;
		}
	}
	return 0;
}

/* BYE (§6.6): count SSRC/CSRCs, then an optional length-prefixed reason. */
static int decode_bye(struct sp_rtcp_pkt *pkt, const uint8_t *b, size_t n)
{
	size_t off = (size_t)pkt->count * 4;
	if (off > n)
		return -EBADMSG;
	for (unsigned i = 0; i < pkt->count; i++)
		pkt->u.bye.ssrc[i] = sp__get32(b + 4 * i);
	pkt->u.bye.reason = NULL;
	pkt->u.bye.reason_len = 0;
	if (off < n) {
		uint8_t rlen = b[off];
		if (rlen > n - off - 1)
			return -EBADMSG;
		pkt->u.bye.reason = b + off + 1;
		pkt->u.bye.reason_len = rlen;
	}
	return 0;
}

int sp_rtcp_next(struct sp_rtcp_iter *it, struct sp_rtcp_pkt *pkt)
{
	if (!it->p || it->p >= it->end)
		return 0;
	const uint8_t *h = it->p;
	/* The chain was validated: the length fits and padding is sane. */
	size_t plen = ((size_t)sp__get16(h + 2) + 1) * 4;
	memset(pkt, 0, offsetof(struct sp_rtcp_pkt, u));
	pkt->pt = h[1];
	pkt->count = h[0] & 0x1f;
	pkt->pad_len = (h[0] & 0x20) ? h[plen - 1] : 0;
	pkt->raw = h;
	pkt->raw_len = plen;
	it->p += plen;

	const uint8_t *b = h + SP_RTCP_HDR_LEN;
	size_t n = plen - SP_RTCP_HDR_LEN - pkt->pad_len;
	int rc = 0;
	switch (pkt->pt) {
	case SP_RTCP_SR:
	case SP_RTCP_RR:
		rc = decode_report(pkt, b, n);
		break;
	case SP_RTCP_SDES:
		rc = decode_sdes(pkt, b, n);
		break;
	case SP_RTCP_BYE:
		rc = decode_bye(pkt, b, n);
		break;
	case SP_RTCP_APP: /* §6.7: SSRC, 4-octet name, data */
		if (n < 8) {
			rc = -EBADMSG;
			break;
		}
		pkt->u.app.ssrc = sp__get32(b);
		memcpy(pkt->u.app.name, b + 4, 4);
		pkt->u.app.data = n > 8 ? b + 8 : NULL;
		pkt->u.app.data_len = n - 8;
		break;
	default:
		pkt->u.other.body = n ? b : NULL;
		pkt->u.other.body_len = n;
		break;
	}
	if (rc) {
		it->p = it->end = NULL;
		return rc;
	}
	return 1;
}
