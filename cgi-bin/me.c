/* The caller's own identity. */
#include "reply.h"

/*
 * GET /api/v1/me — any signed-in user (session or bearer token).
 * {"username", "display_name", "roles": [...]}
 */
void api_me(struct request_ctx *ctx)
{
    reply_json(ctx, 200,
               json_pack("{s:s, s:s, s:o}", "username", ctx->who.username, "display_name",
                         ctx->who.display_name, "roles", roles_json(ctx->who.roles)));
}
