/* Liveness and readiness, for nginx, systemd and load balancers. */
#include "../core/json.h"
#include "../core/signkey.h"
#include "reply.h"

/*
 * GET /healthz — public.
 * Answers 200 while the process serves; touches nothing else, so it
 * measures the request path alone.
 */
void api_healthz(struct request_ctx *ctx)
{
    reply_json(ctx, 200, json_pack("{s:s}", "status", "ok"));
}

int app_readiness(const struct app *app, struct field_errors *problems, json_t *checks)
{
    const struct config *cfg = &app->cfg;
    struct db_options opt = {0, cfg->busy_timeout_ms, cfg->wal_checkpoint_pages};
    struct gh_error err;
    struct signkey key;
    struct db db;
    int version = 0, before = problems->count;

    /* A connection of its own: the thread's may predate a file that has since gone. */
    if (db_open(&db, cfg->database, &opt, &err) != 0) {
        field_error(problems, "database", "cannot be opened");
        field_error(problems, "migrations", "cannot be checked without the database");
    } else {
        if (checks)
            json_object_set_new(checks, "database", json_string("ok"));
        if (db_schema_version(&db, &version, &err) != 0)
            field_error(problems, "migrations", "the schema version cannot be read");
        else if (version != db_schema_latest())
            field_error(problems, "migrations",
                        "the database is at schema version %d, this build needs %d: run "
                        "`gatehouse init`",
                        version, db_schema_latest());
        else if (checks)
            json_object_set_new(checks, "migrations", json_string("ok"));
        db_close(&db);
    }
    if (signkey_load(cfg->signing_key, &key, &err) != 0)
        field_error(problems, "signing_key", "cannot be loaded");
    else if (checks)
        json_object_set_new(checks, "signing_key", json_string("ok"));
    signkey_wipe(&key);
    return problems->count - before;
}

/*
 * GET /readyz — public.
 * 200 when the database opens, its schema is at this build's version and
 * the signing key loads; else 503 `unavailable` naming each failed check
 * in details (field = check name). Never shows paths or key material.
 */
void api_readyz(struct request_ctx *ctx)
{
    struct field_errors problems = FIELD_ERRORS_INIT;
    json_t *checks = json_object();

    if (app_readiness(ctx->app, &problems, checks) != 0) {
        json_decref(checks);
        reply_error(ctx, 503, "unavailable", "not ready", field_errors_take(&problems));
        return;
    }
    reply_json(ctx, 200, json_pack("{s:s, s:o}", "status", "ready", "checks", checks));
}
