/*
 * The geometry of the charts pages draw as inline SVG: scaling time and
 * value ranges into a viewBox and writing polyline points. No markup here:
 * the templates hold the SVG (escaped like everything else) and get only
 * numbers from these functions.
 */
#ifndef GH_CHARTS_H
#define GH_CHARTS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A plot area: time across, values up. */
struct chart_frame {
    double width, height; /* the viewBox */
    double pad;           /* kept free at the top and bottom, so lines are not clipped */
    int64_t t0, t1;       /* the time range across (t1 > t0) */
    double v0, v1;        /* the value range up (v1 > v0) */
};

/*
 * Frame the values (and the extra values, e.g. a threshold, so that it is
 * always in view) across [t0, t1]. A flat range is widened around its
 * value so that a constant series draws as a line in the middle.
 */
void chart_frame_fit(struct chart_frame *f, double width, double height, int64_t t0, int64_t t1,
                     const double *values, size_t n, const double *extra, size_t nextra);

double chart_x(const struct chart_frame *f, int64_t t);
double chart_y(const struct chart_frame *f, double v);

/*
 * The top of a value axis for data up to max: the smallest 1, 2 or 5
 * times a power of ten at or above it (1 for nothing at all), so that
 * gridlines at its halves read as round numbers.
 */
double chart_nice_ceiling(double max);

/*
 * v with one decimal, as "%.1f" prints it but a tenth of the cost (a report
 * draws hundreds of coordinates); a tie in the tenths may round the other
 * way, which no chart shows.
 */
void chart_tenths(struct buf *out, double v);
/* sep, then "x,y" with one decimal each. */
void chart_point(struct buf *out, const char *sep, double x, double y);
/* "x,y x,y ..." for the points (t[i], v[i]), appended to out, with one decimal. */
void chart_points(const struct chart_frame *f, const int64_t *t, const double *v, size_t n,
                  struct buf *out);

#endif
