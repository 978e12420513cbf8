/*
 * Gatehouse's records in words, and the pages they are about.
 *
 * A mission's timeline mixes facts from outside (error.detected, posted by
 * automation, which says what it means in its own payload) with events
 * Gatehouse records itself (approval.granted, gate.evaluated,
 * freeze.violated, ...), whose payload is the object they concern: an
 * approval, a gate decision, a violation. A person reading the timeline
 * should not have to read that JSON to learn that "bob approved
 * restart_service on payments-api". The wording rules live here, once, as
 * pure functions of an event's type and payload: the HTML timeline, the
 * timeline JSON (its "summary" and "link"), the live stream and
 * static/timeline.js all show what these return.
 *
 * The same goes for the ledger: its subjects ("approval:42",
 * "freeze:v0.02-final") name things that have pages, and subject_link()
 * says which.
 *
 * Every value taken from a payload is shown as plain text: control
 * characters and line breaks become spaces and a long value is cut with
 * "…", so a summary stays one line. Escaping for where it lands (HTML,
 * JSON) is the output layer's job, as everywhere. Links are paths on this
 * Gatehouse built only from values that pass the identifier rules
 * (integers, ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$ ids, usernames): a value
 * that does not gives no link, never a link somewhere else.
 */
#ifndef GH_EVENT_SUMMARY_H
#define GH_EVENT_SUMMARY_H

#include <jansson.h>

/* Room for a summary line (values in it are cut at EVENT_VALUE_CHARS characters). */
#define EVENT_SUMMARY_LEN 512
#define EVENT_VALUE_CHARS 60
/* Room for a link: a path on this Gatehouse such as "/approvals/42". */
#define PAGE_LINK_LEN 256

/* An event as people read it. */
struct event_words {
    char summary[EVENT_SUMMARY_LEN]; /* one line of text, "" when there is nothing to say */
    char link[PAGE_LINK_LEN];        /* the page it is about ("/approvals/42"), "" for none */
};

/* The source Gatehouse records its own events under; clients may not use it. */
#define EVENT_SOURCE_GATEHOUSE "gatehouse"

/*
 * Gatehouse's own event of type with its payload (may be NULL), in words:
 * "bob approved restart_service on payments-api", "gate of phase t8h
 * blocked by tag_detection: 2 of 3 criteria met", "freeze v0.02-final
 * violated: CHANGELOG.md was modified". A type without a rule of its own
 * is worded from its name ("ledger stale head"). Never fails.
 */
void event_summary(const char *type, json_t *payload, struct event_words *out);

/*
 * An event as the timeline shows it: Gatehouse's own (source "gatehouse")
 * through event_summary(); a client's keeps its own text (its payload's
 * "summary", "error", "title" or "message", the first that is a string;
 * "" when none) and has no link, since Gatehouse does not vouch for it.
 */
void event_describe(const char *source, const char *type, json_t *payload, struct event_words *out);

/*
 * The page a ledger subject names: "approval:42" → "/approvals/42",
 * "freeze:NAME", "deployment:ID", "mission:ID" → their pages, "plan:NAME"
 * → its document (/api/v1/plans/NAME), "user:NAME", "source:NAME",
 * "token:N", "webhook:N" (which have no page) → their history in the
 * ledger (/ledger?subject=...). Returns 1 with out set, or 0 with out ""
 * for a subject that names nothing known.
 */
int subject_link(const char *subject, char out[PAGE_LINK_LEN]);

#endif
