/* Outbound webhook subscriptions and their deliveries (admin only). */
#include <stdio.h>
#include <stdlib.h>

#include "../core/outbox.h"
#include "reply.h"

/*
 * POST /api/v1/webhooks — admin.
 * Body: {"url": "https://...", "events": ["approval.granted", ...], "description": "..."}.
 * 201 with the subscription and its "secret" (whsec_..., shown this once).
 */
void api_webhooks_create(struct request_ctx *ctx)
{
    static const char *const fields[] = {"url", "events", "description", NULL};
    struct field_errors e = FIELD_ERRORS_INIT;
    char secret[WEBHOOK_SECRET_LEN];
    const char *url = NULL, *description = "";
    json_t *body = request_json_body(ctx), *events = NULL, *sub;
    struct gh_error err;
    struct db *db;
    int64_t id;

    if (body == NULL)
        return;
    json_reject_unknown(body, fields, &e);
    json_get_string(body, "url", 1, 1, 2000, &url, &e);
    json_get_array(body, "events", 1, 20, &events, &e);
    json_get_string(body, "description", 0, 0, 500, &description, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        webhook_add(db, ctx->who.username, url, events, description,
                    ctx->app->cfg.webhook_allow_http, &id, secret, &err) != 0 ||
        (sub = webhook_get(db, id, &err)) == NULL) {
        reply_gh_error(ctx, &err); /* names url or events */
        goto out;
    }
    json_object_set_new(sub, "secret", json_string(secret));
    sodium_memzero(secret, sizeof(secret));
    reply_json(ctx, 201, sub);
out:
    field_errors_free(&e);
    json_decref(body);
}

/* GET /api/v1/webhooks — admin. Every subscription, without secrets. */
void api_webhooks_list(struct request_ctx *ctx)
{
    struct gh_error err;
    struct db *db = ctx_db(ctx, &err);
    json_t *list = db ? webhook_list(db, &err) : NULL;

    if (list == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_list(ctx, list, NULL);
}

/* GET /api/v1/webhooks/{id} — admin. */
void api_webhooks_get(struct request_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", "webhook subscription");
    struct gh_error err;
    struct db *db;
    json_t *sub;

    if (id == 0)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || (sub = webhook_get(db, id, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, sub);
}

/* DELETE /api/v1/webhooks/{id} — admin. No more deliveries; pending ones fail. 200 {"id",
 * "deleted": true}. */
void api_webhooks_delete(struct request_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", "webhook subscription");
    struct gh_error err;
    struct db *db;

    if (id == 0)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || webhook_delete(db, ctx->who.username, id, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

/*
 * GET /api/v1/webhooks/{id}/deliveries — admin.
 * Parameters: cursor (from meta.next_cursor), limit (1..200, default 50).
 * Newest first: id, msg_id, event_type, status, attempts, last_status_code,
 * last_error, next_attempt_at, delivered_at.
 */
void api_webhooks_deliveries(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    int64_t id = path_id(ctx, "id", "webhook subscription"), next = 0;
    long long cursor, limit;
    struct gh_error err;
    char next_text[24];
    struct db *db;
    json_t *sub, *list;

    if (id == 0)
        return;
    param_int(ctx, "cursor", 1, INT64_MAX, INT64_MAX, &cursor, &e);
    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL || (sub = webhook_get(db, id, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    json_decref(sub);
    if ((list = deliveries_list(db, id, cursor, (int)limit, &next, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    snprintf(next_text, sizeof(next_text), "%lld", (long long)next);
    reply_list(ctx, list, next ? next_text : NULL);
}

/* POST /api/v1/webhooks/{id}/deliveries/{did}/retry — admin. Makes it due now. */
void api_webhooks_retry(struct request_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", "webhook subscription"), did;
    struct gh_error err;
    struct db *db;

    if (id == 0 || (did = path_id(ctx, "did", "webhook delivery")) == 0)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || delivery_retry(db, id, did, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, json_pack("{s:I, s:s}", "id", (json_int_t)did, "status", "pending"));
}
