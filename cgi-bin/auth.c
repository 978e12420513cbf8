/* Authentication and CSRF (see auth.h). */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/log.h"
#include "../core/sessions.h"
#include "../core/timeutil.h"
#include "../core/tokens.h"
#include "reply.h"

static int secure(const struct request_ctx *ctx)
{
    return ctx->req->https || strcmp(ctx->app->cfg.secure_cookies, "always") == 0;
}

const char *session_cookie_name(const struct request_ctx *ctx)
{
    return secure(ctx) ? "__Host-gh_session" : "gh_session";
}

void session_cookie_set(struct request_ctx *ctx, const char *token)
{
    char value[256];

    snprintf(value, sizeof(value), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=%d",
             session_cookie_name(ctx), token ? token : "", secure(ctx) ? "; Secure" : "",
             token ? ctx->app->cfg.session_max_seconds : 0);
    http_add_header(ctx->resp, "Set-Cookie", value);
}

static void unauthenticated(struct request_ctx *ctx, const char *message)
{
    reply_error(ctx, 401, "unauthenticated", message, NULL);
    http_add_header(ctx->resp, "WWW-Authenticate", "Bearer");
}

int authenticate(struct request_ctx *ctx)
{
    const char *authz = http_header(ctx->req, "authorization");
    const char *cookie = http_cookie(ctx->req, session_cookie_name(ctx));
    struct gh_error err = {GH_OK, "", ""};
    struct db *db;

    memset(&ctx->who, 0, sizeof(ctx->who));
    if (authz == NULL && cookie == NULL)
        return 0;
    db = ctx_db(ctx, &err);
    if (db == NULL) {
        reply_gh_error(ctx, &err);
        return -1;
    }
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0) {
            unauthenticated(ctx, "use Authorization: Bearer <token>");
            return -1;
        }
        if (token_resolve(db, authz + 7, time_now_ms(), &ctx->who, &err) != 0) {
            if (err.kind != GH_NOT_FOUND) {
                reply_gh_error(ctx, &err);
                return -1;
            }
            log_warn("refused a bearer token: %s", err.message);
            unauthenticated(ctx, "the token is unknown or revoked");
            return -1;
        }
        return 0;
    }
    if (session_resolve(db, cookie, time_now_ms(), ctx->app->cfg.session_idle_seconds,
                        ctx->app->cfg.session_max_seconds, &ctx->who, &err) != 0) {
        memset(&ctx->who, 0, sizeof(ctx->who));
        if (err.kind != GH_NOT_FOUND) {
            reply_gh_error(ctx, &err);
            return -1;
        }
        /* An ended session is no session: the route decides whether that matters. */
    }
    return 0;
}

/* scheme://host as the browser would write it in Origin. */
static int origin_is_ours(const struct request_ctx *ctx, const char *origin)
{
    const char *host = http_header(ctx->req, "host");
    char ours[512];

    if (strcmp(origin, ctx->app->cfg.public_url) == 0)
        return 1;
    if (host == NULL)
        return 0;
    snprintf(ours, sizeof(ours), "%s://%s", ctx->req->https ? "https" : "http", host);
    return strcmp(origin, ours) == 0;
}

int request_is_cross_site(const struct request_ctx *ctx)
{
    const char *site = http_header(ctx->req, "sec-fetch-site");
    const char *origin = http_header(ctx->req, "origin");

    if (site && strcmp(site, "cross-site") == 0)
        return 1;
    return origin != NULL && !origin_is_ours(ctx, origin);
}

int csrf_check(struct request_ctx *ctx)
{
    const char *token = http_header(ctx->req, "x-csrf-token");
    const char *why = NULL;

    if (request_is_cross_site(ctx)) {
        why = "cross-site request";
    } else {
        if (token == NULL && http_content_type_is(ctx->req, "application/x-www-form-urlencoded")) {
            if (http_read_form(ctx->req, (size_t)ctx->app->cfg.max_body_bytes) == HTTP_BODY_OK)
                token = http_form(ctx->req, "csrf");
        }
        if (token == NULL)
            why = "no CSRF token";
        else if (!secret_equal(token, ctx->who.csrf))
            why = "wrong CSRF token";
    }
    if (why == NULL)
        return 0;
    log_warn("CSRF check failed for %s %s (user %s): %s", ctx->req->method, ctx->req->path,
             ctx->who.username, why);
    reply_error(ctx, 403, "csrf_failed",
                "this form has expired or came from another site: reload the page and try again",
                NULL);
    return -1;
}
