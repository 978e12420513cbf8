/* Allocators that never return NULL (see alloc.h). */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        fatal("out of memory allocating %zu bytes", size);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p;

    if (size && nmemb > SIZE_MAX / size)
        fatal("allocation of %zu x %zu bytes overflows", nmemb, size);
    p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (p == NULL)
        fatal("out of memory allocating %zu x %zu bytes", nmemb, size);
    return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
    void *p;

    if (size && nmemb > SIZE_MAX / size)
        fatal("allocation of %zu x %zu bytes overflows", nmemb, size);
    p = realloc(ptr, (nmemb * size) != 0 ? nmemb * size : 1);
    if (p == NULL)
        fatal("out of memory allocating %zu x %zu bytes", nmemb, size);
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);

    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
