/*
 * RFC 5118 (SIP torture tests for IPv6) against the message parser.
 *
 * Rows come from tests/vectors/rfc5118/MANIFEST.tsv at run time; a row this
 * file does not know fails. Valid rows are parsed from the CRLF wire form,
 * using <name>.clfixed.dat where the RFC's Content-Length is wrong (see
 * tests/vectors/rfc5118/ and the conformance README), then validated, checked
 * field by field (IPv6 references keep their brackets in host slices; a port
 * is only ever taken from after the ']') and printed back byte for byte. The
 * raw .dat of the three body messages is checked too: over a datagram a
 * Content-Length larger than the body is a 400 (ipv6-in-sdp), a smaller one
 * truncates the body (mult-ip-in-sdp, ipv4-mapped-ipv6).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/msg.h"

#include "test_util.h"

/* ---- helpers ------------------------------------------------------------ */

#define NA(m, id, n) (tu_hdr_decode((m), (id), (n), __FILE__, __LINE__).nameaddr)
#define VIA(m, n)    (tu_hdr_decode((m), SP_HDR_VIA, (n), __FILE__, __LINE__).via)

/* An IPv6 reference with brackets and no port. */
static void v6(const struct sp_hostport *hp, const char *host, const char *file, int line)
{
	tu_slice_eq(hp->host, host, strlen(host), file, line);
	if (hp->kind != SP_HOST_IPV6 || hp->has_port) {
		print_error("%s: kind %d has_port %d, want IPv6 without port\n", host, hp->kind,
			    hp->has_port);
		_fail(file, line);
	}
}
#define V6(hp, host) v6((hp), (host), __FILE__, __LINE__)

static void v6_port(const struct sp_hostport *hp, const char *host, unsigned port, const char *file,
		    int line)
{
	tu_slice_eq(hp->host, host, strlen(host), file, line);
	if (hp->kind != SP_HOST_IPV6 || !hp->has_port || hp->port != port) {
		print_error("%s: kind %d has_port %d port %u, want IPv6 port %u\n", host, hp->kind,
			    hp->has_port, hp->port, port);
		_fail(file, line);
	}
}
#define V6P(hp, host, port) v6_port((hp), (host), (port), __FILE__, __LINE__)

/* Faithful print (tu_msg_roundtrip) of a message that starts at the first
 * byte and has a Content-Length: the print is the octets buf[0..consumed). */
static void roundtrip(const struct sp_msg *msg)
{
	assert_ptr_equal(msg->start_line.p, msg->buf);
	assert_ptr_equal(msg->body.p + msg->body.len, msg->buf + msg->consumed);
	assert_true(msg->content_length >= 0);
	tu_msg_roundtrip(msg);
}

/* ---- per-message checks ---------------------------------------------------- */

/* §4.1 */
static void check_ipv6_good(const struct sp_msg *m)
{
	S_EQ(m->ruri_raw, "sip:[2001:db8::10]");
	V6(&m->ruri.hp, "[2001:db8::10]");
	assert_int_equal(m->ruri.user.len, 0);
	V6(&m->via1.sent_by, "[2001:db8::9:1]");
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	S_EQ(c.display, "\"Caller\"");
	S_EQ(c.uri.user, "caller");
	V6(&c.uri.hp, "[2001:db8::1]");
}

/* §4.3: the ":5070" is inside the brackets, so it is part of the address
 * and no port is extracted (the sender's bug, not ours to guess). */
static void check_port_ambiguous(const struct sp_msg *m)
{
	V6(&m->ruri.hp, "[2001:db8::10:5070]");
}

/* §4.4 */
static void check_port_unambiguous(const struct sp_msg *m)
{
	V6P(&m->ruri.hp, "[2001:db8::10]", 5070);
	S_EQ(m->ruri_raw, "sip:[2001:db8::10]:5070");
}

/* §4.5 CHOICE: liberal — a received parameter with brackets (not
 * RFC 3261 via-received syntax) is accepted, as RFC 5118 asks of a
 * receiver. via.received is the bare address either way (hdr_via.c drops
 * the brackets, so nothing re-sends them); the raw params keep the value
 * as written, so a proxy forwards the Via unchanged. */
static void check_received_delim(const struct sp_msg *m)
{
	S_EQ(m->method, "BYE");
	V6(&m->via1.sent_by, "[2001:db8::9:1]");
	S_EQ(m->via1.received, "2001:db8::9:255");
	S_EQ(m->via1.params, ";received=[2001:db8::9:255];branch=z9hG4bKas3-111");
	S_EQ(m->via1.branch, "z9hG4bKas3-111");
	S_EQ(m->to.tag, "bd76ya");
}

/* §4.5 */
static void check_received_nodelim(const struct sp_msg *m)
{
	S_EQ(m->method, "OPTIONS");
	V6(&m->via1.sent_by, "[2001:db8::9:1]");
	S_EQ(m->via1.received, "2001:db8::9:255");
	S_EQ(m->via1.branch, "z9hG4bKas3");
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	V6(&c.uri.hp, "[2001:db8::9:1]");
}

/* §4.6 (.clfixed.dat) */
static void check_ipv6_in_sdp(const struct sp_msg *m)
{
	S_EQ(m->ruri.user, "user");
	V6(&m->ruri.hp, "[2001:db8::10]");
	V6(&m->to.uri.hp, "[2001:db8::10]");
	V6(&m->via1.sent_by, "[2001:db8::20]");
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	V6(&c.uri.hp, "[2001:db8::20]");
	assert_int_equal(m->content_length, 251);
	assert_int_equal(m->body.len, 251);
	assert_true(tu_find(m->body.p, m->body.len, "c=IN IP6 2001:db8::20\r\n") > 0);
	assert_int_equal(m->consumed, m->len);
}

/* §4.7 */
static void check_mult_ip_in_header(const struct sp_msg *m)
{
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_VIA), 3);
	struct sp_via v1 = VIA(m, 0), v2 = VIA(m, 1), v3 = VIA(m, 2);
	V6P(&v1.sent_by, "[2001:db8::9:1]", 6050);
	V6P(&m->via1.sent_by, "[2001:db8::9:1]", 6050);
	S_EQ(v2.sent_by.host, "192.0.2.1");
	assert_int_equal(v2.sent_by.kind, SP_HOST_IPV4);
	assert_false(v2.sent_by.has_port);
	V6(&v3.sent_by, "[2001:db8::9:255]");
	assert_int_equal(v3.transport, SP_TP_TCP);
	S_EQ(v3.received, "192.0.2.200");
	S_EQ(v3.branch, "z9hG4bK451jj");
}

/* §4.8 (.clfixed.dat) */
static void check_mult_ip_in_sdp(const struct sp_msg *m)
{
	V6(&m->ruri.hp, "[2001:db8::10]");
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	V6(&c.uri.hp, "[2001:db8::9:1]");
	assert_int_equal(m->body.len, 189);
	assert_true(tu_find(m->body.p, m->body.len, "c=IN IP4 192.0.2.1\r\n") > 0);
	assert_true(tu_find(m->body.p, m->body.len, "c=IN IP6 2001:db8::1\r\n") > 0);
}

/* §4.9 (.clfixed.dat) */
static void check_ipv4_mapped(const struct sp_msg *m)
{
	assert_int_equal(sp_msg_hdr_count(m, SP_HDR_VIA), 2);
	V6P(&m->via1.sent_by, "[::ffff:192.0.2.10]", 19823);
	struct sp_via v2 = VIA(m, 1);
	V6(&v2.sent_by, "[::ffff:192.0.2.2]");
	struct sp_nameaddr c = NA(m, SP_HDR_CONTACT, 0);
	S_EQ(c.display, "\"T. desk phone\"");
	S_EQ(c.uri.user, "ted");
	V6(&c.uri.hp, "[::ffff:192.0.2.2]");
	assert_int_equal(m->body.len, 245);
}

/* §4.10 CHOICE: liberal — the three-colon form that RFC 3261's ABNF
 * allowed is tolerated (RFC 5118 says implementations must), and kept as
 * written. */
static void check_3_colons(const struct sp_msg *m)
{
	V6(&m->ruri.hp, "[2001:db8:::192.0.2.1]");
	V6(&m->to.uri.hp, "[2001:db8:::192.0.2.1]");
	S_EQ(m->ruri.user, "user");
}

static void check_2_colons(const struct sp_msg *m)
{
	V6(&m->ruri.hp, "[2001:db8::192.0.2.1]");
	V6(&m->to.uri.hp, "[2001:db8::192.0.2.1]");
}

/* ---- the table ---------------------------------------------------------------- */

struct vec {
	const char *name;
	bool valid;
	void (*check)(const struct sp_msg *m);
};

static const struct vec vecs[] = {
    {"ipv6-good", true, check_ipv6_good},
    /* §4.2: an IPv6 address without brackets: 400, on the Request-Line. */
    {"ipv6-bad", false, NULL},
    {"port-ambiguous", true, check_port_ambiguous},
    {"port-unambiguous", true, check_port_unambiguous},
    {"via-received-param-with-delim", true, check_received_delim},
    {"via-received-param-no-delim", true, check_received_nodelim},
    {"ipv6-in-sdp", true, check_ipv6_in_sdp},
    {"mult-ip-in-header", true, check_mult_ip_in_header},
    {"mult-ip-in-sdp", true, check_mult_ip_in_sdp},
    {"ipv4-mapped-ipv6", true, check_ipv4_mapped},
    {"ipv6-bug-abnf-3-colons", true, check_3_colons},
    {"ipv6-correct-abnf-2-colons", true, check_2_colons},
};

#define MAX_ROWS 32

struct row {
	const char *name, *category, *file, *archive, *sha256; /* cells of the manifest */
	const char *clfixed; /* "" when the file's Content-Length is right */
	size_t bytes;
};

static struct tu_tsv manifest;
static struct row rows[MAX_ROWS];
static unsigned nrows;
static bool manifest_ok;

static bool read_manifest(void)
{
	static const char *const cols[] = {"name",  "section", "category",	"note",
					   "title", "file",    "archive_file",	"clfixed_file",
					   "bytes", "sha256",  "archive_sha256"};
	bool ok = tu_tsv_load(&manifest, "rfc5118/MANIFEST.tsv", cols, ARRAY_SIZE(cols));
	for (unsigned i = 0; i < manifest.nrow; i++) {
		if (nrows == MAX_ROWS)
			return false;
		struct row *r = &rows[nrows++];
		r->name = tu_tsv_get(&manifest, i, "name");
		r->category = tu_tsv_get(&manifest, i, "category");
		r->file = tu_tsv_get(&manifest, i, "file");
		r->archive = tu_tsv_get(&manifest, i, "archive_file");
		r->clfixed = tu_tsv_get(&manifest, i, "clfixed_file");
		if (strcmp(r->clfixed, "-") == 0)
			r->clfixed = "";
		r->bytes = strtoul(tu_tsv_get(&manifest, i, "bytes"), NULL, 10);
		r->sha256 = tu_tsv_get(&manifest, i, "sha256");
	}
	return ok;
}

static const struct vec *find_vec(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vecs); i++)
		if (strcmp(vecs[i].name, name) == 0)
			return &vecs[i];
	return NULL;
}

static void run_row(void **state)
{
	const struct row *r = *state;
	const struct vec *v = find_vec(r->name);
	if (!v)
		fail_msg("MANIFEST row '%s' is unknown to the test table", r->name);
	assert_string_equal(r->category, v->valid ? "valid" : "invalid");

	size_t len;
	char *buf = tu_load_verified(r->file, &len, r->bytes, r->sha256);

	struct sp_msg msg;
	if (!v->valid) {
		int rc = sp_msg_parse(&msg, buf, len);
		if (rc == 0)
			rc = sp_msg_validate(&msg);
		assert_int_equal(rc, -EBADMSG);
		assert_int_equal(msg.error.status, 400);
		/* On the Request-Line, inside "sip:2001:db8::10". */
		assert_true(msg.error.offset >= 9 && msg.error.offset < 26);
		sp_msg_free(&msg);
		free(buf);
		return;
	}
	if (r->clfixed[0]) {
		free(buf);
		buf = tu_load(r->clfixed, &len);
		assert_non_null(buf);
	}
	int rc = sp_msg_parse(&msg, buf, len);
	if (rc == 0)
		rc = sp_msg_validate(&msg);
	if (rc != 0)
		print_error("%s rejected at offset %zu (%s)\n", r->name, msg.error.offset,
			    msg.error.rule ? msg.error.rule : "?");
	assert_int_equal(rc, 0);
	v->check(&msg);
	roundtrip(&msg);
	sp_msg_free(&msg);
	free(buf);
}

static void manifest_covers_table(void **state)
{
	(void)state;
	assert_true(manifest_ok);
	assert_int_equal(nrows, 12);
	for (unsigned i = 0; i < ARRAY_SIZE(vecs); i++) {
		bool found = false;
		for (unsigned k = 0; k < nrows; k++)
			found |= strcmp(rows[k].name, vecs[i].name) == 0;
		if (!found)
			fail_msg("table entry '%s' is not in MANIFEST.tsv", vecs[i].name);
	}
}

/* The raw .dat of the three body messages, with the RFC's Content-Length. */
static void raw_content_lengths(void **state)
{
	(void)state;
	size_t len;
	struct sp_msg msg;

	/* ipv6-in-sdp: Content-Length 268 > 251 octets over a datagram: 400,
	 * like RFC 4475 clerr. */
	char *buf = tu_load("rfc5118/ipv6-in-sdp.dat", &len);
	assert_non_null(buf);
	assert_int_equal(sp_msg_parse(&msg, buf, len), -EBADMSG);
	assert_int_equal(msg.error.status, 400);
	assert_true(msg.error.offset <= len);
	assert_int_equal(msg.content_length, 268);
	sp_msg_free(&msg);
	free(buf);

	/* mult-ip-in-sdp: Content-Length 181 < 189: the body is the first
	 * 181 octets, the rest of the datagram is discarded. */
	buf = tu_load("rfc5118/mult-ip-in-sdp.dat", &len);
	assert_non_null(buf);
	assert_int_equal(sp_msg_parse(&msg, buf, len), 0);
	assert_int_equal(sp_msg_validate(&msg), 0);
	assert_int_equal(msg.content_length, 181);
	assert_int_equal(msg.body.len, 181);
	assert_int_equal(msg.consumed, len - 8);
	assert_ptr_equal(msg.body.p + 181, buf + len - 8);
	sp_msg_free(&msg);
	free(buf);

	/* ipv4-mapped-ipv6: Content-Length 236 (the LF body) < 245. */
	buf = tu_load("rfc5118/ipv4-mapped-ipv6.dat", &len);
	assert_non_null(buf);
	assert_int_equal(sp_msg_parse(&msg, buf, len), 0);
	assert_int_equal(sp_msg_validate(&msg), 0);
	assert_int_equal(msg.content_length, 236);
	assert_int_equal(msg.body.len, 236);
	assert_int_equal(msg.consumed, len - 9);
	sp_msg_free(&msg);
	free(buf);
}

/* CHOICE: strict CRLF. The untouched archive files use bare LF line ends
 * (RFC 3261 §7 requires CRLF), so every one of them is rejected at its
 * first LF. */
static void archive_bare_lf_rejected(void **state)
{
	(void)state;
	for (unsigned i = 0; i < nrows; i++) {
		size_t len;
		char *buf = tu_load(rows[i].archive, &len);
		assert_non_null(buf);
		struct sp_msg msg;
		assert_int_equal(sp_msg_parse(&msg, buf, len), -EBADMSG);
		const char *lf = memchr(buf, '\n', len);
		assert_non_null(lf);
		assert_int_equal(msg.error.offset, (size_t)(lf - buf));
		assert_int_equal(msg.error.status, 400);
		sp_msg_free(&msg);
		free(buf);
	}
}

/* The port after ']' is parsed; one that does not fit 16 bits is not. */
static void ipv6_uri_edges(void **state)
{
	(void)state;
	static const struct {
		const char *uri;
		bool ok;
		const char *host;
		int port; /* -1: none */
	} cases[] = {
	    {"sip:[2001:db8::10]:5070", true, "[2001:db8::10]", 5070},
	    {"sip:user@[2001:db8::10:5070]", true, "[2001:db8::10:5070]", -1},
	    {"sip:[::1]", true, "[::1]", -1},
	    {"sip:[::ffff:192.0.2.2]:5061;transport=tls", true, "[::ffff:192.0.2.2]", 5061},
	    {"sip:[2001:db8:::192.0.2.1]", true, "[2001:db8:::192.0.2.1]", -1},
	    {"sip:2001:db8::10", false, NULL, 0},
	    {"sip:[2001:db8::10", false, NULL, 0},
	    {"sip:[2001:db8::10]:65536", false, NULL, 0},
	    {"sip:[2001:db8::g]", false, NULL, 0},
	    {"sip:[1:2:3:4:5:6:7:8:9]", false, NULL, 0},
	    {"sip:[2001::db8::1]", false, NULL, 0},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sp_uri u;
		struct sp_parse_error err;
		int rc = sp_uri_parse(&u, sp_str_c(cases[i].uri), 0, &err);
		if ((rc == 0) != cases[i].ok)
			fail_msg("%s: rc %d, want %s", cases[i].uri, rc,
				 cases[i].ok ? "accepted" : "rejected");
		if (!cases[i].ok)
			continue;
		S_EQC(u.hp.host, cases[i].host);
		assert_int_equal(u.hp.kind, SP_HOST_IPV6);
		assert_int_equal(u.hp.has_port, cases[i].port >= 0);
		if (cases[i].port >= 0)
			assert_int_equal(u.hp.port, cases[i].port);
	}
}

int main(void)
{
	static struct CMUnitTest tests[MAX_ROWS + 4];
	size_t n = 0;

	manifest_ok = read_manifest();
	tests[n++] =
	    (struct CMUnitTest){"manifest_covers_table", manifest_covers_table, NULL, NULL, NULL};
	for (unsigned i = 0; i < nrows; i++)
		tests[n++] = (struct CMUnitTest){rows[i].name, run_row, NULL, NULL, &rows[i]};
	tests[n++] =
	    (struct CMUnitTest){"raw_content_lengths", raw_content_lengths, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"archive_bare_lf_rejected", archive_bare_lf_rejected, NULL,
					 NULL, NULL};
	tests[n++] = (struct CMUnitTest){"ipv6_uri_edges", ipv6_uri_edges, NULL, NULL, NULL};
	int failed = _cmocka_run_group_tests("rfc5118", tests, n, NULL, NULL);
	tu_tsv_free(&manifest);
	return failed;
}
