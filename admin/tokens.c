/* gatehouse token create | list | revoke */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tokens.h"
#include "commands.h"
#include "common.h"

int cmd_token_create(const char *config_path, int argc, char **argv)
{
    const char *user = take_option(&argc, argv, "--user");
    const char *name = take_option(&argc, argv, "--name");
    int json = take_flag(&argc, argv, "--json");
    char token[API_TOKEN_LEN];
    struct config cfg;
    struct gh_error err;
    struct db db;
    int64_t id;
    int rc;

    if (argc != 0 || user == NULL || name == NULL) {
        fprintf(stderr, "usage: gatehouse token create --user NAME --name LABEL [--json]\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (token_create(&db, admin_actor(), user, name, token, &id, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        admin_close(&cfg, &db);
        return EXIT_REFUSED;
    }
    if (json) {
        print_json(json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "token", token, "user",
                             user, "name", name));
    } else {
        /* The token alone on stdout, so that scripts can capture it; the rest on stderr. */
        puts(token);
        fprintf(stderr, "token %lld for %s (\"%s\"): shown once, store it now\n", (long long)id,
                user, name);
    }
    sodium_memzero(token, sizeof(token));
    admin_close(&cfg, &db);
    return 0;
}

int cmd_token_list(const char *config_path, int argc, char **argv)
{
    int json = take_flag(&argc, argv, "--json");
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *list, *t;
    size_t i;
    int rc;

    if (argc != 0) {
        fprintf(stderr, "usage: gatehouse token list [--json]\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (token_list(&db, &list, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        admin_close(&cfg, &db);
        return EXIT_REFUSED;
    }
    if (json) {
        print_json(list);
    } else {
        printf("%-5s %-16s %-24s %-25s %s\n", "ID", "USER", "NAME", "LAST USED", "STATE");
        json_array_foreach(list, i, t)
        {
            json_t *last = json_object_get(t, "last_used_at");
            json_t *revoked = json_object_get(t, "revoked_at");
            printf("%-5lld %-16s %-24s %-25s %s\n",
                   (long long)json_integer_value(json_object_get(t, "id")),
                   json_string_value(json_object_get(t, "username")),
                   json_string_value(json_object_get(t, "name")),
                   json_is_string(last) ? json_string_value(last) : "never",
                   json_is_string(revoked) ? "revoked" : "live");
        }
        json_decref(list);
    }
    admin_close(&cfg, &db);
    return 0;
}

int cmd_token_revoke(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct gh_error err;
    struct db db;
    char *end;
    long long id;
    int rc;

    if (argc != 1 || (id = strtoll(argv[0], &end, 10)) <= 0 || *end) {
        fprintf(stderr, "usage: gatehouse token revoke ID  (the number `token list` shows)\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    rc = token_revoke(&db, admin_actor(), id, &err) == 0 ? 0 : EXIT_REFUSED;
    if (rc)
        fprintf(stderr, "gatehouse: %s\n", err.message);
    else
        printf("token %lld revoked\n", id);
    admin_close(&cfg, &db);
    return rc;
}
