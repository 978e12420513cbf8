/*
 * Freezes: their storage, the checks that verify them, the violations
 * those find, and the windows during which approvals need break-glass.
 * The decisions themselves (paths, globs, windows, what a check changes)
 * are freeze_rules.h's; reading the files is freeze_scan.h's.
 *
 * A freeze is a name, a manifest of artifacts (path, SHA-256, size) and
 * optionally a configured root to re-hash them under, a window, and a
 * closed-set flag (files the walk finds beyond the manifest are then
 * unexpected). Its state is `unverified` until a check, then `intact` or
 * `violated` as the latest check found. Every change runs in one write
 * transaction with its ledger entry: freeze.created and freeze.lifted are
 * also events (so the events epoch moves and cached banners refresh),
 * freeze.violated and freeze.restored are events with webhooks, one per
 * violation, and each check is a freeze.checked ledger entry.
 *
 * The freeze object is API.md's: {"name", "description", "root", "window",
 * "artifact_count", "state", "last_check", "violations" (the standing
 * ones), "in_effect"}, plus "closed", "include", "total_bytes",
 * "manifest_sha256", "open_violations" (how many stand; "violations" shows
 * at most FREEZE_VIOLATIONS_SHOWN), "created_at" and "created_by".
 */
#ifndef GH_FREEZES_H
#define GH_FREEZES_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "freeze_rules.h"
#include "freeze_scan.h"
#include "json.h"

#define FREEZE_DESCRIPTION_MAX  2000
#define FREEZE_INCLUDE_MAX      64
#define FREEZE_ARTIFACTS_MAX    1000000
#define FREEZE_COMMENT_MAX      2000
#define FREEZE_VIOLATIONS_SHOWN 500
/* Room for a paging cursor. */
#define FREEZE_CURSOR_LEN 32

/* Who acts, when, and where the pages are (links in webhooks). */
struct freeze_actor {
    const char *username;   /* "cli:<login>", "worker", or a user */
    const char *public_url; /* base URL of the pages */
    int64_t now_ms;         /* the clock of the change (a worker's --now) */
};

/* A freeze as created, after validation. Strings are borrowed; the arrays are owned. */
struct freeze_input {
    const char *name;        /* ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$ */
    const char *description; /* 0..2000 characters */
    const char *root;        /* a configured root's name, or NULL */
    int closed;              /* 1: a closed set (needs a root) */
    const char **include;    /* the walk's globs */
    size_t ninclude;
    struct freeze_window window; /* .has = 0: none */
    struct artifact *artifacts;  /* sorted by path, unique */
    size_t nartifacts;
};

/* Read a POST /api/v1/freezes body into in (release with freeze_input_free). 0 when valid. */
int freeze_parse(json_t *body, struct freeze_input *in, struct field_errors *e);
void freeze_input_free(struct freeze_input *in);

/*
 * Sort a manifest by path. Returns 0, or -1 with *dup at the first path
 * listed twice.
 */
int manifest_sort(struct artifact *a, size_t n, const char **dup);
/* The digest that identifies a sorted manifest: two manifests are the same when these are. */
void manifest_digest(const struct artifact *a, size_t n, unsigned char out[SHA256_BYTES]);

/*
 * Create a freeze. The same name with the same manifest again changes
 * nothing and answers the freeze as it stands (*created = 0); another
 * manifest is GH_CONFLICT. *out receives the freeze (caller decrefs).
 */
int freeze_create(struct db *db, const struct freeze_actor *who, const struct freeze_input *in,
                  json_t **out, int *created, struct gh_error *err);

/*
 * Create freeze in->name from the files under the configured root
 * in->root: walk it with in->include, hash every file, and create the
 * freeze with that manifest (in->artifacts is ignored). A root missing from
 * the configuration is GH_INVALID; a link out of the root, or a name that
 * is not printable UTF-8, among the files the globs take is GH_INVALID
 * naming it; no file at all is GH_INVALID. Otherwise as freeze_create().
 */
int freeze_create_over_root(struct db *db, const struct config *cfg, const struct freeze_actor *who,
                            const struct freeze_input *in, scan_progress_fn progress,
                            void *progress_arg, json_t **out, int *created, struct gh_error *err);

/* The freeze object; GH_NOT_FOUND. */
json_t *freeze_get(struct db *db, const char *name, int64_t now_ms, struct gh_error *err);
/* A page of freezes, newest first. A cursor this API did not give out is GH_INVALID. */
json_t *freezes_list(struct db *db, const char *cursor, int limit, int64_t now_ms,
                     char next[FREEZE_CURSOR_LEN], struct gh_error *err);
/* A page of a freeze's manifest in path order: {"path", "sha256", "size"}. */
json_t *freeze_artifacts_page(struct db *db, const char *name, const char *cursor, int limit,
                              char next[FREEZE_CURSOR_LEN], struct gh_error *err);
/* A page of its checks, newest first. */
json_t *freeze_checks_page(struct db *db, const char *name, const char *cursor, int limit,
                           char next[FREEZE_CURSOR_LEN], struct gh_error *err);
/* A page of all its violations, standing or not, newest first. */
json_t *freeze_violations_page(struct db *db, const char *name, const char *cursor, int limit,
                               char next[FREEZE_CURSOR_LEN], struct gh_error *err);

/* End the window now (admin): GH_CONFLICT when there is none to end. *out: the freeze. */
int freeze_lift(struct db *db, const struct freeze_actor *who, const char *name, json_t **out,
                struct gh_error *err);
/* Acknowledge violation vid with a comment, once (GH_CONFLICT after). *out: the violation. */
int freeze_ack(struct db *db, const struct freeze_actor *who, const char *name, int64_t vid,
               const char *comment, json_t **out, struct gh_error *err);

/* A freeze as a check needs it: identity, where its files are, and the manifest. */
struct freeze_manifest {
    int64_t id;
    char *name;
    char *root;     /* NULL: reports only */
    int closed;     /* a closed set */
    char **include; /* the walk's globs */
    size_t ninclude;
    struct artifact *items; /* sorted by path; paths owned */
    size_t count;
};
int freeze_manifest_load(struct db *db, const char *name, struct freeze_manifest *m,
                         struct gh_error *err);
void freeze_manifest_free(struct freeze_manifest *m);

/*
 * The names of the freezes that have a root, least recently checked first,
 * and when each was last checked (0: never). The caller frees both
 * (freeze_names_free, free).
 */
int freezes_with_root(struct db *db, char ***names, int64_t **last_checked_ms, size_t *count,
                      struct gh_error *err);
void freeze_names_free(char **names, size_t count);

/* What one check found. */
struct freeze_check_input {
    const char *source;             /* "worker", "cli" or "report" */
    int64_t checked_ms;             /* when the files were looked at */
    int64_t artifacts_checked;      /* paths looked at */
    int64_t bytes_hashed;           /* bytes read (0 for reports) */
    const struct finding *findings; /* sorted by path */
    size_t nfindings;
};

/*
 * Record a check of freeze m->id in one write transaction: the check row,
 * new violations (freeze.violated each), restored ones (freeze.restored
 * each), superseded ones, the freeze's state, and a freeze.checked ledger
 * entry. *out (may be NULL) receives the check object.
 */
int freeze_record_check(struct db *db, const struct freeze_actor *who,
                        const struct freeze_manifest *m, const struct freeze_check_input *in,
                        json_t **out, struct gh_error *err);

/*
 * Verify freeze name now (at who->now_ms) under its configured root: hash
 * every artifact (and, for a closed set, walk for unexpected files), then
 * record the check. source is "worker" or "cli". progress (may be NULL)
 * is called after every file hashed. *check (may be NULL) receives the
 * check object. A freeze without a root is GH_CONFLICT; a root missing
 * from the configuration, a root that cannot be opened or a file that
 * cannot be read fails with nothing recorded (an unmounted disk is not a
 * thousand missing files).
 */
int freeze_verify(struct db *db, const struct config *cfg, const struct freeze_actor *who,
                  const char *source, const char *name, scan_progress_fn progress,
                  void *progress_arg, json_t **check, struct gh_error *err);

/* An external guardian's complete listing, after validation. */
struct freeze_report {
    int64_t checked_ms;         /* when it looked (default: when it arrived) */
    struct observation *listed; /* sorted by path, unique; paths borrowed from the body */
    size_t count;
};
int freeze_report_parse(json_t *body, int64_t now_ms, struct freeze_report *r,
                        struct field_errors *e);
void freeze_report_free(struct freeze_report *r);
/* Record a report as a check of freeze name; *out receives the freeze as it now stands. */
int freeze_report_record(struct db *db, const struct freeze_actor *who, const char *name,
                         const struct freeze_report *r, json_t **out, struct gh_error *err);

/*
 * Whether any freeze window is in effect at now_ms (approvals ask this on
 * every filing and vote, inside their transaction).
 */
int freeze_window_in_effect(struct db *db, int64_t now_ms, int *in_effect, struct gh_error *err);

/* What the banner on every page says: the freezes whose window is in effect. */
#define FREEZE_BANNER_SHOWN 3
struct freeze_banner {
    int count;                             /* windows in effect */
    char names[FREEZE_BANNER_SHOWN][65];   /* the first few, soonest to end first */
    char ends_at[FREEZE_BANNER_SHOWN][32]; /* RFC 3339 */
};
/*
 * The banner, cached per thread until the events epoch moves (a freeze
 * created or lifted records an event) or a window starts or ends: most
 * pages pay one atomic load for it. 0, or -1 when the database could not
 * be read (the page then shows none).
 */
int freeze_banner_get(struct db *db, int64_t now_ms, struct freeze_banner *b);

/* GET /api/v1/freeze-status: {"in_effect", "freezes": [freezes whose window covers now]}. */
json_t *freeze_status(struct db *db, int64_t now_ms, struct gh_error *err);
/*
 * The summary the dashboard shows: {"total", "unverified", "intact",
 * "violated", "in_effect", "in_effect_freezes": [{"name", "ends_at"}],
 * "open_violations", "unacknowledged_violations"}.
 */
json_t *freeze_summary(struct db *db, int64_t now_ms, struct gh_error *err);

#endif
