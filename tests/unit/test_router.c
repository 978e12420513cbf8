/* Route matching. */
#include "../../core/router.h"
#include "check.h"

static void h(struct request_ctx *ctx)
{
    (void)ctx;
}

static const struct route table[] = {
    {"GET", "/", h, 0},
    {"GET", "/api/v1/approvals", h, 0},
    {"POST", "/api/v1/approvals", h, 0},
    {"GET", "/api/v1/approvals/{id}", h, 0},
    {"POST", "/api/v1/approvals/{id}/votes", h, 0},
    {"POST", "/api/v1/freezes/{name}/violations/{vid}/ack", h, 0},
};

#define N (sizeof(table) / sizeof(table[0]))

static void matches_literals_and_placeholders(void)
{
    struct arena a = ARENA_INIT;
    struct http_params p;
    struct buf allow = BUF_INIT;
    int path_route = -1;

    CHECK_INT(router_match(table, N, "GET", "/", &a, &p, &allow, &path_route), 0);
    CHECK_INT(router_match(table, N, "POST", "/api/v1/approvals", &a, &p, &allow, &path_route), 2);
    CHECK_INT(router_match(table, N, "GET", "/api/v1/approvals/42", &a, &p, &allow, &path_route),
              3);
    CHECK_INT(p.count, 1);
    CHECK_STR(params_get(&p, "id"), "42");
    CHECK_INT(router_match(table, N, "POST", "/api/v1/freezes/v0.02-final/violations/7/ack", &a, &p,
                           &allow, &path_route),
              5);
    CHECK_STR(params_get(&p, "name"), "v0.02-final");
    CHECK_STR(params_get(&p, "vid"), "7");
    CHECK_INT(router_match(table, N, "HEAD", "/api/v1/approvals", &a, &p, &allow, &path_route), 1);
    arena_free(&a);
    buf_free(&allow);
}

static void unknown_paths_and_methods(void)
{
    struct arena a = ARENA_INIT;
    struct http_params p;
    struct buf allow = BUF_INIT;
    int path_route = -1;

    CHECK_INT(router_match(table, N, "GET", "/api/v1/approvals/", &a, &p, &allow, &path_route),
              ROUTER_NOT_FOUND);
    CHECK_INT(router_match(table, N, "GET", "/api/v1/approvals/1/x", &a, &p, &allow, &path_route),
              ROUTER_NOT_FOUND);
    CHECK_INT(router_match(table, N, "GET", "/api/v1", &a, &p, &allow, &path_route),
              ROUTER_NOT_FOUND);
    CHECK_INT(router_match(table, N, "DELETE", "/api/v1/approvals", &a, &p, &allow, &path_route),
              ROUTER_METHOD_NOT_ALLOWED);
    CHECK_STR(buf_str(&allow), "GET, HEAD, POST");
    CHECK_INT(path_route, 1);
    CHECK_INT(
        router_match(table, N, "GET", "/api/v1/approvals/9/votes", &a, &p, &allow, &path_route),
        ROUTER_METHOD_NOT_ALLOWED);
    CHECK_STR(buf_str(&allow), "POST");
    arena_free(&a);
    buf_free(&allow);
}

const struct unit_test router_tests[] = {
    {"router: literals, placeholders, HEAD", matches_literals_and_placeholders},
    {"router: 404 and 405 with Allow", unknown_paths_and_methods},
    {NULL, NULL},
};
