/* RFC 3339 times (see timeutil.h). */
#include "timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's method). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* A UTC time broken down; what gmtime_r gives, without glibc's global time-zone lock. */
struct civil {
    int64_t year;
    unsigned month, day, hour, min, sec, millis; /* month 1..12, day 1..31 */
};

/* The inverse of days_from_civil, and the time of day. */
static void civil_from_ms(int64_t ms, struct civil *c)
{
    int64_t days = (ms >= 0 ? ms : ms - 86399999) / 86400000;
    int64_t in_day = ms - days * 86400000;
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;

    c->day = doy - (153 * mp + 2) / 5 + 1;
    c->month = mp < 10 ? mp + 3 : mp - 9;
    c->year = (int64_t)yoe + era * 400 + (c->month <= 2);
    c->hour = (unsigned)(in_day / 3600000);
    c->min = (unsigned)(in_day / 60000 % 60);
    c->sec = (unsigned)(in_day / 1000 % 60);
    c->millis = (unsigned)(in_day % 1000);
}

/* v as exactly width digits at p (v < 10^width); returns the end. */
static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

void time_format_rfc3339(int64_t ms, char out[TIME_RFC3339_LEN])
{
    struct civil c;
    char *p = out;

    /* Written digit by digit: pages format hundreds of times, and snprintf was most of it. */
    civil_from_ms(ms, &c);
    p = put_digits(p, (unsigned)((c.year % 10000 + 10000) % 10000), 4);
    *p++ = '-';
    p = put_digits(p, c.month, 2);
    *p++ = '-';
    p = put_digits(p, c.day, 2);
    *p++ = 'T';
    p = put_digits(p, c.hour, 2);
    *p++ = ':';
    p = put_digits(p, c.min, 2);
    *p++ = ':';
    p = put_digits(p, c.sec, 2);
    *p++ = '.';
    p = put_digits(p, c.millis, 3);
    *p++ = 'Z';
    *p = '\0';
}

/* Read exactly n digits at *p into *out and advance; -1 if they are not digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int time_parse_rfc3339(const char *s, int64_t *ms)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, mon, day, hour, min, sec, frac = 0, offset = 0;
    const char *p = s;

    if (digits(&p, 4, &year) || *p++ != '-' || digits(&p, 2, &mon) || *p++ != '-' ||
        digits(&p, 2, &day))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &hour) || *p++ != ':' || digits(&p, 2, &min) || *p++ != ':' ||
        digits(&p, 2, &sec))
        return -1;
    if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] || hour > 23 || min > 59 || sec > 60)
        return -1;
    if (mon == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
        return -1;
    if (*p == '.') {
        int scale = 100, n = 0;
        p++;
        while (isdigit((unsigned char)*p)) {
            if (n < 3)
                frac += (*p - '0') * scale;
            scale /= 10;
            n++;
            p++;
        }
        if (n == 0)
            return -1;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    if (sec == 60) /* a leap second is read as the last millisecond of its minute */
        sec = 59, frac = 999;
    *ms = ((days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hour * 3600 + min * 60 +
            sec - offset * 60) *
           1000) +
          frac;
    return 0;
}

void time_format_ago(int64_t then_ms, int64_t now_ms, char out[TIME_AGO_LEN])
{
    char span[TIME_SPAN_LEN];
    int64_t d = now_ms - then_ms;

    if (d > -60000 && d < 60000) {
        snprintf(out, TIME_AGO_LEN, "just now");
        return;
    }
    time_format_span(d, span);
    if (d > 0)
        snprintf(out, TIME_AGO_LEN, "%s ago", span);
    else
        snprintf(out, TIME_AGO_LEN, "in %s", span);
}

void time_format_human(int64_t ms, int with_seconds, char out[TIME_HUMAN_LEN])
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct civil c;
    char *p = out;

    civil_from_ms(ms, &c);
    p = put_digits(p, c.day, c.day < 10 ? 1 : 2);
    *p++ = ' ';
    memcpy(p, months[(c.month - 1) % 12], 3);
    p += 3;
    *p++ = ' ';
    p = put_digits(p, (unsigned)((c.year % 10000 + 10000) % 10000), 4);
    *p++ = ' ';
    p = put_digits(p, c.hour, 2);
    *p++ = ':';
    p = put_digits(p, c.min, 2);
    if (with_seconds) {
        *p++ = ':';
        p = put_digits(p, c.sec, 2);
    }
    memcpy(p, " UTC", 5);
}

void time_format_span(int64_t ms, char out[TIME_SPAN_LEN])
{
    long long min = (long long)((ms < 0 ? -ms : ms) / 60000);

    if (min < 1)
        snprintf(out, TIME_SPAN_LEN, "under a minute");
    else if (min < 60)
        snprintf(out, TIME_SPAN_LEN, "%lld min", min);
    else if (min < 24 * 60 && min % 60 == 0)
        snprintf(out, TIME_SPAN_LEN, "%lld h", min / 60);
    else if (min < 24 * 60)
        snprintf(out, TIME_SPAN_LEN, "%lld h %lld min", min / 60, min % 60);
    else if (min / 60 % 24 == 0)
        snprintf(out, TIME_SPAN_LEN, "%lld d", min / 1440);
    else
        snprintf(out, TIME_SPAN_LEN, "%lld d %lld h", min / 1440, min / 60 % 24);
}
