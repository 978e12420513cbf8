/*
 * Login throttling. Failures are rows in SQLite, so the limits hold across
 * every worker process: after user_limit failures for one username, or
 * addr_limit from one client address, within window_seconds, further
 * attempts are refused until the oldest counted failure leaves the window.
 * A successful login clears the username's failures.
 */
#ifndef GH_THROTTLE_H
#define GH_THROTTLE_H

#include "db.h"

struct throttle_limits {
    int user_limit;     /* failures per username (5) */
    int addr_limit;     /* failures per client address (20) */
    int window_seconds; /* the window (900) */
};

/* 0 when an attempt may go ahead; 1 when refused, with *retry_after_s set; -1 on error. */
int throttle_check(struct db *db, const struct throttle_limits *lim, const char *username,
                   const char *addr, int64_t now_ms, int *retry_after_s, struct gh_error *err);
/* Count a failed attempt (and forget failures older than the window). */
int throttle_fail(struct db *db, const struct throttle_limits *lim, const char *username,
                  const char *addr, int64_t now_ms, struct gh_error *err);
/* Clear the username's failures after a successful login. */
int throttle_success(struct db *db, const char *username, struct gh_error *err);

#endif
