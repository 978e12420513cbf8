/* The SQLite layer (see db.h for why writes and checkpoints share one lock). */
#include "db.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "group_commit.h"
#include "log.h"
#include "migrations.h"
#include "timeutil.h"
#include "wlock.h"

static void log_sql_error(struct db *db, const char *what, const char *sql, int rc)
{
    log_fields(LOG_ERROR,
               json_pack("{s:s, s:s, s:i, s:s}", "sql", sql ? sql : "", "sqlite_error",
                         sqlite3_errmsg(db->conn), "sqlite_code", rc, "database", db->path),
               "database error: %s", what);
}

/* Remember the WAL size after each commit; the checkpoint decision reads it. */
static int wal_hook(void *arg, sqlite3 *conn, const char *name, int pages)
{
    struct db *db = arg;

    (void)conn;
    (void)name;
    db->wal_pages = pages;
    return SQLITE_OK;
}

void db_global_init(void)
{
    if (sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        fatal("SQLite refused its configuration: call db_global_init() before anything else");
    if (sqlite3_initialize() != SQLITE_OK)
        fatal("SQLite failed to initialise");
}

/*
 * What the threads of this process share about one database file: the
 * queue for its write lock and its commit group. Found by the lock file's
 * identity, so every connection to the file gets the same. Past
 * DB_LOCAL_FILES files (only test programs open so many) a connection gets
 * none: its writers go straight to flock() and commit alone.
 */
#define DB_LOCAL_FILES 32

struct db_local {
    dev_t dev;
    ino_t ino;
    struct wlock_queue queue;
    struct commit_group group;
};

static struct db_local *db_local_of(const struct stat *lock_file)
{
    static struct db_local locals[DB_LOCAL_FILES];
    static int nlocals;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct db_local *l = NULL;

    pthread_mutex_lock(&lock);
    for (int i = 0; i < nlocals && !l; i++)
        if (locals[i].dev == lock_file->st_dev && locals[i].ino == lock_file->st_ino)
            l = &locals[i];
    if (!l && nlocals < DB_LOCAL_FILES) {
        l = &locals[nlocals++];
        l->dev = lock_file->st_dev;
        l->ino = lock_file->st_ino;
        wlock_queue_init(&l->queue);
        commit_group_init(&l->group);
    }
    pthread_mutex_unlock(&lock);
    return l;
}

int db_open(struct db *db, const char *path, const struct db_options *opt, struct gh_error *err)
{
    static const char *const pragmas = "PRAGMA journal_mode=WAL;"
                                       "PRAGMA synchronous=FULL;"
                                       "PRAGMA foreign_keys=ON;"
                                       "PRAGMA mmap_size=0;"
                                       "PRAGMA trusted_schema=OFF;"
                                       "PRAGMA journal_size_limit=67108864;";
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    struct buf lockpath = BUF_INIT;
    int rc;

    memset(db, 0, sizeof(*db));
    db->lock_fd = -1;
    db->path = xstrdup(path);
    db->busy_timeout_ms = opt->busy_timeout_ms;
    db->checkpoint_pages = opt->checkpoint_pages;
    db->checkpoint_after = opt->checkpoint_pages;
    if (opt->create)
        flags |= SQLITE_OPEN_CREATE;
    else if (access(path, F_OK) != 0) {
        gh_fail(err, GH_UNAVAILABLE, "database %s does not exist (run `gatehouse init`)", path);
        goto fail;
    }
    rc = sqlite3_open_v2(path, &db->conn, flags, NULL);
    if (rc != SQLITE_OK) {
        gh_fail(err, GH_UNAVAILABLE, "cannot open database %s: %s", path,
                db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(db->conn, 1);
    sqlite3_busy_timeout(db->conn, opt->busy_timeout_ms);
    sqlite3_db_config(db->conn, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db->conn, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_wal_autocheckpoint(db->conn, 0);
    sqlite3_wal_hook(db->conn, wal_hook, db);
    if (db_exec(db, pragmas, err) != 0)
        goto fail;

    buf_printf(&lockpath, "%s-wlock", path);
    db->lock_fd = open(buf_str(&lockpath), O_RDWR | O_CREAT | O_CLOEXEC, 0660);
    if (db->lock_fd < 0) {
        gh_fail(err, GH_UNAVAILABLE, "cannot open the write lock %s: %s", buf_str(&lockpath),
                strerror(errno));
        goto fail;
    }
    /* The lock file also carries the shared counters (struct db's epoch). */
    {
        struct db_local *local;
        struct stat st;
        void *map;
        if (fstat(db->lock_fd, &st) != 0 ||
            (st.st_size < 4096 && ftruncate(db->lock_fd, 4096) != 0) ||
            (map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, db->lock_fd, 0)) ==
                MAP_FAILED) {
            gh_fail(err, GH_UNAVAILABLE, "cannot map %s: %s", buf_str(&lockpath), strerror(errno));
            goto fail;
        }
        db->epoch = map;
        if ((local = db_local_of(&st)) != NULL) {
            db->wqueue = &local->queue;
            db->group = &local->group;
        }
    }
    buf_free(&lockpath);
    return 0;
fail:
    buf_free(&lockpath);
    db_close(db);
    return -1;
}

void db_close(struct db *db)
{
    for (size_t i = 0; i < db->cache_size; i++)
        if (db->cache[i].sql)
            sqlite3_finalize(db->cache[i].stmt);
    free(db->cache);
    db->cache = NULL;
    db->cache_size = db->ncache = 0;
    if (db->conn)
        sqlite3_close(db->conn);
    db->conn = NULL;
    if (db->epoch)
        munmap(db->epoch, 4096);
    db->epoch = NULL;
    if (db->lock_fd >= 0)
        close(db->lock_fd);
    db->lock_fd = -1;
    free(db->path);
    db->path = NULL;
}

/* The slot of sql in a table of size slots: its own, or the free one where it would go. */
static size_t cache_slot(const struct db_cached *cache, size_t size, const char *sql)
{
    size_t i = ((uintptr_t)sql >> 3) * 0x9E3779B97F4A7C15ull & (size - 1);

    while (cache[i].sql && cache[i].sql != sql)
        i = (i + 1) & (size - 1);
    return i;
}

/* Double the table (at half full, so probes stay short). */
static void cache_grow(struct db *db)
{
    size_t size = db->cache_size ? db->cache_size * 2 : 128;
    struct db_cached *bigger = xcalloc(size, sizeof(*bigger));

    for (size_t i = 0; i < db->cache_size; i++)
        if (db->cache[i].sql)
            bigger[cache_slot(bigger, size, db->cache[i].sql)] = db->cache[i];
    free(db->cache);
    db->cache = bigger;
    db->cache_size = size;
}

sqlite3_stmt *db_prepare(struct db *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    size_t slot;
    int rc;

    if (db->cache && db->cache[slot = cache_slot(db->cache, db->cache_size, sql)].sql)
        return db->cache[slot].stmt;
    rc = sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        log_sql_error(db, "prepare failed", sql, rc);
        return NULL;
    }
    if (2 * (db->ncache + 1) > db->cache_size)
        cache_grow(db);
    slot = cache_slot(db->cache, db->cache_size, sql);
    db->cache[slot].sql = sql;
    db->cache[slot].stmt = stmt;
    db->ncache++;
    return stmt;
}

void db_reset(sqlite3_stmt *stmt)
{
    if (stmt == NULL)
        return;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

static int bind_index(sqlite3_stmt *stmt, const char *name)
{
    int idx = sqlite3_bind_parameter_index(stmt, name);

    if (idx == 0)
        log_fields(LOG_ERROR, json_pack("{s:s, s:s}", "sql", sqlite3_sql(stmt), "param", name),
                   "no such SQL parameter");
    return idx;
}

static int bind_result(sqlite3_stmt *stmt, const char *name, int rc)
{
    if (rc == SQLITE_OK)
        return 0;
    log_fields(LOG_ERROR,
               json_pack("{s:s, s:s, s:s}", "sql", sqlite3_sql(stmt), "param", name, "sqlite_error",
                         sqlite3_errstr(rc)),
               "bind failed");
    return -1;
}

int db_bind_text(sqlite3_stmt *stmt, const char *name, const char *value)
{
    int idx = bind_index(stmt, name);

    if (idx == 0)
        return -1;
    if (value == NULL)
        return bind_result(stmt, name, sqlite3_bind_null(stmt, idx));
    return bind_result(stmt, name, sqlite3_bind_text(stmt, idx, value, -1, SQLITE_TRANSIENT));
}

int db_bind_int64(sqlite3_stmt *stmt, const char *name, int64_t value)
{
    int idx = bind_index(stmt, name);

    if (idx == 0)
        return -1;
    return bind_result(stmt, name, sqlite3_bind_int64(stmt, idx, value));
}

int db_bind_null(sqlite3_stmt *stmt, const char *name)
{
    int idx = bind_index(stmt, name);

    if (idx == 0)
        return -1;
    return bind_result(stmt, name, sqlite3_bind_null(stmt, idx));
}

int db_bind(sqlite3_stmt *stmt, const struct db_bind *binds)
{
    for (const struct db_bind *b = binds; b && b->name; b++) {
        int idx = bind_index(stmt, b->name), rc;
        if (idx == 0)
            return -1;
        switch (b->type) {
        case DB_BIND_TEXT:
            rc = b->v.text ? sqlite3_bind_text(stmt, idx, b->v.text, -1, SQLITE_TRANSIENT)
                           : sqlite3_bind_null(stmt, idx);
            break;
        case DB_BIND_INT:
            rc = sqlite3_bind_int64(stmt, idx, b->v.i);
            break;
        case DB_BIND_REAL:
            rc = sqlite3_bind_double(stmt, idx, b->v.real);
            break;
        case DB_BIND_HASH:
            rc = sqlite3_bind_blob(stmt, idx, b->v.hash, DB_HASH_BYTES, SQLITE_TRANSIENT);
            break;
        case DB_BIND_BLOB:
            rc = sqlite3_bind_blob64(stmt, idx, b->v.blob.data, b->v.blob.len, SQLITE_TRANSIENT);
            break;
        case DB_BIND_END:
        default:
            rc = SQLITE_MISUSE; /* only a list not built with BINDS() gets here */
            break;
        }
        if (bind_result(stmt, b->name, rc) != 0)
            return -1;
    }
    return 0;
}

sqlite3_stmt *db_query(struct db *db, const char *sql, const struct db_bind *binds,
                       struct gh_error *err)
{
    sqlite3_stmt *st = db_prepare(db, sql);

    if (st == NULL || db_bind(st, binds) != 0) {
        db_reset(st);
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    return st;
}

static int busy_code(int rc)
{
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

int db_step(struct db *db, sqlite3_stmt *stmt, struct gh_error *err)
{
    int rc = sqlite3_step(stmt);

    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc;
    log_sql_error(db, "step failed", sqlite3_sql(stmt), rc);
    if (busy_code(rc))
        return gh_fail(err, GH_UNAVAILABLE, "the database is busy; try again");
    return gh_fail(err, GH_INTERNAL, "database error");
}

int db_exec(struct db *db, const char *sql, struct gh_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->conn, sql, NULL, NULL, &msg);

    if (rc == SQLITE_OK)
        return 0;
    log_fields(LOG_ERROR,
               json_pack("{s:s, s:s, s:i, s:s}", "sql", sql, "sqlite_error", msg ? msg : "",
                         "sqlite_code", rc, "database", db->path),
               "database error: exec failed");
    sqlite3_free(msg);
    if (busy_code(rc))
        return gh_fail(err, GH_UNAVAILABLE, "the database is busy; try again");
    return gh_fail(err, GH_INTERNAL, "database error");
}

int db_run(struct db *db, const char *sql, int *changes, struct gh_error *err,
           const struct db_bind *binds)
{
    sqlite3_stmt *st = db_query(db, sql, binds, err);
    int rc;

    if (st == NULL)
        return -1;
    rc = db_step(db, st, err);
    db_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    if (changes)
        *changes = sqlite3_changes(db->conn);
    return 0;
}

int db_int64(struct db *db, const char *sql, int64_t def, int64_t *value, struct gh_error *err,
             const struct db_bind *binds)
{
    sqlite3_stmt *st = db_query(db, sql, binds, err);
    int rc;

    *value = def;
    if (st == NULL)
        return -1;
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *value = sqlite3_column_int64(st, 0);
    db_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int db_write(struct db *db, const char *sql, int *changes, int64_t *rowid, struct gh_error *err,
             const struct db_bind *binds)
{
    if (db_begin_write(db, err) != 0)
        return -1;
    if (db_run(db, sql, changes, err, binds) != 0) {
        db_rollback(db);
        return -1;
    }
    if (rowid)
        *rowid = sqlite3_last_insert_rowid(db->conn);
    return db_commit(db, err);
}

/* Take the write lock (see wlock.h), waiting at most busy_timeout_ms. */
static int write_lock(struct db *db, struct gh_error *err)
{
    if (wlock_acquire(db->wqueue, (struct wlock_shared *)(db->epoch + 2), db->lock_fd,
                      db->busy_timeout_ms) == 0)
        return 0;
    if (errno == ETIMEDOUT) {
        log_warn("write lock of %s still held after %d ms", db->path, db->busy_timeout_ms);
        return gh_fail(err, GH_UNAVAILABLE, "the database is busy; try again");
    }
    log_error("write lock of %s: %s", db->path, strerror(errno));
    return gh_fail(err, GH_INTERNAL, "database error");
}

static void write_unlock(struct db *db)
{
    wlock_release(db->wqueue, db->lock_fd);
}

int db_read_begin(struct db *db, int *began, struct gh_error *err)
{
    *began = 0;
    if (!sqlite3_get_autocommit(db->conn))
        return 0;
    /* Prepared once and kept, as any statement: a gate takes a snapshot per criterion. */
    if (db_run(db, "BEGIN", NULL, err, NULL) != 0)
        return -1;
    *began = 1;
    return 0;
}

void db_read_end(struct db *db, int began)
{
    struct gh_error err;

    /* A read-only transaction has nothing to lose: ROLLBACK ends it as well as COMMIT. */
    if (began)
        db_run(db, "ROLLBACK", NULL, &err, NULL);
}

int db_begin_write(struct db *db, struct gh_error *err)
{
    if (db->in_write)
        fatal("nested write transaction on %s", db->path);
    if (write_lock(db, err) != 0)
        return -1;
    if (db_exec(db, "BEGIN IMMEDIATE", err) != 0) {
        write_unlock(db);
        return -1;
    }
    db->in_write = 1;
    return 0;
}

/*
 * How long a checkpoint waits for readers to leave the WAL. It runs under
 * the write lock, so writers wait this long at worst; a checkpoint that
 * cannot finish now is simply tried again after a later commit.
 */
#define CHECKPOINT_READER_WAIT_MS 50

/*
 * The checkpoint itself; the caller holds the write lock. RESTART rather
 * than PASSIVE: it also waits (briefly) for readers still using the WAL, so
 * that the next writer starts the WAL over from its beginning. With only
 * PASSIVE checkpoints, steady readers keep the WAL from ever restarting and
 * it grows without bound (the unit tests show both).
 */
static int checkpoint_locked(struct db *db, int *pages_left, struct gh_error *err)
{
    int nlog = 0, nckpt = 0, rc;

    sqlite3_busy_timeout(db->conn, CHECKPOINT_READER_WAIT_MS);
    rc = sqlite3_wal_checkpoint_v2(db->conn, NULL, SQLITE_CHECKPOINT_RESTART, &nlog, &nckpt);
    sqlite3_busy_timeout(db->conn, db->busy_timeout_ms);
    if (rc != SQLITE_OK && !busy_code(rc)) {
        log_sql_error(db, "checkpoint failed", NULL, rc);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    if (pages_left)
        *pages_left = nlog > nckpt ? nlog - nckpt : 0;
    /* When readers kept it from finishing, wait for a quarter more pages before
       trying again, rather than making every commit wait for them. */
    db->checkpoint_after = rc == SQLITE_OK ? db->checkpoint_pages : nlog + db->checkpoint_pages / 4;
    log_debug("checkpoint of %s: %d of %d WAL pages copied back%s", db->path, nckpt, nlog,
              rc == SQLITE_OK ? "" : " (readers still busy; retried after a later commit)");
    return 0;
}

int db_commit(struct db *db, struct gh_error *err)
{
    int rc = -1;

    if (!db->in_write)
        fatal("commit outside a write transaction on %s", db->path);
    if (db_exec(db, "COMMIT", err) != 0) {
        db_exec(db, "ROLLBACK", NULL);
        goto out;
    }
    rc = 0;
    /* After the commit, so that a stream woken by it finds the events. */
    if (db->events_added)
        __atomic_fetch_add(db->epoch + 1, 1, __ATOMIC_ACQ_REL);
    /* Still under the write lock: no commit can race this checkpoint. */
    if (db->wal_pages >= db->checkpoint_after)
        checkpoint_locked(db, NULL, NULL);
out:
    db->in_write = 0;
    db->events_added = 0;
    write_unlock(db);
    return rc;
}

void db_rollback(struct db *db)
{
    if (!db->in_write)
        return;
    if (!sqlite3_get_autocommit(db->conn))
        db_exec(db, "ROLLBACK", NULL);
    db->in_write = 0;
    db->events_added = 0;
    write_unlock(db);
}

int db_checkpoint(struct db *db, int *pages_left, struct gh_error *err)
{
    int rc;

    if (write_lock(db, err) != 0)
        return -1;
    rc = checkpoint_locked(db, pages_left, err);
    write_unlock(db);
    return rc;
}

uint64_t db_epoch(const struct db *db)
{
    return __atomic_load_n(db->epoch, __ATOMIC_ACQUIRE);
}

void db_epoch_bump(struct db *db)
{
    __atomic_fetch_add(db->epoch, 1, __ATOMIC_ACQ_REL);
}

uint64_t db_events_epoch(const struct db *db)
{
    return __atomic_load_n(db->epoch + 1, __ATOMIC_ACQUIRE);
}

int db_schema_version(struct db *db, int *version, struct gh_error *err)
{
    int64_t v;

    if (db_int64(db, "PRAGMA user_version", 0, &v, err, NULL) != 0)
        return -1;
    *version = (int)v;
    return 0;
}

int db_schema_latest(void)
{
    return migrations[nmigrations - 1].version;
}

int db_migrate(struct db *db, int *applied, struct gh_error *err)
{
    static const char record_sql[] =
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :name, :at)";
    int current;

    *applied = 0;
    if (db_schema_version(db, &current, err) != 0)
        return -1;
    if (current > db_schema_latest())
        return gh_fail(err, GH_CONFLICT,
                       "database schema version %d is newer than this build knows (%d); "
                       "upgrade Gatehouse",
                       current, db_schema_latest());
    for (size_t i = 0; i < nmigrations; i++) {
        const struct migration *m = &migrations[i];
        char version_sql[64];
        char at[TIME_RFC3339_LEN];
        sqlite3_stmt *st;

        if (m->version <= current)
            continue;
        if (db_begin_write(db, err) != 0)
            return -1;
        /* PRAGMA takes no parameters; the value is our own integer. */
        snprintf(version_sql, sizeof(version_sql), "PRAGMA user_version=%d", m->version);
        if (db_exec(db, m->sql, err) != 0 || (m->fill && m->fill(db, err) != 0) ||
            db_exec(db, version_sql, err) != 0)
            goto fail;
        st = db_prepare(db, record_sql);
        time_format_rfc3339(time_now_ms(), at);
        if (st == NULL || db_bind_int64(st, ":v", m->version) ||
            db_bind_text(st, ":name", m->name) || db_bind_text(st, ":at", at) ||
            db_step(db, st, err) != SQLITE_DONE) {
            db_reset(st);
            gh_fail(err, GH_INTERNAL, "cannot record migration %d", m->version);
            goto fail;
        }
        db_reset(st);
        if (db_commit(db, err) != 0)
            return -1;
        log_info("applied migration %d (%s)", m->version, m->name);
        (*applied)++;
    }
    return 0;
fail:
    db_rollback(db);
    return -1;
}
