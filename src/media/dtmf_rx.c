/*
 * RFC 4733 §2.5.2 receiver: turns the stream of event packets into one
 * "begin" and one "end" per event. Events are told apart by their RTP
 * timestamp (§2.5.1.1: all packets of an event carry its start time), so
 * repeated updates and the three end packets (§2.5.1.4) collapse into
 * one event, a lost start packet only delays the begin to the first
 * packet that does arrive, and a packet older than the current event is
 * dropped. Sequence numbers back this up across timestamp wrap.
 */
#include <errno.h>

#include "siphon/dtmf.h"
#include "siphon/mem.h"

struct sp_dtmf_rx {
	bool have;       /* an event has been seen */
	bool ended;      /* ...and it is over */
	uint8_t event;
	uint8_t volume;
	uint32_t ev_ts;  /* start of the event */
	uint32_t seg_ts; /* start of its current segment (§2.5.1.3) */
	uint64_t seg_base; /* duration of the segments before it */
	uint64_t dur;    /* total duration so far */
	bool have_seq;
	uint16_t max_seq;
};

int sp_dtmf_rx_create(struct sp_dtmf_rx **out)
{
	struct sp_dtmf_rx *rx = sp_mem_zalloc(sizeof(*rx), NULL);
	if (!rx)
		return -ENOMEM;
	*out = rx;
	return 0;
}

static void report(const struct sp_dtmf_rx *rx, struct sp_dtmf_report *r, bool begin, bool end)
{
	r->event = rx->event;
	r->digit = sp_dtmf_event_to_digit(rx->event);
	r->volume = rx->volume;
	r->ts = rx->ev_ts;
	r->duration = rx->dur > UINT32_MAX ? UINT32_MAX : (uint32_t)rx->dur;
	r->begin = begin;
	r->end = end;
}

/* Updates the current event with a report for its current segment;
 * returns whether this report ends it. */
static bool update(struct sp_dtmf_rx *rx, const struct sp_dtmf_event *ev)
{
	uint64_t d = rx->seg_base + ev->duration;
	if (d > rx->dur)
		rx->dur = d;
	rx->volume = ev->volume;
	if (ev->end)
		rx->ended = true;
	return ev->end;
}

int sp_dtmf_rx_input(struct sp_dtmf_rx *rx, const uint8_t *payload, size_t len,
		     uint32_t ts, uint16_t seq, struct sp_dtmf_report out[2])
{
	struct sp_dtmf_event ev;
	if (sp_dtmf_event_decode(&ev, payload, len))
		return -EBADMSG;
	bool older_seq = rx->have_seq && (int16_t)(seq - rx->max_seq) < 0;
	if (!rx->have_seq || !older_seq) {
		rx->max_seq = seq;
		rx->have_seq = true;
	}
	if (rx->have) {
		int32_t age = (int32_t)(ts - rx->seg_ts);
		if (age == 0 && ev.event == rx->event) {
			/* §2.5.2.2: an update or a retransmission of the
			 * current event; after its end, nothing more. */
			if (rx->ended)
				return 0;
			if (!update(rx, &ev))
				return 0;
			report(rx, &out[0], false, true);
			return 1;
		}
		if (age < 0 || older_seq)
			return 0; /* stale: an earlier event or segment */
		if (!rx->ended && ev.event == rx->event && age == SP_DTMF_MAX_DURATION) {
			/* §2.5.2.3: the next segment of a long event. */
			rx->seg_ts = ts;
			rx->seg_base += SP_DTMF_MAX_DURATION;
			if (!update(rx, &ev))
				return 0;
			report(rx, &out[0], false, true);
			return 1;
		}
	}
	/* A new event. One whose end packets were all lost ends here. */
	int n = 0;
	if (rx->have && !rx->ended) {
		rx->ended = true;
		report(rx, &out[n++], false, true);
	}
	rx->have = true;
	rx->ended = false;
	rx->event = ev.event;
	rx->ev_ts = rx->seg_ts = ts;
	rx->seg_base = 0;
	rx->dur = 0;
	bool end = update(rx, &ev);
	report(rx, &out[n++], true, end);
	return n;
}

int sp_dtmf_rx_flush(struct sp_dtmf_rx *rx, struct sp_dtmf_report *out)
{
	if (!rx->have || rx->ended)
		return 0;
	rx->ended = true;
	report(rx, out, false, true);
	return 1;
}
