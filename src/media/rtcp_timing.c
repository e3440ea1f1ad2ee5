/*
 * RTCP timing arithmetic (RFC 3550 §6.3, §6.4.1, §A.7): the randomised
 * report interval, NTP timestamps and the round-trip time a report block
 * gives. Pure functions; the session (rtcp_session.c) drives them.
 */
#include "siphon/rtcp.h"

#define NTP_UNIX_OFFSET 2208988800ull /* s from 1900 to 1970 (§4) */

uint64_t sp_ntp_from_unix_ms(int64_t ms)
{
	if (ms < 0)
		ms = 0;
	uint64_t sec = (uint64_t)ms / 1000 + NTP_UNIX_OFFSET;
	uint64_t frac = (((uint64_t)ms % 1000) << 32) / 1000;
	return sec << 32 | frac;
}

int64_t sp_rtcp_rtt(uint32_t arrival_mid32, uint32_t lsr, uint32_t dlsr)
{
	if (!lsr) /* §6.4.1: no SR received yet */
		return -1;
	uint32_t rtt = arrival_mid32 - lsr - dlsr; /* Figure 2, modulo 2^32 */
	if (rtt > 0x80000000u)
		return -1;
	return rtt;
}

/* §A.7 rtcp_interval(), with the random factor passed in. */
double sp_rtcp_interval(const struct sp_rtcp_interval_in *in, double rnd)
{
	const double sender_fraction = 0.25;      /* RTCP_SENDER_BW_FRACTION */
	const double rcvr_fraction = 1 - 0.25;    /* RTCP_RCVR_BW_FRACTION */
	const double compensation = 2.71828 - 1.5; /* e - 3/2 (§6.3.1) */
	double min_time = in->min_s > 0 ? in->min_s : 5.0;
	double bw = in->rtcp_bw > 0 ? in->rtcp_bw : 1;
	double n = in->members ? in->members : 1;

	if (in->initial)
		min_time /= 2;
	/* §6.3.1: senders share 1/4 of the bandwidth while they are at most
	 * a quarter of the members. */
	if (in->senders <= n * sender_fraction) {
		if (in->we_sent) {
			bw *= sender_fraction;
			n = in->senders;
		} else {
			bw *= rcvr_fraction;
			n -= in->senders;
		}
	}
	double t = in->avg_rtcp_size * n / bw;
	if (t < min_time)
		t = min_time;
	if (rnd < 0 || rnd >= 1)
		rnd = 0.5;
	t = t * (rnd + 0.5); /* [0.5, 1.5] of the deterministic interval */
	return t / compensation;
}
