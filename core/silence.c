/* Silent sources (see silence.h). */
#include "silence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "events.h"
#include "jobruns.h"
#include "jobsched.h"
#include "log.h"
#include "timeutil.h"

/* Worker jobs are watched as "worker/NAME". */
#define JOB_PREFIX "worker/"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

int silence_learn(int64_t *arrivals, size_t n, int64_t *p99_ms)
{
    size_t distinct = 0, ngaps = 0, rank;
    int64_t anchor = 0;

    if (n == 0)
        return -1;
    qsort(arrivals, n, sizeof(*arrivals), cmp_i64);
    /* Gaps between distinct arrivals, written over the arrivals already read. */
    for (size_t i = 0; i < n; i++) {
        if (distinct == 0) {
            anchor = arrivals[i];
            distinct = 1;
        } else if (arrivals[i] - anchor >= SILENCE_BATCH_MS) {
            int64_t gap = arrivals[i] - anchor;
            anchor = arrivals[i];
            arrivals[ngaps++] = gap;
            distinct++;
        }
    }
    if (distinct < SILENCE_MIN_ARRIVALS)
        return -1;
    qsort(arrivals, ngaps, sizeof(*arrivals), cmp_i64);
    /* Nearest rank: the smallest gap that at least 99 % of the gaps do not exceed. */
    rank = (ngaps * 99 + 99) / 100;
    *p99_ms = arrivals[rank - 1];
    return 0;
}

enum silence_change silence_judge(const struct silence_state *s, int64_t now_ms)
{
    int64_t since = s->last_seen_ms ? s->last_seen_ms : s->watched_since_ms;

    if (s->silent)
        return s->last_seen_ms > s->silent_last_seen_ms ? SILENCE_ENDS : SILENCE_SAME;
    if (s->threshold_ms > 0 && now_ms - since > s->threshold_ms)
        return SILENCE_BEGINS;
    return SILENCE_SAME;
}

/* One watched source: its stored state and what this run learns of it. */
struct watch {
    char *source;                /* the name ("worker/NAME" for a job) */
    int job;                     /* a worker job */
    int64_t expected_ms;         /* the cadence, 0 while unknown */
    const char *cadence;         /* "configured", "learned", "period", or NULL */
    int64_t learned_ms;          /* when the learned cadence was computed, 0: never */
    int64_t last_seen_ms;        /* its latest arrival or success, 0: never (or not known) */
    int64_t watched_since_ms;    /* when the watch first saw it */
    int silent;                  /* recorded silent */
    int64_t silent_since_ms;     /* when, 0 when not */
    int64_t silent_last_seen_ms; /* its last arrival known then */
    int changed;                 /* the row must be written */
    int64_t *arrivals;           /* while learning: its arrivals in the window */
    size_t narrivals, cap;       /* how many, room for */
};

struct watch_list {
    struct watch *items;
    size_t n, cap;
};

static struct watch *watch_find(struct watch_list *l, const char *source)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].source, source) == 0)
            return &l->items[i];
    return NULL;
}

/* The source's entry, added (not yet stored) when new. */
static struct watch *watch_add(struct watch_list *l, const char *source, int job, int64_t now_ms)
{
    struct watch *w = watch_find(l, source);

    if (w)
        return w;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->items = xreallocarray(l->items, l->cap, sizeof(*l->items));
    }
    w = &l->items[l->n++];
    memset(w, 0, sizeof(*w));
    w->source = xstrdup(source);
    w->job = job;
    w->watched_since_ms = now_ms;
    w->changed = 1;
    return w;
}

static void watch_list_free(struct watch_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].source);
        free(l->items[i].arrivals);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static const char *cadence_name(const char *stored)
{
    static const char *const names[] = {"configured", "learned", "period"};

    for (size_t i = 0; stored && i < 3; i++)
        if (strcmp(stored, names[i]) == 0)
            return names[i];
    return NULL;
}

/* Silent beyond this gap (0: never judged silent). */
static int64_t threshold_of(const struct watch *w)
{
    int64_t t;

    if (w->expected_ms <= 0 || w->cadence == NULL)
        return 0;
    if (strcmp(w->cadence, "period") == 0)
        return (int64_t)JOB_STALE_PERIODS * w->expected_ms;
    if (strcmp(w->cadence, "learned") == 0) {
        t = 2 * w->expected_ms;
        return t < SILENCE_MIN_GAP_MS ? SILENCE_MIN_GAP_MS : t;
    }
    return w->expected_ms;
}

/* An integer column, 0 for NULL. */
static int64_t col_int(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

/* A time column (RFC 3339 text) in ms, 0 for NULL or garbage. */
static int64_t col_time(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    int64_t ms = 0;

    return v && time_parse_rfc3339(v, &ms) == 0 ? ms : 0;
}

/* Every stored row. */
static int load_rows(struct db *db, struct watch_list *l, struct gh_error *err)
{
    static const char sql[] =
        "SELECT source, kind, expected_ms, cadence, learned_ms, watched_since_ms, silent,"
        " silent_since_ms, silent_last_seen_ms, last_seen_ms FROM source_watch"
        " ORDER BY silent DESC, source";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        struct watch *w =
            watch_add(l, (const char *)sqlite3_column_text(st, 0),
                      strcmp((const char *)sqlite3_column_text(st, 1), "job") == 0, col_int(st, 5));
        w->changed = 0;
        w->expected_ms = col_int(st, 2);
        w->cadence = cadence_name((const char *)sqlite3_column_text(st, 3));
        w->learned_ms = col_int(st, 4);
        w->silent = sqlite3_column_int(st, 6);
        w->silent_since_ms = col_int(st, 7);
        w->silent_last_seen_ms = col_int(st, 8);
        w->last_seen_ms = col_int(st, 9);
    }
    db_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Whether name is an inbound source (not Gatehouse's own events, not a job). */
static int inbound(const char *name)
{
    return name && strcmp(name, "gatehouse") != 0 && strncmp(name, JOB_PREFIX, 7) != 0;
}

/* The watch's progress through events: the last seq read and when cadences were learned. */
static int progress_read(struct db *db, int64_t *events_seq, int64_t *learned_ms, int64_t *head,
                         struct gh_error *err)
{
    static const char sql[] = "SELECT (SELECT events_seq FROM source_watch_progress WHERE id = 1),"
                              " (SELECT learned_ms FROM source_watch_progress WHERE id = 1), "
                              "(SELECT max(seq) FROM events)";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        *events_seq = col_int(st, 0);
        *learned_ms = col_int(st, 1);
        *head = col_int(st, 2);
    }
    db_reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * The first event at or after from whose arrival is later than cutoff:
 * arrival order is seq order (to within the moments writers wait for the
 * lock), so a binary search over seq finds where the window begins.
 */
static int window_start(struct db *db, int64_t from, int64_t to, int64_t cutoff_ms, int64_t *seq,
                        struct gh_error *err)
{
    static const char sql[] =
        "SELECT seq, received_at FROM events WHERE seq >= :s ORDER BY seq LIMIT 1";
    int64_t lo = from, hi = to + 1;

    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2, found = to + 1, at = 0;
        sqlite3_stmt *st;
        int rc;
        if ((st = db_query(db, sql, BINDS(BIND_INT(":s", mid)), err)) == NULL)
            return -1;
        rc = db_step(db, st, err);
        if (rc == SQLITE_ROW) {
            found = sqlite3_column_int64(st, 0);
            at = col_time(st, 1);
        }
        db_reset(st);
        if (rc < 0)
            return -1;
        if (found > to || at > cutoff_ms)
            hi = mid;
        else
            lo = found + 1;
    }
    *seq = lo;
    return 0;
}

/*
 * The arrivals since the last run (seq after from, up to head): each
 * source's latest one. A rowid range, read once: no index on the
 * ingestion path. The first run starts SILENCE_WINDOW_MS back.
 */
static int scan_new(struct db *db, struct watch_list *l, int64_t from, int64_t head, int64_t now_ms,
                    struct gh_error *err)
{
    static const char sql[] = "SELECT source, max(received_at) FROM events"
                              " WHERE seq > :from AND seq <= :head GROUP BY source";
    sqlite3_stmt *st;
    int rc;

    if (from == 0 && head > 0) {
        int64_t first;
        if (window_start(db, 1, head, now_ms - SILENCE_WINDOW_MS, &first, err) != 0)
            return -1;
        from = first - 1;
    }
    if (from >= head)
        return 0;
    if ((st = db_query(db, sql, BINDS(BIND_INT(":from", from), BIND_INT(":head", head)), err)) ==
        NULL)
        return -1;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int64_t last = col_time(st, 1);
        struct watch *w;
        if (!inbound(name))
            continue;
        /* A source not watched yet joins when it spoke within the window. */
        if ((w = watch_find(l, name)) == NULL) {
            if (last <= now_ms - SILENCE_WINDOW_MS)
                continue;
            w = watch_add(l, name, 0, now_ms);
        }
        if (last > w->last_seen_ms) {
            w->last_seen_ms = last;
            w->changed = 1;
        }
    }
    db_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * A registered or configured source the watch knows no arrival of: its
 * latest, looked up once through the events' (source, id) index.
 */
static int first_lookup(struct db *db, struct watch *w, struct gh_error *err)
{
    static const char sql[] = "SELECT max(received_at) FROM events WHERE source = :s";
    sqlite3_stmt *st;
    int rc;

    if ((st = db_query(db, sql, BINDS(BIND_TEXT(":s", w->source)), err)) == NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW && col_time(st, 0) > 0) {
        w->last_seen_ms = col_time(st, 0);
        w->changed = 1;
    }
    db_reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Registered and configured sources, watched even before they speak. */
static int add_known(struct db *db, const struct config *cfg, struct watch_list *l, int64_t now_ms,
                     struct gh_error *err)
{
    static const char sql[] = "SELECT name FROM webhook_sources ORDER BY name";
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;

    for (int i = 0; i < cfg->nsource_cadences; i++) {
        struct watch *w = watch_find(l, cfg->source_cadences[i].name);
        if (w == NULL) {
            w = watch_add(l, cfg->source_cadences[i].name, 0, now_ms);
            if (first_lookup(db, w, err) != 0)
                return -1;
        }
    }
    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (watch_find(l, name) == NULL && first_lookup(db, watch_add(l, name, 0, now_ms), err))
            break;
    }
    db_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Learn every unconfigured inbound source's cadence from its arrivals in
 * the 7 days before now: one pass over that stretch of events (at most
 * its newest SILENCE_MAX_READ), each arrival handed to its source.
 */
static int learn_all(struct db *db, const struct config *cfg, struct watch_list *l, int64_t head,
                     int64_t now_ms, struct gh_error *err)
{
    static const char sql[] = "SELECT source, received_at FROM events"
                              " WHERE seq >= :from AND seq <= :head";
    sqlite3_stmt *st;
    struct watch *last = NULL;
    int64_t from = 1;
    int rc;

    if (head > 0 && window_start(db, 1, head, now_ms - SILENCE_WINDOW_MS, &from, err) != 0)
        return -1;
    if (head - from + 1 > SILENCE_MAX_READ)
        from = head - SILENCE_MAX_READ + 1;
    if ((st = db_query(db, sql, BINDS(BIND_INT(":from", from), BIND_INT(":head", head)), err)) ==
        NULL)
        return -1;
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int64_t ms = col_time(st, 1);
        struct watch *w;
        if (!inbound(name) || ms <= now_ms - SILENCE_WINDOW_MS || ms > now_ms)
            continue;
        /* Events come in runs of one source: try the last one first. */
        w = last && strcmp(last->source, name) == 0 ? last : watch_find(l, name);
        if (w == NULL || config_source_cadence(cfg, name) >= 0)
            continue;
        last = w;
        if (w->narrivals == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 64;
            w->arrivals = xreallocarray(w->arrivals, w->cap, sizeof(*w->arrivals));
        }
        w->arrivals[w->narrivals++] = ms;
    }
    db_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        struct watch *w = &l->items[i];
        int64_t p99 = 0;
        if (w->job || config_source_cadence(cfg, w->source) >= 0)
            continue;
        if (silence_learn(w->arrivals, w->narrivals, &p99) == 0) {
            w->expected_ms = p99 > 0 ? p99 : 1;
            w->cadence = "learned";
        } else {
            w->expected_ms = 0;
            w->cadence = NULL;
        }
        w->learned_ms = now_ms;
        w->changed = 1;
        free(w->arrivals);
        w->arrivals = NULL;
        w->narrivals = w->cap = 0;
    }
    return 0;
}

/* A job's last success and cadence; 1 when the job is no longer scheduled (not judged). */
static int refresh_job(struct db *db, const struct config *cfg, struct watch *w, int64_t now_ms,
                       struct gh_error *err)
{
    const struct job_schedule *job = job_schedule_find(w->source + strlen(JOB_PREFIX));
    struct job_status st;
    int64_t expected;

    if (job == NULL)
        return 1;
    if (job_status_read(db, job, cfg, now_ms, &st, err) != 0)
        return -1;
    if (st.last_success_ms != w->last_seen_ms) {
        w->last_seen_ms = st.last_success_ms;
        w->changed = 1;
    }
    job_status_free(&st);
    expected = (int64_t)job_expected_seconds(job, cfg) * 1000;
    if (w->expected_ms != expected || w->cadence == NULL) {
        w->expected_ms = expected;
        w->cadence = "period";
        w->changed = 1;
    }
    return 0;
}

/* A configured source's cadence (nothing to do for the others here: learn_all learns). */
static void refresh_configured(const struct config *cfg, struct watch *w)
{
    int configured = config_source_cadence(cfg, w->source);

    if (configured < 0) {
        if (w->cadence && strcmp(w->cadence, "configured") == 0) {
            /* No longer configured: learned at the next pass. */
            w->cadence = NULL;
            w->expected_ms = 0;
            w->learned_ms = 0;
            w->changed = 1;
        }
        return;
    }
    if (w->expected_ms != (int64_t)configured * 1000 || w->cadence == NULL ||
        strcmp(w->cadence, "configured") != 0) {
        w->expected_ms = (int64_t)configured * 1000;
        w->cadence = "configured";
        w->learned_ms = 0;
        w->changed = 1;
    }
}

static json_t *time_or_null(int64_t ms)
{
    char at[TIME_RFC3339_LEN];

    if (ms <= 0)
        return json_null();
    time_format_rfc3339(ms, at);
    return json_string(at);
}

/* The source as the list, the events and the webhooks show it. */
static json_t *watch_json(const struct watch *w)
{
    int64_t threshold = threshold_of(w);

    return json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "source", w->source, "kind",
                     w->job ? "job" : "source", "silent", w->silent, "silent_since",
                     time_or_null(w->silent ? w->silent_since_ms : 0), "last_seen_at",
                     time_or_null(w->last_seen_ms), "expected_seconds",
                     w->expected_ms > 0 ? json_real((double)w->expected_ms / 1000) : json_null(),
                     "cadence", w->cadence ? json_string(w->cadence) : json_null(),
                     "threshold_seconds",
                     threshold > 0 ? json_real((double)threshold / 1000) : json_null(),
                     "watched_since", time_or_null(w->watched_since_ms));
}

static int store(struct db *db, const struct watch *w, struct gh_error *err)
{
    static const char sql[] =
        "INSERT INTO source_watch (source, kind, expected_ms, cadence, learned_ms,"
        " watched_since_ms, silent, silent_since_ms, silent_last_seen_ms, last_seen_ms)"
        " VALUES (:s, :kind, nullif(:expected, 0), :cadence, nullif(:learned, 0), :since,"
        " :silent, nullif(:silent_since, 0), nullif(:silent_seen, 0), nullif(:seen, 0))"
        " ON CONFLICT (source) DO UPDATE SET kind = excluded.kind,"
        " expected_ms = excluded.expected_ms, cadence = excluded.cadence,"
        " learned_ms = excluded.learned_ms, silent = excluded.silent,"
        " silent_since_ms = excluded.silent_since_ms,"
        " silent_last_seen_ms = excluded.silent_last_seen_ms, last_seen_ms = excluded.last_seen_ms";

    return db_run(db, sql, NULL, err,
                  BINDS(BIND_TEXT(":s", w->source), BIND_TEXT(":kind", w->job ? "job" : "source"),
                        BIND_INT(":expected", w->expected_ms), BIND_TEXT(":cadence", w->cadence),
                        BIND_INT(":learned", w->learned_ms),
                        BIND_INT(":since", w->watched_since_ms), BIND_INT(":silent", w->silent),
                        BIND_INT(":silent_since", w->silent_since_ms),
                        BIND_INT(":silent_seen", w->silent_last_seen_ms),
                        BIND_INT(":seen", w->last_seen_ms)));
}

/*
 * Record w's change (event, ledger entry, webhook: the source as the list
 * shows it, after the change), in the caller's transaction. For a
 * resumption, was_silent_since is when its silence was recorded.
 */
static int record_change(struct db *db, struct watch *w, enum silence_change change,
                         int64_t was_silent_since, int64_t now_ms, struct gh_error *err)
{
    int64_t since = w->last_seen_ms ? w->last_seen_ms : w->watched_since_ms;
    char subject[96];
    json_t *data = watch_json(w);
    int rc;

    if (change == SILENCE_BEGINS) {
        json_object_set_new(data, "silent_for_seconds", json_real((double)(now_ms - since) / 1000));
    } else {
        json_object_set_new(data, "silent_since", time_or_null(was_silent_since));
        json_object_set_new(data, "resumed_at", time_or_null(w->last_seen_ms));
    }
    snprintf(subject, sizeof(subject), "source:%s", w->source);
    rc = record_event(db, now_ms, "worker",
                      change == SILENCE_BEGINS ? "source.silent" : "source.resumed", NULL, NULL,
                      subject, data, data, err);
    json_decref(data);
    return rc;
}

static int progress_write(struct db *db, int64_t events_seq, int64_t learned_ms,
                          struct gh_error *err)
{
    static const char sql[] =
        "INSERT INTO source_watch_progress (id, events_seq, learned_ms) VALUES (1, :seq, :learned)"
        " ON CONFLICT (id) DO UPDATE SET events_seq = excluded.events_seq,"
        " learned_ms = excluded.learned_ms";

    return db_run(db, sql, NULL, err,
                  BINDS(BIND_INT(":seq", events_seq), BIND_INT(":learned", learned_ms)));
}

int silence_watch(struct db *db, const struct config *cfg, int64_t now_ms,
                  struct silence_report *rep, struct gh_error *err)
{
    struct watch_list l = {NULL, 0, 0};
    int64_t events_seq = 0, learned_ms = 0, head = 0;
    int rc = -1, in_write = 0;

    memset(rep, 0, sizeof(*rep));
    /* Read in one snapshot: the rows, the new arrivals, the jobs' runs. */
    if (db_exec(db, "BEGIN", err) != 0)
        return -1;
    if (load_rows(db, &l, err) != 0 ||
        progress_read(db, &events_seq, &learned_ms, &head, err) != 0 ||
        scan_new(db, &l, events_seq, head, now_ms, err) != 0 ||
        add_known(db, cfg, &l, now_ms, err) != 0)
        goto out;
    for (size_t i = 0; i < njob_schedule; i++) {
        char name[96];
        snprintf(name, sizeof(name), "%s%s", JOB_PREFIX, job_schedule[i].name);
        watch_add(&l, name, 1, now_ms);
    }
    for (size_t i = 0; i < l.n; i++)
        if (!l.items[i].job)
            refresh_configured(cfg, &l.items[i]);
    /* Cadences are learned again every hour (and when the clock went back: a replay). */
    if (learned_ms == 0 || now_ms - learned_ms >= SILENCE_RELEARN_MS || learned_ms > now_ms) {
        if (learn_all(db, cfg, &l, head, now_ms, err) != 0)
            goto out;
        learned_ms = now_ms;
    }
    for (size_t i = 0; i < l.n; i++) {
        int r = l.items[i].job ? refresh_job(db, cfg, &l.items[i], now_ms, err) : 0;
        if (r < 0)
            goto out;
        if (r > 0)
            l.items[i].job = -1; /* no longer scheduled: left as it is */
    }
    db_exec(db, "COMMIT", NULL);

    /* Judge, and write every change and the progress in one transaction. */
    if (db_begin_write(db, err) != 0)
        goto out;
    in_write = 1;
    for (size_t i = 0; i < l.n; i++) {
        struct watch *w = &l.items[i];
        struct silence_state s;
        enum silence_change change;
        int64_t was_silent_since = w->silent_since_ms;
        if (w->job < 0)
            continue;
        rep->watched++;
        rep->learning += !w->job && w->cadence == NULL;
        s = (struct silence_state){threshold_of(w), w->last_seen_ms, w->watched_since_ms, w->silent,
                                   w->silent_last_seen_ms};
        change = silence_judge(&s, now_ms);
        if (change == SILENCE_BEGINS) {
            w->silent = 1;
            w->silent_since_ms = now_ms;
            w->silent_last_seen_ms = w->last_seen_ms;
            rep->silenced++;
            log_warn("%s %s is silent beyond its cadence", w->job ? "job" : "source", w->source);
        } else if (change == SILENCE_ENDS) {
            w->silent = 0;
            w->silent_since_ms = w->silent_last_seen_ms = 0;
            rep->resumed++;
            log_info("%s %s speaks again", w->job ? "job" : "source", w->source);
        }
        if ((change != SILENCE_SAME || w->changed) &&
            (store(db, w, err) != 0 ||
             (change != SILENCE_SAME &&
              record_change(db, w, change, was_silent_since, now_ms, err) != 0)))
            goto out;
    }
    if (progress_write(db, head, learned_ms, err) != 0)
        goto out;
    in_write = 0;
    rc = db_commit(db, err);
out:
    if (in_write)
        db_rollback(db);
    else if (rc != 0 && sqlite3_get_autocommit(db->conn) == 0)
        db_exec(db, "COMMIT", NULL);
    watch_list_free(&l);
    return rc;
}

json_t *sources_silent_list(struct db *db, const struct config *cfg, int64_t now_ms,
                            struct gh_error *err)
{
    struct watch_list l = {NULL, 0, 0};
    json_t *out = NULL;

    if (load_rows(db, &l, err) != 0)
        goto done;
    out = json_array();
    for (size_t i = 0; i < l.n; i++) {
        struct watch *w = &l.items[i];
        if (w->job) {
            /* A job's last success, as of now (the row has it as of the last watch). */
            const struct job_schedule *job = job_schedule_find(w->source + strlen(JOB_PREFIX));
            struct job_status st;
            if (job && job_status_read(db, job, cfg, now_ms, &st, err) == 0) {
                w->last_seen_ms = st.last_success_ms;
                job_status_free(&st);
            }
        }
        json_array_append_new(out, watch_json(w));
    }
done:
    watch_list_free(&l);
    return out;
}

int silence_flags(struct db *db, struct silence_flag **flags, size_t *n, struct gh_error *err)
{
    static const char sql[] = "SELECT source, silent FROM source_watch ORDER BY source";
    sqlite3_stmt *st = db_prepare(db, sql);
    size_t cap = 0;
    int rc;

    *flags = NULL;
    *n = 0;
    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *flags = xreallocarray(*flags, cap, sizeof(**flags));
        }
        (*flags)[*n].source = xstrdup((const char *)sqlite3_column_text(st, 0));
        (*flags)[(*n)++].silent = sqlite3_column_int(st, 1);
    }
    db_reset(st);
    if (rc != SQLITE_DONE) {
        silence_flags_free(*flags, *n);
        *flags = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

void silence_flags_free(struct silence_flag *flags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(flags[i].source);
    free(flags);
}
