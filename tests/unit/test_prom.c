/* The Prometheus text format writer (core/prom.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../core/prom.h"
#include "check.h"

/* promtool's verdict on text: "" when it parses and lints clean, else what it said. */
static const char *promtool_says(const char *text, char *said, size_t n)
{
    char path[300], cmd[700];
    FILE *f;
    size_t got;

    said[0] = '\0';
    if (access("/usr/bin/promtool", X_OK) != 0)
        return said; /* conf/dev/deps installs it; the integration tests insist */
    snprintf(path, sizeof(path), "%s/metrics.txt", check_tmpdir);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 2>&1", path);
    f = popen(cmd, "r");
    got = fread(said, 1, n - 1, f);
    said[got] = '\0';
    if (pclose(f) != 0 && got == 0)
        snprintf(said, n, "promtool failed without a word");
    return said;
}

static void hostile_label_values_are_escaped(void)
{
    struct buf b = BUF_INIT;
    char said[2000];
    const char *labels[] = {"route", "/a\\b\"c\nd} 1\nforged_total 99", "method",
                            "\xff\xfe caf\xc3\xa9", NULL};

    prom_family(&b, "gatehouse_test_total", PROM_COUNTER, "Hostile \\ values,\nescaped.");
    prom_sample_int(&b, "gatehouse_test_total", labels, 3);
    CHECK_STR(buf_str(&b), "# HELP gatehouse_test_total Hostile \\\\ values,\\nescaped.\n"
                           "# TYPE gatehouse_test_total counter\n"
                           "gatehouse_test_total{route=\"/a\\\\b\\\"c\\nd} 1\\nforged_total 99\","
                           "method=\"\\\\xff\\\\xfe caf\xc3\xa9\"} 3\n");
    /* One series: the forged line stayed inside the value. */
    CHECK(strstr(buf_str(&b), "\nforged_total") == NULL);
    CHECK_STR(promtool_says(buf_str(&b), said, sizeof(said)), "");
    /* and promtool does refuse what is broken, so its silence above means something */
    if (access("/usr/bin/promtool", X_OK) == 0)
        CHECK_CONTAINS(promtool_says("x_total{a=\"\\x\"} 1\n", said, sizeof(said)),
                       "invalid escape");
    buf_free(&b);
}

static void values_are_written_as_the_format_reads_them(void)
{
    struct buf b = BUF_INIT;

    prom_float(&b, 0.1);
    buf_putc(&b, ' ');
    prom_float(&b, 1);
    buf_putc(&b, ' ');
    prom_float(&b, 1.0 / 3);
    buf_putc(&b, ' ');
    prom_float(&b, NAN);
    buf_putc(&b, ' ');
    prom_float(&b, INFINITY);
    buf_putc(&b, ' ');
    prom_float(&b, -INFINITY);
    buf_putc(&b, ' ');
    prom_float(&b, 1e21);
    CHECK_STR(buf_str(&b), "0.1 1 0.33333333333333331 NaN +Inf -Inf 1e+21");
    CHECK(strtod("0.33333333333333331", NULL) == 1.0 / 3);
    buf_reset(&b);
    prom_sample(&b, "gatehouse_ready", NULL, 1);
    prom_sample_int(&b, "gatehouse_ledger_entries", NULL, 9007199254740993LL);
    CHECK_STR(buf_str(&b), "gatehouse_ready 1\ngatehouse_ledger_entries 9007199254740993\n");
    buf_free(&b);
}

static void histograms_are_cumulative_and_count_the_inf_bucket(void)
{
    static const double bounds[] = {0.005, 0.05, 0.5};
    const uint64_t counts[] = {3, 0, 2, 1}; /* 1 above the last bound */
    const char *labels[] = {"route", "/healthz", NULL};
    struct buf b = BUF_INIT;
    char said[2000];

    prom_family(&b, "gatehouse_http_request_duration_seconds", PROM_HISTOGRAM, "Latency.");
    prom_histogram(&b, "gatehouse_http_request_duration_seconds", labels, bounds, 3, counts, 1.25);
    CHECK_STR(buf_str(&b),
              "# HELP gatehouse_http_request_duration_seconds Latency.\n"
              "# TYPE gatehouse_http_request_duration_seconds histogram\n"
              "gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 3\n"
              "gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.05\"} 3\n"
              "gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.5\"} 5\n"
              "gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 6\n"
              "gatehouse_http_request_duration_seconds_sum{route=\"/healthz\"} 1.25\n"
              "gatehouse_http_request_duration_seconds_count{route=\"/healthz\"} 6\n");
    CHECK_STR(promtool_says(buf_str(&b), said, sizeof(said)), "");
    /* Without labels, le is the only one. */
    buf_reset(&b);
    prom_histogram(&b, "x_seconds", NULL, bounds, 1, counts, 0);
    CHECK_CONTAINS(buf_str(&b),
                   "x_seconds_bucket{le=\"0.005\"} 3\nx_seconds_bucket{le=\"+Inf\"} 3\n"
                   "x_seconds_sum 0\nx_seconds_count 3\n");
    buf_free(&b);
}

static void bad_names_are_left_out(void)
{
    struct buf b = BUF_INIT;
    const char *bad_label[] = {"__name__", "x", NULL};
    const char *bad_label2[] = {"a-b", "x", NULL};

    CHECK(prom_metric_name_ok("gatehouse_http_requests_total"));
    CHECK(prom_metric_name_ok("a:b_c9"));
    CHECK(!prom_metric_name_ok("9abc"));
    CHECK(!prom_metric_name_ok(""));
    CHECK(!prom_metric_name_ok("a b"));
    CHECK(prom_label_name_ok("route"));
    CHECK(!prom_label_name_ok("a:b"));
    CHECK(!prom_label_name_ok("__x"));
    prom_family(&b, "bad name", PROM_GAUGE, "x");
    prom_sample(&b, "bad{x}", NULL, 1);
    prom_sample(&b, "ok", bad_label, 1);
    prom_sample_int(&b, "ok", bad_label2, 1);
    CHECK_STR(buf_str(&b), "");
    buf_free(&b);
}

const struct unit_test prom_tests[] = {
    {"prom: hostile label values are escaped", hostile_label_values_are_escaped},
    {"prom: values are written as the format reads them",
     values_are_written_as_the_format_reads_them},
    {"prom: histograms are cumulative and _count is the +Inf bucket",
     histograms_are_cumulative_and_count_the_inf_bucket},
    {"prom: bad names are left out", bad_names_are_left_out},
    {NULL, NULL},
};
