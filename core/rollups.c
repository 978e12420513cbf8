/* Rollups: the aggregate job's computation (see rollups.h). */
#include "rollups.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "criteria.h"
#include "timeutil.h"

#define HOUR_MS 3600000LL
#define DAY_MS  (24 * HOUR_MS)

/* clang-format off */
const struct rollup_metric rollup_metrics[] = {
    {"approvals_requested", "tier", "Approval requests filed", 1, "approvals"},
    {"approvals_decided", "tier,verdict",
     "Approval requests that ended: approved, denied, expired or cancelled", 1, "approvals"},
    {"approval_decision_seconds_p50", "",
     "Median time from filing to the decision of tier 2 and 3 requests approved or denied", 0,
     "approvals"},
    {"approval_decision_seconds_p95", "",
     "95th percentile of the time from filing to the decision of tier 2 and 3 requests", 0,
     "approvals"},
    {"events_ingested", "family", "Events recorded, by the type's first word", 1, "events"},
    {"missions_opened", "", "Missions opened", 1, "missions"},
    {"missions_closed", "status", "Missions closed", 1, "missions"},
    {"freeze_violations_opened", "kind", "Freeze violations detected", 1, "freezes"},
    {"freeze_violations_closed", "resolution", "Freeze violations resolved", 1, "freezes"},
    {"gate_evaluations", "phase,result", "Gate evaluations: proceed or blocked", 1, "gates"},
    {"rollbacks_triggered", "action", "Rollback triggers fired", 1, "triggers"},
    {"contract_verifications", "state,tier",
     "Verified actions judged: verified, violated or unverifiable", 1, "contracts"},
    {"rollbacks_requested", "action_type", "Rollbacks asked of executors after a broken contract",
     1, "contracts"},
    {"webhook_deliveries", "outcome", "Webhook deliveries that ended: succeeded or failed", 1,
     "deliveries"},
};
/* clang-format on */

const size_t nrollup_metrics = sizeof(rollup_metrics) / sizeof(rollup_metrics[0]);

/*
 * How each summable metric counts the records of one hour: rows of
 * (labels, value) with the labels a JSON object whose keys are in sorted
 * order. by_ms: the range is bound as :lo_ms/:hi_ms, else as RFC 3339
 * text :lo/:hi (fixed-width UTC compares as text).
 */
struct count_sql {
    const char *metric;
    int by_ms;
    const char *sql;
};

static const struct count_sql counts[] = {
    {"approvals_requested", 0,
     "SELECT json_object('tier', CAST(tier AS TEXT)), count(*) FROM approvals"
     " WHERE created_at >= :lo AND created_at < :hi GROUP BY tier"},
    {"approvals_decided", 1,
     "SELECT json_object('tier', CAST(tier AS TEXT), 'verdict', status), count(*) FROM approvals"
     " INDEXED BY approvals_decided WHERE decided_ms >= :lo_ms AND decided_ms < :hi_ms"
     " GROUP BY tier, status"},
    {"events_ingested", 1,
     "SELECT json_object('family', substr(type, 1, instr(type || '.', '.') - 1)), count(*)"
     " FROM events INDEXED BY events_by_time WHERE occurred_ms >= :lo_ms AND occurred_ms < :hi_ms"
     " GROUP BY 1"},
    {"missions_opened", 0,
     "SELECT '{}', count(*) FROM missions WHERE opened_at >= :lo AND opened_at < :hi"},
    {"missions_closed", 0,
     "SELECT json_object('status', status), count(*) FROM missions"
     " WHERE closed_at >= :lo AND closed_at < :hi GROUP BY status"},
    {"freeze_violations_opened", 1,
     "SELECT json_object('kind', kind), count(*) FROM freeze_violations"
     " WHERE detected_ms >= :lo_ms AND detected_ms < :hi_ms GROUP BY kind"},
    {"freeze_violations_closed", 1,
     "SELECT json_object('resolution', resolution), count(*) FROM freeze_violations"
     " WHERE resolved_ms >= :lo_ms AND resolved_ms < :hi_ms GROUP BY resolution"},
    {"gate_evaluations", 1,
     "SELECT json_object('phase', phase, 'result', CASE proceed WHEN 1 THEN 'proceed'"
     " ELSE 'blocked' END), count(*) FROM gate_decisions"
     " WHERE evaluated_ms >= :lo_ms AND evaluated_ms < :hi_ms GROUP BY phase, proceed"},
    {"rollbacks_triggered", 1,
     "SELECT json_object('action', action), count(*) FROM deployment_triggers_fired"
     " WHERE fired_ms >= :lo_ms AND fired_ms < :hi_ms GROUP BY action"},
    {"contract_verifications", 1,
     "SELECT json_object('state', verification_state, 'tier', CAST(tier AS TEXT)), count(*)"
     " FROM approvals WHERE verified_ms >= :lo_ms AND verified_ms < :hi_ms"
     " GROUP BY verification_state, tier"},
    {"rollbacks_requested", 1,
     "SELECT json_object('action_type', action_type), count(*) FROM approvals"
     " WHERE rollback_ms >= :lo_ms AND rollback_ms < :hi_ms GROUP BY action_type"},
    {"webhook_deliveries", 1,
     "SELECT json_object('outcome', CASE status WHEN 'delivered' THEN 'succeeded'"
     " ELSE 'failed' END), count(*) FROM webhook_deliveries"
     " WHERE finished_ms >= :lo_ms AND finished_ms < :hi_ms GROUP BY status"},
};

/* Every hour a family's records fall in (column h, "YYYY-MM-DDTHH"): what a backfill marks. */
struct family {
    const char *name;
    const char *hours_sql;
};

#define HOURS_OF_MS(col, table)                                                                    \
    "SELECT strftime('%Y-%m-%dT%H', h * 3600, 'unixepoch') AS h FROM (SELECT DISTINCT " col        \
    " / 3600000 AS h FROM " table " WHERE " col " IS NOT NULL)"

static const struct family families[] = {
    {"approvals", "SELECT substr(created_at, 1, 13) AS h FROM approvals"
                  " UNION SELECT substr(decided_at, 1, 13) FROM approvals"},
    /* events: marked from the seq last read instead (mark_new_events), first run included */
    {"missions", "SELECT substr(opened_at, 1, 13) AS h FROM missions"
                 " UNION SELECT substr(closed_at, 1, 13) FROM missions"},
    {"freezes", HOURS_OF_MS("detected_ms", "freeze_violations") " UNION " HOURS_OF_MS(
                    "resolved_ms", "freeze_violations")},
    {"gates", HOURS_OF_MS("evaluated_ms", "gate_decisions")},
    {"triggers", HOURS_OF_MS("fired_ms", "deployment_triggers_fired")},
    {"contracts",
     HOURS_OF_MS("verified_ms", "approvals") " UNION " HOURS_OF_MS("rollback_ms", "approvals")},
    {"deliveries", HOURS_OF_MS("finished_ms", "webhook_deliveries")},
};

const struct rollup_metric *rollup_metric_find(const char *name)
{
    for (size_t i = 0; i < nrollup_metrics; i++)
        if (strcmp(rollup_metrics[i].name, name) == 0)
            return &rollup_metrics[i];
    return NULL;
}

static const struct count_sql *count_sql_of(const char *metric)
{
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        if (strcmp(counts[i].metric, metric) == 0)
            return &counts[i];
    return NULL;
}

/* A bucket [lo, hi): its start as stored, and its bounds both ways. */
struct range {
    char lo[TIME_RFC3339_LEN], hi[TIME_RFC3339_LEN];
    int64_t lo_ms, hi_ms;
};

static int range_of(const char *hour, int64_t length_ms, struct range *r)
{
    char text[TIME_RFC3339_LEN];

    /* An hour mark is "YYYY-MM-DDTHH"; a day starts at its hour 00. */
    if (strlen(hour) != 13)
        return -1;
    snprintf(text, sizeof(text), "%s:00:00.000Z", hour);
    if (time_parse_rfc3339(text, &r->lo_ms) != 0)
        return -1;
    if (length_ms == DAY_MS)
        r->lo_ms -= r->lo_ms % DAY_MS;
    r->hi_ms = r->lo_ms + length_ms;
    time_format_rfc3339(r->lo_ms, r->lo);
    time_format_rfc3339(r->hi_ms, r->hi);
    return 0;
}

/* Totals follow the hours: take a bucket's rows out (sign -1) or put them in (+1). */
static int totals_move(struct db *db, const char *metric, const char *start, int sign,
                       struct gh_error *err)
{
    static const char sql[] =
        "INSERT INTO stat_totals (metric, labels, value) SELECT metric, labels, :sign * value"
        " FROM stat_rollups WHERE bucket = 'hour' AND metric = :m AND bucket_start = :start"
        " ON CONFLICT (metric, labels) DO UPDATE SET value = value + excluded.value";

    return db_run(
        db, sql, NULL, err,
        BINDS(BIND_INT(":sign", sign), BIND_TEXT(":m", metric), BIND_TEXT(":start", start)));
}

static int rows_delete(struct db *db, const char *bucket, const char *metric, const char *start,
                       struct gh_error *err)
{
    static const char sql[] =
        "DELETE FROM stat_rollups WHERE bucket = :b AND metric = :m AND bucket_start = :start";

    return db_run(
        db, sql, NULL, err,
        BINDS(BIND_TEXT(":b", bucket), BIND_TEXT(":m", metric), BIND_TEXT(":start", start)));
}

static int row_insert(struct db *db, const char *bucket, const char *metric, const char *start,
                      const char *labels, double value, struct gh_error *err)
{
    static const char sql[] = "INSERT INTO stat_rollups (bucket, metric, bucket_start, labels,"
                              " value) VALUES (:b, :m, :start, :labels, :v)";

    return db_run(db, sql, NULL, err,
                  BINDS(BIND_TEXT(":b", bucket), BIND_TEXT(":m", metric),
                        BIND_TEXT(":start", start), BIND_TEXT(":labels", labels),
                        BIND_REAL(":v", value)));
}

/* Count metric c's records in r into hour rows (a zero count stores nothing). */
static int count_hour(struct db *db, const struct count_sql *c, const struct range *r,
                      struct gh_error *err)
{
    sqlite3_stmt *st = db_prepare(db, c->sql);
    char **labels = NULL;
    double *values = NULL;
    size_t n = 0, cap = 0;
    int rc, bound;

    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    bound = c->by_ms
                ? db_bind(st, BINDS(BIND_INT(":lo_ms", r->lo_ms), BIND_INT(":hi_ms", r->hi_ms)))
                : db_bind(st, BINDS(BIND_TEXT(":lo", r->lo), BIND_TEXT(":hi", r->hi)));
    if (bound != 0) {
        db_reset(st);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        double v = sqlite3_column_double(st, 1);
        if (v == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            labels = xreallocarray(labels, cap, sizeof(*labels));
            values = xreallocarray(values, cap, sizeof(*values));
        }
        labels[n] = xstrdup((const char *)sqlite3_column_text(st, 0));
        values[n++] = v;
    }
    db_reset(st);
    rc = rc == SQLITE_DONE ? 0 : -1;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = row_insert(db, "hour", c->metric, r->lo, labels[i], values[i], err);
        free(labels[i]);
    }
    free(labels);
    free(values);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/*
 * The time to decision of the tier 2 and 3 requests approved or denied in
 * r, as the p50 and p95 rows of bucket (none when nothing was decided).
 * Recomputed from the records for days too: percentiles do not add up.
 */
static int decision_percentiles(struct db *db, const char *bucket, const struct range *r,
                                struct gh_error *err)
{
    static const char sql[] =
        "SELECT created_at, decided_ms FROM approvals INDEXED BY approvals_decided"
        " WHERE decided_ms >= :lo_ms AND decided_ms < :hi_ms AND tier > 1"
        " AND status IN ('approved', 'denied')";
    sqlite3_stmt *st;
    double *secs = NULL;
    size_t n = 0, cap = 0;
    int rc;

    if (rows_delete(db, bucket, "approval_decision_seconds_p50", r->lo, err) != 0 ||
        rows_delete(db, bucket, "approval_decision_seconds_p95", r->lo, err) != 0)
        return -1;
    st = db_prepare(db, sql);
    if (st == NULL ||
        db_bind(st, BINDS(BIND_INT(":lo_ms", r->lo_ms), BIND_INT(":hi_ms", r->hi_ms))) != 0) {
        db_reset(st);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        int64_t filed;
        if (time_parse_rfc3339((const char *)sqlite3_column_text(st, 0), &filed) != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            secs = xreallocarray(secs, cap, sizeof(*secs));
        }
        secs[n++] = (double)(sqlite3_column_int64(st, 1) - filed) / 1000.0;
    }
    db_reset(st);
    rc = rc == SQLITE_DONE ? 0 : -1;
    if (rc == 0 && n > 0) {
        qsort(secs, n, sizeof(*secs), cmp_double);
        rc = row_insert(db, bucket, "approval_decision_seconds_p50", r->lo, "{}",
                        secs[percentile_rank((int64_t)n, 50) - 1], err);
        if (rc == 0)
            rc = row_insert(db, bucket, "approval_decision_seconds_p95", r->lo, "{}",
                            secs[percentile_rank((int64_t)n, 95) - 1], err);
    }
    free(secs);
    return rc;
}

/* Replace the rows of family's metrics for one hour, moving the totals with them. */
static int hour_recompute(struct db *db, const char *hour, const char *family, struct gh_error *err)
{
    struct range r;
    int percentiles = 0;

    if (range_of(hour, HOUR_MS, &r) != 0)
        return 0; /* not an hour: nothing the triggers could have meant; the mark goes */
    for (size_t i = 0; i < nrollup_metrics; i++) {
        const struct rollup_metric *m = &rollup_metrics[i];
        if (strcmp(m->family, family) != 0)
            continue;
        if (!m->summable) {
            percentiles = 1;
            continue;
        }
        if (totals_move(db, m->name, r.lo, -1, err) != 0 ||
            rows_delete(db, "hour", m->name, r.lo, err) != 0 ||
            count_hour(db, count_sql_of(m->name), &r, err) != 0 ||
            totals_move(db, m->name, r.lo, +1, err) != 0)
            return -1;
    }
    return percentiles ? decision_percentiles(db, "hour", &r, err) : 0;
}

/* The day an hour belongs to: its counts are the sums of its hours. */
static int day_recompute(struct db *db, const char *hour, const char *family, struct gh_error *err)
{
    static const char sum_sql[] =
        "INSERT INTO stat_rollups (bucket, metric, bucket_start, labels, value)"
        " SELECT 'day', :m, :lo, labels, sum(value) FROM stat_rollups"
        " WHERE bucket = 'hour' AND metric = :m AND bucket_start >= :lo AND bucket_start < :hi"
        " GROUP BY labels";
    struct range d;
    int percentiles = 0;

    if (range_of(hour, DAY_MS, &d) != 0)
        return 0;
    for (size_t i = 0; i < nrollup_metrics; i++) {
        const struct rollup_metric *m = &rollup_metrics[i];
        if (strcmp(m->family, family) != 0)
            continue;
        if (!m->summable) {
            percentiles = 1;
            continue;
        }
        if (rows_delete(db, "day", m->name, d.lo, err) != 0 ||
            db_run(db, sum_sql, NULL, err,
                   BINDS(BIND_TEXT(":m", m->name), BIND_TEXT(":lo", d.lo),
                         BIND_TEXT(":hi", d.hi))) != 0)
            return -1;
    }
    return percentiles ? decision_percentiles(db, "day", &d, err) : 0;
}

/* The first run: mark every hour with records, once, and remember that it did. */
static int backfill_mark(struct db *db, int *marked, struct gh_error *err)
{
    static const char done_sql[] = "SELECT 1 FROM stat_state WHERE key = 'backfilled'";
    static const char remember_sql[] =
        "INSERT INTO stat_state (key, value) VALUES ('backfilled', '1')";
    char sql[1024];
    int64_t done;
    int rc, changes;

    *marked = 0;
    if (db_begin_write(db, err) != 0)
        return -1;
    rc = db_int64(db, done_sql, 0, &done, err, NULL);
    if (rc == 0 && done) {
        db_rollback(db);
        return 0;
    }
    for (size_t i = 0; rc == 0 && i < sizeof(families) / sizeof(families[0]); i++) {
        /* Compiled from the constants above, never from input: still a prepared statement. */
        snprintf(sql, sizeof(sql),
                 "INSERT OR IGNORE INTO stat_dirty (hour, family) SELECT h, :f FROM (%s)"
                 " WHERE h IS NOT NULL",
                 families[i].hours_sql);
        changes = 0;
        rc = db_run(db, sql, &changes, err, BINDS(BIND_TEXT(":f", families[i].name)));
        *marked += changes;
    }
    if (rc == 0)
        rc = db_run(db, remember_sql, NULL, err, NULL);
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    if (db_commit(db, err) != 0)
        return -1;
    return 1;
}

/* One chunk: up to chunk marks, their hours and days, in one write transaction. */
static int chunk_run(struct db *db, int chunk, struct rollup_progress *p, int *taken,
                     struct gh_error *err)
{
    static const char marks_sql[] =
        "SELECT hour, family FROM stat_dirty ORDER BY hour, family LIMIT :n";
    static const char clear_sql[] = "DELETE FROM stat_dirty WHERE hour = :h AND family = :f";
    struct mark {
        char hour[16], family[16];
    } *marks = xcalloc((size_t)chunk, sizeof(*marks));
    sqlite3_stmt *st;
    int n = 0, rc = SQLITE_DONE; /* a chunk of none steps nothing */

    *taken = 0;
    if (db_begin_write(db, err) != 0) {
        free(marks);
        return -1;
    }
    st = db_prepare(db, marks_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_INT(":n", chunk))) != 0) {
        db_reset(st);
        rc = gh_fail(err, GH_INTERNAL, "database error");
        goto out;
    }
    while (n < chunk && (rc = db_step(db, st, err)) == SQLITE_ROW) {
        snprintf(marks[n].hour, sizeof(marks[n].hour), "%s", sqlite3_column_text(st, 0));
        snprintf(marks[n].family, sizeof(marks[n].family), "%s", sqlite3_column_text(st, 1));
        n++;
    }
    db_reset(st);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = hour_recompute(db, marks[i].hour, marks[i].family, err);
        if (rc == 0)
            rc = db_run(db, clear_sql, NULL, err,
                        BINDS(BIND_TEXT(":h", marks[i].hour), BIND_TEXT(":f", marks[i].family)));
    }
    /* Each day once per chunk: marks come sorted by hour, so a day's hours are neighbours. */
    for (int i = 0; rc == 0 && i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strncmp(marks[j].hour, marks[i].hour, 10) == 0 &&
                   strcmp(marks[j].family, marks[i].family) == 0;
        if (!seen) {
            rc = day_recompute(db, marks[i].hour, marks[i].family, err);
            p->days_done++;
        }
    }
out:
    if (rc != 0 || n == 0) {
        db_rollback(db);
    } else if (db_commit(db, err) != 0) {
        rc = -1;
    } else {
        p->hours_done += n;
        *taken = n;
    }
    free(marks);
    return rc;
}

/*
 * Events are only ever appended, and seq follows commit order (one writer
 * at a time), so their hours are marked here from the seq last read rather
 * than by a trigger on every insert: ingestion, the busiest write path,
 * pays nothing for the rollups. The first run reads from seq 0.
 */
static int mark_new_events(struct db *db, struct gh_error *err)
{
    static const char last_sql[] =
        "SELECT CAST(value AS INTEGER) FROM stat_state WHERE key = 'events_seq'";
    static const char mark_sql[] =
        "INSERT OR IGNORE INTO stat_dirty (hour, family)"
        " SELECT strftime('%Y-%m-%dT%H', h * 3600, 'unixepoch'), 'events' FROM"
        " (SELECT DISTINCT occurred_ms / 3600000 AS h FROM events WHERE seq > :last"
        " AND seq <= :head)";
    static const char save_sql[] =
        "INSERT INTO stat_state (key, value) VALUES ('events_seq', CAST(:head AS TEXT))"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    int64_t last, head;
    int rc;

    if (db_begin_write(db, err) != 0)
        return -1;
    rc = db_int64(db, last_sql, 0, &last, err, NULL);
    if (rc == 0)
        rc = db_int64(db, "SELECT max(seq) FROM events", 0, &head, err, NULL);
    if (rc == 0 && head > last)
        rc = db_run(db, mark_sql, NULL, err,
                    BINDS(BIND_INT(":last", last), BIND_INT(":head", head)));
    if (rc == 0 && head > last)
        rc = db_run(db, save_sql, NULL, err, BINDS(BIND_INT(":head", head)));
    if (rc != 0 || head <= last) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, err);
}

int rollups_run(struct db *db, int chunk, rollup_progress_fn progress, struct rollup_progress *out,
                struct gh_error *err)
{
    int64_t marks;
    int marked, taken, rc;

    memset(out, 0, sizeof(*out));
    if ((rc = backfill_mark(db, &marked, err)) < 0 || mark_new_events(db, err) != 0)
        return -1;
    out->backfill = rc;
    if (db_int64(db, "SELECT count(*) FROM stat_dirty", 0, &marks, err, NULL) != 0)
        return -1;
    out->hours_total = (int)marks;
    do {
        if (chunk_run(db, chunk, out, &taken, err) != 0)
            return -1;
        if (taken > 0 && progress)
            progress(out);
    } while (taken == chunk);
    return 0;
}
