/*
 * The counters /metrics derives from records: the aggregate job's totals
 * (core/rollups.c keeps stat_totals, the sum of every hour since the first
 * record). They are as fresh as the job's last run (every worker run), and
 * cost one index scan whatever the records' number. Label sets a counter
 * always has are written from zero, so that rate() and increase() see the
 * first event of each.
 */
#include <jansson.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/prom.h"
#include "../core/stats.h"
#include "app.h"

/* One exported family: its rollup, its name and help, its labels renamed where they differ. */
struct counter_family {
    const char *rollup; /* stat_totals.metric */
    const char *name;   /* the Prometheus family */
    const char *help;
    const char *labels[3];   /* label names in the order written (rollup keys, renamed below) */
    const char *rename[3];   /* the rollup's key for each, NULL when the same */
    const char *const *zero; /* label value sets always written: n-tuples, NULL-terminated */
};

static const char *const verdicts_by_tier[] = {
    "approved", "1", "approved", "2", "denied",  "2", "expired",   "2", "cancelled", "2",
    "approved", "3", "denied",   "3", "expired", "3", "cancelled", "3", NULL};
static const char *const outcomes[] = {"succeeded", "failed", NULL};
static const char *const states_by_tier[] = {"verified", "2", "violated", "2", "unverifiable", "2",
                                             "verified", "3", "violated", "3", "unverifiable", "3",
                                             NULL};
static const char *const tiers[] = {"1", "2", "3", NULL};

/* clang-format off */
static const struct counter_family families[] = {
    {"approvals_requested", "gatehouse_approvals_requested_total",
     "Approval requests filed, by tier.", {"tier"}, {NULL}, tiers},
    {"approvals_decided", "gatehouse_approvals_decided_total",
     "Approval requests that ended, by verdict (approved, denied, expired, cancelled) and tier.",
     {"verdict", "tier"}, {NULL, NULL}, verdicts_by_tier},
    {"events_ingested", "gatehouse_events_ingested_total",
     "Events recorded, by type family (the type's first word).", {"type"}, {"family"}, NULL},
    {"webhook_deliveries", "gatehouse_webhook_deliveries_total",
     "Webhook deliveries that ended, by outcome (succeeded, failed).", {"outcome"}, {NULL},
     outcomes},
    {"gate_evaluations", "gatehouse_gate_evaluations_total",
     "Gate evaluations, by phase and result (proceed, blocked).", {"phase", "result"},
     {NULL, NULL}, NULL},
    {"rollbacks_triggered", "gatehouse_rollbacks_triggered_total",
     "Rollback triggers fired, by action.", {"action"}, {NULL}, NULL},
    {"contract_verifications", "gatehouse_contract_verifications_total",
     "Verified actions judged, by state (verified, violated, unverifiable) and tier.",
     {"state", "tier"}, {NULL, NULL}, states_by_tier},
    {"rollbacks_requested", "gatehouse_rollbacks_requested_total",
     "Rollbacks asked of executors after a broken contract, by action type.", {"action_type"},
     {NULL}, NULL},
    {"freeze_violations_opened", "gatehouse_freeze_violations_total",
     "Freeze violations detected, by kind (modified, missing, unexpected).", {"kind"}, {NULL},
     NULL},
};
/* clang-format on */

#define NFAMILIES (sizeof(families) / sizeof(families[0]))

struct total {
    size_t family;
    const char *values[3];
    json_t *labels; /* owns the values' strings */
    double value;
};

struct totals {
    struct total *t;
    size_t n, cap;
};

static void collect(void *arg, const char *metric, const char *labels, double value)
{
    struct totals *all = arg;
    struct total *t;
    size_t f = 0;

    while (f < NFAMILIES && strcmp(families[f].rollup, metric) != 0)
        f++;
    if (f == NFAMILIES)
        return; /* a rollup /metrics does not export (the percentiles, missions) */
    if (all->n == all->cap) {
        all->cap = all->cap ? all->cap * 2 : 64;
        all->t = xreallocarray(all->t, all->cap, sizeof(*all->t));
    }
    t = &all->t[all->n];
    memset(t, 0, sizeof(*t));
    t->family = f;
    t->value = value;
    t->labels = json_loads(labels, 0, NULL);
    for (size_t k = 0; k < 3 && families[f].labels[k]; k++) {
        const char *key = families[f].rename[k] ? families[f].rename[k] : families[f].labels[k];
        t->values[k] = json_string_value(json_object_get(t->labels, key));
        if (t->values[k] == NULL)
            t->values[k] = "";
    }
    all->n++;
}

static int same(const struct total *t, const char *const *values, size_t nlabels)
{
    for (size_t k = 0; k < nlabels; k++)
        if (strcmp(t->values[k], values[k]) != 0)
            return 0;
    return 1;
}

static void sample(struct buf *out, const struct counter_family *f, const char *const *values,
                   size_t nlabels, double value)
{
    const char *labels[7];
    size_t k;

    for (k = 0; k < nlabels; k++) {
        labels[2 * k] = f->labels[k];
        labels[2 * k + 1] = values[k];
    }
    labels[2 * k] = NULL;
    prom_sample(out, f->name, labels, value);
}

int metrics_write_rollup_counters(struct db *db, struct buf *out, struct gh_error *err)
{
    struct totals all = {0};
    int rc = stats_totals(db, collect, &all, err);

    for (size_t f = 0; rc == 0 && f < NFAMILIES; f++) {
        const struct counter_family *fam = &families[f];
        size_t nlabels = 0;
        while (nlabels < 3 && fam->labels[nlabels])
            nlabels++;
        prom_family(out, fam->name, PROM_COUNTER, fam->help);
        /* The label sets it always has, from zero when nothing was counted yet. */
        for (const char *const *z = fam->zero; z && *z; z += nlabels) {
            double value = 0;
            for (size_t i = 0; i < all.n; i++)
                if (all.t[i].family == f && same(&all.t[i], z, nlabels))
                    value = all.t[i].value;
            sample(out, fam, z, nlabels, value);
        }
        for (size_t i = 0; i < all.n; i++) {
            int known = 0;
            if (all.t[i].family != f)
                continue;
            for (const char *const *z = fam->zero; z && *z && !known; z += nlabels)
                known = same(&all.t[i], z, nlabels);
            if (!known)
                sample(out, fam, all.t[i].values, nlabels, all.t[i].value);
        }
    }
    for (size_t i = 0; i < all.n; i++)
        json_decref(all.t[i].labels);
    free(all.t);
    return rc;
}
