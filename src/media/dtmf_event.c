/*
 * DTMF names and numbers: the RFC 4733 event report (§2.3), the event
 * codes of the sixteen DTMF digits (RFC 4734 §3.2, Table 1) and their
 * ITU-T Q.23 frequency pairs.
 */
#include <errno.h>

#include "siphon/dtmf.h"

static const char digits[16] = "0123456789*#ABCD";

int sp_dtmf_digit_to_event(char digit)
{
	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	for (int i = 0; i < 16; i++)
		if (digits[i] == digit && digit)
			return i;
	return -EINVAL;
}

char sp_dtmf_event_to_digit(unsigned event)
{
	return event < 16 ? digits[event] : 0;
}

/* ITU-T Q.23 Table 1: rows 697/770/852/941 Hz, columns
 * 1209/1336/1477/1633 Hz. */
int sp_dtmf_freqs(char digit, unsigned *low_hz, unsigned *high_hz)
{
	static const unsigned row[4] = {697, 770, 852, 941};
	static const unsigned col[4] = {1209, 1336, 1477, 1633};
	static const char layout[17] = "123A456B789C*0#D";
	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	for (int i = 0; i < 16; i++) {
		if (layout[i] == digit && digit) {
			*low_hz = row[i / 4];
			*high_hz = col[i % 4];
			return 0;
		}
	}
	return -EINVAL;
}

int sp_dtmf_tone_init(struct sp_tone *t, char digit, double level_dbm0)
{
	unsigned lo, hi;
	if (sp_dtmf_freqs(digit, &lo, &hi))
		return -EINVAL;
	double amp = sp_dbm0_to_amp(level_dbm0);
	return sp_tone_init_dual(t, lo, amp, hi, amp);
}

/* RFC 4733 §2.3, Figure 1:
 *  event (8) | E (1) R (1) volume (6) | duration (16, network order) */
int sp_dtmf_event_encode(uint8_t out[SP_DTMF_PAYLOAD_LEN], const struct sp_dtmf_event *ev)
{
	if (ev->volume > 63)
		return -EINVAL;
	out[0] = ev->event;
	out[1] = (uint8_t)((ev->end ? 0x80 : 0) | ev->volume);
	out[2] = (uint8_t)(ev->duration >> 8);
	out[3] = (uint8_t)ev->duration;
	return SP_DTMF_PAYLOAD_LEN;
}

int sp_dtmf_event_decode(struct sp_dtmf_event *ev, const uint8_t *p, size_t len)
{
	if (len < SP_DTMF_PAYLOAD_LEN)
		return -EBADMSG;
	ev->event = p[0];
	ev->end = (p[1] & 0x80) != 0;
	ev->volume = p[1] & 0x3F; /* §2.3.3: R is reserved, ignored */
	ev->duration = (uint16_t)(p[2] << 8 | p[3]);
	return 0;
}
