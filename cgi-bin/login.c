/* Signing in and out of the browser UI. */
#include <stdio.h>
#include <string.h>

#include "../core/crypto.h"
#include "../core/log.h"
#include "../core/sessions.h"
#include "../core/throttle.h"
#include "../core/timeutil.h"
#include "auth.h"
#include "reply.h"
#include "routes.h"

/* The sign-in form, with an optional message and the values to keep. */
static void login_form(struct request_ctx *ctx, int status, const char *message,
                       const char *username, const char *next)
{
    struct tpl_dict *content;
    struct tpl_dict *layout = page_begin(ctx, "Sign in", "login.tpl", &content);

    if (message)
        tpl_set(tpl_section(content, "MESSAGE"), "TEXT", message);
    tpl_set(content, "USERNAME", username ? username : "");
    tpl_set(content, "NEXT", local_path(next) ? next : "/");
    page_send(ctx, status, layout);
}

/*
 * GET /login — public.
 * Parameters: next (a local path to return to after signing in).
 */
void page_login(struct request_ctx *ctx)
{
    login_form(ctx, 200, NULL, NULL, http_param(ctx->req, "next"));
}

static json_t *login_fields(struct request_ctx *ctx, const char *username)
{
    return json_pack("{s:s, s:s}", "username", username, "addr", ctx->req->remote_addr);
}

/*
 * POST /login — public (a cross-site post is refused).
 * Form: username, password, next. 303 to next (or /) with a new session
 * cookie; 401 with the form on failure (the message never says which field
 * was wrong); 429 with Retry-After while the username or the address is
 * throttled.
 */
void page_login_submit(struct request_ctx *ctx)
{
    const struct config *cfg = &ctx->app->cfg;
    const struct throttle_limits limits = {cfg->login_user_failures, cfg->login_addr_failures,
                                           cfg->login_window_seconds};
    const char *username, *password, *next;
    char token[TOKEN_B64_LEN], csrf[TOKEN_B64_LEN], hash[crypto_pwhash_STRBYTES];
    struct gh_error err = {GH_OK, "", ""};
    int64_t now = time_now_ms();
    struct user u;
    struct db *db;
    int retry = 0, known, ok;

    if (request_is_cross_site(ctx)) {
        reply_error(ctx, 403, "csrf_failed", "sign in from Gatehouse's own page", NULL);
        return;
    }
    switch (http_read_form(ctx->req, (size_t)cfg->max_body_bytes)) {
    case HTTP_BODY_OK:
        break;
    case HTTP_BODY_TOO_LARGE:
        reply_error(ctx, 413, "payload_too_large", "the form is too large", NULL);
        return;
    case HTTP_BODY_SHORT:
        reply_error(ctx, 400, "validation_failed", "the form arrived incomplete", NULL);
        return;
    case HTTP_FORM_REFUSED: /* the dispatcher refuses these first; kept for completeness */
        reply_refused(ctx, &ctx->req->refused);
        return;
    }
    username = http_form(ctx->req, "username");
    password = http_form(ctx->req, "password");
    next = http_form(ctx->req, "next");
    if (username == NULL || password == NULL || *username == '\0' || strlen(username) > 64 ||
        strlen(password) > 1024) {
        login_form(ctx, 401, "Enter your username and password.", username, next);
        goto wipe;
    }
    if ((db = ctx_db(ctx, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        goto wipe;
    }
    switch (throttle_check(db, &limits, username, ctx->req->remote_addr, now, &retry, &err)) {
    case 0:
        break;
    case 1: {
        char msg[160], seconds[16];
        log_fields(LOG_WARN, login_fields(ctx, username), "login refused: throttled for %d s",
                   retry);
        snprintf(msg, sizeof(msg), "Too many failed sign-ins. Try again in %d minute%s.",
                 (retry + 59) / 60, (retry + 59) / 60 == 1 ? "" : "s");
        login_form(ctx, 429, msg, username, next);
        snprintf(seconds, sizeof(seconds), "%d", retry);
        http_add_header(ctx->resp, "Retry-After", seconds);
        goto wipe;
    }
    default:
        reply_gh_error(ctx, &err);
        goto wipe;
    }

    known = user_find(db, username, &u, &err) == 0;
    if (!known && err.kind != GH_NOT_FOUND) {
        reply_gh_error(ctx, &err);
        goto wipe;
    }
    /* Unknown users cost a password check too, so timing tells nothing. */
    ok =
        password_verify(db->path, known ? u.password_hash : NULL, password) && known && !u.disabled;
    if (!ok) {
        throttle_fail(db, &limits, username, ctx->req->remote_addr, now, NULL);
        log_fields(LOG_WARN, login_fields(ctx, username), "login failed");
        login_form(ctx, 401, "Wrong username or password.", username, next);
        goto wipe;
    }
    throttle_success(db, username, NULL);
    if (password_needs_rehash(u.password_hash) &&
        password_hash(db->path, password, hash, &err) == 0 &&
        user_rehash(db, u.id, hash, &err) == 0)
        log_info("password hash of %s upgraded to the current parameters", u.username);
    /* A browser signing in again leaves its previous session behind, ended. */
    if (ctx->who.via == AUTH_SESSION)
        session_end(db, http_cookie(ctx->req, session_cookie_name(ctx)), NULL);
    if (session_create(db, u.id, now, token, csrf, &err) != 0) {
        reply_gh_error(ctx, &err);
        goto wipe;
    }
    log_fields(LOG_INFO, login_fields(ctx, username), "login");
    reply_redirect(ctx, local_path(next) ? next : "/");
    session_cookie_set(ctx, token);
    sodium_memzero(token, sizeof(token));
wipe:
    /* The password is in the body buffer: do not leave it lying in memory. */
    sodium_memzero(ctx->req->body.data, ctx->req->body.len);
    sodium_memzero(hash, sizeof(hash));
}

/*
 * POST /logout — any signed-in user (CSRF checked by the dispatcher).
 * Ends the session on the server and clears the cookie.
 */
void page_logout(struct request_ctx *ctx)
{
    const char *cookie = http_cookie(ctx->req, session_cookie_name(ctx));
    struct gh_error err;
    struct db *db = ctx_db(ctx, &err);

    if (db == NULL || (cookie && session_end(db, cookie, &err) != 0)) {
        reply_gh_error(ctx, &err);
        return;
    }
    log_fields(LOG_INFO, json_pack("{s:s}", "username", ctx->who.username), "logout");
    reply_redirect(ctx, "/login");
    session_cookie_set(ctx, NULL);
}
