/*
 * The logging sink and level. Formatting happens into a stack buffer only
 * after the level check; the sink receives a complete NUL-terminated line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "siphon/log.h"

enum sp_log_level sp__log_level = SP_LOG_INFO;
static sp_log_cb log_sink;
static void *log_arg;

void sp_log_set_sink(sp_log_cb sink, void *arg)
{
	log_sink = sink;
	log_arg = arg;
}

void sp_log_set_level(enum sp_log_level level)
{
	sp__log_level = level;
}

enum sp_log_level sp_log_get_level(void)
{
	return sp__log_level;
}

int sp_log_level_parse(const char *name, enum sp_log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum sp_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

__attribute__((format(printf, 2, 0))) static void emit_va(enum sp_log_level level,
							    const char *fmt, va_list ap)
{
	char line[1024];
	if (!log_sink)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_sink(level, line, log_arg);
}

void sp_log_emit(enum sp_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit_va(level, fmt, ap);
	va_end(ap);
}

void sp_log_emit_rl(struct sp_log_bucket *bucket, uint32_t burst, enum sp_log_level level,
		    const char *fmt, ...)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (ts.tv_sec != bucket->window) {
		if (bucket->dropped)
			sp_log_emit(level, "(%u similar lines suppressed)", bucket->dropped);
		bucket->window = ts.tv_sec;
		bucket->used = 0;
		bucket->dropped = 0;
	}
	if (bucket->used >= burst) {
		bucket->dropped++;
		return;
	}
	bucket->used++;
	va_list ap;
	va_start(ap, fmt);
	emit_va(level, fmt, ap);
	va_end(ap);
}
