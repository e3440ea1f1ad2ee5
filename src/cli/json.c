/*
 * Streaming JSON writer (json.h): comma placement by nesting depth and
 * total string escaping, so untrusted SIP bytes always give valid JSON
 * (RFC 8259 §7 strings, §8.1 UTF-8).
 */
#include <inttypes.h>

#include "json.h"
#include "utf8.h"

void sp_json_init(struct sp_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->has_items[0] = false;
	j->after_key = false;
}

/* Called before every value and key: a comma unless this is the first
 * element of its container or the value of a key just written. */
static void separate(struct sp_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth < SP_JSON_MAX_DEPTH) {
		if (j->has_items[j->depth])
			fputc(',', j->out);
		j->has_items[j->depth] = true;
	}
}

static void open_container(struct sp_json *j, char c)
{
	separate(j);
	fputc(c, j->out);
	j->depth++;
	if (j->depth < SP_JSON_MAX_DEPTH)
		j->has_items[j->depth] = false;
}

static void close_container(struct sp_json *j, char c)
{
	fputc(c, j->out);
	if (j->depth)
		j->depth--;
	j->after_key = false;
}

void sp_json_object_begin(struct sp_json *j)
{
	open_container(j, '{');
}

void sp_json_object_end(struct sp_json *j)
{
	close_container(j, '}');
}

void sp_json_array_begin(struct sp_json *j)
{
	open_container(j, '[');
}

void sp_json_array_end(struct sp_json *j)
{
	close_container(j, ']');
}

void sp_json_escape(FILE *out, const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;
	uint32_t cp;
	while (p < end) {
		unsigned char c = *p;
		if (c >= 0x80) {
			size_t n = sp_utf8_seq(p, (size_t)(end - p), &cp);
			if (n) {
				fwrite(p, 1, n, out);
				p += n;
			} else {
				fprintf(out, "\\u%04x", c);
				p++;
			}
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
		p++;
	}
}

void sp_json_key(struct sp_json *j, const char *key)
{
	separate(j);
	fputc('"', j->out);
	sp_json_escape(j->out, key, strlen(key));
	fputs("\":", j->out);
	j->after_key = true;
}

void sp_json_str(struct sp_json *j, struct sp_str s)
{
	separate(j);
	if (!s.p) {
		fputs("null", j->out);
		return;
	}
	fputc('"', j->out);
	sp_json_escape(j->out, s.p, s.len);
	fputc('"', j->out);
}

void sp_json_cstr(struct sp_json *j, const char *s)
{
	sp_json_str(j, sp_str_c(s));
}

void sp_json_int(struct sp_json *j, int64_t v)
{
	separate(j);
	fprintf(j->out, "%" PRId64, v);
}

void sp_json_uint(struct sp_json *j, uint64_t v)
{
	separate(j);
	fprintf(j->out, "%" PRIu64, v);
}

void sp_json_bool(struct sp_json *j, bool v)
{
	separate(j);
	fputs(v ? "true" : "false", j->out);
}

void sp_json_null(struct sp_json *j)
{
	separate(j);
	fputs("null", j->out);
}

void sp_json_number(struct sp_json *j, const char *text)
{
	separate(j);
	fputs(text, j->out);
}

void sp_json_kstr(struct sp_json *j, const char *key, struct sp_str s)
{
	sp_json_key(j, key);
	sp_json_str(j, s);
}

void sp_json_kcstr(struct sp_json *j, const char *key, const char *s)
{
	sp_json_key(j, key);
	sp_json_cstr(j, s);
}

void sp_json_kint(struct sp_json *j, const char *key, int64_t v)
{
	sp_json_key(j, key);
	sp_json_int(j, v);
}

void sp_json_kuint(struct sp_json *j, const char *key, uint64_t v)
{
	sp_json_key(j, key);
	sp_json_uint(j, v);
}

void sp_json_kbool(struct sp_json *j, const char *key, bool v)
{
	sp_json_key(j, key);
	sp_json_bool(j, v);
}

void sp_json_knull(struct sp_json *j, const char *key)
{
	sp_json_key(j, key);
	sp_json_null(j);
}
