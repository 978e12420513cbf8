/*
 * Verified actions: an approval may carry a contract — criteria of the
 * same shape as a deployment gate's, judged by the same criterion engine
 * (criteria.h) — and the executor's results are checked against it.
 *
 *   {"criteria": [{"name", "metric", "op", "threshold", "aggregate"}],
 *    "verify_within_seconds": 600}
 *
 * Before it acts, the executor names a safe-hold snapshot it can return
 * to. Its execution report's metrics (numbers by metric name) become
 * samples at the report's time; it may post more samples until
 * verify_within_seconds after the report. After each report and each
 * batch the contract is judged over all the approval's samples (each
 * criterion by the criterion engine, over the running aggregates of its
 * metric, kept as samples arrive):
 *
 *   violated      a criterion that has samples fails: a broken promise is
 *                 acted on at once (action.violated, and
 *                 action.rollback_requested naming the snapshot);
 *   verified      every criterion has samples and passes (action.verified);
 *   pending       otherwise, until the deadline;
 *   unverifiable  at the deadline (the worker's verify-actions job), a
 *                 criterion still has no samples.
 *
 * The first of these that is not pending is final: later samples are
 * refused, not silently ignored. The executor's own "ok" flag decides
 * nothing: only the contract does.
 */
#ifndef GH_CONTRACTS_H
#define GH_CONTRACTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "criteria.h"
#include "db.h"
#include "json.h"

#define CONTRACT_MAX_CRITERIA 50
#define VERIFY_WITHIN_MIN     60
#define VERIFY_WITHIN_MAX     604800 /* a week */

struct contract {
    struct criterion *criteria; /* owned */
    size_t ncriteria;           /* 1..CONTRACT_MAX_CRITERIA */
    int64_t verify_within_s;    /* how long after the report samples may come */
};

/*
 * Read a contract object at path ("contract"); problems name their place
 * ("contract.criteria[2].op"). Release with contract_free (also on failure).
 * Returns 0 when valid.
 */
int contract_parse(json_t *obj, const char *path, struct contract *c, struct field_errors *e);
void contract_free(struct contract *c);
/* The canonical form: {"criteria": [...], "verify_within_seconds": N}. */
json_t *contract_json(const struct contract *c);

enum verification_state {
    VERIFY_PENDING,
    VERIFY_VERIFIED,
    VERIFY_VIOLATED,
    VERIFY_UNVERIFIABLE,
};
const char *verification_state_name(enum verification_state s);
int verification_state_parse(const char *s, enum verification_state *out);

/*
 * The rule above, over the criteria's results (in the contract's order):
 * deadline_passed says whether the verification window has closed.
 */
enum verification_state verification_decide(const struct crit_result *results, size_t n,
                                            int deadline_passed);

/*
 * The verification object of API.md: {"state", "criteria": [<as in a
 * Decision>], "decided_at" (null while pending), "deadline"}.
 */
json_t *verification_json(const struct contract *c, enum verification_state state,
                          const struct crit_result *results, const char *decided_at,
                          const char *deadline);

/* The failed criteria of results, as Decision criteria. */
json_t *contract_failures_json(const struct contract *c, const struct crit_result *results);

/* A safe-hold snapshot as the executor names it, after validation. Strings are borrowed. */
struct snapshot_input {
    const char *snapshot_id; /* 1..200 characters */
    const char *kind;        /* 1..64 characters ("vm-image", "db-backup", ...) */
    int64_t taken_ms;        /* when it was taken (now when not said) */
    json_t *details;         /* an object (borrowed), or NULL */
};
int snapshot_parse(json_t *body, int64_t now_ms, struct snapshot_input *s, struct field_errors *e);

/* A rollback's outcome as the executor reports it. */
struct rollback_input {
    int ok;                           /* whether it restored the snapshot */
    const char *status;               /* e.g. "restored", "failed" */
    const char *restored_snapshot_id; /* what it restored (may differ: say so) */
};
int rollback_result_parse(json_t *body, struct rollback_input *r, struct field_errors *e);

#endif
