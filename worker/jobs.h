/*
 * The worker's jobs: one table of name, period and function. A job does a
 * bounded piece of work and reports what it did in one line.
 */
#ifndef GH_JOBS_H
#define GH_JOBS_H

#include <stdint.h>

#include "../core/buf.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/error.h"

/* What a job gets. */
struct job_ctx {
    const struct config *cfg; /* configuration */
    struct db *db;            /* the worker's connection */
    int64_t now_ms;           /* the time the job acts at (--now, else the clock) */
    int forced;               /* asked for by name (run --job), not merely due */
    struct buf *summary;      /* one line saying what the job did */
};

struct job {
    const char *name;   /* what `run --job NAME` and the logs call it */
    int period_seconds; /* how often it wants to run */
    int (*run)(struct job_ctx *ctx, struct gh_error *err);
    int (*period)(const struct config *cfg); /* when set, the period comes from the configuration */
};

extern const struct job jobs[];
extern const size_t njobs;

const struct job *job_find(const char *name);
/* How often job wants to run, in seconds, under cfg. */
int job_period(const struct job *job, const struct config *cfg);

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
int verify_freezes_period(const struct config *cfg);
/* ledger_jobs.c */
int job_verify_ledger(struct job_ctx *ctx, struct gh_error *err);
int job_sign_checkpoint(struct job_ctx *ctx, struct gh_error *err);
/* prune.c */
int job_prune(struct job_ctx *ctx, struct gh_error *err);

#endif
