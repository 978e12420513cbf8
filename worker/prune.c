/*
 * prune: forget what has expired — browser sessions past their idle or
 * absolute limit. (Ledger entries are never pruned.)
 */
#include "../core/sessions.h"
#include "jobs.h"

int job_prune(struct job_ctx *ctx, struct gh_error *err)
{
    int sessions = 0;

    if (sessions_prune(ctx->db, ctx->now_ms, ctx->cfg->session_idle_seconds,
                       ctx->cfg->session_max_seconds, &sessions, err) != 0)
        return -1;
    buf_printf(ctx->summary, "%d expired session%s removed", sessions, sessions == 1 ? "" : "s");
    return 0;
}
