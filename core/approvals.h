/*
 * Approval requests: their storage and every transition (requested,
 * voted, granted, denied, expired, cancelled, executed). Each transition
 * runs in one write transaction that also records its event on the
 * request's mission with record_event(), so the ledger entry and the
 * webhook deliveries commit or fail with the change. The decisions
 * themselves are approval_rules.h's.
 *
 * The approval object is API.md's: {"id", "action_type", "target", "tier",
 * "reason", "mission_id", "params", "status", "requested_by", "created_at",
 * "expires_at", "required_approvals", "break_glass_required", "votes",
 * "decided_at", "decided_by", "execution"}.
 */
#ifndef GH_APPROVALS_H
#define GH_APPROVALS_H

#include <jansson.h>
#include <stdint.h>

#include "actor.h"
#include "approval_rules.h"
#include "crypto.h"
#include "db.h"
#include "json.h"

/* expires_in_seconds may be at most 30 days. */
#define APPROVAL_EXPIRY_MAX 2592000
/* Idempotency keys are remembered this long (the prune job forgets them). */
#define IDEMPOTENCY_KEEP_MS (24LL * 3600 * 1000)

/* A request as filed, after validation. Strings and params are borrowed. */
struct approval_input {
    const char *action_type; /* ^[a-z][a-z0-9_.-]{0,63}$ */
    const char *target;      /* 1..200 characters */
    const char *reason;      /* 0..2000 characters */
    const char *mission_id;  /* NULL when none */
    int tier;                /* 1, 2 or 3 */
    json_t *params;          /* an object */
    long long expires_in_seconds;
    json_t *contract; /* the contract's canonical form (contracts.h), or NULL: owned, see below */
};

/*
 * Read a POST /api/v1/approvals body; problems go to e. Returns 0 when
 * valid. The strings and params are borrowed from body; the contract is a
 * new document: release it with approval_input_free().
 */
int approval_parse(json_t *body, int default_expiry_seconds, struct approval_input *in,
                   struct field_errors *e);
void approval_input_free(struct approval_input *in);

/* The execution result an executor reports. */
struct execution_input {
    int ok;             /* whether the action did what it should */
    const char *status; /* e.g. "succeeded", "failed" */
    int error_resolved; /* 1, 0, or -1 when not said */
    json_t *metrics;    /* an object (borrowed), or NULL */
};
int execution_parse(json_t *body, struct execution_input *x, struct field_errors *e);

/* An Idempotency-Key and the hash of the body it came with. */
struct idempotency {
    const char *key;                            /* NULL: none given */
    unsigned char body_hash[SECRET_HASH_BYTES]; /* of the body's canonical JSON */
};
/* 1..255 printable ASCII characters, no spaces. */
int valid_idempotency_key(const char *s);
/* The hash of body's canonical form (sorted keys, compact), so key order does not matter. */
void idempotency_body_hash(json_t *body, unsigned char out[SECRET_HASH_BYTES]);

/*
 * File a request. *out receives the approval (caller decrefs). With a key
 * seen before from the same user: the same body gets the original answer
 * again (*replayed = 1, nothing written), another body GH_CONFLICT.
 */
int approval_create(struct db *db, const struct actor *who, const struct approval_input *in,
                    const struct idempotency *idem, json_t **out, int *replayed,
                    struct gh_error *err);

/* The approval object; GH_NOT_FOUND. */
json_t *approval_get(struct db *db, int64_t id, struct gh_error *err);
/* What the rules need to know about request id; GH_NOT_FOUND. */
int approval_facts_load(struct db *db, int64_t id, struct approval_facts *f, struct gh_error *err);

/* Vote; *out receives the updated approval. Refusals as vote_check(). */
int approval_vote(struct db *db, const struct actor *who, int64_t id, int approve,
                  const char *comment, json_t **out, struct gh_error *err);
/* Cancel a pending request (the requester or an admin). */
int approval_cancel(struct db *db, const struct actor *who, int64_t id, json_t **out,
                    struct gh_error *err);
/* Record the execution result of an approved request, once. */
int approval_report_execution(struct db *db, const struct actor *who, int64_t id,
                              const struct execution_input *x, json_t **out, struct gh_error *err);

/*
 * Mark every pending request whose expiry has passed (at who->now_ms) as
 * expired, recording approval.expired for each, in transactions of at
 * most batch requests. *count receives how many.
 */
int approvals_expire(struct db *db, const struct actor *who, int batch, int *count,
                     struct gh_error *err);

/*
 * Break-glass follows the freeze windows (approval_rules.h): a request
 * filed during a window needs it, and when windows start or end, pending
 * requests are re-evaluated at their next vote, or here, at the worker's
 * next run: pending tier 2/3 requests without break-glass get it while a
 * window is in effect (approval.break_glass_required); requests with it
 * lose it when none is (approval.break_glass_released), and those whose
 * votes then suffice are granted by the system (approval.granted). In
 * transactions of at most batch requests; *changed and *granted receive
 * how many.
 */
int approvals_sync_break_glass(struct db *db, const struct actor *who, int batch, int *changed,
                               int *granted, struct gh_error *err);

/* Forget idempotency keys older than before_ms; *count receives how many. */
int idempotency_prune(struct db *db, int64_t before_ms, int *count, struct gh_error *err);

/* Filters of lists: NULL / 0 for any. */
struct approval_filter {
    const char *status;
    const char *mission_id;
    int tier;
    const char *verification; /* a verification state (contracts.h) */
};

/* Room for a paging cursor. */
#define APPROVAL_CURSOR_LEN 48

/* Newest first (the API's list). A cursor this API did not give out is GH_INVALID. */
json_t *approvals_list(struct db *db, const struct approval_filter *f, const char *cursor,
                       int limit, char next[APPROVAL_CURSOR_LEN], struct gh_error *err);
/*
 * A request as the list pages show it. The strings are the row's: valid
 * only while the visit runs. mission_id, decided_at, decided_by and
 * verification_state are NULL when the request has none.
 */
struct approval_summary {
    int64_t id;
    int tier;
    const char *action_type, *target, *status, *requested_by, *created_at, *expires_at;
    const char *mission_id, *decided_at, *decided_by, *verification_state;
};

/* Called with each request of a list page, in order, as it is read. */
typedef void approval_visit(const struct approval_summary *s, void *arg);

/*
 * The list pages' parts, row by row: no object is built for a page to read
 * back (the page fills its template from the row). Each returns how many
 * it visited, -1 on error; a cursor this site did not give out is
 * GH_INVALID. Pending requests, oldest first (f->status is ignored):
 */
int approvals_pending(struct db *db, const struct approval_filter *f, const char *cursor, int limit,
                      char next[APPROVAL_CURSOR_LEN], approval_visit *visit, void *arg,
                      struct gh_error *err);
/*
 * The limit pending requests whose deadline comes first after now_ms,
 * soonest first (one past its deadline can no longer be voted on, whether
 * or not the worker has marked it expired yet).
 */
int approvals_expiring(struct db *db, int64_t now_ms, int limit, approval_visit *visit, void *arg,
                       struct gh_error *err);
/* and decided requests, most recently decided first. */
int approvals_decided(struct db *db, const struct approval_filter *f, const char *cursor, int limit,
                      char next[APPROVAL_CURSOR_LEN], approval_visit *visit, void *arg,
                      struct gh_error *err);
/* How many pending requests f lets through (f->status is ignored). */
int approvals_pending_count(struct db *db, const struct approval_filter *f, int64_t *count,
                            struct gh_error *err);

/* The statuses of a request, in the order approval_gauges counts them. */
#define APPROVAL_STATUSES 5
extern const char *const approval_status_names[APPROVAL_STATUSES];

/* What /metrics shows of the approvals, from two indexed queries. */
struct approval_gauges {
    int64_t by_status[APPROVAL_STATUSES]; /* requests in each status */
    int64_t oldest_pending_ms[3];         /* per tier 1..3: the oldest pending request's
                                             created_at, 0 when none waits */
};
int approval_gauges_read(struct db *db, struct approval_gauges *g, struct gh_error *err);

#endif
