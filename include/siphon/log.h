/*
 * Logging: the library never prints. An application installs one sink with
 * sp_log_set_sink(); the level is checked before any formatting, so a
 * disabled debug line costs one comparison. Lines caused by network input
 * should go through SP_LOG_RL (rate-limited).
 */
#ifndef SIPHON_LOG_H
#define SIPHON_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum sp_log_level {
	SP_LOG_ERROR = 0,
	SP_LOG_WARN,
	SP_LOG_INFO,
	SP_LOG_DEBUG,
};

typedef void (*sp_log_cb)(enum sp_log_level level, const char *line, void *arg);

/* Installs the sink (NULL: drop everything) and its argument. */
void sp_log_set_sink(sp_log_cb sink, void *arg);

/* Lines above this level are discarded before formatting. Default: INFO. */
void sp_log_set_level(enum sp_log_level level);
enum sp_log_level sp_log_get_level(void);

/* Parses "error", "warn", "info", "debug". Returns 0 or -EINVAL. */
int sp_log_level_parse(const char *name, enum sp_log_level *out);

/* Formats and delivers one line to the sink. Use through SP_LOG. */
void sp_log_emit(enum sp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like sp_log_emit, but at most `burst` lines per second per call site
 * (state in *bucket); dropped lines are counted and reported later.
 * SP_LOG_RL keeps one bucket per call site and thread, so workers never
 * share it. */
struct sp_log_bucket {
	int64_t window;
	uint32_t used;
	uint32_t dropped;
};
void sp_log_emit_rl(struct sp_log_bucket *bucket, uint32_t burst, enum sp_log_level level,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

extern enum sp_log_level sp__log_level;

#define SP_LOG(level, ...)                                                                         \
	do {                                                                                       \
		if ((level) <= sp__log_level)                                                      \
			sp_log_emit((level), __VA_ARGS__);                                         \
	} while (0)

#define SP_LOG_RL(level, ...)                                                                      \
	do {                                                                                       \
		static _Thread_local struct sp_log_bucket sp__bucket_;                             \
		if ((level) <= sp__log_level)                                                      \
			sp_log_emit_rl(&sp__bucket_, 10, (level), __VA_ARGS__);                    \
	} while (0)

#endif
