/* Alarms about the ledger itself (see ledger_watch.h). */
#include "ledger_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "timeutil.h"

const char *const ledger_alarm_names[LEDGER_ALARM_KINDS] = {"gap", "time_reversal", "stale_head"};

/* One alarm found this run. */
struct found {
    enum ledger_alarm_kind kind; /* what */
    int64_t seq;                 /* where: its key with kind */
    json_t *detail;              /* what was seen (owned) */
};

struct found_list {
    struct found items[LEDGER_ALARM_KINDS * LEDGER_ALARMS_PER_RUN];
    int n;
    int per_kind[LEDGER_ALARM_KINDS];
};

/* Whether (kind, seq) was recorded before. */
static int known(struct db *db, enum ledger_alarm_kind kind, int64_t seq, int *yes,
                 struct gh_error *err)
{
    static const char sql[] = "SELECT 1 FROM ledger_alarms WHERE kind = :k AND seq = :seq";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    if (st == NULL ||
        db_bind(st, BINDS(BIND_TEXT(":k", ledger_alarm_names[kind]), BIND_INT(":seq", seq))) != 0) {
        db_reset(st);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    rc = db_step(db, st, err);
    *yes = rc == SQLITE_ROW;
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

/*
 * Note an alarm, unless it was recorded before or the kind's quota for
 * this run is used up. Steals detail. 0, or -1 when the database fails.
 */
static int note(struct db *db, struct found_list *f, enum ledger_alarm_kind kind, int64_t seq,
                json_t *detail, struct gh_error *err)
{
    int yes = 0;

    if (f->per_kind[kind] >= LEDGER_ALARMS_PER_RUN) {
        json_decref(detail);
        return 0;
    }
    if (known(db, kind, seq, &yes, err) != 0 || yes) {
        json_decref(detail);
        return yes ? 0 : -1;
    }
    f->items[f->n++] = (struct found){kind, seq, detail};
    f->per_kind[kind]++;
    return 0;
}

/* Walk every entry's (seq, at) in order: gaps and times going backwards. */
static int scan_chain(struct db *db, struct found_list *f, int64_t *head, struct gh_error *err)
{
    static const char sql[] = "SELECT seq, at FROM ledger INDEXED BY ledger_times ORDER BY seq";
    char prev_at[TIME_RFC3339_LEN + 8] = "";
    sqlite3_stmt *st = db_prepare(db, sql);
    int64_t prev = 0;
    int rc;

    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        const char *at = (const char *)sqlite3_column_text(st, 1);
        int r = 0;
        if (seq != prev + 1)
            r = note(db, f, LEDGER_ALARM_GAP, prev + 1,
                     json_pack("{s:s, s:I, s:I, s:I}", "kind", "gap", "seq", (json_int_t)prev + 1,
                               "missing_from", (json_int_t)prev + 1, "missing_to",
                               (json_int_t)seq - 1),
                     err);
        else if (prev_at[0] && strcmp(at, prev_at) < 0)
            r = note(db, f, LEDGER_ALARM_TIME_REVERSAL, seq,
                     json_pack("{s:s, s:I, s:s, s:I, s:s}", "kind", "time_reversal", "seq",
                               (json_int_t)seq, "at", at, "previous_seq", (json_int_t)prev,
                               "previous_at", prev_at),
                     err);
        if (r != 0) {
            db_reset(st);
            return -1;
        }
        prev = seq;
        snprintf(prev_at, sizeof(prev_at), "%s", at);
    }
    db_reset(st);
    *head = prev;
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The newest checkpoint's seq (0: none) and the first entry after it (seq 0: none). */
static int unsigned_head(struct db *db, int64_t *checkpoint, int64_t *first, int64_t *first_ms,
                         char first_at[TIME_RFC3339_LEN + 8], struct gh_error *err)
{
    static const char sql[] =
        "SELECT c.seq, l.seq, l.at FROM (SELECT coalesce(max(seq), 0) AS seq FROM"
        " ledger_checkpoints) AS c LEFT JOIN ledger AS l ON l.seq ="
        " (SELECT min(seq) FROM ledger WHERE seq > c.seq)";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    *checkpoint = *first = *first_ms = 0;
    first_at[0] = '\0';
    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        *checkpoint = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            *first = sqlite3_column_int64(st, 1);
            snprintf(first_at, TIME_RFC3339_LEN + 8, "%s", sqlite3_column_text(st, 2));
            if (time_parse_rfc3339(first_at, first_ms) != 0)
                *first_ms = 0;
        }
    }
    db_reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Record every alarm found, each with its event, in one write transaction. */
static int record(struct db *db, struct found_list *f, int64_t now_ms, struct gh_error *err)
{
    static const char sql[] = "INSERT INTO ledger_alarms (kind, seq, detected_at, detail_json)"
                              " VALUES (:k, :seq, :at, :detail) ON CONFLICT DO NOTHING";
    char at[TIME_RFC3339_LEN];

    if (f->n == 0)
        return 0;
    time_format_rfc3339(now_ms, at);
    if (db_begin_write(db, err) != 0)
        return -1;
    for (int i = 0; i < f->n; i++) {
        char *detail = json_dumps(f->items[i].detail, JSON_COMPACT | JSON_SORT_KEYS);
        int changes = 0, rc;
        rc = db_run(db, sql, &changes, err,
                    BINDS(BIND_TEXT(":k", ledger_alarm_names[f->items[i].kind]),
                          BIND_INT(":seq", f->items[i].seq), BIND_TEXT(":at", at),
                          BIND_TEXT(":detail", detail ? detail : "{}")));
        free(detail);
        if (rc == 0 && changes)
            rc = record_event(db, now_ms, "worker", "ledger.alarm", NULL, NULL, "ledger",
                              f->items[i].detail, NULL, err);
        if (rc != 0) {
            db_rollback(db);
            return -1;
        }
        log_warn("ledger alarm: %s at seq %lld", ledger_alarm_names[f->items[i].kind],
                 (long long)f->items[i].seq);
    }
    return db_commit(db, err);
}

int ledger_watch(struct db *db, int64_t now_ms, int sign_period_s, int recorded[LEDGER_ALARM_KINDS],
                 struct gh_error *err)
{
    struct found_list f;
    char first_at[TIME_RFC3339_LEN + 8];
    int64_t head = 0, checkpoint, first, first_ms;
    int rc = -1;

    memset(&f, 0, sizeof(f));
    memset(recorded, 0, sizeof(int) * LEDGER_ALARM_KINDS);
    /* One snapshot for the walk and the head. */
    if (db_exec(db, "BEGIN", err) != 0)
        return -1;
    if (scan_chain(db, &f, &head, err) != 0 ||
        unsigned_head(db, &checkpoint, &first, &first_ms, first_at, err) != 0)
        goto out;
    /* Entries removed from the head: the chain ends before its signed checkpoint. */
    if (checkpoint > head &&
        note(db, &f, LEDGER_ALARM_GAP, head + 1,
             json_pack("{s:s, s:I, s:I, s:I}", "kind", "gap", "seq", (json_int_t)head + 1,
                       "missing_from", (json_int_t)head + 1, "missing_to", (json_int_t)checkpoint),
             err) != 0)
        goto out;
    if (first && first_ms && now_ms - first_ms > 2LL * sign_period_s * 1000 &&
        note(db, &f, LEDGER_ALARM_STALE_HEAD, first,
             json_pack("{s:s, s:I, s:s, s:I, s:I}", "kind", "stale_head", "seq", (json_int_t)first,
                       "unsigned_since", first_at, "checkpoint_seq", (json_int_t)checkpoint,
                       "head_seq", (json_int_t)head),
             err) != 0)
        goto out;
    rc = 0;
out:
    db_exec(db, "COMMIT", NULL);
    if (rc == 0)
        rc = record(db, &f, now_ms, err);
    if (rc == 0)
        for (int i = 0; i < f.n; i++)
            recorded[f.items[i].kind]++;
    for (int i = 0; i < f.n; i++)
        json_decref(f.items[i].detail);
    return rc;
}

int ledger_alarm_counts(struct db *db, int64_t counts[LEDGER_ALARM_KINDS], struct gh_error *err)
{
    static const char sql[] = "SELECT kind, count(*) FROM ledger_alarms GROUP BY kind";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    memset(counts, 0, sizeof(int64_t) * LEDGER_ALARM_KINDS);
    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    while ((rc = db_step(db, st, err)) == SQLITE_ROW)
        for (int k = 0; k < LEDGER_ALARM_KINDS; k++)
            if (strcmp((const char *)sqlite3_column_text(st, 0), ledger_alarm_names[k]) == 0)
                counts[k] = sqlite3_column_int64(st, 1);
    db_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

json_t *ledger_alarms_recent(struct db *db, int limit, struct gh_error *err)
{
    static const char sql[] = "SELECT kind, seq, detected_at, detail_json FROM ledger_alarms"
                              " ORDER BY detected_at DESC, seq DESC LIMIT :limit";
    sqlite3_stmt *st;
    json_t *out = json_array();
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_INT(":limit", limit)), err)) == NULL) {
        json_decref(out);
        return NULL;
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        json_t *detail = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
        json_array_append_new(
            out, json_pack("{s:s, s:I, s:s, s:o}", "kind", sqlite3_column_text(st, 0), "seq",
                           (json_int_t)sqlite3_column_int64(st, 1), "detected_at",
                           sqlite3_column_text(st, 2), "detail", detail ? detail : json_object()));
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(out);
        return NULL;
    }
    return out;
}
