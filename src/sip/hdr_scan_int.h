/*
 * Scanning helpers shared by the structured header-value parsers
 * (hdr_via.c, hdr_number.c, hdr_event.c, hdr_misc.c, hdr_date.c): the
 * bounds of a value without its surrounding LWS, 1*DIGIT with an upper
 * bound that never wraps, "only LWS may follow", and the checks applied to
 * the parameters those parsers interpret. Static inline: each parser stays
 * a pure function over its slice, with nothing to link.
 */
#ifndef SIPHON_SIP_HDR_SCAN_INT_H
#define SIPHON_SIP_HDR_SCAN_INT_H

#include <errno.h>

#include "siphon/ctype.h"
#include "siphon/parse.h"

/* The bytes of v without leading and trailing LWS: the message splitter
 * may leave folding (CRLF SP) or spaces around a value. An absent slice
 * (p == NULL) is treated as empty, so that no NULL pointer arithmetic
 * ever happens. */
static inline void sp__value_bounds(struct sp_str v, const char **p, const char **end)
{
	if (!v.p)
		v = (struct sp_str){"", 0};
	v = sp_str_trim(v);
	*p = v.p;
	*end = v.p + v.len;
}

static inline bool sp__is_lws(const char *p, const char *end)
{
	return p < end && sp_is((unsigned char)*p, SP_C_LWS);
}

/* 1*DIGIT at *pp with a value no larger than max (leading zeros allowed).
 * Advances *pp past the digits and sets *out. Fails at *pp when there is
 * no digit, and at the first digit when the number exceeds max: it is
 * rejected, never wrapped or clamped (RFC 4475 §3.1.2.4, §3.1.2.5). */
static inline int sp__digits(const char **pp, const char *end, uint64_t max, uint64_t *out,
			     struct sp_parse_error *err, const char *rule)
{
	const char *p = *pp;
	while (p < end && sp_is((unsigned char)*p, SP_C_DIGIT))
		p++;
	if (p == *pp || sp_str_to_u64(sp_str_span(*pp, p), max, out) != 0)
		return sp_parse_fail(err, *pp, rule);
	*pp = p;
	return 0;
}

/* Only LWS may remain between p and end; fails at the first other byte. */
static inline int sp__expect_end(const char *p, const char *end, struct sp_parse_error *err,
				 const char *rule)
{
	p = sp_skip_lws(p, end);
	return p == end ? 0 : sp_parse_fail(err, p, rule);
}

/* RFC 3261 §7.3.1: "any given parameter-name MUST NOT appear more than
 * once". Enforced for the parameters a parser interprets, where a second
 * copy would make the value ambiguous (which branch? which expires?). */
static inline int sp__param_once(bool *seen, const struct sp_param *prm, struct sp_parse_error *err,
				 const char *rule)
{
	if (*seen)
		return sp_parse_fail(err, prm->name.p, rule);
	*seen = true;
	return 0;
}

/* A parameter that must carry a value ("name" EQUAL ...): fails just after
 * the name when it was written without '='. */
static inline int sp__param_has_value(const struct sp_param *prm, struct sp_parse_error *err,
				      const char *rule)
{
	if (prm->value.p)
		return 0;
	return sp_parse_fail(err, prm->name.p + prm->name.len, rule);
}

/* "name" EQUAL 1*DIGIT, value <= max (delta-seconds, ttl, rport ...). */
static inline int sp__param_uint(const struct sp_param *prm, uint64_t max, uint64_t *out,
				 struct sp_parse_error *err, const char *rule)
{
	int rc = sp__param_has_value(prm, err, rule);
	if (rc)
		return rc;
	const char *p = prm->value.p, *end = p + prm->value.len;
	if ((rc = sp__digits(&p, end, max, out, err, rule)) != 0)
		return rc;
	return p == end ? 0 : sp_parse_fail(err, p, rule);
}

/* "name" EQUAL token: a quoted or host-shaped value is an error. */
static inline int sp__param_token(const struct sp_param *prm, struct sp_parse_error *err,
				  const char *rule)
{
	int rc = sp__param_has_value(prm, err, rule);
	if (rc)
		return rc;
	const char *p = prm->value.p, *end = p + prm->value.len;
	sp_token_scan(&p, end);
	if (p != end || prm->value.len == 0)
		return sp_parse_fail(err, p, rule);
	return 0;
}

#endif
