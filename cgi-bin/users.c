/* Users, as administrators see them. */
#include "../core/users.h"
#include "reply.h"

/*
 * GET /api/v1/users — admin.
 * Every user: username, display_name, roles, disabled, has_password,
 * created_at. Never password hashes.
 */
void api_users_list(struct request_ctx *ctx)
{
    struct gh_error err;
    struct db *db = ctx_db(ctx, &err);
    json_t *list;

    if (db == NULL || user_list(db, &list, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, list);
}
