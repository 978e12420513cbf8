/*
 * prune: forget what has expired — browser sessions past their idle or
 * absolute limit, webhook deliveries delivered more than
 * prune_deliveries_days ago, and idempotency keys older than a day.
 * Ledger entries are never pruned.
 */
#include "../core/approvals.h"
#include "../core/outbox.h"
#include "../core/sessions.h"
#include "jobs.h"

int job_prune(struct job_ctx *ctx, struct gh_error *err)
{
    int sessions = 0, deliveries = 0, keys = 0;

    if (sessions_prune(ctx->db, ctx->now_ms, ctx->cfg->session_idle_seconds,
                       ctx->cfg->session_max_seconds, &sessions, err) != 0 ||
        deliveries_prune(ctx->db, ctx->now_ms - (int64_t)ctx->cfg->prune_deliveries_days * 86400000,
                         &deliveries, err) != 0 ||
        idempotency_prune(ctx->db, ctx->now_ms - IDEMPOTENCY_KEEP_MS, &keys, err) != 0)
        return -1;
    job_count(ctx, "sessions", sessions);
    job_count(ctx, "deliveries", deliveries);
    job_count(ctx, "idempotency_keys", keys);
    buf_printf(ctx->summary,
               "%d expired session%s, %d old deliver%s and %d idempotency key%s removed", sessions,
               sessions == 1 ? "" : "s", deliveries, deliveries == 1 ? "y" : "ies", keys,
               keys == 1 ? "" : "s");
    return 0;
}
