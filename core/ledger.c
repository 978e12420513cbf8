/* The ledger (see ledger.h and docs/ledger.md). */
#include "ledger.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "outbox.h"
#include "timeutil.h"

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

void ledger_hash(const char *prev_hash, int64_t seq, const char *at, const char *actor,
                 const char *kind, const char *subject, const char *payload_json,
                 char out[LEDGER_HASH_HEX])
{
    crypto_hash_sha256_state st;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char seqtext[24];
    const char *parts[7];

    snprintf(seqtext, sizeof(seqtext), "%lld", (long long)seq);
    parts[0] = prev_hash, parts[1] = seqtext, parts[2] = at, parts[3] = actor;
    parts[4] = kind, parts[5] = subject, parts[6] = payload_json;
    crypto_hash_sha256_init(&st);
    for (int i = 0; i < 7; i++) {
        if (i > 0)
            crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
        crypto_hash_sha256_update(&st, (const unsigned char *)parts[i], strlen(parts[i]));
    }
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(out, LEDGER_HASH_HEX, digest, sizeof(digest));
}

int ledger_append(struct db *db, int64_t now_ms, const char *actor, const char *kind,
                  const char *subject, json_t *payload, int64_t *seq_out, struct gh_error *err)
{
    static const char head_sql[] = "SELECT seq, at, hash FROM ledger ORDER BY seq DESC LIMIT 1";
    static const char ins_sql[] =
        "INSERT INTO ledger (seq, at, actor, kind, subject, payload_json, prev_hash, hash)"
        " VALUES (:seq, :at, :actor, :kind, :subject, :payload, :prev, :hash)";
    char at[TIME_RFC3339_LEN], prev[LEDGER_HASH_HEX], hash[LEDGER_HASH_HEX];
    sqlite3_stmt *st;
    char *payload_json;
    int64_t seq = 1;
    int rc;

    if (!db->in_write)
        fatal("ledger_append outside a write transaction: the entry must share the change's");
    time_format_rfc3339(now_ms, at);
    memcpy(prev, zero_hash, sizeof(zero_hash));
    st = db_prepare(db, head_sql);
    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0) + 1;
        /* Fixed-width UTC times compare as text: never stamp earlier than the head. */
        if (strcmp((const char *)sqlite3_column_text(st, 1), at) > 0)
            snprintf(at, sizeof(at), "%s", sqlite3_column_text(st, 1));
        snprintf(prev, sizeof(prev), "%s", sqlite3_column_text(st, 2));
    }
    db_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    payload_json =
        json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REALS);
    if (payload_json == NULL)
        return gh_fail(err, GH_INTERNAL, "the ledger payload does not serialise");
    ledger_hash(prev, seq, at, actor, kind, subject, payload_json, hash);
    rc = db_run(db, ins_sql, NULL, err,
                BINDS(BIND_INT(":seq", seq), BIND_TEXT(":at", at), BIND_TEXT(":actor", actor),
                      BIND_TEXT(":kind", kind), BIND_TEXT(":subject", subject),
                      BIND_TEXT(":payload", payload_json), BIND_TEXT(":prev", prev),
                      BIND_TEXT(":hash", hash)));
    free(payload_json);
    if (rc != 0)
        return -1;
    if (seq_out)
        *seq_out = seq;
    return 0;
}

int ledger_write(struct db *db, const char *actor, const char *kind, const char *subject,
                 json_t *payload, const char *sql, int *changes, int64_t *rowid,
                 struct gh_error *err, const struct db_bind *binds)
{
    int n = 0, rc;

    if (db_begin_write(db, err) != 0) {
        json_decref(payload);
        return -1;
    }
    rc = db_run(db, sql, &n, err, binds);
    if (rc == 0 && rowid)
        *rowid = sqlite3_last_insert_rowid(db->conn);
    if (rc == 0 && n > 0)
        rc = ledger_append(db, time_now_ms(), actor, kind, subject, payload, NULL, err);
    json_decref(payload);
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    if (changes)
        *changes = n;
    return db_commit(db, err);
}

json_t *ledger_entry_json(sqlite3_stmt *row)
{
    const char *payload_json = (const char *)sqlite3_column_text(row, 5);
    json_t *payload = json_loads(payload_json, JSON_DECODE_ANY, NULL);

    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "seq",
                     (json_int_t)sqlite3_column_int64(row, 0), "at", sqlite3_column_text(row, 1),
                     "actor", sqlite3_column_text(row, 2), "kind", sqlite3_column_text(row, 3),
                     "subject", sqlite3_column_text(row, 4), "payload",
                     payload ? payload : json_null(), "payload_json", payload_json, "prev_hash",
                     sqlite3_column_text(row, 6), "hash", sqlite3_column_text(row, 7));
}

static void bad(struct ledger_check *out, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(struct ledger_check *out, int64_t seq, const char *fmt, ...)
{
    va_list ap;

    if (!out->ok)
        return; /* the first problem is the one to report */
    out->ok = 0;
    out->first_bad = seq;
    va_start(ap, fmt);
    vsnprintf(out->problem, sizeof(out->problem), fmt, ap);
    va_end(ap);
}

/* The checkpoint note: origin, size and the base64 of the 32-byte head hash. */
static int checkpoint_note(const char *origin, int64_t seq, const char *hash_hex, struct buf *note)
{
    unsigned char raw[32];
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    size_t n = 0;

    if (sodium_hex2bin(raw, sizeof(raw), hash_hex, strlen(hash_hex), NULL, &n, NULL) != 0 ||
        n != sizeof(raw))
        return -1;
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
    buf_reset(note);
    buf_printf(note, "%s\n%lld\n%s\n", origin, (long long)seq, b64);
    return 0;
}

/* Check every checkpoint against the chain as it now stands. */
static int verify_checkpoints(struct db *db, struct ledger_check *out, struct gh_error *err)
{
    static const char sql[] =
        "SELECT c.seq, c.hash, c.origin, c.note, c.signature, c.public_key,"
        " l.hash FROM ledger_checkpoints c LEFT JOIN ledger l ON l.seq = c.seq"
        " ORDER BY c.seq";
    sqlite3_stmt *st = db_prepare(db, sql);
    struct buf note = BUF_INIT;
    int rc;

    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        const char *hash = (const char *)sqlite3_column_text(st, 1);
        const char *entry_hash = (const char *)sqlite3_column_text(st, 6);
        unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
        size_t siglen = 0, pklen = 0;
        const char *sig64 = (const char *)sqlite3_column_text(st, 4);
        const char *pk64 = (const char *)sqlite3_column_text(st, 5);

        out->checkpoint = seq;
        if (seq > out->entries) {
            bad(out, out->entries + 1, "the chain has %lld entries, shorter than checkpoint %lld",
                (long long)out->entries, (long long)seq);
            continue;
        }
        if (entry_hash == NULL || strcmp(entry_hash, hash) != 0)
            bad(out, seq, "entry %lld differs from its signed checkpoint", (long long)seq);
        if (checkpoint_note((const char *)sqlite3_column_text(st, 2), seq, hash, &note) != 0 ||
            strcmp(buf_str(&note), (const char *)sqlite3_column_text(st, 3)) != 0 ||
            sodium_base642bin(sig, sizeof(sig), sig64, strlen(sig64), NULL, &siglen, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            sodium_base642bin(pk, sizeof(pk), pk64, strlen(pk64), NULL, &pklen, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            siglen != sizeof(sig) || pklen != sizeof(pk) ||
            crypto_sign_verify_detached(sig, (const unsigned char *)buf_str(&note), note.len, pk) !=
                0)
            bad(out, seq, "bad checkpoint signature at seq %lld", (long long)seq);
    }
    db_reset(st);
    buf_free(&note);
    return rc == SQLITE_DONE ? 0 : -1;
}

int ledger_verify(struct db *db, struct ledger_check *out, void (*progress)(int64_t done),
                  struct gh_error *err)
{
    static const char sql[] = "SELECT " LEDGER_COLUMNS " FROM ledger ORDER BY seq";
    char prev_hash[LEDGER_HASH_HEX], prev_at[TIME_RFC3339_LEN] = "", hash[LEDGER_HASH_HEX];
    sqlite3_stmt *st;
    int64_t expect = 1;
    int rc, own_txn;

    memset(out, 0, sizeof(*out));
    out->ok = 1;
    memcpy(prev_hash, zero_hash, sizeof(zero_hash));
    /* One snapshot for the chain and its checkpoints (the caller's, if it has one). */
    own_txn = sqlite3_get_autocommit(db->conn);
    if (own_txn && db_exec(db, "BEGIN", err) != 0)
        return -1;
    st = db_prepare(db, sql);
    if (st == NULL) {
        if (own_txn)
            db_exec(db, "COMMIT", NULL);
        return gh_fail(err, GH_INTERNAL, "database error");
    }
    while ((rc = db_step(db, st, err)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        const char *at = (const char *)sqlite3_column_text(st, 1);
        const char *stored_prev = (const char *)sqlite3_column_text(st, 6);
        const char *stored = (const char *)sqlite3_column_text(st, 7);

        out->entries++;
        if (out->ok) {
            if (seq != expect)
                bad(out, expect, "entry %lld is missing (the next is %lld)", (long long)expect,
                    (long long)seq);
            else if (strcmp(stored_prev, prev_hash) != 0)
                bad(out, seq, "prev_hash does not match the hash of entry %lld",
                    (long long)seq - 1);
            else if (strcmp(at, prev_at) < 0)
                bad(out, seq, "time goes backwards (%s after %s)", at, prev_at);
            ledger_hash(stored_prev, seq, at, (const char *)sqlite3_column_text(st, 2),
                        (const char *)sqlite3_column_text(st, 3),
                        (const char *)sqlite3_column_text(st, 4),
                        (const char *)sqlite3_column_text(st, 5), hash);
            if (strcmp(hash, stored) != 0)
                bad(out, seq, "hash mismatch: the entry was changed after it was written");
        }
        snprintf(prev_hash, sizeof(prev_hash), "%s", stored);
        snprintf(prev_at, sizeof(prev_at), "%s", at);
        expect = seq + 1;
        if (progress && out->entries % 100000 == 0)
            progress(out->entries);
    }
    db_reset(st);
    if (rc == SQLITE_DONE)
        rc = verify_checkpoints(db, out, err);
    else
        rc = -1;
    if (own_txn)
        db_exec(db, "COMMIT", NULL);
    return rc;
}

int ledger_checkpoint(struct db *db, const struct signkey *key, const char *origin, int64_t *seq,
                      struct gh_error *err)
{
    static const char head_sql[] = "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1";
    static const char ins_sql[] =
        "INSERT OR IGNORE INTO ledger_checkpoints (seq, hash, at, origin, note, signature,"
        " public_key) VALUES (:seq, :hash, :at, :origin, :note, :sig, :pk)";
    unsigned char sig[crypto_sign_BYTES];
    char sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    char
        pk64[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES, sodium_base64_VARIANT_ORIGINAL)];
    char hash[LEDGER_HASH_HEX], at[TIME_RFC3339_LEN];
    struct ledger_check check;
    struct buf note = BUF_INIT;
    sqlite3_stmt *st;
    int rc, added = 0;

    *seq = 0;
    /* Hold the write lock throughout: the head cannot move between check and signature. */
    if (db_begin_write(db, err) != 0)
        return -1;
    if (ledger_verify(db, &check, NULL, err) != 0)
        goto fail;
    if (!check.ok) {
        gh_fail(err, GH_CONFLICT, "not signing: the ledger is broken at seq %lld: %s",
                (long long)check.first_bad, check.problem);
        goto fail;
    }
    st = db_prepare(db, head_sql);
    if (st == NULL || (rc = db_step(db, st, err)) < 0) {
        db_reset(st);
        goto fail;
    }
    if (rc == SQLITE_DONE) { /* nothing to sign yet */
        db_reset(st);
        db_rollback(db);
        return 0;
    }
    *seq = sqlite3_column_int64(st, 0);
    snprintf(hash, sizeof(hash), "%s", sqlite3_column_text(st, 1));
    db_reset(st);
    if (checkpoint_note(origin, *seq, hash, &note) != 0) {
        gh_fail(err, GH_INTERNAL, "the head hash is not hex");
        goto fail;
    }
    crypto_sign_detached(sig, NULL, (const unsigned char *)buf_str(&note), note.len, key->secret);
    sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(pk64, sizeof(pk64), key->public, sizeof(key->public),
                      sodium_base64_VARIANT_ORIGINAL);
    time_format_rfc3339(time_now_ms(), at);
    if (db_run(db, ins_sql, &added, err,
               BINDS(BIND_INT(":seq", *seq), BIND_TEXT(":hash", hash), BIND_TEXT(":at", at),
                     BIND_TEXT(":origin", origin), BIND_TEXT(":note", buf_str(&note)),
                     BIND_TEXT(":sig", sig64), BIND_TEXT(":pk", pk64))) != 0)
        goto fail;
    if (added) {
        /* A copy should live off the box: subscribers to ledger.checkpoint get each new one. */
        json_t *cp = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "origin", origin, "seq",
                               (json_int_t)*seq, "hash", hash, "at", at, "note", buf_str(&note),
                               "signature", sig64, "public_key", pk64);
        int queued = outbox_enqueue(db, "ledger.checkpoint", cp, time_now_ms(), NULL, err);
        json_decref(cp);
        if (queued != 0)
            goto fail;
    }
    buf_free(&note);
    return db_commit(db, err);
fail:
    buf_free(&note);
    db_rollback(db);
    return -1;
}

json_t *ledger_latest_checkpoint(struct db *db, struct gh_error *err)
{
    static const char sql[] = "SELECT origin, seq, hash, at, note, signature, public_key"
                              " FROM ledger_checkpoints ORDER BY seq DESC LIMIT 1";
    sqlite3_stmt *st = db_prepare(db, sql);
    json_t *cp = NULL;
    int rc;

    if (st == NULL) {
        gh_fail(err, GH_INTERNAL, "database error");
        return NULL;
    }
    rc = db_step(db, st, err);
    if (rc == SQLITE_ROW)
        cp = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "origin", sqlite3_column_text(st, 0),
                       "seq", (json_int_t)sqlite3_column_int64(st, 1), "hash",
                       sqlite3_column_text(st, 2), "at", sqlite3_column_text(st, 3), "note",
                       sqlite3_column_text(st, 4), "signature", sqlite3_column_text(st, 5),
                       "public_key", sqlite3_column_text(st, 6));
    else if (rc == SQLITE_DONE)
        gh_fail(err, GH_NOT_FOUND, "no checkpoint has been signed yet");
    db_reset(st);
    return cp;
}

int ledger_head_seq(struct db *db, int64_t *seq, struct gh_error *err)
{
    return db_int64(db, "SELECT max(seq) FROM ledger", 0, seq, err, NULL);
}
