/*
 * Building answers: JSON in the API envelope, HTML pages in the layout,
 * and errors in whichever of the two the route speaks.
 */
#ifndef GH_REPLY_H
#define GH_REPLY_H

#include <jansson.h>
#include <stdint.h>

#include "../core/error.h"
#include "../core/json.h"
#include "../core/tpl.h"
#include "app.h"

/* {"data": data, "meta": ...}; steals data. */
void reply_json(struct request_ctx *ctx, int status, json_t *data);
/* A page of a list: the envelope with meta.next_cursor (NULL: the end); steals items. */
void reply_list(struct request_ctx *ctx, json_t *items, const char *next_cursor);
/* Bytes as they are with a content type (static documents). */
void reply_bytes(struct request_ctx *ctx, int status, const char *content_type, const char *data,
                 size_t len);
/*
 * An error: the JSON error envelope on JSON routes (and anywhere under
 * /api/), else the HTML error page. details (stolen, may be NULL) is the
 * list of {"field", "problem"}. The message is shown to the caller, so it
 * must never contain unvalidated input or internals.
 */
void reply_error(struct request_ctx *ctx, int status, const char *code, const char *message,
                 json_t *details);
/*
 * 400 validation_failed for an input refused at the edge (core/http.h,
 * struct http_refusal): details name the input, shown through echo().
 */
void reply_refused(struct request_ctx *ctx, const struct http_refusal *refused);
/* 303 See Other to a local path. */
void reply_redirect(struct request_ctx *ctx, const char *location);
/* Whether next is a safe place to send a browser after sign-in (a local path). */
int local_path(const char *next);
/*
 * Map a gh_error to its status and code; GH_INTERNAL shows no message. A
 * GH_INVALID error that names its field is answered with that field in
 * details (validation_failed).
 */
void reply_gh_error(struct request_ctx *ctx, const struct gh_error *err);

/*
 * The request's JSON body as an object (caller decrefs), or NULL after
 * replying 413, 415 or 400 invalid_json.
 */
json_t *request_json_body(struct request_ctx *ctx);

/*
 * A query parameter as an integer in [min, max]: 1 with *out set when
 * given, 0 with *out = def when absent; -1 with a problem recorded in e
 * when present but not such an integer.
 */
int param_int(struct request_ctx *ctx, const char *name, long long min, long long max,
              long long def, long long *out, struct field_errors *e);
/*
 * Query parameter name as an RFC 3339 time in *out (ms): 1 when given, 0
 * with *out = def when absent; -1 with a problem recorded in e otherwise.
 */
int param_time(struct request_ctx *ctx, const char *name, int64_t def, int64_t *out,
               struct field_errors *e);
/* The path's {name} as a positive integer, or 0 after answering 404 "no such <what>". */
int64_t path_id(struct request_ctx *ctx, const char *name, const char *what);
/*
 * The path's {name} as a client-chosen id (^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$),
 * or NULL after answering 404 "no such <what>" (never echoing the bytes).
 */
const char *path_client_id(struct request_ctx *ctx, const char *name, const char *what);
/* Answer 400 validation_failed listing e's problems. */
void reply_invalid(struct request_ctx *ctx, struct field_errors *e);

/*
 * A page in the layout: returns the layout's dictionary and, in *content,
 * the dictionary of the content template. Finish with page_send().
 */
struct tpl_dict *page_begin(struct request_ctx *ctx, const char *title, const char *content_tpl,
                            struct tpl_dict **content);
/*
 * Show a time on a page as people read it: {{>key}} becomes
 *   <time datetime="2026-12-05T14:03:07.000Z" title="5 Dec 2026 14:03:07 UTC"
 *         data-relative>12 min ago</time>
 * (templates/time.tpl), its text as seen at now_ms, which static/time.js
 * keeps fresh in the browser. Every time on every page goes through here,
 * so none shows as a bare RFC 3339 string. rfc3339 may be NULL or not a
 * time: {{>key}} then stays empty. Returns whether it was set.
 */
int page_time(struct tpl_dict *d, const char *key, const char *rfc3339, int64_t now_ms);
/*
 * The same, its text the exact time for the record ("5 Dec 2026 14:03 UTC"),
 * which never changes: the printed executive report.
 */
int page_time_exact(struct tpl_dict *d, const char *key, const char *rfc3339);
/* Render and answer; frees layout. */
void page_send(struct request_ctx *ctx, int status, struct tpl_dict *layout);

#endif
