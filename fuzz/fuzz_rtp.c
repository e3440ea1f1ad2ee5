/*
 * libFuzzer target for RTP packets and receiver statistics (rtp.h). Every
 * run checks the contracts besides "no crash, no sanitizer report":
 *  - sp_rtp_parse returns 0 or -EBADMSG; on success the header, CSRCs,
 *    extension, payload and padding account for every input octet, in
 *    order, and every slice lies inside the input;
 *  - printing the parse gives back the input's length and bytes (the
 *    padding octets before the count are printed as zeros), and parsing
 *    the print gives the same packet;
 *  - the input read as a stream of 16-bit sequence numbers and 32-bit
 *    timestamps drives sp_rtp_source (§A.1, §A.3, §A.8) without undefined
 *    behaviour, with a report's fraction and lost in range.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void same(const struct sp_rtp_pkt *a, const struct sp_rtp_pkt *b)
{
	check(a->marker == b->marker && a->pt == b->pt && a->seq == b->seq);
	check(a->ts == b->ts && a->ssrc == b->ssrc && a->cc == b->cc);
	check(!memcmp(a->csrc, b->csrc, a->cc * sizeof(a->csrc[0])));
	check(a->ext == b->ext && a->ext_profile == b->ext_profile && a->ext_len == b->ext_len);
	check(!a->ext_len || !memcmp(a->ext_data, b->ext_data, a->ext_len));
	check(a->pad_len == b->pad_len && a->payload_len == b->payload_len);
	check(!a->payload_len || !memcmp(a->payload, b->payload, a->payload_len));
}

static void packet(const uint8_t *data, size_t size)
{
	struct sp_rtp_pkt pkt;
	int rc = sp_rtp_parse(&pkt, data, size);
	check(rc == 0 || rc == -EBADMSG);
	(void)sp_rtp_is_rtcp(data, size);
	if (rc)
		return;

	size_t hdr = SP_RTP_HDR_LEN + (size_t)pkt.cc * 4 + (pkt.ext ? 4 + pkt.ext_len : 0);
	check(pkt.pt < 128 && pkt.cc <= SP_RTP_MAX_CSRC && pkt.ext_len % 4 == 0);
	check(hdr + pkt.payload_len + pkt.pad_len == size);
	check(pkt.payload == data + hdr);
	check(!pkt.ext || pkt.ext_data == data + hdr - pkt.ext_len);
	check(!pkt.pad_len || data[size - 1] == pkt.pad_len);

	uint8_t *out = malloc(size);
	check(out != NULL);
	long n = sp_rtp_print(out, size, &pkt);
	check(n == (long)size);
	size_t pad_from = size - pkt.pad_len;
	check(!memcmp(out, data, pad_from));
	check(!pkt.pad_len || out[size - 1] == pkt.pad_len);
	if (size)
		check(sp_rtp_print(out, size - 1, &pkt) == -ENOSPC);
	check(sp_rtp_print(out, size, &pkt) == (long)size);
	struct sp_rtp_pkt again;
	check(sp_rtp_parse(&again, out, size) == 0);
	same(&pkt, &again);
	free(out);
}

static void stats(const uint8_t *data, size_t size)
{
	struct sp_rtp_source s;
	struct sp_rtcp_rb rb;
	if (size < 2)
		return;
	sp_rtp_source_init(&s, 1, (uint16_t)(data[0] << 8 | data[1]));
	for (size_t i = 0; i + 6 <= size; i += 6) {
		uint16_t seq = (uint16_t)(data[i] << 8 | data[i + 1]);
		uint32_t ts = (uint32_t)data[i + 2] << 24 | (uint32_t)data[i + 3] << 16 |
			      (uint32_t)data[i + 4] << 8 | data[i + 5];
		if (sp_rtp_source_update(&s, seq, size - i))
			sp_rtp_source_jitter(&s, ts, (uint32_t)i * 160);
		if (i % 60 == 0) {
			sp_rtp_source_report(&s, &rb);
			check(rb.lost >= -0x800000 && rb.lost <= 0x7fffff);
			check(rb.ext_seq == sp_rtp_source_ext_max(&s));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	packet(data, size);
	stats(data, size);
	return 0;
}
