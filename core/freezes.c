/* Freezes: storage, checks, violations and windows (see freezes.h). */
#include "freezes.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "events.h"
#include "ledger.h"
#include "timeutil.h"
#include "validate.h"

/* Problems reported for one body at most: a bad manifest of 100,000 lines says enough by then. */
#define PROBLEMS_MAX 50
/* How far in the future a guardian's checked_at may be (clocks differ). */
#define REPORT_SKEW_MS (5LL * 60 * 1000)
/* Sizes stay within what JSON numbers carry exactly. */
#define SIZE_MAX_JSON 9007199254740991LL

/* ---- reading bodies ---- */

/* An RFC 3339 time field of obj; problems go to e under field. 1 when read, 0 absent, -1 bad. */
static int get_time(json_t *obj, const char *key, const char *field, int required, int64_t *ms,
                    struct field_errors *e)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        if (required)
            field_error(e, field, "is required");
        return 0;
    }
    if (!json_is_string(v) || time_parse_rfc3339(json_string_value(v), ms) != 0) {
        field_error(e, field, "must be an RFC 3339 time such as 2026-11-22T10:00:00.000Z");
        return -1;
    }
    return 1;
}

/* A problem with field "<field>[<i>].<key>" (or "<field>[<i>]" when key is NULL). */
static void item_error(struct field_errors *e, const char *field, size_t i, const char *key,
                       const char *problem)
{
    char name[96];

    snprintf(name, sizeof(name), "%s[%zu]%s%s", field, i, key ? "." : "", key ? key : "");
    field_error(e, name, "%s", problem);
}

/*
 * The {"path", "sha256", "size"} objects of arr, validated, into *out
 * (xcalloc'd, paths borrowed from arr), sorted by path and unique.
 */
static void parse_listing(json_t *arr, const char *field, struct artifact **out, size_t *count,
                          struct field_errors *e)
{
    size_t n = json_array_size(arr), i;
    struct artifact *a = xcalloc(n ? n : 1, sizeof(*a));
    const char *problem, *dup;
    int before = e->count;
    json_t *item;

    json_array_foreach(arr, i, item)
    {
        json_t *path = json_object_get(item, "path"), *sha = json_object_get(item, "sha256");
        json_t *size = json_object_get(item, "size");
        const char *k;
        json_t *v;

        if (e->count - before >= PROBLEMS_MAX)
            break;
        if (!json_is_object(item)) {
            item_error(e, field, i, NULL, "must be an object with path, sha256 and size");
            continue;
        }
        json_object_foreach(item, k, v)
        {
            if (strcmp(k, "path") && strcmp(k, "sha256") && strcmp(k, "size"))
                item_error(e, field, i, NULL, "has an unknown field (known: path, sha256, size)");
        }
        if (!json_is_string(path))
            item_error(e, field, i, "path", path ? "must be a string" : "is required");
        else if (freeze_path_check(json_string_value(path), &problem) != 0)
            item_error(e, field, i, "path", problem);
        else
            a[i].path = json_string_value(path);
        if (!json_is_string(sha) || sha256_hex_parse(json_string_value(sha), a[i].sha256) != 0)
            item_error(e, field, i, "sha256", "must be 64 hexadecimal digits");
        if (!json_is_integer(size) || json_integer_value(size) < 0 ||
            json_integer_value(size) > SIZE_MAX_JSON)
            item_error(e, field, i, "size", "must be an integer from 0 to 2^53-1");
        else
            a[i].size = json_integer_value(size);
    }
    if (e->count == before && manifest_sort(a, n, &dup) != 0)
        field_error(e, field, "lists the same path twice: %.200s", dup);
    *out = a;
    *count = n;
}

int freeze_parse(json_t *body, struct freeze_input *in, struct field_errors *e)
{
    static const char *const fields[] = {"name",    "description", "root",      "closed",
                                         "include", "window",      "artifacts", NULL};
    json_t *window, *include = NULL, *artifacts = NULL, *root;
    const char *problem;
    int before = e->count;

    memset(in, 0, sizeof(*in));
    in->description = "";
    json_reject_unknown(body, fields, e);
    if (json_get_string(body, "name", 1, 1, 64, &in->name, e) == 1 && !valid_client_id(in->name))
        field_error(e, "name", "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
    json_get_string(body, "description", 0, 0, FREEZE_DESCRIPTION_MAX, &in->description, e);
    root = json_object_get(body, "root");
    if (root && !json_is_null(root) && json_get_string(body, "root", 0, 1, 64, &in->root, e) == 1 &&
        !valid_client_id(in->root))
        field_error(e, "root", "must name a root of the configuration (freeze_root.NAME)");
    json_get_bool(body, "closed", 0, &in->closed, e);
    if (in->closed && (root == NULL || json_is_null(root)))
        field_error(e, "closed", "a closed set needs a root to walk");
    if (json_get_array(body, "include", 0, FREEZE_INCLUDE_MAX, &include, e) == 1) {
        size_t i;
        json_t *g;
        in->include = xcalloc(json_array_size(include) + 1, sizeof(*in->include));
        json_array_foreach(include, i, g)
        {
            if (!json_is_string(g) || freeze_glob_check(json_string_value(g), &problem) != 0)
                field_error(e, "include", "item %zu %s", i,
                            json_is_string(g) ? problem : "must be a string");
            else
                in->include[in->ninclude++] = json_string_value(g);
        }
    }
    window = json_object_get(body, "window");
    if (window && !json_is_null(window)) {
        static const char *const wfields[] = {"starts_at", "ends_at", NULL};
        struct field_errors unknown = FIELD_ERRORS_INIT;
        int starts, ends;
        if (!json_is_object(window)) {
            field_error(e, "window", "must be an object with starts_at and ends_at, or null");
        } else {
            json_reject_unknown(window, wfields, &unknown);
            if (unknown.count)
                field_error(e, "window", "has an unknown field (known: starts_at, ends_at)");
            field_errors_free(&unknown);
            starts = get_time(window, "starts_at", "window.starts_at", 1, &in->window.starts_ms, e);
            ends = get_time(window, "ends_at", "window.ends_at", 1, &in->window.ends_ms, e);
            if (starts == 1 && ends == 1 && in->window.ends_ms <= in->window.starts_ms)
                field_error(e, "window.ends_at", "must be after window.starts_at");
            else if (starts == 1 && ends == 1)
                in->window.has = 1;
        }
    }
    if (json_get_array(body, "artifacts", 1, FREEZE_ARTIFACTS_MAX, &artifacts, e) == 1) {
        if (json_array_size(artifacts) == 0)
            field_error(e, "artifacts", "must list at least one artifact");
        else
            parse_listing(artifacts, "artifacts", &in->artifacts, &in->nartifacts, e);
    }
    return e->count > before ? -1 : 0;
}

void freeze_input_free(struct freeze_input *in)
{
    free(in->include);
    free(in->artifacts);
    in->include = NULL;
    in->artifacts = NULL;
}

static int artifact_cmp(const void *a, const void *b)
{
    return strcmp(((const struct artifact *)a)->path, ((const struct artifact *)b)->path);
}

int manifest_sort(struct artifact *a, size_t n, const char **dup)
{
    qsort(a, n, sizeof(*a), artifact_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(a[i - 1].path, a[i].path) == 0) {
            *dup = a[i].path;
            return -1;
        }
    return 0;
}

void manifest_digest(const struct artifact *a, size_t n, unsigned char out[SHA256_BYTES])
{
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < n; i++) {
        unsigned char size[8];
        for (int b = 0; b < 8; b++)
            size[b] = (unsigned char)((uint64_t)a[i].size >> (56 - 8 * b));
        /* path NUL digest size: no path contains NUL, so no two manifests run together. */
        crypto_hash_sha256_update(&st, (const unsigned char *)a[i].path, strlen(a[i].path) + 1);
        crypto_hash_sha256_update(&st, a[i].sha256, SHA256_BYTES);
        crypto_hash_sha256_update(&st, size, sizeof(size));
    }
    crypto_hash_sha256_final(&st, out);
}

/* ---- objects ---- */

static json_t *text_or_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL
               ? json_null()
               : json_string((const char *)sqlite3_column_text(st, col));
}

static json_t *int_or_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL
               ? json_null()
               : json_integer((json_int_t)sqlite3_column_int64(st, col));
}

static json_t *hex_or_null(sqlite3_stmt *st, int col)
{
    char hex[SHA256_HEX_LEN];

    if (sqlite3_column_type(st, col) == SQLITE_NULL ||
        sqlite3_column_bytes(st, col) != SHA256_BYTES)
        return json_null();
    sha256_hex(sqlite3_column_blob(st, col), hex);
    return json_string(hex);
}

#define CHECK_COLUMNS                                                                              \
    "id, source, checked_by, checked_at, state, artifacts_checked, bytes_hashed, modified,"        \
    " missing, unexpected, opened, restored"

/* The check object of the row st is on (CHECK_COLUMNS). */
static json_t *check_json(sqlite3_stmt *st)
{
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id",
        (json_int_t)sqlite3_column_int64(st, 0), "source", sqlite3_column_text(st, 1), "checked_by",
        sqlite3_column_text(st, 2), "checked_at", sqlite3_column_text(st, 3), "state",
        sqlite3_column_text(st, 4), "artifacts_checked", (json_int_t)sqlite3_column_int64(st, 5),
        "bytes_hashed", (json_int_t)sqlite3_column_int64(st, 6), "modified",
        (json_int_t)sqlite3_column_int64(st, 7), "missing", (json_int_t)sqlite3_column_int64(st, 8),
        "unexpected", (json_int_t)sqlite3_column_int64(st, 9), "new_violations",
        (json_int_t)sqlite3_column_int64(st, 10), "restored",
        (json_int_t)sqlite3_column_int64(st, 11));
}

#define VIOLATION_COLUMNS                                                                          \
    "id, path, kind, expected_sha256, expected_size, actual_sha256, actual_size, detected_at,"     \
    " resolved_at, resolution, acked_at, acked_by, ack_comment"

/* The violation object of the row st is on (VIOLATION_COLUMNS). */
static json_t *violation_json(sqlite3_stmt *st)
{
    json_t *ack =
        sqlite3_column_type(st, 10) == SQLITE_NULL
            ? json_null()
            : json_pack("{s:s, s:s, s:s}", "at", sqlite3_column_text(st, 10), "by",
                        sqlite3_column_text(st, 11), "comment", sqlite3_column_text(st, 12));

    return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id",
                     (json_int_t)sqlite3_column_int64(st, 0), "path", sqlite3_column_text(st, 1),
                     "kind", sqlite3_column_text(st, 2), "expected_sha256", hex_or_null(st, 3),
                     "expected_size", int_or_null(st, 4), "actual_sha256", hex_or_null(st, 5),
                     "actual_size", int_or_null(st, 6), "detected_at", sqlite3_column_text(st, 7),
                     "resolved_at", text_or_null(st, 8), "resolution", text_or_null(st, 9),
                     "acknowledged", ack);
}

static json_t *check_get(struct db *db, int64_t id)
{
    static const char sql[] = "SELECT " CHECK_COLUMNS " FROM freeze_checks WHERE id = :id";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *c = NULL;

    if (st && db_bind(st, BINDS(BIND_INT(":id", id))) == 0 && db_step(db, st, NULL) == SQLITE_ROW)
        c = check_json(st);
    db_reset(st);
    return c ? c : json_null();
}

static json_t *violation_get(struct db *db, int64_t id)
{
    static const char sql[] = "SELECT " VIOLATION_COLUMNS " FROM freeze_violations WHERE id = :id";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *v = NULL;

    if (st && db_bind(st, BINDS(BIND_INT(":id", id))) == 0 && db_step(db, st, NULL) == SQLITE_ROW)
        v = violation_json(st);
    db_reset(st);
    return v;
}

/* The standing violations of freeze id, oldest first, at most FREEZE_VIOLATIONS_SHOWN. */
static json_t *standing_json(struct db *db, int64_t id)
{
    static const char sql[] = "SELECT " VIOLATION_COLUMNS " FROM freeze_violations"
                              " WHERE freeze_id = :id AND resolved_ms IS NULL"
                              " ORDER BY id LIMIT :limit";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *list = json_array();

    if (st &&
        db_bind(st, BINDS(BIND_INT(":id", id), BIND_INT(":limit", FREEZE_VIOLATIONS_SHOWN))) == 0)
        while (db_step(db, st, NULL) == SQLITE_ROW)
            json_array_append_new(list, violation_json(st));
    db_reset(st);
    return list;
}

static int64_t standing_count(struct db *db, int64_t id)
{
    static const char sql[] =
        "SELECT count(*) FROM freeze_violations WHERE freeze_id = :id AND resolved_ms IS NULL";
    sqlite3_stmt *st = db_prepare(db, sql);
    int64_t n = 0;

    if (st && db_bind(st, BINDS(BIND_INT(":id", id))) == 0 && db_step(db, st, NULL) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    db_reset(st);
    return n;
}

#define FREEZE_COLUMNS                                                                             \
    "id, name, description, root, closed, include_json, window_starts_at, window_ends_at,"         \
    " window_starts_ms, window_ends_ms, lifted_at, lifted_ms, lifted_by, manifest_sha256,"         \
    " artifact_count, total_bytes, state, last_check_id, created_at, created_by"

static void window_of(sqlite3_stmt *st, struct freeze_window *w)
{
    memset(w, 0, sizeof(*w));
    w->has = sqlite3_column_type(st, 8) != SQLITE_NULL;
    w->starts_ms = sqlite3_column_int64(st, 8);
    w->ends_ms = sqlite3_column_int64(st, 9);
    w->lifted_ms = sqlite3_column_int64(st, 11);
}

/* The freeze object of the row st is on (FREEZE_COLUMNS). */
static json_t *freeze_json(struct db *db, sqlite3_stmt *st, int64_t now_ms)
{
    int64_t id = sqlite3_column_int64(st, 0);
    json_t *include = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
    struct freeze_window w;
    enum window_phase phase;
    json_t *window = json_null();

    window_of(st, &w);
    phase = freeze_window_phase(&w, now_ms);
    if (w.has)
        window = json_pack("{s:s, s:s, s:o, s:o, s:s}", "starts_at", sqlite3_column_text(st, 6),
                           "ends_at", sqlite3_column_text(st, 7), "lifted_at", text_or_null(st, 10),
                           "lifted_by", text_or_null(st, 12), "phase", window_phase_name(phase));
    return json_pack(
        "{s:s, s:s, s:o, s:b, s:o, s:o, s:b, s:I, s:I, s:o, s:s, s:o, s:o, s:I, s:s,"
        " s:s}",
        "name", sqlite3_column_text(st, 1), "description", sqlite3_column_text(st, 2), "root",
        text_or_null(st, 3), "closed", sqlite3_column_int(st, 4), "include",
        include ? include : json_array(), "window", window, "in_effect", phase == WINDOW_IN_EFFECT,
        "artifact_count", (json_int_t)sqlite3_column_int64(st, 14), "total_bytes",
        (json_int_t)sqlite3_column_int64(st, 15), "manifest_sha256", hex_or_null(st, 13), "state",
        sqlite3_column_text(st, 16), "last_check",
        sqlite3_column_type(st, 17) == SQLITE_NULL ? json_null()
                                                   : check_get(db, sqlite3_column_int64(st, 17)),
        "violations", standing_json(db, id), "open_violations", (json_int_t)standing_count(db, id),
        "created_at", sqlite3_column_text(st, 18), "created_by", sqlite3_column_text(st, 19));
}

json_t *freeze_get(struct db *db, const char *name, int64_t now_ms, struct gh_error *err)
{
    static const char sql[] = "SELECT " FREEZE_COLUMNS " FROM freezes WHERE name = :name";
    sqlite3_stmt *st;
    json_t *f = NULL;
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_TEXT(":name", name)), err)) == NULL)
        return NULL;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        f = freeze_json(db, st, now_ms);
    else if (rc == SQLITE_DONE)
        gh_fail(err, GH_NOT_FOUND, "no freeze named %.64s", name);
    db_reset(st);
    return f;
}

/* "<id>" cursors: keyset paging over a rowid or a seq. */
static int parse_cursor(const char *s, int64_t *out)
{
    char *end;

    *out = strtoll(s, &end, 10);
    return end != s && *end == '\0' && *out >= 0 ? 0 : -1;
}

static int bad_cursor(struct gh_error *err)
{
    return gh_fail(err, GH_INVALID, "the cursor is not one this API gave out");
}

/* The id of the freeze named name; GH_NOT_FOUND. */
static int freeze_id_of(struct db *db, const char *name, int64_t *id, struct gh_error *err)
{
    static const char sql[] = "SELECT id FROM freezes WHERE name = :name";

    if (db_int64(db, sql, 0, id, err, BINDS(BIND_TEXT(":name", name))) != 0)
        return -1;
    return *id ? 0 : gh_fail(err, GH_NOT_FOUND, "no freeze named %.64s", name);
}

json_t *freezes_list(struct db *db, const char *cursor, int limit, int64_t now_ms,
                     char next[FREEZE_CURSOR_LEN], struct gh_error *err)
{
    static const char sql[] = "SELECT " FREEZE_COLUMNS " FROM freezes WHERE id < :before"
                              " ORDER BY id DESC LIMIT :limit";
    int64_t before = INT64_MAX, last = 0;
    sqlite3_stmt *st;
    json_t *list;
    int rc;

    next[0] = '\0';
    if (cursor && parse_cursor(cursor, &before) != 0) {
        bad_cursor(err);
        return NULL;
    }
    st = db_prepare(db, sql);
    if (st == NULL ||
        db_bind(st, BINDS(BIND_INT(":before", before), BIND_INT(":limit", limit + 1))) != 0) {
        db_reset(st);
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    list = json_array();
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        if ((int)json_array_size(list) == limit) {
            snprintf(next, FREEZE_CURSOR_LEN, "%lld", (long long)last);
            break;
        }
        last = sqlite3_column_int64(st, 0);
        json_array_append_new(list, freeze_json(db, st, now_ms));
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/*
 * One page of a freeze's rows: sql selects (key, ...) for :freeze after
 * :after (ascending) or before :before (descending), at most :limit rows;
 * row() turns a row into an object. The page's last key becomes the
 * cursor when there is more.
 */
static json_t *page_of(struct db *db, const char *name, const char *sql, int descending,
                       json_t *(*row)(sqlite3_stmt *), const char *cursor, int limit,
                       char next[FREEZE_CURSOR_LEN], struct gh_error *err)
{
    int64_t id = 0, key = descending ? INT64_MAX : -1, last = 0;
    sqlite3_stmt *st;
    json_t *list;
    int rc;

    next[0] = '\0';
    if (cursor && parse_cursor(cursor, &key) != 0) {
        bad_cursor(err);
        return NULL;
    }
    if (freeze_id_of(db, name, &id, err) != 0)
        return NULL;
    if ((st = db_query(
             db, sql,
             BINDS(BIND_INT(":freeze", id), BIND_INT(":key", key), BIND_INT(":limit", limit + 1)),
             err)) == NULL)
        return NULL;
    list = json_array();
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        if ((int)json_array_size(list) == limit) {
            snprintf(next, FREEZE_CURSOR_LEN, "%lld", (long long)last);
            break;
        }
        last = sqlite3_column_int64(st, 0);
        json_array_append_new(list, row(st));
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

static json_t *artifact_row(sqlite3_stmt *st)
{
    return json_pack("{s:s, s:o, s:I}", "path", sqlite3_column_text(st, 1), "sha256",
                     hex_or_null(st, 2), "size", (json_int_t)sqlite3_column_int64(st, 3));
}

json_t *freeze_artifacts_page(struct db *db, const char *name, const char *cursor, int limit,
                              char next[FREEZE_CURSOR_LEN], struct gh_error *err)
{
    static const char sql[] = "SELECT seq, path, sha256, size FROM freeze_artifacts"
                              " WHERE freeze_id = :freeze AND seq > :key ORDER BY seq LIMIT :limit";

    return page_of(db, name, sql, 0, artifact_row, cursor, limit, next, err);
}

json_t *freeze_checks_page(struct db *db, const char *name, const char *cursor, int limit,
                           char next[FREEZE_CURSOR_LEN], struct gh_error *err)
{
    static const char sql[] = "SELECT " CHECK_COLUMNS " FROM freeze_checks"
                              " WHERE freeze_id = :freeze AND id < :key"
                              " ORDER BY id DESC LIMIT :limit";

    return page_of(db, name, sql, 1, check_json, cursor, limit, next, err);
}

json_t *freeze_violations_page(struct db *db, const char *name, const char *cursor, int limit,
                               char next[FREEZE_CURSOR_LEN], struct gh_error *err)
{
    static const char sql[] = "SELECT " VIOLATION_COLUMNS " FROM freeze_violations"
                              " WHERE freeze_id = :freeze AND id < :key"
                              " ORDER BY id DESC LIMIT :limit";

    return page_of(db, name, sql, 1, violation_json, cursor, limit, next, err);
}

/* ---- writing ---- */

/* The base of public_url without trailing slashes, for links. */
static void page_url(struct buf *out, const char *public_url, const char *name)
{
    size_t base = strlen(public_url);

    while (base > 0 && public_url[base - 1] == '/')
        base--;
    buf_printf(out, "%.*s/freezes/%s", (int)base, public_url, name);
}

/*
 * Record a Gatehouse event about freeze name (no mission): the event, its
 * ledger entry, and webhooks carrying payload itself, the object it
 * concerns (API.md: "other events carry the object they concern").
 */
static int freeze_event(struct db *db, const struct freeze_actor *who, const char *type,
                        const char *name, json_t *payload, struct gh_error *err)
{
    char subject[80];

    snprintf(subject, sizeof(subject), "freeze:%s", name);
    return record_event(db, who->now_ms, who->username, type, NULL, subject, subject, payload,
                        payload, err);
}

int freeze_create(struct db *db, const struct freeze_actor *who, const struct freeze_input *in,
                  json_t **out, int *created, struct gh_error *err)
{
    static const char find_sql[] = "SELECT manifest_sha256 FROM freezes WHERE name = :name";
    static const char ins_sql[] =
        "INSERT INTO freezes (name, description, root, closed, include_json, window_starts_at,"
        " window_starts_ms, window_ends_at, window_ends_ms, manifest_sha256, artifact_count,"
        " total_bytes, state, created_at, created_ms, created_by)"
        " VALUES (:name, :description, :root, :closed, :include, :starts_at,"
        " nullif(:starts_ms, -1), :ends_at, nullif(:ends_ms, -1), :digest, :count, :bytes,"
        " 'unverified', :at, :ms, :by)";
    static const char art_sql[] =
        "INSERT INTO freeze_artifacts (freeze_id, seq, path, sha256, size)"
        " VALUES (:freeze, :seq, :path, :sha, :size)";
    unsigned char digest[SHA256_BYTES];
    char at[TIME_RFC3339_LEN], starts[TIME_RFC3339_LEN], ends[TIME_RFC3339_LEN];
    char hex[SHA256_HEX_LEN], *include_text;
    json_t *include = json_array(), *payload;
    int64_t bytes = 0, id;
    sqlite3_stmt *st;
    int rc, found;

    *out = NULL;
    *created = 0;
    for (size_t i = 0; i < in->ninclude; i++)
        json_array_append_new(include, json_string(in->include[i]));
    include_text = json_dumps(include, JSON_COMPACT);
    manifest_digest(in->artifacts, in->nartifacts, digest);
    sha256_hex(digest, hex);
    for (size_t i = 0; i < in->nartifacts; i++)
        bytes += in->artifacts[i].size;
    time_format_rfc3339(who->now_ms, at);
    time_format_rfc3339(in->window.starts_ms, starts);
    time_format_rfc3339(in->window.ends_ms, ends);
    if ((rc = db_begin_write(db, err)) != 0)
        goto done;
    st = db_prepare(db, find_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_TEXT(":name", in->name))) != 0) {
        db_reset(st);
        rc = gh_fail(err, GH_INTERNAL, "database error");
        goto fail;
    }
    found = db_step(db, st, err);
    if (found == SQLITE_ROW) {
        int same = sqlite3_column_bytes(st, 0) == SHA256_BYTES &&
                   memcmp(sqlite3_column_blob(st, 0), digest, SHA256_BYTES) == 0;
        db_reset(st);
        db_rollback(db); /* a repeat changes nothing */
        if (!same) {
            rc = gh_fail(err, GH_CONFLICT,
                         "a freeze named %s exists with another manifest; freezes never change: "
                         "choose another name",
                         in->name);
            goto done;
        }
        *out = freeze_get(db, in->name, who->now_ms, err);
        rc = *out ? 0 : -1;
        goto done;
    }
    db_reset(st);
    if (found != SQLITE_DONE) {
        rc = -1;
        goto fail;
    }
    rc = db_run(db, ins_sql, NULL, err,
                BINDS(BIND_TEXT(":name", in->name), BIND_TEXT(":description", in->description),
                      BIND_TEXT(":root", in->root), BIND_INT(":closed", in->closed),
                      BIND_TEXT(":include", include_text),
                      BIND_TEXT(":starts_at", in->window.has ? starts : NULL),
                      BIND_INT(":starts_ms", in->window.has ? in->window.starts_ms : -1),
                      BIND_TEXT(":ends_at", in->window.has ? ends : NULL),
                      BIND_INT(":ends_ms", in->window.has ? in->window.ends_ms : -1),
                      BIND_HASH(":digest", digest), BIND_INT(":count", (int64_t)in->nartifacts),
                      BIND_INT(":bytes", bytes), BIND_TEXT(":at", at), BIND_INT(":ms", who->now_ms),
                      BIND_TEXT(":by", who->username)));
    if (rc != 0)
        goto fail;
    id = sqlite3_last_insert_rowid(db->conn);
    for (size_t i = 0; rc == 0 && i < in->nartifacts; i++)
        rc = db_run(db, art_sql, NULL, err,
                    BINDS(BIND_INT(":freeze", id), BIND_INT(":seq", (int64_t)i + 1),
                          BIND_TEXT(":path", in->artifacts[i].path),
                          BIND_HASH(":sha", in->artifacts[i].sha256),
                          BIND_INT(":size", in->artifacts[i].size)));
    if (rc != 0)
        goto fail;
    payload =
        json_pack("{s:s, s:s, s:o, s:b, s:O, s:o, s:I, s:I, s:s}", "name", in->name, "description",
                  in->description, "root", in->root ? json_string(in->root) : json_null(), "closed",
                  in->closed, "include", include, "window",
                  in->window.has ? json_pack("{s:s, s:s}", "starts_at", starts, "ends_at", ends)
                                 : json_null(),
                  "artifact_count", (json_int_t)in->nartifacts, "total_bytes", (json_int_t)bytes,
                  "manifest_sha256", hex);
    rc = freeze_event(db, who, "freeze.created", in->name, payload, err);
    json_decref(payload);
    if (rc != 0)
        goto fail;
    if ((rc = db_commit(db, err)) != 0)
        goto done;
    *created = 1;
    *out = freeze_get(db, in->name, who->now_ms, err);
    rc = *out ? 0 : -1;
    goto done;
fail:
    db_rollback(db);
done:
    free(include_text);
    json_decref(include);
    return rc;
}

int freeze_create_over_root(struct db *db, const struct config *cfg, const struct freeze_actor *who,
                            const struct freeze_input *in, scan_progress_fn progress,
                            void *progress_arg, json_t **out, int *created, struct gh_error *err)
{
    struct freeze_input walked = *in;
    struct scan_root root;
    const char *path = config_freeze_root(cfg, in->root);
    int rc;

    *out = NULL;
    *created = 0;
    if (path == NULL)
        return gh_fail(err, GH_INVALID, "the configuration names no root '%s' (freeze_root.%s)",
                       in->root ? in->root : "", in->root ? in->root : "NAME");
    if (scan_root_open(&root, path, err) != 0)
        return -1;
    root.progress = progress;
    root.progress_arg = progress_arg;
    rc = scan_tree(&root, in->include, in->ninclude, &walked.artifacts, &walked.nartifacts, err);
    scan_root_close(&root);
    if (rc != 0)
        return -1;
    if (walked.nartifacts == 0)
        rc = gh_fail(err, GH_INVALID, "no file under %s is taken by %s", path,
                     in->ninclude ? "the --include globs" : "the walk");
    else
        rc = freeze_create(db, who, &walked, out, created, err);
    scan_artifacts_free(walked.artifacts, walked.nartifacts);
    return rc;
}

int freeze_lift(struct db *db, const struct freeze_actor *who, const char *name, json_t **out,
                struct gh_error *err)
{
    static const char find_sql[] = "SELECT " FREEZE_COLUMNS " FROM freezes WHERE name = :name";
    static const char sql[] = "UPDATE freezes SET lifted_at = :at, lifted_ms = :ms,"
                              " lifted_by = :by WHERE name = :name";
    struct freeze_window w;
    char at[TIME_RFC3339_LEN];
    json_t *payload;
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    time_format_rfc3339(who->now_ms, at);
    if (db_begin_write(db, err) != 0)
        return -1;
    st = db_prepare(db, find_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_TEXT(":name", name))) != 0) {
        db_reset(st);
        rc = gh_fail(err, GH_INTERNAL, "database error");
        goto fail;
    }
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        window_of(st, &w);
    db_reset(st);
    if (rc == SQLITE_DONE)
        rc = gh_fail(err, GH_NOT_FOUND, "no freeze named %.64s", name);
    else if (rc == SQLITE_ROW)
        rc = freeze_lift_check(&w, who->now_ms, err);
    else
        rc = -1;
    if (rc == 0)
        rc = db_run(db, sql, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_INT(":ms", who->now_ms),
                          BIND_TEXT(":by", who->username), BIND_TEXT(":name", name)));
    if (rc == 0) {
        payload =
            json_pack("{s:s, s:s, s:s}", "name", name, "lifted_at", at, "lifted_by", who->username);
        rc = freeze_event(db, who, "freeze.lifted", name, payload, err);
        json_decref(payload);
    }
    if (rc != 0)
        goto fail;
    if (db_commit(db, err) != 0)
        return -1;
    *out = freeze_get(db, name, who->now_ms, err);
    return *out ? 0 : -1;
fail:
    db_rollback(db);
    return -1;
}

int freeze_ack(struct db *db, const struct freeze_actor *who, const char *name, int64_t vid,
               const char *comment, json_t **out, struct gh_error *err)
{
    static const char find_sql[] =
        "SELECT v.acked_by FROM freeze_violations v JOIN freezes f ON f.id = v.freeze_id"
        " WHERE f.name = :name AND v.id = :vid";
    static const char sql[] = "UPDATE freeze_violations SET acked_at = :at, acked_by = :by,"
                              " ack_comment = :comment WHERE id = :vid AND acked_at IS NULL";
    char at[TIME_RFC3339_LEN], subject[80];
    json_t *v = NULL;
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    time_format_rfc3339(who->now_ms, at);
    if (db_begin_write(db, err) != 0)
        return -1;
    st = db_prepare(db, find_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_TEXT(":name", name), BIND_INT(":vid", vid))) != 0) {
        db_reset(st);
        rc = gh_fail(err, GH_INTERNAL, "database error");
        goto fail;
    }
    rc = db_step(db, st, err);
    if (rc == SQLITE_DONE)
        rc = gh_fail(err, GH_NOT_FOUND, "freeze %.64s has no violation %lld", name, (long long)vid);
    else if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        rc = gh_fail(err, GH_CONFLICT, "this violation was acknowledged already by %.64s",
                     sqlite3_column_text(st, 0));
    else if (rc == SQLITE_ROW)
        rc = 0;
    db_reset(st);
    if (rc == 0)
        rc = db_run(db, sql, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_TEXT(":by", who->username),
                          BIND_TEXT(":comment", comment), BIND_INT(":vid", vid)));
    if (rc == 0 && (v = violation_get(db, vid)) == NULL)
        rc = gh_fail(err, GH_INTERNAL, "the violation vanished");
    if (rc == 0) {
        json_t *payload = json_pack("{s:s, s:O}", "freeze", name, "violation", v);
        snprintf(subject, sizeof(subject), "freeze:%s", name);
        rc = ledger_append(db, who->now_ms, who->username, "freeze.violation_acknowledged", subject,
                           payload, NULL, err);
        json_decref(payload);
    }
    if (rc != 0)
        goto fail;
    if (db_commit(db, err) != 0) {
        json_decref(v);
        return -1;
    }
    *out = v;
    return 0;
fail:
    json_decref(v);
    db_rollback(db);
    return -1;
}

/* ---- checks ---- */

void freeze_manifest_free(struct freeze_manifest *m)
{
    for (size_t i = 0; i < m->count; i++)
        free((char *)m->items[i].path);
    for (size_t i = 0; i < m->ninclude; i++)
        free(m->include[i]);
    free(m->items);
    free(m->include);
    free(m->name);
    free(m->root);
    memset(m, 0, sizeof(*m));
}

int freeze_manifest_load(struct db *db, const char *name, struct freeze_manifest *m,
                         struct gh_error *err)
{
    static const char sql[] = "SELECT id, name, root, closed, include_json, artifact_count"
                              " FROM freezes WHERE name = :name";
    static const char art_sql[] = "SELECT path, sha256, size FROM freeze_artifacts"
                                  " WHERE freeze_id = :id ORDER BY seq";
    sqlite3_stmt *st;
    json_t *include = NULL;
    size_t cap = 0;
    int rc;

    memset(m, 0, sizeof(*m));
    if ((st = db_query(db, sql, BINDS(BIND_TEXT(":name", name)), err)) == NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        m->id = sqlite3_column_int64(st, 0);
        m->name = xstrdup((const char *)sqlite3_column_text(st, 1));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            m->root = xstrdup((const char *)sqlite3_column_text(st, 2));
        m->closed = sqlite3_column_int(st, 3);
        include = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
        cap = (size_t)sqlite3_column_int64(st, 5);
    }
    db_reset(st);
    if (rc == SQLITE_DONE)
        return gh_fail(err, GH_NOT_FOUND, "no freeze named %.64s", name);
    if (rc != SQLITE_ROW)
        return -1;
    m->include = xcalloc(json_array_size(include) + 1, sizeof(*m->include));
    for (size_t i = 0; i < json_array_size(include); i++)
        if (json_is_string(json_array_get(include, i)))
            m->include[m->ninclude++] = xstrdup(json_string_value(json_array_get(include, i)));
    json_decref(include);
    m->items = xcalloc(cap + 1, sizeof(*m->items));
    st = db_prepare(db, art_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_INT(":id", m->id))) != 0) {
        db_reset(st);
        freeze_manifest_free(m);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW && m->count < cap) {
        struct artifact *a = &m->items[m->count++];
        a->path = xstrdup((const char *)sqlite3_column_text(st, 0));
        if (sqlite3_column_bytes(st, 1) == SHA256_BYTES)
            memcpy(a->sha256, sqlite3_column_blob(st, 1), SHA256_BYTES);
        a->size = sqlite3_column_int64(st, 2);
    }
    db_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        freeze_manifest_free(m);
        return -1;
    }
    return 0;
}

void freeze_names_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

int freezes_with_root(struct db *db, char ***names, int64_t **last_checked_ms, size_t *count,
                      struct gh_error *err)
{
    static const char sql[] = "SELECT name, coalesce(last_checked_ms, 0) FROM freezes"
                              " WHERE root IS NOT NULL ORDER BY coalesce(last_checked_ms, 0), id";
    sqlite3_stmt *st = db_prepare(db, sql);
    size_t cap = 16;
    int rc;

    *count = 0;
    *names = NULL;
    *last_checked_ms = NULL;
    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    *names = xcalloc(cap, sizeof(**names));
    *last_checked_ms = xcalloc(cap, sizeof(**last_checked_ms));
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        if (*count == cap) {
            cap *= 2;
            *names = xreallocarray(*names, cap, sizeof(**names));
            *last_checked_ms = xreallocarray(*last_checked_ms, cap, sizeof(**last_checked_ms));
        }
        (*names)[*count] = xstrdup((const char *)sqlite3_column_text(st, 0));
        (*last_checked_ms)[*count] = sqlite3_column_int64(st, 1);
        (*count)++;
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        freeze_names_free(*names, *count);
        free(*last_checked_ms);
        *names = NULL;
        *last_checked_ms = NULL;
        *count = 0;
        return -1;
    }
    return 0;
}

/* The standing violations of freeze id, for freeze_reconcile(); paths owned by the caller. */
static int standing_load(struct db *db, int64_t id, struct standing **out, size_t *count,
                         struct gh_error *err)
{
    static const char sql[] = "SELECT id, path, kind, actual_sha256 FROM freeze_violations"
                              " WHERE freeze_id = :id AND resolved_ms IS NULL";
    sqlite3_stmt *st;
    size_t cap = 16;
    int rc;

    *count = 0;
    *out = xcalloc(cap, sizeof(**out));
    if ((st = db_query(db, sql, BINDS(BIND_INT(":id", id)), err)) == NULL)
        return -1;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        struct standing *s;
        enum violation_kind kind = VIOLATION_MODIFIED;
        if (*count == cap) {
            cap *= 2;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        s = &(*out)[(*count)++];
        memset(s, 0, sizeof(*s));
        s->id = sqlite3_column_int64(st, 0);
        s->path = xstrdup((const char *)sqlite3_column_text(st, 1));
        violation_kind_parse((const char *)sqlite3_column_text(st, 2), &kind);
        s->kind = kind;
        if (sqlite3_column_bytes(st, 3) == SHA256_BYTES) {
            s->has_actual = 1;
            memcpy(s->actual, sqlite3_column_blob(st, 3), SHA256_BYTES);
        }
    }
    db_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void standing_free(struct standing *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)s[i].path);
    free(s);
}

/* A violation's event (freeze.violated or freeze.restored): the violation, its freeze, the page. */
static int violation_event(struct db *db, const struct freeze_actor *who, const char *type,
                           const char *name, int64_t vid, struct gh_error *err)
{
    json_t *v = violation_get(db, vid);
    struct buf url = BUF_INIT;
    int rc;

    if (v == NULL)
        return gh_fail(err, GH_INTERNAL, "violation %lld vanished", (long long)vid);
    page_url(&url, who->public_url, name);
    json_object_set_new(v, "freeze", json_string(name));
    json_object_set_new(v, "url", json_string(buf_str(&url)));
    buf_free(&url);
    rc = freeze_event(db, who, type, name, v, err);
    json_decref(v);
    return rc;
}

/* The check's changes, inside the write transaction. */
static int apply_check(struct db *db, const struct freeze_actor *who,
                       const struct freeze_manifest *m, const struct freeze_check_input *in,
                       int64_t *check_id, struct gh_error *err)
{
    static const char check_sql[] =
        "INSERT INTO freeze_checks (freeze_id, source, checked_by, checked_at, checked_ms, state,"
        " artifacts_checked, bytes_hashed, modified, missing, unexpected, opened, restored)"
        " VALUES (:freeze, :source, :by, :at, :ms, :state, :checked, :bytes, :modified,"
        " :missing, :unexpected, :opened, :restored)";
    static const char resolve_sql[] =
        "UPDATE freeze_violations SET resolved_at = :at, resolved_ms = :ms,"
        " resolution = :resolution, resolved_check_id = :check WHERE id = :id";
    static const char open_sql[] =
        "INSERT INTO freeze_violations (freeze_id, path, kind, expected_sha256, expected_size,"
        " actual_sha256, actual_size, detected_at, detected_ms, detected_check_id)"
        " VALUES (:freeze, :path, :kind, :expected, nullif(:esize, -1), :actual,"
        " nullif(:asize, -1), :at, :ms, :check)";
    static const char state_sql[] =
        "UPDATE freezes SET state = :state, last_check_id = :check, last_checked_ms = :ms"
        " WHERE id = :freeze";
    struct reconciliation rec = {0};
    struct standing *standing = NULL;
    size_t nstanding = 0;
    int64_t counts[3] = {0, 0, 0};
    char at[TIME_RFC3339_LEN], subject[80];
    const char *state = in->nfindings ? "violated" : "intact";
    json_t *check;
    int rc;

    time_format_rfc3339(in->checked_ms, at);
    for (size_t i = 0; i < in->nfindings; i++)
        counts[in->findings[i].kind]++;
    rc = standing_load(db, m->id, &standing, &nstanding, err);
    if (rc == 0)
        freeze_reconcile(in->findings, in->nfindings, standing, nstanding, &rec);
    if (rc == 0)
        rc = db_run(db, check_sql, NULL, err,
                    BINDS(BIND_INT(":freeze", m->id), BIND_TEXT(":source", in->source),
                          BIND_TEXT(":by", who->username), BIND_TEXT(":at", at),
                          BIND_INT(":ms", in->checked_ms), BIND_TEXT(":state", state),
                          BIND_INT(":checked", in->artifacts_checked),
                          BIND_INT(":bytes", in->bytes_hashed),
                          BIND_INT(":modified", counts[VIOLATION_MODIFIED]),
                          BIND_INT(":missing", counts[VIOLATION_MISSING]),
                          BIND_INT(":unexpected", counts[VIOLATION_UNEXPECTED]),
                          BIND_INT(":opened", (int64_t)rec.nopened),
                          BIND_INT(":restored", (int64_t)rec.nrestored)));
    if (rc == 0)
        *check_id = sqlite3_last_insert_rowid(db->conn);
    /* Superseded first: a path has one standing violation at a time. */
    for (size_t i = 0; rc == 0 && i < rec.nsuperseded; i++)
        rc = db_run(db, resolve_sql, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_INT(":ms", in->checked_ms),
                          BIND_TEXT(":resolution", "superseded"), BIND_INT(":check", *check_id),
                          BIND_INT(":id", standing[rec.superseded[i]].id)));
    for (size_t i = 0; rc == 0 && i < rec.nrestored; i++) {
        int64_t vid = standing[rec.restored[i]].id;
        rc = db_run(db, resolve_sql, NULL, err,
                    BINDS(BIND_TEXT(":at", at), BIND_INT(":ms", in->checked_ms),
                          BIND_TEXT(":resolution", "restored"), BIND_INT(":check", *check_id),
                          BIND_INT(":id", vid)));
        if (rc == 0)
            rc = violation_event(db, who, "freeze.restored", m->name, vid, err);
    }
    for (size_t i = 0; rc == 0 && i < rec.nopened; i++) {
        const struct finding *f = &in->findings[rec.opened[i]];
        rc = db_run(db, open_sql, NULL, err,
                    BINDS(BIND_INT(":freeze", m->id), BIND_TEXT(":path", f->path),
                          BIND_TEXT(":kind", violation_kind_name(f->kind)),
                          BIND_HASH(":expected", f->has_expected ? f->expected : NULL),
                          BIND_INT(":esize", f->has_expected ? f->expected_size : -1),
                          BIND_HASH(":actual", f->has_actual ? f->actual : NULL),
                          BIND_INT(":asize", f->has_actual ? f->actual_size : -1),
                          BIND_TEXT(":at", at), BIND_INT(":ms", in->checked_ms),
                          BIND_INT(":check", *check_id)));
        if (rc == 0)
            rc = violation_event(db, who, "freeze.violated", m->name,
                                 sqlite3_last_insert_rowid(db->conn), err);
    }
    if (rc == 0)
        rc = db_run(db, state_sql, NULL, err,
                    BINDS(BIND_TEXT(":state", state), BIND_INT(":check", *check_id),
                          BIND_INT(":ms", in->checked_ms), BIND_INT(":freeze", m->id)));
    if (rc == 0) {
        check = check_get(db, *check_id);
        json_object_set_new(check, "freeze", json_string(m->name));
        snprintf(subject, sizeof(subject), "freeze:%s", m->name);
        rc = ledger_append(db, who->now_ms, who->username, "freeze.checked", subject, check, NULL,
                           err);
        json_decref(check);
    }
    reconciliation_free(&rec);
    standing_free(standing, nstanding);
    return rc;
}

int freeze_record_check(struct db *db, const struct freeze_actor *who,
                        const struct freeze_manifest *m, const struct freeze_check_input *in,
                        json_t **out, struct gh_error *err)
{
    int64_t check_id = 0;

    if (out)
        *out = NULL;
    if (db_begin_write(db, err) != 0)
        return -1;
    if (apply_check(db, who, m, in, &check_id, err) != 0) {
        db_rollback(db);
        return -1;
    }
    if (db_commit(db, err) != 0)
        return -1;
    if (out)
        *out = check_get(db, check_id);
    return 0;
}

int freeze_verify(struct db *db, const struct config *cfg, const struct freeze_actor *who,
                  const char *source, const char *name, scan_progress_fn progress,
                  void *progress_arg, json_t **check, struct gh_error *err)
{
    struct freeze_manifest m;
    struct scan_root root;
    struct scan_seen seen;
    struct finding *findings = NULL;
    struct freeze_check_input in;
    const char *path;
    int rc = -1;

    if (check)
        *check = NULL;
    if (freeze_manifest_load(db, name, &m, err) != 0)
        return -1;
    if (m.root == NULL) {
        gh_fail(err, GH_CONFLICT, "freeze %s has no root: only reports posted to it verify it",
                name);
        goto out_manifest;
    }
    if ((path = config_freeze_root(cfg, m.root)) == NULL) {
        gh_fail(err, GH_UNAVAILABLE,
                "freeze %s is verified under the root '%s', which the configuration no longer "
                "names (freeze_root.%s)",
                name, m.root, m.root);
        goto out_manifest;
    }
    if (scan_root_open(&root, path, err) != 0)
        goto out_manifest;
    root.progress = progress;
    root.progress_arg = progress_arg;
    if (scan_verify(&root, m.items, m.count, m.closed, (const char *const *)m.include, m.ninclude,
                    &seen, err) != 0)
        goto out_root;
    findings = xcalloc(m.count + seen.count + 1, sizeof(*findings));
    in = (struct freeze_check_input){source,           who->now_ms, (int64_t)seen.count,
                                     root.stats.bytes, findings,    0};
    in.nfindings = freeze_compare(m.items, m.count, seen.items, seen.count, findings);
    rc = freeze_record_check(db, who, &m, &in, check, err);
    free(findings);
    scan_seen_free(&seen);
out_root:
    scan_root_close(&root);
out_manifest:
    freeze_manifest_free(&m);
    return rc;
}

int freeze_report_parse(json_t *body, int64_t now_ms, struct freeze_report *r,
                        struct field_errors *e)
{
    static const char *const fields[] = {"checked_at", "artifacts", NULL};
    struct artifact *listed = NULL;
    json_t *artifacts;
    int before = e->count;

    memset(r, 0, sizeof(*r));
    r->checked_ms = now_ms;
    json_reject_unknown(body, fields, e);
    if (get_time(body, "checked_at", "checked_at", 0, &r->checked_ms, e) == 1 &&
        r->checked_ms > now_ms + REPORT_SKEW_MS)
        field_error(e, "checked_at", "must not be in the future");
    if (json_get_array(body, "artifacts", 1, FREEZE_ARTIFACTS_MAX, &artifacts, e) == 1) {
        parse_listing(artifacts, "artifacts", &listed, &r->count, e);
        r->listed = xcalloc(r->count + 1, sizeof(*r->listed));
        for (size_t i = 0; i < r->count; i++) {
            r->listed[i].path = listed[i].path;
            r->listed[i].what = OBSERVED_FILE;
            memcpy(r->listed[i].sha256, listed[i].sha256, SHA256_BYTES);
            r->listed[i].size = listed[i].size;
        }
        free(listed);
    }
    return e->count > before ? -1 : 0;
}

void freeze_report_free(struct freeze_report *r)
{
    free(r->listed);
    r->listed = NULL;
    r->count = 0;
}

int freeze_report_record(struct db *db, const struct freeze_actor *who, const char *name,
                         const struct freeze_report *r, json_t **out, struct gh_error *err)
{
    struct freeze_manifest m;
    struct finding *findings;
    struct freeze_check_input in;
    int rc;

    *out = NULL;
    if (freeze_manifest_load(db, name, &m, err) != 0)
        return -1;
    findings = xcalloc(m.count + r->count + 1, sizeof(*findings));
    in = (struct freeze_check_input){"report", r->checked_ms, (int64_t)r->count, 0, findings, 0};
    in.nfindings = freeze_compare(m.items, m.count, r->listed, r->count, findings);
    rc = freeze_record_check(db, who, &m, &in, NULL, err);
    free(findings);
    freeze_manifest_free(&m);
    if (rc == 0)
        *out = freeze_get(db, name, who->now_ms, err);
    return rc == 0 && *out ? 0 : -1;
}

/* ---- windows ---- */

/* Windows not lifted that end after now: in effect, or still to come. */
#define OPEN_WINDOWS_SQL                                                                           \
    "SELECT name, window_starts_ms, window_ends_ms, window_ends_at FROM freezes"                   \
    " WHERE window_ends_ms IS NOT NULL AND lifted_ms IS NULL AND window_ends_ms > :now"

int freeze_window_in_effect(struct db *db, int64_t now_ms, int *in_effect, struct gh_error *err)
{
    static const char sql[] = OPEN_WINDOWS_SQL " AND window_starts_ms <= :now LIMIT 1";
    sqlite3_stmt *st;
    int rc;

    *in_effect = 0;
    if ((st = db_query(db, sql, BINDS(BIND_INT(":now", now_ms)), err)) == NULL)
        return -1;
    rc = db_step(db, st, err);
    *in_effect = rc == SQLITE_ROW;
    db_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int freeze_banner_get(struct db *db, int64_t now_ms, struct freeze_banner *b)
{
    static const char sql[] = OPEN_WINDOWS_SQL " ORDER BY window_ends_ms, name";
    /*
     * What the banner says changes when a freeze is created or lifted
     * (both record events, which move the events epoch) and when a window
     * starts or ends (until_ms). The epoch is read before the query, so a
     * change racing it only costs another query.
     */
    static __thread struct {
        const struct db *db;
        uint64_t epoch;
        int64_t until_ms;
        struct freeze_banner banner;
        int valid;
    } cache;
    uint64_t epoch = db_events_epoch(db);
    int64_t until = INT64_MAX;
    sqlite3_stmt *st;
    int rc = -1;

    if (cache.valid && cache.db == db && cache.epoch == epoch && now_ms < cache.until_ms) {
        *b = cache.banner;
        return 0;
    }
    memset(b, 0, sizeof(*b));
    st = db_prepare(db, sql);
    if (st && db_bind(st, BINDS(BIND_INT(":now", now_ms))) == 0) {
        while ((rc = db_step(db, st, NULL)) == SQLITE_ROW) {
            int64_t starts = sqlite3_column_int64(st, 1), ends = sqlite3_column_int64(st, 2);
            if (starts > now_ms) { /* still to come: the banner changes when it starts */
                if (starts < until)
                    until = starts;
                continue;
            }
            if (ends < until)
                until = ends;
            if (b->count < FREEZE_BANNER_SHOWN) {
                snprintf(b->names[b->count], sizeof(b->names[0]), "%s", sqlite3_column_text(st, 0));
                snprintf(b->ends_at[b->count], sizeof(b->ends_at[0]), "%s",
                         sqlite3_column_text(st, 3));
            }
            b->count++;
        }
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        memset(b, 0, sizeof(*b));
        return -1;
    }
    cache.db = db;
    cache.epoch = epoch;
    cache.until_ms = until;
    cache.banner = *b;
    cache.valid = 1;
    return 0;
}

json_t *freeze_status(struct db *db, int64_t now_ms, struct gh_error *err)
{
    static const char sql[] = OPEN_WINDOWS_SQL " AND window_starts_ms <= :now"
                                               " ORDER BY window_ends_ms, name";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *list = json_array(), *names = json_array(), *f;
    size_t i;
    int rc = -1;

    if (st && db_bind(st, BINDS(BIND_INT(":now", now_ms))) == 0)
        while ((rc = db_step(db, st, err)) == SQLITE_ROW)
            json_array_append_new(names, json_string((const char *)sqlite3_column_text(st, 0)));
    db_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(list);
        json_decref(names);
        if (st == NULL)
            gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    json_array_foreach(names, i, f)
    {
        json_t *freeze = freeze_get(db, json_string_value(f), now_ms, err);
        if (freeze)
            json_array_append_new(list, freeze);
    }
    json_decref(names);
    return json_pack("{s:b, s:o}", "in_effect", json_array_size(list) > 0, "freezes", list);
}

/* A summary's count query: one row of integers into s under the names given. */
static int summary_counts(struct db *db, const char *sql, json_t *s, const char *const *names,
                          struct gh_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    rc = db_step(db, st, err);
    for (int i = 0; rc == SQLITE_ROW && names[i]; i++)
        json_object_set_new(s, names[i], json_integer(sqlite3_column_int64(st, i)));
    db_reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

json_t *freeze_summary(struct db *db, int64_t now_ms, struct gh_error *err)
{
    static const char states_sql[] =
        "SELECT count(*), count(*) FILTER (WHERE state = 'unverified'),"
        " count(*) FILTER (WHERE state = 'intact'), count(*) FILTER (WHERE state = 'violated')"
        " FROM freezes";
    static const char violations_sql[] =
        "SELECT count(*), count(*) FILTER (WHERE acked_at IS NULL) FROM freeze_violations"
        " WHERE resolved_ms IS NULL";
    static const char *const state_names[] = {"total", "unverified", "intact", "violated", NULL};
    static const char *const violation_names[] = {"open_violations", "unacknowledged_violations",
                                                  NULL};
    static const char windows_sql[] = OPEN_WINDOWS_SQL " AND window_starts_ms <= :now"
                                                       " ORDER BY window_ends_ms, name";
    json_t *s = json_object(), *in_effect = json_array();
    sqlite3_stmt *st;
    int rc = -1;

    if (summary_counts(db, states_sql, s, state_names, err) != 0 ||
        summary_counts(db, violations_sql, s, violation_names, err) != 0)
        goto fail;
    st = db_prepare(db, windows_sql);
    if (st == NULL || db_bind(st, BINDS(BIND_INT(":now", now_ms))) != 0) {
        db_reset(st);
        gh_fail(err, GH_INTERNAL, "database error");
        goto fail;
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW)
        json_array_append_new(in_effect, json_pack("{s:s, s:s}", "name", sqlite3_column_text(st, 0),
                                                   "ends_at", sqlite3_column_text(st, 3)));
    db_reset(st);
    if (rc != SQLITE_DONE)
        goto fail;
    json_object_set_new(s, "in_effect", json_boolean(json_array_size(in_effect) > 0));
    json_object_set_new(s, "in_effect_freezes", in_effect);
    return s;
fail:
    json_decref(in_effect);
    json_decref(s);
    return NULL;
}
