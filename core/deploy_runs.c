/*
 * The sorted runs of each (deployment, metric, phase) in
 * deployment_value_runs (see sorted_runs.h for why runs): storing a
 * batch's run and the merges it sets off, the k-th largest value a p95
 * gate reads, and migration 12, which makes runs of the samples stored
 * before it.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "deploy_store.h"
#include "log.h"
#include "sorted_runs.h"

/* One run read back: its keys as stored (owned) and how many. */
struct loaded {
    unsigned char *keys;
    size_t n;
};

static void free_loaded(struct loaded *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i].keys);
    free(l);
}

/* Store a run of n keys (stored form). */
static int insert_run(struct db *db, int64_t dep, const char *metric, int phase,
                      const unsigned char *keys, size_t n, struct gh_error *err)
{
    static const char sql[] = "INSERT INTO deployment_value_runs (deployment, metric, phase, tier,"
                              " count, keys) VALUES (:d, :m, :p, :tier, :count, :keys)";

    return db_run(db, sql, NULL, err,
                  BINDS(BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":p", phase),
                        BIND_INT(":tier", run_tier((int64_t)n)), BIND_INT(":count", (int64_t)n),
                        BIND_BLOB(":keys", keys, n * RUN_KEY_BYTES)));
}

/* Every run of one tier, whole, in *out (caller frees with free_loaded). */
static int load_tier(struct db *db, int64_t dep, const char *metric, int phase, int tier,
                     struct loaded **out, size_t *nout, struct gh_error *err)
{
    static const char sql[] = "SELECT count, keys FROM deployment_value_runs"
                              " WHERE deployment = :d AND metric = :m AND phase = :p AND tier = :t";
    sqlite3_stmt *st;
    size_t size = 0;
    int rc;

    *out = NULL;
    *nout = 0;
    if ((st = db_query(db, sql,
                       BINDS(BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":p", phase),
                             BIND_INT(":t", tier)),
                       err)) == NULL)
        return -1;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_int64(st, 0);
        const unsigned char *bytes = sqlite3_column_blob(st, 1);
        if ((size_t)sqlite3_column_bytes(st, 1) != n * RUN_KEY_BYTES) {
            rc = gh_fail(err, GH_INTERNAL, "a run of %s holds fewer keys than it says", metric);
            break;
        }
        if (*nout == size) {
            size = size ? size * 2 : RUNS_PER_TIER;
            *out = xreallocarray(*out, size, sizeof(**out));
        }
        (*out)[*nout].keys = xmalloc(n ? n * RUN_KEY_BYTES : 1);
        (*out)[*nout].n = n;
        if (n) /* a blob of no bytes reads as NULL */
            memcpy((*out)[*nout].keys, bytes, n * RUN_KEY_BYTES);
        (*nout)++;
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        free_loaded(*out, *nout);
        *out = NULL;
        *nout = 0;
        return -1;
    }
    return 0;
}

/*
 * When tier holds RUNS_PER_TIER runs or more, merge them into one of a
 * higher tier; *next gets that tier, or -1 when there was nothing to merge.
 */
static int merge_tier(struct db *db, int64_t dep, const char *metric, int phase, int tier,
                      int *next, struct gh_error *err)
{
    /* A tier whose runs together exceed RUN_MAX_KEYS keeps growing instead of merging. */
    static const char due_sql[] = "SELECT count(*) >= :runs AND total(count) <= :max"
                                  " FROM deployment_value_runs"
                                  " WHERE deployment = :d AND metric = :m AND phase = :p"
                                  " AND tier = :t";
    static const char delete_sql[] = "DELETE FROM deployment_value_runs"
                                     " WHERE deployment = :d AND metric = :m AND phase = :p"
                                     " AND tier = :t";
    struct loaded *loaded;
    struct run *runs;
    size_t nloaded, total = 0;
    unsigned char *merged;
    int64_t due;
    int rc;

    *next = -1;
    if (db_int64(db, due_sql, 0, &due, err,
                 BINDS(BIND_INT(":runs", RUNS_PER_TIER), BIND_INT(":max", RUN_MAX_KEYS),
                       BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":p", phase),
                       BIND_INT(":t", tier))) != 0)
        return -1;
    if (!due)
        return 0;
    if (load_tier(db, dep, metric, phase, tier, &loaded, &nloaded, err) != 0)
        return -1;
    runs = xcalloc(nloaded, sizeof(*runs));
    for (size_t i = 0; i < nloaded; i++) {
        runs[i] = (struct run){loaded[i].keys, loaded[i].n};
        total += loaded[i].n;
    }
    merged = xmalloc(total * RUN_KEY_BYTES);
    runs_merge(runs, nloaded, merged);
    free(runs);
    free_loaded(loaded, nloaded);
    rc = db_run(db, delete_sql, NULL, err,
                BINDS(BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":p", phase),
                      BIND_INT(":t", tier)));
    if (rc == 0)
        rc = insert_run(db, dep, metric, phase, merged, total, err);
    free(merged);
    if (rc == 0) {
        *next = run_tier((int64_t)total);
        log_debug("runs of %s: %zu of tier %d merged into one of %zu values", metric, nloaded, tier,
                  total);
    }
    return rc;
}

int deploy_runs_add(struct db *db, int64_t dep, const char *metric, int phase, uint64_t *keys,
                    size_t n, struct gh_error *err)
{
    int tier = run_tier((int64_t)n);
    unsigned char *bytes;
    int rc;

    if (n == 0)
        return 0;
    run_sort(keys, n);
    bytes = xmalloc(n * RUN_KEY_BYTES);
    run_encode(keys, n, bytes);
    rc = insert_run(db, dep, metric, phase, bytes, n, err);
    free(bytes);
    if (rc != 0)
        return -1;
    /* Each merge makes a run of a higher tier, which may complete that tier in turn. */
    while (tier >= 0)
        if (merge_tier(db, dep, metric, phase, tier, &tier, err) != 0)
            return -1;
    return 0;
}

/* The first (up to) want keys of run id, as stored, into out->keys (allocated). */
static int read_prefix(struct db *db, sqlite3_blob **blob, int64_t id, size_t count, size_t want,
                       struct loaded *out, struct gh_error *err)
{
    size_t n = count < want ? count : want;
    int rc;

    rc = *blob ? sqlite3_blob_reopen(*blob, id)
               : sqlite3_blob_open(db->conn, "main", "deployment_value_runs", "keys", id, 0, blob);
    if (rc != SQLITE_OK || (size_t)sqlite3_blob_bytes(*blob) != count * RUN_KEY_BYTES) {
        log_error("reading run %lld of deployment_value_runs: %s", (long long)id,
                  sqlite3_errmsg(db->conn));
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    out->keys = xmalloc(n ? n * RUN_KEY_BYTES : 1);
    out->n = n;
    rc = sqlite3_blob_read(*blob, out->keys, (int)(n * RUN_KEY_BYTES), 0);
    if (rc != SQLITE_OK) {
        log_error("reading run %lld of deployment_value_runs: %s", (long long)id,
                  sqlite3_errmsg(db->conn));
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    return 0;
}

int deploy_runs_kth_largest(struct db *db, int64_t dep, const char *metric, int phase, int64_t k,
                            double *out, struct gh_error *err)
{
    static const char sql[] = "SELECT id, count FROM deployment_value_runs"
                              " WHERE deployment = :d AND metric = :m AND phase = :p";
    sqlite3_stmt *st;
    sqlite3_blob *blob = NULL;
    struct loaded *loaded = NULL;
    struct run *runs = NULL;
    size_t nloaded = 0, size = 0;
    uint64_t key;
    int rc;

    if ((st = db_query(db, sql,
                       BINDS(BIND_INT(":d", dep), BIND_TEXT(":m", metric), BIND_INT(":p", phase)),
                       err)) == NULL)
        return -1;
    /* Only the first k + 1 keys of a run can be the k-th largest of them all. */
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        if (nloaded == size) {
            size = size ? size * 2 : 16;
            loaded = xreallocarray(loaded, size, sizeof(*loaded));
        }
        if (read_prefix(db, &blob, sqlite3_column_int64(st, 0), (size_t)sqlite3_column_int64(st, 1),
                        (size_t)k + 1, &loaded[nloaded], err) != 0)
            break;
        nloaded++;
    }
    db_reset(st);
    sqlite3_blob_close(blob);
    if (rc == SQLITE_DONE) {
        runs = xcalloc(nloaded ? nloaded : 1, sizeof(*runs));
        for (size_t i = 0; i < nloaded; i++)
            runs[i] = (struct run){loaded[i].keys, loaded[i].n};
        if (runs_kth_largest(runs, nloaded, k, &key) == 0)
            *out = run_value(key);
        else
            rc =
                gh_fail(err, GH_INTERNAL, "the aggregates of %s disagree with its samples", metric);
    }
    free(runs);
    free_loaded(loaded, nloaded);
    return rc == SQLITE_DONE ? 0 : -1;
}

int deploy_runs_fill(struct db *db, struct gh_error *err)
{
    /* The value index read backwards: each (deployment, metric, phase) largest first. */
    static const char sql[] = "SELECT deployment, metric, phase, value FROM deployment_samples"
                              " INDEXED BY deployment_samples_by_value"
                              " ORDER BY deployment DESC, metric DESC, phase DESC, value DESC";
    sqlite3_stmt *st = db_query(db, sql, NULL, err);
    uint64_t *keys;
    int64_t dep = 0, total = 0;
    char *metric = NULL;
    size_t n = 0;
    int phase = 0, rc = SQLITE_DONE;

    if (st == NULL)
        return -1;
    keys = xmalloc(RUN_MAX_KEYS * sizeof(*keys));
    for (;;) {
        int row = (rc = db_step(db, st, err)) == SQLITE_ROW;
        int same = row && n > 0 && sqlite3_column_int64(st, 0) == dep &&
                   sqlite3_column_int(st, 2) == phase &&
                   strcmp((const char *)sqlite3_column_text(st, 1), metric) == 0;
        /* A group ends at the next one, at the end, or when it fills a run. */
        if (n > 0 && (!same || n == RUN_MAX_KEYS)) {
            if (deploy_runs_add(db, dep, metric, phase, keys, n, err) != 0) {
                rc = -1;
                break;
            }
            total += (int64_t)n;
            n = 0;
        }
        if (!row)
            break;
        if (n == 0) {
            free(metric);
            dep = sqlite3_column_int64(st, 0);
            metric = xstrdup((const char *)sqlite3_column_text(st, 1));
            phase = sqlite3_column_int(st, 2);
        }
        keys[n++] = run_key(sqlite3_column_double(st, 3));
        if (total + (int64_t)n > 0 && (total + (int64_t)n) % 1000000 == 0)
            log_info("migration 12: %lld samples made into sorted runs", (long long)(total + n));
    }
    db_reset(st);
    free(metric);
    free(keys);
    if (rc != SQLITE_DONE)
        return -1;
    log_info("migration 12: %lld samples made into sorted runs", (long long)total);
    return 0;
}
