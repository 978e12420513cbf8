/*
 * Staged deployments: their storage and every transition (created, metric
 * samples, gate evaluated, rollback triggered, status reported, signed
 * off). Each transition runs in one write transaction that also records
 * its event on the deployment's mission with record_event(), so the
 * ledger entry and the webhook deliveries commit or fail with the change.
 * The judging is the criterion engine's (criteria.h); the rules of status,
 * recommendation and risk are deploy_rules.h's.
 *
 * A deployment keeps a snapshot of its plan. Its phase at a time t is the
 * last phase whose offset has passed (started_at + at_hours <= t); each
 * sample belongs to the phase its time falls in, fixed when it arrives.
 *
 * Windows. A gate judges its phase's samples: those measured from the
 * phase's start up to the evaluation time, and never past the next
 * phase's start (so a later sample cannot change the verdict on a phase
 * that is over). Evaluating a phase that has not begun is a conflict.
 *
 * Speed. As samples arrive, the criterion engine's running aggregates of
 * each (metric, phase) are folded into deployment_aggregates and per-minute
 * rollups into deployment_minutes, and each batch's values of a (metric,
 * phase) into one sorted run (sorted_runs.h), in the same transaction. A
 * gate then reads one row per criterion (and, for p95, the top 5 % of each
 * run) instead of scanning samples; only a window cut short by the
 * evaluation time, with samples measured after it, is read sample by
 * sample.
 */
#ifndef GH_DEPLOYMENTS_H
#define GH_DEPLOYMENTS_H

#include <jansson.h>
#include <stdint.h>

#include "actor.h"
#include "criteria.h"
#include "db.h"
#include "deploy_rules.h"
#include "json.h"
#include "plans.h"
#include "samples.h"

/* A deployment as filed, after validation. Strings are borrowed. */
struct deployment_input {
    const char *id;         /* ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$ */
    const char *name;       /* 1..200 characters */
    const char *plan;       /* a stored plan's name */
    const char *mission_id; /* its events' mission; NULL: the deployment's id */
    int64_t started_ms;     /* when T+0h is (now when not given) */
};

/* Read a POST /api/v1/deployments body; problems go to e. Returns 0 when valid. */
int deployment_parse(json_t *body, int64_t now_ms, struct deployment_input *in,
                     struct field_errors *e);

/*
 * File a deployment on the current revision of its plan. The same id with
 * the same name, plan and start again answers the existing deployment
 * (*created 0); with other content it is GH_CONFLICT. An unknown plan is
 * GH_INVALID. *out receives the deployment (deployment_get's form).
 */
int deployment_create(struct db *db, const struct actor *who, const struct deployment_input *in,
                      json_t **out, int *created, struct gh_error *err);

/*
 * The deployment as the API shows it at now_ms: its plan, status, current
 * phase, every phase with its start and latest decision, the triggers
 * fired and the latest sign-off. GH_NOT_FOUND.
 */
json_t *deployment_get(struct db *db, const char *id, int64_t now_ms, struct gh_error *err);

/* Room for a paging cursor. */
#define DEPLOYMENT_CURSOR_LEN 24

/*
 * A page of deployments, newest first, as summaries (id, name, plan,
 * status, started_at, phase, progress, latest gate); status (NULL: any)
 * filters. A cursor this API did not give out is GH_INVALID.
 */
json_t *deployments_list(struct db *db, const char *status, const char *cursor, int limit,
                         int64_t now_ms, char next[DEPLOYMENT_CURSOR_LEN], struct gh_error *err);

/*
 * Store samples for deployment id in one transaction, with the running
 * aggregates and rollups they feed and one "deployment.metrics" ledger
 * entry naming the batch's SHA-256. GH_NOT_FOUND.
 */
int deployment_ingest(struct db *db, const struct actor *who, const char *id,
                      const struct sample_in *samples, size_t n, struct gh_error *err);

/*
 * Evaluate the gate of phase (NULL: the current one) at who->now_ms and
 * record the decision (gate.evaluated: event, ledger, webhook). The
 * samples are read before the write lock is taken, and the decision is
 * recorded by group commit (never call this inside a write transaction).
 * scheduled marks the worker's one evaluation of a phase, when it ends.
 * *decision receives the Decision of API.md. A phase that has not begun,
 * or a deployment before its first phase, is GH_CONFLICT; an unknown
 * phase GH_INVALID.
 */
int gate_evaluate(struct db *db, const struct actor *who, const char *id, const char *phase,
                  int scheduled, json_t **decision, struct gh_error *err);

/*
 * The worker's part, for every deployment still watched (in_progress or
 * held): evaluate once each phase whose gate is due and that has no
 * scheduled decision yet (*evaluated counts them) — a phase's gate is due
 * when the next phase begins, the last phase's when it begins — and check every
 * rollback trigger at who->now_ms: a sustained breach sets the deployment
 * rolling_back and records rollback.triggered with the trigger and its
 * evidence (*fired counts them).
 */
int deployments_watch(struct db *db, const struct actor *who, int *evaluated, int *fired,
                      struct gh_error *err);

/*
 * An executor's report: rolled_back, held or in_progress, with a comment
 * (deploy_rules.h says which changes are allowed). Records
 * deployment.status_reported. *out receives the deployment.
 */
int deployment_report_status(struct db *db, const struct actor *who, const char *id,
                             const char *status, const char *comment, json_t **out,
                             struct gh_error *err);

/*
 * An executive's sign-off: APPROVED, REJECTED or HOLD with a comment.
 * APPROVED against a ROLLBACK recommendation needs a comment (it is kept
 * as an override). The status follows (approved, rejected, held); records
 * deployment.signed_off. *out receives the sign-off.
 */
int deployment_signoff(struct db *db, const struct actor *who, const char *id, const char *decision,
                       const char *comment, json_t **out, struct gh_error *err);

/*
 * The executive decision report as API.md's JSON: summary, key_metrics
 * (with a series per metric for the charts), gates (the latest
 * gates_limit decisions, oldest first; "gates_total" counts them all),
 * triggers_fired, approvals, risk, recommendation, signoff and record.
 * GH_NOT_FOUND.
 */
json_t *deployment_report(struct db *db, const char *id, int64_t now_ms, int gates_limit,
                          struct gh_error *err);
/* The gate history the API's report lists at most. */
#define REPORT_GATES_MAX 200

#endif
