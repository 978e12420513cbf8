/* gatehouse ledger verify | export */
#include <stdio.h>
#include <stdlib.h>

#include "../core/json.h"
#include "../core/ledger.h"
#include "commands.h"
#include "common.h"

static void show_progress(int64_t done)
{
    fprintf(stderr, "ledger verify: %lld entries checked...\n", (long long)done);
}

int cmd_ledger_verify(const char *config_path, int argc, char **argv)
{
    int json = take_flag(&argc, argv, "--json");
    struct ledger_check c;
    struct config cfg;
    struct gh_error err;
    struct db db;
    int rc;

    if (argc != 0) {
        fprintf(stderr, "usage: gatehouse ledger verify [--json]\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (ledger_verify(&db, &c, show_progress, &err) != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        admin_close(&cfg, &db);
        return EXIT_REFUSED;
    }
    if (json)
        print_json(json_pack("{s:b, s:I, s:o, s:o}", "ok", c.ok, "entries", (json_int_t)c.entries,
                             "first_bad_seq", c.ok ? json_null() : json_integer(c.first_bad),
                             "problem", c.ok ? json_null() : json_string(c.problem)));
    else if (c.ok && c.checkpoint)
        printf("ledger ok: %lld entries, chain intact; newest signed checkpoint at seq %lld\n",
               (long long)c.entries, (long long)c.checkpoint);
    else if (c.ok)
        printf("ledger ok: %lld entries, chain intact; no checkpoint signed yet\n",
               (long long)c.entries);
    else
        printf("ledger BROKEN at seq %lld: %s (%lld entries read)\n", (long long)c.first_bad,
               c.problem, (long long)c.entries);
    admin_close(&cfg, &db);
    return c.ok ? 0 : EXIT_REFUSED;
}

int cmd_ledger_export(const char *config_path, int argc, char **argv)
{
    static const char sql[] = "SELECT " LEDGER_COLUMNS " FROM ledger ORDER BY seq";
    struct config cfg;
    struct gh_error err;
    struct db db;
    sqlite3_stmt *st;
    int64_t n = 0;
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gatehouse ledger export > ledger.ndjson\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    /* One read transaction: the export is one consistent chain. */
    db_exec(&db, "BEGIN", NULL);
    st = db_prepare(&db, sql);
    while (st && (rc = db_step(&db, st, &err)) == SQLITE_ROW) {
        json_t *entry = ledger_entry_json(st);
        char *line = json_dumps(entry, JSON_COMPACT | JSON_REALS);
        if (line) {
            puts(line);
            free(line);
        }
        json_decref(entry);
        if (++n % 100000 == 0)
            fprintf(stderr, "ledger export: %lld entries...\n", (long long)n);
    }
    db_reset(st);
    db_exec(&db, "COMMIT", NULL);
    fprintf(stderr, "ledger export: %lld entries\n", (long long)n);
    admin_close(&cfg, &db);
    return rc == SQLITE_DONE ? 0 : EXIT_REFUSED;
}
