/*
 * Helpers shared by the unit tests; see test_util.h for each contract.
 * Built into every unit-test binary with SIPHON_VECTORS naming
 * tests/vectors (tests/CMakeLists.txt).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "siphon/print.h"
#include "test_util.h"

#ifndef SIPHON_VECTORS
#error "SIPHON_VECTORS must name tests/vectors"
#endif

/* ---- files under tests/vectors ------------------------------------------ */

/* SIPHON_VECTORS/rel into a heap buffer of n + extra bytes (at least one);
 * *n is the file size. NULL, after printing why, on failure. */
static char *read_file(const char *rel, size_t extra, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", SIPHON_VECTORS, rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		print_error("cannot open %s\n", path);
		return NULL;
	}
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
		print_error("cannot size %s\n", path);
		fclose(f);
		return NULL;
	}
	size_t cap = (size_t)size + extra;
	char *buf = malloc(cap ? cap : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		print_error("cannot read %s\n", path);
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*n = (size_t)size;
	return buf;
}

char *tu_load(const char *rel, size_t *len)
{
	return read_file(rel, 0, len);
}

char *tu_load_text(const char *rel, size_t *len)
{
	size_t n;
	char *buf = read_file(rel, 1, &n);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *tu_load_verified(const char *rel, size_t *len, size_t bytes, const char *sha256)
{
	uint8_t dg[SP_SHA256_LEN];
	char hex[2 * SP_SHA256_LEN + 1];
	char *buf = tu_load(rel, len);
	assert_non_null(buf);
	assert_int_equal(*len, bytes);
	sp_sha256(buf, *len, dg);
	sp_hex_lower(hex, dg, sizeof(dg));
	hex[2 * SP_SHA256_LEN] = '\0';
	assert_string_equal(hex, sha256);
	return buf;
}

/* ---- TSV manifests ------------------------------------------------------- */

/* The next non-empty line of the text at *cur, NUL-terminated in place
 * (without its CR LF); advances *cur. NULL at the end of the text. */
static char *next_line(char **cur)
{
	char *line = *cur;
	while (*line == '\n' || (line[0] == '\r' && line[1] == '\n'))
		line += *line == '\n' ? 1 : 2;
	if (*line == '\0')
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
		if (nl[-1] == '\r')
			nl[-1] = '\0';
	} else {
		*cur = line + strlen(line);
	}
	return line;
}

/* Splits line in place at its tabs into f[0..n) and returns n; with f
 * NULL, only counts the fields. */
static unsigned split_tabs(char *line, char **f)
{
	unsigned n = 0;
	if (f)
		f[n] = line;
	n++;
	for (char *p = line; *p; p++)
		if (*p == '\t') {
			if (f) {
				*p = '\0';
				f[n] = p + 1;
			}
			n++;
		}
	return n;
}

bool tu_tsv_load(struct tu_tsv *t, const char *rel, const char *const *cols, unsigned ncol)
{
	memset(t, 0, sizeof(*t));
	t->text = tu_load_text(rel, NULL);
	if (!t->text)
		return false;
	char *cur = t->text, *line = next_line(&cur);
	if (!line) {
		print_error("%s: no header line\n", rel);
		return false;
	}
	t->ncol = split_tabs(line, NULL);
	t->head = malloc(t->ncol * sizeof(*t->head));
	assert_non_null(t->head);
	split_tabs(line, t->head);
	if (cols) {
		bool same = t->ncol == ncol;
		for (unsigned c = 0; same && c < ncol; c++)
			same = strcmp(t->head[c], cols[c]) == 0;
		if (!same) {
			print_error("%s: the header is not the %u expected columns\n", rel, ncol);
			return false;
		}
	}
	bool ok = true;
	unsigned cap = 0;
	while ((line = next_line(&cur)) != NULL) {
		unsigned n = split_tabs(line, NULL);
		if (n != t->ncol) {
			print_error("%s: a row has %u fields, the header %u\n", rel, n, t->ncol);
			ok = false;
			continue;
		}
		if (t->nrow == cap) {
			cap = cap ? 2 * cap : 16;
			t->cells = realloc(t->cells, (size_t)cap * t->ncol * sizeof(*t->cells));
			assert_non_null(t->cells);
		}
		split_tabs(line, t->cells + (size_t)t->nrow * t->ncol);
		t->nrow++;
	}
	return ok;
}

const char *tu_tsv_get(const struct tu_tsv *t, unsigned row, const char *col)
{
	assert_true(row < t->nrow);
	for (unsigned c = 0; c < t->ncol; c++)
		if (strcmp(t->head[c], col) == 0)
			return t->cells[(size_t)row * t->ncol + c];
	fail_msg("no column %s", col);
	return NULL;
}

void tu_tsv_free(struct tu_tsv *t)
{
	free(t->cells);
	free(t->head);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

/* ---- exact-size copies of inputs ----------------------------------------- */

static char *copies[1024];
static size_t ncopies;

char *tu_dup(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

struct sp_str tu_copy(const char *s, size_t n)
{
	assert_true(ncopies < ARRAY_SIZE(copies));
	char *p = tu_dup(s, n);
	copies[ncopies++] = p;
	return (struct sp_str){p, n};
}

struct sp_str tu_copy_c(const char *s)
{
	return tu_copy(s, strlen(s));
}

int tu_free_copies(void **state)
{
	(void)state;
	while (ncopies)
		free(copies[--ncopies]);
	return 0;
}

/* ---- slices -------------------------------------------------------------- */

void tu_slice_eq(struct sp_str s, const char *want, size_t n, const char *file, int line)
{
	if (s.len == n && (n == 0 || (s.p && memcmp(s.p, want, n) == 0)))
		return;
	print_error("slice \"%.*s\" (len %zu, %s) != \"%.*s\" (len %zu)\n", (int)s.len,
		    s.p ? s.p : "", s.len, s.p ? "present" : "absent", (int)n, want, n);
	_fail(file, line);
}

void tu_slice_is(struct sp_str s, const char *want, const char *file, int line)
{
	if (!want) {
		if (!s.p)
			return;
		print_error("slice \"%.*s\" present, want absent\n", SP_STR_FMT(s));
		_fail(file, line);
	}
	size_t n = strlen(want);
	if (s.p && s.len == n && memcmp(s.p, want, n) == 0)
		return;
	print_error("slice \"%.*s\" (len %zu, %s) != \"%s\" (len %zu)\n", (int)s.len,
		    s.p ? s.p : "", s.len, s.p ? "present" : "absent", want, n);
	_fail(file, line);
}

long tu_find(const void *buf, size_t len, const char *needle)
{
	const char *b = buf;
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(b + i, needle, n) == 0)
			return (long)i;
	return -1;
}

/* ---- parse results ------------------------------------------------------- */

void tu_parse_ok(int rc, struct sp_str in, const struct sp_parse_error *err)
{
	if (rc != 0)
		fail_msg("\"%.*s\": rc %d at offset %td (%s)", SP_STR_FMT(in), rc,
			 err->at ? err->at - in.p : -1, err->rule ? err->rule : "?");
}

void tu_parse_bad(int rc, struct sp_str in, const struct sp_parse_error *err, ptrdiff_t at,
		  const char *rule)
{
	if (rc == 0)
		fail_msg("\"%.*s\": accepted, want an error at %td", SP_STR_FMT(in), at);
	assert_int_equal(rc, -EBADMSG);
	assert_non_null(err->at);
	assert_non_null(err->rule);
	if (err->at - in.p != at)
		fail_msg("\"%.*s\": error at %td, want %td (%s)", SP_STR_FMT(in), err->at - in.p,
			 at, err->rule);
	if (rule)
		assert_string_equal(err->rule, rule);
}

/* ---- messages ------------------------------------------------------------ */

const struct sp_hdr *tu_hdr_n(const struct sp_msg *m, enum sp_hdr_id id, unsigned n)
{
	const struct sp_hdr *h = sp_msg_hdr(m, id);
	while (h && n--)
		h = sp_msg_hdr_next(m, h);
	return h;
}

union sp_hdr_parsed tu_hdr_decode(const struct sp_msg *m, enum sp_hdr_id id, unsigned n,
				  const char *file, int line)
{
	union sp_hdr_parsed out;
	struct sp_parse_error err = {0};
	const struct sp_hdr *h = tu_hdr_n(m, id, n);
	memset(&out, 0, sizeof(out));
	if (!h) {
		print_error("header %s value #%u missing\n", sp_hdr_info(id)->name, n);
		_fail(file, line);
	}
	if (sp_hdr_parse_value(id, h->value, &out, &err) != 0) {
		print_error("header %s value #%u \"%.*s\" rejected: %s\n", sp_hdr_info(id)->name, n,
			    (int)h->value.len, h->value.p, err.rule ? err.rule : "?");
		_fail(file, line);
	}
	return out;
}

void tu_msg_same(const struct sp_msg *a, const struct sp_msg *b)
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

void tu_msg_roundtrip(const struct sp_msg *msg)
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
	assert_int_equal(sp_msg_validate(&again), 0);
	assert_int_equal(again.consumed, w.len);
	if (msg->content_length >= 0) {
		tu_msg_same(msg, &again);
	} else {
		/* The same message plus the added Content-Length value. */
		assert_int_equal(again.nhdrs, msg->nhdrs + 1);
		assert_int_equal(again.content_length, (int64_t)msg->body.len);
		for (unsigned i = 0; i < msg->nhdrs; i++)
			S_SAME(msg->hdrs[i].value, again.hdrs[i].value);
		S_SAME(msg->body, again.body);
	}
	sp_msg_free(&again);
	free(out);
}
