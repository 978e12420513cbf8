/* Structured logging (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "echo.h"
#include "timeutil.h"

static const char *log_role = "gatehouse";
static enum log_level log_threshold = LOG_INFO;
static _Thread_local const char *log_rid;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *role)
{
    log_role = role;
}

void log_set_level(enum log_level level)
{
    log_threshold = level;
}

enum log_level log_get_level(void)
{
    return log_threshold;
}

int log_level_parse(const char *name, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_set_request_id(const char *request_id)
{
    log_rid = request_id;
}

/*
 * Build the line with jansson so that any character in a message (a path,
 * a header) is escaped, and write it with one write(2) so that lines from
 * concurrent threads and processes never interleave. jansson refuses text
 * that is not UTF-8, so such bytes in the message (a client's, or a
 * character cut at the end of the buffer) are first shown as \xNN: the
 * line is never lost.
 */
static void log_emit(const char *level, json_t *fields, const char *fmt, va_list ap)
{
    char when[TIME_RFC3339_LEN];
    char raw[2048], msg[2048];
    json_t *line;
    char *text;
    size_t len;

    time_format_rfc3339(time_now_ms(), when);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    text_repair(raw, msg, sizeof(msg));
    line = json_pack("{s:s, s:s, s:s, s:s}", "time", when, "level", level, "proc", log_role,
                     "message", msg);
    if (line == NULL) {
        json_decref(fields);
        return;
    }
    if (log_rid)
        json_object_set_new(line, "request_id", json_string(log_rid));
    if (fields) {
        json_object_set(line, "fields", fields);
        json_decref(fields);
    }
    text = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
    json_decref(line);
    if (text == NULL)
        return;
    len = strlen(text);
    text[len] = '\n';
    /* A failed log write has nowhere to be reported; ignoring it is deliberate. */
    if (write(STDERR_FILENO, text, len + 1) < 0) {
    }
    free(text);
}

void log_fields(enum log_level level, json_t *fields, const char *fmt, ...)
{
    va_list ap;

    if (level < log_threshold) {
        json_decref(fields);
        return;
    }
    va_start(ap, fmt);
    log_emit(level_names[level], fields, fmt, ap);
    va_end(ap);
}

#define LOG_AT(name, level)                                                                        \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        if (level < log_threshold)                                                                 \
            return;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_emit(level_names[level], NULL, fmt, ap);                                               \
        va_end(ap);                                                                                \
    }

LOG_AT(log_debug, LOG_DEBUG)
LOG_AT(log_info, LOG_INFO)
LOG_AT(log_warn, LOG_WARN)
LOG_AT(log_error, LOG_ERROR)

void fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_emit("fatal", NULL, fmt, ap);
    va_end(ap);
    exit(1);
}
