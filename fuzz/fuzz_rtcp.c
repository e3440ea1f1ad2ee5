/*
 * libFuzzer target for RTCP compound packets (rtcp.h). Every run checks,
 * besides "no crash, no sanitizer report":
 *  - sp_rtcp_parse and sp_rtcp_parse_any return 0 or -EBADMSG, and a
 *    compound valid by the first accepts the second;
 *  - the packets sp_rtcp_next yields tile the input exactly, each slice
 *    inside its packet, and iteration ends (0, or -EBADMSG then 0);
 *  - every decoded packet prints: SR, RR, APP and other types to their
 *    original length and bytes (padding octets before the count as
 *    zeros); SDES and BYE (which drop unknown items and trailing octets)
 *    to a packet that decodes the same, unless odd padding makes them
 *    unprintable (-EINVAL);
 *  - sp_rtcp_interval stays within its bounds for inputs taken from the
 *    bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void inside(const struct sp_rtcp_pkt *p, const uint8_t *s, size_t len)
{
	if (!s) {
		check(len == 0);
		return;
	}
	check(s >= p->raw && len <= p->raw_len && (size_t)(s - p->raw) <= p->raw_len - len);
}

static bool eq_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return al == bl && (!al || !memcmp(a, b, al));
}

static void same(const struct sp_rtcp_pkt *a, const struct sp_rtcp_pkt *b)
{
	check(a->pt == b->pt && a->count == b->count && a->pad_len == b->pad_len);
	switch (a->pt) {
	case SP_RTCP_SR:
	case SP_RTCP_RR:
		check(a->u.r.ssrc == b->u.r.ssrc);
		if (a->pt == SP_RTCP_SR) {
			const struct sp_rtcp_sender *x = &a->u.r.si, *y = &b->u.r.si;
			check(x->ntp == y->ntp && x->rtp_ts == y->rtp_ts);
			check(x->packets == y->packets && x->octets == y->octets);
		}
		for (unsigned i = 0; i < a->count; i++) {
			const struct sp_rtcp_rb *x = &a->u.r.rb[i], *y = &b->u.r.rb[i];
			check(x->ssrc == y->ssrc && x->fraction == y->fraction);
			check(x->lost == y->lost && x->ext_seq == y->ext_seq);
			check(x->jitter == y->jitter && x->lsr == y->lsr && x->dlsr == y->dlsr);
		}
		check(eq_bytes(a->u.r.ext, a->u.r.ext_len, b->u.r.ext, b->u.r.ext_len));
		break;
	case SP_RTCP_SDES:
		for (unsigned c = 0; c < a->count; c++) {
			const struct sp_rtcp_sdes_chunk *x = &a->u.sdes.chunk[c];
			const struct sp_rtcp_sdes_chunk *y = &b->u.sdes.chunk[c];
			check(x->ssrc == y->ssrc);
			for (unsigned t = 0; t < SP_SDES_NITEMS; t++) {
				check(!x->item[t].p == !y->item[t].p);
				check(eq_bytes(x->item[t].p, x->item[t].len, y->item[t].p,
					       y->item[t].len));
			}
		}
		break;
	case SP_RTCP_BYE:
		check(!memcmp(a->u.bye.ssrc, b->u.bye.ssrc, a->count * 4));
		check(!a->u.bye.reason == !b->u.bye.reason);
		check(eq_bytes(a->u.bye.reason, a->u.bye.reason_len, b->u.bye.reason,
			       b->u.bye.reason_len));
		break;
	case SP_RTCP_APP:
		check(a->u.app.ssrc == b->u.app.ssrc && !memcmp(a->u.app.name, b->u.app.name, 4));
		check(eq_bytes(a->u.app.data, a->u.app.data_len, b->u.app.data, b->u.app.data_len));
		break;
	default:
		check(eq_bytes(a->u.other.body, a->u.other.body_len, b->u.other.body,
			       b->u.other.body_len));
		break;
	}
}

static void one(const struct sp_rtcp_pkt *p)
{
	switch (p->pt) {
	case SP_RTCP_SR:
	case SP_RTCP_RR:
		inside(p, p->u.r.ext, p->u.r.ext_len);
		for (unsigned i = 0; i < p->count; i++)
			check(p->u.r.rb[i].lost >= -0x800000 && p->u.r.rb[i].lost <= 0x7fffff);
		break;
	case SP_RTCP_SDES:
		for (unsigned c = 0; c < p->count; c++)
			for (unsigned t = 0; t < SP_SDES_NITEMS; t++)
				inside(p, p->u.sdes.chunk[c].item[t].p,
				       p->u.sdes.chunk[c].item[t].len);
		break;
	case SP_RTCP_BYE:
		inside(p, p->u.bye.reason, p->u.bye.reason_len);
		break;
	case SP_RTCP_APP:
		inside(p, p->u.app.data, p->u.app.data_len);
		break;
	default:
		inside(p, p->u.other.body, p->u.other.body_len);
		break;
	}

	size_t cap = p->raw_len + 64;
	uint8_t *out = malloc(cap);
	check(out != NULL);
	long n = sp_rtcp_print(out, cap, p);
	bool reshapes = p->pt == SP_RTCP_SDES || p->pt == SP_RTCP_BYE;
	if (n < 0) {
		check(n == -EINVAL && reshapes && p->pad_len % 4);
		free(out);
		return;
	}
	if (!reshapes) {
		check((size_t)n == p->raw_len);
		check(!memcmp(out, p->raw, p->raw_len - p->pad_len));
	}
	check(n >= 4 && n % 4 == 0);
	struct sp_rtcp_iter it;
	struct sp_rtcp_pkt q;
	check(sp_rtcp_parse_any(&it, out, (size_t)n) == 0);
	check(sp_rtcp_next(&it, &q) == 1);
	same(p, &q);
	check(sp_rtcp_next(&it, &q) == 0);
	free(out);
}

static void interval(const uint8_t *d, size_t size)
{
	if (size < 8)
		return;
	struct sp_rtcp_interval_in in = {
		.members = 1u + d[0] * 256u + d[1],
		.senders = d[2],
		.rtcp_bw = 1 + d[3] * 100.0,
		.we_sent = d[4] & 1,
		.avg_rtcp_size = 28 + d[5] * 4.0,
		.initial = d[4] & 2,
		.min_s = d[6] / 10.0,
	};
	double t = sp_rtcp_interval(&in, d[7] / 256.0);
	check(t > 0 && t == t);
	double min = (in.min_s > 0 ? in.min_s : 5) / (in.initial ? 2 : 1);
	check(t >= min * 0.5 / (2.71828 - 1.5) * 0.999999);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_rtcp_iter it;
	struct sp_rtcp_pkt *pkt = malloc(sizeof(*pkt));
	check(pkt != NULL);

	int strict = sp_rtcp_parse(&it, data, size);
	int any = sp_rtcp_parse_any(&it, data, size);
	check(strict == 0 || strict == -EBADMSG);
	check(any == 0 || any == -EBADMSG);
	check(strict != 0 || any == 0);
	if (any == 0) {
		size_t total = 0;
		int rc;
		while ((rc = sp_rtcp_next(&it, pkt)) == 1) {
			check(pkt->raw == data + total);
			check(pkt->raw_len >= 4 && pkt->raw_len % 4 == 0);
			total += pkt->raw_len;
			check(total <= size);
			one(pkt);
		}
		check(rc == 0 || rc == -EBADMSG);
		check(sp_rtcp_next(&it, pkt) == 0);
		check(rc != 0 || total == size);
	}
	interval(data, size);
	free(pkt);
	return 0;
}
