/*
 * The transitions of verified actions (contracts.h says what a contract is
 * and how it is judged): naming the safe-hold snapshot, judging the
 * execution report and later samples, the deadline, and the rollback's
 * outcome. Each runs in one write transaction with its events on the
 * request's mission, their ledger entries and webhooks:
 *
 *   action.snapshot_taken       the executor named its safe hold
 *   action.verified             every criterion met (webhook)
 *   action.violated             a criterion failed (webhook; data adds
 *                               "failed_criteria")
 *   action.rollback_requested   at once after a violation (webhook; the
 *                               approval carries "rollback" with the
 *                               snapshot to return to)
 *   action.unverifiable         the deadline passed with a criterion unseen
 *   action.rollback_reported    the executor's rollback outcome
 */
#ifndef GH_VERIFIED_ACTIONS_H
#define GH_VERIFIED_ACTIONS_H

#include <jansson.h>
#include <stdint.h>

#include "actor.h"
#include "contracts.h"
#include "db.h"
#include "samples.h"

/* Name the safe-hold snapshot of request id (once, approved, not executed). */
int approval_snapshot(struct db *db, const struct actor *who, int64_t id,
                      const struct snapshot_input *s, json_t **out, struct gh_error *err);

/*
 * Inside the execution report's transaction (approvals.c): when request id
 * carries a contract, store the report's numeric metrics as samples at
 * who->now_ms, open the verification window and judge the contract.
 */
int contract_on_execution(struct db *db, const struct actor *who, int64_t id, json_t *metrics,
                          struct gh_error *err);

/*
 * Add samples to request id's verification and judge it again
 * (samples_check() says when). samples are reordered (by metric).
 */
int approval_post_samples(struct db *db, const struct actor *who, int64_t id,
                          struct sample_in *samples, size_t n, json_t **out, struct gh_error *err);

/* The executor's rollback outcome, once, after a rollback was requested. */
int approval_rollback_result(struct db *db, const struct actor *who, int64_t id,
                             const struct rollback_input *r, json_t **out, struct gh_error *err);

/*
 * The worker's verify-actions job: every verification still pending whose
 * window closed by who->now_ms is judged for the last time (unverifiable
 * when a criterion saw no samples). *count receives how many.
 */
int contracts_expire(struct db *db, const struct actor *who, int batch, int *count,
                     struct gh_error *err);

#endif
