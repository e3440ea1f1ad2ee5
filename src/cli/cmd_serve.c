/*
 * `siphon serve`: the SIP server. Placeholder until the server lands
 * (issue 3): it takes the server's command line, works out the effective
 * configuration (defaults overridden by options) and prints it as YAML,
 * then says plainly that nothing was started. The config file is checked
 * for readability only; the YAML loader comes with the server.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "siphon/log.h"

#include "cli.h"

#define MAX_LISTEN 16
#define MAX_WORKERS 1024

struct serve_config {
	const char *config_file; /* NULL: built-in defaults only */
	const char *listen[MAX_LISTEN];
	unsigned nlisten;
	long workers;
	const char *data_dir;
	enum sp_log_level log_level;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siphon serve [options]\n"
		"\n"
		"  --config FILE       YAML configuration (default: built-in defaults)\n"
		"  --listen ADDR       [transport:]host:port to listen on; repeatable\n"
		"                      (default: UDP and TCP on 0.0.0.0:5060 and [::]:5060)\n"
		"  --workers N         worker threads (default: one per online CPU)\n"
		"  --data DIR          data directory of the embedded store (default: ./var)\n"
		"  --log-level LEVEL   error, warn, info or debug (default: info)\n"
		"  --print-config      print the effective configuration and exit\n"
		"  -h, --help          this text\n");
}

/* A YAML double-quoted scalar (YAML 1.2 §7.3.1): '"', '\\' and control
 * bytes escaped, so any argument prints as one valid value. */
static void yaml_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *level_name(enum sp_log_level l)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	return (unsigned)l < sizeof(names) / sizeof(names[0]) ? names[l] : "info";
}

static void print_config(const struct serve_config *c)
{
	printf("# siphon %s: effective configuration of `siphon serve`\n", sp_cli_version);
	if (c->config_file) {
		printf("# config file ");
		yaml_str(c->config_file);
		printf(" was found but not read: the YAML loader arrives with the server\n");
	}
	printf("listen:\n");
	for (unsigned i = 0; i < c->nlisten; i++) {
		printf("  - ");
		yaml_str(c->listen[i]);
		putchar('\n');
	}
	printf("workers: %ld\ndata: ", c->workers);
	yaml_str(c->data_dir);
	printf("\nlog_level: %s\n", level_name(c->log_level));
}

int sp_cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "data", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_config c = {
		.data_dir = "./var",
		.log_level = SP_LOG_INFO,
	};
	bool print_only = false;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char *end;
	int opt;

	c.workers = ncpu > 0 ? ncpu : 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c.config_file = optarg;
			break;
		case 'l':
			if (c.nlisten == MAX_LISTEN || !*optarg) {
				fprintf(stderr, "siphon serve: --listen: empty or more than %d\n",
					MAX_LISTEN);
				return SP_EXIT_USAGE;
			}
			c.listen[c.nlisten++] = optarg;
			break;
		case 'w':
			errno = 0;
			c.workers = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || c.workers < 1 ||
			    c.workers > MAX_WORKERS) {
				fprintf(stderr, "siphon serve: --workers: want 1..%d, got '%s'\n",
					MAX_WORKERS, optarg);
				return SP_EXIT_USAGE;
			}
			break;
		case 'd':
			c.data_dir = optarg;
			break;
		case 'L':
			if (sp_log_level_parse(optarg, &c.log_level) != 0) {
				fprintf(stderr,
					"siphon serve: --log-level: want error, warn, info or "
					"debug, got '%s'\n",
					optarg);
				return SP_EXIT_USAGE;
			}
			break;
		case 'P':
			print_only = true;
			break;
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		default:
			fputs("Try 'siphon serve --help'.\n", stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "siphon serve: unexpected argument '%s'\n", argv[optind]);
		fputs("Try 'siphon serve --help'.\n", stderr);
		return SP_EXIT_USAGE;
	}
	if (c.config_file) {
		FILE *fp = fopen(c.config_file, "r");
		if (!fp) {
			fprintf(stderr, "siphon serve: %s: %s\n", c.config_file, strerror(errno));
			return SP_EXIT_USAGE;
		}
		fclose(fp);
	}
	if (c.nlisten == 0) {
		/* Issue 3 defaults: UDP and TCP on every IPv4 and IPv6 address. */
		c.listen[c.nlisten++] = "udp:0.0.0.0:5060";
		c.listen[c.nlisten++] = "tcp:0.0.0.0:5060";
		c.listen[c.nlisten++] = "udp:[::]:5060";
		c.listen[c.nlisten++] = "tcp:[::]:5060";
	}
	print_config(&c);
	if (!print_only)
		fprintf(stderr, "siphon serve: the server arrives with issue 3; "
				"nothing was started.\n");
	return SP_EXIT_OK;
}
