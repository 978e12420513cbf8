/* Shared command-line helpers (see cli.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

const char *cli_take_config(int *argc, char **argv)
{
    const char *path = config_default_path();
    int out = 1;

    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= *argc)
                return NULL;
            path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
        } else {
            argv[out++] = argv[i];
        }
    }
    argv[out] = NULL;
    *argc = out;
    return path;
}

int cli_load_config(const char *path, struct config *cfg)
{
    struct buf errors = BUF_INIT;
    int problems = config_load(path, cfg, &errors);

    if (problems) {
        fprintf(stderr, "%s", buf_str(&errors));
        fprintf(stderr, "%d configuration problem%s; see conf/gatehouse.conf for every key\n",
                problems, problems == 1 ? "" : "s");
    }
    buf_free(&errors);
    return problems ? -1 : 0;
}
