/*
 * `siphon transfer URI --to URI2 [--attended]`: the transferor of a call
 * transfer. Calls URI; once answered and --after seconds later:
 *  - blind (RFC 3515, the flow of RFC 5589 §6.1): REFERs the call to URI2,
 *    follows the NOTIFYs and hangs up after the final one;
 *  - attended (RFC 3891 §5, RFC 5589 §7): calls URI2 too, and once that
 *    is answered REFERs the first call to URI2 with ?Replaces= naming the
 *    second dialog; the target ends the second call (BYE, replaced), we
 *    end the first after the final NOTIFY.
 * Prints one summary line per call, then "transfer mode=... status=S
 * refer=R" (S the final sipfrag, R the REFER's own response). The
 * common softphone flags and media hooks come from phone_common.c, the
 * code paths are those of cmd_call.c. docs/cli.md describes it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "phone_common.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siphon transfer URI --to URI2 [--attended] [--server HOST:PORT]\n"
		"                       --user USER[@DOMAIN] [--password PW] [--after S]\n"
		"                       [--timeout S] [options]\n"
		"\n"
		"Calls URI and, once it is answered and --after seconds have passed,\n"
		"transfers it to URI2: blind (REFER to URI2, RFC 3515), or with --attended\n"
		"by calling URI2 first and, once answered, REFERring URI with a Refer-To\n"
		"that replaces the second call (RFC 3891). Hangs up after the final NOTIFY.\n"
		"\n"
		"  --to URI2           the transfer target (required)\n"
		"  --attended          attended transfer (consult URI2 first)\n"
		"  --after S           seconds between the answer and the transfer (default 1)\n"
		"  --timeout S         give up (CANCEL) on a call not answered in S seconds (30)\n"
		"%s%s"
		"  -h, --help          this text\n"
		"\n"
		"Prints per call: call URI status=CODE duration=Ss reason=\"...\" peer=URI rtp\n"
		"sent=... [refer=STATUS,...]; then: transfer mode=blind|attended status=S\n"
		"refer=R (S the final sipfrag status, 0 if none; R the REFER's response).\n"
		"Exit status: 0 the final sipfrag was 2xx, 1 it was not (or a call failed),\n"
		"2 usage error.\n",
		sp_phone_common_help, sp_phone_media_help);
}

struct xfer {
	const char *uri1, *uri2;
	struct sp_ua_call *first, *second; /* referenced */
	unsigned refer;			   /* the REFER's response */
	unsigned frag;			   /* the last sipfrag status */
	unsigned events;
	bool done;
};

static void on_refer(struct sp_phone *p, struct sp_ua_call *call, bool local, unsigned status,
		     bool done)
{
	struct xfer *x = p->arg;
	if (!local || call != x->first)
		return;
	/* RFC 3515 §2.4.4: the first NOTIFY may overtake the 202. A REFER
	 * refused ends the transfer with its only event. */
	x->events++;
	if (status == 202 && !x->refer)
		x->refer = status;
	else if (done && x->events == 1)
		x->refer = status;
	else if (status)
		x->frag = status;
	if (done)
		x->done = true;
}

static void call_end(struct sp_phone *p, struct sp_ua_call *call, const char *summary)
{
	struct xfer *x = p->arg;
	printf("call %s %s\n", call == x->second ? x->uri2 : x->uri1, summary);
	fflush(stdout);
}

static bool is_over(struct sp_ua_call *c)
{
	return !c || sp_ua_call_state(c) == SP_UA_CALL_ENDED;
}

static bool first_up_or_ended(struct sp_phone *p)
{
	struct xfer *x = p->arg;
	enum sp_ua_call_state st = sp_ua_call_state(x->first);
	return st == SP_UA_CALL_CONFIRMED || st == SP_UA_CALL_ENDED;
}

static bool second_up_or_ended(struct sp_phone *p)
{
	struct xfer *x = p->arg;
	enum sp_ua_call_state st = sp_ua_call_state(x->second);
	return st == SP_UA_CALL_CONFIRMED || st == SP_UA_CALL_ENDED || is_over(x->first);
}

static bool first_ended(struct sp_phone *p)
{
	return is_over(((struct xfer *)p->arg)->first);
}

static bool transferred(struct sp_phone *p)
{
	struct xfer *x = p->arg;
	return x->done || is_over(x->first);
}

static bool second_ended(struct sp_phone *p)
{
	return is_over(((struct xfer *)p->arg)->second);
}

static bool all_ended(struct sp_phone *p)
{
	struct xfer *x = p->arg;
	return is_over(x->first) && is_over(x->second);
}

static int place(struct sp_phone *p, struct sp_ua_call **out, const char *uri)
{
	int rc = sp_ua_call(out, p->ua, uri);
	if (rc)
		fprintf(stderr, "siphon transfer: cannot call %s: %s\n", uri, strerror(-rc));
	return rc;
}

/* Runs the transfer once the first call is up; returns when the REFER's
 * subscription is over (or something failed). */
static void run_transfer(struct sp_phone *p, struct xfer *x, bool attended, double after,
			 double timeout)
{
	int rc;

	/* --after: the first call talks; it may end meanwhile. */
	if (sp_phone_run(p, first_ended, sp_loop_now(p->loop) + (sp_msec)(after * 1000), true) ||
	    p->signalled)
		return;
	if (attended) {
		/* RFC 5589 §7: consult the target first. */
		if (place(p, &x->second, x->uri2))
			return;
		if (!sp_phone_run(p, second_up_or_ended,
				  sp_loop_now(p->loop) + (sp_msec)(timeout * 1000), true) ||
		    sp_ua_call_state(x->second) != SP_UA_CALL_CONFIRMED || is_over(x->first))
			return;
		rc = sp_ua_call_refer_replaces(x->first, x->second);
	} else {
		rc = sp_ua_call_refer(x->first, x->uri2);
	}
	if (rc) {
		fprintf(stderr, "siphon transfer: REFER not sent: %s\n", strerror(-rc));
		return;
	}
	/* Bounded by the REFER's timeout and a ringing target. */
	sp_phone_run(p, transferred, sp_loop_now(p->loop) + 45000, true);
	if (attended && x->frag / 100 == 2 && !p->signalled) {
		/* §7: the target ends the replaced call; give it a moment. */
		sp_phone_run(p, second_ended, sp_loop_now(p->loop) + 5000, true);
	}
}

int sp_cmd_transfer(int argc, char **argv)
{
	static const struct option opts[] = {
		PH_COMMON_OPTIONS,
		PH_MEDIA_OPTIONS,
		{ "to", required_argument, NULL, 'T' },
		{ "attended", no_argument, NULL, 'a' },
		{ "after", required_argument, NULL, 'A' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_phone p = { .verb = "transfer" };
	struct xfer x = { 0 };
	double after = 1, timeout = 30;
	bool attended = false;
	int c, rc;

	while ((c = sp_phone_getopt(&p, argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		case 'T':
			x.uri2 = optarg;
			break;
		case 'a':
			attended = true;
			break;
		case 'A':
			if (sp_phone_number(&p, "--after", optarg, 86400, &after))
				return SP_EXIT_USAGE;
			break;
		case 't':
			if (sp_phone_number(&p, "--timeout", optarg, 3600, &timeout))
				return SP_EXIT_USAGE;
			break;
		case PH_GETOPT_BAD:
			return SP_EXIT_USAGE;
		default:
			usage(stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !x.uri2) {
		fprintf(stderr, "siphon transfer: one URI and --to URI2 expected\n"
				"Try 'siphon transfer --help'.\n");
		return SP_EXIT_USAGE;
	}
	x.uri1 = argv[optind];
	p.arg = &x;
	p.on_call_end = call_end;
	p.on_refer = on_refer;
	p.max_calls = 2; /* the consultation call (attended) */
	sp_phone_direct_route(&p, x.uri1);
	rc = sp_phone_start(&p, false);
	if (rc) {
		sp_phone_stop(&p);
		return rc;
	}
	if (place(&p, &x.first, x.uri1)) {
		sp_phone_stop(&p);
		return SP_EXIT_FAIL;
	}
	/* Ringing: until answered, ended, --timeout or a signal. */
	sp_phone_run(&p, first_up_or_ended, sp_loop_now(p.loop) + (sp_msec)(timeout * 1000), true);
	if (sp_ua_call_state(x.first) == SP_UA_CALL_CONFIRMED)
		run_transfer(&p, &x, attended, after, timeout);
	/* RFC 5589 §6.1, §7: the transferor ends what is left with BYE (or
	 * CANCEL), bounded by the transactions' timers. */
	sp_ua_call_hangup(x.first, 0);
	if (x.second)
		sp_ua_call_hangup(x.second, 0);
	p.signalled = false;
	sp_phone_run(&p, all_ended, sp_loop_now(p.loop) + 40000, true);
	printf("transfer mode=%s status=%u refer=%u\n", attended ? "attended" : "blind", x.frag,
	       x.refer);
	fflush(stdout);
	sp_phone_stop(&p);
	sp_mem_deref(x.first);
	sp_mem_deref(x.second);
	return x.frag / 100 == 2 ? SP_EXIT_OK : SP_EXIT_FAIL;
}
