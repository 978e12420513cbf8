/* Worker leases and run records (see jobruns.h). */
#include "jobruns.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

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
    sqlite3_stmt *st;
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_TEXT(":job", job)), err)) == NULL)
        return -1;
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
            int64_t ended_ms, struct gh_error *err)
{
    static const char sql[] = "UPDATE worker_runs SET ended_at = :at, outcome = :outcome,"
                              " summary = :summary, error = :error WHERE id = :id";
    char at[TIME_RFC3339_LEN];

    time_format_rfc3339(ended_ms, at);
    return db_write(db, sql, NULL, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_TEXT(":outcome", ok ? "ok" : "failed"),
                          BIND_TEXT(":summary", summary), BIND_TEXT(":error", error),
                          BIND_INT(":id", id)));
}

/* Column i as a new string, or NULL. */
static char *column_dup(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);

    return v ? xstrdup(v) : NULL;
}

/* The end of a run, from its ended_at; 0 when it has none. */
static int64_t column_time(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    int64_t ms = 0;

    return v && time_parse_rfc3339(v, &ms) == 0 ? ms : 0;
}

int job_status_read(struct db *db, const struct job_schedule *job, const struct config *cfg,
                    int64_t now_ms, struct job_status *out, struct gh_error *err)
{
    /* The newest run, then the newest finished one, then the newest success (by the job's index).
     */
    static const char latest_sql[] = "SELECT started_ms, outcome FROM worker_runs"
                                     " WHERE job = :job ORDER BY id DESC LIMIT 1";
    static const char finished_sql[] =
        "SELECT ended_at, outcome, error, summary FROM worker_runs"
        " WHERE job = :job AND outcome != 'running' ORDER BY id DESC LIMIT 1";
    static const char success_sql[] =
        "SELECT started_ms, ended_at FROM worker_runs"
        " WHERE job = :job AND outcome = 'ok' ORDER BY id DESC LIMIT 1";
    static const char lease_sql[] = "SELECT holder FROM worker_leases"
                                    " WHERE job = :job AND expires_ms > :now";
    const char *const sqls[] = {latest_sql, finished_sql, success_sql, lease_sql};
    int latest_running = 0;

    memset(out, 0, sizeof(*out));
    out->name = job->name;
    out->period_seconds = job_schedule_period(job, cfg);
    out->expected_seconds = job_expected_seconds(job, cfg);
    out->last_outcome = -1;
    for (int q = 0; q < 4; q++) {
        sqlite3_stmt *st = db_prepare(db, sqls[q]);
        int rc;
        if (st == NULL ||
            db_bind(st, q == 3 ? BINDS(BIND_TEXT(":job", job->name), BIND_INT(":now", now_ms))
                               : BINDS(BIND_TEXT(":job", job->name))) != 0) {
            db_reset(st);
            job_status_free(out);
            return gh_fail(err, GH_INTERNAL, "database error");
        }
        rc = db_step(db, st, err);
        if (rc == SQLITE_ROW) {
            switch (q) {
            case 0:
                out->last_started_ms = sqlite3_column_int64(st, 0);
                latest_running = strcmp((const char *)sqlite3_column_text(st, 1), "running") == 0;
                break;
            case 1:
                out->last_finished_ms = column_time(st, 0);
                out->last_outcome = strcmp((const char *)sqlite3_column_text(st, 1), "ok") == 0;
                if (out->last_outcome)
                    out->last_summary = column_dup(st, 3);
                else
                    out->last_error = column_dup(st, 2);
                break;
            case 2:
                out->last_success_ms = column_time(st, 1);
                out->next_due_ms =
                    sqlite3_column_int64(st, 0) + (int64_t)out->expected_seconds * 1000;
                break;
            case 3:
                out->lease_holder = column_dup(st, 0);
                break;
            }
        }
        db_reset(st);
        if (rc < 0) {
            job_status_free(out);
            return -1;
        }
    }
    out->running = latest_running && out->lease_holder != NULL;
    out->stale = job_is_stale(out->last_success_ms, out->expected_seconds, now_ms);
    return 0;
}

void job_status_free(struct job_status *st)
{
    free(st->last_error);
    free(st->last_summary);
    free(st->lease_holder);
    st->last_error = st->last_summary = st->lease_holder = NULL;
}

/* A time as the API shows it, or null for 0. */
static json_t *time_or_null(int64_t ms)
{
    char at[TIME_RFC3339_LEN];

    if (ms == 0)
        return json_null();
    time_format_rfc3339(ms, at);
    return json_string(at);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *job_status_json(const struct job_status *st)
{
    return json_pack(
        "{s:s, s:i, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:b}", "name", st->name,
        "period_seconds", st->expected_seconds, "every_run", st->period_seconds == 0,
        "last_started_at", time_or_null(st->last_started_ms), "last_finished_at",
        time_or_null(st->last_finished_ms), "last_outcome",
        st->last_outcome < 0 ? json_null() : json_string(st->last_outcome ? "ok" : "failed"),
        "last_error", string_or_null(st->last_error), "next_due_at", time_or_null(st->next_due_ms),
        "lease_holder", string_or_null(st->lease_holder), "stale", st->stale, "last_success_at",
        time_or_null(st->last_success_ms), "last_summary", string_or_null(st->last_summary),
        "running", st->running);
}
