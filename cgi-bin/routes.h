/* The route table's flags and every handler it names. */
#ifndef GH_ROUTES_H
#define GH_ROUTES_H

#include "../core/router.h"

/* What the dispatcher checks before a handler runs. */
enum route_flag {
    R_JSON = 1u << 0,   /* answers JSON: errors use the envelope, not the HTML page */
    R_PUBLIC = 1u << 1, /* needs no authentication */
};

extern const struct route routes[];
extern const size_t nroutes;

/* health.c */
void api_healthz(struct request_ctx *ctx);
void api_readyz(struct request_ctx *ctx);
/* openapi.c */
void api_openapi(struct request_ctx *ctx);
/* home.c */
void page_home(struct request_ctx *ctx);

#endif
