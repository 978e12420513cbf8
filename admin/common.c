/* Shared helpers of the admin commands (see common.h). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "../core/cli.h"
#include "../core/json.h"
#include "commands.h"

int admin_open(const char *config_path, struct config *cfg, struct db *db)
{
    struct db_options opt;
    struct gh_error err;
    int version = 0;

    if (cli_load_config(config_path, cfg) != 0) {
        config_free(cfg);
        return EXIT_USAGE;
    }
    opt = (struct db_options){0, cfg->busy_timeout_ms, cfg->wal_checkpoint_pages};
    if (db_open(db, cfg->database, &opt, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        config_free(cfg);
        return EXIT_REFUSED;
    }
    if (db_schema_version(db, &version, &err) != 0 || version != db_schema_latest()) {
        fprintf(stderr,
                "gatehouse: the database schema is at version %d, this build needs %d: "
                "run `gatehouse init`\n",
                version, db_schema_latest());
        admin_close(cfg, db);
        return EXIT_REFUSED;
    }
    return 0;
}

void admin_close(struct config *cfg, struct db *db)
{
    db_close(db);
    config_free(cfg);
}

const char *take_option(int *argc, char **argv, const char *name)
{
    const char *value = NULL;
    int out = 0;

    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], name) == 0 && i + 1 < *argc)
            value = argv[++i];
        else
            argv[out++] = argv[i];
    }
    *argc = out;
    return value;
}

int take_flag(int *argc, char **argv, const char *name)
{
    int found = 0, out = 0;

    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], name) == 0)
            found = 1;
        else
            argv[out++] = argv[i];
    }
    *argc = out;
    return found;
}

int read_password_line(char *out, size_t size)
{
    size_t n;

    if (fgets(out, (int)size, stdin) == NULL)
        return -1;
    n = strlen(out);
    if (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '\r')
        out[--n] = '\0';
    return 0;
}

const char *admin_actor(void)
{
    static char actor[80];
    const char *who = getenv("SUDO_USER");

    if (actor[0])
        return actor;
    if (who == NULL || *who == '\0') {
        struct passwd *pw = getpwuid(getuid());
        who = pw ? pw->pw_name : "unknown";
    }
    snprintf(actor, sizeof(actor), "cli:%s", who);
    return actor;
}

void print_json(json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_REALS);

    if (text) {
        puts(text);
        free(text);
    }
    json_decref(doc);
}
