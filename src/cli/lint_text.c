/*
 * `siphon lint` human report (format in docs/lint.md): one block per
 * input, the start line and every header with its parsed fields, the
 * body, then findings as "note:" lines, or the error with its position, a
 * view of the offending line and the response a server should send.
 *
 * Message bytes are untrusted: everything taken from the message goes
 * through put_esc, which shows well-formed UTF-8 as is and every other
 * non-printable byte as \xNN (CR, LF and TAB as \r \n \t), so NUL, BEL or
 * escape sequences never reach the terminal.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "siphon/print.h"

#include "lint.h"
#include "utf8.h"

#define VIEW_BEFORE 60 /* bytes of context shown before an error */
#define VIEW_AFTER 40  /* and after it */

/* Writes s escaped (out may be NULL to only measure). Returns the number of
 * terminal columns used, counting one per UTF-8 character. */
static size_t put_esc(FILE *out, struct sp_str s)
{
	const unsigned char *p = (const unsigned char *)s.p, *end = p + s.len;
	size_t cols = 0;
	uint32_t cp;
	while (p < end) {
		unsigned char c = *p;
		size_t n = c >= 0x80 ? sp_utf8_seq(p, (size_t)(end - p), &cp) : 0;
		/* C1 controls (U+0080..U+009F) steer terminals too. */
		if (n && cp >= 0xa0) {
			if (out)
				fwrite(p, 1, n, out);
			p += n;
			cols++;
			continue;
		}
		if (c >= 0x20 && c < 0x7f) {
			if (out)
				fputc(c, out);
			cols++;
		} else if (c == '\r' || c == '\n' || c == '\t') {
			if (out)
				fprintf(out, "\\%c", c == '\r' ? 'r' : c == '\n' ? 'n' : 't');
			cols += 2;
		} else {
			if (out)
				fprintf(out, "\\x%02X", c);
			cols += 4;
		}
		p++;
	}
	return cols;
}

/* " key=value" for a present slice. */
static void field(FILE *out, const char *key, struct sp_str v)
{
	if (!v.p)
		return;
	fprintf(out, " %s=", key);
	put_esc(out, v);
}

static void field_num(FILE *out, const char *key, int64_t v)
{
	fprintf(out, " %s=%" PRId64, key, v);
}

/* Each parameter of a raw ";a=b;c" list as " ;a=b ;c", leaving out those
 * named in skip (NULL-terminated, may be NULL): they were shown decoded. */
static void params_except(FILE *out, struct sp_str list, const char *const *skip)
{
	struct sp_param prm;
	while (sp_param_next(&list, &prm)) {
		bool shown = false;
		for (const char *const *k = skip; k && *k && !shown; k++)
			shown = sp_str_caseeq_c(prm.name, *k);
		if (shown)
			continue;
		fputs(" ;", out);
		put_esc(out, prm.name);
		if (prm.value.p) {
			fputc('=', out);
			put_esc(out, prm.value);
		}
	}
}

static void params(FILE *out, struct sp_str list)
{
	params_except(out, list, NULL);
}

static const char *host_kind(enum sp_host_kind k)
{
	switch (k) {
	case SP_HOST_IPV4:
		return "ipv4";
	case SP_HOST_IPV6:
		return "ipv6";
	default:
		return "name";
	}
}

static void hostport(FILE *out, const struct sp_hostport *hp)
{
	field(out, "host", hp->host);
	fprintf(out, " (%s)", host_kind(hp->kind));
	if (hp->has_port)
		field_num(out, "port", hp->port);
}

/* A URI as written, then its parts in brackets. */
static void uri(FILE *out, const struct sp_uri *u)
{
	put_esc(out, u->raw);
	fprintf(out, " [scheme=%s", sp_uri_scheme_name(u->scheme));
	if (u->scheme == SP_URI_OTHER) {
		field(out, "name", u->scheme_raw);
		field(out, "opaque", u->opaque);
	} else {
		if (u->user.len)
			field(out, "user", u->user);
		field(out, "password", u->password);
		if (u->hp.host.len)
			hostport(out, &u->hp);
		params(out, u->params);
		if (u->headers.len)
			field(out, "headers", u->headers);
	}
	fputc(']', out);
}

static void nameaddr(FILE *out, enum sp_hdr_id id, const struct sp_nameaddr *na)
{
	if (na->star) {
		fputs(" *", out);
		return;
	}
	if (na->display.len)
		field(out, "display", na->display);
	fputs(" uri=", out);
	uri(out, &na->uri);
	if (!na->angle)
		fputs(" (addr-spec form)", out);
	if (id != SP_HDR_CONTACT) {
		params(out, na->params);
		return;
	}
	/* Contact q and expires decoded (RFC 3261 §20.10): q in thousandths,
	 * expires saturated at 2^32-1. */
	const char *decoded[3] = { NULL, NULL, NULL };
	unsigned nd = 0;
	int q = sp_contact_q(na);
	int64_t e = sp_contact_expires(na);
	if (q >= 0) {
		fprintf(out, " q=%d.%03d", q / 1000, q % 1000);
		decoded[nd++] = "q";
	}
	if (e >= 0) {
		field_num(out, "expires", e);
		decoded[nd++] = "expires";
	}
	params_except(out, na->params, decoded);
}

static void auth(FILE *out, const struct sp_auth *a, bool with_scheme)
{
	if (with_scheme)
		field(out, "scheme", a->scheme);
	if (with_scheme && !a->digest) {
		field(out, "params", a->params);
		return;
	}
	field(out, "username", a->username);
	field(out, "realm", a->realm);
	field(out, "nonce", a->nonce);
	field(out, "uri", a->uri);
	field(out, "response", a->response);
	field(out, "algorithm", a->algorithm);
	field(out, "cnonce", a->cnonce);
	field(out, "opaque", a->opaque);
	field(out, "qop", a->qop);
	field(out, "nc", a->nc);
	field(out, "stale", a->stale);
	field(out, "domain", a->domain);
	field(out, "nextnonce", a->nextnonce);
	field(out, "rspauth", a->rspauth);
	field(out, "userhash", a->userhash);
	field(out, "charset", a->charset);
}

/* The parsed fields of one header value, after "Name:". */
static void header_fields(FILE *out, const struct sp_hdr *h)
{
	union sp_hdr_parsed v;
	struct sp_parse_error perr = { NULL, NULL };
	char when[32];

	if (h->id == SP_HDR_OTHER || sp_hdr_kind(h->id) == SP_HK_RAW) {
		fputc(' ', out);
		if (h->value.len)
			put_esc(out, h->value);
		else
			fputs("(empty)", out);
		return;
	}
	if (sp_hdr_parse_value(h->id, h->value, &v, &perr) != 0) {
		fputc(' ', out);
		put_esc(out, h->value);
		fprintf(out, " (does not parse: %s)", perr.rule ? perr.rule : "?");
		return;
	}
	switch (sp_hdr_kind(h->id)) {
	case SP_HK_VIA:
		fputc(' ', out);
		put_esc(out, v.via.proto_name);
		fputc('/', out);
		put_esc(out, v.via.proto_version);
		fputc('/', out);
		put_esc(out, v.via.transport_raw);
		hostport(out, &v.via.sent_by);
		params(out, v.via.params);
		break;
	case SP_HK_NAMEADDR:
		nameaddr(out, h->id, &v.nameaddr);
		break;
	case SP_HK_CSEQ:
		fprintf(out, " seq=%" PRIu32, v.cseq.seq);
		field(out, "method", v.cseq.method);
		break;
	case SP_HK_NUMBER:
		fprintf(out, " number=%" PRIu32, v.number);
		break;
	case SP_HK_MEDIA:
		fputs(" type=", out);
		put_esc(out, v.media.type);
		fputc('/', out);
		put_esc(out, v.media.subtype);
		params(out, v.media.params);
		break;
	case SP_HK_TOKEN:
		field(out, "token", v.raw);
		break;
	case SP_HK_CALLID:
		field(out, "call-id", v.raw);
		break;
	case SP_HK_PRIORITY:
		field(out, "priority", v.raw);
		break;
	case SP_HK_EVENT:
		field(out, "package", v.event.package);
		field(out, "id", v.event.id);
		params(out, v.event.params);
		break;
	case SP_HK_SUBSTATE:
		field(out, "state", v.substate.state);
		field(out, "reason", v.substate.reason);
		if (v.substate.expires >= 0)
			field_num(out, "expires", v.substate.expires);
		if (v.substate.retry_after >= 0)
			field_num(out, "retry-after", v.substate.retry_after);
		params(out, v.substate.params);
		break;
	case SP_HK_RACK:
		fprintf(out, " rseq=%" PRIu32 " cseq=%" PRIu32, v.rack.rseq, v.rack.cseq);
		field(out, "method", v.rack.method);
		break;
	case SP_HK_SESSION_EXPIRES:
		fprintf(out, " delta=%" PRIu32, v.session_expires.delta);
		field(out, "refresher", v.session_expires.refresher);
		params(out, v.session_expires.params);
		break;
	case SP_HK_RETRY_AFTER:
		fprintf(out, " delta=%" PRIu32, v.retry_after.delta);
		if (v.retry_after.comment.len)
			field(out, "comment", v.retry_after.comment);
		if (v.retry_after.duration >= 0)
			field_num(out, "duration", v.retry_after.duration);
		params(out, v.retry_after.params);
		break;
	case SP_HK_DATE: {
		time_t t = (time_t)v.date.epoch;
		struct tm tm;
		if (gmtime_r(&t, &tm) && strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			fprintf(out, " %s", when);
		field_num(out, "epoch", v.date.epoch);
		break;
	}
	case SP_HK_WARNING:
		fprintf(out, " code=%u", v.warning.code);
		field(out, "agent", v.warning.agent);
		field(out, "text", v.warning.text);
		break;
	case SP_HK_AUTH:
		auth(out, &v.auth, true);
		break;
	case SP_HK_AUTH_INFO:
		auth(out, &v.auth, false);
		break;
	case SP_HK_RAW:
		break;
	}
}

static void headers(FILE *out, const struct sp_msg *msg)
{
	for (unsigned i = 0; i < msg->nlines; i++) {
		const struct sp_hdr_line *l = &msg->lines[i];
		const struct sp_hdr_info *info = sp_hdr_info(l->id);
		for (unsigned k = 0; k < l->count || (k == 0 && l->count == 0); k++) {
			fputs("  ", out);
			put_esc(out, l->name);
			if (info->name && !sp_str_eq(l->name, sp_str_c(info->name)))
				fprintf(out, " (%s)", info->name);
			fputc(':', out);
			if (l->count == 0)
				fputs(" (empty)", out);
			else
				header_fields(out, &msg->hdrs[l->first + k]);
			fputc('\n', out);
		}
	}
}

static void start_line(FILE *out, const struct sp_msg *msg)
{
	fputs("  ", out);
	put_esc(out, msg->start_line);
	fputc('\n', out);
	if (msg->request) {
		fputs("    method: ", out);
		put_esc(out, msg->method);
		if (msg->method_id == SP_METHOD_OTHER)
			fputs(" (extension method)", out);
		fputs("\n    request-uri: ", out);
		uri(out, &msg->ruri);
		fputc('\n', out);
	} else {
		fprintf(out, "    status: %u\n    reason: \"", msg->status);
		put_esc(out, msg->reason);
		fputs("\"\n", out);
	}
}

static const char *role_text(const char *role)
{
	if (strcmp(role, SP_ROLE_ANY) == 0)
		return "any element";
	if (strcmp(role, SP_ROLE_UAS) == 0)
		return "a uas";
	if (strcmp(role, SP_ROLE_UAC) == 0)
		return "a uac";
	if (strcmp(role, SP_ROLE_PROXY) == 0)
		return "a proxy";
	if (strcmp(role, SP_ROLE_REGISTRAR) == 0)
		return "a registrar";
	return role;
}

static void findings(FILE *out, const struct sp_lint_file *f, const struct sp_lint_item *it)
{
	for (size_t i = 0; i < it->nfindings; i++) {
		const struct sp_finding *fd = &it->findings[i];
		fprintf(out, "  note: %s would ", role_text(fd->role));
		if (fd->status)
			fprintf(out, "answer %u %s: %s", fd->status, sp_reason_phrase(fd->status),
				fd->reason);
		else
			fprintf(out, "drop it silently: %s", fd->reason);
		if (fd->detail.p) {
			fputs(": \"", out);
			put_esc(out, fd->detail);
			fputc('"', out);
		}
		if (fd->offset) {
			size_t off = sp_lint_abs(f, &it->msg, fd->offset), line, col;
			sp_lint_line_col(f, off, &line, &col);
			fprintf(out, " (offset %zu, line %zu, column %zu)", off, line, col);
		}
		fputc('\n', out);
	}
	if (it->total_findings > it->nfindings)
		fprintf(out, "  note: %zu more findings not shown\n",
			it->total_findings - it->nfindings);
}

/* The line holding offset off, escaped, with a caret under the byte. */
static void error_view(FILE *out, const struct sp_lint_file *f, size_t off)
{
	size_t ls = off, le = off;
	if (off > f->len)
		off = f->len;
	ls = off;
	while (ls > 0 && f->buf[ls - 1] != '\n')
		ls--;
	le = off;
	while (le < f->len && f->buf[le] != '\n' && f->buf[le] != '\r')
		le++;
	size_t from = off - ls > VIEW_BEFORE ? off - VIEW_BEFORE : ls;
	size_t to = le - off > VIEW_AFTER ? off + VIEW_AFTER : le;
	struct sp_str before = { f->buf + from, off - from };
	struct sp_str after = { f->buf + off, to - off };
	fputs("    | ", out);
	if (from > ls)
		fputs("...", out);
	size_t col = put_esc(out, before) + (from > ls ? 3 : 0);
	put_esc(out, after);
	if (to < le)
		fputs("...", out);
	fprintf(out, "\n    | %*s^\n", (int)col, "");
}

static void print_error(FILE *out, const struct sp_lint_file *f, const struct sp_lint_item *it)
{
	size_t off = sp_lint_error_offset(f, it), line, col;
	unsigned status = sp_lint_error_status(it);
	sp_lint_line_col(f, off, &line, &col);
	fprintf(out, "  error at offset %zu (line %zu, column %zu): %s \xe2\x80\x94 ", off, line,
		col, sp_lint_error_rule(it));
	if (it->kind != SP_LINT_MESSAGE)
		fputs("the connection would be closed\n", out);
	else if (status)
		fprintf(out, "suggested response: %u %s\n", status, sp_reason_phrase(status));
	else
		fputs("suggested response: none (a response is dropped)\n", out);
	error_view(out, f, off);
}

static void message(FILE *out, const struct sp_lint_file *f, const struct sp_lint_item *it)
{
	const struct sp_msg *msg = &it->msg;
	if (it->rc != 0) {
		if (msg->start_line.p) {
			fputs("  ", out);
			put_esc(out, msg->start_line);
			fputc('\n', out);
		}
		print_error(out, f, it);
		return;
	}
	start_line(out, msg);
	headers(out, msg);
	if (msg->body.len) {
		struct sp_str type = sp_lint_body_type(msg);
		fprintf(out, "  body: %zu bytes", msg->body.len);
		if (type.p) {
			fputs(", ", out);
			put_esc(out, type);
		}
		fputc('\n', out);
	} else {
		fputs("  body: none\n", out);
	}
	if (!f->stream && msg->consumed < msg->len)
		fprintf(out, "  note: %zu bytes after the message are not part of it "
			     "(RFC 3261 \xc2\xa7" "18.3: discarded)\n",
			msg->len - msg->consumed);
	findings(out, f, it);
}

static const char *verdict(const struct sp_lint_item *it)
{
	if (it->rc != 0)
		return it->msg.start_line.p ? (it->msg.request ? "invalid SIP request"
								: "invalid SIP response")
					    : "invalid SIP message";
	return it->msg.request ? "valid SIP request" : "valid SIP response";
}

void sp_lint_print_text(FILE *out, const struct sp_lint_file *f)
{
	if (!f->stream) {
		const struct sp_lint_item *it = f->items[0];
		fprintf(out, "%s: %s, %zu bytes", f->name, verdict(it), f->len);
		if (it->rc == 0 && it->total_findings)
			fprintf(out, ", %zu finding%s", it->total_findings,
				it->total_findings == 1 ? "" : "s");
		fputc('\n', out);
		message(out, f, it);
		return;
	}
	fprintf(out, "%s: %s stream, %zu bytes, %zu item%s\n", f->name,
		f->valid ? "valid" : "invalid", f->len, f->nitems, f->nitems == 1 ? "" : "s");
	for (size_t i = 0; i < f->nitems; i++) {
		const struct sp_lint_item *it = f->items[i];
		fprintf(out, "[%zu] offset %zu, %zu bytes: ", i + 1, it->offset, it->length);
		switch (it->kind) {
		case SP_LINT_MESSAGE:
			fprintf(out, "%s\n", verdict(it));
			message(out, f, it);
			break;
		case SP_LINT_KEEPALIVE:
			fprintf(out, "keep-alive (%s)\n", it->length == 4 ? "ping" : "pong");
			break;
		case SP_LINT_INCOMPLETE:
			fputs("incomplete: the stream ends inside a message\n", out);
			break;
		case SP_LINT_FRAMING_ERROR:
			fputs("framing error\n", out);
			print_error(out, f, it);
			break;
		}
	}
}
