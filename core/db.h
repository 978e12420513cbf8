/*
 * The SQLite layer: one connection per thread, prepared statements only.
 *
 * Every connection is opened in WAL mode with synchronous=FULL, foreign
 * keys on, defensive mode, no mmap, and with automatic checkpoints turned
 * off. Debian 12's SQLite (3.40) can corrupt a database when a checkpoint
 * races a commit that resets the WAL (fixed upstream in 3.51.3), so
 * Gatehouse never lets the two overlap: every write transaction holds an
 * exclusive lock on "<database>-wlock" (flock, so it holds across threads
 * and processes alike; wlock.h says how it is waited for) from BEGIN
 * IMMEDIATE until after COMMIT, and the only checkpoint, run by db_commit()
 * when the WAL has grown past the configured number of pages, happens while
 * that lock is still held. Closing a connection never checkpoints either.
 *
 * Checkpoints are RESTART checkpoints that wait up to 50 ms for readers to
 * leave the WAL, so the next writer starts it over and its file stays near
 * wal_checkpoint_pages. Reads must therefore stay short: a reader that
 * holds a snapshot for long delays the restart (the WAL then grows until it
 * lets go). Never keep a read transaction open while waiting for anything.
 *
 * Failing SQL is logged with sqlite3_errmsg and the request id; callers get
 * a gh_error without SQL in it.
 */
#ifndef GH_DB_H
#define GH_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * Prepared statements, kept for the connection's life: a request thread's
 * connection meets every statement of the program sooner or later (well
 * over a hundred), so the table grows as they come instead of having a
 * limit a new feature could cross at run time. Keyed by the address of
 * the statement's text (a literal).
 */
struct db_cached {
    const char *sql;    /* the statement text (NULL: a free slot) */
    sqlite3_stmt *stmt; /* prepared once, reset after each use */
};

struct db {
    sqlite3 *conn;              /* the SQLite connection */
    char *path;                 /* the database file */
    int lock_fd;                /* open "<path>-wlock", flocked by writers */
    struct wlock_queue *wqueue; /* this process's writers of the file queue here (or NULL) */
    struct commit_group *group; /* and share transactions here (group_commit.h; or NULL) */
    uint64_t *epoch;            /* counters mapped from the write-lock file, shared by all
                                   processes: [0] access epoch, [1] events epoch,
                                   [2..3] struct wlock_shared */
    int events_added;           /* this transaction stored events: bump [1] on commit */
    int busy_timeout_ms;        /* how long to wait for the write lock */
    int checkpoint_pages;       /* checkpoint when the WAL exceeds this */
    int wal_pages;              /* WAL size after the last commit, in pages */
    int checkpoint_after;       /* checkpoint once wal_pages reaches this */
    int in_write;               /* inside db_begin_write .. commit/rollback */
    struct db_cached *cache;    /* open addressing by the text's address; NULL until the first */
    size_t cache_size;          /* slots in cache, a power of two */
    size_t ncache;              /* slots in use */
};

struct db_options {
    int create;           /* create the file if missing (only `gatehouse init`) */
    int busy_timeout_ms;  /* see struct db */
    int checkpoint_pages; /* see struct db */
};

/*
 * Process-wide SQLite settings, once, before any connection or thread:
 * multi-thread mode (every connection has one owner thread, so SQLite's
 * per-connection mutexes are dead weight) and no global memory statistics
 * (a mutex taken on every allocation).
 */
void db_global_init(void);

/* Open path into db. On failure db is left closed and err says why. */
int db_open(struct db *db, const char *path, const struct db_options *opt, struct gh_error *err);
void db_close(struct db *db);

/*
 * A prepared statement for sql, cached on the connection: sql must be a
 * string that lives as long as the connection (a literal). Release it with
 * db_reset() when done. Returns NULL (logged) if it does not prepare.
 */
sqlite3_stmt *db_prepare(struct db *db, const char *sql);
/* Reset a cached statement and clear its bindings, ready for the next use. */
void db_reset(sqlite3_stmt *stmt);

/* Bind by parameter name (":name"); -1 (logged) if the name or the bind is wrong. */
int db_bind_text(sqlite3_stmt *stmt, const char *name, const char *value);
int db_bind_int64(sqlite3_stmt *stmt, const char *name, int64_t value);
int db_bind_null(sqlite3_stmt *stmt, const char *name);

/*
 * Step once: SQLITE_ROW or SQLITE_DONE, or -1 with err filled
 * (GH_UNAVAILABLE when the database stayed locked, else GH_INTERNAL) and the
 * SQL and SQLite's message logged.
 */
int db_step(struct db *db, sqlite3_stmt *stmt, struct gh_error *err);

/*
 * Typed binds. A statement's parameters are given as a list built with
 * BINDS() from BIND_TEXT / BIND_INT / BIND_HASH, each naming a parameter
 * (":name") and its value. The value lands in a union member of its own
 * type, so a text where an integer belongs (or the reverse) does not
 * compile (-Wint-conversion, -Wpointer-sign, and warnings are errors): a
 * wrong bind cannot reach run time, as it could with the type-letter
 * varargs this replaced. C converts a floating value to an integer
 * silently, so BIND_INT also refuses one (_Generic selects an object that
 * cannot initialise an integer). tests/compile/bind_misuse.sh checks that
 * all of this stays so.
 */
enum db_bind_type {
    DB_BIND_END = 0, /* ends a list (BINDS adds it) */
    DB_BIND_TEXT,    /* text; NULL binds SQL NULL */
    DB_BIND_INT,     /* a 64-bit integer */
    DB_BIND_REAL,    /* a double */
    DB_BIND_HASH,    /* a secret hash of DB_HASH_BYTES bytes (crypto.h's SECRET_HASH_BYTES) */
    DB_BIND_BLOB,    /* bytes of a given length */
};

/* Bytes of a bound hash: SECRET_HASH_BYTES, kept here to keep db.h free of crypto.h. */
#define DB_HASH_BYTES 32

struct db_bind {
    const char *name;       /* ":name" as written in the SQL */
    enum db_bind_type type; /* which member of v holds the value */
    union {
        const char *text;          /* DB_BIND_TEXT */
        int64_t i;                 /* DB_BIND_INT */
        double real;               /* DB_BIND_REAL */
        const unsigned char *hash; /* DB_BIND_HASH */
        struct {
            const void *data;
            size_t len;
        } blob; /* DB_BIND_BLOB */
    } v;
};

/* Never defined: BIND_INT selects it for a floating value, which then does not compile. */
extern const struct db_bind_misuse {
    char floating_value_bound_as_integer;
} db_bind_misuse;

#define BIND_TEXT(name, value) ((struct db_bind){(name), DB_BIND_TEXT, {.text = (value)}})
#define BIND_INT(name, value)                                                                      \
    ((struct db_bind){(name),                                                                      \
                      DB_BIND_INT,                                                                 \
                      {.i = _Generic((value), float                                                \
                                     : db_bind_misuse, double                                      \
                                     : db_bind_misuse, long double                                 \
                                     : db_bind_misuse, default                                     \
                                     : (value))}})
#define BIND_REAL(name, value) ((struct db_bind){(name), DB_BIND_REAL, {.real = (value)}})
#define BIND_HASH(name, value) ((struct db_bind){(name), DB_BIND_HASH, {.hash = (value)}})
#define BIND_BLOB(name, data, len)                                                                 \
    ((struct db_bind){(name), DB_BIND_BLOB, {.blob = {(data), (len)}}})
/* A list of binds that lives until the end of the enclosing block; NULL means none. */
#define BINDS(...) ((const struct db_bind[]){__VA_ARGS__, {NULL, DB_BIND_END, {0}}})

/* Bind every entry of binds (may be NULL) by name; -1 (logged) if a name or a bind is wrong. */
int db_bind(sqlite3_stmt *stmt, const struct db_bind *binds);

/*
 * The cached statement of sql with binds bound, ready to step (db_reset it
 * when done); NULL with err set (GH_INTERNAL) when it does not prepare or
 * bind.
 */
sqlite3_stmt *db_query(struct db *db, const char *sql, const struct db_bind *binds,
                       struct gh_error *err);

/*
 * Run one statement inside the caller's transaction (or for its side
 * effects): prepare (cached), bind, step to the end, reset. *changes (may
 * be NULL) receives the rows it changed.
 */
int db_run(struct db *db, const char *sql, int *changes, struct gh_error *err,
           const struct db_bind *binds);

/*
 * One write statement in its own write transaction: take the lock, BEGIN
 * IMMEDIATE, bind, step, COMMIT. *changes (may be NULL) receives the rows
 * it changed and *rowid (may be NULL) the last inserted rowid.
 */
int db_write(struct db *db, const char *sql, int *changes, int64_t *rowid, struct gh_error *err,
             const struct db_bind *binds);

/*
 * A query of one integer (a count, a max, a flag): its first column of the
 * first row in *value, def when there is no row or the value is NULL.
 */
int db_int64(struct db *db, const char *sql, int64_t def, int64_t *value, struct gh_error *err,
             const struct db_bind *binds);

/*
 * One snapshot for several reads: BEGIN when the caller is in no
 * transaction (*began = 1), nothing when it is in one already; end it with
 * db_read_end(db, began). Without it, each statement sees the database as
 * of its own start, and a commit between two of them shows each a
 * different state.
 */
int db_read_begin(struct db *db, int *began, struct gh_error *err);
void db_read_end(struct db *db, int began);

/* Run SQL text without results (schema, pragmas); logged on failure. */
int db_exec(struct db *db, const char *sql, struct gh_error *err);

/* Take the write lock and BEGIN IMMEDIATE. */
int db_begin_write(struct db *db, struct gh_error *err);
/* COMMIT, checkpoint if the WAL is large, release the write lock. */
int db_commit(struct db *db, struct gh_error *err);
/* ROLLBACK (if a transaction is open) and release the write lock. */
void db_rollback(struct db *db);

/*
 * Checkpoint the WAL now, under the write lock (the worker's checkpoint-wal
 * job, and db_commit). pages_left receives the frames not yet copied back
 * because a reader still needs them (may be NULL).
 */
int db_checkpoint(struct db *db, int *pages_left, struct gh_error *err);

/*
 * The access epoch: a counter shared by every process using the database
 * (mapped from the write-lock file), bumped after any committed change that
 * takes access away (a token revoked, a user disabled, roles or password
 * changed). Caches of who-may-do-what stay valid only while it is unchanged.
 * Reading it costs no system call.
 */
uint64_t db_epoch(const struct db *db);
void db_epoch_bump(struct db *db);
/*
 * The events epoch: moves after every commit that stored events (mark the
 * transaction with db->events_added = 1), so that live streams ask the
 * database only when there may be something new.
 */
uint64_t db_events_epoch(const struct db *db);

/* The schema version of the open database and the one this build expects. */
int db_schema_version(struct db *db, int *version, struct gh_error *err);
int db_schema_latest(void);
/* Apply every pending migration, each in its own write transaction. */
int db_migrate(struct db *db, int *applied, struct gh_error *err);

#endif
