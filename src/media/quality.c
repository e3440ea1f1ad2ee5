/*
 * ITU-T G.107 (06/2015) E-model for G.711 calls. The terms that do not
 * depend on delay or loss come from the Table 3 default values: the
 * basic signal-to-noise ratio Ro = 15 - 1.5(SLR + No) = 94.77 with
 * No = -61.18 dBm0p (§3.2), and the simultaneous impairment Is = 1.41
 * (§3.3: Iolr + Ist + Iq at SLR 8, RLR 2, STMR 15, qdu 1). The delay
 * terms are computed in full (§3.4) with T = Ta = the one-way delay and
 * Tr = 2T at the default TELR 65 dB and WEPL 110 dB; the advantage
 * factor A is 0.
 */
#include <math.h>

#include "siphon/quality.h"

#define RO 94.77   /* §3.2 with the Table 3 defaults */
#define IS 1.41    /* §3.3 with the Table 3 defaults */
#define NO (-61.18)
#define RLR 2.0
#define TELR 65.0
#define WEPL 110.0

/* G.113 Appendix I, Table I.3: G.711 packet-loss robustness. */
#define BPL_PLAIN 4.3
#define BPL_PLC 25.1

static double clamp(double v, double lo, double hi)
{
	return !(v >= lo) ? lo : v > hi ? hi : v;
}

/* §3.4, (3-26)..(3-30): talker echo. */
static double idte(double t)
{
	double roe = -1.5 * (NO - RLR);
	double terv = TELR - 40.0 * log10((1.0 + t / 10.0) / (1.0 + t / 150.0)) +
		      6.0 * exp(-0.3 * t * t);
	double re = 80.0 + 2.5 * (terv - 14.0);
	double d = roe - re;
	return (d / 2.0 + sqrt(d * d / 4.0 + 100.0) - 1.0) * (1.0 - exp(-t));
}

/* §3.4, (3-31), (3-32): listener echo. */
static double idle(double tr)
{
	double rle = 10.5 * (WEPL + 7.0) * pow(tr + 1.0, -0.25);
	double d = RO - rle;
	return d / 2.0 + sqrt(d * d / 4.0 + 169.0);
}

/* §3.4, (3-33): absolute delay (mT = 100 ms, sT = 1). */
static double idd(double ta)
{
	if (ta <= 100.0)
		return 0.0;
	double x = log10(ta / 100.0) / log10(2.0);
	return 25.0 * (pow(1.0 + pow(x, 6.0), 1.0 / 6.0) -
		       3.0 * pow(1.0 + pow(x / 3.0, 6.0), 1.0 / 6.0) + 2.0);
}

double sp_quality_r(const struct sp_quality_params *p)
{
	double t = clamp(p->delay_ms, 0.0, 10000.0);
	double ppl = clamp(p->loss_pct, 0.0, 100.0);
	double burst = p->burst_ratio > 0.0 ? clamp(p->burst_ratio, 1.0, 1000.0) : 1.0;
	double id = idte(t) + idle(2.0 * t) + idd(t);
	/* §3.5, (3-45): Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl),
	 * Ie = 0 for G.711 (G.113 Appendix I). */
	double bpl = p->plc ? BPL_PLC : BPL_PLAIN;
	double ie_eff = 95.0 * ppl / (ppl / burst + bpl);
	return clamp(RO - IS - id - ie_eff, 0.0, 100.0);
}

double sp_quality_mos(double r)
{
	if (!(r > 0.0))
		return 1.0;
	if (r >= 100.0)
		return 4.5;
	double mos = 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
	return mos < 1.0 ? 1.0 : mos; /* the polynomial dips under 1 below R 13 */
}

double sp_quality_burst_ratio(uint64_t packets, uint64_t lost, uint64_t runs)
{
	if (!packets || !lost || !runs || lost >= packets)
		return 1.0;
	double ppl = (double)lost / (double)packets;
	double r = (double)lost / (double)runs * (1.0 - ppl);
	return r < 1.0 ? 1.0 : r;
}
