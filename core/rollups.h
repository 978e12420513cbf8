/*
 * Rollups: what the dashboard, GET /api/v1/stats and /metrics read instead
 * of raw records. The worker's aggregate job turns records into counts per
 * hour and per day (UTC) — approvals filed and decided by tier, time to
 * decision, events by type family, missions, freeze violations, gate
 * evaluations, rollbacks, contract verifications, webhook deliveries.
 *
 * Which hours to compute comes from the database itself: triggers
 * (migration 10) mark the hour a record lands in, in the writer's own
 * transaction, per family of sources; events, appended only and the
 * busiest writes, are marked by the job from the seq it last read
 * instead, so ingestion pays for no trigger. The job recomputes each marked hour
 * of that family from its records and replaces its rows, then the days
 * those hours belong to — so a rerun never double counts, and an event
 * that arrives late lands in the hour it happened. The first run marks
 * every hour that has a record: the backfill.
 */
#ifndef GH_ROLLUPS_H
#define GH_ROLLUPS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

/* What a run did, for its summary line and its progress log. */
struct rollup_progress {
    int backfill;    /* this run marked every hour with records (the first run) */
    int hours_total; /* marks found when the run began */
    int hours_done;  /* (hour, family) marks recomputed */
    int days_done;   /* (day, family) pairs recomputed */
};

/* Called after every chunk (between transactions) while a run works. */
typedef void (*rollup_progress_fn)(const struct rollup_progress *p);

/*
 * Recompute every marked hour and its day, chunk marks per write
 * transaction (short locks even for a backfill), calling progress after
 * each chunk. The first run on a database (no backfill recorded) marks all
 * hours with records first.
 */
int rollups_run(struct db *db, int chunk, rollup_progress_fn progress, struct rollup_progress *out,
                struct gh_error *err);

/* A metric the rollups hold. */
struct rollup_metric {
    const char *name;   /* e.g. "approvals_decided" */
    const char *labels; /* its label names, comma-separated, "" for none */
    const char *help;   /* one line: what it counts */
    int summable;       /* a count (day = sum of hours, kept in totals), else a percentile */
    const char *family; /* the sources it is computed from (stat_dirty.family) */
};

extern const struct rollup_metric rollup_metrics[];
extern const size_t nrollup_metrics;

/* The metric named name, or NULL. */
const struct rollup_metric *rollup_metric_find(const char *name);

#endif
