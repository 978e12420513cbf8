/* The ledger: appends, verification, tampering of every kind, checkpoints. */
#include <stdlib.h>

#include "../../core/ledger.h"
#include "../../core/timeutil.h"
#include "check.h"

static int ledger_db(struct db *db, int entries)
{
    struct db_options opt = {1, 5000, 1000};
    struct gh_error err;
    char path[400];
    int applied;

    snprintf(path, sizeof(path), "%s/ledger.db", check_tmpdir);
    if (db_open(db, path, &opt, &err) != 0 || db_migrate(db, &applied, &err) != 0)
        return -1;
    for (int i = 1; i <= entries; i++) {
        json_t *payload = json_pack("{s:i, s:s}", "n", i, "note", "caf\xc3\xa9 <b>");
        int64_t seq;
        if (db_begin_write(db, &err) != 0 ||
            ledger_append(db, time_now_ms(), "alice", "test.entry", "subject-1", payload, &seq,
                          &err) != 0 ||
            db_commit(db, &err) != 0 || seq != i) {
            json_decref(payload);
            return -1;
        }
        json_decref(payload);
    }
    return 0;
}

static struct ledger_check verify(struct db *db)
{
    struct ledger_check c;
    struct gh_error err;

    CHECK_INT(ledger_verify(db, &c, NULL, &err), 0);
    return c;
}

static void appends_chain_and_verify(void)
{
    struct db db;
    struct ledger_check c;
    sqlite3_stmt *st;
    char hash[LEDGER_HASH_HEX];

    CHECK_INT(ledger_db(&db, 5), 0);
    c = verify(&db);
    CHECK(c.ok);
    CHECK_INT(c.entries, 5);
    /* The stored text is what was hashed: compact, sorted keys. */
    st = db_prepare(&db, "SELECT " LEDGER_COLUMNS " FROM ledger WHERE seq = 1");
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 5), "{\"n\":1,\"note\":\"caf\xc3\xa9 <b>\"}");
    CHECK_STR((const char *)sqlite3_column_text(st, 6),
              "0000000000000000000000000000000000000000000000000000000000000000");
    ledger_hash((const char *)sqlite3_column_text(st, 6), 1,
                (const char *)sqlite3_column_text(st, 1), "alice", "test.entry", "subject-1",
                (const char *)sqlite3_column_text(st, 5), hash);
    CHECK_STR((const char *)sqlite3_column_text(st, 7), hash);
    db_reset(st);
    db_close(&db);
}

static void a_known_hash(void)
{
    char hash[LEDGER_HASH_HEX];

    /* Golden value, computed independently with coreutils:
       printf '%s\n1\n2026-11-22T10:00:00.000Z\nalice\nk\ns\n{}' "$(printf '0%.0s' $(seq 64))" |
       sha256sum */
    ledger_hash("0000000000000000000000000000000000000000000000000000000000000000", 1,
                "2026-11-22T10:00:00.000Z", "alice", "k", "s", "{}", hash);
    CHECK_STR(hash, "155fa7cd30f7059340a77f77a43f35dc992e88a2a1c8ea0a17929a640354604e");
}

static void tamper(struct db *db, const char *sql)
{
    struct gh_error err;

    CHECK_INT(db_exec(db, sql, &err), 0);
}

static void every_kind_of_tampering_is_caught_at_its_seq(void)
{
    struct db db;
    struct ledger_check c;

    CHECK_INT(ledger_db(&db, 6), 0);
    tamper(&db, "UPDATE ledger SET payload_json = replace(payload_json, '3', '4') WHERE seq = 3");
    c = verify(&db);
    CHECK(!c.ok);
    CHECK_INT(c.first_bad, 3);
    CHECK_CONTAINS(c.problem, "hash mismatch");
    db_close(&db);

    CHECK_INT(ledger_db(&db, 0), 0); /* same file, reopened */
    tamper(&db, "DELETE FROM ledger");
    db_close(&db);
    CHECK_INT(ledger_db(&db, 6), 0);
    tamper(&db, "DELETE FROM ledger WHERE seq = 4");
    c = verify(&db);
    CHECK_INT(c.first_bad, 4);
    CHECK_CONTAINS(c.problem, "entry 4 is missing");
    tamper(&db, "DELETE FROM ledger");
    db_close(&db);

    CHECK_INT(ledger_db(&db, 6), 0);
    tamper(&db, "UPDATE ledger SET at = '2099-01-01T00:00:00.000Z' WHERE seq = 2");
    c = verify(&db);
    /* Entry 3's time is then "backwards" too, but the first problem is the one reported. */
    CHECK_INT(c.first_bad, 2);
    tamper(&db, "DELETE FROM ledger");
    db_close(&db);
}

static void checkpoints_sign_and_catch_truncation(void)
{
    struct db db;
    struct signkey key;
    struct ledger_check c;
    struct gh_error err;
    json_t *cp;
    int64_t seq;

    crypto_sign_keypair(key.public, key.secret);
    CHECK_INT(ledger_db(&db, 5), 0);
    CHECK_INT(ledger_checkpoint(&db, &key, "example.org/ledger", &seq, &err), 0);
    CHECK_INT(seq, 5);
    cp = ledger_latest_checkpoint(&db, &err);
    CHECK(cp != NULL);
    CHECK_INT(json_integer_value(json_object_get(cp, "seq")), 5);
    CHECK(strncmp(json_string_value(json_object_get(cp, "note")), "example.org/ledger\n5\n", 21) ==
          0);
    json_decref(cp);
    c = verify(&db);
    CHECK(c.ok);
    CHECK_INT(c.checkpoint, 5);
    /* Truncating below the checkpoint is caught. */
    tamper(&db, "DELETE FROM ledger WHERE seq = 5");
    c = verify(&db);
    CHECK(!c.ok);
    CHECK_INT(c.first_bad, 5);
    CHECK_CONTAINS(c.problem, "shorter than checkpoint 5");
    /* A broken chain is never signed. */
    CHECK_INT(ledger_checkpoint(&db, &key, "example.org/ledger", &seq, &err), -1);
    CHECK_CONTAINS(err.message, "not signing");
    /* A forged signature is caught. */
    tamper(&db, "DELETE FROM ledger_checkpoints");
    CHECK_INT(ledger_checkpoint(&db, &key, "example.org/ledger", &seq, &err), 0);
    CHECK_INT(seq, 4);
    tamper(&db,
           "UPDATE ledger_checkpoints SET signature = replace(signature, substr(signature, 5, 1), "
           "CASE substr(signature, 5, 1) WHEN 'A' THEN 'B' ELSE 'A' END)");
    c = verify(&db);
    CHECK(!c.ok);
    CHECK_CONTAINS(c.problem, "bad checkpoint signature");
    db_close(&db);
    signkey_wipe(&key);
}

const struct unit_test ledger_tests[] = {
    {"ledger: appends chain and verify; stored text is what was hashed", appends_chain_and_verify},
    {"ledger: the hash of a known entry", a_known_hash},
    {"ledger: changed payload, deleted row, moved time: caught at their seq",
     every_kind_of_tampering_is_caught_at_its_seq},
    {"ledger: checkpoints sign, truncation and forgery are caught",
     checkpoints_sign_and_catch_truncation},
    {NULL, NULL},
};
