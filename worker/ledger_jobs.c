/*
 * verify-ledger: walk the whole chain and its checkpoints; a broken chain
 * fails the job (and the run's exit status) naming the first bad entry.
 * sign-checkpoint: sign the chain head with the ledger key, after checking
 * the chain (an inconsistent chain is never signed).
 */
#include <stdio.h>

#include "../core/ledger.h"
#include "../core/log.h"
#include "jobs.h"

static void progress(int64_t done)
{
    log_info("verify-ledger: %lld entries checked", (long long)done);
}

int job_verify_ledger(struct job_ctx *ctx, struct gh_error *err)
{
    struct ledger_check c;

    if (ledger_verify(ctx->db, &c, progress, err) != 0)
        return -1;
    if (!c.ok)
        return gh_fail(err, GH_CONFLICT, "the ledger is broken at seq %lld: %s",
                       (long long)c.first_bad, c.problem);
    job_count(ctx, "entries", c.entries);
    buf_printf(ctx->summary, "%lld entries, chain intact", (long long)c.entries);
    return 0;
}

int job_sign_checkpoint(struct job_ctx *ctx, struct gh_error *err)
{
    struct signkey key;
    int64_t seq = 0;
    int rc;

    if (signkey_load(ctx->cfg->signing_key, &key, err) != 0)
        return -1;
    rc = ledger_checkpoint(ctx->db, &key, ctx->cfg->ledger_origin, &seq, err);
    signkey_wipe(&key);
    if (rc != 0)
        return -1;
    job_count(ctx, "signed_seq", seq);
    if (seq)
        buf_printf(ctx->summary, "head at seq %lld signed", (long long)seq);
    else
        buf_puts(ctx->summary, "the ledger is empty: nothing to sign");
    return 0;
}
