/* What the three front doors' command lines share. */
#ifndef GH_CLI_H
#define GH_CLI_H

#include "config.h"

/*
 * Remove "--config FILE" (or "--config=FILE") from argv wherever it stands,
 * returning FILE, or config_default_path() when absent. NULL when --config
 * has no argument.
 */
const char *cli_take_config(int *argc, char **argv);

/*
 * Load the configuration for a command-line program: on problems print
 * them to stderr, one per line, and return -1 (the caller exits 2). The
 * log level is the caller's to set: the admin CLI keeps its own.
 */
int cli_load_config(const char *path, struct config *cfg);

#endif
