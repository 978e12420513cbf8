/* Charts on pages (see charts.h). */
#include "charts.h"

#include <stdio.h>
#include <stdlib.h>

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
        char v[32];
        snprintf(v, sizeof(v), "%.1f", chart_x(&f, t[0]));
        tpl_set(dot, "X", v);
        snprintf(v, sizeof(v), "%.1f", chart_y(&f, avg[0]));
        tpl_set(dot, "Y", v);
    } else {
        /* The band: along the minimums, back along the maximums. */
        chart_points(&f, t, lo, n, &points);
        for (size_t k = n; k-- > 0;)
            buf_printf(&points, " %.1f,%.1f", chart_x(&f, t[k]), chart_y(&f, hi[k]));
        tpl_set(tpl_section(d, "BAND"), "POINTS", buf_str(&points));
        buf_reset(&points);
        chart_points(&f, t, avg, n, &points);
        tpl_set(tpl_section(d, "LINE"), "POINTS", buf_str(&points));
    }
    if (has_threshold) {
        char y[32];
        snprintf(y, sizeof(y), "%.1f", chart_y(&f, threshold));
        tpl_set(tpl_section(d, "THRESHOLD"), "Y", y);
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
