/*
 * Plans, the rules of a deployment, and deployments over a real SQLite
 * file: plan validation naming JSON paths, the sample plan, status
 * changes, recommendation and risk for clean, blocked, critical and
 * triggered rollouts; gates over running aggregates agreeing with a scan
 * of the samples (every aggregate, p95 included, and windows cut short by
 * the evaluation time), triggers at 299 s and 301 s, the worker's one
 * evaluation per phase, and refusals that change nothing.
 */
#include <math.h>
#include <stdlib.h>

#include "../../core/deploy_store.h"
#include "../../core/deployments.h"
#include "../../core/ledger.h"
#include "../../core/plans.h"
#include "../../core/timeutil.h"
#include "check.h"
#include "fixtures.h"

#define T0   1795000000000LL /* the deployments' start, an arbitrary fixed time */
#define HOUR 3600000LL

static json_t *load_file(const char *path)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);

    if (doc == NULL)
        check_fail(__FILE__, __LINE__, "%s: %s", path, jerr.text);
    return doc;
}

static void the_sample_plan_validates(void)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *doc = load_file("conf/plans/t4-72h.json");
    struct plan p;

    CHECK_INT(plan_parse(doc, NULL, &p, &e), 0);
    if (e.count)
        check_fail(__FILE__, __LINE__, "%s", json_dumps(e.details, 0));
    CHECK_INT(p.nphases, 6);
    CHECK_INT(p.ntriggers, 3);
    CHECK_STR(p.phases[1].id, "t8h");
    CHECK_INT(p.phases[1].offset_ms, 8 * HOUR);
    CHECK_INT(p.phases[1].ncriteria, 3);
    CHECK_STR(p.phases[1].criteria[2].name, "tag_detection");
    CHECK(p.phases[1].criteria[1].critical); /* error_rate */
    CHECK(p.phases[4].criteria[0].critical); /* zero_incidents */
    CHECK(p.phases[3].exposure == 25);       /* flag steps 1, 5, 25 */
    CHECK(p.phases[4].exposure == 100);
    CHECK(p.phases[2].exposure == 0);
    CHECK_INT(p.triggers[0].for_seconds, 300);
    CHECK_INT(plan_phase_at(&p, 30 * HOUR), 3);
    CHECK_INT(plan_phase_at(&p, -1), -1);
    CHECK_INT(plan_phase_at(&p, 72 * HOUR), 5);
    /* What plan_json writes reads back the same. */
    json_t *again = plan_json(&p);
    struct plan q;
    CHECK_INT(plan_parse(again, "t4-72h", &q, &e), 0);
    CHECK_INT(q.nphases, 6);
    CHECK(q.phases[3].exposure == 25);
    plan_free(&q);
    json_decref(again);
    plan_free(&p);
    json_decref(doc);
}

static void plan_errors_name_their_path(void)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    char names[1024];
    struct plan p;
    json_t *doc = json_loads(
        "{\"name\": \"other\", \"extra\": 1, \"phases\": ["
        " {\"id\": \"a\", \"at_hours\": 8, \"title\": \"A\"},"
        " {\"id\": \"a\", \"at_hours\": 4, \"title\": \"B\", \"flag_steps\": [5, 1],"
        "  \"criteria\": [{\"name\": \"c\", \"metric\": \"m\", \"op\": \"~\", \"threshold\": 1,"
        "                 \"aggregate\": \"median\"}]},"
        " {\"id\": \"bad id!\", \"at_hours\": \"ten\", \"title\": \"\"}],"
        " \"rollback_triggers\": [{\"name\": \"t\", \"metric\": \"m\", \"op\": \">\","
        "   \"threshold\": \"high\", \"for_seconds\": 10, \"action\": \"rollback\"}]}",
        0, NULL);

    CHECK_INT(plan_parse(doc, "t4", &p, &e), -1);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)),
              "extra,name,phases[1].flag_steps[1],phases[1].criteria[0].op,"
              "phases[1].criteria[0].aggregate,phases[1].id,phases[1].at_hours,"
              "phases[2].id,phases[2].at_hours,phases[2].title,"
              "rollback_triggers[0].threshold,rollback_triggers[0].action");
    field_errors_free(&e);
    plan_free(&p);
    json_decref(doc);

    doc = json_loads("{\"phases\": []}", 0, NULL);
    CHECK_INT(plan_parse(doc, NULL, &p, &e), -1);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)), "name,phases");
    field_errors_free(&e);
    plan_free(&p);
    json_decref(doc);
}

/* ---- the rules ---- */

static void executors_report_the_changes_that_make_sense(void)
{
    struct gh_error err;

    CHECK_INT(status_report_check(DEP_IN_PROGRESS, DEP_HELD, &err), 0);
    CHECK_INT(status_report_check(DEP_HELD, DEP_IN_PROGRESS, &err), 0);
    CHECK_INT(status_report_check(DEP_ROLLING_BACK, DEP_ROLLED_BACK, &err), 0);
    CHECK_INT(status_report_check(DEP_ROLLING_BACK, DEP_IN_PROGRESS, &err), 0);
    CHECK_INT(status_report_check(DEP_IN_PROGRESS, DEP_ROLLED_BACK, &err), 0);
    CHECK_INT(status_report_check(DEP_ROLLING_BACK, DEP_HELD, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(status_report_check(DEP_ROLLED_BACK, DEP_IN_PROGRESS, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(status_report_check(DEP_HELD, DEP_HELD, &err), -1);
    CHECK_INT(status_report_check(DEP_IN_PROGRESS, DEP_APPROVED, &err), -1);
    CHECK_INT(err.kind, GH_INVALID);
    CHECK_INT(signoff_status(SIGNOFF_HOLD), DEP_HELD);
    CHECK_INT(signoff_status(SIGNOFF_APPROVED), DEP_APPROVED);
}

/* Facts over the sample plan at phase current, every begun gate proceeding. */
static void clean_facts(struct plan *p, struct deploy_facts *f, int current)
{
    memset(f, 0, sizeof(*f));
    f->plan = p;
    f->current = current;
    for (int i = 0; i <= current; i++)
        f->gates[i].decided = f->gates[i].proceed = 1;
}

static void block(struct deploy_facts *f, int phase, const char *name, int critical)
{
    struct gate_view *g = &f->gates[phase];
    struct failed_criterion *c = &g->failed[g->nfailed++];

    g->proceed = 0;
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->metric, sizeof(c->metric), "%s", critical ? "error_rate" : "tag_accuracy");
    c->aggregate = AGG_LAST;
    c->observed_set = 1;
    c->observed = 0.93;
    c->op = OP_GT;
    c->threshold = 0.95;
    c->critical = critical;
}

static void recommendations_follow_the_rules(void)
{
    json_t *doc = load_file("conf/plans/t4-72h.json");
    struct field_errors e = FIELD_ERRORS_INIT;
    struct recommendation_out rec;
    struct deploy_facts f;
    struct risk_out risk;
    struct plan p;

    CHECK_INT(plan_parse(doc, NULL, &p, &e), 0);
    clean_facts(&p, &f, 3);
    deploy_recommend(&f, &rec);
    CHECK_INT(rec.decision, REC_APPROVE);
    CHECK_CONTAINS(rec.reasons[0], "Every gate decided so far proceeded (4 of 6 phases)");
    deploy_risk(&f, &risk);
    CHECK_INT(risk.technical, RISK_LOW);
    CHECK_INT(risk.user_impact, RISK_MEDIUM); /* 25 % */
    CHECK_INT(risk.rollback_complexity, RISK_LOW);

    block(&f, 1, "tag_detection", 0);
    deploy_recommend(&f, &rec);
    CHECK_INT(rec.decision, REC_HOLD);
    CHECK_STR(rec.reasons[0], "Gate t8h (First game-day drill) is blocked by tag_detection: "
                              "tag_accuracy last 0.93, needs > 0.95.");
    deploy_risk(&f, &risk);
    CHECK_INT(risk.technical, RISK_MEDIUM);

    /* The phase under way may be undecided; one that has ended may not. */
    clean_facts(&p, &f, 2);
    f.gates[2].decided = 0;
    deploy_recommend(&f, &rec);
    CHECK_INT(rec.decision, REC_APPROVE);
    CHECK_CONTAINS(rec.reasons[1], "Phase t16h (Confidence building) is under way");
    f.gates[1].decided = 0;
    deploy_recommend(&f, &rec);
    CHECK_INT(rec.decision, REC_HOLD);
    CHECK_STR(rec.reasons[0],
              "Phase t8h (First game-day drill) has ended but its gate was never evaluated.");

    clean_facts(&p, &f, 2);
    block(&f, 2, "error_rate", 1);
    deploy_recommend(&f, &rec);
    CHECK_INT(rec.decision, REC_ROLLBACK);
    CHECK_CONTAINS(rec.reasons[0], "Critical criterion error_rate failed at gate t16h");
    deploy_risk(&f, &risk);
    CHECK_INT(risk.technical, RISK_HIGH);
    CHECK_INT(risk.user_impact, RISK_NONE);

    clean_facts(&p, &f, 3);
    f.nfired = 1;
    f.fired[0] = (struct fired_view){"error_rate_spike",   "error_rate", OP_GT, 0.01, 300,
                                     "immediate_rollback", 0.015};
    deploy_recommend(&f, &rec);
    CHECK_INT(rec.decision, REC_ROLLBACK);
    CHECK_STR(rec.reasons[0], "Rollback trigger error_rate_spike fired: error_rate stayed above "
                              "0.01 for 300 s (latest 0.015); it asks for immediate_rollback.");

    clean_facts(&p, &f, 4);
    deploy_risk(&f, &risk);
    CHECK_INT(risk.user_impact, RISK_HIGH);
    CHECK_INT(risk.rollback_complexity, RISK_MEDIUM);
    f.signed_approved = 1;
    deploy_risk(&f, &risk);
    CHECK_INT(risk.rollback_complexity, RISK_HIGH);

    clean_facts(&p, &f, -1);
    deploy_recommend(&f, &rec);
    CHECK_INT(rec.decision, REC_HOLD);
    plan_free(&p);
    json_decref(doc);
}

/* ---- over a database ---- */

static struct actor at(const char *name, int64_t now)
{
    return (struct actor){.username = name, .public_url = "https://gh.example", .now_ms = now};
}

/* The sample plan stored, and a deployment on it that started at T0. */
static int setup(struct db *db, const char *id)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *doc = load_file("conf/plans/t4-72h.json"), *out = NULL;
    struct actor ada = at("ada", T0 - HOUR);
    struct deployment_input in = {id, "Guardian Safety Tags v1", "t4-72h", NULL, T0};
    struct gh_error err;
    struct plan p;
    int created, changed, rc;
    int64_t rev;

    rc = plan_parse(doc, NULL, &p, &e) == 0 &&
                 plan_store(db, ada.now_ms, "ada", &p, &created, &changed, &rev, &err) == 0 &&
                 deployment_create(db, &ada, &in, &out, &created, &err) == 0
             ? 0
             : -1;
    if (rc != 0)
        check_fail(__FILE__, __LINE__, "setup: %s", err.message);
    plan_free(&p);
    json_decref(doc);
    json_decref(out);
    return rc;
}

static int post(struct db *db, const char *id, const char *metric, int64_t at_ms, double value)
{
    struct sample_in s = {{0}, at_ms, value};
    struct actor bot = at("bot", at_ms);
    struct gh_error err;

    snprintf(s.metric, sizeof(s.metric), "%s", metric);
    return deployment_ingest(db, &bot, id, &s, 1, &err);
}

static json_t *evaluate(struct db *db, const char *id, const char *phase, int64_t now)
{
    struct actor bot = at("bot", now);
    struct gh_error err;
    json_t *d = NULL;

    if (gate_evaluate(db, &bot, id, phase, 0, &d, &err) != 0)
        check_fail(__FILE__, __LINE__, "evaluate %s: %s", phase, err.message);
    return d;
}

static void gates_judge_the_reference_numbers(void)
{
    struct db db;
    json_t *d;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-1"), 0);
    CHECK_INT(post(&db, "dep-1", "cpu_overhead", T0 + 8 * HOUR + 60000, 0.023), 0);
    CHECK_INT(post(&db, "dep-1", "error_rate", T0 + 8 * HOUR + 60000, 0.0004), 0);
    CHECK_INT(post(&db, "dep-1", "tag_accuracy", T0 + 8 * HOUR + 60000, 0.93), 0);
    d = evaluate(&db, "dep-1", "t8h", T0 + 9 * HOUR);
    CHECK(json_is_false(json_object_get(d, "proceed")));
    CHECK_INT(json_integer_value(json_object_get(d, "criteria_met")), 2);
    CHECK_INT(json_integer_value(json_object_get(d, "total_criteria")), 3);
    CHECK_STR(json_string_value(json_array_get(json_object_get(d, "blockers"), 0)),
              "tag_detection");
    CHECK_INT(json_array_size(json_object_get(d, "blockers")), 1);
    json_decref(d);
    /* A fix arrives: the last accuracy is what counts. */
    CHECK_INT(post(&db, "dep-1", "tag_accuracy", T0 + 9 * HOUR + 60000, 0.97), 0);
    d = evaluate(&db, "dep-1", NULL, T0 + 10 * HOUR); /* the current phase: t8h */
    CHECK_STR(json_string_value(json_object_get(d, "phase")), "t8h");
    CHECK(json_is_true(json_object_get(d, "proceed")));
    CHECK_INT(json_array_size(json_object_get(d, "blockers")), 0);
    json_decref(d);
    /* A criterion without samples fails with nothing observed. */
    d = evaluate(&db, "dep-1", "t0h", T0 + 10 * HOUR);
    CHECK(json_is_true(json_object_get(d, "proceed"))); /* no criteria at all */
    json_decref(d);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM gate_decisions"), 3);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM events WHERE type = 'gate.evaluated'"), 3);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger WHERE kind = 'deployment.metrics'"),
              4);
    db_close(&db);
}

static void gates_refuse_what_has_not_begun(void)
{
    struct actor bot = at("bot", T0 + 9 * HOUR);
    struct gh_error err;
    struct db db;
    json_t *d = NULL;
    int64_t before;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-2"), 0);
    before = fixture_count(&db, "SELECT count(*) FROM ledger");
    CHECK_INT(gate_evaluate(&db, &bot, "dep-2", "t16h", 0, &d, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(gate_evaluate(&db, &bot, "dep-2", "t99h", 0, &d, &err), -1);
    CHECK_INT(err.kind, GH_INVALID);
    CHECK_INT(gate_evaluate(&db, &bot, "nope", NULL, 0, &d, &err), -1);
    CHECK_INT(err.kind, GH_NOT_FOUND);
    bot.now_ms = T0 - 1;
    CHECK_INT(gate_evaluate(&db, &bot, "dep-2", NULL, 0, &d, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger"), before);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM gate_decisions"), 0);
    db_close(&db);
}

/* Running aggregates and a scan of the samples must agree, for every aggregate. */
static void aggregates_agree_with_a_scan(void)
{
    struct sample raw[400];
    struct sample_in batch[400];
    struct actor bot = at("bot", T0 + 20 * HOUR);
    struct deployment_row d;
    struct gh_error err;
    struct db db;
    size_t n = 0;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-3"), 0);
    /* 400 samples over phase t16h (16h..24h), out of order, some after the evaluation time. */
    for (int i = 0; i < 400; i++) {
        int64_t t = T0 + 16 * HOUR + (int64_t)((i * 7919) % 400) * 60000;
        double v = 20 + 30 * sin(i * 0.7) + (i % 17);
        batch[i] = (struct sample_in){"response_time_p95_ms", t, v};
    }
    CHECK_INT(deployment_ingest(&db, &bot, "dep-3", batch, 400, &err), 0);
    CHECK_INT(deployment_load(&db, "dep-3", &d, &err), 0);
    for (int now_case = 0; now_case < 2; now_case++) {
        /* Past the phase (the aggregates), and in its middle (a window cut short). */
        int64_t now = now_case ? T0 + 19 * HOUR : T0 + 30 * HOUR;
        int64_t from, to;
        phase_window(&d, 2, now, &from, &to);
        n = 0;
        for (int i = 0; i < 400; i++)
            if (batch[i].at_ms >= from && batch[i].at_ms <= to)
                raw[n++] = (struct sample){batch[i].at_ms, batch[i].value};
        CHECK(n > 0 && (now_case == 0 ? n == 400 : n < 400));
        for (int agg = AGG_LAST; agg <= AGG_P95; agg++) {
            struct criterion c = {"latency", "response_time_p95_ms", OP_LT,
                                  50,        (enum crit_agg)agg,     0};
            struct crit_result stored, scanned;
            CHECK_INT(observe_criterion(&db, &d, 2, &c, now, &stored, &err), 0);
            criterion_evaluate(&c, raw, n, &scanned);
            CHECK(stored.observed_set && scanned.observed_set);
            if (fabs(stored.observed - scanned.observed) > 1e-9)
                check_fail(__FILE__, __LINE__, "%s at case %d: stored %.17g, scanned %.17g",
                           crit_agg_name(c.aggregate), now_case, stored.observed, scanned.observed);
            CHECK_INT(stored.passed, scanned.passed);
        }
    }
    deployment_row_free(&d);
    db_close(&db);
}

/* The p95 a gate reads from sorted runs, against a sort of the samples, after batch i of n. */
static void check_p95(struct db *db, const char *id, const double *values, size_t n, int64_t now)
{
    struct criterion c = {"latency", "response_time_p95_ms", OP_LT, 50, AGG_P95, 0};
    double *copy = malloc(n * sizeof(*copy));
    struct deployment_row d;
    struct crit_result r;
    struct gh_error err;

    memcpy(copy, values, n * sizeof(*copy));
    CHECK_INT(deployment_load(db, id, &d, &err), 0);
    CHECK_INT(observe_criterion(db, &d, 2, &c, now, &r, &err), 0);
    CHECK(r.observed_set);
    if (r.observed != criteria_p95(copy, n))
        check_fail(__FILE__, __LINE__, "p95 of %zu samples: %.17g, expected %.17g", n, r.observed,
                   criteria_p95(copy, n));
    deployment_row_free(&d);
    free(copy);
}

/*
 * Batches of every size merge their runs tier by tier; at every step the
 * p95 is still exact, the runs hold every sample once, and their number
 * stays logarithmic.
 */
static void p95_stays_exact_as_runs_merge(void)
{
    enum { BATCHES = 120 };
    static double values[BATCHES * 64];
    struct actor bot = at("bot", T0 + 20 * HOUR);
    struct sample_in batch[64];
    struct gh_error err;
    struct db db;
    size_t n = 0;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-runs"), 0);
    for (int b = 0; b < BATCHES; b++) {
        int size = 1 + (b * 37) % 64;
        for (int i = 0; i < size; i++, n++) {
            values[n] = 40 + 10 * sin((double)n * 0.37) + (double)(n % 13);
            batch[i] =
                (struct sample_in){"response_time_p95_ms", T0 + 16 * HOUR + (int64_t)n, values[n]};
        }
        CHECK_INT(deployment_ingest(&db, &bot, "dep-runs", batch, (size_t)size, &err), 0);
        if (b % 7 == 0 || b == BATCHES - 1)
            check_p95(&db, "dep-runs", values, n, T0 + 30 * HOUR);
    }
    CHECK_INT(fixture_count(&db, "SELECT total(count) FROM deployment_value_runs"), n);
    CHECK(fixture_count(&db, "SELECT count(DISTINCT tier) FROM deployment_value_runs") > 1);
    /* At most RUNS_PER_TIER - 1 runs wait in each tier. */
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM (SELECT tier FROM deployment_value_runs"
                                 " GROUP BY tier HAVING count(*) >= 8)"),
              0);
    db_close(&db);
}

/*
 * Each deployment keeps the plan it started with, also when loads of two
 * snapshots alternate (a process keeps the last one it parsed).
 */
static void each_deployment_loads_its_own_snapshot(void)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    struct actor ada = at("ada", T0);
    struct deployment_input in = {"dep-new", "revised", "t4-72h", NULL, T0};
    struct deployment_row d;
    struct gh_error err;
    struct plan p;
    struct db db;
    json_t *doc = load_file("conf/plans/t4-72h.json"), *out = NULL;
    json_t *t8h = json_array_get(json_object_get(doc, "phases"), 1);
    int created, changed;
    int64_t rev;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-old"), 0);
    /* The t8h error_rate bound tightened in revision 2, which only dep-new starts on. */
    json_object_set_new(json_array_get(json_object_get(t8h, "criteria"), 1), "threshold",
                        json_real(0.0005));
    CHECK_INT(plan_parse(doc, NULL, &p, &e), 0);
    CHECK_INT(plan_store(&db, ada.now_ms, "ada", &p, &created, &changed, &rev, &err), 0);
    CHECK_INT(rev, 2);
    CHECK_INT(deployment_create(&db, &ada, &in, &out, &created, &err), 0);
    for (int round = 0; round < 3; round++) {
        CHECK_INT(deployment_load(&db, "dep-old", &d, &err), 0);
        CHECK(d.plan.phases[1].criteria[1].threshold == 0.001);
        CHECK_INT(d.plan_revision, 1);
        deployment_row_free(&d);
        CHECK_INT(deployment_load(&db, "dep-new", &d, &err), 0);
        CHECK(d.plan.phases[1].criteria[1].threshold == 0.0005);
        CHECK_INT(d.plan_revision, 2);
        CHECK_INT(d.plan.nphases, 6);
        CHECK_INT(d.plan.ntriggers, 3);
        deployment_row_free(&d);
    }
    plan_free(&p);
    json_decref(doc);
    json_decref(out);
    db_close(&db);
}

/* Migration 12 makes runs of samples stored before runs existed, answering as ingestion does. */
static void migration_12_makes_runs_of_stored_samples(void)
{
    double values[3000];
    struct gh_error err;
    struct db db;
    char sql[200];

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-old"), 0);
    /* The samples as an older build stored them: rows and the value index, no runs. */
    CHECK_INT(db_exec(&db,
                      "CREATE INDEX deployment_samples_by_value ON deployment_samples(deployment,"
                      " metric, phase, value)",
                      &err),
              0);
    for (int i = 0; i < 3000; i++) {
        values[i] = 30 + 20 * cos(i * 0.11) + i % 7;
        snprintf(sql, sizeof(sql),
                 "INSERT INTO deployment_samples (deployment, metric, phase, at_ms, value)"
                 " VALUES (1, 'response_time_p95_ms', 2, %lld, %.17g)",
                 (long long)(T0 + 16 * HOUR + i), values[i]);
        CHECK_INT(db_exec(&db, sql, &err), 0);
    }
    CHECK_INT(db_exec(&db,
                      "INSERT INTO deployment_aggregates VALUES (1, 'response_time_p95_ms', 2,"
                      " 3000, 0, 0, 0, 0, 0)",
                      &err),
              0);
    CHECK_INT(db_begin_write(&db, &err), 0);
    CHECK_INT(deploy_runs_fill(&db, &err), 0);
    CHECK_INT(db_commit(&db, &err), 0);
    CHECK_INT(fixture_count(&db, "SELECT total(count) FROM deployment_value_runs"), 3000);
    check_p95(&db, "dep-old", values, 3000, T0 + 30 * HOUR);
    db_close(&db);
}

static void triggers_fire_once_sustained(void)
{
    struct actor worker = at("worker", 0);
    struct deployment_row d;
    struct trigger_eval ev;
    struct gh_error err;
    struct db db;
    json_t *dep;
    int evaluated, fired;
    int64_t breach = T0 + 30 * HOUR;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-4"), 0);
    CHECK_INT(post(&db, "dep-4", "error_rate", breach - 10000, 0.0004), 0);
    for (int i = 0; i <= 40; i++)
        CHECK_INT(post(&db, "dep-4", "error_rate", breach + i * 10000LL, 0.015), 0);
    CHECK_INT(deployment_load(&db, "dep-4", &d, &err), 0);
    CHECK_INT(observe_trigger(&db, &d, &d.plan.triggers[0], breach + 299000, &ev, &err), 0);
    CHECK(!ev.fired);
    CHECK_INT(observe_trigger(&db, &d, &d.plan.triggers[0], breach + 301000, &ev, &err), 0);
    CHECK(ev.fired);
    deployment_row_free(&d);

    worker.now_ms = breach + 299000;
    CHECK_INT(deployments_watch(&db, &worker, &evaluated, &fired, &err), 0);
    CHECK_INT(fired, 0);
    CHECK_INT(evaluated, 3); /* t0h..t16h have ended; t24h is under way */
    worker.now_ms = breach + 301000;
    CHECK_INT(deployments_watch(&db, &worker, &evaluated, &fired, &err), 0);
    CHECK_INT(fired, 1);
    CHECK_INT(evaluated, 0); /* the worker evaluates each phase once */
    dep = deployment_get(&db, "dep-4", worker.now_ms, &err);
    CHECK_STR(json_string_value(json_object_get(dep, "status")), "rolling_back");
    CHECK_STR(json_string_value(json_object_get(
                  json_array_get(json_object_get(dep, "triggers_fired"), 0), "action")),
              "immediate_rollback");
    json_decref(dep);
    /* Rolling back, it is no longer watched: nothing fires again. */
    worker.now_ms = breach + 400000;
    CHECK_INT(deployments_watch(&db, &worker, &evaluated, &fired, &err), 0);
    CHECK_INT(fired, 0);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM events WHERE type = 'rollback.triggered'"),
              1);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM gate_decisions WHERE scheduled = 1"), 3);

    /* The report recommends the rollback and says why. */
    dep = deployment_report(&db, "dep-4", worker.now_ms, REPORT_GATES_MAX, &err);
    CHECK(dep != NULL);
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(dep, "recommendation"), "decision")),
        "ROLLBACK");
    CHECK_CONTAINS(json_string_value(json_array_get(
                       json_object_get(json_object_get(dep, "recommendation"), "reasons"), 0)),
                   "error_rate_spike");
    json_decref(dep);
    db_close(&db);
}

static void signoffs_and_status_reports(void)
{
    struct actor erin = at("erin", T0 + 31 * HOUR), exec = at("exec", T0 + 31 * HOUR);
    struct gh_error err;
    struct ledger_check lc;
    struct db db;
    json_t *out = NULL;
    int64_t before;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-5"), 0);
    CHECK_INT(
        deployment_report_status(&db, &exec, "dep-5", "held", "waiting for the drill", &out, &err),
        0);
    CHECK_STR(json_string_value(json_object_get(out, "status")), "held");
    json_decref(out);
    before = fixture_count(&db, "SELECT count(*) FROM ledger");
    CHECK_INT(deployment_report_status(&db, &exec, "dep-5", "held", "", &out, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger"), before);
    /* No gate decided yet: HOLD, and APPROVED needs no override (only ROLLBACK does). */
    CHECK_INT(deployment_signoff(&db, &erin, "dep-5", "APPROVED", "", &out, &err), 0);
    CHECK_STR(json_string_value(json_object_get(out, "decision")), "APPROVED");
    CHECK_STR(json_string_value(json_object_get(out, "recommendation")), "HOLD");
    CHECK(json_is_false(json_object_get(out, "override")));
    json_decref(out);
    out = deployment_get(&db, "dep-5", erin.now_ms, &err);
    CHECK_STR(json_string_value(json_object_get(out, "status")), "approved");
    json_decref(out);
    CHECK_INT(ledger_verify(&db, &lc, NULL, &err), 0);
    CHECK(lc.ok);
    db_close(&db);
}

static void approving_a_rollback_needs_a_comment(void)
{
    struct actor erin = at("erin", T0 + 20 * HOUR);
    struct gh_error err;
    struct db db;
    json_t *out = NULL, *d;
    int64_t before;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-6"), 0);
    CHECK_INT(post(&db, "dep-6", "error_rate", T0 + 16 * HOUR + 1000, 0.5), 0);
    d = evaluate(&db, "dep-6", "t16h", T0 + 20 * HOUR);
    json_decref(d);
    before = fixture_count(&db, "SELECT count(*) FROM deployment_signoffs");
    CHECK_INT(deployment_signoff(&db, &erin, "dep-6", "APPROVED", "", &out, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_CONTAINS(err.message, "ROLLBACK");
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM deployment_signoffs"), before);
    CHECK_INT(
        deployment_signoff(&db, &erin, "dep-6", "APPROVED", "accepted risk: test", &out, &err), 0);
    CHECK(json_is_true(json_object_get(out, "override")));
    json_decref(out);
    db_close(&db);
}

static void creating_twice_is_idempotent_or_a_conflict(void)
{
    struct actor ada = at("ada", T0);
    struct deployment_input in = {"dep-7", "Guardian Safety Tags v1", "t4-72h", NULL, T0};
    struct gh_error err;
    struct db db;
    json_t *out = NULL;
    int created;

    CHECK_INT(fixture_db(&db, "d.db"), 0);
    CHECK_INT(setup(&db, "dep-7"), 0);
    CHECK_INT(deployment_create(&db, &ada, &in, &out, &created, &err), 0);
    CHECK_INT(created, 0);
    json_decref(out);
    in.name = "another name";
    CHECK_INT(deployment_create(&db, &ada, &in, &out, &created, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    in.id = "dep-8";
    in.plan = "no-such-plan";
    CHECK_INT(deployment_create(&db, &ada, &in, &out, &created, &err), -1);
    CHECK_INT(err.kind, GH_INVALID);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM deployments"), 1);
    db_close(&db);
}

const struct unit_test deployment_tests[] = {
    {"deployments: the sample plan validates", the_sample_plan_validates},
    {"deployments: plan errors name their JSON path", plan_errors_name_their_path},
    {"deployments: executors report changes that make sense",
     executors_report_the_changes_that_make_sense},
    {"deployments: recommendation and risk follow the rules", recommendations_follow_the_rules},
    {"deployments: gates judge the reference numbers", gates_judge_the_reference_numbers},
    {"deployments: gates refuse phases not begun", gates_refuse_what_has_not_begun},
    {"deployments: running aggregates agree with a scan", aggregates_agree_with_a_scan},
    {"deployments: p95 stays exact as runs merge", p95_stays_exact_as_runs_merge},
    {"deployments: each loads its own plan snapshot", each_deployment_loads_its_own_snapshot},
    {"deployments: migration 12 makes runs of stored samples",
     migration_12_makes_runs_of_stored_samples},
    {"deployments: triggers fire once, sustained 301 s not 299", triggers_fire_once_sustained},
    {"deployments: sign-offs and status reports", signoffs_and_status_reports},
    {"deployments: approving against ROLLBACK needs a comment",
     approving_a_rollback_needs_a_comment},
    {"deployments: creating twice", creating_twice_is_idempotent_or_a_conflict},
    {NULL, NULL},
};
