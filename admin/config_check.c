/* gatehouse config check: validate the configuration and say what it resolves to. */
#include <stdio.h>
#include <string.h>

#include "../core/cli.h"
#include "commands.h"

int cmd_config_check(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct buf out = BUF_INIT;
    int quiet = argc == 1 && strcmp(argv[0], "--quiet") == 0;

    if (argc > 1 || (argc == 1 && !quiet)) {
        fprintf(stderr, "usage: gatehouse config check [--quiet]\n");
        return EXIT_USAGE;
    }
    if (cli_load_config(config_path, &cfg) != 0) {
        config_free(&cfg);
        return EXIT_USAGE;
    }
    printf("configuration %s is valid\n", config_path);
    if (!quiet) {
        config_describe(&cfg, &out);
        fputs(buf_str(&out), stdout);
    }
    buf_free(&out);
    config_free(&cfg);
    return 0;
}
