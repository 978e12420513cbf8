/*
 * verify-actions: every verified action whose window closed with its
 * contract still pending is judged for the last time: a criterion that
 * never saw a sample makes it unverifiable (action.unverifiable). It runs
 * before deliver-webhooks, so the same run tells the subscribers.
 */
#include "../core/verified_actions.h"
#include "../core/log.h"
#include "jobs.h"

/* Verifications judged per transaction: short write locks even after a long outage. */
#define BATCH 100

int job_verify_actions(struct job_ctx *ctx, struct gh_error *err)
{
    struct actor worker = {
        .username = "worker", .public_url = ctx->cfg->public_url, .now_ms = ctx->now_ms};
    int count = 0;

    if (contracts_expire(ctx->db, &worker, BATCH, &count, err) != 0)
        return -1;
    if (count > BATCH)
        log_info("verify-actions: %d verifications closed", count);
    job_count(ctx, "unverifiable", count);
    buf_printf(ctx->summary, "%d verification%s closed at the deadline", count,
               count == 1 ? "" : "s");
    return 0;
}
