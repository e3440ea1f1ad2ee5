/*
 * `siphon options URI` and `siphon message URI TEXT`: one request outside
 * a dialog (RFC 3261 §11 OPTIONS, RFC 3428 MESSAGE), through the server
 * when --server is given, with digest retries; prints the final status
 * (and for OPTIONS the Allow and Accept the peer announced).
 * docs/cli.md describes them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "phone_common.h"

static void usage(FILE *out, bool message)
{
	if (message)
		fprintf(out, "usage: siphon message URI TEXT [--server HOST:PORT] --user USER[@DOMAIN]\n"
			     "                      [--password PW] [options]\n\n"
			     "Sends TEXT (text/plain) in a MESSAGE request to URI.\n\n");
	else
		fprintf(out, "usage: siphon options URI [--server HOST:PORT] [--user USER[@DOMAIN]]\n"
			     "                      [--password PW] [options]\n\n"
			     "Asks URI what it supports (OPTIONS).\n\n");
	fprintf(out,
		"%s"
		"  -h, --help          this text\n"
		"\n"
		"Prints: STATUS REASON (and Allow:/Accept: for OPTIONS).\n"
		"Exit status: 0 for a 2xx, 1 otherwise (timeout: 408), 2 usage error.\n",
		sp_phone_common_help);
}

static int status = -1;

static void on_final(struct sp_ua *ua, unsigned st, const struct sp_msg *msg, void *arg)
{
	bool message = arg != NULL;
	(void)ua;
	status = (int)st;
	if (msg)
		printf("%u %.*s\n", st, SP_STR_FMT(msg->reason));
	else
		printf("%u %s\n", st, sp_reason_phrase(st));
	if (msg && !message)
		for (enum sp_hdr_id id = SP_HDR_ACCEPT; id < SP_HDR__COUNT; id++) {
			if (id != SP_HDR_ACCEPT && id != SP_HDR_ALLOW && id != SP_HDR_SUPPORTED)
				continue;
			for (const struct sp_hdr *h = sp_msg_hdr(msg, id); h; h = sp_msg_hdr_next(msg, h))
				printf("%s: %.*s\n", sp_hdr_info(id)->name, SP_STR_FMT(h->value));
		}
	fflush(stdout);
}

static bool answered(struct sp_phone *p)
{
	(void)p;
	return status >= 0;
}

static int run(int argc, char **argv, bool message)
{
	static const struct option opts[] = {
		PH_COMMON_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_phone p = { .verb = message ? "message" : "options" };
	int c, rc;

	while ((c = sp_phone_getopt(&p, argc, argv, opts)) != -1) {
		if (c == 'h') {
			usage(stdout, message);
			return SP_EXIT_OK;
		}
		if (c != PH_GETOPT_BAD)
			usage(stderr, message);
		return SP_EXIT_USAGE;
	}
	if (argc - optind != (message ? 2 : 1)) {
		fprintf(stderr, "siphon %s: %s expected\nTry 'siphon %s --help'.\n", p.verb,
			message ? "URI and TEXT" : "one URI", p.verb);
		return SP_EXIT_USAGE;
	}
	if (!p.user)
		p.user = "siphon";
	sp_phone_direct_route(&p, argv[optind]);
	rc = sp_phone_start(&p, false);
	if (rc) {
		sp_phone_stop(&p);
		return rc;
	}
	const char *text = message ? argv[optind + 1] : NULL;
	rc = sp_ua_request(p.ua, message ? "MESSAGE" : "OPTIONS", argv[optind],
			   message ? SP_STR("text/plain") : SP_STR_NULL, sp_str_c(text), on_final,
			   message ? (void *)1 : NULL);
	if (rc) {
		fprintf(stderr, "siphon %s: cannot send to %s: %s\n", p.verb, argv[optind],
			strerror(-rc));
		sp_phone_stop(&p);
		return rc == -EINVAL ? SP_EXIT_USAGE : SP_EXIT_FAIL;
	}
	/* Timer F (64*T1) bounds the wait. */
	sp_phone_run(&p, answered, -1, true);
	sp_phone_stop(&p);
	return status >= 200 && status < 300 ? SP_EXIT_OK : SP_EXIT_FAIL;
}

int sp_cmd_options(int argc, char **argv)
{
	return run(argc, argv, false);
}

int sp_cmd_message(int argc, char **argv)
{
	return run(argc, argv, true);
}
