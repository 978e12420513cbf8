/* Events and missions (see events.h). */
#include "events.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo.h"
#include "event_summary.h"
#include "ledger.h"
#include "log.h"
#include "outbox.h"
#include "timeutil.h"
#include "crypto.h"
#include "validate.h"

/* The largest payload an event may carry, as compact JSON. */
#define PAYLOAD_MAX 65536

int valid_event_type(const char *s)
{
    int dots = 0, at_start = 1;

    if (s == NULL || strlen(s) > 100)
        return 0;
    for (; *s; s++) {
        if (at_start) {
            if (!islower((unsigned char)*s))
                return 0;
            at_start = 0;
        } else if (*s == '.') {
            dots++;
            at_start = 1;
        } else if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_')) {
            return 0;
        }
    }
    return dots > 0 && !at_start;
}

int event_parse(json_t *obj, const char *prefix, const char *default_source, int force_source,
                int64_t now_ms, struct event_in *ev, struct field_errors *e)
{
    static const char *const fields[] = {"id",     "type",        "mission_id", "correlation_id",
                                         "source", "occurred_at", "payload",    NULL};
    struct field_errors mine = FIELD_ERRORS_INIT;
    const char *occurred = NULL;
    int problems;

    memset(ev, 0, sizeof(*ev));
    if (!json_is_object(obj)) {
        field_error(e, prefix[0] ? prefix : "body", "must be an object");
        return -1;
    }
    json_reject_unknown(obj, fields, &mine);
    if (json_get_string(obj, "id", 1, 1, 64, &ev->id, &mine) == 1 && !valid_client_id(ev->id))
        field_error(&mine, "id", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
    if (json_get_string(obj, "type", 1, 1, 100, &ev->type, &mine) == 1 &&
        !valid_event_type(ev->type))
        field_error(&mine, "type", "must look like family.name (lower case, dot-separated)");
    if (json_get_string(obj, "mission_id", 0, 1, 64, &ev->mission_id, &mine) == 1 &&
        !valid_client_id(ev->mission_id))
        field_error(&mine, "mission_id", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
    if (json_get_string(obj, "correlation_id", 0, 1, 128, &ev->correlation_id, &mine) == 1 &&
        !valid_request_id(ev->correlation_id))
        field_error(&mine, "correlation_id", "must be 1..128 of [A-Za-z0-9._:-]");
    ev->source = default_source;
    if (json_get_string(obj, "source", 0, 1, 64, &ev->source, &mine) == 1) {
        if (!valid_client_id(ev->source))
            field_error(&mine, "source", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
        if (force_source)
            ev->source = default_source;
    }
    /* Gatehouse's own events are worded and linked as Gatehouse's (core/event_summary.h):
     * nobody else may post under its name, nor under a default that happens to be it. */
    if (ev->source && strcmp(ev->source, EVENT_SOURCE_GATEHOUSE) == 0)
        field_error(&mine, "source",
                    "'" EVENT_SOURCE_GATEHOUSE "' is reserved for the events Gatehouse records "
                    "itself");
    ev->occurred_ms = now_ms;
    if (json_get_string(obj, "occurred_at", 0, 1, 40, &occurred, &mine) == 1 &&
        time_parse_rfc3339(occurred, &ev->occurred_ms) != 0)
        field_error(&mine, "occurred_at", "must be an RFC 3339 time");
    if (json_get_object(obj, "payload", 0, &ev->payload, &mine) == 1) {
        char *text = json_dumps(ev->payload, JSON_COMPACT);
        if (text == NULL || strlen(text) > PAYLOAD_MAX)
            field_error(&mine, "payload", "must be at most %d bytes of JSON", PAYLOAD_MAX);
        free(text);
    }
    /* Carry the problems over, their fields named within the batch. */
    problems = mine.count;
    field_errors_move(&mine, prefix, e);
    return problems ? -1 : 0;
}

/*
 * Open the mission if unknown (title from the payload or the id), mark its
 * activity and count the event about to be stored in it: pages show the
 * count, and counting a mission's events per view took half a timeline's
 * time at 10,000 of them. The event goes in after this (it refers to the
 * mission); the rare duplicate takes its count back (event_store).
 */
static int mission_touch(struct db *db, const struct event_in *ev, int64_t now_ms,
                         struct gh_error *err)
{
    static const char open_sql[] =
        "INSERT INTO missions (id, title, status, opened_at, updated_at, updated_ms, event_count)"
        " VALUES (:id, :title, 'active', :at, :at, :ms, 1)"
        " ON CONFLICT (id) DO UPDATE SET updated_at = :at, updated_ms = :ms,"
        " event_count = event_count + 1";
    json_t *title = ev->payload ? json_object_get(ev->payload, "title") : NULL;
    char at[TIME_RFC3339_LEN];

    time_format_rfc3339(now_ms, at);
    return db_run(db, open_sql, NULL, err,
                  BINDS(BIND_TEXT(":id", ev->mission_id),
                        BIND_TEXT(":title", json_is_string(title) ? json_string_value(title)
                                                                  : ev->mission_id),
                        BIND_TEXT(":at", at), BIND_INT(":ms", now_ms)));
}

int event_store(struct db *db, const struct event_in *ev, int64_t now_ms,
                enum event_outcome *outcome, int64_t *seq, struct gh_error *err)
{
    static const char ins_sql[] =
        "INSERT INTO events (id, source, type, mission_id, correlation_id, occurred_at,"
        " occurred_ms, received_at, payload_json, webhook_id)"
        " VALUES (:id, :source, :type, :mission, :corr, :occurred, :occurred_ms, :received,"
        " :payload, :wh) ON CONFLICT DO NOTHING";
    static const char uncount_sql[] =
        "UPDATE missions SET event_count = event_count - 1 WHERE id = :id";
    char occurred[TIME_RFC3339_LEN], received[TIME_RFC3339_LEN];
    char *payload = ev->payload ? json_dumps(ev->payload, JSON_COMPACT) : strdup("{}");
    int changes = 0, rc = 0;

    if (payload == NULL)
        return gh_fail(err, GH_INTERNAL, "the payload does not serialise");
    time_format_rfc3339(ev->occurred_ms, occurred);
    time_format_rfc3339(now_ms, received);
    if (ev->mission_id)
        rc = mission_touch(db, ev, now_ms, err);
    if (rc == 0)
        rc = db_run(db, ins_sql, &changes, err,
                    BINDS(BIND_TEXT(":id", ev->id), BIND_TEXT(":source", ev->source),
                          BIND_TEXT(":type", ev->type), BIND_TEXT(":mission", ev->mission_id),
                          BIND_TEXT(":corr", ev->correlation_id), BIND_TEXT(":occurred", occurred),
                          BIND_INT(":occurred_ms", ev->occurred_ms),
                          BIND_TEXT(":received", received), BIND_TEXT(":payload", payload),
                          BIND_TEXT(":wh", ev->webhook_id)));
    free(payload);
    if (rc == 0 && ev->mission_id && changes == 0)
        rc = db_run(db, uncount_sql, NULL, err, BINDS(BIND_TEXT(":id", ev->mission_id)));
    if (rc != 0)
        return -1;
    *outcome = changes ? EVENT_ACCEPTED : EVENT_DUPLICATE;
    if (changes)
        db->events_added = 1;
    if (seq)
        *seq = changes ? sqlite3_last_insert_rowid(db->conn) : 0;
    return 0;
}

int record_event(struct db *db, int64_t now_ms, const char *actor, const char *type,
                 const char *mission_id, const char *correlation_id, const char *subject,
                 json_t *payload, json_t *webhook_data, struct gh_error *err)
{
    char id[4 + TOKEN_B64_LEN];
    int64_t now = now_ms, seq = 0;
    enum event_outcome outcome;
    struct event_in ev;
    json_t *entry, *data;
    int rc;

    /* "evt_", not the token prefix "gh_": an event id must never look like a
     * secret to a reader or a secret scanner. */
    memcpy(id, "evt_", 4);
    random_token(id + 4);
    id[4 + 22] = '\0'; /* 128 random bits are plenty for an event id */
    ev = (struct event_in){id,  type,    mission_id, correlation_id, EVENT_SOURCE_GATEHOUSE,
                           now, payload, NULL};
    if (event_store(db, &ev, now, &outcome, &seq, err) != 0)
        return -1;
    entry =
        json_pack("{s:s, s:s, s:o, s:o, s:O}", "event_id", id, "type", type, "mission_id",
                  mission_id ? json_string(mission_id) : json_null(), "correlation_id",
                  correlation_id ? json_string(correlation_id) : json_null(), "payload", payload);
    rc = ledger_append(db, now, actor, type, subject, entry, NULL, err);
    json_decref(entry);
    if (rc != 0)
        return -1;
    if (!webhook_event_known(type))
        return 0;
    if (webhook_data)
        return outbox_enqueue(db, type, webhook_data, now, NULL, err);
    data =
        json_pack("{s:s, s:s, s:o, s:o, s:O}", "id", id, "type", type, "mission_id",
                  mission_id ? json_string(mission_id) : json_null(), "correlation_id",
                  correlation_id ? json_string(correlation_id) : json_null(), "payload", payload);
    rc = outbox_enqueue(db, type, data, now, NULL, err);
    json_decref(data);
    return rc;
}

json_t *event_json(sqlite3_stmt *row)
{
    json_t *payload = json_loads((const char *)sqlite3_column_text(row, 8), 0, NULL);
    struct event_words words;

    if (payload == NULL)
        payload = json_object();
    event_describe((const char *)sqlite3_column_text(row, 2),
                   (const char *)sqlite3_column_text(row, 3), payload, &words);
#define TEXT_OR_NULL(i)                                                                            \
    (sqlite3_column_type(row, i) == SQLITE_NULL                                                    \
         ? json_null()                                                                             \
         : json_string((const char *)sqlite3_column_text(row, i)))
#define WORDS_OR_NULL(s) ((s)[0] ? json_string(s) : json_null())
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "seq",
                     (json_int_t)sqlite3_column_int64(row, 0), "id", sqlite3_column_text(row, 1),
                     "source", sqlite3_column_text(row, 2), "type", sqlite3_column_text(row, 3),
                     "mission_id", TEXT_OR_NULL(4), "correlation_id", TEXT_OR_NULL(5),
                     "occurred_at", sqlite3_column_text(row, 6), "received_at",
                     sqlite3_column_text(row, 7), "payload", payload, "summary",
                     WORDS_OR_NULL(words.summary), "link", WORDS_OR_NULL(words.link));
#undef WORDS_OR_NULL
#undef TEXT_OR_NULL
}

json_t *mission_get(struct db *db, const char *id, struct gh_error *err)
{
    return mission_read(db, id, MISSION_COUNTS, err);
}

json_t *mission_read(struct db *db, const char *id, int with_counts, struct gh_error *err)
{
    static const char sql[] = "SELECT id, title, status, opened_at, updated_at, closed_at, summary"
                              " FROM missions WHERE id = :id";
    static const char counts_sql[] =
        "SELECT type, count(*) FROM events WHERE mission_id = :id GROUP BY type ORDER BY type";
    static const char total_sql[] = "SELECT event_count FROM missions WHERE id = :id";
    char shown[ECHO_LEN];
    sqlite3_stmt *st;
    json_t *m = NULL, *counts;
    int rc, total = 0;

    if ((st = db_query(db, sql, BINDS(BIND_TEXT(":id", id)), err)) == NULL)
        return NULL;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", sqlite3_column_text(st, 0),
                      "title", sqlite3_column_text(st, 1), "status", sqlite3_column_text(st, 2),
                      "opened_at", sqlite3_column_text(st, 3), "updated_at",
                      sqlite3_column_text(st, 4), "closed_at",
                      sqlite3_column_type(st, 5) == SQLITE_NULL
                          ? json_null()
                          : json_string((const char *)sqlite3_column_text(st, 5)),
                      "summary",
                      sqlite3_column_type(st, 6) == SQLITE_NULL
                          ? json_null()
                          : json_string((const char *)sqlite3_column_text(st, 6)));
    else if (rc == SQLITE_DONE)
        gh_fail(err, GH_NOT_FOUND, "no mission '%s'", echo(id, shown));
    if (rc == SQLITE_ROW && m == NULL) {
        /* Text that is not UTF-8 got into the row behind Gatehouse's back. */
        log_error("mission %s does not serialise", echo(id, shown));
        gh_fail(err, GH_INTERNAL, "a mission does not serialise");
    }
    db_reset(st);
    if (m == NULL)
        return NULL;
    if (with_counts == MISSION_HEAD)
        return m;
    if (with_counts == MISSION_TOTAL) {
        /* The count alone is kept on the mission's row as events arrive. */
        st = db_prepare(db, total_sql);
        if (st && db_bind(st, BINDS(BIND_TEXT(":id", id))) == 0 &&
            db_step(db, st, err) == SQLITE_ROW)
            total = sqlite3_column_int(st, 0);
        db_reset(st);
        json_object_set_new(m, "event_count", json_integer(total));
        return m;
    }
    counts = json_object();
    st = db_prepare(db, counts_sql);
    if (st && db_bind(st, BINDS(BIND_TEXT(":id", id))) == 0)
        while (db_step(db, st, err) == SQLITE_ROW) {
            json_object_set_new(counts, (const char *)sqlite3_column_text(st, 0),
                                json_integer(sqlite3_column_int(st, 1)));
            total += sqlite3_column_int(st, 1);
        }
    db_reset(st);
    json_object_set_new(m, "counts", counts);
    json_object_set_new(m, "event_count", json_integer(total));
    return m;
}

int mission_close(struct db *db, const char *actor, const char *id, const char *status,
                  const char *summary, struct gh_error *err)
{
    static const char sql[] =
        "UPDATE missions SET status = :status, summary = :summary, closed_at = :at,"
        " updated_at = :at, updated_ms = :ms WHERE id = :id AND status = 'active'";
    static const char exists_sql[] = "SELECT status FROM missions WHERE id = :id";
    char at[TIME_RFC3339_LEN], subject[80], shown[ECHO_LEN];
    int64_t now = time_now_ms();
    sqlite3_stmt *st;
    json_t *payload;
    int changes = 0, rc;

    time_format_rfc3339(now, at);
    if (db_begin_write(db, err) != 0)
        return -1;
    rc = db_run(db, sql, &changes, err,
                BINDS(BIND_TEXT(":status", status), BIND_TEXT(":summary", summary),
                      BIND_TEXT(":at", at), BIND_INT(":ms", now), BIND_TEXT(":id", id)));
    if (rc == 0 && changes == 0) {
        st = db_prepare(db, exists_sql);
        if (st && db_bind(st, BINDS(BIND_TEXT(":id", id))) == 0 &&
            db_step(db, st, err) == SQLITE_ROW)
            rc = gh_fail(err, GH_CONFLICT, "mission '%s' is already %s", echo(id, shown),
                         sqlite3_column_text(st, 0));
        else
            rc = gh_fail(err, GH_NOT_FOUND, "no mission '%s'", echo(id, shown));
        db_reset(st);
    }
    if (rc == 0) {
        snprintf(subject, sizeof(subject), "mission:%s", id);
        payload =
            json_pack("{s:s, s:s, s:s}", "mission_id", id, "status", status, "summary", summary);
        rc = record_event(db, now, actor, "mission.closed", id, NULL, subject, payload, NULL, err);
        json_decref(payload);
    }
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db, err);
}

/* "<ms>.<tiebreak>" cursors: keyset paging over (time, tiebreak). */
static int parse_cursor(const char *s, int64_t *ms, int64_t *tie)
{
    char *end;

    *ms = strtoll(s, &end, 10);
    if (end == s || *end != '.')
        return -1;
    s = end + 1;
    *tie = strtoll(s, &end, 10);
    return end != s && *end == '\0' ? 0 : -1;
}

json_t *missions_list(struct db *db, const char *status, const char *cursor, int limit, int detail,
                      char next[MISSION_CURSOR_LEN], struct gh_error *err)
{
    static const char sql[] =
        "SELECT id, rowid, updated_ms FROM missions WHERE (:status IS NULL OR status = :status)"
        " AND (updated_ms < :ms OR (updated_ms = :ms AND rowid < :tie))"
        " ORDER BY updated_ms DESC, rowid DESC LIMIT :limit";
    int64_t ms = INT64_MAX, tie = INT64_MAX, last_ms = 0, last_tie = 0;
    sqlite3_stmt *st;
    json_t *list;
    int rc;

    next[0] = '\0';
    if (cursor && parse_cursor(cursor, &ms, &tie) != 0) {
        gh_fail_field(err, GH_INVALID, "cursor", "the cursor is not one this API gave out");
        return NULL;
    }
    st = db_prepare(db, sql);
    if (st == NULL ||
        db_bind(st, BINDS(BIND_TEXT(":status", status), BIND_INT(":ms", ms), BIND_INT(":tie", tie),
                          BIND_INT(":limit", limit + 1))) != 0) {
        db_reset(st);
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    list = json_array();
    while ((rc = db_step(db, st, err)) == SQLITE_ROW && (int)json_array_size(list) < limit) {
        struct gh_error merr;
        json_t *m = mission_read(db, (const char *)sqlite3_column_text(st, 0), detail, &merr);
        if (m)
            json_array_append_new(list, m);
        last_tie = sqlite3_column_int64(st, 1);
        last_ms = sqlite3_column_int64(st, 2);
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    if (rc == SQLITE_ROW)
        snprintf(next, MISSION_CURSOR_LEN, "%lld.%lld", (long long)last_ms, (long long)last_tie);
    return list;
}

json_t *timeline_page(struct db *db, const char *mission_id, const char *cursor, int limit,
                      char next[MISSION_CURSOR_LEN], struct gh_error *err)
{
    static const char sql[] =
        "SELECT " EVENT_COLUMNS ", occurred_ms FROM events WHERE mission_id = :id"
        " AND (occurred_ms > :ms OR (occurred_ms = :ms AND seq > :seq))"
        " ORDER BY occurred_ms, seq LIMIT :limit";
    int64_t ms = INT64_MIN, seq = 0, last_ms = 0, last_seq = 0;
    sqlite3_stmt *st;
    json_t *list;
    int rc;

    next[0] = '\0';
    if (cursor && parse_cursor(cursor, &ms, &seq) != 0) {
        gh_fail_field(err, GH_INVALID, "cursor", "the cursor is not one this API gave out");
        return NULL;
    }
    st = db_prepare(db, sql);
    if (st == NULL ||
        db_bind(st, BINDS(BIND_TEXT(":id", mission_id), BIND_INT(":ms", ms), BIND_INT(":seq", seq),
                          BIND_INT(":limit", limit + 1))) != 0) {
        db_reset(st);
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    list = json_array();
    while ((rc = db_step(db, st, err)) == SQLITE_ROW && (int)json_array_size(list) < limit) {
        json_array_append_new(list, event_json(st));
        last_seq = sqlite3_column_int64(st, 0);
        last_ms = sqlite3_column_int64(st, 9);
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    if (rc == SQLITE_ROW)
        snprintf(next, MISSION_CURSOR_LEN, "%lld.%lld", (long long)last_ms, (long long)last_seq);
    return list;
}
