/* Route matching (see router.h). */
#include "router.h"

#include <string.h>

/* Placeholders a pattern may hold; more is a mistake in the table. */
#define MAX_PLACEHOLDERS 8

/*
 * Match path against pattern segment by segment. On success fill names and
 * values (pointers into pattern and path with lengths) and return the count;
 * -1 when it does not match.
 */
static int match(const char *pattern, const char *path, const char *names[], size_t nlen[],
                 const char *values[], size_t vlen[])
{
    int n = 0;

    for (;;) {
        if (*pattern == '\0' || *path == '\0')
            return *pattern == *path ? n : -1;
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            const char *seg_end = strchr(path, '/');
            size_t len = seg_end ? (size_t)(seg_end - path) : strlen(path);
            if (close == NULL || len == 0 || n == MAX_PLACEHOLDERS)
                return -1;
            names[n] = pattern + 1;
            nlen[n] = (size_t)(close - pattern - 1);
            values[n] = path;
            vlen[n] = len;
            n++;
            pattern = close + 1;
            path += len;
            continue;
        }
        if (*pattern != *path)
            return -1;
        pattern++;
        path++;
    }
}

int router_match(const struct route *routes, size_t nroutes, const char *method, const char *path,
                 struct arena *arena, struct http_params *params, struct buf *allow,
                 int *path_route)
{
    const char *names[MAX_PLACEHOLDERS], *values[MAX_PLACEHOLDERS];
    size_t nlen[MAX_PLACEHOLDERS], vlen[MAX_PLACEHOLDERS];
    int path_known = 0;
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;

    params->items = NULL;
    params->count = 0;
    for (size_t i = 0; i < nroutes; i++) {
        int n = match(routes[i].pattern, path, names, nlen, values, vlen);
        if (n < 0)
            continue;
        if (strcmp(routes[i].method, want) != 0) {
            if (!path_known) {
                buf_reset(allow);
                *path_route = (int)i;
            } else {
                buf_puts(allow, ", ");
            }
            buf_puts(allow, routes[i].method);
            if (strcmp(routes[i].method, "GET") == 0)
                buf_puts(allow, ", HEAD");
            path_known = 1;
            continue;
        }
        if (n > 0) {
            params->items = arena_alloc(arena, (size_t)n * sizeof(*params->items));
            for (int k = 0; k < n; k++) {
                params->items[k].name = arena_strndup(arena, names[k], nlen[k]);
                params->items[k].value = arena_strndup(arena, values[k], vlen[k]);
            }
            params->count = (size_t)n;
        }
        return (int)i;
    }
    return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}
