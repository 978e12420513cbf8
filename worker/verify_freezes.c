/*
 * verify-freezes: re-hash every freeze that has a root and record a check
 * of each (freeze_verify: new violations with freeze.violated, restored
 * ones with freeze.restored, webhooks for both). It runs every
 * freeze_verify_seconds (default 15 minutes); `run --job verify-freezes
 * [--now T]` runs it at once, the checks then happening at T.
 *
 * The least recently checked freezes go first and the job starts no new
 * one once the run's time is up, so a run that cannot do them all still
 * makes progress and the next one continues. A freeze that cannot be
 * verified (its root is gone from the configuration or cannot be opened, a
 * file cannot be read) records nothing and fails the job, after the others
 * were checked: the run's error names it. A failed job is due again at the
 * next run; freezes checked within the last half period are then left
 * alone (unless the job was asked for by name), so only the ones that
 * failed are hashed again every minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/freezes.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "jobs.h"

int job_verify_freezes(struct job_ctx *ctx, struct gh_error *err)
{
    struct freeze_actor worker = {"worker", ctx->cfg->public_url, ctx->now_ms};
    int64_t deadline = time_mono_ns() + (int64_t)ctx->cfg->worker_max_run_seconds * 1000000000;
    int checked = 0, violated = 0, failed = 0, left = 0, opened = 0, restored = 0, fresh = 0;
    struct gh_error first = {GH_OK, "", ""}, e;
    char **names;
    size_t count;

    int64_t fresh_ms = (int64_t)ctx->cfg->freeze_verify_seconds * 500;
    int64_t *last_ms;

    if (freezes_with_root(ctx->db, &names, &last_ms, &count, err) != 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        json_t *check = NULL;
        if (time_mono_ns() > deadline) {
            left = (int)(count - i);
            break;
        }
        if (!ctx->forced && last_ms[i] && ctx->now_ms - last_ms[i] < fresh_ms) {
            fresh++;
            continue;
        }
        if (freeze_verify(ctx->db, ctx->cfg, &worker, "worker", names[i], NULL, NULL, &check, &e) !=
            0) {
            log_error("verify-freezes: %s", e.message);
            if (failed++ == 0)
                first = e;
            continue;
        }
        checked++;
        violated += strcmp(json_string_value(json_object_get(check, "state")), "violated") == 0;
        opened += (int)json_integer_value(json_object_get(check, "new_violations"));
        restored += (int)json_integer_value(json_object_get(check, "restored"));
        json_decref(check);
    }
    freeze_names_free(names, count);
    free(last_ms);
    job_count(ctx, "checked", checked);
    job_count(ctx, "violated", violated);
    job_count(ctx, "new_violations", opened);
    job_count(ctx, "restored", restored);
    job_count(ctx, "left_alone", fresh);
    job_count(ctx, "left_for_next_run", left);
    job_count(ctx, "not_verified", failed);
    buf_printf(ctx->summary, "%d freeze%s checked, %d violated; %d new violation%s, %d restored",
               checked, checked == 1 ? "" : "s", violated, opened, opened == 1 ? "" : "s",
               restored);
    if (fresh)
        buf_printf(ctx->summary, "; %d checked recently, left alone", fresh);
    if (left)
        buf_printf(ctx->summary, "; %d left for the next run (time is up)", left);
    if (failed)
        return gh_fail(err, first.kind == GH_OK ? GH_INTERNAL : first.kind,
                       "%d freeze%s could not be verified; the first: %s", failed,
                       failed == 1 ? "" : "s", first.message);
    return 0;
}
