/* Login throttling (see throttle.h). */
#include "throttle.h"

#include <stdio.h>

#include "buf.h"

/* Scopes are "user:<name>" and "addr:<address>". */
static void scope(struct buf *b, const char *kind, const char *value)
{
    buf_reset(b);
    buf_printf(b, "%s:%s", kind, value);
}

/*
 * If scope has at least limit failures since since_ms, the time the
 * limit-th newest of them leaves the window; else 0.
 */
static int64_t locked_until(struct db *db, const char *sc, int limit, int64_t since_ms,
                            int64_t window_ms, struct gh_error *err, int *failed)
{
    static const char sql[] = "SELECT at_ms FROM login_failures WHERE scope = :s AND at_ms > :since"
                              " ORDER BY at_ms DESC LIMIT 1 OFFSET :k";
    sqlite3_stmt *st = db_prepare(db, sql);
    int64_t until = 0;
    int rc;

    if (st == NULL || db_bind_text(st, ":s", sc) || db_bind_int64(st, ":since", since_ms) ||
        db_bind_int64(st, ":k", limit - 1)) {
        db_reset(st);
        *failed = 1;
        gh_fail(err, GH_INTERNAL, "database error");
        return 0;
    }
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        until = sqlite3_column_int64(st, 0) + window_ms;
    else if (rc != SQLITE_DONE)
        *failed = 1;
    db_reset(st);
    return until;
}

int throttle_check(struct db *db, const struct throttle_limits *lim, const char *username,
                   const char *addr, int64_t now_ms, int *retry_after_s, struct gh_error *err)
{
    int64_t window_ms = (int64_t)lim->window_seconds * 1000, until, u2;
    struct buf sc = BUF_INIT;
    int failed = 0;

    scope(&sc, "user", username);
    until = locked_until(db, buf_str(&sc), lim->user_limit, now_ms - window_ms, window_ms, err,
                         &failed);
    scope(&sc, "addr", addr);
    u2 = locked_until(db, buf_str(&sc), lim->addr_limit, now_ms - window_ms, window_ms, err,
                      &failed);
    buf_free(&sc);
    if (failed)
        return -1;
    if (u2 > until)
        until = u2;
    if (until <= now_ms)
        return 0;
    *retry_after_s = (int)((until - now_ms + 999) / 1000);
    return 1;
}

int throttle_fail(struct db *db, const struct throttle_limits *lim, const char *username,
                  const char *addr, int64_t now_ms, struct gh_error *err)
{
    static const char ins[] = "INSERT INTO login_failures (scope, at_ms) VALUES (:s, :at)";
    static const char prune[] = "DELETE FROM login_failures WHERE at_ms <= :old";
    struct buf user = BUF_INIT, from = BUF_INIT;
    int rc;

    scope(&user, "user", username);
    scope(&from, "addr", addr);
    if (db_begin_write(db, err) != 0)
        goto out_err;
    rc =
        db_run(db, ins, NULL, err, BINDS(BIND_TEXT(":s", buf_str(&user)), BIND_INT(":at", now_ms)));
    if (rc == 0)
        rc = db_run(db, ins, NULL, err,
                    BINDS(BIND_TEXT(":s", buf_str(&from)), BIND_INT(":at", now_ms)));
    if (rc == 0)
        rc = db_run(db, prune, NULL, err,
                    BINDS(BIND_INT(":old", now_ms - (int64_t)lim->window_seconds * 1000)));
    if (rc != 0) {
        db_rollback(db);
        goto out_err;
    }
    buf_free(&user);
    buf_free(&from);
    return db_commit(db, err);
out_err:
    buf_free(&user);
    buf_free(&from);
    return -1;
}

int throttle_success(struct db *db, const char *username, struct gh_error *err)
{
    static const char sql[] = "DELETE FROM login_failures WHERE scope = :s";
    struct buf user = BUF_INIT;
    int rc;

    scope(&user, "user", username);
    rc = db_write(db, sql, NULL, NULL, err, BINDS(BIND_TEXT(":s", buf_str(&user))));
    buf_free(&user);
    return rc;
}
