/* Chart geometry: the value axis tops out at a round number at or above the data. */
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

const struct unit_test chart_tests[] = {
    {"charts: round ceilings for value axes", nice_ceilings},
    {NULL, NULL},
};
