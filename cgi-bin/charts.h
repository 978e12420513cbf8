/*
 * Charts on pages, drawn server-side as inline SVG: templates hold the
 * markup, these functions fill it with numbers (core/charts.c does the
 * geometry). No chart library, no JavaScript; every chart has a title.
 */
#ifndef GH_CGI_CHARTS_H
#define GH_CGI_CHARTS_H

#include <jansson.h>
#include <stdint.h>

#include "../core/tpl.h"

/* The sparkline viewBox. */
#define SPARK_W 160
#define SPARK_H 32

/*
 * Fill templates/spark.tpl's dictionary d from a series [[t_ms, avg, min,
 * max], ...] across [t0, t1]: the average as a line, the min..max band
 * behind it, and the threshold (when has_threshold) as a dashed line that
 * stays in view. label is the chart's accessible title.
 */
void sparkline_fill(struct tpl_dict *d, json_t *series, int64_t t0, int64_t t1, int has_threshold,
                    double threshold, const char *label);

/*
 * Fill a phase progress bar (templates/progress.tpl): a tick per
 * milestone ([{"id", "at_hours"}]) along 0..total_hours, and the part done
 * up to elapsed_hours.
 */
void progress_fill(struct tpl_dict *d, json_t *milestones, double elapsed_hours, double total_hours,
                   const char *label);

#endif
