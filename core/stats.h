/*
 * Reading the rollups (core/rollups.c writes them): the rows of
 * GET /api/v1/stats, the series the dashboard draws, the totals /metrics
 * exports. Every read is a range of an index of stat_rollups or
 * stat_totals: the cost does not grow with the records behind them.
 */
#ifndef GH_STATS_H
#define GH_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

/* Room for a paging cursor (hex of the last row's key). */
#define STATS_CURSOR_LEN 1024

struct stats_query {
    const char *bucket; /* "hour" or "day" */
    int64_t since_ms;   /* buckets starting at or after */
    int64_t until_ms;   /* buckets starting before */
    const char *metric; /* NULL: every metric */
};

/*
 * A page of rollup rows [{"bucket_start", "metric", "labels": {...},
 * "value"}], by bucket start, then metric, then labels. next receives the
 * next page's cursor ("" at the end). A cursor this API did not give out
 * is GH_INVALID (field "cursor").
 */
json_t *stats_list(struct db *db, const struct stats_query *q, const char *cursor, int limit,
                   char next[STATS_CURSOR_LEN], struct gh_error *err);

/* One point of a series: a bucket, one value of a label (or "" for all), the sum. */
struct stats_point {
    int64_t start_ms;
    char label[64];
    double value;
};

/*
 * Metric's buckets in q's range summed by the value of label key (NULL:
 * summed over all labels), in bucket order: *out (free()) and *n.
 */
int stats_series(struct db *db, const struct stats_query *q, const char *key,
                 struct stats_point **out, size_t *n, struct gh_error *err);

/* Calls fn for each total (metric, labels as JSON text, value), by metric then labels. */
int stats_totals(struct db *db,
                 void (*fn)(void *arg, const char *metric, const char *labels, double value),
                 void *arg, struct gh_error *err);

/*
 * When the aggregate job last finished well (0: never), from the worker's
 * run records, and that run's id (0: never): the rollups change only then.
 */
int stats_fresh(struct db *db, int64_t *ms, int64_t *run, struct gh_error *err);

#endif
