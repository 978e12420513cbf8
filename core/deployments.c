/* Staged deployments: storage and transitions (see deployments.h). */
#include "deployments.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "deploy_store.h"
#include "group_commit.h"
#include "events.h"
#include "log.h"
#include "timeutil.h"
#include "validate.h"

int deployment_parse(json_t *body, int64_t now_ms, struct deployment_input *in,
                     struct field_errors *e)
{
    static const char *const fields[] = {"id", "name", "plan", "started_at", "mission_id", NULL};
    const char *started = NULL;
    int before = e->count;

    memset(in, 0, sizeof(*in));
    in->started_ms = now_ms;
    json_reject_unknown(body, fields, e);
    if (json_get_string(body, "id", 1, 1, 64, &in->id, e) == 1 && !valid_client_id(in->id))
        field_error(e, "id", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
    json_get_string(body, "name", 1, 1, 200, &in->name, e);
    if (json_get_string(body, "plan", 1, 1, 64, &in->plan, e) == 1 && !valid_client_id(in->plan))
        field_error(e, "plan", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
    if (json_get_string(body, "mission_id", 0, 1, 64, &in->mission_id, e) == 1 &&
        !valid_client_id(in->mission_id))
        field_error(e, "mission_id", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
    if (json_get_string(body, "started_at", 0, 1, 40, &started, e) == 1 &&
        time_parse_rfc3339(started, &in->started_ms) != 0)
        field_error(e, "started_at", "must be an RFC 3339 time");
    return e->count > before ? -1 : 0;
}

/* ---- reading ---- */

#define DEPLOYMENT_COLUMNS                                                                         \
    "num, id, name, mission_id, started_ms, started_at, status, status_at, status_by,"             \
    " status_comment, created_by, created_at, plan_revision, plan_json"

static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);

    snprintf(dst, size, "%s", s ? (const char *)s : "");
}

/*
 * The plan snapshot this process parsed last, with its text. Pages and
 * gates read the same few deployments over and over, and parsing the plan
 * took a seventh of a report's time; a snapshot never changes, so its text
 * is its own key.
 */
static pthread_mutex_t parsed_lock = PTHREAD_MUTEX_INITIALIZER;
static char *parsed_text;
static size_t parsed_len;
static struct plan parsed_plan;

/* The plan of text (len bytes) into p (release with plan_free); -1 if it does not parse. */
static int plan_snapshot(const char *text, size_t len, struct plan *p)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    int hit, rc;
    json_t *doc;

    pthread_mutex_lock(&parsed_lock);
    hit = parsed_text && parsed_len == len && memcmp(parsed_text, text, len) == 0;
    if (hit)
        plan_copy(p, &parsed_plan);
    pthread_mutex_unlock(&parsed_lock);
    if (hit)
        return 0;
    doc = json_loadb(text, len, 0, NULL);
    rc = doc ? plan_parse(doc, NULL, p, &e) : -1;
    json_decref(doc);
    field_errors_free(&e);
    if (rc != 0)
        return -1;
    pthread_mutex_lock(&parsed_lock);
    plan_free(&parsed_plan);
    free(parsed_text);
    parsed_text = xmalloc(len + 1);
    memcpy(parsed_text, text, len);
    parsed_len = len;
    plan_copy(&parsed_plan, p);
    pthread_mutex_unlock(&parsed_lock);
    return 0;
}

/* Fill d from the row st is on (DEPLOYMENT_COLUMNS). */
static int row_read(sqlite3_stmt *st, struct deployment_row *d, struct gh_error *err)
{
    d->num = sqlite3_column_int64(st, 0);
    copy_text(d->id, sizeof(d->id), st, 1);
    copy_text(d->name, sizeof(d->name), st, 2);
    copy_text(d->mission_id, sizeof(d->mission_id), st, 3);
    d->started_ms = sqlite3_column_int64(st, 4);
    copy_text(d->started_at, sizeof(d->started_at), st, 5);
    if (deploy_status_parse((const char *)sqlite3_column_text(st, 6), &d->status) != 0)
        return gh_fail(err, GH_INTERNAL, "deployment %s has an unknown status", d->id);
    copy_text(d->status_at, sizeof(d->status_at), st, 7);
    copy_text(d->status_by, sizeof(d->status_by), st, 8);
    copy_text(d->status_comment, sizeof(d->status_comment), st, 9);
    copy_text(d->created_by, sizeof(d->created_by), st, 10);
    copy_text(d->created_at, sizeof(d->created_at), st, 11);
    d->plan_revision = sqlite3_column_int64(st, 12);
    if (plan_snapshot((const char *)sqlite3_column_text(st, 13),
                      (size_t)sqlite3_column_bytes(st, 13), &d->plan) != 0)
        return gh_fail(err, GH_INTERNAL, "the plan snapshot of deployment %s does not parse",
                       d->id);
    return 0;
}

int deployment_load(struct db *db, const char *id, struct deployment_row *d, struct gh_error *err)
{
    static const char sql[] = "SELECT " DEPLOYMENT_COLUMNS " FROM deployments WHERE id = :id";
    sqlite3_stmt *st;
    int rc;

    memset(d, 0, sizeof(*d));
    if ((st = db_query(db, sql, BINDS(BIND_TEXT(":id", id)), err)) == NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        rc = row_read(st, d, err);
    else if (rc == SQLITE_DONE)
        rc = gh_fail(err, GH_NOT_FOUND, "no deployment '%s'", id);
    else
        rc = -1;
    db_reset(st);
    return rc;
}

void deployment_row_free(struct deployment_row *d)
{
    plan_free(&d->plan);
}

int deployment_phase_at(const struct deployment_row *d, int64_t now_ms)
{
    return plan_phase_at(&d->plan, now_ms - d->started_ms);
}

void phase_window(const struct deployment_row *d, int i, int64_t now_ms, int64_t *from, int64_t *to)
{
    *from = d->started_ms + d->plan.phases[i].offset_ms;
    *to = now_ms;
    if ((size_t)i + 1 < d->plan.nphases && d->started_ms + d->plan.phases[i + 1].offset_ms <= *to)
        *to = d->started_ms + d->plan.phases[i + 1].offset_ms - 1;
}

/* The base of the pages, without a trailing slash, plus path. */
static json_t *page_url(const char *public_url, const char *path, const char *id)
{
    size_t base = strlen(public_url);
    char url[512];

    while (base > 0 && public_url[base - 1] == '/')
        base--;
    snprintf(url, sizeof(url), "%.*s%s%s", (int)base, public_url, path, id);
    return json_string(url);
}

json_t *deployment_ref_json(const struct deployment_row *d, const char *public_url, int64_t now_ms)
{
    int i = deployment_phase_at(d, now_ms);

    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", d->id, "name", d->name, "plan",
                     d->plan.name, "mission_id", d->mission_id, "status",
                     deploy_status_name(d->status), "phase",
                     i >= 0 ? json_string(d->plan.phases[i].id) : json_null(), "url",
                     page_url(public_url, "/deployments/", d->id));
}

json_t *deployment_latest_decisions(struct db *db, const struct deployment_row *d,
                                    struct gh_error *err)
{
    /* One index seek per phase: decisions pile up (automation may evaluate every minute). */
    static const char sql[] = "SELECT decision_json FROM gate_decisions"
                              " WHERE deployment = :d AND phase = :p ORDER BY id DESC LIMIT 1";
    json_t *by_phase = json_object();
    int rc = SQLITE_DONE;

    for (size_t i = 0; i < d->plan.nphases && (rc == SQLITE_DONE || rc == SQLITE_ROW); i++) {
        sqlite3_stmt *st;
        if ((st = db_query(db, sql,
                           BINDS(BIND_INT(":d", d->num), BIND_TEXT(":p", d->plan.phases[i].id)),
                           err)) == NULL) {
            json_decref(by_phase);
            return NULL;
        }
        rc = db_step(db, st, err);
        if (rc == SQLITE_ROW) {
            json_t *decision = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
            if (decision)
                json_object_set_new(by_phase, d->plan.phases[i].id, decision);
        }
        db_reset(st);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        json_decref(by_phase);
        return NULL;
    }
    return by_phase;
}

json_t *deployment_triggers_fired(struct db *db, const struct deployment_row *d,
                                  struct gh_error *err)
{
    static const char sql[] = "SELECT trigger, action, fired_at, evidence_json"
                              " FROM deployment_triggers_fired WHERE deployment = :d ORDER BY id";
    sqlite3_stmt *st;
    json_t *list = json_array();
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_INT(":d", d->num)), err)) == NULL) {
        json_decref(list);
        return NULL;
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        json_t *evidence = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:o}", "name", sqlite3_column_text(st, 0), "action",
                            sqlite3_column_text(st, 1), "fired_at", sqlite3_column_text(st, 2),
                            "evidence", evidence ? evidence : json_object()));
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

json_t *deployment_latest_signoff(struct db *db, const struct deployment_row *d,
                                  struct gh_error *err)
{
    static const char sql[] =
        "SELECT decision, by, display_name, at, comment, override, recommendation"
        " FROM deployment_signoffs WHERE deployment = :d ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *st;
    json_t *signoff = NULL;
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_INT(":d", d->num)), err)) == NULL)
        return NULL;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        signoff = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "decision", sqlite3_column_text(st, 0), "by",
            sqlite3_column_text(st, 1), "display_name", sqlite3_column_text(st, 2), "at",
            sqlite3_column_text(st, 3), "comment", sqlite3_column_text(st, 4), "override",
            sqlite3_column_int(st, 5), "recommendation", sqlite3_column_text(st, 6));
    else if (rc == SQLITE_DONE)
        signoff = json_null();
    db_reset(st);
    return signoff;
}

/* The full form of d at now_ms (deployment_get). */
static json_t *deployment_json(struct db *db, const struct deployment_row *d, int64_t now_ms,
                               struct gh_error *err)
{
    json_t *decisions = deployment_latest_decisions(db, d, err), *fired = NULL, *signoff = NULL;
    json_t *plan, *phases, *out = NULL;
    int current = deployment_phase_at(d, now_ms);

    if (decisions == NULL || (fired = deployment_triggers_fired(db, d, err)) == NULL ||
        (signoff = deployment_latest_signoff(db, d, err)) == NULL)
        goto out;
    plan = plan_json(&d->plan);
    json_object_set_new(plan, "revision", json_integer(d->plan_revision));
    phases = json_array();
    for (size_t i = 0; i < d->plan.nphases; i++) {
        const struct phase *ph = &d->plan.phases[i];
        char starts[TIME_RFC3339_LEN];
        json_t *latest = json_object_get(decisions, ph->id);
        time_format_rfc3339(d->started_ms + ph->offset_ms, starts);
        json_array_append_new(
            phases, json_pack("{s:s, s:s, s:f, s:s, s:b, s:b, s:f, s:O}", "id", ph->id, "title",
                              ph->title, "at_hours", ph->at_hours, "starts_at", starts, "begun",
                              (int)i <= current, "current", (int)i == current, "exposure",
                              ph->exposure, "latest_decision", latest ? latest : json_null()));
    }
    out = json_pack(
        "{s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o,"
        " s:o, s:O, s:O}",
        "id", d->id, "name", d->name, "plan", plan, "framework_version",
        d->plan.framework_version[0] ? json_string(d->plan.framework_version) : json_null(),
        "mission_id", d->mission_id, "started_at", d->started_at, "status",
        deploy_status_name(d->status), "status_changed_at", d->status_at, "status_by", d->status_by,
        "status_comment", d->status_comment, "created_by", d->created_by, "created_at",
        d->created_at, "elapsed_seconds", (json_int_t)((now_ms - d->started_ms) / 1000), "phase",
        current >= 0 ? json_string(d->plan.phases[current].id) : json_null(), "phases", phases,
        "triggers_fired", fired, "signoff", signoff);
out:
    json_decref(decisions);
    json_decref(fired);
    json_decref(signoff);
    return out;
}

json_t *deployment_get(struct db *db, const char *id, int64_t now_ms, struct gh_error *err)
{
    struct deployment_row d;
    json_t *out = NULL;

    if (deployment_load(db, id, &d, err) == 0)
        out = deployment_json(db, &d, now_ms, err);
    deployment_row_free(&d);
    return out;
}

/* The summary a list shows of the row st is on (DEPLOYMENT_COLUMNS). */
static json_t *summary_json(struct db *db, sqlite3_stmt *st, int64_t now_ms, struct gh_error *err)
{
    static const char latest_sql[] =
        "SELECT phase, proceed, decision_json FROM gate_decisions WHERE deployment = :d"
        " ORDER BY id DESC LIMIT 1";
    struct deployment_row d;
    json_t *out = NULL, *gate = json_null();
    sqlite3_stmt *g;
    int current;

    memset(&d, 0, sizeof(d));
    if (row_read(st, &d, err) != 0)
        goto out;
    current = deployment_phase_at(&d, now_ms);
    g = db_prepare(db, latest_sql);
    if (g && db_bind(g, BINDS(BIND_INT(":d", d.num))) == 0 && db_step(db, g, err) == SQLITE_ROW) {
        json_t *decision = json_loads((const char *)sqlite3_column_text(g, 2), 0, NULL);
        gate =
            json_pack("{s:s, s:b, s:O, s:O}", "phase", sqlite3_column_text(g, 0), "proceed",
                      sqlite3_column_int(g, 1), "blockers", json_object_get(decision, "blockers"),
                      "evaluated_at", json_object_get(decision, "evaluated_at"));
        json_decref(decision);
    }
    db_reset(g);
    {
        double last = d.plan.nphases ? d.plan.phases[d.plan.nphases - 1].at_hours : 0;
        double elapsed_h = (double)(now_ms - d.started_ms) / 3600000.0;
        json_t *milestones = json_array();
        for (size_t i = 0; i < d.plan.nphases; i++)
            json_array_append_new(milestones, json_pack("{s:s, s:f}", "id", d.plan.phases[i].id,
                                                        "at_hours", d.plan.phases[i].at_hours));
        out = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:f, s:f, s:o, s:o}", "id", d.id, "name", d.name,
            "plan", d.plan.name, "status", deploy_status_name(d.status), "started_at", d.started_at,
            "phase", current >= 0 ? json_string(d.plan.phases[current].id) : json_null(),
            "phase_title", current >= 0 ? json_string(d.plan.phases[current].title) : json_null(),
            "elapsed_hours", elapsed_h, "total_hours", last, "milestones", milestones,
            "latest_gate", gate);
        gate = NULL;
    }
out:
    json_decref(gate);
    deployment_row_free(&d);
    return out;
}

json_t *deployments_list(struct db *db, const char *status, const char *cursor, int limit,
                         int64_t now_ms, char next[DEPLOYMENT_CURSOR_LEN], struct gh_error *err)
{
    static const char sql[] = "SELECT " DEPLOYMENT_COLUMNS " FROM deployments"
                              " WHERE (:status IS NULL OR status = :status) AND num < :before"
                              " ORDER BY num DESC LIMIT :limit";
    int64_t before = INT64_MAX, last = 0;
    sqlite3_stmt *st;
    json_t *list;
    char *end;
    int rc;

    next[0] = '\0';
    if (cursor) {
        before = strtoll(cursor, &end, 10);
        if (*cursor == '\0' || *end != '\0' || before <= 0) {
            gh_fail_field(err, GH_INVALID, "cursor", "the cursor is not one this API gave out");
            return NULL;
        }
    }
    if ((st = db_query(db, sql,
                       BINDS(BIND_TEXT(":status", status), BIND_INT(":before", before),
                             BIND_INT(":limit", limit + 1)),
                       err)) == NULL)
        return NULL;
    list = json_array();
    while ((rc = db_step(db, st, err)) == SQLITE_ROW && (int)json_array_size(list) < limit) {
        json_t *s = summary_json(db, st, now_ms, err);
        if (s == NULL) {
            rc = -1;
            break;
        }
        json_array_append_new(list, s);
        last = sqlite3_column_int64(st, 0);
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    if (rc == SQLITE_ROW)
        snprintf(next, DEPLOYMENT_CURSOR_LEN, "%lld", (long long)last);
    return list;
}

/* ---- writing ---- */

/*
 * Record a deployment event: on its mission, in the ledger, and to webhooks
 * with the deployment. title (NULL for none) names the mission the event
 * opens, when it opens one.
 */
static int record_deployment_event(struct db *db, const struct actor *who,
                                   const struct deployment_row *d, const char *type,
                                   const char *key, json_t *what, const char *title,
                                   struct gh_error *err)
{
    json_t *payload = json_pack("{s:s, s:O}", "deployment_id", d->id, key, what);
    json_t *hook = json_pack("{s:o, s:O}", "deployment",
                             deployment_ref_json(d, who->public_url, who->now_ms), key, what);
    char subject[80];
    int rc;

    if (title)
        json_object_set_new(payload, "title", json_string(title));
    snprintf(subject, sizeof(subject), "deployment:%s", d->id);
    rc = record_event(db, who->now_ms, who->username, type, d->mission_id, NULL, subject, payload,
                      hook, err);
    json_decref(payload);
    json_decref(hook);
    return rc;
}

/* Whether the stored deployment row st is on was filed with in's content. */
static int same_content(sqlite3_stmt *st, const struct deployment_input *in)
{
    return strcmp((const char *)sqlite3_column_text(st, 0), in->name) == 0 &&
           strcmp((const char *)sqlite3_column_text(st, 1), in->plan) == 0 &&
           sqlite3_column_int64(st, 2) == in->started_ms &&
           strcmp((const char *)sqlite3_column_text(st, 3),
                  in->mission_id ? in->mission_id : in->id) == 0;
}

int deployment_create(struct db *db, const struct actor *who, const struct deployment_input *in,
                      json_t **out, int *created, struct gh_error *err)
{
    static const char find_sql[] = "SELECT name, plan_name, started_ms, mission_id"
                                   " FROM deployments WHERE id = :id";
    static const char insert_sql[] =
        "INSERT INTO deployments (id, name, plan_name, plan_revision, plan_json, mission_id,"
        " started_at, started_ms, status, status_at, status_by, created_by, created_at)"
        " VALUES (:id, :name, :plan, :rev, :plan_json, :mission, :started_at, :started_ms,"
        " 'in_progress', :at, :by, :by, :at)";
    struct deployment_row d;
    struct plan plan;
    int64_t revision = 0;
    char at[TIME_RFC3339_LEN], started_at[TIME_RFC3339_LEN], *plan_text = NULL;
    json_t *doc, *what;
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    *created = 0;
    memset(&d, 0, sizeof(d));
    memset(&plan, 0, sizeof(plan));
    time_format_rfc3339(who->now_ms, at);
    time_format_rfc3339(in->started_ms, started_at);
    if (db_begin_write(db, err) != 0)
        return -1;
    st = db_prepare(db, find_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_TEXT(":id", in->id))) != 0) {
        db_reset(st);
        rc = gh_fail(err, GH_INTERNAL, "database error");
        goto out;
    }
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        rc = same_content(st, in)
                 ? 1
                 : gh_fail(err, GH_CONFLICT, "deployment '%s' exists with other content", in->id);
        db_reset(st);
        goto out;
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        rc = -1;
        goto out;
    }
    if (plan_load(db, in->plan, &plan, &revision, err) != 0) {
        if (err->kind == GH_NOT_FOUND)
            gh_fail_field(err, GH_INVALID, "plan", "there is no plan named '%s'", in->plan);
        rc = -1;
        goto out;
    }
    doc = plan_json(&plan);
    plan_text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REALS);
    json_decref(doc);
    rc = db_run(db, insert_sql, NULL, err,
                BINDS(BIND_TEXT(":id", in->id), BIND_TEXT(":name", in->name),
                      BIND_TEXT(":plan", in->plan), BIND_INT(":rev", revision),
                      BIND_TEXT(":plan_json", plan_text),
                      BIND_TEXT(":mission", in->mission_id ? in->mission_id : in->id),
                      BIND_TEXT(":started_at", started_at), BIND_INT(":started_ms", in->started_ms),
                      BIND_TEXT(":at", at), BIND_TEXT(":by", who->username)));
    if (rc == 0)
        rc = deployment_load(db, in->id, &d, err);
    if (rc == 0) {
        what = json_pack("{s:s, s:s, s:I, s:s}", "name", d.name, "plan", d.plan.name,
                         "plan_revision", (json_int_t)revision, "started_at", d.started_at);
        rc = record_deployment_event(db, who, &d, "deployment.created", "deployment", what, d.name,
                                     err);
        json_decref(what);
    }
    if (rc == 0)
        *created = 1;
out:
    free(plan_text);
    plan_free(&plan);
    deployment_row_free(&d);
    if (rc < 0) {
        db_rollback(db);
        return -1;
    }
    if (!*created)
        db_rollback(db); /* it exists as asked: nothing was written */
    else if (db_commit(db, err) != 0)
        return -1;
    *out = deployment_get(db, in->id, who->now_ms, err);
    return *out ? 0 : -1;
}

/* The Decision of phase i of d at now_ms, judged by the criterion engine. */
static json_t *decide(struct db *db, const struct deployment_row *d, int i, int64_t now_ms,
                      struct gh_error *err)
{
    const struct phase *ph = &d->plan.phases[i];
    json_t *criteria = json_array(), *blockers = json_array();
    char at[TIME_RFC3339_LEN];
    int met = 0;

    for (size_t c = 0; c < ph->ncriteria; c++) {
        struct crit_result r;
        if (observe_criterion(db, d, i, &ph->criteria[c], now_ms, &r, err) != 0) {
            json_decref(criteria);
            json_decref(blockers);
            return NULL;
        }
        json_array_append_new(criteria, crit_result_json(&ph->criteria[c], &r));
        if (r.passed)
            met++;
        else
            json_array_append_new(blockers, json_string(ph->criteria[c].name));
    }
    time_format_rfc3339(now_ms, at);
    return json_pack("{s:s, s:b, s:i, s:i, s:o, s:s, s:o}", "phase", ph->id, "proceed",
                     met == (int)ph->ncriteria, "criteria_met", met, "total_criteria",
                     (int)ph->ncriteria, "blockers", blockers, "evaluated_at", at, "criteria",
                     criteria);
}

/* What recording a decision needs; the work of one group-committed write. */
struct decision_work {
    const struct actor *who;
    const struct deployment_row *d;
    int phase;        /* the plan phase decided */
    int scheduled;    /* the worker's one evaluation of it */
    json_t *decision; /* the Decision (borrowed) */
};

static int record_decision(struct db *db, void *arg, struct gh_error *err)
{
    static const char sql[] =
        "INSERT INTO gate_decisions (deployment, phase, proceed, evaluated_at, evaluated_ms,"
        " evaluated_by, scheduled, decision_json) VALUES (:d, :phase, :proceed, :at, :ms, :by,"
        " :scheduled, :json)";
    const struct decision_work *w = arg;
    char *text = json_dumps(w->decision, JSON_COMPACT | JSON_REALS);
    int rc;

    if (text == NULL)
        return gh_fail(err, GH_INTERNAL, "the decision does not serialise");
    rc = db_run(
        db, sql, NULL, err,
        BINDS(BIND_INT(":d", w->d->num), BIND_TEXT(":phase", w->d->plan.phases[w->phase].id),
              BIND_INT(":proceed", json_is_true(json_object_get(w->decision, "proceed"))),
              BIND_TEXT(":at", json_string_value(json_object_get(w->decision, "evaluated_at"))),
              BIND_INT(":ms", w->who->now_ms), BIND_TEXT(":by", w->who->username),
              BIND_INT(":scheduled", w->scheduled), BIND_TEXT(":json", text)));
    free(text);
    if (rc == 0)
        rc = record_deployment_event(db, w->who, w->d, "gate.evaluated", "decision", w->decision,
                                     NULL, err);
    return rc;
}

int gate_evaluate(struct db *db, const struct actor *who, const char *id, const char *phase,
                  int scheduled, json_t **decision, struct gh_error *err)
{
    struct deployment_row d;
    struct decision_work w = {who, &d, 0, scheduled, NULL};
    int current, rc;

    *decision = NULL;
    /* Judge first, reading as anyone may; then record in a transaction shared
       with whatever else waits to commit. The write lock is held for the
       writes alone, never for the reads of the samples. */
    rc = deployment_load(db, id, &d, err);
    if (rc != 0)
        goto out;
    current = deployment_phase_at(&d, who->now_ms);
    w.phase = phase ? plan_phase_index(&d.plan, phase) : current;
    if (phase && w.phase < 0)
        rc = gh_fail_field(err, GH_INVALID, "phase", "plan %s has no phase '%s'", d.plan.name,
                           phase);
    else if (w.phase < 0)
        rc = gh_fail(err, GH_CONFLICT, "deployment %s has not reached its first phase yet", id);
    else if (w.phase > current)
        rc = gh_fail(err, GH_CONFLICT, "phase %s has not begun yet", d.plan.phases[w.phase].id);
    else if ((w.decision = decide(db, &d, w.phase, who->now_ms, err)) == NULL)
        rc = -1;
    else if ((rc = db_write_grouped(db, record_decision, &w, err)) == 0)
        *decision = json_incref(w.decision);
out:
    json_decref(w.decision);
    deployment_row_free(&d);
    return rc == 0 ? 0 : -1;
}

/* Whether phase of deployment num has had its scheduled evaluation. */
static int scheduled_done(struct db *db, int64_t num, const char *phase, int *done,
                          struct gh_error *err)
{
    static const char sql[] = "SELECT 1 FROM gate_decisions WHERE deployment = :d AND phase = :p"
                              " AND scheduled = 1";
    sqlite3_stmt *st;
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_INT(":d", num), BIND_TEXT(":p", phase)), err)) == NULL)
        return -1;
    rc = db_step(db, st, err);
    *done = rc == SQLITE_ROW;
    db_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Record that trigger t fired with ev, and set d rolling back (inside a write transaction). */
static int fire_locked(struct db *db, const struct actor *who, const struct deployment_row *d,
                       const struct trigger *t, const struct trigger_eval *ev, struct gh_error *err)
{
    static const char fired_sql[] =
        "INSERT INTO deployment_triggers_fired (deployment, trigger, action, fired_at, fired_ms,"
        " evidence_json) VALUES (:d, :t, :action, :at, :ms, :evidence)";
    static const char status_sql[] =
        "UPDATE deployments SET status = 'rolling_back', status_at = :at, status_by = :by,"
        " status_comment = :comment WHERE num = :d";
    char at[TIME_RFC3339_LEN], last_at[TIME_RFC3339_LEN], comment[200], *text;
    json_t *evidence, *what;
    int rc;

    time_format_rfc3339(who->now_ms, at);
    time_format_rfc3339(ev->last_at, last_at);
    evidence = json_pack("{s:I, s:I, s:f, s:s, s:o}", "samples_in_window", (json_int_t)ev->window,
                         "breaching", (json_int_t)ev->breaching, "latest_value", ev->last_value,
                         "latest_at", last_at, "value_before_window",
                         ev->has_before ? json_real(ev->before_value) : json_null());
    text = json_dumps(evidence, JSON_COMPACT | JSON_REALS);
    snprintf(comment, sizeof(comment), "rollback trigger %s fired", t->name);
    rc = db_run(db, fired_sql, NULL, err,
                BINDS(BIND_INT(":d", d->num), BIND_TEXT(":t", t->name),
                      BIND_TEXT(":action", t->action), BIND_TEXT(":at", at),
                      BIND_INT(":ms", who->now_ms), BIND_TEXT(":evidence", text)));
    free(text);
    if (rc == 0)
        rc = db_run(db, status_sql, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_TEXT(":by", who->username),
                          BIND_TEXT(":comment", comment), BIND_INT(":d", d->num)));
    if (rc == 0) {
        struct deployment_row now = *d;
        now.status = DEP_ROLLING_BACK; /* the webhook tells the status it leaves */
        what = json_pack("{s:o, s:O, s:s}", "trigger", trigger_json(t), "evidence", evidence,
                         "fired_at", at);
        rc = record_deployment_event(db, who, &now, "rollback.triggered", "rollback", what, NULL,
                                     err);
        json_decref(what);
    }
    json_decref(evidence);
    return rc;
}

/* Check d's triggers at who->now_ms; fire the first sustained one. *fired counts. */
static int watch_triggers(struct db *db, const struct actor *who, const char *id, int *fired,
                          struct gh_error *err)
{
    struct deployment_row d;
    int rc;

    if (deployment_load(db, id, &d, err) != 0) {
        deployment_row_free(&d);
        return -1;
    }
    rc = 0;
    for (size_t k = 0; rc == 0 && k < d.plan.ntriggers; k++) {
        const struct trigger *t = &d.plan.triggers[k];
        struct trigger_eval ev;
        struct deployment_row locked;
        if ((rc = observe_trigger(db, &d, t, who->now_ms, &ev, err)) != 0 || !ev.fired)
            continue;
        /* Fire under the write lock, if nobody changed the deployment meanwhile. */
        if ((rc = db_begin_write(db, err)) != 0)
            break;
        rc = deployment_load(db, id, &locked, err);
        if (rc == 0 && (locked.status == DEP_IN_PROGRESS || locked.status == DEP_HELD))
            rc = fire_locked(db, who, &locked, t, &ev, err);
        else if (rc == 0)
            rc = 1; /* no longer watched */
        deployment_row_free(&locked);
        if (rc < 0) {
            db_rollback(db);
            break;
        }
        if (rc == 1) {
            db_rollback(db);
            rc = 0;
            break;
        }
        if ((rc = db_commit(db, err)) != 0)
            break;
        (*fired)++;
        log_info("deployment %s: rollback trigger %s fired (%s)", id, t->name, t->action);
        break; /* one rollback at a time: the deployment is rolling back now */
    }
    deployment_row_free(&d);
    return rc;
}

int deployments_watch(struct db *db, const struct actor *who, int *evaluated, int *fired,
                      struct gh_error *err)
{
    static const char sql[] = "SELECT id FROM deployments INDEXED BY deployments_by_status"
                              " WHERE status IN ('in_progress', 'held') ORDER BY num";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *ids = json_array(), *v;
    size_t k;
    int rc;

    *evaluated = *fired = 0;
    /* Read the list first: no statement stays open across the writes below. */
    while (st && (rc = db_step(db, st, err)) == SQLITE_ROW)
        json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
    db_reset(st);
    if (st == NULL || rc != SQLITE_DONE) {
        json_decref(ids);
        return st ? -1 : gh_fail(err, GH_INTERNAL, "database error");
    }
    rc = 0;
    json_array_foreach(ids, k, v)
    {
        const char *id = json_string_value(v);
        struct deployment_row d;
        int current, done = 0;
        if ((rc = deployment_load(db, id, &d, err)) != 0) {
            deployment_row_free(&d);
            break;
        }
        current = deployment_phase_at(&d, who->now_ms);
        for (int i = 0; rc == 0 && i <= current; i++) {
            json_t *decision = NULL;
            /* A gate closes its phase: due once the next phase has begun (the last: at once). */
            if (i == current && (size_t)i + 1 < d.plan.nphases)
                break;
            rc = scheduled_done(db, d.num, d.plan.phases[i].id, &done, err);
            if (rc == 0 && !done &&
                (rc = gate_evaluate(db, who, id, d.plan.phases[i].id, 1, &decision, err)) == 0) {
                (*evaluated)++;
                log_info("deployment %s: gate %s %s", id, d.plan.phases[i].id,
                         json_is_true(json_object_get(decision, "proceed")) ? "proceeds"
                                                                            : "is blocked");
            }
            json_decref(decision);
        }
        deployment_row_free(&d);
        if (rc == 0)
            rc = watch_triggers(db, who, id, fired, err);
        if (rc != 0)
            break;
    }
    json_decref(ids);
    return rc;
}

int deployment_report_status(struct db *db, const struct actor *who, const char *id,
                             const char *status, const char *comment, json_t **out,
                             struct gh_error *err)
{
    static const char sql[] = "UPDATE deployments SET status = :status, status_at = :at,"
                              " status_by = :by, status_comment = :comment WHERE num = :d";
    struct deployment_row d;
    enum deploy_status to;
    char at[TIME_RFC3339_LEN];
    json_t *what;
    int rc;

    *out = NULL;
    if (deploy_status_parse(status, &to) != 0)
        return gh_fail_field(err, GH_INVALID, "status",
                             "an executor reports rolled_back, held or in_progress");
    time_format_rfc3339(who->now_ms, at);
    if (db_begin_write(db, err) != 0)
        return -1;
    rc = deployment_load(db, id, &d, err);
    if (rc == 0)
        rc = status_report_check(d.status, to, err);
    if (rc == 0)
        rc = db_run(db, sql, NULL, err,
                    BINDS(BIND_TEXT(":status", status), BIND_TEXT(":at", at),
                          BIND_TEXT(":by", who->username), BIND_TEXT(":comment", comment),
                          BIND_INT(":d", d.num)));
    if (rc == 0) {
        what = json_pack("{s:s, s:s, s:s}", "from", deploy_status_name(d.status), "to", status,
                         "comment", comment);
        d.status = to;
        rc = record_deployment_event(db, who, &d, "deployment.status_reported", "status", what,
                                     NULL, err);
        json_decref(what);
    }
    deployment_row_free(&d);
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    if (db_commit(db, err) != 0)
        return -1;
    *out = deployment_get(db, id, who->now_ms, err);
    return *out ? 0 : -1;
}

int deployment_signoff(struct db *db, const struct actor *who, const char *id, const char *decision,
                       const char *comment, json_t **out, struct gh_error *err)
{
    static const char insert_sql[] =
        "INSERT INTO deployment_signoffs (deployment, decision, by, display_name, at, comment,"
        " override, recommendation) VALUES (:d, :decision, :by, :display, :at, :comment,"
        " :override, :rec)";
    static const char status_sql[] =
        "UPDATE deployments SET status = :status, status_at = :at, status_by = :by,"
        " status_comment = :comment WHERE num = :d";
    struct deployment_row d;
    struct deploy_facts facts;
    struct recommendation_out rec;
    enum signoff_decision sd;
    char at[TIME_RFC3339_LEN];
    int override = 0, rc;

    *out = NULL;
    if (signoff_parse(decision, &sd) != 0)
        return gh_fail_field(err, GH_INVALID, "decision",
                             "a sign-off is APPROVED, REJECTED or HOLD");
    time_format_rfc3339(who->now_ms, at);
    if (db_begin_write(db, err) != 0)
        return -1;
    rc = deployment_load(db, id, &d, err);
    if (rc == 0)
        rc = deployment_facts(db, &d, who->now_ms, &facts, err);
    if (rc == 0) {
        deploy_recommend(&facts, &rec);
        override = sd == SIGNOFF_APPROVED && rec.decision == REC_ROLLBACK;
        if (override && comment[0] == '\0')
            rc = gh_fail(err, GH_CONFLICT,
                         "the report recommends ROLLBACK: approving anyway needs a comment that "
                         "says why");
        else if (d.status == DEP_ROLLED_BACK)
            rc = gh_fail(err, GH_CONFLICT, "the deployment has been rolled back");
    }
    if (rc == 0)
        rc = db_run(
            db, insert_sql, NULL, err,
            BINDS(BIND_INT(":d", d.num), BIND_TEXT(":decision", signoff_name(sd)),
                  BIND_TEXT(":by", who->username),
                  BIND_TEXT(":display", who->display_name ? who->display_name : who->username),
                  BIND_TEXT(":at", at), BIND_TEXT(":comment", comment),
                  BIND_INT(":override", override),
                  BIND_TEXT(":rec", recommendation_name(rec.decision))));
    if (rc == 0)
        rc = db_run(db, status_sql, NULL, err,
                    BINDS(BIND_TEXT(":status", deploy_status_name(signoff_status(sd))),
                          BIND_TEXT(":at", at), BIND_TEXT(":by", who->username),
                          BIND_TEXT(":comment", comment), BIND_INT(":d", d.num)));
    if (rc == 0) {
        json_t *signoff = deployment_latest_signoff(db, &d, err);
        d.status = signoff_status(sd);
        rc = signoff ? record_deployment_event(db, who, &d, "deployment.signed_off", "signoff",
                                               signoff, NULL, err)
                     : -1;
        *out = signoff;
    }
    deployment_row_free(&d);
    if (rc != 0 || db_commit(db, err) != 0) {
        if (rc != 0)
            db_rollback(db);
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
