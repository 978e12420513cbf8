/*
 * The worker's schedule: every job's name and how often it wants to run,
 * in the order a run takes them. The worker (worker/jobs.c) gives each
 * name its function; gatehouse.fcgi reads the same table to show the jobs
 * (/status, /api/v1/worker/jobs, /metrics) without depending on worker/.
 *
 * A job with period 0 runs at every run of the worker, which cron starts
 * every minute: its expected cadence is JOB_EVERY_RUN_SECONDS. A job is
 * stale when it has not finished a run successfully within three
 * expected periods (job_is_stale), and the same rule makes a job a silent
 * source (core/silence.c).
 */
#ifndef GH_JOBSCHED_H
#define GH_JOBSCHED_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* The cadence of an every-run job: cron's minute. */
#define JOB_EVERY_RUN_SECONDS 60
/* A job that has not succeeded within this many expected periods is stale. */
#define JOB_STALE_PERIODS 3

struct job_schedule {
    const char *name;   /* what `run --job NAME`, the logs and the pages call it */
    int period_seconds; /* how often it wants to run; 0: at every run */
    int (*period)(const struct config *cfg); /* when set, the period comes from the configuration */
};

extern const struct job_schedule job_schedule[];
extern const size_t njob_schedule;

/* The job called name, or NULL. */
const struct job_schedule *job_schedule_find(const char *name);
/* How often job wants to run under cfg, in seconds; 0: at every run. */
int job_schedule_period(const struct job_schedule *job, const struct config *cfg);
/* How often it is expected to run: its period, or JOB_EVERY_RUN_SECONDS for every-run jobs. */
int job_expected_seconds(const struct job_schedule *job, const struct config *cfg);
/*
 * Whether a job expected every expected_s seconds whose last success ended
 * at last_success_ms (0: never) is stale at now_ms: no success within
 * JOB_STALE_PERIODS periods.
 */
int job_is_stale(int64_t last_success_ms, int expected_s, int64_t now_ms);

#endif
