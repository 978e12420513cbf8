/* The growable byte buffer (see buf.h). */
#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "log.h"

void buf_grow(struct buf *b, size_t extra)
{
    size_t need;

    if (extra > ((size_t)-1) / 2 - b->len)
        fatal("buffer of %zu bytes cannot grow by %zu", b->len, extra);
    need = b->len + extra + 1;
    if (need <= b->size)
        return;
    if (b->size == 0)
        b->size = 64;
    while (b->size < need)
        b->size *= 2;
    b->data = xreallocarray(b->data, b->size, 1);
}

void buf_append(struct buf *b, const void *data, size_t len)
{
    buf_grow(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        fatal("vsnprintf failed for format \"%s\"", fmt);
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->size = 0;
}

const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}

char *buf_detach(struct buf *b)
{
    char *p = b->data ? b->data : xstrdup("");

    b->data = NULL;
    b->len = b->size = 0;
    return p;
}
