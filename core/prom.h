/*
 * The Prometheus text exposition format, version 0.0.4: what /metrics
 * answers. A family is written as its HELP and TYPE lines followed by its
 * samples, each "name{label="value",...} value". Histograms are written
 * whole for one label set: a cumulative "_bucket" per upper bound with
 * le="..." (the last is le="+Inf"), then "_sum" and "_count", where
 * _count is the +Inf bucket by construction, so the two always agree.
 *
 * Label values are escaped as the format demands (backslash, double
 * quote and newline become \\, \" and \n) and made valid UTF-8 (bytes
 * that are not become \xNN), so no value can end a label early or forge
 * a series. Metric and label names come from code, never from a client:
 * a name that is not [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no colon, and not
 * starting with "__") is a bug, and the sample is left out and logged
 * rather than written broken.
 *
 * Everything appends to a struct buf; nothing here allocates otherwise.
 */
#ifndef GH_PROM_H
#define GH_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM };

/* Whether name is a valid metric name, and a valid label name. */
int prom_metric_name_ok(const char *name);
int prom_label_name_ok(const char *name);

/* A family's "# HELP name help" and "# TYPE name type" lines (help: \ and newline escaped). */
void prom_family(struct buf *out, const char *name, enum prom_type type, const char *help);

/*
 * Labels are given as a NULL-terminated list of name, value pairs:
 *   const char *labels[] = {"route", "/healthz", "method", "GET", NULL};
 * NULL (no list) means no labels.
 */

/* One sample with a floating value (NaN and infinities as the format spells them). */
void prom_sample(struct buf *out, const char *name, const char *const *labels, double value);
/* One sample with an integer value, written exactly. */
void prom_sample_int(struct buf *out, const char *name, const char *const *labels, int64_t value);

/*
 * A histogram's series for one label set: bounds (nbounds upper bounds,
 * increasing, finite) and counts, nbounds + 1 observation counts per
 * bucket, NOT cumulative (counts[nbounds] holds those above the last
 * bound); sum is the sum of the observations. Writes name_bucket lines
 * with cumulative counts and le (the last le="+Inf"), name_sum and
 * name_count (equal to the +Inf bucket).
 */
void prom_histogram(struct buf *out, const char *name, const char *const *labels,
                    const double *bounds, size_t nbounds, const uint64_t *counts, double sum);

/* Append value as a label value: escaped, valid UTF-8, without the quotes. */
void prom_label_value(struct buf *out, const char *value);
/* Append a float as the format writes it: shortest exact decimal, "NaN", "+Inf", "-Inf". */
void prom_float(struct buf *out, double value);

#endif
