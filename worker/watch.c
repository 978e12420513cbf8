/*
 * watch-sources: every inbound source and every job judged against its
 * cadence on the worker's clock (--now); silence is recorded once
 * (source.silent), and its end when the source speaks again
 * (source.resumed). See core/silence.h for what is watched and how a
 * cadence is learned.
 * watch-ledger: gaps, times going backwards and a head left unsigned for
 * two periods of sign-checkpoint, each recorded once (ledger.alarm). See
 * core/ledger_watch.h.
 */
#include "../core/ledger_watch.h"
#include "../core/silence.h"
#include "jobs.h"

int job_watch_sources(struct job_ctx *ctx, struct gh_error *err)
{
    struct silence_report r;

    if (silence_watch(ctx->db, ctx->cfg, ctx->now_ms, &r, err) != 0)
        return -1;
    job_count(ctx, "watched", r.watched);
    job_count(ctx, "silenced", r.silenced);
    job_count(ctx, "resumed", r.resumed);
    job_count(ctx, "learning", r.learning);
    buf_printf(ctx->summary, "%d source%s watched, %d fell silent, %d resumed, %d still learning",
               r.watched, r.watched == 1 ? "" : "s", r.silenced, r.resumed, r.learning);
    return 0;
}

int job_watch_ledger(struct job_ctx *ctx, struct gh_error *err)
{
    const struct job_schedule *sign = job_schedule_find("sign-checkpoint");
    int found[LEDGER_ALARM_KINDS];

    if (ledger_watch(ctx->db, ctx->now_ms, job_expected_seconds(sign, ctx->cfg), found, err) != 0)
        return -1;
    for (int k = 0; k < LEDGER_ALARM_KINDS; k++)
        job_count(ctx, ledger_alarm_names[k], found[k]);
    if (found[0] + found[1] + found[2] == 0)
        buf_puts(ctx->summary, "no new alarm");
    else
        buf_printf(ctx->summary, "new alarms: %d gap%s, %d time reversal%s, %d stale head%s",
                   found[0], found[0] == 1 ? "" : "s", found[1], found[1] == 1 ? "" : "s", found[2],
                   found[2] == 1 ? "" : "s");
    return 0;
}
