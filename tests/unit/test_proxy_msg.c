/*
 * The proxy's message rules (src/server/proxy_int.h), rule by rule of
 * RFC 3261 §16.3 (validation, loop detection), §16.4 (route
 * preprocessing, strict routers, double record-routing), §16.5 (targets:
 * location service, static routes, relaying), §16.6 (the forwarded
 * request) and §16.7 (the forwarded response, the best response).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "siphon/location.h"
#include "siphon/mem.h"
#include "siphon/tsx.h"
#include "../../src/server/proxy_int.h"

#define SELF "127.0.0.1:5060"

static struct sp__pxy_self self;

static void self_init(void)
{
	struct sp_config_listen l[2];
	memset(l, 0, sizeof(l));
	l[0].tp = SP_TP_UDP;
	sp_sa_parse(&l[0].addr, SP_STR(SELF), 5060);
	l[1].tp = SP_TP_TCP;
	sp_sa_parse(&l[1].addr, SP_STR(SELF), 5060);
	sp__pxy_self_init(&self, l, 2);
}

/* Parses a request written with \n line ends (made CRLF here). */
static void parse(struct sp_msg *m, char *buf, size_t cap, const char *text)
{
	size_t n = 0;
	for (const char *p = text; *p && n + 2 < cap; p++) {
		if (*p == '\n')
			buf[n++] = '\r';
		buf[n++] = *p;
	}
	buf[n] = '\0';
	int rc = sp_msg_parse(m, buf, n);
	if (rc == 0)
		rc = sp_msg_validate(m);
	if (rc)
		fail_msg("parse: %s at %zu", m->error.rule, m->error.offset);
}

#define INVITE_HEAD                                                                                \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\n"                                \
	"Max-Forwards: 70\n"                                                                       \
	"To: Bob <sip:bob@localhost>\n"                                                            \
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"                             \
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"                                       \
	"CSeq: 314159 INVITE\n"                                                                    \
	"Contact: <sip:alice@192.0.2.1>\n"

static void test_branch_roundtrip(void **state)
{
	(void)state;
	char b[SP__PXY_BRANCH_MAX];
	uint64_t h = 0;
	unsigned owner = 99;
	size_t n = sp__pxy_branch(b, sizeof(b), 3, 0x0123456789abcdefull, 17);
	assert_string_equal(b, "z9hG4bKsp00030123456789abcdef.11");
	assert_int_equal(n, strlen(b));
	assert_true(sp__pxy_branch_hash((struct sp_str){b, n}, &h));
	assert_true(h == 0x0123456789abcdefull);
	/* Responses find the worker that sent the branch (DESIGN.md §3). */
	assert_true(sp_tsx_branch_owner((struct sp_str){b, n}, &owner));
	assert_int_equal(owner, 3);
	/* A stateless branch names no worker: every one forwards its
	 * responses, none hands them over (§16.11). */
	n = sp__pxy_branch(b, sizeof(b), SP__PXY_ANY_WORKER, 0x0123456789abcdefull, 0);
	assert_string_equal(b, "z9hG4bKspffff0123456789abcdef.0");
	assert_true(sp_tsx_branch_owner((struct sp_str){b, n}, &owner));
	assert_int_equal(owner, SP__PXY_ANY_WORKER);
	assert_false(sp__pxy_branch_hash(SP_STR("z9hG4bKsp0003abcdef"), &h));
	assert_false(sp__pxy_branch_hash(SP_STR("z9hG4bK776asdhds"), &h));
}

static void test_loop_hash(void **state)
{
	(void)state;
	char b1[1024], b2[1024], b3[1024];
	struct sp_msg m1, m2, m3;
	parse(&m1, b1, sizeof(b1), "INVITE sip:bob@localhost SIP/2.0\n" INVITE_HEAD "\n");
	/* Another top Via (the request came back through someone): same. */
	parse(&m2, b2, sizeof(b2),
	      "INVITE sip:bob@localhost SIP/2.0\n"
	      "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKother\n" INVITE_HEAD "\n");
	/* Retargeted (a spiral): differs. */
	parse(&m3, b3, sizeof(b3), "INVITE sip:bob@192.0.2.4 SIP/2.0\n" INVITE_HEAD "\n");
	assert_true(sp__pxy_loop_hash(&m1) == sp__pxy_loop_hash(&m2));
	assert_true(sp__pxy_loop_hash(&m1) != sp__pxy_loop_hash(&m3));
	sp_msg_free(&m1);
	sp_msg_free(&m2);
	sp_msg_free(&m3);
}

static void check_status(const char *text, unsigned want)
{
	char buf[2048];
	struct sp_msg m;
	struct sp__pxy_check chk;
	parse(&m, buf, sizeof(buf), text);
	sp__pxy_validate(&self, &m, sp__pxy_loop_hash(&m), &chk);
	if (chk.status != want)
		fail_msg("got %u (%s), want %u", chk.status, chk.why ? chk.why : "", want);
	sp_msg_free(&m);
}

static void test_validate(void **state)
{
	(void)state;
	char req[2048], br[SP__PXY_BRANCH_MAX];
	struct sp_msg m;

	check_status("INVITE sip:bob@localhost SIP/2.0\n" INVITE_HEAD "\n", 0);
	/* §16.3 step 2 */
	check_status("INVITE mailto:bob@localhost SIP/2.0\n" INVITE_HEAD "\n", 416);
	/* step 3 (RFC 4475 zeromf for a proxy) */
	check_status("OPTIONS sip:bob@localhost SIP/2.0\n"
		     "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\nMax-Forwards: 0\n"
		     "To: <sip:bob@localhost>\nFrom: <sip:a@b>;tag=1\nCall-ID: x\nCSeq: 1 OPTIONS\n\n",
		     483);
	/* step 5 (RFC 4475 bext01 for a proxy) */
	check_status("INVITE sip:bob@localhost SIP/2.0\n" INVITE_HEAD
		     "Proxy-Require: noProxiesSupportThis\n\n",
		     420);
	/* step 4: a Via of ours whose loop hash is this request's: a loop. */
	char plain[1024];
	parse(&m, plain, sizeof(plain), "INVITE sip:bob@localhost SIP/2.0\n" INVITE_HEAD "\n");
	sp__pxy_branch(br, sizeof(br), 0, sp__pxy_loop_hash(&m), 0);
	sp_msg_free(&m);
	snprintf(req, sizeof(req),
		 "INVITE sip:bob@localhost SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKx\n"
		 "Via: SIP/2.0/UDP " SELF ";branch=%s\n" INVITE_HEAD "\n",
		 br);
	check_status(req, 482);
	/* ... and a spiral (retargeted since) passes. */
	snprintf(req, sizeof(req),
		 "INVITE sip:bob@192.0.2.4 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKx\n"
		 "Via: SIP/2.0/UDP " SELF ";branch=%s\n" INVITE_HEAD "\n",
		 br);
	check_status(req, 0);
	/* Someone else's Via with the same branch is no loop of ours. */
	snprintf(req, sizeof(req),
		 "INVITE sip:bob@localhost SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.8;branch=%s\n" INVITE_HEAD
		 "\n",
		 br);
	check_status(req, 0);
}

static void test_preprocess(void **state)
{
	(void)state;
	char buf[2048];
	struct sp_msg m;
	struct sp__pxy_routing r;

	/* Our entry on top goes; the next one is the next hop. */
	parse(&m, buf, sizeof(buf),
	      "INVITE sip:bob@192.0.2.4 SIP/2.0\n" INVITE_HEAD
	      "Route: <sip:" SELF ";lr>, <sip:192.0.2.50;lr>\n\n");
	assert_int_equal(sp__pxy_preprocess(&self, &m, &r), 0);
	assert_int_equal(r.ndrop, 1);
	assert_non_null(r.next);
	assert_true(sp_str_eq(r.next_uri.hp.host, SP_STR("192.0.2.50")));
	assert_true(sp_str_eq(r.ruri, SP_STR("sip:bob@192.0.2.4")));
	sp_msg_free(&m);

	/* Double record-routing (RFC 5658): both of ours go. */
	parse(&m, buf, sizeof(buf),
	      "INVITE sip:bob@192.0.2.4 SIP/2.0\n" INVITE_HEAD
	      "Route: <sip:" SELF ";transport=tcp;lr>\nRoute: <sip:" SELF ";lr>\n\n");
	assert_int_equal(sp__pxy_preprocess(&self, &m, &r), 0);
	assert_int_equal(r.ndrop, 2);
	assert_null(r.next);
	sp_msg_free(&m);

	/* A strict router put our Record-Route URI in the Request-URI. */
	parse(&m, buf, sizeof(buf),
	      "INVITE sip:" SELF ";lr SIP/2.0\n" INVITE_HEAD
	      "Route: <sip:192.0.2.50;lr>, <sip:bob@192.0.2.4>\n\n");
	assert_int_equal(sp__pxy_preprocess(&self, &m, &r), 0);
	assert_true(r.strict_fixed);
	assert_true(sp_str_eq(r.ruri, SP_STR("sip:bob@192.0.2.4")));
	assert_non_null(r.next);
	assert_true(sp_str_eq(r.next_uri.hp.host, SP_STR("192.0.2.50")));
	sp_msg_free(&m);

	/* No Route: nothing to do. */
	parse(&m, buf, sizeof(buf), "INVITE sip:bob@localhost SIP/2.0\n" INVITE_HEAD "\n");
	assert_int_equal(sp__pxy_preprocess(&self, &m, &r), 0);
	assert_int_equal(r.ndrop, 0);
	assert_null(r.next);
	sp_msg_free(&m);
}

static bool contains(const char *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

static void test_print_request(void **state)
{
	(void)state;
	char buf[2048], out[4096];
	struct sp_msg m, f;
	struct sp__pxy_routing r;
	struct sp_wbuf w;

	parse(&m, buf, sizeof(buf),
	      "INVITE sip:bob@localhost SIP/2.0\n" INVITE_HEAD "Route: <sip:" SELF ";lr>\n"
	      "Content-Type: application/sdp\nContent-Length: 4\n\nv=0\n");
	assert_int_equal(sp__pxy_preprocess(&self, &m, &r), 0);
	struct sp__pxy_fwd fwd = {
	    .ruri = SP_STR("sip:bob@192.0.2.4:5062"),
	    .via = SP_STR("SIP/2.0/UDP " SELF ";branch=z9hG4bKsp0000aaaaaaaaaaaaaaaa.0"),
	    .stamped = SP_STR("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;received=192.0.2.99"),
	    .rr = {SP_STR("<sip:" SELF ";lr>")},
	    .nrr = 1,
	    .route = {SP_STR("<sip:192.0.2.77;lr>")},
	    .nroute = 1,
	    .routing = &r,
	};
	sp_wbuf_init(&w, out, sizeof(out));
	assert_int_equal(sp__pxy_print_request(&m, &fwd, &w), 0);
	assert_int_equal(sp_msg_parse(&f, w.p, w.len), 0);
	/* §16.6 step 2, 3, 4, 6, 8 */
	assert_true(sp_str_eq(f.ruri.raw, SP_STR("sip:bob@192.0.2.4:5062")));
	assert_int_equal(f.max_forwards, 69);
	assert_true(sp_str_eq(f.via1.branch, SP_STR("z9hG4bKsp0000aaaaaaaaaaaaaaaa.0")));
	assert_int_equal(sp_msg_hdr_count(&f, SP_HDR_VIA), 2);
	assert_true(contains(w.p, w.len, "received=192.0.2.99"));
	assert_true(contains(w.p, w.len, "Record-Route: <sip:" SELF ";lr>"));
	assert_int_equal(sp_msg_hdr_count(&f, SP_HDR_ROUTE), 1);
	assert_true(sp_str_eq(sp_msg_hdr(&f, SP_HDR_ROUTE)->value, SP_STR("<sip:192.0.2.77;lr>")));
	assert_true(sp_str_eq(f.body, SP_STR("v=0\r")));
	sp_msg_free(&f);
	sp_msg_free(&m);

	/* No Max-Forwards: 70 is added (step 3). */
	parse(&m, buf, sizeof(buf),
	      "MESSAGE sip:bob@localhost SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\n"
	      "To: <sip:bob@localhost>\nFrom: <sip:a@b>;tag=1\nCall-ID: x\nCSeq: 1 MESSAGE\n\n");
	struct sp__pxy_fwd fwd2 = {.via = SP_STR("SIP/2.0/UDP " SELF ";branch=z9hG4bKsp1")};
	sp_wbuf_init(&w, out, sizeof(out));
	assert_int_equal(sp__pxy_print_request(&m, &fwd2, &w), 0);
	assert_int_equal(sp_msg_parse(&f, w.p, w.len), 0);
	assert_int_equal(f.max_forwards, 70);
	sp_msg_free(&f);
	sp_msg_free(&m);
}

static void test_print_response(void **state)
{
	(void)state;
	char buf[2048], out[4096];
	struct sp_msg m, f;
	struct sp_wbuf w;

	parse(&m, buf, sizeof(buf),
	      "SIP/2.0 407 Proxy Authentication Required\n"
	      "Via: SIP/2.0/UDP " SELF ";branch=z9hG4bKsp0000aaaaaaaaaaaaaaaa.0\n"
	      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\n"
	      "To: <sip:bob@localhost>;tag=x\nFrom: <sip:a@b>;tag=1\nCall-ID: x\nCSeq: 1 INVITE\n"
	      "Proxy-Authenticate: Digest realm=\"a\", nonce=\"1\"\nContent-Length: 0\n\n");
	struct sp_str extra = SP_STR("Digest realm=\"b\", nonce=\"2\"");
	sp_wbuf_init(&w, out, sizeof(out));
	assert_int_equal(
	    sp__pxy_print_response(&m, SP_STR("Proxy-Authenticate"), &extra, 1, &w), 0);
	assert_int_equal(sp_msg_parse(&f, w.p, w.len), 0);
	/* §16.7 step 3: our Via goes; step 7: both challenges go up. */
	assert_int_equal(sp_msg_hdr_count(&f, SP_HDR_VIA), 1);
	assert_true(sp_str_eq(f.via1.branch, SP_STR("z9hG4bK776asdhds")));
	assert_int_equal(sp_msg_hdr_count(&f, SP_HDR_PROXY_AUTHENTICATE), 2);
	sp_msg_free(&f);
	sp_msg_free(&m);
}

static void test_best(void **state)
{
	(void)state;
	/* §16.7 step 6 */
	assert_true(sp__pxy_better(0, 486));
	assert_true(sp__pxy_better(486, 603)); /* 6xx wins */
	assert_false(sp__pxy_better(603, 486));
	assert_true(sp__pxy_better(503, 486)); /* lowest class */
	assert_true(sp__pxy_better(404, 407)); /* resubmission info preferred */
	assert_false(sp__pxy_better(407, 404));
	assert_true(sp__pxy_better(404, 302)); /* 3xx before 4xx */
	assert_true(sp__pxy_better(503, 500)); /* 503 least useful 5xx */
	assert_false(sp__pxy_better(486, 480)); /* first of a class stays */
	assert_int_equal(sp__pxy_upstream_status(503), 500);
	assert_int_equal(sp__pxy_upstream_status(486), 486);
}

/* ---- targets ---- */

static bool served(void *arg, const struct sp_uri *uri, char *domain, size_t cap)
{
	(void)arg;
	if (sp_str_caseeq(uri->hp.host, SP_STR("localhost")) ||
	    sp_str_eq(uri->hp.host, SP_STR("127.0.0.1"))) {
		snprintf(domain, cap, "localhost");
		return true;
	}
	return false;
}

static void add_binding(struct sp_location *loc, const char *aor, const char *contact, int q,
			int64_t now)
{
	struct sp_binding *b;
	struct sp_binding_init in = {
	    .aor = sp_str_c(aor),
	    .contact = sp_str_c(contact),
	    .uri = sp_str_c(contact),
	    .q = q,
	    .expires_at = now + 3600000,
	    .registered_at = now,
	    .call_id = SP_STR("c"),
	    .cseq = 1,
	};
	assert_int_equal(sp_binding_create(&b, &in), 0);
	assert_int_equal(sp_location_load(loc, b, now), 0);
	sp_binding_deref(b);
}

static void targets_of(const struct sp__pxy_env *env, const char *text, bool from_local,
		       struct sp__pxy_targets *t)
{
	static char buf[2048];
	static struct sp_msg m;
	struct sp__pxy_routing r;
	parse(&m, buf, sizeof(buf), text);
	assert_int_equal(sp__pxy_preprocess(&self, &m, &r), 0);
	assert_int_equal(sp__pxy_targets(env, &m, &r, from_local, t), 0);
	/* Route targets point into the request: copy what the test reads. */
	sp_msg_free(&m);
}

static void test_targets(void **state)
{
	(void)state;
	struct sp_config cfg;
	struct sp_location *loc;
	struct sp__pxy_targets t;
	const int64_t now = 1700000000000LL;
	char err[256];

	const char *yaml = "routes:\n"
			   "  - domain: peer.test\n    next_hop: udp:127.0.0.3:5080\n"
			   "  - prefix: '+44'\n    next_hop: udp:127.0.0.4\n"
			   "  - domain: old.test\n    redirect: sip:new.test\n";
	sp_config_defaults(&cfg, NULL);
	if (sp_config_load_string(&cfg, yaml, strlen(yaml), "t", err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(sp_location_create(&loc, NULL, NULL), 0);
	add_binding(loc, "bob@localhost", "sip:bob@127.0.0.1:5090", 1000, now);
	add_binding(loc, "bob@localhost", "sip:bob@127.0.0.1:5091", 500, now);
	struct sp__pxy_env env = {.cfg = &cfg, .self = &self, .loc = loc, .served = served,
				  .now_ms = now};

	/* §16.5: the location service, ordered by q. */
	targets_of(&env, "INVITE sip:bob@localhost SIP/2.0\n" INVITE_HEAD "\n", false, &t);
	assert_int_equal(t.kind, SP__PXY_T_FORWARD);
	assert_int_equal(t.n, 2);
	assert_true(sp_str_eq(t.t[0].ruri, SP_STR("sip:bob@127.0.0.1:5090")));
	assert_int_equal(t.t[0].q, 1000);
	assert_int_equal(t.t[1].q, 500);
	sp__pxy_targets_free(&t);

	/* An alias of the domain (our address) is the same AOR. */
	targets_of(&env, "INVITE sip:bob@127.0.0.1 SIP/2.0\n" INVITE_HEAD "\n", false, &t);
	assert_int_equal(t.n, 2);
	sp__pxy_targets_free(&t);

	/* Unknown and unregistered users: one answer, 480 by default. */
	targets_of(&env, "INVITE sip:nobody@localhost SIP/2.0\n" INVITE_HEAD "\n", false, &t);
	assert_int_equal(t.kind, SP__PXY_T_NOT_FOUND);
	assert_int_equal(t.status, 480);

	/* Another domain: only for our users (or inside a dialog we route). */
	targets_of(&env, "INVITE sip:carol@peer.test SIP/2.0\n" INVITE_HEAD "\n", false, &t);
	assert_int_equal(t.kind, SP__PXY_T_DENIED);
	assert_int_equal(t.status, 403);
	targets_of(&env, "INVITE sip:carol@peer.test SIP/2.0\n" INVITE_HEAD "\n", true, &t);
	assert_int_equal(t.kind, SP__PXY_T_FORWARD);
	assert_true(sp_str_eq(t.t[0].dest, SP_STR("sip:127.0.0.3:5080;transport=udp")));
	assert_true(sp_str_eq(t.t[0].ruri, SP_STR("sip:carol@peer.test")));
	sp__pxy_targets_free(&t);

	/* Number prefix routes for tel: and user=phone. */
	targets_of(&env, "INVITE tel:+44-20-7946-0000 SIP/2.0\n" INVITE_HEAD "\n", true, &t);
	assert_int_equal(t.kind, SP__PXY_T_FORWARD);
	assert_true(sp_str_eq(t.t[0].dest, SP_STR("sip:127.0.0.4;transport=udp")));
	sp__pxy_targets_free(&t);
	targets_of(&env, "INVITE sip:+442079460000@gw.test;user=phone SIP/2.0\n" INVITE_HEAD "\n",
		   true, &t);
	assert_int_equal(t.kind, SP__PXY_T_FORWARD);
	assert_true(sp_str_eq(t.t[0].dest, SP_STR("sip:127.0.0.4;transport=udp")));
	sp__pxy_targets_free(&t);

	/* A preloaded Route elsewhere: followed for our users only. */
	targets_of(&env,
		   "INVITE sip:bob@localhost SIP/2.0\n" INVITE_HEAD "Route: <sip:192.0.2.60;lr>\n\n",
		   false, &t);
	assert_int_equal(t.kind, SP__PXY_T_DENIED);
	/* ... and inside a dialog we record-routed (our entry on top). */
	targets_of(&env,
		   "INVITE sip:bob@192.0.2.4 SIP/2.0\n" INVITE_HEAD
		   "Route: <sip:" SELF ";lr>, <sip:192.0.2.60;lr>\n\n",
		   false, &t);
	assert_int_equal(t.kind, SP__PXY_T_DENIED); /* no To tag: not in a dialog */
	targets_of(&env,
		   "BYE sip:bob@192.0.2.4 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2\n"
		   "Max-Forwards: 70\nTo: <sip:bob@localhost>;tag=b1\nFrom: <sip:a@b>;tag=a1\n"
		   "Call-ID: d1\nCSeq: 2 BYE\nRoute: <sip:" SELF ";lr>, <sip:192.0.2.60;lr>\n\n",
		   false, &t);
	assert_int_equal(t.kind, SP__PXY_T_FORWARD);
	assert_true(sp_str_eq(t.t[0].ruri, SP_STR("sip:bob@192.0.2.4")));

	/* A redirect route. */
	targets_of(&env, "INVITE sip:dave@old.test SIP/2.0\n" INVITE_HEAD "\n", true, &t);
	assert_int_equal(t.kind, SP__PXY_T_REDIRECT);
	assert_true(sp_str_eq(t.redirect, SP_STR("sip:new.test")));

	/* No route: the Request-URI itself is resolved (RFC 3263). */
	targets_of(&env, "INVITE sip:erin@192.0.2.33:5070 SIP/2.0\n" INVITE_HEAD "\n", true, &t);
	assert_int_equal(t.kind, SP__PXY_T_FORWARD);
	assert_true(sp_str_eq(t.t[0].dest, SP_STR("sip:erin@192.0.2.33:5070")));
	sp__pxy_targets_free(&t);
	sp_mem_deref(loc);
}

static void test_resolve_literal(void **state)
{
	(void)state;
	struct sp_uri u;
	enum sp_transport tp;
	struct sp_sa sa;
	char s[SP_SA_STRLEN];

	assert_int_equal(sp_uri_parse(&u, SP_STR("sip:a@127.0.0.1:5070;transport=tcp"), 0, NULL), 0);
	assert_int_equal(sp__pxy_resolve_literal(&u, &tp, &sa), 0);
	assert_int_equal(tp, SP_TP_TCP);
	sp_sa_print(&sa, s, sizeof(s));
	assert_string_equal(s, "127.0.0.1:5070");
	assert_int_equal(sp_uri_parse(&u, SP_STR("sip:a@[::1]"), 0, NULL), 0);
	assert_int_equal(sp__pxy_resolve_literal(&u, &tp, &sa), 0);
	assert_int_equal(tp, SP_TP_UDP);
	assert_int_equal(sp_sa_port(&sa), 5060);
	assert_int_equal(sp_uri_parse(&u, SP_STR("sip:a@example.com"), 0, NULL), 0);
	assert_int_equal(sp__pxy_resolve_literal(&u, &tp, &sa), -EAGAIN);
	assert_int_equal(sp_uri_parse(&u, SP_STR("sips:a@127.0.0.1"), 0, NULL), 0);
	assert_int_equal(sp__pxy_resolve_literal(&u, &tp, &sa), -EPROTONOSUPPORT);
}

int main(void)
{
	self_init();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_branch_roundtrip), cmocka_unit_test(test_loop_hash),
	    cmocka_unit_test(test_validate),	     cmocka_unit_test(test_preprocess),
	    cmocka_unit_test(test_print_request),    cmocka_unit_test(test_print_response),
	    cmocka_unit_test(test_best),	     cmocka_unit_test(test_targets),
	    cmocka_unit_test(test_resolve_literal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
