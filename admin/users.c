/* gatehouse user add | list | roles | disable | passwd */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/crypto.h"
#include "../core/users.h"
#include "commands.h"
#include "common.h"

/* Read, check and hash a password from stdin into hash. */
static int password_from_stdin(const char *dbpath, char hash[crypto_pwhash_STRBYTES])
{
    char password[1100];
    struct gh_error err;
    int rc = EXIT_REFUSED;

    if (read_password_line(password, sizeof(password)) != 0) {
        fprintf(stderr, "gatehouse: --password-stdin: no password on standard input\n");
        return EXIT_USAGE;
    }
    if (password_acceptable(password, &err) != 0)
        fprintf(stderr, "gatehouse: %s\n", err.message);
    else if (password_hash(dbpath, password, hash, &err) != 0)
        fprintf(stderr, "gatehouse: %s\n", err.message);
    else
        rc = 0;
    sodium_memzero(password, sizeof(password));
    return rc;
}

int cmd_user_add(const char *config_path, int argc, char **argv)
{
    const char *roles_csv = take_option(&argc, argv, "--role");
    const char *display = take_option(&argc, argv, "--display");
    int with_password = take_flag(&argc, argv, "--password-stdin");
    int json = take_flag(&argc, argv, "--json");
    char hash[crypto_pwhash_STRBYTES] = "";
    struct config cfg;
    struct gh_error err;
    struct db db;
    unsigned roles;
    int64_t id;
    int rc;

    if (argc != 1 || roles_csv == NULL) {
        fprintf(stderr, "usage: gatehouse user add NAME --role R[,R...] [--display TEXT] "
                        "[--password-stdin] [--json]\n");
        return EXIT_USAGE;
    }
    if (roles_parse(roles_csv, &roles, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (with_password && (rc = password_from_stdin(db.path, hash)) != 0)
        goto out;
    if (user_add(&db, admin_actor(), argv[0], display ? display : argv[0], roles,
                 with_password ? hash : NULL, &id, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        rc = EXIT_REFUSED;
        goto out;
    }
    if (json) {
        print_json(json_pack("{s:I, s:s, s:o, s:b}", "id", (json_int_t)id, "username", argv[0],
                             "roles", roles_json(roles), "has_password", with_password));
    } else {
        printf("added user %s (%s)%s\n", argv[0], roles_csv,
               with_password ? "" : " without a password: API tokens only");
    }
    rc = 0;
out:
    sodium_memzero(hash, sizeof(hash));
    admin_close(&cfg, &db);
    return rc;
}

int cmd_user_list(const char *config_path, int argc, char **argv)
{
    int json = take_flag(&argc, argv, "--json");
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *list, *u;
    size_t i;
    int rc;

    if (argc != 0) {
        fprintf(stderr, "usage: gatehouse user list [--json]\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (user_list(&db, &list, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        admin_close(&cfg, &db);
        return EXIT_REFUSED;
    }
    if (json) {
        print_json(list);
    } else {
        printf("%-20s %-30s %-36s %s\n", "USERNAME", "DISPLAY NAME", "ROLES", "STATE");
        json_array_foreach(list, i, u)
        {
            struct buf roles = BUF_INIT;
            size_t k;
            json_t *r;
            json_array_foreach(json_object_get(u, "roles"), k, r)
            {
                if (k)
                    buf_putc(&roles, ',');
                buf_puts(&roles, json_string_value(r));
            }
            printf("%-20s %-30s %-36s %s%s\n", json_string_value(json_object_get(u, "username")),
                   json_string_value(json_object_get(u, "display_name")), buf_str(&roles),
                   json_is_true(json_object_get(u, "disabled")) ? "disabled" : "active",
                   json_is_true(json_object_get(u, "has_password")) ? "" : ", no password");
            buf_free(&roles);
        }
        printf("%zu user%s\n", json_array_size(list), json_array_size(list) == 1 ? "" : "s");
        json_decref(list);
    }
    admin_close(&cfg, &db);
    return 0;
}

int cmd_user_roles(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct gh_error err;
    struct db db;
    unsigned roles;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: gatehouse user roles NAME R[,R...]\n");
        return EXIT_USAGE;
    }
    if (roles_parse(argv[1], &roles, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    rc = user_set_roles(&db, admin_actor(), argv[0], roles, &err) == 0 ? 0 : EXIT_REFUSED;
    if (rc)
        fprintf(stderr, "gatehouse: %s\n", err.message);
    else
        printf("user %s now has roles %s\n", argv[0], argv[1]);
    admin_close(&cfg, &db);
    return rc;
}

int cmd_user_disable(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct gh_error err;
    struct db db;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gatehouse user disable NAME\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    rc = user_disable(&db, admin_actor(), argv[0], &err) == 0 ? 0 : EXIT_REFUSED;
    if (rc)
        fprintf(stderr, "gatehouse: %s\n", err.message);
    else
        printf("user %s disabled; their sessions ended and their tokens stopped working\n",
               argv[0]);
    admin_close(&cfg, &db);
    return rc;
}

int cmd_user_passwd(const char *config_path, int argc, char **argv)
{
    int with_password = take_flag(&argc, argv, "--password-stdin");
    char hash[crypto_pwhash_STRBYTES];
    struct config cfg;
    struct gh_error err;
    struct db db;
    int rc;

    if (argc != 1 || !with_password) {
        fprintf(stderr, "usage: gatehouse user passwd NAME --password-stdin\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if ((rc = password_from_stdin(db.path, hash)) == 0) {
        rc = user_set_password(&db, admin_actor(), argv[0], hash, &err) == 0 ? 0 : EXIT_REFUSED;
        if (rc)
            fprintf(stderr, "gatehouse: %s\n", err.message);
        else
            printf("password of %s changed; their sessions ended\n", argv[0]);
    }
    sodium_memzero(hash, sizeof(hash));
    admin_close(&cfg, &db);
    return rc;
}
