/*
 * `siphon domain add|set|del|list`: the domains the server is responsible
 * for (docs/cli.md, docs/store.md). Each has an auth mode: digest (the
 * default) or none (open registration, for labs and benchmarks). With no
 * domain configured the server serves one default domain, localhost, whose
 * aliases are its listen addresses and host name.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "siphon/store.h"

#include "cli.h"
#include "store_cli.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: siphon domain add DOMAIN [--auth digest|none] [--data DIR]\n"
		     "       siphon domain set DOMAIN --auth digest|none [--data DIR]\n"
		     "       siphon domain del DOMAIN [--data DIR]\n"
		     "       siphon domain list [--data DIR]\n"
		     "\n"
		     "  --auth MODE         digest (default): REGISTER needs digest credentials;\n"
		     "                      none: open registration, for labs and benchmarks\n"
		     "  --data DIR          data directory of the embedded store (default: ./var)\n"
		     "  -h, --help          this text\n"
		     "\n"
		     "list prints one line per domain: NAME AUTH. Deleting a domain keeps its\n"
		     "users (they no longer authenticate until the domain is added again).\n");
}

static int usage_error(const char *what)
{
	fprintf(stderr, "siphon domain: %s\nTry 'siphon domain --help'.\n", what);
	return SP_EXIT_USAGE;
}

/* A host name or address literal: no blanks, '@', '/', ';', ':' outside
 * brackets, and not empty. */
static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= SP_STORE_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= ' ' || c >= 0x7f || strchr("@/;,?\"'\\<>", c))
			return false;
	}
	return true;
}

static int print_domain(const struct sp_store_domain *dom, void *arg)
{
	(void)arg;
	printf("%s %s\n", dom->name, sp_store_auth_name(dom->auth));
	return 0;
}

int sp_cmd_domain(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"auth", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *auth = NULL;
	struct sp_store_domain dom = {.auth = SP_STORE_AUTH_DIGEST};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			data = optarg;
			break;
		case 'a':
			auth = optarg;
			break;
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		default:
			fputs("Try 'siphon domain --help'.\n", stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("missing sub-command (add, set, del, list)");
	const char *cmd = argv[optind];
	int nargs = argc - optind - 1;
	const char *name = nargs ? argv[optind + 1] : NULL;
	bool list = strcmp(cmd, "list") == 0;
	bool add = strcmp(cmd, "add") == 0, set = strcmp(cmd, "set") == 0;
	if (!list && !add && !set && strcmp(cmd, "del") != 0) {
		fprintf(stderr, "siphon domain: unknown sub-command '%s'\n", cmd);
		return usage_error("want add, set, del or list");
	}
	if (list ? nargs != 0 : nargs != 1)
		return usage_error(list || nargs > 1 ? "too many arguments" : "missing DOMAIN");
	if (auth && !add && !set)
		return usage_error("--auth is for add and set");
	if (set && !auth)
		return usage_error("set needs --auth");
	if (auth && sp_store_auth_parse(auth, &dom.auth) != 0)
		return usage_error("--auth: want digest or none");
	if (name && !valid_name(name))
		return usage_error("DOMAIN: want a host name or address");
	if (data && !*data)
		return usage_error("--data: empty");

	struct sp_store *s;
	int rc = sp_cli_store_open("domain", data, &s);
	if (rc)
		return rc;
	int err;
	if (list) {
		err = sp_store_domain_list(s, print_domain, NULL);
		if (fflush(stdout) != 0 && !err)
			err = -EIO;
	} else if (add || set) {
		snprintf(dom.name, sizeof(dom.name), "%s", name);
		if (set) {
			struct sp_store_domain old;
			err = sp_store_domain_get(s, name, &old);
			if (!err)
				err = sp_store_domain_put(s, &dom, true);
		} else {
			err = sp_store_domain_put(s, &dom, false);
		}
	} else {
		err = sp_store_domain_del(s, name);
	}
	sp_store_close(s);
	if (err == -EEXIST) {
		fprintf(stderr, "siphon domain: %s exists (use `siphon domain set`)\n", name);
		return SP_EXIT_FAIL;
	}
	if (err == -ENOENT) {
		fprintf(stderr, "siphon domain: no domain %s\n", name);
		return SP_EXIT_FAIL;
	}
	if (err) {
		fprintf(stderr, "siphon domain: %s: %s\n", cmd, strerror(-err));
		return SP_EXIT_USAGE;
	}
	return SP_EXIT_OK;
}
