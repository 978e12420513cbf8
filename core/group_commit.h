/*
 * Group commit: several requests' writes in one transaction, one fsync.
 *
 * With synchronous=FULL every commit waits for the disk, and the disk
 * allows a few thousand of those a second at best. Requests that arrive
 * while a commit is under way queue in their process; when it is done one
 * of them leads: it takes the write lock, runs every queued request's work
 * in one transaction, each in its own savepoint, commits once and wakes
 * them all. A request that is alone runs at once, as before.
 *
 * Each request's work is isolated: if it fails (a refusal, a constraint),
 * its savepoint is rolled back and the others keep their changes. It
 * answers only after the commit, so what it says is durable.
 *
 * The work runs on the leading thread's connection, so it must use only
 * the db it is given and its arg (no thread-local state, no nested
 * db_begin_write / db_commit). Log lines it writes carry the leading
 * thread's request id.
 */
#ifndef GH_GROUP_COMMIT_H
#define GH_GROUP_COMMIT_H

#include <pthread.h>

#include "db.h"
#include "error.h"

/* The most requests one transaction carries; more wait for the next one. */
#define GROUP_COMMIT_MAX 64

struct group_job;

/* This process's requests for one database file (db.c keeps one per file). */
struct commit_group {
    pthread_mutex_t mutex;
    struct group_job *head, **tail; /* queued, first to come first */
    int leading;                    /* a thread is running a transaction for the group */
};

void commit_group_init(struct commit_group *g);

/* A request's writes: 0 to keep them, -1 with err to have them undone. */
typedef int (*db_work_fn)(struct db *db, void *arg, struct gh_error *err);

/*
 * Run work(db', arg, err) in a write transaction shared with the other
 * requests of this process queued meanwhile. Returns 0 once its changes
 * are committed; -1 with err if work failed (its changes undone) or the
 * transaction could not be begun or committed (nothing of it kept).
 * Never call it inside a write transaction of db (that stops the program).
 */
int db_write_grouped(struct db *db, db_work_fn work, void *arg, struct gh_error *err);

#endif
