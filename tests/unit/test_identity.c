/* Sessions, tokens and throttling against a real database file. */
#include <stdlib.h>

#include "../../core/sessions.h"
#include "../../core/throttle.h"
#include "../../core/tokens.h"
#include "check.h"

static int fresh_db(struct db *db)
{
    struct db_options opt = {1, 5000, 1000};
    struct gh_error err;
    char path[400];
    int applied;

    snprintf(path, sizeof(path), "%s/id.db", check_tmpdir);
    if (db_open(db, path, &opt, &err) != 0 || db_migrate(db, &applied, &err) != 0)
        return -1;
    return 0;
}

static void sessions_expire_idle_and_absolute(void)
{
    struct db db;
    struct gh_error err;
    struct identity id;
    char token[TOKEN_B64_LEN], csrf[TOKEN_B64_LEN];
    int64_t uid, t0 = 1000000000000LL;

    CHECK_INT(fresh_db(&db), 0);
    CHECK_INT(user_add(&db, "test", "ann", "Ann", ROLE_APPROVER, NULL, &uid, &err), 0);
    CHECK_INT(user_add(&db, "test", "ann", "Ann again", ROLE_APPROVER, NULL, &uid, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(session_create(&db, uid, t0, token, csrf, &err), 0);
    /* idle 10 s, absolute 30 s */
    CHECK_INT(session_resolve(&db, token, t0 + 9000, 10, 30, &id, &err), 0);
    CHECK_STR(id.username, "ann");
    CHECK_STR(id.csrf, csrf);
    CHECK_INT(id.roles, ROLE_APPROVER);
    CHECK_INT(session_resolve(&db, token, t0 + 18000, 10, 30, &id, &err), 0);
    CHECK_INT(session_resolve(&db, token, t0 + 27000, 10, 30, &id, &err), 0);
    /* Used every 9 s, it still ends 30 s after sign-in. */
    CHECK_INT(session_resolve(&db, token, t0 + 31000, 10, 30, &id, &err), -1);
    CHECK_INT(err.kind, GH_NOT_FOUND);

    CHECK_INT(session_create(&db, uid, t0, token, csrf, &err), 0);
    CHECK_INT(session_resolve(&db, token, t0 + 11000, 10, 30, &id, &err), -1);
    /* Once ended, it stays ended. */
    CHECK_INT(session_resolve(&db, token, t0 + 1000, 10, 30, &id, &err), -1);

    CHECK_INT(session_create(&db, uid, t0, token, csrf, &err), 0);
    CHECK_INT(user_disable(&db, "test", "ann", &err), 0);
    CHECK_INT(session_resolve(&db, token, t0 + 1000, 10, 30, &id, &err), -1);
    CHECK_INT(session_resolve(&db, "not-a-token", t0, 10, 30, &id, &err), -1);
    db_close(&db);
}

static void tokens_resolve_until_revoked(void)
{
    struct db db;
    struct gh_error err;
    struct identity id;
    char token[API_TOKEN_LEN];
    int64_t uid, tid;
    json_t *list;
    char *text;

    CHECK_INT(fresh_db(&db), 0);
    CHECK_INT(
        user_add(&db, "test", "bot", "CI bot", ROLE_REQUESTER | ROLE_VIEWER, NULL, &uid, &err), 0);
    CHECK_INT(token_create(&db, "test", "bot", "ci", token, &tid, &err), 0);
    CHECK(strncmp(token, "gh_", 3) == 0 && strlen(token) == 46);
    CHECK_INT(token_create(&db, "test", "nobody", "x", token + 0, &tid, &err) == 0 ? 0 : err.kind,
              GH_NOT_FOUND);
    CHECK_INT(token_create(&db, "test", "bot", "ci", token, &tid, &err), 0);
    CHECK_INT(token_resolve(&db, token, 5000000, &id, &err), 0);
    CHECK_STR(id.username, "bot");
    CHECK_INT(id.roles, ROLE_REQUESTER | ROLE_VIEWER);
    CHECK_INT(id.via, AUTH_TOKEN);
    CHECK_INT(token_list(&db, &list, &err), 0);
    text = json_dumps(list, JSON_COMPACT);
    CHECK(strstr(text, token) == NULL); /* never the secret */
    CHECK_CONTAINS(text, "\"last_used_at\":\"1970-01-01T01:23:20.000Z\"");
    free(text);
    json_decref(list);
    CHECK_INT(token_revoke(&db, "test", tid, &err), 0);
    CHECK_INT(token_revoke(&db, "test", tid, &err), -1);
    CHECK_INT(token_resolve(&db, token, 5000000, &id, &err), -1);
    CHECK_INT(err.kind, GH_NOT_FOUND);
    token[10] ^= 1;
    CHECK_INT(token_resolve(&db, token, 5000000, &id, &err), -1);
    db_close(&db);
}

static void throttle_counts_per_user_and_address(void)
{
    struct throttle_limits lim = {3, 5, 60};
    struct db db;
    struct gh_error err;
    int64_t t = 2000000000000LL;
    int retry = 0;

    CHECK_INT(fresh_db(&db), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(throttle_check(&db, &lim, "ann", "10.0.0.1", t + i, &retry, &err), 0);
        CHECK_INT(throttle_fail(&db, &lim, "ann", "10.0.0.1", t + i, &err), 0);
    }
    CHECK_INT(throttle_check(&db, &lim, "ann", "10.0.0.9", t + 10, &retry, &err), 1);
    CHECK_INT(retry, 60);
    /* Other users from another address are not affected. */
    CHECK_INT(throttle_check(&db, &lim, "bob", "10.0.0.9", t + 10, &retry, &err), 0);
    /* The window passes. */
    CHECK_INT(throttle_check(&db, &lim, "ann", "10.0.0.9", t + 60001, &retry, &err), 0);
    /* Success clears the user's count. */
    CHECK_INT(throttle_success(&db, "ann", &err), 0);
    CHECK_INT(throttle_check(&db, &lim, "ann", "10.0.0.9", t + 20, &retry, &err), 0);
    /* Five failures from one address lock it for every user. */
    CHECK_INT(throttle_fail(&db, &lim, "x1", "10.0.0.1", t + 30, &err), 0);
    CHECK_INT(throttle_fail(&db, &lim, "x2", "10.0.0.1", t + 31, &err), 0);
    CHECK_INT(throttle_check(&db, &lim, "zed", "10.0.0.1", t + 40, &retry, &err), 1);
    CHECK_INT(throttle_check(&db, &lim, "zed", "10.0.0.2", t + 40, &retry, &err), 0);
    db_close(&db);
}

static void cached_tokens_follow_changes_made_elsewhere_at_once(void)
{
    struct db db, other;
    struct db_options opt = {0, 5000, 1000};
    struct gh_error err;
    struct identity id;
    char token[API_TOKEN_LEN];
    int64_t uid, tid;

    CHECK_INT(fresh_db(&db), 0);
    CHECK_INT(db_open(&other, db.path, &opt, &err), 0); /* another process, as far as caches go */
    CHECK_INT(user_add(&db, "test", "bot", "Bot", ROLE_VIEWER, NULL, &uid, &err), 0);
    CHECK_INT(token_create(&db, "test", "bot", "ci", token, &tid, &err), 0);
    CHECK_INT(token_resolve(&db, token, 1000, &id, &err), 0);
    CHECK_INT(token_resolve(&db, token, 2000, &id, &err), 0); /* from the cache */
    CHECK_INT(id.roles, ROLE_VIEWER);
    CHECK_INT(user_set_roles(&other, "test", "bot", ROLE_ADMIN, &err), 0);
    CHECK_INT(token_resolve(&db, token, 3000, &id, &err), 0);
    CHECK_INT(id.roles, ROLE_ADMIN);
    CHECK_INT(token_revoke(&other, "test", tid, &err), 0);
    CHECK_INT(token_resolve(&db, token, 4000, &id, &err), -1);
    CHECK_INT(err.kind, GH_NOT_FOUND);
    db_close(&other);
    db_close(&db);
}

const struct unit_test identity_tests[] = {
    {"identity: cached tokens follow revocations and role changes made elsewhere",
     cached_tokens_follow_changes_made_elsewhere_at_once},
    {"identity: sessions expire idle and absolute; disable ends them",
     sessions_expire_idle_and_absolute},
    {"identity: tokens resolve until revoked; lists hold no secret", tokens_resolve_until_revoked},
    {"identity: throttling per user and per address", throttle_counts_per_user_and_address},
    {NULL, NULL},
};
