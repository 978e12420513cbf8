/*
 * The tamper-evident ledger. Every state change appends one entry in the
 * same transaction as the change; each entry's hash covers the previous
 * entry's hash, so changing, removing or reordering anything breaks the
 * chain from that point on. See docs/ledger.md for the exact hashing.
 *
 *   hash = lowercase hex SHA-256 of
 *          prev_hash "\n" seq "\n" at "\n" actor "\n" kind "\n" subject "\n" payload_json
 *
 * payload_json is the payload as compact JSON with sorted keys, stored as
 * the exact text that was hashed. prev_hash of seq 1 is 64 zeros.
 */
#ifndef GH_LEDGER_H
#define GH_LEDGER_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "signkey.h"

#define LEDGER_HASH_HEX 65 /* 64 hex digits and NUL */

/*
 * Append one entry inside the caller's write transaction (db_begin_write
 * must be in force). payload is borrowed. *seq (may be NULL) receives the
 * new entry's number. now_ms is the caller's clock (the worker's --now,
 * the demo's story clock, else time_now_ms()). Times never go backwards:
 * an entry is stamped with the later of now_ms and the previous entry's
 * time.
 */
int ledger_append(struct db *db, int64_t now_ms, const char *actor, const char *kind,
                  const char *subject, json_t *payload, int64_t *seq, struct gh_error *err);

/*
 * A change of one statement and its ledger entry, in one write
 * transaction: run sql with binds, then append the entry if
 * the statement changed anything. payload is stolen. *changes and *rowid
 * (may be NULL) as db_write.
 */
int ledger_write(struct db *db, const char *actor, const char *kind, const char *subject,
                 json_t *payload, const char *sql, int *changes, int64_t *rowid,
                 struct gh_error *err, const struct db_bind *binds);

/* The hash of one entry, as defined above. */
void ledger_hash(const char *prev_hash, int64_t seq, const char *at, const char *actor,
                 const char *kind, const char *subject, const char *payload_json,
                 char out[LEDGER_HASH_HEX]);

struct ledger_check {
    int ok;             /* the chain and every checkpoint verify */
    int64_t entries;    /* entries read */
    int64_t first_bad;  /* seq of the first bad entry, 0 when ok */
    char problem[256];  /* what is wrong there, "" when ok */
    int64_t checkpoint; /* seq of the newest checkpoint, 0 when none */
};

/*
 * Verify the whole chain: no gap, every prev_hash and hash right, no time
 * going backwards, every checkpoint's signature valid, its hash equal to
 * the entry's, and the chain not shorter than the newest checkpoint.
 * progress (may be NULL) is called every 100,000 entries.
 */
int ledger_verify(struct db *db, struct ledger_check *out, void (*progress)(int64_t done),
                  struct gh_error *err);

/* One entry as the API shows it: {"seq", "at", "actor", "kind", "subject", "payload",
 * "payload_json", "prev_hash", "hash"}. */
json_t *ledger_entry_json(sqlite3_stmt *row);
/* The SELECT list ledger_entry_json() reads, for queries over the ledger table. */
#define LEDGER_COLUMNS "seq, at, actor, kind, subject, payload_json, prev_hash, hash"

/*
 * Sign the chain head: verifies the chain first (never signs an
 * inconsistent one) and records a checkpoint unless the head is already
 * signed. *seq receives the signed head (0 for an empty ledger).
 */
int ledger_checkpoint(struct db *db, const struct signkey *key, const char *origin, int64_t *seq,
                      struct gh_error *err);
/* The chain head's seq (0 for an empty ledger): its number of entries while it is intact. */
int ledger_head_seq(struct db *db, int64_t *seq, struct gh_error *err);

/* The newest checkpoint as the API shows it, or NULL (GH_NOT_FOUND) when none. */
json_t *ledger_latest_checkpoint(struct db *db, struct gh_error *err);

#endif
