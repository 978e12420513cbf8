/*
 * Users and roles, and the identity a request acts as.
 *
 * Roles are a bit set; a user may hold several. Passwords are Argon2id
 * hashes (crypto.h); a user without one signs in with API tokens only.
 */
#ifndef GH_USERS_H
#define GH_USERS_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "crypto.h"
#include "db.h"

enum role {
    ROLE_VIEWER = 1,    /* read */
    ROLE_REQUESTER = 2, /* file requests, post events, metrics, freeze reports */
    ROLE_APPROVER = 4,  /* vote on tier 2/3 */
    ROLE_EXECUTIVE = 8, /* sign off deployments, break-glass votes */
    ROLE_ADMIN = 16,    /* users, tokens, webhooks, freezes, plans */
};
#define ROLES_ALL 31u

/* "approver,executive" -> bits; err names an unknown role. */
int roles_parse(const char *csv, unsigned *roles, struct gh_error *err);
/* Bits -> "approver,executive" appended to out. */
void roles_format(unsigned roles, struct buf *out);
/* Bits -> ["approver", "executive"]. */
json_t *roles_json(unsigned roles);

/* How a request proved who it is. */
enum auth_via { AUTH_NONE, AUTH_SESSION, AUTH_TOKEN };

/* Who a request acts as. */
struct identity {
    enum auth_via via;        /* AUTH_NONE for anonymous requests */
    int64_t user_id;          /* users.id */
    char username[65];        /* the login name */
    char display_name[801];   /* up to 200 characters of UTF-8 */
    unsigned roles;           /* enum role bits */
    char csrf[TOKEN_B64_LEN]; /* the session's CSRF token (AUTH_SESSION only) */
};

/* ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ */
int valid_username(const char *s);

struct user {
    int64_t id;                                 /* users.id */
    char username[65];                          /* login name */
    char display_name[801];                     /* shown name */
    char password_hash[crypto_pwhash_STRBYTES]; /* "" when the user has none */
    unsigned roles;                             /* enum role bits */
    int disabled;                               /* refused everywhere when set */
};

/*
 * The changes below write their ledger entry ("user.added", ...) in the
 * same transaction, naming actor as who made them.
 */
/* Add a user; GH_CONFLICT if the name is taken. password_hash may be NULL. */
int user_add(struct db *db, const char *actor, const char *username, const char *display_name,
             unsigned roles, const char *password_hash, int64_t *id, struct gh_error *err);
/* Look a user up by name; GH_NOT_FOUND when there is none. */
int user_find(struct db *db, const char *username, struct user *u, struct gh_error *err);
int user_set_roles(struct db *db, const char *actor, const char *username, unsigned roles,
                   struct gh_error *err);
/* Disable a user and end their sessions at once. */
int user_disable(struct db *db, const char *actor, const char *username, struct gh_error *err);
/* Set a new password hash and end the user's sessions. */
int user_set_password(struct db *db, const char *actor, const char *username,
                      const char *password_hash, struct gh_error *err);
/* Replace the hash after a login found its parameters outdated (sessions kept). */
int user_rehash(struct db *db, int64_t id, const char *password_hash, struct gh_error *err);
/* Every user as [{"username", "display_name", "roles", "disabled", "has_password", "created_at"}].
 */
int user_list(struct db *db, json_t **out, struct gh_error *err);

#endif
