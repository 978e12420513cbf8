/*
 * The worker's jobs: each name of the schedule (core/jobsched.c: names,
 * periods and the order of a run, shared with gatehouse.fcgi) with its
 * function. A job does a bounded piece of work and reports what it did in
 * one line, and its numbers as counts for the log.
 */
#ifndef GH_JOBS_H
#define GH_JOBS_H

#include <stdint.h>

#include "../core/buf.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/error.h"
#include "../core/jobsched.h"
#include "../core/json.h"

/* What a job gets. */
struct job_ctx {
    const struct config *cfg; /* configuration */
    struct db *db;            /* the worker's connection */
    int64_t now_ms;           /* the time the job acts at (--now, else the clock) */
    int forced;               /* asked for by name (run --job), not merely due */
    struct buf *summary;      /* one line saying what the job did */
    json_t *counts;           /* its numbers by name, for the run's log line (job_count) */
};

struct job {
    const char *name; /* a name of the schedule */
    int (*run)(struct job_ctx *ctx, struct gh_error *err);
};

/* The function of the scheduled job called name, or NULL. */
const struct job *job_find(const char *name);
/*
 * At start-up: every job of the schedule has a function and every
 * function a place in the schedule; fatal() otherwise (a build mistake).
 */
void jobs_check(void);
/* Record one of the job's numbers ("expired": 3) for its log line. */
void job_count(struct job_ctx *ctx, const char *name, long long n);

/* aggregate.c */
int job_aggregate(struct job_ctx *ctx, struct gh_error *err);
/* checkpoint_wal.c */
int job_checkpoint_wal(struct job_ctx *ctx, struct gh_error *err);
/* deliver_webhooks.c */
int job_deliver_webhooks(struct job_ctx *ctx, struct gh_error *err);
/* evaluate_gates.c */
int job_evaluate_gates(struct job_ctx *ctx, struct gh_error *err);
/* verify_actions.c */
int job_verify_actions(struct job_ctx *ctx, struct gh_error *err);
/* expire_approvals.c */
int job_expire_approvals(struct job_ctx *ctx, struct gh_error *err);
/* release_break_glass.c */
int job_break_glass(struct job_ctx *ctx, struct gh_error *err);
/* verify_freezes.c */
int job_verify_freezes(struct job_ctx *ctx, struct gh_error *err);
/* ledger_jobs.c */
int job_verify_ledger(struct job_ctx *ctx, struct gh_error *err);
int job_sign_checkpoint(struct job_ctx *ctx, struct gh_error *err);
/* watch.c */
int job_watch_sources(struct job_ctx *ctx, struct gh_error *err);
int job_watch_ledger(struct job_ctx *ctx, struct gh_error *err);
/* prune.c */
int job_prune(struct job_ctx *ctx, struct gh_error *err);

#endif
