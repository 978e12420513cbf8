/* Missions and their timelines, as the API shows them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/events.h"
#include "../core/validate.h"
#include "reply.h"

/* "<ms>.<tiebreak>" cursors: keyset paging over (time, tiebreak). */
static int parse_cursor(const char *s, int64_t *ms, int64_t *tie)
{
    char *end;

    *ms = strtoll(s, &end, 10);
    if (*end != '.')
        return -1;
    *tie = strtoll(end + 1, &end, 10);
    return *end == '\0' ? 0 : -1;
}

/*
 * GET /api/v1/missions — any signed-in user.
 * Parameters: status (active, resolved, failed, rolled_back), cursor,
 * limit (1..200, default 50). Newest activity first.
 */
void api_missions_list(struct request_ctx *ctx)
{
    static const char sql[] =
        "SELECT id, rowid, updated_ms FROM missions WHERE (:status IS NULL OR status = :status)"
        " AND (updated_ms < :ms OR (updated_ms = :ms AND rowid < :tie))"
        " ORDER BY updated_ms DESC, rowid DESC LIMIT :limit";
    const char *status = http_param(ctx->req, "status"), *cur = http_param(ctx->req, "cursor");
    struct field_errors e = FIELD_ERRORS_INIT;
    int64_t ms = INT64_MAX, tie = INT64_MAX, last_ms = 0, last_tie = 0;
    long long limit;
    struct gh_error err;
    char cursor[48];
    sqlite3_stmt *st;
    struct db *db;
    json_t *list;
    int rc;

    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (status && strcmp(status, "active") && strcmp(status, "resolved") &&
        strcmp(status, "failed") && strcmp(status, "rolled_back"))
        field_error(&e, "status", "must be active, resolved, failed or rolled_back");
    if (cur && parse_cursor(cur, &ms, &tie) != 0)
        field_error(&e, "cursor", "is not a cursor this API gave out");
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL || (st = db_prepare(db, sql)) == NULL ||
        db_bind_list(st, "tiii", ":status", status, ":ms", ms, ":tie", tie, ":limit",
                     (int64_t)limit + 1) != 0) {
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    list = json_array();
    while ((rc = db_step(db, st, &err)) == SQLITE_ROW && (long long)json_array_size(list) < limit) {
        struct gh_error merr;
        json_t *m = mission_get(db, (const char *)sqlite3_column_text(st, 0), &merr);
        if (m)
            json_array_append_new(list, m);
        last_tie = sqlite3_column_int64(st, 1);
        last_ms = sqlite3_column_int64(st, 2);
    }
    db_reset(st);
    snprintf(cursor, sizeof(cursor), "%" PRId64 ".%" PRId64, last_ms, last_tie);
    reply_list(ctx, list, rc == SQLITE_ROW ? cursor : NULL);
}

/* GET /api/v1/missions/{id} — any signed-in user. With counts by event type. */
void api_missions_get(struct request_ctx *ctx)
{
    struct gh_error err;
    struct db *db = ctx_db(ctx, &err);
    json_t *m = db ? mission_get(db, http_path_param(ctx->req, "id"), &err) : NULL;

    if (m == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, m);
}

/*
 * GET /api/v1/missions/{id}/timeline — any signed-in user.
 * Parameters: cursor, limit (1..200, default 50). Events in occurred_at
 * order, ties by arrival.
 */
void api_missions_timeline(struct request_ctx *ctx)
{
    static const char sql[] =
        "SELECT " EVENT_COLUMNS ", occurred_ms FROM events WHERE mission_id = :id"
        " AND (occurred_ms > :ms OR (occurred_ms = :ms AND seq > :seq))"
        " ORDER BY occurred_ms, seq LIMIT :limit";
    const char *id = http_path_param(ctx->req, "id"), *cur = http_param(ctx->req, "cursor");
    struct field_errors e = FIELD_ERRORS_INIT;
    int64_t ms = INT64_MIN, seq = 0, last_ms = 0, last_seq = 0;
    long long limit;
    struct gh_error err;
    char cursor[48];
    sqlite3_stmt *st;
    struct db *db;
    json_t *list, *m;
    int rc;

    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (cur && parse_cursor(cur, &ms, &seq) != 0)
        field_error(&e, "cursor", "is not a cursor this API gave out");
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
    if ((st = db_prepare(db, sql)) == NULL ||
        db_bind_list(st, "tiii", ":id", id, ":ms", ms, ":seq", seq, ":limit", (int64_t)limit + 1) !=
            0) {
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    list = json_array();
    while ((rc = db_step(db, st, &err)) == SQLITE_ROW && (long long)json_array_size(list) < limit) {
        json_array_append_new(list, event_json(st));
        last_seq = sqlite3_column_int64(st, 0);
        last_ms = sqlite3_column_int64(st, 9);
    }
    db_reset(st);
    snprintf(cursor, sizeof(cursor), "%" PRId64 ".%" PRId64, last_ms, last_seq);
    reply_list(ctx, list, rc == SQLITE_ROW ? cursor : NULL);
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
