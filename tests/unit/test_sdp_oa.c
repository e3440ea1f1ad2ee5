/*
 * Offer/answer tests (RFC 3264): our answers to the offers of RFC 3264
 * §10.1 and §10.2 and of RFC 3665, offers and their version numbers (§8),
 * direction mapping (§6.1) and hold/resume (§8.4, with the RFC 2543
 * c=0.0.0.0 form), rejected streams (port 0), no common codec (-ENOTSUP,
 * a 488 for the caller), dynamic payload type mapping, telephone-event
 * (RFC 4733) at the clock of the codec (8000 with G.711, 48000 with Opus,
 * RFC 7587), declarative Opus format parameters, RTCP addresses (RFC 3605, RFC 5761), two sessions talking
 * to each other, and the error paths (state, ENOSPC, ENOMEM).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/mem.h"
#include "siphon/sdp.h"

#include "test_util.h"

#define BUFSZ 4096

/* One side of a call: its O/A state and the last SDP it produced. */
struct side {
	struct sp_sdp_oa oa;
	char out[BUFSZ];
	size_t len;
	struct sp_sdp_negotiated neg;
};

static struct side *side_new(const char *addr, uint16_t port, uint64_t id)
{
	struct side *s = calloc(1, sizeof(*s));
	struct sp_sdp_caps caps;
	assert_non_null(s);
	sp_sdp_caps_default(&caps, addr, port);
	caps.user = "test";
	sp_sdp_oa_init(&s->oa, &caps, id);
	return s;
}

/* Parses text (exact-size copy, owned by tu_copy); the caller frees. */
static struct sp_sdp *parse_n(const char *text, size_t len)
{
	struct sp_sdp *d = malloc(sizeof(*d));
	struct sp_parse_error err = {0};
	assert_non_null(d);
	struct sp_str in = tu_copy(text, len);
	tu_parse_ok(sp_sdp_parse(d, in.p, in.len, &err), in, &err);
	return d;
}

static struct sp_sdp *parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static struct sp_sdp *load(const char *rel)
{
	size_t len;
	char *buf = tu_load(rel, &len);
	assert_non_null(buf);
	struct sp_sdp *d = parse_n(buf, len);
	free(buf); /* d points into the tu_copy buffer */
	return d;
}

/* s answers offer: returns the rc, and on success the parsed answer in
 * *ans (the caller frees). */
static int answer(struct side *s, const struct sp_sdp *offer, struct sp_sdp **ans)
{
	int rc = sp_sdp_oa_answer(&s->oa, offer, s->out, sizeof(s->out), &s->len, &s->neg);
	if (rc == 0 && ans)
		*ans = parse_n(s->out, s->len);
	return rc;
}

static struct sp_sdp *offer(struct side *s)
{
	assert_int_equal(sp_sdp_oa_offer(&s->oa, s->out, sizeof(s->out), &s->len), 0);
	return parse_n(s->out, s->len);
}

/* a offers, b answers, a processes the answer. */
static void exchange(struct side *a, struct side *b)
{
	struct sp_sdp *o = offer(a), *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), 0);
	assert_int_equal(a->oa.state, SP_SDP_OA_IDLE);
	free(o);
	free(ans);
}

static const char *attr_value(const struct sp_sdp_media *m, const char *name)
{
	static char v[128];
	const struct sp_sdp_attr *a = sp_sdp_attr_find(m->attr, m->nattr, name);
	if (!a)
		return NULL;
	snprintf(v, sizeof(v), "%.*s", SP_STR_FMT(a->value));
	return v;
}

/* ---- offers ----------------------------------------------------------------------- */

static void test_initial_offer(void **state)
{
	(void)state;
	struct side *a = side_new("192.0.2.101", 49172, 2890844526u);
	assert_int_equal(sp_sdp_oa_offer(&a->oa, a->out, sizeof(a->out), &a->len), 0);
	static const char want[] = "v=0\r\n"
				   "o=test 2890844526 2890844526 IN IP4 192.0.2.101\r\n"
				   "s=-\r\n"
				   "c=IN IP4 192.0.2.101\r\n"
				   "t=0 0\r\n"
				   "m=audio 49172 RTP/AVP 0 8 101\r\n"
				   "a=rtpmap:0 PCMU/8000\r\n"
				   "a=rtpmap:8 PCMA/8000\r\n"
				   "a=rtpmap:101 telephone-event/8000\r\n"
				   "a=fmtp:101 0-16\r\n"
				   "a=ptime:20\r\n"
				   "a=sendrecv\r\n";
	a->out[a->len] = '\0';
	assert_string_equal(a->out, want);
	assert_int_equal(a->oa.state, SP_SDP_OA_OFFER_SENT);
	/* RFC 3264 §4: no second offer while one is outstanding. */
	assert_int_equal(sp_sdp_oa_offer(&a->oa, a->out, sizeof(a->out), &a->len), -EBUSY);
	sp_sdp_oa_cancel(&a->oa);
	assert_int_equal(a->oa.state, SP_SDP_OA_IDLE);
	/* The next one carries the next version (§8). */
	struct sp_sdp *d = offer(a);
	assert_true(d->origin.sess_id == 2890844526u);
	assert_true(d->origin.sess_version == 2890844527u);
	free(d);
	free(a);
}

static void test_offer_ipv6_and_options(void **state)
{
	(void)state;
	struct sp_sdp_caps caps;
	struct sp_sdp_oa oa;
	char buf[BUFSZ];
	size_t len;
	sp_sdp_caps_default(&caps, "2001:db8::5", 5004);
	caps.port[1] = 5006;
	caps.nport = 2;
	caps.rtcp_mux = true;
	caps.ptime = 0;
	caps.dtmf_pt = -1;
	caps.codec[2] = (struct sp_sdp_codec){"L16", 96, 44100, 2, NULL, false};
	caps.codec[3] = (struct sp_sdp_codec){"opus", 111, 48000, 2, "useinbandfec=1", false};
	caps.ncodec = 4;
	sp_sdp_oa_init(&oa, &caps, 1);
	assert_int_equal(sp_sdp_oa_offer(&oa, buf, sizeof(buf), &len), 0);
	struct sp_sdp *d = parse_n(buf, len);
	S_IS(d->origin.username, "-");
	S_IS(d->origin.addrtype, "IP6");
	assert_int_equal(d->conn.type, SP_SDP_IP6);
	assert_int_equal(d->nmedia, 2);
	assert_int_equal(d->media[1].port, 5006);
	assert_int_equal(d->media[0].nfmt, 4);
	assert_true(sp_sdp_rtcp_mux(&d->media[0]));
	assert_int_equal(sp_sdp_ptime(&d->media[0]), 0);
	struct sp_sdp_rtpmap r;
	assert_int_equal(sp_sdp_rtpmap(&d->media[0], 96, &r), 0);
	assert_int_equal(r.channels, 2);
	struct sp_str fmtp;
	assert_true(sp_sdp_fmtp(&d->media[0], 111, &fmtp));
	S_IS(fmtp, "useinbandfec=1");
	free(d);

	/* Caps without an address or codecs cannot offer. */
	caps.ncodec = 0;
	sp_sdp_oa_init(&oa, &caps, 1);
	assert_int_equal(sp_sdp_oa_offer(&oa, buf, sizeof(buf), &len), -EINVAL);
	sp_sdp_caps_default(&caps, NULL, 5004);
	sp_sdp_oa_init(&oa, &caps, 1);
	assert_int_equal(sp_sdp_oa_offer(&oa, buf, sizeof(buf), &len), -EINVAL);
}

static void test_offer_nospace_nomem(void **state)
{
	(void)state;
	struct side *a = side_new("192.0.2.101", 49172, 10);
	char small[64];
	size_t len;
	assert_int_equal(sp_sdp_oa_offer(&a->oa, small, sizeof(small), &len), -ENOSPC);
	assert_int_equal(a->oa.state, SP_SDP_OA_IDLE);
	sp_mem_fail_after(0);
	int rc = sp_sdp_oa_offer(&a->oa, a->out, sizeof(a->out), &a->len);
	sp_mem_fail_after(-1);
	assert_int_equal(rc, -ENOMEM);
	assert_int_equal(a->oa.state, SP_SDP_OA_IDLE);
	/* Failures do not use up a version. */
	struct sp_sdp *d = offer(a);
	assert_true(d->origin.sess_version == 10);
	free(d);
	free(a);
}

/* ---- answers to the RFC examples ------------------------------------------------------- */

/* RFC 3264 §10.1: Bob accepts the audio stream and rejects both video
 * streams (we have no video); the answer keeps the three m-lines. */
static void test_rfc3264_10_1(void **state)
{
	(void)state;
	struct side *bob = side_new("192.0.2.20", 49920, 2890844730u);
	struct sp_sdp *o = load("sdp/rfc3264-10.1-offer1.sdp"), *ans = NULL;
	assert_int_equal(answer(bob, o, &ans), 0);
	assert_int_equal(ans->nmedia, 3);
	assert_true(ans->time[0].start == 0 && ans->time[0].stop == 0);
	S_IS(ans->media[0].type, "audio");
	assert_int_equal(ans->media[0].port, 49920);
	assert_int_equal(ans->media[0].nfmt, 1);
	S_IS(ans->media[0].fmt[0], "0");
	S_IS(ans->media[1].type, "video");
	assert_int_equal(ans->media[1].port, 0);
	S_IS(ans->media[1].fmt[0], "31");
	assert_int_equal(ans->media[2].port, 0);
	S_IS(ans->media[2].fmt[0], "32");
	/* Negotiated: one audio stream to Alice's FQDN address. */
	assert_int_equal(bob->neg.nstream, 1);
	const struct sp_sdp_stream *s = &bob->neg.stream[0];
	assert_int_equal(s->mline, 0);
	assert_string_equal(s->rtp_addr, "host.anywhere.com");
	assert_int_equal(s->rtp_port, 49170);
	assert_int_equal(s->rtcp_port, 49171);
	assert_int_equal(s->pt, 0);
	assert_string_equal(s->codec, "PCMU");
	assert_int_equal(s->clock, 8000);
	assert_int_equal(s->dtmf_pt, -1); /* not offered */
	assert_true(s->send && s->recv);
	free(o);
	free(ans);

	/* Bob's later offer adds an audio stream with only
	 * "telephone-events" (sic, RFC 3264 §10.1): as Alice we have no codec
	 * for it and reject it, keeping all four m-lines. */
	struct side *alice = side_new("192.0.2.10", 49170, 2890844526u);
	o = load("sdp/rfc3264-10.1-offer2.sdp");
	assert_int_equal(answer(alice, o, &ans), 0);
	assert_int_equal(ans->nmedia, 4);
	assert_int_equal(ans->media[0].port, 49170);
	assert_int_equal(ans->media[1].port, 0);
	assert_int_equal(ans->media[2].port, 0);
	assert_int_equal(ans->media[3].port, 0);
	S_IS(ans->media[3].fmt[0], "110");
	free(o);
	free(ans);
	free(alice);
	free(bob);
}

/* RFC 3264 §10.2: an inactive offer of PCMU, G723, G729: we answer
 * inactive with PCMU, the one we share; the second offer has only G723:
 * nothing in common, -ENOTSUP (the caller sends 488). */
static void test_rfc3264_10_2(void **state)
{
	(void)state;
	struct side *bob = side_new("192.0.2.20", 54344, 2890844730u);
	struct sp_sdp *o = load("sdp/rfc3264-10.2-offer1.sdp"), *ans = NULL;
	assert_int_equal(answer(bob, o, &ans), 0);
	assert_int_equal(ans->media[0].port, 54344);
	assert_int_equal(ans->media[0].nfmt, 1);
	S_IS(ans->media[0].fmt[0], "0");
	assert_int_equal(sp_sdp_direction(ans, &ans->media[0]), SP_SDP_INACTIVE);
	assert_int_equal(bob->neg.nstream, 1);
	assert_false(bob->neg.stream[0].send);
	assert_false(bob->neg.stream[0].recv);
	assert_int_equal(bob->neg.stream[0].dir, SP_SDP_INACTIVE);
	uint64_t v = ans->origin.sess_version;
	free(o);
	free(ans);

	o = load("sdp/rfc3264-10.2-offer2.sdp");
	assert_int_equal(answer(bob, o, NULL), -ENOTSUP);
	free(o);
	/* Nothing was recorded: the same offer as before still works and
	 * the version moved by one only. */
	o = load("sdp/rfc3264-10.2-offer1.sdp");
	assert_int_equal(answer(bob, o, &ans), 0);
	assert_true(ans->origin.sess_version == v + 1);
	free(o);
	free(ans);
	free(bob);
}

/* RFC 3665 §3.1: Alice's INVITE offer, answered by us as Bob. */
static void test_rfc3665_basic_call(void **state)
{
	(void)state;
	struct side *bob = side_new("192.0.2.201", 3456, 2890844527u);
	struct sp_sdp *o = load("sdp/rfc3665-3.1-F1-invite.sdp"), *ans = NULL;
	assert_int_equal(answer(bob, o, &ans), 0);
	assert_int_equal(ans->media[0].port, 3456);
	S_IS(ans->conn.host, "192.0.2.201");
	assert_string_equal(attr_value(&ans->media[0], "rtpmap"), "0 PCMU/8000");
	const struct sp_sdp_stream *s = &bob->neg.stream[0];
	assert_string_equal(s->rtp_addr, "192.0.2.101");
	assert_int_equal(s->family, SP_SDP_IP4);
	assert_int_equal(s->rtp_port, 49172);
	assert_string_equal(s->rtcp_addr, "192.0.2.101");
	assert_int_equal(s->rtcp_port, 49173);
	assert_int_equal(s->local_port, 3456);
	assert_int_equal(s->ptime, 20);
	free(o);
	free(ans);
	free(bob);
}

/* ---- rejections -------------------------------------------------------------------------- */

static void test_reject_video_and_srtp(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 1);
	struct sp_sdp *o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
				 "t=0 0\r\nm=video 5000 RTP/AVP 31\r\n"
				 "m=audio 5002 RTP/SAVP 0\r\n"
				 "m=audio 0 RTP/AVP 0\r\n"
				 "m=audio 5004 RTP/AVP 0 8\r\n"
				 "m=audio 5006 RTP/AVP 0\r\n"),
		      *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	assert_int_equal(ans->nmedia, 5);
	assert_int_equal(ans->media[0].port, 0); /* video */
	assert_int_equal(ans->media[1].port, 0); /* SRTP: not supported */
	S_IS(ans->media[1].proto, "RTP/SAVP");
	assert_int_equal(ans->media[2].port, 0); /* disabled in the offer */
	assert_int_equal(ans->media[3].port, 6000);
	S_IS(ans->media[3].fmt[1], "8");
	assert_int_equal(ans->media[4].port, 0); /* no second local port */
	assert_int_equal(b->neg.nstream, 1);
	assert_int_equal(b->neg.stream[0].mline, 3);
	free(o);
	free(ans);
	free(b);
}

static void test_no_common_codec(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 77);
	struct sp_sdp *o =
	    parse("v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
		  "t=0 0\r\nm=audio 5000 RTP/AVP 18 96\r\na=rtpmap:96 telephone-event/8000\r\n"
		  "m=video 5002 RTP/AVP 31\r\n");
	b->len = 12345;
	assert_int_equal(answer(b, o, NULL), -ENOTSUP);
	assert_int_equal(b->len, 0);
	assert_int_equal(b->oa.nmline, 0);
	free(o);
	/* An offer without any m-line is answered without m-lines (§6). */
	o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n");
	struct sp_sdp *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	assert_int_equal(ans->nmedia, 0);
	assert_int_equal(b->neg.nstream, 0);
	assert_true(ans->origin.sess_version == 77);
	free(o);
	free(ans);
	/* A stream without any connection address is not accepted. */
	o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n");
	assert_int_equal(answer(b, o, NULL), -ENOTSUP);
	free(o);
	free(b);
}

/* ---- payload types ------------------------------------------------------------------------ */

static void test_dynamic_payload_types(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 1);
	/* PCMA under a dynamic number, telephone-event at 98, opus first. */
	struct sp_sdp *o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
				 "t=0 0\r\nm=audio 5000 RTP/AVP 96 97 98 0\r\n"
				 "a=rtpmap:96 opus/48000/2\r\na=rtpmap:97 pcma/8000\r\n"
				 "a=rtpmap:98 telephone-event/8000\r\na=fmtp:98 0-15\r\n"
				 "a=ptime:30\r\n"),
		      *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	const struct sp_sdp_media *m = &ans->media[0];
	/* Offer order kept (§6.1), offerer's numbers kept. */
	assert_int_equal(m->nfmt, 3);
	S_IS(m->fmt[0], "97");
	S_IS(m->fmt[1], "0");
	S_IS(m->fmt[2], "98");
	struct sp_sdp_rtpmap r;
	assert_int_equal(sp_sdp_rtpmap(m, 97, &r), 0);
	S_IS(r.encoding, "PCMA");
	assert_int_equal(sp_sdp_rtpmap(m, 98, &r), 0);
	S_IS(r.encoding, "telephone-event");
	struct sp_str fmtp;
	assert_true(sp_sdp_fmtp(m, 98, &fmtp));
	S_IS(fmtp, "0-16");
	assert_int_equal(sp_sdp_ptime(m), 20); /* ours */
	const struct sp_sdp_stream *s = &b->neg.stream[0];
	assert_int_equal(s->pt, 97);
	assert_int_equal(s->rx_pt, 97);
	assert_string_equal(s->codec, "PCMA");
	assert_int_equal(s->dtmf_pt, 98);
	assert_int_equal(s->rx_dtmf_pt, 98);
	assert_int_equal(s->ptime, 30); /* §6.1: the offer's ptime */
	free(o);
	free(ans);

	/* Our re-offer keeps the mapping the session established (RFC 3264
	 * §8.3.2): PCMA stays 97, telephone-event 98. */
	o = offer(b);
	m = &o->media[0];
	assert_int_equal(m->nfmt, 3);
	S_IS(m->fmt[0], "0");
	S_IS(m->fmt[1], "97");
	S_IS(m->fmt[2], "98");
	assert_int_equal(sp_sdp_rtpmap(m, 97, &r), 0);
	S_IS(r.encoding, "PCMA");
	free(o);
	free(b);
}

static void test_telephone_event(void **state)
{
	(void)state;
	/* Both support it: negotiated with the offerer's number. */
	struct side *a = side_new("192.0.2.1", 5000, 1), *b = side_new("192.0.2.2", 6000, 2);
	exchange(a, b);
	assert_int_equal(a->neg.stream[0].dtmf_pt, 101);
	assert_int_equal(a->neg.stream[0].rx_dtmf_pt, 101);
	assert_int_equal(b->neg.stream[0].dtmf_pt, 101);
	free(a);
	free(b);

	/* The answerer does not: neither side gets it. */
	a = side_new("192.0.2.1", 5000, 1);
	b = side_new("192.0.2.2", 6000, 2);
	b->oa.caps.dtmf_pt = -1;
	exchange(a, b);
	assert_int_equal(b->neg.stream[0].dtmf_pt, -1);
	assert_int_equal(a->neg.stream[0].dtmf_pt, -1);
	assert_int_equal(a->neg.stream[0].rx_dtmf_pt, -1);
	free(a);
	free(b);

	/* The offerer does not: the answer does not add it. */
	a = side_new("192.0.2.1", 5000, 1);
	b = side_new("192.0.2.2", 6000, 2);
	a->oa.caps.dtmf_pt = -1;
	struct sp_sdp *o = offer(a), *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	assert_int_equal(ans->media[0].nfmt, 2);
	assert_null(sp_sdp_attr_find(ans->media[0].attr, ans->media[0].nattr, "fmtp"));
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), 0);
	assert_int_equal(a->neg.stream[0].dtmf_pt, -1);
	free(o);
	free(ans);
	free(a);
	free(b);
}

/* ---- Opus and telephone-event/48000 (RFC 7587, RFC 4733 §2.1) ---------------------------- */

/* A side preferring Opus, then G.711, with telephone-event at both
 * clocks; fmtp_text is its (declarative) Opus fmtp. */
static struct side *opus_side(const char *addr, uint16_t port, uint64_t id, const char *fmtp_text)
{
	struct side *s = side_new(addr, port, id);
	struct sp_sdp_caps *c = &s->oa.caps;
	c->codec[2] = c->codec[1];
	c->codec[1] = c->codec[0];
	c->codec[0] = (struct sp_sdp_codec){.name = "opus",
					    .pt = 111,
					    .clock = 48000,
					    .channels = 2,
					    .fmtp = fmtp_text,
					    .fmtp_declarative = true};
	c->ncodec = 3;
	c->dtmf48_pt = 110;
	return s;
}

static void test_opus(void **state)
{
	(void)state;
	struct side *a = opus_side("192.0.2.1", 5000, 1, "useinbandfec=1");
	struct sp_sdp *o = offer(a), *ans = NULL;
	a->out[a->len] = '\0';
	/* RFC 7587 §6.2: opus/48000/2; one telephone-event per codec clock,
	 * in the order of the codecs. */
	static const char want[] = "m=audio 5000 RTP/AVP 111 0 8 110 101\r\n"
				   "a=rtpmap:111 opus/48000/2\r\n"
				   "a=fmtp:111 useinbandfec=1\r\n"
				   "a=rtpmap:0 PCMU/8000\r\n"
				   "a=rtpmap:8 PCMA/8000\r\n"
				   "a=rtpmap:110 telephone-event/48000\r\n"
				   "a=fmtp:110 0-16\r\n"
				   "a=rtpmap:101 telephone-event/8000\r\n"
				   "a=fmtp:101 0-16\r\n";
	assert_non_null(strstr(a->out, want));

	/* A G.711-only answerer: PCMU with telephone-event/8000 only. */
	struct side *b = side_new("192.0.2.2", 6000, 2);
	assert_int_equal(answer(b, o, &ans), 0);
	b->out[b->len] = '\0';
	assert_non_null(strstr(b->out, "m=audio 6000 RTP/AVP 0 8 101\r\n"));
	assert_null(strstr(b->out, "opus"));
	assert_null(strstr(b->out, "48000"));
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), 0);
	assert_string_equal(a->neg.stream[0].codec, "PCMU");
	assert_int_equal(a->neg.stream[0].clock, 8000);
	assert_int_equal(a->neg.stream[0].dtmf_pt, 101);
	assert_int_equal(a->neg.stream[0].rx_dtmf_pt, 101);
	assert_string_equal(b->neg.stream[0].codec, "PCMU");
	assert_int_equal(b->neg.stream[0].dtmf_pt, 101);
	free(ans);
	free(b);
	free(a);
	free(o);

	/* Opus on both sides: the answer carries the answerer's own Opus
	 * parameters (RFC 7587 §6.2.1), each side learns the other's, and
	 * telephone-event/48000 goes with Opus. */
	a = opus_side("192.0.2.1", 5000, 1, "useinbandfec=1");
	struct side *c = opus_side("192.0.2.3", 7000, 3, "maxplaybackrate=8000");
	o = offer(a);
	assert_int_equal(answer(c, o, &ans), 0);
	c->out[c->len] = '\0';
	assert_non_null(strstr(c->out, "m=audio 7000 RTP/AVP 111 0 8 110 101\r\n"));
	assert_non_null(strstr(c->out, "a=fmtp:111 maxplaybackrate=8000\r\n"));
	assert_null(strstr(c->out, "useinbandfec"));
	assert_string_equal(c->neg.stream[0].codec, "opus");
	assert_int_equal(c->neg.stream[0].clock, 48000);
	assert_int_equal(c->neg.stream[0].channels, 2);
	assert_int_equal(c->neg.stream[0].pt, 111);
	assert_int_equal(c->neg.stream[0].dtmf_pt, 110);
	assert_int_equal(c->neg.stream[0].rx_dtmf_pt, 110);
	assert_string_equal(c->neg.stream[0].fmtp, "useinbandfec=1");
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), 0);
	assert_string_equal(a->neg.stream[0].codec, "opus");
	assert_int_equal(a->neg.stream[0].dtmf_pt, 110);
	assert_int_equal(a->neg.stream[0].rx_dtmf_pt, 110);
	assert_string_equal(a->neg.stream[0].fmtp, "maxplaybackrate=8000");
	/* A re-offer keeps the mapping (RFC 3264 §8.3.2). */
	free(o);
	o = offer(a);
	a->out[a->len] = '\0';
	assert_non_null(strstr(a->out, want));
	free(o);
	free(ans);
	free(a);
	free(c);

	/* A foreign offer: Opus on pt 96 with telephone-event/8000 only.
	 * Opus is answered with the offerer's number (RFC 3264 §6.1) and
	 * without telephone-event, which would run on another clock. */
	c = opus_side("192.0.2.3", 7000, 3, NULL);
	o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
		  "m=audio 4000 RTP/AVP 96 101\r\na=rtpmap:96 OPUS/48000/2\r\n"
		  "a=fmtp:96 stereo=1; sprop-stereo=1\r\n"
		  "a=rtpmap:101 telephone-event/8000\r\na=ptime:40\r\n");
	assert_int_equal(answer(c, o, &ans), 0);
	c->out[c->len] = '\0';
	assert_non_null(strstr(c->out, "m=audio 7000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"));
	assert_null(strstr(c->out, "a=fmtp"));
	assert_int_equal(c->neg.stream[0].pt, 96);
	assert_int_equal(c->neg.stream[0].rx_pt, 96);
	assert_int_equal(c->neg.stream[0].dtmf_pt, -1);
	assert_int_equal(c->neg.stream[0].ptime, 40);
	assert_string_equal(c->neg.stream[0].fmtp, "stereo=1; sprop-stereo=1");
	free(o);
	free(ans);
	free(c);

	/* ... and a G.711 offer to the Opus side is answered as before. */
	c = opus_side("192.0.2.3", 7000, 3, NULL);
	o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
		  "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
		  "a=rtpmap:110 telephone-event/48000\r\n");
	assert_int_equal(answer(c, o, &ans), 0);
	c->out[c->len] = '\0';
	assert_non_null(strstr(c->out, "m=audio 7000 RTP/AVP 0 101\r\n"));
	assert_int_equal(c->neg.stream[0].dtmf_pt, 101);
	free(o);
	free(ans);
	free(c);
}

/* ---- directions, hold and resume ------------------------------------------------------------- */

static enum sp_sdp_dir answer_dir_for(const char *offer_attr, enum sp_sdp_dir ours, bool *send,
				      bool *recv)
{
	char text[512];
	snprintf(text, sizeof(text),
		 "v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
		 "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n%s",
		 offer_attr);
	struct side *b = side_new("192.0.2.2", 6000, 1);
	sp_sdp_oa_set_dir(&b->oa, ours);
	struct sp_sdp *o = parse(text), *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	enum sp_sdp_dir d = sp_sdp_direction(ans, &ans->media[0]);
	assert_int_equal(d, b->neg.stream[0].dir);
	*send = b->neg.stream[0].send;
	*recv = b->neg.stream[0].recv;
	free(o);
	free(ans);
	free(b);
	return d;
}

static void test_direction_mapping(void **state)
{
	(void)state;
	bool s, r;
	/* RFC 3264 §6.1. */
	assert_int_equal(answer_dir_for("", SP_SDP_SENDRECV, &s, &r), SP_SDP_SENDRECV);
	assert_true(s && r);
	assert_int_equal(answer_dir_for("a=sendrecv\r\n", SP_SDP_SENDRECV, &s, &r),
			 SP_SDP_SENDRECV);
	assert_int_equal(answer_dir_for("a=sendonly\r\n", SP_SDP_SENDRECV, &s, &r),
			 SP_SDP_RECVONLY);
	assert_true(!s && r);
	assert_int_equal(answer_dir_for("a=recvonly\r\n", SP_SDP_SENDRECV, &s, &r),
			 SP_SDP_SENDONLY);
	assert_true(s && !r);
	assert_int_equal(answer_dir_for("a=inactive\r\n", SP_SDP_SENDRECV, &s, &r),
			 SP_SDP_INACTIVE);
	assert_true(!s && !r);
	/* We are on hold ourselves. */
	assert_int_equal(answer_dir_for("", SP_SDP_SENDONLY, &s, &r), SP_SDP_SENDONLY);
	assert_int_equal(answer_dir_for("a=sendonly\r\n", SP_SDP_SENDONLY, &s, &r),
			 SP_SDP_INACTIVE);
	assert_int_equal(answer_dir_for("a=recvonly\r\n", SP_SDP_RECVONLY, &s, &r),
			 SP_SDP_INACTIVE);
	assert_int_equal(answer_dir_for("", SP_SDP_INACTIVE, &s, &r), SP_SDP_INACTIVE);
	assert_int_equal(answer_dir_for("", SP_SDP_RECVONLY, &s, &r), SP_SDP_RECVONLY);
}

static void test_session_level_direction(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 1);
	struct sp_sdp *o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
				 "t=0 0\r\na=sendonly\r\nm=audio 5000 RTP/AVP 0\r\n"),
		      *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	assert_int_equal(sp_sdp_direction(ans, &ans->media[0]), SP_SDP_RECVONLY);
	free(o);
	free(ans);
	free(b);
}

/* RFC 3264 §8.4 / RFC 2543: c=0.0.0.0 in an offer means "do not send". */
static void test_legacy_hold(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 1);
	struct sp_sdp *o = parse("v=0\r\no=x 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\n"
				 "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"),
		      *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	const struct sp_sdp_stream *s = &b->neg.stream[0];
	assert_false(s->send);
	assert_true(s->recv);
	assert_string_equal(s->rtp_addr, "0.0.0.0");
	assert_int_equal(sp_sdp_direction(ans, &ans->media[0]), SP_SDP_RECVONLY);
	free(o);
	free(ans);
	free(b);
}

/* Two UAs: call, hold with sendonly, hold with inactive, resume. */
static void test_hold_resume(void **state)
{
	(void)state;
	struct side *a = side_new("192.0.2.1", 5000, 100), *b = side_new("192.0.2.2", 6000, 200);
	exchange(a, b);
	assert_true(a->neg.stream[0].send && a->neg.stream[0].recv);
	assert_true(b->neg.stream[0].send && b->neg.stream[0].recv);
	assert_string_equal(a->neg.stream[0].rtp_addr, "192.0.2.2");
	assert_int_equal(a->neg.stream[0].rtp_port, 6000);
	assert_int_equal(a->neg.stream[0].local_port, 5000);
	assert_string_equal(b->neg.stream[0].rtp_addr, "192.0.2.1");
	assert_int_equal(a->neg.stream[0].pt, 0);
	assert_int_equal(a->neg.stream[0].rx_pt, 0);

	/* A puts B on hold (sendonly). */
	sp_sdp_oa_set_dir(&a->oa, SP_SDP_SENDONLY);
	struct sp_sdp *o = offer(a), *ans = NULL;
	assert_int_equal(sp_sdp_direction(o, &o->media[0]), SP_SDP_SENDONLY);
	assert_true(o->origin.sess_version == 101);
	assert_int_equal(answer(b, o, &ans), 0);
	assert_int_equal(sp_sdp_direction(ans, &ans->media[0]), SP_SDP_RECVONLY);
	assert_true(ans->origin.sess_version == 201);
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), 0);
	assert_true(a->neg.stream[0].send && !a->neg.stream[0].recv);
	assert_true(!b->neg.stream[0].send && b->neg.stream[0].recv);
	assert_int_equal(a->neg.stream[0].dir, SP_SDP_SENDONLY);
	free(o);
	free(ans);

	/* Inactive hold. */
	sp_sdp_oa_set_dir(&a->oa, SP_SDP_INACTIVE);
	exchange(a, b);
	assert_true(!a->neg.stream[0].send && !a->neg.stream[0].recv);
	assert_true(!b->neg.stream[0].send && !b->neg.stream[0].recv);

	/* Resume. */
	sp_sdp_oa_set_dir(&a->oa, SP_SDP_SENDRECV);
	o = offer(a);
	assert_true(o->origin.sess_version == 103);
	assert_int_equal(sp_sdp_direction(o, &o->media[0]), SP_SDP_SENDRECV);
	assert_int_equal(answer(b, o, &ans), 0);
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), 0);
	assert_true(a->neg.stream[0].send && a->neg.stream[0].recv);
	assert_true(b->neg.stream[0].send && b->neg.stream[0].recv);
	free(o);
	free(ans);

	/* B holds A: B's re-offer, A answers recvonly. */
	sp_sdp_oa_set_dir(&b->oa, SP_SDP_SENDONLY);
	exchange(b, a);
	assert_true(!a->neg.stream[0].send && a->neg.stream[0].recv);
	assert_int_equal(a->neg.stream[0].dir, SP_SDP_RECVONLY);
	free(a);
	free(b);
}

/* The answerer puts the stream on hold with c=0.0.0.0 in its answer. */
static void test_answer_with_hold_address(void **state)
{
	(void)state;
	struct side *a = side_new("192.0.2.1", 5000, 1);
	struct sp_sdp *o = offer(a);
	struct sp_sdp *ans = parse("v=0\r\no=y 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 0.0.0.0\r\n"
				   "t=0 0\r\nm=audio 7000 RTP/AVP 8\r\n");
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), 0);
	assert_false(a->neg.stream[0].send);
	assert_true(a->neg.stream[0].recv);
	assert_int_equal(a->neg.stream[0].pt, 8);
	assert_string_equal(a->neg.stream[0].codec, "PCMA");
	free(o);
	free(ans);
	free(a);
}

/* ---- RTCP ------------------------------------------------------------------------------------ */

static void test_rtcp_addresses(void **state)
{
	(void)state;
	struct side *a = side_new("192.0.2.1", 5000, 1);
	struct sp_sdp *o = offer(a);
	struct sp_sdp *ans =
	    parse("v=0\r\no=y 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n"
		  "t=0 0\r\nm=audio 7000 RTP/AVP 0 101\r\n"
		  "a=rtpmap:101 telephone-event/8000\r\n"
		  "a=rtcp:53020 IN IP4 126.16.64.4\r\na=ptime:40\r\n");
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), 0);
	const struct sp_sdp_stream *s = &a->neg.stream[0];
	assert_string_equal(s->rtp_addr, "192.0.2.9");
	assert_int_equal(s->rtp_port, 7000);
	assert_string_equal(s->rtcp_addr, "126.16.64.4");
	assert_int_equal(s->rtcp_port, 53020);
	assert_false(s->rtcp_mux);
	assert_int_equal(s->ptime, 40);
	assert_int_equal(s->dtmf_pt, 101);
	free(o);
	free(ans);
	free(a);

	/* rtcp-mux when both sides want it (RFC 5761 §5.1.1). */
	a = side_new("192.0.2.1", 5000, 1);
	struct side *b = side_new("192.0.2.2", 6000, 2);
	a->oa.caps.rtcp_mux = true;
	b->oa.caps.rtcp_mux = true;
	exchange(a, b);
	assert_true(a->neg.stream[0].rtcp_mux);
	assert_int_equal(a->neg.stream[0].rtcp_port, 6000);
	assert_true(b->neg.stream[0].rtcp_mux);
	assert_int_equal(b->neg.stream[0].rtcp_port, 5000);
	free(a);
	free(b);

	/* Only the offerer wants it: not used. */
	a = side_new("192.0.2.1", 5000, 1);
	b = side_new("192.0.2.2", 6000, 2);
	a->oa.caps.rtcp_mux = true;
	exchange(a, b);
	assert_false(a->neg.stream[0].rtcp_mux);
	assert_int_equal(a->neg.stream[0].rtcp_port, 6001);
	free(a);
	free(b);
}

/* ---- state and error paths ---------------------------------------------------------------------
 */

static void test_process_answer_errors(void **state)
{
	(void)state;
	struct side *a = side_new("192.0.2.1", 5000, 1);
	struct sp_sdp *ans =
	    parse("v=0\r\no=y 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n"
		  "t=0 0\r\nm=audio 7000 RTP/AVP 0\r\nm=audio 7002 RTP/AVP 0\r\n");
	/* No offer outstanding. */
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), -EPROTO);
	struct sp_sdp *o = offer(a);
	/* Glare: a remote offer while ours is outstanding. */
	assert_int_equal(answer(a, o, NULL), -EBUSY);
	/* Wrong number of m-lines: the offer stays outstanding. */
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), -EBADMSG);
	assert_int_equal(a->oa.state, SP_SDP_OA_OFFER_SENT);
	free(ans);
	/* Another media type on the line. */
	ans = parse("v=0\r\no=y 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n"
		    "t=0 0\r\nm=video 7000 RTP/AVP 31\r\n");
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), -EBADMSG);
	free(ans);
	/* Accepted, but no address at all. */
	ans = parse("v=0\r\no=y 1 1 IN IP4 192.0.2.9\r\ns=-\r\n"
		    "t=0 0\r\nm=audio 7000 RTP/AVP 0\r\n");
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), -EBADMSG);
	assert_int_equal(a->oa.state, SP_SDP_OA_OFFER_SENT);
	free(ans);
	/* Accepted with only formats we did not offer: rejected. */
	ans = parse("v=0\r\no=y 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n"
		    "t=0 0\r\nm=audio 7000 RTP/AVP 18\r\n");
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), -ENOTSUP);
	assert_int_equal(a->oa.state, SP_SDP_OA_IDLE);
	assert_int_equal(a->neg.nstream, 0);
	free(ans);
	free(o);

	/* The peer rejects the stream (port 0): -ENOTSUP, and the line
	 * stays, disabled, in later offers (§8.2). */
	o = offer(a);
	free(o);
	ans = parse("v=0\r\no=y 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n"
		    "t=0 0\r\nm=audio 0 RTP/AVP 0\r\n");
	assert_int_equal(sp_sdp_oa_process_answer(&a->oa, ans, &a->neg), -ENOTSUP);
	free(ans);
	o = offer(a);
	assert_int_equal(o->nmedia, 1);
	assert_int_equal(o->media[0].port, 0);
	free(o);
	free(a);
}

static void test_reoffer_fewer_lines(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 1);
	struct sp_sdp *o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
				 "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\nm=video 5002 RTP/AVP 31\r\n"),
		      *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	free(o);
	free(ans);
	o = parse("v=0\r\no=x 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
		  "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n");
	assert_int_equal(answer(b, o, NULL), -EBADMSG);
	free(o);
	/* Our own re-offer repeats the rejected video line with port 0. */
	o = offer(b);
	assert_int_equal(o->nmedia, 2);
	S_IS(o->media[1].type, "video");
	assert_int_equal(o->media[1].port, 0);
	S_IS(o->media[1].fmt[0], "31");
	assert_int_equal(o->media[0].port, 6000);
	free(o);
	free(b);
}

static void test_answer_nospace_nomem(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 1);
	struct sp_sdp *o = load("sdp/rfc3665-3.1-F1-invite.sdp");
	char small[100];
	size_t len;
	assert_int_equal(sp_sdp_oa_answer(&b->oa, o, small, sizeof(small), &len, &b->neg), -ENOSPC);
	assert_int_equal(b->oa.nmline, 0);
	sp_mem_fail_after(0);
	int rc = sp_sdp_oa_answer(&b->oa, o, b->out, sizeof(b->out), &b->len, &b->neg);
	sp_mem_fail_after(-1);
	assert_int_equal(rc, -ENOMEM);
	struct sp_sdp *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	assert_true(ans->origin.sess_version == 1);
	free(ans);
	free(o);
	free(b);
}

/* An m-line whose media type is too long to record for later
 * re-offers is refused rather than truncated. */
static void test_answer_long_tokens(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 1);
	struct sp_sdp *o = parse("v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
				 "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"
				 "m=averyveryveryverylongmediatypename 5000 RTP/AVP 0\r\n");
	assert_int_equal(answer(b, o, NULL), -E2BIG);
	free(o);
	free(b);
}

/* Descriptions built by hand with counts over the limits, and caps
 * without an address. */
static void test_answer_bad_inputs(void **state)
{
	(void)state;
	struct side *b = side_new("192.0.2.2", 6000, 1);
	struct sp_sdp *o = load("sdp/rfc3665-3.1-F1-invite.sdp");
	unsigned n = o->nmedia;
	o->nmedia = SP_SDP_MAX_MEDIA + 1;
	assert_int_equal(answer(b, o, NULL), -E2BIG);
	o->nmedia = n;
	/* Over-long format and attribute counts are clamped, not read past. */
	o->media[0].nfmt = 1000;
	o->media[0].nattr = 1000;
	struct sp_sdp_rtpmap r;
	assert_int_equal(sp_sdp_rtpmap(&o->media[0], 0, &r), 0);
	assert_int_equal(sp_sdp_direction(o, &o->media[0]), SP_SDP_SENDRECV);
	struct sp_sdp *ans = NULL;
	assert_int_equal(answer(b, o, &ans), 0);
	free(ans);
	o->media[0].nfmt = 1;
	o->media[0].nattr = 1;
	free(b);
	/* No address to answer from. */
	b = side_new(NULL, 6000, 1);
	assert_int_equal(answer(b, o, NULL), -EINVAL);
	free(b);
	free(o);
}

#define T(f) cmocka_unit_test_teardown(f, tu_free_copies)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_initial_offer),
	    T(test_offer_ipv6_and_options),
	    T(test_offer_nospace_nomem),
	    T(test_rfc3264_10_1),
	    T(test_rfc3264_10_2),
	    T(test_rfc3665_basic_call),
	    T(test_reject_video_and_srtp),
	    T(test_no_common_codec),
	    T(test_dynamic_payload_types),
	    T(test_telephone_event),
	    T(test_opus),
	    T(test_direction_mapping),
	    T(test_session_level_direction),
	    T(test_legacy_hold),
	    T(test_hold_resume),
	    T(test_answer_with_hold_address),
	    T(test_rtcp_addresses),
	    T(test_process_answer_errors),
	    T(test_reoffer_fewer_lines),
	    T(test_answer_nospace_nomem),
	    T(test_answer_long_tokens),
	    T(test_answer_bad_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
