/*
 * A very small unit-test harness: CHECK macros record failures with file
 * and line, the runner (main.c) prints "unit: N passed, N failed".
 */
#ifndef GH_CHECK_H
#define GH_CHECK_H

#include <stdio.h>
#include <string.h>

struct unit_test {
    const char *name; /* shown when it fails */
    void (*fn)(void); /* the test */
};

/* Failures in the test running now; the runner resets it. */
extern int check_failures;
/* A scratch directory for the test running now (fresh for each test). */
extern char check_tmpdir[];

void check_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                    \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            check_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, a_, b_);               \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL ? a_ != b_ : strcmp(a_, b_) != 0)                             \
            check_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,                    \
                       a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                    \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                                \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (h_ == NULL || strstr(h_, n_) == NULL)                                                  \
            check_fail(__FILE__, __LINE__, "%s == \"%s\" does not contain \"%s\"", #hay,           \
                       h_ ? h_ : "(null)", n_);                                                    \
    } while (0)

/* Each test file exports its list, terminated by {NULL, NULL}. */
extern const struct unit_test approval_tests[];
extern const struct unit_test chart_tests[];
extern const struct unit_test arena_buf_tests[];
extern const struct unit_test config_tests[];
extern const struct unit_test contract_tests[];
extern const struct unit_test criteria_tests[];
extern const struct unit_test crypto_tests[];
extern const struct unit_test db_tests[];
extern const struct unit_test deployment_tests[];
extern const struct unit_test echo_tests[];
extern const struct unit_test event_summary_tests[];
extern const struct unit_test freeze_tests[];
extern const struct unit_test group_commit_tests[];
extern const struct unit_test http_tests[];
extern const struct unit_test identity_tests[];
extern const struct unit_test json_tests[];
extern const struct unit_test ledger_tests[];
extern const struct unit_test rollup_tests[];
extern const struct unit_test prom_tests[];
extern const struct unit_test reqstats_tests[];
extern const struct unit_test router_tests[];
extern const struct unit_test silence_tests[];
extern const struct unit_test sorted_run_tests[];
extern const struct unit_test time_tests[];
extern const struct unit_test tpl_tests[];

#endif
