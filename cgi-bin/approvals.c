/* Approval requests, as the API shows them (the rules are in core/approval_rules.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/timeutil.h"
#include "../core/validate.h"
#include "../core/verified_actions.h"
#include "approvals.h"

/*
 * POST /api/v1/approvals — requester.
 * Body: {"action_type", "target", "tier", "reason", "mission_id", "params",
 * "expires_in_seconds"}. Header Idempotency-Key (optional): the same key
 * and body answer the original response again (with Idempotent-Replayed:
 * true); the same key with another body is 409 conflict. 201 with the
 * approval; tier 1 comes back approved. An optional "contract" ({"criteria",
 * "verify_within_seconds"}) makes it a verified action (core/contracts.h).
 */
void api_approvals_create(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *body = request_json_body(ctx), *a;
    struct idempotency idem = {http_header(ctx->req, "idempotency-key"), {0}};
    struct actor who = ctx_actor(ctx);
    struct approval_input in;
    struct gh_error err;
    struct db *db;
    int replayed;

    if (body == NULL)
        return;
    if (idem.key && !valid_idempotency_key(idem.key))
        field_error(&e, "Idempotency-Key", "must be 1 to 255 printable ASCII characters");
    approval_parse(body, ctx->app->cfg.approval_expiry_seconds, &in, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if (idem.key)
        idempotency_body_hash(body, idem.body_hash);
    if ((db = ctx_db(ctx, &err)) == NULL ||
        approval_create(db, &who, &in, &idem, &a, &replayed, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 201, a);
    if (replayed) /* after reply_json, which starts the response afresh */
        http_add_header(ctx->resp, "Idempotent-Replayed", "true");
out:
    approval_input_free(&in);
    field_errors_free(&e);
    json_decref(body);
}

void approval_filter_read(struct request_ctx *ctx, struct approval_filter *f,
                          struct field_errors *e)
{
    enum approval_status s;
    long long tier;

    f->status = http_param(ctx->req, "status");
    f->mission_id = http_param(ctx->req, "mission_id");
    f->verification = http_param(ctx->req, "verification");
    if (f->verification && *f->verification == '\0')
        f->verification = NULL;
    if (f->verification) {
        enum verification_state v;
        if (verification_state_parse(f->verification, &v) != 0)
            field_error(e, "verification", "must be pending, verified, violated or unverifiable");
    }
    if (f->status && *f->status == '\0')
        f->status = NULL;
    if (f->mission_id && *f->mission_id == '\0')
        f->mission_id = NULL;
    if (f->status && approval_status_parse(f->status, &s) != 0)
        field_error(e, "status", "must be pending, approved, denied, expired or cancelled");
    if (f->mission_id && !valid_client_id(f->mission_id))
        field_error(e, "mission_id", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
    if (http_param(ctx->req, "tier") && *http_param(ctx->req, "tier") == '\0')
        f->tier = 0;
    else if (param_int(ctx, "tier", 1, 3, 0, &tier, e) >= 0)
        f->tier = (int)tier;
}

/*
 * GET /api/v1/approvals — any signed-in user.
 * Parameters: status, mission_id, tier, cursor, limit (1..200, default 50). Newest first.
 */
void api_approvals_list(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    struct approval_filter f = {0};
    char next[APPROVAL_CURSOR_LEN];
    struct gh_error err;
    long long limit;
    struct db *db;
    json_t *list;

    approval_filter_read(ctx, &f, &e);
    param_int(ctx, "limit", 1, 200, 50, &limit, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (list = approvals_list(db, &f, http_param(ctx->req, "cursor"), (int)limit, next, &err)) ==
            NULL) {
        reply_gh_error(ctx, &err); /* a bad cursor names its field */
        return;
    }
    reply_list(ctx, list, next[0] ? next : NULL);
}

/* GET /api/v1/approvals/{id} — any signed-in user. */
void api_approvals_get(struct request_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", "approval request");
    struct gh_error err;
    struct db *db;
    json_t *a;

    if (id == 0)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || (a = approval_get(db, id, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, a);
}

/*
 * POST /api/v1/approvals/{id}/votes — approver (executive for break-glass).
 * Body: {"verdict": "approve"|"deny", "comment": "..."}. 200 with the
 * updated approval; refusals: forbidden, already_decided, self_approval,
 * duplicate_vote, forbidden (an executive on a request needing no break-glass).
 */
void api_approvals_vote(struct request_ctx *ctx)
{
    static const char *const fields[] = {"verdict", "comment", NULL};
    struct field_errors e = FIELD_ERRORS_INIT;
    const char *verdict = NULL, *comment = "";
    int64_t id = path_id(ctx, "id", "approval request");
    struct actor who = ctx_actor(ctx);
    json_t *body, *a;
    struct gh_error err;
    struct db *db;

    if (id == 0 || (body = request_json_body(ctx)) == NULL)
        return;
    json_reject_unknown(body, fields, &e);
    if (json_get_string(body, "verdict", 1, 1, 10, &verdict, &e) == 1 &&
        strcmp(verdict, "approve") && strcmp(verdict, "deny"))
        field_error(&e, "verdict", "must be approve or deny");
    json_get_string(body, "comment", 0, 0, 2000, &comment, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        approval_vote(db, &who, id, strcmp(verdict, "approve") == 0, comment, &a, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, a);
out:
    field_errors_free(&e);
    json_decref(body);
}

/* POST /api/v1/approvals/{id}/cancel — the requester or an admin. 200 with the approval. */
void api_approvals_cancel(struct request_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", "approval request");
    struct actor who = ctx_actor(ctx);
    struct gh_error err;
    struct db *db;
    json_t *a;

    if (id == 0)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || approval_cancel(db, &who, id, &a, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, a);
}

/*
 * POST /api/v1/approvals/{id}/execution — requester (the executor).
 * Body: {"ok": bool, "status": "...", "error_resolved": bool, "metrics": {...}}.
 * Only for an approved request, and once: 409 conflict when pending or
 * already reported, already_decided when denied, expired or cancelled.
 */
void api_approvals_execution(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    int64_t id = path_id(ctx, "id", "approval request");
    struct actor who = ctx_actor(ctx);
    struct execution_input x;
    json_t *body, *a;
    struct gh_error err;
    struct db *db;

    if (id == 0 || (body = request_json_body(ctx)) == NULL)
        return;
    if (execution_parse(body, &x, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        approval_report_execution(db, &who, id, &x, &a, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, a);
out:
    field_errors_free(&e);
    json_decref(body);
}

/*
 * POST /api/v1/approvals/{id}/snapshot — requester (the executor).
 * Body: {"snapshot_id", "kind", "taken_at" (default now), "details": {}}.
 * The safe hold to return to, named once, before acting: only while the
 * request is approved and not executed (409 conflict otherwise, saying
 * why). 200 with the approval.
 */
void api_approvals_snapshot(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    int64_t id = path_id(ctx, "id", "approval request");
    struct actor who = ctx_actor(ctx);
    struct snapshot_input s;
    json_t *body, *a;
    struct gh_error err;
    struct db *db;

    if (id == 0 || (body = request_json_body(ctx)) == NULL)
        return;
    if (snapshot_parse(body, who.now_ms, &s, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL || approval_snapshot(db, &who, id, &s, &a, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, a);
out:
    field_errors_free(&e);
    json_decref(body);
}

/*
 * POST /api/v1/approvals/{id}/metrics — requester (the executor).
 * Body: {"samples": [{"name", "value", "at"}]} (1..5000, as for
 * deployments). More evidence for the contract, after the execution report
 * and until verify_within_seconds after it, while the verification is
 * pending (409 conflict otherwise). 200 with the approval, judged again.
 */
void api_approvals_metrics(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    int64_t id = path_id(ctx, "id", "approval request");
    struct actor who = ctx_actor(ctx);
    struct sample_in *samples = NULL;
    json_t *body, *a;
    struct gh_error err;
    struct db *db;
    size_t n;

    if (id == 0 || (body = request_json_body(ctx)) == NULL)
        return;
    if (samples_parse(body, who.now_ms, &samples, &n, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        approval_post_samples(db, &who, id, samples, n, &a, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, a);
out:
    free(samples);
    field_errors_free(&e);
    json_decref(body);
}

/*
 * POST /api/v1/approvals/{id}/rollback-result — requester (the executor).
 * Body: {"ok": bool, "status": "...", "restored_snapshot_id": "..."}.
 * Once, and only after a broken contract asked for a rollback (409
 * conflict otherwise). 200 with the approval.
 */
void api_approvals_rollback_result(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    int64_t id = path_id(ctx, "id", "approval request");
    struct actor who = ctx_actor(ctx);
    struct rollback_input r;
    json_t *body, *a;
    struct gh_error err;
    struct db *db;

    if (id == 0 || (body = request_json_body(ctx)) == NULL)
        return;
    if (rollback_result_parse(body, &r, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        approval_rollback_result(db, &who, id, &r, &a, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, a);
out:
    field_errors_free(&e);
    json_decref(body);
}
