/*
 * `siphon lint --json`: one JSON document per input on one line (JSON
 * Lines). The schema is documented, and versioned by the "schema" member,
 * in docs/lint.md; keep the two in step. Absent optional values are null
 * rather than missing, so consumers can index without probing, except
 * where docs/lint.md says a member is present only in some cases.
 */
#include <errno.h>
#include <time.h>

#include "lint.h"
#include "json.h"

#define SCHEMA_VERSION 1

static void params(struct sp_json *j, struct sp_str list)
{
	struct sp_param prm;
	sp_json_key(j, "params");
	sp_json_array_begin(j);
	while (sp_param_next(&list, &prm)) {
		sp_json_object_begin(j);
		sp_json_kstr(j, "name", prm.name);
		sp_json_kstr(j, "value", prm.value);
		sp_json_object_end(j);
	}
	sp_json_array_end(j);
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

/* "host", "host_kind", "port" members (all null when there is no host). */
static void hostport(struct sp_json *j, const struct sp_hostport *hp)
{
	bool has = hp->host.len != 0;
	sp_json_kstr(j, "host", has ? hp->host : SP_STR_NULL);
	sp_json_kcstr(j, "host_kind", has ? host_kind(hp->kind) : NULL);
	sp_json_key(j, "port");
	if (has && hp->has_port)
		sp_json_uint(j, hp->port);
	else
		sp_json_null(j);
}

static struct sp_str present(struct sp_str s)
{
	return s.len ? s : SP_STR_NULL;
}

static void uri(struct sp_json *j, const struct sp_uri *u)
{
	bool other = u->scheme == SP_URI_OTHER;
	sp_json_object_begin(j);
	sp_json_kstr(j, "raw", u->raw);
	sp_json_kcstr(j, "scheme", sp_uri_scheme_name(u->scheme));
	sp_json_kstr(j, "scheme_raw", u->scheme_raw);
	sp_json_kstr(j, "user", other ? SP_STR_NULL : present(u->user));
	sp_json_kstr(j, "password", other ? SP_STR_NULL : u->password);
	hostport(j, &u->hp);
	params(j, other ? SP_STR_NULL : u->params);
	sp_json_kstr(j, "headers", other ? SP_STR_NULL : present(u->headers));
	sp_json_kstr(j, "opaque", other ? u->opaque : SP_STR_NULL);
	sp_json_object_end(j);
}

static void opt_int(struct sp_json *j, const char *key, int64_t v)
{
	sp_json_key(j, key);
	if (v >= 0)
		sp_json_int(j, v);
	else
		sp_json_null(j);
}

static void nameaddr(struct sp_json *j, enum sp_hdr_id id, const struct sp_nameaddr *na)
{
	sp_json_kcstr(j, "kind", "nameaddr");
	sp_json_kbool(j, "star", na->star);
	sp_json_kstr(j, "display", na->star ? SP_STR_NULL : present(na->display));
	sp_json_kbool(j, "angle", na->angle);
	sp_json_key(j, "uri");
	if (na->star)
		sp_json_null(j);
	else
		uri(j, &na->uri);
	sp_json_kstr(j, "tag", na->tag);
	params(j, na->params);
	if (id == SP_HDR_CONTACT) {
		int q = na->star ? -1 : sp_contact_q(na);
		char num[16];
		sp_json_key(j, "q");
		if (q >= 0) {
			snprintf(num, sizeof(num), "%d.%03d", q / 1000, q % 1000);
			sp_json_number(j, num);
		} else {
			sp_json_null(j);
		}
		opt_int(j, "expires", na->star ? -1 : sp_contact_expires(na));
	}
}

static void auth(struct sp_json *j, const struct sp_auth *a, bool with_scheme)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
#define F(x) { #x, offsetof(struct sp_auth, x) }
		F(username), F(realm),	   F(nonce),	 F(uri),      F(response), F(algorithm),
		F(cnonce),   F(opaque),	   F(qop),	 F(nc),	      F(stale),	   F(domain),
		F(nextnonce), F(rspauth), F(userhash), F(charset),
#undef F
	};
	sp_json_kcstr(j, "kind", with_scheme ? "auth" : "auth_info");
	if (with_scheme) {
		sp_json_kstr(j, "scheme", a->scheme);
		sp_json_kbool(j, "digest", a->digest);
	}
	sp_json_kstr(j, "params_raw", a->params);
	sp_json_key(j, "fields");
	sp_json_object_begin(j);
	if (!with_scheme || a->digest) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const struct sp_str *s =
				(const struct sp_str *)((const char *)a + names[i].off);
			if (s->p)
				sp_json_kstr(j, names[i].name, *s);
		}
	}
	sp_json_object_end(j);
}

/* The "parsed" member of one header value. */
static void parsed(struct sp_json *j, const struct sp_hdr *h)
{
	union sp_hdr_parsed v;
	struct sp_parse_error perr = { NULL, NULL };
	char iso[32];

	sp_json_key(j, "parsed");
	if (h->id == SP_HDR_OTHER || sp_hdr_kind(h->id) == SP_HK_RAW) {
		sp_json_null(j);
		return;
	}
	if (sp_hdr_parse_value(h->id, h->value, &v, &perr) != 0) {
		sp_json_null(j);
		sp_json_kcstr(j, "parse_error", perr.rule ? perr.rule : "?");
		return;
	}
	sp_json_object_begin(j);
	switch (sp_hdr_kind(h->id)) {
	case SP_HK_VIA:
		sp_json_kcstr(j, "kind", "via");
		sp_json_kstr(j, "protocol", v.via.proto_name);
		sp_json_kstr(j, "version", v.via.proto_version);
		sp_json_kstr(j, "transport", v.via.transport_raw);
		hostport(j, &v.via.sent_by);
		sp_json_kstr(j, "branch", v.via.branch);
		sp_json_kstr(j, "received", v.via.received);
		sp_json_kstr(j, "maddr", v.via.maddr);
		sp_json_kbool(j, "rport", v.via.has_rport);
		sp_json_key(j, "rport_value");
		if (v.via.has_rport && v.via.rport)
			sp_json_uint(j, v.via.rport);
		else
			sp_json_null(j);
		opt_int(j, "ttl", v.via.ttl);
		params(j, v.via.params);
		break;
	case SP_HK_NAMEADDR:
		nameaddr(j, h->id, &v.nameaddr);
		break;
	case SP_HK_CSEQ:
		sp_json_kcstr(j, "kind", "cseq");
		sp_json_kuint(j, "seq", v.cseq.seq);
		sp_json_kstr(j, "method", v.cseq.method);
		break;
	case SP_HK_NUMBER:
		sp_json_kcstr(j, "kind", "number");
		sp_json_kuint(j, "value", v.number);
		break;
	case SP_HK_MEDIA:
		sp_json_kcstr(j, "kind", "media");
		sp_json_kstr(j, "type", v.media.type);
		sp_json_kstr(j, "subtype", v.media.subtype);
		params(j, v.media.params);
		break;
	case SP_HK_TOKEN:
		sp_json_kcstr(j, "kind", "token");
		sp_json_kstr(j, "token", v.raw);
		break;
	case SP_HK_CALLID:
		sp_json_kcstr(j, "kind", "call_id");
		sp_json_kstr(j, "call_id", v.raw);
		break;
	case SP_HK_PRIORITY:
		sp_json_kcstr(j, "kind", "priority");
		sp_json_kstr(j, "priority", v.raw);
		break;
	case SP_HK_EVENT:
		sp_json_kcstr(j, "kind", "event");
		sp_json_kstr(j, "package", v.event.package);
		sp_json_kstr(j, "id", v.event.id);
		params(j, v.event.params);
		break;
	case SP_HK_SUBSTATE:
		sp_json_kcstr(j, "kind", "substate");
		sp_json_kstr(j, "state", v.substate.state);
		sp_json_kstr(j, "reason", v.substate.reason);
		opt_int(j, "expires", v.substate.expires);
		opt_int(j, "retry_after", v.substate.retry_after);
		params(j, v.substate.params);
		break;
	case SP_HK_RACK:
		sp_json_kcstr(j, "kind", "rack");
		sp_json_kuint(j, "rseq", v.rack.rseq);
		sp_json_kuint(j, "cseq", v.rack.cseq);
		sp_json_kstr(j, "method", v.rack.method);
		break;
	case SP_HK_SESSION_EXPIRES:
		sp_json_kcstr(j, "kind", "session_expires");
		sp_json_kuint(j, "delta", v.session_expires.delta);
		sp_json_kstr(j, "refresher", v.session_expires.refresher);
		params(j, v.session_expires.params);
		break;
	case SP_HK_RETRY_AFTER:
		sp_json_kcstr(j, "kind", "retry_after");
		sp_json_kuint(j, "delta", v.retry_after.delta);
		sp_json_kstr(j, "comment", present(v.retry_after.comment));
		opt_int(j, "duration", v.retry_after.duration);
		params(j, v.retry_after.params);
		break;
	case SP_HK_DATE: {
		time_t t = (time_t)v.date.epoch;
		struct tm tm;
		sp_json_kcstr(j, "kind", "date");
		sp_json_kint(j, "epoch", v.date.epoch);
		if (gmtime_r(&t, &tm) && strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm))
			sp_json_kcstr(j, "iso", iso);
		else
			sp_json_knull(j, "iso");
		break;
	}
	case SP_HK_WARNING:
		sp_json_kcstr(j, "kind", "warning");
		sp_json_kuint(j, "code", v.warning.code);
		sp_json_kstr(j, "agent", v.warning.agent);
		sp_json_kstr(j, "text", v.warning.text);
		break;
	case SP_HK_AUTH:
		auth(j, &v.auth, true);
		break;
	case SP_HK_AUTH_INFO:
		auth(j, &v.auth, false);
		break;
	case SP_HK_RAW:
		break;
	}
	sp_json_object_end(j);
}

static void header(struct sp_json *j, const struct sp_lint_file *f, const struct sp_hdr_line *l,
		   const struct sp_hdr *h)
{
	const char *canonical = sp_hdr_info(l->id)->name;
	sp_json_object_begin(j);
	sp_json_kstr(j, "name", l->name);
	sp_json_kcstr(j, "canonical", canonical);
	if (h) {
		sp_json_kuint(j, "offset", (uint64_t)(h->value.p - f->buf));
		sp_json_kstr(j, "value", h->value);
		parsed(j, h);
	} else {
		/* A list header written with no value at all ("Accept:"). */
		sp_json_kuint(j, "offset", (uint64_t)(l->raw.p + l->raw.len - f->buf));
		sp_json_kstr(j, "value", SP_STR(""));
		sp_json_knull(j, "parsed");
	}
	sp_json_object_end(j);
}

static void position(struct sp_json *j, const struct sp_lint_file *f, size_t off)
{
	size_t line, col;
	sp_lint_line_col(f, off, &line, &col);
	sp_json_kuint(j, "offset", off);
	sp_json_kuint(j, "line", line);
	sp_json_kuint(j, "column", col);
}

static void error(struct sp_json *j, const struct sp_lint_file *f, const struct sp_lint_item *it)
{
	sp_json_key(j, "error");
	sp_json_object_begin(j);
	position(j, f, sp_lint_error_offset(f, it));
	sp_json_kcstr(j, "rule", sp_lint_error_rule(it));
	sp_json_key(j, "status");
	if (it->kind == SP_LINT_MESSAGE)
		sp_json_uint(j, sp_lint_error_status(it));
	else
		sp_json_null(j);
	sp_json_object_end(j);
}

static void findings(struct sp_json *j, const struct sp_lint_file *f, const struct sp_lint_item *it)
{
	sp_json_key(j, "findings");
	sp_json_array_begin(j);
	for (size_t i = 0; i < it->nfindings; i++) {
		const struct sp_finding *fd = &it->findings[i];
		sp_json_object_begin(j);
		sp_json_kuint(j, "status", fd->status);
		sp_json_kcstr(j, "role", fd->role);
		sp_json_kcstr(j, "reason", fd->reason);
		sp_json_kstr(j, "detail", fd->detail);
		if (fd->offset) {
			position(j, f, sp_lint_abs(f, &it->msg, fd->offset));
		} else {
			sp_json_knull(j, "offset");
			sp_json_knull(j, "line");
			sp_json_knull(j, "column");
		}
		sp_json_object_end(j);
	}
	sp_json_array_end(j);
	sp_json_kuint(j, "findings_total", it->total_findings);
}

/* The members describing one message, into the object already open. */
static void message(struct sp_json *j, const struct sp_lint_file *f, const struct sp_lint_item *it)
{
	const struct sp_msg *msg = &it->msg;
	if (msg->start_line.p) {
		sp_json_kcstr(j, "kind", msg->request ? "request" : "response");
		sp_json_kstr(j, "start_line", msg->start_line);
	} else {
		sp_json_knull(j, "kind");
		sp_json_knull(j, "start_line");
	}
	if (it->rc != 0) {
		error(j, f, it);
		return;
	}
	if (!f->stream) /* a stream item carries its own "length" */
		sp_json_kuint(j, "length", msg->consumed);
	sp_json_kstr(j, "version", msg->version);
	if (msg->request) {
		sp_json_kstr(j, "method", msg->method);
		sp_json_kbool(j, "method_known", msg->method_id != SP_METHOD_OTHER);
		sp_json_key(j, "request_uri");
		uri(j, &msg->ruri);
	} else {
		sp_json_kuint(j, "status", msg->status);
		sp_json_kstr(j, "reason", msg->reason);
	}
	sp_json_key(j, "headers");
	sp_json_array_begin(j);
	for (unsigned i = 0; i < msg->nlines; i++) {
		const struct sp_hdr_line *l = &msg->lines[i];
		if (l->count == 0)
			header(j, f, l, NULL);
		for (unsigned k = 0; k < l->count; k++)
			header(j, f, l, &msg->hdrs[l->first + k]);
	}
	sp_json_array_end(j);
	sp_json_key(j, "body");
	sp_json_object_begin(j);
	sp_json_kuint(j, "offset", (uint64_t)(msg->body.p - f->buf));
	sp_json_kuint(j, "length", msg->body.len);
	sp_json_kstr(j, "type", sp_lint_body_type(msg));
	sp_json_object_end(j);
	if (!f->stream)
		sp_json_kuint(j, "trailing_bytes", msg->len - msg->consumed);
	findings(j, f, it);
}

static const char *item_type(enum sp_lint_kind k)
{
	switch (k) {
	case SP_LINT_MESSAGE:
		return "message";
	case SP_LINT_KEEPALIVE:
		return "keepalive";
	case SP_LINT_INCOMPLETE:
		return "incomplete";
	default:
		return "framing_error";
	}
}

void sp_lint_print_json(FILE *out, const struct sp_lint_file *f)
{
	struct sp_json j;
	sp_json_init(&j, out);
	sp_json_object_begin(&j);
	sp_json_kint(&j, "schema", SCHEMA_VERSION);
	sp_json_kcstr(&j, "file", f->name);
	sp_json_kcstr(&j, "mode", f->stream ? "stream" : "datagram");
	sp_json_kbool(&j, "valid", f->valid);
	if (f->io_error) {
		sp_json_kcstr(&j, "io_error", f->io_error);
		sp_json_object_end(&j);
		fputc('\n', out);
		return;
	}
	sp_json_kuint(&j, "bytes", f->len);
	if (!f->stream) {
		message(&j, f, f->items[0]);
	} else {
		sp_json_key(&j, "items");
		sp_json_array_begin(&j);
		for (size_t i = 0; i < f->nitems; i++) {
			const struct sp_lint_item *it = f->items[i];
			sp_json_object_begin(&j);
			sp_json_kcstr(&j, "type", item_type(it->kind));
			sp_json_kuint(&j, "offset", it->offset);
			sp_json_kuint(&j, "length", it->length);
			switch (it->kind) {
			case SP_LINT_MESSAGE:
				sp_json_kbool(&j, "valid", it->rc == 0);
				message(&j, f, it);
				break;
			case SP_LINT_FRAMING_ERROR:
				error(&j, f, it);
				break;
			default:
				break;
			}
			sp_json_object_end(&j);
		}
		sp_json_array_end(&j);
	}
	sp_json_object_end(&j);
	fputc('\n', out);
}
