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

void time_format_rfc3339(int64_t ms, char out[TIME_RFC3339_LEN])
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int millis = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;

    gmtime_r(&t, &tm);
    /* The modulos bound every field's width, for the compiler as for the reader. */
    snprintf(out, TIME_RFC3339_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
             (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u, (unsigned)millis % 1000u);
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
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    if (with_seconds)
        snprintf(out, TIME_HUMAN_LEN, "%u %s %04u %02u:%02u:%02u UTC", (unsigned)tm.tm_mday % 100u,
                 months[tm.tm_mon % 12], (unsigned)(tm.tm_year + 1900) % 10000u,
                 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
                 (unsigned)tm.tm_sec % 100u);
    else
        snprintf(out, TIME_HUMAN_LEN, "%u %s %04u %02u:%02u UTC", (unsigned)tm.tm_mday % 100u,
                 months[tm.tm_mon % 12], (unsigned)(tm.tm_year + 1900) % 10000u,
                 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u);
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
