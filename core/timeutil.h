/*
 * Time as the API speaks it: RFC 3339 UTC with milliseconds
 * ("2026-11-22T10:00:00.123Z"), held internally as milliseconds since the
 * Unix epoch in an int64_t.
 */
#ifndef GH_TIMEUTIL_H
#define GH_TIMEUTIL_H

#include <stdint.h>

/* Room for "YYYY-MM-DDTHH:MM:SS.mmmZ" and its NUL. */
#define TIME_RFC3339_LEN 25

/* Wall-clock milliseconds since the epoch. */
int64_t time_now_ms(void);
/* Monotonic nanoseconds, for measuring durations. */
int64_t time_mono_ns(void);
/* Format ms as RFC 3339 UTC with milliseconds into out. */
void time_format_rfc3339(int64_t ms, char out[TIME_RFC3339_LEN]);
/*
 * Parse an RFC 3339 date-time ("T" or " " separator, optional fraction,
 * "Z" or a numeric offset) into ms. Returns 0, or -1 if s is not one.
 */
int time_parse_rfc3339(const char *s, int64_t *ms);

/* Room for a span as people read it. */
#define TIME_SPAN_LEN 32
/*
 * A duration for people, in its two largest units: "2 d 3 h", "3 h 12 min",
 * "12 min", "under a minute". The sign is ignored.
 */
void time_format_span(int64_t ms, char out[TIME_SPAN_LEN]);

/* Room for a relative time: a span and its direction. */
#define TIME_AGO_LEN (TIME_SPAN_LEN + 8)
/*
 * When then_ms was, seen from now_ms: "just now" (within a minute either
 * way), "12 min ago", "3 h 20 min ago", "2 d 3 h ago", "in 3 h 20 min".
 * Pages show every time this way inside a <time> element whose title is
 * time_format_human(); static/time.js words it the same in the browser.
 */
void time_format_ago(int64_t then_ms, int64_t now_ms, char out[TIME_AGO_LEN]);

/* Room for a time in words, "25 Dec 2026 14:03:07 UTC", and its NUL. */
#define TIME_HUMAN_LEN 40
/*
 * ms as people read an exact time, in UTC: "5 Dec 2026 14:03:07 UTC" with
 * seconds (a <time> element's title), "5 Dec 2026 14:03 UTC" without
 * (the printed executive report). Never RFC 3339's digits-and-T form,
 * which is for machines (the datetime attribute, the API).
 */
void time_format_human(int64_t ms, int with_seconds, char out[TIME_HUMAN_LEN]);

#endif
