/* Reading the rollups (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "timeutil.h"

/* The three parts of a row's key, as its cursor carries them. */
struct row_key {
    char start[TIME_RFC3339_LEN], metric[64], labels[512];
};

/* "<start>\x1f<metric>\x1f<labels>" in hex: nothing in a label can break it. */
static void cursor_encode(const struct row_key *k, char out[STATS_CURSOR_LEN])
{
    static const char hex[] = "0123456789abcdef";
    char raw[sizeof(k->start) + sizeof(k->metric) + sizeof(k->labels) + 2];
    size_t n = (size_t)snprintf(raw, sizeof(raw), "%s\x1f%s\x1f%s", k->start, k->metric, k->labels);

    if (n * 2 + 1 > STATS_CURSOR_LEN) {
        out[0] = '\0'; /* cannot happen with the sizes above; an empty cursor ends the list */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[(unsigned char)raw[i] >> 4];
        out[2 * i + 1] = hex[(unsigned char)raw[i] & 15];
    }
    out[2 * n] = '\0';
}

static int cursor_decode(const char *cursor, struct row_key *k)
{
    char raw[STATS_CURSOR_LEN / 2 + 1], *a, *b;
    size_t len = strlen(cursor);

    if (len == 0 || len % 2 || len >= STATS_CURSOR_LEN)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v;
        if (sscanf(cursor + 2 * i, "%2x", &v) != 1 || v == 0)
            return -1;
        raw[i] = (char)v;
    }
    raw[len / 2] = '\0';
    if ((a = strchr(raw, '\x1f')) == NULL || (b = strchr(a + 1, '\x1f')) == NULL)
        return -1;
    *a = *b = '\0';
    if (strlen(raw) >= sizeof(k->start) || strlen(a + 1) >= sizeof(k->metric) ||
        strlen(b + 1) >= sizeof(k->labels))
        return -1;
    strcpy(k->start, raw);
    strcpy(k->metric, a + 1);
    strcpy(k->labels, b + 1);
    return 0;
}

/* A count as an integer, a percentile as the real it is. */
static json_t *value_json(double v)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

json_t *stats_list(struct db *db, const struct stats_query *q, const char *cursor, int limit,
                   char next[STATS_CURSOR_LEN], struct gh_error *err)
{
    static const char sql[] =
        "SELECT bucket_start, metric, labels, value FROM stat_rollups"
        " WHERE bucket = :bucket AND bucket_start >= :since AND bucket_start < :until"
        " AND (:metric IS NULL OR metric = :metric)"
        " AND (bucket_start, metric, labels) > (:c_start, :c_metric, :c_labels)"
        " ORDER BY bucket_start, metric, labels LIMIT :limit";
    char since[TIME_RFC3339_LEN], until[TIME_RFC3339_LEN];
    struct row_key after = {"", "", ""}, last;
    json_t *rows = json_array();
    sqlite3_stmt *st;
    int n = 0, rc;

    next[0] = '\0';
    if (cursor && cursor_decode(cursor, &after) != 0) {
        json_decref(rows);
        gh_fail_field(err, GH_INVALID, "cursor", "the cursor is not one this API gave out");
        return NULL;
    }
    time_format_rfc3339(q->since_ms, since);
    time_format_rfc3339(q->until_ms, until);
    st = db_prepare(db, sql);
    if (st == NULL ||
        db_bind(st, BINDS(BIND_TEXT(":bucket", q->bucket), BIND_TEXT(":since", since),
                          BIND_TEXT(":until", until), BIND_TEXT(":metric", q->metric),
                          BIND_TEXT(":c_start", after.start), BIND_TEXT(":c_metric", after.metric),
                          BIND_TEXT(":c_labels", after.labels), BIND_INT(":limit", limit + 1))) !=
            0) {
        db_reset(st);
        json_decref(rows);
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        const char *labels = (const char *)sqlite3_column_text(st, 2);
        json_t *parsed;
        if (n == limit) {
            cursor_encode(&last, next);
            break;
        }
        snprintf(last.start, sizeof(last.start), "%s", sqlite3_column_text(st, 0));
        snprintf(last.metric, sizeof(last.metric), "%s", sqlite3_column_text(st, 1));
        snprintf(last.labels, sizeof(last.labels), "%s", labels);
        if ((parsed = json_loads(labels, 0, NULL)) == NULL)
            parsed = json_object(); /* written by rollups.c from json_object(): cannot happen */
        json_array_append_new(rows, json_pack("{s:s, s:s, s:o, s:o}", "bucket_start", last.start,
                                              "metric", last.metric, "labels", parsed, "value",
                                              value_json(sqlite3_column_double(st, 3))));
        n++;
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

int stats_series(struct db *db, const struct stats_query *q, const char *key,
                 struct stats_point **out, size_t *n, struct gh_error *err)
{
    static const char sql[] =
        "SELECT bucket_start, CASE WHEN :path IS NULL THEN '' ELSE"
        " coalesce(json_extract(labels, :path), '') END, sum(value) FROM stat_rollups"
        " WHERE bucket = :bucket AND metric = :metric AND bucket_start >= :since"
        " AND bucket_start < :until GROUP BY 1, 2 ORDER BY 1, 2";
    char since[TIME_RFC3339_LEN], until[TIME_RFC3339_LEN], path[80];
    struct stats_point *pts = NULL;
    size_t cap = 0;
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    *n = 0;
    if (key)
        snprintf(path, sizeof(path), "$.%s", key);
    time_format_rfc3339(q->since_ms, since);
    time_format_rfc3339(q->until_ms, until);
    st = db_prepare(db, sql);
    if (st == NULL ||
        db_bind(st, BINDS(BIND_TEXT(":path", key ? path : NULL), BIND_TEXT(":bucket", q->bucket),
                          BIND_TEXT(":metric", q->metric), BIND_TEXT(":since", since),
                          BIND_TEXT(":until", until))) != 0) {
        db_reset(st);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        struct stats_point *p;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            pts = xreallocarray(pts, cap, sizeof(*pts));
        }
        p = &pts[(*n)++];
        if (time_parse_rfc3339((const char *)sqlite3_column_text(st, 0), &p->start_ms) != 0)
            p->start_ms = 0;
        snprintf(p->label, sizeof(p->label), "%s", sqlite3_column_text(st, 1));
        p->value = sqlite3_column_double(st, 2);
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        free(pts);
        *n = 0;
        return -1;
    }
    *out = pts;
    return 0;
}

int stats_totals(struct db *db,
                 void (*fn)(void *arg, const char *metric, const char *labels, double value),
                 void *arg, struct gh_error *err)
{
    static const char sql[] = "SELECT metric, labels, value FROM stat_totals ORDER BY 1, 2";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    while ((rc = db_step(db, st, err)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_double(st, 2));
    db_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int stats_fresh(struct db *db, int64_t *ms, int64_t *run, struct gh_error *err)
{
    static const char sql[] = "SELECT ended_at, id FROM worker_runs WHERE job = 'aggregate'"
                              " AND outcome = 'ok' ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    *ms = *run = 0;
    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        *run = sqlite3_column_int64(st, 1);
        if (time_parse_rfc3339((const char *)sqlite3_column_text(st, 0), ms) != 0)
            *ms = 0;
    }
    db_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
