/*
 * The `siphon` binary: one program, many verbs (`siphon serve`,
 * `siphon lint`, ...). This file only finds the verb and hands it the rest
 * of the command line; each verb is its own cmd_<verb>.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef SIPHON_VERSION
#error "SIPHON_VERSION is set by src/cli/CMakeLists.txt from the project version"
#endif

const char sp_cli_version[] = SIPHON_VERSION;

const struct sp_cli_verb sp_cli_verbs[] = {
	{ "serve", "run the SIP server (registrar + proxy)", sp_cmd_serve },
	{ "lint", "check SIP messages against RFC 3261 and explain them", sp_cmd_lint },
	{ "user", "manage subscribers: add, del, list, passwd, import", sp_cmd_user },
	{ "domain", "manage served domains and their auth mode", sp_cmd_domain },
	{ "location", "list the registered bindings the store holds", sp_cmd_location },
	{ "register", "register with a registrar, refresh, unregister", sp_cmd_register },
	{ "call", "place a call with audio, print its summary", sp_cmd_call },
	{ "answer", "answer calls automatically (register first)", sp_cmd_answer },
	{ "transfer", "call a URI and transfer it (blind or attended)", sp_cmd_transfer },
	{ "options", "send OPTIONS to a URI", sp_cmd_options },
	{ "message", "send a MESSAGE (text) to a URI", sp_cmd_message },
	{ "wav-compare", "correlate a recording with the file played", sp_cmd_wav_compare },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: siphon <verb> [options] [args]\n"
		     "       siphon --help | --version\n\nverbs:\n");
	for (const struct sp_cli_verb *v = sp_cli_verbs; v->name; v++)
		fprintf(out, "  %-8s %s\n", v->name, v->summary);
	fprintf(out, "\n`siphon <verb> --help` describes a verb's options.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char verb_name[64];
	int c;

	/* '+': stop at the verb, its options are its own. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		case 'V':
			printf("siphon %s\n", sp_cli_version);
			return SP_EXIT_OK;
		default:
			usage(stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return SP_EXIT_USAGE;
	}
	for (const struct sp_cli_verb *v = sp_cli_verbs; v->name; v++) {
		if (strcmp(argv[optind], v->name) != 0)
			continue;
		/* getopt's messages then read "siphon lint: ...". */
		snprintf(verb_name, sizeof(verb_name), "siphon %s", v->name);
		int at = optind;
		argv[at] = verb_name;
		optind = 0; /* glibc: restart option scanning for the verb */
		return v->run(argc - at, argv + at);
	}
	fprintf(stderr, "siphon: unknown verb '%s'\n\n", argv[optind]);
	usage(stderr);
	return SP_EXIT_USAGE;
}
