/*
 * Date header value (RFC 3261 §20.17, §25.1 rfc1123-date) to seconds since
 * the Unix epoch, with calendar arithmetic done here (no timegm, no
 * locale, no TZ environment).
 *
 * Strict on purpose: RFC 3261 §20.17 says "An RFC 1123 date is
 * case-sensitive" and restricts the zone to "GMT", so "fri", "JAN", "EST",
 * "UT" and "UTC" are all errors (RFC 4475 §3.1.2.12). Single SPs exactly
 * as in the grammar; only LWS around the whole value is ignored. The
 * weekday is checked for spelling but not against the date (it carries no
 * information the date lacks). The fields must name a real instant:
 * day 01..days-in-month, 00:00:00..23:59:59 (no leap second, per the
 * grammar's comment).
 */
#include <errno.h>

#include "siphon/hdr.h"

#include "hdr_scan_int.h"

static const char wkdays[7][3] = {{'M', 'o', 'n'}, {'T', 'u', 'e'}, {'W', 'e', 'd'},
				  {'T', 'h', 'u'}, {'F', 'r', 'i'}, {'S', 'a', 't'},
				  {'S', 'u', 'n'}};
static const char months[12][3] = {{'J', 'a', 'n'}, {'F', 'e', 'b'}, {'M', 'a', 'r'},
				   {'A', 'p', 'r'}, {'M', 'a', 'y'}, {'J', 'u', 'n'},
				   {'J', 'u', 'l'}, {'A', 'u', 'g'}, {'S', 'e', 'p'},
				   {'O', 'c', 't'}, {'N', 'o', 'v'}, {'D', 'e', 'c'}};

/* Index of the 3-letter name at p in names[n] (case-sensitive), or -1. */
static int name3(const char *p, const char *end, const char (*names)[3], int n)
{
	if (end - p < 3)
		return -1;
	for (int i = 0; i < n; i++)
		if (memcmp(p, names[i], 3) == 0)
			return i;
	return -1;
}

/* Exactly n DIGITs at *pp. */
static int ndigits(const char **pp, const char *end, int n, unsigned *out,
		   struct sp_parse_error *err, const char *rule)
{
	const char *p = *pp;
	unsigned v = 0;
	for (int i = 0; i < n; i++, p++) {
		if (p >= end || !sp_is((unsigned char)*p, SP_C_DIGIT))
			return sp_parse_fail(err, p, rule);
		v = v * 10 + (unsigned)(*p - '0');
	}
	*out = v;
	*pp = p;
	return 0;
}

/* The single byte c at *pp. */
static int lit(const char **pp, const char *end, char c, struct sp_parse_error *err,
	       const char *rule)
{
	if (*pp >= end || **pp != c)
		return sp_parse_fail(err, *pp, rule);
	(*pp)++;
	return 0;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : dim[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil: 400-year eras of 146097 days, the year
 * shifted to start in March so February's length only matters last). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);			/* [0, 399] */
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;		/* [0, 146096] */
	return era * 146097 + (int64_t)doe - 719468;
}

/* rfc1123-date = wkday "," SP date1 SP time SP "GMT"
 * date1 = 2DIGIT SP month SP 4DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT.
 * Returns 0 with d->epoch set (years 0000-9999 are representable; before
 * 1970 gives a negative epoch), or -EBADMSG with err set and *d
 * untouched. */
int sp_date_parse(struct sp_date *d, struct sp_str value, struct sp_parse_error *err)
{
	static const char R_WKDAY[] = "Date: wkday";
	static const char R_DATE[] = "Date: date1";
	static const char R_MONTH[] = "Date: month";
	static const char R_TIME[] = "Date: time";
	static const char R_GMT[] = "Date: \"GMT\"";
	const char *p, *end, *f;
	unsigned day = 0, year = 0, hh = 0, mm = 0, ss = 0;
	int mon;
	int rc;

	sp__value_bounds(value, &p, &end);
	if (name3(p, end, wkdays, 7) < 0)
		return sp_parse_fail(err, p, R_WKDAY);
	p += 3;
	if ((rc = lit(&p, end, ',', err, R_WKDAY)) || (rc = lit(&p, end, ' ', err, R_DATE)))
		return rc;
	f = p;
	if ((rc = ndigits(&p, end, 2, &day, err, R_DATE)) || (rc = lit(&p, end, ' ', err, R_DATE)))
		return rc;
	if ((mon = name3(p, end, months, 12)) < 0)
		return sp_parse_fail(err, p, R_MONTH);
	p += 3;
	if ((rc = lit(&p, end, ' ', err, R_DATE)) || (rc = ndigits(&p, end, 4, &year, err, R_DATE)))
		return rc;
	if (day < 1 || day > days_in_month(year, (unsigned)mon + 1))
		return sp_parse_fail(err, f, R_DATE);
	if ((rc = lit(&p, end, ' ', err, R_DATE)))
		return rc;
	f = p;
	if ((rc = ndigits(&p, end, 2, &hh, err, R_TIME)) || (rc = lit(&p, end, ':', err, R_TIME)) ||
	    (rc = ndigits(&p, end, 2, &mm, err, R_TIME)) || (rc = lit(&p, end, ':', err, R_TIME)) ||
	    (rc = ndigits(&p, end, 2, &ss, err, R_TIME)))
		return rc;
	if (hh > 23 || mm > 59 || ss > 59)
		return sp_parse_fail(err, f, R_TIME);
	if ((rc = lit(&p, end, ' ', err, R_GMT)))
		return rc;
	if (end - p < 3 || memcmp(p, "GMT", 3) != 0)
		return sp_parse_fail(err, p, R_GMT);
	if ((rc = sp__expect_end(p + 3, end, err, R_GMT)))
		return rc;

	d->epoch = days_from_civil(year, (unsigned)mon + 1, day) * 86400 +
		   (int64_t)(hh * 3600 + mm * 60 + ss);
	return 0;
}
