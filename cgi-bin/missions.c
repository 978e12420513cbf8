/* Missions and their timelines, as the API shows them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/approvals.h"
#include "../core/events.h"
#include "../core/validate.h"
#include "reply.h"

/*
 * GET /api/v1/missions — any signed-in user.
 * Parameters: status (active, resolved, failed, rolled_back), cursor,
 * limit (1..200, default 50). Newest activity first, each with event_count
 * (the counts by type are on GET /api/v1/missions/{id}).
 */
void api_missions_list(struct request_ctx *ctx)
{
    const char *status = http_param(ctx->req, "status");
    struct field_errors e = FIELD_ERRORS_INIT;
    char next[MISSION_CURSOR_LEN];
    long long limit;
    struct gh_error err;
    struct db *db;
    json_t *list;

    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (status && strcmp(status, "active") && strcmp(status, "resolved") &&
        strcmp(status, "failed") && strcmp(status, "rolled_back"))
        field_error(&e, "status", "must be active, resolved, failed or rolled_back");
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (list = missions_list(db, status, http_param(ctx->req, "cursor"), (int)limit, MISSION_TOTAL,
                              next, &err)) == NULL) {
        reply_gh_error(ctx, &err); /* a bad cursor names its field */
        return;
    }
    reply_list(ctx, list, next[0] ? next : NULL);
}

/*
 * GET /api/v1/missions/{id} — any signed-in user. With counts by event
 * type and its approval requests (newest first, at most 200).
 */
void api_missions_get(struct request_ctx *ctx)
{
    const char *id = http_path_param(ctx->req, "id");
    struct approval_filter of_mission = {.mission_id = id};
    char next[APPROVAL_CURSOR_LEN];
    struct gh_error err;
    struct db *db = ctx_db(ctx, &err);
    json_t *m = db ? mission_get(db, id, &err) : NULL, *approvals = NULL;

    if (m == NULL || (approvals = approvals_list(db, &of_mission, NULL, 200, next, &err)) == NULL) {
        json_decref(m);
        reply_gh_error(ctx, &err);
        return;
    }
    json_object_set_new(m, "approvals", approvals);
    reply_json(ctx, 200, m);
}

/*
 * GET /api/v1/missions/{id}/timeline — any signed-in user.
 * Parameters: cursor, limit (1..200, default 50). Events in occurred_at
 * order, ties by arrival.
 */
void api_missions_timeline(struct request_ctx *ctx)
{
    const char *id = http_path_param(ctx->req, "id");
    struct field_errors e = FIELD_ERRORS_INIT;
    char next[MISSION_CURSOR_LEN];
    long long limit;
    struct gh_error err;
    struct db *db;
    json_t *m, *list;

    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (m = mission_read(db, id, MISSION_HEAD, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    json_decref(m);
    list = timeline_page(db, id, http_param(ctx->req, "cursor"), (int)limit, next, &err);
    if (list == NULL) {
        reply_gh_error(ctx, &err); /* a bad cursor names its field */
        return;
    }
    reply_list(ctx, list, next[0] ? next : NULL);
}

/*
 * POST /api/v1/missions/{id}/close — requester.
 * Body: {"status": "resolved"|"failed"|"rolled_back", "summary": "..."}.
 * Records mission.closed (event, ledger, webhooks) with the change.
 */
void api_missions_close(struct request_ctx *ctx)
{
    static const char *const fields[] = {"status", "summary", NULL};
    struct field_errors e = FIELD_ERRORS_INIT;
    const char *status = NULL, *summary = "";
    json_t *body = request_json_body(ctx), *m;
    struct gh_error err;
    struct db *db;

    if (body == NULL)
        return;
    json_reject_unknown(body, fields, &e);
    if (json_get_string(body, "status", 1, 1, 20, &status, &e) == 1 && strcmp(status, "resolved") &&
        strcmp(status, "failed") && strcmp(status, "rolled_back"))
        field_error(&e, "status", "must be resolved, failed or rolled_back");
    json_get_string(body, "summary", 0, 0, 2000, &summary, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        mission_close(db, ctx->who.username, http_path_param(ctx->req, "id"), status, summary,
                      &err) != 0 ||
        (m = mission_get(db, http_path_param(ctx->req, "id"), &err)) == NULL) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, m);
out:
    field_errors_free(&e);
    json_decref(body);
}
