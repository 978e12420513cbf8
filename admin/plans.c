/* gatehouse plan load|list|show: deployment plans from files, at the shell. */
#include <stdio.h>
#include <string.h>

#include "../core/plans.h"
#include "../core/timeutil.h"
#include "commands.h"
#include "common.h"

/*
 * plan load FILE: validate the plan document in FILE and store it (a new
 * plan, or a new revision when its content changed). Every problem is
 * printed with its JSON path; a refused plan exits 1.
 */
int cmd_plan_load(const char *config_path, int argc, char **argv)
{
    int json = take_flag(&argc, argv, "--json");
    struct field_errors e = FIELD_ERRORS_INIT;
    int created = 0, changed = 0, rc;
    json_error_t jerr;
    struct config cfg;
    struct gh_error err;
    int64_t revision = 0;
    struct plan p;
    struct db db;
    json_t *doc, *d;
    size_t i;

    if (argc != 1) {
        fprintf(stderr, "usage: gatehouse plan load FILE [--json]\n");
        return EXIT_USAGE;
    }
    doc = json_load_file(argv[0], JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "gatehouse: %s: %s (line %d, column %d)\n", argv[0], jerr.text, jerr.line,
                jerr.column);
        return EXIT_REFUSED;
    }
    if (plan_parse(doc, NULL, &p, &e) != 0) {
        json_array_foreach(e.details, i, d)
            fprintf(stderr, "%s: %s %s\n", argv[0], json_string_value(json_object_get(d, "field")),
                    json_string_value(json_object_get(d, "problem")));
        fprintf(stderr, "gatehouse: %d problem%s in the plan; nothing stored\n", e.count,
                e.count == 1 ? "" : "s");
        rc = EXIT_REFUSED;
        goto out;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        goto out;
    if (plan_store(&db, time_now_ms(), admin_actor(), &p, &created, &changed, &revision, &err) !=
        0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        rc = EXIT_REFUSED;
    } else if (json) {
        print_json(json_pack("{s:s, s:I, s:b, s:b}", "name", p.name, "revision",
                             (json_int_t)revision, "created", created, "changed", changed));
    } else {
        printf("plan %s: %s (revision %lld, %zu phases, %zu rollback triggers)\n", p.name,
               created   ? "stored"
               : changed ? "updated"
                         : "unchanged",
               (long long)revision, p.nphases, p.ntriggers);
    }
    admin_close(&cfg, &db);
out:
    plan_free(&p);
    field_errors_free(&e);
    json_decref(doc);
    return rc;
}

/* plan list: every stored plan, its revision and phases. */
int cmd_plan_list(const char *config_path, int argc, char **argv)
{
    int json = take_flag(&argc, argv, "--json");
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *list, *p;
    size_t i;
    int rc;

    if (argc != 0) {
        fprintf(stderr, "usage: gatehouse plan list [--json]\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if ((list = plans_list(&db, &err)) == NULL) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        admin_close(&cfg, &db);
        return EXIT_REFUSED;
    }
    if (json) {
        print_json(list);
    } else {
        if (json_array_size(list) == 0)
            printf("no plans stored; load one with: gatehouse plan load conf/plans/t4-72h.json\n");
        json_array_foreach(list, i, p)
            printf("%-20s revision %-3lld %zu phases  updated %s\n",
                   json_string_value(json_object_get(p, "name")),
                   (long long)json_integer_value(json_object_get(p, "revision")),
                   json_array_size(json_object_get(p, "phases")),
                   json_string_value(json_object_get(p, "updated_at")));
        json_decref(list);
    }
    admin_close(&cfg, &db);
    return 0;
}

/* plan show NAME: the stored document, as JSON. */
int cmd_plan_show(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *p;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gatehouse plan show NAME\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if ((p = plan_get(&db, argv[0], &err)) == NULL) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        admin_close(&cfg, &db);
        return EXIT_REFUSED;
    }
    print_json(p);
    admin_close(&cfg, &db);
    return 0;
}
