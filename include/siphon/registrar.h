/*
 * Registrar (RFC 3261 §10.3): what a REGISTER does to the location service
 * and what the answer is, as a pure function of the parsed request, the
 * configuration, the time and the table. No I/O: the server decides when
 * to call it (after authentication, steps 1-4) and sends what it returns.
 *
 * Covered: steps 5-8 of §10.3 (AOR from To, Contact: *, expiry choice with
 * 423, Call-ID/CSeq ordering, atomic commit, 200 listing every binding);
 * Path (RFC 3327 §5.3: stored with the binding and echoed in the 200);
 * +sip.instance and reg-id (RFC 5626 §6); GRUUs (RFC 5627 §5).
 *
 * Policy decided here (RFC 3261 leaves it open):
 * - The To URI not being sip/sips is 400 (RFC 4475 §3.3.4 unksm2 asks a
 *   registrar for 400; 416 is for Request-URI schemes, §8.2.2.1).
 * - A request that fails the Call-ID/CSeq ordering of §10.3 steps 6-7
 *   ("the update MUST be aborted and the request fails") gets 500 with the
 *   reason "Out of Order Request"; nothing is changed.
 * - More bindings than max_bindings for one AOR after the request: 403
 *   "Too Many Contacts", nothing changed (no silent eviction: the UA is
 *   told, and existing devices keep working).
 * - An expiry above max_expires is lowered to it (§10.3 step 7: "MAY
 *   choose an expiration less than the requested"); one below min_expires
 *   is 423 only when the request is non-zero and under one hour, exactly
 *   as §10.3 step 7 allows, otherwise it is kept as asked.
 */
#ifndef SIPHON_REGISTRAR_H
#define SIPHON_REGISTRAR_H

#include "siphon/location.h"
#include "siphon/msg.h"
#include "siphon/print.h"

#define SP_REG_MAX_CONTACTS 32 /* Contact values per REGISTER */

struct sp_registrar_cfg {
	uint32_t min_expires;	  /* seconds; 423 below it (see above) */
	uint32_t default_expires; /* when neither parameter nor header says */
	uint32_t max_expires;	  /* longer requests are lowered to it */
	unsigned max_bindings;	  /* per AOR; 0 means no limit */
	bool gruu;		  /* hand out GRUUs (RFC 5627) */
};

/* Where the REGISTER came from, stored with each binding it creates (the
 * proxy needs it to reach a UA behind NAT, RFC 5626 §5). Text; any slice
 * may be absent. */
struct sp_reg_source {
	struct sp_str received;	 /* e.g. "192.0.2.4:5060" */
	struct sp_str transport; /* e.g. "UDP" */
	struct sp_str flow;	 /* flow token of the connection, if any */
	/* The served domain the To host names (an alias resolved to its
	 * domain, lowercase); empty: the To host itself is the domain. Not
	 * about the source, but per request like it. */
	struct sp_str domain;
};

/* The decision. status 200: bindings holds every current binding of the
 * AOR (references, ordered as a lookup); 423: min_expires is set. */
struct sp_reg_result {
	uint16_t status;
	const char *reason; /* reason phrase, NULL for the default of status */
	const char *why;    /* what rule decided, for logs */
	uint32_t min_expires;
	bool gruu; /* the UA sent Supported: gruu and GRUUs are enabled */
	struct sp_location_snap bindings;
};

/* Applies a REGISTER (parsed, authenticated and authorised for its AOR:
 * steps 1-4 are the caller's) to loc at time now (ms, wall clock), per
 * RFC 3261 §10.3 steps 5-8, atomically for the AOR. Fills *res (always
 * initialised; free with sp_reg_result_free). Returns 0 when *res holds
 * the decision, or -ENOMEM (nothing was changed; answer 500). */
int sp_registrar_process(struct sp_location *loc, const struct sp_registrar_cfg *cfg,
			 const struct sp_msg *req, const struct sp_reg_source *src, int64_t now,
			 struct sp_reg_result *res);

/* Releases the binding references of *res. */
void sp_reg_result_free(struct sp_reg_result *res);

/* Writes the header lines the response to req carries because of *res
 * (each "Name: value\r\n"): for 423 Min-Expires (§10.3 step 7); for 200 one
 * Contact per binding as it was sent, with ";expires=" the remaining
 * seconds at now (§10.3 step 8), any expires/pub-gruu/temp-gruu
 * parameters the UA sent dropped and, when res->gruu and the binding has
 * an instance, ";pub-gruu=" and a newly minted ";temp-gruu=" (RFC 5627
 * §5.2); the request's Path values (RFC 3327 §5.3); and Date (§10.3 step
 * 8 SHOULD). Overflow is reported by b->overflow. */
void sp_registrar_print(struct sp_location *loc, const struct sp_reg_result *res,
			const struct sp_msg *req, int64_t now, struct sp_wbuf *b);

#endif
