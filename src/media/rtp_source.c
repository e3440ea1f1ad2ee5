/*
 * Receiver statistics for one RTP source (RFC 3550 Appendix A): source
 * validation and sequence number tracking across wrap-around and restarts
 * (§A.1), expected and lost packets and the fraction lost per report
 * interval (§A.3), and the interarrival jitter estimate (§A.8, integer
 * form). On top of §A.1, a 64-bit window of the sequence numbers below
 * the highest tells duplicates from packets merely out of order.
 */
#include "siphon/rtp.h"

#define WINDOW 64

/* §A.1 init_seq() */
static void init_seq(struct sp_rtp_source *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = SP_RTP_SEQ_MOD + 1; /* so seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
	s->seen = 1;
}

void sp_rtp_source_init(struct sp_rtp_source *s, uint32_t ssrc, uint16_t seq)
{
	*s = (struct sp_rtp_source){ .ssrc = ssrc };
	init_seq(s, seq);
	s->max_seq = (uint16_t)(seq - 1);
	s->probation = SP_RTP_MIN_SEQUENTIAL;
}

/* Marks seq, back steps below max_seq, in the window: a duplicate if it
 * was there already, else a packet out of order. */
static void mark_old(struct sp_rtp_source *s, unsigned back)
{
	if (back < WINDOW) {
		uint64_t bit = (uint64_t)1 << back;
		if (s->seen & bit) {
			s->duplicates++;
			return;
		}
		s->seen |= bit;
	}
	s->out_of_order++;
}

/* §A.1 update_seq() */
bool sp_rtp_source_update(struct sp_rtp_source *s, uint16_t seq, size_t payload_len)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (s->probation) {
		/* Packet is in sequence. The cast keeps 65535 -> 0 in sequence,
		 * which the int promotion of §A.1's "s->max_seq + 1" misses. */
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				init_seq(s, seq);
				s->received++;
				s->octets += payload_len;
				return true;
			}
		} else {
			s->probation = SP_RTP_MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return false;
	} else if (udelta < SP_RTP_MAX_DROPOUT) {
		/* In order, with permissible gap. */
		if (udelta == 0) {
			s->duplicates++;
		} else {
			if (seq < s->max_seq)
				s->cycles += SP_RTP_SEQ_MOD; /* wrapped: another 64K cycle */
			s->seen = udelta >= WINDOW ? 1 : (s->seen << udelta) | 1;
		}
		s->max_seq = seq;
	} else if (udelta <= SP_RTP_SEQ_MOD - SP_RTP_MAX_MISORDER) {
		/* The sequence number made a very large jump. */
		if (seq == s->bad_seq) {
			/* Two sequential packets: assume the other side restarted
			 * without telling us, so re-sync (as if the first packet). */
			init_seq(s, seq);
		} else {
			s->bad_seq = (seq + 1) & (SP_RTP_SEQ_MOD - 1);
			return false;
		}
	} else {
		/* Duplicate or reordered packet. */
		mark_old(s, (uint16_t)(s->max_seq - seq));
	}
	s->received++;
	s->octets += payload_len;
	return true;
}

/* §A.8, integer arithmetic: jitter is kept scaled by 16. The first packet
 * only records its transit time. */
void sp_rtp_source_jitter(struct sp_rtp_source *s, uint32_t ts, uint32_t arrival)
{
	uint32_t transit = arrival - ts;
	if (!s->have_transit) {
		s->have_transit = true;
		s->transit = transit;
		return;
	}
	int32_t d = (int32_t)(transit - s->transit);
	s->transit = transit;
	uint32_t ad = d < 0 ? (uint32_t)0 - (uint32_t)d : (uint32_t)d;
	s->jitter += ad - ((s->jitter + 8) >> 4);
}

uint32_t sp_rtp_source_jitter_ts(const struct sp_rtp_source *s)
{
	return s->jitter >> 4;
}

/* §A.3 */
uint32_t sp_rtp_source_ext_max(const struct sp_rtp_source *s)
{
	return s->cycles + s->max_seq;
}

uint32_t sp_rtp_source_expected(const struct sp_rtp_source *s)
{
	if (s->probation)
		return 0;
	return sp_rtp_source_ext_max(s) - s->base_seq + 1;
}

int32_t sp_rtp_source_lost(const struct sp_rtp_source *s)
{
	int64_t lost = (int64_t)sp_rtp_source_expected(s) - (int64_t)s->received;
	if (lost > 0x7fffff) /* 24-bit signed field (§6.4.1) */
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	return (int32_t)lost;
}

void sp_rtp_source_report(struct sp_rtp_source *s, struct sp_rtcp_rb *rb)
{
	uint32_t expected = sp_rtp_source_expected(s);
	uint32_t expected_interval = expected - s->expected_prior;
	uint32_t received_interval = s->received - s->received_prior;
	int64_t lost_interval = (int64_t)expected_interval - (int64_t)received_interval;

	s->expected_prior = expected;
	s->received_prior = s->received;
	*rb = (struct sp_rtcp_rb){ .ssrc = s->ssrc };
	if (expected_interval != 0 && lost_interval > 0) {
		uint64_t f = ((uint64_t)lost_interval << 8) / expected_interval;
		rb->fraction = f > 255 ? 255 : (uint8_t)f; /* all lost: 256 */
	}
	rb->lost = sp_rtp_source_lost(s);
	rb->ext_seq = sp_rtp_source_ext_max(s);
	rb->jitter = sp_rtp_source_jitter_ts(s);
}
