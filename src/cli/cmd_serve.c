/*
 * `siphon serve`: the SIP server. This file is only the command line: the
 * configuration (built-in defaults, then --config FILE, then the flags),
 * the log sink (stderr, one timestamped line each), the signals (SIGTERM
 * and SIGINT stop the server cleanly, SIGPIPE is ignored) and the calls
 * into src/server, which does the work.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "siphon/config.h"
#include "siphon/log.h"
#include "siphon/server.h"

#include "cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siphon serve [options]\n"
		"\n"
		"  --config FILE       YAML configuration (default: built-in defaults;\n"
		"                      docs/config.md lists every key)\n"
		"  --listen ADDR       [udp:|tcp:]HOST[:PORT] to listen on, repeatable; without a\n"
		"                      prefix both UDP and TCP; IPv6 as [::1]:5060; port 0 picks\n"
		"                      a free port (default: 0.0.0.0:5060 and [::]:5060)\n"
		"  --workers N         worker threads (default: one per online CPU)\n"
		"  --data DIR          data directory of the embedded store (default: ./var)\n"
		"  --log-level LEVEL   error, warn, info or debug (default: info)\n"
		"  --print-config      print the effective configuration as YAML and exit\n"
		"  -h, --help          this text\n");
}

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

/* The log sink: "2024-05-01T12:00:00.123Z INFO text" on stderr. */
static void log_stderr(enum sp_log_level level, const char *line, void *arg)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s %s\n", when, ts.tv_nsec / 1000000L,
		(unsigned)level < 4 ? level_names[level] : "INFO", line);
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "siphon serve: %s '%s'\nTry 'siphon serve --help'.\n", what, arg);
	return SP_EXIT_USAGE;
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
	/* Flags are applied after the file, whatever their order. */
	const char *config_file = NULL, *listen[SP_CONFIG_MAX_LISTEN], *workers = NULL;
	const char *data = NULL, *level = NULL;
	unsigned nlisten = 0;
	bool print_only = false;
	char err[SP_CONFIG_ERR_MAX];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_file = optarg;
			break;
		case 'l':
			if (nlisten == SP_CONFIG_MAX_LISTEN)
				return usage_error("--listen: more than 32 addresses at", optarg);
			listen[nlisten++] = optarg;
			break;
		case 'w':
			workers = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'L':
			level = optarg;
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
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);

	struct sp_config *cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		fputs("siphon serve: out of memory\n", stderr);
		return SP_EXIT_FAIL;
	}
	sp_config_defaults(cfg, sp_cli_version);
	rc = SP_EXIT_USAGE;
	if (config_file && sp_config_load(cfg, config_file, err, sizeof(err)) != 0) {
		fprintf(stderr, "siphon serve: %s\n", err);
		goto out;
	}
	if (nlisten) {
		cfg->nlisten = 0; /* --listen replaces the file's list */
		for (unsigned i = 0; i < nlisten; i++) {
			if (sp_config_parse_listen(listen[i], cfg->listen, &cfg->nlisten,
						   SP_CONFIG_MAX_LISTEN, err, sizeof(err)) != 0) {
				fprintf(stderr, "siphon serve: --listen %s\n", err);
				goto out;
			}
		}
	}
	if (workers) {
		char *end;
		errno = 0;
		long n = strtol(workers, &end, 10);
		if (errno || end == workers || *end || n < 1 || n > SP_CONFIG_MAX_WORKERS) {
			fprintf(stderr, "siphon serve: --workers: want 1..%d, got '%s'\n",
				SP_CONFIG_MAX_WORKERS, workers);
			goto out;
		}
		cfg->workers = (unsigned)n;
	}
	if (data) {
		if (!*data || strlen(data) >= sizeof(cfg->data_dir)) {
			fprintf(stderr, "siphon serve: --data: empty or too long\n");
			goto out;
		}
		snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", data);
	}
	if (level && sp_log_level_parse(level, &cfg->log_level) != 0) {
		fprintf(stderr,
			"siphon serve: --log-level: want error, warn, info or debug, got '%s'\n",
			level);
		goto out;
	}
	if (print_only) {
		printf("# siphon %s: effective configuration of `siphon serve`\n", sp_cli_version);
		rc = sp_config_print(cfg, stdout) == 0 ? SP_EXIT_OK : SP_EXIT_FAIL;
		goto out;
	}

	sp_log_set_level(cfg->log_level);
	sp_log_set_sink(log_stderr, NULL);

	/* The workers inherit this mask, so only sigwait below sees
	 * SIGTERM/SIGINT; a write to a closed TCP peer must not kill us. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	struct sp_server *srv;
	int err_start = sp_server_start(&srv, cfg);
	if (err_start) {
		SP_LOG(SP_LOG_ERROR, "cannot start: %s", strerror(-err_start));
		rc = SP_EXIT_FAIL;
		goto out;
	}
	SP_LOG(SP_LOG_INFO, "siphon %s serving (pid %ld); SIGTERM or SIGINT stops it",
	       sp_cli_version, (long)getpid());
	int sig = 0;
	while (sigwait(&stop, &sig) != 0)
		;
	SP_LOG(SP_LOG_INFO, "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	sp_server_stop(srv);
	SP_LOG(SP_LOG_INFO, "stopped");
	rc = SP_EXIT_OK;
out:
	free(cfg);
	return rc;
}
