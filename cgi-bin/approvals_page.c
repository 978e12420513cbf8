/*
 * The approval pages: the list (waiting requests first, oldest at the top,
 * then recent decisions) and one request with its vote forms. Both work
 * without JavaScript; static/approvals.js refreshes them live.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/freezes.h"
#include "../core/ledger.h"
#include "../core/timeutil.h"
#include "approvals.h"

#define PAGE_SIZE 50
/* A waiting request this close to its expiry is marked as expiring soon. */
#define SOON_MS (60LL * 60 * 1000)

static const char *str(json_t *a, const char *key)
{
    return json_string_value(json_object_get(a, key));
}

static int64_t ms_of(json_t *a, const char *key)
{
    int64_t ms = 0;

    if (str(a, key))
        time_parse_rfc3339(str(a, key), &ms);
    return ms;
}

/* What every view of a request shows. */
static void fill_basics_of(struct tpl_dict *d, int64_t id, int tier, const char *status,
                           const char *action_type, const char *target, const char *requested_by,
                           const char *mission_id)
{
    tpl_set_int(d, "ID", id);
    tpl_set_int(d, "TIER", tier);
    tpl_set(d, "STATUS", status);
    tpl_set(d, "ACTION_TYPE", action_type);
    tpl_set(d, "TARGET", target);
    tpl_set(d, "REQUESTED_BY", requested_by);
    if (mission_id)
        tpl_set(tpl_section(d, "MISSION"), "MISSION_ID", mission_id);
}

static void fill_basics(struct tpl_dict *d, json_t *a)
{
    fill_basics_of(d, json_integer_value(json_object_get(a, "id")),
                   (int)json_integer_value(json_object_get(a, "tier")), str(a, "status"),
                   str(a, "action_type"), str(a, "target"), str(a, "requested_by"),
                   str(a, "mission_id"));
}

void approval_row_add(const struct approval_summary *s, void *arg)
{
    const struct approval_rows *rows = arg;
    struct tpl_dict *row = tpl_section(rows->list, "ROW");

    fill_basics_of(row, s->id, s->tier, s->status, s->action_type, s->target, s->requested_by,
                   s->mission_id);
    if (s->verification_state)
        tpl_set(tpl_section(row, "VERIFICATION"), "STATE", s->verification_state);
    if (strcmp(s->status, "pending") == 0) {
        struct tpl_dict *w = tpl_section(row, "WAITING");
        int64_t expires = 0;
        time_parse_rfc3339(s->expires_at, &expires);
        page_time(w, "FILED", s->created_at, rows->now_ms);
        tpl_set(w, "EXPIRES", expires > rows->now_ms ? "expires" : "expired");
        page_time(w, "EXPIRES_AT", s->expires_at, rows->now_ms);
        if (expires - rows->now_ms < SOON_MS)
            tpl_show(w, "SOON");
    } else {
        struct tpl_dict *d = tpl_section(row, "DECIDED");
        tpl_set(d, "STATUS", s->status);
        page_time(d, "AT", s->decided_at, rows->now_ms);
        if (s->decided_by)
            tpl_set(tpl_section(d, "BY"), "WHO", s->decided_by);
    }
}

/* The end of one section of the list page: said empty, or a link to its next page. */
static void finish_section(struct tpl_dict *section, int shown, const char *next,
                           const struct approval_filter *f)
{
    if (shown == 0)
        tpl_show(section, "EMPTY");
    if (next[0]) {
        struct tpl_dict *more = tpl_section(section, "MORE");
        tpl_set(more, "CURSOR", next);
        tpl_set(more, "STATUS", f->status ? f->status : "");
        if (f->tier)
            tpl_set_int(more, "TIER", f->tier);
        tpl_set(more, "MISSION_ID", f->mission_id ? f->mission_id : "");
        tpl_set(more, "VERIFICATION", f->verification ? f->verification : "");
    }
}

static void fill_filters(struct tpl_dict *content, const struct approval_filter *f)
{
    static const char *const statuses[] = {"",        "pending",   "approved", "denied",
                                           "expired", "cancelled", NULL};
    static const char *const tiers[] = {"", "1", "2", "3", NULL};
    static const char *const verifications[] = {"",         "pending",      "verified",
                                                "violated", "unverifiable", NULL};

    for (int i = 0; statuses[i]; i++) {
        struct tpl_dict *o = tpl_section(content, "STATUS_OPTION");
        tpl_set(o, "VALUE", statuses[i]);
        tpl_set(o, "LABEL", i ? statuses[i] : "any");
        if (strcmp(f->status ? f->status : "", statuses[i]) == 0)
            tpl_show(o, "SELECTED");
    }
    for (int i = 0; tiers[i]; i++) {
        struct tpl_dict *o = tpl_section(content, "TIER_OPTION");
        tpl_set(o, "VALUE", tiers[i]);
        tpl_set(o, "LABEL", i ? tiers[i] : "any");
        if (f->tier == i)
            tpl_show(o, "SELECTED");
    }
    for (int i = 0; verifications[i]; i++) {
        struct tpl_dict *o = tpl_section(content, "VERIFICATION_OPTION");
        tpl_set(o, "VALUE", verifications[i]);
        tpl_set(o, "LABEL", i ? verifications[i] : "any");
        if (strcmp(f->verification ? f->verification : "", verifications[i]) == 0)
            tpl_show(o, "SELECTED");
    }
    tpl_set(content, "MISSION_ID", f->mission_id ? f->mission_id : "");
}

/*
 * GET /approvals — any signed-in user.
 * Parameters: status, tier, mission_id (filters), pending_cursor and
 * decided_cursor (the next page of either part).
 */
void page_approvals(struct request_ctx *ctx)
{
    const char *pending_cursor = http_param(ctx->req, "pending_cursor");
    const char *decided_cursor = http_param(ctx->req, "decided_cursor");
    struct field_errors e = FIELD_ERRORS_INIT;
    struct approval_filter f = {0};
    struct tpl_dict *layout, *content, *section;
    char next[APPROVAL_CURSOR_LEN];
    int64_t now = time_now_ms(), head, count;
    struct approval_rows rows = {NULL, now};
    int show_pending, show_decided, shown;
    struct gh_error err;
    struct db *db;

    approval_filter_read(ctx, &f, &e);
    if (e.count) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s %s.",
                 json_string_value(json_object_get(json_array_get(e.details, 0), "field")),
                 json_string_value(json_object_get(json_array_get(e.details, 0), "problem")));
        field_errors_free(&e);
        reply_error(ctx, 400, "validation_failed", msg, NULL);
        return;
    }
    /* Only granted, executed requests have a verification: the decided part holds them. */
    show_pending = (f.status == NULL || strcmp(f.status, "pending") == 0) &&
                   decided_cursor == NULL && f.verification == NULL;
    show_decided = (f.status == NULL || strcmp(f.status, "pending") != 0) && pending_cursor == NULL;
    if ((db = ctx_db(ctx, &err)) == NULL || ledger_head_seq(db, &head, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Approvals", "approvals.tpl", &content);
    fill_filters(content, &f);
    tpl_set_int(content, "LAST_SEQ", head);
    if (show_pending) {
        section = tpl_section(content, "PENDING");
        rows.list = tpl_include(section, "LIST", "approval_list.tpl");
        shown = approvals_pending(db, &f, pending_cursor, PAGE_SIZE, next, approval_row_add, &rows,
                                  &err);
        if (shown < 0 || approvals_pending_count(db, &f, &count, &err) != 0)
            goto fail;
        tpl_set_int(section, "COUNT", count);
        finish_section(section, shown, next, &f);
    }
    if (show_decided) {
        section = tpl_section(content, "DECIDED");
        rows.list = tpl_include(section, "LIST", "approval_list.tpl");
        shown = approvals_decided(db, &f, decided_cursor, PAGE_SIZE, next, approval_row_add, &rows,
                                  &err);
        if (shown < 0)
            goto fail;
        finish_section(section, shown, next, &f);
    }
    page_send(ctx, 200, layout);
    return;
fail:
    tpl_dict_free(layout);
    if (err.kind == GH_INVALID)
        reply_error(ctx, 400, "validation_failed", "That page link is not one this site gave out.",
                    NULL);
    else
        reply_gh_error(ctx, &err);
}

/* "1 more approval from an approver", and so on. */
static void needs_text(const struct approval_facts *f, char *out, size_t size)
{
    struct approval_needs n;
    const char *who = f->nvotes ? "another approver" : "an approver";

    approval_needs(f, &n);
    if (n.approvals == 1)
        snprintf(out, size, "1 more approval from %s", who);
    else if (n.approvals > 1)
        snprintf(out, size, "%d more approvals from %d different approvers", n.approvals,
                 n.approvals);
    else
        out[0] = '\0';
    if (n.break_glass)
        snprintf(out + strlen(out), size - strlen(out), "%sa break-glass vote from an executive",
                 out[0] ? ", and " : "");
}

/*
 * Why a pending request needs break-glass, and whose vote it still lacks:
 * the freezes in effect (from the banner, cached), or that none is any
 * more and the requirement goes at the next vote or worker run.
 */
static void fill_break_glass(struct db *db, struct tpl_dict *content,
                             const struct approval_facts *f, int64_t now_ms)
{
    struct freeze_banner b;
    struct approval_needs n;
    struct tpl_dict *d;
    struct buf names = BUF_INIT;

    if (f->status != APPROVAL_PENDING || !f->break_glass_required)
        return;
    d = tpl_section(content, "BREAK_GLASS_NOTICE");
    if (freeze_banner_get(db, now_ms, &b) != 0 || b.count == 0) {
        tpl_show(d, "ENDED");
        return;
    }
    for (int i = 0; i < b.count && i < FREEZE_BANNER_SHOWN; i++)
        buf_printf(&names, "%s%s", i ? ", " : "", b.names[i]);
    if (b.count > FREEZE_BANNER_SHOWN)
        buf_printf(&names, " and %d more", b.count - FREEZE_BANNER_SHOWN);
    approval_needs(f, &n);
    d = tpl_section(d, "IN_EFFECT");
    tpl_set(d, "FREEZES", buf_str(&names));
    tpl_show(d, n.break_glass ? "MISSING" : "GIVEN");
    buf_free(&names);
}

/* What happened to a decided request, in a sentence. */
static void outcome_text(json_t *a, char *out, size_t size)
{
    const char *status = str(a, "status"), *by = str(a, "decided_by");

    if (strcmp(status, "approved") == 0 && by && strcmp(by, "system") == 0)
        snprintf(out, size, "Approved on arrival (tier 1).");
    else if (strcmp(status, "approved") == 0)
        snprintf(out, size, "Approved; the last approval came from %s.", by ? by : "?");
    else if (strcmp(status, "denied") == 0)
        snprintf(out, size, "Denied by %s.", by ? by : "?");
    else if (strcmp(status, "expired") == 0)
        snprintf(out, size, "Expired: nobody decided before its expiry.");
    else
        snprintf(out, size, "Cancelled by %s.", by ? by : "?");
}

static void fill_votes(struct tpl_dict *content, json_t *a, int64_t now_ms)
{
    json_t *votes = json_object_get(a, "votes"), *v;
    size_t i;

    json_array_foreach(votes, i, v)
    {
        struct tpl_dict *row = tpl_section(content, "VOTE");
        int approve = strcmp(str(v, "verdict"), "approve") == 0;
        tpl_set(row, "BY", str(v, "by"));
        tpl_set(row, "VERDICT", str(v, "verdict"));
        tpl_set(row, "VERDICT_TEXT", approve ? "approved" : "denied");
        page_time(row, "AT", str(v, "at"), now_ms);
        if (*str(v, "comment"))
            tpl_set(tpl_section(row, "COMMENT"), "TEXT", str(v, "comment"));
    }
    if (json_array_size(votes) == 0)
        tpl_show(content, "NO_VOTES");
}

static void fill_execution(struct tpl_dict *content, json_t *x, int64_t now_ms)
{
    struct tpl_dict *d;
    json_t *resolved = json_object_get(x, "error_resolved");
    char *metrics;

    if (!json_is_object(x))
        return;
    d = tpl_section(content, "EXECUTION");
    tpl_show(d, json_is_true(json_object_get(x, "ok")) ? "OK" : "FAILED");
    tpl_set(d, "RESULT", str(x, "status"));
    page_time(d, "AT", str(x, "reported_at"), now_ms);
    if (json_is_boolean(resolved))
        tpl_set(tpl_section(d, "RESOLVED"), "TEXT",
                json_is_true(resolved) ? "resolved" : "not resolved");
    metrics = json_dumps(json_object_get(x, "metrics"), JSON_INDENT(2) | JSON_SORT_KEYS);
    tpl_set(d, "METRICS", metrics ? metrics : "{}");
    free(metrics);
}

/* "0.0004", or "no samples" for JSON null. */
static void observed_text(json_t *v, char *out, size_t size)
{
    if (json_is_number(v))
        snprintf(out, size, "%.4g", json_number_value(v));
    else
        snprintf(out, size, "no samples");
}

/* The contract of a verified action: its criteria as judged, the snapshot, the rollback. */
static void fill_contract(struct tpl_dict *content, json_t *a, int64_t now_ms)
{
    static const char *const states[][2] = {
        {"pending", "Verification pending: the contract is judged as evidence arrives"},
        {"verified", "Verified: every criterion was met"},
        {"violated", "Violated: the action broke its contract"},
        {"unverifiable", "Unverifiable: a criterion saw no samples before the deadline"},
    };
    json_t *contract = json_object_get(a, "contract"), *v = json_object_get(a, "verification");
    json_t *snap = json_object_get(a, "snapshot"), *rb = json_object_get(a, "rollback"), *c;
    json_t *judged = json_object_get(v, "criteria");
    const char *state = json_is_object(v) ? str(v, "state") : NULL;
    struct tpl_dict *d;
    char text[TIME_SPAN_LEN + 16];
    size_t i;

    if (!json_is_object(contract))
        return;
    d = tpl_section(content, "CONTRACT");
    time_format_span(json_integer_value(json_object_get(contract, "verify_within_seconds")) * 1000,
                     text);
    tpl_set(d, "WITHIN", text);
    tpl_set(d, "STATE", state ? state : "waiting");
    tpl_set(d, "STATE_TEXT",
            "Not executed yet: the contract is judged once the execution is "
            "reported");
    for (size_t k = 0; state && k < sizeof(states) / sizeof(states[0]); k++)
        if (strcmp(state, states[k][0]) == 0)
            tpl_set(d, "STATE_TEXT", states[k][1]);
    if (state && json_is_string(json_object_get(v, "decided_at")))
        page_time(tpl_section(d, "DECIDED"), "AT", str(v, "decided_at"), now_ms);
    else if (state)
        page_time(tpl_section(d, "WINDOW"), "UNTIL", str(v, "deadline"), now_ms);
    json_array_foreach(json_object_get(contract, "criteria"), i, c)
    {
        struct tpl_dict *row = tpl_section(d, "CRITERION");
        json_t *r = json_array_get(judged, i);
        char target[64], observed[40];
        snprintf(target, sizeof(target), "%s %g", str(c, "op"),
                 json_number_value(json_object_get(c, "threshold")));
        tpl_set(row, "NAME", str(c, "name"));
        tpl_set(row, "METRIC", str(c, "metric"));
        tpl_set(row, "AGGREGATE", str(c, "aggregate"));
        tpl_set(row, "TARGET", target);
        observed_text(json_object_get(r, "observed"), observed, sizeof(observed));
        tpl_set(row, "OBSERVED", r ? observed : "not yet");
        if (json_is_object(r) && json_is_number(json_object_get(r, "observed")))
            tpl_show(row, json_is_true(json_object_get(r, "passed")) ? "PASS" : "FAIL");
    }
    if (json_is_object(snap)) {
        struct tpl_dict *s = tpl_section(d, "SNAPSHOT");
        char *details =
            json_dumps(json_object_get(snap, "details"), JSON_INDENT(2) | JSON_SORT_KEYS);
        tpl_set(s, "ID", str(snap, "snapshot_id"));
        tpl_set(s, "KIND", str(snap, "kind"));
        tpl_set(s, "BY", str(snap, "reported_by"));
        page_time(s, "TAKEN", str(snap, "taken_at"), now_ms);
        tpl_set(s, "DETAILS", details ? details : "{}");
        free(details);
    } else {
        tpl_show(d, "NO_SNAPSHOT");
    }
    if (json_is_object(rb)) {
        struct tpl_dict *r = tpl_section(d, "ROLLBACK");
        json_t *result = json_object_get(rb, "result");
        tpl_set(r, "SNAPSHOT_ID", str(rb, "snapshot_id"));
        page_time(r, "AT", str(rb, "requested_at"), now_ms);
        if (json_is_object(result)) {
            struct tpl_dict *res = tpl_section(r, "RESULT");
            tpl_show(res, json_is_true(json_object_get(result, "ok")) ? "OK" : "FAILED");
            tpl_set(res, "STATUS", str(result, "status"));
            if (json_is_string(json_object_get(result, "restored_snapshot_id")))
                tpl_set(tpl_section(res, "RESTORED"), "ID", str(result, "restored_snapshot_id"));
            page_time(res, "AT", str(result, "reported_at"), now_ms);
        } else {
            tpl_show(r, "WAITING");
        }
    }
}

/* The decision area: what is still needed, the vote forms or why there are none, cancel. */
static void fill_decision(struct request_ctx *ctx, struct tpl_dict *content, json_t *a,
                          const struct approval_facts *f, int64_t now_ms)
{
    int pending = f->status == APPROVAL_PENDING, forms = ctx->who.via == AUTH_SESSION;
    int64_t expires = ms_of(a, "expires_at");
    char text[300];
    struct gh_error err;
    struct tpl_dict *d;

    if (!pending) {
        outcome_text(a, text, sizeof(text));
        tpl_set(tpl_section(content, "OUTCOME"), "TEXT", text);
        return;
    }
    d = tpl_section(content, "EXPIRY");
    page_time(tpl_section(d, now_ms < expires ? "OPEN" : "OVERDUE"), "AT", str(a, "expires_at"),
              now_ms);
    needs_text(f, text, sizeof(text));
    if (text[0])
        tpl_set(tpl_section(content, "NEEDS"), "TEXT", text);
    if (strcmp(ctx->who.username, f->requested_by) == 0) {
        tpl_set(tpl_section(content, "NOTICE"), "TEXT",
                "You filed this request, so you cannot approve or deny it: another approver "
                "must.");
    } else if (vote_check(f, ctx->who.username, ctx->who.roles, now_ms, &err) == 0) {
        if (forms)
            tpl_set(tpl_section(content, "ACTIONS"), "CSRF", ctx->who.csrf);
    } else if (err.kind == GH_SELF_APPROVAL) {
        tpl_set(tpl_section(content, "NOTICE"), "TEXT",
                "You filed this request, so you cannot approve or deny it: another approver "
                "must.");
    } else if (err.kind == GH_DUPLICATE_VOTE) {
        tpl_set(tpl_section(content, "NOTICE"), "TEXT",
                "You have voted on this request; it is waiting for the others.");
    } else if (err.kind == GH_FORBIDDEN) {
        tpl_set(tpl_section(content, "NOTICE"), "TEXT",
                "Approvers decide this request; you can follow it here.");
    }
    if (forms && now_ms < expires &&
        cancel_check(f, ctx->who.username, ctx->who.roles, now_ms, &err) == 0)
        tpl_set(tpl_section(content, "CANCEL"), "CSRF", ctx->who.csrf);
}

/*
 * The confirmation for ?done=what (after a vote or a cancel), or NULL when
 * it would not be true: the viewer did not vote that way, or the request
 * has moved on since (a link with ?done= can be opened by anyone, any time).
 */
static const char *done_message(const char *what, const struct approval_facts *f,
                                const char *viewer, json_t *a)
{
    static const struct {
        const char *what;
        enum approval_status status;
        int approve; /* the viewer's vote; -1: the viewer decided it (cancel) */
        const char *text;
    } done[] = {
        {"granted", APPROVAL_APPROVED, 1,
         "You approved this request: it is granted and the executor is being told."},
        {"voted", APPROVAL_PENDING, 1,
         "Your approval is counted; the request still needs another approver."},
        {"denied", APPROVAL_DENIED, 0, "You denied this request."},
        {"cancelled", APPROVAL_CANCELLED, -1, "You cancelled this request."},
    };

    for (size_t i = 0; what && i < sizeof(done) / sizeof(done[0]); i++) {
        if (strcmp(what, done[i].what) != 0 || f->status != done[i].status)
            continue;
        if (done[i].approve < 0) {
            const char *by = str(a, "decided_by");
            return by && strcmp(by, viewer) == 0 ? done[i].text : NULL;
        }
        for (int v = 0; v < f->nvotes; v++)
            if (strcmp(f->votes[v].voter, viewer) == 0 && f->votes[v].approve == done[i].approve)
                return done[i].text;
    }
    return NULL;
}

/*
 * The request page. message (may be NULL) says why an action did not
 * happen; without one, ?done= may confirm what did.
 */
static void approval_page(struct request_ctx *ctx, int status, const char *message,
                          const char *kind)
{
    int64_t id = path_id(ctx, "id", "approval request"), now = time_now_ms(), head;
    struct tpl_dict *layout, *content, *d;
    struct approval_facts f;
    char needed[80], *params;
    struct gh_error err;
    struct db *db;
    json_t *a;

    if (id == 0)
        return;
    /* Read the head first: a change landing after it is replayed by the live stream. */
    if ((db = ctx_db(ctx, &err)) == NULL || ledger_head_seq(db, &head, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    if ((a = approval_get(db, id, &err)) == NULL || approval_facts_load(db, id, &f, &err) != 0) {
        json_decref(a);
        reply_gh_error(ctx, &err);
        return;
    }
    snprintf(needed, sizeof(needed), "#%lld %s", (long long)id, str(a, "action_type"));
    layout = page_begin(ctx, needed, "approval.tpl", &content);
    fill_basics(content, a);
    tpl_set_int(content, "LAST_SEQ", head);
    page_time(content, "CREATED", str(a, "created_at"), now);
    if (*str(a, "reason"))
        tpl_set(tpl_section(content, "REASON"), "TEXT", str(a, "reason"));
    else
        tpl_show(content, "NO_REASON");
    if (!str(a, "mission_id"))
        tpl_show(content, "NO_MISSION");
    if (f.required_approvals == 0)
        snprintf(needed, sizeof(needed), "no votes: tier 1 is approved on arrival");
    else if (f.required_approvals == 1)
        snprintf(needed, sizeof(needed), "1 approval from an approver");
    else
        snprintf(needed, sizeof(needed), "%d approvals from %d different approvers",
                 f.required_approvals, f.required_approvals);
    tpl_set(content, "REQUIRED", needed);
    if (f.break_glass_required)
        tpl_show(content, "BREAK_GLASS");
    if (f.status != APPROVAL_PENDING) {
        d = tpl_section(content, "DECIDED");
        tpl_set(d, "STATUS", str(a, "status"));
        page_time(d, "AT", str(a, "decided_at"), now);
        if (str(a, "decided_by"))
            tpl_set(tpl_section(d, "BY"), "WHO", str(a, "decided_by"));
    }
    if (!message &&
        (message = done_message(http_param(ctx->req, "done"), &f, ctx->who.username, a)) != NULL)
        kind = "good";
    if (message) {
        d = tpl_section(content, "MESSAGE");
        tpl_set(d, "TEXT", message);
        tpl_set(d, "KIND", kind);
    }
    fill_decision(ctx, content, a, &f, now);
    fill_break_glass(db, content, &f, now);
    fill_votes(content, a, now);
    fill_execution(content, json_object_get(a, "execution"), now);
    fill_contract(content, a, now);
    params = json_dumps(json_object_get(a, "params"), JSON_INDENT(2) | JSON_SORT_KEYS);
    tpl_set(content, "PARAMS", params ? params : "{}");
    free(params);
    json_decref(a);
    page_send(ctx, status, layout);
}

/*
 * GET /approvals/{id} — any signed-in user.
 * Parameter done (after a vote or a cancel): which confirmation to show.
 */
void page_approval(struct request_ctx *ctx)
{
    approval_page(ctx, 200, NULL, NULL);
}

/* Back to the request page after a change, saying what it was. */
static void redirect_done(struct request_ctx *ctx, json_t *a, const char *what)
{
    char to[96];

    snprintf(to, sizeof(to), "/approvals/%lld?done=%s",
             (long long)json_integer_value(json_object_get(a, "id")), what);
    reply_redirect(ctx, to);
}

/* A refused change, on the request page: why, as a sentence. */
static void refused(struct request_ctx *ctx, const struct gh_error *err, const char *what)
{
    char msg[600];
    int status = err->kind == GH_FORBIDDEN ? 403 : 409;

    if (err->kind == GH_NOT_FOUND || err->kind == GH_INTERNAL || err->kind == GH_UNAVAILABLE) {
        reply_gh_error(ctx, err);
        return;
    }
    snprintf(msg, sizeof(msg), "%s: %s.", what, err->message);
    approval_page(ctx, status, msg, "bad");
}

/*
 * POST /approvals/{id}/vote — approver, or executive for break-glass (CSRF
 * checked by the dispatcher). Form: verdict (approve|deny), comment.
 * 303 back to the request, or the request page with the reason.
 */
void page_approval_vote(struct request_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", "approval request");
    struct actor who = ctx_actor(ctx);
    const char *verdict, *comment;
    struct gh_error err;
    struct db *db;
    json_t *a;

    if (id == 0)
        return;
    if (http_read_form(ctx->req, (size_t)ctx->app->cfg.max_body_bytes) != HTTP_BODY_OK) {
        reply_error(ctx, 400, "validation_failed", "the form arrived incomplete", NULL);
        return;
    }
    verdict = http_form(ctx->req, "verdict");
    comment = http_form(ctx->req, "comment");
    if (comment == NULL)
        comment = "";
    if (verdict == NULL || (strcmp(verdict, "approve") && strcmp(verdict, "deny"))) {
        approval_page(ctx, 400, "Choose Approve or Deny.", "bad");
        return;
    }
    if (!utf8_valid(comment) || utf8_length(comment) > 2000) {
        approval_page(ctx, 400, "The comment must be at most 2000 characters of text.", "bad");
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        approval_vote(db, &who, id, strcmp(verdict, "approve") == 0, comment, &a, &err) != 0) {
        refused(ctx, &err, "Your vote was not counted");
        return;
    }
    redirect_done(ctx, a,
                  strcmp(str(a, "status"), "approved") == 0 ? "granted"
                  : strcmp(str(a, "status"), "denied") == 0 ? "denied"
                                                            : "voted");
    json_decref(a);
}

/* POST /approvals/{id}/cancel — the requester or an admin (CSRF checked by the dispatcher). */
void page_approval_cancel(struct request_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", "approval request");
    struct actor who = ctx_actor(ctx);
    struct gh_error err;
    struct db *db;
    json_t *a;

    if (id == 0)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || approval_cancel(db, &who, id, &a, &err) != 0) {
        refused(ctx, &err, "The request was not cancelled");
        return;
    }
    redirect_done(ctx, a, "cancelled");
    json_decref(a);
}
