/*
 * Forwarding without a transaction (proxy.h; RFC 3261 §16.11): every
 * request in stateless mode, and in stateful mode the ACK for a 2xx (it is
 * no transaction, §17.1.1.1) and a CANCEL matching no context (§16.10).
 * One target only; the branch is computed from the request (the loop hash
 * of sp__pxy_branch), so a retransmission, and the CANCEL or the ACK of a
 * non-2xx for the same INVITE, get the same branch as the original, as
 * §16.11 asks, whichever worker forwards them (SP__PXY_ANY_WORKER: no
 * hand-over of their responses between workers either). Responses go back along the Via (§16.11, §18.2.2): the
 * received/rport we stamped on the previous hop's Via name its source.
 */
#include <errno.h>
#include <string.h>

#include "siphon/log.h"

#include "proxy.h"

void sp__proxy_stateless(struct sp__proxy_worker *pw, const struct sp_msg *req,
			 const struct sp_tsx_dest *src, bool trusted, uint64_t t0)
{
	struct sp__pxy_routing routing;
	struct sp__pxy_targets targets;
	const struct sp_config_listen *local;
	struct sp_tsx_dest to;
	char branch[SP__PXY_BRANCH_MAX];
	struct sp_wbuf w;
	uint64_t hash;
	int rc;

	if (sp__proxy_prepare(pw, NULL, req, src, trusted, t0, &routing, &targets, &hash))
		return;
	const struct sp__pxy_target *t = &targets.t[0];
	sp__pxy_branch(branch, sizeof(branch), SP__PXY_ANY_WORKER, hash, 0);
	rc = sp__proxy_target_dest(pw, t->dest, &to, &local);
	if (rc == 0)
		rc = sp__proxy_print_branch(pw, req, src, &routing, t, local, NULL, branch, &w,
					    NULL);
	if (rc == 0)
		rc = pw->io.send(pw->io.arg, &to, w.p, w.len);
	if (rc == 0) {
		sp__proxy_log(pw, src, req, 0, "proxy: forwarded statelessly", t0);
	} else if (rc == -EAGAIN || rc == -EPROTONOSUPPORT) {
		sp__proxy_answer(pw, NULL, req, src, 404, SP_STR_NULL,
				 "proxy: next hop not resolvable", t0);
	} else {
		sp__proxy_answer(pw, NULL, req, src, 503, SP_STR_NULL, "proxy: next hop unreachable",
				 t0);
	}
	sp__pxy_targets_free(&targets);
}

void sp__proxy_response(struct sp__proxy_worker *pw, const struct sp_msg *resp)
{
	const struct sp_hdr *top = sp_msg_hdr(resp, SP_HDR_VIA);
	const struct sp_hdr *next = top ? sp_msg_hdr_next(resp, top) : NULL;
	union sp_hdr_parsed v;
	struct sp_tsx_dest to;
	struct sp_wbuf w;
	uint64_t hash;
	int rc;

	/* §16.11: ours on top (else it is not for us: RFC 4475 bcast). */
	if (!next || !resp->via1.branch.p || !sp__pxy_branch_hash(resp->via1.branch, &hash) ||
	    !sp__pxy_hostport_is_self(pw->io.self, resp->via1.sent_by.host,
				      resp->via1.sent_by.has_port ? resp->via1.sent_by.port : 0,
				      false))
		return;
	if (sp_hdr_parse_value(SP_HDR_VIA, next->value, &v, NULL) != 0)
		return;
	/* §18.2.2 with RFC 3581 §4: received (else sent-by) and rport (else
	 * the sent-by port). */
	struct sp_via *via = &v.via;
	uint16_t port = via->rport ? via->rport : via->sent_by.has_port ? via->sent_by.port : 5060;
	memset(&to, 0, sizeof(to));
	to.tp = via->transport;
	if (sp_sa_from_host(&to.addr, via->received.p ? via->received : via->sent_by.host, port) !=
	    0)
		return; /* a host name without received: no DNS here */
	if (to.tp != SP_TP_UDP && to.tp != SP_TP_TCP)
		return;
	if (to.tp == SP_TP_UDP) {
		const struct sp_config_listen *local =
		    sp__pxy_self_local(pw->io.self, SP_TP_UDP, sp_sa_family(&to.addr));
		if (!local)
			return;
		to.conn = pw->io.udp_conn(pw->io.arg, &local->addr);
	}
	sp_wbuf_init(&w, pw->out, SP__PROXY_OUT_CAP);
	rc = sp__pxy_print_response(resp, SP_STR_NULL, NULL, 0, &w);
	if (rc == 0)
		rc = pw->io.send(pw->io.arg, &to, w.p, w.len);
	if (rc)
		SP_LOG_RL(SP_LOG_DEBUG, "proxy: response %u not forwarded: %s", resp->status,
			  strerror(-rc));
}
