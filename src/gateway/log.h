/* log.h: leveled logs to stderr, one line per message, thread-safe.
 * Never pass a secret to these functions. */
#ifndef GW_LOG_H
#define GW_LOG_H

typedef enum gw_log_level {
    GW_LOG_DEBUG = 0,
    GW_LOG_INFO,
    GW_LOG_WARN,
    GW_LOG_ERROR,
} gw_log_level;

void gw_log_set_level(gw_log_level level);
/* "debug", "info", "warn"/"warning", "error"; returns -1 when unknown. */
int gw_log_level_from_name(const char *name);
void gw_log(gw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define gw_debug(...) gw_log(GW_LOG_DEBUG, __VA_ARGS__)
#define gw_info(...) gw_log(GW_LOG_INFO, __VA_ARGS__)
#define gw_warn(...) gw_log(GW_LOG_WARN, __VA_ARGS__)
#define gw_error(...) gw_log(GW_LOG_ERROR, __VA_ARGS__)

#endif
