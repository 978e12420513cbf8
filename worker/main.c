/*
 * gatehouse-worker — the background worker cron runs every minute.
 *
 *   gatehouse-worker [--config FILE] run --once [--now RFC3339]
 *   gatehouse-worker [--config FILE] run --interval SECONDS
 *   gatehouse-worker [--config FILE] run --job NAME [--now RFC3339]
 *
 * Each job runs when due (its period has passed since its last successful
 * run; --job runs it regardless) and under a lease, so that workers started
 * together never run the same job at once. Every run is recorded in the
 * database. A run stops starting jobs once worker_max_run_seconds have
 * passed, so cron runs never pile up. Exit status: 0 when every job succeeded, 1 when
 * one failed, 2 on usage or configuration errors.
 */
#include <curl/curl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/cli.h"
#include "../core/db.h"
#include "../core/jobruns.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../core/version.h"
#include "jobs.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: gatehouse-worker [--config FILE] run --once [--now RFC3339]\n"
                "       gatehouse-worker [--config FILE] run --interval SECONDS\n"
                "       gatehouse-worker [--config FILE] run --job NAME [--now RFC3339]\n"
                "jobs:");
    for (size_t i = 0; i < njob_schedule; i++)
        fprintf(to, " %s", job_schedule[i].name);
    fputc('\n', to);
}

/* Who holds leases taken by this process: host, pid and a random tag. */
static const char *holder_id(void)
{
    static char holder[160];
    char host[64] = "host";

    if (holder[0] == '\0') {
        gethostname(host, sizeof(host) - 1);
        snprintf(holder, sizeof(holder), "%s:%d:%08x", host, (int)getpid(), randombytes_random());
    }
    return holder;
}

/*
 * The run's one log line: the job, its outcome, how long it took, its
 * counts and, when it failed, the error. at is the time the job acted at
 * (--now, else the clock).
 */
static void log_run(const char *name, int ok, double ms, int64_t at, json_t *counts,
                    const char *summary, const char *error)
{
    char when[TIME_RFC3339_LEN];
    json_t *fields;

    time_format_rfc3339(at, when);
    fields = json_pack("{s:s, s:s, s:f, s:s, s:O}", "job", name, "outcome", ok ? "ok" : "failed",
                       "duration_ms", ms, "at", when, "counts", counts);
    if (ok) {
        log_fields(LOG_INFO, fields, "job %s done: %s", name, summary);
    } else {
        if (fields)
            json_object_set_new(fields, "error", json_string(error));
        log_fields(LOG_ERROR, fields, "job %s failed: %s", name, error);
    }
}

/*
 * Run one job under its lease, record the run, print what it did.
 * Returns 0 (done, or skipped because not due or held elsewhere) or -1.
 */
static int run_job(const struct job_schedule *sched, const struct config *cfg, struct db *db,
                   int64_t now, int forced)
{
    const struct job *job = job_find(sched->name);
    const char *name = sched->name;
    int period = job_schedule_period(sched, cfg);
    struct buf summary = BUF_INIT;
    json_t *counts = json_object();
    struct job_ctx ctx = {cfg, db, now, forced, &summary, counts};
    struct gh_error err = {GH_OK, "", ""}, rerr;
    int64_t started = time_mono_ns(), elapsed = 0, run_id = 0;
    int due = 1, rc = -1;

    if (!forced && job_due(db, name, now, period, &due, &err) != 0)
        goto report;
    if (!due) {
        printf("%s: not due (every %d s)\n", name, period);
        rc = 0;
        goto out;
    }
    switch (lease_take(db, name, holder_id(), now,
                       ((int64_t)cfg->worker_max_run_seconds + 60) * 1000, &err)) {
    case 1:
        break;
    case 0:
        printf("%s: skipped, another worker holds its lease\n", name);
        rc = 0;
        goto out;
    default:
        goto report;
    }
    started = time_mono_ns();
    if (run_start(db, name, now, &run_id, &err) == 0)
        rc = job->run(&ctx, &err);
    elapsed = time_mono_ns() - started;
    /* The run ends on the clock it acted on: --now plus the time it took. */
    if (run_id && run_end(db, run_id, rc == 0, buf_str(&summary), rc ? err.message : NULL,
                          now + elapsed / 1000000, &rerr) != 0)
        log_error("cannot record the end of %s: %s", name, rerr.message);
    lease_release(db, name, holder_id(), NULL);
    if (rc == 0) {
        printf("%s: ok in %.1f ms: %s\n", name, (double)elapsed / 1e6, buf_str(&summary));
        log_run(name, 1, (double)elapsed / 1e6, now, counts, buf_str(&summary), NULL);
    }
report:
    if (rc != 0) {
        printf("%s: FAILED: %s\n", name, err.message);
        log_run(name, 0, (double)elapsed / 1e6, now, counts, NULL, err.message);
    }
out:
    fflush(stdout);
    json_decref(counts);
    buf_free(&summary);
    return rc;
}

/* One pass over the jobs (or the one named), within the run-time budget. */
static int run_once(const struct config *cfg, struct db *db, const struct job_schedule *only,
                    int64_t now)
{
    int64_t deadline = time_mono_ns() + (int64_t)cfg->worker_max_run_seconds * 1000000000;
    int failed = 0;

    for (size_t i = 0; i < njob_schedule; i++) {
        if (only && only != &job_schedule[i])
            continue;
        if (stop_requested)
            break;
        if (time_mono_ns() > deadline) {
            printf("run time of %d s used up; %s and later jobs wait for the next run\n",
                   cfg->worker_max_run_seconds, job_schedule[i].name);
            break;
        }
        failed |= run_job(&job_schedule[i], cfg, db, now, only != NULL) != 0;
    }
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *config_path, *job_name = NULL, *now_text = NULL;
    struct config cfg;
    struct db db;
    struct gh_error err;
    struct db_options opt;
    const struct job_schedule *only = NULL;
    int once = 0, interval = 0, rc = 2;
    int64_t now = 0;

    log_init("worker");
    config_path = cli_take_config(&argc, argv);
    if (config_path == NULL || argc < 2 || strcmp(argv[1], "run") != 0) {
        if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
            printf("gatehouse-worker %s\n", GATEHOUSE_VERSION);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0) {
            once = 1;
        } else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 86400) {
                fprintf(stderr, "gatehouse-worker: --interval takes 1 to 86400 seconds\n");
                return 2;
            }
            interval = (int)v;
        } else if (strcmp(argv[i], "--job") == 0 && i + 1 < argc) {
            job_name = argv[++i];
        } else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
            now_text = argv[++i];
        } else {
            fprintf(stderr, "gatehouse-worker: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (once + (interval > 0) + (job_name != NULL) != 1) {
        fprintf(stderr, "gatehouse-worker: give exactly one of --once, --interval, --job\n");
        usage(stderr);
        return 2;
    }
    if (now_text && interval) {
        fprintf(stderr, "gatehouse-worker: --now goes with --once or --job, not --interval\n");
        return 2;
    }
    if (now_text && time_parse_rfc3339(now_text, &now) != 0) {
        fprintf(stderr,
                "gatehouse-worker: --now wants an RFC 3339 time such as "
                "2026-11-22T10:00:00Z, got '%s'\n",
                now_text);
        return 2;
    }
    jobs_check();
    if (job_name && (only = job_schedule_find(job_name)) == NULL) {
        fprintf(stderr, "gatehouse-worker: no job named '%s'\n", job_name);
        usage(stderr);
        return 2;
    }
    if (sodium_init() < 0)
        fatal("libsodium failed to initialise");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        fatal("libcurl failed to initialise");
    db_global_init();
    if (cli_load_config(config_path, &cfg) != 0)
        goto out_config;
    log_set_level(cfg.log_level);
    opt = (struct db_options){0, cfg.busy_timeout_ms, cfg.wal_checkpoint_pages};
    if (db_open(&db, cfg.database, &opt, &err) != 0) {
        fprintf(stderr, "gatehouse-worker: %s\n", err.message);
        rc = 1;
        goto out_config;
    }

    if (!interval) {
        rc = run_once(&cfg, &db, only, now ? now : time_now_ms());
    } else {
        signal(SIGTERM, on_stop);
        signal(SIGINT, on_stop);
        log_info("worker running every %d s", interval);
        rc = 0;
        while (!stop_requested) {
            int64_t next = time_mono_ns() + (int64_t)interval * 1000000000;
            rc |= run_once(&cfg, &db, NULL, time_now_ms());
            while (!stop_requested && time_mono_ns() < next)
                usleep(100000);
        }
        log_info("worker stopped");
    }
    db_close(&db);
    curl_global_cleanup();
out_config:
    config_free(&cfg);
    return rc;
}
