/*
 * libFuzzer target for the RFC 4733 receiver and payload codec (dtmf_rx.c,
 * dtmf_event.c) and the in-band detector (dtmf_detect.c). The input is
 * a sequence of 10-byte records: RTP timestamp (4), sequence number (2)
 * and a 4-byte event payload, fed to one receiver; the whole input is
 * also fed to the detector as 16-bit samples. Checks:
 *  - decode/encode of every payload round-trips (volume masked to 6 bits);
 *  - each call yields 0..2 reports; a report never both begins and ends
 *    two different events; ends never outnumber begins, and after a
 *    flush they are equal; every begin is followed by its end before the
 *    next begin (exactly once);
 *  - the detector returns only DTMF digits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/dtmf.h"
#include "siphon/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_dtmf_rx *rx;
	if (sp_dtmf_rx_create(&rx))
		return 0;
	unsigned begins = 0, ends = 0;
	bool open = false;
	for (size_t off = 0; off + 10 <= size; off += 10) {
		const uint8_t *p = data + off;
		uint32_t ts = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		uint16_t seq = (uint16_t)(p[4] << 8 | p[5]);
		struct sp_dtmf_event ev;
		uint8_t back[4];
		check(sp_dtmf_event_decode(&ev, p + 6, 4) == 0);
		check(sp_dtmf_event_encode(back, &ev) == 4);
		check(back[0] == p[6] && back[1] == (p[7] & 0xBF) && back[2] == p[8] &&
		      back[3] == p[9]);
		struct sp_dtmf_report rep[2];
		int n = sp_dtmf_rx_input(rx, p + 6, 4, ts, seq, rep);
		check(n >= 0 && n <= 2);
		for (int i = 0; i < n; i++) {
			if (rep[i].begin) {
				check(!open);
				open = true;
				begins++;
			}
			if (rep[i].end) {
				check(open);
				open = false;
				ends++;
			}
			check(rep[i].digit == sp_dtmf_event_to_digit(rep[i].event));
		}
	}
	struct sp_dtmf_report last;
	if (sp_dtmf_rx_flush(rx, &last) == 1) {
		check(open && last.end && !last.begin);
		ends++;
	}
	check(begins == ends);
	struct sp_dtmf_report two[2];
	check(sp_dtmf_rx_input(rx, data, size < 4 ? size : 3, 0, 0, two) == -EBADMSG);
	sp_mem_deref(rx);

	struct sp_dtmf_detect *d;
	if (sp_dtmf_detect_create(&d))
		return 0;
	int16_t s[256];
	for (size_t off = 0; off + 2 <= size;) {
		size_t k = 0;
		for (; k < 256 && off + 2 <= size; k++, off += 2)
			s[k] = (int16_t)(data[off] | data[off + 1] << 8);
		sp_dtmf_detect_feed(d, s, k);
	}
	char digits[200];
	size_t n = sp_dtmf_detect_get(d, digits, sizeof(digits));
	check(strlen(digits) == n);
	for (size_t i = 0; i < n; i++)
		check(sp_dtmf_digit_to_event(digits[i]) >= 0);
	sp_mem_deref(d);
	return 0;
}
