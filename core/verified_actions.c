/* Verified actions: the transitions of contracts (see verified_actions.h). */
#include "verified_actions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "approval_rules.h"
#include "approval_store.h"
#include "approvals.h"
#include "timeutil.h"

/* The contract stored on request id; 1 read, 0 none, -1 error. Release with contract_free. */
static int load_contract(struct db *db, int64_t id, struct contract *c, json_t **snapshot,
                         struct gh_error *err)
{
    static const char sql[] = "SELECT contract_json, snapshot_json FROM approvals WHERE id = :id";
    struct field_errors e = FIELD_ERRORS_INIT;
    sqlite3_stmt *st;
    json_t *doc = NULL;
    int rc;

    memset(c, 0, sizeof(*c));
    *snapshot = NULL;
    if ((st = db_query(db, sql, BINDS(BIND_INT(":id", id)), err)) == NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            *snapshot = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    if (doc == NULL)
        return 0;
    rc = contract_parse(doc, "contract", c, &e);
    json_decref(doc);
    field_errors_free(&e);
    if (rc != 0) {
        json_decref(*snapshot);
        *snapshot = NULL;
        return gh_fail(err, GH_INTERNAL, "the contract of approval %lld does not parse",
                       (long long)id);
    }
    return 1;
}

static int by_metric(const void *a, const void *b)
{
    return strcmp(((const struct sample_in *)a)->metric, ((const struct sample_in *)b)->metric);
}

static int fold(struct db *db, int64_t id, const char *metric, const struct agg_state *a,
                struct gh_error *err)
{
    /* SET expressions read the row as it was, so each one merges with the old values. */
    static const char sql[] =
        "INSERT INTO approval_aggregates (approval_id, metric, count, sum, min, max, last_at,"
        " last_value) VALUES (:id, :m, :count, :sum, :min, :max, :last_at, :last)"
        " ON CONFLICT DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum,"
        " min = min(min, excluded.min), max = max(max, excluded.max),"
        " last_value = CASE WHEN excluded.last_at >= last_at THEN excluded.last_value"
        " ELSE last_value END, last_at = max(last_at, excluded.last_at)";

    return db_run(db, sql, NULL, err,
                  BINDS(BIND_INT(":id", id), BIND_TEXT(":m", metric), BIND_INT(":count", a->count),
                        BIND_REAL(":sum", a->sum), BIND_REAL(":min", a->min),
                        BIND_REAL(":max", a->max), BIND_INT(":last_at", a->last_at),
                        BIND_REAL(":last", a->last)));
}

/*
 * Store samples for request id and fold them into the running aggregates
 * of their metrics (the criterion engine's agg_state), so that judging
 * costs a row per criterion however many samples came. s is sorted by
 * metric here (the order of a batch does not matter once stored).
 */
static int store_samples(struct db *db, int64_t id, struct sample_in *s, size_t n,
                         struct gh_error *err)
{
    static const char sql[] = "INSERT INTO approval_samples (approval_id, metric, at_ms, value)"
                              " VALUES (:id, :m, :at, :v)";
    struct agg_state acc = AGG_STATE_INIT;
    int rc = 0;

    qsort(s, n, sizeof(*s), by_metric);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = db_run(db, sql, NULL, err,
                    BINDS(BIND_INT(":id", id), BIND_TEXT(":m", s[i].metric),
                          BIND_INT(":at", s[i].at_ms), BIND_REAL(":v", s[i].value)));
        agg_add(&acc, s[i].at_ms, s[i].value);
        if (rc == 0 && (i + 1 == n || strcmp(s[i + 1].metric, s[i].metric) != 0)) {
            rc = fold(db, id, s[i].metric, &acc, err);
            acc = (struct agg_state)AGG_STATE_INIT;
        }
    }
    return rc;
}

/* Judge criterion c of request id over its metric's running aggregates (p95 from the index). */
static int observe(struct db *db, int64_t id, const struct criterion *c, struct crit_result *out,
                   struct gh_error *err)
{
    static const char agg_sql[] =
        "SELECT count, sum, min, max, last_at, last_value"
        " FROM approval_aggregates WHERE approval_id = :id AND metric = :m";
    static const char p95_sql[] =
        "SELECT value FROM approval_samples INDEXED BY approval_samples_by_value"
        " WHERE approval_id = :id AND metric = :m ORDER BY value DESC LIMIT 1 OFFSET :k";
    struct agg_state a = AGG_STATE_INIT;
    sqlite3_stmt *st;
    double p95 = 0;
    int rc;

    if ((st = db_query(db, agg_sql, BINDS(BIND_INT(":id", id), BIND_TEXT(":m", c->metric)), err)) ==
        NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        a = (struct agg_state){sqlite3_column_int64(st, 0),  sqlite3_column_double(st, 1),
                               sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
                               sqlite3_column_int64(st, 4),  sqlite3_column_double(st, 5)};
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    if (c->aggregate == AGG_P95 && a.count > 0) {
        st = db_prepare(db, p95_sql);
        if (st == NULL ||
            db_bind(st, BINDS(BIND_INT(":id", id), BIND_TEXT(":m", c->metric),
                              BIND_INT(":k", a.count - p95_rank(a.count)))) != 0 ||
            db_step(db, st, err) != SQLITE_ROW) {
            db_reset(st);
            return gh_fail(err, GH_INTERNAL, "database error");
        }
        p95 = sqlite3_column_double(st, 0);
        db_reset(st);
    }
    criterion_judge(c, &a, p95, out);
    return 0;
}

/*
 * Judge request id's contract over all its samples, store the verification,
 * and when it leaves pending record what it became (inside the caller's
 * transaction). *out (may be NULL) receives the approval afterwards.
 */
static int judge(struct db *db, const struct actor *who, int64_t id, int deadline_passed,
                 json_t **out, struct gh_error *err)
{
    static const char verification_sql[] =
        "UPDATE approvals SET verification_state = :state, verification_json = :json,"
        " verified_ms = CASE :state WHEN 'pending' THEN NULL ELSE :now END WHERE id = :id";
    static const char rollback_sql[] =
        "UPDATE approvals SET rollback_json = :json, rollback_ms = :now WHERE id = :id";
    static const char deadline_sql[] = "SELECT verify_deadline_ms FROM approvals WHERE id = :id";
    struct contract c;
    struct crit_result *results = NULL;
    enum verification_state state;
    json_t *snapshot = NULL, *v = NULL, *extra = NULL;
    char now[TIME_RFC3339_LEN], deadline[TIME_RFC3339_LEN], *text = NULL;
    int64_t deadline_ms = 0;
    sqlite3_stmt *st;
    int rc;

    if ((rc = load_contract(db, id, &c, &snapshot, err)) <= 0)
        return rc; /* no contract: nothing to judge */
    rc = 0;
    st = db_prepare(db, deadline_sql);
    if (rc == 0 && (st == NULL || db_bind(st, BINDS(BIND_INT(":id", id))) != 0 ||
                    db_step(db, st, err) != SQLITE_ROW))
        rc = gh_fail(err, GH_INTERNAL, "database error");
    else if (rc == 0)
        deadline_ms = sqlite3_column_int64(st, 0);
    db_reset(st);
    if (rc != 0)
        goto out;
    results = xcalloc(c.ncriteria, sizeof(*results));
    for (size_t i = 0; rc == 0 && i < c.ncriteria; i++)
        rc = observe(db, id, &c.criteria[i], &results[i], err);
    if (rc != 0)
        goto out;
    state = verification_decide(results, c.ncriteria, deadline_passed);
    time_format_rfc3339(who->now_ms, now);
    time_format_rfc3339(deadline_ms, deadline);
    v = verification_json(&c, state, results, state == VERIFY_PENDING ? NULL : now, deadline);
    text = json_dumps(v, JSON_COMPACT | JSON_REALS);
    rc = db_run(db, verification_sql, NULL, err,
                BINDS(BIND_TEXT(":state", verification_state_name(state)), BIND_TEXT(":json", text),
                      BIND_INT(":now", who->now_ms), BIND_INT(":id", id)));
    free(text);
    text = NULL;
    if (rc != 0 || state == VERIFY_PENDING)
        goto out;
    if (state == VERIFY_VERIFIED) {
        rc = approval_record(db, who, who->username, "action.verified", id, NULL, out, err);
    } else if (state == VERIFY_UNVERIFIABLE) {
        rc = approval_record(db, who, who->username, "action.unverifiable", id, NULL, out, err);
    } else {
        /* A broken promise: say so, and ask for the return to the safe hold at once. */
        json_t *sid = json_object_get(snapshot, "snapshot_id");
        json_t *rollback = json_pack("{s:s, s:O, s:n}", "requested_at", now, "snapshot_id",
                                     sid ? sid : json_null(), "result");
        extra = json_pack("{s:o}", "failed_criteria", contract_failures_json(&c, results));
        rc = approval_record(db, who, who->username, "action.violated", id, extra, NULL, err);
        text = json_dumps(rollback, JSON_COMPACT);
        json_decref(rollback);
        if (rc == 0)
            rc = db_run(db, rollback_sql, NULL, err,
                        BINDS(BIND_TEXT(":json", text), BIND_INT(":now", who->now_ms),
                              BIND_INT(":id", id)));
        if (rc == 0)
            rc = approval_record(db, who, who->username, "action.rollback_requested", id, extra,
                                 out, err);
    }
out:
    free(text);
    json_decref(extra);
    json_decref(v);
    json_decref(snapshot);
    free(results);
    contract_free(&c);
    return rc;
}

/* ---- the snapshot ---- */

struct snapshot_work {
    const struct actor *who;
    int64_t id;
    const char *text; /* the snapshot as stored */
    json_t **out;
};

static int snapshot_work(struct db *db, void *arg, struct gh_error *err)
{
    static const char sql[] = "UPDATE approvals SET snapshot_json = :s WHERE id = :id";
    const struct snapshot_work *w = arg;
    struct approval_facts f;
    int rc = approval_facts_load(db, w->id, &f, err);

    if (rc == 0)
        rc = snapshot_check(&f, err);
    if (rc == 0)
        rc = db_run(db, sql, NULL, err, BINDS(BIND_TEXT(":s", w->text), BIND_INT(":id", w->id)));
    if (rc == 0)
        rc = approval_record(db, w->who, w->who->username, "action.snapshot_taken", w->id, NULL,
                             w->out, err);
    return rc;
}

int approval_snapshot(struct db *db, const struct actor *who, int64_t id,
                      const struct snapshot_input *s, json_t **out, struct gh_error *err)
{
    char taken[TIME_RFC3339_LEN], at[TIME_RFC3339_LEN], *text;
    json_t *doc;
    int rc;

    *out = NULL;
    time_format_rfc3339(s->taken_ms, taken);
    time_format_rfc3339(who->now_ms, at);
    doc = json_pack("{s:s, s:s, s:s, s:O, s:s, s:s}", "snapshot_id", s->snapshot_id, "kind",
                    s->kind, "taken_at", taken, "details", s->details ? s->details : json_object(),
                    "reported_at", at, "reported_by", who->username);
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL)
        return gh_fail(err, GH_INTERNAL, "the snapshot does not serialise");
    rc = approval_run(db, snapshot_work, &(struct snapshot_work){who, id, text, out}, out, err);
    free(text);
    return rc;
}

/* ---- the execution report and later samples ---- */

int contract_on_execution(struct db *db, const struct actor *who, int64_t id, json_t *metrics,
                          struct gh_error *err)
{
    static const char window_sql[] =
        "UPDATE approvals SET verify_deadline_ms = :deadline, verification_state = 'pending'"
        " WHERE id = :id";
    struct contract c;
    json_t *snapshot = NULL, *value;
    struct sample_in *samples;
    const char *key;
    size_t n = 0;
    int rc;

    if ((rc = load_contract(db, id, &c, &snapshot, err)) <= 0)
        return rc;
    /* The report's numbers are measurements taken when it was made. */
    samples = xcalloc(json_object_size(metrics) + 1, sizeof(*samples));
    json_object_foreach(metrics, key, value)
    {
        if (!json_is_number(value) || !isfinite(json_number_value(value)) ||
            !valid_metric_name(key))
            continue;
        snprintf(samples[n].metric, sizeof(samples[n].metric), "%s", key);
        samples[n].at_ms = who->now_ms;
        samples[n++].value = json_number_value(value);
    }
    rc = db_run(
        db, window_sql, NULL, err,
        BINDS(BIND_INT(":deadline", who->now_ms + c.verify_within_s * 1000), BIND_INT(":id", id)));
    if (rc == 0)
        rc = store_samples(db, id, samples, n, err);
    if (rc == 0)
        rc = judge(db, who, id, 0, NULL, err);
    free(samples);
    json_decref(snapshot);
    contract_free(&c);
    return rc;
}

struct samples_work {
    const struct actor *who;
    int64_t id;
    struct sample_in *samples; /* the caller's, sorted by metric when stored */
    size_t n;
    json_t **out;
};

static int samples_work(struct db *db, void *arg, struct gh_error *err)
{
    const struct samples_work *w = arg;
    struct approval_facts f;
    int rc = approval_facts_load(db, w->id, &f, err);

    if (rc == 0)
        rc = samples_check(&f, w->who->now_ms, err);
    if (rc == 0)
        rc = store_samples(db, w->id, w->samples, w->n, err);
    if (rc == 0)
        rc = judge(db, w->who, w->id, 0, w->out, err);
    /* Still pending: no event, but the caller gets the approval as it stands. */
    if (rc == 0 && *w->out == NULL && (*w->out = approval_get(db, w->id, err)) == NULL)
        rc = -1;
    return rc;
}

int approval_post_samples(struct db *db, const struct actor *who, int64_t id,
                          struct sample_in *samples, size_t n, json_t **out, struct gh_error *err)
{
    *out = NULL;
    return approval_run(db, samples_work, &(struct samples_work){who, id, samples, n, out}, out,
                        err);
}

/* ---- the rollback's outcome ---- */

struct rollback_work {
    const struct actor *who;
    int64_t id;
    const struct rollback_input *r;
    json_t **out;
};

static int rollback_work(struct db *db, void *arg, struct gh_error *err)
{
    static const char sql[] =
        "UPDATE approvals SET rollback_json = json_set(rollback_json, '$.result', json(:result))"
        " WHERE id = :id";
    const struct rollback_work *w = arg;
    struct approval_facts f;
    char at[TIME_RFC3339_LEN], *text = NULL;
    json_t *result;
    int rc = approval_facts_load(db, w->id, &f, err);

    if (rc == 0)
        rc = rollback_result_check(&f, err);
    if (rc != 0)
        return rc;
    time_format_rfc3339(w->who->now_ms, at);
    result = json_pack(
        "{s:b, s:s, s:o, s:s, s:s}", "ok", w->r->ok, "status", w->r->status, "restored_snapshot_id",
        w->r->restored_snapshot_id ? json_string(w->r->restored_snapshot_id) : json_null(),
        "reported_at", at, "reported_by", w->who->username);
    text = result ? json_dumps(result, JSON_COMPACT) : NULL;
    json_decref(result);
    if (text == NULL)
        return gh_fail(err, GH_INTERNAL, "the rollback result does not serialise");
    rc = db_run(db, sql, NULL, err, BINDS(BIND_TEXT(":result", text), BIND_INT(":id", w->id)));
    free(text);
    if (rc == 0)
        rc = approval_record(db, w->who, w->who->username, "action.rollback_reported", w->id, NULL,
                             w->out, err);
    return rc;
}

int approval_rollback_result(struct db *db, const struct actor *who, int64_t id,
                             const struct rollback_input *r, json_t **out, struct gh_error *err)
{
    *out = NULL;
    return approval_run(db, rollback_work, &(struct rollback_work){who, id, r, out}, out, err);
}

/* ---- the deadline ---- */

/* Judge for the last time a verification whose window closed (contracts_expire's work). */
static int judge_closed(struct db *db, const struct actor *who, int64_t id, struct gh_error *err)
{
    return judge(db, who, id, 1, NULL, err);
}

int contracts_expire(struct db *db, const struct actor *who, int batch, int *count,
                     struct gh_error *err)
{
    static const char due_sql[] =
        "SELECT id FROM approvals INDEXED BY approvals_verifying"
        " WHERE verification_state = 'pending' AND verify_deadline_ms < :now"
        " ORDER BY verify_deadline_ms LIMIT :n";

    return approvals_due_run(db, who, due_sql, batch, judge_closed, count, err);
}
