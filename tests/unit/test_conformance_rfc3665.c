/*
 * RFC 3665 (basic call flows) and RFC 3261 §24 example messages against the
 * parser and printer: realistic traffic, with real header folding, digest
 * credentials and SDP bodies.
 *
 * The list is read at run time from tests/vectors/examples/INDEX-flows.tsv
 * (181 RFC 3665 + 10 RFC 3261 messages; the files live in
 * tests/vectors/rfc3665/ and tests/vectors/rfc3261/). Every message must
 * parse and validate, match what its file name says (method or status), and
 * round-trip: sp_msg_print(msg, NULL) gives back the exact input octets, and
 * parsing that print gives the same start line, headers and body.
 *
 * The published text has a few faults (INDEX-flows.tsv, "anomalies"). What
 * siphon does with each is recorded here as a choice, not left to chance:
 *
 *  - 3.9 F6, F8, F10: "SIP/2.0  486 Busy Here" (two SP). CHOICE: strict —
 *    RFC 3261 §7.2 Status-Line is SIP-Version SP Status-Code, one SP, the
 *    same rule siphon applies to the Request-Line (RFC 4475 lwsstart). The
 *    parse fails with 400 "Status-Code" at the second SP (offset 8).
 *  - 2.1 F3: Authorization without the comma between realm="..." and
 *    nonce=. CHOICE: liberal — sp_auth_parse (src/sip/hdr_auth.c) accepts
 *    a missing COMMA after a quoted-string, which has exactly one reading,
 *    so the message parses and validates and realm/nonce come out right;
 *    the answer is a digest check, not a 400. With SP_AUTH_STRICT the same
 *    value is rejected at "nonce" (checked below).
 *  - 2.1 F3 (31 hex digits), 3.2/3.3 (23 or 26): digest responses of the
 *    wrong length. CHOICE: accepted by default — RFC 8760 §2.7 made
 *    request-digest *LHEX and the length depends on the algorithm (32 for
 *    MD5, 64 for SHA-256), so a short response fails verification
 *    (401/407) rather than the syntax check. SP_AUTH_STRICT rejects them.
 *  - 3.8 F10, F12, F14: 200 OK to CANCEL without a To tag, as published
 *    (RFC 3261 §8.2.6.2 wants one); the parser does not care, and the To-tag
 *    check below skips responses to CANCEL.
 *  - 3.8 F19: no Content-Length. Accepted over a datagram (body = the rest,
 *    here empty); the faithful print adds "Content-Length: 0".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/hash.h"
#include "siphon/msg.h"
#include "siphon/print.h"

/* ---- helpers -------------------------------------------------------------- */

static char *load(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", SIPHON_VECTORS, rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		print_error("cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void slice_eq(struct sp_str s, const char *want, size_t n, const char *file, int line)
{
	if (s.len == n && (n == 0 || (s.p && memcmp(s.p, want, n) == 0)))
		return;
	print_error("slice \"%.*s\" (len %zu) != \"%.*s\" (len %zu)\n", (int)s.len, s.p ? s.p : "",
		    s.len, (int)n, want, n);
	_fail(file, line);
}
#define S_EQ(s, lit) slice_eq((s), (lit), sizeof(lit) - 1, __FILE__, __LINE__)
#define S_SAME(a, b) slice_eq((b), (a).p, (a).len, __FILE__, __LINE__)

/* First occurrence of needle in buf[len] (buffers are not NUL-terminated). */
static const char *find(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return buf + i;
	return NULL;
}

static void sha256_hex(const char *buf, size_t len, char out[2 * SP_SHA256_LEN + 1])
{
	uint8_t dg[SP_SHA256_LEN];
	sp_sha256(buf, len, dg);
	for (size_t i = 0; i < sizeof(dg); i++)
		snprintf(out + 2 * i, 3, "%02x", dg[i]);
}

/* ---- checks shared by every message ---------------------------------------- */

/* Two parses describe the same message. */
static void same_message(const struct sp_msg *a, const struct sp_msg *b)
{
	assert_int_equal(a->request, b->request);
	S_SAME(a->start_line, b->start_line);
	S_SAME(a->method, b->method);
	assert_int_equal(a->method_id, b->method_id);
	S_SAME(a->ruri_raw, b->ruri_raw);
	assert_int_equal(a->status, b->status);
	S_SAME(a->reason, b->reason);
	S_SAME(a->version, b->version);
	assert_int_equal(a->nlines, b->nlines);
	assert_int_equal(a->nhdrs, b->nhdrs);
	for (unsigned i = 0; i < a->nhdrs; i++) {
		assert_int_equal(a->hdrs[i].id, b->hdrs[i].id);
		S_SAME(a->hdrs[i].name, b->hdrs[i].name);
		S_SAME(a->hdrs[i].value, b->hdrs[i].value);
	}
	S_SAME(a->body, b->body);
	assert_int_equal(a->content_length, b->content_length);
}

/* Faithful print and reparse. A message without Content-Length gets one
 * (its body length) just before the empty line. */
static void roundtrip(const struct sp_msg *msg)
{
	size_t cap = msg->len + 64;
	char *out = malloc(cap);
	assert_non_null(out);
	struct sp_wbuf w;
	sp_wbuf_init(&w, out, cap);
	assert_int_equal(sp_msg_print(msg, NULL, &w), 0);
	const char *start = msg->start_line.p;
	const char *end = msg->body.p + msg->body.len;
	if (msg->content_length >= 0) {
		assert_int_equal(w.len, (size_t)(end - start));
		assert_memory_equal(out, start, w.len);
	} else {
		char cl[64];
		int n = snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n\r\n", msg->body.len);
		size_t head = (size_t)(msg->header_end.p - start);
		assert_int_equal(w.len, head + (size_t)n + msg->body.len);
		assert_memory_equal(out, start, head);
		assert_memory_equal(out + head, cl, (size_t)n);
		assert_memory_equal(out + head + n, msg->body.p, msg->body.len);
	}
	struct sp_msg again;
	assert_int_equal(sp_msg_parse(&again, out, w.len), 0);
	assert_int_equal(again.consumed, w.len);
	if (msg->content_length >= 0) {
		same_message(msg, &again);
	} else {
		assert_int_equal(again.nhdrs, msg->nhdrs + 1);
		assert_int_equal(again.content_length, (int64_t)msg->body.len);
		for (unsigned i = 0; i < msg->nhdrs; i++)
			S_SAME(msg->hdrs[i].value, again.hdrs[i].value);
		S_SAME(msg->body, again.body);
	}
	sp_msg_free(&again);
	free(out);
}

/* The last "-token" of the file name before ".sip": a method in lower
 * case ("invite") or a status code ("180"). */
static void check_name(const struct sp_msg *m, const char *path)
{
	const char *dash = strrchr(path, '-');
	const char *dot = strrchr(path, '.');
	assert_non_null(dash);
	assert_non_null(dot);
	char tok[32];
	size_t n = (size_t)(dot - dash - 1);
	assert_true(n > 0 && n < sizeof(tok));
	for (size_t i = 0; i < n; i++)
		tok[i] = (char)toupper((unsigned char)dash[1 + i]);
	tok[n] = '\0';
	if (isdigit((unsigned char)tok[0])) {
		assert_false(m->request);
		assert_int_equal(m->status, atoi(tok));
		assert_true(m->reason.len > 0);
	} else {
		assert_true(m->request);
		slice_eq(m->method, tok, n, __FILE__, __LINE__);
		assert_int_not_equal(m->method_id, SP_METHOD_OTHER);
		S_SAME(m->method, m->cseq.method);
	}
}

/* Header-level sanity over realistic traffic. */
static void check_fields(const struct sp_msg *m)
{
	struct sp_parse_error err;
	union sp_hdr_parsed v;

	assert_true(m->has_via);
	assert_true(m->has_cseq);
	assert_true(m->has_call_id);
	assert_true(m->has_from);
	assert_true(m->has_to);
	S_EQ(m->version, "SIP/2.0");
	/* Every Via is RFC 3261 style: branch with the magic cookie. */
	for (const struct sp_hdr *h = sp_msg_hdr(m, SP_HDR_VIA); h; h = sp_msg_hdr_next(m, h)) {
		assert_int_equal(sp_hdr_parse_value(SP_HDR_VIA, h->value, &v, &err), 0);
		assert_true(v.via.branch.len > 7);
		assert_memory_equal(v.via.branch.p, "z9hG4bK", 7);
		assert_true(v.via.transport == SP_TP_UDP || v.via.transport == SP_TP_TCP ||
			    v.via.transport == SP_TP_TLS);
	}
	/* The dialog's From tag is always there; a response's To has one
	 * except on a 100 Trying. */
	assert_non_null(m->from.tag.p);
	if (!m->request && m->status > 100 && m->cseq.method_id != SP_METHOD_CANCEL)
		assert_non_null(m->to.tag.p);
	/* Route / Record-Route: loose routers. */
	for (const struct sp_hdr *h = sp_msg_hdr(m, SP_HDR_RECORD_ROUTE); h;
	     h = sp_msg_hdr_next(m, h)) {
		assert_int_equal(sp_hdr_parse_value(h->id, h->value, &v, &err), 0);
		assert_true(v.nameaddr.angle);
		assert_true(v.nameaddr.uri.lr);
	}
	for (const struct sp_hdr *h = sp_msg_hdr(m, SP_HDR_ROUTE); h; h = sp_msg_hdr_next(m, h)) {
		assert_int_equal(sp_hdr_parse_value(h->id, h->value, &v, &err), 0);
		assert_true(v.nameaddr.uri.lr);
	}
	/* Digest challenges and credentials. */
	static const enum sp_hdr_id auth_ids[] = {SP_HDR_AUTHORIZATION, SP_HDR_PROXY_AUTHORIZATION,
						  SP_HDR_WWW_AUTHENTICATE,
						  SP_HDR_PROXY_AUTHENTICATE};
	for (unsigned k = 0; k < 4; k++) {
		for (const struct sp_hdr *h = sp_msg_hdr(m, auth_ids[k]); h;
		     h = sp_msg_hdr_next(m, h)) {
			assert_int_equal(sp_hdr_parse_value(h->id, h->value, &v, &err), 0);
			assert_true(v.auth.digest);
			assert_non_null(v.auth.realm.p);
			assert_non_null(v.auth.nonce.p);
			if (k < 2) {
				assert_non_null(v.auth.username.p);
				assert_non_null(v.auth.uri.p);
				assert_non_null(v.auth.response.p);
			}
		}
	}
	/* Bodies: SDP, framed by an exact Content-Length. */
	if (m->content_length >= 0)
		assert_int_equal(m->body.len, (size_t)m->content_length);
	if (m->body.len) {
		assert_int_equal(sp_hdr_parse_value(SP_HDR_CONTENT_TYPE,
						    sp_msg_hdr(m, SP_HDR_CONTENT_TYPE)->value, &v,
						    &err),
				 0);
		S_EQ(v.media.type, "application");
		S_EQ(v.media.subtype, "sdp");
		assert_memory_equal(m->body.p, "v=0\r\n", 5);
	}
}

/* ---- the index --------------------------------------------------------------- */

#define MAX_ROWS 256

struct row {
	char file[160]; /* path under tests/vectors */
	char sha256[65];
	size_t bytes;
};

static struct row rows[MAX_ROWS];
static unsigned nrows, n3665, n3261;
static bool index_ok;

static unsigned split_tabs(char *line, char **f, unsigned max)
{
	unsigned n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* INDEX-flows.tsv names files as rfc3665-all/... and rfc3261-sec24/...;
 * the project keeps them in rfc3665/ and rfc3261/. */
static bool map_path(const char *in, char *out, size_t cap)
{
	if (strncmp(in, "rfc3665-all/", 12) == 0) {
		snprintf(out, cap, "rfc3665/%s", in + 12);
		n3665++;
		return true;
	}
	if (strncmp(in, "rfc3261-sec24/", 14) == 0) {
		snprintf(out, cap, "rfc3261/%s", in + 14);
		n3261++;
		return true;
	}
	return false;
}

static bool read_index(void)
{
	size_t len;
	char *buf = load("examples/INDEX-flows.tsv", &len);
	if (!buf)
		return false;
	char *text = malloc(len + 1);
	memcpy(text, buf, len);
	text[len] = '\0';
	free(buf);
	bool header = true, ok = true;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *f[9];
		unsigned n = split_tabs(line, f, 9);
		if (header) {
			/* file, source, section, label, description, src_line,
			 * bytes, sha256, anomalies */
			header = false;
			if (n != 9 || strcmp(f[0], "file") || strcmp(f[6], "bytes") ||
			    strcmp(f[7], "sha256"))
				ok = false;
			continue;
		}
		if (n != 9 || nrows == MAX_ROWS) {
			ok = false;
			continue;
		}
		struct row *r = &rows[nrows];
		if (!map_path(f[0], r->file, sizeof(r->file))) {
			print_error("INDEX-flows.tsv: unexpected path %s\n", f[0]);
			ok = false;
			continue;
		}
		r->bytes = strtoul(f[6], NULL, 10);
		snprintf(r->sha256, sizeof(r->sha256), "%s", f[7]);
		nrows++;
	}
	free(text);
	return ok;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool is_486_two_sp(const char *file)
{
	return ends_with(file, "rfc3665-3.9-F6-486.sip") ||
	       ends_with(file, "rfc3665-3.9-F8-486.sip") ||
	       ends_with(file, "rfc3665-3.9-F10-486.sip");
}

static void run_row(void **state)
{
	const struct row *r = *state;
	size_t len;
	char *buf = load(r->file, &len);
	assert_non_null(buf);
	assert_int_equal(len, r->bytes);
	char hex[2 * SP_SHA256_LEN + 1];
	sha256_hex(buf, len, hex);
	assert_string_equal(hex, r->sha256);

	struct sp_msg msg;
	int rc = sp_msg_parse(&msg, buf, len);
	if (is_486_two_sp(r->file)) {
		/* CHOICE (strict), see the file comment. */
		assert_int_equal(rc, -EBADMSG);
		assert_int_equal(msg.error.offset, 8);
		assert_int_equal(msg.error.status, 400);
		assert_string_equal(msg.error.rule, "Status-Code");
		sp_msg_free(&msg);
		free(buf);
		return;
	}
	if (rc != 0)
		print_error("%s: parse failed at offset %zu (%s)\n", r->file, msg.error.offset,
			    msg.error.rule ? msg.error.rule : "?");
	assert_int_equal(rc, 0);
	assert_int_equal(msg.consumed, len);

	rc = sp_msg_validate(&msg);
	if (rc != 0)
		print_error("%s: validate failed at offset %zu (%s)\n", r->file, msg.error.offset,
			    msg.error.rule ? msg.error.rule : "?");
	assert_int_equal(rc, 0);
	check_name(&msg, r->file);
	check_fields(&msg);
	if (ends_with(r->file, "rfc3665-3.8-F19-487.sip")) {
		assert_int_equal(msg.content_length, -1);
		assert_int_equal(msg.body.len, 0);
	}
	roundtrip(&msg);
	sp_msg_free(&msg);
	free(buf);
}

static void index_complete(void **state)
{
	(void)state;
	assert_true(index_ok);
	assert_int_equal(n3665, 181);
	assert_int_equal(n3261, 10);
	assert_int_equal(nrows, 191);
}

/* The 486s with one SP removed: the double SP was their only fault. */
static void busy_here_single_sp(void **state)
{
	(void)state;
	static const char *const files[] = {"rfc3665/rfc3665-3.9-F6-486.sip",
					    "rfc3665/rfc3665-3.9-F8-486.sip",
					    "rfc3665/rfc3665-3.9-F10-486.sip"};
	for (unsigned i = 0; i < 3; i++) {
		size_t len;
		char *buf = load(files[i], &len);
		assert_non_null(buf);
		assert_memory_equal(buf, "SIP/2.0  486 ", 13);
		memmove(buf + 7, buf + 8, len - 8);
		len--;
		struct sp_msg msg;
		assert_int_equal(sp_msg_parse(&msg, buf, len), 0);
		assert_int_equal(sp_msg_validate(&msg), 0);
		assert_int_equal(msg.status, 486);
		S_EQ(msg.reason, "Busy Here");
		assert_int_equal(sp_msg_hdr_count(&msg, SP_HDR_VIA), 3 - i);
		roundtrip(&msg);
		sp_msg_free(&msg);
		free(buf);
	}
}

/* 2.1 F3 as published (CHOICE: liberal, see the file comment): the
 * Authorization decodes with realm and nonce apart and the 31-digit
 * response kept; SP_AUTH_STRICT rejects the missing comma at "nonce", and
 * with the comma put back rejects only the response length. */
static void f3_missing_comma(void **state)
{
	(void)state;
	size_t len;
	char *buf = load("rfc3665/rfc3665-2.1-F3-register.sip", &len);
	assert_non_null(buf);
	struct sp_msg msg;
	assert_int_equal(sp_msg_parse(&msg, buf, len), 0);
	assert_int_equal(sp_msg_validate(&msg), 0);
	const struct sp_hdr *h = sp_msg_hdr(&msg, SP_HDR_AUTHORIZATION);
	assert_non_null(h);
	struct sp_auth a;
	struct sp_parse_error err;
	assert_int_equal(sp_auth_parse(&a, h->value, 0, &err), 0);
	assert_true(a.digest);
	S_EQ(a.username, "bob");
	S_EQ(a.realm, "atlanta.example.com");
	S_EQ(a.nonce, "ea9c8e88df84f1cec4341ae6cbe5a359");
	S_EQ(a.opaque, "");
	S_EQ(a.uri, "sips:ss2.biloxi.example.com");
	S_EQ(a.response, "dfe56131d1958046689d83306477ecc");
	assert_int_equal(a.response.len, 31);

	assert_int_equal(sp_auth_parse(&a, h->value, SP_AUTH_STRICT, &err), -EBADMSG);
	const char *nonce = find(h->value.p, h->value.len, "nonce=");
	assert_non_null(nonce);
	assert_ptr_equal(err.at, nonce);

	/* The comma put back: strict then trips only on the 31 digits. */
	const char *at = find(buf, len, "realm=\"atlanta.example.com\"\r\n");
	assert_non_null(at);
	size_t off = (size_t)(at - buf) + strlen("realm=\"atlanta.example.com\"");
	char *fixed = malloc(len + 1);
	memcpy(fixed, buf, off);
	fixed[off] = ',';
	memcpy(fixed + off + 1, buf + off, len - off);
	struct sp_msg m2;
	assert_int_equal(sp_msg_parse(&m2, fixed, len + 1), 0);
	assert_int_equal(sp_msg_validate(&m2), 0);
	h = sp_msg_hdr(&m2, SP_HDR_AUTHORIZATION);
	assert_int_equal(sp_auth_parse(&a, h->value, 0, &err), 0);
	S_EQ(a.nonce, "ea9c8e88df84f1cec4341ae6cbe5a359");
	assert_int_equal(sp_auth_parse(&a, h->value, SP_AUTH_STRICT, &err), -EBADMSG);
	assert_ptr_equal(err.at, find(h->value.p, h->value.len, "dfe56131"));
	sp_msg_free(&m2);
	free(fixed);
	sp_msg_free(&msg);
	free(buf);
}

/* The examples/ *.sip files are copies of flow files (INDEX-curated.tsv): each is
 * byte-identical to its source and behaves the same. */
static void curated_examples(void **state)
{
	(void)state;
	size_t len;
	char *buf = load("examples/INDEX-curated.tsv", &len);
	assert_non_null(buf);
	char *text = malloc(len + 1);
	memcpy(text, buf, len);
	text[len] = '\0';
	free(buf);
	unsigned count = 0;
	bool header = true;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *f[5];
		if (header) {
			header = false;
			continue;
		}
		assert_int_equal(split_tabs(line, f, 5), 5);
		char path[256], src[256];
		snprintf(path, sizeof(path), "examples/%s", f[0]);
		unsigned saved3665 = n3665, saved3261 = n3261;
		assert_true(map_path(f[1], src, sizeof(src)));
		n3665 = saved3665;
		n3261 = saved3261;
		size_t a_len, b_len;
		char *a = load(path, &a_len), *b = load(src, &b_len);
		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(a_len, b_len);
		assert_memory_equal(a, b, a_len);
		struct sp_msg msg;
		assert_int_equal(sp_msg_parse(&msg, a, a_len), 0);
		assert_int_equal(sp_msg_validate(&msg), 0);
		roundtrip(&msg);
		sp_msg_free(&msg);
		free(a);
		free(b);
		count++;
	}
	assert_int_equal(count, 23);
	free(text);
}

/* Folded Via: ";received=" on a continuation line belongs to the Via
 * above it, and the value keeps the fold. */
static void folded_received(void **state)
{
	(void)state;
	size_t len;
	char *buf = load("rfc3665/rfc3665-2.5-F1-register.sip", &len);
	assert_non_null(buf);
	struct sp_msg msg;
	assert_int_equal(sp_msg_parse(&msg, buf, len), 0);
	assert_int_equal(sp_msg_validate(&msg), 0);
	S_EQ(sp_msg_hdr(&msg, SP_HDR_VIA)->value,
	     "SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\r\n"
	     " ;received=192.0.2.201");
	S_EQ(msg.via1.received, "192.0.2.201");
	S_EQ(msg.via1.branch, "z9hG4bKnashds7");
	assert_int_equal(msg.via1.sent_by.port, 5061);
	assert_int_equal(msg.via1.transport, SP_TP_TLS);
	/* As published, this REGISTER has no Max-Forwards. */
	assert_int_equal(msg.max_forwards, -1);
	assert_int_equal(msg.ruri.scheme, SP_URI_SIPS);
	sp_msg_free(&msg);
	free(buf);
}

int main(void)
{
	static struct CMUnitTest tests[MAX_ROWS + 8];
	size_t n = 0;

	index_ok = read_index();
	tests[n++] = (struct CMUnitTest){"index_complete", index_complete, NULL, NULL, NULL};
	for (unsigned i = 0; i < nrows; i++) {
		const char *slash = strrchr(rows[i].file, '/');
		tests[n++] = (struct CMUnitTest){slash ? slash + 1 : rows[i].file, run_row, NULL,
						 NULL, &rows[i]};
	}
	tests[n++] =
	    (struct CMUnitTest){"busy_here_single_sp", busy_here_single_sp, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"f3_missing_comma", f3_missing_comma, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"curated_examples", curated_examples, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"folded_received", folded_received, NULL, NULL, NULL};
	return _cmocka_run_group_tests("rfc3665", tests, n, NULL, NULL);
}
