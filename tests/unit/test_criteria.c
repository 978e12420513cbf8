/*
 * The criterion engine, once and thoroughly: every operator, every
 * aggregate (p95 by nearest rank, empty windows), running states that
 * fold and merge like a scan, the reference numbers of the sample plan's
 * t8h gate, the sustained-breach rule at 299 s and 301 s, and the readers'
 * errors naming their JSON path.
 */
#include <math.h>
#include <stdlib.h>

#include "../../core/criteria.h"
#include "check.h"
#include "fixtures.h"

#define T0 1795000000000LL /* an arbitrary fixed time */

static struct criterion crit(const char *metric, enum crit_op op, double threshold,
                             enum crit_agg agg)
{
    struct criterion c = {0};

    snprintf(c.name, sizeof(c.name), "%s_check", metric);
    snprintf(c.metric, sizeof(c.metric), "%s", metric);
    c.op = op;
    c.threshold = threshold;
    c.aggregate = agg;
    return c;
}

static void operators_compare_exactly(void)
{
    CHECK(crit_holds(OP_LT, 1, 2) && !crit_holds(OP_LT, 2, 2) && !crit_holds(OP_LT, 3, 2));
    CHECK(crit_holds(OP_LE, 1, 2) && crit_holds(OP_LE, 2, 2) && !crit_holds(OP_LE, 3, 2));
    CHECK(!crit_holds(OP_GT, 1, 2) && !crit_holds(OP_GT, 2, 2) && crit_holds(OP_GT, 3, 2));
    CHECK(!crit_holds(OP_GE, 1, 2) && crit_holds(OP_GE, 2, 2) && crit_holds(OP_GE, 3, 2));
    CHECK(!crit_holds(OP_EQ, 1, 2) && crit_holds(OP_EQ, 2, 2) && crit_holds(OP_EQ, 0, -0.0));
    CHECK(crit_holds(OP_NE, 1, 2) && !crit_holds(OP_NE, 2, 2));
    for (int op = OP_LT; op <= OP_NE; op++) {
        enum crit_op back;
        CHECK_INT(crit_op_parse(crit_op_name((enum crit_op)op), &back), 0);
        CHECK_INT(back, op);
    }
    enum crit_op none;
    CHECK_INT(crit_op_parse("=<", &none), -1);
    CHECK_INT(crit_op_parse("=", &none), -1);
}

static void aggregates_over_a_window(void)
{
    /* Out of time order on purpose: last is the latest time, not the last entry. */
    struct sample s[] = {{T0 + 3000, 4}, {T0 + 1000, 1}, {T0 + 5000, 2}, {T0 + 2000, 8}};
    struct crit_result r;
    static const struct {
        enum crit_agg agg;
        double expect;
    } cases[] = {{AGG_LAST, 2}, {AGG_MIN, 1},   {AGG_MAX, 8}, {AGG_AVG, 3.75},
                 {AGG_SUM, 15}, {AGG_COUNT, 4}, {AGG_P95, 8}};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct criterion c = crit("m", OP_GE, 0, cases[i].agg);
        criterion_evaluate(&c, s, 4, &r);
        CHECK(r.observed_set);
        if (fabs(r.observed - cases[i].expect) > 1e-12)
            check_fail(__FILE__, __LINE__, "%s observed %g, expected %g",
                       crit_agg_name(cases[i].agg), r.observed, cases[i].expect);
        CHECK(r.passed);
    }
}

static void empty_windows_fail_with_nothing_observed(void)
{
    for (int agg = AGG_LAST; agg <= AGG_P95; agg++) {
        /* Even a bound that zero would meet: no evidence is never a pass. */
        struct criterion c = crit("m", OP_GE, 0, (enum crit_agg)agg);
        struct crit_result r;
        json_t *j;
        criterion_evaluate(&c, NULL, 0, &r);
        CHECK(!r.observed_set);
        CHECK(!r.passed);
        j = crit_result_json(&c, &r);
        CHECK(json_is_null(json_object_get(j, "observed")));
        CHECK(json_is_false(json_object_get(j, "passed")));
        json_decref(j);
    }
}

static void p95_takes_the_nearest_rank(void)
{
    double v[100];

    CHECK_INT(p95_rank(1), 1);
    CHECK_INT(p95_rank(19), 19); /* ceil(18.05) */
    CHECK_INT(p95_rank(20), 19);
    CHECK_INT(p95_rank(21), 20); /* ceil(19.95) */
    CHECK_INT(p95_rank(100), 95);
    CHECK_INT(p95_rank(1000000), 950000);
    for (int i = 0; i < 100; i++)
        v[i] = (double)((i * 37) % 100 + 1); /* 1..100, shuffled */
    CHECK(criteria_p95(v, 100) == 95);
    for (int i = 0; i < 20; i++)
        v[i] = (double)(20 - i);
    CHECK(criteria_p95(v, 20) == 19);
    v[0] = 7;
    CHECK(criteria_p95(v, 1) == 7);
}

static void last_prefers_the_later_arrival_at_one_time(void)
{
    struct sample s[] = {{T0, 1}, {T0, 2}};
    struct criterion c = crit("m", OP_EQ, 2, AGG_LAST);
    struct crit_result r;

    criterion_evaluate(&c, s, 2, &r);
    CHECK(r.passed);
}

static void running_states_merge_like_one_scan(void)
{
    struct agg_state all = AGG_STATE_INIT, a = AGG_STATE_INIT, b = AGG_STATE_INIT;

    for (int i = 0; i < 50; i++) {
        double v = sin(i) * 10;
        int64_t at = T0 + (i * 7919) % 50 * 1000;
        agg_add(&all, at, v);
        agg_add(i % 3 ? &a : &b, at, v);
    }
    agg_merge(&a, &b);
    CHECK_INT(a.count, all.count);
    CHECK(fabs(a.sum - all.sum) < 1e-9);
    CHECK(a.min == all.min && a.max == all.max);
    CHECK_INT(a.last_at, all.last_at);
    CHECK(a.last == all.last);
    /* Merging an empty state changes nothing; into an empty one copies. */
    struct agg_state empty = AGG_STATE_INIT;
    agg_merge(&a, &empty);
    CHECK_INT(a.count, 50);
    agg_merge(&empty, &all);
    CHECK_INT(empty.count, 50);
}

/* The sample plan's t8h gate with the reference numbers. */
static int t8h_blockers(double cpu, double err, double tag, const char **blocker)
{
    struct criterion c[] = {crit("cpu_overhead", OP_LT, 0.10, AGG_MAX),
                            crit("error_rate", OP_LT, 0.001, AGG_AVG),
                            crit("tag_accuracy", OP_GT, 0.95, AGG_LAST)};
    double values[] = {cpu, err, tag};
    int failed = 0;

    for (int i = 0; i < 3; i++) {
        struct sample s = {T0 + 8 * 3600000LL, values[i]};
        struct crit_result r;
        criterion_evaluate(&c[i], &s, 1, &r);
        if (!r.passed) {
            failed++;
            *blocker = i == 2 ? "tag" : "other";
        }
    }
    return failed;
}

static void reference_numbers_of_the_t8h_gate(void)
{
    const char *blocker = NULL;

    CHECK_INT(t8h_blockers(0.023, 0.0004, 0.97, &blocker), 0);
    CHECK_INT(t8h_blockers(0.023, 0.0004, 0.93, &blocker), 1);
    CHECK_STR(blocker, "tag");
}

/* A breach that began at T0 (samples every 10 s from T0), after a clean sample at T0 - 10 s. */
static struct trigger error_spike(int64_t for_seconds)
{
    struct trigger t = {0};

    snprintf(t.name, sizeof(t.name), "error_rate_spike");
    snprintf(t.metric, sizeof(t.metric), "error_rate");
    t.op = OP_GT;
    t.threshold = 0.01;
    t.for_seconds = for_seconds;
    snprintf(t.action, sizeof(t.action), "immediate_rollback");
    return t;
}

static void sustained_breaches_fire_at_their_length(void)
{
    struct sample s[40];
    struct trigger t = error_spike(300);
    struct trigger_eval ev;
    size_t n = 0;

    s[n++] = (struct sample){T0 - 10000, 0.002};
    for (int i = 0; i <= 35; i++)
        s[n++] = (struct sample){T0 + i * 10000LL, 0.015};
    trigger_evaluate(&t, T0 + 299000, s, n, &ev);
    CHECK(!ev.fired); /* the last sample before the window is the clean one */
    CHECK(ev.has_before);
    CHECK(ev.before_value == 0.002);
    CHECK_INT(ev.window, ev.breaching);
    trigger_evaluate(&t, T0 + 301000, s, n, &ev);
    CHECK(ev.fired);
    CHECK(ev.last_value == 0.015);
    CHECK_INT(ev.last_at, T0 + 300000);

    /* One good sample inside the window stops it. */
    s[20].value = 0.001;
    trigger_evaluate(&t, T0 + 350000, s, n, &ev);
    CHECK(!ev.fired);
    CHECK_INT(ev.breaching, ev.window - 1);

    /* No sample in the window: nothing is sustained, however bad the one before. */
    trigger_evaluate(&t, T0 + 360000 + 301000, s, n, &ev);
    CHECK(!ev.fired);
    CHECK_INT(ev.window, 0);

    /* No sample before the window: the breach cannot be shown to be old enough. */
    trigger_evaluate(&t, T0 + 301000, s + 2, 10, &ev);
    CHECK(!ev.fired);
}

static void zero_seconds_means_the_latest_sample(void)
{
    struct trigger t = error_spike(0);
    struct sample s[] = {{T0, 0.5}, {T0 + 1000, 0.001}, {T0 + 2000, 0.5}};
    struct trigger_eval ev;

    t.threshold = 0.30;
    trigger_evaluate(&t, T0 + 1500, s, 3, &ev);
    CHECK(!ev.fired); /* latest at or before now is the calm one */
    trigger_evaluate(&t, T0 + 2000, s, 3, &ev);
    CHECK(ev.fired);
    trigger_evaluate(&t, T0 - 1, s, 3, &ev);
    CHECK(!ev.fired); /* nothing measured yet */
}

static json_t *parse(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);

    CHECK(j != NULL);
    return j;
}

static void criteria_read_with_paths(void)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    struct criterion c;
    char names[512];
    json_t *j;

    j = parse("{\"name\": \"tag_detection\", \"metric\": \"tag_accuracy\", \"op\": \">\","
              " \"threshold\": 0.95}");
    CHECK_INT(criterion_parse(j, "phases[1].criteria[2]", 1, &c, &e), 0);
    CHECK_INT(c.aggregate, AGG_LAST); /* the default */
    CHECK_INT(c.op, OP_GT);
    CHECK(c.threshold == 0.95);
    json_decref(j);

    j = parse("{\"name\": \"Bad Name\", \"metric\": \"x\", \"op\": \"=>\", \"threshold\": \"0.1\","
              " \"aggregate\": \"median\", \"critical\": true, \"extra\": 1}");
    CHECK_INT(criterion_parse(j, "phases[1].criteria[2]", 0, &c, &e), -1);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)),
              "phases[1].criteria[2].critical,phases[1].criteria[2].extra,"
              "phases[1].criteria[2].name,phases[1].criteria[2].op,"
              "phases[1].criteria[2].threshold,phases[1].criteria[2].aggregate");
    field_errors_free(&e);
    json_decref(j);

    j = parse("[{\"name\": \"a\", \"metric\": \"m\", \"op\": \"<\", \"threshold\": 1},"
              " {\"name\": \"a\", \"metric\": \"n\", \"op\": \"<\", \"threshold\": 1}, 7]");
    struct criterion *list = NULL;
    size_t n = 9;
    CHECK_INT(criteria_parse_list(j, "criteria", 50, 0, &list, &n, &e), -1);
    CHECK(list == NULL);
    CHECK_INT(n, 0);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)), "criteria[1].name,criteria[2]");
    field_errors_free(&e);
    CHECK_INT(criteria_parse_list(j, "criteria", 2, 0, &list, &n, &e), -1);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)), "criteria");
    field_errors_free(&e);
    json_decref(j);
}

static void triggers_read_with_paths(void)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    struct trigger t;
    char names[512];
    json_t *j;

    j = parse("{\"name\": \"error_rate_spike\", \"metric\": \"error_rate\", \"op\": \">\","
              " \"threshold\": 0.01, \"for_seconds\": 300, \"action\": \"immediate_rollback\"}");
    CHECK_INT(trigger_parse(j, "rollback_triggers[0]", &t, &e), 0);
    CHECK_INT(t.for_seconds, 300);
    CHECK_STR(t.action, "immediate_rollback");
    json_decref(j);
    j = parse("{\"name\": \"x\", \"metric\": \"y\", \"op\": \">\", \"threshold\": 1,"
              " \"for_seconds\": -1, \"action\": \"panic\"}");
    CHECK_INT(trigger_parse(j, "rollback_triggers[3]", &t, &e), -1);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)),
              "rollback_triggers[3].for_seconds,rollback_triggers[3].action");
    field_errors_free(&e);
    json_decref(j);
}

const struct unit_test criteria_tests[] = {
    {"criteria: operators compare exactly", operators_compare_exactly},
    {"criteria: every aggregate over a window", aggregates_over_a_window},
    {"criteria: empty windows fail with nothing observed",
     empty_windows_fail_with_nothing_observed},
    {"criteria: p95 takes the nearest rank", p95_takes_the_nearest_rank},
    {"criteria: last prefers the later arrival", last_prefers_the_later_arrival_at_one_time},
    {"criteria: running states merge like one scan", running_states_merge_like_one_scan},
    {"criteria: the t8h gate's reference numbers", reference_numbers_of_the_t8h_gate},
    {"criteria: a breach fires after 300 s, not 299", sustained_breaches_fire_at_their_length},
    {"criteria: for 0 s the latest sample decides", zero_seconds_means_the_latest_sample},
    {"criteria: criteria are read with their paths", criteria_read_with_paths},
    {"criteria: triggers are read with their paths", triggers_read_with_paths},
    {NULL, NULL},
};
