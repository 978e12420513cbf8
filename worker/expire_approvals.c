/*
 * expire-approvals: mark pending requests past their expiry as expired,
 * recording approval.expired for each (event, ledger, webhooks). It runs
 * before deliver-webhooks, so the same worker run tells the subscribers.
 */
#include "../core/approvals.h"
#include "../core/log.h"
#include "jobs.h"

/* Requests expired per transaction: short write locks even after a long outage. */
#define BATCH 100

int job_expire_approvals(struct job_ctx *ctx, struct gh_error *err)
{
    struct actor system = {
        .username = "system", .public_url = ctx->cfg->public_url, .now_ms = ctx->now_ms};
    int count = 0;

    if (approvals_expire(ctx->db, &system, BATCH, &count, err) != 0)
        return -1;
    if (count > BATCH)
        log_info("expire-approvals: %d requests expired", count);
    job_count(ctx, "expired", count);
    buf_printf(ctx->summary, "%d request%s expired", count, count == 1 ? "" : "s");
    return 0;
}
