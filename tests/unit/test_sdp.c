/*
 * SDP parser and printer tests (RFC 8866): the session descriptions of the
 * RFC 3665 call flows, RFC 3264 §9 and §10 and RFC 4566 §5 parse, keep
 * every field, and print back byte for byte; the typed accessors (rtpmap,
 * fmtp, ptime, direction, rtcp, rtcp-mux) read what a softphone needs;
 * every error path reports its rule and position; counts over the
 * SP_SDP_MAX_* limits are refused with -E2BIG. Every input is copied into a
 * heap buffer of its exact length so that AddressSanitizer catches any
 * read past the end, including every truncation of every vector.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/sdp.h"

#include "test_util.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Every slice of s is absent or inside in. */
static void inside(struct sp_str in, struct sp_str s)
{
	if (!s.p)
		return;
	assert_true(s.p >= in.p && s.len <= in.len && (size_t)(s.p - in.p) <= in.len - s.len);
}

static void conn_inside(struct sp_str in, const struct sp_sdp_conn *c)
{
	inside(in, c->nettype);
	inside(in, c->addrtype);
	inside(in, c->addr);
	inside(in, c->host);
}

static void all_inside(struct sp_str in, const struct sp_sdp *d)
{
	inside(in, d->origin.username);
	inside(in, d->origin.nettype);
	inside(in, d->origin.addrtype);
	inside(in, d->origin.addr);
	inside(in, d->name);
	inside(in, d->info);
	inside(in, d->uri);
	for (unsigned i = 0; i < d->nemail; i++)
		inside(in, d->email[i]);
	for (unsigned i = 0; i < d->nphone; i++)
		inside(in, d->phone[i]);
	conn_inside(in, &d->conn);
	for (unsigned i = 0; i < d->nattr; i++) {
		inside(in, d->attr[i].name);
		inside(in, d->attr[i].value);
	}
	for (unsigned i = 0; i < d->nmedia; i++) {
		const struct sp_sdp_media *m = &d->media[i];
		inside(in, m->type);
		inside(in, m->proto);
		for (unsigned f = 0; f < m->nfmt; f++)
			inside(in, m->fmt[f]);
		conn_inside(in, &m->conn);
		for (unsigned a = 0; a < m->nattr; a++) {
			inside(in, m->attr[a].name);
			inside(in, m->attr[a].value);
		}
	}
}

static struct sp_sdp *new_sdp(void)
{
	struct sp_sdp *d = malloc(sizeof(*d));
	assert_non_null(d);
	return d;
}

/* Parses s (copied to an exact-size buffer); the test owns the result. */
static struct sp_sdp *parse_n(const char *s, size_t len)
{
	struct sp_sdp *d = new_sdp();
	struct sp_parse_error err = {0};
	struct sp_str in = tu_copy(s, len);
	tu_parse_ok(sp_sdp_parse(d, in.p, in.len, &err), in, &err);
	all_inside(in, d);
	return d;
}

static struct sp_sdp *parse(const char *s)
{
	return parse_n(s, strlen(s));
}

/* Parsing must fail with rc at byte offset `at` of s (rule checked when
 * not NULL). */
static void bad_rc(const char *s, int want_rc, size_t at, const char *rule)
{
	struct sp_sdp *d = new_sdp();
	struct sp_parse_error err = {0};
	struct sp_str in = tu_copy(s, strlen(s));
	int rc = sp_sdp_parse(d, in.p, in.len, &err);
	free(d);
	if (getenv("SDP_SHOW") && (rc != want_rc || err.at != in.p + at)) {
		printf("MISMATCH %s => rc %d at %ld rule %s (want %zu)\n", s, rc,
		       err.at ? (long)(err.at - in.p) : -1L, err.rule ? err.rule : "-", at);
		return;
	}
	if (rc != want_rc || err.at != in.p + at || (rule && strcmp(rule, err.rule) != 0))
		fail_msg("%s: rc %d (want %d), at %ld (want %zu), rule %s", s, rc, want_rc,
			 err.at ? (long)(err.at - in.p) : -1L, at, err.rule ? err.rule : "-");
}

static void bad(const char *s, size_t at, const char *rule)
{
	bad_rc(s, -EBADMSG, at, rule);
}

static void big(const char *s, size_t at)
{
	bad_rc(s, -E2BIG, at, NULL);
}

static void conn_same(const struct sp_sdp_conn *a, const struct sp_sdp_conn *b)
{
	S_SAME(a->nettype, b->nettype);
	S_SAME(a->addrtype, b->addrtype);
	S_SAME(a->host, b->host);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->literal, b->literal);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->num, b->num);
}

static void attrs_same(const struct sp_sdp_attr *a, unsigned na, const struct sp_sdp_attr *b,
		       unsigned nb)
{
	assert_int_equal(na, nb);
	for (unsigned i = 0; i < na; i++) {
		S_SAME(a[i].name, b[i].name);
		assert_int_equal(a[i].value.p == NULL, b[i].value.p == NULL);
		S_SAME(a[i].value, b[i].value);
	}
}

/* Two parses describe the same session, field by field. */
static void sdp_same(const struct sp_sdp *a, const struct sp_sdp *b)
{
	S_SAME(a->origin.username, b->origin.username);
	assert_true(a->origin.sess_id == b->origin.sess_id);
	assert_true(a->origin.sess_version == b->origin.sess_version);
	S_SAME(a->origin.addr, b->origin.addr);
	S_SAME(a->name, b->name);
	S_SAME(a->info, b->info);
	S_SAME(a->uri, b->uri);
	assert_int_equal(a->nemail, b->nemail);
	assert_int_equal(a->nphone, b->nphone);
	conn_same(&a->conn, &b->conn);
	assert_int_equal(a->nbw, b->nbw);
	assert_int_equal(a->ntime, b->ntime);
	for (unsigned i = 0; i < a->ntime; i++) {
		assert_true(a->time[i].start == b->time[i].start);
		assert_true(a->time[i].stop == b->time[i].stop);
		assert_int_equal(a->time[i].nrepeat, b->time[i].nrepeat);
	}
	S_SAME(a->zone, b->zone);
	S_SAME(a->key, b->key);
	attrs_same(a->attr, a->nattr, b->attr, b->nattr);
	assert_int_equal(a->nmedia, b->nmedia);
	for (unsigned i = 0; i < a->nmedia; i++) {
		const struct sp_sdp_media *x = &a->media[i], *y = &b->media[i];
		S_SAME(x->type, y->type);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->nports, y->nports);
		S_SAME(x->proto, y->proto);
		assert_int_equal(x->nfmt, y->nfmt);
		for (unsigned f = 0; f < x->nfmt; f++)
			S_SAME(x->fmt[f], y->fmt[f]);
		conn_same(&x->conn, &y->conn);
		assert_int_equal(x->nbw, y->nbw);
		attrs_same(x->attr, x->nattr, y->attr, y->nattr);
	}
}

/* Prints d, reparses the print and compares; returns the printed text
 * (heap, NUL-terminated) for byte comparisons. */
static char *roundtrip(const struct sp_sdp *d)
{
	size_t cap = 8192, len;
	char *out = malloc(cap + 1);
	assert_non_null(out);
	assert_int_equal(sp_sdp_print(d, out, cap, &len), 0);
	out[len] = '\0';
	struct sp_sdp *again = parse_n(out, len);
	sdp_same(d, again);
	/* Printing is a fixed point. */
	char *out2 = malloc(cap);
	size_t len2;
	assert_non_null(out2);
	assert_int_equal(sp_sdp_print(again, out2, cap, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(out, out2, len);
	free(out2);
	free(again);
	return out;
}

/* ---- vectors -------------------------------------------------------------------- */

static const struct {
	const char *file;
	bool in_order; /* printed back byte for byte */
	unsigned nmedia;
} vectors[] = {
    {"sdp/rfc3665-3.1-F1-invite.sdp", true, 1},
    {"sdp/rfc3665-3.1-F3-200.sdp", true, 1},
    {"sdp/rfc3665-3.5-F2-invite.sdp", true, 1},
    {"sdp/rfc3665-3.5-F11-200.sdp", true, 1},
    {"sdp/rfc3665-3.6-F10-200.sdp", true, 1},
    {"sdp/rfc3665-3.7-F9-invite.sdp", true, 1},
    {"sdp/rfc3665-3.7-F10-200.sdp", true, 1},
    {"sdp/rfc4566-5-example.sdp", true, 2},
    /* RFC 3264 §9 Figure 1 writes t= before c=: accepted, printed in
     * RFC 8866 order. */
    {"sdp/rfc3264-9-capabilities.sdp", false, 2},
    {"sdp/rfc3264-10.1-offer1.sdp", true, 3},
    {"sdp/rfc3264-10.1-answer1.sdp", true, 3},
    {"sdp/rfc3264-10.1-offer2.sdp", true, 4},
    {"sdp/rfc3264-10.1-answer2.sdp", true, 4},
    {"sdp/rfc3264-10.2-offer1.sdp", true, 1},
    {"sdp/rfc3264-10.2-answer1.sdp", true, 1},
    {"sdp/rfc3264-10.2-offer2.sdp", true, 1},
    {"sdp/rfc3264-10.2-answer2.sdp", true, 1},
    {"sdp/softphone-full.sdp", true, 2},
};

static void test_vectors_roundtrip(void **state)
{
	(void)state;
	for (size_t v = 0; v < ARRAY_SIZE(vectors); v++) {
		size_t len;
		char *buf = tu_load(vectors[v].file, &len);
		assert_non_null(buf);
		struct sp_sdp *d = parse_n(buf, len);
		assert_int_equal(d->nmedia, vectors[v].nmedia);
		char *out = roundtrip(d);
		if (vectors[v].in_order) {
			if (strlen(out) != len || memcmp(out, buf, len) != 0)
				fail_msg("%s: print differs:\n%s", vectors[v].file, out);
		}
		free(out);
		free(d);
		free(buf);
	}
}

/* Every prefix of every vector, in an exact-size buffer: no read past the
 * end, and either a parse or an error inside the prefix. */
static void test_vectors_truncated(void **state)
{
	(void)state;
	struct sp_sdp *d = new_sdp();
	for (size_t v = 0; v < ARRAY_SIZE(vectors); v++) {
		size_t len;
		char *buf = tu_load(vectors[v].file, &len);
		assert_non_null(buf);
		for (size_t n = 0; n < len; n++) {
			char *cut = tu_dup(buf, n);
			struct sp_parse_error err = {0};
			int rc = sp_sdp_parse(d, cut, n, &err);
			if (rc) {
				assert_true(rc == -EBADMSG || rc == -E2BIG);
				assert_non_null(err.rule);
				assert_true(err.at >= cut && err.at <= cut + n);
			} else {
				all_inside((struct sp_str){cut, n}, d);
			}
			free(cut);
		}
		free(buf);
	}
	free(d);
}

/* ---- fields ---------------------------------------------------------------------------- */

static void test_rfc4566_example(void **state)
{
	(void)state;
	size_t len;
	char *buf = tu_load("sdp/rfc4566-5-example.sdp", &len);
	assert_non_null(buf);
	struct sp_sdp *d = parse_n(buf, len);
	S_IS(d->origin.username, "jdoe");
	assert_true(d->origin.sess_id == 2890844526u);
	assert_true(d->origin.sess_version == 2890842807u);
	S_IS(d->origin.nettype, "IN");
	S_IS(d->origin.addrtype, "IP4");
	S_IS(d->origin.addr, "10.47.16.5");
	S_IS(d->name, "SDP Seminar");
	S_IS(d->info, "A Seminar on the session description protocol");
	S_IS(d->uri, "http://www.example.com/seminars/sdp.pdf");
	assert_int_equal(d->nemail, 1);
	S_IS(d->email[0], "j.doe@example.com (Jane Doe)");
	assert_int_equal(d->conn.type, SP_SDP_IP4);
	assert_true(d->conn.literal);
	S_IS(d->conn.addr, "224.2.17.12/127");
	S_IS(d->conn.host, "224.2.17.12");
	assert_int_equal(d->conn.ttl, 127);
	assert_int_equal(d->conn.num, 0);
	assert_int_equal(d->ntime, 1);
	assert_true(d->time[0].start == 2873397496u && d->time[0].stop == 2873404696u);
	assert_int_equal(d->nattr, 1);
	S_IS(d->attr[0].name, "recvonly");
	S_ABSENT(d->attr[0].value);
	/* Session-level direction is the default of every stream. */
	assert_int_equal(sp_sdp_direction(d, NULL), SP_SDP_RECVONLY);
	assert_int_equal(sp_sdp_direction(d, &d->media[0]), SP_SDP_RECVONLY);
	assert_int_equal(sp_sdp_direction(d, &d->media[1]), SP_SDP_RECVONLY);
	S_IS(d->media[1].type, "video");
	assert_int_equal(d->media[1].port, 51372);
	S_IS(d->media[1].proto, "RTP/AVP");
	struct sp_sdp_rtpmap r;
	assert_int_equal(sp_sdp_rtpmap(&d->media[1], 99, &r), 0);
	S_IS(r.encoding, "h263-1998");
	assert_int_equal(r.clock, 90000);
	/* Media without c= use the session's. */
	assert_ptr_equal(sp_sdp_media_conn(d, &d->media[0]), &d->conn);
	free(d);
	free(buf);
}

static void test_rfc3665_invite(void **state)
{
	(void)state;
	size_t len;
	char *buf = tu_load("sdp/rfc3665-3.1-F1-invite.sdp", &len);
	assert_non_null(buf);
	struct sp_sdp *d = parse_n(buf, len);
	S_IS(d->name, "-");
	S_IS(d->conn.host, "192.0.2.101");
	assert_int_equal(d->nmedia, 1);
	const struct sp_sdp_media *m = &d->media[0];
	S_IS(m->type, "audio");
	assert_int_equal(m->port, 49172);
	assert_int_equal(m->nports, 0);
	assert_int_equal(m->nfmt, 1);
	S_IS(m->fmt[0], "0");
	struct sp_sdp_rtpmap r;
	assert_int_equal(sp_sdp_rtpmap(m, 0, &r), 0);
	S_IS(r.encoding, "PCMU");
	assert_int_equal(r.clock, 8000);
	assert_int_equal(r.channels, 1);
	assert_int_equal(sp_sdp_direction(d, m), SP_SDP_SENDRECV);
	assert_int_equal(d->nignored, 0);
	free(d);
	free(buf);
}

static void test_rfc3264_fields(void **state)
{
	(void)state;
	size_t len;
	char *buf = tu_load("sdp/rfc3264-9-capabilities.sdp", &len);
	assert_non_null(buf);
	struct sp_sdp *d = parse_n(buf, len);
	/* 11-digit sess-id; FQDN-free IP4 literal; port 0 capability lines. */
	assert_true(d->origin.sess_id == 28908764872ull);
	S_IS(d->conn.host, "192.0.2.4");
	assert_int_equal(d->media[0].port, 0);
	assert_int_equal(d->media[0].nfmt, 3);
	struct sp_sdp_rtpmap r;
	assert_int_equal(sp_sdp_rtpmap(&d->media[0], 1, &r), 0);
	S_IS(r.encoding, "1016");
	free(d);
	free(buf);

	buf = tu_load("sdp/rfc3264-10.1-offer1.sdp", &len);
	assert_non_null(buf);
	d = parse_n(buf, len);
	S_IS(d->name, ""); /* "s=" as RFC 3264 writes it */
	assert_false(d->conn.literal);
	S_IS(d->conn.host, "host.anywhere.com");
	free(d);
	free(buf);
}

static const char full_sdp[] = "v=0\r\n"
			       "o=- 1 2 IN IP6 2001:db8::1\r\n"
			       "s= \r\n"
			       "c=IN IP6 2001:db8::1\r\n"
			       "b=AS:64\r\n"
			       "t=0 0\r\n"
			       "a=sendonly\r\n"
			       "a=x-unknown:some value: with colon\r\n"
			       "m=audio 49170 RTP/AVP 0 8 97 101\r\n"
			       "c=IN IP4 192.0.2.7\r\n"
			       "a=rtpmap:97 opus/48000/2\r\n"
			       "a=fmtp:97 useinbandfec=1; stereo=1\r\n"
			       "a=rtpmap:101 telephone-event/8000\r\n"
			       "a=fmtp:101 0-16\r\n"
			       "a=rtpmap:102 broken\r\n"
			       "a=ptime:20.5\r\n"
			       "a=maxptime:40\r\n"
			       "a=rtcp:53020 IN IP4 126.16.64.4\r\n"
			       "a=rtcp-mux\r\n"
			       "a=recvonly\r\n"
			       "a=flag\r\n"
			       "a=empty:\r\n"
			       "m=video 0 RTP/AVP\r\n";

static void test_typed_access(void **state)
{
	(void)state;
	struct sp_sdp *d = parse(full_sdp);
	struct sp_sdp_rtpmap r;
	struct sp_str fmtp;
	struct sp_sdp_rtcp rtcp;
	S_IS(d->name, " ");
	assert_int_equal(d->conn.type, SP_SDP_IP6);
	assert_true(d->conn.literal);
	assert_int_equal(d->nbw, 1);
	S_IS(d->bw[0].type, "AS");
	assert_true(d->bw[0].value == 64);
	const struct sp_sdp_media *m = &d->media[0];
	assert_int_equal(m->nfmt, 4);
	/* Media-level c= overrides; direction too. */
	assert_ptr_equal(sp_sdp_media_conn(d, m), &m->conn);
	assert_int_equal(sp_sdp_direction(d, NULL), SP_SDP_SENDONLY);
	assert_int_equal(sp_sdp_direction(d, m), SP_SDP_RECVONLY);
	assert_int_equal(sp_sdp_direction(d, &d->media[1]), SP_SDP_SENDONLY);
	/* Static type without rtpmap: from RFC 3551. */
	assert_int_equal(sp_sdp_rtpmap(m, 8, &r), 0);
	S_IS(r.encoding, "PCMA");
	assert_int_equal(r.clock, 8000);
	assert_int_equal(sp_sdp_rtpmap(m, 97, &r), 0);
	S_IS(r.encoding, "opus");
	assert_int_equal(r.clock, 48000);
	assert_int_equal(r.channels, 2);
	assert_int_equal(sp_sdp_rtpmap(m, 96, &r), -ENOENT);
	assert_int_equal(sp_sdp_rtpmap(m, 102, &r), -EBADMSG);
	assert_true(sp_sdp_fmtp(m, 97, &fmtp));
	S_IS(fmtp, "useinbandfec=1; stereo=1");
	assert_true(sp_sdp_fmtp(m, 101, &fmtp));
	S_IS(fmtp, "0-16");
	assert_false(sp_sdp_fmtp(m, 0, &fmtp));
	assert_int_equal(sp_sdp_ptime(m), 20);
	assert_int_equal(sp_sdp_maxptime(m), 40);
	assert_int_equal(sp_sdp_ptime(&d->media[1]), 0);
	assert_int_equal(sp_sdp_rtcp(m, &rtcp), 0);
	assert_int_equal(rtcp.port, 53020);
	S_IS(rtcp.conn.host, "126.16.64.4");
	assert_int_equal(sp_sdp_rtcp(&d->media[1], &rtcp), -ENOENT);
	assert_true(sp_sdp_rtcp_mux(m));
	assert_false(sp_sdp_rtcp_mux(&d->media[1]));
	/* Unknown attributes are kept whole: name, value after the first ':'. */
	S_IS(d->attr[1].name, "x-unknown");
	S_IS(d->attr[1].value, "some value: with colon");
	const struct sp_sdp_attr *a = sp_sdp_attr_find(m->attr, m->nattr, "empty");
	assert_non_null(a);
	S_IS(a->value, "");
	a = sp_sdp_attr_find(m->attr, m->nattr, "flag");
	assert_non_null(a);
	S_ABSENT(a->value);
	assert_null(sp_sdp_attr_find(m->attr, m->nattr, "FLAG"));
	/* Port 0 without formats. */
	assert_int_equal(d->media[1].port, 0);
	assert_int_equal(d->media[1].nfmt, 0);
	char *out = roundtrip(d);
	assert_string_equal(out, full_sdp);
	free(out);
	free(d);
}

static void test_rtcp_forms(void **state)
{
	(void)state;
	struct sp_sdp *d = parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n"
				 "m=audio 1 RTP/AVP 0\r\na=rtcp:1001\r\n"
				 "m=audio 2 RTP/AVP 0\r\na=rtcp:x\r\n"
				 "m=audio 3 RTP/AVP 0\r\na=rtcp\r\n"
				 "m=audio 4 RTP/AVP 0\r\na=rtcp:5 IN IP6 ::1\r\n"
				 "m=audio 5 RTP/AVP 0\r\na=rtcp:5 IN IP4\r\n");
	struct sp_sdp_rtcp r;
	assert_int_equal(sp_sdp_rtcp(&d->media[0], &r), 0);
	assert_int_equal(r.port, 1001);
	S_ABSENT(r.conn.nettype);
	assert_int_equal(sp_sdp_rtcp(&d->media[1], &r), -EBADMSG);
	assert_int_equal(sp_sdp_rtcp(&d->media[2], &r), -EBADMSG);
	assert_int_equal(sp_sdp_rtcp(&d->media[3], &r), 0);
	assert_int_equal(r.conn.type, SP_SDP_IP6);
	S_IS(r.conn.host, "::1");
	assert_int_equal(sp_sdp_rtcp(&d->media[4], &r), -EBADMSG);
	free(d);
}

static void test_connection_forms(void **state)
{
	(void)state;
	struct sp_sdp *d = parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n"
				 "m=audio 1 RTP/AVP 0\r\nc=IN IP4 224.2.1.1/127/3\r\n"
				 "m=audio 2 RTP/AVP 0\r\nc=IN IP6 FF15::101/3\r\n"
				 "m=audio 3 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\n"
				 "m=audio 4 RTP/AVP 0\r\nc=ATM NSAP 47.0091.8100\r\n"
				 "m=audio 5/2 RTP/AVP 0\r\nc=IN IP4 pc33.atlanta.com\r\n");
	assert_int_equal(d->media[0].conn.ttl, 127);
	assert_int_equal(d->media[0].conn.num, 3);
	S_IS(d->media[0].conn.host, "224.2.1.1");
	assert_int_equal(d->media[1].conn.num, 3);
	assert_int_equal(d->media[1].conn.ttl, 0);
	S_IS(d->media[1].conn.host, "FF15::101");
	assert_true(sp_sdp_conn_is_hold(&d->media[2].conn));
	assert_false(sp_sdp_conn_is_hold(&d->media[0].conn));
	assert_false(sp_sdp_conn_is_hold(NULL));
	assert_int_equal(d->media[3].conn.type, SP_SDP_ADDR_OTHER);
	S_IS(d->media[3].conn.host, "47.0091.8100");
	assert_false(d->media[4].conn.literal);
	assert_int_equal(d->media[4].nports, 2);
	assert_ptr_equal(sp_sdp_media_conn(d, &d->media[0]), &d->media[0].conn);
	char *out = roundtrip(d);
	free(out);
	free(d);
}

static void test_liberal(void **state)
{
	(void)state;
	/* LF line ends, runs of spaces, no final line end, unknown types. */
	struct sp_sdp *d = parse("v=0\no=a  1   2 IN IP4 h\ns=x\nt=0 0\ny=ignored\n"
				 "m=audio  49170  RTP/AVP  0  8\nw=also ignored\na=sendonly");
	assert_int_equal(d->nignored, 2);
	assert_true(d->origin.sess_version == 2);
	assert_int_equal(d->media[0].nfmt, 2);
	S_IS(d->media[0].fmt[1], "8");
	assert_int_equal(sp_sdp_direction(d, &d->media[0]), SP_SDP_SENDONLY);
	char *out = roundtrip(d);
	assert_string_equal(out, "v=0\r\no=a 1 2 IN IP4 h\r\ns=x\r\nt=0 0\r\n"
				 "m=audio 49170 RTP/AVP 0 8\r\na=sendonly\r\n");
	free(out);
	free(d);
	/* Trailing empty lines (a SIP body often ends with one). */
	d = parse("v=0\r\no=a 1 2 IN IP4 h\r\ns=x\r\nt=0 0\r\n\r\n\r\n");
	assert_int_equal(d->nmedia, 0);
	free(d);
	/* r=, z=, k=, e=, p=, i= at both levels, several t=. */
	d = parse("v=0\r\no=a 1 2 IN IP4 h\r\ns=x\r\ni=info\r\nu=http://x\r\n"
		  "e=a@b\r\ne=c@d\r\np=+1 617 555-6011\r\nt=3034423619 3042462419\r\n"
		  "r=604800 3600 0 90000\r\nr=7d 1h 0 25h\r\nt=0 0\r\n"
		  "z=2882844526 -1h 2898848070 0\r\nk=prompt\r\na=tool:x\r\n"
		  "m=audio 1 RTP/AVP 0\r\ni=media info\r\nb=CT:128\r\nk=clear:abc\r\n");
	assert_int_equal(d->ntime, 2);
	assert_int_equal(d->time[0].nrepeat, 2);
	S_IS(d->time[0].repeat[1], "7d 1h 0 25h");
	S_IS(d->zone, "2882844526 -1h 2898848070 0");
	S_IS(d->key, "prompt");
	S_IS(d->media[0].info, "media info");
	S_IS(d->media[0].key, "clear:abc");
	assert_int_equal(d->nemail, 2);
	assert_int_equal(d->nphone, 1);
	out = roundtrip(d);
	free(out);
	free(d);
}

/* ---- errors --------------------------------------------------------------------------------- */

#define HEAD "v=0\r\no=a 1 2 IN IP4 h\r\ns=ab\r\nt=0 0\r\n" /* 36 bytes */

static void test_required_lines(void **state)
{
	(void)state;
	assert_int_equal(strlen(HEAD), 36);
	bad("", 0, "v= (first line)");
	bad("\r\n", 0, "v= (first line)");
	bad("o=a 1 2 IN IP4 h\r\nv=0\r\n", 0, "v= (first line)");
	bad("v=1\r\n", 2, "v= version 0");
	bad("v=00\r\n", 2, "v= version 0");
	bad("v=0\r\ns=-\r\nt=0 0\r\n", 17, "o= (missing)");
	bad("v=0\r\no=a 1 2 IN IP4 h\r\nt=0 0\r\n", 30, "s= (missing)");
	bad("v=0\r\no=a 1 2 IN IP4 h\r\ns=-\r\n", 28, "t= (missing)");
	bad(HEAD "v=0\r\n", 36, "v= (duplicate)");
	bad(HEAD "o=a 1 2 IN IP4 h\r\n", 36, "o= (duplicate)");
	bad(HEAD "s=x\r\n", 36, "s= (duplicate)");
	bad(HEAD "i=x\r\ni=y\r\n", 41, "i= (duplicate)");
	bad(HEAD "c=IN IP4 h\r\nc=IN IP4 h\r\n", 48, "c= (duplicate)");
}

static void test_line_errors(void **state)
{
	(void)state;
	bad("v=0\r\nx\r\n", 5, "<type>=<value>");
	bad("v=0\r\nab=c\r\n", 5, "<type>=<value>");
	bad("v=0\r\n=x\r\n", 5, "<type>=<value>");
	bad("v=0\r\n1=x\r\n", 5, "<type>");
	bad(HEAD "a=x\ry\r\n", 39, "byte-string");
	bad(HEAD "\r\na=x\r\n", 38, "empty line");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", 57,
	    "session-level line in a media description");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\no=a 1 2 IN IP4 h\r\n", 57, NULL);
	bad(HEAD "m=audio 1 RTP/AVP 0\r\nv=0\r\n", 57, NULL);
	bad("v=0\r\no=a 1 2 IN IP4 h\r\ns=-\r\nr=1 2 3\r\nt=0 0\r\n", 28, "r= (without t=)");
	bad(HEAD "r=\r\n", 38, "r= repeat-interval");
	bad(HEAD "z=1 2\r\nz=3 4\r\n", 43, "z= (duplicate)");
	bad(HEAD "u=\r\n", 38, "u= uri");
	bad(HEAD "e=\r\n", 38, "e= email-address");
	bad(HEAD "k=a\r\nk=b\r\n", 41, "k= (duplicate)");
}

/* NUL bytes inside a line: built with an explicit length. */
static void test_nul_byte(void **state)
{
	(void)state;
	static const char s[] = "v=0\r\no=a 1 2 IN IP4 h\r\ns=a\0b\r\nt=0 0\r\n";
	struct sp_sdp *d = new_sdp();
	struct sp_parse_error err = {0};
	struct sp_str in = tu_copy(s, sizeof(s) - 1);
	tu_parse_bad(sp_sdp_parse(d, in.p, in.len, &err), in, &err, 26, "byte-string");
	free(d);
}

static void test_field_errors(void **state)
{
	(void)state;
	/* o= */
	bad("v=0\r\no=a x 2 IN IP4 h\r\n", 9, "o= sess-id");
	bad("v=0\r\no=a 1 -2 IN IP4 h\r\n", 11, "o= sess-version");
	bad("v=0\r\no=a 1 2 IN IP4\r\n", 19, "o= unicast-address");
	bad("v=0\r\no=a 1 2 IN IP4 h extra\r\n", 22, "o= (extra field)");
	bad("v=0\r\no=\r\n", 7, "o= username");
	bad("v=0\r\no=a 99999999999999999999 2 IN IP4 h\r\n", 9, "o= sess-id");
	/* c= */
	bad(HEAD "c=IN IP4\r\n", 44, "c= connection-address");
	bad(HEAD "c=IN IP4 a_b\r\n", 45, "c= IP4 address");
	bad(HEAD "c=IN IP6 ::1::2:zz\r\n", 45, "c= IP6 address");
	bad(HEAD "c=IN IP4 224.2.1.1/256\r\n", 55, "c= ttl");
	bad(HEAD "c=IN IP4 224.2.1.1/1/x\r\n", 57, "c= numaddr");
	bad(HEAD "c=IN IP6 ff15::1/1/2\r\n", 54, "c= connection-address");
	bad(HEAD "c=IN IP4 h x\r\n", 47, "c= (extra field)");
	bad(HEAD "c=I(N IP4 h\r\n", 38, "c= nettype");
	/* b= t= */
	bad(HEAD "b=AS\r\n", 40, "b= bwtype");
	bad(HEAD "b=AS:x\r\n", 41, "b= bandwidth");
	bad(HEAD "b=:1\r\n", 38, "b= bwtype");
	bad("v=0\r\no=a 1 2 IN IP4 h\r\ns=-\r\nt=0\r\n", 31, "t= stop-time");
	bad("v=0\r\no=a 1 2 IN IP4 h\r\ns=-\r\nt=a 0\r\n", 30, "t= start-time");
	bad("v=0\r\no=a 1 2 IN IP4 h\r\ns=-\r\nt=0 0 0\r\n", 34, "t= (extra field)");
	/* a= */
	bad(HEAD "a=\r\n", 38, "a= attribute-name");
	bad(HEAD "a=:x\r\n", 38, "a= attribute-name");
	bad(HEAD "a=a b:c\r\n", 38, "a= attribute-name");
}

static void test_media_errors(void **state)
{
	(void)state;
	bad(HEAD "m=audio\r\n", 43, "m= port");
	bad(HEAD "m=audio x RTP/AVP 0\r\n", 44, "m= port");
	bad(HEAD "m=audio 65536 RTP/AVP 0\r\n", 44, "m= port");
	bad(HEAD "m=audio 1/0 RTP/AVP 0\r\n", 46, "m= number of ports");
	bad(HEAD "m=audio 1/ RTP/AVP 0\r\n", 46, "m= number of ports");
	bad(HEAD "m=audio 1 RTP//AVP 0\r\n", 46, "m= proto");
	bad(HEAD "m=audio 1 RTP/AVP/ 0\r\n", 46, "m= proto");
	bad(HEAD "m=audio 1 RTP/AVP\r\n", 53, "m= fmt");
	bad(HEAD "m=audio 1\r\n", 45, "m= proto");
	bad(HEAD "m=\r\n", 38, "m= media");
	bad(HEAD "m=audio 1 RTP/AVP 0 a(b\r\n", 56, "m= fmt");
	/* Port 65535 and the widest proto are fine. */
	struct sp_sdp *d = parse(HEAD "m=audio 65535 UDP/TLS/RTP/SAVPF 111\r\n");
	assert_int_equal(d->media[0].port, 65535);
	S_IS(d->media[0].proto, "UDP/TLS/RTP/SAVPF");
	free(d);
}

/* A buffer holding HEAD and then n copies of line. */
static char *repeat(const char *line, unsigned n)
{
	size_t l = strlen(line), h = strlen(HEAD);
	char *s = malloc(h + l * n + 1);
	assert_non_null(s);
	memcpy(s, HEAD, h);
	for (unsigned i = 0; i < n; i++)
		memcpy(s + h + l * i, line, l);
	s[h + l * n] = '\0';
	return s;
}

static void test_limits(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		unsigned max;
	} rows[] = {
	    {"m=audio 1 RTP/AVP 0\r\n", SP_SDP_MAX_MEDIA},
	    {"a=x\r\n", SP_SDP_MAX_ATTR},
	    {"b=AS:1\r\n", SP_SDP_MAX_BW},
	    {"t=0 0\r\n", SP_SDP_MAX_TIME - 1},
	    {"r=1 2 3\r\n", SP_SDP_MAX_REPEAT},
	    {"e=a@b\r\n", SP_SDP_MAX_CONTACT},
	    {"p=+1 555\r\n", SP_SDP_MAX_CONTACT},
	};
	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		char *ok = repeat(rows[r].line, rows[r].max);
		struct sp_sdp *d = parse(ok);
		free(d);
		free(ok);
		char *over = repeat(rows[r].line, rows[r].max + 1);
		big(over, 36 + strlen(rows[r].line) * rows[r].max);
		free(over);
	}
	/* Attributes in one media section. */
	char *s = repeat("a=x\r\n", 0);
	size_t cap = 4096, len = strlen(s);
	s = realloc(s, cap);
	assert_non_null(s);
	len += (size_t)snprintf(s + len, cap - len, "m=audio 1 RTP/AVP 0\r\n");
	size_t at = 0;
	for (unsigned i = 0; i <= SP_SDP_MAX_ATTR; i++) {
		if (i == SP_SDP_MAX_ATTR)
			at = len;
		len += (size_t)snprintf(s + len, cap - len, "a=k%u:v\r\n", i);
	}
	big(s, at);
	/* Formats on one m= line: the 33rd format is the error. */
	len = (size_t)snprintf(s, cap, HEAD "m=audio 1 RTP/AVP");
	for (unsigned i = 0; i <= SP_SDP_MAX_FMT; i++) {
		if (i == SP_SDP_MAX_FMT)
			at = len + 1;
		len += (size_t)snprintf(s + len, cap - len, " %u", 96 + i);
	}
	big(s, at);
	/* Two c= in one media section. */
	big(HEAD "m=audio 1 RTP/AVP 0\r\nc=IN IP4 h\r\nc=IN IP4 i\r\n", 69);
	free(s);
}

/* ---- printing -------------------------------------------------------------------------------- */

static void test_print_bounds(void **state)
{
	(void)state;
	struct sp_sdp *d = parse(full_sdp);
	size_t need = strlen(full_sdp), len;
	char *buf = malloc(need);
	assert_non_null(buf);
	for (size_t cap = 0; cap < need; cap++)
		assert_int_equal(sp_sdp_print(d, buf, cap, &len), -ENOSPC);
	assert_int_equal(sp_sdp_print(d, buf, need, &len), 0);
	assert_int_equal(len, need);
	assert_memory_equal(buf, full_sdp, need);
	/* Required fields. */
	d->ntime = 0;
	assert_int_equal(sp_sdp_print(d, buf, need, &len), -EINVAL);
	free(buf);
	free(d);
}

/* A description filled in by hand: the printer supplies "-" for an absent
 * s=, prints host/ttl/num when addr is not set, and numbers in decimal. */
static void test_print_built(void **state)
{
	(void)state;
	struct sp_sdp *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->origin = (struct sp_sdp_origin){SP_STR("bob"),      7, 8, SP_STR("IN"), SP_STR("IP4"),
					   SP_STR("192.0.2.1")};
	d->conn.nettype = SP_STR("IN");
	d->conn.addrtype = SP_STR("IP4");
	d->conn.host = SP_STR("224.2.1.1");
	d->conn.ttl = 16;
	d->conn.num = 2;
	d->ntime = 1;
	d->nmedia = 1;
	d->media[0].type = SP_STR("audio");
	d->media[0].port = 5004;
	d->media[0].nports = 2;
	d->media[0].proto = SP_STR("RTP/AVP");
	d->media[0].fmt[0] = SP_STR("0");
	d->media[0].nfmt = 1;
	d->media[0].attr[0] = (struct sp_sdp_attr){SP_STR("ptime"), SP_STR("20")};
	d->media[0].attr[1] = (struct sp_sdp_attr){SP_STR("sendrecv"), SP_STR_NULL};
	d->media[0].nattr = 2;
	char buf[512];
	size_t len;
	assert_int_equal(sp_sdp_print(d, buf, sizeof(buf), &len), 0);
	static const char want[] = "v=0\r\no=bob 7 8 IN IP4 192.0.2.1\r\ns=-\r\n"
				   "c=IN IP4 224.2.1.1/16/2\r\nt=0 0\r\n"
				   "m=audio 5004/2 RTP/AVP 0\r\na=ptime:20\r\na=sendrecv\r\n";
	assert_int_equal(len, strlen(want));
	assert_memory_equal(buf, want, len);
	free(d);
}

static void test_helpers(void **state)
{
	(void)state;
	assert_int_equal(sp_sdp_fmt_pt(SP_STR("0")), 0);
	assert_int_equal(sp_sdp_fmt_pt(SP_STR("127")), 127);
	assert_int_equal(sp_sdp_fmt_pt(SP_STR("128")), -1);
	assert_int_equal(sp_sdp_fmt_pt(SP_STR("0096")), -1);
	assert_int_equal(sp_sdp_fmt_pt(SP_STR("x")), -1);
	assert_int_equal(sp_sdp_fmt_pt(SP_STR("")), -1);
	assert_string_equal(sp_sdp_dir_name(SP_SDP_SENDRECV), "sendrecv");
	assert_string_equal(sp_sdp_dir_name(SP_SDP_SENDONLY), "sendonly");
	assert_string_equal(sp_sdp_dir_name(SP_SDP_RECVONLY), "recvonly");
	assert_string_equal(sp_sdp_dir_name(SP_SDP_INACTIVE), "inactive");
	assert_int_equal(sp_sdp_dir_reverse(SP_SDP_SENDONLY), SP_SDP_RECVONLY);
	assert_int_equal(sp_sdp_dir_reverse(SP_SDP_RECVONLY), SP_SDP_SENDONLY);
	assert_int_equal(sp_sdp_dir_reverse(SP_SDP_SENDRECV), SP_SDP_SENDRECV);
	assert_int_equal(sp_sdp_dir_reverse(SP_SDP_INACTIVE), SP_SDP_INACTIVE);
	/* Errors without an error record. */
	struct sp_sdp *d = new_sdp();
	assert_int_equal(sp_sdp_parse(d, "v=1", 3, NULL), -EBADMSG);
	free(d);
}

#define T(f) cmocka_unit_test_teardown(f, tu_free_copies)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_vectors_roundtrip), T(test_vectors_truncated), T(test_rfc4566_example),
	    T(test_rfc3665_invite),    T(test_rfc3264_fields),	  T(test_typed_access),
	    T(test_rtcp_forms),	       T(test_connection_forms),  T(test_liberal),
	    T(test_required_lines),    T(test_line_errors),	  T(test_nul_byte),
	    T(test_field_errors),      T(test_media_errors),	  T(test_limits),
	    T(test_print_bounds),      T(test_print_built),	  T(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
