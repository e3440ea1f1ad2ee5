/*
 * Generic parameter lists, quoted strings and tokens: the small grammar
 * pieces shared by the URI parser and every structured header parser
 * (RFC 3261 §25.1: uri-parameters, generic-param, quoted-string, token).
 */
#include <errno.h>

#include "siphon/ctype.h"
#include "siphon/parse.h"

int sp_parse_fail(struct sp_parse_error *err, const char *at, const char *rule)
{
	if (err) {
		err->at = at;
		err->rule = rule;
	}
	return -EBADMSG;
}

/* RFC 3261 §25.1: quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE.
 * qdtext excludes raw controls; quoted-pair may carry any byte but CR/LF,
 * including NUL (RFC 4475 §3.1.1.2), so lengths always come from slices. */
int sp_quoted_scan(const char **pp, const char *end, struct sp_parse_error *err,
		   const char *rule)
{
	const char *p = *pp;
	if (p >= end || *p != '"')
		return sp_parse_fail(err, p, rule);
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"') {
			*pp = p + 1;
			return 0;
		}
		if (c == '\\') {
			if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
				return sp_parse_fail(err, p, rule);
			p++;
			continue;
		}
		if ((c < 0x20 && !sp_is(c, SP_C_LWS)) || c == 0x7f)
			return sp_parse_fail(err, p, rule);
	}
	return sp_parse_fail(err, p, rule);
}

struct sp_str sp_unquote(struct sp_str s)
{
	if (s.len >= 2 && s.p[0] == '"' && s.p[s.len - 1] == '"')
		return (struct sp_str){ s.p + 1, s.len - 2 };
	return s;
}

/* paramchar = param-unreserved / unreserved / escaped (RFC 3261 §25.1). */
static size_t paramchars(const char **pp, const char *end, struct sp_parse_error *err,
			 const char *rule, int *rc)
{
	const char *p = *pp;
	*rc = 0;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (sp_is(c, SP_C_UNRESERVED | SP_C_PARAM)) {
			p++;
		} else if (c == '%') {
			if (end - p < 3 || !sp_is((unsigned char)p[1], SP_C_HEX) ||
			    !sp_is((unsigned char)p[2], SP_C_HEX)) {
				*rc = sp_parse_fail(err, p, rule);
				return 0;
			}
			p += 3;
		} else {
			break;
		}
	}
	size_t n = (size_t)(p - *pp);
	*pp = p;
	return n;
}

/* gen-value = token / host / quoted-string; host adds ':' '[' ']'. */
static int gen_value(const char **pp, const char *end, struct sp_parse_error *err,
		     const char *rule)
{
	const char *p = *pp;
	if (p < end && *p == '"')
		return sp_quoted_scan(pp, end, err, rule);
	while (p < end && (sp_is((unsigned char)*p, SP_C_TOKEN) || *p == ':' || *p == '[' ||
			   *p == ']'))
		p++;
	if (p == *pp)
		return sp_parse_fail(err, p, rule);
	*pp = p;
	return 0;
}

int sp_params_scan_each(const char **pp, const char *end, enum sp_param_syntax syntax,
			struct sp_str *raw, struct sp_parse_error *err, const char *rule,
			sp_param_cb each, void *arg)
{
	const char *p = *pp, *start = NULL;
	struct sp_param prm;
	int rc;
	for (;;) {
		const char *q = syntax == SP_PARAM_HEADER ? sp_skip_lws(p, end) : p;
		if (q >= end || *q != ';')
			break;
		if (!start)
			start = q;
		q++;
		if (syntax == SP_PARAM_URI) {
			prm.name.p = q;
			if (!paramchars(&q, end, err, rule, &rc))
				return rc ? rc : sp_parse_fail(err, q, rule);
			prm.name.len = (size_t)(q - prm.name.p);
			prm.value = SP_STR_NULL;
			if (q < end && *q == '=') {
				prm.value.p = ++q;
				if (!paramchars(&q, end, err, rule, &rc))
					return rc ? rc : sp_parse_fail(err, q, rule);
				prm.value.len = (size_t)(q - prm.value.p);
			}
		} else {
			q = sp_skip_lws(q, end);
			prm.name.p = q;
			if (!(prm.name.len = sp_token_scan(&q, end)))
				return sp_parse_fail(err, q, rule);
			prm.value = SP_STR_NULL;
			const char *e = sp_skip_lws(q, end);
			if (e < end && *e == '=') {
				q = sp_skip_lws(e + 1, end);
				prm.value.p = q;
				if ((rc = gen_value(&q, end, err, rule)) != 0)
					return rc;
				prm.value.len = (size_t)(q - prm.value.p);
			}
		}
		if (each && (rc = each(arg, &prm, err)) != 0)
			return rc;
		p = q;
	}
	*raw = start ? sp_str_span(start, p) : (struct sp_str){ p, 0 };
	*pp = p;
	return 0;
}

int sp_params_scan(const char **pp, const char *end, enum sp_param_syntax syntax,
		   struct sp_str *raw, struct sp_parse_error *err, const char *rule)
{
	return sp_params_scan_each(pp, end, syntax, raw, err, rule, NULL, NULL);
}

static bool is_param_stop(char c)
{
	return c == ';' || c == '=' || sp_is((unsigned char)c, SP_C_LWS);
}

bool sp_param_next(struct sp_str *rest, struct sp_param *out)
{
	if (!rest->len) /* also an absent list (p == NULL): no arithmetic on it */
		return false;
	const char *p = rest->p, *end = rest->p + rest->len;
	p = sp_skip_lws(p, end);
	if (p >= end || *p != ';')
		return false;
	p = sp_skip_lws(p + 1, end);
	const char *n = p;
	while (p < end && !is_param_stop(*p))
		p++;
	out->name = sp_str_span(n, p);
	out->value = SP_STR_NULL;
	const char *e = sp_skip_lws(p, end);
	if (e < end && *e == '=') {
		p = sp_skip_lws(e + 1, end);
		const char *v = p;
		if (p < end && *p == '"') {
			if (sp_quoted_scan(&p, end, NULL, NULL) != 0)
				p = end;
		} else {
			while (p < end && *p != ';' && !sp_is((unsigned char)*p, SP_C_LWS))
				p++;
		}
		out->value = sp_str_span(v, p);
	}
	*rest = sp_str_span(p, end);
	return true;
}

bool sp_param_find(struct sp_str params, const char *name, struct sp_str *value)
{
	struct sp_param prm;
	struct sp_str want = sp_str_c(name);
	while (sp_param_next(&params, &prm)) {
		if (sp_str_caseeq(prm.name, want)) {
			if (value)
				*value = prm.value;
			return true;
		}
	}
	return false;
}
