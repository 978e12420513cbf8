/*
 * Runs every unit test of core/ and prints "unit: N passed, N failed".
 *   unit-tests [TEXT]     only the tests whose name contains TEXT
 *   unit-tests !TEXT      all but those
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../core/db.h"
#include "../../core/log.h"
#include "check.h"

int check_failures;
char check_tmpdir[256];

void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    check_failures++;
}

static const struct unit_test *const groups[] = {
    approval_tests,      arena_buf_tests, chart_tests,        config_tests,     contract_tests,
    criteria_tests,      crypto_tests,    db_tests,           deployment_tests, echo_tests,
    event_summary_tests, freeze_tests,    group_commit_tests, http_tests,       identity_tests,
    json_tests,          ledger_tests,    prom_tests,         reqstats_tests,   rollup_tests,
    router_tests,        silence_tests,   sorted_run_tests,   time_tests,       tpl_tests,
};

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;

    log_init("unit");
    db_global_init();
    log_set_level(LOG_ERROR);
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        for (const struct unit_test *t = groups[g]; t->name; t++) {
            char cmd[300];
            if (only && only[0] == '!' ? strstr(t->name, only + 1) != NULL
                                       : only && strstr(t->name, only) == NULL)
                continue;
            snprintf(check_tmpdir, sizeof(check_tmpdir), "/tmp/gatehouse-unit.XXXXXX");
            if (mkdtemp(check_tmpdir) == NULL) {
                perror("mkdtemp");
                return 2;
            }
            check_failures = 0;
            t->fn();
            if (check_failures) {
                fprintf(stderr, "FAIL %s\n", t->name);
                failed++;
            } else {
                printf("ok   %s\n", t->name);
                passed++;
            }
            snprintf(cmd, sizeof(cmd), "rm -rf '%s'", check_tmpdir);
            if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", check_tmpdir);
        }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
