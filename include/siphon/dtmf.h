/*
 * DTMF: RFC 4733 telephone-events (the payload, a sender state machine
 * that tells the RTP layer what to send each packetisation interval, a
 * receiver that turns event packets into digits exactly once), ITU-T
 * Q.23 in-band tones, and an in-band detector (Goertzel, ITU-T Q.24
 * style acceptance) for decoded audio. No sockets and no clocks here: the
 * RTP layer drives the sender with its own timestamps and hands the
 * receiver what arrived.
 */
#ifndef SIPHON_DTMF_H
#define SIPHON_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/audio.h"

#define SP_DTMF_PAYLOAD_LEN 4   /* one event report, RFC 4733 §2.3 */
#define SP_DTMF_END_PACKETS 3   /* end packets sent per event, §2.5.1.4 */
#define SP_DTMF_MAX_DURATION 0xFFFF /* one segment, §2.5.1.3 */

/* RFC 4733 §2.3: one event report. */
struct sp_dtmf_event {
	uint8_t event;     /* 0-9, 10 '*', 11 '#', 12-15 'A'-'D' (RFC 4734 §3.2) */
	bool end;          /* E bit */
	uint8_t volume;    /* 0..63: power level in -dBm0 */
	uint16_t duration; /* timestamp units since the event (segment) began */
};

/* Event code of a digit 0-9 * # A-D (a-d too), or -EINVAL. */
int sp_dtmf_digit_to_event(char digit);

/* The digit of an event code 0..15, or 0 for any other code. */
char sp_dtmf_event_to_digit(unsigned event);

/* ITU-T Q.23 Table 1: the low (row) and high (column) frequency of a
 * digit. Returns 0, or -EINVAL for a character that is no DTMF digit. */
int sp_dtmf_freqs(char digit, unsigned *low_hz, unsigned *high_hz);

/* Sets t to the dual tone of digit at level_dbm0 per frequency (Q.23;
 * -10 dBm0 is usual). Returns 0 or -EINVAL. */
int sp_dtmf_tone_init(struct sp_tone *t, char digit, double level_dbm0);

/* RFC 4733 §2.3: writes ev as 4 bytes at out. Returns 4, or -EINVAL when
 * volume exceeds 63. */
int sp_dtmf_event_encode(uint8_t out[SP_DTMF_PAYLOAD_LEN], const struct sp_dtmf_event *ev);

/* Reads the first event report of p[len] (a payload may be longer: the
 * remaining reports are redundancy). The R bit is ignored (§2.3.3).
 * Returns 0, or -EBADMSG when len < 4. */
int sp_dtmf_event_decode(struct sp_dtmf_event *ev, const uint8_t *p, size_t len);

/*
 * Sender (RFC 4733 §2.5.1). Queue digits with sp_dtmf_tx_send(); then at
 * every packetisation interval the RTP layer calls sp_dtmf_tx_next() with
 * the RTP timestamp its next audio packet would carry. When that returns
 * 1, it sends the event packet described instead of audio (payload type:
 * the negotiated telephone-event one); when 0, it sends audio as usual.
 */
struct sp_dtmf_tx;

/* What to send now. */
struct sp_dtmf_pkt {
	uint8_t payload[SP_DTMF_PAYLOAD_LEN];
	size_t len;
	bool marker;   /* first packet of an event, §2.5.1.1 */
	uint32_t ts;   /* RTP timestamp: the start of the event (segment) */
	char digit;
	bool end;      /* one of the final (E bit) packets */
};

/* A sender for ptime_ms packets on an 8 kHz clock, sending each digit
 * for tone_ms, pausing gap_ms between digits, at volume (0..63, -dBm0;
 * 10 is usual). tone_ms and gap_ms are rounded up to whole packets.
 * Free with sp_mem_deref(). Returns 0, -EINVAL (ptime_ms not 10..100,
 * tone_ms 0, volume over 63) or -ENOMEM; *out untouched on error. */
int sp_dtmf_tx_create(struct sp_dtmf_tx **out, unsigned ptime_ms, unsigned tone_ms,
		      unsigned gap_ms, uint8_t volume);

/* The same on a clock_hz timestamp clock (RFC 4733 §2.1: events sent
 * beside an audio codec use its clock, e.g. telephone-event/48000 with
 * Opus), so durations and timestamps count in clock_hz units. -EINVAL
 * also for a clock that is not a whole number of kHz in 1000..192000. */
int sp_dtmf_tx_create_clock(struct sp_dtmf_tx **out, uint32_t clock_hz, unsigned ptime_ms,
			    unsigned tone_ms, unsigned gap_ms, uint8_t volume);

/* Queues the digits of s (up to 64 pending). Returns the number queued,
 * -EINVAL (nothing queued) for a character that is no digit, or
 * -ENOSPC when the queue is full. */
int sp_dtmf_tx_send(struct sp_dtmf_tx *tx, const char *s);

/* One packetisation interval: fills *pkt and returns 1 when an event
 * packet is due, returns 0 when audio should go out (idle, or the pause
 * between digits). rtp_ts is the timestamp the current audio packet
 * would carry; it fixes the start timestamp of a new event. Per §2.5.1:
 * the first packet has the marker bit, every packet of the event the
 * same timestamp and a duration grown by one ptime, the last one is sent
 * SP_DTMF_END_PACKETS times with the E bit and the final duration; an
 * event longer than 0xFFFF units is split into segments (§2.5.1.3). */
int sp_dtmf_tx_next(struct sp_dtmf_tx *tx, uint32_t rtp_ts, struct sp_dtmf_pkt *pkt);

/* True while a digit is being sent or queued. */
bool sp_dtmf_tx_busy(const struct sp_dtmf_tx *tx);

/*
 * Receiver (RFC 4733 §2.5.2): reports each event once when it begins and
 * once when it ends, however many of its packets arrive, repeat or get
 * lost.
 */
struct sp_dtmf_rx;

struct sp_dtmf_report {
	char digit;        /* 0 for events other than DTMF 0..15 */
	uint8_t event;
	uint8_t volume;
	uint32_t ts;       /* RTP timestamp of the event's start */
	uint32_t duration; /* so far (begin) or in total (end), timestamp units */
	bool begin;        /* first sight of this event: the digit is detected */
	bool end;          /* the event is over (E bit, or forced, see below) */
};

/* A receiver. Free with sp_mem_deref(). Returns 0 or -ENOMEM. */
int sp_dtmf_rx_create(struct sp_dtmf_rx **out);

/* Feeds one telephone-event packet: its payload, RTP timestamp and
 * sequence number. Writes up to 2 reports to out[] and returns how many
 * (0..2), or -EBADMSG for a payload under 4 bytes. A new timestamp
 * starts a new event, and ends a previous one whose end packets were all
 * lost (report with end set, before the new event's begin); the same
 * timestamp as the last event is an update or a retransmission; an older
 * timestamp or sequence number is stale and ignored. A new segment of a
 * long event (timestamp = previous + 0xFFFF, §2.5.2.3) continues it. When
 * the start packets were lost, the first packet seen begins the event
 * (with end set too if it is already an end packet). */
int sp_dtmf_rx_input(struct sp_dtmf_rx *rx, const uint8_t *payload, size_t len,
		     uint32_t ts, uint16_t seq, struct sp_dtmf_report out[2]);

/* Ends an event still in progress (the caller's timeout, or the stream
 * stopped): writes its end report to *out and returns 1, or returns 0
 * when none is in progress. */
int sp_dtmf_rx_flush(struct sp_dtmf_rx *rx, struct sp_dtmf_report *out);

/*
 * In-band detector for 8 kHz linear audio: Goertzel filters at the eight
 * Q.23 frequencies over blocks of 102 samples (12.75 ms); a digit is
 * accepted after two consecutive blocks agree (about 25 ms, within Q.24's
 * 40 ms minimum) with enough energy, twist within +4/-8 dB, and the pair
 * carrying most of the block's energy; it ends after two blocks without
 * it. Each digit is reported once.
 */
struct sp_dtmf_detect;

/* Free with sp_mem_deref(). Returns 0 or -ENOMEM. */
int sp_dtmf_detect_create(struct sp_dtmf_detect **out);

/* Feeds n samples. Returns the number of digits newly detected; fetch
 * them with sp_dtmf_detect_get(). Up to 128 undelivered digits are kept
 * (later ones are dropped). */
size_t sp_dtmf_detect_feed(struct sp_dtmf_detect *d, const int16_t *samples, size_t n);

/* Moves up to max - 1 detected digits into buf as a NUL-terminated
 * string (max >= 1); returns their number. */
size_t sp_dtmf_detect_get(struct sp_dtmf_detect *d, char *buf, size_t max);

#endif
