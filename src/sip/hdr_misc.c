/*
 * Small structured header values that are neither numbers nor events:
 * Call-ID, single tokens (option tags, methods in Allow, codings,
 * Priority), media types (Content-Type and each Accept value) and Warning.
 */
#include <errno.h>

#include "siphon/hdr.h"

#include "hdr_scan_int.h"

static size_t word_scan(const char **pp, const char *end)
{
	const char *p = *pp;
	while (p < end && sp_is((unsigned char)*p, SP_C_WORD))
		p++;
	size_t n = (size_t)(p - *pp);
	*pp = p;
	return n;
}

/* RFC 3261 §20.8, §25.1: callid = word [ "@" word ]. word admits most
 * separators ('"', '\', '<', '>', '(', ')' ...: RFC 4475 §3.1.1.2) but not
 * '@', ';', ',', '=', LWS or control bytes. Returns 0 if value (LWS around
 * it ignored) is exactly one callid, else -EBADMSG with err set. The value
 * is compared byte-exact by its users (Call-IDs are case-sensitive). */
int sp_callid_parse(struct sp_str value, struct sp_parse_error *err)
{
	static const char R_CALLID[] = "Call-ID: callid";
	const char *p, *end;

	sp__value_bounds(value, &p, &end);
	if (!word_scan(&p, end))
		return sp_parse_fail(err, p, R_CALLID);
	if (p < end && *p == '@') {
		p++;
		if (!word_scan(&p, end))
			return sp_parse_fail(err, p, R_CALLID);
	}
	return p == end ? 0 : sp_parse_fail(err, p, R_CALLID);
}

static int one_token(struct sp_str value, struct sp_parse_error *err, const char *rule)
{
	const char *p, *end;

	sp__value_bounds(value, &p, &end);
	if (!sp_token_scan(&p, end))
		return sp_parse_fail(err, p, rule);
	return p == end ? 0 : sp_parse_fail(err, p, rule);
}

/* Exactly one token (RFC 3261 §25.1), LWS around it ignored: one value of
 * Allow, Supported, Require, Proxy-Require, Unsupported, Content-Encoding,
 * Accept-Encoding (no params) ... Returns 0 or -EBADMSG with err set. */
int sp_token_parse(struct sp_str value, struct sp_parse_error *err)
{
	return one_token(value, err, "token");
}

/* RFC 3261 §20.26: priority-value = "emergency" / "urgent" / "normal" /
 * "non-urgent" / other-priority, other-priority = token. So any token is
 * valid; interpreting it is the caller's job. Returns 0 or -EBADMSG. */
int sp_priority_parse(struct sp_str value, struct sp_parse_error *err)
{
	return one_token(value, err, "Priority: priority-value");
}

/* RFC 3261 §20.15, §25.1: media-type = m-type SLASH m-subtype *(SEMI
 * m-parameter), SLASH = SWS "/" SWS; each Accept value (§20.1) is a
 * media-range, whose '*' is already a token character. Parameters are
 * scanned as generic-params (accept-param allows a name without value;
 * m-parameter's stricter "value required" is not enforced). Returns 0
 * with *mt filled, or -EBADMSG with err set and *mt untouched. */
int sp_media_type_parse(struct sp_media_type *mt, struct sp_str value, struct sp_parse_error *err)
{
	struct sp_media_type m;
	const char *p, *end, *s;
	int rc;

	sp__value_bounds(value, &p, &end);
	s = p;
	if (!sp_token_scan(&p, end))
		return sp_parse_fail(err, p, "media-type: m-type");
	m.type = sp_str_span(s, p);
	p = sp_skip_lws(p, end);
	if (p >= end || *p != '/')
		return sp_parse_fail(err, p, "media-type: SLASH");
	p = sp_skip_lws(p + 1, end);
	s = p;
	if (!sp_token_scan(&p, end))
		return sp_parse_fail(err, p, "media-type: m-subtype");
	m.subtype = sp_str_span(s, p);
	if ((rc = sp_params_scan(&p, end, SP_PARAM_HEADER, &m.params, err,
				 "media-type: m-parameter")) ||
	    (rc = sp__expect_end(p, end, err, "media-type: m-parameter")))
		return rc;
	*mt = m;
	return 0;
}

/* warn-agent = hostport / pseudonym (token). A token followed by ':' or a
 * '[' start is read as hostport (so its port and IPv6 reference are
 * checked); any other token is a pseudonym, even if it looks like a host. */
static int warn_agent(const char **pp, const char *end, struct sp_str *agent,
		      struct sp_parse_error *err)
{
	static const char R_AGENT[] = "Warning: warn-agent";
	const char *p = *pp, *s = p;
	struct sp_hostport hp;
	struct sp_parse_error e;

	if (p < end && *p != '[') {
		if (!sp_token_scan(&p, end))
			return sp_parse_fail(err, p, R_AGENT);
		if (p >= end || *p != ':') {
			*agent = sp_str_span(s, p);
			*pp = p;
			return 0;
		}
		p = s;
	}
	if (sp_hostport_scan(&p, end, &hp, &e) != 0)
		return sp_parse_fail(err, e.at, R_AGENT);
	*agent = sp_str_span(s, p);
	*pp = p;
	return 0;
}

/* RFC 3261 §20.43: warning-value = warn-code SP warn-agent SP warn-text,
 * warn-code = 3DIGIT (exactly three: RFC 4475 §3.1.2.5 '1812' is an
 * error), warn-text = quoted-string. Liberal in one place: each SP may be
 * any run of LWS (folding can put CRLF SP there). Returns 0 with *w filled
 * (text with its quotes), or -EBADMSG with err set and *w untouched. */
int sp_warning_parse(struct sp_warning *w, struct sp_str value, struct sp_parse_error *err)
{
	static const char R_CODE[] = "Warning: warn-code";
	static const char R_SP[] = "Warning: SP";
	struct sp_warning x;
	const char *p, *end, *s;
	int rc;

	sp__value_bounds(value, &p, &end);
	unsigned code = 0;
	for (int i = 0; i < 3; i++, p++) {
		if (p >= end || !sp_is((unsigned char)*p, SP_C_DIGIT))
			return sp_parse_fail(err, p, R_CODE);
		code = code * 10 + (unsigned)(*p - '0');
	}
	if (p < end && sp_is((unsigned char)*p, SP_C_DIGIT))
		return sp_parse_fail(err, p, R_CODE);
	x.code = (uint16_t)code;
	if (!sp__is_lws(p, end))
		return sp_parse_fail(err, p, R_SP);
	p = sp_skip_lws(p, end);
	if ((rc = warn_agent(&p, end, &x.agent, err)))
		return rc;
	if (!sp__is_lws(p, end))
		return sp_parse_fail(err, p, R_SP);
	p = sp_skip_lws(p, end);
	s = p;
	if ((rc = sp_quoted_scan(&p, end, err, "Warning: warn-text")) ||
	    (rc = sp__expect_end(p, end, err, "Warning: warn-text")))
		return rc;
	x.text = sp_str_span(s, p);
	*w = x;
	return 0;
}
