/* Per-request arena (see arena.h). */
#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "log.h"

/* Most requests fit in one chunk of this size, so a thread allocates once. */
#define CHUNK_SIZE 16384

struct arena_chunk {
    struct arena_chunk *next; /* the chunk allocated before this one */
    size_t size;              /* usable bytes in data */
    alignas(max_align_t) unsigned char data[];
};

static struct arena_chunk *chunk_new(size_t size, struct arena_chunk *next)
{
    struct arena_chunk *c = xmalloc(sizeof(*c) + size);

    c->next = next;
    c->size = size;
    return c;
}

void *arena_alloc(struct arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size_t start;
    void *p;

    if (size > ((size_t)-1) / 2)
        fatal("arena allocation of %zu bytes is absurd", size);
    start = (a->used + align - 1) & ~(align - 1);
    if (a->head == NULL || start + size > a->head->size) {
        a->head = chunk_new(size > CHUNK_SIZE / 2 ? size : CHUNK_SIZE, a->head);
        start = 0;
    }
    p = a->head->data + start;
    a->used = start + size;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *c = a->head;

    if (c == NULL)
        return;
    while (c->next) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    /* Keep the oldest chunk only if it is an ordinary one, not a big one-off. */
    if (c->size != CHUNK_SIZE) {
        free(c);
        c = NULL;
    }
    a->head = c;
    a->used = 0;
}

void arena_free(struct arena *a)
{
    arena_reset(a);
    free(a->head);
    a->head = NULL;
    a->used = 0;
}
