/* Deployment plans (see plans.h). */
#include "plans.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "crypto.h"
#include "ledger.h"
#include "timeutil.h"
#include "validate.h"

/* A year of phases is more than any rollout needs; a typo in at_hours is caught. */
#define AT_HOURS_MAX 8760.0

/* Read the flag fields of a phase into ph; problems under mine (field names relative). */
static void read_flags(json_t *obj, struct phase *ph, struct field_errors *mine)
{
    json_t *steps = NULL;

    ph->flag_percent = -1;
    if (json_get_number(obj, "flag_percent", 0, &ph->flag_percent, mine) == 1 &&
        (ph->flag_percent < 0 || ph->flag_percent > 100)) {
        field_error(mine, "flag_percent", "must be from 0 to 100");
        ph->flag_percent = -1;
    }
    if (json_get_array(obj, "flag_steps", 0, PLAN_MAX_STEPS, &steps, mine) != 1)
        return;
    for (size_t i = 0; i < json_array_size(steps); i++) {
        json_t *v = json_array_get(steps, i);
        char field[40];
        snprintf(field, sizeof(field), "flag_steps[%zu]", i);
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100) {
            field_error(mine, field, "must be a number from 0 to 100");
            continue;
        }
        if (ph->nsteps > 0 && json_number_value(v) <= ph->flag_steps[ph->nsteps - 1])
            field_error(mine, field, "must be larger than the step before it");
        ph->flag_steps[ph->nsteps++] = json_number_value(v);
    }
}

static void phase_parse(json_t *obj, size_t i, struct phase *ph, struct field_errors *e)
{
    static const char *const fields[] = {"id",         "at_hours", "title", "flag_percent",
                                         "flag_steps", "criteria", NULL};
    struct field_errors mine = FIELD_ERRORS_INIT;
    const char *id = NULL, *title = NULL;
    json_t *criteria = NULL;
    char path[48], prefix[48];

    snprintf(path, sizeof(path), "phases[%zu]", i);
    snprintf(prefix, sizeof(prefix), "phases[%zu].", i);
    if (!json_is_object(obj)) {
        field_error(e, path, "must be an object");
        return;
    }
    json_reject_unknown(obj, fields, &mine);
    if (json_get_string(obj, "id", 1, 1, 64, &id, &mine) == 1) {
        if (!valid_client_id(id))
            field_error(&mine, "id", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
        else
            snprintf(ph->id, sizeof(ph->id), "%s", id);
    }
    /* -1 until a valid offset is read, so that the order check skips what did not parse. */
    ph->at_hours = -1;
    if (json_get_number(obj, "at_hours", 1, &ph->at_hours, &mine) == 1 &&
        (ph->at_hours < 0 || ph->at_hours > AT_HOURS_MAX)) {
        field_error(&mine, "at_hours", "must be from 0 to %.0f", AT_HOURS_MAX);
        ph->at_hours = -1;
    }
    ph->offset_ms = ph->at_hours >= 0 ? (int64_t)llround(ph->at_hours * 3600000.0) : -1;
    if (json_get_string(obj, "title", 1, 1, 200, &title, &mine) == 1)
        snprintf(ph->title, sizeof(ph->title), "%s", title);
    read_flags(obj, ph, &mine);
    field_errors_move(&mine, prefix, e);
    /* The criteria name their own paths; none means a phase whose gate always proceeds. */
    criteria = json_object_get(obj, "criteria");
    if (criteria) {
        char at[48];
        snprintf(at, sizeof(at), "phases[%zu].criteria", i);
        criteria_parse_list(criteria, at, PLAN_MAX_CRITERIA, 1, &ph->criteria, &ph->ncriteria, e);
    }
}

int plan_parse(json_t *doc, const char *name_from_path, struct plan *p, struct field_errors *e)
{
    static const char *const fields[] = {"name",       "framework_version", "description",
                                         "phases",     "rollback_triggers", "revision",
                                         "created_at", "updated_at",        NULL};
    const char *name = NULL, *version = NULL, *description = NULL;
    json_t *phases = NULL, *triggers = NULL;
    int before = e->count;

    memset(p, 0, sizeof(*p));
    if (!json_is_object(doc)) {
        field_error(e, "body", "must be a JSON object");
        return -1;
    }
    json_reject_unknown(doc, fields, e);
    if (json_get_string(doc, "name", name_from_path == NULL, 1, 64, &name, e) == 1) {
        if (!valid_client_id(name))
            field_error(e, "name", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
        else if (name_from_path && strcmp(name, name_from_path) != 0)
            field_error(e, "name", "must be the name in the path, or left out");
    }
    if (name == NULL)
        name = name_from_path;
    if (name)
        snprintf(p->name, sizeof(p->name), "%s", name);
    if (json_get_string(doc, "framework_version", 0, 1, 64, &version, e) == 1)
        snprintf(p->framework_version, sizeof(p->framework_version), "%s", version);
    if (json_get_string(doc, "description", 0, 0, 500, &description, e) == 1)
        snprintf(p->description, sizeof(p->description), "%s", description);

    if (json_get_array(doc, "phases", 1, PLAN_MAX_PHASES, &phases, e) == 1) {
        if (json_array_size(phases) == 0)
            field_error(e, "phases", "must have at least one phase");
        p->nphases = json_array_size(phases);
        p->phases = p->nphases ? xcalloc(p->nphases, sizeof(*p->phases)) : NULL;
        for (size_t i = 0; i < p->nphases; i++) {
            struct phase *ph = &p->phases[i];
            char field[48];
            /* A phase with problems is still checked against the others where it parsed. */
            phase_parse(json_array_get(phases, i), i, ph, e);
            for (size_t j = 0; ph->id[0] && j < i; j++)
                if (strcmp(p->phases[j].id, ph->id) == 0) {
                    snprintf(field, sizeof(field), "phases[%zu].id", i);
                    field_error(e, field, "repeats the id of phases[%zu]", j);
                }
            if (i > 0 && ph->offset_ms >= 0 && p->phases[i - 1].offset_ms >= 0 &&
                ph->offset_ms <= p->phases[i - 1].offset_ms) {
                snprintf(field, sizeof(field), "phases[%zu].at_hours", i);
                field_error(e, field, "must be later than phases[%zu].at_hours", i - 1);
            }
        }
    }
    if (json_get_array(doc, "rollback_triggers", 0, PLAN_MAX_TRIGGERS, &triggers, e) == 1) {
        p->ntriggers = json_array_size(triggers);
        p->triggers = p->ntriggers ? xcalloc(p->ntriggers, sizeof(*p->triggers)) : NULL;
        for (size_t i = 0; i < p->ntriggers; i++) {
            char at[48];
            snprintf(at, sizeof(at), "rollback_triggers[%zu]", i);
            if (trigger_parse(json_array_get(triggers, i), at, &p->triggers[i], e) != 0)
                continue;
            for (size_t j = 0; j < i; j++)
                if (strcmp(p->triggers[j].name, p->triggers[i].name) == 0) {
                    char field[64];
                    snprintf(field, sizeof(field), "%s.name", at);
                    field_error(e, field, "repeats the name of rollback_triggers[%zu]", j);
                }
        }
    }
    /* Exposure: the widest step a phase reaches, else what the phase before left. */
    for (size_t i = 0; i < p->nphases; i++) {
        struct phase *ph = &p->phases[i];
        double x = i > 0 ? p->phases[i - 1].exposure : 0;
        if (ph->flag_percent >= 0 || ph->nsteps > 0) {
            x = ph->flag_percent >= 0 ? ph->flag_percent : 0;
            if (ph->nsteps > 0 && ph->flag_steps[ph->nsteps - 1] > x)
                x = ph->flag_steps[ph->nsteps - 1];
        }
        ph->exposure = x;
    }
    return e->count > before ? -1 : 0;
}

void plan_free(struct plan *p)
{
    for (size_t i = 0; i < p->nphases; i++)
        free(p->phases[i].criteria);
    free(p->phases);
    free(p->triggers);
    memset(p, 0, sizeof(*p));
}

void plan_copy(struct plan *dst, const struct plan *src)
{
    *dst = *src;
    dst->phases = xcalloc(src->nphases ? src->nphases : 1, sizeof(*dst->phases));
    for (size_t i = 0; i < src->nphases; i++) {
        const struct phase *ph = &src->phases[i];
        dst->phases[i] = *ph;
        dst->phases[i].criteria = xcalloc(ph->ncriteria ? ph->ncriteria : 1, sizeof(*ph->criteria));
        /* A phase without criteria may have none allocated: memcpy from NULL is undefined. */
        if (ph->ncriteria)
            memcpy(dst->phases[i].criteria, ph->criteria, ph->ncriteria * sizeof(*ph->criteria));
    }
    dst->triggers = xcalloc(src->ntriggers ? src->ntriggers : 1, sizeof(*dst->triggers));
    if (src->ntriggers)
        memcpy(dst->triggers, src->triggers, src->ntriggers * sizeof(*src->triggers));
}

json_t *plan_json(const struct plan *p)
{
    json_t *phases = json_array(), *triggers = json_array();
    json_t *doc;

    for (size_t i = 0; i < p->nphases; i++) {
        const struct phase *ph = &p->phases[i];
        json_t *criteria = json_array();
        json_t *o;
        for (size_t c = 0; c < ph->ncriteria; c++)
            json_array_append_new(criteria, criterion_json(&ph->criteria[c]));
        o = json_pack("{s:s, s:f, s:s, s:o}", "id", ph->id, "at_hours", ph->at_hours, "title",
                      ph->title, "criteria", criteria);
        if (ph->flag_percent >= 0)
            json_object_set_new(o, "flag_percent", json_real(ph->flag_percent));
        if (ph->nsteps > 0) {
            json_t *steps = json_array();
            for (int s = 0; s < ph->nsteps; s++)
                json_array_append_new(steps, json_real(ph->flag_steps[s]));
            json_object_set_new(o, "flag_steps", steps);
        }
        json_array_append_new(phases, o);
    }
    for (size_t i = 0; i < p->ntriggers; i++)
        json_array_append_new(triggers, trigger_json(&p->triggers[i]));
    doc = json_pack("{s:s, s:s, s:o, s:o}", "name", p->name, "description", p->description,
                    "phases", phases, "rollback_triggers", triggers);
    json_object_set_new(doc, "framework_version",
                        p->framework_version[0] ? json_string(p->framework_version) : json_null());
    return doc;
}

int plan_phase_at(const struct plan *p, int64_t elapsed_ms)
{
    int current = -1;

    for (size_t i = 0; i < p->nphases; i++)
        if (p->phases[i].offset_ms <= elapsed_ms)
            current = (int)i;
    return current;
}

int plan_phase_index(const struct plan *p, const char *id)
{
    for (size_t i = 0; id && i < p->nphases; i++)
        if (strcmp(p->phases[i].id, id) == 0)
            return (int)i;
    return -1;
}

/* ---- storage ---- */

static void sha256_hex(const char *text, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

int plan_store(struct db *db, int64_t now_ms, const char *actor, const struct plan *p, int *created,
               int *changed, int64_t *revision, struct gh_error *err)
{
    static const char find_sql[] = "SELECT revision, document_json FROM plans WHERE name = :name";
    static const char insert_sql[] =
        "INSERT INTO plans (name, revision, document_json, created_at, updated_at)"
        " VALUES (:name, 1, :doc, :at, :at)";
    static const char update_sql[] =
        "UPDATE plans SET revision = revision + 1, document_json = :doc, updated_at = :at"
        " WHERE name = :name";
    json_t *doc = plan_json(p), *entry;
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REALS);
    char at[TIME_RFC3339_LEN], sha[65], subject[80];
    sqlite3_stmt *st;
    int64_t rev = 0;
    int rc, found = 0;

    json_decref(doc);
    *created = *changed = 0;
    if (text == NULL)
        return gh_fail(err, GH_INTERNAL, "the plan does not serialise");
    time_format_rfc3339(now_ms, at);
    if (db_begin_write(db, err) != 0) {
        free(text);
        return -1;
    }
    st = db_prepare(db, find_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_TEXT(":name", p->name))) != 0) {
        rc = gh_fail(err, GH_INTERNAL, "database error");
        db_reset(st);
        goto out;
    }
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        found = 1;
        rev = sqlite3_column_int64(st, 0);
        *changed = strcmp((const char *)sqlite3_column_text(st, 1), text) != 0;
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rc = -1;
        goto out;
    }
    rc = 0;
    if (found && !*changed)
        goto out; /* the same content again: nothing to record */
    *created = !found;
    *changed = 1;
    rev = found ? rev + 1 : 1;
    rc = db_run(db, found ? update_sql : insert_sql, NULL, err,
                BINDS(BIND_TEXT(":name", p->name), BIND_TEXT(":doc", text), BIND_TEXT(":at", at)));
    if (rc == 0) {
        sha256_hex(text, sha);
        snprintf(subject, sizeof(subject), "plan:%s", p->name);
        entry = json_pack("{s:s, s:I, s:s}", "name", p->name, "revision", (json_int_t)rev,
                          "document_sha256", sha);
        rc = ledger_append(db, now_ms, actor, "plan.stored", subject, entry, NULL, err);
        json_decref(entry);
    }
out:
    free(text);
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    if (revision)
        *revision = rev;
    if (!*changed) {
        db_rollback(db); /* read only */
        return 0;
    }
    return db_commit(db, err);
}

/* The stored plan of the row st is on (name, revision, document_json, created_at, updated_at). */
static json_t *stored_plan_json(sqlite3_stmt *st)
{
    json_t *doc = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);

    if (doc == NULL)
        return NULL;
    json_object_set_new(doc, "revision", json_integer(sqlite3_column_int64(st, 1)));
    json_object_set_new(doc, "created_at", json_string((const char *)sqlite3_column_text(st, 3)));
    json_object_set_new(doc, "updated_at", json_string((const char *)sqlite3_column_text(st, 4)));
    return doc;
}

json_t *plan_get(struct db *db, const char *name, struct gh_error *err)
{
    static const char sql[] = "SELECT name, revision, document_json, created_at, updated_at"
                              " FROM plans WHERE name = :name";
    sqlite3_stmt *st;
    json_t *doc = NULL;
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_TEXT(":name", name)), err)) == NULL)
        return NULL;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW && (doc = stored_plan_json(st)) == NULL)
        gh_fail(err, GH_INTERNAL, "stored plan '%s' does not parse", name);
    else if (rc == SQLITE_DONE)
        gh_fail(err, GH_NOT_FOUND, "no plan named '%s'", name);
    db_reset(st);
    return doc;
}

json_t *plans_list(struct db *db, struct gh_error *err)
{
    static const char sql[] = "SELECT name, revision, document_json, created_at, updated_at"
                              " FROM plans ORDER BY name";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *list = json_array(), *doc;
    int rc;

    if (st == NULL) {
        json_decref(list);
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW)
        if ((doc = stored_plan_json(st)) != NULL)
            json_array_append_new(list, doc);
    db_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

int plan_load(struct db *db, const char *name, struct plan *p, int64_t *revision,
              struct gh_error *err)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *doc = plan_get(db, name, err);
    int rc;

    memset(p, 0, sizeof(*p));
    if (doc == NULL)
        return -1;
    if (revision)
        *revision = json_integer_value(json_object_get(doc, "revision"));
    rc = plan_parse(doc, name, p, &e);
    field_errors_free(&e);
    json_decref(doc);
    if (rc != 0)
        return gh_fail(err, GH_INTERNAL, "stored plan '%s' no longer validates", name);
    return 0;
}
