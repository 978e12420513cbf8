/*
 * Browser sessions. The cookie holds 256 random bits; the database holds
 * only their hash, the user, a CSRF token and two times: a session ends
 * after idle_seconds without use or max_seconds after sign-in, whichever
 * comes first, and at once on sign-out or when its user is disabled.
 */
#ifndef GH_SESSIONS_H
#define GH_SESSIONS_H

#include "users.h"

/* Start a session for user_id: token_out goes into the cookie, csrf_out into forms. */
int session_create(struct db *db, int64_t user_id, int64_t now_ms, char token_out[TOKEN_B64_LEN],
                   char csrf_out[TOKEN_B64_LEN], struct gh_error *err);
/*
 * Find the live session for token and fill id. GH_NOT_FOUND when there is
 * none, it expired (it is deleted then), or its user is disabled. Refreshes
 * the idle clock at most every min(60 s, idle/4) to keep reads read-only.
 */
int session_resolve(struct db *db, const char *token, int64_t now_ms, int idle_seconds,
                    int max_seconds, struct identity *id, struct gh_error *err);
/* End the session for token (no error when there is none). */
int session_end(struct db *db, const char *token, struct gh_error *err);
/* Delete every session past its idle or absolute limit; *count receives how many. */
int sessions_prune(struct db *db, int64_t now_ms, int idle_seconds, int max_seconds, int *count,
                   struct gh_error *err);

#endif
