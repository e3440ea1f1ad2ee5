/*
 * name-addr / addr-spec tests (RFC 3261 §20.10, §25.1) over the From, To,
 * Contact and Route values of the RFC 4475 torture messages, and the
 * Contact q / expires helpers. Inputs are exact-length heap copies so that
 * AddressSanitizer catches reads past the slice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/hdr.h"

#include "test_util.h"

static struct sp_nameaddr parse_n(const char *s, size_t len, unsigned flags)
{
	struct sp_nameaddr na;
	struct sp_parse_error err = {0};
	struct sp_str in = tu_copy(s, len);
	tu_parse_ok(sp_nameaddr_parse(&na, in, flags, &err), in, &err);
	return na;
}

static struct sp_nameaddr parse(const char *s, unsigned flags)
{
	return parse_n(s, strlen(s), flags);
}

static void bad_n(const char *s, size_t len, unsigned flags, size_t at)
{
	struct sp_nameaddr na;
	struct sp_parse_error err = {0};
	struct sp_str in = tu_copy(s, len);
	tu_parse_bad(sp_nameaddr_parse(&na, in, flags, &err), in, &err, (ptrdiff_t)at, NULL);
}

static void bad(const char *s, unsigned flags, size_t at)
{
	bad_n(s, strlen(s), flags, at);
}

static void test_basic(void **state)
{
	(void)state;
	struct sp_nameaddr na = parse("Alice <sip:alice@atlanta.com>;tag=1928301774", 0);
	S_IS(na.display, "Alice");
	S_IS(na.uri_raw, "sip:alice@atlanta.com");
	assert_int_equal(na.uri.scheme, SP_URI_SIP);
	S_IS(na.uri.user, "alice");
	S_IS(na.uri.hp.host, "atlanta.com");
	S_IS(na.params, ";tag=1928301774");
	S_IS(na.tag, "1928301774");
	assert_true(na.angle);
	assert_false(na.star);

	na = parse("<sip:bob@biloxi.com>", 0);
	assert_int_equal(na.display.len, 0);
	assert_true(na.angle);
	assert_int_equal(na.params.len, 0);
	assert_null(na.tag.p);

	na = parse("sip:bob@biloxi.com", 0);
	assert_false(na.angle);
	assert_int_equal(na.display.len, 0);
	S_IS(na.uri_raw, "sip:bob@biloxi.com");
	assert_null(na.tag.p);

	na = parse("\"Bob\" <sips:bob@biloxi.com> ;tag=a6c85cf", 0);
	S_IS(na.display, "\"Bob\"");
	assert_int_equal(na.uri.scheme, SP_URI_SIPS);
	S_IS(na.params, ";tag=a6c85cf");
	S_IS(na.tag, "a6c85cf");

	/* Several tokens, LWS kept as written inside the display name. */
	na = parse("Mr  Watson <sip:w@x.example>", 0);
	S_IS(na.display, "Mr  Watson");
	na = parse("\"\" <sip:w@x.example>", 0);
	S_IS(na.display, "\"\"");
	/* A valueless tag is no tag. */
	na = parse("<sip:w@x.example>;tag", 0);
	assert_null(na.tag.p);
	/* Outer LWS is tolerated even though callers trim it. */
	na = parse("  <sip:w@x.example>;tag=1 \r\n ", 0);
	S_IS(na.tag, "1");
}

/* RFC 4475 §3.1.1.1 wsinv: folding and LWS around ';' and '='. */
static void test_wsinv(void **state)
{
	(void)state;
	struct sp_nameaddr na =
	    parse("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n", 0);
	assert_false(na.angle);
	S_IS(na.uri_raw, "sip:vivekg@chair-dnrc.example.com");
	S_IS(na.tag, "1918181833n");

	na = parse(
	    "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8",
	    0);
	S_IS(na.display, "\"J Rosenberg \\\\\\\"\"");
	S_IS(na.uri.user, "jdrosen");
	S_IS(na.tag, "98asjd8");

	na = parse("\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
		   "      newvalue ;\r\n  secondparam ; q = 0.33",
		   SP_NA_STAR);
	S_IS(na.display, "\"Quoted string \\\"\\\"\"");
	assert_int_equal(sp_contact_q(&na), 330);
	struct sp_str v;
	assert_true(sp_param_find(na.params, "newparam", &v));
	S_IS(v, "newvalue");
	assert_true(sp_param_find(na.params, "secondparam", &v));
	assert_null(v.p);

	na = parse("<sip:services.example.com;lr;unknownwith=value;unknown-no-value>", SP_NA_ANGLE);
	assert_true(na.uri.lr);
	S_IS(na.uri.params, ";lr;unknownwith=value;unknown-no-value");

	/* Folded LWS between display name, <> and params. */
	na = parse("\"Bob\"\r\n <sip:bob@biloxi.com>\r\n ;tag=a6c85cf", 0);
	S_IS(na.tag, "a6c85cf");
	na = parse("Bob\r\n\t<sip:bob@biloxi.com>", 0);
	S_IS(na.display, "Bob");
}

/* RFC 4475 §3.1.1.2 intmeth: raw BEL, NUL, DEL as quoted-pairs. */
static void test_intmeth(void **state)
{
	(void)state;
	static const char to[] =
	    "\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\" "
	    "<sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>";
	struct sp_nameaddr na = parse_n(to, sizeof(to) - 1, 0);
	static const char dn[] = "\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\"";
	assert_int_equal(na.display.len, sizeof(dn) - 1);
	assert_memory_equal(na.display.p, dn, sizeof(dn) - 1);
	S_IS(na.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	S_IS(na.uri.hp.host, "example.com");

	struct sp_nameaddr from =
	    parse("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;"
		  "fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82"
		  "\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";tag=_token~1'+`*%!-.",
		  0);
	S_IS(from.display, "token1~` token2'+_ token3*%!.-");
	S_IS(from.tag, "_token~1'+`*%!-.");

	/* A raw control outside a quoted-pair is an error. */
	bad_n("\"a\x07\" <sip:a@b.example>", 20, 0, 2);
	bad_n("Bob\0 <sip:a@b.example>", 22, 0, 3);
}

/* RFC 4475 §3.1.1.6 lwsdisp: token display name straight into '<'. */
static void test_lwsdisp(void **state)
{
	(void)state;
	struct sp_nameaddr na = parse("caller<sip:caller@example.com>;tag=323", 0);
	S_IS(na.display, "caller");
	S_IS(na.uri.user, "caller");
	S_IS(na.tag, "323");
	na = parse("\"caller\"<sip:caller@example.com>", 0);
	S_IS(na.display, "\"caller\"");
}

/* RFC 4475 §3.3.12-§3.3.14: addr-spec vs name-addr parameters. */
static void test_cparam_regescrt(void **state)
{
	(void)state;
	/* cparam01: unknownparam is a header parameter. */
	struct sp_nameaddr na = parse("sip:+19725552222@gw1.example.net;unknownparam", SP_NA_STAR);
	S_IS(na.uri_raw, "sip:+19725552222@gw1.example.net");
	assert_int_equal(na.uri.params.len, 0);
	S_IS(na.params, ";unknownparam");
	/* cparam02: inside <> it is a uri-parameter. */
	na = parse("<sip:+19725552222@gw1.example.net;unknownparam>", SP_NA_STAR);
	S_IS(na.uri.params, ";unknownparam");
	assert_int_equal(na.params.len, 0);
	/* regescrt: headers in a URI are fine inside <>. */
	na = parse("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>", SP_NA_STAR);
	S_IS(na.uri.headers, "Route=%3Csip:sip.example.com%3E");
	/* regbadct: but not in the addr-spec form (RFC 3261 §20.10). */
	bad("sip:user@example.com?Route=%3Csip:sip.example.com%3E", SP_NA_STAR, 20);
	bad("sip:a@b.example,sip:c@d.example", 0, 15);
	/* In addr-spec form a ';' in the user part ends the URI. */
	bad("sip:user;par=x@example.com", 0, 14);
	na = parse("<sip:user;par=x@example.com>", 0);
	S_IS(na.uri.user, "user;par=x");
	/* Header params keep RFC 3261 §7.3.1 syntax: quoted values. */
	na = parse("<sip:a@b.example>;x=\"quoted; value\";tag=t", 0);
	S_IS(na.tag, "t");
}

/* RFC 4475 §3.3.4 unksm2: any scheme in name-addr and addr-spec. */
static void test_other_schemes(void **state)
{
	(void)state;
	struct sp_nameaddr na = parse("isbn:2983792873", 0);
	assert_int_equal(na.uri.scheme, SP_URI_OTHER);
	S_IS(na.uri.opaque, "2983792873");
	na = parse("<http://www.example.com>;tag=3234233", 0);
	assert_int_equal(na.uri.scheme, SP_URI_OTHER);
	S_IS(na.uri.scheme_raw, "http");
	S_IS(na.tag, "3234233");
	na = parse("<name:John_Smith>", SP_NA_STAR);
	S_IS(na.uri.opaque, "John_Smith");
	/* RFC 3261 §20.10 example. */
	na = parse("\"Mr. Watson\" <mailto:watson@bell-telephone.com> ;q=0.1", SP_NA_STAR);
	S_IS(na.uri.scheme_raw, "mailto");
	assert_int_equal(sp_contact_q(&na), 100);
	na = parse("<tel:+1-201-555-0123>", 0);
	assert_int_equal(na.uri.scheme, SP_URI_TEL);
	na = parse("tel:+1-201-555-0123;tag=x", 0);
	assert_int_equal(na.uri.scheme, SP_URI_TEL);
	assert_int_equal(na.uri.params.len, 0);
	S_IS(na.tag, "x");
	/* An IPv6 host (RFC 5118 §4.1). */
	na = parse("\"Caller\" <sip:caller@[2001:db8::1]>", 0);
	S_IS(na.uri.hp.host, "[2001:db8::1]");
}

/* The RFC 4475 §3.1.2 invalid display names and brackets. */
static void test_invalid(void **state)
{
	(void)state;
	/* quotbal: no closing quote (fails where the input runs out). */
	bad("\"Mr. J. User <sip:j.user@example.com>", 0, 37);
	bad("\"Mr J. User <sip:j.user@example.com> <sip:realj@example.net>", 0, 60);
	/* baddn: unquoted display name with ','. */
	bad("Bell, Alexander <sip:a.g.bell@bell-tel.com>;tag=43", 0, 4);
	bad("Watson, Thomas <sip:t.watson@ieee.org>", 0, 6);
	bad("Bell", 0, 4);
	struct sp_nameaddr na = parse("Alexander <sip:a.g.bell@bell-tel.com>;tag=43", 0);
	S_IS(na.display, "Alexander");
	/* badaspec: LWS inside <>. */
	bad("\"Watson, Thomas\" < sip:t.watson@example.org >", 0, 18);
	bad("<sip:t.watson@example.org >", 0, 25);
	/* badinv01: empty params. */
	bad("<sip:user@example.com>;;;;", 0, 23);
	bad("sip:user@example.com;;", 0, 21);
	/* ltgt shapes. */
	bad("<sip:a@b.example", 0, 16);
	bad("<>", 0, 1);
	bad("", 0, 0);
	bad("<sip:a@b.example> junk", 0, 18);
	bad("<sip:a@b.example>>", 0, 17);
	bad("\"a\" sip:a@b.example", 0, 4);
	bad("\"a\" \"b\" <sip:a@b.example>", 0, 4);
	bad("Jos\xc3\xa9 <sip:a@b.example>", 0, 3); /* UTF-8 must be quoted */
	bad("<sip:a@b.example;tag=1", 0, 22);
	/* Errors from inside the URI keep their offsets. */
	bad("<sip:a@b.example:99999>", 0, 17);
	bad("Bob <sip:a@256.0.0.1>", 0, 11);
	bad("sip:a@b.example;tag=\"x", 0, 22);
	bad("sip:a@b.example ; =x", 0, 18);
	bad("sip:a@b.example x", 0, 16);
}

/* Contact: * (RFC 3261 §20.10) and the name-addr only headers. */
static void test_star_and_angle(void **state)
{
	(void)state;
	struct sp_nameaddr na = parse("*", SP_NA_STAR);
	assert_true(na.star);
	assert_int_equal(na.params.len, 0);
	assert_null(na.tag.p);
	na = parse(" * ", SP_NA_STAR);
	assert_true(na.star);
	bad("*", 0, 0);
	bad("*;expires=0", SP_NA_STAR, 0);
	bad("* x", SP_NA_STAR, 0);
	bad("<*>", SP_NA_STAR, 1);

	bad("sip:p1.example.com;lr", SP_NA_ANGLE, 0);
	na = parse("<sip:p1.example.com;lr>", SP_NA_ANGLE);
	assert_true(na.uri.lr);
	na = parse("\"proxy\" <sip:p1.example.com;lr>;foo", SP_NA_ANGLE | SP_NA_ANY_SCHEME);
	S_IS(na.params, ";foo");
}

static void test_contact_q(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		int q;
	} cases[] = {
	    {"<sip:a@b.example>;q=0.5", 500},	 {"<sip:a@b.example>;q=1", 1000},
	    {"<sip:a@b.example>;q=1.000", 1000}, {"<sip:a@b.example>;q=1.", 1000},
	    {"<sip:a@b.example>;q=0", 0},	 {"<sip:a@b.example>;q=0.", 0},
	    {"<sip:a@b.example>;q=0.001", 1},	 {"<sip:a@b.example>;q=0.999", 999},
	    {"<sip:a@b.example>;q=0.7", 700},	 {"<sip:a@b.example>;Q=0.25", 250},
	    {"<sip:a@b.example>;q=1.001", -1},	 {"<sip:a@b.example>;q=2", -1},
	    {"<sip:a@b.example>;q=1.5", -1},	 {"<sip:a@b.example>;q=0.1234", -1},
	    {"<sip:a@b.example>;q=abc", -1},	 {"<sip:a@b.example>;q=.5", -1},
	    {"<sip:a@b.example>;q=00.5", -1},	 {"<sip:a@b.example>;q=0,5", -1},
	    {"<sip:a@b.example>;q", -1},	 {"<sip:a@b.example>", -1},
	    {"<sip:a@b.example>;q=\"0.5\"", -1}, {"<sip:a@b.example;q=0.5>", -1},
	    {"<sip:a@b.example>;q=0.0a", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sp_parse_error err;
		struct sp_nameaddr na;
		struct sp_str in = tu_copy_c(cases[i].value);
		int rc = sp_nameaddr_parse(&na, in, SP_NA_STAR, &err);
		if (rc != 0) {
			/* "0,5" is split by the message parser; alone it fails. */
			assert_int_equal(cases[i].q, -1);
			continue;
		}
		if (sp_contact_q(&na) != cases[i].q)
			print_error("%s\n", cases[i].value);
		assert_int_equal(sp_contact_q(&na), cases[i].q);
	}
}

static void test_contact_expires(void **state)
{
	(void)state;
	struct sp_nameaddr na = parse("<sip:a@b.example>;expires=3600", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), 3600);
	na = parse("<sip:a@b.example>;EXPIRES=0", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), 0);
	na = parse("<sip:a@b.example>;expires=0003600", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), 3600);
	na = parse("<sip:a@b.example>;expires=4294967295", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), 4294967295LL);
	na = parse("<sip:a@b.example>;expires=4294967296", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), UINT32_MAX);
	/* RFC 4475 §3.1.2.4 scalar02. */
	na = parse("<sip:user@host129.example.com>;expires=280297596632815", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), UINT32_MAX);
	na = parse("<sip:a@b.example>;expires=1000000000000000000000000000000000000000000000000000"
		   "0000000000000000000000000000000000000000000000000",
		   SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), UINT32_MAX);
	na = parse("<sip:a@b.example>", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), -1);
	na = parse("<sip:a@b.example>;expires", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), -1);
	na = parse("<sip:a@b.example>;expires=abc", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), -1);
	na = parse("<sip:a@b.example>;expires=-1", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), -1);
	na = parse("<sip:a@b.example>;expires=\"Thu, 01 Dec 1994 16:00:00 GMT\"", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), -1);
	/* An expires inside the URI is a uri-parameter, not the contact's. */
	na = parse("<sip:a@b.example;expires=60>", SP_NA_STAR);
	assert_int_equal(sp_contact_expires(&na), -1);
	/* RFC 3261 §20.10 example. */
	na = parse("\"Mr. Watson\" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600",
		   SP_NA_STAR);
	assert_int_equal(sp_contact_q(&na), 700);
	assert_int_equal(sp_contact_expires(&na), 3600);
}

/* A value slice that stops before the end of the surrounding buffer. */
static void test_slice_bounds(void **state)
{
	(void)state;
	struct sp_nameaddr na = parse_n("<sip:a@b.example>;tag=abc;x=y", 25, 0);
	S_IS(na.tag, "abc");
	S_IS(na.params, ";tag=abc");
	bad_n("<sip:a@b.example>", 16, 0, 16);
	bad_n("\"abc\" <sip:a@b.example>", 3, 0, 3);
	bad_n("sip:a@b.example;tag=", 20, 0, 20);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, tu_free_copies)
	const struct CMUnitTest tests[] = {
	    T(test_basic),	     T(test_wsinv),	      T(test_intmeth),
	    T(test_lwsdisp),	     T(test_cparam_regescrt), T(test_other_schemes),
	    T(test_invalid),	     T(test_star_and_angle),  T(test_contact_q),
	    T(test_contact_expires), T(test_slice_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
