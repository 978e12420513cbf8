/* Reading posted metric samples (see samples.h). */
#include "samples.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "timeutil.h"

/* Samples more than this far in the future of their arrival are typos. */
#define FUTURE_SLACK_MS (24LL * 3600 * 1000)

/*
 * Read sample i of a batch into s when it is whole and valid: the common
 * case, taken without building any error text. 0, or -1 to have the slow
 * path below say what is wrong.
 */
static int sample_fast(json_t *obj, int64_t now_ms, struct sample_in *s)
{
    json_t *name = json_object_get(obj, "name"), *value = json_object_get(obj, "value");
    json_t *at = json_object_get(obj, "at");
    size_t keys = json_object_size(obj);

    if (!json_is_string(name) || !json_is_number(value) || keys != 2u + (at != NULL) ||
        json_string_length(name) >= sizeof(s->metric) ||
        !valid_metric_name(json_string_value(name)))
        return -1;
    s->value = json_number_value(value);
    s->at_ms = now_ms;
    if (at && (!json_is_string(at) || time_parse_rfc3339(json_string_value(at), &s->at_ms) != 0 ||
               s->at_ms > now_ms + FUTURE_SLACK_MS))
        return -1;
    memcpy(s->metric, json_string_value(name), json_string_length(name) + 1);
    return 0;
}

/* Say everything that is wrong with sample i (path "samples[i].field"). */
static void sample_problems(json_t *obj, size_t i, int64_t now_ms, struct field_errors *e)
{
    static const char *const sample_fields[] = {"name", "value", "at", NULL};
    struct field_errors mine = FIELD_ERRORS_INIT;
    const char *name = NULL, *at = NULL;
    int64_t at_ms;
    double value;
    char prefix[32];

    if (!json_is_object(obj)) {
        snprintf(prefix, sizeof(prefix), "samples[%zu]", i);
        field_error(e, prefix, "must be an object");
        return;
    }
    snprintf(prefix, sizeof(prefix), "samples[%zu].", i);
    json_reject_unknown(obj, sample_fields, &mine);
    if (json_get_string(obj, "name", 1, 1, 64, &name, &mine) == 1 && !valid_metric_name(name))
        field_error(&mine, "name", "must match ^[a-z][a-z0-9_.]{0,63}$");
    json_get_number(obj, "value", 1, &value, &mine);
    if (json_get_string(obj, "at", 0, 1, 40, &at, &mine) == 1) {
        if (time_parse_rfc3339(at, &at_ms) != 0)
            field_error(&mine, "at", "must be an RFC 3339 time");
        else if (at_ms > now_ms + FUTURE_SLACK_MS)
            field_error(&mine, "at", "is more than a day in the future");
    }
    field_errors_move(&mine, prefix, e);
}

int samples_parse(json_t *body, int64_t now_ms, struct sample_in **out, size_t *n,
                  struct field_errors *e)
{
    static const char *const fields[] = {"samples", NULL};
    json_t *list = NULL;
    int before = e->count;
    size_t count;

    *out = NULL;
    *n = 0;
    json_reject_unknown(body, fields, e);
    if (json_get_array(body, "samples", 1, SAMPLES_MAX, &list, e) != 1)
        return -1;
    count = json_array_size(list);
    if (count == 0) {
        field_error(e, "samples", "must hold at least one sample");
        return -1;
    }
    *out = xcalloc(count, sizeof(**out));
    /* At most 50 problems: enough to fix a generator, not a flood. */
    for (size_t i = 0; i < count && e->count - before < 50; i++)
        if (sample_fast(json_array_get(list, i), now_ms, &(*out)[i]) != 0)
            sample_problems(json_array_get(list, i), i, now_ms, e);
    if (e->count > before) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *n = count;
    return 0;
}
