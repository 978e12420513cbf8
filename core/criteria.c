/* The criterion engine (see criteria.h). */
#include "criteria.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static const char *const op_names[] = {"<", "<=", ">", ">=", "==", "!="};
static const char *const agg_names[] = {"last", "min", "max", "avg", "sum", "count", "p95"};
static const char *const trigger_actions[] = {"immediate_rollback", "gradual_rollback",
                                              "emergency_stop"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *crit_op_name(enum crit_op op)
{
    return (unsigned)op < COUNT(op_names) ? op_names[op] : NULL;
}

const char *crit_agg_name(enum crit_agg agg)
{
    return (unsigned)agg < COUNT(agg_names) ? agg_names[agg] : NULL;
}

int crit_op_parse(const char *s, enum crit_op *out)
{
    for (size_t i = 0; s && i < COUNT(op_names); i++)
        if (strcmp(s, op_names[i]) == 0) {
            *out = (enum crit_op)i;
            return 0;
        }
    return -1;
}

int crit_agg_parse(const char *s, enum crit_agg *out)
{
    for (size_t i = 0; s && i < COUNT(agg_names); i++)
        if (strcmp(s, agg_names[i]) == 0) {
            *out = (enum crit_agg)i;
            return 0;
        }
    return -1;
}

int valid_metric_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 64 || !islower((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
              s[i] == '.'))
            return 0;
    return 1;
}

int valid_trigger_action(const char *s)
{
    for (size_t i = 0; s && i < COUNT(trigger_actions); i++)
        if (strcmp(s, trigger_actions[i]) == 0)
            return 1;
    return 0;
}

/* ---- aggregates ---- */

void agg_add(struct agg_state *s, int64_t at_ms, double value)
{
    if (s->count == 0) {
        s->min = s->max = value;
        s->last_at = at_ms;
        s->last = value;
    } else {
        if (value < s->min)
            s->min = value;
        if (value > s->max)
            s->max = value;
        if (at_ms >= s->last_at) {
            s->last_at = at_ms;
            s->last = value;
        }
    }
    s->count++;
    s->sum += value;
}

void agg_merge(struct agg_state *a, const struct agg_state *b)
{
    if (b->count == 0)
        return;
    if (a->count == 0) {
        *a = *b;
        return;
    }
    if (b->min < a->min)
        a->min = b->min;
    if (b->max > a->max)
        a->max = b->max;
    if (b->last_at >= a->last_at) {
        a->last_at = b->last_at;
        a->last = b->last;
    }
    a->count += b->count;
    a->sum += b->sum;
}

int agg_value(const struct agg_state *s, enum crit_agg aggregate, double p95, double *out)
{
    if (s->count == 0)
        return 0;
    switch (aggregate) {
    case AGG_LAST:
        *out = s->last;
        break;
    case AGG_MIN:
        *out = s->min;
        break;
    case AGG_MAX:
        *out = s->max;
        break;
    case AGG_AVG:
        *out = s->sum / (double)s->count;
        break;
    case AGG_SUM:
        *out = s->sum;
        break;
    case AGG_COUNT:
        *out = (double)s->count;
        break;
    case AGG_P95:
        *out = p95;
        break;
    }
    return 1;
}

int64_t percentile_rank(int64_t n, int pct)
{
    /* ceil(pct n / 100) in integers: no floating-point rounding at the edges. */
    return (pct * n + 99) / 100;
}

int64_t p95_rank(int64_t n)
{
    return percentile_rank(n, 95);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double criteria_p95(double *values, size_t n)
{
    qsort(values, n, sizeof(*values), cmp_double);
    return values[p95_rank((int64_t)n) - 1];
}

int crit_holds(enum crit_op op, double observed, double threshold)
{
    switch (op) {
    case OP_LT:
        return observed < threshold;
    case OP_LE:
        return observed <= threshold;
    case OP_GT:
        return observed > threshold;
    case OP_GE:
        return observed >= threshold;
    case OP_EQ:
        return observed == threshold;
    case OP_NE:
        return observed != threshold;
    }
    return 0;
}

void criterion_judge(const struct criterion *c, const struct agg_state *s, double p95,
                     struct crit_result *out)
{
    out->observed = 0;
    out->observed_set = agg_value(s, c->aggregate, p95, &out->observed);
    out->passed = out->observed_set && crit_holds(c->op, out->observed, c->threshold);
}

void criterion_evaluate(const struct criterion *c, const struct sample *samples, size_t n,
                        struct crit_result *out)
{
    struct agg_state s = AGG_STATE_INIT;
    double p95 = 0;

    for (size_t i = 0; i < n; i++)
        agg_add(&s, samples[i].at_ms, samples[i].value);
    if (c->aggregate == AGG_P95 && n > 0) {
        double *values = xcalloc(n, sizeof(*values));
        for (size_t i = 0; i < n; i++)
            values[i] = samples[i].value;
        p95 = criteria_p95(values, n);
        free(values);
    }
    criterion_judge(c, &s, p95, out);
}

json_t *crit_result_json(const struct criterion *c, const struct crit_result *r)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:s, s:o, s:b}", "name", c->name, "metric", c->metric,
                     "op", crit_op_name(c->op), "threshold", c->threshold, "aggregate",
                     crit_agg_name(c->aggregate), "observed",
                     r->observed_set ? json_real(r->observed) : json_null(), "passed", r->passed);
}

json_t *criterion_json(const struct criterion *c)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:s, s:b}", "name", c->name, "metric", c->metric, "op",
                     crit_op_name(c->op), "threshold", c->threshold, "aggregate",
                     crit_agg_name(c->aggregate), "critical", c->critical);
}

/* ---- reading criteria and triggers ---- */

/* A name as criteria and triggers spell them: ^[a-z][a-z0-9_.]{0,63}$, like metrics. */
static void read_name(json_t *obj, const char *key, char *out, struct field_errors *e)
{
    const char *s = NULL;

    if (json_get_string(obj, key, 1, 1, 64, &s, e) != 1)
        return;
    if (!valid_metric_name(s))
        field_error(e, key, "must match ^[a-z][a-z0-9_.]{0,63}$");
    else
        snprintf(out, CRIT_NAME_LEN, "%s", s);
}

static void read_op(json_t *obj, enum crit_op *op, struct field_errors *e)
{
    const char *s = NULL;

    if (json_get_string(obj, "op", 1, 1, 8, &s, e) == 1 && crit_op_parse(s, op) != 0)
        field_error(e, "op", "must be one of <, <=, >, >=, ==, !=");
}

int criterion_parse(json_t *obj, const char *path, int allow_critical, struct criterion *c,
                    struct field_errors *e)
{
    static const char *const fields[] = {"name",      "metric",   "op", "threshold",
                                         "aggregate", "critical", NULL};
    static const char *const contract_fields[] = {"name",      "metric",    "op",
                                                  "threshold", "aggregate", NULL};
    struct field_errors mine = FIELD_ERRORS_INIT;
    const char *agg = NULL;
    char prefix[160];
    int problems;

    memset(c, 0, sizeof(*c));
    c->aggregate = AGG_LAST;
    snprintf(prefix, sizeof(prefix), "%s.", path);
    if (!json_is_object(obj)) {
        field_error(e, path, "must be an object");
        return -1;
    }
    json_reject_unknown(obj, allow_critical ? fields : contract_fields, &mine);
    read_name(obj, "name", c->name, &mine);
    read_name(obj, "metric", c->metric, &mine);
    read_op(obj, &c->op, &mine);
    json_get_number(obj, "threshold", 1, &c->threshold, &mine);
    if (json_get_string(obj, "aggregate", 0, 1, 8, &agg, &mine) == 1 &&
        crit_agg_parse(agg, &c->aggregate) != 0)
        field_error(&mine, "aggregate", "must be one of last, min, max, avg, sum, count, p95");
    if (allow_critical)
        json_get_bool(obj, "critical", 0, &c->critical, &mine);
    problems = mine.count;
    field_errors_move(&mine, prefix, e);
    return problems ? -1 : 0;
}

int criteria_parse_list(json_t *arr, const char *path, size_t max, int allow_critical,
                        struct criterion **out, size_t *n, struct field_errors *e)
{
    int before = e->count;
    size_t count;

    *out = NULL;
    *n = 0;
    if (!json_is_array(arr)) {
        field_error(e, path, "must be an array");
        return -1;
    }
    count = json_array_size(arr);
    if (count > max) {
        field_error(e, path, "must have at most %zu criteria", max);
        return -1;
    }
    *out = count ? xcalloc(count, sizeof(**out)) : NULL;
    for (size_t i = 0; i < count; i++) {
        char at[160];
        snprintf(at, sizeof(at), "%s[%zu]", path, i);
        if (criterion_parse(json_array_get(arr, i), at, allow_critical, &(*out)[i], e) != 0)
            continue;
        for (size_t j = 0; j < i; j++)
            if ((*out)[j].name[0] && strcmp((*out)[j].name, (*out)[i].name) == 0) {
                char field[200];
                snprintf(field, sizeof(field), "%s.name", at);
                field_error(e, field, "repeats the name of %s[%zu]", path, j);
                break;
            }
    }
    *n = count;
    if (e->count > before) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

json_t *trigger_json(const struct trigger *t)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:I, s:s}", "name", t->name, "metric", t->metric, "op",
                     crit_op_name(t->op), "threshold", t->threshold, "for_seconds",
                     (json_int_t)t->for_seconds, "action", t->action);
}

int trigger_parse(json_t *obj, const char *path, struct trigger *t, struct field_errors *e)
{
    static const char *const fields[] = {"name",        "metric", "op", "threshold",
                                         "for_seconds", "action", NULL};
    struct field_errors mine = FIELD_ERRORS_INIT;
    const char *action = NULL;
    long long seconds = 0;
    char prefix[160];
    int problems;

    memset(t, 0, sizeof(*t));
    snprintf(prefix, sizeof(prefix), "%s.", path);
    if (!json_is_object(obj)) {
        field_error(e, path, "must be an object");
        return -1;
    }
    json_reject_unknown(obj, fields, &mine);
    read_name(obj, "name", t->name, &mine);
    read_name(obj, "metric", t->metric, &mine);
    read_op(obj, &t->op, &mine);
    json_get_number(obj, "threshold", 1, &t->threshold, &mine);
    if (json_get_int(obj, "for_seconds", 1, 0, 86400, &seconds, &mine) == 1)
        t->for_seconds = seconds;
    if (json_get_string(obj, "action", 1, 1, 32, &action, &mine) == 1) {
        if (!valid_trigger_action(action))
            field_error(&mine, "action",
                        "must be one of immediate_rollback, gradual_rollback, emergency_stop");
        else
            snprintf(t->action, sizeof(t->action), "%s", action);
    }
    problems = mine.count;
    field_errors_move(&mine, prefix, e);
    return problems ? -1 : 0;
}

/* ---- sustained breaches ---- */

void trigger_judge(const struct trigger *t, int64_t now_ms, const struct sample *window, size_t n,
                   const struct sample *before, struct trigger_eval *out)
{
    memset(out, 0, sizeof(*out));
    out->window = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        if (crit_holds(t->op, window[i].value, t->threshold))
            out->breaching++;
        if (i == 0 || window[i].at_ms >= out->last_at) {
            out->last_at = window[i].at_ms;
            out->last_value = window[i].value;
        }
    }
    if (before) {
        out->has_before = 1;
        out->before_value = before->value;
    }
    if (n == 0 || out->breaching != out->window)
        return;
    (void)now_ms; /* the store chose the window from it */
    if (t->for_seconds == 0) {
        out->fired = 1;
        return;
    }
    out->fired = before && crit_holds(t->op, before->value, t->threshold);
}

void trigger_evaluate(const struct trigger *t, int64_t now_ms, const struct sample *samples,
                      size_t n, struct trigger_eval *out)
{
    int64_t start = now_ms - t->for_seconds * 1000;
    struct sample *window = n ? xcalloc(n, sizeof(*window)) : NULL;
    const struct sample *before = NULL, *latest = NULL;
    size_t w = 0;

    for (size_t i = 0; i < n; i++) {
        const struct sample *s = &samples[i];
        if (s->at_ms > now_ms)
            continue;
        /* Later entries win ties, as a later arrival does. */
        if (!latest || s->at_ms >= latest->at_ms)
            latest = s;
        if (t->for_seconds > 0 && s->at_ms > start)
            window[w++] = *s;
        else if (t->for_seconds > 0 && (!before || s->at_ms >= before->at_ms))
            before = s;
    }
    if (t->for_seconds == 0 && latest)
        window[w++] = *latest;
    trigger_judge(t, now_ms, window, w, before, out);
    free(window);
}
