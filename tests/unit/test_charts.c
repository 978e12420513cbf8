/* Chart geometry: the value axis tops out at a round number at or above the data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../core/buf.h"
#include "../../core/charts.h"
#include "check.h"

static void nice_ceilings(void)
{
    CHECK(chart_nice_ceiling(0) == 1);
    CHECK(chart_nice_ceiling(-3) == 1);
    CHECK(chart_nice_ceiling(1) == 1);
    CHECK(chart_nice_ceiling(1.2) == 2);
    CHECK(chart_nice_ceiling(3) == 5);
    CHECK(chart_nice_ceiling(5) == 5);
    CHECK(chart_nice_ceiling(7) == 10);
    CHECK(chart_nice_ceiling(99.5) == 100);
    CHECK(chart_nice_ceiling(101) == 200);
    CHECK(chart_nice_ceiling(0.03) > 0.0499 && chart_nice_ceiling(0.03) < 0.0501);
    CHECK(chart_nice_ceiling(3600) == 5000);
}

/* Coordinates print as "%.1f" does, but for ties in the tenths, which may go either way. */
static void tenths_print_as_printf(void)
{
    static const double fixed[] = {0, -0.04, 0.05, 1.25, 99.95, -3.333, 120, 1e20, -1e20};
    struct buf got = BUF_INIT;
    char want[64];

    srand(11);
    for (int i = 0; i < 20000; i++) {
        double v = i < 9 ? fixed[i] : (rand() / (double)RAND_MAX - 0.3) * 400;
        double tenths = v * 10 - floor(v * 10);
        buf_reset(&got);
        chart_tenths(&got, v);
        snprintf(want, sizeof(want), "%.1f", v);
        if (strcmp(buf_str(&got), want) == 0 || strcmp(want, "-0.0") == 0)
            continue;
        if (fabs(tenths - 0.5) > 1e-6) /* not a tie: must agree */
            check_fail(__FILE__, __LINE__, "%.17g printed %s, expected %s", v, buf_str(&got), want);
    }
    buf_reset(&got);
    chart_point(&got, " ", 12.34, -5);
    CHECK_STR(buf_str(&got), " 12.3,-5.0");
    buf_free(&got);
}

const struct unit_test chart_tests[] = {
    {"charts: tenths print as printf does", tenths_print_as_printf},
    {"charts: round ceilings for value axes", nice_ceilings},
    {NULL, NULL},
};
