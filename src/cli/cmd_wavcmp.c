/*
 * `siphon wav-compare REF REC`: how alike a recording is to the file that
 * was played (sp_correlate_wav, audio.h): the lag that best aligns them
 * and the normalised correlation there. The softphone tests use it to
 * prove that audio crossed a call. docs/cli.md describes it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/audio.h"

#include "cli.h"
#include "phone_common.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: siphon wav-compare REF.wav REC.wav [--max-lag MS] [--min C]\n"
		     "\n"
		     "Prints: corr=C lag_ms=L overlap_s=S (C in -1..1: 1 is the same signal).\n"
		     "\n"
		     "  --max-lag MS        lag searched either way (default 2000)\n"
		     "  --min C             exit 1 unless corr >= C\n"
		     "  -h, --help          this text\n"
		     "\n"
		     "Exit status: 0 (corr >= --min when given), 1 below it, 2 usage or I/O error.\n");
}

int sp_cmd_wav_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-lag", required_argument, NULL, 'l' },
		{ "min", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long max_lag = 2000;
	double min = -2;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		case 'l':
			max_lag = strtoul(optarg, &end, 10);
			if (*end || !*optarg || max_lag > 60000) {
				fprintf(stderr, "siphon wav-compare: invalid --max-lag '%s'\n", optarg);
				return SP_EXIT_USAGE;
			}
			break;
		case 'm':
			min = strtod(optarg, &end);
			if (*end || !*optarg || min < -1 || min > 1) {
				fprintf(stderr, "siphon wav-compare: invalid --min '%s'\n", optarg);
				return SP_EXIT_USAGE;
			}
			break;
		default:
			usage(stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return SP_EXIT_USAGE;
	}
	struct sp_corr r;
	int rc = sp_correlate_wav(argv[optind], argv[optind + 1], (unsigned)max_lag, &r);
	if (rc) {
		fprintf(stderr, "siphon wav-compare: %s\n", strerror(-rc));
		return SP_EXIT_USAGE;
	}
	printf("corr=%.4f lag_ms=%.1f overlap_s=%.2f\n", r.coeff, (double)r.lag * 1000.0 / SP_AUDIO_RATE,
	       (double)r.overlap / SP_AUDIO_RATE);
	return r.coeff >= min ? SP_EXIT_OK : SP_EXIT_FAIL;
}
