/*
 * The admin CLI's commands, one file per group. Every command returns its
 * exit status: 0 done, 1 refused (invalid content, a failed operation),
 * 2 usage or configuration error; and prints what it did.
 */
#ifndef GH_COMMANDS_H
#define GH_COMMANDS_H

#include "../core/config.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

struct command {
    const char *group;   /* "init", "config", "user", ... */
    const char *name;    /* the subcommand, or NULL for a group that is one command */
    const char *usage;   /* the arguments, for the help text */
    const char *summary; /* one line */
    /* argv[0] is the first argument after the command's words */
    int (*run)(const char *config_path, int argc, char **argv);
};

/* init.c */
int cmd_init(const char *config_path, int argc, char **argv);
/* config_check.c */
int cmd_config_check(const char *config_path, int argc, char **argv);
/* users.c */
int cmd_user_add(const char *config_path, int argc, char **argv);
int cmd_user_list(const char *config_path, int argc, char **argv);
int cmd_user_roles(const char *config_path, int argc, char **argv);
int cmd_user_disable(const char *config_path, int argc, char **argv);
int cmd_user_passwd(const char *config_path, int argc, char **argv);
/* tokens.c */
int cmd_token_create(const char *config_path, int argc, char **argv);
int cmd_token_list(const char *config_path, int argc, char **argv);
int cmd_token_revoke(const char *config_path, int argc, char **argv);
/* sources.c */
int cmd_source_add(const char *config_path, int argc, char **argv);
/* webhooks.c */
int cmd_webhook_add(const char *config_path, int argc, char **argv);
/* freezes.c */
int cmd_freeze_create(const char *config_path, int argc, char **argv);
int cmd_freeze_list(const char *config_path, int argc, char **argv);
int cmd_freeze_show(const char *config_path, int argc, char **argv);
int cmd_freeze_verify(const char *config_path, int argc, char **argv);
int cmd_freeze_lift(const char *config_path, int argc, char **argv);
/* ledger.c */
int cmd_ledger_verify(const char *config_path, int argc, char **argv);
int cmd_ledger_export(const char *config_path, int argc, char **argv);
/* plans.c */
int cmd_plan_load(const char *config_path, int argc, char **argv);
int cmd_plan_list(const char *config_path, int argc, char **argv);
int cmd_plan_show(const char *config_path, int argc, char **argv);
/* demo.c */
int cmd_demo(const char *config_path, int argc, char **argv);

#endif
