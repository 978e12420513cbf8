/*
 * break-glass: keep pending approval requests in line with the freeze
 * windows (approvals_sync_break_glass). While a window is in effect,
 * pending tier 2/3 requests need an executive's break-glass vote; once
 * none is (a freeze lifted, a window ended), they no longer do, and those
 * whose votes already suffice are granted by the system. A vote does the
 * same for its own request; this job does it for the ones nobody votes
 * on. It runs before deliver-webhooks, so the same run tells subscribers
 * of the grants.
 */
#include "../core/approvals.h"
#include "jobs.h"

/* Requests re-evaluated per transaction: short write locks. */
#define BATCH 100

int job_break_glass(struct job_ctx *ctx, struct gh_error *err)
{
    struct actor system = {
        .username = "system", .public_url = ctx->cfg->public_url, .now_ms = ctx->now_ms};
    int changed = 0, granted = 0;

    if (approvals_sync_break_glass(ctx->db, &system, BATCH, &changed, &granted, err) != 0)
        return -1;
    job_count(ctx, "re_evaluated", changed);
    job_count(ctx, "granted", granted);
    buf_printf(ctx->summary, "%d request%s re-evaluated, %d granted", changed,
               changed == 1 ? "" : "s", granted);
    return 0;
}
