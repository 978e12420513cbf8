/* Freezes, as the API shows them (the rules are in core/freeze_rules.c, the storage in
 * core/freezes.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/timeutil.h"
#include "../core/validate.h"
#include "freezes.h"

struct freeze_actor freeze_actor_of(struct request_ctx *ctx)
{
    return (struct freeze_actor){ctx->who.username, ctx->app->cfg.public_url, time_now_ms()};
}

const char *freeze_path_name(struct request_ctx *ctx)
{
    const char *name = http_path_param(ctx->req, "name");

    if (name == NULL || !valid_client_id(name)) {
        reply_error(ctx, 404, "not_found", "no such freeze", NULL);
        return NULL;
    }
    return name;
}

/* A list's failure: a cursor we did not give out names the field; anything else as it is. */
static void list_failed(struct request_ctx *ctx, const struct gh_error *err)
{
    struct field_errors e = FIELD_ERRORS_INIT;

    if (err->kind == GH_INVALID) {
        field_error(&e, "cursor", "%s", err->message);
        reply_invalid(ctx, &e);
        field_errors_free(&e);
    } else {
        reply_gh_error(ctx, err);
    }
}

/*
 * POST /api/v1/freezes — admin.
 * Body: {"name", "description", "root", "closed", "include", "window":
 * {"starts_at", "ends_at"} | null, "artifacts": [{"path", "sha256",
 * "size"}]}. 201 with the freeze; the same name with the same manifest
 * again is 200 with the freeze as it stands; another manifest 409.
 */
void api_freezes_create(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *body = request_json_body(ctx), *f;
    struct freeze_actor who = freeze_actor_of(ctx);
    struct freeze_input in;
    struct gh_error err;
    struct db *db;
    int created;

    if (body == NULL)
        return;
    freeze_parse(body, &in, &e);
    if (in.root && config_freeze_root(&ctx->app->cfg, in.root) == NULL)
        field_error(&e, "root", "names no root of the configuration (freeze_root.NAME)");
    if (e.count) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL || freeze_create(db, &who, &in, &f, &created, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, created ? 201 : 200, f);
out:
    freeze_input_free(&in);
    field_errors_free(&e);
    json_decref(body);
}

/* GET /api/v1/freezes — any signed-in user. Parameters: cursor, limit (1..200, default 50). Newest
 * first. */
void api_freezes_list(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    char next[FREEZE_CURSOR_LEN];
    struct gh_error err;
    long long limit;
    struct db *db;
    json_t *list;

    if (param_int(ctx, "limit", 1, 200, 50, &limit, &e) < 0) {
        reply_invalid(ctx, &e);
        field_errors_free(&e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (list = freezes_list(db, http_param(ctx->req, "cursor"), (int)limit, time_now_ms(), next,
                             &err)) == NULL) {
        list_failed(ctx, &err);
        return;
    }
    reply_list(ctx, list, next[0] ? next : NULL);
}

/* GET /api/v1/freezes/{name} — any signed-in user. */
void api_freezes_get(struct request_ctx *ctx)
{
    const char *name = freeze_path_name(ctx);
    struct gh_error err;
    struct db *db;
    json_t *f;

    if (name == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (f = freeze_get(db, name, time_now_ms(), &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, f);
}

/* The paged reads of one freeze: its manifest, its checks, its violations. */
static void freeze_page(struct request_ctx *ctx,
                        json_t *(*page)(struct db *, const char *, const char *, int,
                                        char[FREEZE_CURSOR_LEN], struct gh_error *))
{
    struct field_errors e = FIELD_ERRORS_INIT;
    const char *name = freeze_path_name(ctx);
    char next[FREEZE_CURSOR_LEN];
    struct gh_error err;
    long long limit;
    struct db *db;
    json_t *list;

    if (name == NULL)
        return;
    if (param_int(ctx, "limit", 1, 200, 50, &limit, &e) < 0) {
        reply_invalid(ctx, &e);
        field_errors_free(&e);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (list = page(db, name, http_param(ctx->req, "cursor"), (int)limit, next, &err)) == NULL) {
        list_failed(ctx, &err);
        return;
    }
    reply_list(ctx, list, next[0] ? next : NULL);
}

/* GET /api/v1/freezes/{name}/checks — any signed-in user. Newest first; cursor, limit. */
void api_freezes_checks(struct request_ctx *ctx)
{
    freeze_page(ctx, freeze_checks_page);
}

/* GET /api/v1/freezes/{name}/artifacts — any signed-in user. The manifest in path order. */
void api_freezes_artifacts(struct request_ctx *ctx)
{
    freeze_page(ctx, freeze_artifacts_page);
}

/* GET /api/v1/freezes/{name}/violations — any signed-in user. Every violation, newest first. */
void api_freezes_violations(struct request_ctx *ctx)
{
    freeze_page(ctx, freeze_violations_page);
}

/*
 * POST /api/v1/freezes/{name}/checks — requester (an external guardian).
 * Body: {"checked_at": "..." (optional, at most 5 minutes ahead), "artifacts":
 * [{"path", "sha256", "size"}]}, the complete listing. 200 with the freeze
 * as it now stands.
 */
void api_freezes_report(struct request_ctx *ctx)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    const char *name = freeze_path_name(ctx);
    struct freeze_actor who = freeze_actor_of(ctx);
    struct freeze_report r = {0};
    struct gh_error err;
    struct db *db;
    json_t *body, *f;

    if (name == NULL || (body = request_json_body(ctx)) == NULL)
        return;
    if (freeze_report_parse(body, who.now_ms, &r, &e) != 0) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        freeze_report_record(db, &who, name, &r, &f, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, f);
out:
    freeze_report_free(&r);
    field_errors_free(&e);
    json_decref(body);
}

/* The {vid} of the path, or 0 after answering 404. */
static int64_t path_vid(struct request_ctx *ctx)
{
    return path_id(ctx, "vid", "violation");
}

/*
 * POST /api/v1/freezes/{name}/violations/{vid}/ack — admin.
 * Body: {"comment": "..."} (1..2000 characters). 200 with the violation;
 * 409 when it was acknowledged already.
 */
void api_freezes_ack(struct request_ctx *ctx)
{
    static const char *const fields[] = {"comment", NULL};
    struct field_errors e = FIELD_ERRORS_INIT;
    const char *name = freeze_path_name(ctx), *comment = NULL;
    struct freeze_actor who = freeze_actor_of(ctx);
    int64_t vid = name ? path_vid(ctx) : 0;
    struct gh_error err;
    struct db *db;
    json_t *body, *v;

    if (vid == 0 || (body = request_json_body(ctx)) == NULL)
        return;
    json_reject_unknown(body, fields, &e);
    json_get_string(body, "comment", 1, 1, FREEZE_COMMENT_MAX, &comment, &e);
    if (e.count) {
        reply_invalid(ctx, &e);
        goto out;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        freeze_ack(db, &who, name, vid, comment, &v, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto out;
    }
    reply_json(ctx, 200, v);
out:
    field_errors_free(&e);
    json_decref(body);
}

/*
 * POST /api/v1/freezes/{name}/lift — admin. Ends the window now: 200 with
 * the freeze; 409 when it has no window, or it ended or was lifted already.
 */
void api_freezes_lift(struct request_ctx *ctx)
{
    const char *name = freeze_path_name(ctx);
    struct freeze_actor who = freeze_actor_of(ctx);
    struct gh_error err;
    struct db *db;
    json_t *f;

    if (name == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || freeze_lift(db, &who, name, &f, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, f);
}

/*
 * GET /api/v1/freeze-status — any signed-in user (deploy tooling).
 * {"in_effect": bool, "freezes": [the freezes whose window covers now]}.
 */
void api_freeze_status(struct request_ctx *ctx)
{
    struct gh_error err;
    struct db *db;
    json_t *s;

    if ((db = ctx_db(ctx, &err)) == NULL || (s = freeze_status(db, time_now_ms(), &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    reply_json(ctx, 200, s);
}
