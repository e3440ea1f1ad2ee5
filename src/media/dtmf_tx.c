/*
 * RFC 4733 §2.5.1 sender: one state machine per stream, ticked once per
 * packetisation interval by the RTP layer. It owns no socket and no
 * clock: the caller's RTP timestamp fixes where an event starts, and
 * each tick is one ptime later.
 */
#include <errno.h>
#include <string.h>

#include "siphon/dtmf.h"
#include "siphon/mem.h"

#define QUEUE 64

enum tx_state {
	TX_IDLE,   /* nothing to send: audio */
	TX_TONE,   /* event in progress: updates */
	TX_END,    /* final packet retransmissions */
	TX_GAP,    /* pause between digits: audio */
};

struct sp_dtmf_tx {
	enum tx_state state;
	uint32_t ptime;    /* samples per packet */
	uint32_t tone;     /* event length, samples (whole packets) */
	uint32_t gap;      /* pause, packets */
	uint8_t volume;
	char q[QUEUE];
	unsigned qhead, qlen;
	/* The event being sent. */
	char digit;
	uint8_t event;
	uint32_t seg_ts;   /* timestamp of the current segment */
	uint64_t elapsed;  /* samples since the event began, at this packet's end */
	uint64_t seg_base; /* elapsed at the start of the current segment */
	unsigned ends;     /* end packets sent */
	uint32_t gap_left; /* packets of pause still due */
	uint16_t final;    /* duration in the end packets */
};

int sp_dtmf_tx_create(struct sp_dtmf_tx **out, unsigned ptime_ms, unsigned tone_ms,
		      unsigned gap_ms, uint8_t volume)
{
	return sp_dtmf_tx_create_clock(out, SP_AUDIO_RATE, ptime_ms, tone_ms, gap_ms, volume);
}

int sp_dtmf_tx_create_clock(struct sp_dtmf_tx **out, uint32_t clock_hz, unsigned ptime_ms,
			    unsigned tone_ms, unsigned gap_ms, uint8_t volume)
{
	if (ptime_ms < 10 || ptime_ms > 100 || tone_ms == 0 || tone_ms > 3600000 ||
	    gap_ms > 60000 || volume > 63 || clock_hz < 1000 || clock_hz > 192000 ||
	    clock_hz % 1000)
		return -EINVAL;
	struct sp_dtmf_tx *tx = sp_mem_zalloc(sizeof(*tx), NULL);
	if (!tx)
		return -ENOMEM;
	/* RFC 4733 §2.1: durations count in the event's timestamp clock. */
	tx->ptime = ptime_ms * (clock_hz / 1000);
	uint32_t packets = (tone_ms + ptime_ms - 1) / ptime_ms;
	tx->tone = packets * tx->ptime;
	tx->gap = (gap_ms + ptime_ms - 1) / ptime_ms;
	tx->volume = volume;
	*out = tx;
	return 0;
}

int sp_dtmf_tx_send(struct sp_dtmf_tx *tx, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (sp_dtmf_digit_to_event(s[i]) < 0)
			return -EINVAL;
	if (n > QUEUE - tx->qlen)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		tx->q[(tx->qhead + tx->qlen++) % QUEUE] = s[i];
	return (int)n;
}

bool sp_dtmf_tx_busy(const struct sp_dtmf_tx *tx)
{
	return tx->state == TX_TONE || tx->state == TX_END || tx->qlen > 0;
}

static void emit(struct sp_dtmf_tx *tx, struct sp_dtmf_pkt *pkt, bool marker, bool end,
		 uint16_t duration)
{
	struct sp_dtmf_event ev = {
		.event = tx->event, .end = end, .volume = tx->volume, .duration = duration};
	pkt->len = (size_t)sp_dtmf_event_encode(pkt->payload, &ev);
	pkt->marker = marker;
	pkt->ts = tx->seg_ts;
	pkt->digit = tx->digit;
	pkt->end = end;
}

/* An update while the tone lasts (§2.5.1.2), the first end packet when
 * it is over (§2.5.1.4), or the close of a full segment (§2.5.1.3). */
static void progress(struct sp_dtmf_tx *tx, struct sp_dtmf_pkt *pkt, bool marker)
{
	uint64_t seg_dur = tx->elapsed - tx->seg_base;
	if (tx->elapsed >= tx->tone && tx->tone - tx->seg_base <= SP_DTMF_MAX_DURATION) {
		tx->final = (uint16_t)(tx->tone - tx->seg_base);
		tx->state = TX_END;
		tx->ends = 1;
		emit(tx, pkt, marker, true, tx->final);
		return;
	}
	if (seg_dur > SP_DTMF_MAX_DURATION) {
		/* §2.5.1.3: report the full segment, without the E bit;
		 * the next one starts 0xFFFF later. No marker there:
		 * it is the same event. */
		emit(tx, pkt, marker, false, SP_DTMF_MAX_DURATION);
		tx->seg_ts += SP_DTMF_MAX_DURATION;
		tx->seg_base += SP_DTMF_MAX_DURATION;
		return;
	}
	emit(tx, pkt, marker, false, (uint16_t)seg_dur);
}

/* RFC 4733 §2.5.1: one packetisation interval. */
int sp_dtmf_tx_next(struct sp_dtmf_tx *tx, uint32_t rtp_ts, struct sp_dtmf_pkt *pkt)
{
	switch (tx->state) {
	case TX_GAP:
		if (tx->gap_left) {
			tx->gap_left--;
			return 0;
		}
		tx->state = TX_IDLE;
		__attribute__((fallthrough)); /* clang does not read comments */
	case TX_IDLE:
		if (!tx->qlen)
			return 0;
		tx->digit = tx->q[tx->qhead];
		tx->qhead = (tx->qhead + 1) % QUEUE;
		tx->qlen--;
		tx->event = (uint8_t)sp_dtmf_digit_to_event(tx->digit);
		/* §2.5.1.1: the event starts at this packet's timestamp;
		 * its first packet carries the marker bit. */
		tx->seg_ts = rtp_ts;
		tx->seg_base = 0;
		tx->elapsed = tx->ptime;
		tx->state = TX_TONE;
		progress(tx, pkt, true);
		return 1;
	case TX_TONE:
		tx->elapsed += tx->ptime;
		progress(tx, pkt, false);
		return 1;
	case TX_END:
		/* §2.5.1.4: the final packet again, same duration. */
		emit(tx, pkt, false, true, tx->final);
		if (++tx->ends == SP_DTMF_END_PACKETS) {
			tx->state = TX_GAP;
			tx->gap_left = tx->gap;
		}
		return 1;
	}
	return 0;
}
