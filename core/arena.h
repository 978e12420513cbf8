/*
 * Per-request arena.
 *
 * Everything a request parses (headers, query parameters, path parameters,
 * cookies) is allocated here and released at once by arena_reset() when the
 * request ends, so nothing a request allocates can outlive it or leak into
 * the next one served by the same thread.
 */
#ifndef GH_ARENA_H
#define GH_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head; /* newest chunk first; the oldest is kept on reset */
    size_t used;              /* bytes handed out from head */
};

#define ARENA_INIT                                                                                 \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

/* Allocate size bytes aligned for any type; never NULL. */
void *arena_alloc(struct arena *a, size_t size);
/* Copy n bytes of s into the arena and NUL-terminate. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Release everything but the first chunk, which is kept for the next request. */
void arena_reset(struct arena *a);
/* Release everything. */
void arena_free(struct arena *a);

#endif
