/* API tokens (see tokens.h). */
#include "tokens.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "echo.h"
#include "json.h"
#include "ledger.h"
#include "timeutil.h"

int token_create(struct db *db, const char *actor, const char *username, const char *name,
                 char token_out[API_TOKEN_LEN], int64_t *id, struct gh_error *err)
{
    static const char sql[] = "INSERT INTO tokens (user_id, name, hash, created_at)"
                              " SELECT id, :n, :h, :at FROM users WHERE username = :u";
    char shown[ECHO_LEN];
    unsigned char hash[SECRET_HASH_BYTES];
    char at[TIME_RFC3339_LEN], sub[40];
    int changes, rc;

    if (utf8_length(name) < 1 || utf8_length(name) > 100)
        return gh_fail(err, GH_INVALID, "a token name is 1 to 100 characters");
    memcpy(token_out, "gh_", 3);
    random_token(token_out + 3);
    secret_hash(token_out, hash);
    time_format_rfc3339(time_now_ms(), at);
    if (db_begin_write(db, err) != 0)
        return -1;
    rc = db_run(db, sql, &changes, err,
                BINDS(BIND_TEXT(":n", name), BIND_HASH(":h", hash), BIND_TEXT(":at", at),
                      BIND_TEXT(":u", username)));
    if (rc == 0 && changes == 0)
        rc = gh_fail(err, GH_NOT_FOUND, "no user named '%s'", echo(username, shown));
    if (rc == 0) {
        json_t *payload;
        *id = sqlite3_last_insert_rowid(db->conn);
        snprintf(sub, sizeof(sub), "token:%lld", (long long)*id);
        payload =
            json_pack("{s:I, s:s, s:s}", "id", (json_int_t)*id, "username", username, "name", name);
        rc = ledger_append(db, time_now_ms(), actor, "token.created", sub, payload, NULL, err);
        json_decref(payload);
    }
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db, err);
}

/*
 * A small per-thread cache of resolved tokens, so that a busy automation
 * token costs no database read. An entry is good while the access epoch
 * (db.h) is unchanged — any revocation, disabling, role or password change
 * moves it, in every process — and for at most a minute, so that last use
 * is still recorded each minute.
 */
#define TOKEN_CACHE_SIZE 8
#define TOKEN_CACHE_MS   60000

struct cached_token {
    unsigned char hash[SECRET_HASH_BYTES]; /* the token's hash; all zero when unused */
    char dbpath[256];                      /* the database it was resolved in */
    uint64_t epoch;                        /* the access epoch it was resolved under */
    int64_t loaded_ms;                     /* when */
    struct identity id;                    /* what it resolved to */
};

static _Thread_local struct cached_token token_cache[TOKEN_CACHE_SIZE];
static _Thread_local unsigned token_cache_next;

static const struct cached_token *cache_find(const struct db *db, const unsigned char *hash,
                                             int64_t now_ms)
{
    uint64_t epoch = db_epoch(db);

    for (int i = 0; i < TOKEN_CACHE_SIZE; i++) {
        const struct cached_token *c = &token_cache[i];
        if (c->epoch == epoch && now_ms - c->loaded_ms < TOKEN_CACHE_MS && now_ms >= c->loaded_ms &&
            sodium_memcmp(c->hash, hash, SECRET_HASH_BYTES) == 0 &&
            strcmp(c->dbpath, db->path) == 0)
            return c;
    }
    return NULL;
}

static void cache_store(const struct db *db, const unsigned char *hash, uint64_t epoch,
                        int64_t now_ms, const struct identity *id)
{
    struct cached_token *c = &token_cache[token_cache_next++ % TOKEN_CACHE_SIZE];

    if (strlen(db->path) >= sizeof(c->dbpath))
        return;
    memcpy(c->hash, hash, SECRET_HASH_BYTES);
    snprintf(c->dbpath, sizeof(c->dbpath), "%s", db->path);
    c->epoch = epoch;
    c->loaded_ms = now_ms;
    c->id = *id;
}

int token_resolve(struct db *db, const char *token, int64_t now_ms, struct identity *id,
                  struct gh_error *err)
{
    static const char sql[] =
        "SELECT t.id, t.last_used_ms, u.id, u.username, u.display_name, u.roles, u.disabled"
        " FROM tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.hash = :h AND t.revoked_at IS NULL";
    static const char touch_sql[] = "UPDATE tokens SET last_used_ms = :now WHERE id = :id";
    unsigned char hash[SECRET_HASH_BYTES];
    int64_t token_id, last_used;
    sqlite3_stmt *st;
    int rc, disabled;

    const struct cached_token *hit;
    uint64_t epoch;

    if (strlen(token) != API_TOKEN_LEN - 1 || strncmp(token, "gh_", 3) != 0)
        return gh_fail(err, GH_NOT_FOUND, "unknown token");
    secret_hash(token, hash);
    if ((hit = cache_find(db, hash, now_ms)) != NULL) {
        *id = hit->id;
        return 0;
    }
    /* Read the epoch first: a change committed during the query leaves this entry stale-marked. */
    epoch = db_epoch(db);
    st = db_prepare(db, sql);
    if (st == NULL || db_bind(st, BINDS(BIND_HASH(":h", hash))))
        return gh_fail(err, GH_INTERNAL, "database error");
    rc = db_step(db, st, err);
    if (rc != SQLITE_ROW) {
        db_reset(st);
        return rc == SQLITE_DONE ? gh_fail(err, GH_NOT_FOUND, "unknown token") : -1;
    }
    token_id = sqlite3_column_int64(st, 0);
    last_used = sqlite3_column_int64(st, 1);
    id->via = AUTH_TOKEN;
    id->user_id = sqlite3_column_int64(st, 2);
    snprintf(id->username, sizeof(id->username), "%s", sqlite3_column_text(st, 3));
    snprintf(id->display_name, sizeof(id->display_name), "%s", sqlite3_column_text(st, 4));
    id->roles = (unsigned)sqlite3_column_int(st, 5);
    disabled = sqlite3_column_int(st, 6);
    id->csrf[0] = '\0';
    db_reset(st);
    if (disabled) {
        id->via = AUTH_NONE;
        return gh_fail(err, GH_NOT_FOUND, "the token's user is disabled");
    }
    /* Last use is kept to the minute, so a busy token costs no write per request. */
    if (now_ms - last_used >= 60000)
        db_write(db, touch_sql, NULL, NULL, NULL,
                 BINDS(BIND_INT(":now", now_ms), BIND_INT(":id", token_id)));
    cache_store(db, hash, epoch, now_ms, id);
    return 0;
}

int token_list(struct db *db, json_t **out, struct gh_error *err)
{
    static const char sql[] =
        "SELECT t.id, t.name, u.username, t.created_at, t.last_used_ms, t.revoked_at"
        " FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *list = json_array();
    int rc;

    if (st == NULL) {
        json_decref(list);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        json_t *last = json_null(), *revoked = json_null();
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            char at[TIME_RFC3339_LEN];
            time_format_rfc3339(sqlite3_column_int64(st, 4), at);
            last = json_string(at);
        }
        if (sqlite3_column_type(st, 5) != SQLITE_NULL)
            revoked = json_string((const char *)sqlite3_column_text(st, 5));
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id",
                                              (json_int_t)sqlite3_column_int64(st, 0), "name",
                                              sqlite3_column_text(st, 1), "username",
                                              sqlite3_column_text(st, 2), "created_at",
                                              sqlite3_column_text(st, 3), "last_used_at", last,
                                              "revoked_at", revoked));
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(list);
        return -1;
    }
    *out = list;
    return 0;
}

int token_revoke(struct db *db, const char *actor, int64_t token_id, struct gh_error *err)
{
    static const char sql[] =
        "UPDATE tokens SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL";
    char at[TIME_RFC3339_LEN], sub[40];
    int changes;

    time_format_rfc3339(time_now_ms(), at);
    snprintf(sub, sizeof(sub), "token:%lld", (long long)token_id);
    if (ledger_write(db, actor, "token.revoked", sub,
                     json_pack("{s:I}", "id", (json_int_t)token_id), sql, &changes, NULL, err,
                     BINDS(BIND_TEXT(":at", at), BIND_INT(":id", token_id))) != 0)
        return -1;
    if (changes == 0)
        return gh_fail(err, GH_NOT_FOUND, "no live token with id %lld", (long long)token_id);
    db_epoch_bump(db);
    return 0;
}
