/* gatehouse source add: a signing secret for inbound webhooks. */
#include <sodium.h>
#include <stdio.h>

#include "../core/sources.h"
#include "commands.h"
#include "common.h"

int cmd_source_add(const char *config_path, int argc, char **argv)
{
    int json = take_flag(&argc, argv, "--json");
    char secret[WEBHOOK_SECRET_LEN];
    struct config cfg;
    struct gh_error err;
    struct db db;
    int64_t id;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gatehouse source add NAME [--json]\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (source_add(&db, admin_actor(), argv[0], secret, &id, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        admin_close(&cfg, &db);
        return EXIT_REFUSED;
    }
    if (json) {
        print_json(
            json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", argv[0], "secret", secret));
    } else {
        puts(secret);
        fprintf(stderr, "source %s: sign its webhooks with this secret; it is shown once\n",
                argv[0]);
    }
    sodium_memzero(secret, sizeof(secret));
    admin_close(&cfg, &db);
    return 0;
}
