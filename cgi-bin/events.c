/* Event ingestion and search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/events.h"
#include "../core/log.h"
#include "../core/sources.h"
#include "../core/timeutil.h"
#include "reply.h"

#define BATCH_MAX 500

/* The JSON of one rejected event's error. Steals details. */
static json_t *rejection(json_t *details)
{
    return json_pack("{s:s, s:s, s:o}", "code", "validation_failed", "message",
                     "the event is not valid", "details", details);
}

static json_t *result(const struct event_in *ev, enum event_outcome outcome)
{
    int dup = outcome == EVENT_DUPLICATE;

    return json_pack("{s:s, s:s, s:b, s:o}", "id", ev->id, "status", dup ? "duplicate" : "accepted",
                     "duplicate", dup, "mission_id",
                     ev->mission_id ? json_string(ev->mission_id) : json_null());
}

/*
 * POST /api/v1/events — requester (bearer token or session), or a
 * Standard Webhooks signature from a registered source (gatehouse source
 * add), whose name becomes each event's source.
 * Body: one event {"id", "type", "mission_id"?, "correlation_id"?, "source"?,
 * "occurred_at"?, "payload"?} — 202 accepted, 200 duplicate — or
 * {"events": [...]} (at most 500) — 200 with one result per event, in
 * order; the valid ones are stored even when others are not. One
 * transaction per request.
 */
void api_events_ingest(struct request_ctx *ctx)
{
    const char *sig = http_header(ctx->req, "webhook-signature");
    const char *whid = http_header(ctx->req, "webhook-id");
    struct field_errors e = FIELD_ERRORS_INIT;
    char source[65];
    int64_t now = time_now_ms();
    json_t *body, *events, *results = NULL;
    struct gh_error err;
    struct db *db;
    int accepted = 0, duplicates = 0, rejected = 0, signed_by_source = 0;

    if ((body = request_json_body(ctx)) == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    if (sig) {
        if (source_verify(db, whid, http_header(ctx->req, "webhook-timestamp"),
                          buf_str(&ctx->req->body), ctx->req->body.len, sig, now / 1000, source,
                          &err) != 0) {
            log_warn("refused a signed event delivery: %s", err.message);
            reply_error(ctx, 401, "unauthenticated", err.message, NULL);
            goto out;
        }
        signed_by_source = 1;
    } else {
        snprintf(source, sizeof(source), "%s", ctx->who.username);
    }

    events = json_object_get(body, "events");
    if (events == NULL) { /* one event */
        struct event_in ev;
        enum event_outcome outcome;
        if (event_parse(body, "", source, signed_by_source, now, &ev, &e) != 0) {
            reply_invalid(ctx, &e);
            goto out;
        }
        ev.webhook_id = signed_by_source ? whid : NULL;
        if (db_begin_write(db, &err) != 0 || event_store(db, &ev, now, &outcome, NULL, &err) != 0 ||
            db_commit(db, &err) != 0) {
            db_rollback(db);
            reply_gh_error(ctx, &err);
            goto out;
        }
        reply_json(ctx, outcome == EVENT_DUPLICATE ? 200 : 202, result(&ev, outcome));
        goto out;
    }

    if (json_object_size(body) != 1 || !json_is_array(events) ||
        json_array_size(events) > BATCH_MAX) {
        if (json_object_size(body) != 1)
            field_error(&e, "body", "a batch is {\"events\": [...]} and nothing else");
        else
            field_error(&e, "events", "must be an array of at most %d events", BATCH_MAX);
        reply_invalid(ctx, &e);
        goto out;
    }
    results = json_array();
    if (db_begin_write(db, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(events); i++) {
        struct field_errors one = FIELD_ERRORS_INIT;
        char prefix[32], whid_i[200];
        struct event_in ev;
        enum event_outcome outcome;
        json_t *r;

        snprintf(prefix, sizeof(prefix), "events[%zu].", i);
        if (event_parse(json_array_get(events, i), prefix, source, signed_by_source, now, &ev,
                        &one) != 0) {
            json_t *id = json_object_get(json_array_get(events, i), "id");
            r = json_pack("{s:o, s:s, s:o}", "id",
                          json_is_string(id) ? json_incref(id) : json_null(), "status", "rejected",
                          "error", rejection(field_errors_take(&one)));
            json_array_append_new(results, r);
            rejected++;
            continue;
        }
        if (signed_by_source && whid) {
            /* A replayed delivery repeats every event: each is known by the delivery's id and its
             * place. */
            snprintf(whid_i, sizeof(whid_i), "%.150s#%zu", whid, i);
            ev.webhook_id = whid_i;
        }
        if (event_store(db, &ev, now, &outcome, NULL, &err) != 0) {
            db_rollback(db);
            reply_gh_error(ctx, &err);
            goto out;
        }
        r = result(&ev, outcome);
        json_object_set_new(r, "error", json_null());
        json_object_del(r, "duplicate");
        json_object_del(r, "mission_id");
        json_array_append_new(results, r);
        if (outcome == EVENT_DUPLICATE)
            duplicates++;
        else
            accepted++;
    }
    if (db_commit(db, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200,
               json_pack("{s:i, s:i, s:i, s:O}", "accepted", accepted, "duplicates", duplicates,
                         "rejected", rejected, "results", results));
out:
    json_decref(results);
    field_errors_free(&e);
    json_decref(body);
}

/*
 * GET /api/v1/events — any signed-in user.
 * Parameters: correlation_id, type, mission_id, since, until (RFC 3339,
 * on occurred_at), cursor, limit (1..200, default 50). In arrival order.
 */
void api_events_search(struct request_ctx *ctx)
{
    static const char sql[] =
        "SELECT " EVENT_COLUMNS " FROM events WHERE seq > :after"
        " AND (:corr IS NULL OR correlation_id = :corr) AND (:type IS NULL OR type = :type)"
        " AND (:mission IS NULL OR mission_id = :mission)"
        " AND occurred_ms >= :since AND occurred_ms <= :until ORDER BY seq LIMIT :limit";
    struct field_errors e = FIELD_ERRORS_INIT;
    int64_t since_ms, until_ms, last = 0;
    long long after, limit;
    struct gh_error err;
    char cursor[24];
    sqlite3_stmt *st;
    struct db *db;
    json_t *list;
    int rc;

    param_int(ctx, "cursor", 0, INT64_MAX, 0, &after, &e);
    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    param_time(ctx, "since", INT64_MIN, &since_ms, &e);
    param_time(ctx, "until", INT64_MAX, &until_ms, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL || (st = db_prepare(db, sql)) == NULL ||
        db_bind(st, BINDS(BIND_INT(":after", after),
                          BIND_TEXT(":corr", http_param(ctx->req, "correlation_id")),
                          BIND_TEXT(":type", http_param(ctx->req, "type")),
                          BIND_TEXT(":mission", http_param(ctx->req, "mission_id")),
                          BIND_INT(":since", since_ms), BIND_INT(":until", until_ms),
                          BIND_INT(":limit", limit + 1))) != 0) {
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    list = json_array();
    while ((rc = db_step(db, st, &err)) == SQLITE_ROW && (long long)json_array_size(list) < limit) {
        json_array_append_new(list, event_json(st));
        last = sqlite3_column_int64(st, 0);
    }
    db_reset(st);
    snprintf(cursor, sizeof(cursor), "%lld", (long long)last);
    reply_list(ctx, list, rc == SQLITE_ROW ? cursor : NULL);
}
