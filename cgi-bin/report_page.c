/*
 * The executive decision report as one printable page, its sign-off form,
 * and the deployment record to download. Everything shown comes from
 * deployment_report() (core/deploy_report.c), the same JSON the API gives.
 */
#include <stdio.h>
#include <string.h>

#include "../core/deployments.h"
#include "../core/timeutil.h"
#include "charts.h"
#include "reply.h"

/* Gate evaluations and approvals the page lists; the JSON report has them all. */
#define GATES_SHOWN     8
#define APPROVALS_SHOWN 6

static const char *str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s ? s : "";
}

static void fill_summary(struct tpl_dict *c, json_t *summary)
{
    char text[32];

    tpl_set(c, "ID", str(summary, "id"));
    tpl_set(c, "NAME", str(summary, "name"));
    tpl_set(c, "PLAN", str(summary, "plan"));
    tpl_set_int(c, "PLAN_REVISION", json_integer_value(json_object_get(summary, "plan_revision")));
    if (json_is_string(json_object_get(summary, "framework_version")))
        tpl_set(tpl_section(c, "VERSION"), "TEXT", str(summary, "framework_version"));
    page_time_exact(c, "STARTED", str(summary, "started_at"));
    page_time_exact(c, "GENERATED", str(summary, "generated_at"));
    tpl_set(c, "ELAPSED", str(summary, "elapsed"));
    if (json_is_string(json_object_get(summary, "phase"))) {
        struct tpl_dict *p = tpl_section(c, "PHASE");
        tpl_set(p, "ID", str(summary, "phase"));
        tpl_set(p, "TITLE", str(summary, "phase_title"));
    } else {
        tpl_show(c, "NO_PHASE");
    }
    snprintf(text, sizeof(text), "%s", str(summary, "status"));
    for (char *p = text; *p; p++)
        if (*p == '_')
            *p = ' ';
    tpl_set(c, "STATUS", str(summary, "status"));
    tpl_set(c, "STATUS_TEXT", text);
}

static void fill_metrics(struct tpl_dict *c, json_t *report, int64_t started, int64_t now)
{
    json_t *metrics = json_object_get(report, "key_metrics"), *m;
    struct tpl_dict *table;
    size_t i;

    if (json_array_size(metrics) == 0) {
        tpl_show(c, "NO_METRICS");
        return;
    }
    table = tpl_section(c, "METRICS");
    json_array_foreach(metrics, i, m)
    {
        struct tpl_dict *row = tpl_section(table, "METRIC");
        json_t *series = json_object_get(m, "series");
        char observed[40], label[300];
        int64_t from = started, to = now;
        if (json_is_number(json_object_get(m, "observed")))
            snprintf(observed, sizeof(observed), "%.4g",
                     json_number_value(json_object_get(m, "observed")));
        else
            snprintf(observed, sizeof(observed), "no samples");
        tpl_set(row, "PHASE", str(m, "phase"));
        tpl_set(row, "NAME", str(m, "name"));
        tpl_set(row, "METRIC", str(m, "metric"));
        tpl_set(row, "AGGREGATE", str(m, "aggregate"));
        tpl_set(row, "TARGET", str(m, "target"));
        tpl_set(row, "OBSERVED", observed);
        tpl_show(row, json_is_true(json_object_get(m, "passed")) ? "PASS" : "FAIL");
        if (json_is_true(json_object_get(m, "critical")))
            tpl_show(row, "CRITICAL");
        /* The chart spans the samples it has, so a short phase still reads. */
        if (json_array_size(series) > 0) {
            from = json_integer_value(json_array_get(json_array_get(series, 0), 0));
            to = json_integer_value(
                json_array_get(json_array_get(series, json_array_size(series) - 1), 0));
        }
        snprintf(label, sizeof(label), "%s in phase %s: %s, target %s", str(m, "metric"),
                 str(m, "phase"), observed, str(m, "target"));
        sparkline_fill(tpl_include(row, "SPARK", "spark.tpl"), series, from, to, 1,
                       json_number_value(json_object_get(m, "threshold")), label);
    }
}

static void fill_gates(struct tpl_dict *c, json_t *gates, json_int_t total)
{
    size_t n = json_array_size(gates);

    if (n == 0)
        tpl_show(c, "NO_GATES");
    if (total > (json_int_t)n)
        tpl_set_int(tpl_section(c, "EARLIER"), "COUNT", (long long)(total - (json_int_t)n));
    for (size_t i = 0; i < n; i++) {
        json_t *g = json_array_get(gates, i), *b;
        struct tpl_dict *row = tpl_section(c, "GATE");
        char blockers[300];
        size_t k, used = 0;
        page_time_exact(row, "AT", str(g, "evaluated_at"));
        tpl_set(row, "PHASE", str(g, "phase"));
        tpl_set_int(row, "MET", json_integer_value(json_object_get(g, "criteria_met")));
        tpl_set_int(row, "TOTAL", json_integer_value(json_object_get(g, "total_criteria")));
        tpl_set(row, "BY", str(g, "evaluated_by"));
        if (json_is_true(json_object_get(g, "proceed"))) {
            tpl_show(row, "PROCEEDS");
            continue;
        }
        blockers[0] = '\0';
        json_array_foreach(json_object_get(g, "blockers"), k, b)
        {
            int w = snprintf(blockers + used, sizeof(blockers) - used, "%s%s", k ? ", " : "",
                             json_string_value(b));
            if (w < 0 || (size_t)w >= sizeof(blockers) - used)
                break;
            used += (size_t)w;
        }
        tpl_set(tpl_section(row, "BLOCKED"), "BLOCKERS", blockers);
    }
}

static void fill_triggers(struct tpl_dict *c, json_t *report)
{
    json_t *fired = json_object_get(report, "triggers_fired"), *t;
    json_t *plan = json_object_get(json_object_get(report, "record"), "rollback_plan");
    size_t i;

    json_array_foreach(fired, i, t)
    {
        struct tpl_dict *f = tpl_section(c, "FIRED");
        char value[40];
        snprintf(
            value, sizeof(value), "%g",
            json_number_value(json_object_get(json_object_get(t, "evidence"), "latest_value")));
        tpl_set(f, "NAME", str(t, "name"));
        tpl_set(f, "ACTION", str(t, "action"));
        tpl_set(f, "VALUE", value);
        page_time_exact(f, "AT", str(t, "fired_at"));
    }
    if (json_array_size(fired) == 0)
        tpl_show(c, "NONE_FIRED");
    json_array_foreach(plan, i, t)
    {
        struct tpl_dict *tr = tpl_section(c, "TRIGGER");
        char bound[64];
        snprintf(bound, sizeof(bound), "%s %g", str(t, "op"),
                 json_number_value(json_object_get(t, "threshold")));
        tpl_set(tr, "METRIC", str(t, "metric"));
        tpl_set(tr, "BOUND", bound);
        tpl_set_int(tr, "FOR", json_integer_value(json_object_get(t, "for_seconds")));
        tpl_set(tr, "ACTION", str(t, "action"));
    }
}

static void fill_approvals(struct tpl_dict *c, json_t *report)
{
    json_t *list = json_object_get(report, "approvals"), *a;
    const char *mission = str(json_object_get(report, "summary"), "mission_id");
    size_t i, n = json_array_size(list);

    tpl_set(c, "MISSION_ID", mission);
    if (n == 0)
        tpl_set(tpl_section(c, "NO_APPROVALS"), "MISSION_ID", mission);
    json_array_foreach(list, i, a)
    {
        struct tpl_dict *row;
        if (i == APPROVALS_SHOWN)
            break;
        row = tpl_section(c, "APPROVAL");
        tpl_set_int(row, "ID", json_integer_value(json_object_get(a, "id")));
        tpl_set(row, "ACTION", str(a, "action_type"));
        tpl_set(row, "TARGET", str(a, "target"));
        tpl_set_int(row, "TIER", json_integer_value(json_object_get(a, "tier")));
        tpl_set(row, "STATUS", str(a, "status"));
    }
    if (n > APPROVALS_SHOWN) {
        struct tpl_dict *more = tpl_section(c, "MORE_APPROVALS");
        tpl_set_int(more, "COUNT", (long long)(n - APPROVALS_SHOWN));
        tpl_set(more, "MISSION_ID", mission);
    }
}

static void fill_freeze(struct tpl_dict *c, json_t *f)
{
    json_int_t total = json_integer_value(json_object_get(f, "total"));
    json_int_t violated = json_integer_value(json_object_get(f, "violated"));
    json_int_t open = json_integer_value(json_object_get(f, "open_violations"));
    struct tpl_dict *d;

    if (total == 0) {
        tpl_show(c, "NO_FREEZES");
        return;
    }
    d = tpl_section(c, "FREEZES");
    tpl_set_int(d, "TOTAL", total);
    if (total != 1)
        tpl_show(d, "PLURAL");
    tpl_set_int(d, "INTACT", json_integer_value(json_object_get(f, "intact")));
    tpl_set_int(d, "VIOLATED_COUNT", violated);
    tpl_set_int(d, "UNVERIFIED", json_integer_value(json_object_get(f, "unverified")));
    tpl_show(d, violated ? "VIOLATED" : "CLEAN");
    if (open) {
        struct tpl_dict *o = tpl_section(d, "OPEN");
        tpl_set_int(o, "COUNT", open);
        if (open != 1)
            tpl_show(o, "PLURAL");
    }
    if (json_is_true(json_object_get(f, "in_effect")))
        tpl_show(d, "IN_EFFECT");
}

static void fill_signoff(struct request_ctx *ctx, struct tpl_dict *c, json_t *report,
                         const char *message, const char *kind)
{
    json_t *s = json_object_get(report, "signoff");
    const char *rec = str(json_object_get(report, "recommendation"), "decision");

    if (json_is_object(s)) {
        struct tpl_dict *d = tpl_section(c, "SIGNED");
        tpl_set(d, "DECISION", str(s, "decision"));
        tpl_set(d, "WHO", str(s, "display_name"));
        tpl_set(d, "BY", str(s, "by"));
        page_time_exact(d, "AT", str(s, "at"));
        if (*str(s, "comment"))
            tpl_set(tpl_section(d, "COMMENT"), "TEXT", str(s, "comment"));
        if (json_is_true(json_object_get(s, "override")))
            tpl_set(tpl_section(d, "OVERRIDE"), "RECOMMENDATION", str(s, "recommendation"));
    } else {
        tpl_show(c, "UNSIGNED");
    }
    if (message) {
        struct tpl_dict *m = tpl_section(c, "MESSAGE");
        tpl_set(m, "TEXT", message);
        tpl_set(m, "KIND", kind);
    }
    /* Executives sign in the browser; the form carries the session's CSRF token. */
    if ((ctx->who.roles & ROLE_EXECUTIVE) && ctx->who.via == AUTH_SESSION &&
        strcmp(str(json_object_get(report, "summary"), "status"), "rolled_back") != 0) {
        struct tpl_dict *f = tpl_section(c, "FORM");
        tpl_set(f, "ID", str(json_object_get(report, "summary"), "id"));
        tpl_set(f, "CSRF", ctx->who.csrf);
        if (strcmp(rec, "ROLLBACK") == 0)
            tpl_show(f, "NEEDS_COMMENT");
    }
}

/* Render the report of deployment id, with an optional message at the sign-off. */
static void render(struct request_ctx *ctx, const char *id, int status, const char *message,
                   const char *kind)
{
    struct tpl_dict *layout, *c;
    int64_t now = time_now_ms(), started = now;
    json_t *report, *rec, *risk, *reason;
    struct gh_error err;
    struct db *db;
    char text[32];
    size_t i;

    if ((db = ctx_db(ctx, &err)) == NULL ||
        (report = deployment_report(db, id, now, GATES_SHOWN, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    time_parse_rfc3339(str(json_object_get(report, "summary"), "started_at"), &started);
    layout = page_begin(ctx, "Decision report", "report.tpl", &c);
    fill_summary(c, json_object_get(report, "summary"));
    rec = json_object_get(report, "recommendation");
    tpl_set(c, "DECISION", str(rec, "decision"));
    json_array_foreach(json_object_get(rec, "reasons"), i, reason)
        tpl_set(tpl_section(c, "REASON"), "TEXT", json_string_value(reason));
    risk = json_object_get(report, "risk");
    tpl_set(c, "TECHNICAL", str(risk, "technical_risk"));
    tpl_set(c, "TECHNICAL_WHY", str(risk, "technical_risk_reason"));
    tpl_set(c, "USER_IMPACT", str(risk, "user_impact"));
    snprintf(text, sizeof(text), "%g",
             json_number_value(json_object_get(risk, "user_exposure_percent")));
    tpl_set(c, "EXPOSURE", text);
    tpl_set(c, "ROLLBACK", str(risk, "rollback_complexity"));
    tpl_set(c, "ROLLBACK_WHY", str(risk, "rollback_complexity_reason"));
    fill_metrics(c, report, started, now);
    fill_gates(c, json_object_get(report, "gates"),
               json_integer_value(json_object_get(report, "gates_total")));
    fill_triggers(c, report);
    fill_freeze(c, json_object_get(report, "freeze"));
    fill_approvals(c, report);
    fill_signoff(ctx, c, report, message, kind);
    json_decref(report);
    page_send(ctx, status, layout);
}

/*
 * GET /deployments/{id}/report — any signed-in user.
 * The executive decision report on one printable page: summary,
 * recommendation with its reasons, risk, key metrics with charts, gate
 * history, rollback triggers, approvals and the sign-off (with the form
 * for executives). Parameter: signed=1 confirms a sign-off just made.
 */
void page_report(struct request_ctx *ctx)
{
    const char *id = path_client_id(ctx, "id", "deployment");
    const char *signed_now = http_param(ctx->req, "signed");

    if (id == NULL)
        return;
    render(ctx, id, 200,
           signed_now && strcmp(signed_now, "1") == 0 ? "Your sign-off is recorded." : NULL,
           "good");
}

/*
 * POST /deployments/{id}/signoff — executive, CSRF.
 * Form fields: decision (APPROVED, REJECTED, HOLD), comment. Answers 303
 * back to the report; a refusal shows the report again with the reason.
 */
void page_report_signoff(struct request_ctx *ctx)
{
    const char *id = path_client_id(ctx, "id", "deployment"), *decision, *comment;
    struct actor who = ctx_actor(ctx);
    struct gh_error err;
    struct db *db;
    struct buf to = BUF_INIT;
    json_t *s;

    if (id == NULL)
        return;
    if (http_read_form(ctx->req, (size_t)ctx->app->cfg.max_body_bytes) != HTTP_BODY_OK) {
        reply_error(ctx, 400, "validation_failed", "The form did not arrive whole; try again.",
                    NULL);
        return;
    }
    decision = http_form(ctx->req, "decision");
    comment = http_form(ctx->req, "comment");
    if (decision == NULL || (strcmp(decision, "APPROVED") && strcmp(decision, "REJECTED") &&
                             strcmp(decision, "HOLD"))) {
        render(ctx, id, 400, "Choose approve, hold or reject.", "bad");
        return;
    }
    if (comment && utf8_length(comment) > 2000) {
        render(ctx, id, 400, "The comment is longer than 2,000 characters.", "bad");
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        deployment_signoff(db, &who, id, decision, comment ? comment : "", &s, &err) != 0) {
        if (err.kind == GH_CONFLICT || err.kind == GH_INVALID)
            render(ctx, id, 409, err.message, "bad");
        else
            reply_gh_error(ctx, &err);
        return;
    }
    json_decref(s);
    buf_puts(&to, "/deployments/");
    http_url_encode(&to, id);
    buf_puts(&to, "/report?signed=1");
    reply_redirect(ctx, buf_str(&to));
    buf_free(&to);
}

/*
 * GET /deployments/{id}/record.json — any signed-in user.
 * The deployment record of API.md, as a file to keep: deployment_id,
 * framework_version, phases_completed, criteria_met, executive_approval,
 * rollback_plan.
 */
void page_report_record(struct request_ctx *ctx)
{
    const char *id = path_client_id(ctx, "id", "deployment");
    struct gh_error err;
    struct db *db;
    json_t *report;
    char *text, disposition[128];

    if (id == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (report = deployment_report(db, id, time_now_ms(), 0, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    text = json_dumps(json_object_get(report, "record"), JSON_INDENT(2) | JSON_REALS);
    json_decref(report);
    if (text == NULL) {
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    reply_bytes(ctx, 200, "application/json", text, strlen(text));
    free(text);
    /* The id is a client id ([A-Za-z0-9._:-]): safe inside the quoted file name. */
    snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s-record.json\"", id);
    http_add_header(ctx->resp, "Content-Disposition", disposition);
}
