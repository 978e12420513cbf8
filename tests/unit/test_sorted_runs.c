/*
 * Sorted runs: keys order values as the values do (negatives, zeros,
 * extremes), bytes round-trip, tiers change at powers of 8, and merging
 * and the k-th largest agree with sorting everything, empty runs and ties
 * included.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "../../core/criteria.h"
#include "../../core/sorted_runs.h"
#include "check.h"

static const double ordered[] = {
    -DBL_MAX, -1e300, -2.5,  -1,  -DBL_MIN, -0x1p-1074,         0.0,  0x1p-1074,
    DBL_MIN,  1e-9,   0.001, 0.5, 1,        1.0000000000000002, 3e10, DBL_MAX};

static void keys_order_as_values(void)
{
    size_t n = sizeof(ordered) / sizeof(ordered[0]);

    for (size_t i = 0; i < n; i++) {
        double back = run_value(run_key(ordered[i]));
        CHECK(memcmp(&back, &ordered[i], sizeof(back)) == 0);
        for (size_t j = 0; j < n; j++)
            if ((ordered[i] < ordered[j]) != (run_key(ordered[i]) < run_key(ordered[j])))
                check_fail(__FILE__, __LINE__, "%g and %g order differently as keys", ordered[i],
                           ordered[j]);
    }
    /* The two zeros are equal values; as keys, -0 sits just below +0. */
    CHECK(run_key(-0.0) + 1 == run_key(0.0));
    CHECK(run_value(run_key(-0.0)) == 0.0);
}

static void bytes_round_trip_and_tiers(void)
{
    uint64_t keys[3] = {UINT64_C(0x0102030405060708), 0, UINT64_MAX};
    unsigned char bytes[3 * RUN_KEY_BYTES];
    struct run r = {bytes, 3};

    run_encode(keys, 3, bytes);
    CHECK_INT(bytes[0], 1);
    CHECK_INT(bytes[7], 8); /* most significant first, on every machine */
    for (size_t i = 0; i < 3; i++)
        CHECK(run_key_at(&r, i) == keys[i]);
    CHECK_INT(run_tier(1), 0);
    CHECK_INT(run_tier(7), 0);
    CHECK_INT(run_tier(8), 1);
    CHECK_INT(run_tier(63), 1);
    CHECK_INT(run_tier(64), 2);
    CHECK_INT(run_tier(5000), 4);
}

static int descending(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x < y) - (x > y);
}

static void merge_and_kth_agree_with_a_sort(void)
{
    enum { RUNS = 9, MOST = 300 };
    uint64_t keys[MOST], all[RUNS * MOST], kth;
    unsigned char *stored[RUNS], merged[RUNS * MOST * RUN_KEY_BYTES];
    struct run runs[RUNS], whole = {merged, 0};
    size_t total = 0;

    srand(7);
    for (int r = 0; r < RUNS; r++) {
        /* Run 3 is empty; values repeat (ties) and go negative. */
        size_t n = r == 3 ? 0 : (size_t)(rand() % MOST) + 1;
        for (size_t i = 0; i < n; i++) {
            keys[i] = run_key((rand() % 200 - 50) / 4.0);
            all[total++] = keys[i];
        }
        run_sort(keys, n);
        for (size_t i = 1; i < n; i++)
            CHECK(keys[i - 1] >= keys[i]);
        stored[r] = malloc((n ? n : 1) * RUN_KEY_BYTES);
        run_encode(keys, n, stored[r]);
        runs[r] = (struct run){stored[r], n};
    }
    qsort(all, total, sizeof(all[0]), descending);
    runs_merge(runs, RUNS, merged);
    whole.n = total;
    for (size_t i = 0; i < total; i++)
        if (run_key_at(&whole, i) != all[i])
            check_fail(__FILE__, __LINE__, "merged key %zu differs", i);
    for (size_t k = 0; k < total; k++) {
        CHECK_INT(runs_kth_largest(runs, RUNS, (int64_t)k, &kth), 0);
        if (kth != all[k])
            check_fail(__FILE__, __LINE__, "k = %zu: %g, expected %g", k, run_value(kth),
                       run_value(all[k]));
    }
    CHECK_INT(runs_kth_largest(runs, RUNS, (int64_t)total, &kth), -1);
    CHECK_INT(runs_kth_largest(runs, RUNS, -1, &kth), -1);
    CHECK_INT(runs_kth_largest(runs, 0, 0, &kth), -1);
    for (int r = 0; r < RUNS; r++)
        free(stored[r]);
}

/* The p95 a gate takes from runs is the nearest-rank p95 of all the values. */
static void p95_from_runs_is_the_nearest_rank(void)
{
    static const size_t sizes[] = {1, 2, 19, 20, 21, 100, 997};

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s], half = n / 2;
        double values[997];
        uint64_t keys[997], kth;
        unsigned char stored[997 * RUN_KEY_BYTES];
        for (size_t i = 0; i < n; i++) {
            values[i] = sin((double)i * 1.3) * 100;
            keys[i] = run_key(values[i]);
        }
        run_sort(keys, half);
        run_sort(keys + half, n - half);
        run_encode(keys, n, stored);
        struct run runs[2] = {{stored, half}, {stored + half * RUN_KEY_BYTES, n - half}};
        CHECK_INT(runs_kth_largest(runs, 2, (int64_t)n - p95_rank((int64_t)n), &kth), 0);
        if (run_value(kth) != criteria_p95(values, n))
            check_fail(__FILE__, __LINE__, "n = %zu: %g, expected %g", n, run_value(kth),
                       criteria_p95(values, n));
    }
}

const struct unit_test sorted_run_tests[] = {
    {"sorted runs: keys order as their values", keys_order_as_values},
    {"sorted runs: bytes round-trip; tiers at powers of 8", bytes_round_trip_and_tiers},
    {"sorted runs: merge and k-th largest agree with a sort", merge_and_kth_agree_with_a_sort},
    {"sorted runs: p95 is the nearest rank", p95_from_runs_is_the_nearest_rank},
    {NULL, NULL},
};
