/* Outbound webhooks and the delivery outbox (see outbox.h). */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "echo.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "timeutil.h"

static const char *const event_types[] = {
    "approval.requested",
    "approval.granted",
    "approval.denied",
    "approval.expired",
    "approval.cancelled",
    "approval.executed",
    "freeze.violated",
    "freeze.restored",
    "gate.evaluated",
    "rollback.triggered",
    "deployment.signed_off",
    "mission.closed",
    "ledger.checkpoint",
    "source.silent",
    "source.resumed",
    "ledger.alarm",
    "action.verified",
    "action.violated",
    "action.rollback_requested",
    NULL,
};

/* Delays after attempts 1..7, in seconds; the 8th failure is final. */
static const int backoff_s[] = {5, 300, 1800, 7200, 18000, 36000, 36000};
#define MAX_ATTEMPTS ((int)(sizeof(backoff_s) / sizeof(backoff_s[0])) + 1)

int webhook_event_known(const char *t)
{
    for (const char *const *e = event_types; *e; e++)
        if (strcmp(*e, t) == 0)
            return 1;
    return 0;
}

static json_t *subscription_json(sqlite3_stmt *st)
{
    json_t *events = json_array();
    const char *csv = (const char *)sqlite3_column_text(st, 2);

    while (*csv) {
        size_t n = strcspn(csv, ",");
        json_array_append_new(events, json_stringn(csv, n));
        csv += n + (csv[n] == ',');
    }
    return json_pack("{s:I, s:s, s:o, s:s, s:s, s:o, s:s}", "id",
                     (json_int_t)sqlite3_column_int64(st, 0), "url", sqlite3_column_text(st, 1),
                     "events", events, "description", sqlite3_column_text(st, 3), "state",
                     sqlite3_column_text(st, 4), "state_reason",
                     sqlite3_column_type(st, 5) == SQLITE_NULL
                         ? json_null()
                         : json_string((const char *)sqlite3_column_text(st, 5)),
                     "created_at", sqlite3_column_text(st, 6));
}

int webhook_add(struct db *db, const char *actor, const char *url, json_t *events,
                const char *description, int allow_http, int64_t *id,
                char secret_out[WEBHOOK_SECRET_LEN], struct gh_error *err)
{
    static const char sql[] = "INSERT INTO webhook_subscriptions (url, events, description,"
                              " secret, state, created_at) VALUES (:url, :events, :d, :s,"
                              " 'active', :at)";
    struct buf csv = BUF_INIT;
    char at[TIME_RFC3339_LEN], sub[40], shown[ECHO_LEN];
    json_t *e, *payload;
    size_t i;
    int rc = -1;

    if (strncmp(url, "https://", 8) != 0 && !(allow_http && strncmp(url, "http://", 7) == 0))
        return gh_fail_field(err, GH_INVALID, "url",
                             allow_http
                                 ? "the URL must start with https:// or http://"
                                 : "the URL must start with https:// (plain http:// is allowed "
                                   "only when webhook_allow_http = 1)");
    if (strlen(url) > 2000 || strpbrk(url, " \r\n\t") != NULL)
        return gh_fail_field(err, GH_INVALID, "url", "the URL is not valid");
    if (!json_is_array(events) || json_array_size(events) == 0)
        return gh_fail_field(err, GH_INVALID, "events", "give at least one event type");
    json_array_foreach(events, i, e)
    {
        if (!json_is_string(e) || !webhook_event_known(json_string_value(e))) {
            buf_free(&csv);
            return gh_fail_field(err, GH_INVALID, "events", "unknown event type '%s'",
                                 json_is_string(e) ? echo(json_string_value(e), shown)
                                                   : "(not a string)");
        }
        if (i)
            buf_putc(&csv, ',');
        buf_puts(&csv, json_string_value(e));
    }
    webhook_secret_new(secret_out);
    time_format_rfc3339(time_now_ms(), at);
    if (db_begin_write(db, err) != 0)
        goto out;
    if (db_run(db, sql, NULL, err,
               BINDS(BIND_TEXT(":url", url), BIND_TEXT(":events", buf_str(&csv)),
                     BIND_TEXT(":d", description ? description : ""), BIND_TEXT(":s", secret_out),
                     BIND_TEXT(":at", at))) == 0) {
        *id = sqlite3_last_insert_rowid(db->conn);
        snprintf(sub, sizeof(sub), "webhook:%lld", (long long)*id);
        payload = json_pack("{s:I, s:s, s:O}", "id", (json_int_t)*id, "url", url, "events", events);
        rc = ledger_append(db, time_now_ms(), actor, "webhook.added", sub, payload, NULL, err);
        json_decref(payload);
    }
    if (rc != 0)
        db_rollback(db);
    else
        rc = db_commit(db, err);
out:
    buf_free(&csv);
    return rc;
}

#define SUB_COLUMNS "id, url, events, description, state, state_reason, created_at"

json_t *webhook_get(struct db *db, int64_t id, struct gh_error *err)
{
    static const char sql[] = "SELECT " SUB_COLUMNS " FROM webhook_subscriptions"
                              " WHERE id = :id AND state != 'deleted'";
    sqlite3_stmt *st;
    json_t *out = NULL;
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_INT(":id", id)), err)) == NULL)
        return NULL;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        out = subscription_json(st);
    else if (rc == SQLITE_DONE)
        gh_fail(err, GH_NOT_FOUND, "no webhook subscription %lld", (long long)id);
    db_reset(st);
    return out;
}

json_t *webhook_list(struct db *db, struct gh_error *err)
{
    static const char sql[] = "SELECT " SUB_COLUMNS " FROM webhook_subscriptions"
                              " WHERE state != 'deleted' ORDER BY id";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *list = json_array();
    int rc;

    while (st && (rc = db_step(db, st, err)) == SQLITE_ROW)
        json_array_append_new(list, subscription_json(st));
    db_reset(st);
    if (st == NULL || rc != SQLITE_DONE) {
        json_decref(list);
        if (st == NULL)
            gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    return list;
}

int webhook_delete(struct db *db, const char *actor, int64_t id, struct gh_error *err)
{
    static const char del[] = "UPDATE webhook_subscriptions SET state = 'deleted',"
                              " state_reason = 'deleted' WHERE id = :id AND state != 'deleted'";
    static const char fail[] = "UPDATE webhook_deliveries SET status = 'failed',"
                               " last_error = 'subscription deleted', finished_ms = :now"
                               " WHERE subscription_id = :id AND status = 'pending'";
    int64_t now = time_now_ms();
    char sub[40];
    json_t *payload;
    int changes = 0, rc;

    if (db_begin_write(db, err) != 0)
        return -1;
    rc = db_run(db, del, &changes, err, BINDS(BIND_INT(":id", id)));
    if (rc == 0 && changes == 0)
        rc = gh_fail(err, GH_NOT_FOUND, "no webhook subscription %lld", (long long)id);
    if (rc == 0)
        rc = db_run(db, fail, NULL, err, BINDS(BIND_INT(":id", id), BIND_INT(":now", now)));
    if (rc == 0) {
        snprintf(sub, sizeof(sub), "webhook:%lld", (long long)id);
        payload = json_pack("{s:I}", "id", (json_int_t)id);
        rc = ledger_append(db, now, actor, "webhook.deleted", sub, payload, NULL, err);
        json_decref(payload);
    }
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db, err);
}

int outbox_enqueue(struct db *db, const char *event_type, json_t *data, int64_t now_ms, int *count,
                   struct gh_error *err)
{
    static const char subs_sql[] = "SELECT id FROM webhook_subscriptions WHERE state = 'active'"
                                   " AND instr(',' || events || ',', ',' || :type || ',') > 0";
    static const char ins_sql[] =
        "INSERT INTO webhook_deliveries (subscription_id, msg_id, event_type, body, status,"
        " next_attempt_ms, created_at) VALUES (:sub, :msg, :type, :body, 'pending', :now, :at)";
    char at[TIME_RFC3339_LEN], msg_id[4 + TOKEN_B64_LEN];
    int64_t *subs = NULL;
    int nsubs = 0, rc;
    json_t *doc;
    char *body;
    sqlite3_stmt *st;

    if (!db->in_write)
        fatal("outbox_enqueue outside a write transaction");
    if ((st = db_query(db, subs_sql, BINDS(BIND_TEXT(":type", event_type)), err)) == NULL)
        return -1;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        subs = xreallocarray(subs, (size_t)nsubs + 1, sizeof(*subs));
        subs[nsubs++] = sqlite3_column_int64(st, 0);
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        free(subs);
        return -1;
    }
    if (count)
        *count = nsubs;
    if (nsubs == 0)
        return 0;
    time_format_rfc3339(now_ms, at);
    doc = json_pack("{s:s, s:s, s:O}", "type", event_type, "timestamp", at, "data", data);
    body = json_dumps(doc, JSON_COMPACT | JSON_REALS);
    json_decref(doc);
    if (body == NULL) {
        free(subs);
        return gh_fail(err, GH_INTERNAL, "the event does not serialise");
    }
    rc = 0;
    for (int i = 0; i < nsubs && rc == 0; i++) {
        memcpy(msg_id, "msg_", 4);
        random_token(msg_id + 4);
        rc = db_run(db, ins_sql, NULL, err,
                    BINDS(BIND_INT(":sub", subs[i]), BIND_TEXT(":msg", msg_id),
                          BIND_TEXT(":type", event_type), BIND_TEXT(":body", body),
                          BIND_INT(":now", now_ms), BIND_TEXT(":at", at)));
    }
    free(body);
    free(subs);
    return rc;
}

json_t *deliveries_list(struct db *db, int64_t subscription_id, int64_t before, int limit,
                        int64_t *next, struct gh_error *err)
{
    static const char sql[] =
        "SELECT id, msg_id, event_type, status, attempts, last_status_code, last_error,"
        " next_attempt_ms, delivered_at FROM webhook_deliveries"
        " WHERE subscription_id = :sub AND id < :before ORDER BY id DESC LIMIT :limit";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *list = json_array();
    int rc, n = 0;

    *next = 0;
    if (st == NULL ||
        db_bind(st, BINDS(BIND_INT(":sub", subscription_id), BIND_INT(":before", before),
                          BIND_INT(":limit", limit + 1))) != 0) {
        db_reset(st);
        json_decref(list);
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        char when[TIME_RFC3339_LEN];
        const char *status = (const char *)sqlite3_column_text(st, 3);
        if (n == limit) {
            *next = sqlite3_column_int64(st, 0) + 1;
            break;
        }
        time_format_rfc3339(sqlite3_column_int64(st, 7), when);
        json_array_append_new(
            list,
            json_pack(
                "{s:I, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o}", "id",
                (json_int_t)sqlite3_column_int64(st, 0), "msg_id", sqlite3_column_text(st, 1),
                "event_type", sqlite3_column_text(st, 2), "status", status, "attempts",
                sqlite3_column_int(st, 4), "last_status_code",
                sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null()
                                                          : json_integer(sqlite3_column_int(st, 5)),
                "last_error",
                sqlite3_column_type(st, 6) == SQLITE_NULL
                    ? json_null()
                    : json_string((const char *)sqlite3_column_text(st, 6)),
                "next_attempt_at", strcmp(status, "pending") == 0 ? json_string(when) : json_null(),
                "delivered_at",
                sqlite3_column_type(st, 8) == SQLITE_NULL
                    ? json_null()
                    : json_string((const char *)sqlite3_column_text(st, 8))));
        n++;
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

int delivery_retry(struct db *db, int64_t subscription_id, int64_t delivery_id,
                   struct gh_error *err)
{
    static const char sql[] =
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = :now,"
        " lease_until_ms = 0, finished_ms = NULL WHERE id = :id AND subscription_id = :sub AND "
        "status != 'delivered'"
        " AND (SELECT state FROM webhook_subscriptions WHERE id = :sub) = 'active'";
    int changes = 0;

    if (db_write(db, sql, &changes, NULL, err,
                 BINDS(BIND_INT(":now", time_now_ms()), BIND_INT(":id", delivery_id),
                       BIND_INT(":sub", subscription_id))) != 0)
        return -1;
    if (changes == 0)
        return gh_fail(err, GH_NOT_FOUND,
                       "no undelivered delivery %lld of an active subscription %lld",
                       (long long)delivery_id, (long long)subscription_id);
    return 0;
}

int deliveries_claim(struct db *db, int64_t now_ms, int max, int64_t lease_ms,
                     struct delivery **out, int *count, struct gh_error *err)
{
    static const char due_sql[] =
        "SELECT d.id, d.subscription_id, s.url, s.secret, d.msg_id, d.body, d.attempts"
        " FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id"
        " WHERE d.status = 'pending' AND d.next_attempt_ms <= :now AND d.lease_until_ms <= :now"
        " AND s.state = 'active' ORDER BY d.next_attempt_ms, d.id LIMIT :max";
    static const char lease_sql[] =
        "UPDATE webhook_deliveries SET lease_until_ms = :until WHERE id = :id";
    struct delivery *d = xcalloc((size_t)max, sizeof(*d));
    sqlite3_stmt *st;
    int n = 0, rc;

    *out = NULL;
    *count = 0;
    /* Under the write lock, so that two workers never claim the same delivery. */
    if (db_begin_write(db, err) != 0) {
        free(d);
        return -1;
    }
    st = db_prepare(db, due_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_INT(":now", now_ms), BIND_INT(":max", max))) != 0) {
        db_reset(st);
        rc = gh_fail(err, GH_INTERNAL, "database error");
        goto fail;
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        d[n].id = sqlite3_column_int64(st, 0);
        d[n].sub_id = sqlite3_column_int64(st, 1);
        d[n].url = xstrdup((const char *)sqlite3_column_text(st, 2));
        d[n].secret = xstrdup((const char *)sqlite3_column_text(st, 3));
        d[n].msg_id = xstrdup((const char *)sqlite3_column_text(st, 4));
        d[n].body = xstrdup((const char *)sqlite3_column_text(st, 5));
        d[n].attempts = sqlite3_column_int(st, 6);
        n++;
    }
    db_reset(st);
    if (rc != SQLITE_DONE)
        goto fail;
    for (int i = 0; i < n; i++)
        if (db_run(db, lease_sql, NULL, err,
                   BINDS(BIND_INT(":until", now_ms + lease_ms), BIND_INT(":id", d[i].id))) != 0)
            goto fail;
    if (db_commit(db, err) != 0)
        goto fail_committed;
    *out = d;
    *count = n;
    return 0;
fail:
    db_rollback(db);
fail_committed:
    deliveries_free(d, n);
    return -1;
}

void deliveries_free(struct delivery *d, int count)
{
    if (d == NULL)
        return;
    for (int i = 0; i < count; i++) {
        free(d[i].url);
        sodium_memzero(d[i].secret, strlen(d[i].secret));
        free(d[i].secret);
        free(d[i].msg_id);
        free(d[i].body);
    }
    free(d);
}

int delivery_record(struct db *db, const struct delivery *d, const struct attempt *a,
                    int64_t now_ms, struct gh_error *err)
{
    static const char done_sql[] =
        "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,"
        " last_status_code = :code, last_error = NULL, delivered_at = :at, lease_until_ms = 0,"
        " finished_ms = :ms WHERE id = :id";
    static const char again_sql[] =
        "UPDATE webhook_deliveries SET status = :status, attempts = attempts + 1,"
        " last_status_code = nullif(:code, 0), last_error = :error, next_attempt_ms = :next,"
        " lease_until_ms = 0, finished_ms = CASE :status WHEN 'failed' THEN :next END"
        " WHERE id = :id";
    static const char gone_sql[] =
        "UPDATE webhook_subscriptions SET state = 'disabled',"
        " state_reason = 'the receiver answered 410 Gone' WHERE id = :sub";
    char at[TIME_RFC3339_LEN];
    int attempt = d->attempts + 1, rc;

    time_format_rfc3339(now_ms, at);
    if (a->status_code >= 200 && a->status_code < 300)
        return db_write(db, done_sql, NULL, NULL, err,
                        BINDS(BIND_INT(":code", a->status_code), BIND_TEXT(":at", at),
                              BIND_INT(":ms", now_ms), BIND_INT(":id", d->id)));
    if (db_begin_write(db, err) != 0)
        return -1;
    if (a->status_code == 410) {
        rc = db_run(db, gone_sql, NULL, err, BINDS(BIND_INT(":sub", d->sub_id)));
        if (rc == 0)
            rc = db_run(db, again_sql, NULL, err,
                        BINDS(BIND_TEXT(":status", "failed"), BIND_INT(":code", 410),
                              BIND_TEXT(":error", "410 Gone: subscription disabled"),
                              BIND_INT(":next", now_ms), BIND_INT(":id", d->id)));
    } else {
        int64_t delay_ms;
        const char *status = "pending";
        if (attempt >= MAX_ATTEMPTS) {
            status = "failed";
            delay_ms = 0;
        } else if (a->retry_after_s >= 0 && (a->status_code == 429 || a->status_code == 503)) {
            delay_ms = (int64_t)(a->retry_after_s < 86400 ? a->retry_after_s : 86400) * 1000;
        } else {
            /* ±10% jitter, so that a receiver's recovery is not met by a stampede. */
            int64_t base = (int64_t)backoff_s[attempt - 1] * 1000;
            delay_ms = base - base / 10 + (int64_t)randombytes_uniform((uint32_t)(base / 5 + 1));
        }
        rc = db_run(db, again_sql, NULL, err,
                    BINDS(BIND_TEXT(":status", status), BIND_INT(":code", a->status_code),
                          BIND_TEXT(":error", a->error ? a->error : "not a 2xx answer"),
                          BIND_INT(":next", now_ms + delay_ms), BIND_INT(":id", d->id)));
    }
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db, err);
}

int deliveries_prune(struct db *db, int64_t before_ms, int *count, struct gh_error *err)
{
    static const char sql[] = "DELETE FROM webhook_deliveries WHERE status = 'delivered'"
                              " AND delivered_at < :before";
    char before[TIME_RFC3339_LEN];

    time_format_rfc3339(before_ms, before);
    return db_write(db, sql, count, NULL, err, BINDS(BIND_TEXT(":before", before)));
}
