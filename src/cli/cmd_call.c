/*
 * `siphon call URI`: places one call (RFC 3261 §13.2) with audio from a
 * WAV file or a tone, keeps it up for --duration seconds (sending DTMF
 * if asked, as RFC 4733 events or INFO; putting the call on hold and
 * resuming it with re-INVITEs if asked, RFC 3261 §14; or transferring
 * the peer elsewhere with REFER, RFC 3515, and hanging up once the
 * transfer succeeded), hangs up with BYE (or CANCEL while it rings, on
 * --timeout or a signal) and prints one summary line: the final status,
 * the duration and the media session's statistics. docs/cli.md
 * describes it.
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
		"usage: siphon call URI [--server HOST:PORT] --user USER[@DOMAIN] [--password PW]\n"
		"                   [--play F.wav | --tone HZ] [--record F.wav] [--duration S]\n"
		"                   [--dtmf DIGITS [--dtmf-info]] [--hold-after S [--hold-for S]]\n"
		"                   [--transfer-to URI2 [--transfer-after S]]\n"
		"                   [--session-expires S [--min-se S]]\n"
		"                   [--timeout S] [options]\n"
		"\n"
		"Calls URI (sip:user@host[:port], user@host, or a user of our domain), keeps\n"
		"the call --duration seconds (default 10) and hangs up. Without --server the\n"
		"call goes straight to the URI's host (an IP address, or a name looked up as\n"
		"RFC 3263 says).\n"
		"\n"
		"  --duration S        seconds the answered call lasts (default 10)\n"
		"  --timeout S         give up (CANCEL) when not answered in S seconds (30)\n"
		"  --dtmf DIGITS       send these digits (RFC 4733) once the call is up\n"
		"  --dtmf-info         send the digits as SIP INFO (application/dtmf-relay)\n"
		"  --hold-after S      put the call on hold (re-INVITE, sendonly) S seconds\n"
		"                      after the answer\n"
		"  --hold-for S        resume it (re-INVITE, sendrecv) S seconds later\n"
		"  --transfer-to URI2  blind transfer (RFC 3515): REFER the peer to URI2\n"
		"                      --transfer-after seconds (default 1) after the answer,\n"
		"                      follow its NOTIFYs and hang up after the final one\n"
		"  --session-expires S ask for a session timer (RFC 4028) of S seconds: the\n"
		"                      refresher (the callee says who) refreshes at S/2 with\n"
		"                      UPDATE or re-INVITE, the other side sends BYE when no\n"
		"                      refresh came; a 422 is retried with its Min-SE\n"
		"                      (default: none; Supported: timer is always sent)\n"
		"  --min-se S          our minimum interval (default 90); below 90 only for\n"
		"                      tests; sent as Min-SE with --session-expires\n"
		"%s%s"
		"  -h, --help          this text\n"
		"\n"
		"Prints: call URI status=CODE duration=Ss reason=\"...\" peer=URI rtp sent=...\n"
		"        [dtmf=DIGITS received] [reinvite=STATUS,... of the re-INVITEs]\n"
		"        [refer=STATUS,... the REFER's status, then each NOTIFY's sipfrag]\n"
		"        [session-expires=S refresher=us|peer refreshes=N]\n"
		"Exit status: 0 the call was answered (with --transfer-to: and the transfer\n"
		"succeeded), 1 it was not (busy, rejected, no answer, ...), 2 usage error.\n",
		sp_phone_common_help, sp_phone_media_help);
}

static struct sp_ua_call *the_call;

/* --hold-after / --hold-for: step 0 holds, step 1 resumes. */
static double hold_after = -1, hold_for = -1;
static struct sp_timer t_hold;
static int hold_step;

static void on_hold_timer(void *arg)
{
	struct sp_phone *p = arg;
	bool hold = hold_step == 0;
	int rc = sp_ua_call_hold(the_call, hold);
	if (rc == -EBUSY) {
		/* A re-INVITE (ours or the peer's) is completing. */
		sp_timer_start(p->loop, &t_hold, 100, on_hold_timer, p);
		return;
	}
	if (rc) {
		fprintf(stderr, "siphon call: %s not sent: %s\n", hold ? "hold" : "resume",
			strerror(-rc));
		hold_step = 2;
		return;
	}
	hold_step++;
	if (hold_step == 1 && hold_for >= 0)
		sp_timer_start(p->loop, &t_hold, (uint64_t)(hold_for * 1000), on_hold_timer, p);
}

/* --transfer-to: REFER sent after --transfer-after; the last sipfrag. */
static const char *transfer_to;
static double transfer_after = 1;
static struct sp_timer t_xfer;
static bool xfer_done;
static unsigned xfer_status;

static void on_xfer_timer(void *arg)
{
	struct sp_phone *p = arg;
	int rc = sp_ua_call_refer(the_call, transfer_to);
	if (rc) {
		fprintf(stderr, "siphon %s: REFER not sent: %s\n", p->verb, strerror(-rc));
		xfer_done = true;
	}
}

static void on_refer(struct sp_phone *p, struct sp_ua_call *call, bool local, unsigned status,
		     bool done)
{
	(void)p;
	if (call != the_call || !local)
		return;
	if (status)
		xfer_status = status;
	if (done)
		xfer_done = true;
}

static bool ended_or_transferred(struct sp_phone *p)
{
	(void)p;
	return xfer_done || sp_ua_call_state(the_call) == SP_UA_CALL_ENDED;
}

static bool up_or_ended(struct sp_phone *p)
{
	(void)p;
	enum sp_ua_call_state st = sp_ua_call_state(the_call);
	return st == SP_UA_CALL_CONFIRMED || st == SP_UA_CALL_ENDED;
}

static bool ended(struct sp_phone *p)
{
	(void)p;
	return sp_ua_call_state(the_call) == SP_UA_CALL_ENDED;
}

static void call_end(struct sp_phone *p, struct sp_ua_call *call, const char *summary)
{
	printf("call %s %s\n", (const char *)p->arg, summary);
	fflush(stdout);
	(void)call;
}

int sp_cmd_call(int argc, char **argv)
{
	static const struct option opts[] = {
		PH_COMMON_OPTIONS,
		PH_MEDIA_OPTIONS,
		{ "duration", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "dtmf", required_argument, NULL, 'D' },
		{ "dtmf-info", no_argument, NULL, 'I' },
		{ "hold-after", required_argument, NULL, 'A' },
		{ "hold-for", required_argument, NULL, 'F' },
		{ "transfer-to", required_argument, NULL, 'T' },
		{ "transfer-after", required_argument, NULL, 'X' },
		{ "session-expires", required_argument, NULL, 'S' },
		{ "min-se", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_phone p = { .verb = "call" };
	double duration = 10, timeout = 30, v;
	const char *dtmf = NULL;
	bool dtmf_info = false;
	int c, rc;

	while ((c = sp_phone_getopt(&p, argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		case 'd':
			if (sp_phone_number(&p, "--duration", optarg, 86400, &duration))
				return SP_EXIT_USAGE;
			break;
		case 't':
			if (sp_phone_number(&p, "--timeout", optarg, 3600, &timeout))
				return SP_EXIT_USAGE;
			break;
		case 'D':
			dtmf = optarg;
			break;
		case 'I':
			dtmf_info = true;
			break;
		case 'A':
			if (sp_phone_number(&p, "--hold-after", optarg, 86400, &hold_after))
				return SP_EXIT_USAGE;
			break;
		case 'F':
			if (sp_phone_number(&p, "--hold-for", optarg, 86400, &hold_for))
				return SP_EXIT_USAGE;
			break;
		case 'T':
			transfer_to = optarg;
			break;
		case 'X':
			if (sp_phone_number(&p, "--transfer-after", optarg, 86400, &transfer_after))
				return SP_EXIT_USAGE;
			break;
		case 'S':
			if (sp_phone_number(&p, "--session-expires", optarg, 86400, &v) || v < 1)
				return SP_EXIT_USAGE;
			p.session_expires = (uint32_t)v;
			break;
		case 'M':
			if (sp_phone_number(&p, "--min-se", optarg, 86400, &v) || v < 1)
				return SP_EXIT_USAGE;
			p.min_se = (uint32_t)v;
			break;
		case PH_GETOPT_BAD:
			return SP_EXIT_USAGE;
		default:
			usage(stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "siphon call: one URI expected\nTry 'siphon call --help'.\n");
		return SP_EXIT_USAGE;
	}
	const char *target = argv[optind];
	p.arg = (void *)target;
	p.on_call_end = call_end;
	p.on_refer = on_refer;
	sp_phone_direct_route(&p, target);
	rc = sp_phone_start(&p, false);
	if (rc) {
		sp_phone_stop(&p);
		return rc;
	}
	rc = sp_ua_call(&the_call, p.ua, target);
	if (rc) {
		fprintf(stderr, "siphon call: cannot call %s: %s\n", target, strerror(-rc));
		sp_phone_stop(&p);
		return rc == -EINVAL ? SP_EXIT_USAGE : SP_EXIT_FAIL;
	}
	/* Ringing: until answered, ended, --timeout or a signal. */
	if (!sp_phone_run(&p, up_or_ended, sp_loop_now(p.loop) + (sp_msec)(timeout * 1000), true))
		sp_ua_call_hangup(the_call, 0);
	sp_timer_init(&t_hold);
	sp_timer_init(&t_xfer);
	if (sp_ua_call_state(the_call) == SP_UA_CALL_CONFIRMED) {
		if (dtmf) {
			struct sp_media_session *m = sp_phone_media(the_call);
			int n = dtmf_info ? sp_ua_call_send_info_dtmf(the_call, dtmf, 0)
				: m	  ? sp_media_session_send_dtmf(m, dtmf)
					  : -ENOTCONN;
			if (n < 0)
				fprintf(stderr, "siphon call: DTMF not sent: %s\n", strerror(-n));
		}
		if (hold_after >= 0)
			sp_timer_start(p.loop, &t_hold, (uint64_t)(hold_after * 1000), on_hold_timer,
				       &p);
		if (transfer_to) {
			/* RFC 5589 §6.1: REFER, follow the NOTIFYs, then BYE;
			 * bounded by the REFER's timeout and a ringing target. */
			sp_timer_start(p.loop, &t_xfer, (uint64_t)(transfer_after * 1000),
				       on_xfer_timer, &p);
			sp_phone_run(&p, ended_or_transferred,
				     sp_loop_now(p.loop) + (sp_msec)(transfer_after * 1000) + 45000,
				     true);
		} else {
			/* Talking: --duration, unless the peer hangs up or a
			 * signal. */
			sp_phone_run(&p, ended, sp_loop_now(p.loop) + (sp_msec)(duration * 1000),
				     true);
		}
		sp_ua_call_hangup(the_call, 0);
	}
	/* Hanging up: BYE or CANCEL, bounded by the transactions' timers. */
	p.signalled = false;
	sp_phone_run(&p, ended, sp_loop_now(p.loop) + 40000, true);
	sp_timer_stop(&t_hold);
	sp_timer_stop(&t_xfer);
	bool answered = sp_ua_call_answered_at(the_call) >= 0 && sp_ua_call_status(the_call) / 100 == 2;
	if (transfer_to && xfer_status / 100 != 2)
		answered = false; /* the transfer failed */
	sp_phone_stop(&p);
	sp_mem_deref(the_call);
	return answered ? SP_EXIT_OK : SP_EXIT_FAIL;
}
