/*
 * bench_parse: SIP message parsing speed of siphon against GNU oSIP and
 * Sofia-SIP, side by side in one run, on the same bytes and to the same
 * depth (every header located; top Via, From, To, CSeq, Call-ID decoded;
 * see bench.h).
 *
 * Method. For each message, every parser is first checked against the
 * expected facts of that message (CSeq, Call-ID, Via count, top Via host
 * and branch, tags, body length); any mismatch aborts the run. Then each
 * parser's iteration count is calibrated so that one run takes about
 * --time/--reps seconds of CPU time, and --reps runs are made per parser,
 * interleaved (siphon, osip, sofia, siphon, osip, sofia, ...) so that the
 * drift of a noisy machine falls on all parsers alike. Time is process CPU
 * time (CLOCK_PROCESS_CPUTIME_ID), not wall time; the table gives the
 * median run, its spread, and siphon's speed-up over the faster reference.
 *
 * `bench_parse --callgrind PARSER MSG ITER` only checks the facts once and
 * then parses MSG ITER times with PARSER: callgrind.sh runs it under
 * valgrind with ITER and with 0 and divides the difference of the
 * instruction counts by ITER.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#ifndef BENCH_MSG_DIR
#define BENCH_MSG_DIR "bench/parse/msgs"
#endif
#ifndef BENCH_OSIP_VERSION
#define BENCH_OSIP_VERSION "?"
#endif
#ifndef BENCH_SOFIA_VERSION
#define BENCH_SOFIA_VERSION "?"
#endif

#define MAX_REPS 99

/* The benchmark inputs and what a correct parse of each must find. */
struct input {
	const char *file;
	const char *what;
	struct bench_facts want;
	char *buf;
	size_t len;
};

static struct input inputs[] = {
	{
		.file = "invite-sdp.sip",
		.what = "INVITE with SDP (RFC 3665 3.1 F1)",
		.want = {
			.request = true,
			.method = "INVITE",
			.cseq = 1,
			.cseq_method = "INVITE",
			.call_id = "3848276298220188511@atlanta.example.com",
			.nvia = 1,
			.via1_host = "client.atlanta.example.com",
			.via1_has_branch = true,
			.via1_branch = "z9hG4bK74bf9",
			.from_has_tag = true,
			.from_tag = "9fxced76sl",
			.body_len = 151,
		},
	},
	{
		.file = "200-ok-3via-record-route.sip",
		.what = "200 OK, 3 folded Vias, Record-Route, SDP (RFC 3665 3.2 F12)",
		.want = {
			.status = 200,
			.cseq = 2,
			.cseq_method = "INVITE",
			.call_id = "3848276298220188511@atlanta.example.com",
			.nvia = 3,
			.via1_host = "ss2.biloxi.example.com",
			.via1_has_branch = true,
			.via1_branch = "z9hG4bK721e4.1",
			.from_has_tag = true,
			.from_tag = "9fxced76sl",
			.to_has_tag = true,
			.to_tag = "314159",
			.body_len = 147,
		},
	},
	{
		.file = "register-authorization.sip",
		.what = "REGISTER with Digest Authorization (RFC 3665 2.2 F1)",
		.want = {
			.request = true,
			.method = "REGISTER",
			.cseq = 1,
			.cseq_method = "REGISTER",
			.call_id = "1j9FpLxk3uxtm8tn@biloxi.example.com",
			.nvia = 1,
			.via1_host = "client.biloxi.example.com",
			.via1_has_branch = true,
			.via1_branch = "z9hG4bKnashds7",
			.from_has_tag = true,
			.from_tag = "a73kszlfl",
			.body_len = 0,
		},
	},
	{
		.file = "longreq.dat",
		.what = "RFC 4475 3.1.1.7 longreq: long values, 34 Vias",
		.want = {
			.request = true,
			.method = "INVITE",
			.cseq = 3882340,
			.cseq_method = "INVITE",
			.call_id = "longreq.onereallyreallyreallyreallyreallyreallyreallyreally"
				   "reallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
				   "reallyreallylongcallid",
			.nvia = 34,
			.via1_host = "sip33.example.com",
			.from_has_tag = true,
			.from_tag = "129829829829829829829829829829829829829829829829829829829829"
				    "829829829829829829829829829829829829829829829829829829829829"
				    "82982982982982982982982982982982424",
			.body_len = 150,
		},
	},
};
#define NINPUTS (sizeof(inputs) / sizeof(inputs[0]))

static const struct bench_parser *const parsers[] = {
#ifndef BENCH_NO_SIPHON
	&bench_siphon,
#endif
	&bench_osip,
	&bench_sofia,
};
#define NPARSERS (sizeof(parsers) / sizeof(parsers[0]))

#ifndef BENCH_NO_SIPHON
static const struct bench_parser *const siphon = &bench_siphon;
#else
static const struct bench_parser *const siphon = NULL;
#endif

/* The goal: siphon at least this many times faster than the faster
 * of the two references. */
#define GOAL 3.0

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_parse: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		die("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void load(struct input *in, const char *dir)
{
	char path[4096];
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, in->file);
	fp = fopen(path, "rb");
	if (!fp)
		die("cannot open %s: %s", path, strerror(errno));
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0 || fseek(fp, 0, SEEK_SET) != 0)
		die("cannot size %s", path);
	in->len = (size_t)n;
	in->buf = malloc(in->len + 1);
	if (!in->buf || fread(in->buf, 1, in->len, fp) != in->len)
		die("cannot read %s", path);
	in->buf[in->len] = '\0'; /* not part of the message; len excludes it */
	fclose(fp);
}

/* Parses once with p and compares with in->want; exits on any mismatch. */
static void check(const struct bench_parser *p, const struct input *in)
{
	struct bench_facts got, want = in->want;
	char why[512] = "";
	int bad = 0;

	memset(&got, 0, sizeof(got));
	if (p->facts(in->buf, in->len, &got, why, sizeof(why)) != 0)
		die("%s failed to parse %s: %s", p->name, in->file, why);
#define CHECK_NUM(field)                                                                        \
	if ((unsigned long long)got.field != (unsigned long long)want.field) {                 \
		fprintf(stderr, "  %s: got %llu, want %llu\n", #field,                        \
			(unsigned long long)got.field, (unsigned long long)want.field);       \
		bad = 1;                                                                        \
	}
#define CHECK_STR(field)                                                                        \
	if (strcmp(got.field, want.field) != 0) {                                               \
		fprintf(stderr, "  %s: got \"%s\", want \"%s\"\n", #field, got.field, want.field); \
		bad = 1;                                                                        \
	}
	CHECK_NUM(request);
	CHECK_NUM(status);
	CHECK_STR(method);
	CHECK_NUM(cseq);
	CHECK_STR(cseq_method);
	CHECK_STR(call_id);
	CHECK_NUM(nvia);
	CHECK_STR(via1_host);
	CHECK_NUM(via1_has_branch);
	CHECK_STR(via1_branch);
	CHECK_NUM(from_has_tag);
	CHECK_STR(from_tag);
	CHECK_NUM(to_has_tag);
	CHECK_STR(to_tag);
	CHECK_NUM(body_len);
#undef CHECK_NUM
#undef CHECK_STR
	if (bad)
		die("%s parsed %s wrongly (above): not benchmarking it", p->name, in->file);
}

/* n parses of in with p; returns CPU seconds. Kept out of line under a
 * unique name: callgrind.sh collects only inside it (--toggle-collect=bench_loop*,
 * which also matches a clone such as bench_loop.constprop.0). */
__attribute__((noinline)) static double bench_loop(const struct bench_parser *p,
						   const struct input *in, unsigned long n)
{
	int (*parse)(const char *, size_t) = p->parse;
	const char *buf = in->buf;
	size_t len = in->len;
	unsigned long i, fails = 0;
	double t0 = cpu_now();

	for (i = 0; i < n; i++)
		fails += parse(buf, len) != 0;
	t0 = cpu_now() - t0;
	if (fails)
		die("%s failed during the timed loop on %s", p->name, in->file);
	return t0;
}

/* Iterations for one run of about target seconds. */
static unsigned long calibrate(const struct bench_parser *p, const struct input *in,
			       double target)
{
	unsigned long n = 16;
	double t;

	for (;;) {
		t = bench_loop(p, in, n);
		if (t >= target / 4 || t >= 0.02)
			break;
		n *= 4;
	}
	t = (double)n * target / (t > 1e-9 ? t : 1e-9);
	return t < 1 ? 1 : (unsigned long)t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct cell {
	double ns[MAX_REPS];
	unsigned long iters;
	double median, spread;
};

__attribute__((noreturn)) static void usage(void)
{
	fputs("usage: bench_parse [--time SEC] [--reps N] [--iters N] [--msgs DIR]\n"
	      "                   [--parser NAME] [--msg FILE]\n"
	      "       bench_parse --callgrind PARSER MSG ITER [--msgs DIR]\n"
	      "       bench_parse --list | --list-parsers\n"
	      "  --time SEC   CPU seconds per cell (message x parser), split over the\n"
	      "               runs (default 0.3)\n"
	      "  --reps N     runs per cell, the median is reported (default 5)\n"
	      "  --iters N    fixed iterations per run instead of calibrating\n"
	      "  --parser, --msg  restrict to one parser / one message\n",
	      stderr);
	exit(2);
}

static const struct bench_parser *find_parser(const char *name)
{
	size_t i;

	for (i = 0; i < NPARSERS; i++)
		if (strcmp(parsers[i]->name, name) == 0)
			return parsers[i];
	die("unknown parser %s (siphon, osip, sofia)", name);
}

static struct input *find_input(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < NINPUTS; i++)
		if (strncmp(inputs[i].file, name, n) == 0)
			return &inputs[i];
	die("unknown message %s (see --list)", name);
}

static void print_machine(void)
{
	char line[256], *model = NULL;
	FILE *fp = fopen("/proc/cpuinfo", "r");
	long ncpu = 0;

	while (fp && fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "processor", 9) == 0)
			ncpu++;
		if (!model && strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
			model = strdup(strchr(line, ':') + 2);
			if (model)
				model[strcspn(model, "\n")] = '\0';
		}
	}
	if (fp)
		fclose(fp);
	printf("machine: %s, %ld CPUs; compiler: gcc %s\n", model ? model : "?", ncpu, __VERSION__);
	printf("references: libosip2 %s, sofia-sip-ua %s\n", BENCH_OSIP_VERSION,
	       BENCH_SOFIA_VERSION);
	free(model);
}

/* Formats n with thousands separators into buf. */
static const char *thousands(char *buf, size_t cap, double v)
{
	char tmp[32];
	size_t i, j = 0, n;

	snprintf(tmp, sizeof(tmp), "%.0f", v);
	n = strlen(tmp);
	for (i = 0; i < n && j + 2 < cap; i++) {
		buf[j++] = tmp[i];
		if ((n - i - 1) % 3 == 0 && i + 1 < n)
			buf[j++] = ',';
	}
	buf[j] = '\0';
	return buf;
}

/* Index of the first parser measured on message m (the row that names it). */
static size_t first_shown(struct cell (*cells)[NPARSERS], size_t m)
{
	size_t p;

	for (p = 0; p < NPARSERS && !cells[m][p].iters; p++)
		;
	return p;
}

static int callgrind_mode(char **argv, int i, const char *dir)
{
	const struct bench_parser *p;
	struct input *in;
	unsigned long n;
	char *end;

	p = find_parser(argv[i + 1]);
	in = find_input(argv[i + 2]);
	n = strtoul(argv[i + 3], &end, 10);
	if (*end)
		usage();
	load(in, dir);
	if (p->init() != 0)
		die("%s: init failed", p->name);
	check(p, in);
	bench_loop(p, in, n);
	return 0;
}

int main(int argc, char **argv)
{
	static struct cell cells[NINPUTS][NPARSERS];
	const char *dir = BENCH_MSG_DIR;
	const struct bench_parser *only_p = NULL;
	const struct input *only_m = NULL;
	double cell_time = 0.3;
	unsigned long fixed = 0;
	int reps = 5, callgrind_at = 0, i;
	size_t m, p;
	unsigned met = 0, measured = 0;
	double min_ratio = INFINITY, log_sum = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--callgrind") == 0) {
			if (i + 3 >= argc)
				usage();
			callgrind_at = i;
			i += 3;
		} else if (strcmp(a, "--list") == 0) {
			for (m = 0; m < NINPUTS; m++)
				printf("%-30s %s\n", inputs[m].file, inputs[m].what);
			return 0;
		} else if (strcmp(a, "--list-parsers") == 0) {
			for (p = 0; p < NPARSERS; p++)
				printf("%s\n", parsers[p]->name);
			return 0;
		} else if (!v) {
			usage();
		} else if (strcmp(a, "--time") == 0) {
			cell_time = atof(v), i++;
		} else if (strcmp(a, "--reps") == 0) {
			reps = atoi(v), i++;
		} else if (strcmp(a, "--iters") == 0) {
			fixed = strtoul(v, NULL, 10), i++;
		} else if (strcmp(a, "--msgs") == 0) {
			dir = v, i++;
		} else if (strcmp(a, "--parser") == 0) {
			only_p = find_parser(v), i++;
		} else if (strcmp(a, "--msg") == 0) {
			only_m = find_input(v), i++;
		} else {
			usage();
		}
	}
	if (callgrind_at)
		return callgrind_mode(argv, callgrind_at, dir);
	if (reps < 1 || reps > MAX_REPS || !(cell_time > 0))
		usage();

	for (p = 0; p < NPARSERS; p++)
		if (parsers[p]->init() != 0)
			die("%s: init failed", parsers[p]->name);
	for (m = 0; m < NINPUTS; m++) {
		load(&inputs[m], dir);
		for (p = 0; p < NPARSERS; p++)
			check(parsers[p], &inputs[m]);
	}

	print_machine();
	printf("method: CPU time (CLOCK_PROCESS_CPUTIME_ID); median of %d runs per cell, "
	       "runs interleaved across parsers; ",
	       reps);
	if (fixed)
		printf("%lu iterations per run\n", fixed);
	else
		printf("~%.0f ms per run\n", cell_time / reps * 1e3);
	if (!siphon)
		printf("siphon's adapter is not built (SIPHON_BENCH_REFS_ONLY): references only\n");
	printf("all parsers verified on every message before timing "
	       "(CSeq, Call-ID, Via count, top Via host/branch, tags, body length)\n\n");

	/* Warm-up: caches, branch predictors, the allocators' free lists and
	 * the CPU clock settle before the first measured cell. */
	for (double t0 = cpu_now(); cpu_now() - t0 < 0.25;)
		for (m = 0; m < NINPUTS; m++)
			for (p = 0; p < NPARSERS; p++)
				bench_loop(parsers[p], &inputs[m], 200);

	for (m = 0; m < NINPUTS; m++) {
		const struct input *in = &inputs[m];

		if (only_m && only_m != in)
			continue;
		for (p = 0; p < NPARSERS; p++) {
			if (only_p && only_p != parsers[p])
				continue;
			cells[m][p].iters =
				fixed ? fixed : calibrate(parsers[p], in, cell_time / reps);
		}
		for (i = 0; i < reps; i++) {
			for (p = 0; p < NPARSERS; p++) {
				struct cell *c = &cells[m][p];

				if (only_p && only_p != parsers[p])
					continue;
				c->ns[i] = bench_loop(parsers[p], in, c->iters) * 1e9 /
					   (double)c->iters;
			}
		}
		for (p = 0; p < NPARSERS; p++) {
			struct cell *c = &cells[m][p];

			if (!c->iters)
				continue;
			qsort(c->ns, (size_t)reps, sizeof(c->ns[0]), cmp_double);
			c->median = c->ns[reps / 2];
			if (reps % 2 == 0)
				c->median = (c->ns[reps / 2 - 1] + c->ns[reps / 2]) / 2;
			c->spread = (c->ns[reps - 1] - c->ns[0]) / c->median * 100;
		}
	}

	printf("| message                      | bytes | parser |  ns/msg |     msgs/s | spread "
	       "| ns vs siphon | siphon speed-up |\n");
	printf("|------------------------------|------:|--------|--------:|-----------:|-------:"
	       "|-------------:|----------------:|\n");
	for (m = 0; m < NINPUTS; m++) {
		const struct input *in = &inputs[m];
		double sip_ns = 0, best_ns = 0;

		if (only_m && only_m != in)
			continue;
		for (p = 0; p < NPARSERS; p++) {
			const struct cell *c = &cells[m][p];

			if (!c->iters)
				continue;
			if (parsers[p] == siphon)
				sip_ns = c->median;
			else if (!best_ns || c->median < best_ns)
				best_ns = c->median;
		}
		for (p = 0; p < NPARSERS; p++) {
			const struct cell *c = &cells[m][p];
			char rate[32], vs[32] = "", up[32] = "", bytes[16] = "";

			if (!c->iters)
				continue;
			if (parsers[p] == siphon) {
				if (best_ns) {
					double r = best_ns / c->median;

					snprintf(up, sizeof(up), "%.2fx %s", r,
						 r >= GOAL ? "ok" : "LOW");
					measured++;
					met += r >= GOAL;
					log_sum += log(r);
					if (r < min_ratio)
						min_ratio = r;
				}
			} else if (sip_ns) {
				snprintf(vs, sizeof(vs), "%.2fx%s", c->median / sip_ns,
					 c->median == best_ns ? " *" : "");
			}
			if (p == first_shown(cells, m))
				snprintf(bytes, sizeof(bytes), "%zu", in->len);
			printf("| %-28s | %5s | %-6s | %7.1f | %10s | %5.1f%% | %12s | %15s |\n",
			       bytes[0] ? in->file : "", bytes, parsers[p]->name,
			       c->median, thousands(rate, sizeof(rate), 1e9 / c->median), c->spread,
			       vs, up);
		}
	}
	printf("\nns vs siphon: a reference's time per message over siphon's (* = the faster "
	       "reference);\nsiphon speed-up: the faster reference's time over siphon's "
	       "(goal %.0fx).\n",
	       GOAL);
	if (measured)
		printf("goal %.0fx over the faster reference: met on %u of %u messages "
		       "(lowest %.2fx, geometric mean %.2fx)\n",
		       GOAL, met, measured, min_ratio, exp(log_sum / measured));
	return 0;
}
