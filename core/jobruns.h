/*
 * The worker's bookkeeping in the database: a lease per job, so that two
 * workers started together never run the same job at once (a crashed
 * holder's lease simply lapses), and a record of every run (start, end,
 * outcome, summary, error).
 */
#ifndef GH_JOBRUNS_H
#define GH_JOBRUNS_H

#include <stdint.h>

#include "db.h"

/* 1 when holder now holds job's lease until now + ttl_ms, 0 when another holds it, -1 on error. */
int lease_take(struct db *db, const char *job, const char *holder, int64_t now_ms, int64_t ttl_ms,
               struct gh_error *err);
/* Give the lease back (only if holder still has it). */
int lease_release(struct db *db, const char *job, const char *holder, struct gh_error *err);
/* Whether job is due: no successful run started within period_s before now. */
int job_due(struct db *db, const char *job, int64_t now_ms, int period_s, int *due,
            struct gh_error *err);
/* Record a run's start; *id identifies it for run_end(). */
int run_start(struct db *db, const char *job, int64_t now_ms, int64_t *id, struct gh_error *err);
/* Record its end: ok (1) or failed (0), with the summary or the error. */
int run_end(struct db *db, int64_t id, int ok, const char *summary, const char *error,
            struct gh_error *err);

#endif
