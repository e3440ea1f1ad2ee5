/*
 * tel URIs (RFC 3966 §3): global numbers with visual separators, local
 * numbers with their mandatory phone-context, and par parameters.
 */
#include <errno.h>

#include "uri_int.h"

bool sp__tel_is_visual(unsigned char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

/* *phonedigit DIGIT *phonedigit (phonedigit = DIGIT / visual-separator)
 * at *pp; returns false when no DIGIT was found. */
static bool phonedigits(const char **pp, const char *end)
{
	const char *p = *pp;
	bool digit = false;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (sp_is(c, SP_C_DIGIT))
			digit = true;
		else if (!sp__tel_is_visual(c))
			break;
	}
	*pp = p;
	return digit;
}

/* global-number-digits = "+" *phonedigit DIGIT *phonedigit, at *pp (which
 * must be at '+'). */
static bool scan_global_digits(const char **pp, const char *end)
{
	++*pp;
	return phonedigits(pp, end);
}

/* local-number-digits = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex */
static bool scan_local_digits(const char **pp, const char *end)
{
	const char *p = *pp;
	bool digit = false;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (sp_is(c, SP_C_HEX) || c == '*' || c == '#')
			digit = true;
		else if (!sp__tel_is_visual(c))
			break;
	}
	*pp = p;
	return digit;
}

/* descriptor digits: global-number-digits, or the RFC 2806 digits-only
 * prefix that RFC 3261 §19.1.6 still shows ("phone-context=5"). */
bool sp__tel_is_phone_prefix(struct sp_str v)
{
	const char *p = v.p, *end = sp__uri_end(v);
	if (p < end && *p == '+')
		p++;
	return phonedigits(&p, end) && p == end;
}

/* domainname, same shape as a SIP hostname (RFC 3966 §3). */
static bool domainname_valid(struct sp_str s)
{
	const char *p = s.p, *end = sp__uri_end(s);
	struct sp_hostport hp;
	return s.len && sp_hostport_scan(&p, end, &hp, NULL) == 0 && p == end &&
	       hp.kind == SP_HOST_NAME;
}

/* Checks a tel parameter value by its name: isdn-subaddress = ";isub="
 * 1*uric, extension = ";ext=" 1*phonedigit, context = ";phone-context="
 * descriptor; any other = 1*paramchar. Returns the first bad byte or
 * NULL. */
static const char *tel_value_bad(struct sp_str name, const char *v, const char *end)
{
	const char *p = v;
	if (sp_str_caseeq_c(name, "phone-context")) {
		/* descriptor = domainname / global-number-digits */
		struct sp_str d = sp_str_span(v, end);
		return sp__tel_is_phone_prefix(d) || domainname_valid(d) ? NULL : v;
	}
	if (sp_str_caseeq_c(name, "ext")) /* 1*phonedigit */
		return phonedigits(&p, end) && p == end ? NULL : p;
	/* uric minus ';' for isub (';' always starts the next parameter);
	 * paramchar otherwise. sp__uri_scan_chars already checked the escapes. */
	unsigned cls = SP_C_UNRESERVED | SP_C_PARAM;
	if (sp_str_caseeq_c(name, "isub"))
		cls |= SP_C_RESERVED;
	for (; p < end; p++) {
		if (*p == '%')
			p += 2;
		else if (!sp_is((unsigned char)*p, cls))
			return p;
	}
	return p == v ? v : NULL;
}

/* Finds the first parameter named like name (case-insensitive) in the
 * tel parameters before stop. */
static bool tel_param_seen(struct sp_str params, const char *stop, struct sp_str name)
{
	struct sp_param prm;
	params.len = (size_t)(stop - params.p);
	while (sp_param_next(&params, &prm))
		if (sp_str_caseeq(prm.name, name))
			return true;
	return false;
}

/* telephone-subscriber = global-number / local-number (RFC 3966 §3). */
int sp__uri_parse_tel(struct sp_uri *uri, const char *p, const char *end, struct sp_parse_error *err)
{
	const char *n = p;
	bool global = p < end && *p == '+';
	bool context = false;
	if (!(global ? scan_global_digits(&p, end) : scan_local_digits(&p, end)))
		return sp_parse_fail(err, p,
				     global ? "global-number-digits" : "local-number-digits");
	uri->user = sp_str_span(n, p);
	const char *params = p;
	unsigned count = 0;
	while (p < end && *p == ';') {
		const char *name = ++p;
		if (++count > SP__URI_MAX_PARAMS)
			return sp_parse_fail(err, name, "tel par (too many)");
		/* pname = 1*( alphanum / "-" ) */
		while (p < end && (sp_is((unsigned char)*p, SP_C_ALPHA | SP_C_DIGIT) || *p == '-'))
			p++;
		if (p == name)
			return sp_parse_fail(err, p, "tel pname");
		struct sp_str pname = sp_str_span(name, p);
		/* RFC 3966 §3: no parameter name may appear more than once. */
		if (tel_param_seen(sp_str_span(params, end), name - 1, pname))
			return sp_parse_fail(err, name, "tel parameter repeated");
		if (sp_str_caseeq_c(pname, "phone-context"))
			context = true;
		if (p < end && *p == '=') {
			const char *v = ++p;
			/* The value runs to the next ';' over any uric; the
			 * rule of its parameter then says which are allowed. */
			while (p < end && *p != ';' &&
			       (sp_is((unsigned char)*p,
				      SP_C_UNRESERVED | SP_C_PARAM | SP_C_RESERVED) ||
				*p == '%')) {
				if (*p == '%' && !sp__uri_is_escape(p, end))
					return sp_parse_fail(err, p, "tel pvalue");
				p += *p == '%' ? 3 : 1;
			}
			const char *bad = tel_value_bad(pname, v, p);
			if (bad)
				return sp_parse_fail(err, bad, "tel pvalue");
		} else if (sp_str_caseeq_c(pname, "phone-context") ||
			   sp_str_caseeq_c(pname, "ext") || sp_str_caseeq_c(pname, "isub")) {
			return sp_parse_fail(err, p, "tel pvalue");
		}
	}
	if (p != end)
		return sp_parse_fail(err, p, "telephone-subscriber");
	/* RFC 3966 §5.1.5: a local number needs its phone-context. */
	if (!global && !context)
		return sp_parse_fail(err, end, "tel phone-context");
	uri->params = sp_str_span(params, end);
	return 0;
}
