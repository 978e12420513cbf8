/*
 * Metric samples as clients post them: {"samples": [{"name", "value",
 * "at"}]}, up to SAMPLES_MAX a call. Deployments (gates, triggers) and
 * approval contracts take the same batches; this is their one reader.
 */
#ifndef GH_SAMPLES_H
#define GH_SAMPLES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "criteria.h"
#include "json.h"

/* The most samples one POST may carry. */
#define SAMPLES_MAX 5000

/* One metric sample as posted. */
struct sample_in {
    char metric[CRIT_METRIC_LEN]; /* valid_metric_name() */
    int64_t at_ms;                /* when it was measured (arrival when not said) */
    double value;                 /* finite */
};

/*
 * Read {"samples": [{"name", "value", "at"}, ...]} (1..SAMPLES_MAX); every
 * problem names its sample ("samples[12].value"), 50 at most. A time more
 * than a day after now_ms is refused as a typo. *out (caller frees)
 * receives them in the order sent. Returns 0 when valid.
 */
int samples_parse(json_t *body, int64_t now_ms, struct sample_in **out, size_t *n,
                  struct field_errors *e);

#endif
