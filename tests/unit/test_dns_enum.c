/*
 * ENUM (RFC 6116) in src/dns: the pure parts (the First Well Known Rule,
 * RFC 3402 substitution expressions) as tables, and sp_dns_enum() against
 * tests/support/dns_server.py on loopback serving the NAPTR records of
 * tests/support/dns_zone.json: record selection by order and preference,
 * services, flags, back-references, the 'i' flag, other delimiters, the
 * obsolete "sip+E2U" syntax, non-terminal records and loops among them,
 * a custom suffix, no record, a non-SIP result, timeout and cancel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "siphon/dns.h"
#include "siphon/loop.h"

#include "dns_harness.h"
#include "test_util.h"

static struct dns_srv srv;
static struct sp_loop *loop;

/* ---- RFC 3402 §3.2 substitution expressions ---- */

#define OK 1 /* success: the length returned is strlen(want) */

static const struct {
	const char *re, *aus;
	long rc;	  /* OK, or the negative errno */
	const char *want; /* when OK */
} subst[] = {
    /* RFC 6116 §4's example and the usual forms. */
    {"!^(\\+441632960083)$!sip:\\1@example.com!", "+441632960083", OK,
     "sip:+441632960083@example.com"},
    {"!^\\+441632960083$!h323:operator@example.com!", "+441632960083", OK,
     "h323:operator@example.com"},
    {"!^.*$!mailto:info@example.com!", "+441632960083", OK, "mailto:info@example.com"},
    {"!^\\+44(.*)$!sip:\\1@uk.test!", "+441234", OK, "sip:1234@uk.test"},
    /* Several groups, reordered and repeated. */
    {"!^\\+(4)(4)(.*)$!sip:\\3\\2\\1\\3@x!", "+44123", OK, "sip:12344123@x"},
    {"!^\\+(1)(2)(3)(4)(5)(6)(7)(8)(9)$!\\9\\8\\7\\6\\5\\4\\3\\2\\1!", "+123456789", OK,
     "987654321"},
    /* An unmatched group gives nothing. */
    {"!^\\+(9)?(.*)$!sip:[\\1]\\2@x!", "+44", OK, "sip:[]44@x"},
    /* The whole string is replaced, not only the matched part. */
    {"!44!sip:x@y!", "+441234", OK, "sip:x@y"},
    /* Other delimiters; the delimiter escaped in both parts. */
    {"/^\\+(.*)$/sip:\\1@x/", "+1", OK, "sip:1@x"},
    {"#^\\+1(.*)$#sip:\\1\\#@x#", "+123", OK, "sip:23#@x"},
    {"!^\\+1\\!?(.*)$!sip:\\1\\!@x!", "+123", OK, "sip:23!@x"},
    {"|^\\+1(2\\|3)$|sip:\\1@x|", "+13", OK, "sip:3@x"}, /* "\|": alternation */
    {"|^\\+1(2|3)$|sip:\\1@x|", "+13", -EINVAL, NULL},	 /* ERE ends at "(2" */
    /* "\\" is a backslash in the replacement; "\x" is x. */
    {"!^.*$!a\\\\b\\c!", "+1", OK, "a\\bc"},
    /* The 'i' flag. */
    {"!^\\+1ABC$!sip:y@x!i", "+1abc", OK, "sip:y@x"},
    {"!^\\+1ABC$!sip:y@x!", "+1abc", -ENOENT, NULL},
    {"!^\\+1ABC$!sip:y@x!ii", "+1abc", OK, "sip:y@x"},
    /* No match. */
    {"!^\\+1(.*)$!sip:\\1@x!", "+44", -ENOENT, NULL},
    /* Malformed. */
    {"", "+1", -EINVAL, NULL},
    {"!!", "+1", -EINVAL, NULL},
    {"!^.*$!x", "+1", -EINVAL, NULL},	   /* two delimiters */
    {"!^.*$!x!y", "+1", -EINVAL, NULL},	   /* unknown flag */
    {"!^.*$!x\\!", "+1", -EINVAL, NULL},   /* the third one escaped */
    {"!!x!", "+1", -EINVAL, NULL},	   /* empty ERE */
    {"!^(.*$!x!", "+1", -EINVAL, NULL},	   /* regcomp fails */
    {"!^(.*)$!\\2!", "+1", -EINVAL, NULL}, /* no such group */
    {"1^.*$1x1", "+1", -EINVAL, NULL},	   /* digit delimiter */
    {"i^.*$ixi", "+1", -EINVAL, NULL},	   /* flag delimiter */
    {"\\^.*$\\x\\", "+1", -EINVAL, NULL},  /* backslash delimiter */
    {"!^(.)\\1$!x!", "+1", -EINVAL, NULL}, /* back-reference in the ERE */
    /* Repetition: star height 1, bounds up to 255 and small trees pass;
     * repetition of repetition, which glibc compiles in exponential time,
     * is refused. */
    {"!^\\+[0-9]{1,15}$!ok!", "+441234", OK, "ok"},
    {"!^\\+[0-9]{2}[0-9]{2,}.*$!ok!", "+441234", OK, "ok"},
    {"!^\\+[0-9]{1,100}$!ok!", "+441234", OK, "ok"},
    {"!^\\+1{,2}$!ok!", "+11", OK, "ok"},
    {"!^\\+(1|2)?(4|5){1,3}(.*)$!\\1\\3!", "+241234", OK, "21234"},
    {"!^\\+[0-9]{1,256}$!ok!", "+441234", -EINVAL, NULL},
    {"!^\\+(.*++)$!x!", "+1", -EINVAL, NULL},
    {"!^\\+(.?"
     "?)$!x!",
     "+1", -EINVAL, NULL}, /* split: no trigraph */
    {"!^\\+(.*){2}$!x!", "+1", -EINVAL, NULL},
    {"!^\\+((.+)+)$!x!", "+1", -EINVAL, NULL},
    {"!^\\+((((.)?)))+$!x!", "+1", -EINVAL, NULL},
    {"!^(a{16}){16}$!ok!", "+1", -EINVAL, NULL},
    {"!^x????????????????????????????????????????+++$!ok!", "+1", -EINVAL, NULL},
    {"!^(a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t){255}$!ok!", "+1", -EINVAL, NULL},
    {"!^(((((((((((((((((x)))))))))))))))))$!ok!", "+1", -EINVAL, NULL}, /* depth 17 */
    /* A repeated group that can match nothing (regexec() would loop). */
    {"!^\\+(|4|.|)*$!x!", "+44", -EINVAL, NULL},
    {"!^\\+(^|4|$)*$!x!", "+44", -EINVAL, NULL},
    {"!^\\+(()|4)+$!x!", "+44", -EINVAL, NULL},
    {"!^\\+(4|44)*$!x!", "+44", OK, "x"},
    {"!^\\+(|4|.|)$!x\\1!", "+4", OK, "x4"},
    /* GNU escapes are not POSIX ERE. */
    {"!^\\+\\w*$!x!", "+44", -EINVAL, NULL},
    {"!\\b44!x!", "+44", -EINVAL, NULL},
    {"!^\\+[\\w]*$!x!", "+44", -ENOENT, NULL}, /* in brackets: '\\' and 'w' */
    {"!^[{]9999$!ok!", "+1", -ENOENT, NULL},   /* '{' in brackets */
    {"!^a{x}$!ok!", "+1", -EINVAL, NULL},      /* no bound: regcomp refuses it */
};

static void test_subst(void **state)
{
	(void)state;
	char out[128];
	for (size_t i = 0; i < ARRAY_SIZE(subst); i++) {
		long rc = sp_dns_naptr_subst(sp_str_c(subst[i].re), sp_str_c(subst[i].aus), out,
					     sizeof(out));
		long want = subst[i].rc == OK ? (long)strlen(subst[i].want) : subst[i].rc;
		if (rc != want)
			fail_msg("%s on %s: %ld, want %ld", subst[i].re, subst[i].aus, rc, want);
		if (rc >= 0)
			assert_string_equal(out, subst[i].want);
	}
}

static void test_subst_space(void **state)
{
	(void)state;
	char out[16];
	struct sp_str re = SP_STR("!^\\+(.*)$!sip:\\1@x!");
	struct sp_str aus = SP_STR("+1234");

	assert_int_equal(sp_dns_naptr_subst(re, aus, out, 11), 10);
	assert_string_equal(out, "sip:1234@x");
	assert_int_equal(sp_dns_naptr_subst(re, aus, out, 10), -ENOSPC);
	assert_int_equal(sp_dns_naptr_subst(re, aus, out, 0), -ENOSPC);
	/* NUL bytes are refused, in the expression and in the string. */
	assert_int_equal(sp_dns_naptr_subst((struct sp_str){"!a\0!b!", 6}, aus, out, 16), -EINVAL);
	assert_int_equal(sp_dns_naptr_subst(re, (struct sp_str){"+1\0", 3}, out, 16), -EINVAL);
	/* Over 255 bytes: not a character-string. */
	char big[300];
	memset(big, 'a', sizeof(big));
	big[0] = big[297] = big[299] = '!';
	big[298] = 'x';
	assert_int_equal(sp_dns_naptr_subst((struct sp_str){big, 300}, aus, out, 16), -EINVAL);
}

/* RFC 6116 §3.1-§3.2. */
static void test_enum_domain(void **state)
{
	(void)state;
	char aus[20], dom[300];

	assert_int_equal(sp_dns_enum_domain(SP_STR("+44-20-7946-0148"), "e164.arpa", aus,
					    sizeof(aus), dom, sizeof(dom)),
			 0);
	assert_string_equal(aus, "+442079460148");
	assert_string_equal(dom, "8.4.1.0.6.4.9.7.0.2.4.4.e164.arpa");
	assert_int_equal(
	    sp_dns_enum_domain(SP_STR("+1 (555)"), "e164.arpa", aus, sizeof(aus), dom, sizeof(dom)),
	    -EINVAL); /* a space is no visual separator */
	assert_int_equal(
	    sp_dns_enum_domain(SP_STR("+1(555).12"), "x.test", aus, sizeof(aus), dom, sizeof(dom)),
	    0);
	assert_string_equal(dom, "2.1.5.5.5.1.x.test");
	assert_int_equal(
	    sp_dns_enum_domain(SP_STR("441234"), "e164.arpa", aus, sizeof(aus), dom, sizeof(dom)),
	    -EINVAL);
	assert_int_equal(
	    sp_dns_enum_domain(SP_STR("+"), "e164.arpa", aus, sizeof(aus), dom, sizeof(dom)),
	    -EINVAL);
	assert_int_equal(sp_dns_enum_domain(SP_STR("+1234567890123456"), "e164.arpa", aus,
					    sizeof(aus), dom, sizeof(dom)),
			 -EINVAL); /* 16 digits */
	assert_int_equal(sp_dns_enum_domain(SP_STR("+123456789012345"), "e164.arpa", aus,
					    sizeof(aus), dom, sizeof(dom)),
			 0);
	assert_int_equal(
	    sp_dns_enum_domain(SP_STR("+12a"), "e164.arpa", aus, sizeof(aus), dom, sizeof(dom)),
	    -EINVAL);
	assert_int_equal(
	    sp_dns_enum_domain(SP_STR("+1234"), "e164.arpa", aus, sizeof(aus), dom, 10), -ENOSPC);
}

/* ---- sp_dns_enum against the server ---- */

struct eres {
	bool done;
	unsigned calls;
	int err;
	char uri[SP_DNS_ENUM_URI_MAX + 1];
};

static void on_enum(int err, const char *uri, size_t len, void *arg)
{
	struct eres *x = arg;
	x->calls++;
	x->done = true;
	x->err = err;
	x->uri[0] = 0;
	if (err) {
		assert_null(uri);
		return;
	}
	assert_non_null(uri);
	assert_int_equal(strlen(uri), len);
	memcpy(x->uri, uri, len + 1);
}

static struct sp_dns *mk(const char *suffix)
{
	const char *servers[] = {srv.addr};
	struct sp_dns_config c = {.servers = servers,
				  .nservers = 1,
				  .timeout_ms = 100,
				  .tries = 1,
				  .enum_suffix = suffix};
	struct sp_dns *d = NULL;
	assert_int_equal(sp_dns_create(&d, loop, &c), 0);
	dns_srv_clear(&srv);
	return d;
}

static void run_enum(struct sp_dns *d, const char *number, struct eres *x)
{
	memset(x, 0, sizeof(*x));
	assert_int_equal(sp_dns_enum(d, sp_str_c(number), on_enum, x, NULL), 0);
	assert_false(x->done);
	assert_true(dns_run_until(loop, &x->done, 5000));
	assert_int_equal(x->calls, 1);
}

/* Order then preference; the h323 record (better preference), the one
 * with an unknown flag (better order), a broken expression and one whose
 * ERE does not match are all passed over. */
static void test_enum_translate(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct eres x;

	run_enum(d, "+441234567890", &x);
	assert_int_equal(x.err, 0);
	assert_string_equal(x.uri, "sip:1234567890@uk.test");
	assert_int_equal(dns_srv_count(&srv, "0.9.8.7.6.5.4.3.2.1.4.4.e164.arpa", "NAPTR"), 1);
	/* Visual separators; the answer now comes from the cache. */
	run_enum(d, "+44-1234-567.890", &x);
	assert_string_equal(x.uri, "sip:1234567890@uk.test");
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 1);

	/* The obsolete "sip+E2U" service, flag "U", '/' delimiter. */
	run_enum(d, "+331234", &x);
	assert_int_equal(x.err, 0);
	assert_string_equal(x.uri, "sip:1234@fr.test");
	sp_dns_destroy(d);
}

/* §5.2.1: a non-terminal record (empty flags) leads to the next domain,
 * where a compound service "E2U+voice:tel+sip" with the 'i' flag and
 * back-references in another order yields the URI. */
static void test_enum_nonterminal(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct eres x;

	run_enum(d, "+4412345", &x);
	assert_int_equal(x.err, 0);
	assert_string_equal(x.uri, "sip:12345-44@nt.test");
	assert_int_equal(dns_srv_count(&srv, "5.4.3.2.1.4.4.e164.arpa", "NAPTR"), 1);
	assert_int_equal(dns_srv_count(&srv, "nt.enum.test", "NAPTR"), 1);

	/* A loop between two domains is detected; the walk resumes with the
	 * next record of the first domain. */
	run_enum(d, "+4499", &x);
	assert_int_equal(x.err, 0);
	assert_string_equal(x.uri, "sip:loop@ok.test");
	assert_int_equal(dns_srv_count(&srv, "9.9.4.4.e164.arpa", "NAPTR"), 1);
	assert_int_equal(dns_srv_count(&srv, "loop1.enum.test", "NAPTR"), 1);
	sp_dns_destroy(d);
}

static void test_enum_suffix(void **state)
{
	(void)state;
	struct sp_dns *d = mk("e164.test.");
	struct eres x;

	run_enum(d, "+4412345", &x);
	assert_int_equal(x.err, 0);
	assert_string_equal(x.uri, "sip:+4412345@custom.test");
	assert_int_equal(dns_srv_count(&srv, "5.4.3.2.1.4.4.e164.test", "NAPTR"), 1);
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 1);
	sp_dns_destroy(d);
}

static void test_enum_none(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct sp_dns_query *q = NULL;
	struct eres x;

	/* No record (NXDOMAIN), then from the negative cache. */
	run_enum(d, "+4400", &x);
	assert_int_equal(x.err, -ENOENT);
	run_enum(d, "+4400", &x);
	assert_int_equal(x.err, -ENOENT);
	assert_int_equal(dns_srv_count(&srv, NULL, NULL), 1);
	/* A record whose URI is not SIP. */
	run_enum(d, "+3399", &x);
	assert_int_equal(x.err, -ENOENT);
	/* Not a number. */
	assert_int_equal(sp_dns_enum(d, SP_STR("441234"), on_enum, &x, &q), -EINVAL);
	assert_int_equal(sp_dns_enum(d, SP_STR("+44x"), on_enum, &x, &q), -EINVAL);
	assert_null(q);
	sp_dns_destroy(d);
}

static void test_enum_timeout_cancel(void **state)
{
	(void)state;
	struct sp_dns *d = mk(NULL);
	struct sp_dns_query *q = NULL;
	struct eres x;

	/* The server never answers for 9.8.7.e164.arpa. */
	run_enum(d, "+789", &x);
	assert_int_equal(x.err, -ETIMEDOUT);

	/* Cancelled while the query is out: never called. */
	memset(&x, 0, sizeof(x));
	assert_int_equal(sp_dns_enum(d, SP_STR("+789"), on_enum, &x, &q), 0);
	sp_dns_cancel(q);
	/* Cancelled with the answer cached (ready at once). */
	run_enum(d, "+441234567890", &x);
	memset(&x, 0, sizeof(x));
	assert_int_equal(sp_dns_enum(d, SP_STR("+441234567890"), on_enum, &x, &q), 0);
	sp_dns_cancel(q);
	dns_run_for(loop, 200);
	assert_int_equal(x.calls, 0);

	/* Destroy with one pending: called with -ECANCELED. */
	assert_int_equal(sp_dns_enum(d, SP_STR("+789"), on_enum, &x, NULL), 0);
	sp_dns_destroy(d);
	assert_int_equal(x.calls, 1);
	assert_int_equal(x.err, -ECANCELED);
}

static int group_setup(void **state)
{
	(void)state;
	if (dns_srv_start(&srv) != 0)
		return -1;
	return sp_loop_create(&loop, NULL);
}

static int group_teardown(void **state)
{
	(void)state;
	sp_loop_destroy(loop);
	dns_srv_stop(&srv);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subst),
	    cmocka_unit_test(test_subst_space),
	    cmocka_unit_test(test_enum_domain),
	    cmocka_unit_test(test_enum_translate),
	    cmocka_unit_test(test_enum_nonterminal),
	    cmocka_unit_test(test_enum_suffix),
	    cmocka_unit_test(test_enum_none),
	    cmocka_unit_test(test_enum_timeout_cancel),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
