/*
 * What the deployment files of core/ share and nobody else needs: a
 * deployment row with its plan, and the windowed reads of its samples
 * (deploy_samples.c) that gates, triggers, the report and its charts use.
 */
#ifndef GH_DEPLOY_STORE_H
#define GH_DEPLOY_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "criteria.h"
#include "db.h"
#include "deploy_rules.h"
#include "plans.h"

/* One deployment as stored. */
struct deployment_row {
    int64_t num;               /* deployments.num: the key of its samples and decisions */
    char id[65];               /* the client's id */
    char name[801];            /* up to 200 characters */
    char mission_id[65];       /* where its events go */
    int64_t started_ms;        /* T+0h */
    char started_at[32];       /* the same, RFC 3339 */
    enum deploy_status status; /* now */
    char status_at[32];        /* when it last changed */
    char status_by[65];        /* who changed it */
    char status_comment[8001]; /* what they said (up to 2000 characters) */
    char created_by[65];
    char created_at[32];
    int64_t plan_revision; /* of plan.name */
    struct plan plan;      /* the snapshot it started with (owned: deployment_row_free) */
};

/* Load deployment id; GH_NOT_FOUND. Release with deployment_row_free(), also on failure. */
int deployment_load(struct db *db, const char *id, struct deployment_row *d, struct gh_error *err);
void deployment_row_free(struct deployment_row *d);

/* The phase of d under way at now_ms, -1 before the first. */
int deployment_phase_at(const struct deployment_row *d, int64_t now_ms);
/* The first and last millisecond of phase i's window at now_ms (see deployments.h). */
void phase_window(const struct deployment_row *d, int i, int64_t now_ms, int64_t *from,
                  int64_t *to);

/* Judge criterion c of phase i at now_ms over the deployment's samples. */
int observe_criterion(struct db *db, const struct deployment_row *d, int i,
                      const struct criterion *c, int64_t now_ms, struct crit_result *out,
                      struct gh_error *err);

/* What the sustained-breach rule sees of trigger t at now_ms. */
int observe_trigger(struct db *db, const struct deployment_row *d, const struct trigger *t,
                    int64_t now_ms, struct trigger_eval *out, struct gh_error *err);

/*
 * The sorted runs of (metric, phase) of deployment dep (deploy_runs.c):
 * add n values as keys (run_key; sorted here) and merge what that
 * completes; read the value k places below the largest (k = 0: the
 * largest) inside the caller's snapshot (db_read_begin); make runs of the
 * samples stored before runs existed (migration 12).
 */
int deploy_runs_add(struct db *db, int64_t dep, const char *metric, int phase, uint64_t *keys,
                    size_t n, struct gh_error *err);
int deploy_runs_kth_largest(struct db *db, int64_t dep, const char *metric, int phase, int64_t k,
                            double *out, struct gh_error *err);
int deploy_runs_fill(struct db *db, struct gh_error *err);

/*
 * A chart of metric over [from, to]: at most points buckets as
 * [[t_ms, avg, min, max], ...] from the per-minute rollups, oldest first.
 */
json_t *metric_series(struct db *db, const struct deployment_row *d, const char *metric,
                      int64_t from, int64_t to, int points, struct gh_error *err);

/* The latest Decision of each phase of d, as an object by phase id. */
json_t *deployment_latest_decisions(struct db *db, const struct deployment_row *d,
                                    struct gh_error *err);
/* Every trigger that fired for d, oldest first: [{"name", "action", "fired_at", "evidence"}]. */
json_t *deployment_triggers_fired(struct db *db, const struct deployment_row *d,
                                  struct gh_error *err);
/* The latest sign-off of d, or JSON null. NULL on error. */
json_t *deployment_latest_signoff(struct db *db, const struct deployment_row *d,
                                  struct gh_error *err);
/* What the rules of deploy_rules.h need to know about d at now_ms (deploy_report.c). */
int deployment_facts(struct db *db, const struct deployment_row *d, int64_t now_ms,
                     struct deploy_facts *f, struct gh_error *err);

/* {"id", "name", "plan", "status", "phase", "url"}: the deployment in a webhook or event. */
json_t *deployment_ref_json(const struct deployment_row *d, const char *public_url, int64_t now_ms);

#endif
