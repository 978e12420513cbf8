/* Approval requests: storage and transitions (see approvals.h). */
#include "approvals.h"
#include "approval_store.h"
#include "contracts.h"
#include "verified_actions.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "events.h"
#include "freezes.h"
#include "group_commit.h"
#include "log.h"
#include "timeutil.h"
#include "validate.h"

/* The largest params or metrics object, as compact JSON. */
#define OBJECT_MAX 65536

/* ^[a-z][a-z0-9_.-]{0,63}$ */
static int valid_action_type(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64 || !islower((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
              s[i] == '.' || s[i] == '-'))
            return 0;
    return 1;
}

/* A free-form object no larger than OBJECT_MAX bytes of compact JSON. */
static void check_object_size(json_t *obj, const char *field, struct field_errors *e)
{
    char *text = json_dumps(obj, JSON_COMPACT);

    if (text == NULL || strlen(text) > OBJECT_MAX)
        field_error(e, field, "must be at most %d bytes of JSON", OBJECT_MAX);
    free(text);
}

int approval_parse(json_t *body, int default_expiry_seconds, struct approval_input *in,
                   struct field_errors *e)
{
    static const char *const fields[] = {
        "action_type",        "target",   "tier", "reason", "mission_id", "params",
        "expires_in_seconds", "contract", NULL};
    json_t *contract = json_object_get(body, "contract");
    long long tier = 0;
    int before = e->count;

    memset(in, 0, sizeof(*in));
    in->reason = "";
    in->expires_in_seconds = default_expiry_seconds;
    json_reject_unknown(body, fields, e);
    if (json_get_string(body, "action_type", 1, 1, 64, &in->action_type, e) == 1 &&
        !valid_action_type(in->action_type))
        field_error(e, "action_type", "must match ^[a-z][a-z0-9_.-]{0,63}$");
    json_get_string(body, "target", 1, 1, 200, &in->target, e);
    if (json_get_int(body, "tier", 1, 1, 3, &tier, e) == 1)
        in->tier = (int)tier;
    json_get_string(body, "reason", 0, 0, 2000, &in->reason, e);
    if (json_get_string(body, "mission_id", 0, 1, 64, &in->mission_id, e) == 1 &&
        !valid_client_id(in->mission_id))
        field_error(e, "mission_id", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
    if (json_get_object(body, "params", 0, &in->params, e) == 1)
        check_object_size(in->params, "params", e);
    json_get_int(body, "expires_in_seconds", 0, 1, APPROVAL_EXPIRY_MAX, &in->expires_in_seconds, e);
    if (contract && !json_is_null(contract)) {
        struct contract c;
        if (contract_parse(contract, "contract", &c, e) == 0)
            in->contract = contract_json(&c);
        contract_free(&c);
    }
    return e->count > before ? -1 : 0;
}

void approval_input_free(struct approval_input *in)
{
    json_decref(in->contract);
    in->contract = NULL;
}

int execution_parse(json_t *body, struct execution_input *x, struct field_errors *e)
{
    static const char *const fields[] = {"ok", "status", "error_resolved", "metrics", NULL};
    int before = e->count;

    memset(x, 0, sizeof(*x));
    x->error_resolved = -1;
    json_reject_unknown(body, fields, e);
    json_get_bool(body, "ok", 1, &x->ok, e);
    json_get_string(body, "status", 1, 1, 64, &x->status, e);
    if (json_is_null(json_object_get(body, "error_resolved")))
        x->error_resolved = -1;
    else
        json_get_bool(body, "error_resolved", 0, &x->error_resolved, e);
    if (json_get_object(body, "metrics", 0, &x->metrics, e) == 1)
        check_object_size(x->metrics, "metrics", e);
    return e->count > before ? -1 : 0;
}

int valid_idempotency_key(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return 0;
    return 1;
}

void idempotency_body_hash(json_t *body, unsigned char out[SECRET_HASH_BYTES])
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);

    secret_hash(text ? text : "", out);
    free(text);
}

/* ---- reading ---- */

#define APPROVAL_COLUMNS                                                                           \
    "id, action_type, target, tier, reason, mission_id, params_json, status, requested_by,"        \
    " created_at, expires_at, required_approvals, break_glass_required, decided_at, decided_by,"   \
    " execution_json, decided_ms, contract_json, snapshot_json, verification_json, rollback_json," \
    " verification_state"

static json_t *text_or_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL
               ? json_null()
               : json_string((const char *)sqlite3_column_text(st, col));
}

static json_t *votes_json(struct db *db, int64_t id)
{
    static const char sql[] = "SELECT voter, verdict, comment, at FROM approval_votes"
                              " WHERE approval_id = :id ORDER BY at_ms, voter";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *votes = json_array();

    if (st && db_bind(st, BINDS(BIND_INT(":id", id))) == 0)
        while (db_step(db, st, NULL) == SQLITE_ROW)
            json_array_append_new(
                votes, json_pack("{s:s, s:s, s:s, s:s}", "by", sqlite3_column_text(st, 0),
                                 "verdict", sqlite3_column_text(st, 1), "comment",
                                 sqlite3_column_text(st, 2), "at", sqlite3_column_text(st, 3)));
    db_reset(st);
    return votes;
}

/* The JSON document stored in column col, or JSON null. */
static json_t *stored_or_null(sqlite3_stmt *st, int col)
{
    json_t *v = NULL;

    if (sqlite3_column_type(st, col) != SQLITE_NULL)
        v = json_loads((const char *)sqlite3_column_text(st, col), 0, NULL);
    return v ? v : json_null();
}

/*
 * The approval object of the row st is on (APPROVAL_COLUMNS): API.md's,
 * with the verified-action members (contract, snapshot, verification,
 * rollback: null when there is none).
 */
static json_t *approval_json(struct db *db, sqlite3_stmt *st)
{
    int64_t id = sqlite3_column_int64(st, 0);
    json_t *params = json_loads((const char *)sqlite3_column_text(st, 6), 0, NULL);
    json_t *execution = NULL, *a;

    if (sqlite3_column_type(st, 15) != SQLITE_NULL)
        execution = json_loads((const char *)sqlite3_column_text(st, 15), 0, NULL);
    a = json_pack("{s:I, s:s, s:s, s:i, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:i, s:b, s:o, s:o,"
                  " s:o, s:o}",
                  "id", (json_int_t)id, "action_type", sqlite3_column_text(st, 1), "target",
                  sqlite3_column_text(st, 2), "tier", sqlite3_column_int(st, 3), "reason",
                  sqlite3_column_text(st, 4), "mission_id", text_or_null(st, 5), "params",
                  params ? params : json_object(), "status", sqlite3_column_text(st, 7),
                  "requested_by", sqlite3_column_text(st, 8), "created_at",
                  sqlite3_column_text(st, 9), "expires_at", sqlite3_column_text(st, 10),
                  "required_approvals", sqlite3_column_int(st, 11), "break_glass_required",
                  sqlite3_column_int(st, 12), "votes", votes_json(db, id), "decided_at",
                  text_or_null(st, 13), "decided_by", text_or_null(st, 14), "execution",
                  execution ? execution : json_null());
    if (a) {
        json_object_set_new(a, "contract", stored_or_null(st, 17));
        json_object_set_new(a, "snapshot", stored_or_null(st, 18));
        json_object_set_new(a, "verification", stored_or_null(st, 19));
        json_object_set_new(a, "rollback", stored_or_null(st, 20));
    }
    return a;
}

/*
 * The list pages' view of the row st is on: the approval object without
 * params, votes and execution, which lists never show (and which would
 * cost a query and a parse per row).
 */
/* The summary of the row st is on (APPROVAL_COLUMNS); a NULL column reads as NULL. */
static void summary_of(sqlite3_stmt *st, struct approval_summary *s)
{
    s->id = sqlite3_column_int64(st, 0);
    s->action_type = (const char *)sqlite3_column_text(st, 1);
    s->target = (const char *)sqlite3_column_text(st, 2);
    s->tier = sqlite3_column_int(st, 3);
    s->mission_id = (const char *)sqlite3_column_text(st, 5);
    s->status = (const char *)sqlite3_column_text(st, 7);
    s->requested_by = (const char *)sqlite3_column_text(st, 8);
    s->created_at = (const char *)sqlite3_column_text(st, 9);
    s->expires_at = (const char *)sqlite3_column_text(st, 10);
    s->decided_at = (const char *)sqlite3_column_text(st, 13);
    s->decided_by = (const char *)sqlite3_column_text(st, 14);
    s->verification_state = (const char *)sqlite3_column_text(st, 21);
}

json_t *approval_get(struct db *db, int64_t id, struct gh_error *err)
{
    static const char sql[] = "SELECT " APPROVAL_COLUMNS " FROM approvals WHERE id = :id";
    sqlite3_stmt *st;
    json_t *a = NULL;
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_INT(":id", id)), err)) == NULL)
        return NULL;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW && (a = approval_json(db, st)) == NULL) {
        /* Text that is not UTF-8 got into the row behind Gatehouse's back. */
        log_error("approval %lld does not serialise", (long long)id);
        gh_fail(err, GH_INTERNAL, "an approval does not serialise");
    } else if (rc == SQLITE_DONE) {
        gh_fail(err, GH_NOT_FOUND, "no approval request %lld", (long long)id);
    }
    db_reset(st);
    return a;
}

int approval_facts_load(struct db *db, int64_t id, struct approval_facts *f, struct gh_error *err)
{
    static const char sql[] =
        "SELECT tier, status, requested_by, required_approvals, break_glass_required,"
        " expires_ms, execution_json IS NOT NULL, contract_json IS NOT NULL,"
        " snapshot_json IS NOT NULL, verification_state, verify_deadline_ms,"
        " rollback_json IS NOT NULL, json_extract(rollback_json, '$.result') IS NOT NULL"
        " FROM approvals WHERE id = :id";
    static const char votes_sql[] = "SELECT voter, roles, verdict = 'approve' FROM approval_votes"
                                    " WHERE approval_id = :id ORDER BY at_ms, voter";
    sqlite3_stmt *st;
    int rc;

    memset(f, 0, sizeof(*f));
    if ((st = db_query(db, sql, BINDS(BIND_INT(":id", id)), err)) == NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        f->tier = sqlite3_column_int(st, 0);
        if (approval_status_parse((const char *)sqlite3_column_text(st, 1), &f->status) != 0)
            rc = gh_fail(err, GH_INTERNAL, "approval %lld has an unknown status", (long long)id);
        snprintf(f->requested_by, sizeof(f->requested_by), "%s", sqlite3_column_text(st, 2));
        f->required_approvals = sqlite3_column_int(st, 3);
        f->break_glass_required = sqlite3_column_int(st, 4);
        f->expires_ms = sqlite3_column_int64(st, 5);
        f->has_execution = sqlite3_column_int(st, 6);
        f->has_contract = sqlite3_column_int(st, 7);
        f->has_snapshot = sqlite3_column_int(st, 8);
        f->verification = -1;
        if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
            enum verification_state v;
            if (verification_state_parse((const char *)sqlite3_column_text(st, 9), &v) == 0)
                f->verification = (int)v;
        }
        f->verify_deadline_ms = sqlite3_column_int64(st, 10);
        f->rollback_requested = sqlite3_column_int(st, 11);
        f->rollback_reported = sqlite3_column_int(st, 12);
    } else if (rc == SQLITE_DONE) {
        rc = gh_fail(err, GH_NOT_FOUND, "no approval request %lld", (long long)id);
    }
    db_reset(st);
    if (rc != SQLITE_ROW)
        return -1;
    if ((st = db_query(db, votes_sql, BINDS(BIND_INT(":id", id)), err)) == NULL)
        return -1;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW && f->nvotes < APPROVAL_MAX_VOTES) {
        struct ballot *b = &f->votes[f->nvotes++];
        snprintf(b->voter, sizeof(b->voter), "%s", sqlite3_column_text(st, 0));
        b->roles = (unsigned)sqlite3_column_int(st, 1);
        b->approve = sqlite3_column_int(st, 2);
    }
    db_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* ---- writing ---- */

int approval_record(struct db *db, const struct actor *who, const char *actor, const char *type,
                    int64_t id, json_t *extra, json_t **out, struct gh_error *err)
{
    json_t *a = approval_get(db, id, err), *hook;
    json_t *mission;
    char subject[40];
    struct buf url = BUF_INIT;
    size_t base;
    int rc;

    if (a == NULL)
        return -1;
    mission = json_object_get(a, "mission_id");
    snprintf(subject, sizeof(subject), "approval:%lld", (long long)id);
    base = strlen(who->public_url);
    while (base > 0 && who->public_url[base - 1] == '/')
        base--;
    buf_printf(&url, "%.*s/approvals/%lld", (int)base, who->public_url, (long long)id);
    hook = json_deep_copy(a);
    json_object_set_new(hook, "url", json_string(buf_str(&url)));
    if (extra)
        json_object_update(hook, extra);
    buf_free(&url);
    rc = record_event(db, who->now_ms, actor, type, json_string_value(mission), subject, subject, a,
                      hook, err);
    json_decref(hook);
    if (rc == 0 && out)
        *out = a;
    else
        json_decref(a);
    return rc;
}

int approval_run(struct db *db, db_work_fn work, void *arg, json_t **out, struct gh_error *err)
{
    if (db_write_grouped(db, work, arg, err) == 0)
        return 0;
    json_decref(*out);
    *out = NULL;
    return -1;
}

/* The answer remembered under an idempotency key: 1 found (and *out set), 0 new key, -1 error. */
static int idempotency_lookup(struct db *db, const struct actor *who,
                              const struct idempotency *idem, json_t **out, struct gh_error *err)
{
    static const char sql[] = "SELECT body_hash, response_json FROM idempotency_keys"
                              " WHERE username = :user AND key = :key";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc, found = 0;

    if (st == NULL ||
        db_bind(st, BINDS(BIND_TEXT(":user", who->username), BIND_TEXT(":key", idem->key))) != 0) {
        db_reset(st);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) != SECRET_HASH_BYTES ||
            sodium_memcmp(sqlite3_column_blob(st, 0), idem->body_hash, SECRET_HASH_BYTES) != 0) {
            found = gh_fail(err, GH_CONFLICT,
                            "this Idempotency-Key was used before with a different body");
        } else {
            *out = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
            found = *out ? 1 : gh_fail(err, GH_INTERNAL, "a remembered answer does not parse");
        }
    } else if (rc != SQLITE_DONE) {
        found = -1;
    }
    db_reset(st);
    return found;
}

static int idempotency_remember(struct db *db, const struct actor *who,
                                const struct idempotency *idem, json_t *answer,
                                struct gh_error *err)
{
    static const char sql[] = "INSERT INTO idempotency_keys (username, key, body_hash,"
                              " response_json, created_ms) VALUES (:user, :key, :hash, :resp, :ms)";
    char *text = json_dumps(answer, JSON_COMPACT);
    int rc;

    if (text == NULL)
        return gh_fail(err, GH_INTERNAL, "the answer does not serialise");
    rc = db_run(db, sql, NULL, err,
                BINDS(BIND_TEXT(":user", who->username), BIND_TEXT(":key", idem->key),
                      BIND_HASH(":hash", idem->body_hash), BIND_TEXT(":resp", text),
                      BIND_INT(":ms", who->now_ms)));
    free(text);
    return rc;
}

struct create_work {
    const struct actor *who;
    const struct approval_input *in;
    const struct idempotency *idem;
    const char *params;   /* in->params as compact JSON */
    const char *contract; /* in->contract as compact JSON, or NULL */
    json_t **out;
    int *replayed;
};

static int create_work(struct db *db, void *arg, struct gh_error *err)
{
    static const char sql[] =
        "INSERT INTO approvals (action_type, target, tier, reason, mission_id, params_json,"
        " status, requested_by, created_at, expires_at, expires_ms, required_approvals,"
        " break_glass_required, contract_json)"
        " VALUES (:action, :target, :tier, :reason, :mission, :params, 'pending', :by, :at,"
        " :expires_at, :expires_ms, :required, :break_glass, :contract)";
    static const char grant_sql[] =
        "UPDATE approvals SET status = 'approved', decided_at = :at, decided_ms = :ms,"
        " decided_by = 'system' WHERE id = :id";
    const struct create_work *w = arg;
    const struct actor *who = w->who;
    const struct approval_input *in = w->in;
    int64_t expires_ms = who->now_ms + in->expires_in_seconds * 1000, id;
    char at[TIME_RFC3339_LEN], expires_at[TIME_RFC3339_LEN];
    struct approval_facts f = {0};
    int rc, granted;

    time_format_rfc3339(who->now_ms, at);
    time_format_rfc3339(expires_ms, expires_at);
    if (w->idem && w->idem->key) {
        rc = idempotency_lookup(db, who, w->idem, w->out, err);
        if (rc != 0) { /* a replay changes nothing */
            *w->replayed = rc == 1;
            return rc == 1 ? 0 : -1;
        }
    }
    /* Filed while a freeze window is in effect: break-glass, and tier 1 is not granted on
     * arrival but becomes tier 2 (approval_rules.h). */
    if (freeze_window_in_effect(db, who->now_ms, &f.break_glass_required, err) != 0)
        return -1;
    f.tier = break_glass_tier(in->tier, f.break_glass_required);
    f.required_approvals = tier_required_approvals(f.tier);
    granted = approval_is_granted(&f);
    rc = db_run(db, sql, NULL, err,
                BINDS(BIND_TEXT(":action", in->action_type), BIND_TEXT(":target", in->target),
                      BIND_INT(":tier", f.tier), BIND_TEXT(":reason", in->reason),
                      BIND_TEXT(":mission", in->mission_id), BIND_TEXT(":params", w->params),
                      BIND_TEXT(":by", who->username), BIND_TEXT(":at", at),
                      BIND_TEXT(":expires_at", expires_at), BIND_INT(":expires_ms", expires_ms),
                      BIND_INT(":required", f.required_approvals),
                      BIND_INT(":break_glass", f.break_glass_required),
                      BIND_TEXT(":contract", w->contract)));
    id = sqlite3_last_insert_rowid(db->conn);
    if (rc == 0)
        rc = approval_record(db, who, who->username, "approval.requested", id, NULL,
                             granted ? NULL : w->out, err);
    /* Tier 1: filed like any request, then granted by the system at once and
     * dispatched like any grant; the ledger shows both steps as they were. */
    if (rc == 0 && granted)
        rc = db_run(db, grant_sql, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_INT(":ms", who->now_ms), BIND_INT(":id", id)));
    if (rc == 0 && granted)
        rc = approval_record(db, who, "system", "approval.granted", id, NULL, w->out, err);
    if (rc == 0 && w->idem && w->idem->key)
        rc = idempotency_remember(db, who, w->idem, *w->out, err);
    return rc;
}

int approval_create(struct db *db, const struct actor *who, const struct approval_input *in,
                    const struct idempotency *idem, json_t **out, int *replayed,
                    struct gh_error *err)
{
    char *params = in->params ? json_dumps(in->params, JSON_COMPACT) : strdup("{}");
    char *contract = in->contract ? json_dumps(in->contract, JSON_COMPACT | JSON_REALS) : NULL;
    struct create_work w = {who, in, idem, params, contract, out, replayed};
    int rc;

    *out = NULL;
    *replayed = 0;
    if (params == NULL || (in->contract && contract == NULL)) {
        free(params);
        free(contract);
        return gh_fail(err, GH_INTERNAL, "params or contract do not serialise");
    }
    rc = approval_run(db, create_work, &w, out, err);
    free(params);
    free(contract);
    if (rc != 0)
        *replayed = 0;
    return rc;
}

/*
 * Bring a pending request's break-glass requirement in line with the
 * freeze windows at who->now_ms (break_glass_due()), inside the caller's
 * transaction: the change is recorded as approval.break_glass_required or
 * approval.break_glass_released, by the system. f is updated to match.
 * *changed (may be NULL) says whether anything changed.
 */
static int break_glass_apply(struct db *db, const struct actor *who, int64_t id,
                             struct approval_facts *f, int *changed, struct gh_error *err)
{
    static const char sql[] = "UPDATE approvals SET break_glass_required = :bg"
                              " WHERE id = :id AND status = 'pending'";
    int in_effect, due;

    if (changed)
        *changed = 0;
    if (f->status != APPROVAL_PENDING || f->expires_ms <= who->now_ms)
        return 0;
    if (freeze_window_in_effect(db, who->now_ms, &in_effect, err) != 0)
        return -1;
    due = break_glass_due(f, in_effect);
    if (due == f->break_glass_required)
        return 0;
    f->break_glass_required = due;
    if (changed)
        *changed = 1;
    if (db_run(db, sql, NULL, err, BINDS(BIND_INT(":bg", due), BIND_INT(":id", id))) != 0)
        return -1;
    return approval_record(db, who, "system",
                           due ? "approval.break_glass_required" : "approval.break_glass_released",
                           id, NULL, NULL, err);
}

static int break_glass_sync(struct db *db, const struct actor *who, int64_t id,
                            struct approval_facts *f, struct gh_error *err)
{
    return break_glass_apply(db, who, id, f, NULL, err);
}

struct vote_work {
    const struct actor *who;
    int64_t id;
    int approve;
    const char *comment;
    json_t **out;
};

static int vote_work(struct db *db, void *arg, struct gh_error *err)
{
    static const char vote_sql[] =
        "INSERT INTO approval_votes (approval_id, voter, roles, verdict, comment, at, at_ms)"
        " VALUES (:id, :voter, :roles, :verdict, :comment, :at, :ms)";
    static const char decide_sql[] =
        "UPDATE approvals SET status = :status, decided_at = :at, decided_ms = :ms,"
        " decided_by = :by WHERE id = :id AND status = 'pending'";
    static const char *const event_of[] = {[APPROVAL_PENDING] = "approval.voted",
                                           [APPROVAL_APPROVED] = "approval.granted",
                                           [APPROVAL_DENIED] = "approval.denied"};
    const struct vote_work *w = arg;
    const struct actor *who = w->who;
    struct approval_facts f;
    enum approval_status outcome;
    char at[TIME_RFC3339_LEN];
    struct ballot *b;
    int rc;

    time_format_rfc3339(who->now_ms, at);
    /* Read and decide inside the write transaction: of two votes racing for the last
     * approval, the second sees the first's outcome. */
    rc = approval_facts_load(db, w->id, &f, err);
    /* A window that started or ended since the request was filed applies from this vote on. */
    if (rc == 0)
        rc = break_glass_sync(db, who, w->id, &f, err);
    if (rc == 0)
        rc = vote_check(&f, who->username, who->roles, who->now_ms, err);
    if (rc == 0)
        rc = db_run(db, vote_sql, NULL, err,
                    BINDS(BIND_INT(":id", w->id), BIND_TEXT(":voter", who->username),
                          BIND_INT(":roles", who->roles),
                          BIND_TEXT(":verdict", w->approve ? "approve" : "deny"),
                          BIND_TEXT(":comment", w->comment ? w->comment : ""), BIND_TEXT(":at", at),
                          BIND_INT(":ms", who->now_ms)));
    if (rc != 0)
        return -1;
    b = &f.votes[f.nvotes++];
    snprintf(b->voter, sizeof(b->voter), "%s", who->username);
    b->roles = who->roles;
    b->approve = w->approve;
    outcome = approval_outcome(&f);
    if (outcome != APPROVAL_PENDING)
        rc = db_run(db, decide_sql, NULL, err,
                    BINDS(BIND_TEXT(":status", approval_status_name(outcome)), BIND_TEXT(":at", at),
                          BIND_INT(":ms", who->now_ms), BIND_TEXT(":by", who->username),
                          BIND_INT(":id", w->id)));
    if (rc == 0)
        rc = approval_record(db, who, who->username, event_of[outcome], w->id, NULL, w->out, err);
    return rc;
}

int approval_vote(struct db *db, const struct actor *who, int64_t id, int approve,
                  const char *comment, json_t **out, struct gh_error *err)
{
    struct vote_work w = {who, id, approve, comment, out};

    *out = NULL;
    return approval_run(db, vote_work, &w, out, err);
}

struct cancel_work {
    const struct actor *who;
    int64_t id;
    json_t **out;
};

static int cancel_work(struct db *db, void *arg, struct gh_error *err)
{
    static const char sql[] =
        "UPDATE approvals SET status = 'cancelled', decided_at = :at, decided_ms = :ms,"
        " decided_by = :by WHERE id = :id AND status = 'pending'";
    const struct cancel_work *w = arg;
    const struct actor *who = w->who;
    struct approval_facts f;
    char at[TIME_RFC3339_LEN];
    int rc;

    time_format_rfc3339(who->now_ms, at);
    rc = approval_facts_load(db, w->id, &f, err);
    if (rc == 0)
        rc = cancel_check(&f, who->username, who->roles, who->now_ms, err);
    if (rc == 0)
        rc = db_run(db, sql, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_INT(":ms", who->now_ms),
                          BIND_TEXT(":by", who->username), BIND_INT(":id", w->id)));
    if (rc == 0)
        rc =
            approval_record(db, who, who->username, "approval.cancelled", w->id, NULL, w->out, err);
    return rc;
}

int approval_cancel(struct db *db, const struct actor *who, int64_t id, json_t **out,
                    struct gh_error *err)
{
    struct cancel_work w = {who, id, out};

    *out = NULL;
    return approval_run(db, cancel_work, &w, out, err);
}

struct execution_work {
    const struct actor *who;
    int64_t id;
    const char *text; /* the execution object as compact JSON */
    json_t *metrics;  /* its metrics (borrowed; NULL: none): a contract's first samples */
    json_t **out;
};

static int execution_work(struct db *db, void *arg, struct gh_error *err)
{
    static const char sql[] = "UPDATE approvals SET execution_json = :x"
                              " WHERE id = :id AND status = 'approved' AND execution_json IS NULL";
    const struct execution_work *w = arg;
    struct approval_facts f;
    int rc;

    rc = approval_facts_load(db, w->id, &f, err);
    if (rc == 0)
        rc = execution_check(&f, err);
    if (rc == 0)
        rc = db_run(db, sql, NULL, err, BINDS(BIND_TEXT(":x", w->text), BIND_INT(":id", w->id)));
    /* With a contract, the report opens its verification: judged on the spot (its
     * metrics are the first samples), decided at once when they settle it. */
    if (rc == 0)
        rc = approval_record(db, w->who, w->who->username, "approval.executed", w->id, NULL,
                             f.has_contract ? NULL : w->out, err);
    if (rc == 0 && f.has_contract)
        rc = contract_on_execution(db, w->who, w->id, w->metrics, err);
    if (rc == 0 && f.has_contract && (*w->out = approval_get(db, w->id, err)) == NULL)
        rc = -1;
    return rc;
}

int approval_report_execution(struct db *db, const struct actor *who, int64_t id,
                              const struct execution_input *x, json_t **out, struct gh_error *err)
{
    char at[TIME_RFC3339_LEN], *text;
    json_t *execution;
    int rc;

    *out = NULL;
    time_format_rfc3339(who->now_ms, at);
    execution =
        json_pack("{s:b, s:s, s:o, s:o, s:s}", "ok", x->ok, "status", x->status, "error_resolved",
                  x->error_resolved < 0 ? json_null() : json_boolean(x->error_resolved), "metrics",
                  x->metrics ? json_incref(x->metrics) : json_object(), "reported_at", at);
    text = execution ? json_dumps(execution, JSON_COMPACT) : NULL;
    json_decref(execution);
    if (text == NULL)
        return gh_fail(err, GH_INTERNAL, "the execution result does not serialise");
    rc = approval_run(db, execution_work, &(struct execution_work){who, id, text, x->metrics, out},
                      out, err);
    free(text);
    return rc;
}

/* One batch of approvals_due_run, in one write transaction; *done receives how many. */
static int due_batch(struct db *db, const struct actor *who, const char *due_sql, int batch,
                     approval_due_fn fn, int *done, struct gh_error *err)
{
    int64_t ids[256];
    int n = 0, rc = SQLITE_DONE; /* a batch of 0 reads nothing: done */
    sqlite3_stmt *st;

    *done = 0;
    if (batch > (int)(sizeof(ids) / sizeof(ids[0])))
        batch = (int)(sizeof(ids) / sizeof(ids[0]));
    if (db_begin_write(db, err) != 0)
        return -1;
    st = db_prepare(db, due_sql);
    if (st == NULL ||
        db_bind(st, BINDS(BIND_INT(":now", who->now_ms), BIND_INT(":n", batch))) != 0) {
        db_reset(st);
        db_rollback(db);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    while (n < batch && (rc = db_step(db, st, err)) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    db_reset(st);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = fn(db, who, ids[i], err);
    if (rc != 0 || n == 0) {
        db_rollback(db); /* a failure, or nothing was due: nothing to commit */
        return rc;
    }
    if (db_commit(db, err) != 0)
        return -1;
    *done = n;
    return 0;
}

int approvals_due_run(struct db *db, const struct actor *who, const char *due_sql, int batch,
                      approval_due_fn fn, int *count, struct gh_error *err)
{
    int done;

    *count = 0;
    do {
        if (due_batch(db, who, due_sql, batch, fn, &done, err) != 0)
            return -1;
        *count += done;
    } while (done == batch);
    return 0;
}

/* Mark one overdue request expired (approvals_expire's work, per request). */
static int expire_one(struct db *db, const struct actor *who, int64_t id, struct gh_error *err)
{
    static const char sql[] =
        "UPDATE approvals SET status = 'expired', decided_at = :at, decided_ms = :ms,"
        " decided_by = 'system' WHERE id = :id AND status = 'pending'";
    char at[TIME_RFC3339_LEN];

    time_format_rfc3339(who->now_ms, at);
    if (db_run(db, sql, NULL, err,
               BINDS(BIND_TEXT(":at", at), BIND_INT(":ms", who->now_ms), BIND_INT(":id", id))) != 0)
        return -1;
    return approval_record(db, who, who->username, "approval.expired", id, NULL, NULL, err);
}

int approvals_expire(struct db *db, const struct actor *who, int batch, int *count,
                     struct gh_error *err)
{
    static const char due_sql[] = "SELECT id FROM approvals WHERE status = 'pending'"
                                  " AND expires_ms <= :now ORDER BY expires_ms, id LIMIT :n";

    return approvals_due_run(db, who, due_sql, batch, expire_one, count, err);
}

/*
 * Re-evaluate up to batch pending requests whose break-glass requirement
 * no longer matches the windows, in one transaction. A request released
 * from break-glass whose votes now suffice is granted by the system.
 * *done receives how many were looked at.
 */
static int break_glass_batch(struct db *db, const struct actor *who, int batch, int64_t *after,
                             int *done, int *changed, int *granted, struct gh_error *err)
{
    static const char due_sql[] =
        "SELECT id FROM approvals WHERE status = 'pending' AND expires_ms > :now"
        " AND tier >= 2 AND break_glass_required = :bg AND id > :after ORDER BY id LIMIT :n";
    static const char grant_sql[] =
        "UPDATE approvals SET status = 'approved', decided_at = :at, decided_ms = :ms,"
        " decided_by = 'system' WHERE id = :id AND status = 'pending'";
    char at[TIME_RFC3339_LEN];
    int64_t ids[256];
    int n = 0, rc, in_effect = 0;
    sqlite3_stmt *st;

    *done = 0;
    if (batch > (int)(sizeof(ids) / sizeof(ids[0])))
        batch = (int)(sizeof(ids) / sizeof(ids[0]));
    time_format_rfc3339(who->now_ms, at);
    if (db_begin_write(db, err) != 0)
        return -1;
    rc = freeze_window_in_effect(db, who->now_ms, &in_effect, err);
    st = rc == 0 ? db_prepare(db, due_sql) : NULL;
    /* In effect: requests without break-glass need it; else requests with it are released. */
    if (rc == 0 &&
        (st == NULL ||
         db_bind(st, BINDS(BIND_INT(":now", who->now_ms), BIND_INT(":bg", in_effect ? 0 : 1),
                           BIND_INT(":after", *after), BIND_INT(":n", batch))) != 0))
        rc = gh_fail(err, GH_INTERNAL, "database error");
    while (rc == 0 && n < batch && (rc = db_step(db, st, err)) == SQLITE_ROW) {
        ids[n++] = sqlite3_column_int64(st, 0);
        rc = 0;
    }
    db_reset(st);
    if (rc == SQLITE_DONE)
        rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        struct approval_facts f;
        int moved = 0;
        *after = ids[i];
        rc = approval_facts_load(db, ids[i], &f, err);
        if (rc == 0)
            rc = break_glass_apply(db, who, ids[i], &f, &moved, err);
        *changed += moved;
        if (rc == 0 && moved && approval_outcome(&f) == APPROVAL_APPROVED) {
            rc = db_run(
                db, grant_sql, NULL, err,
                BINDS(BIND_TEXT(":at", at), BIND_INT(":ms", who->now_ms), BIND_INT(":id", ids[i])));
            if (rc == 0)
                rc =
                    approval_record(db, who, "system", "approval.granted", ids[i], NULL, NULL, err);
            *granted += rc == 0;
        }
    }
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    if (n == 0) {
        db_rollback(db); /* nothing to change: nothing to commit */
        return 0;
    }
    if (db_commit(db, err) != 0)
        return -1;
    *done = n;
    return 0;
}

int approvals_sync_break_glass(struct db *db, const struct actor *who, int batch, int *changed,
                               int *granted, struct gh_error *err)
{
    int64_t after = 0;
    int done;

    *changed = *granted = 0;
    do {
        if (break_glass_batch(db, who, batch, &after, &done, changed, granted, err) != 0)
            return -1;
    } while (done == batch);
    return 0;
}

int idempotency_prune(struct db *db, int64_t before_ms, int *count, struct gh_error *err)
{
    static const char sql[] = "DELETE FROM idempotency_keys WHERE created_ms < :before";

    return db_write(db, sql, count, NULL, err, BINDS(BIND_INT(":before", before_ms)));
}

/* ---- lists ---- */

/* Read a page from st (bound, on APPROVAL_COLUMNS): at most limit items; more = another row. */
static json_t *read_page(struct db *db, sqlite3_stmt *st, int limit, int *more, int64_t *last_id,
                         struct gh_error *err)
{
    json_t *list = json_array();
    int rc;

    *more = 0;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        if ((int)json_array_size(list) == limit) {
            *more = 1;
            break;
        }
        json_array_append_new(list, approval_json(db, st));
        *last_id = sqlite3_column_int64(st, 0);
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/*
 * Visit up to limit rows of st (bound, on APPROVAL_COLUMNS) as summaries;
 * more = another row follows. Returns how many were visited, -1 on error.
 */
static int visit_page(struct db *db, sqlite3_stmt *st, int limit, approval_visit *visit, void *arg,
                      int *more, int64_t *last_id, int64_t *last_ms, struct gh_error *err)
{
    struct approval_summary s;
    int rc, n = 0;

    *more = 0;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        if (n == limit) {
            *more = 1;
            break;
        }
        summary_of(st, &s);
        visit(&s, arg);
        n++;
        *last_id = s.id;
        *last_ms = sqlite3_column_int64(st, 16);
    }
    db_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

/* "<id>" or "<ms>.<id>" cursors. */
static int parse_cursor(const char *s, int with_ms, int64_t *ms, int64_t *id)
{
    char *end;

    if (with_ms) {
        *ms = strtoll(s, &end, 10);
        if (end == s || *end != '.')
            return -1;
        s = end + 1;
    }
    *id = strtoll(s, &end, 10);
    return end != s && *end == '\0' && *id >= 0 ? 0 : -1;
}

static int bad_cursor(struct gh_error *err)
{
    return gh_fail_field(err, GH_INVALID, "cursor", "the cursor is not one this API gave out");
}

json_t *approvals_list(struct db *db, const struct approval_filter *f, const char *cursor,
                       int limit, char next[APPROVAL_CURSOR_LEN], struct gh_error *err)
{
    /* One statement per leading filter, so that each walks its own index. */
#define FILTERS                                                                                    \
    " (:status IS NULL OR status = :status) AND (:mission IS NULL OR mission_id = :mission)"       \
    " AND (:tier = 0 OR tier = :tier) AND (:verification IS NULL"                                  \
    " OR verification_state = :verification) AND id < :before ORDER BY id DESC LIMIT :limit"
    static const char by_verification[] =
        "SELECT " APPROVAL_COLUMNS " FROM approvals INDEXED BY approvals_by_verification"
        " WHERE verification_state = :verification AND" FILTERS;
    static const char by_status[] =
        "SELECT " APPROVAL_COLUMNS " FROM approvals"
        " INDEXED BY approvals_by_status WHERE status = :status AND" FILTERS;
    static const char by_mission[] = "SELECT " APPROVAL_COLUMNS " FROM approvals"
                                     " INDEXED BY approvals_by_mission WHERE mission_id = :mission"
                                     " AND" FILTERS;
    static const char all[] = "SELECT " APPROVAL_COLUMNS " FROM approvals WHERE" FILTERS;
#undef FILTERS
    const char *sql = f->verification ? by_verification
                      : f->status     ? by_status
                      : f->mission_id ? by_mission
                                      : all;
    int64_t before = INT64_MAX, last_id = 0;
    sqlite3_stmt *st;
    json_t *list;
    int more;

    next[0] = '\0';
    if (cursor && parse_cursor(cursor, 0, NULL, &before) != 0) {
        bad_cursor(err);
        return NULL;
    }
    st = db_prepare(db, sql);
    if (st == NULL ||
        db_bind(st, BINDS(BIND_TEXT(":status", f->status), BIND_TEXT(":mission", f->mission_id),
                          BIND_INT(":tier", f->tier), BIND_TEXT(":verification", f->verification),
                          BIND_INT(":before", before), BIND_INT(":limit", limit + 1))) != 0) {
        db_reset(st);
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    list = read_page(db, st, limit, &more, &last_id, err);
    if (list && more)
        snprintf(next, APPROVAL_CURSOR_LEN, "%lld", (long long)last_id);
    return list;
}

int approvals_pending(struct db *db, const struct approval_filter *f, const char *cursor, int limit,
                      char next[APPROVAL_CURSOR_LEN], approval_visit *visit, void *arg,
                      struct gh_error *err)
{
    static const char sql[] =
        "SELECT " APPROVAL_COLUMNS " FROM approvals INDEXED BY approvals_by_status"
        " WHERE status = 'pending' AND (:mission IS NULL OR mission_id = :mission)"
        " AND (:tier = 0 OR tier = :tier) AND id > :after ORDER BY id LIMIT :limit";
    int64_t after = 0, last_id = 0, last_ms = 0;
    sqlite3_stmt *st;
    int more, n;

    next[0] = '\0';
    if (cursor && parse_cursor(cursor, 0, NULL, &after) != 0)
        return bad_cursor(err);
    st = db_query(db, sql,
                  BINDS(BIND_TEXT(":mission", f->mission_id), BIND_INT(":tier", f->tier),
                        BIND_INT(":after", after), BIND_INT(":limit", limit + 1)),
                  err);
    if (st == NULL)
        return -1;
    n = visit_page(db, st, limit, visit, arg, &more, &last_id, &last_ms, err);
    if (n >= 0 && more)
        snprintf(next, APPROVAL_CURSOR_LEN, "%lld", (long long)last_id);
    return n;
}

int approvals_expiring(struct db *db, int64_t now_ms, int limit, approval_visit *visit, void *arg,
                       struct gh_error *err)
{
    static const char sql[] = "SELECT " APPROVAL_COLUMNS " FROM approvals INDEXED BY"
                              " approvals_expiring WHERE status = 'pending' AND expires_ms > :now"
                              " ORDER BY expires_ms LIMIT :limit";
    sqlite3_stmt *st =
        db_query(db, sql, BINDS(BIND_INT(":now", now_ms), BIND_INT(":limit", limit)), err);
    int64_t last_id, last_ms;
    int more;

    if (st == NULL)
        return -1;
    return visit_page(db, st, limit, visit, arg, &more, &last_id, &last_ms, err);
}

int approvals_decided(struct db *db, const struct approval_filter *f, const char *cursor, int limit,
                      char next[APPROVAL_CURSOR_LEN], approval_visit *visit, void *arg,
                      struct gh_error *err)
{
    static const char sql[] =
        "SELECT " APPROVAL_COLUMNS " FROM approvals INDEXED BY approvals_decided"
        " WHERE decided_ms IS NOT NULL AND (:status IS NULL OR status = :status)"
        " AND (:mission IS NULL OR mission_id = :mission) AND (:tier = 0 OR tier = :tier)"
        " AND (:verification IS NULL OR verification_state = :verification)"
        " AND (decided_ms < :ms OR (decided_ms = :ms AND id < :before))"
        " ORDER BY decided_ms DESC, id DESC LIMIT :limit";
    int64_t ms = INT64_MAX, before = INT64_MAX, last_id = 0, last_ms = 0;
    sqlite3_stmt *st;
    int more, n;

    next[0] = '\0';
    if (cursor && parse_cursor(cursor, 1, &ms, &before) != 0)
        return bad_cursor(err);
    st = db_query(db, sql,
                  BINDS(BIND_TEXT(":status", f->status), BIND_TEXT(":mission", f->mission_id),
                        BIND_INT(":tier", f->tier), BIND_TEXT(":verification", f->verification),
                        BIND_INT(":ms", ms), BIND_INT(":before", before),
                        BIND_INT(":limit", limit + 1)),
                  err);
    if (st == NULL)
        return -1;
    n = visit_page(db, st, limit, visit, arg, &more, &last_id, &last_ms, err);
    if (n >= 0 && more)
        snprintf(next, APPROVAL_CURSOR_LEN, "%lld.%lld", (long long)last_ms, (long long)last_id);
    return n;
}

int approvals_pending_count(struct db *db, const struct approval_filter *f, int64_t *count,
                            struct gh_error *err)
{
    static const char sql[] =
        "SELECT count(*) FROM approvals INDEXED BY approvals_by_status WHERE status = 'pending'"
        " AND (:mission IS NULL OR mission_id = :mission) AND (:tier = 0 OR tier = :tier)";
    /*
     * The unfiltered count heads every list page and the dashboard, and
     * counting walks every pending entry of the index. Every change of an
     * approval records an event, which moves the events epoch: a count
     * taken under an epoch holds until it moves. The epoch is read before
     * counting, so a commit racing the count only causes a recount.
     */
    static __thread struct {
        const struct db *db;
        uint64_t epoch;
        int64_t count;
        int valid;
    } cached;
    int unfiltered = f->mission_id == NULL && f->tier == 0;
    uint64_t epoch = db_events_epoch(db);
    sqlite3_stmt *st;
    int rc = -1;

    if (unfiltered && cached.valid && cached.db == db && cached.epoch == epoch) {
        *count = cached.count;
        return 0;
    }
    st = db_prepare(db, sql);
    if (st &&
        db_bind(st, BINDS(BIND_TEXT(":mission", f->mission_id), BIND_INT(":tier", f->tier))) == 0)
        rc = db_step(db, st, err);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_reset(st);
    if (rc != SQLITE_ROW)
        return gh_fail(err, GH_INTERNAL, "database error");
    if (unfiltered) {
        cached.db = db;
        cached.epoch = epoch;
        cached.count = *count;
        cached.valid = 1;
    }
    return 0;
}

const char *const approval_status_names[APPROVAL_STATUSES] = {"pending", "approved", "denied",
                                                              "expired", "cancelled"};

int approval_gauges_read(struct db *db, struct approval_gauges *g, struct gh_error *err)
{
    /*
     * Counting by status walks the whole (status, id) index: with 100,000
     * requests about 10 ms. Every change of an approval records an event,
     * which moves the events epoch, so counts taken under an epoch hold
     * until it moves (as approvals_pending_count's do); the epoch is read
     * before counting, so a racing commit only causes a recount. The
     * oldest pending request of a tier is one seek in a partial index of
     * the pending ones (migration 10), not cached.
     */
    static const char status_sql[] = "SELECT status, count(*) FROM approvals GROUP BY status";
    static const char oldest_sql[] = "SELECT min(created_at) FROM approvals"
                                     " INDEXED BY approvals_pending_age"
                                     " WHERE status = 'pending' AND tier = :tier";
    static __thread struct {
        const struct db *db;
        uint64_t epoch;
        int64_t by_status[APPROVAL_STATUSES];
        int valid;
    } cached;
    uint64_t epoch = db_events_epoch(db);
    sqlite3_stmt *st;
    int rc = SQLITE_DONE;

    memset(g, 0, sizeof(*g));
    if (cached.valid && cached.db == db && cached.epoch == epoch) {
        memcpy(g->by_status, cached.by_status, sizeof(g->by_status));
    } else {
        if ((st = db_prepare(db, status_sql)) == NULL)
            return gh_fail(err, GH_INTERNAL, "database error");
        while ((rc = db_step(db, st, err)) == SQLITE_ROW)
            for (int i = 0; i < APPROVAL_STATUSES; i++)
                if (strcmp((const char *)sqlite3_column_text(st, 0), approval_status_names[i]) == 0)
                    g->by_status[i] = sqlite3_column_int64(st, 1);
        db_reset(st);
        if (rc != SQLITE_DONE)
            return -1;
        cached.db = db;
        cached.epoch = epoch;
        memcpy(cached.by_status, g->by_status, sizeof(g->by_status));
        cached.valid = 1;
    }
    for (int tier = 1; tier <= 3 && rc == SQLITE_DONE; tier++) {
        const char *at;
        if ((st = db_prepare(db, oldest_sql)) == NULL ||
            db_bind(st, BINDS(BIND_INT(":tier", tier))) != 0) {
            db_reset(st);
            return gh_fail(err, GH_INTERNAL, "database error");
        }
        rc = db_step(db, st, err);
        at = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (at && time_parse_rfc3339(at, &g->oldest_pending_ms[tier - 1]) != 0)
            g->oldest_pending_ms[tier - 1] = 0;
        db_reset(st);
        rc = rc == SQLITE_ROW ? SQLITE_DONE : -1;
    }
    return rc == SQLITE_DONE ? 0 : -1;
}
