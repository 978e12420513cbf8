/*
 * The executive decision report of a deployment (see deployments.h): what
 * the rules of deploy_rules.h make of the latest decisions and fired
 * triggers, the key metrics judged afresh with their charts, the gate
 * history, the linked approvals and the deployment record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approvals.h"
#include "deploy_store.h"
#include "deployments.h"
#include "freezes.h"
#include "timeutil.h"

/* Points in a key metric's chart. */
#define SERIES_POINTS 48
/* Approvals a report lists at most. */
#define REPORT_APPROVALS_MAX 50

static const struct criterion *criterion_named(const struct phase *ph, const char *name)
{
    for (size_t i = 0; name && i < ph->ncriteria; i++)
        if (strcmp(ph->criteria[i].name, name) == 0)
            return &ph->criteria[i];
    return NULL;
}

static const struct trigger *trigger_named(const struct plan *p, const char *name)
{
    for (size_t i = 0; name && i < p->ntriggers; i++)
        if (strcmp(p->triggers[i].name, name) == 0)
            return &p->triggers[i];
    return NULL;
}

/* A gate view of a stored Decision for phase ph. */
static void gate_view_of(json_t *decision, const struct phase *ph, struct gate_view *g)
{
    json_t *c;
    size_t i;

    memset(g, 0, sizeof(*g));
    if (decision == NULL)
        return;
    g->decided = 1;
    g->proceed = json_is_true(json_object_get(decision, "proceed"));
    json_array_foreach(json_object_get(decision, "criteria"), i, c)
    {
        const struct criterion *pc;
        struct failed_criterion *f;
        json_t *observed = json_object_get(c, "observed");
        if (json_is_true(json_object_get(c, "passed")))
            continue;
        if (g->nfailed++ >= GATE_VIEW_FAILED)
            continue;
        f = &g->failed[g->nfailed - 1];
        snprintf(f->name, sizeof(f->name), "%s", json_string_value(json_object_get(c, "name")));
        snprintf(f->metric, sizeof(f->metric), "%s",
                 json_string_value(json_object_get(c, "metric")));
        crit_op_parse(json_string_value(json_object_get(c, "op")), &f->op);
        crit_agg_parse(json_string_value(json_object_get(c, "aggregate")), &f->aggregate);
        f->threshold = json_number_value(json_object_get(c, "threshold"));
        f->observed_set = json_is_number(observed);
        f->observed = json_number_value(observed);
        pc = criterion_named(ph, f->name);
        f->critical = pc && pc->critical;
    }
}

/* Facts from what is already loaded: the latest decisions, fired triggers and sign-off. */
static void facts_fill(const struct deployment_row *d, int64_t now_ms, json_t *latest,
                       json_t *fired, json_t *signoff, struct deploy_facts *f)
{
    json_t *t;
    size_t k;

    memset(f, 0, sizeof(*f));
    f->plan = &d->plan;
    f->current = deployment_phase_at(d, now_ms);
    f->status = d->status;
    for (int i = 0; i <= f->current; i++)
        gate_view_of(json_object_get(latest, d->plan.phases[i].id), &d->plan.phases[i],
                     &f->gates[i]);
    json_array_foreach(fired, k, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        const struct trigger *pt = trigger_named(&d->plan, name);
        struct fired_view *v;
        if (f->nfired++ >= FIRED_VIEW_MAX)
            continue;
        v = &f->fired[f->nfired - 1];
        snprintf(v->name, sizeof(v->name), "%s", name ? name : "?");
        snprintf(v->action, sizeof(v->action), "%s",
                 json_string_value(json_object_get(t, "action")));
        if (pt) {
            snprintf(v->metric, sizeof(v->metric), "%s", pt->metric);
            v->op = pt->op;
            v->threshold = pt->threshold;
            v->for_seconds = pt->for_seconds;
        }
        v->last_value =
            json_number_value(json_object_get(json_object_get(t, "evidence"), "latest_value"));
    }
    f->signed_approved =
        json_is_object(signoff) &&
        strcmp(json_string_value(json_object_get(signoff, "decision")), "APPROVED") == 0;
}

int deployment_facts(struct db *db, const struct deployment_row *d, int64_t now_ms,
                     struct deploy_facts *f, struct gh_error *err)
{
    json_t *latest = deployment_latest_decisions(db, d, err), *fired = NULL, *signoff = NULL;
    int rc = -1;

    if (latest && (fired = deployment_triggers_fired(db, d, err)) != NULL &&
        (signoff = deployment_latest_signoff(db, d, err)) != NULL) {
        facts_fill(d, now_ms, latest, fired, signoff, f);
        rc = 0;
    }
    json_decref(latest);
    json_decref(fired);
    json_decref(signoff);
    return rc;
}

/* The latest limit decisions, oldest first, each with who asked for it; *total counts all. */
static json_t *gate_history(struct db *db, const struct deployment_row *d, int limit,
                            int64_t *total, struct gh_error *err)
{
    static const char sql[] = "SELECT decision_json, evaluated_by, scheduled FROM gate_decisions"
                              " WHERE deployment = :d ORDER BY id DESC LIMIT :n";
    static const char count_sql[] = "SELECT decisions FROM deployments WHERE num = :d";
    sqlite3_stmt *st;
    json_t *list = json_array();
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_INT(":d", d->num), BIND_INT(":n", limit)), err)) ==
        NULL) {
        json_decref(list);
        return NULL;
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        json_t *decision = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        if (decision == NULL)
            continue;
        json_object_set_new(decision, "evaluated_by",
                            json_string((const char *)sqlite3_column_text(st, 1)));
        json_object_set_new(decision, "scheduled", json_boolean(sqlite3_column_int(st, 2)));
        json_array_insert_new(list, 0, decision); /* newest were read first */
    }
    db_reset(st);
    if (rc != SQLITE_DONE ||
        db_int64(db, count_sql, 0, total, err, BINDS(BIND_INT(":d", d->num))) != 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* One key metric per criterion of every phase begun, judged now, with its chart. */
static json_t *key_metrics(struct db *db, const struct deployment_row *d, int current,
                           int64_t now_ms, struct gh_error *err)
{
    json_t *list = json_array();

    for (int i = 0; i <= current; i++) {
        const struct phase *ph = &d->plan.phases[i];
        int64_t from, to;
        phase_window(d, i, now_ms, &from, &to);
        for (size_t c = 0; c < ph->ncriteria; c++) {
            const struct criterion *cr = &ph->criteria[c];
            struct crit_result r;
            char target[64];
            json_t *series, *m;
            if (observe_criterion(db, d, i, cr, now_ms, &r, err) != 0 ||
                (series = metric_series(db, d, cr->metric, from, to, SERIES_POINTS, err)) == NULL) {
                json_decref(list);
                return NULL;
            }
            criterion_bound_text(cr->op, cr->threshold, target, sizeof(target));
            m = crit_result_json(cr, &r);
            json_object_set_new(m, "phase", json_string(ph->id));
            json_object_set_new(m, "target", json_string(target));
            json_object_set_new(m, "critical", json_boolean(cr->critical));
            json_object_set_new(m, "series", series);
            json_array_append_new(list, m);
        }
    }
    return list;
}

static json_t *risk_json(const struct risk_out *r)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:s, s:s}", "technical_risk", risk_name(r->technical),
                     "technical_risk_reason", r->technical_why, "user_impact",
                     risk_name(r->user_impact), "user_exposure_percent", r->exposure,
                     "rollback_complexity", risk_name(r->rollback_complexity),
                     "rollback_complexity_reason", r->rollback_why);
}

static json_t *recommendation_json(const struct recommendation_out *rec)
{
    json_t *reasons = json_array();

    for (int i = 0; i < rec->nreasons; i++)
        json_array_append_new(reasons, json_string(rec->reasons[i]));
    return json_pack("{s:s, s:o}", "decision", recommendation_name(rec->decision), "reasons",
                     reasons);
}

/* The deployment record of API.md. */
static json_t *record_json(const struct deployment_row *d, const struct deploy_facts *f,
                           json_t *signoff)
{
    json_t *completed = json_array(), *rollback = json_array();
    int met = 0, total = 0;

    for (int i = 0; i <= f->current; i++) {
        const struct phase *ph = &d->plan.phases[i];
        const struct gate_view *g = &f->gates[i];
        total += (int)ph->ncriteria;
        if (g->decided) {
            met += (int)(ph->ncriteria - (g->nfailed < ph->ncriteria ? g->nfailed : ph->ncriteria));
            if (g->proceed)
                json_array_append_new(completed, json_string(ph->id));
        }
    }
    for (size_t k = 0; k < d->plan.ntriggers; k++)
        json_array_append_new(rollback, trigger_json(&d->plan.triggers[k]));
    return json_pack(
        "{s:s, s:o, s:o, s:i, s:i, s:O, s:o}", "deployment_id", d->id, "framework_version",
        d->plan.framework_version[0] ? json_string(d->plan.framework_version) : json_null(),
        "phases_completed", completed, "criteria_met", met, "total_criteria", total,
        "executive_approval", signoff, "rollback_plan", rollback);
}

static json_t *summary_json(const struct deployment_row *d, int current, int64_t now_ms)
{
    char elapsed[TIME_SPAN_LEN], generated[TIME_RFC3339_LEN];
    const struct phase *ph = current >= 0 ? &d->plan.phases[current] : NULL;

    time_format_span(now_ms - d->started_ms, elapsed);
    time_format_rfc3339(now_ms, generated);
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:o, s:s, s:I, s:s, s:o, s:o, s:s, s:s, s:s}", "id", d->id, "name",
        d->name, "plan", d->plan.name, "plan_revision", (json_int_t)d->plan_revision,
        "framework_version",
        d->plan.framework_version[0] ? json_string(d->plan.framework_version) : json_null(),
        "started_at", d->started_at, "elapsed_seconds",
        (json_int_t)((now_ms - d->started_ms) / 1000), "elapsed",
        now_ms >= d->started_ms ? elapsed : "not started", "phase",
        ph ? json_string(ph->id) : json_null(), "phase_title",
        ph ? json_string(ph->title) : json_null(), "status", deploy_status_name(d->status),
        "mission_id", d->mission_id, "generated_at", generated);
}

json_t *deployment_report(struct db *db, const char *id, int64_t now_ms, int gates_limit,
                          struct gh_error *err)
{
    struct approval_filter on_mission = {0};
    char next[APPROVAL_CURSOR_LEN];
    struct deployment_row d;
    struct deploy_facts facts;
    struct recommendation_out rec;
    struct risk_out risk;
    int64_t gates_total = 0;
    json_t *latest = NULL, *fired = NULL, *signoff = NULL, *gates = NULL, *metrics = NULL;
    json_t *approvals = NULL, *report = NULL, *freeze = NULL;

    if (deployment_load(db, id, &d, err) != 0)
        goto out;
    on_mission.mission_id = d.mission_id;
    if ((latest = deployment_latest_decisions(db, &d, err)) == NULL ||
        (fired = deployment_triggers_fired(db, &d, err)) == NULL ||
        (signoff = deployment_latest_signoff(db, &d, err)) == NULL ||
        (gates = gate_history(db, &d, gates_limit, &gates_total, err)) == NULL ||
        (approvals = approvals_list(db, &on_mission, NULL, REPORT_APPROVALS_MAX, next, err)) ==
            NULL ||
        (freeze = freeze_summary(db, now_ms, err)) == NULL)
        goto out;
    facts_fill(&d, now_ms, latest, fired, signoff, &facts);
    /* A changed frozen artifact is a technical risk for any rollout under way. */
    facts.freeze_violated = json_integer_value(json_object_get(freeze, "violated")) > 0;
    if ((metrics = key_metrics(db, &d, facts.current, now_ms, err)) == NULL)
        goto out;
    deploy_recommend(&facts, &rec);
    deploy_risk(&facts, &risk);
    report = json_pack("{s:o, s:O, s:O, s:I, s:O, s:O, s:O, s:o, s:o, s:O, s:o}", "summary",
                       summary_json(&d, facts.current, now_ms), "key_metrics", metrics, "gates",
                       gates, "gates_total", (json_int_t)gates_total, "triggers_fired", fired,
                       "approvals", approvals, "freeze", freeze, "risk", risk_json(&risk),
                       "recommendation", recommendation_json(&rec), "signoff", signoff, "record",
                       record_json(&d, &facts, signoff));
out:
    deployment_row_free(&d);
    json_decref(latest);
    json_decref(fired);
    json_decref(signoff);
    json_decref(gates);
    json_decref(metrics);
    json_decref(approvals);
    json_decref(freeze);
    return report;
}
