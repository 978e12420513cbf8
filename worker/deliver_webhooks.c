/*
 * deliver-webhooks: send due deliveries with libcurl, one reused handle so
 * that connections to a receiver are kept alive.
 *
 * Each delivery is a POST of the stored body, signed the Standard Webhooks
 * way over exactly those bytes (webhook-id stays the same through every
 * retry); redirects are not followed; TLS certificates are verified; the
 * whole exchange must end within webhook_timeout_seconds. Each result is
 * recorded as soon as it is known, so a worker killed mid-batch loses at
 * most the delivery in flight, which is sent again (same webhook-id) once
 * its lease lapses.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/outbox.h"
#include "../core/timeutil.h"
#include "../core/version.h"
#include "jobs.h"

/* Deliveries claimed at once; each holds its lease for BATCH x the timeout at most. */
#define BATCH 32

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
    (void)data;
    (void)arg;
    return size * n; /* the answer's body is not needed */
}

/* One POST; fills a. */
static void send_one(CURL *curl, const struct job_ctx *ctx, const struct delivery *d,
                     struct attempt *a, char *errbuf)
{
    struct curl_slist *headers = NULL;
    char line[256], ts[24], sig[80];
    struct gh_error err;
    struct curl_header *retry;
    long code = 0;
    CURLcode rc;
    /*
     * The signature's timestamp is the wall clock's, never --now: receivers
     * refuse one more than five minutes off, so a replay at a past time
     * would otherwise send deliveries every receiver must reject.
     */
    int64_t now_s = time_now_ms() / 1000;

    a->status_code = 0;
    a->error = NULL;
    a->retry_after_s = -1;
    if (strncmp(d->url, "https://", 8) != 0 && !ctx->cfg->webhook_allow_http) {
        a->error = "plain http:// is not allowed (webhook_allow_http = 0)";
        return;
    }
    snprintf(ts, sizeof(ts), "%lld", (long long)now_s);
    if (webhook_sign(d->secret, d->msg_id, ts, d->body, strlen(d->body), sig, sizeof(sig), &err) !=
        0) {
        a->error = "the subscription's secret is unusable";
        return;
    }
    headers = curl_slist_append(headers, "Content-Type: application/json");
    snprintf(line, sizeof(line), "webhook-id: %s", d->msg_id);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof(line), "webhook-timestamp: %s", ts);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof(line), "webhook-signature: %s", sig);
    headers = curl_slist_append(headers, line);
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, d->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(d->body));
    errbuf[0] = '\0';
    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        a->error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        a->status_code = (int)code;
        if (code < 200 || code >= 300) {
            static _Thread_local char msg[64];
            snprintf(msg, sizeof(msg), "the receiver answered %ld", code);
            a->error = msg;
            if ((code == 429 || code == 503) &&
                curl_easy_header(curl, "Retry-After", 0, CURLH_HEADER, -1, &retry) == CURLHE_OK)
                a->retry_after_s = atoi(retry->value);
        }
    }
    curl_slist_free_all(headers);
}

int job_deliver_webhooks(struct job_ctx *ctx, struct gh_error *err)
{
    int64_t deadline = time_mono_ns() + (int64_t)ctx->cfg->worker_max_run_seconds * 1000000000 / 2;
    int timeout_s = ctx->cfg->webhook_timeout_seconds;
    int delivered = 0, retried = 0, failed = 0, rc = 0;
    char errbuf[CURL_ERROR_SIZE];
    CURL *curl = curl_easy_init();

    if (curl == NULL)
        return gh_fail(err, GH_INTERNAL, "libcurl failed to start");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "Gatehouse-Webhooks/" GATEHOUSE_VERSION);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)timeout_s);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)(timeout_s < 5 ? timeout_s : 5));
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

    while (time_mono_ns() < deadline) {
        struct delivery *batch;
        int n;

        if (deliveries_claim(ctx->db, ctx->now_ms, BATCH, (int64_t)BATCH * (timeout_s + 2) * 1000,
                             &batch, &n, err) != 0) {
            rc = -1;
            break;
        }
        for (int i = 0; i < n; i++) {
            struct attempt a;
            send_one(curl, ctx, &batch[i], &a, errbuf);
            if (delivery_record(ctx->db, &batch[i], &a, ctx->now_ms, err) != 0) {
                rc = -1;
                break;
            }
            if (a.error == NULL)
                delivered++;
            else if (batch[i].attempts + 1 >= 8 || a.status_code == 410)
                failed++;
            else
                retried++;
            if (a.error)
                log_warn("delivery %s to %s: %s", batch[i].msg_id, batch[i].url, a.error);
        }
        deliveries_free(batch, n);
        if (rc != 0 || n < BATCH)
            break;
        if ((delivered + retried + failed) % 1000 < BATCH)
            log_info("deliver-webhooks: %d delivered so far", delivered);
    }
    curl_easy_cleanup(curl);
    job_count(ctx, "delivered", delivered);
    job_count(ctx, "to_retry", retried);
    job_count(ctx, "failed", failed);
    if (rc == 0)
        buf_printf(ctx->summary, "%d delivered, %d to retry, %d failed", delivered, retried,
                   failed);
    return rc;
}
