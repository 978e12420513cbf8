/*
 * /metrics: what Prometheus scrapes, in its text format 0.0.4
 * (core/prom.c writes it). Request counters and latency histograms come
 * from the table every process of gatehouse.fcgi counts into
 * (core/reqstats.c); gauges from cheap queries of the database, read in one
 * snapshot.
 *
 * Route labels: each distinct pattern of the route table has one slot
 * (GET and POST of the same pattern share it, the method tells them
 * apart); requests that matched no route are counted under "unmatched".
 */
#include <string.h>

#include "../core/alloc.h"
#include "../core/log.h"
#include "../core/prom.h"
#include "../core/timeutil.h"
#include "../core/version.h"
#include "reply.h"
#include "routes.h"

static int *route_slot;         /* routes[i] counts in slot route_slot[i] */
static const char **slot_names; /* each slot's route label */
static int unmatched_slot;      /* requests that matched no route */

int metrics_init(struct app *app)
{
    int nslots = 0;

    route_slot = xcalloc(nroutes, sizeof(*route_slot));
    slot_names = xcalloc(nroutes + 1, sizeof(*slot_names));
    for (size_t i = 0; i < nroutes; i++) {
        size_t j = 0;
        while (j < i && strcmp(routes[j].pattern, routes[i].pattern) != 0)
            j++;
        if (j < i) {
            route_slot[i] = route_slot[j];
        } else {
            slot_names[nslots] = routes[i].pattern;
            route_slot[i] = nslots++;
        }
    }
    slot_names[nslots] = "unmatched";
    unmatched_slot = nslots++;
    return reqstats_create(&app->reqstats, nslots);
}

void metrics_count(const struct app *app, const struct route *route, const char *method, int status,
                   int64_t duration_ns)
{
    int slot = route ? route_slot[route - routes] : unmatched_slot;

    reqstats_record(&app->reqstats, slot, method, status, duration_ns);
}

/* What a family writer gets: the request (its database, its configuration) and the time. */
struct scrape {
    struct request_ctx *ctx; /* the scrape's request */
    struct db *db;           /* the thread's connection, inside the scrape's read snapshot */
    int64_t now_ms;          /* the time the gauges are computed at */
};

/* gatehouse_http_*: from the shared table; never fails. */
static int write_http(struct scrape *s, struct buf *out, struct gh_error *err)
{
    (void)err;
    reqstats_write(&s->ctx->app->reqstats, slot_names, out);
    return 0;
}

static int write_build_info(struct scrape *s, struct buf *out, struct gh_error *err)
{
    const char *labels[] = {"version", GATEHOUSE_VERSION, NULL};

    (void)s, (void)err;
    prom_family(out, "gatehouse_build_info", PROM_GAUGE,
                "Always 1; the version label says which Gatehouse answers.");
    prom_sample_int(out, "gatehouse_build_info", labels, 1);
    return 0;
}

/*
 * The families, in the order they are written. A writer appends to out
 * and returns 0, or -1 with err filled: its family is then left out of
 * this scrape (and logged), the others are still written.
 */
struct family_writer {
    const char *what; /* for the log */
    int (*write)(struct scrape *s, struct buf *out, struct gh_error *err);
    int needs_db; /* reads the database */
};

static const struct family_writer writers[] = {
    {"http requests", write_http, 0}, {"build info", write_build_info, 0},
    /*
     * The counters derived from records, from the aggregation rollups
     * (issue 14, items 1 and 2), go here, one writer each:
     *   gatehouse_approvals_decided_total{verdict,tier}
     *   gatehouse_events_ingested_total{type}
     *   gatehouse_webhook_deliveries_total{outcome}
     *   gatehouse_gate_evaluations_total{phase,result}
     *   gatehouse_rollbacks_triggered_total{action}
     *   gatehouse_contract_verifications_total{state,tier}
     *   gatehouse_rollbacks_requested_total{action_type}
     */
};

/*
 * GET /metrics — public; nginx lets only loopback in (conf/nginx).
 * No parameters. Answers text/plain; version=0.0.4 with every family of
 * writers[]; a family whose query fails is left out and logged.
 */
void api_metrics(struct request_ctx *ctx)
{
    struct scrape s = {ctx, NULL, time_now_ms()};
    struct buf out = BUF_INIT, family = BUF_INIT;
    struct gh_error err;
    int db_tried = 0, in_read = 0;

    for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
        if (writers[i].needs_db && !db_tried) {
            /* One snapshot for every gauge, taken when the first needs it. */
            db_tried = 1;
            if ((s.db = ctx_db(ctx, &err)) != NULL && db_exec(s.db, "BEGIN", &err) == 0)
                in_read = 1;
            else
                log_warn("metrics: the database cannot be read: %s", err.message);
        }
        if (writers[i].needs_db && !in_read)
            continue;
        buf_reset(&family);
        if (writers[i].write(&s, &family, &err) != 0) {
            log_warn("metrics: %s left out of this scrape: %s", writers[i].what, err.message);
            continue;
        }
        buf_append(&out, family.data, family.len);
    }
    if (in_read)
        db_exec(s.db, "COMMIT", NULL);
    reply_bytes(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", buf_str(&out), out.len);
    buf_free(&family);
    buf_free(&out);
}
