/*
 * The database layer: migrations, prepared statements, write transactions,
 * and the WAL staying bounded under sustained writes from several threads
 * and processes (every checkpoint under the write lock).
 */
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/db.h"
#include "check.h"

static char dbpath[512];

static int open_db(struct db *db, int checkpoint_pages)
{
    struct db_options opt = {1, 5000, checkpoint_pages};
    struct gh_error err;

    snprintf(dbpath, sizeof(dbpath), "%s/test.db", check_tmpdir);
    return db_open(db, dbpath, &opt, &err);
}

static void migrations_apply_once(void)
{
    struct db db;
    struct gh_error err;
    int applied = -1, version = -1;

    CHECK_INT(open_db(&db, 1000), 0);
    CHECK_INT(db_migrate(&db, &applied, &err), 0);
    CHECK_INT(applied, db_schema_latest());
    CHECK_INT(db_schema_version(&db, &version, &err), 0);
    CHECK_INT(version, db_schema_latest());
    CHECK_INT(db_migrate(&db, &applied, &err), 0);
    CHECK_INT(applied, 0);
    db_close(&db);
}

static void a_missing_database_is_unavailable(void)
{
    struct db db;
    struct db_options opt = {0, 100, 1000};
    struct gh_error err;

    CHECK_INT(db_open(&db, "/nonexistent/dir/x.db", &opt, &err), -1);
    CHECK_INT(err.kind, GH_UNAVAILABLE);
    CHECK_CONTAINS(err.message, "gatehouse init");
}

static void connections_are_configured(void)
{
    struct db db;
    struct gh_error err;
    sqlite3_stmt *st;

    CHECK_INT(open_db(&db, 1000), 0);
    st = db_prepare(&db, "PRAGMA journal_mode");
    CHECK_INT(db_step(&db, st, &err), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    db_reset(st);
    st = db_prepare(&db, "PRAGMA foreign_keys");
    CHECK_INT(db_step(&db, st, &err), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 1);
    db_reset(st);
    st = db_prepare(&db, "PRAGMA synchronous");
    CHECK_INT(db_step(&db, st, &err), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 2); /* FULL */
    db_reset(st);
    st = db_prepare(&db, "PRAGMA mmap_size");
    CHECK_INT(db_step(&db, st, &err), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 0);
    db_reset(st);
    /* Defensive mode: the schema cannot be written behind SQLite's back. */
    CHECK(db_exec(&db, "PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql='x'", &err) != 0);
    db_close(&db);
}

static void rollback_leaves_nothing(void)
{
    static const char ins[] = "INSERT INTO t (v) VALUES (:v)";
    static const char cnt[] = "SELECT count(*) FROM t";
    struct db db;
    struct gh_error err;
    sqlite3_stmt *st;

    CHECK_INT(open_db(&db, 1000), 0);
    CHECK_INT(db_exec(&db, "CREATE TABLE t (v TEXT NOT NULL)", &err), 0);
    CHECK_INT(db_begin_write(&db, &err), 0);
    st = db_prepare(&db, ins);
    CHECK_INT(db_bind_text(st, ":v", "x"), 0);
    CHECK_INT(db_bind_text(st, ":nope", "x"), -1);
    CHECK_INT(db_step(&db, st, &err), SQLITE_DONE);
    db_reset(st);
    db_rollback(&db);
    st = db_prepare(&db, cnt);
    CHECK_INT(db_step(&db, st, &err), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 0);
    db_reset(st);
    /* A failing statement reports an error instead of pretending. */
    CHECK_INT(db_begin_write(&db, &err), 0);
    st = db_prepare(&db, ins);
    CHECK_INT(db_bind_null(st, ":v"), 0);
    CHECK_INT(db_step(&db, st, &err), -1);
    CHECK_INT(err.kind, GH_INTERNAL);
    db_reset(st);
    db_rollback(&db);
    db_close(&db);
}

/* Sustained writes: WRITES transactions of ~1 KiB each per writer. */
#define WRITES 1500

static void *writer(void *arg)
{
    static const char ins[] = "INSERT INTO t (v) VALUES (:v)";
    int pages = *(int *)arg;
    char blob[1024];
    struct db db;
    struct db_options opt = {0, 10000, pages};
    struct gh_error err;
    long failures = 0;

    memset(blob, 'x', sizeof(blob) - 1);
    blob[sizeof(blob) - 1] = '\0';
    if (db_open(&db, dbpath, &opt, &err) != 0)
        return (void *)1;
    for (int i = 0; i < WRITES; i++) {
        sqlite3_stmt *st;
        if (db_begin_write(&db, &err) != 0) {
            failures++;
            continue;
        }
        st = db_prepare(&db, ins);
        db_bind_text(st, ":v", blob);
        if (db_step(&db, st, &err) != SQLITE_DONE)
            failures++;
        db_reset(st);
        if (db_commit(&db, &err) != 0)
            failures++;
    }
    db_close(&db);
    return (void *)failures;
}

/* Short reads back to back, as the pages and the API make them. */
static void *reader(void *arg)
{
    static const char cnt[] = "SELECT v FROM t WHERE rowid = (SELECT max(rowid) FROM t)";
    volatile int *stop = arg;
    struct db db;
    struct db_options opt = {0, 10000, 1000000};
    struct gh_error err;

    if (db_open(&db, dbpath, &opt, &err) != 0)
        return NULL;
    while (!*stop) {
        sqlite3_stmt *st = db_prepare(&db, cnt);
        db_step(&db, st, &err);
        db_reset(st);
    }
    db_close(&db);
    return NULL;
}

/* Two processes, each with two writer threads and a reader; returns the WAL size. */
static long sustained_writes(int checkpoint_pages)
{
    struct db db;
    struct gh_error err;
    char walpath[600];
    struct stat st;
    pid_t kids[2];
    int status;

    CHECK_INT(open_db(&db, checkpoint_pages), 0);
    CHECK_INT(db_exec(&db, "CREATE TABLE t (v TEXT NOT NULL)", &err), 0);
    db_close(&db);
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            pthread_t w[2], r;
            volatile int stop = 0;
            long failures = 0;
            void *ret;
            pthread_create(&r, NULL, reader, (void *)&stop);
            for (int i = 0; i < 2; i++)
                pthread_create(&w[i], NULL, writer, &checkpoint_pages);
            for (int i = 0; i < 2; i++) {
                pthread_join(w[i], &ret);
                failures += (long)ret;
            }
            stop = 1;
            pthread_join(r, NULL);
            _exit(failures ? 1 : 0);
        }
    }
    for (int k = 0; k < 2; k++) {
        waitpid(kids[k], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_INT(open_db(&db, checkpoint_pages), 0);
    {
        sqlite3_stmt *s = db_prepare(&db, "SELECT count(*) FROM t");
        CHECK_INT(db_step(&db, s, &err), SQLITE_ROW);
        CHECK_INT(sqlite3_column_int(s, 0), 4 * WRITES);
        db_reset(s);
        s = db_prepare(&db, "PRAGMA integrity_check");
        CHECK_INT(db_step(&db, s, &err), SQLITE_ROW);
        CHECK_STR((const char *)sqlite3_column_text(s, 0), "ok");
        db_reset(s);
    }
    db_close(&db);
    snprintf(walpath, sizeof(walpath), "%s-wal", dbpath);
    return stat(walpath, &st) == 0 ? (long)st.st_size : 0;
}

static void wal_stays_bounded_under_sustained_writes(void)
{
    /* 6,000 transactions that write about 30 MB of WAL frames in all: with
       checkpoints every 200 pages the file stays near 200 pages (about
       0.8 MB); the bound leaves room for a loaded machine's slow readers. */
    long wal = sustained_writes(200);

    if (wal > 8L * 1024 * 1024)
        check_fail(__FILE__, __LINE__, "WAL grew to %ld bytes with checkpoints every 200 pages",
                   wal);
}

static void without_checkpoints_the_wal_grows(void)
{
    /* The control: the same load with checkpoints effectively off. */
    long wal = sustained_writes(1000000);

    if (wal < 16L * 1024 * 1024)
        check_fail(__FILE__, __LINE__, "WAL is only %ld bytes without checkpoints", wal);
}

/*
 * Holds the write lock until told to let go: from another thread of this
 * process (the process queue) or from another process (flock itself).
 */
struct holder {
    int go[2];   /* the holder reads one byte here, then commits */
    int held[2]; /* the holder writes one byte here once it holds the lock */
};

static void hold_write_lock(struct holder *h)
{
    struct db db;
    struct db_options opt = {0, 5000, 1000};
    struct gh_error err;
    char c = 'h';

    if (db_open(&db, dbpath, &opt, &err) != 0 || db_begin_write(&db, &err) != 0)
        c = 'x';
    if (write(h->held[1], &c, 1) != 1 || read(h->go[0], &c, 1) != 1)
        c = 'x';
    usleep(100000); /* so that the other writer is already waiting */
    if (db.in_write)
        db_commit(&db, &err);
    db_close(&db);
}

static void *hold_in_thread(void *arg)
{
    hold_write_lock(arg);
    return NULL;
}

/* A writer gives up after busy_timeout_ms, and gets the lock once it is let go. */
static void writer_waits_for_holder(int other_process)
{
    struct holder h;
    struct db db;
    struct db_options quick = {0, 150, 1000};
    struct gh_error err;
    pthread_t thread;
    pid_t kid = -1;
    int status;
    char c = 0;

    CHECK_INT(open_db(&db, 1000), 0);
    db_close(&db);
    CHECK(pipe(h.go) == 0 && pipe(h.held) == 0);
    if (other_process) {
        kid = fork();
        if (kid == 0) {
            hold_write_lock(&h);
            _exit(0);
        }
    } else
        pthread_create(&thread, NULL, hold_in_thread, &h);
    CHECK(read(h.held[0], &c, 1) == 1 && c == 'h');

    CHECK_INT(db_open(&db, dbpath, &quick, &err), 0);
    CHECK_INT(db_begin_write(&db, &err), -1);
    CHECK_INT(err.kind, GH_UNAVAILABLE);
    db_close(&db);

    /* Let go while this writer is already blocked waiting. */
    struct db_options patient = {0, 10000, 1000};
    CHECK_INT(db_open(&db, dbpath, &patient, &err), 0);
    CHECK(write(h.go[1], "g", 1) == 1);
    CHECK_INT(db_begin_write(&db, &err), 0);
    CHECK_INT(db_commit(&db, &err), 0);
    db_close(&db);
    if (other_process) {
        waitpid(kid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else
        pthread_join(thread, NULL);
    close(h.go[0]);
    close(h.go[1]);
    close(h.held[0]);
    close(h.held[1]);
}

static void writer_waits_for_a_thread(void)
{
    writer_waits_for_holder(0);
}

static void writer_waits_for_a_process(void)
{
    writer_waits_for_holder(1);
}

/* More distinct statements than any fixed cache would hold: each prepared once, found again. */
static void the_statement_cache_has_no_limit(void)
{
    static char texts[600][32];
    sqlite3_stmt *first[600];
    struct db db;

    CHECK_INT(open_db(&db, 1000), 0);
    for (int i = 0; i < 600; i++) {
        snprintf(texts[i], sizeof(texts[i]), "SELECT %d", i);
        first[i] = db_prepare(&db, texts[i]);
        CHECK(first[i] != NULL);
    }
    CHECK_INT(db.ncache, 600);
    for (int i = 0; i < 600; i++) {
        sqlite3_stmt *again = db_prepare(&db, texts[i]);
        CHECK(again == first[i]);
        CHECK_INT(sqlite3_step(again), SQLITE_ROW);
        CHECK_INT(sqlite3_column_int(again, 0), i);
        db_reset(again);
    }
    CHECK_INT(db.ncache, 600);
    db_close(&db);
}

const struct unit_test db_tests[] = {
    {"db: the statement cache grows without a limit", the_statement_cache_has_no_limit},
    {"db: migrations apply once", migrations_apply_once},
    {"db: a missing database is unavailable", a_missing_database_is_unavailable},
    {"db: WAL, FULL sync, foreign keys, no mmap, defensive", connections_are_configured},
    {"db: rollback leaves nothing; failing SQL is an error", rollback_leaves_nothing},
    {"db: the write lock times out, then passes from a thread", writer_waits_for_a_thread},
    {"db: the write lock times out, then passes from a process", writer_waits_for_a_process},
    {"db: WAL bounded under sustained writes (threads + processes)",
     wal_stays_bounded_under_sustained_writes},
    {"db: control: sustained writes without checkpoints grow the WAL",
     without_checkpoints_the_wal_grows},
    {NULL, NULL},
};
