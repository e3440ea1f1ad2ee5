/*
 * `siphon location list`: the location bindings the store holds (what the
 * registrar of `siphon serve` writes behind its answers and reloads at a
 * restart). Reads the store only; safe while the server runs.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "siphon/store.h"

#include "cli.h"
#include "store_cli.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: siphon location list [--data DIR] [--all]\n"
		     "\n"
		     "  --data DIR          data directory of the embedded store (default: ./var)\n"
		     "  --all               also list bindings already expired (not yet purged)\n"
		     "  -h, --help          this text\n"
		     "\n"
		     "One line per binding: AOR CONTACT EXPIRES_IN_SECONDS SOURCE TRANSPORT.\n");
}

struct list_ctx {
	int64_t now;
	bool all;
};

static int print_binding(const struct sp_store_binding *b, void *arg)
{
	const struct list_ctx *c = arg;
	int64_t left = b->expires_at - c->now;

	if (left <= 0 && !c->all)
		return 0;
	printf("%s %s %" PRId64 " %s %s\n", b->aor, b->contact, left,
	       b->source[0] ? b->source : "-", b->transport[0] ? b->transport : "-");
	return 0;
}

int sp_cmd_location(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"all", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL;
	struct list_ctx ctx = {.now = (int64_t)time(NULL)};
	struct sp_store *s;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			data = optarg;
			break;
		case 'a':
			ctx.all = true;
			break;
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		default:
			fputs("Try 'siphon location --help'.\n", stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind >= argc || strcmp(argv[optind], "list") != 0 || optind + 1 != argc) {
		usage(stderr);
		return SP_EXIT_USAGE;
	}
	rc = sp_cli_store_open("location", data, &s);
	if (rc)
		return rc;
	int err = sp_store_binding_load_all(s, print_binding, &ctx);
	sp_store_close(s);
	if (err) {
		fprintf(stderr, "siphon location: cannot read the bindings: %s\n", strerror(-err));
		return SP_EXIT_FAIL;
	}
	return SP_EXIT_OK;
}
