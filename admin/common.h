/* What the admin commands share: opening the database, options, passwords. */
#ifndef GH_ADMIN_COMMON_H
#define GH_ADMIN_COMMON_H

#include <jansson.h>

#include "../core/config.h"
#include "../core/db.h"

/* Load the configuration and open the database: 0, or the exit status to return. */
int admin_open(const char *config_path, struct config *cfg, struct db *db);
void admin_close(struct config *cfg, struct db *db);
/*
 * Remove "--NAME VALUE" from argv (returns VALUE, or NULL when absent) and
 * "--NAME" flags (returns 1 when present), like cli_take_config.
 */
const char *take_option(int *argc, char **argv, const char *name);
int take_flag(int *argc, char **argv, const char *name);
/* Read one line from stdin without its newline into out; -1 when there is none. */
int read_password_line(char *out, size_t size);
/* Who the ledger names for changes made with the CLI: "cli:<login>" (SUDO_USER when set). */
const char *admin_actor(void);
/* Print doc as one JSON document on stdout; steals doc. */
void print_json(json_t *doc);

#endif
