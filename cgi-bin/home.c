/*
 * The dashboard at /: what needs people now, and how the last weeks went.
 * The panels read live state through indexes (pending requests, active
 * missions, deployments in flight, the freeze summary); the charts read
 * the aggregate job's rollups, never the raw records, so the page costs
 * the same at any size.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/deployments.h"
#include "../core/events.h"
#include "../core/freezes.h"
#include "../core/ledger.h"
#include "../core/silence.h"
#include "../core/stats.h"
#include "../core/timeutil.h"
#include "approvals.h"
#include "charts.h"
#include "deployments_page.h"

#define HOUR_MS 3600000LL
#define DAY_MS  (24 * HOUR_MS)

/* How many rows each panel lists. */
#define SHOWN 5
/* Days and hours the charts span. */
#define CHART_DAYS  30
#define CHART_HOURS 48

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void format_count(double v, char *out, size_t size)
{
    snprintf(out, size, v == floor(v) ? "%.0f" : "%.1f", v);
}

static void format_duration(double seconds, char *out, size_t size)
{
    if (seconds < 60)
        snprintf(out, size, "%.0f s", seconds);
    else if (seconds < 3600)
        snprintf(out, size, "%.0f min", seconds / 60);
    else if (seconds < 86400)
        snprintf(out, size, "%.1f h", seconds / 3600);
    else
        snprintf(out, size, "%.1f d", seconds / 86400);
}

static void format_percent(double v, char *out, size_t size)
{
    snprintf(out, size, "%.4g %%", v);
}

/*
 * values[i] for each column from the points of label (NULL: every label
 * summed); columns without a point keep empty (0 for counts, NAN where
 * nothing means "no value").
 */
static void column_values(const struct stats_point *p, size_t np, const struct chart_columns *c,
                          const char *label, double empty, double *values)
{
    for (size_t i = 0; i < c->n; i++)
        values[i] = empty;
    for (size_t k = 0; k < np; k++) {
        int64_t i = (p[k].start_ms - c->starts[0]) / c->step_ms;
        if (i < 0 || (size_t)i >= c->n || (label && strcmp(p[k].label, label) != 0))
            continue;
        values[i] = isnan(values[i]) ? p[k].value : values[i] + p[k].value;
    }
}

/* The columns' starts: n buckets of step ending with the one that holds now. */
static void columns_init(struct chart_columns *c, int64_t *starts, size_t n, int64_t step,
                         int64_t now, void (*format)(double, char *, size_t))
{
    int64_t last = now - now % step;

    for (size_t i = 0; i < n; i++)
        starts[i] = last - (int64_t)(n - 1 - i) * step;
    c->starts = starts;
    c->n = n;
    c->step_ms = step;
    c->format = format;
}

/* The series the charts read, each one query of the rollups. */
enum chart_series_id { S_VERDICTS, S_P50, S_P95, S_EVENTS, S_DELIVERIES, NSERIES };

/*
 * The rollups change only when the aggregate job runs, so each process
 * keeps the series it read until the job has run again or the hour turns
 * (the charts' window moves): a dashboard under load reads them once a
 * minute, not once a request.
 */
static struct {
    pthread_mutex_t lock;
    int64_t run, hour;
    int loaded[NSERIES];
    struct stats_point *p[NSERIES];
    size_t n[NSERIES];
} cached = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* A copy of series id over c's columns (free()), read through the cache for rollups of run. */
static int series(struct db *db, enum chart_series_id id, int64_t run, int64_t now,
                  const char *bucket, const char *metric, const char *key,
                  const struct chart_columns *c, struct stats_point **p, size_t *n,
                  struct gh_error *err)
{
    struct stats_query q = {bucket, c->starts[0], c->starts[c->n - 1] + c->step_ms, metric};
    int64_t hour = now - now % HOUR_MS;
    int rc = 0;

    pthread_mutex_lock(&cached.lock);
    if (cached.run != run || cached.hour != hour) {
        for (int i = 0; i < NSERIES; i++) {
            free(cached.p[i]);
            cached.p[i] = NULL;
            cached.n[i] = 0;
            cached.loaded[i] = 0;
        }
        cached.run = run;
        cached.hour = hour;
    }
    if (!cached.loaded[id]) {
        rc = stats_series(db, &q, key, &cached.p[id], &cached.n[id], err);
        cached.loaded[id] = rc == 0;
    }
    if (rc == 0) {
        *n = cached.n[id];
        *p = xcalloc(*n + 1, sizeof(**p));
        if (*n > 0) /* an empty series has no array to copy from */
            memcpy(*p, cached.p[id], *n * sizeof(**p));
    }
    pthread_mutex_unlock(&cached.lock);
    return rc;
}

/* Approvals ended per day, stacked by how they ended. */
static int chart_approvals(struct db *db, struct tpl_dict *d, int64_t run, int64_t now,
                           struct gh_error *err)
{
    static const char *const verdicts[] = {"approved", "denied", "expired", "cancelled"};
    static const char *const css[] = {"s-good", "s-bad", "s-muted", "s-faint"};
    int64_t starts[CHART_DAYS];
    double values[4][CHART_DAYS], total = 0;
    struct chart_series s[4];
    struct chart_columns c;
    struct stats_point *p;
    size_t np;

    columns_init(&c, starts, CHART_DAYS, DAY_MS, now, format_count);
    if (series(db, S_VERDICTS, run, now, "day", "approvals_decided", "verdict", &c, &p, &np, err) !=
        0)
        return -1;
    for (int j = 0; j < 4; j++) {
        column_values(p, np, &c, verdicts[j], 0, values[j]);
        s[j] = (struct chart_series){verdicts[j], css[j], values[j]};
        for (size_t i = 0; i < c.n; i++)
            total += values[j][i];
    }
    free(p);
    if (total == 0)
        tpl_show(d, "EMPTY");
    else
        bars_fill(tpl_include(d, "CHART", "bars.tpl"), "chart-approvals",
                  "Approval requests ended per day over the last 30 days, by outcome", &c, s, 4);
    return 0;
}

/* The median and 95th percentile time to a decision, per day. */
static int chart_decision_time(struct db *db, struct tpl_dict *d, int64_t run, int64_t now,
                               struct gh_error *err)
{
    static const char *const metrics[] = {"approval_decision_seconds_p50",
                                          "approval_decision_seconds_p95"};
    static const char *const names[] = {"median", "95th percentile"};
    static const char *const css[] = {"s-accent", "s-warn"};
    int64_t starts[CHART_DAYS];
    double values[2][CHART_DAYS];
    struct chart_series s[2];
    struct chart_columns c;
    int any = 0;

    columns_init(&c, starts, CHART_DAYS, DAY_MS, now, format_duration);
    for (int j = 0; j < 2; j++) {
        struct stats_point *p;
        size_t np;
        if (series(db, j ? S_P95 : S_P50, run, now, "day", metrics[j], NULL, &c, &p, &np, err) != 0)
            return -1;
        column_values(p, np, &c, NULL, NAN, values[j]);
        any |= np > 0;
        free(p);
        s[j] = (struct chart_series){names[j], css[j], values[j]};
    }
    if (!any)
        tpl_show(d, "EMPTY");
    else
        lines_fill(tpl_include(d, "CHART", "lines.tpl"), "chart-decision-time",
                   "Time from filing to decision of tier 2 and 3 requests per day over the last 30 "
                   "days: median and 95th percentile",
                   &c, s, 2);
    return 0;
}

/* Events recorded per hour over the last two days. */
static int chart_events(struct db *db, struct tpl_dict *d, int64_t run, int64_t now,
                        struct gh_error *err)
{
    int64_t starts[CHART_HOURS];
    double values[CHART_HOURS];
    struct chart_columns c;
    struct stats_point *p;
    size_t np;

    columns_init(&c, starts, CHART_HOURS, HOUR_MS, now, format_count);
    if (series(db, S_EVENTS, run, now, "hour", "events_ingested", NULL, &c, &p, &np, err) != 0)
        return -1;
    column_values(p, np, &c, NULL, 0, values);
    free(p);
    if (np == 0)
        tpl_show(d, "EMPTY");
    else
        bars_fill(tpl_include(d, "CHART", "bars.tpl"), "chart-events",
                  "Events recorded per hour over the last 48 hours", &c,
                  &(struct chart_series){"events", "s-accent", values}, 1);
    return 0;
}

/* The share of webhook deliveries that succeeded, per day. */
static int chart_deliveries(struct db *db, struct tpl_dict *d, int64_t run, int64_t now,
                            struct gh_error *err)
{
    int64_t starts[CHART_DAYS];
    double ok[CHART_DAYS], failed[CHART_DAYS], rate[CHART_DAYS], all_ok = 0, all = 0;
    struct chart_columns c;
    struct stats_point *p;
    char text[64];
    size_t np;

    columns_init(&c, starts, CHART_DAYS, DAY_MS, now, format_percent);
    if (series(db, S_DELIVERIES, run, now, "day", "webhook_deliveries", "outcome", &c, &p, &np,
               err) != 0)
        return -1;
    column_values(p, np, &c, "succeeded", 0, ok);
    column_values(p, np, &c, "failed", 0, failed);
    free(p);
    for (size_t i = 0; i < c.n; i++) {
        rate[i] = ok[i] + failed[i] > 0 ? 100 * ok[i] / (ok[i] + failed[i]) : NAN;
        all_ok += ok[i];
        all += ok[i] + failed[i];
    }
    if (all == 0) {
        tpl_show(d, "EMPTY");
        return 0;
    }
    format_percent(100 * all_ok / all, text, sizeof(text));
    tpl_set(tpl_section(d, "RATE_LINE"), "RATE", text);
    tpl_set_int(tpl_section(d, "RATE_LINE"), "DELIVERIES", (long long)all);
    lines_fill(tpl_include(d, "CHART", "lines.tpl"), "chart-deliveries",
               "Share of webhook deliveries that succeeded per day over the last 30 days", &c,
               &(struct chart_series){"succeeded", "s-good", rate}, 1);
    return 0;
}

/* Where the oldest waiting request goes (an approval_visit's argument). */
struct oldest {
    struct tpl_dict *waiting;
    int64_t now_ms;
};

static void oldest_fill(const struct approval_summary *s, void *arg)
{
    const struct oldest *o = arg;
    struct tpl_dict *d = tpl_section(o->waiting, "OLDEST");

    tpl_set_int(d, "ID", s->id);
    tpl_set(d, "ACTION_TYPE", s->action_type);
    tpl_set(d, "TARGET", s->target);
    page_time(d, "AT", s->created_at, o->now_ms);
}

static int panel_pending(struct db *db, struct tpl_dict *content, int64_t now, struct gh_error *err)
{
    struct approval_filter any = {0};
    char next[APPROVAL_CURSOR_LEN];
    struct approval_rows soonest = {NULL, now};
    struct oldest oldest = {NULL, now};
    struct tpl_dict *d;
    int64_t count;

    if (approvals_pending_count(db, &any, &count, err) != 0)
        return -1;
    if (count == 0) {
        tpl_show(content, "NONE_WAITING");
        return 0;
    }
    d = tpl_section(content, "WAITING");
    tpl_set_int(d, "COUNT", count);
    oldest.waiting = d;
    soonest.list = tpl_include(d, "LIST", "approval_list.tpl");
    if (approvals_pending(db, &any, NULL, 1, next, oldest_fill, &oldest, err) < 0 ||
        approvals_expiring(db, now, SHOWN, approval_row_add, &soonest, err) < 0)
        return -1;
    return 0;
}

static int panel_freezes(struct db *db, struct tpl_dict *content, int64_t now, struct gh_error *err)
{
    json_t *s = freeze_summary(db, now, err), *f;
    struct tpl_dict *d;
    size_t i;

    if (s == NULL)
        return -1;
    d = tpl_section(content, "FREEZES");
    if (json_integer_value(json_object_get(s, "total")) == 0) {
        tpl_show(d, "NO_FREEZES");
    } else {
        const char *state = json_integer_value(json_object_get(s, "violated"))     ? "VIOLATED"
                            : json_integer_value(json_object_get(s, "unverified")) ? "UNVERIFIED"
                                                                                   : "INTACT";
        struct tpl_dict *v = tpl_section(d, state);
        long long total = json_integer_value(json_object_get(s, "total"));
        char text[48];
        snprintf(text, sizeof(text), "%lld freeze%s", total, total == 1 ? "" : "s");
        tpl_set(v, "TOTAL", text);
        tpl_set_int(
            v, "COUNT",
            json_integer_value(json_object_get(s, state[0] == 'V' ? "violated" : "unverified")));
        tpl_set_int(v, "OPEN", json_integer_value(json_object_get(s, "open_violations")));
    }
    json_array_foreach(json_object_get(s, "in_effect_freezes"), i, f)
    {
        struct tpl_dict *e = tpl_section(d, "IN_EFFECT");
        tpl_set(e, "NAME", str(f, "name"));
        page_time(e, "ENDS", str(f, "ends_at"), now);
    }
    json_decref(s);
    return 0;
}

static int panel_deployments(struct db *db, struct tpl_dict *content, int64_t now,
                             struct gh_error *err)
{
    static const char *const in_flight[] = {"in_progress", "held", "rolling_back"};
    char next[DEPLOYMENT_CURSOR_LEN];
    int shown = 0;

    for (size_t k = 0; k < sizeof(in_flight) / sizeof(in_flight[0]); k++) {
        json_t *list = deployments_list(db, in_flight[k], NULL, SHOWN, now, next, err), *s;
        size_t i;
        if (list == NULL)
            return -1;
        json_array_foreach(list, i, s)
        {
            deployment_row_fill(tpl_section(content, "DEPLOYMENT"), s, now);
            shown++;
        }
        json_decref(list);
    }
    if (shown == 0)
        tpl_show(content, "NO_DEPLOYMENTS");
    return 0;
}

static int panel_missions(struct db *db, struct tpl_dict *content, int64_t now,
                          struct gh_error *err)
{
    char next[MISSION_CURSOR_LEN];
    json_t *list = missions_list(db, "active", NULL, SHOWN, 0, next, err), *m;
    size_t i;

    if (list == NULL)
        return -1;
    json_array_foreach(list, i, m)
    {
        struct tpl_dict *row = tpl_section(content, "MISSION");
        tpl_set(row, "ID", str(m, "id"));
        tpl_set(row, "TITLE", str(m, "title"));
        page_time(row, "AT", str(m, "updated_at"), now);
    }
    if (i == 0)
        tpl_show(content, "NO_MISSIONS");
    if (next[0])
        tpl_show(content, "MORE_MISSIONS");
    json_decref(list);
    return 0;
}

/* Sources and worker jobs gone quiet beyond their cadence (core/silence.c), silent first. */
static int panel_sources(struct db *db, const struct config *cfg, struct tpl_dict *content,
                         int64_t now, struct gh_error *err)
{
    json_t *list = sources_silent_list(db, cfg, now, err), *src;
    int watched = 0, silent = 0;
    size_t i;

    if (list == NULL)
        return -1;
    json_array_foreach(list, i, src)
    {
        watched++;
        if (json_is_true(json_object_get(src, "silent")) && silent < SHOWN) {
            struct tpl_dict *row = tpl_section(content, "SILENT");
            tpl_set(row, "SOURCE", str(src, "source"));
            tpl_set(row, "KIND",
                    strcmp(str(src, "kind") ? str(src, "kind") : "", "job") == 0 ? "worker job"
                                                                                 : "source");
            page_time(row, "SINCE", str(src, "silent_since"), now);
            silent++;
        }
    }
    if (silent == 0)
        tpl_set_int(tpl_section(content, "ALL_SPEAKING"), "WATCHED", watched);
    json_decref(list);
    return 0;
}

/*
 * GET / — any signed-in user.
 * Where the night starts: what waits for a decision and what expires
 * first, the freezes, the deployments in flight and the active missions,
 * each a tap away from its page; below, the last weeks in four charts.
 * Live: the approvals stream refreshes the panels when a request changes.
 */
void page_home(struct request_ctx *ctx)
{
    struct tpl_dict *layout, *content;
    int64_t now = time_now_ms(), fresh, run, head;
    char at[TIME_RFC3339_LEN];
    struct gh_error err;
    struct db *db;

    if ((db = ctx_db(ctx, &err)) == NULL || stats_fresh(db, &fresh, &run, &err) != 0 ||
        ledger_head_seq(db, &head, &err) != 0) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Dashboard", "home.tpl", &content);
    tpl_set_int(content, "LAST_SEQ", head);
    if (panel_pending(db, content, now, &err) != 0 || panel_freezes(db, content, now, &err) != 0 ||
        panel_deployments(db, content, now, &err) != 0 ||
        panel_missions(db, content, now, &err) != 0 ||
        panel_sources(db, &ctx->app->cfg, content, now, &err) != 0 ||
        chart_approvals(db, tpl_section(content, "APPROVALS_CHART"), run, now, &err) != 0 ||
        chart_decision_time(db, tpl_section(content, "DECISION_CHART"), run, now, &err) != 0 ||
        chart_events(db, tpl_section(content, "EVENTS_CHART"), run, now, &err) != 0 ||
        chart_deliveries(db, tpl_section(content, "DELIVERIES_CHART"), run, now, &err) != 0) {
        tpl_dict_free(layout);
        reply_gh_error(ctx, &err);
        return;
    }
    if (fresh > 0) {
        time_format_rfc3339(fresh, at);
        page_time(tpl_section(content, "FRESH"), "AT", at, now);
    } else {
        tpl_show(content, "NOT_AGGREGATED");
    }
    page_send(ctx, 200, layout);
}
