/* What the demo's parts share (demo.c plays them in time order). */
#ifndef GH_ADMIN_DEMO_H
#define GH_ADMIN_DEMO_H

#include <stdint.h>

#include "../core/db.h"

/* The demo deployment's id, and how long before the demo is loaded it began. */
#define DEMO_DEPLOYMENT        "safety-tags-v1-demo"
#define DEMO_DEPLOYMENT_AGE_MS (30LL * 3600 * 1000)

/*
 * The demo deployment's story up to until (the start of the approval
 * demo's story), on the sample plan, which must be stored. now is when the
 * demo is loaded.
 */
int demo_deployment_begin(struct db *db, const char *public_url, int64_t now, int64_t until,
                          struct gh_error *err);
/* The rest of its samples, from where begin stopped (until) up to now, after the approval demo. */
int demo_deployment_finish(struct db *db, int64_t now, int64_t until, struct gh_error *err);

#endif
