/*
 * evaluate-gates: for every deployment still watched, evaluate once each
 * phase whose time has arrived (gate.evaluated), and check every rollback
 * trigger at the run's time: a sustained breach sets the deployment
 * rolling_back and records rollback.triggered (event, ledger, webhook).
 * It runs before deliver-webhooks, so the same run tells the executors.
 */
#include "../core/deployments.h"
#include "jobs.h"

int job_evaluate_gates(struct job_ctx *ctx, struct gh_error *err)
{
    struct actor worker = {
        .username = "worker", .public_url = ctx->cfg->public_url, .now_ms = ctx->now_ms};
    int evaluated = 0, fired = 0;

    if (deployments_watch(ctx->db, &worker, &evaluated, &fired, err) != 0)
        return -1;
    job_count(ctx, "gates_evaluated", evaluated);
    job_count(ctx, "triggers_fired", fired);
    buf_printf(ctx->summary, "%d gate%s evaluated, %d rollback trigger%s fired", evaluated,
               evaluated == 1 ? "" : "s", fired, fired == 1 ? "" : "s");
    return 0;
}
