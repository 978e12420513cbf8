/*
 * Ledger and outbox figures for `make bench`, on a fresh database file:
 *   ledger-bench DIR APPENDS TOTAL DELIVERIES URL
 * 1. APPENDS entries, each in its own write transaction (synchronous=FULL),
 *    as the application makes them: entries/s.
 * 2. Fill up to TOTAL entries in large transactions, then time
 *    ledger_verify over the whole chain.
 * 3. Subscribe URL and queue DELIVERIES deliveries for the worker to send
 *    (the bench script times the worker).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../core/ledger.h"
#include "../../core/log.h"
#include "../../core/outbox.h"
#include "../../core/timeutil.h"

static void die(const char *what, const struct gh_error *err)
{
    fprintf(stderr, "ledger-bench: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

int main(int argc, char **argv)
{
    struct db_options opt = {1, 10000, 1000};
    struct gh_error err;
    struct db db;
    char path[4096], secret[WEBHOOK_SECRET_LEN];
    long appends, total, ndeliveries;
    struct ledger_check check;
    int64_t t0, sub;
    int applied;
    double s;
    json_t *payload, *events;

    if (argc != 6) {
        fprintf(stderr, "usage: ledger-bench DIR APPENDS TOTAL DELIVERIES URL\n");
        return 2;
    }
    log_init("bench");
    log_set_level(LOG_WARN);
    db_global_init();
    if (sodium_init() < 0)
        die("libsodium", NULL);
    appends = atol(argv[2]);
    total = atol(argv[3]);
    ndeliveries = atol(argv[4]);
    snprintf(path, sizeof(path), "%s/gatehouse.db", argv[1]);
    if (db_open(&db, path, &opt, &err) != 0 || db_migrate(&db, &applied, &err) != 0)
        die("open", &err);
    payload = json_pack("{s:s, s:i, s:s}", "approval", "restart_service", "tier", 2, "target",
                        "payments-api");

    t0 = time_mono_ns();
    for (long i = 0; i < appends; i++)
        if (db_begin_write(&db, &err) != 0 ||
            ledger_append(&db, time_now_ms(), "bench", "bench.entry", "subject", payload, NULL,
                          &err) != 0 ||
            db_commit(&db, &err) != 0)
            die("append", &err);
    s = (double)(time_mono_ns() - t0) / 1e9;
    printf(
        "ledger appends: %ld in %.2f s = %.0f entries/s (one transaction each, synchronous=FULL)\n",
        appends, s, (double)appends / s);

    for (long done = appends; done < total;) {
        if (db_begin_write(&db, &err) != 0)
            die("fill", &err);
        for (int k = 0; k < 20000 && done < total; k++, done++)
            if (ledger_append(&db, time_now_ms(), "bench", "bench.entry", "subject", payload, NULL,
                              &err) != 0)
                die("fill", &err);
        if (db_commit(&db, &err) != 0)
            die("fill", &err);
    }
    t0 = time_mono_ns();
    if (ledger_verify(&db, &check, NULL, &err) != 0 || !check.ok)
        die("verify", &err);
    s = (double)(time_mono_ns() - t0) / 1e9;
    printf("ledger verify: %lld entries in %.2f s (target < 5 s for 1,000,000)\n",
           (long long)check.entries, s);

    events = json_pack("[s]", "ledger.checkpoint");
    if (webhook_add(&db, "bench", argv[5], events, "bench", 1, &sub, secret, &err) != 0)
        die("subscribe", &err);
    json_decref(events);
    if (db_begin_write(&db, &err) != 0)
        die("enqueue", &err);
    for (long i = 0; i < ndeliveries; i++)
        if (outbox_enqueue(&db, "ledger.checkpoint", payload, time_now_ms(), NULL, &err) != 0)
            die("enqueue", &err);
    if (db_commit(&db, &err) != 0)
        die("enqueue", &err);
    json_decref(payload);
    db_close(&db);
    return 0;
}
