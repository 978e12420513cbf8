/*
 * Allocators that never return NULL.
 *
 * Running out of memory is one of the few conditions on which Gatehouse
 * calls fatal(): a request cannot do anything sensible without memory, and
 * checking every allocation at every call site hides the real logic.
 * Multiplications are checked for overflow before they reach malloc.
 */
#ifndef GH_ALLOC_H
#define GH_ALLOC_H

#include <stddef.h>

/* Allocate size bytes; the caller frees with free(). */
void *xmalloc(size_t size);
/* Allocate nmemb * size zeroed bytes, refusing an overflowing product. */
void *xcalloc(size_t nmemb, size_t size);
/* Resize to nmemb * size bytes, refusing an overflowing product. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
/* Copy a NUL-terminated string; the caller frees. */
char *xstrdup(const char *s);
/* Copy at most n bytes of s and terminate; the caller frees. */
char *xstrndup(const char *s, size_t n);

#endif
