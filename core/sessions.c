/* Browser sessions (see sessions.h). */
#include "sessions.h"

#include <stdio.h>
#include <string.h>

int session_create(struct db *db, int64_t user_id, int64_t now_ms, char token_out[TOKEN_B64_LEN],
                   char csrf_out[TOKEN_B64_LEN], struct gh_error *err)
{
    static const char sql[] = "INSERT INTO sessions (id_hash, user_id, csrf, created_ms,"
                              " last_seen_ms) VALUES (:h, :u, :c, :now, :now)";
    unsigned char hash[SECRET_HASH_BYTES];

    random_token(token_out);
    random_token(csrf_out);
    secret_hash(token_out, hash);
    return db_write(db, sql, NULL, NULL, err,
                    BINDS(BIND_HASH(":h", hash), BIND_INT(":u", user_id), BIND_TEXT(":c", csrf_out),
                          BIND_INT(":now", now_ms)));
}

/* Delete the session with this hash, in its own write transaction. */
static int delete_hash(struct db *db, const unsigned char *hash, struct gh_error *err)
{
    static const char sql[] = "DELETE FROM sessions WHERE id_hash = :h";

    return db_write(db, sql, NULL, NULL, err, BINDS(BIND_HASH(":h", hash)));
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
    if (st == NULL || db_bind(st, BINDS(BIND_HASH(":h", hash))))
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
    if (now_ms - last_seen >= refresh_ms)
        db_write(db, touch_sql, NULL, NULL, NULL,
                 BINDS(BIND_INT(":now", now_ms), BIND_HASH(":h", hash)));
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

    return db_write(db, sql, count, NULL, err,
                    BINDS(BIND_INT(":idle", now_ms - (int64_t)idle_seconds * 1000),
                          BIND_INT(":max", now_ms - (int64_t)max_seconds * 1000)));
}
