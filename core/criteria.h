/*
 * The criterion engine: what "error_rate < 0.001 (avg)" means, for every
 * caller. Deployment gates, rollback triggers and approval contracts are
 * all judged here, by pure functions over plain structs, so that there is
 * one meaning of an operator, an aggregate and a sustained breach.
 *
 * A criterion names a metric, an operator, a threshold and an aggregate.
 * The aggregate turns the samples of a window into one observed value:
 *
 *   last   the value of the latest sample (ties: the one that arrived last)
 *   min    the smallest value           max  the largest value
 *   avg    the arithmetic mean          sum  the total
 *   count  how many samples there are
 *   p95    the 95th percentile by nearest rank: sort the n values
 *          ascending and take the one at 1-based rank ceil(0.95 * n)
 *          (of 20 values the 19th, of 1 value that value)
 *
 * A window without samples observes nothing (JSON null) and the criterion
 * fails, whatever its operator: no evidence is never a pass. That holds
 * for count too: "count >= 1" over an empty window fails because there is
 * nothing to count, and says so.
 *
 * The aggregates other than p95 are kept as a running struct agg_state,
 * so that a store can fold samples in as they arrive (one row per window
 * instead of a scan per evaluation); p95 needs the k-th largest value,
 * which the caller supplies (from an index, or criteria_p95 over an array).
 */
#ifndef GH_CRITERIA_H
#define GH_CRITERIA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

enum crit_op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE };
enum crit_agg { AGG_LAST, AGG_MIN, AGG_MAX, AGG_AVG, AGG_SUM, AGG_COUNT, AGG_P95 };

/* "<", "<=", ... and "last", "min", ...; NULL for a value out of range. */
const char *crit_op_name(enum crit_op op);
const char *crit_agg_name(enum crit_agg agg);
/* Parse a name; -1 when it is not one of them. */
int crit_op_parse(const char *s, enum crit_op *out);
int crit_agg_parse(const char *s, enum crit_agg *out);

/* Room for a criterion or trigger name, and for a metric name, with the NUL. */
#define CRIT_NAME_LEN   65
#define CRIT_METRIC_LEN 65

/* ^[a-z][a-z0-9_.]{0,63}$: metric names as samples and criteria spell them. */
int valid_metric_name(const char *s);

struct criterion {
    char name[CRIT_NAME_LEN];     /* what a blocker is called ("tag_detection") */
    char metric[CRIT_METRIC_LEN]; /* the samples it reads ("tag_accuracy") */
    enum crit_op op;              /* observed OP threshold must hold */
    double threshold;             /* the bound */
    enum crit_agg aggregate;      /* how the window's samples become one value */
    int critical;                 /* its failure recommends a rollback (plans only) */
};

/* One measurement. */
struct sample {
    int64_t at_ms; /* when it was measured */
    double value;  /* finite */
};

/* The running aggregates of a window, folded one sample at a time. */
struct agg_state {
    int64_t count;   /* samples folded in */
    double sum;      /* their total */
    double min, max; /* their extremes (meaningless while count is 0) */
    int64_t last_at; /* the latest sample's time */
    double last;     /* and its value (a later arrival at the same time wins) */
};

#define AGG_STATE_INIT                                                                             \
    {                                                                                              \
        0, 0, 0, 0, 0, 0                                                                           \
    }

/* Fold one sample in (samples may come in any order). */
void agg_add(struct agg_state *s, int64_t at_ms, double value);
/* Fold b into a, as if b's samples had come after a's. */
void agg_merge(struct agg_state *a, const struct agg_state *b);

/*
 * The observed value of aggregate over the window s describes: 1 with
 * *out set, 0 when the window is empty. For AGG_P95 the caller passes the
 * percentile in p95 (criteria_p95, or the store's own); it is ignored for
 * the others.
 */
int agg_value(const struct agg_state *s, enum crit_agg aggregate, double p95, double *out);

/* The 1-based nearest rank of percentile pct among n values sorted ascending: ceil(pct n / 100). */
int64_t percentile_rank(int64_t n, int pct);
/* The 1-based rank p95 takes among n values sorted ascending: ceil(0.95 * n). */
int64_t p95_rank(int64_t n);
/* The 95th percentile of values (reordered in place); n must be at least 1. */
double criteria_p95(double *values, size_t n);

/* Whether observed OP threshold holds (== and != compare exactly). */
int crit_holds(enum crit_op op, double observed, double threshold);

/* A criterion judged over one window. */
struct crit_result {
    int observed_set; /* 0: no samples, observed is null and the criterion failed */
    double observed;  /* the aggregate */
    int passed;       /* observed_set and the bound holds */
};

/* Judge c over an aggregate state (p95 as agg_value takes it). */
void criterion_judge(const struct criterion *c, const struct agg_state *s, double p95,
                     struct crit_result *out);
/* Judge c over the samples of a window (any order; not modified). */
void criterion_evaluate(const struct criterion *c, const struct sample *samples, size_t n,
                        struct crit_result *out);

/*
 * {"name", "metric", "op", "threshold", "aggregate", "observed", "passed"}:
 * one entry of a Decision's criteria, as API.md shows it.
 */
json_t *crit_result_json(const struct criterion *c, const struct crit_result *r);

/* The plan form of a criterion: {"name", "metric", "op", "threshold", "aggregate", "critical"}. */
json_t *criterion_json(const struct criterion *c);

/*
 * Read one criterion object ({"name", "metric", "op", "threshold",
 * "aggregate" (default "last"), and "critical" when allow_critical}),
 * recording problems in e under path ("phases[1].criteria[0]"). Returns 0
 * when valid.
 */
int criterion_parse(json_t *obj, const char *path, int allow_critical, struct criterion *c,
                    struct field_errors *e);

/*
 * Read a list of criteria (an array of 1..max objects, names unique) at
 * path ("criteria"). *out (caller frees) receives them and *n their count.
 * Returns 0 when valid.
 */
int criteria_parse_list(json_t *arr, const char *path, size_t max, int allow_critical,
                        struct criterion **out, size_t *n, struct field_errors *e);

/*
 * A rollback trigger: the bound is breached when observed OP threshold
 * holds for a sample ("error_rate > 0.01"), and the trigger fires at time
 * now when the breach is sustained for for_seconds:
 *
 *   - at least one sample lies in (now - for_seconds, now],
 *   - every sample in that window breaches the bound,
 *   - and the last sample at or before now - for_seconds breaches it too,
 *     so the breach began at least for_seconds ago.
 *
 * With for_seconds 0 the latest sample at or before now alone decides.
 */
struct trigger {
    char name[CRIT_NAME_LEN];     /* "error_rate_spike" */
    char metric[CRIT_METRIC_LEN]; /* the samples it reads */
    enum crit_op op;              /* a sample breaches when value OP threshold holds */
    double threshold;             /* the bound */
    int64_t for_seconds;          /* how long the breach must last (0..86400) */
    char action[33];              /* what the executor should do ("immediate_rollback") */
};

/* The actions a trigger may ask for. */
int valid_trigger_action(const char *s);

/* What the sustained-breach rule saw. */
struct trigger_eval {
    int fired;           /* the breach is sustained at now */
    int64_t window;      /* samples in (now - for_seconds, now] (or 1: the latest, for 0 s) */
    int64_t breaching;   /* of them, how many breach the bound */
    int has_before;      /* a sample at or before now - for_seconds exists */
    double before_value; /* its value */
    double last_value;   /* the latest sample at or before now (when window > 0) */
    int64_t last_at;     /* and its time */
};

/*
 * Apply the rule to what a store found: the samples in the window, and the
 * last one at or before its start (NULL when there is none). For
 * for_seconds 0, window holds the latest sample at or before now (or n 0).
 */
void trigger_judge(const struct trigger *t, int64_t now_ms, const struct sample *window, size_t n,
                   const struct sample *before, struct trigger_eval *out);
/* The same over every sample of the metric (any order; not modified). */
void trigger_evaluate(const struct trigger *t, int64_t now_ms, const struct sample *samples,
                      size_t n, struct trigger_eval *out);

/* {"name", "metric", "op", "threshold", "for_seconds", "action"}. */
json_t *trigger_json(const struct trigger *t);
/* Read one trigger object at path; 0 when valid. */
int trigger_parse(json_t *obj, const char *path, struct trigger *t, struct field_errors *e);

#endif
