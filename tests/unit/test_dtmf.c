/*
 * DTMF (src/media/dtmf_*.c): RFC 4733 §2.3 payload bytes, the Q.23 digit
 * table, the §2.5.1 sender packet by packet (marker, timestamps, growing
 * durations, three end packets, pause, long-event segments), the §2.5.2
 * receiver under duplication, loss of start and end packets, reordering
 * and stale packets, sender-to-receiver end to end, and the in-band
 * detector on all sixteen digits through G.711 with noise, against
 * a lone tone, noise and too-quiet digits.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/audio.h"
#include "siphon/dtmf.h"
#include "siphon/mem.h"

static void test_digits(void **state)
{
	(void)state;
	const char *all = "0123456789*#ABCD";
	for (int i = 0; i < 16; i++) {
		assert_int_equal(sp_dtmf_digit_to_event(all[i]), i);
		assert_int_equal(sp_dtmf_event_to_digit((unsigned)i), all[i]);
	}
	assert_int_equal(sp_dtmf_digit_to_event('a'), 12);
	assert_int_equal(sp_dtmf_digit_to_event('E'), -EINVAL);
	assert_int_equal(sp_dtmf_digit_to_event('\0'), -EINVAL);
	assert_int_equal(sp_dtmf_event_to_digit(16), 0);
	unsigned lo, hi;
	assert_int_equal(sp_dtmf_freqs('1', &lo, &hi), 0);
	assert_int_equal(lo, 697);
	assert_int_equal(hi, 1209);
	assert_int_equal(sp_dtmf_freqs('0', &lo, &hi), 0);
	assert_int_equal(lo, 941);
	assert_int_equal(hi, 1336);
	assert_int_equal(sp_dtmf_freqs('D', &lo, &hi), 0);
	assert_int_equal(lo, 941);
	assert_int_equal(hi, 1633);
	assert_int_equal(sp_dtmf_freqs('9', &lo, &hi), 0);
	assert_int_equal(lo, 852);
	assert_int_equal(hi, 1477);
	assert_int_equal(sp_dtmf_freqs('x', &lo, &hi), -EINVAL);
}

static void test_payload(void **state)
{
	(void)state;
	uint8_t b[4];
	struct sp_dtmf_event ev = {.event = 11, .end = true, .volume = 10, .duration = 800};
	assert_int_equal(sp_dtmf_event_encode(b, &ev), 4);
	assert_memory_equal(b, "\x0b\x8a\x03\x20", 4);
	struct sp_dtmf_event back;
	assert_int_equal(sp_dtmf_event_decode(&back, b, 4), 0);
	assert_int_equal(back.event, 11);
	assert_true(back.end);
	assert_int_equal(back.volume, 10);
	assert_int_equal(back.duration, 800);
	/* R bit ignored, longer payload fine, short one rejected. */
	assert_int_equal(sp_dtmf_event_decode(&back, (const uint8_t *)"\x05\x7f\xff\xff\x00", 5),
			 0);
	assert_int_equal(back.event, 5);
	assert_false(back.end);
	assert_int_equal(back.volume, 63);
	assert_int_equal(back.duration, 0xFFFF);
	assert_int_equal(sp_dtmf_event_decode(&back, b, 3), -EBADMSG);
	ev.volume = 64;
	assert_int_equal(sp_dtmf_event_encode(b, &ev), -EINVAL);
}

static void test_tx_sequence(void **state)
{
	(void)state;
	struct sp_dtmf_tx *tx = NULL;
	assert_int_equal(sp_dtmf_tx_create(&tx, 5, 100, 40, 10), -EINVAL);
	assert_int_equal(sp_dtmf_tx_create(&tx, 20, 0, 40, 10), -EINVAL);
	assert_int_equal(sp_dtmf_tx_create(&tx, 20, 100, 40, 64), -EINVAL);
	assert_null(tx);
	assert_int_equal(sp_dtmf_tx_create(&tx, 20, 100, 40, 10), 0);
	struct sp_dtmf_pkt p;
	uint32_t ts = 0xFFFFFF00u; /* wraps during the test */
	assert_int_equal(sp_dtmf_tx_next(tx, ts, &p), 0);
	assert_false(sp_dtmf_tx_busy(tx));
	assert_int_equal(sp_dtmf_tx_send(tx, "1x"), -EINVAL);
	assert_int_equal(sp_dtmf_tx_send(tx, "1#"), 2);
	assert_true(sp_dtmf_tx_busy(tx));
	ts += 160;
	uint32_t start = ts;
	/* 100 ms: five updates, the fifth already the end; then the end
	 * packet twice more. */
	for (int k = 0; k < 7; k++, ts += 160) {
		assert_int_equal(sp_dtmf_tx_next(tx, ts, &p), 1);
		struct sp_dtmf_event ev;
		assert_int_equal(p.len, 4);
		assert_int_equal(sp_dtmf_event_decode(&ev, p.payload, p.len), 0);
		assert_int_equal(p.ts, start);
		assert_int_equal(p.marker, k == 0);
		assert_int_equal(p.digit, '1');
		assert_int_equal(ev.event, 1);
		assert_int_equal(ev.volume, 10);
		assert_int_equal(ev.duration, k < 5 ? 160 * (k + 1) : 800);
		assert_int_equal(ev.end, k >= 4);
		assert_int_equal(p.end, k >= 4);
	}
	/* 40 ms pause: two packets of audio. */
	assert_int_equal(sp_dtmf_tx_next(tx, ts, &p), 0);
	ts += 160;
	assert_int_equal(sp_dtmf_tx_next(tx, ts, &p), 0);
	ts += 160;
	assert_true(sp_dtmf_tx_busy(tx));
	assert_int_equal(sp_dtmf_tx_next(tx, ts, &p), 1);
	assert_true(p.marker);
	assert_int_equal(p.ts, ts);
	assert_int_equal(p.digit, '#');
	assert_memory_equal(p.payload, "\x0b\x0a\x00\xa0", 4);
	for (int k = 1; k < 7; k++)
		assert_int_equal(sp_dtmf_tx_next(tx, ts + 160u * (unsigned)k, &p), 1);
	assert_false(sp_dtmf_tx_busy(tx));
	assert_int_equal(sp_dtmf_tx_next(tx, ts, &p), 0);
	/* Queue bound. */
	char many[70];
	memset(many, '5', 69);
	many[69] = '\0';
	assert_int_equal(sp_dtmf_tx_send(tx, many), -ENOSPC);
	sp_mem_deref(tx);
}

/* Runs tx for `ticks` intervals into rx and collects begin/end digits
 * (drop/dup decide per packet index whether it is lost or doubled). */
struct run {
	char begins[32], ends[32];
	int nb, ne;
	uint32_t durations[32];
};

static void deliver(struct sp_dtmf_rx *rx, const struct sp_dtmf_pkt *p, uint32_t ts,
		    uint16_t seq, struct run *r)
{
	struct sp_dtmf_report rep[2];
	int n = sp_dtmf_rx_input(rx, p->payload, p->len, ts, seq, rep);
	assert_in_range(n, 0, 2);
	for (int i = 0; i < n; i++) {
		if (rep[i].begin)
			r->begins[r->nb++] = rep[i].digit;
		if (rep[i].end) {
			r->durations[r->ne] = rep[i].duration;
			r->ends[r->ne++] = rep[i].digit;
		}
	}
}

static void run_link(const char *digits, unsigned tone_ms, unsigned ticks, bool (*lose)(int),
		     bool dup, struct run *r)
{
	struct sp_dtmf_tx *tx;
	struct sp_dtmf_rx *rx;
	assert_int_equal(sp_dtmf_tx_create(&tx, 20, tone_ms, 60, 10), 0);
	assert_int_equal(sp_dtmf_rx_create(&rx), 0);
	assert_int_equal(sp_dtmf_tx_send(tx, digits), (int)strlen(digits));
	memset(r, 0, sizeof(*r));
	uint32_t ts = 123456;
	uint16_t seq = 65530;
	int idx = 0;
	for (unsigned t = 0; t < ticks; t++, ts += 160, seq++) {
		struct sp_dtmf_pkt p;
		if (sp_dtmf_tx_next(tx, ts, &p) != 1)
			continue;
		int i = idx++;
		if (lose && lose(i))
			continue;
		deliver(rx, &p, p.ts, seq, r);
		if (dup)
			deliver(rx, &p, p.ts, seq, r);
	}
	struct sp_dtmf_report rep;
	if (sp_dtmf_rx_flush(rx, &rep) == 1) {
		r->durations[r->ne] = rep.duration;
		r->ends[r->ne++] = rep.digit;
	}
	assert_int_equal(sp_dtmf_rx_flush(rx, &rep), 0);
	sp_mem_deref(tx);
	sp_mem_deref(rx);
}

/* Packets per digit at 100 ms: 5 updates (last = first end) + 2 ends. */
static bool lose_starts(int i)
{
	return i % 7 < 2; /* first two packets of each digit */
}

static bool lose_ends(int i)
{
	return i % 7 >= 4; /* all three end packets */
}

static bool lose_all_but_last(int i)
{
	return i % 7 != 6;
}

static void test_tx_to_rx(void **state)
{
	(void)state;
	struct run r;
	run_link("159#", 100, 200, NULL, false, &r);
	assert_int_equal(r.nb, 4);
	assert_int_equal(r.ne, 4);
	assert_memory_equal(r.begins, "159#", 4);
	assert_memory_equal(r.ends, "159#", 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(r.durations[i], 800);

	run_link("159#", 100, 200, NULL, true, &r); /* every packet twice */
	assert_int_equal(r.nb, 4);
	assert_int_equal(r.ne, 4);
	assert_memory_equal(r.begins, "159#", 4);

	run_link("159#", 100, 200, lose_starts, false, &r);
	assert_int_equal(r.nb, 4);
	assert_int_equal(r.ne, 4);
	assert_memory_equal(r.begins, "159#", 4);
	assert_int_equal(r.durations[0], 800);

	/* End packets all lost: each digit ends when the next begins, the
	 * last one by flush; durations as far as known. */
	run_link("159#", 100, 200, lose_ends, false, &r);
	assert_int_equal(r.nb, 4);
	assert_int_equal(r.ne, 4);
	assert_memory_equal(r.ends, "159#", 4);
	assert_int_equal(r.durations[0], 640);

	/* Only the last end packet survives: begin and end at once. */
	run_link("159#", 100, 200, lose_all_but_last, false, &r);
	assert_int_equal(r.nb, 4);
	assert_int_equal(r.ne, 4);
	assert_memory_equal(r.begins, "159#", 4);
	assert_int_equal(r.durations[3], 800);

	/* A 10 s digit: segments of 0xFFFF, one digit of 80000 units. */
	run_link("7", 10000, 600, NULL, false, &r);
	assert_int_equal(r.nb, 1);
	assert_int_equal(r.ne, 1);
	assert_int_equal(r.durations[0], 80000);
}

static void test_tx_segments(void **state)
{
	(void)state;
	struct sp_dtmf_tx *tx;
	assert_int_equal(sp_dtmf_tx_create(&tx, 20, 10000, 0, 10), 0);
	assert_int_equal(sp_dtmf_tx_send(tx, "7"), 1);
	struct sp_dtmf_pkt p;
	struct sp_dtmf_event ev;
	uint32_t ts = 1000;
	int markers = 0, full = 0, ends = 0;
	uint32_t seg_ts = 1000;
	for (int t = 0; t < 520; t++, ts += 160) {
		if (sp_dtmf_tx_next(tx, ts, &p) != 1)
			break;
		sp_dtmf_event_decode(&ev, p.payload, p.len);
		markers += p.marker;
		ends += ev.end;
		if (p.ts != seg_ts) {
			/* §2.5.1.3: the next segment starts 0xFFFF later. */
			assert_int_equal(p.ts, seg_ts + 0xFFFF);
			seg_ts = p.ts;
		}
		if (ev.duration == 0xFFFF) {
			assert_false(ev.end);
			full++;
		}
	}
	assert_int_equal(markers, 1);
	assert_int_equal(full, 1); /* 80000 = 65535 + 14465 */
	assert_int_equal(ends, 3);
	assert_int_equal(ev.duration, 80000 - 0xFFFF);
	assert_int_equal(seg_ts, 1000 + 0xFFFF);
	sp_mem_deref(tx);
}

static void feed(struct sp_dtmf_rx *rx, int event, bool end, uint16_t dur, uint32_t ts,
		 uint16_t seq, struct sp_dtmf_report rep[2], int want)
{
	uint8_t b[4];
	struct sp_dtmf_event ev = {.event = (uint8_t)event, .end = end, .volume = 7, .duration = dur};
	sp_dtmf_event_encode(b, &ev);
	assert_int_equal(sp_dtmf_rx_input(rx, b, 4, ts, seq, rep), want);
}

static void test_rx_edge_cases(void **state)
{
	(void)state;
	struct sp_dtmf_rx *rx;
	struct sp_dtmf_report rep[2];
	assert_int_equal(sp_dtmf_rx_create(&rx), 0);
	assert_int_equal(sp_dtmf_rx_input(rx, (const uint8_t *)"\x01", 1, 0, 0, rep), -EBADMSG);

	feed(rx, 3, false, 160, 1000, 10, rep, 1);
	assert_true(rep[0].begin);
	assert_false(rep[0].end);
	assert_int_equal(rep[0].digit, '3');
	assert_int_equal(rep[0].ts, 1000);
	assert_int_equal(rep[0].volume, 7);
	/* Reordered: 480 before 320. Then the ends. */
	feed(rx, 3, false, 480, 1000, 12, rep, 0);
	feed(rx, 3, false, 320, 1000, 11, rep, 0);
	feed(rx, 3, true, 640, 1000, 13, rep, 1);
	assert_true(rep[0].end);
	assert_false(rep[0].begin);
	assert_int_equal(rep[0].duration, 640);
	feed(rx, 3, true, 640, 1000, 14, rep, 0);
	feed(rx, 3, true, 640, 1000, 15, rep, 0);
	/* A late update of the finished event: stale. */
	feed(rx, 3, false, 480, 1000, 12, rep, 0);
	/* Next event; then a straggler of the old one with an old seq. */
	feed(rx, 4, false, 160, 2000, 20, rep, 1);
	assert_int_equal(rep[0].digit, '4');
	feed(rx, 3, true, 640, 1000, 16, rep, 0);
	/* Same digit again as a new event (new timestamp), previous one
	 * never ended: forced end, then begin. */
	feed(rx, 4, false, 160, 3000, 30, rep, 2);
	assert_true(rep[0].end);
	assert_int_equal(rep[0].ts, 2000);
	assert_true(rep[1].begin);
	assert_int_equal(rep[1].ts, 3000);
	/* A non-DTMF event (flash, 16) is reported with digit 0. */
	feed(rx, 16, true, 800, 4000, 31, rep, 2);
	assert_int_equal(rep[1].event, 16);
	assert_int_equal(rep[1].digit, 0);
	assert_true(rep[1].begin && rep[1].end);
	assert_int_equal(sp_dtmf_rx_flush(rx, rep), 0);
	/* Timestamp wrap (reached in steps of under 2^31). */
	feed(rx, 1, true, 160, 0x80000000u, 35, rep, 1);
	feed(rx, 1, false, 160, 0xFFFFFF00u, 40, rep, 1);
	feed(rx, 2, false, 160, 0x00000100u, 50, rep, 2);
	assert_int_equal(rep[1].digit, '2');
	feed(rx, 1, true, 320, 0xFFFFFF00u, 41, rep, 0);
	sp_mem_deref(rx);
}

/* Audio: digits of 60 ms at level dBm0 with 60 ms pauses, G.711 μ-law
 * round trip, optional white noise at noise_amp. */
static size_t make_audio(int16_t *buf, const char *digits, double level, double noise_amp)
{
	size_t n = 0;
	uint32_t lcg = 12345;
	for (const char *d = digits; *d; d++) {
		struct sp_tone t;
		assert_int_equal(sp_dtmf_tone_init(&t, *d, level), 0);
		sp_tone_generate(&t, buf + n, 480);
		n += 480;
		memset(buf + n, 0, 480 * sizeof(*buf));
		n += 480;
	}
	for (size_t i = 0; i < n; i++) {
		lcg = lcg * 1103515245u + 12345u;
		double noise = ((double)(lcg >> 16 & 0x7FFF) / 16384.0 - 1.0) * noise_amp;
		long v = lround(buf[i] + noise);
		int16_t s = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
		buf[i] = sp_g711_ulaw_decode(sp_g711_ulaw_encode(s));
	}
	return n;
}

static void test_inband_detect(void **state)
{
	(void)state;
	static int16_t buf[16 * 960 + 1000];
	char got[64];
	struct sp_dtmf_detect *d;
	const char *all = "123A456B789C*0#D";

	assert_int_equal(sp_dtmf_detect_create(&d), 0);
	size_t n = make_audio(buf, all, -10.0, 300.0);
	size_t found = 0;
	for (size_t i = 0; i < n; i += 160) /* 20 ms frames */
		found += sp_dtmf_detect_feed(d, buf + i, n - i < 160 ? n - i : 160);
	assert_int_equal(found, 16);
	assert_int_equal(sp_dtmf_detect_get(d, got, sizeof(got)), 16);
	assert_string_equal(got, all);
	assert_int_equal(sp_dtmf_detect_get(d, got, sizeof(got)), 0);
	sp_mem_deref(d);

	/* Repeated digit with pauses: reported each time. Small get buffer. */
	assert_int_equal(sp_dtmf_detect_create(&d), 0);
	n = make_audio(buf, "555", -20.0, 0.0);
	assert_int_equal(sp_dtmf_detect_feed(d, buf, n), 3);
	assert_int_equal(sp_dtmf_detect_get(d, got, 3), 2);
	assert_string_equal(got, "55");
	assert_int_equal(sp_dtmf_detect_get(d, got, 3), 1);
	sp_mem_deref(d);

	/* Too quiet; a lone 1 kHz tone; loud noise: nothing. */
	assert_int_equal(sp_dtmf_detect_create(&d), 0);
	n = make_audio(buf, "123", -40.0, 0.0);
	assert_int_equal(sp_dtmf_detect_feed(d, buf, n), 0);
	struct sp_tone t;
	assert_int_equal(sp_tone_init(&t, 1000.0, 10000.0), 0);
	sp_tone_generate(&t, buf, 8000);
	assert_int_equal(sp_dtmf_detect_feed(d, buf, 8000), 0);
	memset(buf, 0, 8000 * sizeof(*buf));
	n = make_audio(buf, "", 0.0, 0.0);
	uint32_t lcg = 99;
	for (int i = 0; i < 8000; i++) {
		lcg = lcg * 1103515245u + 12345u;
		buf[i] = (int16_t)((int)(lcg >> 16 & 0xFFFF) - 32768) / 2;
	}
	assert_int_equal(sp_dtmf_detect_feed(d, buf, 8000), 0);
	/* Q.24: a frequency off by 3.5% is rejected, by 1.5% accepted. */
	assert_int_equal(sp_tone_init_dual(&t, 852.0, 8000.0, 1477.0 * 1.035, 8000.0), 0);
	sp_tone_generate(&t, buf, 4000);
	assert_int_equal(sp_dtmf_detect_feed(d, buf, 4000), 0);
	assert_int_equal(sp_tone_init_dual(&t, 852.0 * 0.985, 8000.0, 1477.0 * 1.015, 8000.0), 0);
	sp_tone_generate(&t, buf, 4000);
	assert_int_equal(sp_dtmf_detect_feed(d, buf, 4000), 1);
	assert_int_equal(sp_dtmf_detect_get(d, got, sizeof(got)), 1);
	assert_string_equal(got, "9");
	sp_mem_deref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_tx_sequence),
		cmocka_unit_test(test_tx_segments),
		cmocka_unit_test(test_tx_to_rx),
		cmocka_unit_test(test_rx_edge_cases),
		cmocka_unit_test(test_inband_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
