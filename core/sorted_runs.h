/*
 * Sorted runs: exact order statistics (the p95 of a gate) over values that
 * arrive in batches, without an index insert per value.
 *
 * A value index keeps order by inserting each value where it belongs: with
 * a million values stored, a batch of 5,000 lands on thousands of pages
 * apart, and each page is written whole to the WAL and again by the
 * checkpoint. Instead, each batch is stored as one run, its values sorted
 * from the largest down, written in one piece. Runs of a size class (a
 * tier) merge into one when RUNS_PER_TIER of them exist, as in a
 * size-tiered LSM tree: n values keep O(log n) runs and each value is
 * rewritten O(log n) times, always sequentially. The k-th largest value
 * then lies in the first k + 1 values of some run.
 *
 * Values travel as keys: 64-bit integers in the order of the values they
 * stand for, so merging compares integers; stored, each key is 8 bytes
 * big-endian. Nothing here knows where runs are stored (deploy_samples.c).
 */
#ifndef GH_SORTED_RUNS_H
#define GH_SORTED_RUNS_H

#include <stddef.h>
#include <stdint.h>

/* How many runs of one tier wait before they merge into one. */
#define RUNS_PER_TIER 8
/* A merge that would make a run longer than this is not made: memory per request stays bounded. */
#define RUN_MAX_KEYS (1 << 21)
/* Bytes of one stored key. */
#define RUN_KEY_BYTES 8

/* The key of a finite value v, and the value of a key: a < b exactly when key(a) < key(b). */
uint64_t run_key(double v);
double run_value(uint64_t key);

/* Sort keys from the largest down. */
void run_sort(uint64_t *keys, size_t n);
/* The tier of a run of n keys: floor(log8(n)), so 1..7 keys are tier 0, 8..63 tier 1. */
int run_tier(int64_t n);

/* Keys to their stored form: n * RUN_KEY_BYTES bytes. */
void run_encode(const uint64_t *keys, size_t n, unsigned char *out);

/* A run as stored (and as read back: never decoded whole): n keys, largest first. */
struct run {
    const unsigned char *keys;
    size_t n;
};

/* Key i of run r. */
uint64_t run_key_at(const struct run *r, size_t i);

/* Merge runs into out (room for all their keys, stored form), largest first. */
void runs_merge(const struct run *runs, size_t nruns, unsigned char *out);
/*
 * The key k places below the largest of all runs (k = 0: the largest); -1
 * if they hold no more. Bisects the keys' range, counting by binary search
 * in each run: it reads O(64 runs log n) keys, whatever k is.
 */
int runs_kth_largest(const struct run *runs, size_t nruns, int64_t k, uint64_t *out);

#endif
