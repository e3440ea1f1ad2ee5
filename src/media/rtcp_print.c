/*
 * RTCP printing (RFC 3550 §6.4-§6.7): one packet at a time from the same
 * struct sp_rtcp_next fills, so that parse, print and parse again gives the
 * same packet. Compound packets are packets printed one after another.
 */
#include <errno.h>
#include <string.h>

#include "siphon/rtcp.h"
#include "rtp_int.h"

/* A bounded writer: off only grows while everything fits. */
struct wr {
	uint8_t *p;
	size_t cap, off;
	bool full;
};

static uint8_t *room(struct wr *w, size_t n)
{
	if (w->full || n > w->cap - w->off) {
		w->full = true;
		return NULL;
	}
	uint8_t *at = w->p + w->off;
	w->off += n;
	return at;
}

static void put32(struct wr *w, uint32_t v)
{
	uint8_t *at = room(w, 4);
	if (at)
		sp__put32(at, v);
}

static void put_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *at = room(w, n);
	if (at && n)
		memmove(at, src, n);
}

static void put_zeros(struct wr *w, size_t n)
{
	uint8_t *at = room(w, n);
	if (at)
		memset(at, 0, n);
}

static void put_rb(struct wr *w, const struct sp_rtcp_rb *rb)
{
	uint8_t *at = room(w, SP_RTCP_RB_LEN);
	if (!at)
		return;
	int32_t lost = rb->lost;
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	uint32_t l24 = (uint32_t)lost & 0xffffff;
	sp__put32(at, rb->ssrc);
	sp__put32(at + 4, (uint32_t)rb->fraction << 24 | l24);
	sp__put32(at + 8, rb->ext_seq);
	sp__put32(at + 12, rb->jitter);
	sp__put32(at + 16, rb->lsr);
	sp__put32(at + 20, rb->dlsr);
}

static bool slice_ok(const void *p, size_t len)
{
	return p || !len;
}

/* The body after the common header; returns -EINVAL for an unprintable
 * packet, else 0 (overflow shows in w->full). */
static int body(struct wr *w, const struct sp_rtcp_pkt *pkt)
{
	switch (pkt->pt) {
	case SP_RTCP_SR:
	case SP_RTCP_RR:
		if (!slice_ok(pkt->u.r.ext, pkt->u.r.ext_len))
			return -EINVAL;
		put32(w, pkt->u.r.ssrc);
		if (pkt->pt == SP_RTCP_SR) {
			put32(w, (uint32_t)(pkt->u.r.si.ntp >> 32));
			put32(w, (uint32_t)pkt->u.r.si.ntp);
			put32(w, pkt->u.r.si.rtp_ts);
			put32(w, pkt->u.r.si.packets);
			put32(w, pkt->u.r.si.octets);
		}
		for (unsigned i = 0; i < pkt->count; i++)
			put_rb(w, &pkt->u.r.rb[i]);
		put_bytes(w, pkt->u.r.ext, pkt->u.r.ext_len);
		return 0;
	case SP_RTCP_SDES:
		for (unsigned c = 0; c < pkt->count; c++) {
			const struct sp_rtcp_sdes_chunk *ch = &pkt->u.sdes.chunk[c];
			size_t start = w->off;
			put32(w, ch->ssrc);
			for (unsigned t = 1; t < SP_SDES_NITEMS; t++) {
				if (!ch->item[t].p)
					continue;
				uint8_t hdr[2] = { (uint8_t)t, ch->item[t].len };
				put_bytes(w, hdr, 2);
				put_bytes(w, ch->item[t].p, ch->item[t].len);
			}
			/* §6.5: a null octet, then nulls to 32 bits. */
			size_t used = w->off - start + 1;
			put_zeros(w, 1 + ((4 - used % 4) % 4));
		}
		return 0;
	case SP_RTCP_BYE:
		if (!slice_ok(pkt->u.bye.reason, pkt->u.bye.reason_len))
			return -EINVAL;
		for (unsigned i = 0; i < pkt->count; i++)
			put32(w, pkt->u.bye.ssrc[i]);
		if (pkt->u.bye.reason) { /* §6.6: length octet, text, nulls to 32 bits */
			uint8_t n = pkt->u.bye.reason_len;
			put_bytes(w, &n, 1);
			put_bytes(w, pkt->u.bye.reason, n);
			put_zeros(w, (4 - (1 + (size_t)n) % 4) % 4);
		}
		return 0;
	case SP_RTCP_APP:
		if (!slice_ok(pkt->u.app.data, pkt->u.app.data_len))
			return -EINVAL;
		put32(w, pkt->u.app.ssrc);
		put_bytes(w, pkt->u.app.name, 4);
		put_bytes(w, pkt->u.app.data, pkt->u.app.data_len);
		return 0;
	default:
		if (!slice_ok(pkt->u.other.body, pkt->u.other.body_len))
			return -EINVAL;
		put_bytes(w, pkt->u.other.body, pkt->u.other.body_len);
		return 0;
	}
}

long sp_rtcp_print(void *buf, size_t cap, const struct sp_rtcp_pkt *pkt)
{
	struct wr w = { buf, cap, 0, false };

	if (pkt->count > SP_RTCP_MAX_COUNT)
		return -EINVAL;
	put_zeros(&w, SP_RTCP_HDR_LEN);
	int rc = body(&w, pkt);
	if (rc)
		return rc;
	if (pkt->pad_len) {
		put_zeros(&w, pkt->pad_len);
		if (!w.full)
			w.p[w.off - 1] = pkt->pad_len;
	}
	if (w.full)
		return -ENOSPC;
	/* §6.4.1 length: 32-bit words minus one; the whole packet must be a
	 * multiple of 4 octets and fit the 16-bit field. */
	if (w.off % 4 || w.off / 4 - 1 > 0xffff)
		return -EINVAL;
	w.p[0] = (uint8_t)(0x80 | (pkt->pad_len ? 0x20 : 0) | pkt->count);
	w.p[1] = pkt->pt;
	sp__put16(w.p + 2, (uint16_t)(w.off / 4 - 1));
	return (long)w.off;
}
