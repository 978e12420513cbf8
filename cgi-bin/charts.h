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

/* The dashboard charts' viewBox: ten units a pixel of their natural size (600 x 160). */
#define DASH_W 6000
#define DASH_H 1600

/* One series of a dashboard chart: a value per column (NAN: none), drawn with class css. */
struct chart_series {
    const char *name; /* for the legend and each column's title */
    const char *css;  /* its class in static/gatehouse.css */
    const double *values;
};

/* Columns across a dashboard chart: n buckets of step_ms from starts[0]. */
struct chart_columns {
    const int64_t *starts;
    size_t n;
    int64_t step_ms;
    /* How a value reads in titles and on the axis ("12 min", "98.5 %", "1,204"). */
    void (*format)(double v, char *out, size_t size);
};

/*
 * Fill templates/bars.tpl's dictionary d: a bar per column, the k series
 * stacked, a gridline at half and full height with their values, dates
 * under the first, middle and last columns, and a title per column
 * naming each series' value. id makes the SVG's title id unique on the
 * page; label is the chart's accessible title.
 */
void bars_fill(struct tpl_dict *d, const char *id, const char *label, const struct chart_columns *c,
               const struct chart_series *s, size_t k);

/* Fill templates/lines.tpl's dictionary d: as bars_fill, a line and dots per series. */
void lines_fill(struct tpl_dict *d, const char *id, const char *label,
                const struct chart_columns *c, const struct chart_series *s, size_t k);

#endif
