/* The ledger, as the API shows it. Every signed-in user may read it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/ledger.h"
#include "reply.h"

/*
 * GET /api/v1/ledger — any signed-in user.
 * Parameters: after (seq, default 0), limit (1..200, default 50).
 * Entries in seq order; meta.next_cursor is the "after" of the next page,
 * or null at the end.
 */
void api_ledger_list(struct request_ctx *ctx)
{
    static const char sql[] =
        "SELECT " LEDGER_COLUMNS " FROM ledger WHERE seq > :after ORDER BY seq LIMIT :limit";
    struct field_errors e = FIELD_ERRORS_INIT;
    long long after, limit;
    struct gh_error err;
    struct db *db;
    sqlite3_stmt *st;
    json_t *list;
    char cursor[24];
    int64_t last = 0;
    int rc;

    param_int(ctx, "after", 0, INT64_MAX, 0, &after, &e);
    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL || (st = db_prepare(db, sql)) == NULL ||
        db_bind(st, BINDS(BIND_INT(":after", after), BIND_INT(":limit", limit + 1))) != 0) {
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    list = json_array();
    while ((rc = db_step(db, st, &err)) == SQLITE_ROW) {
        if ((long long)json_array_size(list) == limit)
            break; /* one more than asked: there is a next page */
        json_array_append_new(list, ledger_entry_json(st));
        last = sqlite3_column_int64(st, 0);
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(list);
        reply_gh_error(ctx, &err);
        return;
    }
    snprintf(cursor, sizeof(cursor), "%lld", (long long)last);
    reply_list(ctx, list, rc == SQLITE_ROW ? cursor : NULL);
}

/*
 * GET /api/v1/ledger/verify — any signed-in user.
 * {"ok", "entries", "first_bad_seq", "problem"}: the whole chain and its
 * signed checkpoints, checked now.
 */
void api_ledger_verify(struct request_ctx *ctx)
{
    struct ledger_check c;
    struct gh_error err;
    struct db *db = ctx_db(ctx, &err);

    if (db == NULL || ledger_verify(db, &c, NULL, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200,
               json_pack("{s:b, s:I, s:o, s:o}", "ok", c.ok, "entries", (json_int_t)c.entries,
                         "first_bad_seq", c.ok ? json_null() : json_integer(c.first_bad), "problem",
                         c.ok ? json_null() : json_string(c.problem)));
}

/*
 * GET /api/v1/ledger/checkpoints/latest — any signed-in user.
 * {"origin", "seq", "hash", "at", "note", "signature", "public_key"}; 404
 * before the worker has signed one.
 */
void api_ledger_checkpoint(struct request_ctx *ctx)
{
    struct gh_error err;
    struct db *db = ctx_db(ctx, &err);
    json_t *cp = db ? ledger_latest_checkpoint(db, &err) : NULL;

    if (cp == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, cp);
}

/*
 * GET /api/v1/ledger/export — any signed-in user.
 * The whole chain as NDJSON, one entry a line, streamed from one read
 * transaction (never held whole in memory).
 */
void api_ledger_export(struct request_ctx *ctx)
{
    static const char sql[] = "SELECT " LEDGER_COLUMNS " FROM ledger ORDER BY seq";
    struct gh_error err;
    struct db *db = ctx_db(ctx, &err);
    struct buf chunk = BUF_INIT;
    sqlite3_stmt *st;
    int rc;

    if (db == NULL || db_exec(db, "BEGIN", &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    st = db_prepare(db, sql);
    http_response_reset(ctx->resp);
    ctx->resp->content_type = "application/x-ndjson";
    ctx->replied = 1;
    http_stream_begin(ctx->req, ctx->resp);
    while (st && (rc = db_step(db, st, &err)) == SQLITE_ROW) {
        json_t *entry = ledger_entry_json(st);
        char *line = json_dumps(entry, JSON_COMPACT | JSON_REALS);
        json_decref(entry);
        if (line) {
            buf_puts(&chunk, line);
            buf_putc(&chunk, '\n');
            free(line);
        }
        if (chunk.len >= 65536) {
            if (http_write(ctx->req, chunk.data, chunk.len) != 0)
                break; /* the client went away */
            buf_reset(&chunk);
        }
    }
    if (chunk.len)
        http_write(ctx->req, chunk.data, chunk.len);
    db_reset(st);
    db_exec(db, "COMMIT", NULL);
    buf_free(&chunk);
}
