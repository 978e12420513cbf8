/* Every job the worker knows, on one screen. */
#include "jobs.h"

#include <string.h>

/* One job a line, in the order a run takes them. */
/* clang-format off */
const struct job jobs[] = {
    /* name              period  function             period from the configuration */
    /* Before deliveries, so that the same run tells the subscribers: */
    {"expire-approvals", 0,      job_expire_approvals, NULL},
    {"break-glass",      0,      job_break_glass,      NULL},
    {"evaluate-gates",   0,      job_evaluate_gates,   NULL}, /* every run: triggers each time */
    {"verify-actions",   0,      job_verify_actions,   NULL}, /* contracts past their deadline */
    {"verify-freezes",   900,    job_verify_freezes,   verify_freezes_period},
    {"deliver-webhooks", 0,      job_deliver_webhooks, NULL},
    {"aggregate",        0,      job_aggregate,        NULL}, /* hours changed since the last run */
    {"sign-checkpoint",  60,     job_sign_checkpoint,  NULL},
    {"verify-ledger",    3600,   job_verify_ledger,    NULL},
    {"prune",            60,     job_prune,            NULL},
    {"checkpoint-wal",   60,     job_checkpoint_wal,   NULL},
};
/* clang-format on */

const size_t njobs = sizeof(jobs) / sizeof(jobs[0]);

int job_period(const struct job *job, const struct config *cfg)
{
    return job->period ? job->period(cfg) : job->period_seconds;
}

const struct job *job_find(const char *name)
{
    for (size_t i = 0; i < njobs; i++)
        if (strcmp(jobs[i].name, name) == 0)
            return &jobs[i];
    return NULL;
}
