/* The rollups of the aggregate job, as the API shows them (core/stats.c reads them). */
#include <string.h>

#include "../core/rollups.h"
#include "../core/stats.h"
#include "../core/timeutil.h"
#include "reply.h"

#define HOUR_MS 3600000LL
#define DAY_MS  (24 * HOUR_MS)

/*
 * GET /api/v1/stats?bucket=hour|day&since=&until=&metric= — any signed-in user.
 * Buckets starting in [since, until): until defaults to the end of the
 * current bucket, since to 7 days (hours) or 90 days (days) before it.
 * Rows [{"bucket_start", "metric", "labels", "value"}] by bucket, metric,
 * labels; a bucket with nothing to count has no row. Paged like every list.
 */
void api_stats(struct request_ctx *ctx)
{
    const char *bucket = http_param(ctx->req, "bucket"), *metric = http_param(ctx->req, "metric");
    struct field_errors e = FIELD_ERRORS_INIT;
    char next[STATS_CURSOR_LEN];
    struct stats_query q = {0};
    int64_t now = time_now_ms(), size;
    struct gh_error err;
    long long limit;
    struct db *db;
    json_t *rows;

    if (bucket == NULL || *bucket == '\0')
        bucket = "hour";
    if (strcmp(bucket, "hour") != 0 && strcmp(bucket, "day") != 0)
        field_error(&e, "bucket", "must be hour or day");
    if (metric && *metric == '\0')
        metric = NULL;
    if (metric && rollup_metric_find(metric) == NULL)
        field_error(&e, "metric",
                    "is not a metric the rollups hold (see GET /api/v1/openapi.json)");
    size = strcmp(bucket, "day") == 0 ? DAY_MS : HOUR_MS;
    param_time(ctx, "until", now - now % size + size, &q.until_ms, &e);
    param_time(ctx, "since", q.until_ms - (size == DAY_MS ? 90 : 7) * DAY_MS, &q.since_ms, &e);
    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (e.count == 0 && q.since_ms >= q.until_ms)
        field_error(&e, "since", "must be before until");
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    q.bucket = bucket;
    q.metric = metric;
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (rows = stats_list(db, &q, http_param(ctx->req, "cursor"), (int)limit, next, &err)) ==
            NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_list(ctx, rows, next[0] ? next : NULL);
}
