/*
 * The approval rules, over plain structs and without I/O: who may vote,
 * when a request is granted or denied, who may cancel it, when an
 * execution may be reported, and what a request still needs.
 *
 * Tier 1 is granted on arrival. Tier 2 needs one approve vote from an
 * approver, tier 3 two from two distinct approvers. A request that needs
 * break-glass (a freeze window is in effect) also needs an approve vote
 * from an executive who is not one of the approvers counted. Any deny
 * ends the request. The requester never votes; nobody votes twice.
 *
 * approval_is_granted() is the one place that says whether the votes
 * cast so far grant a request: new conditions belong there.
 */
#ifndef GH_APPROVAL_RULES_H
#define GH_APPROVAL_RULES_H

#include <stdint.h>

#include "error.h"
#include "users.h"

enum approval_status {
    APPROVAL_PENDING,
    APPROVAL_APPROVED,
    APPROVAL_DENIED,
    APPROVAL_EXPIRED,
    APPROVAL_CANCELLED,
};

/* "pending", "approved", ... */
const char *approval_status_name(enum approval_status s);
/* The status named s; -1 when s names none. */
int approval_status_parse(const char *s, enum approval_status *out);

/* Approve votes from approvers a tier needs (tier 1: none). */
int tier_required_approvals(int tier);

/* More votes than a request can take before it is decided, with room to spare. */
#define APPROVAL_MAX_VOTES 8

struct ballot {
    char voter[65]; /* username */
    unsigned roles; /* the voter's roles when the vote was cast */
    int approve;    /* 1 approve, 0 deny */
};

/* What the rules need to know about one request. */
struct approval_facts {
    int tier; /* 1, 2 or 3 */
    enum approval_status status;
    char requested_by[65];      /* username of the requester */
    int required_approvals;     /* approve votes from approvers still counted toward */
    int break_glass_required;   /* an executive's approve vote is needed too */
    int64_t expires_ms;         /* a pending request expires at this time */
    int has_execution;          /* an execution result has been reported */
    int has_contract;           /* the request carries a contract (contracts.h) */
    int has_snapshot;           /* the executor has named its safe-hold snapshot */
    int verification;           /* enum verification_state, or -1 before the execution report */
    int64_t verify_deadline_ms; /* samples may come until then (with a contract, once executed) */
    int rollback_requested;     /* the contract was broken: a rollback was asked for */
    int rollback_reported;      /* and its outcome has been reported */
    int nvotes;
    struct ballot votes[APPROVAL_MAX_VOTES];
};

/*
 * Whether voter (with roles) may cast a vote now: 0, or -1 with err
 * (GH_FORBIDDEN, GH_ALREADY_DECIDED, GH_SELF_APPROVAL, GH_DUPLICATE_VOTE),
 * checked in API.md's order. A pending request past its expiry is already
 * decided: it is only waiting for the worker to mark it expired.
 */
int vote_check(const struct approval_facts *a, const char *voter, unsigned roles, int64_t now_ms,
               struct gh_error *err);

/* Whether the votes cast so far grant the request. */
int approval_is_granted(const struct approval_facts *a);

/* The status after the votes in a: denied on any deny, approved when granted, else pending. */
enum approval_status approval_outcome(const struct approval_facts *a);

/* What a pending request still needs before it can be granted. */
struct approval_needs {
    int approvals;   /* approve votes from (further) approvers */
    int break_glass; /* 1: an executive's approve vote */
};
void approval_needs(const struct approval_facts *a, struct approval_needs *out);

/*
 * Break-glass and freeze windows. A request filed while a window is in
 * effect needs break-glass, and a tier 1 request is then not granted on
 * arrival: it is filed as tier 2 (break_glass_tier). Later, at a vote or
 * a worker run, a pending request of tier 2 or 3 needs break-glass exactly
 * while some window is in effect (break_glass_due): lifting a freeze or
 * its window ending releases it (its tier stays), and a window starting
 * applies to requests filed before it.
 */
int break_glass_tier(int tier, int window_in_effect);
int break_glass_due(const struct approval_facts *a, int window_in_effect);

/* The requester or an admin may cancel a pending request: 0, or -1 with err. */
int cancel_check(const struct approval_facts *a, const char *who, unsigned roles, int64_t now_ms,
                 struct gh_error *err);

/*
 * An execution may be reported once, for an approved request, and — when
 * the request carries a contract — only after the safe-hold snapshot was
 * named: 0, or -1 with err.
 */
int execution_check(const struct approval_facts *a, struct gh_error *err);

/* The safe-hold snapshot may be named once, while approved and not yet executed. */
int snapshot_check(const struct approval_facts *a, struct gh_error *err);
/*
 * Samples for a contract may come after the execution report, while the
 * verification is pending and its deadline has not passed (at now_ms).
 */
int samples_check(const struct approval_facts *a, int64_t now_ms, struct gh_error *err);
/* A rollback's outcome may be reported once, after a rollback was requested. */
int rollback_result_check(const struct approval_facts *a, struct gh_error *err);

#endif
