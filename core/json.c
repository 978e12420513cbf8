/* JSON envelope and strict bodies (see json.h). */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "echo.h"
#include "log.h"
#include "validate.h"

json_t *envelope_data(json_t *data, const char *request_id)
{
    return json_pack("{s:o, s:{s:s}}", "data", data ? data : json_null(), "meta", "request_id",
                     request_id ? request_id : "");
}

json_t *envelope_error(const char *code, const char *message, json_t *details,
                       const char *request_id)
{
    return json_pack("{s:{s:s, s:s, s:o}, s:{s:s}}", "error", "code", code, "message", message,
                     "details", details ? details : json_array(), "meta", "request_id",
                     request_id ? request_id : "");
}

void envelope_internal_text(struct buf *out, const char *request_id)
{
    buf_puts(out, "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\","
                  "\"details\":[]},\"meta\":{\"request_id\":\"");
    if (request_id && valid_request_id(request_id))
        buf_puts(out, request_id);
    buf_puts(out, "\"}}");
}

void field_error(struct field_errors *e, const char *field, const char *fmt, ...)
{
    char text[256], problem[256], name[ECHO_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (e->details == NULL)
        e->details = json_array();
    /* The field may be the client's (an unknown key): shown back safely, like the problem. */
    json_array_append_new(e->details, json_pack("{s:s, s:s}", "field", echo(field, name), "problem",
                                                text_repair(text, problem, sizeof(problem))));
    e->count++;
}

void field_errors_move(struct field_errors *from, const char *prefix, struct field_errors *into)
{
    size_t i;
    json_t *d;

    json_array_foreach(from->details, i, d)
    {
        char name[200];
        snprintf(name, sizeof(name), "%s%s", prefix,
                 json_string_value(json_object_get(d, "field")));
        field_error(into, name, "%s", json_string_value(json_object_get(d, "problem")));
    }
    field_errors_free(from);
}

json_t *field_errors_take(struct field_errors *e)
{
    json_t *d = e->details ? e->details : json_array();

    e->details = NULL;
    e->count = 0;
    return d;
}

void field_errors_free(struct field_errors *e)
{
    json_decref(e->details);
    e->details = NULL;
    e->count = 0;
}

json_t *json_body_parse(const char *body, size_t len, struct gh_error *err)
{
    json_error_t jerr;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

    if (v == NULL) {
        char shown[ECHO_LEN];
        /* jansson's own text for this one names its option flag; others quote the input. */
        const char *why = json_error_code(&jerr) == json_error_null_character
                              ? "strings may not contain \\u0000"
                              : echo(jerr.text, shown);
        gh_fail(err, GH_INVALID, "the body is not valid JSON: %s (line %d, column %d)", why,
                jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        gh_fail(err, GH_INVALID, "the body must be a JSON object");
        return NULL;
    }
    return v;
}

void json_reject_unknown(json_t *obj, const char *const allowed[], struct field_errors *e)
{
    const char *key;
    json_t *value;

    json_object_foreach(obj, key, value)
    {
        int known = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) {
                known = 1;
                break;
            }
        if (!known)
            field_error(e, key, "unknown field");
    }
}

int utf8_valid(const char *text)
{
    int n;

    /* utf8_char_len refuses overlong forms, surrogates and code points past U+10FFFF. */
    for (; *text; text += n)
        if ((n = utf8_char_len(text)) == 0)
            return 0;
    return 1;
}

size_t utf8_length(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Look key up; record "is required" when absent and required. */
static json_t *field(json_t *obj, const char *key, int required, struct field_errors *e)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL && required)
        field_error(e, key, "is required");
    return v;
}

int json_get_string(json_t *obj, const char *key, int required, size_t minlen, size_t maxlen,
                    const char **out, struct field_errors *e)
{
    json_t *v = field(obj, key, required, e);
    size_t n;

    if (v == NULL)
        return 0;
    if (!json_is_string(v)) {
        field_error(e, key, "must be a string");
        return -1;
    }
    n = utf8_length(json_string_value(v));
    if (n < minlen || n > maxlen) {
        field_error(e, key, "must be %zu to %zu characters long", minlen, maxlen);
        return -1;
    }
    *out = json_string_value(v);
    return 1;
}

int json_get_int(json_t *obj, const char *key, int required, long long min, long long max,
                 long long *out, struct field_errors *e)
{
    json_t *v = field(obj, key, required, e);

    if (v == NULL)
        return 0;
    if (!json_is_integer(v)) {
        field_error(e, key, "must be an integer");
        return -1;
    }
    if (json_integer_value(v) < min || json_integer_value(v) > max) {
        field_error(e, key, "must be from %lld to %lld", min, max);
        return -1;
    }
    *out = json_integer_value(v);
    return 1;
}

int json_get_number(json_t *obj, const char *key, int required, double *out, struct field_errors *e)
{
    json_t *v = field(obj, key, required, e);

    if (v == NULL)
        return 0;
    if (!json_is_number(v) || !isfinite(json_number_value(v))) {
        field_error(e, key, "must be a number");
        return -1;
    }
    *out = json_number_value(v);
    return 1;
}

int json_get_bool(json_t *obj, const char *key, int required, int *out, struct field_errors *e)
{
    json_t *v = field(obj, key, required, e);

    if (v == NULL)
        return 0;
    if (!json_is_boolean(v)) {
        field_error(e, key, "must be true or false");
        return -1;
    }
    *out = json_is_true(v);
    return 1;
}

int json_get_object(json_t *obj, const char *key, int required, json_t **out,
                    struct field_errors *e)
{
    json_t *v = field(obj, key, required, e);

    if (v == NULL)
        return 0;
    if (!json_is_object(v)) {
        field_error(e, key, "must be an object");
        return -1;
    }
    *out = v;
    return 1;
}

int json_get_array(json_t *obj, const char *key, int required, size_t maxlen, json_t **out,
                   struct field_errors *e)
{
    json_t *v = field(obj, key, required, e);

    if (v == NULL)
        return 0;
    if (!json_is_array(v)) {
        field_error(e, key, "must be an array");
        return -1;
    }
    if (json_array_size(v) > maxlen) {
        field_error(e, key, "must have at most %zu items", maxlen);
        return -1;
    }
    *out = v;
    return 1;
}
