/*
 * The order records are tried in: SRV by RFC 2782 "Usage rules" (priority,
 * then weighted random within a priority; or a fixed order for stateless
 * proxies, RFC 3263 §4.4), NAPTR by RFC 3403 §4.1 (order, then
 * preference). Record sets are small (a handful of records), so the sorts
 * are insertion sorts over index arrays: the shared cached set is never
 * reordered in place.
 */
#include <stdbool.h>
#include <string.h>

#include "dns_int.h"

uint64_t sp__dns_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* a goes before b in the fixed order: priority, weight (heavier first),
 * target, port. */
static bool srv_fixed_before(const struct sp__dns_rr *a, const struct sp__dns_rr *b)
{
	if (a->u.srv.priority != b->u.srv.priority)
		return a->u.srv.priority < b->u.srv.priority;
	if (a->u.srv.weight != b->u.srv.weight)
		return a->u.srv.weight > b->u.srv.weight;
	int c = strcmp(a->u.srv.target, b->u.srv.target);
	if (c)
		return c < 0;
	return a->u.srv.port < b->u.srv.port;
}

unsigned sp__dns_srv_order(const struct sp__dns_rrset *rs, bool deterministic, uint64_t *rng,
			   unsigned *idx)
{
	unsigned n = 0;

	/* Usable records, weight-0 ones first within the list (the RFC's
	 * "placed at the beginning"), then stable-sorted by priority. */
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < rs->n; i++) {
			const struct sp__dns_rr *r = &rs->rr[i];
			if (r->u.srv.target[0] == 0) /* "." : no service here */
				continue;
			if ((r->u.srv.weight == 0) == (pass == 0))
				idx[n++] = i;
		}
	for (unsigned i = 1; i < n; i++) {
		unsigned v = idx[i], j = i;
		const struct sp__dns_rr *r = &rs->rr[v];
		while (j > 0) {
			const struct sp__dns_rr *p = &rs->rr[idx[j - 1]];
			bool before = deterministic ? srv_fixed_before(r, p)
						    : r->u.srv.priority < p->u.srv.priority;
			if (!before)
				break;
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
	if (deterministic)
		return n;

	/* Within each priority: repeatedly pick with probability
	 * proportional to weight (RFC 2782: a uniform number in
	 * [0, sum], the first record whose running sum reaches it). */
	for (unsigned lo = 0; lo < n;) {
		unsigned hi = lo;
		uint16_t prio = rs->rr[idx[lo]].u.srv.priority;
		while (hi < n && rs->rr[idx[hi]].u.srv.priority == prio)
			hi++;
		for (unsigned k = lo; k + 1 < hi; k++) {
			uint64_t sum = 0;
			for (unsigned j = k; j < hi; j++)
				sum += rs->rr[idx[j]].u.srv.weight;
			uint64_t pick = sp__dns_rand(rng) % (sum + 1), run = 0;
			unsigned sel = hi - 1;
			for (unsigned j = k; j < hi; j++) {
				run += rs->rr[idx[j]].u.srv.weight;
				if (run >= pick) {
					sel = j;
					break;
				}
			}
			/* Move the selected one to position k, keeping the
			 * others in order (weight-0 records stay in front). */
			unsigned v = idx[sel];
			memmove(&idx[k + 1], &idx[k], (sel - k) * sizeof(*idx));
			idx[k] = v;
		}
		lo = hi;
	}
	return n;
}

unsigned sp__dns_naptr_order(const struct sp__dns_rrset *rs, unsigned *idx)
{
	for (unsigned i = 0; i < rs->n; i++) {
		unsigned j = i;
		const struct sp__dns_rr *r = &rs->rr[i];
		while (j > 0) {
			const struct sp__dns_rr *p = &rs->rr[idx[j - 1]];
			if (p->u.naptr.order < r->u.naptr.order ||
			    (p->u.naptr.order == r->u.naptr.order &&
			     p->u.naptr.pref <= r->u.naptr.pref))
				break;
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	return rs->n;
}
