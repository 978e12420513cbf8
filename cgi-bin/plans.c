/* Deployment plans, as the API shows them (validation is core/plans.c's). */
#include "../core/plans.h"
#include "../core/timeutil.h"
#include "reply.h"

/* GET /api/v1/plans — any signed-in user. Every stored plan, by name. */
void api_plans_list(struct request_ctx *ctx)
{
    struct gh_error err;
    struct db *db;
    json_t *list;

    if ((db = ctx_db(ctx, &err)) == NULL || (list = plans_list(db, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_list(ctx, list, NULL);
}

/* GET /api/v1/plans/{name} — any signed-in user. The document with revision and times. */
void api_plans_get(struct request_ctx *ctx)
{
    const char *name = path_client_id(ctx, "name", "plan");
    struct gh_error err;
    struct db *db;
    json_t *p;

    if (name == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || (p = plan_get(db, name, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, p);
}

/*
 * PUT /api/v1/plans/{name} — admin.
 * Body: the plan document (its name, if given, must be the path's). 201
 * for a new plan, 200 for a new revision or the same content again (then
 * nothing is recorded). Every problem names its JSON path. Deployments
 * under way keep the revision they started with.
 */
void api_plans_put(struct request_ctx *ctx)
{
    const char *name = path_client_id(ctx, "name", "plan");
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *body, *stored;
    int created, changed;
    struct gh_error err;
    int64_t revision;
    struct plan p;
    struct db *db;

    if (name == NULL || (body = request_json_body(ctx)) == NULL)
        return;
    if (plan_parse(body, name, &p, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        plan_store(db, time_now_ms(), ctx->who.username, &p, &created, &changed, &revision, &err) !=
            0 ||
        (stored = plan_get(db, name, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, created ? 201 : 200, stored);
out:
    plan_free(&p);
    field_errors_free(&e);
    json_decref(body);
}
