/* The OpenAPI document of this API, as docs/openapi.json says it. */
#include "reply.h"
#include "routes.h"

extern const char gh_openapi_json[];
extern const char gh_openapi_json_end[];

/*
 * GET /api/v1/openapi.json — public.
 * The document itself, not wrapped in the envelope: tools read it as is.
 */
void api_openapi(struct request_ctx *ctx)
{
    reply_bytes(ctx, 200, "application/json", gh_openapi_json,
                (size_t)(gh_openapi_json_end - gh_openapi_json));
    http_add_header(ctx->resp, "Cache-Control", "public, max-age=300");
}
