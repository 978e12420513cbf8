/*
 * Alarms about the ledger itself, the same kind of alarm as a silent
 * source: the worker's watch-ledger job looks at every entry's seq and
 * time (from the index ledger_times, not the table) and at the newest
 * signed checkpoint, and records each problem once — an event
 * "ledger.alarm" with its ledger entry and webhook, and a row of
 * ledger_alarms keyed by (kind, seq):
 *   - gap: entries missing (the first missing seq; also a chain shorter
 *     than its newest checkpoint);
 *   - time_reversal: an entry stamped earlier than the one before it.
 *     ledger_append never stamps an entry earlier than the head, so this
 *     only comes from a hand on the file;
 *   - stale_head: an entry left unsigned for longer than two periods of
 *     the sign-checkpoint job (the first unsigned seq): the worker is not
 *     signing, or cannot (sign-checkpoint refuses a broken chain).
 * The hashes themselves are verify-ledger's business (hourly, and before
 * every signature); this watch is cheap enough to run every minute.
 */
#ifndef GH_LEDGER_WATCH_H
#define GH_LEDGER_WATCH_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"

enum ledger_alarm_kind { LEDGER_ALARM_GAP, LEDGER_ALARM_TIME_REVERSAL, LEDGER_ALARM_STALE_HEAD };
#define LEDGER_ALARM_KINDS 3
/* "gap", "time_reversal", "stale_head". */
extern const char *const ledger_alarm_names[LEDGER_ALARM_KINDS];

/* At most this many new alarms of a kind are recorded a run; the next run takes the rest. */
#define LEDGER_ALARMS_PER_RUN 100

/*
 * The watch-ledger job at now_ms: a head is stale when its first unsigned
 * entry is older than 2 x sign_period_s. *recorded receives the number of
 * new alarms, per kind.
 */
int ledger_watch(struct db *db, int64_t now_ms, int sign_period_s, int recorded[LEDGER_ALARM_KINDS],
                 struct gh_error *err);

/* How many alarms of each kind were ever recorded (for /metrics). */
int ledger_alarm_counts(struct db *db, int64_t counts[LEDGER_ALARM_KINDS], struct gh_error *err);

/* The newest alarms first, at most limit: [{"kind", "seq", "detected_at", "detail"}]. */
json_t *ledger_alarms_recent(struct db *db, int limit, struct gh_error *err);

#endif
