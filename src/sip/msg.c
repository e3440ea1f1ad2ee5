/*
 * The message parser (RFC 3261 §7, §18.3, §25.1). One pass over a complete
 * message: the start line, then each header field line (folding joined
 * logically, not copied), each list header split into its values, and the
 * headers every element needs decoded on the spot. Everything else is
 * located and left for sp_hdr_parse_value / sp_msg_validate.
 *
 * The parser never copies the message and allocates only its header tables,
 * from the message's arena (inline first, bounded spill).
 */
#include <errno.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "siphon/ctype.h"
#include "siphon/err.h"
#include "siphon/msg.h"

#define ARENA_LIMIT (256u * 1024u)


struct parser {
	struct sp_msg *msg;
	const char *p, *end;
	uint16_t cap_hdrs, cap_lines;
	uint16_t last[SP_HDR__COUNT]; /* last value per id, to chain `next` */
	struct sp_parse_error perr;
	unsigned seen; /* eager headers met so far (eager_bit) */
	bool version_mismatch;
	const char *version_at;
};

/* Records an error at byte `at` with the response a server should give. */
static int fail(struct parser *ps, const char *at, const char *rule, uint16_t status)
{
	struct sp_msg *msg = ps->msg;
	if (msg->error.rule)
		return -EBADMSG; /* the first error is the one reported */
	msg->error.offset = (size_t)(at - msg->buf);
	msg->error.rule = rule;
	msg->error.status = status;
	return -EBADMSG;
}

/* A structured sub-parser failed: translate its error to an absolute one. */
static int fail_sub(struct parser *ps)
{
	return fail(ps, ps->perr.at, ps->perr.rule, 400);
}

/* RFC 3261 §7.1: SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; case-insensitive.
 * A well-formed version other than 2.0 is remembered for a 505. */
static int parse_version(struct parser *ps, struct sp_str v)
{
	const char *p = v.p, *end = v.p + v.len;
	if (v.len < 7 || sp_lower[(unsigned char)p[0]] != 's' ||
	    sp_lower[(unsigned char)p[1]] != 'i' || sp_lower[(unsigned char)p[2]] != 'p' ||
	    p[3] != '/')
		return fail(ps, p, "SIP-Version", 400);
	const char *d = p + 4, *q = d;
	while (q < end && sp_is((unsigned char)*q, SP_C_DIGIT))
		q++;
	if (q == d || q >= end || *q != '.')
		return fail(ps, q, "SIP-Version", 400);
	const char *d2 = ++q;
	while (q < end && sp_is((unsigned char)*q, SP_C_DIGIT))
		q++;
	if (q == d2 || q != end)
		return fail(ps, q, "SIP-Version", 400);
	if (!(v.len == 7 && p[4] == '2' && p[6] == '0')) {
		ps->version_mismatch = true;
		ps->version_at = p;
	}
	ps->msg->version = v;
	return 0;
}

/* RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase.
 * Status-Code is exactly 3 digits, 100-699 (RFC 4475 bigcode). */
static int parse_status_line(struct parser *ps, struct sp_str line)
{
	struct sp_msg *msg = ps->msg;
	const char *p = line.p, *end = line.p + line.len;
	const char *sp = memchr(p, ' ', line.len);
	if (!sp)
		return fail(ps, end, "Status-Line", 400);
	int rc = parse_version(ps, sp_str_span(p, sp));
	if (rc)
		return rc;
	p = sp + 1;
	if (end - p < 3 || !sp_is((unsigned char)p[0], SP_C_DIGIT) ||
	    !sp_is((unsigned char)p[1], SP_C_DIGIT) || !sp_is((unsigned char)p[2], SP_C_DIGIT) ||
	    (end - p > 3 && p[3] != ' '))
		return fail(ps, p, "Status-Code", 400);
	unsigned code = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
			(unsigned)(p[2] - '0');
	if (code < 100 || code > 699)
		return fail(ps, p, "Status-Code", 400);
	msg->status = (uint16_t)code;
	p += 3;
	/* Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII /
	 * UTF8-CONT / SP / HTAB): any byte but controls. RFC 4475 noreason: the
	 * SP is present and the phrase empty; a missing SP is tolerated. */
	if (p < end)
		p++;
	for (const char *q = p; q < end; q++) {
		unsigned char c = (unsigned char)*q;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(ps, q, "Reason-Phrase", 400);
	}
	msg->reason = sp_str_span(p, end);
	return 0;
}

/* RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF,
 * single SPs (RFC 4475 lwsstart, trws, lwsruri are rejected). */
static int parse_request_line(struct parser *ps, struct sp_str line)
{
	struct sp_msg *msg = ps->msg;
	const char *p = line.p, *end = line.p + line.len;
	const char *m = p;
	if (!sp_token_scan(&p, end))
		return fail(ps, p, "Method", 400);
	/* Kept even if the rest of the line is bad: a broken ACK must still
	 * go unanswered (RFC 3261 §17.2.3), and logs name the method. */
	msg->method = sp_str_span(m, p);
	msg->method_id = sp_method_lookup(msg->method);
	if (p >= end || *p != ' ')
		return fail(ps, p, "Request-Line: SP after Method", 400);
	const char *u = ++p;
	const char *sp = memchr(u, ' ', (size_t)(end - u));
	msg->ruri_raw = sp_str_span(u, sp ? sp : end); /* as sent, for logs */
	if (!sp || sp == u)
		return fail(ps, u, "Request-URI", 400);
	if (sp_uri_parse(&msg->ruri, msg->ruri_raw, SP_URI_NO_HEADERS, &ps->perr) != 0)
		return fail_sub(ps);
	return parse_version(ps, sp_str_span(sp + 1, end));
}

static int grow(struct parser *ps, void **arr, uint16_t *cap, size_t elem, unsigned used)
{
	unsigned ncap = *cap ? *cap * 2u : 16u;
	if (ncap > UINT16_MAX)
		ncap = UINT16_MAX;
	void *n = sp_arena_alloc(&ps->msg->arena, ncap * elem);
	if (!n)
		return -ENOMEM;
	if (used)
		memcpy(n, *arr, used * elem);
	*arr = n;
	*cap = (uint16_t)ncap;
	return 0;
}

static int add_value(struct parser *ps, enum sp_hdr_id id, struct sp_str name, struct sp_str value)
{
	struct sp_msg *msg = ps->msg;
	if (msg->nhdrs >= SP_MSG_MAX_VALUES)
		return fail(ps, value.p, "too many header values", 400);
	if (msg->nhdrs == ps->cap_hdrs &&
	    grow(ps, (void **)&msg->hdrs, &ps->cap_hdrs, sizeof(*msg->hdrs), msg->nhdrs))
		return -ENOMEM;
	uint16_t i = msg->nhdrs++;
	struct sp_hdr *h = &msg->hdrs[i];
	h->id = id;
	h->name = name;
	h->value = value;
	h->line = (uint16_t)(msg->nlines - 1);
	h->next = SP_HDR_NONE;
	if (id != SP_HDR_OTHER) {
		if (msg->first[id] == SP_HDR_NONE)
			msg->first[id] = i;
		else
			msg->hdrs[ps->last[id]].next = i;
		ps->last[id] = i;
	}
	return 0;
}

/* RFC 3261 §7.3.1: a list header's values are separated by commas that
 * are outside quoted strings and outside <...> (URIs may hold commas). An
 * empty element is an error (RFC 4475 badinv01); an entirely empty value
 * is allowed only where the grammar says so (Allow, Accept, Supported). */
static int split_list(struct parser *ps, enum sp_hdr_id id, struct sp_str name,
		      struct sp_str value, unsigned flags)
{
	const char *p = value.p, *end = value.p + value.len, *start = p;
	bool angle = false;
	int rc;
	if (value.len == 0) {
		if (flags & SP_HDRF_EMPTY_OK)
			return 0;
		return fail(ps, value.p, "header value: empty list", 400);
	}
	/* Most list headers carry one value: no comma, nothing to split. */
	if (!memchr(value.p, ',', value.len))
		return add_value(ps, id, name, value);
	for (; p < end; p++) {
		char c = *p;
		if (c == '"') {
			if (sp_quoted_scan(&p, end, &ps->perr, "quoted-string") != 0)
				return fail_sub(ps);
			p--;
		} else if (c == '<') {
			angle = true;
		} else if (c == '>') {
			angle = false;
		} else if (c == ',' && !angle) {
			struct sp_str v = sp_str_trim(sp_str_span(start, p));
			if (v.len == 0)
				return fail(ps, p, "header value: empty list element", 400);
			if ((rc = add_value(ps, id, name, v)) != 0)
				return rc;
			start = p + 1;
		}
	}
	struct sp_str v = sp_str_trim(sp_str_span(start, end));
	if (v.len == 0)
		return fail(ps, end, "header value: empty list element", 400);
	return add_value(ps, id, name, v);
}

/* A distinct bit for each eagerly decoded header, 0 for the others. */
static unsigned eager_bit(enum sp_hdr_id id)
{
	switch (id) {
	case SP_HDR_VIA:
		return 1u << 0;
	case SP_HDR_CSEQ:
		return 1u << 1;
	case SP_HDR_CALL_ID:
		return 1u << 2;
	case SP_HDR_FROM:
		return 1u << 3;
	case SP_HDR_TO:
		return 1u << 4;
	case SP_HDR_MAX_FORWARDS:
		return 1u << 5;
	case SP_HDR_CONTENT_LENGTH:
		return 1u << 6;
	default:
		return 0;
	}
}

/* Decodes the headers every element needs, as soon as they are seen. Only
 * the first of each counts; a repeat is reported by sp_msg_check, except a
 * second Content-Length, which makes framing ambiguous (RFC 4475 mcl01).
 * has_* is set only when the value decoded, so after a failed parse a
 * server can tell which fields it may use to answer. */
static int parse_eager(struct parser *ps, enum sp_hdr_id id, const struct sp_hdr *h)
{
	struct sp_msg *msg = ps->msg;
	struct sp_parse_error *e = &ps->perr;
	uint32_t n;
	int rc = 0;

	unsigned bit = eager_bit(id);
	if (!bit)
		return 0;
	if (ps->seen & bit) {
		if (id == SP_HDR_CONTENT_LENGTH)
			return fail(ps, h->name.p, "Content-Length: repeated", 400);
		return 0;
	}
	ps->seen |= bit;
	switch (id) {
	case SP_HDR_VIA:
		if (!(rc = sp_via_parse(&msg->via1, h->value, e)))
			msg->has_via = true;
		break;
	case SP_HDR_CSEQ:
		if (!(rc = sp_cseq_parse(&msg->cseq, h->value, e)))
			msg->has_cseq = true;
		break;
	case SP_HDR_CALL_ID:
		if (!(rc = sp_callid_parse(h->value, e))) {
			msg->call_id = h->value;
			msg->has_call_id = true;
		}
		break;
	case SP_HDR_FROM:
		if (!(rc = sp_nameaddr_parse(&msg->from, h->value, 0, e)))
			msg->has_from = true;
		break;
	case SP_HDR_TO:
		if (!(rc = sp_nameaddr_parse(&msg->to, h->value, 0, e)))
			msg->has_to = true;
		break;
	case SP_HDR_MAX_FORWARDS:
		/* RFC 3261 §20.22: 0-255. */
		if (!(rc = sp_uint_parse(h->value, 255, &n, e, "Max-Forwards")))
			msg->max_forwards = (int)n;
		break;
	case SP_HDR_CONTENT_LENGTH:
		if (!(rc = sp_uint_parse(h->value, UINT32_MAX, &n, e, "Content-Length")))
			msg->content_length = n;
		break;
	default:
		break;
	}
	return rc ? fail_sub(ps) : 0;
}

/* One header field line: name HCOLON value, already cut at its CRLF (the
 * value may contain folds). RFC 3261 §7.3.1: HCOLON = *(SP / HTAB) ":" SWS. */
static int parse_header_line(struct parser *ps, struct sp_str line)
{
	struct sp_msg *msg = ps->msg;
	const char *p = line.p, *end = line.p + line.len;
	if (!sp_token_scan(&p, end))
		return fail(ps, p, "header-name", 400);
	struct sp_str name = sp_str_span(line.p, p);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p != ':')
		return fail(ps, p, "HCOLON", 400);
	struct sp_str value = sp_str_trim(sp_str_span(p + 1, end));
	if (!value.len)
		value.p = end;

	if (msg->nlines >= SP_MSG_MAX_LINES)
		return fail(ps, line.p, "too many header lines", 400);
	if (msg->nlines == ps->cap_lines &&
	    grow(ps, (void **)&msg->lines, &ps->cap_lines, sizeof(*msg->lines), msg->nlines))
		return -ENOMEM;
	enum sp_hdr_id id = sp_hdr_lookup(name);
	struct sp_hdr_line *l = &msg->lines[msg->nlines++];
	l->raw = line;
	l->name = name;
	l->id = id;
	l->first = msg->nhdrs;

	unsigned flags = sp_hdr_info(id)->flags;
	int rc;
	if (flags & SP_HDRF_LIST)
		rc = split_list(ps, id, name, value, flags);
	else
		rc = add_value(ps, id, name, value);
	l = &msg->lines[msg->nlines - 1]; /* the table may have moved */
	l->count = (uint16_t)(msg->nhdrs - l->first);
	if (rc)
		return rc;
	if (l->count && id != SP_HDR_OTHER)
		return parse_eager(ps, id, &msg->hdrs[l->first]);
	return 0;
}

/* First CR or LF in [p, end), or end: sixteen bytes per step with SSE2. */
static const char *find_cr_or_lf(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		int mask = _mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		if (mask)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#endif
	while (p < end && *p != '\r' && *p != '\n')
		p++;
	return p;
}

/* Finds the end of the line that starts at p: the CRLF, with folds (CRLF
 * followed by SP/HTAB, RFC 3261 §7.3.1) kept inside. A bare CR or LF is an
 * error. Returns the CR position or NULL with an error recorded; sets *next
 * to the byte after the CRLF. */
static const char *line_end(struct parser *ps, const char *p, const char **next, bool fold)
{
	const char *end = ps->end;
	for (;;) {
		const char *cr = find_cr_or_lf(p, end);
		if (cr + 1 >= end) {
			fail(ps, end, "CRLF: header section not terminated", 400);
			return NULL;
		}
		if (cr[0] != '\r' || cr[1] != '\n') {
			fail(ps, cr, "CRLF: bare CR or LF", 400);
			return NULL;
		}
		if (fold && cr + 2 < end && (cr[2] == ' ' || cr[2] == '\t')) {
			p = cr + 2;
			continue;
		}
		*next = cr + 2;
		return cr;
	}
}

int sp_msg_parse(struct sp_msg *msg, const char *buf, size_t len)
{
	struct parser ps;
	int rc;

	memset(msg, 0, offsetof(struct sp_msg, arena));
	memset(msg->first, 0xff, sizeof(msg->first));
	msg->buf = buf;
	msg->len = len;
	msg->max_forwards = -1;
	msg->content_length = -1;
	sp_arena_init(&msg->arena, msg->arena_mem, sizeof(msg->arena_mem), ARENA_LIMIT);

	memset(&ps, 0, sizeof(ps));
	ps.msg = msg;
	ps.p = buf;
	ps.end = buf + len;

	/* RFC 3261 §7.5: CRLFs before the start line are ignored. */
	while (ps.end - ps.p >= 2 && ps.p[0] == '\r' && ps.p[1] == '\n')
		ps.p += 2;
	const char *next;
	const char *eol = line_end(&ps, ps.p, &next, false);
	if (!eol)
		return -EBADMSG;
	struct sp_str start = sp_str_span(ps.p, eol);
	msg->start_line = start;
	msg->request = !(start.len >= 4 && sp_lower[(unsigned char)start.p[0]] == 's' &&
			 sp_lower[(unsigned char)start.p[1]] == 'i' &&
			 sp_lower[(unsigned char)start.p[2]] == 'p' && start.p[3] == '/');
	/* A bad start line does not stop the parse either: the header lines
	 * still tell a server where to send its 400 (RFC 4475 lwsstart). */
	rc = msg->request ? parse_request_line(&ps, start) : parse_status_line(&ps, start);
	if (rc == -ENOMEM)
		return rc;
	ps.p = next;

	for (;;) {
		if (ps.end - ps.p >= 2 && ps.p[0] == '\r' && ps.p[1] == '\n') {
			msg->header_end = (struct sp_str){ ps.p, 2 };
			ps.p += 2;
			break;
		}
		if (ps.p < ps.end && (*ps.p == ' ' || *ps.p == '\t'))
			return fail(&ps, ps.p, "header-name: line starts with whitespace", 400);
		eol = line_end(&ps, ps.p, &next, true);
		if (!eol)
			return -EBADMSG;
		/* A bad header line does not stop the walk: the lines after it
		 * may still give a server what it needs to answer 400. */
		rc = parse_header_line(&ps, sp_str_span(ps.p, eol));
		if (rc == -ENOMEM)
			return rc;
		ps.p = next;
	}
	if (msg->error.rule)
		return -EBADMSG;

	/* RFC 3261 §18.3: the body is Content-Length octets; over a datagram a
	 * missing Content-Length means the rest, and extra octets are dropped. */
	size_t avail = (size_t)(ps.end - ps.p);
	if (msg->content_length >= 0) {
		if ((uint64_t)msg->content_length > avail)
			return fail(&ps, ps.end, "Content-Length: larger than the message", 400);
		msg->body = (struct sp_str){ ps.p, (size_t)msg->content_length };
	} else {
		msg->body = (struct sp_str){ ps.p, avail };
	}
	msg->consumed = (size_t)(msg->body.p + msg->body.len - buf);

	if (ps.version_mismatch)
		return fail(&ps, ps.version_at, "SIP-Version: not 2.0", 505);
	return 0;
}

void sp_msg_free(struct sp_msg *msg)
{
	sp_arena_release(&msg->arena);
	msg->hdrs = NULL;
	msg->lines = NULL;
	msg->nhdrs = 0;
	msg->nlines = 0;
}

const struct sp_hdr *sp_msg_hdr(const struct sp_msg *msg, enum sp_hdr_id id)
{
	if ((unsigned)id >= SP_HDR__COUNT || id == SP_HDR_OTHER || msg->first[id] == SP_HDR_NONE)
		return NULL;
	return &msg->hdrs[msg->first[id]];
}

const struct sp_hdr *sp_msg_hdr_next(const struct sp_msg *msg, const struct sp_hdr *h)
{
	if (h->id != SP_HDR_OTHER)
		return h->next == SP_HDR_NONE ? NULL : &msg->hdrs[h->next];
	for (const struct sp_hdr *n = h + 1; n < msg->hdrs + msg->nhdrs; n++)
		if (n->id == SP_HDR_OTHER && sp_str_caseeq(n->name, h->name))
			return n;
	return NULL;
}

const struct sp_hdr *sp_msg_hdr_by_name(const struct sp_msg *msg, struct sp_str name)
{
	enum sp_hdr_id id = sp_hdr_lookup(name);
	if (id != SP_HDR_OTHER)
		return sp_msg_hdr(msg, id);
	for (unsigned i = 0; i < msg->nhdrs; i++)
		if (msg->hdrs[i].id == SP_HDR_OTHER && sp_str_caseeq(msg->hdrs[i].name, name))
			return &msg->hdrs[i];
	return NULL;
}

unsigned sp_msg_hdr_count(const struct sp_msg *msg, enum sp_hdr_id id)
{
	unsigned n = 0;
	for (const struct sp_hdr *h = sp_msg_hdr(msg, id); h; h = sp_msg_hdr_next(msg, h))
		n++;
	return n;
}
