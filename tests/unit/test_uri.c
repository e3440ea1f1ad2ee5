/*
 * URI parser and comparison tests: RFC 3261 §19.1 (fields, §19.1.4
 * comparison examples, §19.1.6 tel examples), §25.1 grammar, RFC 3966 tel
 * URIs, RFC 5118 IPv6 hosts, RFC 5954 binary IP comparison, and the URIs
 * of the RFC 4475 torture messages. Every input is copied into a heap
 * buffer of its exact length so that AddressSanitizer catches any read
 * past the slice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/uri.h"

#include "test_util.h"

/* ---- helpers ------------------------------------------------------------------ */

static struct sp_uri parse_n(const char *s, size_t len, unsigned flags)
{
	struct sp_uri u;
	struct sp_parse_error err = {0};
	struct sp_str in = tu_copy(s, len);
	tu_parse_ok(sp_uri_parse(&u, in, flags, &err), in, &err);
	assert_ptr_equal(u.raw.p, in.p);
	assert_int_equal(u.raw.len, len);
	return u;
}

static struct sp_uri parse(const char *s, unsigned flags)
{
	return parse_n(s, strlen(s), flags);
}

/* Parsing must fail with err.at at byte offset `at` of the input. */
static void bad_n(const char *s, size_t len, unsigned flags, size_t at)
{
	struct sp_uri u;
	struct sp_parse_error err = {0};
	struct sp_str in = tu_copy(s, len);
	tu_parse_bad(sp_uri_parse(&u, in, flags, &err), in, &err, (ptrdiff_t)at, NULL);
}

static void bad(const char *s, unsigned flags, size_t at)
{
	bad_n(s, strlen(s), flags, at);
}

/* Parses both (flags 0) and checks that equality is symmetric. */
static bool eq(const char *a, const char *b)
{
	struct sp_uri ua = parse(a, 0), ub = parse(b, 0);
	bool ab = sp_uri_equal(&ua, &ub), ba = sp_uri_equal(&ub, &ua);
	assert_int_equal(ab, ba);
	assert_true(sp_uri_equal(&ua, &ua));
	assert_true(sp_uri_equal(&ub, &ub));
	return ab;
}

/* ---- sip / sips fields ---------------------------------------------------------- */

static void test_sip_all_fields(void **state)
{
	(void)state;
	struct sp_uri u = parse("sip:alice:secret@atlanta.com:5061;transport=tcp;lr;"
				"maddr=239.255.255.1;ttl=15;user=phone;method=INVITE;x=y"
				"?subject=hi&priority=urgent",
				0);
	assert_int_equal(u.scheme, SP_URI_SIP);
	S_IS(u.scheme_raw, "sip");
	S_IS(u.user, "alice");
	S_IS(u.password, "secret");
	S_IS(u.hp.host, "atlanta.com");
	assert_int_equal(u.hp.kind, SP_HOST_NAME);
	assert_true(u.hp.has_port);
	assert_int_equal(u.hp.port, 5061);
	S_IS(u.params, ";transport=tcp;lr;maddr=239.255.255.1;ttl=15;user=phone;"
		       "method=INVITE;x=y");
	S_IS(u.headers, "subject=hi&priority=urgent");
	S_IS(u.transport, "tcp");
	S_IS(u.maddr, "239.255.255.1");
	S_IS(u.ttl, "15");
	S_IS(u.user_param, "phone");
	S_IS(u.method, "INVITE");
	assert_true(u.lr);
	S_ABSENT(u.opaque);
}

static void test_sip_minimal(void **state)
{
	(void)state;
	struct sp_uri u = parse("sip:example.com", 0);
	assert_int_equal(u.scheme, SP_URI_SIP);
	assert_int_equal(u.user.len, 0);
	S_ABSENT(u.password);
	S_IS(u.hp.host, "example.com");
	assert_false(u.hp.has_port);
	assert_int_equal(u.params.len, 0);
	S_ABSENT(u.headers);
	S_ABSENT(u.transport);
	S_ABSENT(u.user_param);
	S_ABSENT(u.method);
	S_ABSENT(u.maddr);
	S_ABSENT(u.ttl);
	assert_false(u.lr);

	u = parse("sip:192.0.2.4", 0);
	assert_int_equal(u.hp.kind, SP_HOST_IPV4);
	S_IS(u.hp.host, "192.0.2.4");

	u = parse("sip:alice:@host", 0); /* password = *( ... ): may be empty */
	S_IS(u.user, "alice");
	assert_non_null(u.password.p);
	assert_int_equal(u.password.len, 0);

	u = parse("sip:host.example.com.", 0); /* FQDN with the final dot */
	S_IS(u.hp.host, "host.example.com.");

	u = parse("sip:h:0", 0);
	assert_true(u.hp.has_port);
	assert_int_equal(u.hp.port, 0);
	u = parse("sip:h:65535", 0);
	assert_int_equal(u.hp.port, 65535);
	u = parse("sip:h:0005060", 0); /* leading zeros */
	assert_int_equal(u.hp.port, 5060);
}

static void test_scheme_case(void **state)
{
	(void)state;
	struct sp_uri u = parse("SIP:ALICE@AtLanTa.CoM", 0);
	assert_int_equal(u.scheme, SP_URI_SIP);
	S_IS(u.scheme_raw, "SIP");
	u = parse("SiPs:bob@biloxi.com", 0);
	assert_int_equal(u.scheme, SP_URI_SIPS);
	S_IS(u.scheme_raw, "SiPs");
	u = parse("TEL:+1-201-555-0123", 0);
	assert_int_equal(u.scheme, SP_URI_TEL);
	assert_string_equal(sp_uri_scheme_name(SP_URI_SIP), "sip");
	assert_string_equal(sp_uri_scheme_name(SP_URI_SIPS), "sips");
	assert_string_equal(sp_uri_scheme_name(SP_URI_TEL), "tel");
	assert_string_equal(sp_uri_scheme_name(SP_URI_OTHER), "other");
	/* "sipx" is not sip: an absoluteURI of another scheme. */
	u = parse("sipx:alice@host", 0);
	assert_int_equal(u.scheme, SP_URI_OTHER);
	S_IS(u.opaque, "alice@host");
}

/* RFC 4475 §3.1.1.9 semiuri: the user part holds ';', and there are no
 * uri-parameters. */
static void test_semiuri(void **state)
{
	(void)state;
	struct sp_uri u = parse("sip:user;par=u%40example.net@example.com", SP_URI_NO_HEADERS);
	S_IS(u.user, "user;par=u%40example.net");
	S_IS(u.hp.host, "example.com");
	assert_int_equal(u.params.len, 0);
	char buf[64];
	long n = sp_uri_unescape(buf, sizeof(buf), u.user);
	assert_int_equal(n, 22);
	assert_memory_equal(buf, "user;par=u@example.net", 22);

	/* A user may also hold '?' and '/': the userinfo ends at the '@'. */
	u = parse("sip:a?b/c@host?h=v", 0);
	S_IS(u.user, "a?b/c");
	S_IS(u.hp.host, "host");
	S_IS(u.headers, "h=v");
}

/* RFC 4475 §3.1.1.2 intmeth: unusual but legal user and password chars. */
static void test_intmeth_uri(void **state)
{
	(void)state;
	struct sp_uri u = parse("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
				"weird!*pas$wo~d_too.(doesn't-it)@example.com",
				SP_URI_NO_HEADERS);
	S_IS(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	S_IS(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	S_IS(u.hp.host, "example.com");
	assert_int_equal(u.params.len, 0);
	S_ABSENT(u.headers);
}

/* RFC 4475 §3.1.1.3 esc01. */
static void test_esc01(void **state)
{
	(void)state;
	struct sp_uri u = parse("sip:sips%3Auser%40example.com@example.net", SP_URI_NO_HEADERS);
	S_IS(u.user, "sips%3Auser%40example.com");
	S_IS(u.hp.host, "example.net");
	char buf[32];
	long n = sp_uri_unescape(buf, sizeof(buf), u.user);
	assert_int_equal(n, 21);
	assert_memory_equal(buf, "sips:user@example.com", 21);

	assert_true(eq("sip:%75se%72@example.com", "sip:user@example.com"));
	u = parse("sip:I%20have%20spaces@example.net", 0);
	S_IS(u.user, "I%20have%20spaces");

	/* Escaped parameter names and values: %6C%72 is lr. */
	u = parse("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", 0);
	assert_true(u.lr);
	assert_true(eq("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
		       "sip:caller@host5.example.net;lr;name=value%2541"));
	assert_false(eq("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
			"sip:caller@host5.example.net;lr;name=valueA"));
}

/* RFC 4475 §3.1.1.4 escnull: %00 and %00%00 are two different users. */
static void test_escnull(void **state)
{
	(void)state;
	struct sp_uri a = parse("sip:%00@host5.example.com", 0);
	struct sp_uri b = parse("sip:%00%00@host5.example.com", 0);
	assert_false(sp_uri_equal(&a, &b));
	assert_false(sp_uri_equal(&b, &a));
	char buf[16];
	assert_int_equal(sp_uri_unescape(buf, sizeof(buf), a.user), 1);
	assert_int_equal(buf[0], 0);
	assert_int_equal(sp_uri_unescape(buf, sizeof(buf), b.user), 2);
	assert_false(sp_uri_unescaped_eq(a.user, b.user));

	struct sp_uri c = parse("sip:null-%00-null@example.com", 0);
	assert_int_equal(sp_uri_unescape(buf, sizeof(buf), c.user), 11);
	assert_memory_equal(buf, "null-\0-null", 11);
}

/* RFC 5118 §4.1-§4.4 and §4.9-§4.10. */
static void test_ipv6(void **state)
{
	(void)state;
	struct sp_uri u = parse("sip:[2001:db8::10]", SP_URI_NO_HEADERS);
	assert_int_equal(u.hp.kind, SP_HOST_IPV6);
	S_IS(u.hp.host, "[2001:db8::10]");
	assert_false(u.hp.has_port);

	u = parse("sip:[2001:db8::10]:5070", 0);
	S_IS(u.hp.host, "[2001:db8::10]");
	assert_true(u.hp.has_port);
	assert_int_equal(u.hp.port, 5070);

	/* port-ambiguous: the port is not read from inside the brackets. */
	u = parse("sip:[2001:db8::10:5070]", 0);
	S_IS(u.hp.host, "[2001:db8::10:5070]");
	assert_false(u.hp.has_port);

	/* ipv6-bad: no brackets. */
	bad("sip:2001:db8::10", 0, 4);

	u = parse("sip:ted@[::ffff:192.0.2.2]", 0);
	S_IS(u.user, "ted");
	S_IS(u.hp.host, "[::ffff:192.0.2.2]");

	/* §4.10: the three-colon form is tolerated and names the same
	 * address as the correct one. */
	u = parse("sip:user@[2001:db8:::192.0.2.1]", 0);
	assert_int_equal(u.hp.kind, SP_HOST_IPV6);
	assert_true(eq("sip:user@[2001:db8:::192.0.2.1]", "sip:user@[2001:db8::192.0.2.1]"));

	u = parse("sip:[::1]", 0);
	S_IS(u.hp.host, "[::1]");
	u = parse("sip:[::]", 0);
	u = parse("sip:caller@[2001:db8::1];transport=tcp", 0);
	S_IS(u.transport, "tcp");

	bad("sip:[2001:db8::10", 0, 4);	   /* no ']' */
	bad("sip:[2001:db8::10]x", 0, 18); /* junk after ']' */
	bad("sip:[2001:db8:10]", 0, 4);	   /* 3 groups, no "::" */
	bad("sip:[1:2:3:4:5:6:7:8:9]", 0, 4);
	bad("sip:[2001:db8::1::2]", 0, 4); /* two "::" */
	bad("sip:[12345::1]", 0, 4);	   /* 5 hex digits */
	bad("sip:[::1]:", 0, 10);	   /* empty port */
	bad("sip:[::1]:70000", 0, 10);
	bad("sip:[]", 0, 4);
}

/* RFC 5954 §4.2: textual variants of one IP address are equal. */
static void test_ip_binary_compare(void **state)
{
	(void)state;
	assert_true(eq("sip:bob@[::ffff:192.0.2.128]", "sip:bob@[::ffff:c000:280]"));
	assert_true(eq("sip:bob@[2001:db8::9:1]", "sip:bob@[2001:db8::9:01]"));
	assert_true(eq("sip:bob@[0:0:0:0:0:FFFF:129.144.52.38]", "sip:bob@[::FFFF:129.144.52.38]"));
	assert_true(eq("sip:bob@[2001:DB8::1]", "sip:bob@[2001:db8:0:0::1]"));
	assert_true(eq("sip:bob@[1:2:3:4:5:6:7::]", "sip:bob@[1:2:3:4:5:6:7:0]"));
	assert_false(eq("sip:bob@[2001:db8::9:1]", "sip:bob@[2001:db8::9:2]"));
	assert_false(eq("sip:bob@[::1]", "sip:bob@[::1]:5060"));
	assert_true(eq("sip:bob@192.0.2.128", "sip:bob@192.00.02.128"));
	assert_false(eq("sip:bob@192.0.2.128", "sip:bob@192.0.2.129"));
	/* An IPv4 address is not its IPv4-mapped IPv6 form. */
	assert_false(eq("sip:bob@192.0.2.128", "sip:bob@[::ffff:192.0.2.128]"));
}

static void test_ipv4_and_ports(void **state)
{
	(void)state;
	bad("sip:1.2.3.256", 0, 4);
	bad("sip:user@256.1.1.1", 0, 9);
	bad("sip:1.2.3", 0, 4);
	bad("sip:1.2.3.4.5", 0, 4);
	bad("sip:1234.1.1.1", 0, 4);
	bad("sip:444.555.666.777", 0, 4); /* RFC 5954 §4.1 */
	bad("sip:host:65536", 0, 9);
	bad("sip:host:99999999999999999999999", 0, 9);
	bad("sip:host:", 0, 9);
	bad("sip:host:x", 0, 9);
	bad("sip:host:50a", 0, 11);
	bad("sip:user@host:5060:5061", 0, 18);
	struct sp_uri u = parse("sip:255.255.255.255:65535", 0);
	assert_int_equal(u.hp.kind, SP_HOST_IPV4);
	assert_int_equal(u.hp.port, 65535);
}

static void test_hostname_errors(void **state)
{
	(void)state;
	bad("sip:", 0, 4);
	bad("sip:user@", 0, 9);
	bad("sip:-bad.com", 0, 4);
	bad("sip:bad-.com", 0, 4);
	bad("sip:a..b", 0, 4);
	bad("sip:example.123", 0, 4); /* toplabel must start with ALPHA */
	bad("sip:host_name", 0, 8);
	bad("sip:host name", 0, 8);
	bad("sip:host>", 0, 8);
	bad("sip:a@b@c", 0, 7); /* a second '@' */
	struct sp_uri u = parse("sip:1host.example.com", 0);
	S_IS(u.hp.host, "1host.example.com");
}

static void test_userinfo_errors(void **state)
{
	(void)state;
	bad("sip:@host", 0, 4);	   /* user = 1*( ... ) */
	bad("sip:a b@host", 0, 5); /* SP in user */
	bad("sip:a\"b@host", 0, 5);
	bad("sip:a:b:c@host", 0, 7); /* ':' in password */
	bad("sip:a:b;c@host", 0, 7); /* ';' is not a password char */
	bad("sip:a<b@host", 0, 5);
	bad("sip:caf\xc3\xa9@host", 0, 7); /* raw UTF-8 must be escaped */
	bad("sip::pw@host", 0, 4);	   /* empty user before the password */
}

static void test_escape_errors(void **state)
{
	(void)state;
	bad("sip:a%4@host", 0, 5);
	bad("sip:a%G1@host", 0, 5);
	bad("sip:a%1G@host", 0, 5);
	bad("sip:a:p%@host", 0, 7);
	bad("sip:host;a=%", 0, 11);
	bad("sip:host;a=%4", 0, 11);
	bad("sip:host;%zz=1", 0, 9);
	bad("sip:host?a=%2", 0, 11);
	bad("sip:host?a%=1", 0, 10);
	bad("sip:%", 0, 4);
	bad("sip:%4", 0, 4);
	bad("http:%", 0, 5);
	bad("http:a%4", 0, 6);
	bad("tel:+1;x=%4", 0, 9);
	/* A valid escape right at the end of the slice. */
	struct sp_uri u = parse("sip:host;a=%41", 0);
	S_IS(u.params, ";a=%41");
	u = parse("sip:host?a=%41", 0);
	S_IS(u.headers, "a=%41");
}

/* NUL bytes inside slices: never a terminator, never accepted raw. */
static void test_nul_bytes(void **state)
{
	(void)state;
	bad_n("sip:a\0b@host", 12, 0, 5);
	bad_n("sip:host\0", 9, 0, 8);
	bad_n("sip:host;a=b\0c", 14, 0, 12);
	bad_n("sip:host?a=b\0", 13, 0, 12);
	bad_n("\0sip:host", 9, 0, 0);
	bad_n("x-y:ab\0", 7, 0, 6);
	bad_n("tel:+1\0", 7, 0, 6);
	/* A slice shorter than the C string: only the slice is read. */
	struct sp_uri u = parse_n("sip:user@host.example.com", 13, 0);
	S_IS(u.hp.host, "host");
	u = parse_n("sip:a@b;lr;transport=tcp", 10, 0);
	assert_true(u.lr);
	S_ABSENT(u.transport);
	bad_n("sip:a@b:5060", 8, 0, 8); /* cut right after ':' */
	bad_n("sip:a@b", 6, 0, 6);	/* cut right after '@' */
	bad_n("sip", 3, 0, 3);
	bad_n("", 0, 0, 0);
}

static void test_headers(void **state)
{
	(void)state;
	struct sp_uri u = parse("sip:host?a=", 0); /* hvalue may be empty */
	S_IS(u.headers, "a=");
	u = parse("sip:host?to=sip:bob%40biloxi.com&x=[1]/?:+$", 0);
	S_IS(u.headers, "to=sip:bob%40biloxi.com&x=[1]/?:+$");
	bad("sip:host?", 0, 9);	  /* hname = 1*( ... ) */
	bad("sip:host?a", 0, 10); /* '=' required */
	bad("sip:host?a=b&", 0, 13);
	bad("sip:host?a=b&&c=d", 0, 13);
	bad("sip:host?=b", 0, 9);
	bad("sip:host?a=b;c", 0, 12);
	bad("sip:host?a=b c", 0, 12);
	bad("sip:host?a=b=c", 0, 12);
	/* RFC 4475 §3.1.2.11 escruri: headers are not allowed in a
	 * Request-URI. */
	bad("sip:user@example.com?Route=%3Csip:example.com%3E", SP_URI_NO_HEADERS, 20);
	u = parse("sip:user@example.com?Route=%3Csip:example.com%3E", 0);
	S_IS(u.headers, "Route=%3Csip:example.com%3E");
	/* NO_HEADERS applies to sip/sips only; '?' in an absoluteURI stays
	 * opaque. */
	u = parse("http://example.com/?q=1", SP_URI_NO_HEADERS);
	S_IS(u.opaque, "//example.com/?q=1");
}

static void test_params(void **state)
{
	(void)state;
	struct sp_uri u =
	    parse("sip:services.example.com;lr;unknownwith=value;unknown-no-value", 0);
	assert_true(u.lr);
	S_IS(u.params, ";lr;unknownwith=value;unknown-no-value");
	u = parse("sip:h;lr=on", 0); /* old "lr=on" still means loose routing */
	assert_true(u.lr);
	u = parse("sip:h;TRANSPORT=TCP;Transport=udp", 0); /* first wins */
	S_IS(u.transport, "TCP");
	u = parse("sip:h;maddr=[2001:db8::1]", 0);
	S_IS(u.maddr, "[2001:db8::1]");
	u = parse("sip:h;ttl=0", 0);
	S_IS(u.ttl, "0");
	u = parse("sip:h;transport=UNKNOWN", 0);
	S_IS(u.transport, "UNKNOWN");
	u = parse("sip:h;a=[x]/:&+$;b", 0);
	S_IS(u.params, ";a=[x]/:&+$;b");

	bad("sip:h;", 0, 6); /* empty pname */
	bad("sip:h;;lr", 0, 6);
	bad("sip:h;a=", 0, 8); /* pvalue = 1*paramchar */
	bad("sip:h;a=b=c", 0, 9);
	bad("sip:h; lr", 0, 6); /* no LWS in a URI (RFC 4475 lwsruri) */
	bad("sip:h;lr ", 0, 8);
	bad("sip:h;transport", 0, 6); /* well-known name without a value */
	bad("sip:h;ttl=256", 0, 10);
	bad("sip:h;ttl=1000", 0, 10);
	bad("sip:h;ttl=x", 0, 10);
	bad("sip:h;maddr=bad_host", 0, 12);
	bad("sip:h;maddr=h:5060", 0, 12);
	bad("sip:h;method", 0, 6);
	bad("sip:h;maddr", 0, 6);
	bad("sip:h;user=a[b]", 0, 11);
}

/* ---- other schemes (RFC 4475 §3.3.2-§3.3.4) ------------------------------------------- */

static void test_other_schemes(void **state)
{
	(void)state;
	struct sp_uri u = parse("nobodyKnowsThisScheme:totallyopaquecontent", SP_URI_NO_HEADERS);
	assert_int_equal(u.scheme, SP_URI_OTHER);
	S_IS(u.scheme_raw, "nobodyKnowsThisScheme");
	S_IS(u.opaque, "totallyopaquecontent");
	assert_int_equal(u.user.len, 0);
	assert_int_equal(u.hp.host.len, 0);

	u = parse("soap.beep://192.0.2.103:3002", 0);
	S_IS(u.scheme_raw, "soap.beep");
	S_IS(u.opaque, "//192.0.2.103:3002");
	u = parse("isbn:2983792873", 0);
	S_IS(u.opaque, "2983792873");
	u = parse("http://www.example.com", 0);
	S_IS(u.scheme_raw, "http");
	u = parse("name:John_Smith", 0);
	S_IS(u.opaque, "John_Smith");
	u = parse("mailto:watson@bell-telephone.com", 0);
	S_IS(u.opaque, "watson@bell-telephone.com");
	u = parse("im:alice%40example.com", 0);
	u = parse("urn:service:sos", 0);
	u = parse("a+b-c.d:x;y?z@w&=+$,", 0);
	u = parse("http://[2001:db8::1]:80/", 0);

	bad("nobodyKnowsThisScheme:totallyopaquecontent", SP_URI_NO_OTHER, 0);
	bad("http://www.example.com", SP_URI_NO_OTHER | SP_URI_NO_HEADERS, 0);
	bad("foo:", 0, 4);   /* empty opaque part */
	bad("1abc:x", 0, 0); /* scheme starts with ALPHA */
	bad("+abc:x", 0, 0);
	bad("abc", 0, 3); /* no ':' */
	bad("a b:c", 0, 1);
	bad("a_b:c", 0, 1);
	bad(":x", 0, 0);
	bad("foo:a b", 0, 5);
	bad("foo:a<b>", 0, 5);
	bad("foo:a\"b", 0, 5);
	bad("foo:a#b", 0, 5);
	bad("<sip:user@example.com>", 0, 0); /* RFC 4475 ltgtruri */

	/* Byte equality after folding the scheme's case. */
	assert_true(eq("isbn:2983792873", "ISBN:2983792873"));
	assert_false(eq("isbn:2983792873", "isbn:2983792874"));
	assert_false(eq("http://a.example", "http://A.example"));
	assert_false(eq("http://a.example", "https://a.example"));
	assert_false(eq("isbn:1", "sip:isbn@example.com"));
}

/* ---- tel (RFC 3966) -------------------------------------------------------------------- */

static void test_tel(void **state)
{
	(void)state;
	/* RFC 3966 §6 examples. */
	struct sp_uri u = parse("tel:+1-201-555-0123", SP_URI_NO_OTHER | SP_URI_NO_HEADERS);
	assert_int_equal(u.scheme, SP_URI_TEL);
	S_IS(u.user, "+1-201-555-0123");
	assert_int_equal(u.params.len, 0);
	assert_int_equal(u.hp.host.len, 0);

	u = parse("tel:7042;phone-context=example.com", 0);
	S_IS(u.user, "7042");
	S_IS(u.params, ";phone-context=example.com");

	u = parse("tel:863-1234;phone-context=+1-914-555", 0);
	S_IS(u.user, "863-1234");
	S_IS(u.params, ";phone-context=+1-914-555");

	u = parse("tel:+358-555-1234567;postd=pp22", 0);
	S_IS(u.params, ";postd=pp22");
	u = parse("tel:+1(201)555.0123;ext=1234;isub=a/b?c=d@e", 0);
	S_IS(u.params, ";ext=1234;isub=a/b?c=d@e");
	u = parse("tel:*21#;phone-context=example.com", 0);
	S_IS(u.user, "*21#");
	u = parse("tel:ABCD;phone-context=+1", 0);
	u = parse("tel:+1;flag;x=%41", 0);
	S_IS(u.params, ";flag;x=%41");

	bad("tel:", 0, 4);
	bad("tel:+", 0, 5);
	bad("tel:+-.()", 0, 9);
	bad("tel:1234", 0, 8); /* local without context */
	bad("tel:-", 0, 5);
	bad("tel:+1 234", 0, 6);
	bad("tel:+1;", 0, 7);
	bad("tel:+1;ext=", 0, 11);
	bad("tel:+1;ext=12a", 0, 13);
	bad("tel:+1;ext", 0, 10);
	bad("tel:+1;a_b=1", 0, 8);
	bad("tel:+1;isub=x;isub=y", 0, 14); /* names are unique */
	bad("tel:+1;X=1;x=2", 0, 11);
	bad("tel:1;phone-context=", 0, 20);
	bad("tel:1;phone-context=+", 0, 20);
	bad("tel:1;phone-context=bad_domain", 0, 20);
	bad("tel:1;phone-context=-x", 0, 20);
	bad("tel:1;phone-context=5a_", 0, 20);
	u = parse("tel:1;phone-context=1and1.example", 0); /* a domainname */
	bad("tel:+1;x=a?b", 0, 10);			   /* '?' not paramchar */
	bad("tel:+12015550123@host", 0, 16);
	u = parse("tel:+1", SP_URI_NO_OTHER); /* tel is not "other" */
	assert_int_equal(u.scheme, SP_URI_TEL);
}

/* RFC 3966 §4 and the tel examples of RFC 3261 §19.1.6. */
static void test_tel_compare(void **state)
{
	(void)state;
	assert_true(eq("tel:+358-555-1234567;postd=pp22", "tel:+358-555-1234567;POSTD=PP22"));
	assert_true(eq("tel:+358-555-1234567;postd=pp22;isub=1411",
		       "tel:+358-555-1234567;isub=1411;postd=pp22"));
	assert_true(eq("tel:+358-555-1234567;tsp=a.b;phone-context=5",
		       "tel:+358-555-1234567;phone-context=5;tsp=a.b"));
	assert_true(eq("tel:+1-201-555-0123", "tel:+12015550123"));
	assert_true(eq("tel:+1-201-555-0123", "TEL:+1(201)555.0123"));
	assert_true(
	    eq("tel:863-1234;phone-context=+1-914-555", "tel:8631234;phone-context=+1914555"));
	assert_true(eq("tel:7042;phone-context=example.com", "tel:7042;phone-context=EXAMPLE.com"));
	assert_true(eq("tel:ab;phone-context=+1", "tel:AB;phone-context=+1"));
	assert_true(eq("tel:1;phone-context=5-5", "tel:1;phone-context=55"));
	assert_false(eq("tel:1;phone-context=55", "tel:1;phone-context=+55"));
	assert_false(eq("tel:1;phone-context=1and1.example", "tel:1;phone-context=1"));
	assert_true(eq("tel:+1;ext=12-34", "tel:+1;ext=1234"));
	assert_true(eq("tel:+1;x=%41", "tel:+1;x=a"));
	assert_false(eq("tel:+1234;phone-context=+1", "tel:1234;phone-context=+1"));
	assert_false(eq("tel:+1-201-555-0123", "tel:+1-201-555-0124"));
	assert_false(eq("tel:+1-201-555-0123", "tel:+1-201-555-01234"));
	assert_false(eq("tel:+1;a=1", "tel:+1"));
	assert_false(eq("tel:+1;a=1", "tel:+1;b=1"));
	assert_false(eq("tel:+1;a=1", "tel:+1;a=2"));
	assert_false(eq("tel:+1;a", "tel:+1;a=1"));
	assert_false(
	    eq("tel:7042;phone-context=example.com", "tel:7042;phone-context=example.net"));
	assert_false(eq("tel:+1", "sip:+1@example.com;user=phone"));
}

/* RFC 3261 §19.1.6: the same numbers as SIP URIs compare as userinfo,
 * case-sensitively and in order. */
static void test_rfc3261_19_1_6(void **state)
{
	(void)state;
	struct sp_uri u = parse("sip:+358-555-1234567;postd=pp22@foo.com;user=phone", 0);
	S_IS(u.user, "+358-555-1234567;postd=pp22");
	S_IS(u.hp.host, "foo.com");
	S_IS(u.params, ";user=phone");
	S_IS(u.user_param, "phone");
	u = parse("sips:+358-555-1234567;postd=pp22@foo.com;user=phone", 0);
	assert_int_equal(u.scheme, SP_URI_SIPS);

	/* The "not" form: postd becomes a uri-parameter. */
	u = parse("sip:+358-555-1234567@foo.com;postd=pp22;user=phone", 0);
	S_IS(u.user, "+358-555-1234567");
	S_IS(u.params, ";postd=pp22;user=phone");

	assert_false(eq("sip:+358-555-1234567;postd=pp22@foo.com;user=phone",
			"sip:+358-555-1234567;POSTD=PP22@foo.com;user=phone"));
	assert_false(eq("sip:+358-555-1234567;postd=pp22;isub=1411@foo.com;user=phone",
			"sip:+358-555-1234567;isub=1411;postd=pp22@foo.com;user=phone"));
	assert_true(eq("sip:+358-555-1234567;phone-context=5;tsp=a.b@foo.com;user=phone",
		       "sip:+358-555-1234567;phone-context=5;tsp=a.b@foo.com;USER=phone"));
}

/* ---- RFC 3261 §19.1.4 comparison --------------------------------------------------------- */

static void test_rfc3261_19_1_4_equal(void **state)
{
	(void)state;
	assert_true(
	    eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));

	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
	assert_true(eq("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));

	assert_true(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
		       "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));

	assert_true(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
		       "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

static void test_rfc3261_19_1_4_not_equal(void **state)
{
	(void)state;
	/* different usernames */
	assert_false(
	    eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
	/* can resolve to different ports */
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
	/* can resolve to different transports */
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
	/* can resolve to different port and transports */
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
	/* different header component */
	assert_false(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
	/* even though that's what phone21.boxesbybob.com resolves to */
	assert_false(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
}

/* "Note that equality is not transitive". */
static void test_rfc3261_19_1_4_not_transitive(void **state)
{
	(void)state;
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=off"));
	assert_false(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
}

/* The other rules of §19.1.4, one by one. */
static void test_compare_rules(void **state)
{
	(void)state;
	/* A SIP and SIPS URI are never equivalent. */
	assert_false(eq("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
	/* userinfo is case-sensitive, password included. */
	assert_false(eq("sip:alice@h", "sip:Alice@h"));
	assert_false(eq("sip:%41lice@h", "sip:alice@h"));
	assert_true(eq("sip:%41lice@h", "sip:Alice@h"));
	assert_false(eq("sip:a:x@h", "sip:a:X@h"));
	assert_false(eq("sip:a:x@h", "sip:a@h"));
	assert_false(eq("sip:a:@h", "sip:a@h"));
	assert_true(eq("sip:a:%78@h", "sip:a:x@h"));
	/* Omitting the user never matches a user. */
	assert_false(eq("sip:h", "sip:a@h"));
	/* Reserved characters differ from their escapes. */
	assert_false(eq("sip:a%3Bb@h", "sip:a;b@h"));
	assert_true(eq("sip:a%3bb@h", "sip:a%3Bb@h"));
	assert_false(eq("sip:a%2Bb@h", "sip:a+b@h"));
	assert_true(eq("sip:a%2Db@h", "sip:a-b@h"));
	/* host and the rest are case-insensitive. */
	assert_true(eq("sip:a@EXAMPLE.com;Transport=TCP;MADDR=h",
		       "sip:a@example.COM;transport=tcp;maddr=H"));
	assert_false(eq("sip:a@example.com", "sip:a@example.com."));
	/* Ports compare by value. */
	assert_true(eq("sip:h:05060", "sip:h:5060"));
	assert_false(eq("sip:h:5060", "sip:h:5061"));
	/* user, ttl, method, maddr, transport: present in one never matches. */
	assert_false(eq("sip:h", "sip:h;user=ip"));
	assert_false(eq("sip:h", "sip:h;ttl=1"));
	assert_false(eq("sip:h", "sip:h;method=INVITE"));
	assert_false(eq("sip:h", "sip:h;maddr=239.1.1.1"));
	assert_false(eq("sip:h;ttl=1", "sip:h;ttl=2"));
	assert_true(eq("sip:h;ttl=1;maddr=h2", "sip:h;maddr=H2;ttl=1"));
	/* Other params: ignored when in one only; matched when in both. */
	assert_true(eq("sip:h;lr", "sip:h"));
	assert_true(eq("sip:h;lr", "sip:h;LR"));
	assert_false(eq("sip:h;foo", "sip:h;foo=bar"));
	assert_true(eq("sip:h;foo=BAR", "sip:h;FOO=bar"));
	assert_true(eq("sip:h;%66oo=1", "sip:h;foo=%31"));
	/* Repeated names: the first occurrence counts on both sides. */
	assert_false(eq("sip:h;x=1;x=2", "sip:h;x=2"));
	assert_true(eq("sip:h;x=1;x=2", "sip:h;x=1;x=3"));
	/* Headers: all of them, order-free, names case-insensitive. */
	assert_true(eq("sip:h?A=1&b=2", "sip:h?b=2&a=1"));
	assert_false(eq("sip:h?a=1", "sip:h?a=1&b=2"));
	assert_false(eq("sip:h?a=1", "sip:h?a=2"));
	assert_true(eq("sip:h?a=1&a=1", "sip:h?a=1"));
	assert_true(eq("sip:h?a=%31", "sip:h?a=1"));
	assert_false(eq("sip:h?a=", "sip:h"));
	/* Across schemes. */
	assert_false(eq("sip:+1@h;user=phone", "tel:+1"));
}

/* ---- escapes API ------------------------------------------------------------------------ */

static void test_unescape(void **state)
{
	(void)state;
	char buf[8];
	struct sp_str s = tu_copy("a%41%4a%4A", 10);
	assert_int_equal(sp_uri_unescape(buf, sizeof(buf), s), 4);
	assert_memory_equal(buf, "aAJJ", 4);
	assert_int_equal(sp_uri_unescape(buf, 4, s), 4); /* exact fit */
	assert_int_equal(sp_uri_unescape(buf, 3, s), -ENOSPC);
	assert_int_equal(sp_uri_unescape(buf, 0, s), -ENOSPC);
	assert_int_equal(sp_uri_unescape(buf, 0, tu_copy("", 0)), 0);
	/* Invalid escapes are copied as written. */
	s = tu_copy("%4%G1%", 6);
	assert_int_equal(sp_uri_unescape(buf, sizeof(buf), s), 6);
	assert_memory_equal(buf, "%4%G1%", 6);
	s = tu_copy("%00%ff", 6);
	assert_int_equal(sp_uri_unescape(buf, sizeof(buf), s), 2);
	assert_int_equal((unsigned char)buf[0], 0);
	assert_int_equal((unsigned char)buf[1], 0xff);
	/* Exact-size buffer: nothing written past cap. */
	char *exact = malloc(2);
	assert_non_null(exact);
	assert_int_equal(sp_uri_unescape(exact, 2, tu_copy("%41%42%43", 9)), -ENOSPC);
	assert_int_equal(sp_uri_unescape(exact, 2, tu_copy("%41%42", 6)), 2);
	free(exact);
}

static void test_unescaped_eq(void **state)
{
	(void)state;
	assert_true(sp_uri_unescaped_eq(SP_STR("%41"), SP_STR("A")));
	assert_true(sp_uri_unescaped_eq(SP_STR("%3B"), SP_STR(";")));
	assert_true(sp_uri_unescaped_eq(SP_STR("%3b"), SP_STR("%3B")));
	assert_false(sp_uri_unescaped_eq(SP_STR("a"), SP_STR("A")));
	assert_false(sp_uri_unescaped_eq(SP_STR("%00"), SP_STR("%00%00")));
	assert_false(sp_uri_unescaped_eq(SP_STR("ab"), SP_STR("a")));
	assert_true(sp_uri_unescaped_eq(SP_STR(""), SP_STR_NULL));
	assert_false(sp_uri_unescaped_eq(SP_STR(""), SP_STR("%")));
	assert_true(sp_uri_unescaped_eq(SP_STR("%4"), SP_STR("%4")));
	assert_true(sp_uri_unescaped_eq(SP_STR("null-%00-null"), SP_STR("null-\0-null")));
}

/* RFC 4475 §3.1.1.7 longreq: long fields, no fixed buffers. */
static void test_long_uri(void **state)
{
	(void)state;
	enum { N = 3000 };
	char *s = malloc(N);
	assert_non_null(s);
	memcpy(s, "sip:", 4);
	size_t n = 4;
	while (n < N - 40)
		s[n++] = 'u';
	memcpy(s + n, "@example.com;", 13);
	n += 13;
	while (n < N - 1)
		s[n++] = 'p';
	struct sp_uri u = parse_n(s, n, 0);
	assert_int_equal(u.user.len, N - 40 - 4);
	S_IS(u.hp.host, "example.com");
	assert_int_equal(u.params.len, N - 1 - (N - 40 + 13) + 1);
	free(s);
}

/* Bounds on parameter and header counts (uri.c MAX_PARAMS, MAX_HEADERS:
 * 128 each) that keep sp_uri_equal cheap on hostile input. */
static void test_count_bounds(void **state)
{
	(void)state;
	char *s = malloc(2048);
	assert_non_null(s);
	int n = sprintf(s, "sip:h");
	for (int i = 0; i < 128; i++)
		n += sprintf(s + n, ";a");
	struct sp_uri u = parse_n(s, (size_t)n, 0);
	assert_int_equal(u.params.len, 256);
	n += sprintf(s + n, ";a");
	bad_n(s, (size_t)n, 0, 5 + 128 * 2 + 1);

	n = sprintf(s, "sip:h?a=");
	for (int i = 1; i < 128; i++)
		n += sprintf(s + n, "&a=");
	u = parse_n(s, (size_t)n, 0);
	n += sprintf(s + n, "&b=1");
	bad_n(s, (size_t)n, 0, 6 + 128 * 3);

	n = sprintf(s, "tel:+1");
	for (int i = 0; i < 128; i++)
		n += sprintf(s + n, ";p%d", i);
	u = parse_n(s, (size_t)n, 0);
	int at = n + 1;
	n += sprintf(s + n, ";q");
	bad_n(s, (size_t)n, 0, (size_t)at);
	free(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, tu_free_copies)
	const struct CMUnitTest tests[] = {
	    T(test_sip_all_fields),
	    T(test_sip_minimal),
	    T(test_scheme_case),
	    T(test_semiuri),
	    T(test_intmeth_uri),
	    T(test_esc01),
	    T(test_escnull),
	    T(test_ipv6),
	    T(test_ip_binary_compare),
	    T(test_ipv4_and_ports),
	    T(test_hostname_errors),
	    T(test_userinfo_errors),
	    T(test_escape_errors),
	    T(test_nul_bytes),
	    T(test_headers),
	    T(test_params),
	    T(test_other_schemes),
	    T(test_tel),
	    T(test_tel_compare),
	    T(test_rfc3261_19_1_6),
	    T(test_rfc3261_19_1_4_equal),
	    T(test_rfc3261_19_1_4_not_equal),
	    T(test_rfc3261_19_1_4_not_transitive),
	    T(test_compare_rules),
	    T(test_unescape),
	    T(test_unescaped_eq),
	    T(test_long_uri),
	    T(test_count_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
