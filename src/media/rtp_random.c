/*
 * Randomness for RTP (RFC 3550 §5.1, §8.1: SSRC, initial sequence number
 * and timestamp must be unpredictable; §6.3.1: the report interval is
 * randomised). getrandom() when it answers, else a xorshift generator
 * seeded from the clock and the address of its state.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

#include "rtp_int.h"

uint32_t sp__rtp_random32(void)
{
	static uint64_t state;
	uint32_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	if (!state) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		state = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^
			(uint64_t)(uintptr_t)&state;
		state |= 1;
	}
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 16);
}
