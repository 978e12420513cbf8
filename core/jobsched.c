/* The worker's schedule (see jobsched.h). */
#include "jobsched.h"

#include <string.h>

static int freeze_verify_period(const struct config *cfg)
{
    return cfg->freeze_verify_seconds;
}

/* One job a line, in the order a run takes them. */
/* clang-format off */
const struct job_schedule job_schedule[] = {
    /* name              period  period from the configuration */
    /* Before deliveries, so that the same run tells the subscribers: */
    {"expire-approvals", 0,      NULL},
    {"break-glass",      0,      NULL},
    {"evaluate-gates",   0,      NULL}, /* every run: triggers each time */
    {"verify-actions",   0,      NULL}, /* contracts past their deadline */
    {"verify-freezes",   900,    freeze_verify_period},
    /* After the jobs above have spoken, before deliveries tell of silences: */
    {"watch-sources",    0,      NULL},
    {"deliver-webhooks", 0,      NULL},
    {"aggregate",        0,      NULL}, /* the hours whose records changed since the last run */
    {"sign-checkpoint",  60,     NULL},
    /* After signing, so that a head this run signs is not taken for a stale one: */
    {"watch-ledger",     0,      NULL},
    {"verify-ledger",    3600,   NULL},
    {"prune",            60,     NULL},
    {"checkpoint-wal",   60,     NULL},
};
/* clang-format on */

const size_t njob_schedule = sizeof(job_schedule) / sizeof(job_schedule[0]);

const struct job_schedule *job_schedule_find(const char *name)
{
    for (size_t i = 0; name && i < njob_schedule; i++)
        if (strcmp(job_schedule[i].name, name) == 0)
            return &job_schedule[i];
    return NULL;
}

int job_schedule_period(const struct job_schedule *job, const struct config *cfg)
{
    return job->period ? job->period(cfg) : job->period_seconds;
}

int job_expected_seconds(const struct job_schedule *job, const struct config *cfg)
{
    int period = job_schedule_period(job, cfg);

    return period > 0 ? period : JOB_EVERY_RUN_SECONDS;
}

int job_is_stale(int64_t last_success_ms, int expected_s, int64_t now_ms)
{
    return last_success_ms <= 0 ||
           now_ms - last_success_ms > (int64_t)JOB_STALE_PERIODS * expected_s * 1000;
}
