/*
 * Structured logging: one JSON object per line on stderr.
 *
 * Every line carries time, level, the process role (app, worker, admin),
 * the request id of the request the calling thread is serving (if any), the
 * message and optional fields. Logs say everything; error pages say little.
 */
#ifndef GH_LOG_H
#define GH_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Name the process in every line ("app", "worker", "admin"). */
void log_init(const char *role);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "debug", "info", "warn" or "error"; 0 on success, -1 otherwise. */
int log_level_parse(const char *name, enum log_level *out);
/* The request id this thread is serving, or NULL between requests. */
void log_set_request_id(const char *request_id);

/* Log at a level; fields (may be NULL) is a JSON object the call steals. */
void log_fields(enum log_level level, json_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Log at error level and exit(1). For start-up, configuration and
 * out-of-memory only: never for a condition one request can cause.
 */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
