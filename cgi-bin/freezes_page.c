/*
 * The freeze pages: every freeze with a big state badge, and one freeze
 * with its standing violations (both hashes, and the acknowledge form for
 * admins), its check history and its manifest, both paged. They work
 * without JavaScript; there is nothing live on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/timeutil.h"
#include "freezes.h"

#define PAGE_SIZE     50
#define CHECKS_SHOWN  20
#define MANIFEST_PAGE 100

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t num(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

static const char *phase_text(const char *phase)
{
    if (phase == NULL)
        return "none";
    if (strcmp(phase, "in_effect") == 0)
        return "in effect";
    return phase;
}

/*
 * GET /freezes — any signed-in user.
 * Parameter: cursor (the next page). Newest first.
 */
void page_freezes(struct request_ctx *ctx)
{
    struct tpl_dict *layout, *content, *row, *d;
    char next[FREEZE_CURSOR_LEN];
    int64_t now = time_now_ms();
    struct gh_error err;
    json_t *list, *f;
    struct db *db;
    size_t i;

    if ((db = ctx_db(ctx, &err)) == NULL ||
        (list = freezes_list(db, http_param(ctx->req, "cursor"), PAGE_SIZE, now, next, &err)) ==
            NULL) {
        if (err.kind == GH_INVALID)
            reply_error(ctx, 400, "validation_failed",
                        "That page link is not one this site gave out.", NULL);
        else
            reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Freezes", "freezes.tpl", &content);
    json_array_foreach(list, i, f)
    {
        json_t *check = json_object_get(f, "last_check"), *w = json_object_get(f, "window");
        row = tpl_section(content, "FREEZE");
        tpl_set(row, "NAME", str(f, "name"));
        tpl_set(row, "STATE", str(f, "state"));
        tpl_set_int(row, "ARTIFACTS", num(f, "artifact_count"));
        if (num(f, "artifact_count") != 1)
            tpl_show(row, "ARTIFACTS_PLURAL");
        if (json_is_object(check))
            page_time(tpl_section(row, "CHECKED"), "AT", str(check, "checked_at"), now);
        else
            tpl_show(row, "NEVER");
        tpl_set(row, "WINDOW", phase_text(json_is_object(w) ? str(w, "phase") : NULL));
        if (json_is_true(json_object_get(f, "in_effect")))
            tpl_show(row, "IN_EFFECT");
        if (num(f, "open_violations")) {
            d = tpl_section(row, "STANDING");
            tpl_set_int(d, "COUNT", num(f, "open_violations"));
            if (num(f, "open_violations") > 1)
                tpl_show(d, "PLURAL");
        }
    }
    if (json_array_size(list) == 0 && http_param(ctx->req, "cursor") == NULL)
        tpl_show(content, "EMPTY");
    if (next[0])
        tpl_set(tpl_section(content, "MORE"), "CURSOR", next);
    json_decref(list);
    page_send(ctx, 200, layout);
}

static void fill_facts(struct request_ctx *ctx, struct tpl_dict *content, json_t *f, int64_t now)
{
    json_t *check = json_object_get(f, "last_check"), *w = json_object_get(f, "window");
    json_t *include = json_object_get(f, "include"), *g;
    struct tpl_dict *d;
    char text[200];
    struct buf globs = BUF_INIT;
    size_t i;

    tpl_set(content, "NAME", str(f, "name"));
    tpl_set(content, "STATE", str(f, "state"));
    if (*str(f, "description"))
        tpl_set(tpl_section(content, "DESCRIPTION"), "TEXT", str(f, "description"));
    if (strcmp(str(f, "state"), "intact") == 0)
        snprintf(text, sizeof(text), "Intact: the last check found every artifact as frozen.");
    else if (strcmp(str(f, "state"), "violated") == 0)
        snprintf(text, sizeof(text), "Violated: %lld standing violation%s.",
                 (long long)num(f, "open_violations"), num(f, "open_violations") == 1 ? "" : "s");
    else
        snprintf(text, sizeof(text), "Unverified: nothing has checked it yet.");
    tpl_set(content, "STATE_TEXT", text);
    if (json_is_object(check)) {
        d = tpl_section(content, "LAST_CHECK");
        page_time(d, "AT", str(check, "checked_at"), now);
        tpl_set(d, "BY", str(check, "checked_by"));
        tpl_set(d, "SOURCE", str(check, "source"));
        tpl_set(d, "STATE", str(check, "state"));
    } else {
        tpl_show(content, "NEVER");
    }
    if (json_is_object(w)) {
        const char *phase = str(w, "phase");
        d = tpl_section(content, "WINDOW");
        page_time(d, "STARTS", str(w, "starts_at"), now);
        page_time(d, "ENDS", str(w, "ends_at"), now);
        tpl_set(d, "PHASE", phase);
        tpl_set(d, "PHASE_TEXT", phase_text(phase));
        if (str(w, "lifted_at")) {
            struct tpl_dict *l = tpl_section(d, "LIFTED");
            page_time(l, "AT", str(w, "lifted_at"), now);
            tpl_set(l, "BY", str(w, "lifted_by"));
        }
        if ((ctx->who.roles & ROLE_ADMIN) && ctx->who.via == AUTH_SESSION &&
            (strcmp(phase, "in_effect") == 0 || strcmp(phase, "upcoming") == 0)) {
            struct tpl_dict *l = tpl_section(content, "LIFT");
            tpl_set(l, "NAME", str(f, "name"));
            tpl_set(l, "CSRF", ctx->who.csrf);
        }
    } else {
        tpl_show(content, "NO_WINDOW");
    }
    if (str(f, "root")) {
        d = tpl_section(content, "ROOT");
        tpl_set(d, "NAME", str(f, "root"));
        if (json_is_true(json_object_get(f, "closed")))
            tpl_show(d, "CLOSED");
    } else {
        tpl_show(content, "NO_ROOT");
    }
    json_array_foreach(include, i, g)
        buf_printf(&globs, "%s%s", i ? " " : "", json_string_value(g));
    if (globs.len)
        tpl_set(tpl_section(content, "INCLUDE"), "GLOBS", buf_str(&globs));
    buf_free(&globs);
    tpl_set_int(content, "ARTIFACTS", num(f, "artifact_count"));
    tpl_set_int(content, "BYTES", num(f, "total_bytes"));
    tpl_set(content, "DIGEST", str(f, "manifest_sha256"));
    page_time(content, "CREATED", str(f, "created_at"), now);
    tpl_set(content, "CREATED_BY", str(f, "created_by"));
}

static void fill_violations(struct request_ctx *ctx, struct tpl_dict *content, json_t *f,
                            int64_t now)
{
    json_t *list = json_object_get(f, "violations"), *v;
    int admin = (ctx->who.roles & ROLE_ADMIN) && ctx->who.via == AUTH_SESSION;
    struct tpl_dict *row, *d;
    size_t i;

    tpl_set_int(content, "OPEN", num(f, "open_violations"));
    if (json_array_size(list) == 0)
        tpl_show(content, "NO_VIOLATIONS");
    json_array_foreach(list, i, v)
    {
        json_t *ack = json_object_get(v, "acknowledged");
        row = tpl_section(content, "VIOLATION");
        tpl_set_int(row, "ID", num(v, "id"));
        tpl_set(row, "KIND", str(v, "kind"));
        tpl_set(row, "PATH", str(v, "path"));
        page_time(row, "DETECTED", str(v, "detected_at"), now);
        tpl_set(row, "EXPECTED",
                str(v, "expected_sha256") ? str(v, "expected_sha256") : "(not in the manifest)");
        tpl_set(row, "ACTUAL",
                str(v, "actual_sha256")                  ? str(v, "actual_sha256")
                : strcmp(str(v, "kind"), "missing") == 0 ? "(no file)"
                                                         : "(a link out of the root)");
        if (json_is_integer(json_object_get(v, "expected_size")))
            tpl_set_int(tpl_section(row, "EXPECTED_SIZE"), "SIZE", num(v, "expected_size"));
        if (json_is_integer(json_object_get(v, "actual_size")))
            tpl_set_int(tpl_section(row, "ACTUAL_SIZE"), "SIZE", num(v, "actual_size"));
        if (json_is_object(ack)) {
            tpl_show(row, "ACKED");
            d = tpl_section(row, "ACK");
            tpl_set(d, "BY", str(ack, "by"));
            page_time(d, "AT", str(ack, "at"), now);
            tpl_set(d, "COMMENT", str(ack, "comment"));
        } else if (admin) {
            d = tpl_section(row, "ACK_FORM");
            tpl_set(d, "NAME", str(f, "name"));
            tpl_set_int(d, "ID", num(v, "id"));
            tpl_set(d, "CSRF", ctx->who.csrf);
        }
    }
    if (num(f, "open_violations") > (int64_t)json_array_size(list)) {
        d = tpl_section(content, "MORE_VIOLATIONS");
        tpl_set_int(d, "SHOWN", (long long)json_array_size(list));
        tpl_set_int(d, "OPEN", num(f, "open_violations"));
        tpl_set(d, "NAME", str(f, "name"));
    }
}

/* The check history and the manifest, each from its own cursor. */
static int fill_pages(struct request_ctx *ctx, struct db *db, struct tpl_dict *content,
                      const char *name, int64_t now, struct gh_error *err)
{
    char next[FREEZE_CURSOR_LEN];
    struct tpl_dict *row, *d;
    json_t *list, *c;
    size_t i;

    list = freeze_checks_page(db, name, http_param(ctx->req, "checks_cursor"), CHECKS_SHOWN, next,
                              err);
    if (list == NULL)
        return -1;
    if (json_array_size(list) == 0)
        tpl_show(content, "NO_CHECKS");
    json_array_foreach(list, i, c)
    {
        row = tpl_section(content, "CHECK");
        tpl_set(row, "STATE", str(c, "state"));
        page_time(row, "AT", str(c, "checked_at"), now);
        tpl_set(row, "BY", str(c, "checked_by"));
        tpl_set(row, "SOURCE", str(c, "source"));
        tpl_set_int(row, "CHECKED", num(c, "artifacts_checked"));
        if (strcmp(str(c, "state"), "violated") == 0) {
            d = tpl_section(row, "FOUND");
            tpl_set_int(d, "MODIFIED", num(c, "modified"));
            tpl_set_int(d, "MISSING", num(c, "missing"));
            tpl_set_int(d, "UNEXPECTED", num(c, "unexpected"));
        }
        if (num(c, "new_violations"))
            tpl_set_int(tpl_section(row, "OPENED"), "COUNT", num(c, "new_violations"));
        if (num(c, "restored"))
            tpl_set_int(tpl_section(row, "RESTORED"), "COUNT", num(c, "restored"));
    }
    json_decref(list);
    if (next[0]) {
        d = tpl_section(content, "MORE_CHECKS");
        tpl_set(d, "NAME", name);
        tpl_set(d, "CURSOR", next);
    }
    list = freeze_artifacts_page(db, name, http_param(ctx->req, "artifacts_cursor"), MANIFEST_PAGE,
                                 next, err);
    if (list == NULL)
        return -1;
    json_array_foreach(list, i, c)
    {
        row = tpl_section(content, "ARTIFACT");
        tpl_set(row, "PATH", str(c, "path"));
        tpl_set_int(row, "SIZE", num(c, "size"));
        tpl_set(row, "SHA256", str(c, "sha256"));
    }
    json_decref(list);
    if (next[0]) {
        d = tpl_section(content, "MORE_ARTIFACTS");
        tpl_set(d, "NAME", name);
        tpl_set(d, "CURSOR", next);
    }
    return 0;
}

/*
 * The confirmation for ?done= (after a lift or an acknowledgement), or
 * NULL when it would not be true (a link with ?done= can be opened by
 * anyone, any time).
 */
static const char *done_message(struct request_ctx *ctx, json_t *f, char *buf, size_t size)
{
    const char *done = http_param(ctx->req, "done"), *vid = http_param(ctx->req, "vid");
    json_t *w = json_object_get(f, "window"), *v;
    size_t i;

    if (done == NULL)
        return NULL;
    if (strcmp(done, "lifted") == 0 && json_is_object(w) && str(w, "lifted_by") &&
        strcmp(str(w, "lifted_by"), ctx->who.username) == 0)
        return "You lifted the window: approvals no longer need break-glass for this freeze.";
    if (strcmp(done, "acked") != 0 || vid == NULL)
        return NULL;
    json_array_foreach(json_object_get(f, "violations"), i, v)
    {
        json_t *ack = json_object_get(v, "acknowledged");
        if (json_is_object(ack) && num(v, "id") == strtoll(vid, NULL, 10) &&
            strcmp(str(ack, "by"), ctx->who.username) == 0) {
            snprintf(buf, size, "Your acknowledgement of violation #%lld is recorded.",
                     (long long)num(v, "id"));
            return buf;
        }
    }
    return NULL;
}

/* The freeze page, with a message (why an action did not happen), or ?done='s confirmation. */
static void freeze_page(struct request_ctx *ctx, int status, const char *message, const char *kind)
{
    const char *name = freeze_path_name(ctx);
    struct tpl_dict *layout, *content, *d;
    int64_t now = time_now_ms();
    char done[120];
    struct gh_error err;
    struct db *db;
    json_t *f;

    if (name == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || (f = freeze_get(db, name, now, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, name, "freeze.tpl", &content);
    fill_facts(ctx, content, f, now);
    fill_violations(ctx, content, f, now);
    if (fill_pages(ctx, db, content, name, now, &err) != 0) {
        json_decref(f);
        tpl_dict_free(layout);
        if (err.kind == GH_INVALID)
            reply_error(ctx, 400, "validation_failed",
                        "That page link is not one this site gave out.", NULL);
        else
            reply_gh_error(ctx, &err);
        return;
    }
    if (!message && (message = done_message(ctx, f, done, sizeof(done))) != NULL)
        kind = "good";
    if (message) {
        d = tpl_section(content, "MESSAGE");
        tpl_set(d, "TEXT", message);
        tpl_set(d, "KIND", kind);
    }
    json_decref(f);
    page_send(ctx, status, layout);
}

/*
 * GET /freezes/{name} — any signed-in user.
 * Parameters: checks_cursor, artifacts_cursor (the next page of either);
 * done, vid (the confirmation after a lift or an acknowledgement).
 */
void page_freeze(struct request_ctx *ctx)
{
    freeze_page(ctx, 200, NULL, NULL);
}

/* A refused change, on the freeze page: why, as a sentence. */
static void refused(struct request_ctx *ctx, const struct gh_error *err, const char *what)
{
    char msg[600];

    if (err->kind != GH_CONFLICT) {
        reply_gh_error(ctx, err);
        return;
    }
    snprintf(msg, sizeof(msg), "%s: %s.", what, err->message);
    freeze_page(ctx, 409, msg, "bad");
}

/*
 * POST /freezes/{name}/violations/{vid}/ack — admin (CSRF checked by the
 * dispatcher). Form: comment (1..2000 characters). 303 back to the freeze.
 */
void page_freeze_ack(struct request_ctx *ctx)
{
    const char *name = freeze_path_name(ctx), *comment;
    int64_t vid = name ? path_id(ctx, "vid", "violation") : 0;
    struct freeze_actor who = freeze_actor_of(ctx);
    struct gh_error err;
    struct db *db;
    char to[160];
    json_t *v;

    if (vid == 0)
        return;
    if (http_read_form(ctx->req, (size_t)ctx->app->cfg.max_body_bytes) != HTTP_BODY_OK) {
        reply_error(ctx, 400, "validation_failed", "the form arrived incomplete", NULL);
        return;
    }
    comment = http_form(ctx->req, "comment");
    if (comment == NULL || *comment == '\0' || !utf8_valid(comment) ||
        utf8_length(comment) > FREEZE_COMMENT_MAX) {
        freeze_page(ctx, 400, "Say why in the comment (up to 2000 characters) to acknowledge.",
                    "bad");
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        freeze_ack(db, &who, name, vid, comment, &v, &err) != 0) {
        refused(ctx, &err, "The violation was not acknowledged");
        return;
    }
    json_decref(v);
    snprintf(to, sizeof(to), "/freezes/%s?done=acked&vid=%lld#violation-%lld", name, (long long)vid,
             (long long)vid);
    reply_redirect(ctx, to);
}

/* POST /freezes/{name}/lift — admin (CSRF checked by the dispatcher). 303 back to the freeze. */
void page_freeze_lift(struct request_ctx *ctx)
{
    const char *name = freeze_path_name(ctx);
    struct freeze_actor who = freeze_actor_of(ctx);
    struct gh_error err;
    struct db *db;
    char to[120];
    json_t *f;

    if (name == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || freeze_lift(db, &who, name, &f, &err) != 0) {
        refused(ctx, &err, "The window was not lifted");
        return;
    }
    json_decref(f);
    snprintf(to, sizeof(to), "/freezes/%s?done=lifted", name);
    reply_redirect(ctx, to);
}
