/*
 * `siphon lint [--json] [--stream] FILE...|-`: reads each input whole
 * (exact bytes, NUL included), runs the parser (sp_msg_parse), the full
 * syntax check (sp_msg_validate) and the application rules (sp_msg_check),
 * and reports what a SIP element would make of the message. By default a
 * file is one UDP datagram (RFC 3261 §18.3); with --stream it is the byte
 * stream of a TCP connection, framed by sp_framer_feed (§18.3, §7.5,
 * RFC 5626 §4.4.1 keep-alives).
 *
 * Exit status: 0 every input valid (findings do not count), 1 some input
 * invalid, 2 usage or I/O error. docs/lint.md is the user documentation.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "siphon/err.h"
#include "siphon/mem.h"

#include "cli.h"
#include "lint.h"

#define READ_CHUNK 65536
#define SHORT_USAGE                                                                              \
	"usage: siphon lint [--json] [--stream] FILE...|-\n"                                     \
	"Try 'siphon lint --help'.\n"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siphon lint [--json] [--stream] FILE...|-\n"
		"\n"
		"Parses each FILE ('-' reads standard input) as a SIP message and reports\n"
		"its start line, every header with its parsed fields, the body, and what a\n"
		"UAS, proxy, registrar or UAC would have to do about it; or the first\n"
		"syntax error, where it is, and the response a server should send.\n"
		"\n"
		"  --json     one JSON document per input, one per line (docs/lint.md)\n"
		"  --stream   read each input as a TCP byte stream: frame it by\n"
		"             Content-Length and lint every message (default: each\n"
		"             input is one UDP datagram)\n"
		"  -h, --help this text\n"
		"\n"
		"Exit status: 0 all valid, 1 some input invalid, 2 usage or I/O error.\n");
}

void sp_lint_line_col(const struct sp_lint_file *f, size_t off, size_t *line, size_t *col)
{
	size_t l = 1, start = 0;
	if (off > f->len)
		off = f->len;
	for (size_t i = 0; i < off; i++) {
		if (f->buf[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*col = off - start + 1;
}

size_t sp_lint_abs(const struct sp_lint_file *f, const struct sp_msg *msg, size_t rel)
{
	return (size_t)(msg->buf - f->buf) + rel;
}

unsigned sp_lint_error_status(const struct sp_lint_item *it)
{
	if (it->kind != SP_LINT_MESSAGE)
		return 0;
	if (it->rc == -ENOMEM)
		return 500;
	/* Nothing answers a response: a malformed one is dropped (RFC 4475
	 * §3.1.2.5 scalarlg, §3.1.2.19 bigcode). */
	if (it->msg.start_line.p && !it->msg.request)
		return 0;
	return it->msg.error.status;
}

const char *sp_lint_error_rule(const struct sp_lint_item *it)
{
	switch (it->kind) {
	case SP_LINT_FRAMING_ERROR:
		return it->frame_rule;
	case SP_LINT_INCOMPLETE:
		return "stream ends inside a message";
	default:
		break;
	}
	if (it->rc == -ENOMEM)
		return "out of memory: message beyond the parser's size limits";
	return it->msg.error.rule ? it->msg.error.rule : "unknown";
}

size_t sp_lint_error_offset(const struct sp_lint_file *f, const struct sp_lint_item *it)
{
	switch (it->kind) {
	case SP_LINT_FRAMING_ERROR:
		return it->error_offset;
	case SP_LINT_MESSAGE:
		if (it->rc != -ENOMEM)
			return sp_lint_abs(f, &it->msg, it->msg.error.offset);
		return it->offset;
	default:
		return it->offset;
	}
}

struct sp_str sp_lint_body_type(const struct sp_msg *msg)
{
	const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_CONTENT_TYPE);
	struct sp_media_type mt;
	if (!h || sp_media_type_parse(&mt, h->value, NULL) != 0)
		return SP_STR_NULL;
	return sp_str_span(mt.type.p, mt.subtype.p + mt.subtype.len);
}

/* Reads all of fp into a buffer from sp_malloc. Returns 0 or -errno. */
static int read_all(FILE *fp, char **out, size_t *out_len)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < READ_CHUNK) {
			size_t ncap = cap ? cap * 2 : READ_CHUNK;
			char *n = sp_realloc(buf, ncap);
			if (!n) {
				sp_free(buf);
				return -ENOMEM;
			}
			buf = n;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, fp);
		len += got;
		if (got == 0) {
			if (ferror(fp)) {
				int e = errno ? errno : EIO;
				sp_free(buf);
				return -e;
			}
			break;
		}
	}
	*out = buf;
	*out_len = len;
	return 0;
}

static struct sp_lint_item *add_item(struct sp_lint_file *f, enum sp_lint_kind kind, size_t off,
				     size_t len)
{
	struct sp_lint_item **items = sp_realloc(f->items, (f->nitems + 1) * sizeof(*items));
	if (!items)
		return NULL;
	f->items = items;
	struct sp_lint_item *it = sp_malloc(sizeof(*it));
	if (!it)
		return NULL;
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->offset = off;
	it->length = len;
	it->rc = 0;
	f->items[f->nitems++] = it;
	if (kind != SP_LINT_KEEPALIVE)
		f->valid = f->valid && kind == SP_LINT_MESSAGE;
	return it;
}

/* Parses, validates and checks the message in buf[off..off+len). */
static int lint_message(struct sp_lint_file *f, size_t off, size_t len)
{
	struct sp_lint_item *it = add_item(f, SP_LINT_MESSAGE, off, len);
	if (!it)
		return -ENOMEM;
	it->rc = sp_msg_parse(&it->msg, f->buf + off, len);
	if (it->rc == 0)
		it->rc = sp_msg_validate(&it->msg);
	if (it->rc == 0) {
		it->total_findings =
			sp_msg_check(&it->msg, it->findings, SP_LINT_MAX_FINDINGS);
		it->nfindings = it->total_findings < SP_LINT_MAX_FINDINGS
					? it->total_findings
					: SP_LINT_MAX_FINDINGS;
	} else {
		f->valid = false;
	}
	return 0;
}

/* sp_framer_feed says where framing failed, not why: tell the cases
 * apart by what sits at that offset (item starts at start, err is
 * absolute). */
static const char *framing_rule(const struct sp_lint_file *f, const struct sp_framer *fr,
				size_t start, size_t err)
{
	size_t avail = f->len - start;
	const char *b = f->buf;
	const char *end = memmem(b + start, avail < fr->max_header ? avail : fr->max_header,
				 "\r\n\r\n", 4);
	if (!end)
		return "stream framing: header block larger than the framer's limit";
	if (err == (size_t)(end - b) + 4)
		return "stream framing: Content-Length missing (required on a stream, "
		       "RFC 3261 \xc2\xa7" "18.3)";
	if (err > start && b[err - 1] == ':')
		return "stream framing: Content-Length invalid or larger than the "
		       "framer's body limit";
	if (err > start && b[err - 1] == '\n')
		return "stream framing: Content-Length repeated";
	return "stream framing: cannot find the message end";
}

/* RFC 3261 §18.3: on a stream, Content-Length alone says where each
 * message ends; RFC 5626 §4.4.1 CRLF keep-alives may sit between them. */
static int lint_stream(struct sp_lint_file *f)
{
	struct sp_framer fr;
	size_t pos = 0;
	sp_framer_init(&fr, 0, 0);
	while (pos < f->len) {
		size_t n = 0, err_off = 0;
		int rc = sp_framer_feed(&fr, f->buf + pos, f->len - pos, &n, &err_off);
		struct sp_lint_item *it;
		switch (rc) {
		case SP_FRAME_MESSAGE:
			if (lint_message(f, pos, n) != 0)
				return -ENOMEM;
			pos += n;
			break;
		case SP_FRAME_KEEPALIVE:
			if (!add_item(f, SP_LINT_KEEPALIVE, pos, n))
				return -ENOMEM;
			pos += n;
			break;
		case SP_EINCOMPLETE:
			/* At the end of the input a lone CRLF is a complete pong;
			 * anything else is a message cut short. */
			n = f->len - pos;
			if (n == 2 && f->buf[pos] == '\r' && f->buf[pos + 1] == '\n')
				it = add_item(f, SP_LINT_KEEPALIVE, pos, n);
			else
				it = add_item(f, SP_LINT_INCOMPLETE, pos, n);
			if (!it)
				return -ENOMEM;
			return 0;
		default:
			/* The connection would be closed: nothing after this is read. */
			it = add_item(f, SP_LINT_FRAMING_ERROR, pos, f->len - pos);
			if (!it)
				return -ENOMEM;
			it->error_offset = pos + err_off;
			it->frame_rule = framing_rule(f, &fr, pos, pos + err_off);
			return 0;
		}
	}
	return 0;
}

static void free_file(struct sp_lint_file *f)
{
	for (size_t i = 0; i < f->nitems; i++) {
		if (f->items[i]->kind == SP_LINT_MESSAGE)
			sp_msg_free(&f->items[i]->msg);
		sp_free(f->items[i]);
	}
	sp_free(f->items);
	sp_free((void *)f->buf);
}

/* Lints one input and prints its report. Returns the exit status it
 * contributes: SP_EXIT_OK, SP_EXIT_FAIL or SP_EXIT_USAGE (I/O). */
static int lint_one(const char *name, bool json, bool stream)
{
	struct sp_lint_file f = { .name = name, .stream = stream, .valid = true };
	char *buf = NULL;
	size_t len = 0;
	int rc;
	bool is_stdin = strcmp(name, "-") == 0;
	FILE *fp = is_stdin ? stdin : fopen(name, "rb");

	if (!fp) {
		rc = -errno;
	} else {
		rc = read_all(fp, &buf, &len);
		if (!is_stdin)
			fclose(fp);
	}
	if (rc) {
		f.io_error = strerror(-rc);
		f.valid = false;
		fprintf(stderr, "siphon lint: %s: %s\n", name, f.io_error);
		if (json)
			sp_lint_print_json(stdout, &f);
		return SP_EXIT_USAGE;
	}
	f.buf = buf;
	f.len = len;
	rc = stream ? lint_stream(&f) : lint_message(&f, 0, len);
	if (rc) {
		fprintf(stderr, "siphon lint: %s: %s\n", name, sp_strerror(rc));
		free_file(&f);
		return SP_EXIT_USAGE;
	}
	if (json)
		sp_lint_print_json(stdout, &f);
	else
		sp_lint_print_text(stdout, &f);
	int status = f.valid ? SP_EXIT_OK : SP_EXIT_FAIL;
	free_file(&f);
	return status;
}

int sp_cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stream", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, stream = false;
	int c, status = SP_EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			stream = true;
			break;
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		default:
			fputs(SHORT_USAGE, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "siphon lint: no input (give FILE... or - for stdin)\n");
		fputs(SHORT_USAGE, stderr);
		return SP_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		int s = lint_one(argv[i], json, stream);
		if (s > status)
			status = s;
		fflush(stdout);
	}
	return status;
}
