/* The rules of a staged deployment (see deploy_rules.h). */
#include "deploy_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const status_names[] = {"in_progress", "held",     "rolling_back",
                                           "rolled_back", "approved", "rejected"};
static const char *const signoff_names[] = {"APPROVED", "REJECTED", "HOLD"};
static const char *const recommendation_names[] = {"APPROVE", "HOLD", "ROLLBACK"};
static const char *const risk_names[] = {"NONE", "LOW", "MEDIUM", "HIGH"};

const char *deploy_status_name(enum deploy_status s)
{
    return (unsigned)s < COUNT(status_names) ? status_names[s] : "?";
}

int deploy_status_parse(const char *s, enum deploy_status *out)
{
    for (size_t i = 0; s && i < COUNT(status_names); i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum deploy_status)i;
            return 0;
        }
    return -1;
}

int deploy_status_final(enum deploy_status s)
{
    return s == DEP_ROLLED_BACK || s == DEP_APPROVED || s == DEP_REJECTED;
}

int status_report_check(enum deploy_status from, enum deploy_status to, struct gh_error *err)
{
    if (to != DEP_ROLLED_BACK && to != DEP_HELD && to != DEP_IN_PROGRESS)
        return gh_fail_field(err, GH_INVALID, "status",
                             "an executor reports rolled_back, held or in_progress");
    if (deploy_status_final(from))
        return gh_fail(err, GH_CONFLICT, "the deployment is already %s", deploy_status_name(from));
    if (from == to)
        return gh_fail(err, GH_CONFLICT, "the deployment is already %s", deploy_status_name(from));
    if (to == DEP_HELD && from != DEP_IN_PROGRESS)
        return gh_fail(err, GH_CONFLICT,
                       "a deployment that is rolling back cannot be held: report rolled_back, or "
                       "in_progress to call the rollback off");
    return 0;
}

const char *signoff_name(enum signoff_decision d)
{
    return (unsigned)d < COUNT(signoff_names) ? signoff_names[d] : "?";
}

int signoff_parse(const char *s, enum signoff_decision *out)
{
    for (size_t i = 0; s && i < COUNT(signoff_names); i++)
        if (strcmp(s, signoff_names[i]) == 0) {
            *out = (enum signoff_decision)i;
            return 0;
        }
    return -1;
}

enum deploy_status signoff_status(enum signoff_decision d)
{
    return d == SIGNOFF_APPROVED ? DEP_APPROVED : d == SIGNOFF_REJECTED ? DEP_REJECTED : DEP_HELD;
}

const char *recommendation_name(enum recommendation r)
{
    return (unsigned)r < COUNT(recommendation_names) ? recommendation_names[r] : "?";
}

const char *risk_name(enum risk_level r)
{
    return (unsigned)r < COUNT(risk_names) ? risk_names[r] : "?";
}

void criterion_bound_text(enum crit_op op, double threshold, char *out, size_t size)
{
    snprintf(out, size, "%s %g", crit_op_name(op), threshold);
}

/* "above", "below"...: how a trigger's breach reads in a sentence. */
static const char *op_words(enum crit_op op)
{
    switch (op) {
    case OP_LT:
        return "below";
    case OP_LE:
        return "at or below";
    case OP_GT:
        return "above";
    case OP_GE:
        return "at or above";
    case OP_EQ:
        return "equal to";
    case OP_NE:
        return "different from";
    }
    return "?";
}

static void add_reason(struct recommendation_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_reason(struct recommendation_out *out, const char *fmt, ...)
{
    va_list ap;

    if (out->nreasons == REASONS_MAX)
        return;
    va_start(ap, fmt);
    vsnprintf(out->reasons[out->nreasons++], REASON_LEN, fmt, ap);
    va_end(ap);
}

/* "tag_accuracy last 0.93, needs > 0.95" or "no tag_accuracy samples, needs > 0.95". */
static void failure_text(const struct failed_criterion *c, char *out, size_t size)
{
    char bound[64];

    criterion_bound_text(c->op, c->threshold, bound, sizeof(bound));
    if (c->observed_set)
        snprintf(out, size, "%s %s %g, needs %s", c->metric, crit_agg_name(c->aggregate),
                 c->observed, bound);
    else
        snprintf(out, size, "no %s samples, needs %s", c->metric, bound);
}

static const struct phase *phase_of(const struct deploy_facts *f, int i)
{
    return &f->plan->phases[i];
}

void deploy_recommend(const struct deploy_facts *f, struct recommendation_out *out)
{
    size_t shown_fired = f->nfired < FIRED_VIEW_MAX ? f->nfired : FIRED_VIEW_MAX;
    int critical = 0, blocked = 0, undecided = 0;
    char text[200];

    memset(out, 0, sizeof(*out));
    /* Most serious first: triggers, critical failures, then blocked or open gates. */
    for (size_t i = 0; i < shown_fired; i++) {
        const struct fired_view *t = &f->fired[i];
        add_reason(out,
                   "Rollback trigger %s fired: %s stayed %s %g for %lld s (latest %g); it asks "
                   "for %s.",
                   t->name, t->metric, op_words(t->op), t->threshold, (long long)t->for_seconds,
                   t->last_value, t->action);
    }
    if (f->nfired > shown_fired)
        add_reason(out, "%zu more rollback triggers fired.", f->nfired - shown_fired);
    for (int i = 0; i <= f->current; i++) {
        const struct gate_view *g = &f->gates[i];
        size_t shown = g->nfailed < GATE_VIEW_FAILED ? g->nfailed : GATE_VIEW_FAILED;
        for (size_t c = 0; g->decided && c < shown; c++)
            if (g->failed[c].critical) {
                critical++;
                failure_text(&g->failed[c], text, sizeof(text));
                add_reason(out, "Critical criterion %s failed at gate %s (%s): %s.",
                           g->failed[c].name, phase_of(f, i)->id, phase_of(f, i)->title, text);
            }
    }
    for (int i = 0; i <= f->current; i++) {
        const struct gate_view *g = &f->gates[i];
        const struct phase *ph = phase_of(f, i);
        if (!g->decided && i < f->current) {
            undecided++;
            add_reason(out, "Phase %s (%s) has ended but its gate was never evaluated.", ph->id,
                       ph->title);
        } else if (g->decided && !g->proceed) {
            size_t shown = g->nfailed < GATE_VIEW_FAILED ? g->nfailed : GATE_VIEW_FAILED;
            blocked++;
            for (size_t c = 0; c < shown; c++) {
                if (g->failed[c].critical)
                    continue; /* already said */
                failure_text(&g->failed[c], text, sizeof(text));
                add_reason(out, "Gate %s (%s) is blocked by %s: %s.", ph->id, ph->title,
                           g->failed[c].name, text);
            }
        }
    }
    if (f->nfired > 0 || critical > 0) {
        out->decision = REC_ROLLBACK;
        return;
    }
    if (f->current < 0) {
        out->decision = REC_HOLD;
        add_reason(out, "The deployment has not reached its first phase yet.");
        return;
    }
    if (blocked || undecided) {
        out->decision = REC_HOLD;
        return;
    }
    out->decision = REC_APPROVE;
    {
        int decided = 0;
        for (int i = 0; i <= f->current; i++)
            decided += f->gates[i].decided;
        add_reason(out,
                   "Every gate decided so far proceeded (%d of %zu phases) and no rollback "
                   "trigger fired.",
                   decided, f->plan->nphases);
    }
    if (!f->gates[f->current].decided)
        add_reason(out, "Phase %s (%s) is under way; its gate is judged when it ends.",
                   phase_of(f, f->current)->id, phase_of(f, f->current)->title);
    if ((size_t)f->current + 1 < f->plan->nphases)
        add_reason(out, "Phase %s (%s) and later phases have not begun yet.",
                   phase_of(f, f->current + 1)->id, phase_of(f, f->current + 1)->title);
    if (f->status == DEP_ROLLING_BACK || f->status == DEP_ROLLED_BACK)
        add_reason(out, "The executor reports the deployment %s.", deploy_status_name(f->status));
}

void deploy_risk(const struct deploy_facts *f, struct risk_out *out)
{
    struct recommendation_out rec;
    int blocked = 0, undecided = 0;

    memset(out, 0, sizeof(*out));
    deploy_recommend(f, &rec);
    for (int i = 0; i <= f->current; i++) {
        blocked += f->gates[i].decided && !f->gates[i].proceed;
        undecided += !f->gates[i].decided && i < f->current;
    }
    if (rec.decision == REC_ROLLBACK) {
        out->technical = RISK_HIGH;
        snprintf(out->technical_why, REASON_LEN, "%s",
                 f->nfired ? "A rollback trigger fired." : "A critical criterion failed.");
    } else if (blocked || undecided || f->freeze_violated) {
        out->technical = RISK_MEDIUM;
        snprintf(out->technical_why, REASON_LEN, "%s",
                 blocked              ? "A gate is blocked."
                 : f->freeze_violated ? "A frozen artifact has changed."
                                      : "A phase ended without a gate decision.");
    } else {
        out->technical = RISK_LOW;
        snprintf(out->technical_why, REASON_LEN,
                 "Every gate so far proceeded and no rollback trigger fired.");
    }

    out->exposure = f->current >= 0 ? phase_of(f, f->current)->exposure : 0;
    out->user_impact = out->exposure <= 0    ? RISK_NONE
                       : out->exposure <= 5  ? RISK_LOW
                       : out->exposure <= 25 ? RISK_MEDIUM
                                             : RISK_HIGH;

    if (f->signed_approved || f->status == DEP_APPROVED) {
        out->rollback_complexity = RISK_HIGH;
        snprintf(out->rollback_why, REASON_LEN,
                 "Signed off APPROVED: the feature flag is retired, so rolling back means a new "
                 "release.");
    } else if (out->exposure >= 100) {
        out->rollback_complexity = RISK_MEDIUM;
        snprintf(out->rollback_why, REASON_LEN,
                 "Every user is exposed: turning the feature flag off switches all of them back "
                 "at once.");
    } else {
        out->rollback_complexity = RISK_LOW;
        snprintf(out->rollback_why, REASON_LEN,
                 "%g %% of users are exposed: turning the feature flag off undoes the change.",
                 out->exposure);
    }
}
