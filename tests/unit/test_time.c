/* RFC 3339 times. */
#include <stdint.h>

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

const struct unit_test time_tests[] = {
    {"time: format with milliseconds", formats_with_milliseconds},
    {"time: parse zones and fractions", parses_zones_and_fractions},
    {"time: refuse non-times", refuses_what_is_not_a_time},
    {"time: format/parse round trip", round_trips},
    {NULL, NULL},
};
