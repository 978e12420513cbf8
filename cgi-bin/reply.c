/* Building answers (see reply.h). */
#include "reply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/echo.h"
#include "../core/freezes.h"
#include "../core/json.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../core/validate.h"
#include "routes.h"

/* One navigation entry of the layout; pages that do not exist yet are not listed. */
struct nav_item {
    const char *label; /* shown */
    const char *href;  /* target, also used to mark the current page */
};

static const struct nav_item nav[] = {
    {"Dashboard", "/"},      {"Approvals", "/approvals"},     {"Missions", "/missions"},
    {"Freezes", "/freezes"}, {"Deployments", "/deployments"}, {"Ledger", "/ledger"},
    {"Status", "/status"},
};

/*
 * The answer when a JSON document cannot be built or serialised (jansson
 * refuses strings that are not UTF-8; a bug let one through): a complete
 * 500 envelope written without jansson from known-safe strings.
 */
static void set_json_failure(struct request_ctx *ctx)
{
    struct http_response *resp = ctx->resp;

    log_error("cannot serialise a JSON response to %s %s; answered 500", ctx->req->method,
              ctx->req->path);
    http_response_reset(resp);
    resp->status = 500;
    resp->content_type = "application/json";
    envelope_internal_text(&resp->body, ctx->req->request_id);
}

/* Serialise doc (stolen; NULL when building it failed) as the answer. */
static void set_json(struct request_ctx *ctx, int status, json_t *doc)
{
    struct http_response *resp = ctx->resp;
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_REALS) : NULL;

    if (text == NULL) {
        set_json_failure(ctx);
    } else {
        http_response_reset(resp);
        resp->status = status;
        resp->content_type = "application/json";
        buf_puts(&resp->body, text);
        free(text);
    }
    json_decref(doc);
    ctx->replied = 1;
}

void reply_json(struct request_ctx *ctx, int status, json_t *data)
{
    /* envelope_data steals data even when it fails (jansson's "o"). */
    set_json(ctx, status, data ? envelope_data(data, ctx->req->request_id) : NULL);
}

void reply_list(struct request_ctx *ctx, json_t *items, const char *next_cursor)
{
    json_t *doc = items ? envelope_data(items, ctx->req->request_id) : NULL;

    if (doc)
        json_object_set_new(json_object_get(doc, "meta"), "next_cursor",
                            next_cursor ? json_string(next_cursor) : json_null());
    set_json(ctx, 200, doc);
}

void reply_bytes(struct request_ctx *ctx, int status, const char *content_type, const char *data,
                 size_t len)
{
    http_response_reset(ctx->resp);
    ctx->resp->status = status;
    ctx->resp->content_type = content_type;
    buf_append(&ctx->resp->body, data, len);
    ctx->replied = 1;
}

static int speaks_json(const struct request_ctx *ctx)
{
    if (ctx->route)
        return (ctx->route->flags & R_JSON) != 0;
    return strncmp(ctx->req->path, "/api/", 5) == 0;
}

void reply_error(struct request_ctx *ctx, int status, const char *code, const char *message,
                 json_t *details)
{
    struct tpl_dict *layout, *content;
    char status_text[8], repaired[512];

    /* A client value that slipped into the message unechoed must not cost the answer. */
    message = text_repair(message, repaired, sizeof(repaired));
    if (status >= 500)
        log_fields(
            LOG_ERROR,
            json_pack("{s:s, s:s, s:i}", "path", ctx->req->path, "code", code, "status", status),
            "answered %d: %s", status, message);
    if (speaks_json(ctx)) {
        set_json(ctx, status, envelope_error(code, message, details, ctx->req->request_id));
        return;
    }
    json_decref(details);
    snprintf(status_text, sizeof(status_text), "%d", status);
    layout = page_begin(ctx, http_reason(status), "error.tpl", &content);
    tpl_set(content, "STATUS", status_text);
    tpl_set(content, "REASON", http_reason(status));
    tpl_set(content, "MESSAGE", message);
    tpl_set(content, "REQUEST_ID", ctx->req->request_id);
    page_send(ctx, status, layout);
}

void reply_refused(struct request_ctx *ctx, const struct http_refusal *refused)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    char shown[ECHO_LEN], message[ECHO_LEN + 96];

    field_error(&e, refused->field, "%s", refused->problem);
    if (strcmp(refused->field, "path") == 0)
        snprintf(message, sizeof(message), "the path %s", refused->problem);
    else
        snprintf(message, sizeof(message), "%s '%s' %s", refused->what, echo(refused->field, shown),
                 refused->problem);
    reply_error(ctx, 400, "validation_failed", message, field_errors_take(&e));
}

void reply_redirect(struct request_ctx *ctx, const char *location)
{
    http_response_reset(ctx->resp);
    ctx->resp->status = 303;
    ctx->resp->content_type = "text/plain; charset=utf-8";
    buf_puts(&ctx->resp->body, "See Other\n");
    http_add_header(ctx->resp, "Location", location);
    ctx->replied = 1;
}

int local_path(const char *next)
{
    return next && next[0] == '/' && next[1] != '/' && next[1] != '\\' &&
           strpbrk(next, "\r\n\\") == NULL && strlen(next) < 2048;
}

void reply_gh_error(struct request_ctx *ctx, const struct gh_error *err)
{
    switch (err->kind) {
    case GH_UNAVAILABLE:
        reply_error(ctx, 503, "unavailable", err->message, NULL);
        break;
    case GH_INVALID:
        /* The core names the input at fault when it knows it. */
        if (err->field[0]) {
            struct field_errors e = FIELD_ERRORS_INIT;
            field_error(&e, err->field, "%s", err->message);
            reply_error(ctx, 400, "validation_failed", err->message, field_errors_take(&e));
        } else {
            reply_error(ctx, 400, "validation_failed", err->message, NULL);
        }
        break;
    case GH_NOT_FOUND:
        reply_error(ctx, 404, "not_found", err->message, NULL);
        break;
    case GH_CONFLICT:
        reply_error(ctx, 409, "conflict", err->message, NULL);
        break;
    case GH_FORBIDDEN:
        reply_error(ctx, 403, "forbidden", err->message, NULL);
        break;
    case GH_ALREADY_DECIDED:
        reply_error(ctx, 409, "already_decided", err->message, NULL);
        break;
    case GH_SELF_APPROVAL:
        reply_error(ctx, 409, "self_approval", err->message, NULL);
        break;
    case GH_DUPLICATE_VOTE:
        reply_error(ctx, 409, "duplicate_vote", err->message, NULL);
        break;
    case GH_OK:
    case GH_INTERNAL:
    default:
        reply_error(ctx, 500, "internal", "internal error", NULL);
        break;
    }
}

int param_int(struct request_ctx *ctx, const char *name, long long min, long long max,
              long long def, long long *out, struct field_errors *e)
{
    const char *v = http_param(ctx->req, name);
    char *end;
    long long n;

    *out = def;
    if (v == NULL)
        return 0;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || n < min || n > max) {
        field_error(e, name, "must be an integer from %lld to %lld", min, max);
        return -1;
    }
    *out = n;
    return 1;
}

int param_time(struct request_ctx *ctx, const char *name, int64_t def, int64_t *out,
               struct field_errors *e)
{
    const char *v = http_param(ctx->req, name);

    *out = def;
    if (v == NULL)
        return 0;
    if (time_parse_rfc3339(v, out) != 0) {
        *out = def;
        field_error(e, name, "must be an RFC 3339 time, such as 2026-11-22T10:00:00.000Z");
        return -1;
    }
    return 1;
}

void reply_invalid(struct request_ctx *ctx, struct field_errors *e)
{
    reply_error(ctx, 400, "validation_failed", "some parameters are not valid",
                field_errors_take(e));
}

json_t *request_json_body(struct request_ctx *ctx)
{
    struct gh_error err;
    json_t *body;
    char msg[96];

    if (!http_content_type_is(ctx->req, "application/json")) {
        reply_error(ctx, 415, "unsupported_media_type",
                    "this endpoint takes Content-Type: application/json", NULL);
        return NULL;
    }
    switch (http_read_body(ctx->req, (size_t)ctx->app->cfg.max_body_bytes)) {
    case HTTP_BODY_OK:
        break;
    case HTTP_BODY_TOO_LARGE:
        snprintf(msg, sizeof(msg), "the body is larger than %ld bytes",
                 ctx->app->cfg.max_body_bytes);
        reply_error(ctx, 413, "payload_too_large", msg, NULL);
        return NULL;
    case HTTP_BODY_SHORT:
        reply_error(ctx, 400, "invalid_json", "the body ended before its declared length", NULL);
        return NULL;
    case HTTP_FORM_REFUSED: /* not a form: read_body never answers this */
        break;
    }
    body = json_body_parse(buf_str(&ctx->req->body), ctx->req->body.len, &err);
    if (body == NULL)
        reply_error(ctx, 400, "invalid_json", err.message, NULL);
    return body;
}

/*
 * The freeze banner: while a window is in effect every page of a
 * signed-in user says so, linking to the freezes. freeze_banner_get()
 * caches it per thread, so a page pays one atomic load for it. A page that
 * cannot reach the database (an error page, say) shows none.
 */
static void freeze_banner_fill(struct request_ctx *ctx, struct tpl_dict *layout)
{
    struct freeze_banner b;
    struct tpl_dict *d, *f;
    struct gh_error err;
    int64_t now = time_now_ms();
    struct db *db;

    if (ctx->who.via == AUTH_NONE || (db = ctx_db(ctx, &err)) == NULL ||
        freeze_banner_get(db, now, &b) != 0 || b.count == 0)
        return;
    d = tpl_section(layout, "FREEZE_BANNER");
    for (int i = 0; i < b.count && i < FREEZE_BANNER_SHOWN; i++) {
        f = tpl_section(d, "FREEZE");
        tpl_set(f, "NAME", b.names[i]);
        page_time(f, "ENDS", b.ends_at[i], now);
    }
    if (b.count > FREEZE_BANNER_SHOWN)
        tpl_set_int(tpl_section(d, "MORE"), "COUNT", b.count - FREEZE_BANNER_SHOWN);
}

struct tpl_dict *page_begin(struct request_ctx *ctx, const char *title, const char *content_tpl,
                            struct tpl_dict **content)
{
    struct tpl_dict *layout = tpl_dict_new();

    tpl_set(layout, "TITLE", title);
    tpl_set(layout, "REQUEST_ID", ctx->req->request_id);
    /* When the page was rendered: static/time.js words times on the server's clock. */
    tpl_set_int(layout, "NOW_MS", time_now_ms());
    for (size_t i = 0; ctx->who.via != AUTH_NONE && i < sizeof(nav) / sizeof(nav[0]); i++) {
        struct tpl_dict *item = tpl_section(layout, "NAV");
        tpl_set(item, "LABEL", nav[i].label);
        tpl_set(item, "HREF", nav[i].href);
        if (strcmp(nav[i].href, ctx->req->path) == 0)
            tpl_show(item, "CURRENT");
    }
    if (ctx->who.via != AUTH_NONE) {
        struct tpl_dict *user = tpl_section(layout, "SIGNED_IN");
        tpl_set(user, "DISPLAY_NAME", ctx->who.display_name);
        tpl_set(user, "USERNAME", ctx->who.username);
        if (ctx->who.via == AUTH_SESSION) {
            struct tpl_dict *out = tpl_section(user, "LOGOUT");
            tpl_set(out, "CSRF", ctx->who.csrf);
        }
    }
    freeze_banner_fill(ctx, layout);
    *content = tpl_include(layout, "CONTENT", content_tpl);
    /* Every form a page holds carries the session's CSRF token. */
    tpl_set(*content, "CSRF", ctx->who.via == AUTH_SESSION ? ctx->who.csrf : "");
    return layout;
}

/* {{>key}} as time.tpl: datetime then_ms, the exact time as its title, text as given. */
static void time_fill(struct tpl_dict *d, const char *key, int64_t then_ms, const char *text,
                      int relative)
{
    struct tpl_dict *t = tpl_include(d, key, "time.tpl");
    char at[TIME_RFC3339_LEN], exact[TIME_HUMAN_LEN];

    /* The attribute is written anew, so it is always a valid RFC 3339 time. */
    time_format_rfc3339(then_ms, at);
    time_format_human(then_ms, 1, exact);
    tpl_set(t, "DATETIME", at);
    tpl_set(t, "EXACT", exact);
    tpl_set(t, "TEXT", text);
    if (relative)
        tpl_show(t, "RELATIVE");
}

int page_time(struct tpl_dict *d, const char *key, const char *rfc3339, int64_t now_ms)
{
    char ago[TIME_AGO_LEN];
    int64_t then;

    if (rfc3339 == NULL || time_parse_rfc3339(rfc3339, &then) != 0)
        return 0;
    time_format_ago(then, now_ms, ago);
    time_fill(d, key, then, ago, 1);
    return 1;
}

int page_time_exact(struct tpl_dict *d, const char *key, const char *rfc3339)
{
    char text[TIME_HUMAN_LEN];
    int64_t then;

    if (rfc3339 == NULL || time_parse_rfc3339(rfc3339, &then) != 0)
        return 0;
    time_format_human(then, 0, text);
    time_fill(d, key, then, text, 0);
    return 1;
}

void page_send(struct request_ctx *ctx, int status, struct tpl_dict *layout)
{
    struct http_response *resp = ctx->resp;
    struct gh_error err;

    http_response_reset(resp);
    if (tpl_render("layout.tpl", layout, &resp->body, &err) != 0) {
        http_response_reset(resp);
        resp->status = 500;
        resp->content_type = "text/plain; charset=utf-8";
        buf_printf(&resp->body, "internal error (request %s)\n", ctx->req->request_id);
    } else {
        resp->status = status;
        resp->content_type = "text/html; charset=utf-8";
    }
    tpl_dict_free(layout);
    ctx->replied = 1;
}

const char *path_client_id(struct request_ctx *ctx, const char *name, const char *what)
{
    const char *v = http_path_param(ctx->req, name);
    char msg[96];

    if (v && valid_client_id(v))
        return v;
    snprintf(msg, sizeof(msg), "no such %s", what);
    reply_error(ctx, 404, "not_found", msg, NULL);
    return NULL;
}

int64_t path_id(struct request_ctx *ctx, const char *name, const char *what)
{
    const char *v = http_path_param(ctx->req, name);
    char *end;
    long long id = v ? strtoll(v, &end, 10) : 0;

    if (v == NULL || *end != '\0' || id <= 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "no such %s", what);
        reply_error(ctx, 404, "not_found", msg, NULL);
        return 0;
    }
    return id;
}
