/*
 * Silent sources: the failure nobody notices. Every inbound source and
 * every worker job has an expected cadence; one that stays silent beyond
 * it records source.silent once (event, ledger entry, webhook), and
 * source.resumed when it speaks again. The worker's watch-sources job
 * judges them on its own clock (--now).
 *
 * Sources:
 *   - an inbound source is the name its events carry (events.source): a
 *     registered webhook source's name for signed deliveries, the sender's
 *     "source" field or its username for events posted with a token.
 *     Watched are the configured ones (source_cadence.NAME), the
 *     registered ones, and every source with an event since the watch
 *     began, or in the 7 days before (Gatehouse's own events, source
 *     "gatehouse", are not a source). Speaking is an event arriving
 *     (received_at). The watch reads the events that arrived since its
 *     last run by seq (a rowid range), so ingestion pays for no index of
 *     its own; cadences are learned in one pass over the last 7 days.
 *   - a worker job is the source "worker/NAME" ('/' cannot occur in an
 *     inbound source's name); speaking is finishing a run successfully.
 *
 * Cadences:
 *   - configured: source_cadence.NAME = SECONDS; silent beyond that
 *     (0: never judged silent);
 *   - learned, for an inbound source not configured: the 99th percentile
 *     of the gaps between its arrivals over the last 7 days, once it has
 *     at least SILENCE_MIN_ARRIVALS arrivals there (arrivals less than a
 *     second apart count as one: a batch is one arrival). Silent beyond
 *     twice that, and never sooner than SILENCE_MIN_GAP_MS: by definition
 *     one gap in a hundred is longer than the 99th percentile, so the
 *     percentile alone would cry wolf about once a day for a source that
 *     speaks every quarter hour. Learned again every SILENCE_RELEARN_MS.
 *     Fewer arrivals: no expectation yet, never judged silent;
 *   - a job: its period (every-run jobs: a minute), silent beyond three
 *     periods without a success (the rule that makes it stale on /status).
 * A source never heard from (configured, or a job that never succeeded)
 * is judged from when the watch first saw it.
 */
#ifndef GH_SILENCE_H
#define GH_SILENCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"

#define SILENCE_MIN_ARRIVALS 20               /* before a cadence is learned */
#define SILENCE_WINDOW_MS    (7LL * 86400000) /* learned from this much history */
#define SILENCE_MIN_GAP_MS   (2LL * 60000)    /* a learned threshold is never shorter */
#define SILENCE_RELEARN_MS   (3600LL * 1000)  /* how often a cadence is learned again */
#define SILENCE_BATCH_MS     1000             /* arrivals closer than this are one */
#define SILENCE_MAX_READ     100000           /* newest arrivals read to learn from */

/*
 * The 99th percentile (nearest rank) of the gaps between arrivals
 * (milliseconds, any order; sorted in place), arrivals closer than
 * SILENCE_BATCH_MS counting as one. 0 with *p99_ms set, or -1 when fewer
 * than SILENCE_MIN_ARRIVALS distinct arrivals.
 */
int silence_learn(int64_t *arrivals, size_t n, int64_t *p99_ms);

/* A source as the judge sees it. */
struct silence_state {
    int64_t threshold_ms;        /* silent beyond this gap; 0: never judged silent */
    int64_t last_seen_ms;        /* its latest arrival (or success), 0: never */
    int64_t watched_since_ms;    /* when the watch first saw it */
    int silent;                  /* silence has been recorded and it has not spoken since */
    int64_t silent_last_seen_ms; /* last_seen_ms when silence was recorded */
};

enum silence_change { SILENCE_SAME, SILENCE_BEGINS, SILENCE_ENDS };

/*
 * What changes at now_ms: a silent source that has spoken since (an
 * arrival newer than the one known when it fell silent) resumes; one that
 * is not silent falls silent once its gap — since its last arrival, or
 * since the watch began for one never heard — exceeds the threshold.
 */
enum silence_change silence_judge(const struct silence_state *s, int64_t now_ms);

/* What a watch run did. */
struct silence_report {
    int watched;  /* sources looked at */
    int silenced; /* source.silent recorded */
    int resumed;  /* source.resumed recorded */
    int learning; /* inbound sources without a cadence yet */
};

/*
 * The watch-sources job at now_ms: find every source, learn cadences that
 * are due, judge each and record what changed, each change in its own
 * write transaction (the event, its ledger entry and webhook, the state).
 */
int silence_watch(struct db *db, const struct config *cfg, int64_t now_ms,
                  struct silence_report *rep, struct gh_error *err);

/*
 * Every watched source, silent ones first, then by name, as the dashboard
 * and /status show them: [{"source", "kind" ("source"|"job"), "silent",
 * "silent_since", "last_seen_at" (an inbound source's as the watch last
 * read it; a job's as of now), "expected_seconds" (null while
 * learning), "cadence" ("configured"|"learned"|"period"|null),
 * "threshold_seconds", "watched_since"}]. now_ms is unused today but
 * keeps the signature of the other summaries.
 */
json_t *sources_silent_list(struct db *db, const struct config *cfg, int64_t now_ms,
                            struct gh_error *err);

/* For /metrics: each watched source's name and whether it is silent, by name. */
struct silence_flag {
    char *source; /* the source */
    int silent;   /* 1 or 0 */
};
int silence_flags(struct db *db, struct silence_flag **flags, size_t *n, struct gh_error *err);
void silence_flags_free(struct silence_flag *flags, size_t n);

#endif
