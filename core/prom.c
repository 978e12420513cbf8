/* The Prometheus text exposition format (see prom.h). */
#include "prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo.h"
#include "log.h"

static int name_ok(const char *name, int colon)
{
    if (name == NULL || *name == '\0')
        return 0;
    for (const char *p = name; *p; p++) {
        char c = *p;
        int letter =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
        if (!letter && !(p > name && c >= '0' && c <= '9'))
            return 0;
    }
    return 1;
}

int prom_metric_name_ok(const char *name)
{
    return name_ok(name, 1);
}

int prom_label_name_ok(const char *name)
{
    /* Names starting with "__" are reserved for Prometheus itself. */
    return name_ok(name, 0) && strncmp(name, "__", 2) != 0;
}

void prom_float(struct buf *out, double value)
{
    char text[40];

    if (isnan(value)) {
        buf_puts(out, "NaN");
        return;
    }
    if (isinf(value)) {
        buf_puts(out, value > 0 ? "+Inf" : "-Inf");
        return;
    }
    /* The shortest of 15 or 17 significant digits that reads back exactly. */
    snprintf(text, sizeof(text), "%.15g", value);
    if (strtod(text, NULL) != value)
        snprintf(text, sizeof(text), "%.17g", value);
    buf_puts(out, text);
}

void prom_label_value(struct buf *out, const char *value)
{
    const char *s = value ? value : "";

    while (*s) {
        int n = utf8_char_len(s);
        if (n == 0) {
            /* Not UTF-8: shown as the text \xNN (its backslash escaped like any other). */
            buf_printf(out, "\\\\x%02x", (unsigned char)*s);
            s++;
            continue;
        }
        if (*s == '\\')
            buf_puts(out, "\\\\");
        else if (*s == '"')
            buf_puts(out, "\\\"");
        else if (*s == '\n')
            buf_puts(out, "\\n");
        else
            buf_append(out, s, (size_t)n);
        s += n;
    }
}

/* HELP text: backslash and newline escaped (quotes are fine there). */
static void help_text(struct buf *out, const char *help)
{
    char repaired[1024];

    for (const char *s = text_repair(help ? help : "", repaired, sizeof(repaired)); *s; s++) {
        if (*s == '\\')
            buf_puts(out, "\\\\");
        else if (*s == '\n')
            buf_puts(out, "\\n");
        else
            buf_putc(out, *s);
    }
}

void prom_family(struct buf *out, const char *name, enum prom_type type, const char *help)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};

    if (!prom_metric_name_ok(name)) {
        log_error("metrics: '%s' is not a valid metric name; family left out", name);
        return;
    }
    buf_printf(out, "# HELP %s ", name);
    help_text(out, help);
    buf_printf(out, "\n# TYPE %s %s\n", name, types[type]);
}

/* Whether the metric name and every label name of the list are valid (logged when not). */
static int labels_ok(const char *name, const char *const *labels)
{
    if (!prom_metric_name_ok(name)) {
        log_error("metrics: '%s' is not a valid metric name; sample left out", name);
        return 0;
    }
    for (size_t i = 0; labels && labels[i]; i += 2) {
        if (!prom_label_name_ok(labels[i])) {
            log_error("metrics: '%s' is not a valid label name of %s; sample left out", labels[i],
                      name);
            return 0;
        }
    }
    return 1;
}

/*
 * name{l1="v1",...,extra_name="extra_value"} and the space before the
 * value; extra (may be NULL) is a last label added by histograms (le).
 */
static void series(struct buf *out, const char *name, const char *suffix, const char *const *labels,
                   const char *extra_name, const char *extra_value)
{
    int first = 1;

    buf_puts(out, name);
    buf_puts(out, suffix);
    if ((labels && labels[0]) || extra_name) {
        buf_putc(out, '{');
        for (size_t i = 0; labels && labels[i]; i += 2) {
            buf_printf(out, "%s%s=\"", first ? "" : ",", labels[i]);
            prom_label_value(out, labels[i + 1]);
            buf_putc(out, '"');
            first = 0;
        }
        if (extra_name) {
            buf_printf(out, "%s%s=\"", first ? "" : ",", extra_name);
            prom_label_value(out, extra_value);
            buf_putc(out, '"');
        }
        buf_putc(out, '}');
    }
    buf_putc(out, ' ');
}

void prom_sample(struct buf *out, const char *name, const char *const *labels, double value)
{
    if (!labels_ok(name, labels))
        return;
    series(out, name, "", labels, NULL, NULL);
    prom_float(out, value);
    buf_putc(out, '\n');
}

void prom_sample_int(struct buf *out, const char *name, const char *const *labels, int64_t value)
{
    if (!labels_ok(name, labels))
        return;
    series(out, name, "", labels, NULL, NULL);
    buf_printf(out, "%lld\n", (long long)value);
}

void prom_histogram(struct buf *out, const char *name, const char *const *labels,
                    const double *bounds, size_t nbounds, const uint64_t *counts, double sum)
{
    uint64_t total = 0;
    struct buf le = BUF_INIT;

    if (!labels_ok(name, labels))
        return;
    for (size_t i = 0; i <= nbounds; i++) {
        total += counts[i];
        buf_reset(&le);
        if (i < nbounds)
            prom_float(&le, bounds[i]);
        else
            buf_puts(&le, "+Inf");
        series(out, name, "_bucket", labels, "le", buf_str(&le));
        buf_printf(out, "%llu\n", (unsigned long long)total);
    }
    series(out, name, "_sum", labels, NULL, NULL);
    prom_float(out, sum);
    buf_putc(out, '\n');
    series(out, name, "_count", labels, NULL, NULL);
    buf_printf(out, "%llu\n", (unsigned long long)total);
    buf_free(&le);
}
