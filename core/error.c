/* Error values (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

#include "echo.h"

static void fill(struct gh_error *err, enum gh_kind kind, const char *field, const char *fmt,
                 va_list ap)
{
    char text[sizeof(err->message)];

    err->kind = kind;
    vsnprintf(text, sizeof(text), fmt, ap);
    text_repair(text, err->message, sizeof(err->message));
    snprintf(err->field, sizeof(err->field), "%s", field);
}

int gh_fail(struct gh_error *err, enum gh_kind kind, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return -1;
    va_start(ap, fmt);
    fill(err, kind, "", fmt, ap);
    va_end(ap);
    return -1;
}

int gh_fail_field(struct gh_error *err, enum gh_kind kind, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return -1;
    va_start(ap, fmt);
    fill(err, kind, field, fmt, ap);
    va_end(ap);
    return -1;
}
