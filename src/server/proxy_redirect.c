/*
 * The redirect server (proxy.h; RFC 3261 §8.3, §21.3): the targets the
 * location service knows for a served Request-URI go back to the caller
 * as Contacts with their q-values, in a 302 for one and a 300 for several
 * (RFC 3665 §3.9 uses 302); a redirect route answers 301 (sp__proxy_prepare).
 * Anything else this server would have to proxy gets 404: a redirect
 * server has no next hop of its own.
 */
#include <string.h>

#include "siphon/location.h"

#include "proxy.h"

#define CONTACTS_MAX 8192

void sp__proxy_redirect(struct sp__proxy_worker *pw, struct sp_tsx *st, const struct sp_msg *req,
			const struct sp_tsx_dest *src, bool trusted, uint64_t t0)
{
	struct sp__pxy_routing routing;
	struct sp__pxy_targets targets;
	char contacts[CONTACTS_MAX];
	struct sp_wbuf b;
	unsigned n = 0;
	uint64_t hash;

	if (sp__proxy_prepare(pw, st, req, src, trusted, t0, &routing, &targets, &hash))
		return;
	sp_wbuf_init(&b, contacts, sizeof(contacts));
	for (unsigned i = 0; i < targets.n; i++) {
		const struct sp__pxy_target *t = &targets.t[i];
		if (!t->b)
			continue; /* a static route or a Route: nothing to tell the caller */
		sp_wbuf_cstr(&b, "Contact: <");
		sp_wbuf_str(&b, t->ruri);
		sp_wbuf_cstr(&b, ">");
		if (t->q != 1000) {
			/* §20.10: qvalue "0" [ "." 0*3DIGIT ] */
			char q[8] = {'0', '.', (char)('0' + t->q / 100), (char)('0' + t->q / 10 % 10),
				     (char)('0' + t->q % 10), 0};
			sp_wbuf_cstr(&b, ";q=");
			sp_wbuf_cstr(&b, q);
		}
		sp_wbuf_cstr(&b, "\r\n");
		n++;
	}
	if (!n)
		sp__proxy_answer(pw, st, req, src, 404, SP_STR_NULL,
				 "redirect: no contact for this Request-URI", t0);
	else if (b.overflow)
		sp__proxy_answer(pw, st, req, src, 500, SP_STR_NULL, "redirect: too many contacts",
				 t0);
	else
		sp__proxy_answer(pw, st, req, src, n == 1 ? 302 : 300,
				 (struct sp_str){b.p, b.len}, "redirect: location", t0);
	sp__pxy_targets_free(&targets);
}
