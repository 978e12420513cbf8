/* Every job the worker knows, with its function (the schedule is core/jobsched.c). */
#include "jobs.h"

#include <string.h>

#include "../core/log.h"

/* clang-format off */
static const struct job jobs[] = {
    {"expire-approvals", job_expire_approvals},
    {"break-glass",      job_break_glass},
    {"evaluate-gates",   job_evaluate_gates},
    {"verify-actions",   job_verify_actions},
    {"verify-freezes",   job_verify_freezes},
    {"watch-sources",    job_watch_sources},
    {"deliver-webhooks", job_deliver_webhooks},
    {"aggregate",        job_aggregate},
    {"sign-checkpoint",  job_sign_checkpoint},
    {"watch-ledger",     job_watch_ledger},
    {"verify-ledger",    job_verify_ledger},
    {"prune",            job_prune},
    {"checkpoint-wal",   job_checkpoint_wal},
};
/* clang-format on */

#define NJOBS (sizeof(jobs) / sizeof(jobs[0]))

const struct job *job_find(const char *name)
{
    for (size_t i = 0; name && i < NJOBS; i++)
        if (strcmp(jobs[i].name, name) == 0)
            return &jobs[i];
    return NULL;
}

void jobs_check(void)
{
    for (size_t i = 0; i < njob_schedule; i++)
        if (job_find(job_schedule[i].name) == NULL)
            fatal("the scheduled job %s has no function in worker/jobs.c", job_schedule[i].name);
    for (size_t i = 0; i < NJOBS; i++)
        if (job_schedule_find(jobs[i].name) == NULL)
            fatal("the job %s is not in the schedule (core/jobsched.c)", jobs[i].name);
}

void job_count(struct job_ctx *ctx, const char *name, long long n)
{
    if (ctx->counts)
        json_object_set_new(ctx->counts, name, json_integer((json_int_t)n));
}
