/*
 * The rules of a staged deployment, over plain structs and without I/O:
 * which status changes an executor may report, what a sign-off needs and
 * does, what the executive report recommends, and how it rates the risk.
 * docs/deployments.md states the same rules for people; the unit tests
 * hold the two together.
 *
 * A phase's gate is the gate out of it: the worker judges a phase when
 * the next one begins (the last phase when it begins), and automation may
 * ask for a judgement at any time. So the phase under way may have no
 * decision yet, while every phase that has ended should have one.
 *
 * Recommendation:
 *   ROLLBACK  a rollback trigger has fired, or a criterion the plan marks
 *             critical fails in the latest decision of a phase;
 *   APPROVE   every gate decided so far proceeds (the latest decision of
 *             each phase), every phase that has ended has been decided,
 *             and no trigger has fired;
 *   HOLD      otherwise: a gate is blocked, a phase ended without a
 *             decision, or the first phase has not begun.
 *
 * Risk:
 *   technical_risk       HIGH when the recommendation is ROLLBACK; MEDIUM
 *                        when a gate is blocked, an ended phase is
 *                        undecided, or a freeze is violated; else LOW.
 *   user_impact          from the share of users the current phase exposes:
 *                        NONE at 0 %, LOW up to 5 %, MEDIUM up to 25 %, HIGH
 *                        above.
 *   rollback_complexity  LOW while fewer than all users are exposed (turn
 *                        the flag off); MEDIUM at 100 % (every user
 *                        switches back at once); HIGH once signed off
 *                        APPROVED (the flag is gone: rolling back means a
 *                        new release).
 */
#ifndef GH_DEPLOY_RULES_H
#define GH_DEPLOY_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "criteria.h"
#include "error.h"
#include "plans.h"

enum deploy_status {
    DEP_IN_PROGRESS,
    DEP_HELD,
    DEP_ROLLING_BACK,
    DEP_ROLLED_BACK,
    DEP_APPROVED,
    DEP_REJECTED,
};

/* "in_progress", "held", ... */
const char *deploy_status_name(enum deploy_status s);
int deploy_status_parse(const char *s, enum deploy_status *out);
/* Whether the rollout is over: gates and triggers are no longer watched. */
int deploy_status_final(enum deploy_status s);

/*
 * An executor's report (POST .../status): to rolled_back from in_progress,
 * held or rolling_back; to held from in_progress; back to in_progress from
 * held or rolling_back (the rollback was called off). 0, or -1 with err
 * (GH_INVALID for a status an executor cannot report, GH_CONFLICT for a
 * change the current status forbids).
 */
int status_report_check(enum deploy_status from, enum deploy_status to, struct gh_error *err);

enum signoff_decision { SIGNOFF_APPROVED, SIGNOFF_REJECTED, SIGNOFF_HOLD };
const char *signoff_name(enum signoff_decision d);
int signoff_parse(const char *s, enum signoff_decision *out);
/* The status a sign-off leaves: approved, rejected or held. */
enum deploy_status signoff_status(enum signoff_decision d);

enum recommendation { REC_APPROVE, REC_HOLD, REC_ROLLBACK };
const char *recommendation_name(enum recommendation r);

/* Most failed criteria a gate view keeps; the rest are counted. */
#define GATE_VIEW_FAILED 8

/* The latest decision of one phase that has begun, as the rules need it. */
struct gate_view {
    int decided;    /* 0: no decision yet (fine while the phase is under way) */
    int proceed;    /* the decision proceeds */
    size_t nfailed; /* criteria that failed (may exceed GATE_VIEW_FAILED) */
    struct failed_criterion {
        char name[CRIT_NAME_LEN];     /* the blocker */
        char metric[CRIT_METRIC_LEN]; /* what it read */
        enum crit_agg aggregate;      /* how */
        int observed_set;             /* 0: no samples */
        double observed;              /* what it saw */
        enum crit_op op;              /* the bound it failed */
        double threshold;
        int critical; /* the plan marks it critical */
    } failed[GATE_VIEW_FAILED];
};

/* One rollback trigger that fired. */
struct fired_view {
    char name[CRIT_NAME_LEN];     /* the trigger */
    char metric[CRIT_METRIC_LEN]; /* its metric */
    enum crit_op op;
    double threshold;
    int64_t for_seconds;
    char action[33];   /* what it asked for */
    double last_value; /* the latest breaching sample */
};

/* Most fired triggers the rules look at; more are counted. */
#define FIRED_VIEW_MAX 8

/* What the report's rules know about a deployment. */
struct deploy_facts {
    const struct plan *plan;                 /* the plan it started with */
    int current;                             /* the phase under way, -1 before the first */
    struct gate_view gates[PLAN_MAX_PHASES]; /* for phases 0..current */
    size_t nfired;                           /* triggers fired (may exceed FIRED_VIEW_MAX) */
    struct fired_view fired[FIRED_VIEW_MAX];
    enum deploy_status status;
    int signed_approved; /* the latest sign-off says APPROVED */
    int freeze_violated; /* a freeze has an open violation */
};

/* Room for the reasons of a recommendation: one sentence each. */
#define REASONS_MAX 12
#define REASON_LEN  320

struct recommendation_out {
    enum recommendation decision;
    int nreasons;                          /* sentences in reasons */
    char reasons[REASONS_MAX][REASON_LEN]; /* in plain words, most serious first */
};

/* The recommendation and its reasons. */
void deploy_recommend(const struct deploy_facts *f, struct recommendation_out *out);

enum risk_level { RISK_NONE, RISK_LOW, RISK_MEDIUM, RISK_HIGH };
const char *risk_name(enum risk_level r);

struct risk_out {
    enum risk_level technical;           /* LOW, MEDIUM or HIGH */
    char technical_why[REASON_LEN];      /* one sentence */
    enum risk_level user_impact;         /* NONE, LOW, MEDIUM or HIGH */
    double exposure;                     /* the share of users exposed now, 0..100 */
    enum risk_level rollback_complexity; /* LOW, MEDIUM or HIGH */
    char rollback_why[REASON_LEN];       /* one sentence */
};

void deploy_risk(const struct deploy_facts *f, struct risk_out *out);

/* "error_rate avg 0.0004 < 0.001" style text for a criterion's bound, for people. */
void criterion_bound_text(enum crit_op op, double threshold, char *out, size_t size);

#endif
