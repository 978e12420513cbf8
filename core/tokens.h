/*
 * API tokens: "gh_" + 256 random bits in base64url, shown once when
 * created, stored only as a hash, carrying their user's roles, revocable.
 */
#ifndef GH_TOKENS_H
#define GH_TOKENS_H

#include "users.h"

/* "gh_" + TOKEN_B64_LEN - 1 characters + NUL */
#define API_TOKEN_LEN (3 + TOKEN_B64_LEN)

/* Creating and revoking write "token.created" / "token.revoked" to the ledger, never the secret. */
/* Create a token for username; GH_NOT_FOUND without such a user. */
int token_create(struct db *db, const char *actor, const char *username, const char *name,
                 char token_out[API_TOKEN_LEN], int64_t *id, struct gh_error *err);
/* Resolve a presented token; GH_NOT_FOUND when unknown, revoked or its user is disabled. */
int token_resolve(struct db *db, const char *token, int64_t now_ms, struct identity *id,
                  struct gh_error *err);
/* [{"id", "name", "username", "created_at", "last_used_at", "revoked_at"}], never secrets. */
int token_list(struct db *db, json_t **out, struct gh_error *err);
/* Revoke; GH_NOT_FOUND when no live token has this id. */
int token_revoke(struct db *db, const char *actor, int64_t token_id, struct gh_error *err);

#endif
