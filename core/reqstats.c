/* Request counters shared by the processes of gatehouse.fcgi (see reqstats.h). */
#include "reqstats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "prom.h"

const double reqstats_bounds[REQSTATS_BOUNDS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                 0.25,  0.5,    1,     2.5,  5,     10};

static const char *const method_names[REQSTATS_METHODS] = {"GET",    "HEAD",  "POST",    "PUT",
                                                           "DELETE", "PATCH", "OPTIONS", "OTHER"};

/* The codes counted exactly; then one slot per class for any other. */
static const int status_codes[] = {200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400,
                                   401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414,
                                   415, 416, 422, 429, 431, 500, 501, 502, 503, 504};
#define NCODES ((int)(sizeof(status_codes) / sizeof(status_codes[0])))
static const char *const status_names[REQSTATS_STATUSES] = {
    "200", "201", "202", "204", "206", "301", "302", "303", "304", "307", "308", "400", "401",
    "403", "404", "405", "406", "408", "409", "410", "411", "412", "413", "414", "415", "416",
    "422", "429", "431", "500", "501", "502", "503", "504", "1xx", "2xx", "3xx", "4xx", "5xx"};
_Static_assert(NCODES + 5 == REQSTATS_STATUSES, "34 codes and five classes");

#define NBUCKETS (REQSTATS_BOUNDS + 1)

int reqstats_create(struct reqstats *s, int nslots)
{
    size_t nreq = (size_t)nslots * REQSTATS_METHODS * REQSTATS_STATUSES;
    size_t nbuck = (size_t)nslots * NBUCKETS;
    size_t len = (nreq + nbuck + (size_t)nslots) * sizeof(uint64_t);
    void *map;

    memset(s, 0, sizeof(*s));
    if (nslots <= 0)
        return -1;
    map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        log_error("cannot map %zu bytes for the request counters: %s", len, strerror(errno));
        return -1;
    }
    s->nslots = nslots;
    s->map = map;
    s->map_len = len;
    s->requests = map;
    s->buckets = s->requests + nreq;
    s->sum_ns = s->buckets + nbuck;
    return 0;
}

void reqstats_destroy(struct reqstats *s)
{
    if (s->map)
        munmap(s->map, s->map_len);
    memset(s, 0, sizeof(*s));
}

int reqstats_method_index(const char *method)
{
    for (int i = 0; i < REQSTATS_METHODS - 1; i++)
        if (method && strcmp(method, method_names[i]) == 0)
            return i;
    return REQSTATS_METHODS - 1;
}

int reqstats_status_index(int status)
{
    for (int i = 0; i < NCODES; i++)
        if (status_codes[i] == status)
            return i;
    /* Another code: its class (anything outside 100..599 counts as a server error). */
    if (status < 100 || status > 599)
        return NCODES + 4;
    return NCODES + status / 100 - 1;
}

const char *reqstats_method_name(int index)
{
    return index >= 0 && index < REQSTATS_METHODS ? method_names[index] : "OTHER";
}

const char *reqstats_status_name(int index)
{
    return index >= 0 && index < REQSTATS_STATUSES ? status_names[index] : "5xx";
}

void reqstats_record(const struct reqstats *s, int slot, const char *method, int status,
                     int64_t duration_ns)
{
    size_t cell;
    int b = 0;
    double seconds = (double)duration_ns / 1e9;

    if (s == NULL || s->map == NULL || slot < 0 || slot >= s->nslots)
        return;
    if (duration_ns < 0)
        duration_ns = 0;
    cell = ((size_t)slot * REQSTATS_METHODS + (size_t)reqstats_method_index(method)) *
               REQSTATS_STATUSES +
           (size_t)reqstats_status_index(status);
    while (b < REQSTATS_BOUNDS && seconds > reqstats_bounds[b])
        b++;
    __atomic_fetch_add(&s->requests[cell], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->buckets[(size_t)slot * NBUCKETS + (size_t)b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->sum_ns[slot], (uint64_t)duration_ns, __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *cell)
{
    return __atomic_load_n(cell, __ATOMIC_RELAXED);
}

void reqstats_write(const struct reqstats *s, const char *const *slot_names, struct buf *out)
{
    prom_family(out, "gatehouse_http_requests_total", PROM_COUNTER,
                "Requests answered by gatehouse.fcgi (all its processes), by route pattern, "
                "method and status.");
    for (int slot = 0; s->map && slot < s->nslots; slot++) {
        for (int m = 0; m < REQSTATS_METHODS; m++) {
            const uint64_t *row =
                &s->requests[((size_t)slot * REQSTATS_METHODS + (size_t)m) * REQSTATS_STATUSES];
            for (int st = 0; st < REQSTATS_STATUSES; st++) {
                uint64_t n = load(&row[st]);
                const char *labels[] = {"route",  slot_names[slot], "method", method_names[m],
                                        "status", status_names[st], NULL};
                if (n)
                    prom_sample_int(out, "gatehouse_http_requests_total", labels, (int64_t)n);
            }
        }
    }
    prom_family(out, "gatehouse_http_request_duration_seconds", PROM_HISTOGRAM,
                "Time from a request's arrival in gatehouse.fcgi to its answer, by route pattern.");
    for (int slot = 0; s->map && slot < s->nslots; slot++) {
        uint64_t counts[NBUCKETS], total = 0;
        const char *labels[] = {"route", slot_names[slot], NULL};
        for (int b = 0; b < NBUCKETS; b++)
            total += counts[b] = load(&s->buckets[(size_t)slot * NBUCKETS + (size_t)b]);
        if (total)
            prom_histogram(out, "gatehouse_http_request_duration_seconds", labels, reqstats_bounds,
                           REQSTATS_BOUNDS, counts, (double)load(&s->sum_ns[slot]) / 1e9);
    }
}
