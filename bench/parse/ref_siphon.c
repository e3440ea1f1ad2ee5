/*
 * bench/parse adapter for siphon's own parser (include/siphon/msg.h).
 *
 * sp_msg_parse() runs once over the caller's buffer without copying it:
 * it locates every header line, splits list headers into values, and
 * eagerly decodes the start line, top Via, From, To, CSeq, Call-ID,
 * Max-Forwards and Content-Length. Other headers are decoded on first
 * access, which the benchmark does not do (see bench.h for the depth).
 */
#include "bench.h"

#include "siphon/msg.h"

static int siphon_init(void)
{
	return 0;
}

static int siphon_parse(const char *buf, size_t len)
{
	struct sp_msg msg;
	int rc = sp_msg_parse(&msg, buf, len);

	sp_msg_free(&msg);
	return rc;
}

static void copy_str(char *dst, size_t cap, struct sp_str s)
{
	bench_copy(dst, cap, s.p, s.len);
}

static int siphon_facts(const char *buf, size_t len, struct bench_facts *f, char *why,
			size_t whylen)
{
	struct sp_msg msg;
	int rc = sp_msg_parse(&msg, buf, len);

	if (rc != 0) {
		snprintf(why, whylen, "sp_msg_parse returned %d at offset %zu (%s)", rc,
			 msg.error.offset, msg.error.rule ? msg.error.rule : "?");
		goto out;
	}
	rc = -1;
	if (!msg.has_via || !msg.has_cseq || !msg.has_call_id || !msg.has_from || !msg.has_to) {
		snprintf(why, whylen, "Via, CSeq, Call-ID, From or To missing");
		goto out;
	}
	f->request = msg.request;
	f->status = msg.request ? 0 : msg.status;
	if (msg.request)
		copy_str(f->method, sizeof(f->method), msg.method);
	f->cseq = msg.cseq.seq;
	copy_str(f->cseq_method, sizeof(f->cseq_method), msg.cseq.method);
	copy_str(f->call_id, sizeof(f->call_id), msg.call_id);
	f->nvia = sp_msg_hdr_count(&msg, SP_HDR_VIA);
	copy_str(f->via1_host, sizeof(f->via1_host), msg.via1.sent_by.host);
	f->via1_has_branch = sp_str_present(msg.via1.branch);
	copy_str(f->via1_branch, sizeof(f->via1_branch), msg.via1.branch);
	f->from_has_tag = sp_str_present(msg.from.tag);
	copy_str(f->from_tag, sizeof(f->from_tag), msg.from.tag);
	f->to_has_tag = sp_str_present(msg.to.tag);
	copy_str(f->to_tag, sizeof(f->to_tag), msg.to.tag);
	f->body_len = msg.body.len;
	rc = 0;
out:
	sp_msg_free(&msg);
	return rc;
}

const struct bench_parser bench_siphon = {
	.name = "siphon",
	.init = siphon_init,
	.parse = siphon_parse,
	.facts = siphon_facts,
};
