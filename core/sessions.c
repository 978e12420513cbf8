/* Browser sessions (see sessions.h). */
#include "sessions.h"

#include <stdio.h>
#include <string.h>

static int run_write(struct db *db, sqlite3_stmt *st, struct gh_error *err)
{
    int rc = db_step(db, st, err);

    db_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int session_create(struct db *db, int64_t user_id, int64_t now_ms, char token_out[TOKEN_B64_LEN],
                   char csrf_out[TOKEN_B64_LEN], struct gh_error *err)
{
    static const char sql[] = "INSERT INTO sessions (id_hash, user_id, csrf, created_ms,"
                              " last_seen_ms) VALUES (:h, :u, :c, :now, :now)";
    unsigned char hash[SECRET_HASH_BYTES];
    sqlite3_stmt *st;

    random_token(token_out);
    random_token(csrf_out);
    secret_hash(token_out, hash);
    if (db_begin_write(db, err) != 0)
        return -1;
    st = db_prepare(db, sql);
    if (st == NULL ||
        sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":h"), hash, sizeof(hash),
                          SQLITE_TRANSIENT) != SQLITE_OK ||
        db_bind_int64(st, ":u", user_id) || db_bind_text(st, ":c", csrf_out) ||
        db_bind_int64(st, ":now", now_ms) || run_write(db, st, err) != 0) {
        db_reset(st);
        db_rollback(db);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    return db_commit(db, err);
}

static int bind_hash(sqlite3_stmt *st, const unsigned char *hash)
{
    return sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":h"), hash, SECRET_HASH_BYTES,
                             SQLITE_TRANSIENT) == SQLITE_OK
               ? 0
               : -1;
}

/* Delete the session with this hash, in its own write transaction. */
static int delete_hash(struct db *db, const unsigned char *hash, struct gh_error *err)
{
    static const char sql[] = "DELETE FROM sessions WHERE id_hash = :h";
    sqlite3_stmt *st;

    if (db_begin_write(db, err) != 0)
        return -1;
    st = db_prepare(db, sql);
    if (st == NULL || bind_hash(st, hash) || run_write(db, st, err) != 0) {
        db_reset(st);
        db_rollback(db);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    return db_commit(db, err);
}

int session_resolve(struct db *db, const char *token, int64_t now_ms, int idle_seconds,
                    int max_seconds, struct identity *id, struct gh_error *err)
{
    static const char sql[] =
        "SELECT s.user_id, s.csrf, s.created_ms, s.last_seen_ms, u.username, u.display_name,"
        " u.roles, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.id_hash = :h";
    static const char touch_sql[] = "UPDATE sessions SET last_seen_ms = :now WHERE id_hash = :h";
    unsigned char hash[SECRET_HASH_BYTES];
    int64_t created, last_seen, refresh_ms;
    sqlite3_stmt *st;
    int rc, disabled;

    if (strlen(token) != TOKEN_B64_LEN - 1)
        return gh_fail(err, GH_NOT_FOUND, "no such session");
    secret_hash(token, hash);
    st = db_prepare(db, sql);
    if (st == NULL || bind_hash(st, hash))
        return gh_fail(err, GH_INTERNAL, "database error");
    rc = db_step(db, st, err);
    if (rc != SQLITE_ROW) {
        db_reset(st);
        return rc == SQLITE_DONE ? gh_fail(err, GH_NOT_FOUND, "no such session") : -1;
    }
    id->via = AUTH_SESSION;
    id->user_id = sqlite3_column_int64(st, 0);
    snprintf(id->csrf, sizeof(id->csrf), "%s", sqlite3_column_text(st, 1));
    created = sqlite3_column_int64(st, 2);
    last_seen = sqlite3_column_int64(st, 3);
    snprintf(id->username, sizeof(id->username), "%s", sqlite3_column_text(st, 4));
    snprintf(id->display_name, sizeof(id->display_name), "%s", sqlite3_column_text(st, 5));
    id->roles = (unsigned)sqlite3_column_int(st, 6);
    disabled = sqlite3_column_int(st, 7);
    db_reset(st);
    sodium_bin2hex(id->session_hash_hex, sizeof(id->session_hash_hex), hash, sizeof(hash));

    if (disabled || now_ms - last_seen > (int64_t)idle_seconds * 1000 ||
        now_ms - created > (int64_t)max_seconds * 1000) {
        delete_hash(db, hash, NULL);
        id->via = AUTH_NONE;
        return gh_fail(err, GH_NOT_FOUND, "the session has ended");
    }
    /* Record use coarsely: a write per request would serialise every page view. */
    refresh_ms = (int64_t)idle_seconds * 250;
    if (refresh_ms > 60000)
        refresh_ms = 60000;
    if (now_ms - last_seen >= refresh_ms) {
        struct gh_error werr;
        if (db_begin_write(db, &werr) == 0) {
            st = db_prepare(db, touch_sql);
            if (st && db_bind_int64(st, ":now", now_ms) == 0 && bind_hash(st, hash) == 0 &&
                run_write(db, st, &werr) == 0)
                db_commit(db, &werr);
            else
                db_rollback(db);
            db_reset(st);
        }
    }
    return 0;
}

int session_end(struct db *db, const char *token, struct gh_error *err)
{
    unsigned char hash[SECRET_HASH_BYTES];

    secret_hash(token, hash);
    return delete_hash(db, hash, err);
}

int sessions_prune(struct db *db, int64_t now_ms, int idle_seconds, int max_seconds, int *count,
                   struct gh_error *err)
{
    static const char sql[] =
        "DELETE FROM sessions WHERE last_seen_ms < :idle OR created_ms < :max";
    sqlite3_stmt *st;

    if (db_begin_write(db, err) != 0)
        return -1;
    st = db_prepare(db, sql);
    if (st == NULL || db_bind_int64(st, ":idle", now_ms - (int64_t)idle_seconds * 1000) ||
        db_bind_int64(st, ":max", now_ms - (int64_t)max_seconds * 1000) ||
        run_write(db, st, err) != 0) {
        db_reset(st);
        db_rollback(db);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    *count = sqlite3_changes(db->conn);
    return db_commit(db, err);
}
