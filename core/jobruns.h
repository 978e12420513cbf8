/*
 * The worker's bookkeeping in the database: a lease per job, so that two
 * workers started together never run the same job at once (a crashed
 * holder's lease simply lapses), and a record of every run (start, end,
 * outcome, summary, error).
 */
#ifndef GH_JOBRUNS_H
#define GH_JOBRUNS_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "jobsched.h"

/* 1 when holder now holds job's lease until now + ttl_ms, 0 when another holds it, -1 on error. */
int lease_take(struct db *db, const char *job, const char *holder, int64_t now_ms, int64_t ttl_ms,
               struct gh_error *err);
/* Give the lease back (only if holder still has it). */
int lease_release(struct db *db, const char *job, const char *holder, struct gh_error *err);
/* Whether job is due: no successful run started within period_s before now. */
int job_due(struct db *db, const char *job, int64_t now_ms, int period_s, int *due,
            struct gh_error *err);
/* Record a run's start; *id identifies it for run_end(). */
int run_start(struct db *db, const char *job, int64_t now_ms, int64_t *id, struct gh_error *err);
/*
 * Record its end at ended_ms (the clock the job acted on: the worker's
 * --now plus the time the run took): ok (1) or failed (0), with the
 * summary or the error.
 */
int run_end(struct db *db, int64_t id, int ok, const char *summary, const char *error,
            int64_t ended_ms, struct gh_error *err);

/* What the records say about one job, for /status, the API and /metrics. */
struct job_status {
    const char *name;         /* the schedule's name */
    int period_seconds;       /* as scheduled; 0: at every run */
    int expected_seconds;     /* the period, or JOB_EVERY_RUN_SECONDS for every-run jobs */
    int64_t last_started_ms;  /* the latest run's start (it may still run); 0: never ran */
    int64_t last_finished_ms; /* the end of the latest finished run; 0: none */
    int last_outcome;         /* of that run: 1 ok, 0 failed, -1 none */
    char *last_error;         /* its error when it failed, else NULL */
    char *last_summary;       /* its summary when it succeeded, else NULL */
    int64_t last_success_ms;  /* the end of the latest successful run; 0: never */
    int64_t next_due_ms;      /* when its period has passed since that run began; 0: next run */
    char *lease_holder;       /* who holds its lease now, or NULL */
    int running;              /* the latest run has not ended and its lease is held */
    int stale;                /* no success within JOB_STALE_PERIODS expected periods */
};

/* Read job's status as of now_ms; free it with job_status_free(). */
int job_status_read(struct db *db, const struct job_schedule *job, const struct config *cfg,
                    int64_t now_ms, struct job_status *out, struct gh_error *err);
void job_status_free(struct job_status *st);
/*
 * The API's job object: name, period_seconds (every-run jobs: 60, with
 * every_run true), last_started_at, last_finished_at, last_outcome
 * ("ok"|"failed"|null), last_error, next_due_at, lease_holder, stale, and
 * besides API.md's list last_success_at, last_summary, running, every_run.
 */
json_t *job_status_json(const struct job_status *st);

#endif
