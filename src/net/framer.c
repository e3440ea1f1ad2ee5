/*
 * Stream framing for TCP/TLS (RFC 3261 §18.3, §7.5; RFC 5626 §4.4.1).
 * On a stream, Content-Length is the only way to find where a message
 * ends, so it is mandatory; a missing or invalid one makes the stream
 * unframeable and the connection must be closed. The framer looks only at
 * the header block's end and the Content-Length line; the full parse runs
 * once on the complete message afterwards.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>

#include "siphon/ctype.h"
#include "siphon/err.h"
#include "siphon/framer.h"
#include "siphon/str.h"

#define DEFAULT_MAX_HEADER (16u * 1024u)
#define DEFAULT_MAX_BODY (1024u * 1024u)

void sp_framer_init(struct sp_framer *f, size_t max_header, size_t max_body)
{
	f->max_header = max_header ? max_header : DEFAULT_MAX_HEADER;
	f->max_body = max_body ? max_body : DEFAULT_MAX_BODY;
	f->scanned = 0;
	f->hdr_len = 0;
	f->body_len = 0;
	f->client = false;
}

static bool name_is_content_length(const char *p, const char *colon)
{
	while (colon > p && (colon[-1] == ' ' || colon[-1] == '\t'))
		colon--;
	struct sp_str name = sp_str_span(p, colon);
	return sp_str_caseeq_c(name, "Content-Length") || sp_str_caseeq_c(name, "l");
}

/* Finds the one Content-Length in hdr[0..len) (ending in CRLFCRLF).
 * Returns 0 with *out set, or -EBADMSG with *err_off. */
static int find_content_length(const char *hdr, size_t len, uint64_t max, uint64_t *out,
			       size_t *err_off)
{
	const char *p = hdr, *end = hdr + len;
	bool found = false;
	/* Skip the start line. */
	const char *lf = memchr(p, '\n', len);
	p = lf + 1;
	while (p < end - 2) {
		const char *line = p;
		/* Logical line: up to a LF not followed by SP/HTAB (folding). */
		do {
			lf = memchr(p, '\n', (size_t)(end - p));
			p = lf + 1;
		} while (p < end && (*p == ' ' || *p == '\t'));
		const char *colon = memchr(line, ':', (size_t)(lf - line));
		if (!colon || !name_is_content_length(line, colon))
			continue;
		struct sp_str v = sp_str_trim(sp_str_span(colon + 1, lf));
		uint64_t n;
		if (found) {
			*err_off = (size_t)(line - hdr);
			return -EBADMSG; /* RFC 4475 mcl01 */
		}
		if (sp_str_to_u64(v, max, &n) != 0) {
			*err_off = (size_t)(colon + 1 - hdr); /* RFC 4475 ncl */
			return -EBADMSG;
		}
		found = true;
		*out = n;
	}
	if (!found) {
		*err_off = len;
		return -EBADMSG;
	}
	return 0;
}

int sp_framer_feed(struct sp_framer *f, const char *buf, size_t len, size_t *out_len,
		   size_t *err_off)
{
	if (f->hdr_len == 0) {
		/* RFC 5626 §4.4.1 keep-alive: "\r\n\r\n" ping, "\r\n" pong. A
		 * lone CRLF is held until the next byte tells which it is. */
		if (len >= 2 && buf[0] == '\r' && buf[1] == '\n') {
			if (f->client) {
				*out_len = 2; /* our ping's pong */
				return SP_FRAME_KEEPALIVE;
			}
			if (len >= 4 && buf[2] == '\r' && buf[3] == '\n') {
				*out_len = 4;
				return SP_FRAME_KEEPALIVE;
			}
			if (len >= 3 && (buf[2] != '\r' || len >= 4)) {
				*out_len = 2;
				return SP_FRAME_KEEPALIVE;
			}
			return SP_EINCOMPLETE;
		}
		size_t from = f->scanned > 3 ? f->scanned - 3 : 0;
		size_t limit = len < f->max_header ? len : f->max_header;
		const char *hit = NULL;
		if (limit > from)
			hit = memmem(buf + from, limit - from, "\r\n\r\n", 4);
		if (!hit) {
			f->scanned = limit;
			if (len >= f->max_header) {
				*err_off = f->max_header;
				return -EBADMSG;
			}
			return SP_EINCOMPLETE;
		}
		size_t hdr_len = (size_t)(hit - buf) + 4;
		int rc = find_content_length(buf, hdr_len, f->max_body, &f->body_len, err_off);
		if (rc)
			return rc;
		f->hdr_len = hdr_len;
	}
	if (len - f->hdr_len < f->body_len)
		return SP_EINCOMPLETE;
	*out_len = f->hdr_len + (size_t)f->body_len;
	f->scanned = 0;
	f->hdr_len = 0;
	f->body_len = 0;
	return SP_FRAME_MESSAGE;
}
