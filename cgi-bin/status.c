/*
 * The worker's jobs as the records show them: GET /api/v1/worker/jobs and
 * the /status page. The schedule (names, periods) is core/jobsched.c, the
 * runs and leases core/jobruns.c: gatehouse.fcgi reads both, never the
 * worker's code.
 */
#include <stdio.h>
#include <string.h>

#include "../core/jobruns.h"
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

/* key_at and key_ago of a time in ms (0: left unset). */
static void row_time(struct tpl_dict *d, const char *key_at, const char *key_ago, int64_t ms,
                     int64_t now)
{
    char at[TIME_RFC3339_LEN];

    if (ms == 0)
        return;
    time_format_rfc3339(ms, at);
    page_time(d, key_at, key_ago, at, now);
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
        row_time(s, "AT", "AGO", st->last_started_ms, now);
    } else {
        tpl_show(row, "NEVER_RAN");
    }
    if (st->last_outcome == 1) {
        s = tpl_section(row, "LAST_OK");
        row_time(s, "AT", "AGO", st->last_finished_ms, now);
        tpl_set(s, "SUMMARY", st->last_summary ? st->last_summary : "");
    } else if (st->last_outcome == 0) {
        s = tpl_section(row, "LAST_FAILED");
        row_time(s, "AT", "AGO", st->last_finished_ms, now);
        tpl_set(s, "ERROR", st->last_error ? st->last_error : "");
    }
    if (st->last_success_ms) {
        s = tpl_section(row, "SUCCEEDED");
        row_time(s, "AT", "AGO", st->last_success_ms, now);
    } else {
        tpl_show(row, "NEVER_SUCCEEDED");
    }
    if (st->next_due_ms > now) {
        s = tpl_section(row, "DUE");
        row_time(s, "AT", "AGO", st->next_due_ms, now);
    } else {
        tpl_show(row, "DUE_NOW");
    }
    if (st->lease_holder)
        tpl_set(tpl_section(row, "LEASE"), "HOLDER", st->lease_holder);
}

/*
 * GET /status — any signed-in user.
 * No parameters. The worker's jobs: schedule, last run and its outcome,
 * last success, next due time, lease holder; stale jobs (no success within
 * three periods) in red and saying so in words.
 */
void page_status(struct request_ctx *ctx)
{
    struct tpl_dict *layout, *content;
    int64_t now = time_now_ms();
    struct gh_error err;
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
    if (stale) {
        struct tpl_dict *s = tpl_section(content, "SOME_STALE");
        tpl_set_int(s, "COUNT", stale);
        tpl_set(s, "JOBS_ARE", stale > 1 ? "jobs are" : "job is");
    } else {
        tpl_show(content, "ALL_FRESH");
    }
    page_send(ctx, 200, layout);
}
