/*
 * Metric samples of deployments: storing a batch with the running
 * aggregates and rollups it feeds, and the windowed reads gates, triggers
 * and charts make (see deployments.h, "Speed").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "deploy_store.h"
#include "deployments.h"
#include "ledger.h"
#include "sorted_runs.h"
#include "timeutil.h"

/* ---- storing ---- */

/* A sample with where it goes. */
struct placed {
    const struct sample_in *s;
    int metric; /* the batch's number for its metric name (names sort by it, not by text) */
    int phase;  /* plan phase index, -1 before the first */
};

static int by_metric_then_time(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;

    if (x->metric != y->metric)
        return (x->metric > y->metric) - (x->metric < y->metric);
    return (x->s->at_ms > y->s->at_ms) - (x->s->at_ms < y->s->at_ms);
}

/*
 * Number the batch's metric names (a batch names a few dozen at most, so a
 * list beats a hash), so that sorting compares integers, not strings.
 */
static void number_metrics(struct placed *p, size_t n)
{
    const char *names[64];
    int known = 0;

    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < known && strcmp(names[k], p[i].s->metric) != 0)
            k++;
        if (k == known && known < (int)(sizeof(names) / sizeof(names[0])))
            names[known++] = p[i].s->metric;
        /* Past 64 names, each one is its own: still grouped right, only sorted slower. */
        p[i].metric = k < known ? k : 64 + (int)i;
    }
}

static int fold_aggregate(struct db *db, int64_t dep, const char *metric, int phase,
                          const struct agg_state *a, struct gh_error *err)
{
    /* SET expressions read the row as it was, so each one merges with the old values. */
    static const char sql[] =
        "INSERT INTO deployment_aggregates (deployment, metric, phase, count, sum, min, max,"
        " last_at, last_value) VALUES (:d, :m, :p, :count, :sum, :min, :max, :last_at, :last)"
        " ON CONFLICT DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum,"
        " min = min(min, excluded.min), max = max(max, excluded.max),"
        " last_value = CASE WHEN excluded.last_at >= last_at THEN excluded.last_value"
        " ELSE last_value END, last_at = max(last_at, excluded.last_at)";

    return db_run(db, sql, NULL, err,
                  BINDS(BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":p", phase),
                        BIND_INT(":count", a->count), BIND_REAL(":sum", a->sum),
                        BIND_REAL(":min", a->min), BIND_REAL(":max", a->max),
                        BIND_INT(":last_at", a->last_at), BIND_REAL(":last", a->last)));
}

static int fold_minute(struct db *db, int64_t dep, const char *metric, int64_t minute,
                       const struct agg_state *a, struct gh_error *err)
{
    static const char sql[] =
        "INSERT INTO deployment_minutes (deployment, metric, minute, count, sum, min, max)"
        " VALUES (:d, :m, :minute, :count, :sum, :min, :max)"
        " ON CONFLICT DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum,"
        " min = min(min, excluded.min), max = max(max, excluded.max)";

    return db_run(db, sql, NULL, err,
                  BINDS(BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":minute", minute),
                        BIND_INT(":count", a->count), BIND_REAL(":sum", a->sum),
                        BIND_REAL(":min", a->min), BIND_REAL(":max", a->max)));
}

/* Floor division: minutes before 1970 stay in their own minute. */
static int64_t minute_of(int64_t ms)
{
    return ms >= 0 ? ms / 60000 : -((-ms + 59999) / 60000);
}

/*
 * Insert the samples and fold them into their (metric, phase) aggregates,
 * sorted runs of values and (metric, minute) rollups. Sorted by metric and
 * time, each group is a run of neighbours, so one pass folds them all.
 */
static int store_samples(struct db *db, const struct deployment_row *d, struct placed *p, size_t n,
                         struct gh_error *err)
{
    static const char sql[] = "INSERT INTO deployment_samples (deployment, metric, phase, at_ms,"
                              " value) VALUES (:d, :m, :p, :at, :v)";
    struct agg_state phase_acc = AGG_STATE_INIT, minute_acc = AGG_STATE_INIT;
    uint64_t *keys = xmalloc(n * sizeof(*keys));
    size_t nkeys = 0;
    int rc = 0;

    number_metrics(p, n);
    qsort(p, n, sizeof(*p), by_metric_then_time);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct sample_in *s = p[i].s;
        const struct placed *next = i + 1 < n ? &p[i + 1] : NULL;
        int same_metric = next && next->metric == p[i].metric;

        rc = db_run(db, sql, NULL, err,
                    BINDS(BIND_INT(":d", d->num), BIND_TEXT(":m", s->metric),
                          BIND_INT(":p", p[i].phase), BIND_INT(":at", s->at_ms),
                          BIND_REAL(":v", s->value)));
        agg_add(&phase_acc, s->at_ms, s->value);
        agg_add(&minute_acc, s->at_ms, s->value);
        keys[nkeys++] = run_key(s->value);
        if (rc == 0 && !(same_metric && next->phase == p[i].phase)) {
            rc = fold_aggregate(db, d->num, s->metric, p[i].phase, &phase_acc, err);
            if (rc == 0)
                rc = deploy_runs_add(db, d->num, s->metric, p[i].phase, keys, nkeys, err);
            phase_acc = (struct agg_state)AGG_STATE_INIT;
            nkeys = 0;
        }
        if (rc == 0 && !(same_metric && minute_of(next->s->at_ms) == minute_of(s->at_ms))) {
            rc = fold_minute(db, d->num, s->metric, minute_of(s->at_ms), &minute_acc, err);
            minute_acc = (struct agg_state)AGG_STATE_INIT;
        }
    }
    free(keys);
    return rc;
}

/*
 * SHA-256 of the batch in the order sent, each sample as its metric name,
 * a NUL, its time in milliseconds and its value's IEEE 754 bits, both as
 * 8 bytes big-endian: the ledger's proof of exactly what was accepted
 * (docs/deployments.md shows how to recompute it).
 */
static void batch_digest(const struct sample_in *s, size_t n, char out[65])
{
    crypto_hash_sha256_state st;
    unsigned char digest[crypto_hash_sha256_BYTES];

    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < n; i++) {
        unsigned char rec[CRIT_METRIC_LEN + 16];
        size_t len = strlen(s[i].metric) + 1;
        uint64_t bits;
        memcpy(rec, s[i].metric, len);
        memcpy(&bits, &s[i].value, sizeof(bits));
        be64_put(rec + len, (uint64_t)s[i].at_ms);
        be64_put(rec + len + 8, bits);
        crypto_hash_sha256_update(&st, rec, len + 16);
    }
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

int deployment_ingest(struct db *db, const struct actor *who, const char *id,
                      const struct sample_in *samples, size_t n, struct gh_error *err)
{
    struct deployment_row d;
    struct placed *placed = NULL;
    json_t *metrics = json_array(), *entry;
    char from[TIME_RFC3339_LEN], to[TIME_RFC3339_LEN], digest[65], subject[80];
    int64_t first = INT64_MAX, last = INT64_MIN;
    int rc = -1;

    if (db_begin_write(db, err) != 0)
        goto out;
    if (deployment_load(db, id, &d, err) != 0) {
        db_rollback(db);
        goto out;
    }
    placed = xcalloc(n, sizeof(*placed));
    for (size_t i = 0; i < n; i++) {
        placed[i].s = &samples[i];
        placed[i].phase = deployment_phase_at(&d, samples[i].at_ms);
        if (samples[i].at_ms < first)
            first = samples[i].at_ms;
        if (samples[i].at_ms > last)
            last = samples[i].at_ms;
    }
    rc = store_samples(db, &d, placed, n, err);
    /* The metrics the batch names, once each (placed is sorted by metric now). */
    for (size_t i = 0; i < n && json_array_size(metrics) < 64; i++)
        if (i == 0 || placed[i].metric != placed[i - 1].metric)
            json_array_append_new(metrics, json_string(placed[i].s->metric));
    if (rc == 0) {
        batch_digest(samples, n, digest);
        time_format_rfc3339(first, from);
        time_format_rfc3339(last, to);
        snprintf(subject, sizeof(subject), "deployment:%s", d.id);
        entry = json_pack("{s:s, s:I, s:s, s:s, s:O, s:s}", "deployment_id", d.id, "count",
                          (json_int_t)n, "from", from, "to", to, "metrics", metrics,
                          "samples_sha256", digest);
        rc = ledger_append(db, who->now_ms, who->username, "deployment.metrics", subject, entry,
                           NULL, err);
        json_decref(entry);
    }
    if (rc != 0)
        db_rollback(db);
    else
        rc = db_commit(db, err);
    deployment_row_free(&d);
out:
    free(placed);
    json_decref(metrics);
    return rc;
}

/* ---- windowed reads ---- */

/* The running aggregates of (metric, phase); all zero when there are none. */
static int load_aggregate(struct db *db, int64_t dep, const char *metric, int phase,
                          struct agg_state *a, struct gh_error *err)
{
    static const char sql[] = "SELECT count, sum, min, max, last_at, last_value"
                              " FROM deployment_aggregates"
                              " WHERE deployment = :d AND metric = :m AND phase = :p";
    sqlite3_stmt *st;
    int rc;

    *a = (struct agg_state)AGG_STATE_INIT;
    if ((st = db_query(db, sql,
                       BINDS(BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":p", phase)),
                       err)) == NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        a->count = sqlite3_column_int64(st, 0);
        a->sum = sqlite3_column_double(st, 1);
        a->min = sqlite3_column_double(st, 2);
        a->max = sqlite3_column_double(st, 3);
        a->last_at = sqlite3_column_int64(st, 4);
        a->last = sqlite3_column_double(st, 5);
    }
    db_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Samples of metric with from <= at <= to, in time order; *out (caller frees). */
static int load_window(struct db *db, int64_t dep, const char *metric, int64_t from, int64_t to,
                       struct sample **out, size_t *n, struct gh_error *err)
{
    static const char sql[] =
        "SELECT at_ms, value FROM deployment_samples INDEXED BY deployment_samples_by_time"
        " WHERE deployment = :d AND metric = :m AND at_ms BETWEEN :from AND :to"
        " ORDER BY at_ms, id";
    sqlite3_stmt *st;
    size_t size = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((st = db_query(db, sql,
                       BINDS(BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":from", from),
                             BIND_INT(":to", to)),
                       err)) == NULL)
        return -1;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        if (*n == size) {
            size = size ? size * 2 : 256;
            *out = xreallocarray(*out, size, sizeof(**out));
        }
        (*out)[*n].at_ms = sqlite3_column_int64(st, 0);
        (*out)[(*n)++].value = sqlite3_column_double(st, 1);
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

int observe_criterion(struct db *db, const struct deployment_row *d, int i,
                      const struct criterion *c, int64_t now_ms, struct crit_result *out,
                      struct gh_error *err)
{
    struct agg_state a;
    struct sample *window;
    int64_t from, to;
    double p95 = 0;
    size_t n;

    int began, rc = -1;

    phase_window(d, i, now_ms, &from, &to);
    /* The aggregates and the runs must be read as of one commit, or a batch between them
       would make the count disagree with the runs. */
    if (db_read_begin(db, &began, err) != 0)
        return -1;
    if (load_aggregate(db, d->num, c->metric, i, &a, err) != 0)
        goto out;
    /* The phase's aggregates hold exactly the window unless samples measured
       after the evaluation time are among them: then read the window itself. */
    if (a.count > 0 && a.last_at > to) {
        if (load_window(db, d->num, c->metric, from, to, &window, &n, err) != 0)
            goto out;
        criterion_evaluate(c, window, n, out);
        free(window);
        rc = 0;
        goto out;
    }
    /* p95 is the value count - rank places below the largest. */
    if (c->aggregate == AGG_P95 && a.count > 0 &&
        deploy_runs_kth_largest(db, d->num, c->metric, i, a.count - p95_rank(a.count), &p95, err) !=
            0)
        goto out;
    criterion_judge(c, &a, p95, out);
    rc = 0;
out:
    db_read_end(db, began);
    return rc;
}

int observe_trigger(struct db *db, const struct deployment_row *d, const struct trigger *t,
                    int64_t now_ms, struct trigger_eval *out, struct gh_error *err)
{
    static const char before_sql[] =
        "SELECT at_ms, value FROM deployment_samples INDEXED BY deployment_samples_by_time"
        " WHERE deployment = :d AND metric = :m AND at_ms <= :at ORDER BY at_ms DESC, id DESC"
        " LIMIT 1";
    int64_t start = now_ms - t->for_seconds * 1000;
    struct sample before, *window = NULL;
    int has_before = 0, rc;
    sqlite3_stmt *st;
    size_t n = 0;

    /* The last sample at or before the window's start (for 0 s: at or before now). */
    st = db_query(db, before_sql,
                  BINDS(BIND_INT(":d", d->num), BIND_TEXT(":m", t->metric),
                        BIND_INT(":at", t->for_seconds ? start : now_ms)),
                  err);
    if (st == NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        has_before = 1;
        before.at_ms = sqlite3_column_int64(st, 0);
        before.value = sqlite3_column_double(st, 1);
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    if (t->for_seconds == 0) {
        trigger_judge(t, now_ms, has_before ? &before : NULL, has_before, NULL, out);
        return 0;
    }
    if (load_window(db, d->num, t->metric, start + 1, now_ms, &window, &n, err) != 0)
        return -1;
    trigger_judge(t, now_ms, window, n, has_before ? &before : NULL, out);
    free(window);
    return 0;
}

json_t *metric_series(struct db *db, const struct deployment_row *d, const char *metric,
                      int64_t from, int64_t to, int points, struct gh_error *err)
{
    static const char sql[] =
        "SELECT minute, count, sum, min, max FROM deployment_minutes"
        " WHERE deployment = :d AND metric = :m AND minute BETWEEN :from AND :to ORDER BY minute";
    int64_t first = minute_of(from), last = minute_of(to);
    int64_t span = last - first + 1, width = (span + points - 1) / points;
    struct agg_state bucket = AGG_STATE_INIT;
    int64_t bucket_no = -1;
    json_t *series;
    sqlite3_stmt *st = db_query(db, sql,
                                BINDS(BIND_INT(":d", d->num), BIND_TEXT(":m", metric),
                                      BIND_INT(":from", first), BIND_INT(":to", last)),
                                err);
    int rc;

    if (st == NULL)
        return NULL;
    if (width < 1)
        width = 1;
    series = json_array();
    /* Minutes fold into buckets of width minutes; each bucket is one point. */
    for (;;) {
        int64_t minute = 0, no = -2;
        rc = db_step(db, st, err);
        if (rc == SQLITE_ROW) {
            minute = sqlite3_column_int64(st, 0);
            no = (minute - first) / width;
        }
        if (bucket_no >= 0 && no != bucket_no)
            json_array_append_new(
                series, json_pack("[I, f, f, f]", (json_int_t)((first + bucket_no * width) * 60000),
                                  bucket.sum / (double)bucket.count, bucket.min, bucket.max));
        if (rc != SQLITE_ROW)
            break;
        if (no != bucket_no) {
            bucket = (struct agg_state)AGG_STATE_INIT;
            bucket_no = no;
        }
        struct agg_state m = {sqlite3_column_int64(st, 1),
                              sqlite3_column_double(st, 2),
                              sqlite3_column_double(st, 3),
                              sqlite3_column_double(st, 4),
                              minute,
                              0};
        agg_merge(&bucket, &m);
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(series);
        return NULL;
    }
    return series;
}
