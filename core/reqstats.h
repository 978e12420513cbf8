/*
 * Request counters and latency histograms shared by every process of
 * gatehouse.fcgi.
 *
 * The master pre-forks its worker processes, and a scrape of /metrics is
 * answered by one of them: counters kept in each process's memory would
 * show that process's share only, and vanish when the master replaces a
 * process that died. So the table lives in one shared anonymous mapping
 * (mmap MAP_SHARED | MAP_ANONYMOUS) that the master creates before it
 * forks: every worker it starts, then or later, inherits the same pages,
 * and a worker that dies takes nothing with it. Every update is one
 * relaxed atomic add on a 64-bit cell, so a process killed at any moment
 * leaves no torn value and no lock behind.
 *
 * The table has a fixed size chosen at creation: slots (the caller's
 * numbering; gatehouse.fcgi gives each distinct route pattern one, and one
 * to requests that matched no route) x methods x statuses for the request
 * counts, and slots x buckets for the latency histograms.
 *   - methods: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, and OTHER for
 *     anything else a client sends (a client must not be able to make new
 *     series);
 *   - statuses: each code Gatehouse or its front answers (200, 201, 202,
 *     204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406,
 *     408, 409, 410, 411, 412, 413, 414, 415, 416, 422, 429, 431, 500, 501,
 *     502, 503, 504) exactly, and any other code by its class ("2xx"...).
 * About 200 KB for 80 slots.
 */
#ifndef GH_REQSTATS_H
#define GH_REQSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define REQSTATS_METHODS  8  /* see above */
#define REQSTATS_STATUSES 39 /* 34 codes and 5 classes */
#define REQSTATS_BOUNDS   13 /* latency bucket upper bounds; one more bucket above them */

/* The latency buckets' upper bounds, in seconds. */
extern const double reqstats_bounds[REQSTATS_BOUNDS];

struct reqstats {
    int nslots;         /* slots of the table */
    uint64_t *requests; /* [slot][method][status] counts */
    uint64_t *buckets;  /* [slot][REQSTATS_BOUNDS + 1] observations per bucket, not cumulative */
    uint64_t *sum_ns;   /* [slot] summed durations, nanoseconds */
    void *map;          /* the shared mapping holding all three */
    size_t map_len;     /* its length */
};

/*
 * Map a zeroed table of nslots slots, shared with every process forked
 * afterwards. Returns 0, or -1 (logged) when the mapping fails.
 */
int reqstats_create(struct reqstats *s, int nslots);
/* Unmap it (in the process that calls; others keep theirs). */
void reqstats_destroy(struct reqstats *s);

/* Count one request answered status after duration_ns, in slot (out of range: ignored). */
void reqstats_record(const struct reqstats *s, int slot, const char *method, int status,
                     int64_t duration_ns);

/* The index of a method, a status, and their label values. */
int reqstats_method_index(const char *method);
int reqstats_status_index(int status);
const char *reqstats_method_name(int index);
const char *reqstats_status_name(int index);

/*
 * Append the two families, HELP and TYPE included:
 *   gatehouse_http_requests_total{route,method,status}    counter
 *   gatehouse_http_request_duration_seconds{route}         histogram
 * slot_names[i] is slot i's route label. Series never observed are left
 * out.
 */
void reqstats_write(const struct reqstats *s, const char *const *slot_names, struct buf *out);

#endif
