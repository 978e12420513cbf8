/* RFC 3339 times. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../core/timeutil.h"
#include "check.h"

static void formats_with_milliseconds(void)
{
    char out[TIME_RFC3339_LEN];

    time_format_rfc3339(0, out);
    CHECK_STR(out, "1970-01-01T00:00:00.000Z");
    time_format_rfc3339(1795341600123LL, out);
    CHECK_STR(out, "2026-11-22T10:00:00.123Z");
    time_format_rfc3339(951782400000LL, out); /* a leap day */
    CHECK_STR(out, "2000-02-29T00:00:00.000Z");
}

static void parses_zones_and_fractions(void)
{
    int64_t ms;

    CHECK_INT(time_parse_rfc3339("2026-11-22T10:00:00.123Z", &ms), 0);
    CHECK_INT(ms, 1795341600123LL);
    CHECK_INT(time_parse_rfc3339("2026-11-22T11:30:00.1239+01:30", &ms), 0);
    CHECK_INT(ms, 1795341600123LL);
    CHECK_INT(time_parse_rfc3339("2026-11-22t10:00:00z", &ms), 0);
    CHECK_INT(ms, 1795341600000LL);
    CHECK_INT(time_parse_rfc3339("1969-12-31T23:59:59.500Z", &ms), 0);
    CHECK_INT(ms, -500);
}

static void refuses_what_is_not_a_time(void)
{
    int64_t ms;
    const char *bad[] = {"",
                         "2026-11-22",
                         "2026-11-22T10:00:00",
                         "2026-02-29T00:00:00Z",
                         "2026-13-01T00:00:00Z",
                         "2026-04-31T00:00:00Z",
                         "2026-11-22T24:00:00Z",
                         "2026-11-22T10:00:00.Z",
                         "2026-11-22T10:00:00Zjunk",
                         "2026-11-22T10:00:00+25:00",
                         "20261122T100000Z",
                         NULL};

    for (int i = 0; bad[i]; i++)
        if (time_parse_rfc3339(bad[i], &ms) == 0)
            check_fail(__FILE__, __LINE__, "\"%s\" was accepted", bad[i]);
}

static void round_trips(void)
{
    char out[TIME_RFC3339_LEN];
    int64_t ms;

    for (int64_t t = 0; t < 4102444800000LL; t += 86399999LL * 17) {
        time_format_rfc3339(t, out);
        CHECK_INT(time_parse_rfc3339(out, &ms), 0);
        if (ms != t) {
            check_fail(__FILE__, __LINE__, "%s parsed to %lld, expected %lld", out, (long long)ms,
                       (long long)t);
            break;
        }
    }
}

/*
 * Relative times as every page words them. tests/browser/times.test.mjs
 * holds the same table for static/time.js, which words them in the browser:
 * change both together.
 */
static void relative_times_read_like_people_say_them(void)
{
    static const struct {
        int64_t delta_ms; /* now - then */
        const char *text;
    } cases[] = {
        {0, "just now"},
        {59999, "just now"},
        {-59999, "just now"},
        {60000, "1 min ago"},
        {12 * 60000 + 59999, "12 min ago"},
        {3600000, "1 h ago"},
        {3 * 3600000 + 20 * 60000, "3 h 20 min ago"},
        {86400000, "1 d ago"},
        {2 * 86400000LL + 3 * 3600000, "2 d 3 h ago"},
        {-5 * 60000, "in 5 min"},
        {-(3 * 3600000 + 20 * 60000), "in 3 h 20 min"},
        {-30 * 86400000LL, "in 30 d"},
    };
    char out[TIME_AGO_LEN];
    const int64_t now = 1795341600123LL;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        time_format_ago(now - cases[i].delta_ms, now, out);
        CHECK_STR(out, cases[i].text);
    }
}

/* Exact times for people: readable, never RFC 3339's machine form. */
static void exact_times_read_like_people_say_them(void)
{
    char out[TIME_HUMAN_LEN];

    time_format_human(1795341600123LL, 1, out);
    CHECK_STR(out, "22 Nov 2026 10:00:00 UTC");
    time_format_human(1795341600123LL, 0, out);
    CHECK_STR(out, "22 Nov 2026 10:00 UTC");
    time_format_human(951782399999LL, 1, out); /* the second before a leap day */
    CHECK_STR(out, "28 Feb 2000 23:59:59 UTC");
    time_format_human(-1, 1, out);
    CHECK_STR(out, "31 Dec 1969 23:59:59 UTC");
}

/* The formatters agree with gmtime_r and snprintf over four centuries, before 1970 too. */
static void formats_agree_with_the_c_library(void)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char got[TIME_HUMAN_LEN], want[64];
    uint64_t x = 88172645463325252ULL;

    for (int i = 0; i < 200000; i++) {
        /* 1900 .. 2300, xorshift-spread, plus the edges of days and leap years. */
        int64_t ms;
        time_t t;
        struct tm tm;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        ms = i < 4 ? (int64_t[]){-1, 0, 951782400000LL, 951868799999LL}[i]
                   : -2208988800000LL + (int64_t)(x % 12623040000000ULL);
        t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
        gmtime_r(&t, &tm);
        time_format_rfc3339(ms, got);
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(ms - (int64_t)t * 1000));
        if (strcmp(got, want) != 0) {
            check_fail(__FILE__, __LINE__, "%lld: %s, expected %s", (long long)ms, got, want);
            return;
        }
        time_format_human(ms, 1, got);
        snprintf(want, sizeof(want), "%d %s %04d %02d:%02d:%02d UTC", tm.tm_mday, months[tm.tm_mon],
                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (strcmp(got, want) != 0) {
            check_fail(__FILE__, __LINE__, "%lld: %s, expected %s", (long long)ms, got, want);
            return;
        }
        time_format_human(ms, 0, got);
        want[strlen(want) - 7] = '\0'; /* without ":SS UTC" */
        strcat(want, " UTC");
        CHECK_STR(got, want);
    }
}

const struct unit_test time_tests[] = {
    {"time: formats agree with the C library", formats_agree_with_the_c_library},
    {"time: relative times for people", relative_times_read_like_people_say_them},
    {"time: exact times for people", exact_times_read_like_people_say_them},
    {"time: format with milliseconds", formats_with_milliseconds},
    {"time: parse zones and fractions", parses_zones_and_fractions},
    {"time: refuse non-times", refuses_what_is_not_a_time},
    {"time: format/parse round trip", round_trips},
    {NULL, NULL},
};
