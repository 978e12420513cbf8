/* Every job the worker knows, on one screen. */
#include "jobs.h"

#include <string.h>

/* One job a line: the formatter would pack them two to a line. */
/* clang-format off */
const struct job jobs[] = {
    /* name              period  function */
    {"expire-approvals", 0,      job_expire_approvals}, /* first: the same run tells subscribers */
    {"evaluate-gates",   0,      job_evaluate_gates},   /* every run: triggers are checked each time */
    {"deliver-webhooks", 0,      job_deliver_webhooks},
    {"sign-checkpoint",  60,     job_sign_checkpoint},
    {"verify-ledger",    3600,   job_verify_ledger},
    {"prune",            60,     job_prune},
    {"checkpoint-wal",   60,     job_checkpoint_wal},
};
/* clang-format on */

const size_t njobs = sizeof(jobs) / sizeof(jobs[0]);

const struct job *job_find(const char *name)
{
    for (size_t i = 0; i < njobs; i++)
        if (strcmp(jobs[i].name, name) == 0)
            return &jobs[i];
    return NULL;
}
