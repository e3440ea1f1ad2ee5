/*
 * Call quality: the ITU-T G.107 E-model transmission rating R and the
 * MOS estimate it maps to (G.107 Annex B), simplified for G.711 calls:
 * every parameter at its G.107 Table 3 default except the one-way delay
 * (T = Ta, round trip Tr = 2T) and the packet loss, with Ie = 0 and the
 * G.113 Appendix I packet-loss robustness of G.711: Bpl = 4.3 without
 * PLC, 25.1 with it. R is 93.2 on a loss-free, short call.
 */
#ifndef SIPHON_QUALITY_H
#define SIPHON_QUALITY_H

#include <stdbool.h>
#include <stdint.h>

struct sp_quality_params {
	double delay_ms;    /* one-way mouth-to-ear delay, ms (>= 0) */
	double loss_pct;    /* packet loss, 0..100 */
	double burst_ratio; /* BurstR (1: random loss; > 1 bursty; 0 taken as 1) */
	bool plc;           /* receiver conceals losses */
};

/* G.107 §3: R = Ro - Is - Id - Ie,eff + A, with Id from delay (§3.4:
 * Idte, Idle, Idd) and Ie,eff from loss (§3.5). Clamped to 0..100.
 * Out-of-range inputs are clamped into their ranges. */
double sp_quality_r(const struct sp_quality_params *p);

/* G.107 Annex B (B.1): MOS(CQE) from R: 1 below 0, 4.5 above 100,
 * otherwise 1 + 0.035R + R(R-60)(100-R)·7·10^-6, but never under 1 (the
 * polynomial dips to 0.99 near R = 6). */
double sp_quality_mos(double r);

/* G.107 §3.5 / G.113 Appendix I: BurstR = the average length of the
 * loss bursts observed over the average expected for random loss at the
 * same rate, (lost / runs) · (1 - lost / packets). runs is the number of
 * bursts (maximal stretches of consecutive lost packets). Returns 1 when
 * nothing or everything was lost. */
double sp_quality_burst_ratio(uint64_t packets, uint64_t lost, uint64_t runs);

#endif
