/*
 * Live event streams (text/event-stream). nginx sends every .../stream path to the
 * stream process, whose threads may each hold one stream for up to
 * stream_seconds; a stream holds no database lock or transaction while it
 * waits: each poll is one short read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/events.h"
#include "../core/timeutil.h"
#include "reply.h"

#define POLL_MS      250
#define HEARTBEAT_MS 15000

/*
 * Appends to out the stream's events after *last (advancing it) and
 * returns how many rows it looked at (more may wait when that is
 * STREAM_BATCH), or -1 on a database error.
 */
#define STREAM_BATCH 100
typedef int (*stream_fetch)(struct db *db, const void *arg, int64_t *last, struct buf *out);

/*
 * Last-Event-ID (or ?last_event_id=) as a sequence number: 1 and *last set
 * when given, 0 when not, -1 after answering 400.
 */
static int stream_start_id(struct request_ctx *ctx, int64_t *last)
{
    const char *from = http_header(ctx->req, "last-event-id");
    char *end;

    if (from == NULL)
        from = http_param(ctx->req, "last_event_id");
    if (from == NULL)
        return 0;
    *last = strtoll(from, &end, 10);
    if (*from == '\0' || *end != '\0' || *last < 0) {
        reply_error(ctx, 400, "validation_failed", "Last-Event-ID must be an event sequence number",
                    NULL);
        return -1;
    }
    return 1;
}

/* The first number of a one-row query (max(seq) and such), or -1. */
static int64_t query_number(struct db *db, const char *sql, const char *id)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    int64_t n = -1;

    if (st && (id == NULL || db_bind(st, BINDS(BIND_TEXT(":id", id))) == 0) &&
        db_step(db, st, NULL) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    db_reset(st);
    return n;
}

/*
 * Serve a stream from last on: look for events whenever some commit has
 * stored events since the last look, send what fetch finds, a heartbeat
 * comment every 15 s when idle, and end after stream_seconds.
 */
static void stream_run(struct request_ctx *ctx, struct db *db, int64_t last, stream_fetch fetch,
                       const void *arg)
{
    int64_t deadline, next_beat;
    uint64_t seen = 0;
    int first = 1; /* look without waiting for the epoch to move */
    struct buf out = BUF_INIT;

    http_response_reset(ctx->resp);
    ctx->resp->content_type = "text/event-stream";
    http_add_header(ctx->resp, "X-Accel-Buffering", "no");
    ctx->replied = 1;
    if (http_stream_begin(ctx->req, ctx->resp) != 0 ||
        http_write(ctx->req, "retry: 2000\n\n", 13) != 0 || http_flush(ctx->req) != 0)
        return;

    deadline = time_mono_ns() / 1000000 + (int64_t)ctx->app->cfg.stream_seconds * 1000;
    next_beat = time_mono_ns() / 1000000 + HEARTBEAT_MS;
    for (;;) {
        int64_t now = time_mono_ns() / 1000000;
        int looked;

        if (now >= deadline || pool_stopping())
            break; /* the browser reconnects, to this process's successor if it stops */
        /* Ask the database only when some commit has stored events since the last look. */
        if (!first && db_events_epoch(db) == seen) {
            if (now >= next_beat) {
                next_beat = now + HEARTBEAT_MS;
                if (http_write(ctx->req, ": heartbeat\n\n", 13) != 0 || http_flush(ctx->req) != 0)
                    break;
            }
            struct timespec idle = {0, POLL_MS * 1000000L};
            nanosleep(&idle, NULL);
            continue;
        }
        first = 0;
        seen = db_events_epoch(db);
        buf_reset(&out);
        /* Each fetch is one short read: nothing is held while waiting. */
        if ((looked = fetch(db, arg, &last, &out)) < 0)
            break;
        if (out.len == 0 && now >= next_beat) {
            buf_puts(&out, ": heartbeat\n\n");
            next_beat = now + HEARTBEAT_MS;
        }
        if (out.len && (http_write(ctx->req, out.data, out.len) != 0 || http_flush(ctx->req) != 0))
            break; /* the browser went away */
        if (looked == STREAM_BATCH) {
            first = 1; /* more are waiting: look again at once */
            continue;
        }
        struct timespec ts = {0, POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    buf_free(&out);
}

/* A mission's events after *last. */
static int fetch_mission_events(struct db *db, const void *arg, int64_t *last, struct buf *out)
{
    static const char sql[] = "SELECT " EVENT_COLUMNS " FROM events"
                              " WHERE mission_id = :id AND seq > :last ORDER BY seq LIMIT 100";
    sqlite3_stmt *st = db_prepare(db, sql);
    int n = 0, rc;

    if (st == NULL ||
        db_bind(st, BINDS(BIND_TEXT(":id", (const char *)arg), BIND_INT(":last", *last))) != 0) {
        db_reset(st);
        return -1;
    }
    while ((rc = db_step(db, st, NULL)) == SQLITE_ROW) {
        json_t *e = event_json(st);
        char *data = json_dumps(e, JSON_COMPACT | JSON_REALS);
        *last = sqlite3_column_int64(st, 0);
        buf_printf(out, "id: %lld\nevent: event\ndata: %s\n\n", (long long)*last,
                   data ? data : "{}");
        free(data);
        json_decref(e);
        n++;
    }
    db_reset(st);
    return rc == SQLITE_DONE ? n : -1;
}

/*
 * GET /missions/{id}/stream — any signed-in user.
 * Header Last-Event-ID (or ?last_event_id=): replay the mission's events
 * after that sequence number; without it the stream starts from now.
 * Each event: "id: <seq>", "event: event", "data: <event JSON>". A comment
 * line every 15 s keeps proxies from closing it; it ends after
 * stream_seconds and the browser reconnects where it left off.
 */
void stream_mission(struct request_ctx *ctx)
{
    static const char max_sql[] = "SELECT coalesce(max(seq), 0) FROM events WHERE mission_id = :id";
    const char *id = http_path_param(ctx->req, "id");
    int64_t last = 0;
    struct gh_error err;
    struct db *db;
    json_t *m;
    int given;

    if ((given = stream_start_id(ctx, &last)) < 0)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (m = mission_read(db, id, MISSION_HEAD, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    json_decref(m);
    if (!given && (last = query_number(db, max_sql, id)) < 0) {
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    stream_run(ctx, db, last, fetch_mission_events, id);
}

/*
 * Approval changes after *last: the ledger's approval.* entries carry the
 * approval as it was after each change. Other entries are stepped over
 * (*last still advances past them).
 */
static int fetch_approval_changes(struct db *db, const void *arg, int64_t *last, struct buf *out)
{
    static const char sql[] = "SELECT seq, kind, payload_json FROM ledger"
                              " WHERE seq > :last ORDER BY seq LIMIT 100";
    sqlite3_stmt *st = db_prepare(db, sql);
    int n = 0, rc;

    (void)arg;
    if (st == NULL || db_bind(st, BINDS(BIND_INT(":last", *last))) != 0) {
        db_reset(st);
        return -1;
    }
    while ((rc = db_step(db, st, NULL)) == SQLITE_ROW) {
        *last = sqlite3_column_int64(st, 0);
        n++;
        if (strncmp((const char *)sqlite3_column_text(st, 1), "approval.", 9) != 0)
            continue;
        json_t *entry = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
        char *data = json_dumps(json_object_get(entry, "payload"), JSON_COMPACT | JSON_REALS);
        if (data)
            buf_printf(out, "id: %lld\nevent: approval\ndata: %s\n\n", (long long)*last, data);
        free(data);
        json_decref(entry);
    }
    db_reset(st);
    return rc == SQLITE_DONE ? n : -1;
}

/*
 * GET /approvals/stream — any signed-in user.
 * One event per approval change: "id: <ledger seq>", "event: approval",
 * "data: <approval JSON>" (the approval after that change). Last-Event-ID
 * (or ?last_event_id=) replays the changes after it; without it the
 * stream starts from now.
 */
void stream_approvals(struct request_ctx *ctx)
{
    static const char max_sql[] = "SELECT coalesce(max(seq), 0) FROM ledger";
    int64_t last = 0;
    struct gh_error err;
    struct db *db;
    int given;

    if ((given = stream_start_id(ctx, &last)) < 0)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    if (!given && (last = query_number(db, max_sql, NULL)) < 0) {
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    stream_run(ctx, db, last, fetch_approval_changes, NULL);
}
