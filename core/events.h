/*
 * Events and missions. An event is a fact from outside (error.detected,
 * agentic.action_planned, ...) or from Gatehouse itself (approval.granted,
 * mission.closed, ...), carrying a mission and a correlation id; a
 * mission's timeline is its events in occurred_at order (ties by arrival).
 * An event naming an unknown mission opens it.
 */
#ifndef GH_EVENTS_H
#define GH_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "json.h"

/* ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$ */
int valid_event_type(const char *s);

/* One event as received, after validation. Strings are borrowed. */
struct event_in {
    const char *id;             /* the sender's idempotency key */
    const char *type;           /* e.g. "error.detected" */
    const char *mission_id;     /* NULL when none */
    const char *correlation_id; /* NULL when none */
    const char *source;         /* who sent it */
    int64_t occurred_ms;        /* when it happened (arrival when not given) */
    json_t *payload;            /* an object, borrowed */
    const char *webhook_id;     /* the webhook-id it arrived under, or NULL */
};

/*
 * Read one event object into ev, recording problems in e (field names are
 * prefixed with prefix, e.g. "events[3]."). Returns 0 when valid.
 * default_source is used when the event names none (and replaces it for
 * signed deliveries: the source's name is the truth).
 */
int event_parse(json_t *obj, const char *prefix, const char *default_source, int force_source,
                int64_t now_ms, struct event_in *ev, struct field_errors *e);

enum event_outcome { EVENT_ACCEPTED, EVENT_DUPLICATE };

/*
 * Store ev inside the caller's write transaction, opening its mission when
 * unknown and touching its activity time. *outcome says whether it was
 * new. *seq (may be NULL) receives its sequence number.
 */
int event_store(struct db *db, const struct event_in *ev, int64_t now_ms,
                enum event_outcome *outcome, int64_t *seq, struct gh_error *err);

/*
 * Gatehouse's own events: inside the caller's write transaction, store the
 * event (source "gatehouse"), append its ledger entry and queue its
 * webhooks — all or nothing with the change that caused it. The event
 * occurs at now_ms, the caller's clock (a worker run's --now, the demo's
 * story clock); the ledger entry is stamped with it too, never earlier
 * than the entry before. Webhooks carry webhook_data (borrowed) when
 * given, else the event itself.
 */
int record_event(struct db *db, int64_t now_ms, const char *actor, const char *type,
                 const char *mission_id, const char *correlation_id, const char *subject,
                 json_t *payload, json_t *webhook_data, struct gh_error *err);

/*
 * The public form of an event row (the EVENT_COLUMNS select list), with
 * "summary" and "link" (core/event_summary.h: Gatehouse's own events in
 * words and the page they are about; a client's event its own text and no
 * link; each null when there is none).
 */
#define EVENT_COLUMNS                                                                              \
    "seq, id, source, type, mission_id, correlation_id, occurred_at, received_at, payload_json"
json_t *event_json(sqlite3_stmt *row);

/* A mission with its counts by event type; GH_NOT_FOUND. */
json_t *mission_get(struct db *db, const char *id, struct gh_error *err);
/* How much of a mission to read: big missions make counting cost something. */
enum mission_detail {
    MISSION_HEAD,   /* the row only */
    MISSION_TOTAL,  /* and event_count, kept on the mission's row */
    MISSION_COUNTS, /* and the counts by type (mission_get) */
};
json_t *mission_read(struct db *db, const char *id, int detail, struct gh_error *err);
/* Room for a paging cursor ("<ms>.<tiebreak>"). */
#define MISSION_CURSOR_LEN 48

/*
 * A page of missions, newest activity first, as mission_read(detail)
 * objects; status (NULL: all) filters. next receives the next page's cursor
 * ("" at the end). A cursor this API did not give out is GH_INVALID.
 */
json_t *missions_list(struct db *db, const char *status, const char *cursor, int limit, int detail,
                      char next[MISSION_CURSOR_LEN], struct gh_error *err);
/* A page of a mission's timeline (occurred_at order, ties by arrival), as event_json objects. */
json_t *timeline_page(struct db *db, const char *mission_id, const char *cursor, int limit,
                      char next[MISSION_CURSOR_LEN], struct gh_error *err);

/* Close an active mission (status resolved, failed or rolled_back): records mission.closed. */
int mission_close(struct db *db, const char *actor, const char *id, const char *status,
                  const char *summary, struct gh_error *err);

#endif
