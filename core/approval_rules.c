/* The approval rules (see approval_rules.h). */
#include "approval_rules.h"

#include <string.h>

static const char *const status_names[] = {"pending", "approved", "denied", "expired", "cancelled"};

const char *approval_status_name(enum approval_status s)
{
    return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "?";
}

int approval_status_parse(const char *s, enum approval_status *out)
{
    for (size_t i = 0; s && i < sizeof(status_names) / sizeof(status_names[0]); i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum approval_status)i;
            return 0;
        }
    return -1;
}

int tier_required_approvals(int tier)
{
    return tier <= 1 ? 0 : tier - 1;
}

/* Past its expiry a request can no longer be decided, whatever its stored status says. */
static int still_open(const struct approval_facts *a, int64_t now_ms)
{
    return a->status == APPROVAL_PENDING && now_ms < a->expires_ms;
}

static int refuse_closed(const struct approval_facts *a, struct gh_error *err)
{
    if (a->status == APPROVAL_PENDING)
        return gh_fail(err, GH_ALREADY_DECIDED, "this request has expired");
    return gh_fail(err, GH_ALREADY_DECIDED, "this request is already %s",
                   approval_status_name(a->status));
}

int vote_check(const struct approval_facts *a, const char *voter, unsigned roles, int64_t now_ms,
               struct gh_error *err)
{
    if (!(roles & (ROLE_APPROVER | ROLE_EXECUTIVE)))
        return gh_fail(err, GH_FORBIDDEN, "voting needs the approver role");
    if (!still_open(a, now_ms))
        return refuse_closed(a, err);
    if (strcmp(voter, a->requested_by) == 0)
        return gh_fail(err, GH_SELF_APPROVAL,
                       "you filed this request, so you cannot vote on it: another approver must");
    for (int i = 0; i < a->nvotes; i++)
        if (strcmp(a->votes[i].voter, voter) == 0)
            return gh_fail(err, GH_DUPLICATE_VOTE, "you have already voted on this request");
    if (!(roles & ROLE_APPROVER) && !a->break_glass_required)
        return gh_fail(err, GH_FORBIDDEN,
                       "this request needs no break-glass vote, so only approvers vote on it");
    if (a->nvotes >= APPROVAL_MAX_VOTES)
        return gh_fail(err, GH_CONFLICT, "this request has taken all the votes it can");
    return 0;
}

/* Approve votes: by approvers, by executives, and by anyone (each voter votes once). */
static void count_approvals(const struct approval_facts *a, int *by_approvers, int *by_executives,
                            int *voters)
{
    *by_approvers = *by_executives = *voters = 0;
    for (int i = 0; i < a->nvotes; i++) {
        if (!a->votes[i].approve)
            continue;
        (*voters)++;
        if (a->votes[i].roles & ROLE_APPROVER)
            (*by_approvers)++;
        if (a->votes[i].roles & ROLE_EXECUTIVE)
            (*by_executives)++;
    }
}

int approval_is_granted(const struct approval_facts *a)
{
    int approvers, executives, voters;

    if (a->tier == 1)
        return 1;
    count_approvals(a, &approvers, &executives, &voters);
    if (approvers < a->required_approvals)
        return 0;
    /*
     * Break-glass: one more person than the approvals counted, and an
     * executive among them. With at least one executive and required+1
     * voters who are each an approver or an executive, some executive can
     * always be left out of the approvers counted.
     */
    if (a->break_glass_required)
        return executives >= 1 && voters >= a->required_approvals + 1;
    return 1;
}

enum approval_status approval_outcome(const struct approval_facts *a)
{
    for (int i = 0; i < a->nvotes; i++)
        if (!a->votes[i].approve)
            return APPROVAL_DENIED;
    return approval_is_granted(a) ? APPROVAL_APPROVED : APPROVAL_PENDING;
}

void approval_needs(const struct approval_facts *a, struct approval_needs *out)
{
    int approvers, executives, voters;

    count_approvals(a, &approvers, &executives, &voters);
    out->approvals = a->required_approvals > approvers ? a->required_approvals - approvers : 0;
    /* Without an executive's vote; or with one, when that executive is also an approver counted. */
    out->break_glass = a->break_glass_required &&
                       (executives == 0 || (out->approvals == 0 && !approval_is_granted(a)));
}

int break_glass_tier(int tier, int window_in_effect)
{
    return window_in_effect && tier == 1 ? 2 : tier;
}

int break_glass_due(const struct approval_facts *a, int window_in_effect)
{
    return a->tier >= 2 && window_in_effect;
}

int cancel_check(const struct approval_facts *a, const char *who, unsigned roles, int64_t now_ms,
                 struct gh_error *err)
{
    if (strcmp(who, a->requested_by) != 0 && !(roles & ROLE_ADMIN))
        return gh_fail(err, GH_FORBIDDEN, "only the requester or an admin may cancel a request");
    if (!still_open(a, now_ms))
        return refuse_closed(a, err);
    return 0;
}

int execution_check(const struct approval_facts *a, struct gh_error *err)
{
    if (a->status == APPROVAL_PENDING)
        return gh_fail(err, GH_CONFLICT, "this request has not been granted yet");
    if (a->status != APPROVAL_APPROVED)
        return refuse_closed(a, err);
    if (a->has_execution)
        return gh_fail(err, GH_CONFLICT, "an execution result has already been reported");
    if (a->has_contract && !a->has_snapshot)
        return gh_fail(err, GH_CONFLICT,
                       "this request carries a contract: name the safe-hold snapshot "
                       "(POST .../snapshot) before reporting the execution");
    return 0;
}

int snapshot_check(const struct approval_facts *a, struct gh_error *err)
{
    if (a->status != APPROVAL_APPROVED)
        return gh_fail(err, GH_CONFLICT,
                       "a snapshot is named for a granted request; this one is %s",
                       approval_status_name(a->status));
    if (a->has_execution)
        return gh_fail(err, GH_CONFLICT,
                       "the execution has been reported: a snapshot is named before acting");
    if (a->has_snapshot)
        return gh_fail(err, GH_CONFLICT, "a snapshot has already been named for this request");
    return 0;
}

int samples_check(const struct approval_facts *a, int64_t now_ms, struct gh_error *err)
{
    static const char *const states[] = {"pending", "verified", "violated", "unverifiable"};

    if (!a->has_contract)
        return gh_fail(err, GH_CONFLICT, "this request carries no contract to verify");
    if (!a->has_execution)
        return gh_fail(err, GH_CONFLICT, "report the execution first: samples verify its outcome");
    if (a->verification > 0 && a->verification < 4)
        return gh_fail(err, GH_CONFLICT, "the contract is already %s", states[a->verification]);
    if (now_ms > a->verify_deadline_ms)
        return gh_fail(err, GH_CONFLICT,
                       "the verification window has closed; the worker decides what is left");
    return 0;
}

int rollback_result_check(const struct approval_facts *a, struct gh_error *err)
{
    if (!a->rollback_requested)
        return gh_fail(err, GH_CONFLICT, "no rollback was requested for this request");
    if (a->rollback_reported)
        return gh_fail(err, GH_CONFLICT, "the rollback's outcome has already been reported");
    return 0;
}
