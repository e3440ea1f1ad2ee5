/*
 * Helpers shared by the unit tests (tests/unit/test_*.c), linked into every
 * test binary: reading files under tests/vectors, TSV manifests, exact-size
 * copies of inputs (so ASan sees any read past the end), assertions on
 * slices and parse results, and the message checks the conformance tests
 * run on every message (header lookup, faithful print and reparse).
 *
 * Failures go through cmocka: a helper that checks something fails the
 * running test; one that can only report (tu_load) says so in its contract.
 * Include after <cmocka.h>: the S_* macros expand to cmocka assertions.
 */
#ifndef SIPHON_TEST_UTIL_H
#define SIPHON_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "siphon/hash.h"
#include "siphon/msg.h"
#include "siphon/str.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- files under tests/vectors ------------------------------------------ */

/* Reads SIPHON_VECTORS/rel into an exact-size heap buffer (one byte for an
 * empty file) and sets *len. The caller frees it. Returns NULL, after
 * printing why, when the file cannot be read. */
char *tu_load(const char *rel, size_t *len);

/* As tu_load, with a NUL after the last byte, for text files; len may be
 * NULL. */
char *tu_load_text(const char *rel, size_t *len);

/* tu_load, then fails the test unless the file exists and has `bytes` bytes
 * and the SHA-256 `sha256` (64 lowercase hex digits), as a manifest row
 * records them. Never returns NULL; the caller frees. */
char *tu_load_verified(const char *rel, size_t *len, size_t bytes, const char *sha256);

/* ---- TSV manifests ------------------------------------------------------- */

/* A TSV file read whole: its first line names the columns, every further
 * non-empty line is a row (a CR before the LF is dropped). The cells are
 * NUL-terminated strings inside text. */
struct tu_tsv {
	char *text;
	unsigned ncol, nrow;
	char **head;  /* head[0..ncol): the column names */
	char **cells; /* row r, column c: cells[r * ncol + c] */
};

/* Reads SIPHON_VECTORS/rel into *t. When cols is not NULL, the header must be
 * exactly the ncol names cols[0..ncol), in order. Returns false, after
 * printing why, when the file cannot be read, the header differs (t then
 * holds no rows) or a row has another number of fields than the header
 * (that row is left out; the others are kept). Free *t with tu_tsv_free
 * in either case. */
bool tu_tsv_load(struct tu_tsv *t, const char *rel, const char *const *cols, unsigned ncol);

/* The cell of row `row` (< t->nrow) in the column named col; fails the test
 * when there is no such column. */
const char *tu_tsv_get(const struct tu_tsv *t, unsigned row, const char *col);

/* Frees what tu_tsv_load allocated and empties *t. */
void tu_tsv_free(struct tu_tsv *t);

/* ---- exact-size copies of inputs ----------------------------------------- */

/* A heap copy of s[0..n) of exactly n bytes (one when n is 0). Never NULL
 * (fails the test instead); the caller frees. */
char *tu_dup(const char *s, size_t n);

/* tu_dup as a slice, owned by the test: tu_free_copies() frees every copy
 * made since the last call. */
struct sp_str tu_copy(const char *s, size_t n);
struct sp_str tu_copy_c(const char *s);

/* Frees the tu_copy buffers; returns 0, so it serves as a cmocka setup or
 * teardown (cmocka_unit_test_teardown(f, tu_free_copies)). */
int tu_free_copies(void **state);

/* ---- slices -------------------------------------------------------------- */

/* Fails the test at file:line unless s is exactly want[0..n) (NUL bytes
 * allowed). An absent slice (p == NULL) equals an empty want. */
void tu_slice_eq(struct sp_str s, const char *want, size_t n, const char *file, int line);

/* Fails the test at file:line unless s is present (p != NULL) and equal to
 * the C string want, or, when want is NULL, unless s is absent. */
void tu_slice_is(struct sp_str s, const char *want, const char *file, int line);

/* Byte-exact comparison with a literal (NUL bytes allowed); absent == "". */
#define S_EQ(s, lit) tu_slice_eq((s), (lit), sizeof(lit) - 1, __FILE__, __LINE__)
/* Comparison with a C string built at run time; absent == "". */
#define S_EQC(s, cstr) tu_slice_eq((s), (cstr), strlen(cstr), __FILE__, __LINE__)
/* Slice b has the same bytes as slice a. */
#define S_SAME(a, b) tu_slice_eq((b), (a).p, (a).len, __FILE__, __LINE__)
/* Present and equal to the C string want; a NULL want means absent. */
#define S_IS(s, want) tu_slice_is((s), (want), __FILE__, __LINE__)
/* The slice is absent (p == NULL), as opposed to present and empty. */
#define S_ABSENT(s) assert_null((s).p)

/* Offset of the first occurrence of needle in buf[0..len) (which need not
 * be NUL-terminated), or -1. */
long tu_find(const void *buf, size_t len, const char *needle);

/* ---- parse results ------------------------------------------------------- */

/* rc and err come from parsing in: fails the test, naming the byte and the
 * rule, unless rc is 0. */
void tu_parse_ok(int rc, struct sp_str in, const struct sp_parse_error *err);

/* rc and err come from parsing in: fails the test unless rc is -EBADMSG and
 * err names a rule and points at byte `at` of in, and, when rule is not
 * NULL, unless err->rule is that rule. */
void tu_parse_bad(int rc, struct sp_str in, const struct sp_parse_error *err, ptrdiff_t at,
		  const char *rule);

/* ---- messages ------------------------------------------------------------ */

/* The n-th (0-based) value of the known header id in m, or NULL. */
const struct sp_hdr *tu_hdr_n(const struct sp_msg *m, enum sp_hdr_id id, unsigned n);

/* The n-th value of header id decoded; fails the test at file:line when the
 * value is missing or does not parse. */
union sp_hdr_parsed tu_hdr_decode(const struct sp_msg *m, enum sp_hdr_id id, unsigned n,
				  const char *file, int line);

/* Fails the test unless two parses (of possibly different buffers) describe
 * the same message: start line and its parts, every header name and value
 * in order, body and Content-Length. */
void tu_msg_same(const struct sp_msg *a, const struct sp_msg *b);

/* Faithful print: sp_msg_print(msg, NULL) must reproduce msg's octets from
 * the start line to the end of the body (octets after the body are dropped,
 * RFC 3261 §18.3); a message without Content-Length gets one, set to its
 * body length, just before the empty line. The print must then parse and
 * validate, consume all of it and be the same message (tu_msg_same; with
 * the added Content-Length, the same header values and body). */
void tu_msg_roundtrip(const struct sp_msg *msg);

#endif
