/*
 * gatehouse — the admin command line.
 *
 *   gatehouse [--config FILE] COMMAND [ARGS...]
 *
 * The command table below is the whole CLI; `gatehouse help` prints it.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/cli.h"
#include "../core/db.h"
#include "../core/log.h"
#include "../core/version.h"
#include "commands.h"

static const struct command commands[] = {
    {"init", NULL, "", "create or migrate the database, create the signing key", cmd_init},
    {"config", "check", "[--quiet]", "validate the configuration, naming file, line and key",
     cmd_config_check},
    {"user", "add", "NAME --role R[,R...] [--display TEXT] [--password-stdin] [--json]",
     "add a user (without --password-stdin: API tokens only)", cmd_user_add},
    {"user", "list", "[--json]", "list users, their roles and state", cmd_user_list},
    {"user", "roles", "NAME R[,R...]", "replace a user's roles", cmd_user_roles},
    {"user", "disable", "NAME", "disable a user and end their sessions at once", cmd_user_disable},
    {"user", "passwd", "NAME --password-stdin", "set a password (12 to 128 characters)",
     cmd_user_passwd},
    {"token", "create", "--user NAME --name LABEL [--json]", "print a new API token, once",
     cmd_token_create},
    {"token", "list", "[--json]", "list tokens (never their secrets)", cmd_token_list},
    {"token", "revoke", "ID", "revoke a token", cmd_token_revoke},
    {"source", "add", "NAME [--json]", "print a new inbound webhook secret (whsec_...), once",
     cmd_source_add},
    {"webhook", "add", "URL --events T[,T...] [--description TEXT] [--json]",
     "subscribe a receiver; print its id and secret (once)", cmd_webhook_add},
    {"freeze", "create",
     "NAME --root ROOT [--include GLOB...] [--description TEXT] [--starts-at T --ends-at T] "
     "[--open] [--json]",
     "hash the files under a configured root into a freeze (a closed set unless --open)",
     cmd_freeze_create},
    {"freeze", "list", "[--json]", "list freezes, their state and window", cmd_freeze_list},
    {"freeze", "show", "NAME [--json]", "a freeze, its last check and standing violations",
     cmd_freeze_show},
    {"freeze", "verify", "NAME [--json]",
     "re-hash a freeze under its root now and record the check; exit 1 when violated",
     cmd_freeze_verify},
    {"freeze", "lift", "NAME [--json]", "end a freeze's window now", cmd_freeze_lift},
    {"ledger", "verify", "[--json]",
     "check the chain and its signed checkpoints; exit 1 naming the first bad entry",
     cmd_ledger_verify},
    {"ledger", "export", "", "print the whole chain as NDJSON, one entry a line",
     cmd_ledger_export},
    {"plan", "load", "FILE [--json]",
     "validate a deployment plan and store it (a new revision when changed)", cmd_plan_load},
    {"plan", "list", "[--json]", "list the stored plans", cmd_plan_list},
    {"plan", "show", "NAME", "print a stored plan as JSON", cmd_plan_show},
    {"demo", NULL, "[--plan FILE]",
     "load the demo data (users with printed passwords; with the sample plan, a deployment)",
     cmd_demo},
};

static const size_t ncommands = sizeof(commands) / sizeof(commands[0]);

static void usage(FILE *to)
{
    fprintf(to, "usage: gatehouse [--config FILE] COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < ncommands; i++) {
        char words[256];
        snprintf(words, sizeof(words), "%s%s%s %s", commands[i].group, commands[i].name ? " " : "",
                 commands[i].name ? commands[i].name : "", commands[i].usage);
        if (strlen(words) > 36)
            fprintf(to, "  %s\n  %-36s %s\n", words, "", commands[i].summary);
        else
            fprintf(to, "  %-36s %s\n", words, commands[i].summary);
    }
    fprintf(to, "\n--config FILE defaults to $GATEHOUSE_CONFIG, else "
                "/etc/gatehouse/gatehouse.conf\n");
}

int main(int argc, char **argv)
{
    const char *config_path;

    log_init("admin");
    /* The CLI talks to people: only warnings and worse go to the JSON log. */
    log_set_level(LOG_WARN);
    config_path = cli_take_config(&argc, argv);
    if (config_path == NULL) {
        fprintf(stderr, "gatehouse: --config needs a file name\n");
        return EXIT_USAGE;
    }
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("gatehouse %s\n", GATEHOUSE_VERSION);
        return 0;
    }
    if (sodium_init() < 0)
        fatal("libsodium failed to initialise");
    db_global_init();
    for (size_t i = 0; i < ncommands; i++) {
        const struct command *c = &commands[i];
        if (strcmp(argv[1], c->group) != 0)
            continue;
        if (c->name == NULL)
            return c->run(config_path, argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[2], c->name) == 0)
            return c->run(config_path, argc - 3, argv + 3);
    }
    fprintf(stderr, "gatehouse: unknown command '%s%s%s'\n\n", argv[1], argc >= 3 ? " " : "",
            argc >= 3 ? argv[2] : "");
    usage(stderr);
    return EXIT_USAGE;
}
