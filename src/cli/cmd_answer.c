/*
 * `siphon answer`: registers, answers every incoming call by itself (180,
 * then 200 with the SDP answer, RFC 3261 §13.3), plays, records or echoes
 * audio, and prints a summary line per call. Ends after --calls calls or
 * --duration seconds (or a signal), unregistering. The peer of the
 * integration tests. docs/cli.md describes it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "phone_common.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siphon answer [--server HOST:PORT --user USER[@DOMAIN] --password PW]\n"
		"                     [--record F.wav] [--play F.wav | --tone HZ | --echo]\n"
		"                     [--calls N] [--duration S] [--port P] [options]\n"
		"\n"
		"Answers calls automatically. With --server it registers first (and exits 1 if\n"
		"that fails); without, it only listens (--port, --local-ip) for direct calls.\n"
		"The second and later calls record to F-2.wav, F-3.wav, ...\n"
		"\n"
		"  --calls N           exit after N calls ended (default: no limit)\n"
		"  --duration S        exit after S seconds (default: no limit)\n"
		"  --delay MS          ring this long before answering (default 200)\n"
		"  --hangup-after S    hang up (BYE) each call after S seconds\n"
		"  --100rel            send the 180 reliably (RFC 3262: Require: 100rel, RSeq)\n"
		"                      when the INVITE requires or supports 100rel, and answer\n"
		"                      once it is PRACKed\n"
		"  --early-media       answer the offer at once in 183 Session Progress (reliable\n"
		"                      with --100rel) and send media before the 200 (--delay\n"
		"                      later), as a gateway playing a ringback or announcement\n"
		"  --refuse-refer      refuse transfers (603); by default a REFER in a call\n"
		"                      (RFC 3515) is accepted (202): a call goes to its\n"
		"                      Refer-To URI, its progress is NOTIFYed, and the\n"
		"                      referring call ends once the new one is answered\n"
		"  --accept-refer      accept transfers (the default)\n"
		"  --min-se S          session timers (RFC 4028, always supported): an INVITE\n"
		"                      asking for less than S seconds gets 422 (default 90;\n"
		"                      below 90 only for tests); one asking for more is\n"
		"                      honoured, the caller refreshes, we BYE on expiry\n"
		"  --session-expires S when an INVITE asks for no session timer, insert one of\n"
		"                      S seconds (RFC 4028 §9; the caller refreshes when it\n"
		"                      supports timers, else we do)\n"
		"  --expires S         registration expiry (default 3600)\n"
		"  --port P            SIP port to listen on (default: an ephemeral one, printed)\n"
		"%s%s"
		"  -h, --help          this text\n"
		"\n"
		"Prints \"listening on IP:PORT\", then per call: answer N status=CODE duration=Ss\n"
		"reason=\"...\" peer=URI rtp sent=... [dtmf=DIGITS] [reinvite=STATUS,...]\n"
		"[prack=N] [refer=202,100,200: a REFER accepted and the sipfrags NOTIFYed]\n"
		"[session-expires=S refresher=us|peer refreshes=N];\n"
		"a call placed for a REFER prints its own line. Received MESSAGEs print as\n"
		"message from=URI text.\n"
		"Exit status: 0 (and, with --calls, N calls answered), 1 registration failed or\n"
		"fewer calls answered, 2 usage error.\n",
		sp_phone_common_help, sp_phone_media_help);
}

static unsigned ended_calls, answered_calls, want_calls;
static double hangup_after;

static void call_end(struct sp_phone *p, struct sp_ua_call *call, const char *summary)
{
	(void)p;
	ended_calls++;
	if (sp_ua_call_answered_at(call) >= 0)
		answered_calls++;
	printf("answer %u %s\n", ended_calls, summary);
	fflush(stdout);
}

static void on_message(struct sp_phone *p, const struct sp_msg *msg)
{
	(void)p;
	printf("message from=%.*s text=%.*s\n", SP_STR_FMT(msg->from.uri_raw),
	       SP_STR_FMT(msg->body));
	fflush(stdout);
}

static bool enough(struct sp_phone *p)
{
	(void)p;
	return want_calls && ended_calls >= want_calls;
}

int sp_cmd_answer(int argc, char **argv)
{
	static const struct option opts[] = {
		PH_COMMON_OPTIONS,
		PH_MEDIA_OPTIONS,
		{ "calls", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "delay", required_argument, NULL, 'w' },
		{ "hangup-after", required_argument, NULL, 'H' },
		{ "100rel", no_argument, NULL, 'R' },
		{ "early-media", no_argument, NULL, 'E' },
		{ "accept-refer", no_argument, NULL, 'a' },
		{ "refuse-refer", no_argument, NULL, 'r' },
		{ "expires", required_argument, NULL, 'e' },
		{ "min-se", required_argument, NULL, 'M' },
		{ "session-expires", required_argument, NULL, 'S' },
		{ "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_phone p = { .verb = "answer", .auto_answer = true, .answer_delay_ms = 200,
			      .accept_refer = true };
	double duration = 0, v, expires = 3600, port = 0;
	int c, rc;

	while ((c = sp_phone_getopt(&p, argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		case 'n':
			if (sp_phone_number(&p, "--calls", optarg, 1e6, &v))
				return SP_EXIT_USAGE;
			want_calls = (unsigned)v;
			break;
		case 'd':
			if (sp_phone_number(&p, "--duration", optarg, 86400 * 365, &duration))
				return SP_EXIT_USAGE;
			break;
		case 'w':
			if (sp_phone_number(&p, "--delay", optarg, 600000, &v))
				return SP_EXIT_USAGE;
			p.answer_delay_ms = (uint32_t)v;
			break;
		case 'H':
			if (sp_phone_number(&p, "--hangup-after", optarg, 86400, &hangup_after))
				return SP_EXIT_USAGE;
			break;
		case 'R':
			p.rel100 = true;
			break;
		case 'E':
			p.early_media = true;
			break;
		case 'a':
			p.accept_refer = true;
			break;
		case 'r':
			p.accept_refer = false;
			break;
		case 'e':
			if (sp_phone_number(&p, "--expires", optarg, 86400 * 365, &expires) || expires < 1)
				return SP_EXIT_USAGE;
			break;
		case 'p':
			if (sp_phone_number(&p, "--port", optarg, 65535, &port))
				return SP_EXIT_USAGE;
			break;
		case 'M':
			if (sp_phone_number(&p, "--min-se", optarg, 86400, &v) || v < 1)
				return SP_EXIT_USAGE;
			p.min_se = (uint32_t)v;
			break;
		case 'S':
			if (sp_phone_number(&p, "--session-expires", optarg, 86400, &v))
				return SP_EXIT_USAGE;
			p.session_expires = (uint32_t)v;
			break;
		case PH_GETOPT_BAD:
			return SP_EXIT_USAGE;
		default:
			usage(stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "siphon answer: unexpected argument '%s'\n", argv[optind]);
		return SP_EXIT_USAGE;
	}
	p.on_call_end = call_end;
	p.on_message = on_message;
	p.local_port = (uint16_t)port;
	p.hangup_after_ms = (uint32_t)(hangup_after * 1000);
	rc = sp_phone_start(&p, false);
	if (rc) {
		sp_phone_stop(&p);
		return rc;
	}
	char s[SP_SA_STRLEN];
	sp_sa_print(sp_ua_local(p.ua), s, sizeof(s));
	printf("listening on %s\n", s);
	fflush(stdout);
	if (p.server) {
		rc = sp_phone_register(&p, (uint32_t)expires);
		if (rc) {
			sp_phone_stop(&p);
			return rc;
		}
		printf("registered expires=%u\n", p.reg_expires);
		fflush(stdout);
	}
	sp_msec deadline = duration > 0 ? sp_loop_now(p.loop) + (sp_msec)(duration * 1000) : -1;
	while (!sp_phone_run(&p, enough, deadline, true)) {
		if (p.signalled || (deadline >= 0 && sp_loop_now(p.loop) >= deadline))
			break;
	}
	sp_phone_stop(&p);
	if (want_calls && answered_calls < want_calls)
		return SP_EXIT_FAIL;
	return SP_EXIT_OK;
}
