/*
 * gatehouse demo: the demo data `make run` loads on first start. Today the
 * demo users, one per role plus a second approver, with fresh random
 * passwords printed once.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/crypto.h"
#include "../core/users.h"
#include "commands.h"
#include "common.h"

struct demo_user {
    const char *username; /* login */
    const char *display;  /* shown name */
    unsigned roles;       /* enum role bits */
};

static const struct demo_user demo_users[] = {
    {"alice", "Alice Requester", ROLE_REQUESTER}, {"bob", "Bob Approver", ROLE_APPROVER},
    {"carol", "Carol Approver", ROLE_APPROVER},   {"erin", "Erin Executive", ROLE_EXECUTIVE},
    {"vera", "Vera Viewer", ROLE_VIEWER},         {"ada", "Ada Admin", ROLE_ADMIN},
};

int cmd_demo(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct gh_error err;
    struct db db;
    struct user existing;
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gatehouse demo\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (user_find(&db, demo_users[0].username, &existing, &err) == 0) {
        printf("demo data is already loaded\n");
        admin_close(&cfg, &db);
        return 0;
    }
    for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
        const struct demo_user *d = &demo_users[i];
        char token[TOKEN_B64_LEN], password[17], hash[crypto_pwhash_STRBYTES];
        struct buf roles = BUF_INIT;
        int64_t id;

        random_token(token);
        snprintf(password, sizeof(password), "%.16s", token);
        if (password_hash(db.path, password, hash, &err) != 0 ||
            user_add(&db, "demo", d->username, d->display, d->roles, hash, &id, &err) != 0) {
            fprintf(stderr, "gatehouse demo: %s\n", err.message);
            admin_close(&cfg, &db);
            return EXIT_REFUSED;
        }
        roles_format(d->roles, &roles);
        printf("demo login: %-6s password: %s  (%s)\n", d->username, password, buf_str(&roles));
        buf_free(&roles);
        sodium_memzero(password, sizeof(password));
    }
    admin_close(&cfg, &db);
    return 0;
}
