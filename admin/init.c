/* gatehouse init: create or migrate the database and create the signing key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/cli.h"
#include "../core/db.h"
#include "../core/signkey.h"
#include "commands.h"

int cmd_init(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct db db;
    struct gh_error err;
    struct db_options opt;
    int applied = 0, created = 0, version = 0, rc = EXIT_REFUSED;

    (void)argv;
    if (argc > 0) {
        fprintf(stderr, "usage: gatehouse init\n");
        return EXIT_USAGE;
    }
    if (cli_load_config(config_path, &cfg) != 0) {
        config_free(&cfg);
        return EXIT_USAGE;
    }
    opt = (struct db_options){1, cfg.busy_timeout_ms, cfg.wal_checkpoint_pages};
    if (db_open(&db, cfg.database, &opt, &err) != 0) {
        fprintf(stderr, "gatehouse init: %s\n", err.message);
        goto out;
    }
    if (db_migrate(&db, &applied, &err) != 0 || db_schema_version(&db, &version, &err) != 0) {
        fprintf(stderr, "gatehouse init: %s\n", err.message);
        db_close(&db);
        goto out;
    }
    db_close(&db);
    printf("database %s: schema version %d (%d migration%s applied now)\n", cfg.database, version,
           applied, applied == 1 ? "" : "s");

    if (signkey_create(cfg.signing_key, &created, &err) != 0) {
        fprintf(stderr, "gatehouse init: %s\n", err.message);
        goto out;
    }
    printf("signing key %s: %s\n", cfg.signing_key,
           created ? "created (keep it secret; back it up)" : "already present, kept");
    rc = 0;
out:
    config_free(&cfg);
    return rc;
}
