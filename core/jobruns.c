/* Worker leases and run records (see jobruns.h). */
#include "jobruns.h"

#include <stddef.h>

#include "timeutil.h"

int lease_take(struct db *db, const char *job, const char *holder, int64_t now_ms, int64_t ttl_ms,
               struct gh_error *err)
{
    static const char sql[] =
        "INSERT INTO worker_leases (job, holder, expires_ms) VALUES (:job, :holder, :exp)"
        " ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_ms = "
        "excluded.expires_ms"
        " WHERE worker_leases.expires_ms <= :now OR worker_leases.holder = excluded.holder";
    int changes = 0;

    if (db_write(db, sql, &changes, NULL, err,
                 BINDS(BIND_TEXT(":job", job), BIND_TEXT(":holder", holder),
                       BIND_INT(":exp", now_ms + ttl_ms), BIND_INT(":now", now_ms))) != 0)
        return -1;
    return changes > 0;
}

int lease_release(struct db *db, const char *job, const char *holder, struct gh_error *err)
{
    static const char sql[] = "DELETE FROM worker_leases WHERE job = :job AND holder = :holder";

    return db_write(db, sql, NULL, NULL, err,
                    BINDS(BIND_TEXT(":job", job), BIND_TEXT(":holder", holder)));
}

int job_due(struct db *db, const char *job, int64_t now_ms, int period_s, int *due,
            struct gh_error *err)
{
    static const char sql[] = "SELECT max(started_ms) FROM worker_runs"
                              " WHERE job = :job AND outcome = 'ok'";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    if (st == NULL || db_bind(st, BINDS(BIND_TEXT(":job", job))) != 0) {
        db_reset(st);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        /* A few seconds of slack so that a job with a one-minute period runs every minute. */
        *due = sqlite3_column_type(st, 0) == SQLITE_NULL ||
               now_ms - sqlite3_column_int64(st, 0) >= (int64_t)period_s * 1000 - 5000 ||
               sqlite3_column_int64(st, 0) > now_ms; /* a run "in the future" (--now replays) */
    }
    db_reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int run_start(struct db *db, const char *job, int64_t now_ms, int64_t *id, struct gh_error *err)
{
    static const char sql[] = "INSERT INTO worker_runs (job, started_at, started_ms, outcome)"
                              " VALUES (:job, :at, :ms, 'running')";
    char at[TIME_RFC3339_LEN];

    time_format_rfc3339(now_ms, at);
    return db_write(db, sql, NULL, id, err,
                    BINDS(BIND_TEXT(":job", job), BIND_TEXT(":at", at), BIND_INT(":ms", now_ms)));
}

int run_end(struct db *db, int64_t id, int ok, const char *summary, const char *error,
            struct gh_error *err)
{
    static const char sql[] = "UPDATE worker_runs SET ended_at = :at, outcome = :outcome,"
                              " summary = :summary, error = :error WHERE id = :id";
    char at[TIME_RFC3339_LEN];

    time_format_rfc3339(time_now_ms(), at);
    return db_write(db, sql, NULL, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_TEXT(":outcome", ok ? "ok" : "failed"),
                          BIND_TEXT(":summary", summary), BIND_TEXT(":error", error),
                          BIND_INT(":id", id)));
}
