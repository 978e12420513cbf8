/* Error values (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int gh_fail(struct gh_error *err, enum gh_kind kind, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return -1;
    err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}
