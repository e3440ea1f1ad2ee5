/*
 * SIP events header values (RFC 6665 §8.2.1, §8.2.3, updating RFC 3265
 * §7.2.1, §7.2.4): Event (also each Allow-Events value, params aside) and
 * Subscription-State.
 */
#include <errno.h>

#include "siphon/hdr.h"

#include "hdr_scan_int.h"

/* RFC 6665 §8.2.1: event-type = event-package *( "." event-template ),
 * both token-nodot (a token without '.'). So the type is a token whose
 * dots separate non-empty parts: no leading, trailing or doubled dot. */
static int event_type(const char **pp, const char *end, struct sp_str *out,
		      struct sp_parse_error *err)
{
	static const char R_TYPE[] = "Event: event-type";
	const char *p = *pp, *s = p;
	if (!sp_token_scan(&p, end))
		return sp_parse_fail(err, p, R_TYPE);
	for (const char *d = s; d < p; d++)
		if (*d == '.' && (d == s || d + 1 == p || d[1] == '.'))
			return sp_parse_fail(err, d == s ? d : d + 1, R_TYPE);
	*out = sp_str_span(s, p);
	*pp = p;
	return 0;
}

/* Event = event-type *( SEMI event-param ), event-param = generic-param /
 * ( "id" EQUAL token ) (RFC 6665 §8.2.1; "id" may appear once). Returns 0
 * with *ev filled (package is the whole event-type, e.g. "presence.winfo";
 * id p == NULL if absent), or -EBADMSG with err set and *ev untouched. */
int sp_event_parse(struct sp_event *ev, struct sp_str value, struct sp_parse_error *err)
{
	static const char R_ID[] = "Event: id";
	struct sp_event e = {.id = SP_STR_NULL};
	const char *p, *end;
	bool seen = false;
	int rc;

	sp__value_bounds(value, &p, &end);
	if ((rc = event_type(&p, end, &e.package, err)) ||
	    (rc = sp_params_scan(&p, end, SP_PARAM_HEADER, &e.params, err, "Event: event-param")) ||
	    (rc = sp__expect_end(p, end, err, "Event: event-param")))
		return rc;

	struct sp_str rest = e.params;
	struct sp_param prm;
	while (sp_param_next(&rest, &prm)) {
		if (!sp_str_caseeq_c(prm.name, "id"))
			continue;
		if ((rc = sp__param_once(&seen, &prm, err, R_ID)) ||
		    (rc = sp__param_token(&prm, err, R_ID)))
			return rc;
		e.id = prm.value;
	}
	*ev = e;
	return 0;
}

/* RFC 6665 §8.2.3: Subscription-State = substate-value *( SEMI
 * subexp-params ), substate-value = "active" / "pending" / "terminated" /
 * extension-substate (token); subexp-params = ("reason" EQUAL token) /
 * ("expires" EQUAL delta-seconds) / ("retry-after" EQUAL delta-seconds) /
 * generic-param. Each of reason, expires, retry-after may appear once; the
 * numbers must fit 32 bits. Returns 0 with *ss filled (reason p == NULL,
 * expires and retry_after -1 when absent), or -EBADMSG with err set and
 * *ss untouched. */
int sp_substate_parse(struct sp_substate *ss, struct sp_str value, struct sp_parse_error *err)
{
	static const char R_REASON[] = "Subscription-State: reason";
	static const char R_EXPIRES[] = "Subscription-State: expires";
	static const char R_RETRY[] = "Subscription-State: retry-after";
	struct sp_substate s = {.reason = SP_STR_NULL, .expires = -1, .retry_after = -1};
	const char *p, *end, *st;
	bool seen_reason = false, seen_expires = false, seen_retry = false;
	uint64_t v;
	int rc;

	sp__value_bounds(value, &p, &end);
	st = p;
	if (!sp_token_scan(&p, end))
		return sp_parse_fail(err, p, "Subscription-State: substate-value");
	s.state = sp_str_span(st, p);
	if ((rc = sp_params_scan(&p, end, SP_PARAM_HEADER, &s.params, err,
				 "Subscription-State: subexp-params")) ||
	    (rc = sp__expect_end(p, end, err, "Subscription-State: subexp-params")))
		return rc;

	struct sp_str rest = s.params;
	struct sp_param prm;
	while (sp_param_next(&rest, &prm)) {
		if (sp_str_caseeq_c(prm.name, "reason")) {
			if ((rc = sp__param_once(&seen_reason, &prm, err, R_REASON)) ||
			    (rc = sp__param_token(&prm, err, R_REASON)))
				return rc;
			s.reason = prm.value;
		} else if (sp_str_caseeq_c(prm.name, "expires")) {
			if ((rc = sp__param_once(&seen_expires, &prm, err, R_EXPIRES)) ||
			    (rc = sp__param_uint(&prm, UINT32_MAX, &v, err, R_EXPIRES)))
				return rc;
			s.expires = (int64_t)v;
		} else if (sp_str_caseeq_c(prm.name, "retry-after")) {
			if ((rc = sp__param_once(&seen_retry, &prm, err, R_RETRY)) ||
			    (rc = sp__param_uint(&prm, UINT32_MAX, &v, err, R_RETRY)))
				return rc;
			s.retry_after = (int64_t)v;
		}
	}
	*ss = s;
	return 0;
}
