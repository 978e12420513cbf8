/* The /missions pages: the list, and one mission's timeline with its close form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/event_summary.h"
#include "../core/events.h"
#include "../core/timeutil.h"
#include "reply.h"

#define PAGE_SIZE 50

static const char *const statuses[] = {"active", "resolved", "failed", "rolled_back", NULL};

/*
 * GET /missions — any signed-in user.
 * Parameters: status (default all), cursor. Newest activity first.
 */
void page_missions(struct request_ctx *ctx)
{
    const char *status = http_param(ctx->req, "status");
    struct tpl_dict *layout, *content, *tab;
    char next[MISSION_CURSOR_LEN];
    int64_t now = time_now_ms();
    struct gh_error err;
    struct db *db;
    json_t *list, *m;
    size_t i;
    int known = status == NULL;

    for (int k = 0; statuses[k] && status; k++)
        known |= strcmp(status, statuses[k]) == 0;
    if (!known) {
        reply_error(ctx, 400, "validation_failed", "unknown status", NULL);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (list = missions_list(db, status, http_param(ctx->req, "cursor"), PAGE_SIZE, MISSION_TOTAL,
                              next, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Missions", "missions.tpl", &content);
    tab = tpl_section(content, "TAB");
    tpl_set(tab, "LABEL", "all");
    if (status == NULL)
        tpl_show(tab, "CURRENT");
    for (int k = 0; statuses[k]; k++) {
        tab = tpl_section(content, "TAB");
        tpl_set(tab, "LABEL", statuses[k]);
        tpl_set(tpl_section(tab, "HAS_STATUS"), "STATUS", statuses[k]);
        if (status && strcmp(status, statuses[k]) == 0)
            tpl_show(tab, "CURRENT");
    }
    json_array_foreach(list, i, m)
    {
        struct tpl_dict *row = tpl_section(content, "MISSION");
        tpl_set(row, "ID", json_string_value(json_object_get(m, "id")));
        tpl_set(row, "TITLE", json_string_value(json_object_get(m, "title")));
        tpl_set(row, "STATUS", json_string_value(json_object_get(m, "status")));
        page_time(row, "UPDATED", json_string_value(json_object_get(m, "updated_at")), now);
        tpl_set_int(row, "EVENTS", json_integer_value(json_object_get(m, "event_count")));
    }
    if (json_array_size(list) == 0)
        tpl_show(content, "EMPTY");
    if (next[0]) {
        struct tpl_dict *more = tpl_section(content, "MORE");
        tpl_set(more, "CURSOR", next);
        if (status)
            tpl_set(tpl_section(more, "HAS_STATUS"), "STATUS", status);
    }
    json_decref(list);
    page_send(ctx, 200, layout);
}

/* The mission page, with an optional message (after a refused close). */
static void mission_page(struct request_ctx *ctx, int status, const char *message)
{
    const char *id = http_path_param(ctx->req, "id");
    struct tpl_dict *layout, *content;
    char next[MISSION_CURSOR_LEN];
    struct gh_error err;
    struct db *db;
    json_t *m, *events, *e;
    int64_t max_seq = 0, now = time_now_ms();
    size_t i;

    if ((db = ctx_db(ctx, &err)) == NULL ||
        (m = mission_read(db, id, MISSION_TOTAL, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    events = timeline_page(db, id, http_param(ctx->req, "cursor"), PAGE_SIZE, next, &err);
    if (events == NULL) {
        json_decref(m);
        reply_gh_error(ctx, &err);
        return;
    }
    layout =
        page_begin(ctx, json_string_value(json_object_get(m, "title")), "mission.tpl", &content);
    tpl_set(content, "ID", id);
    tpl_set(content, "TITLE", json_string_value(json_object_get(m, "title")));
    tpl_set(content, "STATUS", json_string_value(json_object_get(m, "status")));
    page_time(content, "OPENED", json_string_value(json_object_get(m, "opened_at")), now);
    tpl_set_int(content, "EVENTS", json_integer_value(json_object_get(m, "event_count")));
    if (json_is_string(json_object_get(m, "closed_at")))
        page_time(tpl_section(content, "CLOSED"), "AT",
                  json_string_value(json_object_get(m, "closed_at")), now);
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
    json_array_foreach(events, i, e)
    {
        struct tpl_dict *row = tpl_section(content, "EVENT");
        const char *type = json_string_value(json_object_get(e, "type"));
        json_t *payload = json_object_get(e, "payload");
        const char *summary = json_string_value(json_object_get(e, "summary"));
        const char *link = json_string_value(json_object_get(e, "link"));
        int64_t seq = json_integer_value(json_object_get(e, "seq"));
        char family[32], *pretty;

        snprintf(family, sizeof(family), "%.*s", (int)strcspn(type, "."), type);
        tpl_set(row, "FAMILY", family);
        tpl_set_int(row, "SEQ", seq);
        if (seq > max_seq)
            max_seq = seq;
        tpl_set(row, "TYPE", type);
        page_time(row, "AT", json_string_value(json_object_get(e, "occurred_at")), now);
        tpl_set(row, "SOURCE", json_string_value(json_object_get(e, "source")));
        if (json_is_string(json_object_get(e, "correlation_id")))
            tpl_set(tpl_section(row, "CORR"), "CORRELATION_ID",
                    json_string_value(json_object_get(e, "correlation_id")));
        if (strcmp(json_string_value(json_object_get(e, "source")), EVENT_SOURCE_GATEHOUSE) == 0)
            tpl_show(row, "OWN");
        if (summary && link) {
            struct tpl_dict *d = tpl_section(row, "LINKED");
            tpl_set(d, "SUMMARY", summary);
            tpl_set(d, "LINK", link);
        } else if (summary) {
            tpl_set(tpl_section(row, "UNLINKED"), "SUMMARY", summary);
        }
        pretty = json_dumps(payload, JSON_INDENT(2) | JSON_SORT_KEYS);
        tpl_set(row, "PAYLOAD", pretty ? pretty : "{}");
        free(pretty);
    }
    if (next[0]) {
        struct tpl_dict *more = tpl_section(content, "MORE");
        tpl_set(more, "CURSOR", next);
        tpl_set(more, "ID", id);
    }
    json_decref(events);
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
