/* The /missions pages: the list, and one mission's timeline with its close form. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/events.h"
#include "reply.h"

#define PAGE_SIZE 50

static const char *const statuses[] = {"active", "resolved", "failed", "rolled_back", NULL};

/*
 * GET /missions — any signed-in user.
 * Parameters: status (default all), cursor. Newest activity first.
 */
void page_missions(struct request_ctx *ctx)
{
    static const char sql[] =
        "SELECT id, rowid, updated_ms FROM missions WHERE (:status IS NULL OR status = :status)"
        " AND (updated_ms < :ms OR (updated_ms = :ms AND rowid < :tie))"
        " ORDER BY updated_ms DESC, rowid DESC LIMIT :limit";
    const char *status = http_param(ctx->req, "status"), *cur = http_param(ctx->req, "cursor");
    int64_t ms = INT64_MAX, tie = INT64_MAX, last_ms = 0, last_tie = 0;
    struct tpl_dict *layout, *content, *tab;
    struct gh_error err;
    struct db *db;
    sqlite3_stmt *st;
    int rc, n = 0, known = status == NULL;

    for (int i = 0; statuses[i] && status; i++)
        known |= strcmp(status, statuses[i]) == 0;
    if (!known || (cur && sscanf(cur, "%" SCNd64 ".%" SCNd64, &ms, &tie) != 2)) {
        reply_error(ctx, 400, "validation_failed", "unknown status or cursor", NULL);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Missions", "missions.tpl", &content);
    tab = tpl_section(content, "TAB");
    tpl_set(tab, "LABEL", "all");
    if (status == NULL)
        tpl_show(tab, "CURRENT");
    for (int i = 0; statuses[i]; i++) {
        tab = tpl_section(content, "TAB");
        tpl_set(tab, "LABEL", statuses[i]);
        tpl_set(tpl_section(tab, "HAS_STATUS"), "STATUS", statuses[i]);
        if (status && strcmp(status, statuses[i]) == 0)
            tpl_show(tab, "CURRENT");
    }
    st = db_prepare(db, sql);
    if (st == NULL || db_bind_list(st, "tiii", ":status", status, ":ms", ms, ":tie", tie, ":limit",
                                   (int64_t)PAGE_SIZE + 1) != 0) {
        tpl_dict_free(layout);
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    while ((rc = db_step(db, st, &err)) == SQLITE_ROW && n < PAGE_SIZE) {
        struct gh_error merr;
        json_t *m =
            mission_read(db, (const char *)sqlite3_column_text(st, 0), MISSION_TOTAL, &merr);
        if (m) {
            struct tpl_dict *row = tpl_section(content, "MISSION");
            tpl_set(row, "ID", json_string_value(json_object_get(m, "id")));
            tpl_set(row, "TITLE", json_string_value(json_object_get(m, "title")));
            tpl_set(row, "STATUS", json_string_value(json_object_get(m, "status")));
            tpl_set(row, "UPDATED_AT", json_string_value(json_object_get(m, "updated_at")));
            tpl_set_int(row, "EVENTS", json_integer_value(json_object_get(m, "event_count")));
            json_decref(m);
        }
        last_tie = sqlite3_column_int64(st, 1);
        last_ms = sqlite3_column_int64(st, 2);
        n++;
    }
    db_reset(st);
    if (n == 0)
        tpl_show(content, "EMPTY");
    if (rc == SQLITE_ROW) {
        char cursor[48];
        struct tpl_dict *more = tpl_section(content, "MORE");
        snprintf(cursor, sizeof(cursor), "%" PRId64 ".%" PRId64, last_ms, last_tie);
        tpl_set(more, "CURSOR", cursor);
        if (status)
            tpl_set(tpl_section(more, "HAS_STATUS"), "STATUS", status);
    }
    page_send(ctx, 200, layout);
}

/* A line about an event for people: the payload's summary, error or title, if any. */
static const char *event_summary(json_t *payload)
{
    static const char *const keys[] = {"summary", "error", "title", "message", NULL};

    for (int i = 0; keys[i]; i++) {
        json_t *v = json_object_get(payload, keys[i]);
        if (json_is_string(v))
            return json_string_value(v);
    }
    return NULL;
}

/* The mission page, with an optional message (after a refused close). */
static void mission_page(struct request_ctx *ctx, int status, const char *message)
{
    static const char sql[] =
        "SELECT " EVENT_COLUMNS ", occurred_ms FROM events WHERE mission_id = :id"
        " AND (occurred_ms > :ms OR (occurred_ms = :ms AND seq > :seq))"
        " ORDER BY occurred_ms, seq LIMIT :limit";
    const char *id = http_path_param(ctx->req, "id"), *cur = http_param(ctx->req, "cursor");
    int64_t ms = INT64_MIN, seq = 0, last_ms = 0, last_seq = 0, max_seq = 0;
    struct tpl_dict *layout, *content;
    struct gh_error err;
    struct db *db;
    sqlite3_stmt *st;
    json_t *m;
    int rc, n = 0;

    if (cur && sscanf(cur, "%" SCNd64 ".%" SCNd64, &ms, &seq) != 2) {
        reply_error(ctx, 400, "validation_failed", "unknown cursor", NULL);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (m = mission_read(db, id, MISSION_TOTAL, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout =
        page_begin(ctx, json_string_value(json_object_get(m, "title")), "mission.tpl", &content);
    tpl_set(content, "ID", id);
    tpl_set(content, "TITLE", json_string_value(json_object_get(m, "title")));
    tpl_set(content, "STATUS", json_string_value(json_object_get(m, "status")));
    tpl_set(content, "OPENED_AT", json_string_value(json_object_get(m, "opened_at")));
    tpl_set_int(content, "EVENTS", json_integer_value(json_object_get(m, "event_count")));
    if (json_is_string(json_object_get(m, "closed_at")))
        tpl_set(tpl_section(content, "CLOSED"), "CLOSED_AT",
                json_string_value(json_object_get(m, "closed_at")));
    if (json_is_string(json_object_get(m, "summary")) &&
        *json_string_value(json_object_get(m, "summary")))
        tpl_set(tpl_section(content, "SUMMARY"), "TEXT",
                json_string_value(json_object_get(m, "summary")));
    if (message)
        tpl_set(tpl_section(content, "MESSAGE"), "TEXT", message);
    if (strcmp(json_string_value(json_object_get(m, "status")), "active") == 0 &&
        (ctx->who.roles & ROLE_REQUESTER) && ctx->who.via == AUTH_SESSION) {
        struct tpl_dict *close = tpl_section(content, "CLOSE");
        tpl_set(close, "ID", id);
        tpl_set(close, "CSRF", ctx->who.csrf);
    }
    json_decref(m);
    st = db_prepare(db, sql);
    if (st && db_bind_list(st, "tiii", ":id", id, ":ms", ms, ":seq", seq, ":limit",
                           (int64_t)PAGE_SIZE + 1) == 0) {
        while ((rc = db_step(db, st, &err)) == SQLITE_ROW && n < PAGE_SIZE) {
            struct tpl_dict *row = tpl_section(content, "EVENT");
            json_t *payload = json_loads((const char *)sqlite3_column_text(st, 8), 0, NULL);
            const char *type = (const char *)sqlite3_column_text(st, 3);
            char family[32], *pretty;
            const char *summary = payload ? event_summary(payload) : NULL;

            snprintf(family, sizeof(family), "%.*s", (int)strcspn(type, "."), type);
            tpl_set(row, "FAMILY", family);
            tpl_set_int(row, "SEQ", sqlite3_column_int64(st, 0));
            if (sqlite3_column_int64(st, 0) > max_seq)
                max_seq = sqlite3_column_int64(st, 0);
            tpl_set(row, "TYPE", type);
            tpl_set(row, "OCCURRED_AT", (const char *)sqlite3_column_text(st, 6));
            tpl_set(row, "SOURCE", (const char *)sqlite3_column_text(st, 2));
            if (sqlite3_column_type(st, 5) != SQLITE_NULL)
                tpl_set(tpl_section(row, "CORR"), "CORRELATION_ID",
                        (const char *)sqlite3_column_text(st, 5));
            if (summary)
                tpl_set(tpl_section(row, "HAS_SUMMARY"), "SUMMARY", summary);
            pretty = payload ? json_dumps(payload, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
            tpl_set(row, "PAYLOAD", pretty ? pretty : (const char *)sqlite3_column_text(st, 8));
            free(pretty);
            json_decref(payload);
            last_seq = sqlite3_column_int64(st, 0);
            last_ms = sqlite3_column_int64(st, 9);
            n++;
        }
        if (rc == SQLITE_ROW) {
            char cursor[48];
            struct tpl_dict *more = tpl_section(content, "MORE");
            snprintf(cursor, sizeof(cursor), "%" PRId64 ".%" PRId64, last_ms, last_seq);
            tpl_set(more, "CURSOR", cursor);
            tpl_set(more, "ID", id);
        }
    }
    db_reset(st);
    /* The live stream continues after the newest event shown. */
    tpl_set_int(content, "LAST_SEQ", max_seq);
    page_send(ctx, status, layout);
}

/*
 * GET /missions/{id} — any signed-in user.
 * Parameters: cursor (later events). The timeline in occurred_at order.
 */
void page_mission(struct request_ctx *ctx)
{
    mission_page(ctx, 200, NULL);
}

/*
 * POST /missions/{id}/close — requester (CSRF checked by the dispatcher).
 * Form: status, summary. 303 back to the mission, or the page with the reason.
 */
void page_mission_close(struct request_ctx *ctx)
{
    const char *status, *summary;
    struct buf to = BUF_INIT;
    struct gh_error err;
    struct db *db;

    if (http_read_form(ctx->req, (size_t)ctx->app->cfg.max_body_bytes) != HTTP_BODY_OK) {
        reply_error(ctx, 400, "validation_failed", "the form arrived incomplete", NULL);
        return;
    }
    status = http_form(ctx->req, "status");
    summary = http_form(ctx->req, "summary");
    if (status == NULL ||
        (strcmp(status, "resolved") && strcmp(status, "failed") && strcmp(status, "rolled_back"))) {
        mission_page(ctx, 400, "Choose resolved, failed or rolled back.");
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        mission_close(db, ctx->who.username, http_path_param(ctx->req, "id"), status,
                      summary ? summary : "", &err) != 0) {
        if (err.kind == GH_CONFLICT)
            mission_page(ctx, 409, "This mission is already closed.");
        else
            reply_gh_error(ctx, &err);
        return;
    }
    buf_puts(&to, "/missions/");
    http_url_encode(&to, http_path_param(ctx->req, "id"));
    reply_redirect(ctx, buf_str(&to));
    buf_free(&to);
}
