/*
 * Staged deployments, as the API shows them: filing, metric samples, gate
 * evaluations, the executor's status reports, executive sign-off and the
 * decision report (the rules are in core/deploy_rules.c, the judging in
 * core/criteria.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/deployments.h"
#include "../core/timeutil.h"
#include "reply.h"

/*
 * POST /api/v1/deployments — requester.
 * Body: {"id", "name", "plan", "started_at" (default now), "mission_id"
 * (default: the id)}. 201 with the deployment; the same id with the same
 * content again 200; with other content 409 conflict; an unknown plan is
 * a validation_failed on "plan".
 */
void api_deployments_create(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    struct actor who = ctx_actor(ctx);
    struct deployment_input in;
    json_t *body = request_json_body(ctx), *d;
    struct gh_error err;
    struct db *db;
    int created;

    if (body == NULL)
        return;
    if (deployment_parse(body, who.now_ms, &in, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        deployment_create(db, &who, &in, &d, &created, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, created ? 201 : 200, d);
out:
    field_errors_free(&e);
    json_decref(body);
}

/*
 * GET /api/v1/deployments — any signed-in user.
 * Parameters: status, cursor, limit (1..200, default 50). Newest first, as
 * summaries with the current phase and the latest gate result.
 */
void api_deployments_list(struct request_ctx *ctx)
{
    const char *status = http_param(ctx->req, "status");
    struct field_errors e = FIELD_ERRORS_INIT;
    char next[DEPLOYMENT_CURSOR_LEN];
    enum deploy_status s;
    struct gh_error err;
    long long limit;
    struct db *db;
    json_t *list;

    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (status && *status == '\0')
        status = NULL;
    if (status && deploy_status_parse(status, &s) != 0)
        field_error(&e, "status",
                    "must be in_progress, held, rolling_back, rolled_back, approved or rejected");
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (list = deployments_list(db, status, http_param(ctx->req, "cursor"), (int)limit,
                                 time_now_ms(), next, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_list(ctx, list, next[0] ? next : NULL);
}

/* GET /api/v1/deployments/{id} — any signed-in user. With its plan, phases and latest decisions. */
void api_deployments_get(struct request_ctx *ctx)
{
    const char *id = path_client_id(ctx, "id", "deployment");
    struct gh_error err;
    struct db *db;
    json_t *d;

    if (id == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (d = deployment_get(db, id, time_now_ms(), &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, d);
}

/*
 * POST /api/v1/deployments/{id}/metrics — requester.
 * Body: {"samples": [{"name", "value", "at"}]}, 1..5000 samples, stored
 * all or none. 202 with {"deployment_id", "accepted"}.
 */
void api_deployments_metrics(struct request_ctx *ctx)
{
    const char *id = path_client_id(ctx, "id", "deployment");
    struct field_errors e = FIELD_ERRORS_INIT;
    struct actor who = ctx_actor(ctx);
    struct sample_in *samples = NULL;
    struct gh_error err;
    struct db *db;
    json_t *body;
    size_t n;

    if (id == NULL || (body = request_json_body(ctx)) == NULL)
        return;
    if (samples_parse(body, who.now_ms, &samples, &n, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        deployment_ingest(db, &who, id, samples, n, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 202, json_pack("{s:s, s:I}", "deployment_id", id, "accepted", (json_int_t)n));
out:
    free(samples);
    field_errors_free(&e);
    json_decref(body);
}

/*
 * POST /api/v1/deployments/{id}/evaluate — requester.
 * Body (optional): {"phase": "t8h"}; without it, the current phase. 200
 * with the Decision, recorded (gate.evaluated). A phase that has not begun
 * is 409 conflict; an unknown one validation_failed on "phase".
 */
void api_deployments_evaluate(struct request_ctx *ctx)
{
    static const char *const fields[] = {"phase", NULL};
    const char *id = path_client_id(ctx, "id", "deployment"), *phase = NULL;
    struct field_errors e = FIELD_ERRORS_INIT;
    struct actor who = ctx_actor(ctx);
    json_t *body = NULL, *decision;
    struct gh_error err;
    struct db *db;

    if (id == NULL)
        return;
    if (ctx->req->content_length > 0 && (body = request_json_body(ctx)) == NULL)
        return;
    if (body) {
        json_reject_unknown(body, fields, &e);
        json_get_string(body, "phase", 0, 1, 64, &phase, &e);
    }
    if (e.count) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        gate_evaluate(db, &who, id, phase, 0, &decision, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, decision);
out:
    field_errors_free(&e);
    json_decref(body);
}

/*
 * POST /api/v1/deployments/{id}/status — requester (the executor).
 * Body: {"status": "rolled_back"|"held"|"in_progress", "comment": "..."}.
 * 200 with the deployment; a change the current status forbids is 409.
 */
void api_deployments_status(struct request_ctx *ctx)
{
    static const char *const fields[] = {"status", "comment", NULL};
    const char *id = path_client_id(ctx, "id", "deployment"), *status = NULL, *comment = "";
    struct field_errors e = FIELD_ERRORS_INIT;
    struct actor who = ctx_actor(ctx);
    json_t *body, *d;
    struct gh_error err;
    struct db *db;

    if (id == NULL || (body = request_json_body(ctx)) == NULL)
        return;
    json_reject_unknown(body, fields, &e);
    if (json_get_string(body, "status", 1, 1, 20, &status, &e) == 1 &&
        strcmp(status, "rolled_back") && strcmp(status, "held") && strcmp(status, "in_progress"))
        field_error(&e, "status", "must be rolled_back, held or in_progress");
    json_get_string(body, "comment", 0, 0, 2000, &comment, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        deployment_report_status(db, &who, id, status, comment, &d, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, d);
out:
    field_errors_free(&e);
    json_decref(body);
}

/* Read a sign-off's fields; 0 when valid. */
int signoff_fields(json_t *body, const char **decision, const char **comment,
                   struct field_errors *e)
{
    static const char *const fields[] = {"decision", "comment", NULL};
    enum signoff_decision d;

    *comment = "";
    json_reject_unknown(body, fields, e);
    if (json_get_string(body, "decision", 1, 1, 10, decision, e) == 1 &&
        signoff_parse(*decision, &d) != 0)
        field_error(e, "decision", "must be APPROVED, REJECTED or HOLD");
    json_get_string(body, "comment", 0, 0, 2000, comment, e);
    return e->count ? -1 : 0;
}

/*
 * POST /api/v1/deployments/{id}/signoff — executive.
 * Body: {"decision": "APPROVED"|"REJECTED"|"HOLD", "comment": "..."}. 200
 * with the sign-off. APPROVED while the report recommends ROLLBACK needs
 * a comment (409 conflict without one); it is kept as an override.
 */
void api_deployments_signoff(struct request_ctx *ctx)
{
    const char *id = path_client_id(ctx, "id", "deployment"), *decision = NULL, *comment = "";
    struct field_errors e = FIELD_ERRORS_INIT;
    struct actor who = ctx_actor(ctx);
    json_t *body, *s;
    struct gh_error err;
    struct db *db;

    if (id == NULL || (body = request_json_body(ctx)) == NULL)
        return;
    if (signoff_fields(body, &decision, &comment, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        deployment_signoff(db, &who, id, decision, comment, &s, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, s);
out:
    field_errors_free(&e);
    json_decref(body);
}

/*
 * GET /api/v1/deployments/{id}/report — any signed-in user.
 * The executive decision report: summary, key_metrics (with chart series),
 * gates, triggers_fired, approvals, risk, recommendation, signoff, record.
 */
void api_deployments_report(struct request_ctx *ctx)
{
    const char *id = path_client_id(ctx, "id", "deployment");
    struct gh_error err;
    struct db *db;
    json_t *r;

    if (id == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (r = deployment_report(db, id, time_now_ms(), REPORT_GATES_MAX, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, r);
}
