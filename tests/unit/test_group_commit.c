/*
 * Group commit: requests queued while a transaction runs share the next
 * one, each request's changes stand or fall alone, and an answer means the
 * change is committed.
 */
#include <pthread.h>
#include <unistd.h>

#include "../../core/group_commit.h"
#include "check.h"

#define WRITERS 8

static char dbpath[512];
static int queuing; /* writers about to queue (atomic) */

static int open_db(struct db *db)
{
    struct db_options opt = {0, 10000, 1000};
    struct gh_error err;

    return db_open(db, dbpath, &opt, &err);
}

static void create_db(void)
{
    struct db_options opt = {1, 10000, 1000};
    struct gh_error err;
    struct db db;

    snprintf(dbpath, sizeof(dbpath), "%s/group.db", check_tmpdir);
    CHECK_INT(db_open(&db, dbpath, &opt, &err), 0);
    CHECK_INT(
        db_exec(&db, "CREATE TABLE t (writer INTEGER NOT NULL, ran_on INTEGER NOT NULL)", &err), 0);
    db_close(&db);
}

struct writer {
    int n;             /* which writer */
    int fail;          /* insert, then refuse: the row must not stay */
    useconds_t hold;   /* the first writer: keep the transaction until the others queue */
    struct db *mine;   /* this writer's own connection */
    struct db *ran_on; /* the connection its work ran on */
    int rc;
    struct gh_error err;
};

static int insert_work(struct db *db, void *arg, struct gh_error *err)
{
    struct writer *w = arg;

    w->ran_on = db;
    if (db_run(db, "INSERT INTO t (writer, ran_on) VALUES (:w, :on)", NULL, err,
               BINDS(BIND_INT(":w", w->n), BIND_INT(":on", (db == w->mine)))) != 0)
        return -1;
    if (w->hold) { /* until the others are queued behind this transaction */
        for (int waited = 0;
             __atomic_load_n(&queuing, __ATOMIC_ACQUIRE) < WRITERS - 1 && waited < 10000; waited++)
            usleep(1000);
        usleep(w->hold);
    }
    if (w->fail)
        return gh_fail(err, GH_CONFLICT, "writer %d refuses", w->n);
    return 0;
}

static void *write_once(void *arg)
{
    struct writer *w = arg;
    struct db db;

    if (open_db(&db) != 0) {
        w->rc = -2;
        return NULL;
    }
    w->mine = &db;
    if (!w->hold)
        __atomic_add_fetch(&queuing, 1, __ATOMIC_ACQ_REL);
    w->rc = db_write_grouped(&db, insert_work, w, &w->err);
    w->mine = NULL;
    db_close(&db);
    return NULL;
}

static int count(const char *sql)
{
    struct gh_error err;
    struct db db;
    sqlite3_stmt *st;
    int n = -1;

    if (open_db(&db) != 0)
        return -1;
    st = db_prepare(&db, sql);
    if (st && db_step(&db, st, &err) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    db_reset(st);
    db_close(&db);
    return n;
}

/* The first writer holds its transaction while the others queue: they
   share the next one, run on one connection, and the refusing ones leave
   nothing behind. */
static void queued_writers_share_a_transaction(void)
{
    struct writer w[WRITERS] = {0};
    pthread_t t[WRITERS];
    int others = 0;

    create_db();
    queuing = 0;
    for (int i = 0; i < WRITERS; i++) {
        w[i].n = i;
        w[i].fail = i % 3 == 2;
        w[i].hold = i == 0 ? 100000 : 0;
        pthread_create(&t[i], NULL, write_once, &w[i]);
        if (i == 0)
            usleep(50000); /* let it lead first */
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < WRITERS; i++) {
        CHECK_INT(w[i].rc, w[i].fail ? -1 : 0);
        if (w[i].fail)
            CHECK_INT(w[i].err.kind, GH_CONFLICT);
    }
    /* Writers 1..7 queued behind writer 0: one of them led the rest. */
    for (int i = 2; i < WRITERS; i++)
        others += w[i].ran_on == w[1].ran_on;
    CHECK(w[1].ran_on != NULL);
    CHECK_INT(others, WRITERS - 2);
    CHECK_INT(count("SELECT count(*) FROM t WHERE ran_on = 0") >= 3, 1); /* on the leader's */
    CHECK_INT(count("SELECT count(*) FROM t"), WRITERS - 2);             /* 2 and 5 refused */
    CHECK_INT(count("SELECT count(*) FROM t WHERE writer IN (2, 5)"), 0);
}

/* Alone, a request runs at once on its own connection, and is committed when it returns. */
static void a_lone_writer_commits_on_its_own(void)
{
    struct writer w = {.n = 42};

    create_db();
    write_once(&w);
    CHECK_INT(w.rc, 0);
    CHECK_INT(count("SELECT count(*) FROM t WHERE writer = 42 AND ran_on = 1"), 1);
    w = (struct writer){.n = 43, .fail = 1};
    write_once(&w);
    CHECK_INT(w.rc, -1);
    CHECK_INT(count("SELECT count(*) FROM t"), 1);
}

const struct unit_test group_commit_tests[] = {
    {"group commit: queued writers share a transaction, refusals undone alone",
     queued_writers_share_a_transaction},
    {"group commit: a lone writer commits on its own", a_lone_writer_commits_on_its_own},
    {NULL, NULL},
};
