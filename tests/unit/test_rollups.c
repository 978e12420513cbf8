/*
 * The aggregate job's rollups over a fixture database, against counts
 * worked out by hand: hours and days, labels, percentiles; a rerun that
 * changes nothing; a late event landing in its own hour; a retried
 * delivery leaving the hour it had failed in; totals following the hours.
 */
#include <math.h>
#include <stdio.h>

#include "../../core/rollups.h"
#include "../../core/stats.h"
#include "check.h"
#include "fixtures.h"

static int exec(struct db *db, const char *sql)
{
    struct gh_error err;

    return db_exec(db, sql, &err);
}

/* The stored value of a rollup row, or -1 when there is none. */
static double value(struct db *db, const char *bucket, const char *metric, const char *start,
                    const char *labels)
{
    static const char sql[] = "SELECT value FROM stat_rollups WHERE bucket = :b AND metric = :m"
                              " AND bucket_start = :s AND labels = :l";
    sqlite3_stmt *st = db_prepare(db, sql);
    double v = -1;

    if (st &&
        db_bind(st, BINDS(BIND_TEXT(":b", bucket), BIND_TEXT(":m", metric), BIND_TEXT(":s", start),
                          BIND_TEXT(":l", labels))) == 0 &&
        db_step(db, st, NULL) == SQLITE_ROW)
        v = sqlite3_column_double(st, 0);
    db_reset(st);
    return v;
}

static double total(struct db *db, const char *metric, const char *labels)
{
    static const char sql[] = "SELECT value FROM stat_totals WHERE metric = :m AND labels = :l";
    sqlite3_stmt *st = db_prepare(db, sql);
    double v = -1;

    if (st && db_bind(st, BINDS(BIND_TEXT(":m", metric), BIND_TEXT(":l", labels))) == 0 &&
        db_step(db, st, NULL) == SQLITE_ROW)
        v = sqlite3_column_double(st, 0);
    db_reset(st);
    return v;
}

static long long count_rows(struct db *db)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT count(*), total(value) FROM stat_rollups");
    long long n = -1;

    if (st && db_step(db, st, NULL) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0) * 100000 + (long long)sqlite3_column_double(st, 1);
    db_reset(st);
    return n;
}

static struct rollup_progress run(struct db *db)
{
    struct rollup_progress p = {0};
    struct gh_error err;

    CHECK_INT(rollups_run(db, 3, NULL, &p, &err), 0); /* chunks of 3: several transactions */
    return p;
}

/* An approval: filed at created, decided (status) at decided (NULL: pending). */
#define APPROVAL(id, tier, status, created, decided, decided_ms)                                   \
    "INSERT INTO approvals (id, action_type, target, tier, reason, params_json, status,"           \
    " requested_by, created_at, expires_at, expires_ms, required_approvals, decided_at,"           \
    " decided_ms) VALUES (" #id ", 'restart_service', 'api', " #tier ", '', '{}', '" status        \
    "', 'alice', '" created "', '2026-12-01T00:00:00.000Z', 1796083200000, 1, " decided            \
    ", " decided_ms ");"

#define EVENT(seq, type, at, at_ms)                                                                \
    "INSERT INTO events (seq, id, source, type, occurred_at, occurred_ms, received_at,"            \
    " payload_json) VALUES (" #seq ", 'e" #seq "', 'ci', '" type "', '" at "', " at_ms             \
    ", '2026-11-22T12:00:00.000Z', '{}');"

/* 2026-11-22T10:00:00Z */
#define H10 "1795341600000"

/*
 * Hour 10: five requests filed (tiers 1, 2, 2, 3, 2); decided in it: #1
 * approved after 600 s, #3 approved after 600 s, #4 (tier 1) at once. #2 is
 * denied at 11:20 (after 3,600 s), #5 expires the next day. Three events in
 * hour 10.
 */
/* clang-format off */
static const char hour_10[] =
    APPROVAL(1, 2, "approved", "2026-11-22T10:05:00.000Z", "'2026-11-22T10:15:00.000Z'", "1795342500000")
    APPROVAL(2, 2, "denied", "2026-11-22T10:20:00.000Z", "'2026-11-22T11:20:00.000Z'", "1795346400000")
    APPROVAL(3, 3, "approved", "2026-11-22T10:30:00.000Z", "'2026-11-22T10:40:00.000Z'", "1795344000000")
    APPROVAL(4, 1, "approved", "2026-11-22T10:50:00.000Z", "'2026-11-22T10:50:00.000Z'", "1795344600000")
    APPROVAL(5, 2, "expired", "2026-11-22T10:55:00.000Z", "'2026-11-23T10:55:00.000Z'", "1795431300000")
    EVENT(1, "deploy.started", "2026-11-22T10:01:00.000Z", "1795341660000")
    EVENT(2, "approval.granted", "2026-11-22T10:15:00.000Z", "1795342500000")
    EVENT(3, "deploy", "2026-11-22T10:59:59.999Z", "1795345199999");
/* clang-format on */

static void hours_days_and_percentiles(void)
{
    struct db db;
    struct rollup_progress p;
    long long before;

    if (fixture_db(&db, "rollups.db") != 0) {
        CHECK(0);
        return;
    }
    CHECK_INT(exec(&db, hour_10), 0);
    p = run(&db);
    CHECK_INT(p.backfill, 1);
    CHECK(value(&db, "hour", "approvals_requested", "2026-11-22T10:00:00.000Z",
                "{\"tier\":\"2\"}") == 3);
    CHECK(value(&db, "hour", "approvals_requested", "2026-11-22T10:00:00.000Z",
                "{\"tier\":\"1\"}") == 1);
    CHECK(value(&db, "hour", "approvals_decided", "2026-11-22T10:00:00.000Z",
                "{\"tier\":\"2\",\"verdict\":\"approved\"}") == 1);
    CHECK(value(&db, "hour", "approvals_decided", "2026-11-22T11:00:00.000Z",
                "{\"tier\":\"2\",\"verdict\":\"denied\"}") == 1);
    CHECK(value(&db, "hour", "approvals_decided", "2026-11-23T10:00:00.000Z",
                "{\"tier\":\"2\",\"verdict\":\"expired\"}") == 1);
    CHECK(value(&db, "day", "approvals_decided", "2026-11-22T00:00:00.000Z",
                "{\"tier\":\"2\",\"verdict\":\"denied\"}") == 1);
    CHECK(value(&db, "day", "approvals_requested", "2026-11-22T00:00:00.000Z",
                "{\"tier\":\"2\"}") == 3);
    /* Tier 1 is no decision by people; expiry is none either. Hour 10: 600, 600. */
    CHECK(value(&db, "hour", "approval_decision_seconds_p50", "2026-11-22T10:00:00.000Z", "{}") ==
          600);
    CHECK(value(&db, "hour", "approval_decision_seconds_p95", "2026-11-22T10:00:00.000Z", "{}") ==
          600);
    /* The day: 600, 600, 3600 — p50 rank 2, p95 rank 3, from the records, not the hours. */
    CHECK(value(&db, "day", "approval_decision_seconds_p50", "2026-11-22T00:00:00.000Z", "{}") ==
          600);
    CHECK(value(&db, "day", "approval_decision_seconds_p95", "2026-11-22T00:00:00.000Z", "{}") ==
          3600);
    CHECK(value(&db, "hour", "events_ingested", "2026-11-22T10:00:00.000Z",
                "{\"family\":\"deploy\"}") == 2);
    CHECK(value(&db, "hour", "events_ingested", "2026-11-22T10:00:00.000Z",
                "{\"family\":\"approval\"}") == 1);
    CHECK(total(&db, "approvals_decided", "{\"tier\":\"2\",\"verdict\":\"approved\"}") == 1);
    CHECK(total(&db, "approvals_requested", "{\"tier\":\"2\"}") == 3);

    /* A rerun with nothing new recomputes nothing and counts nothing twice. */
    before = count_rows(&db);
    p = run(&db);
    CHECK_INT(p.backfill, 0);
    CHECK_INT(p.hours_done, 0);
    CHECK(count_rows(&db) == before);
    CHECK(total(&db, "approvals_requested", "{\"tier\":\"2\"}") == 3);

    /* A late event lands in the hour it happened; only that hour is recomputed. */
    CHECK_INT(exec(&db, EVENT(4, "deploy.finished", "2026-11-22T10:30:00.000Z", "1795343400000")),
              0);
    p = run(&db);
    CHECK_INT(p.hours_done, 1);
    CHECK(value(&db, "hour", "events_ingested", "2026-11-22T10:00:00.000Z",
                "{\"family\":\"deploy\"}") == 3);
    CHECK(value(&db, "day", "events_ingested", "2026-11-22T00:00:00.000Z",
                "{\"family\":\"deploy\"}") == 3);
    CHECK(total(&db, "events_ingested", "{\"family\":\"deploy\"}") == 3);
    CHECK(total(&db, "approvals_requested", "{\"tier\":\"2\"}") == 3); /* untouched */

    /* Forcing every hour again (as after a crash mid-run) still counts each record once. */
    CHECK_INT(exec(&db, "INSERT OR IGNORE INTO stat_dirty (hour, family) SELECT"
                        " substr(bucket_start, 1, 13), 'events' FROM stat_rollups"
                        " WHERE bucket = 'hour' AND metric = 'events_ingested';"),
              0);
    run(&db);
    CHECK(total(&db, "events_ingested", "{\"family\":\"deploy\"}") == 3);
    CHECK(value(&db, "day", "events_ingested", "2026-11-22T00:00:00.000Z",
                "{\"family\":\"approval\"}") == 1);
    db_close(&db);
}

static void deliveries_and_series(void)
{
    struct stats_query q = {"hour", 1795341600000LL, 1795341600000LL + 6 * 3600000LL,
                            "webhook_deliveries"};
    struct stats_point *pts;
    struct gh_error err;
    struct db db;
    size_t n;

    if (fixture_db(&db, "rollups-deliveries.db") != 0) {
        CHECK(0);
        return;
    }
    CHECK_INT(exec(&db, "INSERT INTO webhook_subscriptions (id, url, events, description, secret,"
                        " state, created_at) VALUES (1, 'http://x/', '*', '', 's', 'active', '');"
                        "INSERT INTO webhook_deliveries (id, subscription_id, msg_id, event_type,"
                        " body, status, next_attempt_ms, created_at) VALUES"
                        " (1, 1, 'm1', 'a', '{}', 'pending', 0, ''),"
                        " (2, 1, 'm2', 'a', '{}', 'pending', 0, '');"
                        /* #1 gives up at 12:10, #2 succeeds at 12:20 */
                        "UPDATE webhook_deliveries SET status = 'failed', finished_ms = " H10
                        " + 2 * 3600000 + 600000 WHERE id = 1;"
                        "UPDATE webhook_deliveries SET status = 'delivered', finished_ms = " H10
                        " + 2 * 3600000 + 1200000 WHERE id = 2;"),
              0);
    run(&db);
    CHECK(value(&db, "hour", "webhook_deliveries", "2026-11-22T12:00:00.000Z",
                "{\"outcome\":\"failed\"}") == 1);
    CHECK(value(&db, "hour", "webhook_deliveries", "2026-11-22T12:00:00.000Z",
                "{\"outcome\":\"succeeded\"}") == 1);

    /* Retried by hand, #1 succeeds at 13:05: hour 12 loses it, hour 13 gains it. */
    CHECK_INT(exec(&db, "UPDATE webhook_deliveries SET status = 'pending', finished_ms = NULL"
                        " WHERE id = 1;"
                        "UPDATE webhook_deliveries SET status = 'delivered', finished_ms = " H10
                        " + 3 * 3600000 + 300000 WHERE id = 1;"),
              0);
    run(&db);
    CHECK(value(&db, "hour", "webhook_deliveries", "2026-11-22T12:00:00.000Z",
                "{\"outcome\":\"failed\"}") == -1);
    CHECK(value(&db, "hour", "webhook_deliveries", "2026-11-22T13:00:00.000Z",
                "{\"outcome\":\"succeeded\"}") == 1);
    CHECK(total(&db, "webhook_deliveries", "{\"outcome\":\"succeeded\"}") == 2);
    CHECK(total(&db, "webhook_deliveries", "{\"outcome\":\"failed\"}") == 0);
    CHECK(value(&db, "day", "webhook_deliveries", "2026-11-22T00:00:00.000Z",
                "{\"outcome\":\"succeeded\"}") == 2);

    /* The dashboard's reading: summed by outcome per hour, in order. */
    CHECK_INT(stats_series(&db, &q, "outcome", &pts, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(pts[0].label, "succeeded");
        CHECK(pts[0].start_ms == 1795341600000LL + 2 * 3600000LL && pts[0].value == 1);
        CHECK(pts[1].start_ms == 1795341600000LL + 3 * 3600000LL && pts[1].value == 1);
    }
    free(pts);
    CHECK_INT(stats_series(&db, &q, NULL, &pts, &n, &err), 0);
    CHECK_INT(n, 2);
    free(pts);
    db_close(&db);
}

/* The API's pages: every row once, in order, across pages of any size. */
static void pages_of_rows(void)
{
    struct stats_query q = {"hour", 0, 4102444800000LL, NULL};
    char next[STATS_CURSOR_LEN], cursor[STATS_CURSOR_LEN];
    struct gh_error err;
    struct db db;
    json_t *page, *all = json_array();
    int pages = 0;

    if (fixture_db(&db, "rollups-pages.db") != 0) {
        CHECK(0);
        return;
    }
    /* clang-format off */
    CHECK_INT(exec(&db, EVENT(1, "a.x", "2026-11-22T10:01:00.000Z", "1795341660000")
                        EVENT(2, "b.x", "2026-11-22T10:02:00.000Z", "1795341720000")
                        EVENT(3, "c.x", "2026-11-22T11:02:00.000Z", "1795345320000")
                        EVENT(4, "d|x", "2026-11-22T11:03:00.000Z", "1795345380000")), 0);
    /* clang-format on */
    run(&db);
    cursor[0] = '\0';
    do {
        page = stats_list(&db, &q, cursor[0] ? cursor : NULL, 1, next, &err);
        CHECK(page != NULL);
        if (page == NULL)
            break;
        json_array_extend(all, page);
        json_decref(page);
        snprintf(cursor, sizeof(cursor), "%s", next);
    } while (next[0] && ++pages < 10);
    CHECK_INT(json_array_size(all), 4);
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_array_get(all, 3), "labels"), "family")),
              "d|x");
    CHECK(stats_list(&db, &q, "zz", 1, next, &err) == NULL && err.kind == GH_INVALID);
    json_decref(all);
    db_close(&db);
}

const struct unit_test rollup_tests[] = {
    {"rollups: hours, days, labels and percentiles; reruns and late events",
     hours_days_and_percentiles},
    {"rollups: a retried delivery moves hours; series for charts", deliveries_and_series},
    {"rollups: the API's pages", pages_of_rows},
    {NULL, NULL},
};
