/*
 * Header values built around a number: plain 1*DIGIT values (Max-Forwards,
 * Content-Length, Expires, Min-Expires, RSeq, Min-SE), CSeq, RAck,
 * Session-Expires and Retry-After.
 *
 * Every number is read with an explicit upper bound and a value beyond it
 * is an error: nothing wraps and nothing is silently clamped (RFC 4475
 * §3.1.2.4 scalar02 and §3.1.2.5 scalarlg; §3.1.2.3 ncl for '-999').
 * Whether an out-of-range optional field is then ignored or answered with
 * 400 is the caller's choice.
 */
#include <errno.h>

#include "siphon/hdr.h"

#include "hdr_scan_int.h"

/* Parses value as 1*DIGIT no larger than max, leading zeros allowed (RFC
 * 4475 §3.1.1.1: Max-Forwards 0068 is 68), LWS around it ignored. rule
 * names the header for err (NULL gives "1*DIGIT"). Returns 0 and sets
 * *out, or -EBADMSG: err->at is the first non-digit, or the first digit
 * when the number exceeds max, or one past the end of an empty value. */
int sp_uint_parse(struct sp_str value, uint32_t max, uint32_t *out, struct sp_parse_error *err,
		  const char *rule)
{
	const char *p, *end;
	uint64_t v;
	int rc;

	if (!rule)
		rule = "1*DIGIT";
	sp__value_bounds(value, &p, &end);
	if ((rc = sp__digits(&p, end, max, &v, err, rule)) ||
	    (rc = sp__expect_end(p, end, err, rule)))
		return rc;
	*out = (uint32_t)v;
	return 0;
}

/* 1*DIGIT (<= 2^32-1) followed by the LWS the grammar requires. */
static int number_lws(const char **pp, const char *end, uint32_t *out, struct sp_parse_error *err,
		      const char *rule)
{
	uint64_t v;
	int rc = sp__digits(pp, end, UINT32_MAX, &v, err, rule);
	if (rc)
		return rc;
	if (!sp__is_lws(*pp, end))
		return sp_parse_fail(err, *pp, rule);
	*pp = sp_skip_lws(*pp, end);
	*out = (uint32_t)v;
	return 0;
}

/* Method token at *pp that must end the value. */
static int method_last(const char *p, const char *end, struct sp_str *method, enum sp_method *id,
		       struct sp_parse_error *err, const char *rule)
{
	const char *s = p;
	if (!sp_token_scan(&p, end))
		return sp_parse_fail(err, p, rule);
	int rc = sp__expect_end(p, end, err, rule);
	if (rc)
		return rc;
	*method = sp_str_span(s, p);
	*id = sp_method_lookup(*method); /* case-sensitive, §7.1 */
	return 0;
}

/* RFC 3261 §20.16, §25.1: CSeq = 1*DIGIT LWS Method. The number is 32-bit
 * (§8.1.1.5: below 2^31 when sent; up to 2^32-1 accepted); larger is an
 * error (RFC 4475 scalar02, scalarlg). Returns 0 with *cseq filled, or
 * -EBADMSG with err set and *cseq untouched. */
int sp_cseq_parse(struct sp_cseq *cseq, struct sp_str value, struct sp_parse_error *err)
{
	struct sp_cseq c;
	const char *p, *end;
	int rc;

	sp__value_bounds(value, &p, &end);
	if ((rc = number_lws(&p, end, &c.seq, err, "CSeq: 1*DIGIT LWS")) ||
	    (rc = method_last(p, end, &c.method, &c.method_id, err, "CSeq: Method")))
		return rc;
	*cseq = c;
	return 0;
}

/* RFC 3262 §7.2: RAck = response-num LWS CSeq-num LWS Method, both numbers
 * 1*DIGIT up to 2^32-1 (§7.1 generates RSeq below 2^31). Returns 0 with
 * *rack filled, or -EBADMSG with err set and *rack untouched. */
int sp_rack_parse(struct sp_rack *rack, struct sp_str value, struct sp_parse_error *err)
{
	struct sp_rack r;
	const char *p, *end;
	int rc;

	sp__value_bounds(value, &p, &end);
	if ((rc = number_lws(&p, end, &r.rseq, err, "RAck: response-num LWS")) ||
	    (rc = number_lws(&p, end, &r.cseq, err, "RAck: CSeq-num LWS")) ||
	    (rc = method_last(p, end, &r.method, &r.method_id, err, "RAck: Method")))
		return rc;
	*rack = r;
	return 0;
}

/* RFC 4028 §4: Session-Expires = delta-seconds *(SEMI se-params),
 * se-params = refresher-param / generic-param, refresher-param =
 * "refresher" EQUAL ("uas" / "uac") (case-insensitive, §7.3.1). Any other
 * refresher value, or a second refresher, is an error. Returns 0 with *se
 * filled (refresher p == NULL if absent), or -EBADMSG with err set and *se
 * untouched. Min-SE (§5) is delta-seconds *(SEMI generic-param): parse it
 * with this function too and ignore refresher. */
int sp_session_expires_parse(struct sp_session_expires *se, struct sp_str value,
			     struct sp_parse_error *err)
{
	static const char R_SE[] = "Session-Expires: delta-seconds";
	static const char R_REF[] = "Session-Expires: refresher-param";
	struct sp_session_expires s = {.refresher = SP_STR_NULL};
	const char *p, *end;
	uint64_t v;
	bool seen = false;
	int rc;

	sp__value_bounds(value, &p, &end);
	if ((rc = sp__digits(&p, end, UINT32_MAX, &v, err, R_SE)) ||
	    (rc = sp_params_scan(&p, end, SP_PARAM_HEADER, &s.params, err,
				 "Session-Expires: se-params")) ||
	    (rc = sp__expect_end(p, end, err, "Session-Expires: se-params")))
		return rc;
	s.delta = (uint32_t)v;

	struct sp_str rest = s.params;
	struct sp_param prm;
	while (sp_param_next(&rest, &prm)) {
		if (!sp_str_caseeq_c(prm.name, "refresher"))
			continue;
		if ((rc = sp__param_once(&seen, &prm, err, R_REF)) ||
		    (rc = sp__param_has_value(&prm, err, R_REF)))
			return rc;
		if (!sp_str_caseeq_c(prm.value, "uac") && !sp_str_caseeq_c(prm.value, "uas"))
			return sp_parse_fail(err, prm.value.p, R_REF);
		s.refresher = prm.value;
	}
	*se = s;
	return 0;
}

/* RFC 3261 §25.1: comment = LPAREN *(ctext / quoted-pair / comment) RPAREN,
 * ctext = %x21-27 / %x2A-5B / %x5D-7E / UTF8-NONASCII / LWS. Nesting is
 * counted, not recursed, so depth costs no stack. Bytes >= 0x80 are taken
 * as UTF8-NONASCII without checking the sequences (the text is never
 * interpreted); a quoted-pair may escape any byte but CR and LF, as in
 * sp_quoted_scan. *pp is at '('; advances past the matching ')'. */
static int comment_scan(const char **pp, const char *end, struct sp_parse_error *err,
			const char *rule)
{
	const char *p = *pp;
	size_t depth = 0;

	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth == 0) {
				*pp = p + 1;
				return 0;
			}
		} else if (c == '\\') {
			if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
				return sp_parse_fail(err, p, rule);
			p++;
		} else if ((c < 0x21 && !sp_is(c, SP_C_LWS)) || c == 0x7f) {
			return sp_parse_fail(err, p, rule);
		}
	}
	return sp_parse_fail(err, p, rule); /* unbalanced: ran out of input */
}

/* RFC 3261 §20.33: Retry-After = delta-seconds [comment] *(SEMI
 * retry-param), retry-param = ("duration" EQUAL delta-seconds) /
 * generic-param. delta-seconds and duration must fit 32 bits (RFC 4475
 * scalarlg: 949302838503028349304023988 is an error). Returns 0 with *ra
 * filled (comment with its parentheses, p == NULL if none; duration -1 if
 * absent), or -EBADMSG with err set and *ra untouched. */
int sp_retry_after_parse(struct sp_retry_after *ra, struct sp_str value, struct sp_parse_error *err)
{
	static const char R_DUR[] = "Retry-After: duration";
	struct sp_retry_after r = {.comment = SP_STR_NULL, .duration = -1};
	const char *p, *end;
	uint64_t v;
	bool seen = false;
	int rc;

	sp__value_bounds(value, &p, &end);
	if ((rc = sp__digits(&p, end, UINT32_MAX, &v, err, "Retry-After: delta-seconds")))
		return rc;
	r.delta = (uint32_t)v;
	const char *q = sp_skip_lws(p, end); /* LPAREN = SWS "(" SWS */
	if (q < end && *q == '(') {
		const char *c = q;
		if ((rc = comment_scan(&q, end, err, "Retry-After: comment")))
			return rc;
		r.comment = sp_str_span(c, q);
		p = q;
	}
	if ((rc = sp_params_scan(&p, end, SP_PARAM_HEADER, &r.params, err,
				 "Retry-After: retry-param")) ||
	    (rc = sp__expect_end(p, end, err, "Retry-After: retry-param")))
		return rc;

	struct sp_str rest = r.params;
	struct sp_param prm;
	while (sp_param_next(&rest, &prm)) {
		if (!sp_str_caseeq_c(prm.name, "duration"))
			continue;
		if ((rc = sp__param_once(&seen, &prm, err, R_DUR)) ||
		    (rc = sp__param_uint(&prm, UINT32_MAX, &v, err, R_DUR)))
			return rc;
		r.duration = (int64_t)v;
	}
	*ra = r;
	return 0;
}
