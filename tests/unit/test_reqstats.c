/* Request counters shared across processes (core/reqstats.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/reqstats.h"
#include "check.h"

static uint64_t cell(const struct reqstats *s, int slot, const char *method, int status)
{
    return s->requests[((size_t)slot * REQSTATS_METHODS + (size_t)reqstats_method_index(method)) *
                           REQSTATS_STATUSES +
                       (size_t)reqstats_status_index(status)];
}

/* Fork a process that records n requests in slot and exits. */
static pid_t recorder(struct reqstats *s, int slot, const char *method, int status, int n)
{
    pid_t pid = fork();

    if (pid == 0) {
        for (int i = 0; i < n; i++)
            reqstats_record(s, slot, method, status, (int64_t)i * 100000); /* 0..n/10 ms */
        _exit(0);
    }
    return pid;
}

static void counts_add_up_across_processes(void)
{
    struct reqstats s;
    pid_t a, b, c;
    int status;

    CHECK_INT(reqstats_create(&s, 3), 0);
    /* Two processes at once on the same cells, and one on another. */
    a = recorder(&s, 1, "GET", 200, 20000);
    b = recorder(&s, 1, "GET", 200, 30000);
    c = recorder(&s, 2, "POST", 409, 7);
    waitpid(a, &status, 0);
    waitpid(b, &status, 0);
    waitpid(c, &status, 0);
    CHECK_INT(cell(&s, 1, "GET", 200), 50000);
    CHECK_INT(cell(&s, 2, "POST", 409), 7);
    CHECK_INT(cell(&s, 0, "GET", 200), 0);
    /* A process forked later (a replaced worker) sees and adds to the same table. */
    a = recorder(&s, 1, "GET", 200, 1);
    waitpid(a, &status, 0);
    CHECK_INT(cell(&s, 1, "GET", 200), 50001);
    /* A process killed while it counts leaves whole values behind. */
    a = recorder(&s, 0, "HEAD", 204, 1 << 30);
    usleep(20000);
    kill(a, SIGKILL);
    waitpid(a, &status, 0);
    {
        uint64_t n = cell(&s, 0, "HEAD", 204), in_buckets = 0;
        for (int i = 0; i <= REQSTATS_BOUNDS; i++)
            in_buckets += s.buckets[i];
        CHECK(n > 0);
        /* each request adds its count and its bucket one after the other: at most one apart */
        CHECK(in_buckets == n || in_buckets + 1 == n);
    }
    reqstats_destroy(&s);
}

static void methods_and_statuses_are_bounded(void)
{
    CHECK_STR(reqstats_method_name(reqstats_method_index("GET")), "GET");
    CHECK_STR(reqstats_method_name(reqstats_method_index("BREW")), "OTHER");
    CHECK_STR(reqstats_method_name(reqstats_method_index(NULL)), "OTHER");
    CHECK_STR(reqstats_status_name(reqstats_status_index(409)), "409");
    CHECK_STR(reqstats_status_name(reqstats_status_index(418)), "4xx");
    CHECK_STR(reqstats_status_name(reqstats_status_index(299)), "2xx");
    CHECK_STR(reqstats_status_name(reqstats_status_index(0)), "5xx");
    CHECK_STR(reqstats_status_name(reqstats_status_index(1000)), "5xx");
}

/* The value of the line starting with prefix in text, or -1. */
static long long value_of(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);

    return p ? atoll(p + strlen(prefix)) : -1;
}

static void the_histogram_counts_what_the_counter_counts(void)
{
    static const char *const names[] = {"/healthz", "/api/v1/approvals/{id}", "unmatched"};
    struct reqstats s;
    struct buf b = BUF_INIT;
    const char *text;

    CHECK_INT(reqstats_create(&s, 3), 0);
    reqstats_record(&s, 0, "GET", 200, 200000);       /* 0.2 ms */
    reqstats_record(&s, 0, "GET", 200, 30000000);     /* 30 ms */
    reqstats_record(&s, 0, "HEAD", 200, 60000000000); /* a minute: above every bound */
    reqstats_record(&s, 1, "POST", 418, 1000000);     /* exactly 1 ms: le="0.001" */
    reqstats_record(&s, 2, "GET", 404, 1);
    reqstats_write(&s, names, &b);
    text = buf_str(&b);
    CHECK_CONTAINS(text, "# TYPE gatehouse_http_requests_total counter\n");
    CHECK_CONTAINS(text, "gatehouse_http_requests_total{route=\"/healthz\",method=\"GET\","
                         "status=\"200\"} 2\n");
    CHECK_CONTAINS(text, "gatehouse_http_requests_total{route=\"/healthz\",method=\"HEAD\","
                         "status=\"200\"} 1\n");
    CHECK_CONTAINS(text, "gatehouse_http_requests_total{route=\"/api/v1/approvals/{id}\","
                         "method=\"POST\",status=\"4xx\"} 1\n");
    CHECK_CONTAINS(text, "route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n");
    CHECK(strstr(text, "status=\"201\"") == NULL); /* never seen, not written */
    CHECK_INT(value_of(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\","
                             "le=\"0.001\"} "),
              1);
    CHECK_INT(value_of(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\","
                             "le=\"0.05\"} "),
              2);
    CHECK_INT(value_of(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\","
                             "le=\"10\"} "),
              2);
    CHECK_INT(value_of(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\","
                             "le=\"+Inf\"} "),
              3);
    CHECK_INT(value_of(text, "gatehouse_http_request_duration_seconds_count{route=\"/healthz\"} "),
              3);
    CHECK_CONTAINS(text,
                   "gatehouse_http_request_duration_seconds_sum{route=\"/healthz\"} 60.0302\n");
    CHECK_INT(value_of(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/api/v1/"
                             "approvals/{id}\",le=\"0.001\"} "),
              1);
    if (access("/usr/bin/promtool", X_OK) == 0) {
        char path[300], cmd[400];
        FILE *f;
        snprintf(path, sizeof(path), "%s/m.txt", check_tmpdir);
        f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' >/dev/null 2>&1", path);
        CHECK_INT(system(cmd), 0);
    }
    buf_free(&b);
    reqstats_destroy(&s);
}

const struct unit_test reqstats_tests[] = {
    {"reqstats: counts add up across processes", counts_add_up_across_processes},
    {"reqstats: methods and statuses are bounded", methods_and_statuses_are_bounded},
    {"reqstats: the histogram counts what the counter counts",
     the_histogram_counts_what_the_counter_counts},
    {NULL, NULL},
};
