/* Verified actions: contracts and their verification (see contracts.h). */
#include "contracts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "timeutil.h"

static const char *const state_names[] = {"pending", "verified", "violated", "unverifiable"};

const char *verification_state_name(enum verification_state s)
{
    return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

int verification_state_parse(const char *s, enum verification_state *out)
{
    for (size_t i = 0; s && i < sizeof(state_names) / sizeof(state_names[0]); i++)
        if (strcmp(s, state_names[i]) == 0) {
            *out = (enum verification_state)i;
            return 0;
        }
    return -1;
}

int contract_parse(json_t *obj, const char *path, struct contract *c, struct field_errors *e)
{
    static const char *const fields[] = {"criteria", "verify_within_seconds", NULL};
    struct field_errors mine = FIELD_ERRORS_INIT;
    long long within = 600;
    char prefix[64], at[80];
    int before = e->count;

    memset(c, 0, sizeof(*c));
    if (!json_is_object(obj)) {
        field_error(e, path, "must be an object");
        return -1;
    }
    snprintf(prefix, sizeof(prefix), "%s.", path);
    json_reject_unknown(obj, fields, &mine);
    /* Absent or refused, the default stands; a refusal is reported below. */
    json_get_int(obj, "verify_within_seconds", 0, VERIFY_WITHIN_MIN, VERIFY_WITHIN_MAX, &within,
                 &mine);
    c->verify_within_s = within;
    if (json_object_get(obj, "criteria") == NULL)
        field_error(&mine, "criteria", "is required");
    field_errors_move(&mine, prefix, e);
    if (json_object_get(obj, "criteria")) {
        json_t *list = json_object_get(obj, "criteria");
        snprintf(at, sizeof(at), "%s.criteria", path);
        if (json_is_array(list) && json_array_size(list) == 0)
            field_error(e, at, "must hold at least one criterion");
        else
            criteria_parse_list(list, at, CONTRACT_MAX_CRITERIA, 0, &c->criteria, &c->ncriteria, e);
    }
    return e->count > before ? -1 : 0;
}

void contract_free(struct contract *c)
{
    free(c->criteria);
    memset(c, 0, sizeof(*c));
}

json_t *contract_json(const struct contract *c)
{
    json_t *criteria = json_array();

    for (size_t i = 0; i < c->ncriteria; i++) {
        json_t *one = criterion_json(&c->criteria[i]);
        json_object_del(one, "critical"); /* a plan's notion, not a contract's */
        json_array_append_new(criteria, one);
    }
    return json_pack("{s:o, s:I}", "criteria", criteria, "verify_within_seconds",
                     (json_int_t)c->verify_within_s);
}

enum verification_state verification_decide(const struct crit_result *results, size_t n,
                                            int deadline_passed)
{
    int unobserved = 0;

    for (size_t i = 0; i < n; i++) {
        if (results[i].observed_set && !results[i].passed)
            return VERIFY_VIOLATED;
        unobserved += !results[i].observed_set;
    }
    if (unobserved == 0)
        return VERIFY_VERIFIED;
    return deadline_passed ? VERIFY_UNVERIFIABLE : VERIFY_PENDING;
}

json_t *verification_json(const struct contract *c, enum verification_state state,
                          const struct crit_result *results, const char *decided_at,
                          const char *deadline)
{
    json_t *criteria = json_array();

    for (size_t i = 0; i < c->ncriteria; i++)
        json_array_append_new(criteria, crit_result_json(&c->criteria[i], &results[i]));
    return json_pack("{s:s, s:o, s:o, s:s}", "state", verification_state_name(state), "criteria",
                     criteria, "decided_at", decided_at ? json_string(decided_at) : json_null(),
                     "deadline", deadline);
}

json_t *contract_failures_json(const struct contract *c, const struct crit_result *results)
{
    json_t *failed = json_array();

    for (size_t i = 0; i < c->ncriteria; i++)
        if (results[i].observed_set && !results[i].passed)
            json_array_append_new(failed, crit_result_json(&c->criteria[i], &results[i]));
    return failed;
}

/* The largest snapshot details, as compact JSON. */
#define DETAILS_MAX 16384

int snapshot_parse(json_t *body, int64_t now_ms, struct snapshot_input *s, struct field_errors *e)
{
    static const char *const fields[] = {"snapshot_id", "kind", "taken_at", "details", NULL};
    const char *taken = NULL;
    int before = e->count;

    memset(s, 0, sizeof(*s));
    s->taken_ms = now_ms;
    json_reject_unknown(body, fields, e);
    json_get_string(body, "snapshot_id", 1, 1, 200, &s->snapshot_id, e);
    json_get_string(body, "kind", 1, 1, 64, &s->kind, e);
    if (json_get_string(body, "taken_at", 0, 1, 40, &taken, e) == 1 &&
        time_parse_rfc3339(taken, &s->taken_ms) != 0)
        field_error(e, "taken_at", "must be an RFC 3339 time");
    if (json_get_object(body, "details", 0, &s->details, e) == 1) {
        char *text = json_dumps(s->details, JSON_COMPACT);
        if (text == NULL || strlen(text) > DETAILS_MAX)
            field_error(e, "details", "must be at most %d bytes of JSON", DETAILS_MAX);
        free(text);
    }
    return e->count > before ? -1 : 0;
}

int rollback_result_parse(json_t *body, struct rollback_input *r, struct field_errors *e)
{
    static const char *const fields[] = {"ok", "status", "restored_snapshot_id", NULL};
    int before = e->count;

    memset(r, 0, sizeof(*r));
    json_reject_unknown(body, fields, e);
    json_get_bool(body, "ok", 1, &r->ok, e);
    json_get_string(body, "status", 1, 1, 64, &r->status, e);
    json_get_string(body, "restored_snapshot_id", 0, 1, 200, &r->restored_snapshot_id, e);
    return e->count > before ? -1 : 0;
}
