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
    static const char next_sql[] = "SELECT " EVENT_COLUMNS " FROM events"
                                   " WHERE mission_id = :id AND seq > :last ORDER BY seq LIMIT 100";
    const char *id = http_path_param(ctx->req, "id");
    const char *from = http_header(ctx->req, "last-event-id");
    int64_t last = -1, deadline, next_beat;
    uint64_t seen = 0;
    int first = 1;
    struct gh_error err;
    struct buf out = BUF_INIT;
    sqlite3_stmt *st;
    struct db *db;
    json_t *m;

    if (from == NULL)
        from = http_param(ctx->req, "last_event_id");
    if (from) {
        char *end;
        last = strtoll(from, &end, 10);
        if (*from == '\0' || *end != '\0' || last < 0) {
            reply_error(ctx, 400, "validation_failed",
                        "Last-Event-ID must be an event sequence number", NULL);
            return;
        }
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (m = mission_read(db, id, MISSION_HEAD, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    json_decref(m);
    if (last < 0) {
        st = db_prepare(db, max_sql);
        if (st == NULL || db_bind_list(st, "t", ":id", id) != 0 ||
            db_step(db, st, &err) != SQLITE_ROW) {
            db_reset(st);
            reply_error(ctx, 500, "internal", "internal error", NULL);
            return;
        }
        last = sqlite3_column_int64(st, 0);
        db_reset(st);
    }
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
        int sent = 0, rc;

        if (now >= deadline)
            break;
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
        st = db_prepare(db, next_sql);
        if (st == NULL || db_bind_list(st, "ti", ":id", id, ":last", last) != 0)
            break;
        buf_reset(&out);
        while ((rc = db_step(db, st, &err)) == SQLITE_ROW) {
            json_t *e = event_json(st);
            char *data = json_dumps(e, JSON_COMPACT);
            last = sqlite3_column_int64(st, 0);
            buf_printf(&out, "id: %lld\nevent: event\ndata: %s\n\n", (long long)last,
                       data ? data : "{}");
            free(data);
            json_decref(e);
            sent++;
        }
        db_reset(st); /* the read ends here: nothing is held while waiting */
        if (sent == 0 && now >= next_beat) {
            buf_puts(&out, ": heartbeat\n\n");
            next_beat = now + HEARTBEAT_MS;
        }
        if (out.len && (http_write(ctx->req, out.data, out.len) != 0 || http_flush(ctx->req) != 0))
            break; /* the browser went away */
        if (sent == 100)
            continue; /* more are waiting */
        struct timespec ts = {0, POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    buf_free(&out);
}
