/* Chart geometry (see charts.h). */
#include "charts.h"

#include <math.h>
#include <stdio.h>

void chart_frame_fit(struct chart_frame *f, double width, double height, int64_t t0, int64_t t1,
                     const double *values, size_t n, const double *extra, size_t nextra)
{
    double lo = INFINITY, hi = -INFINITY;

    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, values[i]);
        hi = fmax(hi, values[i]);
    }
    for (size_t i = 0; i < nextra; i++) {
        lo = fmin(lo, extra[i]);
        hi = fmax(hi, extra[i]);
    }
    if (!(lo <= hi)) /* nothing to frame */
        lo = 0, hi = 1;
    if (hi - lo < 1e-12) {
        double half = fabs(lo) > 1e-12 ? fabs(lo) * 0.5 : 1;
        lo -= half;
        hi += half;
    }
    f->width = width;
    f->height = height;
    f->pad = height * 0.1;
    f->t0 = t0;
    f->t1 = t1 > t0 ? t1 : t0 + 1;
    f->v0 = lo;
    f->v1 = hi;
}

double chart_x(const struct chart_frame *f, int64_t t)
{
    double x = (double)(t - f->t0) / (double)(f->t1 - f->t0) * f->width;

    return fmin(fmax(x, 0), f->width);
}

double chart_y(const struct chart_frame *f, double v)
{
    double usable = f->height - 2 * f->pad;

    return f->pad + (1 - (v - f->v0) / (f->v1 - f->v0)) * usable;
}

void chart_tenths(struct buf *out, double v)
{
    char digits[24], *p = digits + sizeof(digits);
    double tenths = nearbyint(v * 10); /* ties to even, as printf rounds */
    unsigned long long u;

    if (!(fabs(tenths) < 1e17)) {
        buf_printf(out, "%.1f", v);
        return;
    }
    u = (unsigned long long)fabs(tenths);
    *--p = (char)('0' + u % 10);
    *--p = '.';
    u /= 10;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) > 0);
    if (tenths < 0)
        *--p = '-';
    buf_append(out, p, (size_t)(digits + sizeof(digits) - p));
}

void chart_point(struct buf *out, const char *sep, double x, double y)
{
    buf_puts(out, sep);
    chart_tenths(out, x);
    buf_putc(out, ',');
    chart_tenths(out, y);
}

void chart_points(const struct chart_frame *f, const int64_t *t, const double *v, size_t n,
                  struct buf *out)
{
    for (size_t i = 0; i < n; i++)
        chart_point(out, i ? " " : "", chart_x(f, t[i]), chart_y(f, v[i]));
}

double chart_nice_ceiling(double max)
{
    static const double steps[] = {1, 2, 5, 10};
    double scale;

    if (!(max > 0))
        return 1;
    scale = pow(10, floor(log10(max)));
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i] * scale >= max * (1 - 1e-12))
            return steps[i] * scale;
    return 10 * scale;
}
