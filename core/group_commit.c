/* Group commit: a leader runs the queued requests' work in one transaction (see group_commit.h). */
#include "group_commit.h"

#include <pthread.h>

#include "log.h"

struct group_job {
    db_work_fn work;
    void *arg;
    int rc;              /* work's answer, or the transaction's failure */
    struct gh_error err; /* why, when rc != 0 */
    int done;            /* set by the leader once rc is final */
    pthread_cond_t wake; /* signalled when done, or when it is this job's turn to lead */
    struct group_job *next;
};

void commit_group_init(struct commit_group *g)
{
    pthread_mutex_init(&g->mutex, NULL);
    g->head = NULL;
    g->tail = &g->head;
    g->leading = 0;
}

/* The transaction the jobs shared is gone: every job that had succeeded (or
   never ran) fails with err; a refused one keeps its refusal, still true. */
static void fail_all(struct group_job *jobs, const struct gh_error *err)
{
    for (struct group_job *j = jobs; j; j = j->next)
        if (j->rc == 0) {
            j->rc = -1;
            j->err = *err;
        }
}

/* One transaction: each job in its savepoint, then one commit. */
static void run_transaction(struct db *db, struct group_job *jobs)
{
    static const char savepoint[] = "SAVEPOINT request";
    static const char release[] = "RELEASE request";
    static const char undo[] = "ROLLBACK TO request";
    struct group_job *j;
    struct gh_error err;
    int n = 0;

    if (db_begin_write(db, &err) != 0) {
        fail_all(jobs, &err);
        return;
    }
    for (j = jobs; j; j = j->next, n++) {
        if (db_run(db, savepoint, NULL, &j->err, NULL) != 0) {
            j->rc = -1;
            goto lost;
        }
        j->rc = j->work(db, j->arg, &j->err);
        if (j->rc == 0 && db_run(db, release, NULL, &j->err, NULL) == 0)
            continue;
        if (j->rc == 0)
            j->rc = -1;
        /* Some errors (a full disk, I/O) end the whole transaction. */
        if (sqlite3_get_autocommit(db->conn) || db_run(db, undo, NULL, NULL, NULL) != 0 ||
            db_run(db, release, NULL, NULL, NULL) != 0)
            goto lost;
    }
    if (db_commit(db, &err) != 0) {
        fail_all(jobs, &err);
        return;
    }
    if (n > 1)
        log_debug("group commit: %d requests in one transaction", n);
    return;
lost:
    /* j broke the transaction and keeps its own error; the jobs before it
       lost their changes with it, the ones after it never ran. */
    db_rollback(db);
    gh_fail(&err, GH_UNAVAILABLE, "the database could not keep this change; try again");
    fail_all(jobs, &err);
}

int db_write_grouped(struct db *db, db_work_fn work, void *arg, struct gh_error *err)
{
    struct group_job job = {.work = work, .arg = arg};
    struct commit_group *g = db->group;

    /* Queued behind its own open transaction, a caller would wait forever. */
    if (db->in_write)
        fatal("grouped write inside a write transaction on %s", db->path);
    if (g == NULL) {
        run_transaction(db, &job);
    } else {
        /* Each waiter sleeps on its own condition: a transaction's end wakes
           the threads it answered and the next leader, not every waiter. */
        pthread_cond_init(&job.wake, NULL);
        pthread_mutex_lock(&g->mutex);
        *g->tail = &job;
        g->tail = &job.next;
        while (!job.done) {
            struct group_job *batch, *last, *next;
            int n = 1;

            if (g->leading) {
                pthread_cond_wait(&job.wake, &g->mutex);
                continue;
            }
            /* Lead: take what is queued (this job among it, unless more than a
               transaction's worth came first: then lead again after). */
            g->leading = 1;
            batch = last = g->head;
            while (last->next && n < GROUP_COMMIT_MAX) {
                last = last->next;
                n++;
            }
            g->head = last->next;
            if (g->head == NULL)
                g->tail = &g->head;
            last->next = NULL;
            pthread_mutex_unlock(&g->mutex);
            run_transaction(db, batch);
            pthread_mutex_lock(&g->mutex);
            /* A follower may return (and its job go) once the mutex is free. */
            for (struct group_job *j = batch; j; j = next) {
                next = j->next;
                j->done = 1;
                if (j != &job)
                    pthread_cond_signal(&j->wake);
            }
            g->leading = 0;
            if (g->head && g->head != &job)
                pthread_cond_signal(&g->head->wake); /* its turn to lead */
        }
        pthread_mutex_unlock(&g->mutex);
        pthread_cond_destroy(&job.wake);
    }
    if (job.rc != 0)
        *err = job.err;
    return job.rc;
}
