/*
 * One request, end to end: parse it, route it, enforce the route's flags,
 * run the handler, send the answer, and release everything it allocated.
 *
 * The order of refusals: an unknown path 404 (405 for a known path and
 * another method); credentials that are not text 400; 401 or 403 from the
 * route's demands (the role check comes before any other check of the
 * request); a path, query or header that is not text 400; a body over the
 * limit 413; a form field that is not text 400; CSRF 403; a JSON endpoint
 * given another media type 415; then the handler.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/echo.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "app.h"
#include "auth.h"
#include "reply.h"
#include "routes.h"

void thread_state_init(struct thread_state *t)
{
    memset(t, 0, sizeof(*t));
    http_response_init(&t->resp);
}

void thread_state_free(struct thread_state *t)
{
    if (t->db_open)
        db_close(&t->db);
    t->db_open = 0;
    http_response_free(&t->resp);
    arena_free(&t->arena);
}

struct actor ctx_actor(const struct request_ctx *ctx)
{
    return (struct actor){ctx->who.username, ctx->who.roles, ctx->app->cfg.public_url,
                          time_now_ms(), ctx->who.display_name};
}

struct db *ctx_db(struct request_ctx *ctx, struct gh_error *err)
{
    struct thread_state *t = ctx->thread;
    const struct config *cfg = &ctx->app->cfg;
    struct db_options opt = {0, cfg->busy_timeout_ms, cfg->wal_checkpoint_pages};

    if (!t->db_open) {
        if (db_open(&t->db, cfg->database, &opt, err) != 0)
            return NULL;
        t->db_open = 1;
    }
    return &t->db;
}

/*
 * Who is calling. Public JSON endpoints (health, the OpenAPI document) do
 * not care and skip the work; public pages look softly, to show a signed-in
 * user as such, and never refuse for stale credentials.
 */
static int identify(struct request_ctx *ctx)
{
    unsigned flags = ctx->route->flags;

    if (!(flags & R_PUBLIC))
        return authenticate(ctx);
    if (!(flags & R_JSON) && authenticate(ctx) != 0) {
        http_response_reset(ctx->resp);
        ctx->replied = 0;
        memset(&ctx->who, 0, sizeof(ctx->who));
    }
    return 0;
}

/* Unread bodies up to this size are read and thrown away; bigger ones drop the connection. */
#define DISCARD_LIMIT (16ULL * 1024 * 1024)

static int safe_method(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/*
 * The route's demands on the caller: signed in unless R_PUBLIC, and one of
 * its roles if it names any. Pages send an anonymous browser to the sign-in
 * page and back. Returns 0, or -1 after answering.
 */
static int authorize(struct request_ctx *ctx)
{
    unsigned need = R_ROLES_OF(ctx->route->flags);

    if (ctx->route->flags & R_PUBLIC)
        return 0;
    /* A signed delivery proves itself to the handler, not with a session or token. */
    if ((ctx->route->flags & R_SIGNED) && ctx->who.via == AUTH_NONE &&
        http_header(ctx->req, "webhook-signature"))
        return 0;
    if (ctx->who.via == AUTH_NONE) {
        if (ctx->route->flags & R_JSON) {
            reply_error(ctx, 401, "unauthenticated", "sign in or send Authorization: Bearer", NULL);
            http_add_header(ctx->resp, "WWW-Authenticate", "Bearer");
        } else {
            struct buf to = BUF_INIT;
            buf_puts(&to, "/login?next=");
            http_url_encode(&to, ctx->req->path);
            if (*ctx->req->query) {
                http_url_encode(&to, "?");
                http_url_encode(&to, ctx->req->query);
            }
            reply_redirect(ctx, buf_str(&to));
            buf_free(&to);
        }
        return -1;
    }
    if (need && !(ctx->who.roles & need)) {
        reply_error(ctx, 403, "forbidden", "your roles do not allow this", NULL);
        return -1;
    }
    return 0;
}

/*
 * A form body is read here, at the edge, so that a field that is not text
 * is refused before the CSRF check or a handler sees the form. 0, or -1
 * after answering 400.
 */
static int form_refused(struct request_ctx *ctx)
{
    if (safe_method(ctx->req->method) ||
        !http_content_type_is(ctx->req, "application/x-www-form-urlencoded") ||
        http_read_form(ctx->req, (size_t)ctx->app->cfg.max_body_bytes) != HTTP_FORM_REFUSED)
        return 0;
    reply_refused(ctx, &ctx->req->refused);
    return -1;
}

/*
 * Credentials that are not text (the Authorization header, the session
 * cookie) are refused before anyone is identified with them. A refused
 * cookie is also cleared, so that the browser's next request works. 0, or
 * -1 after answering 400.
 */
static int credentials_refused(struct request_ctx *ctx)
{
    struct http_request *req = ctx->req;

    if (http_cookie_is_text(req, session_cookie_name(ctx)) && req->refused_credentials.what == NULL)
        return 0;
    reply_refused(ctx, &req->refused_credentials);
    if (strcmp(req->refused_credentials.what, "cookie") == 0)
        session_cookie_set(ctx, NULL);
    return -1;
}

/* Answer requests that never reach a handler: unknown path or method. */
static void reply_unrouted(struct request_ctx *ctx, int rc, struct buf *allow)
{
    if (rc == ROUTER_METHOD_NOT_ALLOWED) {
        reply_error(ctx, 405, "method_not_allowed", "this method is not allowed here", NULL);
        http_add_header(ctx->resp, "Allow", buf_str(allow));
    } else {
        reply_error(ctx, 404, "not_found", "there is nothing at this address", NULL);
    }
}

/*
 * Every request is logged once, when it is answered: one JSON line (the
 * format of core/log.c, with request_id) whose fields say what was asked
 * and how it went. README, "Logs", describes each field. Slow requests
 * (over 500 ms) are the same line at warn level.
 */
static void log_completion(const struct request_ctx *ctx, const struct route *route,
                           int64_t elapsed_ns)
{
    char method[32];
    double ms = (double)elapsed_ns / 1e6;
    enum log_level level = ms > 500 ? LOG_WARN : LOG_INFO;
    const char *pattern = route ? route->pattern : "unmatched";
    json_t *fields;

    if (level < log_get_level())
        return;
    /* nginx passes only methods made of letters, but a log line must never be lost to a byte. */
    text_repair(ctx->req->method, method, sizeof(method));
    fields = json_pack("{s:s, s:s, s:i, s:f, s:o, s:I, s:i}", "method", method, "route", pattern,
                       "status", ctx->resp->status, "duration_ms", ms, "user",
                       ctx->who.via != AUTH_NONE ? json_string(ctx->who.username) : json_null(),
                       "bytes", (json_int_t)ctx->req->bytes_sent, "pid", (int)getpid());
    log_fields(level, fields, "%s %s %d", method, pattern, ctx->resp->status);
}

void dispatch(const struct app *app, struct thread_state *t, char **envp, const struct http_io *io,
              void *io_ctx)
{
    struct http_request req;
    struct buf allow = BUF_INIT;
    struct request_ctx ctx = {app, t, &req, &t->resp, NULL, 0, {0}};
    const struct route *counted = NULL;
    int64_t started = time_mono_ns(), elapsed;
    int rc, path_route = -1;

    http_request_init(&req, &t->arena, envp, io, io_ctx);
    http_response_reset(&t->resp);
    log_set_request_id(req.request_id);

    rc = router_match(routes, nroutes, req.method, req.path, &t->arena, &req.path_params, &allow,
                      &path_route);
    if (rc < 0) {
        /* A known path with the wrong method answers in that path's language. */
        if (path_route >= 0)
            ctx.route = counted = &routes[path_route];
        reply_unrouted(&ctx, rc, &allow);
        ctx.route = NULL;
    } else {
        ctx.route = counted = &routes[rc];
        if (credentials_refused(&ctx) != 0) {
            /* answered 400: credentials that are not text */
        } else if (identify(&ctx) != 0 || authorize(&ctx) != 0) {
            /* answered: 401, a redirect to the sign-in page, or 403 */
        } else if (req.refused.what) {
            /* The path, the query or a header is not text: refused after the role check. */
            reply_refused(&ctx, &req.refused);
        } else if ((unsigned long long)req.content_length >
                   (unsigned long long)app->cfg.max_body_bytes) {
            char msg[96];
            snprintf(msg, sizeof(msg), "the body is larger than %ld bytes",
                     app->cfg.max_body_bytes);
            reply_error(&ctx, 413, "payload_too_large", msg, NULL);
        } else if (form_refused(&ctx) != 0) {
            /* answered 400: a form field that is not text */
        } else if (ctx.who.via == AUTH_SESSION && !(ctx.route->flags & R_PUBLIC) &&
                   !safe_method(req.method) && csrf_check(&ctx) != 0) {
            /* answered 403 csrf_failed */
        } else if ((ctx.route->flags & R_JSON) && req.content_length > 0 &&
                   !http_content_type_is(&req, "application/json")) {
            /* JSON endpoints take JSON bodies only, whatever the method. */
            reply_error(&ctx, 415, "unsupported_media_type",
                        "this endpoint takes Content-Type: application/json", NULL);
        } else {
            ctx.route->handler(&ctx);
            if (!ctx.replied) {
                log_error("handler for %s %s answered nothing", req.method, ctx.route->pattern);
                reply_error(&ctx, 500, "internal", "internal error", NULL);
            }
        }
    }
    /* A body nobody read is still on its way: take it in (or drop the connection). */
    http_discard_body(&req, DISCARD_LIMIT);
    if (!t->resp.streamed)
        http_send(&req, &t->resp);

    elapsed = time_mono_ns() - started;
    metrics_count(app, counted, req.method, t->resp.status, elapsed);
    log_completion(&ctx, counted, elapsed);
    log_set_request_id(NULL);
    buf_free(&allow);
    http_request_free(&req);
    arena_reset(&t->arena);
}
