/*
 * The one growable byte buffer of the project.
 *
 * A buf always keeps its content NUL-terminated so that it can be handed to
 * functions that want a C string, but it may also hold binary data: len is
 * the truth, not strlen().
 */
#ifndef GH_BUF_H
#define GH_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;  /* the bytes, NUL-terminated; NULL until the first append */
    size_t len;  /* bytes in use, not counting the terminating NUL */
    size_t size; /* bytes allocated */
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Make room for at least extra more bytes (plus the NUL). */
void buf_grow(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Forget the content but keep the allocation for reuse. */
void buf_reset(struct buf *b);
/* Release the allocation; the buf is empty and reusable afterwards. */
void buf_free(struct buf *b);
/* The content as a C string ("" when nothing was appended yet). */
const char *buf_str(const struct buf *b);
/* Hand the allocation to the caller, who frees it; the buf is left empty. */
char *buf_detach(struct buf *b);

#endif
