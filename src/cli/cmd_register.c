/*
 * `siphon register`: registers an address-of-record with a registrar
 * (RFC 3261 §10.2, digest on 401), stays registered for --duration
 * seconds refreshing the binding at half its expiry, then removes it
 * (Expires: 0). docs/cli.md describes it.
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
		"usage: siphon register --server HOST:PORT --user USER[@DOMAIN] [--password PW]\n"
		"                       [--expires S] [--duration S] [options]\n"
		"\n"
		"Registers USER's contact, keeps it fresh for --duration seconds (default 0:\n"
		"unregister at once), then unregisters. Prints one line per REGISTER result.\n"
		"Over TCP the connection is kept alive with CRLF pings (--keepalive); once the\n"
		"server has answered pings, one left unanswered for 10 s means the flow failed\n"
		"(RFC 5626 §4.4.1): the connection is closed and the contact registered again\n"
		"on a new one (\"flow failed N times\" at the end).\n"
		"\n"
		"  --expires S         expiry asked for (default 3600)\n"
		"  --duration S        seconds to stay registered (SIGINT/SIGTERM end sooner)\n"
		"%s"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0 registered (and unregistered), 1 registration failed (the\n"
		"status is printed), 2 usage error.\n",
		sp_phone_common_help);
}

static struct {
	unsigned seen;
} reg_log;

static bool unregistered(struct sp_phone *p)
{
	return !sp_ua_registered(p->ua) && sp_ua_pending(p->ua) == 0;
}

int sp_cmd_register(int argc, char **argv)
{
	static const struct option opts[] = {
		PH_COMMON_OPTIONS,
		{ "expires", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_phone p = { .verb = "register" };
	unsigned long expires = 3600;
	double duration = 0;
	char *end;
	int c, rc;

	while ((c = sp_phone_getopt(&p, argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		case 'e':
			expires = strtoul(optarg, &end, 10);
			if (*end || !*optarg || expires == 0 || expires > 86400 * 365) {
				fprintf(stderr, "siphon register: invalid --expires '%s'\n", optarg);
				return SP_EXIT_USAGE;
			}
			break;
		case 'd':
			if (sp_phone_number(&p, "--duration", optarg, 86400 * 365, &duration))
				return SP_EXIT_USAGE;
			break;
		case PH_GETOPT_BAD:
			return SP_EXIT_USAGE;
		default:
			usage(stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "siphon register: unexpected argument '%s'\n", argv[optind]);
		return SP_EXIT_USAGE;
	}
	rc = sp_phone_start(&p, true);
	if (rc) {
		sp_phone_stop(&p);
		return rc;
	}
	rc = sp_phone_register(&p, (uint32_t)expires);
	if (rc) {
		sp_phone_stop(&p);
		return rc;
	}
	printf("registered %s@%s expires=%u\n", p.user_part, p.domain[0] ? p.domain : p.server,
	       p.reg_expires);
	fflush(stdout);
	reg_log.seen = p.reg_events;
	/* Stay registered (refreshes run from the UA's timer). */
	sp_phone_run(&p, NULL, sp_loop_now(p.loop) + (sp_msec)(duration * 1000.0), true);
	bool ok = sp_ua_registered(p.ua);
	if (p.reg_events > reg_log.seen)
		printf("refreshed %u times, last status %d expires=%u\n",
		       p.reg_events - reg_log.seen, p.reg_status, p.reg_expires);
	if (sp_ua_flow_failures(p.ua))
		printf("flow failed %u times (keep-alive pings unanswered), registered anew\n",
		       sp_ua_flow_failures(p.ua));
	sp_ua_unregister(p.ua);
	sp_phone_run(&p, unregistered, sp_loop_now(p.loop) + 8000, false);
	if (p.reg_status == 200 && !sp_ua_registered(p.ua))
		printf("unregistered\n");
	else
		printf("unregister failed: %d\n", p.reg_status);
	sp_phone_stop(&p);
	return ok ? SP_EXIT_OK : SP_EXIT_FAIL;
}
