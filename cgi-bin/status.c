/*
 * The worker's jobs as the records show them: GET /api/v1/worker/jobs and
 * the /status page. The schedule (names, periods) is core/jobsched.c, the
 * runs and leases core/jobruns.c: gatehouse.fcgi reads both, never the
 * worker's code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/jobruns.h"
#include "../core/ledger_watch.h"
#include "../core/silence.h"
#include "../core/timeutil.h"
#include "reply.h"

/*
 * GET /api/v1/worker/jobs — any signed-in user.
 * No parameters. Every scheduled job in the order a run takes them: name,
 * period_seconds, last_started_at, last_finished_at, last_outcome,
 * last_error, next_due_at, lease_holder, stale (see job_status_json).
 */
void api_worker_jobs(struct request_ctx *ctx)
{
    int64_t now = time_now_ms();
    json_t *items = json_array();
    struct gh_error err;
    struct db *db;

    if ((db = ctx_db(ctx, &err)) == NULL) {
        json_decref(items);
        reply_gh_error(ctx, &err);
        return;
    }
    for (size_t i = 0; i < njob_schedule; i++) {
        struct job_status st;
        if (job_status_read(db, &job_schedule[i], &ctx->app->cfg, now, &st, &err) != 0) {
            json_decref(items);
            reply_gh_error(ctx, &err);
            return;
        }
        json_array_append_new(items, job_status_json(&st));
        job_status_free(&st);
    }
    reply_json(ctx, 200, items);
}

/* "every run (about a minute)", "every 15 min". */
static void every(int period_s, char *out, size_t n)
{
    char span[TIME_SPAN_LEN];

    if (period_s == 0) {
        snprintf(out, n, "every run (cron: each minute)");
        return;
    }
    time_format_span((int64_t)period_s * 1000, span);
    snprintf(out, n, "every %s", span);
}

/* {{>key}} of a time in ms (0: left unset). */
static void row_time(struct tpl_dict *d, const char *key, int64_t ms, int64_t now)
{
    char at[TIME_RFC3339_LEN];

    if (ms == 0)
        return;
    time_format_rfc3339(ms, at);
    page_time(d, key, at, now);
}

static void job_row(struct tpl_dict *content, const struct job_status *st, int64_t now)
{
    struct tpl_dict *row = tpl_section(content, "JOB"), *s;
    char text[64], span[TIME_SPAN_LEN];

    tpl_set(row, "NAME", st->name);
    every(st->period_seconds, text, sizeof(text));
    tpl_set(row, "EVERY", text);
    if (st->stale) {
        s = tpl_section(row, "STALE");
        time_format_span((int64_t)JOB_STALE_PERIODS * st->expected_seconds * 1000, span);
        tpl_set(s, "WITHIN", span);
    } else {
        tpl_show(row, "FRESH");
    }
    if (st->running)
        tpl_show(row, "RUNNING");
    if (st->last_started_ms) {
        s = tpl_section(row, "STARTED");
        row_time(s, "AT", st->last_started_ms, now);
    } else {
        tpl_show(row, "NEVER_RAN");
    }
    if (st->last_outcome == 1) {
        s = tpl_section(row, "LAST_OK");
        row_time(s, "AT", st->last_finished_ms, now);
        tpl_set(s, "SUMMARY", st->last_summary ? st->last_summary : "");
    } else if (st->last_outcome == 0) {
        s = tpl_section(row, "LAST_FAILED");
        row_time(s, "AT", st->last_finished_ms, now);
        tpl_set(s, "ERROR", st->last_error ? st->last_error : "");
    }
    if (st->last_success_ms) {
        s = tpl_section(row, "SUCCEEDED");
        row_time(s, "AT", st->last_success_ms, now);
    } else {
        tpl_show(row, "NEVER_SUCCEEDED");
    }
    if (st->next_due_ms > now) {
        s = tpl_section(row, "DUE");
        row_time(s, "AT", st->next_due_ms, now);
    } else {
        tpl_show(row, "DUE_NOW");
    }
    if (st->lease_holder)
        tpl_set(tpl_section(row, "LEASE"), "HOLDER", st->lease_holder);
}

/* A JSON string member, or "" (templates take text). */
static const char *text_of(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));

    return v ? v : "";
}

/* "every 5 min": a number of seconds from a JSON member, as people read it. */
static void span_of(json_t *o, const char *key, char out[TIME_SPAN_LEN])
{
    time_format_span((int64_t)(json_number_value(json_object_get(o, key)) * 1000), out);
}

/* The watched sources: silent ones first, in red with words; those still learning say so. */
static void sources_section(struct tpl_dict *content, json_t *list, int64_t now)
{
    size_t i;
    json_t *src;
    int silent = 0;

    if (json_array_size(list) == 0) {
        tpl_show(content, "NO_SOURCES");
        return;
    }
    json_array_foreach(list, i, src)
    {
        struct tpl_dict *row = tpl_section(content, "SOURCE"), *s;
        char span[TIME_SPAN_LEN];
        tpl_set(row, "NAME", text_of(src, "source"));
        tpl_set(row, "KIND", strcmp(text_of(src, "kind"), "job") == 0 ? "worker job" : "inbound");
        if (json_is_true(json_object_get(src, "silent"))) {
            s = tpl_section(row, "SILENT");
            page_time(s, "SINCE", text_of(src, "silent_since"), now);
            silent++;
        } else if (json_is_null(json_object_get(src, "threshold_seconds"))) {
            tpl_show(row, json_is_null(json_object_get(src, "cadence")) ? "LEARNING" : "UNWATCHED");
        } else {
            tpl_show(row, "SPEAKING");
        }
        if (!json_is_null(json_object_get(src, "threshold_seconds"))) {
            s = tpl_section(row, "EXPECTED");
            span_of(src, "expected_seconds", span);
            tpl_set(s, "EVERY", span);
            span_of(src, "threshold_seconds", span);
            tpl_set(s, "BEYOND", span);
            tpl_set(s, "CADENCE", text_of(src, "cadence"));
        }
        if (*text_of(src, "last_seen_at")) {
            s = tpl_section(row, "SEEN");
            page_time(s, "AT", text_of(src, "last_seen_at"), now);
        } else {
            tpl_show(row, "NEVER_SEEN");
        }
    }
    if (silent) {
        struct tpl_dict *s = tpl_section(content, "SOME_SILENT");
        tpl_set_int(s, "COUNT", silent);
        tpl_set(s, "SOURCES_ARE", silent > 1 ? "sources are" : "source is");
        tpl_set(s, "THEIR", silent > 1 ? "their" : "its");
    }
}

/* The newest alarms about the ledger itself. */
static void alarms_section(struct tpl_dict *content, json_t *alarms, int64_t now)
{
    size_t i;
    json_t *a;

    json_array_foreach(alarms, i, a)
    {
        struct tpl_dict *row = tpl_section(content, "ALARM");
        char *detail = json_dumps(json_object_get(a, "detail"), JSON_COMPACT | JSON_SORT_KEYS);
        tpl_set(row, "KIND", text_of(a, "kind"));
        tpl_set_int(row, "SEQ", json_integer_value(json_object_get(a, "seq")));
        page_time(row, "AT", text_of(a, "detected_at"), now);
        tpl_set(row, "DETAIL", detail ? detail : "");
        free(detail);
    }
    if (json_array_size(alarms) == 0)
        tpl_show(content, "NO_ALARMS");
}

/*
 * GET /status — any signed-in user.
 * No parameters. The worker's jobs: schedule, last run and its outcome,
 * last success, next due time, lease holder; stale jobs (no success within
 * three periods) in red and saying so in words. Then every watched source
 * (silent ones first, in red) and the newest alarms about the ledger.
 */
void page_status(struct request_ctx *ctx)
{
    struct tpl_dict *layout, *content;
    int64_t now = time_now_ms();
    struct gh_error err;
    json_t *sources, *alarms;
    struct db *db;
    int stale = 0;

    if ((db = ctx_db(ctx, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Status", "status.tpl", &content);
    for (size_t i = 0; i < njob_schedule; i++) {
        struct job_status st;
        if (job_status_read(db, &job_schedule[i], &ctx->app->cfg, now, &st, &err) != 0) {
            tpl_dict_free(layout);
            reply_gh_error(ctx, &err);
            return;
        }
        job_row(content, &st, now);
        stale += st.stale;
        job_status_free(&st);
    }
    sources = sources_silent_list(db, &ctx->app->cfg, now, &err);
    alarms = sources ? ledger_alarms_recent(db, 20, &err) : NULL;
    if (alarms == NULL) {
        json_decref(sources);
        tpl_dict_free(layout);
        reply_gh_error(ctx, &err);
        return;
    }
    sources_section(content, sources, now);
    alarms_section(content, alarms, now);
    json_decref(sources);
    json_decref(alarms);
    if (stale) {
        struct tpl_dict *s = tpl_section(content, "SOME_STALE");
        tpl_set_int(s, "COUNT", stale);
        tpl_set(s, "JOBS_ARE", stale > 1 ? "jobs are" : "job is");
    } else {
        tpl_show(content, "ALL_FRESH");
    }
    page_send(ctx, 200, layout);
}
