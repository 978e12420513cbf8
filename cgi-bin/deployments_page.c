/* The deployment pages: /deployments and /deployments/{id}. */
#include <stdio.h>
#include <string.h>

#include "../core/deployments.h"
#include "../core/plans.h"
#include "../core/timeutil.h"
#include "charts.h"
#include "deployments_page.h"
#include "reply.h"

/* Deployments a page lists. */
#define PAGE_SIZE 20

static const char *const statuses[] = {"in_progress", "held",     "rolling_back",
                                       "rolled_back", "approved", "rejected"};

/* "in progress", "rolling back": a status for people. */
static void status_text(const char *status, char *out, size_t size)
{
    snprintf(out, size, "%s", status);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = ' ';
}

static void set_status(struct tpl_dict *d, const char *status)
{
    char text[32];

    status_text(status, text, sizeof(text));
    tpl_set(d, "STATUS", status);
    tpl_set(d, "STATUS_TEXT", text);
}

/* The names of a JSON array of strings, comma-separated. */
static void join(json_t *list, char *out, size_t size)
{
    size_t i, used = 0;
    json_t *v;

    out[0] = '\0';
    json_array_foreach(list, i, v)
    {
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", json_string_value(v));
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

static void fill_progress(struct tpl_dict *parent, json_t *milestones, double elapsed, double total,
                          const char *name)
{
    char label[300];

    snprintf(label, sizeof(label), "%s: %.0f of %g hours", name, elapsed < 0 ? 0 : elapsed, total);
    progress_fill(tpl_include(parent, "PROGRESS", "progress.tpl"), milestones, elapsed, total,
                  label);
}

void deployment_row_fill(struct tpl_dict *row, json_t *s, int64_t now)
{
    json_t *gate = json_object_get(s, "latest_gate");
    const char *phase = json_string_value(json_object_get(s, "phase"));
    char blockers[400];

    tpl_set(row, "ID", json_string_value(json_object_get(s, "id")));
    tpl_set(row, "NAME", json_string_value(json_object_get(s, "name")));
    tpl_set(row, "PLAN", json_string_value(json_object_get(s, "plan")));
    set_status(row, json_string_value(json_object_get(s, "status")));
    page_time(row, "STARTED", json_string_value(json_object_get(s, "started_at")), now);
    fill_progress(row, json_object_get(s, "milestones"),
                  json_number_value(json_object_get(s, "elapsed_hours")),
                  json_number_value(json_object_get(s, "total_hours")),
                  json_string_value(json_object_get(s, "name")));
    if (phase) {
        struct tpl_dict *p = tpl_section(row, "PHASE");
        tpl_set(p, "ID", phase);
        tpl_set(p, "TITLE", json_string_value(json_object_get(s, "phase_title")));
    } else {
        tpl_show(row, "NOT_STARTED");
    }
    if (json_is_object(gate)) {
        struct tpl_dict *g = tpl_section(row, "GATE");
        tpl_set(g, "PHASE", json_string_value(json_object_get(gate, "phase")));
        page_time(g, "AT", json_string_value(json_object_get(gate, "evaluated_at")), now);
        if (json_is_true(json_object_get(gate, "proceed"))) {
            tpl_show(g, "PROCEEDS");
        } else {
            join(json_object_get(gate, "blockers"), blockers, sizeof(blockers));
            tpl_set(tpl_section(g, "BLOCKED"), "BLOCKERS", blockers);
        }
    } else {
        tpl_show(row, "NO_GATE");
    }
}

/*
 * GET /deployments — any signed-in user.
 * Parameters: status (one of the deployment statuses), cursor. Newest
 * first: each with its phase progress T+0h..T+72h, status and latest gate.
 */
void page_deployments(struct request_ctx *ctx)
{
    const char *status = http_param(ctx->req, "status"), *cursor = http_param(ctx->req, "cursor");
    struct tpl_dict *layout, *content, *tab;
    char next[DEPLOYMENT_CURSOR_LEN];
    int64_t now = time_now_ms();
    enum deploy_status s;
    struct gh_error err;
    json_t *list, *d;
    struct db *db;
    size_t i;

    if (status && *status == '\0')
        status = NULL;
    if (status && deploy_status_parse(status, &s) != 0) {
        reply_error(ctx, 400, "validation_failed",
                    "status must be in_progress, held, rolling_back, rolled_back, approved or "
                    "rejected.",
                    NULL);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL ||
        (list = deployments_list(db, status, cursor, PAGE_SIZE, now, next, &err)) == NULL) {
        if (err.kind == GH_INVALID)
            reply_error(ctx, 400, "validation_failed",
                        "That page link is not one this site gave out.", NULL);
        else
            reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Deployments", "deployments.tpl", &content);
    tab = tpl_section(content, "TAB");
    tpl_set(tab, "LABEL", "all");
    if (status == NULL)
        tpl_show(tab, "CURRENT");
    for (size_t k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++) {
        char text[32];
        tab = tpl_section(content, "TAB");
        status_text(statuses[k], text, sizeof(text));
        tpl_set(tab, "LABEL", text);
        tpl_set(tpl_section(tab, "FILTER"), "VALUE", statuses[k]);
        if (status && strcmp(status, statuses[k]) == 0)
            tpl_show(tab, "CURRENT");
    }
    json_array_foreach(list, i, d) deployment_row_fill(tpl_section(content, "DEPLOYMENT"), d, now);
    if (json_array_size(list) == 0) {
        struct tpl_dict *none = tpl_section(content, "NONE");
        json_t *plans = plans_list(db, &err), *p;
        if (status)
            tpl_set(tpl_section(none, "FILTERED"), "STATUS", status);
        json_array_foreach(plans, i, p) tpl_set(tpl_section(none, "PLAN"), "NAME",
                                                json_string_value(json_object_get(p, "name")));
        if (json_array_size(plans) == 0)
            tpl_show(none, "NO_PLANS");
        json_decref(plans);
    }
    if (next[0]) {
        struct tpl_dict *more = tpl_section(content, "MORE");
        tpl_set(more, "CURSOR", next);
        if (status)
            tpl_set(tpl_section(more, "FILTER"), "STATUS", status);
    }
    json_decref(list);
    page_send(ctx, 200, layout);
}

/* A number as people read it ("0.0004"), or "no samples" for JSON null. */
static void observed_text(json_t *v, char *out, size_t size)
{
    if (json_is_number(v))
        snprintf(out, size, "%.4g", json_number_value(v));
    else
        snprintf(out, size, "no samples");
}

/* The criteria rows of phase id: the report's key metrics of that phase, with their charts. */
static void fill_criteria(struct tpl_dict *row, json_t *metrics, const char *phase, int64_t from,
                          int64_t to)
{
    struct tpl_dict *table = NULL;
    json_t *m;
    size_t i;

    json_array_foreach(metrics, i, m)
    {
        struct tpl_dict *c;
        char observed[40], label[400];
        if (strcmp(json_string_value(json_object_get(m, "phase")), phase) != 0)
            continue;
        if (table == NULL)
            table = tpl_section(row, "CRITERIA");
        c = tpl_section(table, "CRITERION");
        observed_text(json_object_get(m, "observed"), observed, sizeof(observed));
        tpl_set(c, "NAME", json_string_value(json_object_get(m, "name")));
        tpl_set(c, "METRIC", json_string_value(json_object_get(m, "metric")));
        tpl_set(c, "AGGREGATE", json_string_value(json_object_get(m, "aggregate")));
        tpl_set(c, "TARGET", json_string_value(json_object_get(m, "target")));
        tpl_set(c, "OBSERVED", observed);
        tpl_show(c, json_is_true(json_object_get(m, "passed")) ? "PASS" : "FAIL");
        if (json_is_true(json_object_get(m, "critical")))
            tpl_show(c, "CRITICAL");
        snprintf(label, sizeof(label), "%s over phase %s: %s, target %s",
                 json_string_value(json_object_get(m, "metric")), phase, observed,
                 json_string_value(json_object_get(m, "target")));
        sparkline_fill(tpl_include(c, "SPARK", "spark.tpl"), json_object_get(m, "series"), from, to,
                       1, json_number_value(json_object_get(m, "threshold")), label);
    }
}

/*
 * GET /deployments/{id} — any signed-in user.
 * The phases with their decisions, blockers and metric charts, the
 * rollback triggers, and a link to the decision report.
 */
void page_deployment(struct request_ctx *ctx)
{
    const char *id = path_client_id(ctx, "id", "deployment");
    struct tpl_dict *layout, *content, *row;
    json_t *d = NULL, *report = NULL, *ph, *t, *fired;
    int64_t now = time_now_ms(), started = 0;
    struct gh_error err;
    struct db *db;
    size_t i;
    char text[64];

    if (id == NULL)
        return;
    if ((db = ctx_db(ctx, &err)) == NULL || (d = deployment_get(db, id, now, &err)) == NULL ||
        (report = deployment_report(db, id, now, 1, &err)) == NULL) {
        json_decref(d);
        reply_gh_error(ctx, &err);
        return;
    }
    time_parse_rfc3339(json_string_value(json_object_get(d, "started_at")), &started);
    layout =
        page_begin(ctx, json_string_value(json_object_get(d, "name")), "deployment.tpl", &content);
    tpl_set(content, "ID", id);
    tpl_set(content, "NAME", json_string_value(json_object_get(d, "name")));
    tpl_set(content, "PLAN",
            json_string_value(json_object_get(json_object_get(d, "plan"), "name")));
    tpl_set_int(content, "PLAN_REVISION",
                json_integer_value(json_object_get(json_object_get(d, "plan"), "revision")));
    if (json_is_string(json_object_get(d, "framework_version")))
        tpl_set(tpl_section(content, "VERSION"), "TEXT",
                json_string_value(json_object_get(d, "framework_version")));
    set_status(content, json_string_value(json_object_get(d, "status")));
    tpl_set(
        content, "RECOMMENDATION",
        json_string_value(json_object_get(json_object_get(report, "recommendation"), "decision")));
    tpl_set(content, "MISSION_ID", json_string_value(json_object_get(d, "mission_id")));
    page_time(content, "STARTED", json_string_value(json_object_get(d, "started_at")), now);
    page_time(content, "STATUS", json_string_value(json_object_get(d, "status_changed_at")), now);
    tpl_set(content, "STATUS_BY", json_string_value(json_object_get(d, "status_by")));
    if (*json_string_value(json_object_get(d, "status_comment")))
        tpl_set(tpl_section(content, "STATUS_COMMENT"), "TEXT",
                json_string_value(json_object_get(d, "status_comment")));
    {
        json_t *milestones = json_array(), *phases = json_object_get(d, "phases");
        double total = 0;
        json_array_foreach(phases, i, ph)
        {
            json_array_append_new(milestones,
                                  json_pack("{s:O}", "at_hours", json_object_get(ph, "at_hours")));
            total = json_number_value(json_object_get(ph, "at_hours"));
        }
        fill_progress(content, milestones, (double)(now - started) / 3600000.0, total,
                      json_string_value(json_object_get(d, "name")));
        json_decref(milestones);
    }
    json_array_foreach(json_object_get(d, "phases"), i, ph)
    {
        json_t *dec = json_object_get(ph, "latest_decision");
        const char *pid = json_string_value(json_object_get(ph, "id"));
        int begun = json_is_true(json_object_get(ph, "begun"));
        row = tpl_section(content, "PHASE_ROW");
        tpl_set(row, "ID", pid);
        tpl_set(row, "TITLE", json_string_value(json_object_get(ph, "title")));
        snprintf(text, sizeof(text), "%g", json_number_value(json_object_get(ph, "at_hours")));
        tpl_set(row, "AT_HOURS", text);
        snprintf(text, sizeof(text), "%g", json_number_value(json_object_get(ph, "exposure")));
        tpl_set(row, "EXPOSURE", text);
        tpl_set(row, "STATE",
                json_is_true(json_object_get(ph, "current")) ? "current"
                : begun                                      ? "past"
                                                             : "future");
        page_time(row, "STARTS", json_string_value(json_object_get(ph, "starts_at")), now);
        if (json_is_true(json_object_get(ph, "current"))) {
            struct tpl_dict *p = tpl_section(content, "PHASE");
            tpl_set(p, "ID", pid);
            tpl_set(p, "TITLE", json_string_value(json_object_get(ph, "title")));
            tpl_set(p, "EXPOSURE", text);
        }
        if (!begun) {
            tpl_show(row, "NOT_BEGUN");
            continue;
        }
        if (json_is_object(dec)) {
            struct tpl_dict *g = tpl_section(row, "DECISION");
            char blockers[400];
            tpl_set_int(g, "MET", json_integer_value(json_object_get(dec, "criteria_met")));
            tpl_set_int(g, "TOTAL", json_integer_value(json_object_get(dec, "total_criteria")));
            page_time(g, "AT", json_string_value(json_object_get(dec, "evaluated_at")), now);
            if (json_is_true(json_object_get(dec, "proceed"))) {
                tpl_show(g, "PROCEEDS");
            } else {
                join(json_object_get(dec, "blockers"), blockers, sizeof(blockers));
                tpl_set(tpl_section(g, "BLOCKED"), "BLOCKERS", blockers);
            }
        } else {
            tpl_show(tpl_section(row, "UNDECIDED"),
                     json_is_true(json_object_get(ph, "current")) ? "UNDER_WAY" : "MISSED");
        }
        {
            int64_t from = started + (int64_t)(json_number_value(json_object_get(ph, "at_hours")) *
                                               3600000.0),
                    to = now;
            json_t *nextph = json_array_get(json_object_get(d, "phases"), i + 1);
            if (nextph && json_is_true(json_object_get(nextph, "begun")))
                to = started +
                     (int64_t)(json_number_value(json_object_get(nextph, "at_hours")) * 3600000.0);
            fill_criteria(row, json_object_get(report, "key_metrics"), pid, from, to);
        }
        if (json_array_size(json_object_get(
                json_array_get(json_object_get(json_object_get(d, "plan"), "phases"), i),
                "criteria")) == 0)
            tpl_show(row, "NO_CRITERIA");
    }
    if (json_object_get(d, "phase") == NULL || json_is_null(json_object_get(d, "phase")))
        tpl_show(content, "NOT_STARTED");
    fired = json_object_get(d, "triggers_fired");
    json_array_foreach(json_object_get(json_object_get(d, "plan"), "rollback_triggers"), i, t)
    {
        struct tpl_dict *tr = tpl_section(content, "TRIGGER");
        const char *name = json_string_value(json_object_get(t, "name"));
        json_t *f;
        size_t k;
        char bound[64];
        tpl_set(tr, "NAME", name);
        tpl_set(tr, "METRIC", json_string_value(json_object_get(t, "metric")));
        snprintf(bound, sizeof(bound), "%s %g", json_string_value(json_object_get(t, "op")),
                 json_number_value(json_object_get(t, "threshold")));
        tpl_set(tr, "BOUND", bound);
        tpl_set_int(tr, "FOR", json_integer_value(json_object_get(t, "for_seconds")));
        tpl_set(tr, "ACTION", json_string_value(json_object_get(t, "action")));
        json_array_foreach(fired, k,
                           f) if (strcmp(json_string_value(json_object_get(f, "name")), name) == 0)
            page_time(tpl_section(tr, "FIRED"), "AT",
                      json_string_value(json_object_get(f, "fired_at")), now);
    }
    if (json_array_size(json_object_get(json_object_get(d, "plan"), "rollback_triggers")) == 0)
        tpl_show(content, "NO_TRIGGERS");
    json_decref(d);
    json_decref(report);
    page_send(ctx, 200, layout);
}
