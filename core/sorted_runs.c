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

uint64_t run_key_at(const struct run *r, size_t i)
{
    return be64_get(r->keys + i * RUN_KEY_BYTES);
}

/* Where a merge stands in one run. */
struct cursor {
    const struct run *run;
    size_t at;
    uint64_t key; /* the key at at */
};

/* Restore the heap (the cursor at the largest key on top) below slot i. */
static void sift_down(struct cursor *heap, size_t n, size_t i)
{
    for (;;) {
        size_t left = 2 * i + 1, right = left + 1, top = i;
        struct cursor swap;
        if (left < n && heap[left].key > heap[top].key)
            top = left;
        if (right < n && heap[right].key > heap[top].key)
            top = right;
        if (top == i)
            return;
        swap = heap[i];
        heap[i] = heap[top];
        heap[top] = swap;
        i = top;
    }
}

void runs_merge(const struct run *runs, size_t nruns, unsigned char *out)
{
    struct cursor *heap = xcalloc(nruns ? nruns : 1, sizeof(*heap));
    size_t n = 0;

    for (size_t i = 0; i < nruns; i++)
        if (runs[i].n > 0)
            heap[n++] = (struct cursor){&runs[i], 0, run_key_at(&runs[i], 0)};
    for (size_t i = n / 2; i-- > 0;)
        sift_down(heap, n, i);
    while (n > 0) {
        be64_put(out, heap[0].key);
        out += RUN_KEY_BYTES;
        if (++heap[0].at < heap[0].run->n)
            heap[0].key = run_key_at(heap[0].run, heap[0].at);
        else
            heap[0] = heap[--n];
        sift_down(heap, n, 0);
    }
    free(heap);
}

/* How many keys of r are at least x: r is largest first, so they come first. */
static size_t count_at_least(const struct run *r, uint64_t x)
{
    size_t lo = 0, hi = r->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run_key_at(r, mid) >= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t count_all_at_least(const struct run *runs, size_t nruns, uint64_t x)
{
    uint64_t count = 0;

    for (size_t i = 0; i < nruns; i++)
        count += count_at_least(&runs[i], x);
    return count;
}

int runs_kth_largest(const struct run *runs, size_t nruns, int64_t k, uint64_t *out)
{
    uint64_t lo = 0, hi = UINT64_MAX, want = (uint64_t)k + 1;

    if (k < 0 || count_all_at_least(runs, nruns, 0) < want)
        return -1;
    /* The largest x with at least k + 1 keys at or above it is the key sought. */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2 + 1;
        if (count_all_at_least(runs, nruns, mid) >= want)
            lo = mid;
        else
            hi = mid - 1;
    }
    *out = lo;
    return 0;
}
