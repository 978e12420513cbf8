/*
 * Outbound webhooks: subscriptions and the delivery outbox.
 *
 * Recording an event that subscribers want writes one delivery row per
 * subscriber in the caller's transaction (outbox_enqueue), so a change and
 * the news of it commit or vanish together. The worker claims due
 * deliveries under a lease, sends them (worker/deliver_webhooks.c) and
 * records each result here. A delivery keeps its msg_id (the webhook-id
 * header) through every retry.
 */
#ifndef GH_OUTBOX_H
#define GH_OUTBOX_H

#include <jansson.h>
#include <stdint.h>

#include "crypto.h"
#include "db.h"

/* Whether t is one of the event types API.md lists. */
int webhook_event_known(const char *t);

/*
 * Subscribe url to events (an array of event type strings). https:// only,
 * unless allow_http. Writes "webhook.added" to the ledger. secret_out
 * receives the signing secret, shown once.
 */
int webhook_add(struct db *db, const char *actor, const char *url, json_t *events,
                const char *description, int allow_http, int64_t *id,
                char secret_out[WEBHOOK_SECRET_LEN], struct gh_error *err);
/* {"id", "url", "events", "description", "state", "state_reason", "created_at"}; GH_NOT_FOUND. */
json_t *webhook_get(struct db *db, int64_t id, struct gh_error *err);
/* Every subscription not deleted, as webhook_get shows them. */
json_t *webhook_list(struct db *db, struct gh_error *err);
/* Delete: no more deliveries; pending ones fail. "webhook.deleted" in the ledger. */
int webhook_delete(struct db *db, const char *actor, int64_t id, struct gh_error *err);

/*
 * In the caller's write transaction: one delivery of event_type with data
 * (borrowed) to every active subscription that wants it. *count (may be
 * NULL) receives how many.
 */
int outbox_enqueue(struct db *db, const char *event_type, json_t *data, int64_t now_ms, int *count,
                   struct gh_error *err);

/* The deliveries of a subscription, newest first, as API.md lists them. */
json_t *deliveries_list(struct db *db, int64_t subscription_id, int64_t before, int limit,
                        int64_t *next, struct gh_error *err);
/* Make a delivery due now (again, if it had failed). GH_NOT_FOUND. */
int delivery_retry(struct db *db, int64_t subscription_id, int64_t delivery_id,
                   struct gh_error *err);

/* Forget delivered deliveries older than before_ms; *count receives how many. */
int deliveries_prune(struct db *db, int64_t before_ms, int *count, struct gh_error *err);

/* One claimed delivery, with what it takes to send it. */
struct delivery {
    int64_t id;     /* webhook_deliveries.id */
    int64_t sub_id; /* its subscription */
    char *url;      /* where to POST */
    char *secret;   /* the subscription's whsec_ secret */
    char *msg_id;   /* webhook-id, stable across retries */
    char *body;     /* the exact bytes to send and sign */
    int attempts;   /* attempts before this one */
};

/*
 * Claim up to max due deliveries for lease_ms (another worker skips them
 * meanwhile; a crashed worker's lease lapses). *out is allocated; release
 * with deliveries_free().
 */
int deliveries_claim(struct db *db, int64_t now_ms, int max, int64_t lease_ms,
                     struct delivery **out, int *count, struct gh_error *err);
void deliveries_free(struct delivery *d, int count);

/* The result of one attempt. */
struct attempt {
    int status_code;   /* HTTP status, 0 when none came */
    const char *error; /* what went wrong, NULL on 2xx */
    int retry_after_s; /* Retry-After of a 429 or 503, else -1 */
};

/*
 * Record an attempt: 2xx delivered; 410 disables the subscription; else
 * the next attempt follows the schedule (about 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h, with jitter; Retry-After when given), and after the
 * last the delivery has failed.
 */
int delivery_record(struct db *db, const struct delivery *d, const struct attempt *a,
                    int64_t now_ms, struct gh_error *err);

#endif
