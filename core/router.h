/*
 * Routing: match a method and a path against a table of patterns such as
 * "/api/v1/approvals/{id}". The table itself belongs to the front door
 * (cgi-bin/routes.c); this file only matches.
 */
#ifndef GH_ROUTER_H
#define GH_ROUTER_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "http.h"

/* Defined by the front door that owns the handlers. */
struct request_ctx;
typedef void (*route_handler)(struct request_ctx *ctx);

struct route {
    const char *method;    /* "GET", "POST", ...; GET routes answer HEAD too */
    const char *pattern;   /* literal segments and {name} placeholders */
    route_handler handler; /* what runs once the dispatcher's checks pass */
    unsigned flags;        /* the front door's route flags (auth, roles, CSRF, JSON) */
};

enum {
    ROUTER_NOT_FOUND = -1,          /* no pattern matches the path */
    ROUTER_METHOD_NOT_ALLOWED = -2, /* a pattern matches, but not with this method */
};

/*
 * Find the route for method and path. Returns its index and fills params
 * (in arena) with the placeholders' values; or ROUTER_NOT_FOUND; or
 * ROUTER_METHOD_NOT_ALLOWED with allow set to "GET, POST" style text and
 * *path_route to the first route whose pattern matched the path (so that
 * the answer can speak that route's language).
 */
int router_match(const struct route *routes, size_t nroutes, const char *method, const char *path,
                 struct arena *arena, struct http_params *params, struct buf *allow,
                 int *path_route);

#endif
