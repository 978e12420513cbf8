/*
 * The demo deployment: "Guardian Safety Tags v1" on the sample plan
 * t4-72h, begun 30 hours before the demo is loaded, so that a newcomer's
 * first look at /deployments and its report shows real charts, gates, a
 * blocker and a recommendation.
 *
 * The story is played in time order on its own clock, as automation and
 * the worker would have lived it: samples posted at the end of each hour,
 * the t8h gate blocked by tag accuracy (0.93) at T+11h, a fix at T+12h,
 * the gate passing at T+13h, the worker closing each phase as the next
 * begins, and the 1 %, 5 % and 25 % flag steps approved at T+24h. The hours
 * that overlap the approval demo's story are posted after it, so that the
 * ledger's times only move forward.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/approvals.h"
#include "../core/deployments.h"
#include "../core/plans.h"
#include "../core/users.h"
#include "demo.h"

#define HOUR_MS   3600000LL
#define MINUTE_MS 60000LL

/* One metric's samples: a value around base, every step minutes over [from_h, to_h). */
struct demo_series {
    const char *metric;
    double from_h, to_h; /* hours after the start */
    int step_min;        /* minutes between samples */
    double base, swing;  /* value = base + swing * a smooth wiggle */
};

static const struct demo_series series[] = {
    {"error_rate", 0, 30, 10, 0.0004, 0.00015},
    {"response_time_p95_ms", 0, 30, 10, 36, 6},
    {"drift_ema", 0, 30, 15, 0.08, 0.03},
    {"cpu_overhead", 8, 16, 10, 0.023, 0.004},
    {"tag_accuracy", 8, 12, 20, 0.93, 0.004},  /* below 0.95: the t8h gate blocks */
    {"tag_accuracy", 12, 16, 20, 0.97, 0.003}, /* the fix */
    {"memory_mb", 16, 30, 10, 160, 14},
    {"user_complaints", 24, 30, 30, 0, 0},
    {"false_positive_rate", 24, 30, 10, 0.012, 0.003},
    {"uptime", 24, 30, 10, 0.99965, 0.0002},
};

/* A smooth, repeatable wiggle in [-1, 1] for sample k of metric m. */
static double wiggle(size_t m, long k)
{
    return 0.7 * sin((double)k * 0.37 + (double)m) + 0.3 * sin((double)k * 1.9 + 2.0 * (double)m);
}

/* Post every sample measured in [from_ms, to_ms), as automation would at to_ms. */
static int post_window(struct db *db, const char *id, int64_t start, int64_t from_ms, int64_t to_ms,
                       struct gh_error *err)
{
    static struct sample_in batch[SAMPLES_MAX]; /* 400 kB: not on the stack */
    struct actor bot = {
        .username = "alice", .roles = ROLE_REQUESTER, .public_url = "", .now_ms = to_ms};
    size_t n = 0;

    for (size_t m = 0; m < sizeof(series) / sizeof(series[0]); m++) {
        const struct demo_series *s = &series[m];
        int64_t step = s->step_min * MINUTE_MS;
        int64_t first = start + (int64_t)(s->from_h * HOUR_MS);
        int64_t last = start + (int64_t)(s->to_h * HOUR_MS);
        for (int64_t t = first; t < last; t += step) {
            long k = (long)((t - first) / step);
            if (t < from_ms || t >= to_ms || n == SAMPLES_MAX)
                continue;
            snprintf(batch[n].metric, sizeof(batch[n].metric), "%s", s->metric);
            batch[n].at_ms = t;
            batch[n].value = s->base + s->swing * wiggle(m, k);
            n++;
        }
    }
    return n ? deployment_ingest(db, &bot, id, batch, n, err) : 0;
}

static int evaluate_at(struct db *db, const char *public_url, const char *phase, const char *who,
                       int scheduled, int64_t at, struct gh_error *err)
{
    struct actor a = {
        .username = who, .roles = ROLE_REQUESTER, .public_url = public_url, .now_ms = at};
    json_t *decision = NULL;
    int rc = gate_evaluate(db, &a, DEMO_DEPLOYMENT, phase, scheduled, &decision, err);

    json_decref(decision);
    return rc;
}

/* A flag step: filed by alice on the deployment's mission, approved by approver. */
static int flag_step(struct db *db, const char *public_url, int percent, const char *approver,
                     int64_t at, struct gh_error *err)
{
    char reason[120], params[80];
    struct actor alice = {
        .username = "alice", .roles = ROLE_REQUESTER, .public_url = public_url, .now_ms = at};
    struct actor voter = {.username = approver,
                          .roles = ROLE_APPROVER,
                          .public_url = public_url,
                          .now_ms = at + 6 * MINUTE_MS};
    json_t *p, *a = NULL;
    int replayed, rc;

    snprintf(reason, sizeof(reason), "T+24h flag ramp: %d %% of users", percent);
    snprintf(params, sizeof(params), "{\"flag\": \"safety-tags\", \"percent\": %d}", percent);
    p = json_loads(params, 0, NULL);
    struct approval_input in = {
        "feature_flag.set", "safety-tags", reason, DEMO_DEPLOYMENT, 2, p, 86400, NULL};
    rc = approval_create(db, &alice, &in, NULL, &a, &replayed, err);
    json_decref(p);
    if (rc == 0) {
        int64_t id = json_integer_value(json_object_get(a, "id"));
        json_decref(a);
        a = NULL;
        rc = approval_vote(db, &voter, id, 1, "gate t16h proceeded; go", &a, err);
    }
    json_decref(a);
    return rc;
}

int demo_deployment_begin(struct db *db, const char *public_url, int64_t now, int64_t until,
                          struct gh_error *err)
{
    int64_t start = now - DEMO_DEPLOYMENT_AGE_MS, h;
    struct actor alice = {.username = "alice",
                          .roles = ROLE_REQUESTER,
                          .public_url = public_url,
                          .now_ms = start - 15 * MINUTE_MS};
    struct deployment_input in = {DEMO_DEPLOYMENT, "Guardian Safety Tags v1", "t4-72h", NULL,
                                  start};
    json_t *d = NULL;
    int created, rc;

    rc = deployment_create(db, &alice, &in, &d, &created, err);
    json_decref(d);
    /* Hour by hour, each event where it happened in the story. */
    for (h = 0; rc == 0 && start + (h + 1) * HOUR_MS <= until; h++) {
        int64_t end = start + (h + 1) * HOUR_MS;
        rc = post_window(db, DEMO_DEPLOYMENT, start, start + h * HOUR_MS, end, err);
        if (rc == 0 && h + 1 == 8)
            rc = evaluate_at(db, public_url, "t0h", "worker", 1, end, err);
        if (rc == 0 && h + 1 == 11) /* automation asks: tag accuracy is 0.93 */
            rc = evaluate_at(db, public_url, "t8h", "alice", 0, end + MINUTE_MS, err);
        if (rc == 0 && h + 1 == 13) /* after the fix */
            rc = evaluate_at(db, public_url, "t8h", "alice", 0, end + MINUTE_MS, err);
        if (rc == 0 && h + 1 == 16)
            rc = evaluate_at(db, public_url, "t8h", "worker", 1, end, err);
        if (rc == 0 && h + 1 == 24) {
            rc = evaluate_at(db, public_url, "t16h", "worker", 1, end, err);
            for (int k = 0; rc == 0 && k < 3; k++)
                rc = flag_step(db, public_url, (int[]){1, 5, 25}[k], k == 1 ? "carol" : "bob",
                               end + (5 + 15 * k) * MINUTE_MS, err);
        }
    }
    return rc;
}

int demo_deployment_finish(struct db *db, int64_t now, int64_t until, struct gh_error *err)
{
    int64_t start = now - DEMO_DEPLOYMENT_AGE_MS;
    int64_t from = start + (until - start) / HOUR_MS * HOUR_MS; /* where begin stopped */

    /* The hours measured during the approval demo's story, posted now. */
    return post_window(db, DEMO_DEPLOYMENT, start, from, now, err);
}
