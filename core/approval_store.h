/*
 * What the approval files of core/ share and nobody else needs: recording
 * a transition's event, and running a transition by group commit.
 * approvals.c holds the tier rules' transitions, verified_actions.c the
 * contracts'.
 */
#ifndef GH_APPROVAL_STORE_H
#define GH_APPROVAL_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "actor.h"
#include "db.h"
#include "group_commit.h"

/*
 * Record the event of a transition of request id (already written), with
 * the approval as it now is: on the timeline and in the ledger, and to
 * webhooks as the approval plus the url of its page and the members of
 * extra (borrowed, may be NULL: "failed_criteria" for a broken contract).
 * *out (may be NULL) receives the approval.
 */
int approval_record(struct db *db, const struct actor *who, const char *actor, const char *type,
                    int64_t id, json_t *extra, json_t **out, struct gh_error *err);

/*
 * A transition's work: run it in a transaction shared with other requests
 * (group commit; the work runs in its own savepoint, maybe on another
 * thread's connection). When the change does not commit, the answer
 * prepared in *out goes too.
 */
int approval_run(struct db *db, db_work_fn work, void *arg, json_t **out, struct gh_error *err);

/* What approvals_due_run does to each due request, inside its batch's transaction. */
typedef int (*approval_due_fn)(struct db *db, const struct actor *who, int64_t id,
                               struct gh_error *err);

/*
 * Apply fn to every request due_sql selects (a column of ids, binding
 * :now from who and :n, the batch), up to batch a write transaction so
 * that the write lock is short even after a long outage, until a batch
 * comes back short. *count receives how many were done.
 */
int approvals_due_run(struct db *db, const struct actor *who, const char *due_sql, int batch,
                      approval_due_fn fn, int *count, struct gh_error *err);

#endif
