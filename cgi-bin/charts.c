/* Charts on pages (see charts.h). */
#include "charts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/charts.h"

void sparkline_fill(struct tpl_dict *d, json_t *series, int64_t t0, int64_t t1, int has_threshold,
                    double threshold, const char *label)
{
    size_t n = json_array_size(series);
    int64_t *t = xcalloc(n + 1, sizeof(*t));
    double *avg = xcalloc(n + 1, sizeof(*avg)), *lo = xcalloc(n + 1, sizeof(*lo)),
           *hi = xcalloc(n + 1, sizeof(*hi)), *all = xcalloc(2 * n + 1, sizeof(*all));
    struct chart_frame f;
    struct buf points = BUF_INIT;
    json_t *p;
    size_t i;

    tpl_set_int(d, "W", SPARK_W);
    tpl_set_int(d, "H", SPARK_H);
    tpl_set(d, "LABEL", label);
    json_array_foreach(series, i, p)
    {
        t[i] = json_integer_value(json_array_get(p, 0));
        avg[i] = json_number_value(json_array_get(p, 1));
        lo[i] = all[2 * i] = json_number_value(json_array_get(p, 2));
        hi[i] = all[2 * i + 1] = json_number_value(json_array_get(p, 3));
    }
    chart_frame_fit(&f, SPARK_W, SPARK_H, t0, t1, all, 2 * n, &threshold, has_threshold ? 1 : 0);
    if (n == 0) {
        tpl_show(d, "EMPTY");
    } else if (n == 1) {
        struct tpl_dict *dot = tpl_section(d, "DOT");
        chart_tenths(&points, chart_x(&f, t[0]));
        tpl_set(dot, "X", buf_str(&points));
        buf_reset(&points);
        chart_tenths(&points, chart_y(&f, avg[0]));
        tpl_set(dot, "Y", buf_str(&points));
        buf_reset(&points);
    } else {
        /* The band: along the minimums, back along the maximums. */
        chart_points(&f, t, lo, n, &points);
        for (size_t k = n; k-- > 0;)
            chart_point(&points, " ", chart_x(&f, t[k]), chart_y(&f, hi[k]));
        tpl_set(tpl_section(d, "BAND"), "POINTS", buf_str(&points));
        buf_reset(&points);
        chart_points(&f, t, avg, n, &points);
        tpl_set(tpl_section(d, "LINE"), "POINTS", buf_str(&points));
    }
    if (has_threshold) {
        buf_reset(&points);
        chart_tenths(&points, chart_y(&f, threshold));
        tpl_set(tpl_section(d, "THRESHOLD"), "Y", buf_str(&points));
    }
    buf_free(&points);
    free(t);
    free(avg);
    free(lo);
    free(hi);
    free(all);
}

/* The progress bar's viewBox width; ticks and the filled part are placed along it. */
#define PROGRESS_W 1000.0

void progress_fill(struct tpl_dict *d, json_t *milestones, double elapsed_hours, double total_hours,
                   const char *label)
{
    double span = total_hours > 0 ? total_hours : 1, done;
    json_t *m;
    size_t i, n = json_array_size(milestones);
    char v[32];

    done = elapsed_hours <= 0      ? 0
           : elapsed_hours >= span ? PROGRESS_W
                                   : elapsed_hours / span * PROGRESS_W;
    snprintf(v, sizeof(v), "%.0f", done);
    tpl_set(d, "DONE_W", v);
    tpl_set(d, "LABEL", label);
    json_array_foreach(milestones, i, m)
    {
        double h = json_number_value(json_object_get(m, "at_hours"));
        struct tpl_dict *tick = tpl_section(d, "TICK");
        snprintf(v, sizeof(v), "%.0f", h / span * PROGRESS_W);
        tpl_set(tick, "X", v);
        snprintf(v, sizeof(v), "T+%gh", h);
        tpl_set(tick, "TEXT", v);
        /* The first and last labels stay inside the bar. */
        tpl_set(tick, "ANCHOR", i == 0 ? "start" : i + 1 == n ? "end" : "middle");
        if (h <= elapsed_hours)
            tpl_show(tick, "PASSED");
    }
}

/* ---- dashboard charts ---- */

/*
 * The viewBox is ten units a pixel of the chart's natural size, so every
 * coordinate is a whole number: no floating-point formatting per element.
 */
#define DAY_MS 86400000LL
#define AXIS_H 140.0 /* room under the plot for the dates */
#define PLOT_H ((double)DASH_H - AXIS_H)
#define PLOT_T 80.0 /* room above the top gridline */

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "Dec 6" for a day's column, "Dec 6 14:00" for an hour's. */
static void column_date(int64_t start_ms, int64_t step_ms, char *out, size_t size)
{
    time_t t = (time_t)(start_ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    if (step_ms >= DAY_MS)
        snprintf(out, size, "%s %d", months[tm.tm_mon], tm.tm_mday);
    else
        snprintf(out, size, "%s %d %02d:00", months[tm.tm_mon], tm.tm_mday, tm.tm_hour);
}

static void set_num(struct tpl_dict *d, const char *key, double v)
{
    tpl_set_int(d, key, llround(v));
}

static double y_of(double v, double top)
{
    return PLOT_T + (1 - v / top) * (PLOT_H - PLOT_T);
}

/* Gridlines, dates, legend and the per-column titles both chart kinds share. */
static void frame_fill(struct tpl_dict *d, const char *id, const char *label,
                       const struct chart_columns *c, const struct chart_series *s, size_t k,
                       double top)
{
    double w = (double)DASH_W / (double)c->n;
    struct buf tip = BUF_INIT;
    char text[64];

    tpl_set(d, "ID", id);
    tpl_set(d, "LABEL", label);
    tpl_set_int(d, "W", DASH_W);
    tpl_set_int(d, "H", DASH_H);
    set_num(d, "BASE", PLOT_H);
    set_num(d, "CW", w); /* sections read these from here: one value per chart */
    set_num(d, "CH", PLOT_H);
    set_num(d, "BW", w * 0.8);
    for (int g = 1; g <= 2; g++) {
        struct tpl_dict *grid = tpl_section(d, "GRID");
        set_num(grid, "Y", y_of(top * g / 2, top));
        set_num(grid, "TY", y_of(top * g / 2, top) + 160); /* under its line: never clipped */
        c->format(top * g / 2, text, sizeof(text));
        tpl_set(grid, "TEXT", text);
    }
    /* Dates under the first, middle and last columns. */
    for (size_t m = 0; m < 3 && m < c->n; m++) {
        size_t i = m == 0 ? 0 : m == 1 ? c->n / 2 : c->n - 1;
        struct tpl_dict *date = tpl_section(d, "DATE");
        column_date(c->starts[i], c->step_ms, text, sizeof(text));
        tpl_set(date, "TEXT", text);
        /* The first and last dates stay inside the chart. */
        set_num(date, "X", i == 0 ? 0 : i + 1 >= c->n ? DASH_W : ((double)i + 0.5) * w);
        tpl_set(date, "ANCHOR", i == 0 ? "start" : i + 1 >= c->n ? "end" : "middle");
    }
    for (size_t j = 0; j < k; j++) {
        struct tpl_dict *key = tpl_section(d, "LEGEND");
        tpl_set(key, "NAME", s[j].name);
        tpl_set(key, "CSS", s[j].css);
    }
    /* A column's title says every series' value there: what a pointer or a reader hears. */
    for (size_t i = 0; i < c->n; i++) {
        struct tpl_dict *col = tpl_section(d, "COL");
        buf_reset(&tip);
        column_date(c->starts[i], c->step_ms, text, sizeof(text));
        buf_printf(&tip, "%s:", text);
        for (size_t j = 0; j < k; j++) {
            if (isnan(s[j].values[i])) {
                buf_printf(&tip, "%s %s none", j ? "," : "", s[j].name);
                continue;
            }
            c->format(s[j].values[i], text, sizeof(text));
            buf_printf(&tip, "%s %s %s", j ? "," : "", s[j].name, text);
        }
        tpl_set(col, "TIP", buf_str(&tip));
        set_num(col, "X", (double)i * w);
    }
    buf_free(&tip);
}

static double column_max(const struct chart_columns *c, const struct chart_series *s, size_t k,
                         int stacked)
{
    double max = 0;

    for (size_t i = 0; i < c->n; i++) {
        double sum = 0;
        for (size_t j = 0; j < k; j++) {
            double v = isnan(s[j].values[i]) ? 0 : s[j].values[i];
            sum = stacked ? sum + v : fmax(sum, v);
        }
        max = fmax(max, sum);
    }
    return max;
}

void bars_fill(struct tpl_dict *d, const char *id, const char *label, const struct chart_columns *c,
               const struct chart_series *s, size_t k)
{
    double top = chart_nice_ceiling(column_max(c, s, k, 1)), w = (double)DASH_W / (double)c->n;

    frame_fill(d, id, label, c, s, k, top);
    for (size_t i = 0; i < c->n; i++) {
        double base = 0;
        for (size_t j = 0; j < k; j++) {
            double v = isnan(s[j].values[i]) ? 0 : s[j].values[i];
            struct tpl_dict *bar;
            if (v <= 0)
                continue;
            bar = tpl_section(d, "BAR");
            tpl_set(bar, "CSS", s[j].css);
            set_num(bar, "X", (double)i * w + w * 0.1);
            set_num(bar, "Y", y_of(base + v, top));
            set_num(bar, "BH", y_of(base, top) - y_of(base + v, top));
            base += v;
        }
    }
}

void lines_fill(struct tpl_dict *d, const char *id, const char *label,
                const struct chart_columns *c, const struct chart_series *s, size_t k)
{
    double top = chart_nice_ceiling(column_max(c, s, k, 0)), w = (double)DASH_W / (double)c->n;
    struct buf points = BUF_INIT;

    frame_fill(d, id, label, c, s, k, top);
    for (size_t j = 0; j < k; j++) {
        struct tpl_dict *line = tpl_section(d, "LINE");
        tpl_set(line, "CSS", s[j].css);
        buf_reset(&points);
        for (size_t i = 0; i < c->n; i++) {
            struct tpl_dict *dot;
            if (isnan(s[j].values[i]))
                continue; /* no value: the line joins its neighbours, no dot */
            buf_printf(&points, "%s%lld,%lld", points.len ? " " : "",
                       llround(((double)i + 0.5) * w), llround(y_of(s[j].values[i], top)));
            dot = tpl_section(line, "DOT");
            set_num(dot, "X", ((double)i + 0.5) * w);
            set_num(dot, "Y", y_of(s[j].values[i], top));
        }
        tpl_set(line, "POINTS", buf_str(&points));
    }
    buf_free(&points);
}
