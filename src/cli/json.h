/*
 * A small streaming JSON writer for the CLI's machine-readable output
 * (RFC 8259). It tracks nesting so callers never place commas by hand:
 * open a container, write keys and values, close it. Strings are byte
 * slices from untrusted messages, so escaping is total: '"' and '\\' and
 * every control byte (and DEL) are escaped ("\n", "\u0007"), well-formed
 * UTF-8 is copied as is, and each byte that is not part of well-formed
 * UTF-8 is written as "\u00XX" with XX its value (so 0xFF reads back as
 * U+00FF; decoders cannot tell that apart from a real U+00FF, which is the
 * documented price of always emitting valid JSON).
 */
#ifndef SIPHON_CLI_JSON_H
#define SIPHON_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "siphon/str.h"

#define SP_JSON_MAX_DEPTH 32

struct sp_json {
	FILE *out;
	unsigned depth;                   /* open containers */
	bool has_items[SP_JSON_MAX_DEPTH]; /* container at depth d has an element */
	bool after_key;                   /* a key was written, its value is next */
};

/* Starts a document on out (no output yet). */
void sp_json_init(struct sp_json *j, FILE *out);

/* Containers. Each begin must be matched by its end; nesting deeper than
 * SP_JSON_MAX_DEPTH is a programming error and is not tracked. */
void sp_json_object_begin(struct sp_json *j);
void sp_json_object_end(struct sp_json *j);
void sp_json_array_begin(struct sp_json *j);
void sp_json_array_end(struct sp_json *j);

/* A member name inside an object; the next call writes its value. */
void sp_json_key(struct sp_json *j, const char *key);

/* Values. sp_json_str and sp_json_cstr write null for an absent string
 * (p == NULL / NULL); sp_json_number writes pre-formatted number text. */
void sp_json_str(struct sp_json *j, struct sp_str s);
void sp_json_cstr(struct sp_json *j, const char *s);
void sp_json_int(struct sp_json *j, int64_t v);
void sp_json_uint(struct sp_json *j, uint64_t v);
void sp_json_bool(struct sp_json *j, bool v);
void sp_json_null(struct sp_json *j);
void sp_json_number(struct sp_json *j, const char *text);

/* Key + value in one call, for the common object member. */
void sp_json_kstr(struct sp_json *j, const char *key, struct sp_str s);
void sp_json_kcstr(struct sp_json *j, const char *key, const char *s);
void sp_json_kint(struct sp_json *j, const char *key, int64_t v);
void sp_json_kuint(struct sp_json *j, const char *key, uint64_t v);
void sp_json_kbool(struct sp_json *j, const char *key, bool v);
void sp_json_knull(struct sp_json *j, const char *key);

/* Writes s as the body of a JSON string (no quotes) with the escaping
 * described above. */
void sp_json_escape(FILE *out, const void *p, size_t len);

#endif
