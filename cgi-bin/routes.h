/* The route table's flags and every handler it names. */
#ifndef GH_ROUTES_H
#define GH_ROUTES_H

#include "../core/router.h"

#include "../core/users.h"

/*
 * What the dispatcher checks before a handler runs, in this order:
 * authentication (unless R_PUBLIC), the roles (any one of them; none named
 * means any signed-in user), then CSRF for a cookie-authenticated request
 * that is not GET or HEAD.
 */
enum route_flag {
    R_JSON = 1u << 0,   /* answers JSON: errors use the envelope, not the HTML page */
    R_PUBLIC = 1u << 1, /* needs no authentication */
    R_SIGNED =
        1u << 2, /* a request with webhook-signature skips sign-in: the handler verifies it */
};
/* Route flags requiring one of the enum role bits. */
#define R_ROLE(roles)     ((unsigned)(roles) << 8)
#define R_ROLES_OF(flags) (((flags) >> 8) & ROLES_ALL)

extern const struct route routes[];
extern const size_t nroutes;

/* health.c */
void api_healthz(struct request_ctx *ctx);
void api_readyz(struct request_ctx *ctx);
/* metrics.c */
void api_metrics(struct request_ctx *ctx);
/* openapi.c */
void api_openapi(struct request_ctx *ctx);
/* home.c */
void page_home(struct request_ctx *ctx);
/* login.c */
void page_login(struct request_ctx *ctx);
void page_login_submit(struct request_ctx *ctx);
void page_logout(struct request_ctx *ctx);
/* me.c */
void api_me(struct request_ctx *ctx);
/* ledger.c */
void api_ledger_list(struct request_ctx *ctx);
void api_ledger_verify(struct request_ctx *ctx);
void api_ledger_checkpoint(struct request_ctx *ctx);
void api_ledger_export(struct request_ctx *ctx);
/* ledger_page.c */
void page_ledger(struct request_ctx *ctx);
/* webhooks.c */
void api_webhooks_create(struct request_ctx *ctx);
void api_webhooks_list(struct request_ctx *ctx);
void api_webhooks_get(struct request_ctx *ctx);
void api_webhooks_delete(struct request_ctx *ctx);
void api_webhooks_deliveries(struct request_ctx *ctx);
void api_webhooks_retry(struct request_ctx *ctx);
/* events.c */
void api_events_ingest(struct request_ctx *ctx);
void api_events_search(struct request_ctx *ctx);
/* missions.c */
void api_missions_list(struct request_ctx *ctx);
void api_missions_get(struct request_ctx *ctx);
void api_missions_timeline(struct request_ctx *ctx);
void api_missions_close(struct request_ctx *ctx);
/* missions_page.c */
void page_missions(struct request_ctx *ctx);
void page_mission(struct request_ctx *ctx);
void page_mission_close(struct request_ctx *ctx);
/* streams.c */
void stream_mission(struct request_ctx *ctx);
void stream_approvals(struct request_ctx *ctx);
/* approvals.c */
void api_approvals_create(struct request_ctx *ctx);
void api_approvals_list(struct request_ctx *ctx);
void api_approvals_get(struct request_ctx *ctx);
void api_approvals_vote(struct request_ctx *ctx);
void api_approvals_cancel(struct request_ctx *ctx);
void api_approvals_execution(struct request_ctx *ctx);
void api_approvals_snapshot(struct request_ctx *ctx);
void api_approvals_metrics(struct request_ctx *ctx);
void api_approvals_rollback_result(struct request_ctx *ctx);
/* approvals_page.c */
void page_approvals(struct request_ctx *ctx);
void page_approval(struct request_ctx *ctx);
void page_approval_vote(struct request_ctx *ctx);
void page_approval_cancel(struct request_ctx *ctx);
/* stats.c */
void api_stats(struct request_ctx *ctx);
/* deployments.c */
void api_deployments_create(struct request_ctx *ctx);
void api_deployments_list(struct request_ctx *ctx);
void api_deployments_get(struct request_ctx *ctx);
void api_deployments_metrics(struct request_ctx *ctx);
void api_deployments_evaluate(struct request_ctx *ctx);
void api_deployments_status(struct request_ctx *ctx);
void api_deployments_signoff(struct request_ctx *ctx);
void api_deployments_report(struct request_ctx *ctx);
/* plans.c */
void api_plans_list(struct request_ctx *ctx);
void api_plans_get(struct request_ctx *ctx);
void api_plans_put(struct request_ctx *ctx);
/* deployments_page.c */
void page_deployments(struct request_ctx *ctx);
void page_deployment(struct request_ctx *ctx);
/* report_page.c */
void page_report(struct request_ctx *ctx);
void page_report_signoff(struct request_ctx *ctx);
void page_report_record(struct request_ctx *ctx);
/* freezes.c */
void api_freezes_create(struct request_ctx *ctx);
void api_freezes_list(struct request_ctx *ctx);
void api_freezes_get(struct request_ctx *ctx);
void api_freezes_checks(struct request_ctx *ctx);
void api_freezes_report(struct request_ctx *ctx);
void api_freezes_artifacts(struct request_ctx *ctx);
void api_freezes_violations(struct request_ctx *ctx);
void api_freezes_ack(struct request_ctx *ctx);
void api_freezes_lift(struct request_ctx *ctx);
void api_freeze_status(struct request_ctx *ctx);
/* freezes_page.c */
void page_freezes(struct request_ctx *ctx);
void page_freeze(struct request_ctx *ctx);
void page_freeze_ack(struct request_ctx *ctx);
void page_freeze_lift(struct request_ctx *ctx);
/* status.c */
void api_worker_jobs(struct request_ctx *ctx);
void page_status(struct request_ctx *ctx);
/* users.c */
void api_users_list(struct request_ctx *ctx);

#endif
