/*
 * JSON at the edge, over jansson: the response envelope, the error
 * envelope, and strict request bodies read through typed getters.
 *
 * A handler reads every field through a getter that checks presence, type
 * and range; each problem is appended to a struct field_errors, and the
 * handler answers one validation_failed listing all of them.
 */
#ifndef GH_JSON_H
#define GH_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

/*
 * Reals in the JSON Gatehouse writes (answers, webhook bodies, ledger
 * payloads) carry 15 significant digits: every measurement and threshold
 * keeps its decimal form ("0.1", not jansson's round-trip
 * "0.10000000000000001"). Stored client payloads keep full precision.
 */
#define JSON_REALS JSON_REAL_PRECISION(15)

/* {"data": data, "meta": {"request_id": ...}}; steals data. */
json_t *envelope_data(json_t *data, const char *request_id);
/* {"error": {"code", "message", "details"}, "meta": {...}}; steals details (NULL = []). */
json_t *envelope_error(const char *code, const char *message, json_t *details,
                       const char *request_id);

/*
 * The 500 envelope as text, written without jansson, for an answer that
 * cannot be serialised (jansson refuses text that is not UTF-8): the
 * client still gets a complete envelope with the request id.
 * request_id must be a sane id (valid_request_id(), or a generated one);
 * anything else is left out.
 */
void envelope_internal_text(struct buf *out, const char *request_id);

/* The problems found in one request, as API.md's details list. */
struct field_errors {
    json_t *details; /* array of {"field", "problem"}; NULL while empty */
    int count;       /* entries in details */
};

#define FIELD_ERRORS_INIT                                                                          \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

void field_error(struct field_errors *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * Move every problem of from into into, its field named under prefix
 * ("events[3]." + "type"), so that a nested object's problems point at
 * their place in the body. from is left empty.
 */
void field_errors_move(struct field_errors *from, const char *prefix, struct field_errors *into);
/* Hand the details array to the caller (an empty array if none); e is left empty. */
json_t *field_errors_take(struct field_errors *e);
void field_errors_free(struct field_errors *e);

/*
 * Parse a request body that must be one JSON object. Duplicate keys are
 * refused. Returns the object (caller decrefs) or NULL with err->message
 * saying what is wrong and where.
 */
json_t *json_body_parse(const char *body, size_t len, struct gh_error *err);

/* Add a problem for every key of obj not in the NULL-terminated allowed list. */
void json_reject_unknown(json_t *obj, const char *const allowed[], struct field_errors *e);

/*
 * Typed getters. Each returns 1 when the field is present and valid, 0 when
 * it is absent (a problem too when required), -1 when present but invalid
 * (a problem is recorded). *out is only written on 1.
 */
/* A string of minlen..maxlen characters (code points, not bytes). */
int json_get_string(json_t *obj, const char *key, int required, size_t minlen, size_t maxlen,
                    const char **out, struct field_errors *e);
/* An integer within [min, max]. */
int json_get_int(json_t *obj, const char *key, int required, long long min, long long max,
                 long long *out, struct field_errors *e);
/* A finite number (integer or real). */
int json_get_number(json_t *obj, const char *key, int required, double *out,
                    struct field_errors *e);
int json_get_bool(json_t *obj, const char *key, int required, int *out, struct field_errors *e);
/* A free-form object (borrowed reference). */
int json_get_object(json_t *obj, const char *key, int required, json_t **out,
                    struct field_errors *e);
/* An array of at most maxlen items (borrowed reference). */
int json_get_array(json_t *obj, const char *key, int required, size_t maxlen, json_t **out,
                   struct field_errors *e);

/* Code points in a valid UTF-8 string. */
size_t utf8_length(const char *s);
/* Whether s is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
int utf8_valid(const char *s);

#endif
