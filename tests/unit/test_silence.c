/* Silent sources and ledger alarms (core/silence.c, core/ledger_watch.c, core/jobsched.c). */
#include <stdlib.h>

#include "../../core/config.h"
#include "../../core/jobsched.h"
#include "../../core/ledger.h"
#include "../../core/ledger_watch.h"
#include "../../core/silence.h"
#include "../../core/timeutil.h"
#include "check.h"

#define MIN_MS 60000LL
#define T0     1800000000000LL /* 2027-01-15T08:00:00Z */

static void cadences_are_learned_from_distinct_arrivals(void)
{
    int64_t a[200], p99 = -1;
    size_t n = 0;

    /* 19 distinct arrivals are not enough, however many events they hold. */
    for (int i = 0; i < 19; i++) {
        a[n++] = T0 + i * MIN_MS;
        a[n++] = T0 + i * MIN_MS + 400; /* the same batch: under a second apart */
    }
    CHECK_INT(silence_learn(a, n, &p99), -1);
    /* 101 arrivals, gaps of 1..100 s in shuffled order: the 99th percentile is 99 s. */
    n = 0;
    a[n++] = T0;
    for (int g = 1; g <= 100; g++)
        a[n] = a[n - 1] + (int64_t)((g * 37) % 100 + 1) * 1000, n++;
    for (size_t i = 0; i < n; i += 7) { /* any order will do */
        int64_t t = a[i];
        a[i] = a[n - 1 - i];
        a[n - 1 - i] = t;
    }
    CHECK_INT(silence_learn(a, n, &p99), 0);
    CHECK_INT(p99, 99000);
    /* A steady minute with batches: one gap a minute, and the batches do not count. */
    n = 0;
    for (int i = 0; i < 30; i++)
        for (int k = 0; k < 5; k++)
            a[n++] = T0 + i * MIN_MS + k * 10;
    CHECK_INT(silence_learn(a, n, &p99), 0);
    CHECK_INT(p99, MIN_MS);
    CHECK_INT(silence_learn(a, 0, &p99), -1);
}

static void silence_is_judged_once_and_ends_when_the_source_speaks(void)
{
    struct silence_state s = {5 * MIN_MS, T0, T0 - 3600000, 0, 0};

    CHECK_INT(silence_judge(&s, T0 + 5 * MIN_MS), SILENCE_SAME); /* at the threshold: not yet */
    CHECK_INT(silence_judge(&s, T0 + 5 * MIN_MS + 1), SILENCE_BEGINS);
    /* Recorded: nothing more while nothing arrives, however long. */
    s.silent = 1;
    s.silent_last_seen_ms = T0;
    CHECK_INT(silence_judge(&s, T0 + 1000 * MIN_MS), SILENCE_SAME);
    /* An arrival, even one stamped before the watch's clock (a --now replay), ends it. */
    s.last_seen_ms = T0 + 1;
    CHECK_INT(silence_judge(&s, T0 - MIN_MS), SILENCE_ENDS);
    /* Never heard: judged from when the watch began. */
    s = (struct silence_state){5 * MIN_MS, 0, T0, 0, 0};
    CHECK_INT(silence_judge(&s, T0 + 5 * MIN_MS), SILENCE_SAME);
    CHECK_INT(silence_judge(&s, T0 + 6 * MIN_MS), SILENCE_BEGINS);
    /* No expectation (still learning, or configured 0): never silent. */
    s.threshold_ms = 0;
    CHECK_INT(silence_judge(&s, T0 + 100000 * MIN_MS), SILENCE_SAME);
}

static void jobs_are_stale_after_three_periods(void)
{
    struct config cfg;
    struct buf err = BUF_INIT;
    const struct job_schedule *freezes = job_schedule_find("verify-freezes");
    const struct job_schedule *every = job_schedule_find("expire-approvals");

    CHECK_INT(config_load("conf/gatehouse.conf", &cfg, &err), 0);
    CHECK(freezes && every && job_schedule_find("no-such-job") == NULL);
    CHECK(job_schedule_find("watch-sources") && job_schedule_find("watch-ledger"));
    CHECK_INT(job_schedule_period(every, &cfg), 0);
    CHECK_INT(job_expected_seconds(every, &cfg), JOB_EVERY_RUN_SECONDS);
    cfg.freeze_verify_seconds = 600;
    CHECK_INT(job_expected_seconds(freezes, &cfg), 600);
    CHECK(!job_is_stale(T0, 60, T0 + 180000));
    CHECK(job_is_stale(T0, 60, T0 + 180001));
    CHECK(job_is_stale(0, 60, T0)); /* never succeeded */
    config_free(&cfg);
    buf_free(&err);
}

/* A migrated database with n ledger entries, a minute apart from T0. */
static int fixture(struct db *db, int n)
{
    struct db_options opt = {1, 5000, 1000};
    struct gh_error err;
    char path[400];
    int applied;

    snprintf(path, sizeof(path), "%s/watch.db", check_tmpdir);
    if (db_open(db, path, &opt, &err) != 0 || db_migrate(db, &applied, &err) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        json_t *payload = json_pack("{s:i}", "n", i + 1);
        int rc = db_begin_write(db, &err) != 0 ||
                 ledger_append(db, T0 + i * MIN_MS, "alice", "test.entry", "s", payload, NULL,
                               &err) != 0 ||
                 db_commit(db, &err) != 0;
        json_decref(payload);
        if (rc)
            return -1;
    }
    return 0;
}

static int64_t count_of(struct db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;

    if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Insert an event of source at received ms, straight into the table. */
static void arrive(struct db *db, const char *source, const char *id, int64_t ms)
{
    char at[TIME_RFC3339_LEN], sql[512];

    time_format_rfc3339(ms, at);
    snprintf(sql, sizeof(sql),
             "INSERT INTO events (id, source, type, occurred_at, occurred_ms, received_at,"
             " payload_json) VALUES ('%s', '%s', 'error.detected', '%s', %lld, '%s', '{}')",
             id, source, at, (long long)ms, at);
    CHECK_INT(sqlite3_exec(db->conn, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* The events of type recorded about source. */
static int64_t told(struct db *db, const char *type, const char *source)
{
    char sql[300];

    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM events e JOIN ledger l ON l.kind = e.type"
             " AND json_extract(l.payload_json, '$.event_id') = e.id"
             " WHERE e.type = '%s' AND l.subject = 'source:%s'",
             type, source);
    return count_of(db, sql);
}

static void a_learned_source_falls_silent_once_and_resumes(void)
{
    struct db db;
    struct config cfg;
    struct buf errors = BUF_INIT;
    struct silence_report r;
    struct gh_error err;
    int64_t last = T0 + 24 * 5 * MIN_MS;
    json_t *list, *first;
    char id[32];

    CHECK_INT(fixture(&db, 0), 0);
    CHECK_INT(config_load("conf/gatehouse.conf", &cfg, &errors), 0);
    /* sentinel speaks every 5 minutes for 2 hours: cadence 5 min, silent beyond 10. */
    for (int k = 0; k < 25; k++) {
        snprintf(id, sizeof(id), "s-%d", k);
        arrive(&db, "sentinel", id, T0 + k * 5 * MIN_MS);
    }
    /* a source with a few events only: still learning; gatehouse's own: not a source */
    arrive(&db, "ci-bot", "c-1", T0);
    arrive(&db, "gatehouse", "g-1", T0);
    /* one heard from more than 7 days before the watch began: not watched (inserted after the
     * others, as a late batch: the window is found by arrival time, not position alone) */
    for (int k = 0; k < 25; k++) {
        snprintf(id, sizeof(id), "a-%d", k);
        arrive(&db, "ancient", id, T0 - 8 * 86400000LL + k * MIN_MS);
    }
    CHECK_INT(silence_watch(&db, &cfg, last + 10 * MIN_MS, &r, &err), 0);
    CHECK_INT(count_of(&db, "SELECT count(*) FROM source_watch WHERE source = 'ancient'"), 0);
    CHECK_INT(r.silenced, 0);
    CHECK_INT(r.learning, 1);
    CHECK_INT(count_of(&db, "SELECT expected_ms FROM source_watch WHERE source = 'sentinel'"),
              5 * MIN_MS);
    CHECK_INT(count_of(&db, "SELECT count(*) FROM source_watch WHERE source = 'gatehouse'"), 0);
    CHECK_INT(count_of(&db, "SELECT count(*) FROM source_watch WHERE source = 'worker/prune'"), 1);
    /* Beyond twice the cadence: silent, recorded once (event and ledger entry). */
    CHECK_INT(silence_watch(&db, &cfg, last + 10 * MIN_MS + 1, &r, &err), 0);
    CHECK_INT(r.silenced, 1);
    CHECK_INT(silence_watch(&db, &cfg, last + 60 * MIN_MS, &r, &err), 0);
    CHECK_INT(told(&db, "source.silent", "sentinel"), 1);
    CHECK_INT(told(&db, "source.silent", "ci-bot"), 0);
    /* The jobs never ran: silent three minutes after the watch first saw them. */
    CHECK_INT(told(&db, "source.silent", "worker/prune"), 1);
    list = sources_silent_list(&db, &cfg, last + 60 * MIN_MS, &err);
    CHECK(list != NULL);
    first = json_array_get(list, 0); /* silent ones first, by name */
    CHECK_STR(json_string_value(json_object_get(first, "source")), "sentinel");
    CHECK(json_is_true(json_object_get(first, "silent")));
    CHECK_STR(json_string_value(json_object_get(first, "cadence")), "learned");
    CHECK(json_number_value(json_object_get(first, "expected_seconds")) == 300);
    CHECK(json_number_value(json_object_get(first, "threshold_seconds")) == 600);
    json_decref(list);
    /* It speaks again: resumed, once. */
    arrive(&db, "sentinel", "s-late", last + 61 * MIN_MS);
    CHECK_INT(silence_watch(&db, &cfg, last + 62 * MIN_MS, &r, &err), 0);
    CHECK_INT(silence_watch(&db, &cfg, last + 63 * MIN_MS, &r, &err), 0);
    CHECK_INT(told(&db, "source.resumed", "sentinel"), 1);
    CHECK_INT(told(&db, "source.silent", "sentinel"), 1);
    CHECK_INT(count_of(&db, "SELECT silent FROM source_watch WHERE source = 'sentinel'"), 0);
    config_free(&cfg);
    buf_free(&errors);
    db_close(&db);
}

static void a_configured_source_is_watched_before_it_speaks(void)
{
    struct db db;
    struct config cfg;
    struct buf errors = BUF_INIT;
    struct silence_report r;
    struct gh_error err;
    char path[400];
    FILE *f;

    snprintf(path, sizeof(path), "%s/c.conf", check_tmpdir);
    f = fopen(path, "w");
    fputs("source_cadence.nightly = 3600\nsource_cadence.noisy = 0\n", f);
    fclose(f);
    CHECK_INT(fixture(&db, 0), 0);
    CHECK_INT(config_load(path, &cfg, &errors), 0);
    for (int k = 0; k < 30; k++) { /* noisy speaks every minute, then stops: never judged */
        char id[32];
        snprintf(id, sizeof(id), "n-%d", k);
        arrive(&db, "noisy", id, T0 + k * MIN_MS);
    }
    CHECK_INT(silence_watch(&db, &cfg, T0, &r, &err), 0); /* nightly: watched from now */
    CHECK_INT(silence_watch(&db, &cfg, T0 + 3600 * 1000, &r, &err), 0);
    CHECK_INT(told(&db, "source.silent", "nightly"), 0);
    CHECK_INT(silence_watch(&db, &cfg, T0 + 3600 * 1000 + 1, &r, &err), 0);
    CHECK_INT(told(&db, "source.silent", "nightly"), 1);
    CHECK_INT(count_of(&db, "SELECT silent FROM source_watch WHERE source = 'nightly'"), 1);
    CHECK_INT(count_of(&db, "SELECT silent FROM source_watch WHERE source = 'noisy'"), 0);
    CHECK_INT(told(&db, "source.silent", "noisy"), 0);
    config_free(&cfg);
    buf_free(&errors);
    db_close(&db);
}

static void ledger_alarms_are_recorded_once(void)
{
    struct db db;
    struct gh_error err;
    int found[LEDGER_ALARM_KINDS];
    int64_t counts[LEDGER_ALARM_KINDS];
    json_t *recent;

    CHECK_INT(fixture(&db, 10), 0);
    /* Intact, and unsigned for two periods exactly: nothing yet. */
    CHECK_INT(ledger_watch(&db, T0 + 2 * MIN_MS, 60, found, &err), 0);
    CHECK_INT(found[0] + found[1] + found[2], 0);
    /* Unsigned for more than two periods since entry 1: a stale head, once. */
    CHECK_INT(ledger_watch(&db, T0 + 2 * MIN_MS + 1, 60, found, &err), 0);
    CHECK_INT(found[LEDGER_ALARM_STALE_HEAD], 1);
    CHECK_INT(ledger_watch(&db, T0 + 3 * MIN_MS, 60, found, &err), 0);
    CHECK_INT(found[LEDGER_ALARM_STALE_HEAD], 0);
    /* A hand on the file: entries 4 and 5 gone, entry 8 stamped before entry 7. */
    CHECK_INT(sqlite3_exec(db.conn,
                           "DELETE FROM ledger WHERE seq IN (4, 5);"
                           "UPDATE ledger SET at = '2027-01-15T07:00:00.000Z' WHERE seq = 8;",
                           NULL, NULL, NULL),
              SQLITE_OK);
    CHECK_INT(ledger_watch(&db, T0 + 3 * MIN_MS, 60, found, &err), 0);
    CHECK_INT(found[LEDGER_ALARM_GAP], 1);
    CHECK_INT(found[LEDGER_ALARM_TIME_REVERSAL], 1);
    CHECK_INT(ledger_watch(&db, T0 + 4 * MIN_MS, 60, found, &err), 0);
    CHECK_INT(found[0] + found[1] + found[2], 0);
    /* Each alarm is an event and a ledger entry of its own. */
    CHECK_INT(count_of(&db, "SELECT count(*) FROM events WHERE type = 'ledger.alarm'"), 3);
    CHECK_INT(count_of(&db, "SELECT count(*) FROM ledger WHERE kind = 'ledger.alarm'"), 3);
    CHECK_INT(count_of(&db, "SELECT seq FROM ledger_alarms WHERE kind = 'gap'"), 4);
    CHECK_INT(count_of(&db, "SELECT seq FROM ledger_alarms WHERE kind = 'time_reversal'"), 8);
    CHECK_INT(ledger_alarm_counts(&db, counts, &err), 0);
    CHECK_INT(counts[LEDGER_ALARM_GAP] + counts[LEDGER_ALARM_TIME_REVERSAL] +
                  counts[LEDGER_ALARM_STALE_HEAD],
              3);
    recent = ledger_alarms_recent(&db, 10, &err);
    CHECK_INT(json_array_size(recent), 3);
    /* Newest first; each with what was seen. */
    CHECK_STR(json_string_value(json_object_get(json_array_get(recent, 2), "kind")), "stale_head");
    for (size_t i = 0; i < 3; i++) {
        json_t *a = json_array_get(recent, i), *d = json_object_get(a, "detail");
        if (strcmp(json_string_value(json_object_get(a, "kind")), "gap") == 0) {
            CHECK_INT(json_integer_value(json_object_get(d, "missing_from")), 4);
            CHECK_INT(json_integer_value(json_object_get(d, "missing_to")), 5);
        }
        if (strcmp(json_string_value(json_object_get(a, "kind")), "time_reversal") == 0)
            CHECK_STR(json_string_value(json_object_get(d, "previous_at")),
                      "2027-01-15T08:06:00.000Z");
    }
    json_decref(recent);
    db_close(&db);
}

const struct unit_test silence_tests[] = {
    {"silence: cadences are learned from distinct arrivals",
     cadences_are_learned_from_distinct_arrivals},
    {"silence: judged once, ends when the source speaks",
     silence_is_judged_once_and_ends_when_the_source_speaks},
    {"silence: jobs are stale after three periods", jobs_are_stale_after_three_periods},
    {"silence: a learned source falls silent once and resumes",
     a_learned_source_falls_silent_once_and_resumes},
    {"silence: a configured source is watched before it speaks",
     a_configured_source_is_watched_before_it_speaks},
    {"silence: ledger alarms are recorded once", ledger_alarms_are_recorded_once},
    {NULL, NULL},
};
