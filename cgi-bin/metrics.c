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
#include "../core/approvals.h"
#include "../core/freezes.h"
#include "../core/jobruns.h"
#include "../core/ledger.h"
#include "../core/ledger_watch.h"
#include "../core/log.h"
#include "../core/prom.h"
#include "../core/silence.h"
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

/* gatehouse_ready: what /readyz would answer, 1 or 0. */
static int write_ready(struct scrape *s, struct buf *out, struct gh_error *err)
{
    struct field_errors problems = FIELD_ERRORS_INIT;
    int ready = app_readiness(s->ctx->app, &problems, NULL) == 0;

    (void)err;
    field_errors_free(&problems);
    prom_family(out, "gatehouse_ready", PROM_GAUGE,
                "1 when /readyz would answer 200 (database, schema and signing key), else 0.");
    prom_sample_int(out, "gatehouse_ready", NULL, ready);
    return 0;
}

static int write_approvals(struct scrape *s, struct buf *out, struct gh_error *err)
{
    static const char *const tiers[] = {"1", "2", "3"};
    struct approval_gauges g;

    if (approval_gauges_read(s->db, &g, err) != 0)
        return -1;
    prom_family(out, "gatehouse_approvals", PROM_GAUGE, "Approval requests in each status.");
    for (int i = 0; i < APPROVAL_STATUSES; i++) {
        const char *labels[] = {"status", approval_status_names[i], NULL};
        prom_sample_int(out, "gatehouse_approvals", labels, g.by_status[i]);
    }
    prom_family(out, "gatehouse_approval_oldest_pending_seconds", PROM_GAUGE,
                "How long the oldest pending request of each tier has waited; 0 when none "
                "waits.");
    for (int t = 0; t < 3; t++) {
        const char *labels[] = {"tier", tiers[t], NULL};
        int64_t waited = g.oldest_pending_ms[t] ? s->now_ms - g.oldest_pending_ms[t] : 0;
        prom_sample(out, "gatehouse_approval_oldest_pending_seconds", labels,
                    waited > 0 ? (double)waited / 1000 : 0);
    }
    return 0;
}

static int write_freezes(struct scrape *s, struct buf *out, struct gh_error *err)
{
    json_t *summary = freeze_summary(s->db, s->now_ms, err);

    if (summary == NULL)
        return -1;
    prom_family(out, "gatehouse_freeze_violations_open", PROM_GAUGE,
                "Freeze violations standing (not restored or superseded), acknowledged or not.");
    prom_sample_int(out, "gatehouse_freeze_violations_open", NULL,
                    json_integer_value(json_object_get(summary, "open_violations")));
    json_decref(summary);
    return 0;
}

static int write_ledger(struct scrape *s, struct buf *out, struct gh_error *err)
{
    const struct job_schedule *verify = job_schedule_find("verify-ledger");
    struct job_status st;
    int64_t head;

    if (ledger_head_seq(s->db, &head, err) != 0 ||
        job_status_read(s->db, verify, &s->ctx->app->cfg, s->now_ms, &st, err) != 0)
        return -1;
    prom_family(out, "gatehouse_ledger_entries", PROM_GAUGE,
                "The ledger's head seq: its number of entries while the chain is intact.");
    prom_sample_int(out, "gatehouse_ledger_entries", NULL, head);
    /* Absent until verify-ledger has finished a run: nothing is known before. */
    if (st.last_outcome >= 0) {
        prom_family(out, "gatehouse_ledger_chain_ok", PROM_GAUGE,
                    "1 when the last verify-ledger run found the chain intact, 0 when it failed.");
        prom_sample_int(out, "gatehouse_ledger_chain_ok", NULL, st.last_outcome);
    }
    job_status_free(&st);
    return 0;
}

/* gatehouse_worker_job_*: each scheduled job's last success and whether it is stale. */
static int write_jobs(struct scrape *s, struct buf *out, struct gh_error *err)
{
    struct job_status st[64];
    size_t n = 0;
    int rc = 0;

    for (; n < njob_schedule && n < sizeof(st) / sizeof(st[0]); n++)
        if ((rc = job_status_read(s->db, &job_schedule[n], &s->ctx->app->cfg, s->now_ms, &st[n],
                                  err)) != 0)
            break;
    if (rc == 0) {
        prom_family(out, "gatehouse_worker_job_last_success_timestamp_seconds", PROM_GAUGE,
                    "When each worker job last finished a run successfully (Unix time); 0 when "
                    "it never has.");
        for (size_t i = 0; i < n; i++) {
            const char *labels[] = {"job", st[i].name, NULL};
            prom_sample(out, "gatehouse_worker_job_last_success_timestamp_seconds", labels,
                        (double)st[i].last_success_ms / 1000);
        }
        prom_family(out, "gatehouse_worker_job_stale", PROM_GAUGE,
                    "1 when the job has not finished a run successfully within three of its "
                    "periods (every-run jobs: a minute), else 0.");
        for (size_t i = 0; i < n; i++) {
            const char *labels[] = {"job", st[i].name, NULL};
            prom_sample_int(out, "gatehouse_worker_job_stale", labels, st[i].stale);
        }
    }
    for (size_t i = 0; i < n; i++)
        job_status_free(&st[i]);
    return rc;
}

/* gatehouse_source_silent: each watched source (inbound, or "worker/JOB"), 1 while silent. */
static int write_sources(struct scrape *s, struct buf *out, struct gh_error *err)
{
    struct silence_flag *flags;
    size_t n;

    if (silence_flags(s->db, &flags, &n, err) != 0)
        return -1;
    prom_family(out, "gatehouse_source_silent", PROM_GAUGE,
                "1 while a source (an inbound source, or worker/JOB) is silent beyond its "
                "expected cadence, else 0; judged by the worker's watch-sources job.");
    for (size_t i = 0; i < n; i++) {
        const char *labels[] = {"source", flags[i].source, NULL};
        prom_sample_int(out, "gatehouse_source_silent", labels, flags[i].silent);
    }
    silence_flags_free(flags, n);
    return 0;
}

/* gatehouse_ledger_alarms_total: alarms about the ledger itself, recorded once each. */
static int write_ledger_alarms(struct scrape *s, struct buf *out, struct gh_error *err)
{
    int64_t counts[LEDGER_ALARM_KINDS];

    if (ledger_alarm_counts(s->db, counts, err) != 0)
        return -1;
    prom_family(out, "gatehouse_ledger_alarms_total", PROM_COUNTER,
                "Alarms about the ledger recorded by the watch-ledger job: gaps, times going "
                "backwards, heads left unsigned for two signing periods.");
    for (int k = 0; k < LEDGER_ALARM_KINDS; k++) {
        const char *labels[] = {"kind", ledger_alarm_names[k], NULL};
        prom_sample_int(out, "gatehouse_ledger_alarms_total", labels, counts[k]);
    }
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

/* The aggregate job's totals: approvals decided, events, deliveries, gates, rollbacks, contracts.
 */
static int write_rollups(struct scrape *s, struct buf *out, struct gh_error *err)
{
    return metrics_write_rollup_counters(s->db, out, err);
}

/* clang-format off */
static const struct family_writer writers[] = {
    /* what              writer            reads the database */
    {"http requests",    write_http,       0},
    {"build info",       write_build_info, 0},
    {"readiness",        write_ready,      0},
    {"approvals",        write_approvals,  1},
    {"freezes",          write_freezes,    1},
    {"ledger",           write_ledger,     1},
    {"worker jobs",      write_jobs,       1},
    {"sources",          write_sources,    1},
    {"ledger alarms",    write_ledger_alarms, 1},
    {"rollup counters",  write_rollups,    1}, /* the counters derived from records */
};
/* clang-format on */

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
