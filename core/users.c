/* Users and roles (see users.h). */
#include "users.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "echo.h"
#include "json.h"
#include "ledger.h"

#include "log.h"
#include "timeutil.h"

static const char *const role_names[] = {"viewer", "requester", "approver", "executive", "admin"};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

int roles_parse(const char *csv, unsigned *roles, struct gh_error *err)
{
    const char *p = csv;

    *roles = 0;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < NROLES; i++)
            if (strlen(role_names[i]) == n && strncmp(p, role_names[i], n) == 0) {
                *roles |= 1u << i;
                found = 1;
            }
        if (!found) {
            char role[ECHO_MAX_CHARS * 4 + 1], shown[ECHO_LEN];
            snprintf(role, sizeof(role), "%.*s", (int)n, p);
            return gh_fail(err, GH_INVALID,
                           "unknown role '%s': roles are viewer, requester, approver, "
                           "executive, admin",
                           echo(role, shown));
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (*roles == 0)
        return gh_fail(err, GH_INVALID, "give at least one role");
    return 0;
}

void roles_format(unsigned roles, struct buf *out)
{
    int first = 1;

    for (size_t i = 0; i < NROLES; i++)
        if (roles & (1u << i)) {
            if (!first)
                buf_putc(out, ',');
            buf_puts(out, role_names[i]);
            first = 0;
        }
}

json_t *roles_json(unsigned roles)
{
    json_t *a = json_array();

    for (size_t i = 0; i < NROLES; i++)
        if (roles & (1u << i))
            json_array_append_new(a, json_string(role_names[i]));
    return a;
}

int valid_username(const char *s)
{
    size_t n = 0;

    if (s == NULL || !isalnum((unsigned char)s[0]))
        return 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= 64 || !(isalnum(c) || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* The ledger subject of a user. */
static void subject(struct buf *b, const char *username)
{
    buf_reset(b);
    buf_printf(b, "user:%s", username);
}

int user_add(struct db *db, const char *actor, const char *username, const char *display_name,
             unsigned roles, const char *password_hash, int64_t *id, struct gh_error *err)
{
    static const char sql[] =
        "INSERT INTO users (username, display_name, password_hash, roles, created_at, updated_at)"
        " VALUES (:u, :d, :p, :r, :at, :at) ON CONFLICT (username) DO NOTHING";
    char shown[ECHO_LEN];
    char at[TIME_RFC3339_LEN];
    struct buf sub = BUF_INIT;
    int changes, rc;

    if (!valid_username(username))
        return gh_fail(err, GH_INVALID,
                       "a username is 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                       "letter or digit");
    if (utf8_length(display_name) < 1 || utf8_length(display_name) > 200)
        return gh_fail(err, GH_INVALID, "a display name is 1 to 200 characters");
    time_format_rfc3339(time_now_ms(), at);
    subject(&sub, username);
    rc = ledger_write(
        db, actor, "user.added", buf_str(&sub),
        json_pack("{s:s, s:s, s:o, s:b}", "username", username, "display_name", display_name,
                  "roles", roles_json(roles), "has_password", password_hash != NULL),
        sql, &changes, id, err,
        BINDS(BIND_TEXT(":u", username), BIND_TEXT(":d", display_name),
              BIND_TEXT(":p", password_hash), BIND_INT(":r", roles), BIND_TEXT(":at", at)));
    buf_free(&sub);
    if (rc != 0)
        return -1;
    if (changes == 0)
        return gh_fail(err, GH_CONFLICT, "a user named '%s' already exists", echo(username, shown));
    return 0;
}

int user_find(struct db *db, const char *username, struct user *u, struct gh_error *err)
{
    static const char sql[] = "SELECT id, username, display_name, coalesce(password_hash, ''),"
                              " roles, disabled FROM users WHERE username = :u";
    char shown[ECHO_LEN];
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    if (st == NULL || db_bind_text(st, ":u", username))
        return gh_fail(err, GH_INTERNAL, "database error");
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        u->id = sqlite3_column_int64(st, 0);
        snprintf(u->username, sizeof(u->username), "%s", sqlite3_column_text(st, 1));
        snprintf(u->display_name, sizeof(u->display_name), "%s", sqlite3_column_text(st, 2));
        snprintf(u->password_hash, sizeof(u->password_hash), "%s", sqlite3_column_text(st, 3));
        u->roles = (unsigned)sqlite3_column_int(st, 4);
        u->disabled = sqlite3_column_int(st, 5);
    }
    db_reset(st);
    if (rc == SQLITE_DONE)
        return gh_fail(err, GH_NOT_FOUND, "no user named '%s'", echo(username, shown));
    return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Change one user by name, and end their sessions when end_sessions is
 * set, in one transaction; GH_NOT_FOUND when there is no such user. The
 * statement takes :u (username), :at (now) and :v (the new value, text or
 * integer as type says).
 */
static int update_user(struct db *db, const char *actor, const char *kind, json_t *payload,
                       const char *sql, const char *username, char type, const char *text,
                       int64_t number, int end_sessions, struct gh_error *err)
{
    char shown[ECHO_LEN];
    struct buf sub = BUF_INIT;
    static const char end_sql[] =
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = :u)";
    char at[TIME_RFC3339_LEN];
    int changes = 0, rc;

    time_format_rfc3339(time_now_ms(), at);
    subject(&sub, username);
    if (db_begin_write(db, err) != 0) {
        buf_free(&sub);
        json_decref(payload);
        return -1;
    }
    rc = type == 't'
             ? db_run(db, sql, &changes, err,
                      BINDS(BIND_TEXT(":u", username), BIND_TEXT(":at", at), BIND_TEXT(":v", text)))
             : db_run(
                   db, sql, &changes, err,
                   BINDS(BIND_TEXT(":u", username), BIND_TEXT(":at", at), BIND_INT(":v", number)));
    if (rc == 0 && changes == 0)
        rc = gh_fail(err, GH_NOT_FOUND, "no user named '%s'", echo(username, shown));
    if (rc == 0 && end_sessions)
        rc = db_run(db, end_sql, NULL, err, BINDS(BIND_TEXT(":u", username)));
    if (rc == 0)
        rc = ledger_append(db, time_now_ms(), actor, kind, buf_str(&sub), payload, NULL, err);
    buf_free(&sub);
    json_decref(payload);
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    if (db_commit(db, err) != 0)
        return -1;
    /* Every change through here can take access away: cached identities must go. */
    db_epoch_bump(db);
    return 0;
}

int user_set_roles(struct db *db, const char *actor, const char *username, unsigned roles,
                   struct gh_error *err)
{
    static const char sql[] = "UPDATE users SET roles = :v, updated_at = :at WHERE username = :u";

    return update_user(db, actor, "user.roles_changed",
                       json_pack("{s:s, s:o}", "username", username, "roles", roles_json(roles)),
                       sql, username, 'i', NULL, roles, 0, err);
}

int user_disable(struct db *db, const char *actor, const char *username, struct gh_error *err)
{
    static const char sql[] =
        "UPDATE users SET disabled = :v, updated_at = :at WHERE username = :u";

    return update_user(db, actor, "user.disabled", json_pack("{s:s}", "username", username), sql,
                       username, 'i', NULL, 1, 1, err);
}

int user_set_password(struct db *db, const char *actor, const char *username,
                      const char *password_hash, struct gh_error *err)
{
    static const char sql[] =
        "UPDATE users SET password_hash = :v, updated_at = :at WHERE username = :u";

    /* The ledger records that it changed, never the hash. */
    return update_user(db, actor, "user.password_changed", json_pack("{s:s}", "username", username),
                       sql, username, 't', password_hash, 0, 1, err);
}

int user_rehash(struct db *db, int64_t id, const char *password_hash, struct gh_error *err)
{
    static const char sql[] = "UPDATE users SET password_hash = :p WHERE id = :id";

    return db_write(db, sql, NULL, NULL, err,
                    BINDS(BIND_TEXT(":p", password_hash), BIND_INT(":id", id)));
}

int user_list(struct db *db, json_t **out, struct gh_error *err)
{
    static const char sql[] = "SELECT username, display_name, roles, disabled,"
                              " password_hash IS NOT NULL, created_at FROM users ORDER BY username";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *list = json_array();
    int rc;

    if (st == NULL) {
        json_decref(list);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:o, s:b, s:b, s:s}", "username",
                            sqlite3_column_text(st, 0), "display_name", sqlite3_column_text(st, 1),
                            "roles", roles_json((unsigned)sqlite3_column_int(st, 2)), "disabled",
                            sqlite3_column_int(st, 3), "has_password", sqlite3_column_int(st, 4),
                            "created_at", sqlite3_column_text(st, 5)));
    db_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(list);
        return -1;
    }
    *out = list;
    return 0;
}
