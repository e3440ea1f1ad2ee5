/*
 * libFuzzer target for the server configuration loader (src/server/
 * config.c, sp_config_load_string): YAML through libyaml's document API,
 * then every key checked for type and range. A configuration file is
 * written by an administrator, but a loader that crashes, hangs or accepts
 * what it cannot print back is a defect all the same. Checks:
 *  - a refused input comes with a message ("name:line:col: ...");
 *  - an accepted one prints (sp_config_print) as YAML that loads again,
 *    and prints the same the second time (the round trip
 *    sp_config_print promises).
 * Seeds: the effective defaults (`siphon serve --print-config`), the
 * examples of docs/config.md, the test and benchmark configurations.
 */
#define _GNU_SOURCE /* open_memstream */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* cfg as YAML in a malloc'd buffer (*len bytes). */
static char *print(const struct sp_config *cfg, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f || sp_config_print(cfg, f) != 0)
		abort();
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sp_config a, b;
	char err[512] = "";

	sp_config_defaults(&a, "fuzz");
	if (sp_config_load_string(&a, (const char *)data, size, "fuzz", err, sizeof(err)) != 0) {
		if (!err[0] || !strstr(err, "fuzz"))
			abort(); /* refused without saying where */
		return 0;
	}
	size_t n1, n2;
	char *t1 = print(&a, &n1);
	sp_config_defaults(&b, "fuzz");
	if (sp_config_load_string(&b, t1, n1, "printed", err, sizeof(err)) != 0) {
		fprintf(stderr, "the printed configuration does not load: %s\n%s", err, t1);
		abort();
	}
	char *t2 = print(&b, &n2);
	if (n1 != n2 || memcmp(t1, t2, n1) != 0) {
		fprintf(stderr, "printed twice, different:\n%s---\n%s", t1, t2);
		abort();
	}
	free(t1);
	free(t2);
	return 0;
}
