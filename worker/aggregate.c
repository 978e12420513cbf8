/*
 * aggregate: the rollups the dashboard, /api/v1/stats and /metrics read
 * (core/rollups.c). Every run recomputes the hours whose records changed
 * since the last, with their days; the first run on a database backfills
 * from the first record, logging its progress.
 */
#include "../core/log.h"
#include "../core/rollups.h"
#include "jobs.h"

/* Hour marks per write transaction: a backfill holds the write lock briefly at a time. */
#define CHUNK 200

static void progress(const struct rollup_progress *p)
{
    if (p->backfill || p->hours_total > CHUNK)
        log_info("aggregate: %d of %d hours recomputed (%d days)", p->hours_done, p->hours_total,
                 p->days_done);
}

int job_aggregate(struct job_ctx *ctx, struct gh_error *err)
{
    struct rollup_progress p;

    if (rollups_run(ctx->db, CHUNK, progress, &p, err) != 0)
        return -1;
    buf_printf(ctx->summary, "%s%d hour%s and %d day%s recomputed", p.backfill ? "backfill: " : "",
               p.hours_done, p.hours_done == 1 ? "" : "s", p.days_done,
               p.days_done == 1 ? "" : "s");
    return 0;
}
