/*
 * The UAS core (server.h): every RFC 4475 message through the pipeline the
 * server runs (parse, validate, decide,
 * build the response), checked against the answer the manifest gives for
 * a UAS (a REGISTER that passes the UAS checks goes to the
 * registrar: no answer from the core); then the response itself is parsed and
 * checked (status, Via stamping, To tag, Allow/Unsupported/Accept). Plus
 * the size bound (513), ACK, CANCEL and response routing policy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/server.h"
#include "test_util.h"

/* What this UAS answers to each manifest row. sent: a response is
 * actually built (false for responses and for what cannot be answered). */
struct vec {
	const char *name;
	unsigned status;
	bool sent;
	const char *must_have; /* a header line the response must contain, or NULL */
};

static const struct vec vecs[] = {
	{ "wsinv", 405, true, "Allow: OPTIONS" },
	{ "intmeth", 501, true, "Allow: OPTIONS" },
	{ "esc01", 405, true, NULL },
	{ "escnull", 0, false, NULL }, /* REGISTER: to the registrar */
	{ "esc02", 501, true, NULL },
	{ "lwsdisp", 200, true, "Accept: application/sdp" },
	{ "longreq", 405, true, NULL },
	{ "dblreq", 0, false, NULL }, /* REGISTER: to the registrar */
	{ "semiuri", 200, true, "Allow: OPTIONS" },
	{ "transports", 200, true, NULL },
	{ "mpart01", 405, true, NULL },
	{ "unreason", 0, false, NULL },
	{ "noreason", 0, false, NULL },
	{ "badinv01", 400, true, NULL },
	{ "clerr", 400, true, NULL },
	{ "ncl", 400, true, NULL },
	{ "scalar02", 400, true, NULL },
	{ "scalarlg", 0, false, NULL },
	{ "quotbal", 400, true, NULL },
	{ "ltgtruri", 400, true, NULL },
	{ "lwsruri", 400, true, NULL },
	{ "lwsstart", 400, true, NULL },
	{ "trws", 400, true, NULL },
	{ "escruri", 400, true, NULL },
	{ "baddate", 400, true, NULL },
	{ "regbadct", 400, true, NULL },
	{ "badaspec", 400, true, NULL },
	{ "baddn", 400, true, NULL },
	{ "badvers", 505, true, NULL },
	{ "mismatch01", 400, true, NULL },
	{ "mismatch02", 501, true, "Allow: OPTIONS" },
	{ "bigcode", 0, false, NULL },
	{ "badbranch", 400, true, NULL },
	{ "insuf", 400, true, NULL },
	{ "unkscm", 416, true, NULL },
	{ "novelsc", 416, true, NULL },
	{ "unksm2", 0, false, NULL }, /* REGISTER: to the registrar */
	{ "bext01", 420, true, "Unsupported: nothingSupportsThis, nothingSupportsThisEither" },
	{ "invut", 405, true, NULL },  /* an INVITE-capable UAS: 415 */
	{ "regaut01", 0, false, NULL }, /* REGISTER: to the registrar */
	{ "multi01", 400, true, NULL },
	{ "mcl01", 400, true, NULL },
	{ "bcast", 0, false, NULL },
	{ "zeromf", 200, true, "Supported:" },
	{ "cparam01", 0, false, NULL }, /* REGISTER: to the registrar */
	{ "cparam02", 0, false, NULL }, /* REGISTER: to the registrar */
	{ "regescrt", 0, false, NULL }, /* REGISTER: to the registrar */
	{ "sdp01", 405, true, NULL },
	{ "inv2543", 405, true, NULL },
	{ "test", 400, false, NULL }, /* no Via, no CSeq: nothing to answer with */
};

/* The server's pipeline over one received message. */
struct answer {
	struct sp_msg msg;
	struct sp_uas_decision d;
	int build_rc;
	bool req_ok; /* the request parsed and validated */
	char out[16384];
	size_t len;
};

static void answer(struct answer *a, const char *buf, size_t len, size_t max_message)
{
	struct sp_sa src;
	struct sp_wbuf wb;
	int prc, vrc = 0;

	assert_int_equal(sp_sa_parse(&src, SP_STR("192.0.2.99:5070"), 0), 0);
	prc = sp_msg_parse(&a->msg, buf, len);
	if (prc == 0)
		vrc = sp_msg_validate(&a->msg);
	struct sp_uas_input in = {
		.msg = &a->msg,
		.parse_rc = prc,
		.validate_rc = vrc,
		.wire_len = len,
		.max_message = max_message,
	};
	sp_uas_decide(&in, &a->d);
	a->req_ok = prc == 0 && vrc == 0;
	a->len = 0;
	a->build_rc = -EINVAL;
	if (a->d.status) {
		sp_wbuf_init(&wb, a->out, sizeof(a->out));
		a->build_rc = sp_uas_reply(&wb, &a->msg, &src, &a->d, "siphon/test");
		a->len = wb.len;
	}
}

/* The response must parse, carry the status, a Via, the CSeq, and the
 * required line. */
static void check_response(const struct answer *a, const struct vec *v)
{
	struct sp_msg r;
	assert_int_equal(a->build_rc, 0);
	int rc = sp_msg_parse(&r, a->out, a->len);
	/* A response to a broken request echoes its broken values (RFC 3261
	 * §8.2.6.2 copies From, To, Call-ID, CSeq and Via): it need only
	 * parse when the request did. */
	if (rc != 0 && a->req_ok)
		fail_msg("%s: response does not parse (%s):\n%.*s", v->name, r.error.rule,
			 (int)a->len, a->out);
	assert_false(r.request);
	assert_int_equal(r.status, v->status);
	assert_non_null(sp_msg_hdr(&r, SP_HDR_VIA));
	assert_non_null(sp_msg_hdr(&r, SP_HDR_CSEQ));
	assert_non_null(sp_msg_hdr(&r, SP_HDR_SERVER));
	if (r.has_to && v->status != 100)
		assert_non_null(r.to.tag.p);
	if (v->must_have && tu_find(a->out, a->len, v->must_have) < 0)
		fail_msg("%s: response lacks '%s':\n%.*s", v->name, v->must_have, (int)a->len,
			 a->out);
	sp_msg_free(&r);
}

struct row {
	char name[32];
	char file[64];
	size_t bytes;
	char sha256[65];
};

#define MAX_ROWS 64
static struct row rows[MAX_ROWS];
static unsigned nrows;

static const struct vec *find_vec(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(vecs); i++)
		if (strcmp(vecs[i].name, name) == 0)
			return &vecs[i];
	return NULL;
}

static bool read_manifest(void)
{
	static const char *const cols[] = { "name",  "section", "category", "note",
					    "title", "file",    "bytes",    "sha256" };
	struct tu_tsv t;
	bool ok = tu_tsv_load(&t, "rfc4475/MANIFEST.tsv", cols, ARRAY_SIZE(cols));
	for (unsigned i = 0; i < t.nrow && nrows < MAX_ROWS; i++) {
		struct row *r = &rows[nrows++];
		snprintf(r->name, sizeof(r->name), "%s", tu_tsv_get(&t, i, "name"));
		snprintf(r->file, sizeof(r->file), "%s", tu_tsv_get(&t, i, "file"));
		r->bytes = strtoul(tu_tsv_get(&t, i, "bytes"), NULL, 10);
		snprintf(r->sha256, sizeof(r->sha256), "%s", tu_tsv_get(&t, i, "sha256"));
	}
	ok &= t.nrow <= MAX_ROWS;
	tu_tsv_free(&t);
	return ok;
}

static void run_row(void **state)
{
	const struct row *row = *state;
	const struct vec *v = find_vec(row->name);
	if (!v)
		fail_msg("MANIFEST row '%s' is unknown to the test table", row->name);
	size_t len;
	char *buf = tu_load_verified(row->file, &len, row->bytes, row->sha256);
	struct answer *a = calloc(1, sizeof(*a));
	assert_non_null(a);

	answer(a, buf, len, 65535);
	if (a->d.status != v->status)
		fail_msg("%s: UAS answer %u (%s), manifest wants %u", v->name, a->d.status,
			 a->d.why ? a->d.why : "-", v->status);
	if (v->sent)
		check_response(a, v);
	else
		assert_int_equal(a->len, 0);
	sp_msg_free(&a->msg);
	free(a);
	free(buf);
}

static void test_table_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(vecs); i++) {
		bool found = false;
		for (unsigned k = 0; k < nrows; k++)
			found |= strcmp(rows[k].name, vecs[i].name) == 0;
		if (!found)
			fail_msg("table entry '%s' is not in MANIFEST.tsv", vecs[i].name);
	}
}

#define OPT_HDRS                                                                                   \
	"Via: SIP/2.0/UDP 192.0.2.99:5070;branch=z9hG4bK-abc;rport\r\n"                            \
	"From: <sip:a@example.com>;tag=f1\r\n"                                                     \
	"To: <sip:b@example.com>\r\n"                                                              \
	"Call-ID: c1@example.com\r\n"

static void test_options_200(void **state)
{
	(void)state;
	static const char req[] = "OPTIONS sip:b@example.com SIP/2.0\r\n" OPT_HDRS
				  "CSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
	struct answer *a = calloc(1, sizeof(*a));
	struct sp_msg r;
	assert_non_null(a);
	answer(a, req, sizeof(req) - 1, 65535);
	assert_int_equal(a->d.status, 200);
	assert_int_equal(a->build_rc, 0);
	assert_int_equal(sp_msg_parse(&r, a->out, a->len), 0);
	assert_int_equal(sp_msg_validate(&r), 0);
	assert_int_equal(r.status, 200);
	/* RFC 3581 §4: rport filled, received added. */
	assert_true(r.via1.has_rport);
	assert_int_equal(r.via1.rport, 5070);
	S_EQ(r.via1.received, "192.0.2.99");
	assert_non_null(r.to.tag.p);
	S_EQ(r.call_id, "c1@example.com");
	assert_true(tu_find(a->out, a->len, "Allow: OPTIONS, REGISTER\r\n") > 0);
	assert_true(tu_find(a->out, a->len, "Supported: \r\n") > 0);
	assert_true(tu_find(a->out, a->len, "Server: siphon/test\r\n") > 0);
	sp_msg_free(&r);
	sp_msg_free(&a->msg);

	/* Same request again: same To tag (§8.2.6.2, retransmissions). */
	char first[16384];
	size_t flen = a->len;
	memcpy(first, a->out, flen);
	answer(a, req, sizeof(req) - 1, 65535);
	assert_int_equal(a->len, flen);
	assert_memory_equal(a->out, first, flen);
	sp_msg_free(&a->msg);
	free(a);
}

static void test_ack_cancel_size(void **state)
{
	(void)state;
	static const char ack[] = "ACK sip:b@example.com SIP/2.0\r\n" OPT_HDRS
				  "CSeq: 7 ACK\r\nContent-Length: 0\r\n\r\n";
	static const char badack[] = "ACK <sip:b@example.com> SIP/2.0\r\n" OPT_HDRS
				     "CSeq: 7 ACK\r\nContent-Length: 0\r\n\r\n";
	static const char cancel[] = "CANCEL sip:b@example.com SIP/2.0\r\n" OPT_HDRS
				     "CSeq: 7 CANCEL\r\nContent-Length: 0\r\n\r\n";
	static const char opt[] = "OPTIONS sip:b@example.com SIP/2.0\r\n" OPT_HDRS
				  "CSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct answer *a = calloc(1, sizeof(*a));
	assert_non_null(a);

	answer(a, ack, sizeof(ack) - 1, 65535);
	assert_int_equal(a->d.status, 0);
	sp_msg_free(&a->msg);
	/* A broken ACK is not answered either (the parser keeps the method). */
	answer(a, badack, sizeof(badack) - 1, 65535);
	assert_int_equal(a->d.status, 0);
	sp_msg_free(&a->msg);
	answer(a, cancel, sizeof(cancel) - 1, 65535);
	assert_int_equal(a->d.status, 481);
	sp_msg_free(&a->msg);
	/* Larger than the bound: 513, still answerable. */
	answer(a, opt, sizeof(opt) - 1, 100);
	assert_int_equal(a->d.status, 513);
	assert_int_equal(a->build_rc, 0);
	assert_true(tu_find(a->out, a->len, "SIP/2.0 513 ") == 0);
	sp_msg_free(&a->msg);
	/* Garbage: nothing to answer with. */
	answer(a, "hello", 5, 65535);
	assert_int_equal(a->len, 0);
	sp_msg_free(&a->msg);
	free(a);
}

static void test_route_policy(void **state)
{
	(void)state;
	struct sp_config cfg;
	struct sp_sa sa;
	sp_config_defaults(&cfg, "test");
	assert_int_equal(sp_sa_parse(&sa, SP_STR("192.0.2.1:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), 0);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("255.255.255.255:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), -EACCES);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("239.1.2.3:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), -EACCES);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[ff02::1]:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), -EACCES);

	/* Loopback only, as every test config sets it. */
	assert_int_equal(sp_cidr_parse("127.0.0.0/8", &cfg.security.allow_destinations[0]), 0);
	assert_int_equal(sp_cidr_parse("::1/128", &cfg.security.allow_destinations[1]), 0);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("192.0.2.1:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), -EACCES);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("127.3.4.5:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), 0);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[::1]:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), 0);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[::2]:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), -EACCES);
	assert_int_equal(sp_sa_parse(&sa, SP_STR("[::ffff:127.0.0.1]:5060"), 0), 0);
	assert_int_equal(sp_route_check(&cfg, &sa), 0);
}

static void test_reconnect(void **state)
{
	(void)state;
	static const char r1[] = "SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/TCP host.example.com:5099;branch=z9hG4bK1;"
				 "received=192.0.2.7\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	static const char r2[] = "SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/TLS 192.0.2.8;branch=z9hG4bK1\r\n"
				 "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	static const char r3[] = "SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK1\r\n"
				 "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct sp_sa sa;
	char buf[SP_SA_STRLEN];

	assert_int_equal(sp_route_reconnect(r1, sizeof(r1) - 1, &sa), 0);
	sp_sa_print(&sa, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.7:5099");
	assert_int_equal(sp_route_reconnect(r2, sizeof(r2) - 1, &sa), 0);
	sp_sa_print(&sa, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.8:5061");
	assert_int_equal(sp_route_reconnect(r3, sizeof(r3) - 1, &sa), -EINVAL);
}

static void test_access_line(void **state)
{
	(void)state;
	static const char req[] = "OPTIONS sip:b@example.com SIP/2.0\r\n" OPT_HDRS
				  "CSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct sp_msg m;
	struct sp_sa src;
	char line[1024];
	assert_int_equal(sp_msg_parse(&m, req, sizeof(req) - 1), 0);
	assert_int_equal(sp_sa_parse(&src, SP_STR("127.0.0.1:5070"), 0), 0);
	struct sp_access a = { .worker = 1, .tp = SP_TP_UDP, .src = &src, .msg = &m,
			       .status = 200, .why = "OPTIONS", .usec = 42 };
	sp_access_format(&a, line, sizeof(line));
	assert_string_equal(line, "access worker=1 tp=udp src=127.0.0.1:5070 method=\"OPTIONS\" "
				  "ruri=\"sip:b@example.com\" call_id=\"c1@example.com\" "
				  "cseq=\"7 OPTIONS\" status=200 us=42 why=\"OPTIONS\"");
	sp_msg_free(&m);
	/* Hostile bytes are escaped: no second line, no fake field. */
	static const char evil[] = "OPTIONS sip:b@example.com SIP/2.0\r\n" OPT_HDRS
				   "CSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(sp_msg_parse(&m, evil, sizeof(evil) - 1), 0);
	m.call_id = SP_STR("x\" status=999\n");
	struct sp_hdr *h = (struct sp_hdr *)sp_msg_hdr(&m, SP_HDR_CALL_ID);
	h->value = SP_STR("x\" status=999\nnext");
	sp_access_format(&a, line, sizeof(line));
	assert_non_null(strstr(line, "call_id=\"x\\\" status=999\\x0anext\""));
	assert_null(strchr(line, '\n'));
	sp_msg_free(&m);
}

int main(void)
{
	struct CMUnitTest tests[MAX_ROWS + 8];
	size_t n = 0;
	bool ok = read_manifest();

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_table_complete);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_options_200);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ack_cancel_size);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_route_policy);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reconnect);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_access_line);
	for (unsigned i = 0; i < nrows; i++)
		tests[n++] = (struct CMUnitTest){ rows[i].name, run_row, NULL, NULL, &rows[i] };
	if (!ok) {
		fprintf(stderr, "rfc4475/MANIFEST.tsv: unreadable or malformed\n");
		return 1;
	}
	return _cmocka_run_group_tests("server_core", tests, n, NULL, NULL);
}
