/*
 * RTP packets (RFC 3550 §5.1): parsing of the fixed header, CSRC list,
 * header extension (§5.3.1) and padding into slices of the datagram, and
 * printing back. Every length comes from the input and is checked against
 * what is left before it is used.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "siphon/rtp.h"
#include "rtp_int.h"

#define EXT_MAX_WORDS 0xffffu

int sp_rtp_parse(struct sp_rtp_pkt *pkt, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!buf || len < SP_RTP_HDR_LEN)
		return -EBADMSG;
	if ((p[0] >> 6) != SP_RTP_VERSION) /* §5.1 V */
		return -EBADMSG;
	memset(pkt, 0, sizeof(*pkt));
	bool padding = p[0] & 0x20;
	pkt->ext = p[0] & 0x10;
	pkt->cc = p[0] & 0x0f;
	pkt->marker = p[1] & 0x80;
	pkt->pt = p[1] & 0x7f;
	pkt->seq = sp__get16(p + 2);
	pkt->ts = sp__get32(p + 4);
	pkt->ssrc = sp__get32(p + 8);

	size_t off = SP_RTP_HDR_LEN;
	if ((size_t)pkt->cc * 4 > len - off) /* CSRC list past the end */
		return -EBADMSG;
	for (unsigned i = 0; i < pkt->cc; i++, off += 4)
		pkt->csrc[i] = sp__get32(p + off);

	if (pkt->ext) { /* §5.3.1: profile word, length in 32-bit words, data */
		if (len - off < 4)
			return -EBADMSG;
		pkt->ext_profile = sp__get16(p + off);
		size_t words = sp__get16(p + off + 2);
		off += 4;
		if (words * 4 > len - off)
			return -EBADMSG;
		pkt->ext_data = p + off;
		pkt->ext_len = words * 4;
		off += words * 4;
	}

	size_t end = len;
	if (padding) { /* §5.1 P: the last octet counts the padding, itself included */
		uint8_t n = p[len - 1];
		if (n == 0 || n > len - off)
			return -EBADMSG;
		pkt->pad_len = n;
		end -= n;
	}
	pkt->payload = p + off;
	pkt->payload_len = end - off;
	return 0;
}

long sp_rtp_print(void *buf, size_t cap, const struct sp_rtp_pkt *pkt)
{
	uint8_t *p = buf;

	if (pkt->pt > 127 || pkt->cc > SP_RTP_MAX_CSRC)
		return -EINVAL;
	if (pkt->ext && (pkt->ext_len % 4 || pkt->ext_len / 4 > EXT_MAX_WORDS ||
			 (pkt->ext_len && !pkt->ext_data)))
		return -EINVAL;
	if (pkt->payload_len && !pkt->payload)
		return -EINVAL;

	size_t need = SP_RTP_HDR_LEN + (size_t)pkt->cc * 4;
	if (pkt->ext)
		need += 4 + pkt->ext_len;
	if (pkt->payload_len > SIZE_MAX / 2)
		return -ENOSPC;
	need += pkt->payload_len + pkt->pad_len;
	if (need > cap || need > (size_t)LONG_MAX)
		return -ENOSPC;

	p[0] = (uint8_t)(SP_RTP_VERSION << 6 | (pkt->pad_len ? 0x20 : 0) | (pkt->ext ? 0x10 : 0) |
			 pkt->cc);
	p[1] = (uint8_t)((pkt->marker ? 0x80 : 0) | pkt->pt);
	sp__put16(p + 2, pkt->seq);
	sp__put32(p + 4, pkt->ts);
	sp__put32(p + 8, pkt->ssrc);
	size_t off = SP_RTP_HDR_LEN;
	for (unsigned i = 0; i < pkt->cc; i++, off += 4)
		sp__put32(p + off, pkt->csrc[i]);
	if (pkt->ext) {
		sp__put16(p + off, pkt->ext_profile);
		sp__put16(p + off + 2, (uint16_t)(pkt->ext_len / 4));
		off += 4;
		if (pkt->ext_len)
			memmove(p + off, pkt->ext_data, pkt->ext_len);
		off += pkt->ext_len;
	}
	if (pkt->payload_len)
		memmove(p + off, pkt->payload, pkt->payload_len);
	off += pkt->payload_len;
	if (pkt->pad_len) {
		memset(p + off, 0, pkt->pad_len);
		off += pkt->pad_len;
		p[off - 1] = pkt->pad_len;
	}
	return (long)off;
}

bool sp_rtp_is_rtcp(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	return len >= 2 && p[1] >= 192 && p[1] <= 223; /* RFC 5761 §4 */
}
