/* Sorted runs of keys: keys of values, sorting, tiers, merging (see sorted_runs.h). */
#include "sorted_runs.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bytes.h"

#define SIGN_BIT (UINT64_C(1) << 63)

/*
 * IEEE 754 bits order positive values as integers already; negative ones
 * run backwards. Setting the sign bit of a positive value and flipping
 * every bit of a negative one puts all of them in order, negatives first.
 */
uint64_t run_key(double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    return bits & SIGN_BIT ? ~bits : bits | SIGN_BIT;
}

double run_value(uint64_t key)
{
    uint64_t bits = key & SIGN_BIT ? key & ~SIGN_BIT : ~key;
    double v;

    memcpy(&v, &bits, sizeof(v));
    return v;
}

static int largest_first(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x < y) - (x > y);
}

void run_sort(uint64_t *keys, size_t n)
{
    if (n > 1)
        qsort(keys, n, sizeof(*keys), largest_first);
}

int run_tier(int64_t n)
{
    int tier = 0;

    for (; n >= RUNS_PER_TIER; n /= RUNS_PER_TIER)
        tier++;
    return tier;
}

void run_encode(const uint64_t *keys, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++)
        be64_put(out + i * RUN_KEY_BYTES, keys[i]);
}

void run_decode(const unsigned char *in, size_t n, uint64_t *keys)
{
    for (size_t i = 0; i < n; i++)
        keys[i] = be64_get(in + i * RUN_KEY_BYTES);
}

/* Where a merge stands in one run. */
struct cursor {
    const uint64_t *at, *end;
};

/* Restore the heap (the cursor at the largest key on top) below slot i. */
static void sift_down(struct cursor *heap, size_t n, size_t i)
{
    for (;;) {
        size_t left = 2 * i + 1, right = left + 1, top = i;
        struct cursor swap;
        if (left<n && * heap[left].at> * heap[top].at)
            top = left;
        if (right<n && * heap[right].at> * heap[top].at)
            top = right;
        if (top == i)
            return;
        swap = heap[i];
        heap[i] = heap[top];
        heap[top] = swap;
        i = top;
    }
}

/*
 * Take up to count keys from the runs, largest first, into out (NULL: only
 * count them); *last gets the last key taken. Returns how many were taken.
 */
static int64_t take_largest(const struct run *runs, size_t nruns, int64_t count, uint64_t *out,
                            uint64_t *last)
{
    struct cursor *heap = xcalloc(nruns ? nruns : 1, sizeof(*heap));
    size_t n = 0;
    int64_t taken = 0;

    for (size_t i = 0; i < nruns; i++)
        if (runs[i].n > 0)
            heap[n++] = (struct cursor){runs[i].keys, runs[i].keys + runs[i].n};
    for (size_t i = n / 2; i-- > 0;)
        sift_down(heap, n, i);
    while (n > 0 && taken < count) {
        *last = *heap[0].at++;
        if (out)
            out[taken] = *last;
        taken++;
        if (heap[0].at == heap[0].end)
            heap[0] = heap[--n];
        sift_down(heap, n, 0);
    }
    free(heap);
    return taken;
}

void runs_merge(const struct run *runs, size_t nruns, uint64_t *out)
{
    uint64_t last;

    take_largest(runs, nruns, INT64_MAX, out, &last);
}

int runs_kth_largest(const struct run *runs, size_t nruns, int64_t k, uint64_t *out)
{
    if (k < 0)
        return -1;
    return take_largest(runs, nruns, k + 1, NULL, out) == k + 1 ? 0 : -1;
}
