/*
 * gatehouse config check: validate the configuration and say what it
 * resolves to. Beyond what every program checks when it loads the file,
 * this looks at the freeze roots' directories: a root that cannot be
 * listed would fail every verification of the freezes under it.
 */
#include <stdio.h>
#include <string.h>

#include "../core/cli.h"
#include "commands.h"

int cmd_config_check(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct buf out = BUF_INIT;
    int quiet = argc == 1 && strcmp(argv[0], "--quiet") == 0, problems;

    if (argc > 1 || (argc == 1 && !quiet)) {
        fprintf(stderr, "usage: gatehouse config check [--quiet]\n");
        return EXIT_USAGE;
    }
    if (cli_load_config(config_path, &cfg) != 0) {
        config_free(&cfg);
        return EXIT_USAGE;
    }
    if ((problems = config_check_roots(&cfg, &out)) != 0) {
        fputs(buf_str(&out), stderr);
        fprintf(stderr, "%d configuration problem%s; see conf/gatehouse.conf for every key\n",
                problems, problems == 1 ? "" : "s");
        buf_free(&out);
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
