/*
 * Printing: the builder for new messages, and sp_msg_print, which applies an edit list to a parsed message in a single
 * pass over its header lines. Lines nobody touched are copied byte for
 * byte, so a proxy forwards unknown headers exactly as received (RFC 3261
 * §16.6 step 1, RFC 4475 wsinv).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "siphon/print.h"

void sp_msgb_request(struct sp_wbuf *b, struct sp_str method, struct sp_str ruri)
{
	sp_wbuf_str(b, method);
	sp_wbuf_put(b, " ", 1);
	sp_wbuf_str(b, ruri);
	sp_wbuf_put(b, " SIP/2.0\r\n", 10);
}

void sp_msgb_response(struct sp_wbuf *b, unsigned code, const char *reason)
{
	sp_wbuf_put(b, "SIP/2.0 ", 8);
	sp_wbuf_u64(b, code);
	sp_wbuf_put(b, " ", 1);
	sp_wbuf_cstr(b, reason ? reason : sp_reason_phrase(code));
	sp_wbuf_put(b, "\r\n", 2);
}

void sp_msgb_header(struct sp_wbuf *b, struct sp_str name, struct sp_str value)
{
	sp_wbuf_str(b, name);
	sp_wbuf_put(b, ": ", 2);
	sp_wbuf_str(b, value);
	sp_wbuf_put(b, "\r\n", 2);
}

static void content_length(struct sp_wbuf *b, size_t n)
{
	sp_wbuf_put(b, "Content-Length: ", 16);
	sp_wbuf_u64(b, n);
	sp_wbuf_put(b, "\r\n", 2);
}

int sp_msgb_finish(struct sp_wbuf *b, struct sp_str content_type, struct sp_str body)
{
	if (body.len && content_type.len)
		sp_msgb_header(b, SP_STR("Content-Type"), content_type);
	content_length(b, body.len);
	sp_wbuf_put(b, "\r\n", 2);
	sp_wbuf_str(b, body);
	return b->overflow ? -ENOSPC : 0;
}

void sp_edit_init(struct sp_msg_edit *e)
{
	e->n = 0;
	e->ruri = SP_STR_NULL;
	e->body = SP_STR_NULL;
}

static struct sp_edit *edit_new(struct sp_msg_edit *e)
{
	if (e->n >= SP_EDIT_MAX)
		return NULL;
	struct sp_edit *op = &e->ops[e->n++];
	memset(op, 0, sizeof(*op));
	return op;
}

int sp_edit_remove(struct sp_msg_edit *e, const struct sp_msg *msg, const struct sp_hdr *h)
{
	struct sp_edit *op = edit_new(e);
	if (!op)
		return -ENOSPC;
	op->kind = SP_EDIT_REMOVE;
	op->hdr = (uint16_t)(h - msg->hdrs);
	return 0;
}

int sp_edit_replace(struct sp_msg_edit *e, const struct sp_msg *msg, const struct sp_hdr *h,
		    struct sp_str value)
{
	struct sp_edit *op = edit_new(e);
	if (!op)
		return -ENOSPC;
	op->kind = SP_EDIT_REPLACE;
	op->hdr = (uint16_t)(h - msg->hdrs);
	op->value = value;
	return 0;
}

int sp_edit_prepend(struct sp_msg_edit *e, enum sp_hdr_id id, struct sp_str name,
		    struct sp_str value)
{
	struct sp_edit *op = edit_new(e);
	if (!op)
		return -ENOSPC;
	op->kind = SP_EDIT_PREPEND;
	op->id = id;
	op->name = name;
	op->value = value;
	return 0;
}

int sp_edit_append(struct sp_msg_edit *e, struct sp_str name, struct sp_str value)
{
	struct sp_edit *op = edit_new(e);
	if (!op)
		return -ENOSPC;
	op->kind = SP_EDIT_APPEND;
	op->name = name;
	op->value = value;
	return 0;
}

void sp_edit_set_ruri(struct sp_msg_edit *e, struct sp_str ruri)
{
	e->ruri = ruri;
}

void sp_edit_set_body(struct sp_msg_edit *e, struct sp_str body)
{
	e->body = body;
}

/* The line a PREPEND goes before: the first line of the same header (so a
 * new Via lands on top of the Via stack, §16.6 step 8), else the first. */
static unsigned prepend_target(const struct sp_msg *msg, const struct sp_edit *op)
{
	if (op->id != SP_HDR_OTHER && msg->first[op->id] != SP_HDR_NONE)
		return msg->hdrs[msg->first[op->id]].line;
	for (unsigned i = 0; op->id == SP_HDR_OTHER && i < msg->nlines; i++)
		if (sp_str_caseeq(msg->lines[i].name, op->name))
			return i;
	return 0;
}

/* The edit for value index i (REMOVE or REPLACE), or NULL. */
static const struct sp_edit *value_edit(const struct sp_msg_edit *e, unsigned i)
{
	for (unsigned k = 0; e && k < e->n; k++)
		if ((e->ops[k].kind == SP_EDIT_REMOVE || e->ops[k].kind == SP_EDIT_REPLACE) &&
		    e->ops[k].hdr == i)
			return &e->ops[k];
	return NULL;
}

/* Prints one header line, applying value edits; drops it if empty. */
static void print_line(struct sp_wbuf *out, const struct sp_msg *msg, const struct sp_msg_edit *e,
		       const struct sp_hdr_line *l)
{
	bool touched = false;
	for (unsigned i = l->first; e && i < (unsigned)l->first + l->count; i++)
		if (value_edit(e, i))
			touched = true;
	if (!touched) {
		sp_wbuf_str(out, l->raw);
		sp_wbuf_put(out, "\r\n", 2);
		return;
	}
	bool any = false;
	for (unsigned i = l->first; i < (unsigned)l->first + l->count; i++) {
		const struct sp_edit *op = value_edit(e, i);
		if (op && op->kind == SP_EDIT_REMOVE)
			continue;
		sp_wbuf_put(out, any ? ", " : "", any ? 2 : 0);
		if (!any) {
			sp_wbuf_str(out, l->name);
			sp_wbuf_put(out, ": ", 2);
		}
		sp_wbuf_str(out, op ? op->value : msg->hdrs[i].value);
		any = true;
	}
	if (any)
		sp_wbuf_put(out, "\r\n", 2);
}

static void print_prepends(struct sp_wbuf *out, const struct sp_msg *msg,
			   const struct sp_msg_edit *e, unsigned line)
{
	for (unsigned k = 0; e && k < e->n; k++) {
		const struct sp_edit *op = &e->ops[k];
		if (op->kind == SP_EDIT_PREPEND && prepend_target(msg, op) == line)
			sp_msgb_header(out, op->name, op->value);
	}
}

int sp_msg_print(const struct sp_msg *msg, const struct sp_msg_edit *e, struct sp_wbuf *out)
{
	bool new_body = e && sp_str_present(e->body);
	struct sp_str body = new_body ? e->body : msg->body;
	bool rewrite_cl = new_body || msg->content_length < 0;

	if (msg->request && e && sp_str_present(e->ruri)) {
		sp_msgb_request(out, msg->method, e->ruri);
	} else {
		sp_wbuf_str(out, msg->start_line);
		sp_wbuf_put(out, "\r\n", 2);
	}
	for (unsigned li = 0; li < msg->nlines; li++) {
		const struct sp_hdr_line *l = &msg->lines[li];
		print_prepends(out, msg, e, li);
		if (rewrite_cl && l->id == SP_HDR_CONTENT_LENGTH)
			continue;
		print_line(out, msg, e, l);
	}
	if (msg->nlines == 0)
		print_prepends(out, msg, e, 0);
	for (unsigned k = 0; e && k < e->n; k++)
		if (e->ops[k].kind == SP_EDIT_APPEND)
			sp_msgb_header(out, e->ops[k].name, e->ops[k].value);
	if (rewrite_cl)
		content_length(out, body.len);
	sp_wbuf_put(out, "\r\n", 2);
	sp_wbuf_str(out, body);
	return out->overflow ? -ENOSPC : 0;
}
