/*
 * Deployment plans: data, not code. A plan names its phases, each with an
 * offset from the deployment's start (T+8h), a title, how many users the
 * feature reaches while it lasts, and the criteria its gate applies (the
 * criterion engine's, see criteria.h); and the rollback triggers watched
 * throughout.
 *
 *   {"name": "t4-72h", "framework_version": "T4-v1.0", "description": "...",
 *    "phases": [{"id": "t8h", "at_hours": 8, "title": "First game-day drill",
 *                "flag_percent": 0, "flag_steps": [1, 5, 25],
 *                "criteria": [{"name", "metric", "op", "threshold", "aggregate",
 *                              "critical"}]}],
 *    "rollback_triggers": [{"name", "metric", "op", "threshold", "for_seconds",
 *                           "action"}]}
 *
 * Validation is strict and every problem names its JSON path
 * ("phases[2].criteria[0].op"): phase ids unique and shaped like client
 * ids, offsets increasing, criterion names unique within their phase,
 * operators and aggregates from the engine's sets, numeric thresholds.
 *
 * A phase's exposure (the share of users the feature reaches) is the
 * larger of flag_percent and its last flag step; a phase that says
 * neither keeps the exposure of the phase before it (0 for the first).
 *
 * Stored plans carry a revision that moves when their content changes. A
 * deployment keeps the plan it started with: storing a new revision never
 * changes a rollout under way.
 */
#ifndef GH_PLANS_H
#define GH_PLANS_H

#include <jansson.h>
#include <stdint.h>

#include "criteria.h"
#include "db.h"
#include "json.h"

#define PLAN_MAX_PHASES   32
#define PLAN_MAX_CRITERIA 50 /* per phase */
#define PLAN_MAX_TRIGGERS 32
#define PLAN_MAX_STEPS    10 /* flag steps per phase */

struct phase {
    char id[65];                       /* "t8h": ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$ */
    char title[801];                   /* up to 200 characters */
    double at_hours;                   /* offset from the deployment's start */
    int64_t offset_ms;                 /* the same in milliseconds */
    double flag_percent;               /* as written, or -1 when not said */
    double flag_steps[PLAN_MAX_STEPS]; /* increasing, 0..100 */
    int nsteps;                        /* entries in flag_steps */
    double exposure;                   /* see above: the users it reaches, 0..100 */
    struct criterion *criteria;        /* the gate's criteria (owned) */
    size_t ncriteria;                  /* entries in criteria */
};

struct plan {
    char name[65];              /* ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$ */
    char framework_version[65]; /* free text, e.g. "T4-v1.0" */
    char description[2001];     /* up to 500 characters */
    struct phase *phases;       /* in offset order (owned) */
    size_t nphases;             /* entries in phases */
    struct trigger *triggers;   /* watched throughout (owned) */
    size_t ntriggers;           /* entries in triggers */
};

/*
 * Read and validate a plan document into p (release with plan_free, also
 * on failure). name_from_path, when not NULL, is the name the document
 * must carry (or gets, when it says none). The read-only fields a stored
 * plan is shown with (revision, created_at, updated_at) are accepted and
 * ignored, so that a plan fetched can be put back. Returns 0 when valid.
 */
int plan_parse(json_t *doc, const char *name_from_path, struct plan *p, struct field_errors *e);
void plan_free(struct plan *p);
/* dst becomes a copy of src that owns its own arrays (release with plan_free). */
void plan_copy(struct plan *dst, const struct plan *src);

/* The canonical document of p (defaults written out), as stored and shown. */
json_t *plan_json(const struct plan *p);

/* The index of the phase under way at elapsed_ms after the start; -1 before the first. */
int plan_phase_at(const struct plan *p, int64_t elapsed_ms);
/* The index of the phase with this id, or -1. */
int plan_phase_index(const struct plan *p, const char *id);

/*
 * Store p as the plan of its name: a new plan (*outcome 201), a new
 * revision of a plan whose content changed (200), or nothing when the
 * same content is stored again (200, *changed 0). Records "plan.stored"
 * in the ledger with the document's SHA-256. *revision receives the
 * stored revision.
 */
int plan_store(struct db *db, int64_t now_ms, const char *actor, const struct plan *p, int *created,
               int *changed, int64_t *revision, struct gh_error *err);

/* The stored plan: its document plus "revision", "created_at", "updated_at"; GH_NOT_FOUND. */
json_t *plan_get(struct db *db, const char *name, struct gh_error *err);
/* Every stored plan, by name, as plan_get shows them. */
json_t *plans_list(struct db *db, struct gh_error *err);
/* Load and parse a stored plan into p (plan_free it); *revision (may be NULL) receives its
 * revision. */
int plan_load(struct db *db, const char *name, struct plan *p, int64_t *revision,
              struct gh_error *err);

#endif
