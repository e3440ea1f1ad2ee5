/*
 * libFuzzer target for SDP (sdp.h): the parser, the printer, the typed
 * accessors and offer/answer. The input is one session description.
 * Besides "no crash, no sanitizer report", every run checks the contracts:
 *  - the parse returns 0, -EBADMSG or -E2BIG; on failure err.at lies
 *    inside the input or one past its end and err.rule is set; on success
 *    every slice lies inside the input and every count within its limit;
 *  - an accepted description prints (into twice its size plus a margin),
 *    the print parses again with the same typed fields, and printing that
 *    gives the same bytes (printing is a fixed point);
 *  - the typed accessors return only their documented codes;
 *  - answering it as a remote offer returns a documented code, and an
 *    answer produced parses with as many m-lines as the offer and streams
 *    that point at accepted lines; processing it as the answer to our own
 *    offer returns a documented code.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* s is absent, or lies entirely inside in. */
static void inside(struct sp_str in, struct sp_str s)
{
	if (!s.p)
		return;
	check(s.p >= in.p && s.len <= in.len && (size_t)(s.p - in.p) <= in.len - s.len);
}

static void conn_ok(struct sp_str in, const struct sp_sdp_conn *c)
{
	inside(in, c->nettype);
	inside(in, c->addrtype);
	inside(in, c->addr);
	inside(in, c->host);
	check(c->ttl <= 255 && c->num <= 65535);
}

static void attrs_ok(struct sp_str in, const struct sp_sdp_attr *a, unsigned n)
{
	check(n <= SP_SDP_MAX_ATTR);
	for (unsigned i = 0; i < n; i++) {
		check(a[i].name.len > 0);
		inside(in, a[i].name);
		inside(in, a[i].value);
	}
}

static void media_ok(struct sp_str in, const struct sp_sdp *d, const struct sp_sdp_media *m)
{
	inside(in, m->type);
	inside(in, m->proto);
	check(m->nfmt <= SP_SDP_MAX_FMT && m->nbw <= SP_SDP_MAX_BW);
	for (unsigned f = 0; f < m->nfmt; f++) {
		inside(in, m->fmt[f]);
		int pt = sp_sdp_fmt_pt(m->fmt[f]);
		check(pt >= -1 && pt <= 127);
		if (pt < 0)
			continue;
		struct sp_sdp_rtpmap r;
		int rc = sp_sdp_rtpmap(m, pt, &r);
		check(rc == 0 || rc == -ENOENT || rc == -EBADMSG);
		if (rc == 0)
			check(r.clock > 0 && r.channels >= 1 && r.encoding.len > 0);
		struct sp_str params;
		if (sp_sdp_fmtp(m, pt, &params))
			inside(in, params);
	}
	inside(in, m->info);
	inside(in, m->key);
	conn_ok(in, &m->conn);
	attrs_ok(in, m->attr, m->nattr);
	check(sp_sdp_ptime(m) <= 65535 && sp_sdp_maxptime(m) <= 65535);
	struct sp_sdp_rtcp rtcp;
	int rc = sp_sdp_rtcp(m, &rtcp);
	check(rc == 0 || rc == -ENOENT || rc == -EBADMSG);
	if (rc == 0)
		conn_ok(in, &rtcp.conn);
	enum sp_sdp_dir dir = sp_sdp_direction(d, m);
	check(dir >= SP_SDP_SENDRECV && dir <= SP_SDP_INACTIVE);
	const struct sp_sdp_conn *c = sp_sdp_media_conn(d, m);
	check(!c || c == &m->conn || c == &d->conn);
}

static void sdp_ok(struct sp_str in, const struct sp_sdp *d)
{
	inside(in, d->origin.username);
	inside(in, d->origin.nettype);
	inside(in, d->origin.addrtype);
	inside(in, d->origin.addr);
	check(d->name.p != NULL);
	inside(in, d->name);
	inside(in, d->info);
	inside(in, d->uri);
	inside(in, d->zone);
	inside(in, d->key);
	check(d->nemail <= SP_SDP_MAX_CONTACT && d->nphone <= SP_SDP_MAX_CONTACT);
	for (unsigned i = 0; i < d->nemail; i++)
		inside(in, d->email[i]);
	for (unsigned i = 0; i < d->nphone; i++)
		inside(in, d->phone[i]);
	conn_ok(in, &d->conn);
	check(d->nbw <= SP_SDP_MAX_BW);
	check(d->ntime >= 1 && d->ntime <= SP_SDP_MAX_TIME);
	for (unsigned i = 0; i < d->ntime; i++) {
		check(d->time[i].nrepeat <= SP_SDP_MAX_REPEAT);
		for (unsigned r = 0; r < d->time[i].nrepeat; r++)
			inside(in, d->time[i].repeat[r]);
	}
	attrs_ok(in, d->attr, d->nattr);
	check(d->nmedia <= SP_SDP_MAX_MEDIA);
	for (unsigned i = 0; i < d->nmedia; i++)
		media_ok(in, d, &d->media[i]);
}

static bool same(struct sp_str a, struct sp_str b)
{
	return (a.p == NULL) == (b.p == NULL) && sp_str_eq(a, b);
}

static void conn_same(const struct sp_sdp_conn *a, const struct sp_sdp_conn *b)
{
	check(same(a->nettype, b->nettype) && same(a->addrtype, b->addrtype));
	check(same(a->addr, b->addr) && same(a->host, b->host));
	check(a->type == b->type && a->literal == b->literal);
	check(a->ttl == b->ttl && a->num == b->num);
}

static void attrs_same(const struct sp_sdp_attr *a, unsigned na, const struct sp_sdp_attr *b,
		       unsigned nb)
{
	check(na == nb);
	for (unsigned i = 0; i < na; i++)
		check(same(a[i].name, b[i].name) && same(a[i].value, b[i].value));
}

/* The typed fields of two parses are equal. */
static void sdp_same(const struct sp_sdp *a, const struct sp_sdp *b)
{
	check(same(a->origin.username, b->origin.username));
	check(a->origin.sess_id == b->origin.sess_id);
	check(a->origin.sess_version == b->origin.sess_version);
	check(same(a->origin.addr, b->origin.addr));
	check(same(a->name, b->name) && same(a->info, b->info) && same(a->uri, b->uri));
	check(same(a->zone, b->zone) && same(a->key, b->key));
	check(a->nemail == b->nemail && a->nphone == b->nphone && a->nbw == b->nbw);
	conn_same(&a->conn, &b->conn);
	check(a->ntime == b->ntime);
	for (unsigned i = 0; i < a->ntime; i++) {
		check(a->time[i].start == b->time[i].start && a->time[i].stop == b->time[i].stop);
		check(a->time[i].nrepeat == b->time[i].nrepeat);
	}
	attrs_same(a->attr, a->nattr, b->attr, b->nattr);
	check(a->nmedia == b->nmedia);
	for (unsigned i = 0; i < a->nmedia; i++) {
		const struct sp_sdp_media *x = &a->media[i], *y = &b->media[i];
		check(same(x->type, y->type) && same(x->proto, y->proto));
		check(x->port == y->port && x->nports == y->nports && x->nfmt == y->nfmt);
		for (unsigned f = 0; f < x->nfmt; f++)
			check(same(x->fmt[f], y->fmt[f]));
		check(same(x->info, y->info) && same(x->key, y->key) && x->nbw == y->nbw);
		conn_same(&x->conn, &y->conn);
		attrs_same(x->attr, x->nattr, y->attr, y->nattr);
		check(sp_sdp_direction(a, x) == sp_sdp_direction(b, y));
	}
}

static struct sp_sdp first, again, answer_sdp;

static void offer_answer(const struct sp_sdp *d)
{
	static char out[8192];
	struct sp_sdp_caps caps;
	struct sp_sdp_oa oa;
	struct sp_sdp_negotiated neg;
	size_t len;

	/* The input as a remote offer. */
	sp_sdp_caps_default(&caps, "192.0.2.2", 6000);
	caps.port[1] = 6002;
	caps.nport = 2;
	caps.rtcp_mux = d->nmedia & 1;
	sp_sdp_oa_init(&oa, &caps, 1);
	if (d->nattr & 1)
		sp_sdp_oa_set_dir(&oa, SP_SDP_SENDONLY);
	int rc = sp_sdp_oa_answer(&oa, d, out, sizeof(out), &len, &neg);
	check(rc == 0 || rc == -ENOTSUP || rc == -EBADMSG || rc == -E2BIG || rc == -ENOSPC);
	if (rc == 0) {
		check(len <= sizeof(out));
		check(sp_sdp_parse(&answer_sdp, out, len, NULL) == 0);
		check(answer_sdp.nmedia == d->nmedia);
		check(neg.nstream <= SP_SDP_MAX_STREAMS && neg.nstream <= caps.nport);
		for (unsigned i = 0; i < neg.nstream; i++) {
			const struct sp_sdp_stream *s = &neg.stream[i];
			check(s->mline < d->nmedia);
			check(answer_sdp.media[s->mline].port == s->local_port && s->local_port);
			check(s->pt >= 0 && s->pt <= 127);
			check(memchr(s->rtp_addr, 0, sizeof(s->rtp_addr)) != NULL);
			check(!s->send ||
			      sp_sdp_direction(&answer_sdp, &answer_sdp.media[s->mline]) !=
				  SP_SDP_RECVONLY);
		}
		/* A re-offer from the answerer keeps every m-line (or, after
		 * an exchange without any, adds our audio streams). */
		rc = sp_sdp_oa_offer(&oa, out, sizeof(out), &len);
		check(rc == 0 || rc == -ENOSPC || rc == -E2BIG);
		if (rc == 0) {
			check(sp_sdp_parse(&answer_sdp, out, len, NULL) == 0);
			check(answer_sdp.nmedia == (d->nmedia ? d->nmedia : caps.nport));
		}
	}

	/* The input as the answer to our offer. */
	sp_sdp_caps_default(&caps, "192.0.2.1", 5000);
	sp_sdp_oa_init(&oa, &caps, 1);
	check(sp_sdp_oa_offer(&oa, out, sizeof(out), &len) == 0);
	rc = sp_sdp_oa_process_answer(&oa, d, &neg);
	check(rc == 0 || rc == -ENOTSUP || rc == -EBADMSG);
	check(rc != 0 || (neg.nstream == 1 && neg.stream[0].mline == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_str in = {(const char *)data, size};
	struct sp_parse_error err = {0};
	int rc = sp_sdp_parse(&first, in.p, in.len, &err);
	if (rc) {
		check(rc == -EBADMSG || rc == -E2BIG);
		check(err.rule != NULL);
		check(err.at >= in.p && err.at <= in.p + in.len);
		return 0;
	}
	sdp_ok(in, &first);

	/* Print, reparse, compare, print again. */
	size_t cap = 2 * size + 64, len, len2;
	char *out = malloc(cap), *out2 = malloc(cap);
	check(out && out2);
	check(sp_sdp_print(&first, out, cap, &len) == 0);
	check(sp_sdp_parse(&again, out, len, NULL) == 0);
	sdp_ok((struct sp_str){out, len}, &again);
	sdp_same(&first, &again);
	check(sp_sdp_print(&again, out2, cap, &len2) == 0);
	check(len == len2 && memcmp(out, out2, len) == 0);
	/* One byte short is -ENOSPC. */
	check(sp_sdp_print(&first, out2, len - 1, &len2) == -ENOSPC);
	free(out2);

	offer_answer(&first);
	free(out);
	return 0;
}
