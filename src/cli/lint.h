/*
 * `siphon lint`: the results of linting one input, shared by the driver
 * (cmd_lint.c), the human printer (lint_text.c) and the JSON printer
 * (lint_json.c). A file is one datagram (one item) or, with --stream, the
 * sequence of items a TCP connection carrying those bytes would yield.
 */
#ifndef SIPHON_CLI_LINT_H
#define SIPHON_CLI_LINT_H

#include <stdio.h>

#include "siphon/check.h"
#include "siphon/msg.h"

#define SP_LINT_MAX_FINDINGS 32

enum sp_lint_kind {
	SP_LINT_MESSAGE,       /* a message, valid or not */
	SP_LINT_KEEPALIVE,     /* CRLF keep-alive between messages (RFC 5626 §4.4.1) */
	SP_LINT_INCOMPLETE,    /* the stream ends inside a message */
	SP_LINT_FRAMING_ERROR, /* the stream cannot be framed: a server closes it */
};

struct sp_lint_item {
	enum sp_lint_kind kind;
	size_t offset, length; /* bytes of the file this item covers */
	/* SP_LINT_MESSAGE */
	int rc;                /* 0 valid, -EBADMSG or -ENOMEM invalid */
	struct sp_msg msg;     /* parsed over the item's bytes; never moved */
	struct sp_finding findings[SP_LINT_MAX_FINDINGS];
	size_t nfindings;      /* stored in findings[] */
	size_t total_findings; /* found, may exceed SP_LINT_MAX_FINDINGS */
	/* SP_LINT_FRAMING_ERROR */
	size_t error_offset;    /* absolute offset in the file */
	const char *frame_rule; /* why framing failed (static text) */
};

struct sp_lint_file {
	const char *name; /* as given on the command line, "-" for stdin */
	const char *buf;
	size_t len;
	bool stream;
	const char *io_error; /* strerror text when the input could not be read */
	struct sp_lint_item **items;
	size_t nitems;
	bool valid; /* every message valid, no framing error, nothing incomplete */
};

/* 1-based line and byte column of absolute offset off in f (lines end in LF). */
void sp_lint_line_col(const struct sp_lint_file *f, size_t off, size_t *line, size_t *col);

/* Absolute offset in the file of a message error / finding offset. */
size_t sp_lint_abs(const struct sp_lint_file *f, const struct sp_msg *msg, size_t rel);

/* The response a server should send for an invalid message: msg->error.status
 * for a request, 0 (drop) for a response. */
unsigned sp_lint_error_status(const struct sp_lint_item *it);

/* Text of an item's error rule (message, framing or memory). */
const char *sp_lint_error_rule(const struct sp_lint_item *it);

/* Absolute offset of an item's error. */
size_t sp_lint_error_offset(const struct sp_lint_file *f, const struct sp_lint_item *it);

/* "type/subtype" of the body's Content-Type as written, or p == NULL. */
struct sp_str sp_lint_body_type(const struct sp_msg *msg);

/* Printers: the human report (lint_text.c) and one JSON Lines document
 * (lint_json.c) for a whole file. */
void sp_lint_print_text(FILE *out, const struct sp_lint_file *f);
void sp_lint_print_json(FILE *out, const struct sp_lint_file *f);

#endif
