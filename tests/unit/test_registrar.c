/*
 * Registrar (registrar.h): REGISTER requests parsed with sp_msg_parse and
 * applied to a location table with fake time; each case checks the status,
 * the printed header lines of the answer and the resulting bindings, rule
 * by rule of RFC 3261 §10.3, RFC 3327, RFC 5626 §6 and RFC 5627 §5; and the
 * RFC 4475 registrar messages (cparam01, cparam02, regescrt, unksm2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/location.h"
#include "siphon/mem.h"
#include "siphon/registrar.h"
#include "test_util.h"

#define T0 1700000000000LL /* fake wall clock, ms */

static const struct sp_registrar_cfg cfg = {
    .min_expires = 60,
    .default_expires = 3600,
    .max_expires = 7200,
    .max_bindings = 5,
    .gruu = true,
};

struct ctx {
	struct sp_location *loc;
	char out[8192]; /* header lines of the last answer */
	unsigned status;
	const char *reason;
	struct sp_str domain; /* the served domain the To host names, or empty */
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(sp_location_create(&c->loc, NULL, NULL), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	sp_mem_deref(c->loc);
	free(c);
	return 0;
}

/* Runs one raw message through parse, process and print at time now. */
static unsigned run_raw(struct ctx *c, const char *buf, size_t len, int64_t now)
{
	struct sp_msg m;
	struct sp_reg_result res;
	struct sp_wbuf b;
	struct sp_reg_source src = {SP_STR("192.0.2.9:5060"), SP_STR("UDP"), SP_STR_NULL,
				    c->domain};

	assert_int_equal(sp_msg_parse(&m, buf, len), 0);
	assert_int_equal(sp_registrar_process(c->loc, &cfg, &m, &src, now, &res), 0);
	sp_wbuf_init(&b, c->out, sizeof(c->out) - 1);
	sp_registrar_print(c->loc, &res, &m, now, &b);
	assert_false(b.overflow);
	c->out[b.len] = '\0';
	c->status = res.status;
	c->reason = res.reason;
	sp_reg_result_free(&res);
	sp_msg_free(&m);
	return c->status;
}

/* A REGISTER for To: <sip:alice@example.com> with the given Call-ID, CSeq
 * and extra header lines (each ending in CRLF). */
static unsigned reg(struct ctx *c, const char *callid, unsigned cseq, const char *extra,
		    int64_t now)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf),
			 "REGISTER sip:example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK%u\r\n"
			 "Max-Forwards: 70\r\n"
			 "From: <sip:alice@example.com>;tag=a1\r\n"
			 "To: <sip:alice@example.com>\r\n"
			 "Call-ID: %s\r\n"
			 "CSeq: %u REGISTER\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 cseq, callid, cseq, extra);
	char *copy = tu_dup(buf, (size_t)n);
	unsigned st = run_raw(c, copy, (size_t)n, now);

	free(copy);
	return st;
}

static struct sp_location_snap look(struct ctx *c, const char *aor, int64_t now)
{
	struct sp_location_snap s;

	assert_int_equal(sp_location_lookup(c->loc, sp_str_c(aor), SP_STR_NULL, now, &s), 0);
	return s;
}

static unsigned count_lines(const char *out, const char *prefix)
{
	unsigned n = 0;

	for (const char *p = out; (p = strstr(p, prefix)); p++)
		if (p == out || p[-1] == '\n')
			n++;
	return n;
}

static void test_single(void **state)
{
	struct ctx *c = *state;
	struct sp_location_snap s;

	assert_int_equal(reg(c, "c1", 1, "Contact: <sip:alice@192.0.2.9>\r\n", T0), 200);
	assert_non_null(strstr(c->out, "Contact: <sip:alice@192.0.2.9>;expires=3600\r\n"));
	assert_non_null(strstr(c->out, "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"));
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 1);
	S_EQ(s.b[0]->contact, "<sip:alice@192.0.2.9>");
	S_EQ(s.b[0]->uri, "sip:alice@192.0.2.9");
	S_EQ(s.b[0]->received, "192.0.2.9:5060");
	S_EQ(s.b[0]->transport, "UDP");
	assert_int_equal(s.b[0]->expires_at, T0 + 3600 * 1000);
	sp_location_snap_free(&s);
	/* a query (no Contact) lists the bindings, remaining time shown */
	assert_int_equal(reg(c, "c1", 2, "", T0 + 600 * 1000), 200);
	assert_non_null(strstr(c->out, "Contact: <sip:alice@192.0.2.9>;expires=3000\r\n"));
}

static void test_several(void **state)
{
	struct ctx *c = *state;
	struct sp_location_snap s;

	assert_int_equal(reg(c, "c1", 1,
			     "Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.2>;expires=100\r\n"
			     "m: sip:c@192.0.2.3\r\n",
			     T0),
			 200);
	assert_int_equal(count_lines(c->out, "Contact: "), 3);
	assert_non_null(strstr(c->out, "Contact: <sip:b@192.0.2.2>;expires=100\r\n"));
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 3);
	sp_location_snap_free(&s);
}

static void test_refresh_and_order(void **state)
{
	struct ctx *c = *state;
	struct sp_location_snap s;

	assert_int_equal(reg(c, "c1", 5, "Contact: <sip:a@192.0.2.1>\r\n", T0), 200);
	/* same Call-ID, higher CSeq: one binding, new expiry */
	assert_int_equal(reg(c, "c1", 6, "Contact: <sip:a@192.0.2.1>;expires=1800\r\n", T0 + 1000),
			 200);
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.b[0]->expires_at, T0 + 1000 + 1800 * 1000);
	assert_int_equal(s.b[0]->cseq, 6);
	sp_location_snap_free(&s);
	/* §10.3 step 7: equal or lower CSeq, same Call-ID: aborted, 500 */
	assert_int_equal(reg(c, "c1", 6, "Contact: <sip:a@192.0.2.1>;expires=900\r\n", T0 + 2000),
			 500);
	assert_int_equal(reg(c, "c1", 4, "Contact: <sip:a@192.0.2.1>;expires=0\r\n", T0 + 2000),
			 500);
	/* and atomic: a new contact in the failing request is not added */
	assert_int_equal(reg(c, "c1", 3,
			     "Contact: <sip:new@192.0.2.7>, <sip:a@192.0.2.1>;expires=900\r\n",
			     T0 + 2000),
			 500);
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.b[0]->expires_at, T0 + 1000 + 1800 * 1000);
	sp_location_snap_free(&s);
	/* another Call-ID may update whatever its CSeq */
	assert_int_equal(reg(c, "c2", 1, "Contact: <sip:a@192.0.2.1>;expires=900\r\n", T0 + 3000),
			 200);
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 1);
	S_EQ(s.b[0]->call_id, "c2");
	sp_location_snap_free(&s);
}

static void test_star(void **state)
{
	struct ctx *c = *state;
	struct sp_location_snap s;

	assert_int_equal(reg(c, "c1", 1, "Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.2>\r\n", T0),
			 200);
	assert_int_equal(reg(c, "c1", 2, "Contact: *\r\n", T0), 400);
	assert_int_equal(reg(c, "c1", 2, "Contact: *\r\nExpires: 10\r\n", T0), 400);
	assert_int_equal(reg(c, "c1", 2, "Contact: *, <sip:c@192.0.2.3>\r\nExpires: 0\r\n", T0),
			 400);
	/* same Call-ID, CSeq not higher: step 6 fails the request */
	assert_int_equal(reg(c, "c1", 1, "Contact: *\r\nExpires: 0\r\n", T0), 500);
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 2);
	sp_location_snap_free(&s);
	assert_int_equal(reg(c, "c9", 1, "Contact: *\r\nExpires: 0\r\n", T0), 200);
	assert_int_equal(count_lines(c->out, "Contact: "), 0);
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 0);
	sp_location_snap_free(&s);
	assert_int_equal(sp_location_count(c->loc), 0);
}

static void test_expires_choice(void **state)
{
	struct ctx *c = *state;

	/* param beats header beats default */
	assert_int_equal(reg(c, "c1", 1,
			     "Contact: <sip:a@192.0.2.1>;expires=120, <sip:b@192.0.2.2>\r\n"
			     "Expires: 300\r\n",
			     T0),
			 200);
	assert_non_null(strstr(c->out, "Contact: <sip:a@192.0.2.1>;expires=120\r\n"));
	assert_non_null(strstr(c->out, "Contact: <sip:b@192.0.2.2>;expires=300\r\n"));
	assert_int_equal(reg(c, "c1", 2, "Contact: <sip:d@192.0.2.4>\r\n", T0), 200);
	assert_non_null(strstr(c->out, "Contact: <sip:d@192.0.2.4>;expires=3600\r\n"));
	/* below min: 423 with Min-Expires, nothing stored */
	assert_int_equal(reg(c, "c1", 3, "Contact: <sip:e@192.0.2.5>;expires=30\r\n", T0), 423);
	assert_string_equal(c->out, "Min-Expires: 60\r\n");
	/* above max: lowered to max */
	assert_int_equal(reg(c, "c1", 4, "Contact: <sip:f@192.0.2.6>\r\nExpires: 99999\r\n", T0),
			 200);
	assert_non_null(strstr(c->out, "Contact: <sip:f@192.0.2.6>;expires=7200\r\n"));
	/* expires=0 removes just that one */
	assert_int_equal(reg(c, "c1", 5, "Contact: <sip:a@192.0.2.1>;expires=0\r\n", T0), 200);
	assert_null(strstr(c->out, "sip:a@"));
	assert_int_equal(count_lines(c->out, "Contact: "), 3);
	/* a bad Expires header is 400 */
	assert_int_equal(reg(c, "c1", 6, "Contact: <sip:a@192.0.2.1>\r\nExpires: soon\r\n", T0),
			 400);
}

static void test_q_order(void **state)
{
	struct ctx *c = *state;
	struct sp_location_snap s;

	assert_int_equal(reg(c, "c1", 1,
			     "Contact: <sip:low@192.0.2.1>;q=0.1, <sip:high@192.0.2.2>;q=0.9\r\n",
			     T0),
			 200);
	assert_int_equal(reg(c, "c2", 1, "Contact: <sip:none@192.0.2.3>\r\n", T0 + 10), 200);
	assert_int_equal(reg(c, "c3", 1, "Contact: <sip:mid@192.0.2.4>;q=0.5\r\n", T0 + 20), 200);
	assert_int_equal(reg(c, "c4", 1, "Contact: <sip:mid2@192.0.2.5>;q=0.5\r\n", T0 + 30), 200);
	s = look(c, "alice@example.com", T0 + 40);
	assert_int_equal(s.n, 5);
	S_EQ(s.b[0]->uri, "sip:none@192.0.2.3"); /* no q: 1.0 */
	S_EQ(s.b[1]->uri, "sip:high@192.0.2.2");
	S_EQ(s.b[2]->uri, "sip:mid2@192.0.2.5"); /* equal q: newest first */
	S_EQ(s.b[3]->uri, "sip:mid@192.0.2.4");
	S_EQ(s.b[4]->uri, "sip:low@192.0.2.1");
	assert_int_equal(s.b[4]->q, 100);
	sp_location_snap_free(&s);
	/* max_bindings (5): a sixth is refused with 403, nothing changes */
	assert_int_equal(reg(c, "c5", 1, "Contact: <sip:six@192.0.2.6>\r\n", T0 + 50), 403);
	assert_string_equal(c->reason, "Too Many Contacts");
	s = look(c, "alice@example.com", T0 + 40);
	assert_int_equal(s.n, 5);
	sp_location_snap_free(&s);
	/* replacing one within the limit is fine */
	assert_int_equal(reg(c, "c5", 2,
			     "Contact: <sip:six@192.0.2.6>, <sip:low@192.0.2.1>;expires=0\r\n",
			     T0 + 50),
			 200);
}

static void test_path(void **state)
{
	struct ctx *c = *state;
	struct sp_location_snap s;

	assert_int_equal(reg(c, "c1", 1,
			     "Path: <sip:p1.example.net;lr>\r\n"
			     "Path: <sip:p2.example.net;lr>, <sip:p3.example.net;lr>\r\n"
			     "Supported: path\r\n"
			     "Contact: <sip:a@10.0.0.1>\r\n",
			     T0),
			 200);
	assert_non_null(strstr(c->out, "Path: <sip:p1.example.net;lr>\r\n"
				       "Path: <sip:p2.example.net;lr>\r\n"
				       "Path: <sip:p3.example.net;lr>\r\n"));
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.b[0]->npath, 3);
	S_EQ(s.b[0]->path[0], "<sip:p1.example.net;lr>");
	S_EQ(s.b[0]->path[2], "<sip:p3.example.net;lr>");
	sp_location_snap_free(&s);
}

#define INST "\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\""

static void test_outbound(void **state)
{
	struct ctx *c = *state;
	struct sp_location_snap s;

	assert_int_equal(reg(c, "ob1", 1,
			     "Contact: <sip:a@192.0.2.1>;+sip.instance=" INST ";reg-id=1\r\n"
			     "Contact: <sip:a@198.51.100.1>;+sip.instance=" INST ";reg-id=2\r\n",
			     T0),
			 200);
	/* RFC 5626 §6: a new address for (instance, reg-id 1) replaces it */
	assert_int_equal(
	    reg(c, "ob2", 1,
		"Contact: <sip:a@203.0.113.5:5070>;+sip.instance=" INST ";reg-id=1\r\n", T0 + 1000),
	    200);
	s = look(c, "alice@example.com", T0 + 1000);
	assert_int_equal(s.n, 2);
	S_EQ(s.b[0]->uri, "sip:a@203.0.113.5:5070");
	assert_int_equal(s.b[0]->reg_id, 1);
	S_EQ(s.b[0]->instance, "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>");
	S_EQ(s.b[1]->uri, "sip:a@198.51.100.1");
	sp_location_snap_free(&s);
	/* no Supported: gruu: no GRUU parameters, the instance is echoed */
	assert_null(strstr(c->out, "gruu"));
	assert_non_null(strstr(c->out, "+sip.instance=" INST));
	assert_int_equal(reg(c, "ob2", 2, "Contact: <sip:a@192.0.2.1>;reg-id=0\r\n", T0), 400);
	/* reg-id without instance: a plain RFC 3261 contact, matched by URI */
	assert_int_equal(reg(c, "ob3", 1, "Contact: <sip:z@192.0.2.8>;reg-id=1\r\n", T0), 200);
	assert_int_equal(reg(c, "ob3", 2, "Contact: <sip:z@192.0.2.8>;reg-id=1\r\n", T0), 200);
	s = look(c, "alice@example.com", T0 + 1000);
	assert_int_equal(s.n, 3);
	sp_location_snap_free(&s);
	/* RFC 5627 §5.1: instance contacts that would loop are refused */
	assert_int_equal(
	    reg(c, "ob4", 1, "Contact: <sip:alice@example.com>;+sip.instance=" INST "\r\n", T0),
	    403);
	assert_int_equal(
	    reg(c, "ob4", 2,
		"Contact: <sip:alice@example.com;gr=urn:uuid:1>;+sip.instance=" INST "\r\n", T0),
	    403);
	assert_int_equal(
	    reg(c, "ob4", 3, "Contact: <tel:+15551234>;+sip.instance=" INST "\r\n", T0), 403);
}

/* The value of parameter name="..." in the n-th Contact line of out. */
static char *param_of(const char *out, const char *name, char *buf, size_t cap)
{
	const char *p = strstr(out, name), *e;

	if (!p)
		return NULL;
	p += strlen(name) + 1; /* past the opening quote */
	e = strchr(p, '"');
	assert_non_null(e);
	assert_true((size_t)(e - p) < cap);
	memcpy(buf, p, (size_t)(e - p));
	buf[e - p] = '\0';
	return buf;
}

static int lookup_uri(struct ctx *c, const char *uri_s, int64_t now, struct sp_location_snap *s)
{
	struct sp_uri u;
	struct sp_parse_error err;
	struct sp_str in = tu_copy_c(uri_s);

	tu_parse_ok(sp_uri_parse(&u, in, 0, &err), in, &err);
	return sp_location_lookup_uri(c->loc, &u, now, s);
}

static void test_gruu(void **state)
{
	struct ctx *c = *state;
	char pub1[512], pub2[512], tmp1[1024], tmp2[1024], tmp3[1024];
	struct sp_location_snap s;
	uint8_t key[32];

	memset(key, 7, sizeof(key));
	sp_location_set_gruu_key(c->loc, key);
	/* Supported: gruu without instance: none */
	assert_int_equal(
	    reg(c, "g1", 1, "Supported: gruu\r\nContact: <sip:other@192.0.2.2>\r\n", T0), 200);
	assert_null(strstr(c->out, "gruu="));
	/* instance without Supported: gruu: none */
	assert_int_equal(reg(c, "g1", 2,
			     "Contact: <sip:a@192.0.2.1>;+sip.instance=" INST "\r\n"
			     "Contact: <sip:other@192.0.2.2>;expires=0\r\n",
			     T0),
			 200);
	assert_null(strstr(c->out, "gruu="));
	/* both: pub-gruu and temp-gruu */
	assert_int_equal(reg(c, "g1", 3,
			     "Supported: path, gruu\r\n"
			     "Contact: <sip:a@192.0.2.1>;+sip.instance=" INST
			     ";pub-gruu=\"sip:fake@x;gr\"\r\n",
			     T0),
			 200);
	assert_non_null(param_of(c->out, ";pub-gruu=", pub1, sizeof(pub1)));
	assert_string_equal(
	    pub1, "sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
	assert_null(strstr(c->out, "sip:fake@x")); /* §5.1: the UA's value is ignored */
	assert_non_null(param_of(c->out, ";temp-gruu=", tmp1, sizeof(tmp1)));
	assert_int_equal(strncmp(tmp1, "sip:tgruu.", 10), 0);
	assert_non_null(strstr(tmp1, "@example.com;gr"));
	assert_null(strstr(tmp1, "alice"));

	/* a second device without instance on the same AOR */
	assert_int_equal(reg(c, "g2", 1, "Contact: <sip:b@192.0.2.2>\r\n", T0), 200);

	/* refresh: pub-gruu stable, temp-gruu new, the old one still routes */
	assert_int_equal(reg(c, "g1", 4,
			     "Supported: gruu\r\nContact: <sip:a@192.0.2.1>;+sip.instance=" INST
			     "\r\n",
			     T0 + 1000),
			 200);
	assert_non_null(param_of(c->out, ";pub-gruu=", pub2, sizeof(pub2)));
	assert_string_equal(pub1, pub2);
	assert_non_null(param_of(c->out, ";temp-gruu=", tmp2, sizeof(tmp2)));
	assert_string_not_equal(tmp1, tmp2);

	/* each GRUU reaches exactly that instance; the AOR reaches both */
	assert_int_equal(lookup_uri(c, pub1, T0 + 2000, &s), 0);
	assert_int_equal(s.n, 1);
	S_EQ(s.b[0]->uri, "sip:a@192.0.2.1");
	sp_location_snap_free(&s);
	assert_int_equal(lookup_uri(c, tmp1, T0 + 2000, &s), 0);
	assert_int_equal(s.n, 1);
	S_EQ(s.b[0]->uri, "sip:a@192.0.2.1");
	sp_location_snap_free(&s);
	assert_int_equal(lookup_uri(c, tmp2, T0 + 2000, &s), 0);
	assert_int_equal(s.n, 1);
	sp_location_snap_free(&s);
	assert_int_equal(lookup_uri(c, "sip:alice@EXAMPLE.com;transport=udp", T0 + 2000, &s), 0);
	assert_int_equal(s.n, 2);
	sp_location_snap_free(&s);
	/* a forged or tampered temp-gruu is 404 */
	tmp2[12] = tmp2[12] == 'a' ? 'b' : 'a';
	assert_int_equal(lookup_uri(c, tmp2, T0 + 2000, &s), -ENOENT);
	assert_int_equal(lookup_uri(c, "sip:tgruu.00@example.com;gr", T0 + 2000, &s), -ENOENT);

	/* RFC 5627 §5.1: a new Call-ID invalidates the earlier temp-gruus */
	assert_int_equal(reg(c, "g3", 1,
			     "Supported: gruu\r\nContact: <sip:a@192.0.2.1>;+sip.instance=" INST
			     "\r\n",
			     T0 + 3000),
			 200);
	assert_non_null(param_of(c->out, ";temp-gruu=", tmp3, sizeof(tmp3)));
	assert_int_equal(lookup_uri(c, tmp1, T0 + 3000, &s), -ENOENT);
	assert_int_equal(lookup_uri(c, tmp3, T0 + 3000, &s), 0);
	assert_int_equal(s.n, 1);
	sp_location_snap_free(&s);
	/* §5.3: when the contact ends, temp-gruu 404, pub-gruu 480 (n == 0) */
	assert_int_equal(reg(c, "g3", 2,
			     "Contact: <sip:a@192.0.2.1>;+sip.instance=" INST ";expires=0\r\n",
			     T0 + 4000),
			 200);
	assert_int_equal(lookup_uri(c, tmp3, T0 + 4000, &s), -ENOENT);
	assert_int_equal(lookup_uri(c, pub1, T0 + 4000, &s), 0);
	assert_int_equal(s.n, 0);
	sp_location_snap_free(&s);
	tu_free_copies(NULL);
}

/* RFC 4475 registrar messages: stored contact text equals the bytes sent */
static void vector(struct ctx *c, const char *name, const char *contact, const char *aor,
		   const char *printed)
{
	char rel[64];
	size_t len;
	char *buf;
	struct sp_location_snap s;

	snprintf(rel, sizeof(rel), "rfc4475/%s.dat", name);
	buf = tu_load(rel, &len);
	assert_non_null(buf);
	assert_int_equal(run_raw(c, buf, len, T0), 200);
	free(buf);
	s = look(c, aor, T0);
	assert_int_equal(s.n, 1);
	S_EQC(s.b[0]->contact, contact);
	sp_location_snap_free(&s);
	assert_non_null(strstr(c->out, printed));
}

static void test_rfc4475(void **state)
{
	struct ctx *c = *state;
	struct sp_location_snap s;
	struct sp_uri u;
	struct sp_parse_error err;
	size_t len;
	char *buf;

	/* cparam01: unknownparam is a header parameter and stays one */
	vector(c, "cparam01", "sip:+19725552222@gw1.example.net;unknownparam", "watson@example.com",
	       "Contact: sip:+19725552222@gw1.example.net;unknownparam;expires=3600\r\n");
	s = look(c, "watson@example.com", T0);
	S_EQ(s.b[0]->uri, "sip:+19725552222@gw1.example.net");
	sp_location_snap_free(&s);
	/* cparam02: a URI parameter, inside the brackets. Same Call-ID? no:
	 * a new one, so it is a second binding of watson only if the URIs
	 * differ; §19.1.4 ignores unknownparam present in one URI only, so
	 * it updates the first binding. */
	buf = tu_load("rfc4475/cparam02.dat", &len);
	assert_non_null(buf);
	assert_int_equal(run_raw(c, buf, len, T0), 200);
	free(buf);
	s = look(c, "watson@example.com", T0);
	assert_int_equal(s.n, 1);
	S_EQ(s.b[0]->contact, "<sip:+19725552222@gw1.example.net;unknownparam>");
	S_EQ(s.b[0]->uri, "sip:+19725552222@gw1.example.net;unknownparam");
	tu_parse_ok(sp_uri_parse(&u, s.b[0]->uri, 0, &err), s.b[0]->uri, &err);
	S_EQ(u.params, ";unknownparam");
	sp_location_snap_free(&s);
	assert_non_null(strstr(
	    c->out, "Contact: <sip:+19725552222@gw1.example.net;unknownparam>;expires=3600\r\n"));
	/* regescrt: the escaped Route header stays in the contact URI */
	vector(c, "regescrt", "<sip:user@example.com?Route=%3Csip:sip.example.com%3E>",
	       "user@example.com",
	       "Contact: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>;expires=3600\r\n");
	/* unksm2: the To is no SIP URI: 400 */
	buf = tu_load("rfc4475/unksm2.dat", &len);
	assert_non_null(buf);
	assert_int_equal(run_raw(c, buf, len, T0), 400);
	free(buf);
}

static void test_aor_canonical(void **state)
{
	struct ctx *c = *state;
	char buf[4096];
	struct sp_location_snap s;
	int n = snprintf(buf, sizeof(buf),
			 "REGISTER sip:example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKx\r\n"
			 "From: <sips:%%61lice@EXAMPLE.COM;user=phone>;tag=a1\r\n"
			 "To: <sips:%%61lice@EXAMPLE.COM;user=phone>\r\n"
			 "Call-ID: canon\r\nCSeq: 1 REGISTER\r\n"
			 "Contact: <sips:a@192.0.2.1>\r\nContent-Length: 0\r\n\r\n");

	assert_int_equal(run_raw(c, buf, (size_t)n, T0), 200);
	s = look(c, "alice@example.com", T0);
	assert_int_equal(s.n, 1);
	S_EQ(s.b[0]->aor, "alice@example.com");
	sp_location_snap_free(&s);
}

/* Aliases of one served domain are one AOR: the To host 127.0.0.1 and
 * localhost both name the default domain (issue 4). */
static void test_aor_alias(void **state)
{
	struct ctx *c = *state;
	char buf[4096];
	const char *hosts[] = { "127.0.0.1", "LocalHost" };
	c->domain = SP_STR("localhost");
	for (unsigned i = 0; i < 2; i++) {
		int n = snprintf(buf, sizeof(buf),
				 "REGISTER sip:%s SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKal%u\r\n"
				 "From: <sip:alice@%s>;tag=a1\r\n"
				 "To: <sip:alice@%s>\r\n"
				 "Call-ID: alias%u\r\nCSeq: 1 REGISTER\r\n"
				 "Contact: <sip:a@192.0.2.%u>\r\nContent-Length: 0\r\n\r\n",
				 hosts[i], i, hosts[i], hosts[i], i, i + 1);
		assert_int_equal(run_raw(c, buf, (size_t)n, T0), 200);
	}
	struct sp_location_snap s = look(c, "alice@localhost", T0);
	assert_int_equal(s.n, 2);
	sp_location_snap_free(&s);
	s = look(c, "alice@127.0.0.1", T0);
	assert_int_equal(s.n, 0);
	sp_location_snap_free(&s);
	c->domain = SP_STR_NULL;
}

/* Every allocation of a REGISTER failed in turn: -ENOMEM and no change, or
 * success (RFC 3261 §10.3: processed completely or not at all). */
static void test_enomem(void **state)
{
	struct ctx *c = *state;
	static const char msg[] = "REGISTER sip:example.com SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKm\r\n"
				  "From: <sip:alice@example.com>;tag=a1\r\n"
				  "To: <sip:alice@example.com>\r\n"
				  "Call-ID: nomem\r\nCSeq: 2 REGISTER\r\n"
				  "Contact: <sip:a@192.0.2.1>;expires=0, <sip:b@192.0.2.2>, "
				  "<sip:c@192.0.2.3>\r\nContent-Length: 0\r\n\r\n";
	bool done = false;

	assert_int_equal(reg(c, "nomem", 1, "Contact: <sip:a@192.0.2.1>\r\n", T0), 200);
	for (long n = 0; n < 64 && !done; n++) {
		struct sp_msg m;
		struct sp_reg_result res;
		int rc;

		assert_int_equal(sp_msg_parse(&m, msg, sizeof(msg) - 1), 0);
		sp_mem_fail_after(n);
		rc = sp_registrar_process(c->loc, &cfg, &m, NULL, T0, &res);
		sp_mem_fail_after(-1);
		if (rc == 0) {
			assert_int_equal(res.status, 200);
			assert_int_equal(res.bindings.n, 2);
			done = true;
		} else {
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(sp_location_count(c->loc), 1);
		}
		sp_reg_result_free(&res);
		sp_msg_free(&m);
	}
	assert_true(done);
	assert_int_equal(sp_location_count(c->loc), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_single, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_several, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refresh_and_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_star, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expires_choice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_q_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gruu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rfc4475, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_aor_canonical, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_aor_alias, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
