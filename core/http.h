/*
 * HTTP as FastCGI (or CGI) presents it: a request parsed from the CGI
 * parameters nginx sends, a response written back as CGI headers and body.
 *
 * The transport is abstracted behind struct http_io so the same code serves
 * a libfcgi request, a CGI invocation and a unit test. Everything parsed
 * from a request lives in the request's arena.
 */
#ifndef GH_HTTP_H
#define GH_HTTP_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"

/* How a request's body reaches us and its response leaves. */
struct http_io {
    /* Read up to n body bytes into dst: bytes read, 0 at the end, -1 on error. */
    long (*read)(void *ctx, char *dst, size_t n);
    /* Write n bytes: 0, or -1 when the peer is gone. */
    int (*write)(void *ctx, const char *src, size_t n);
    /* Drop the connection after this request (unread body left on it). */
    void (*abandon)(void *ctx);
    /* Push what was written so far to the peer now (streams); may be NULL. */
    int (*flush)(void *ctx);
};

/* A name and its (decoded) value. */
struct http_param {
    const char *name;
    const char *value;
};

/* A list of parameters in the request's arena. */
struct http_params {
    struct http_param *items; /* in the order they arrived */
    size_t count;             /* items in use */
};

/*
 * An input refused at the edge: bytes that are not text where Gatehouse
 * reads text — invalid UTF-8 (overlong forms and surrogates included) or a
 * NUL — or broken percent-encoding. A client can send such bytes in the
 * path, the query, a header, a cookie or a form field; they never reach a
 * handler (the dispatcher answers 400 validation_failed naming the input),
 * so no handler can echo them into an answer that does not serialise.
 */
struct http_refusal {
    const char *what;    /* for people: "the path", "query parameter"...; NULL: nothing refused */
    const char *field;   /* details[].field: "path", or the name as sent (show it through echo()) */
    const char *problem; /* details[].problem: "is not valid UTF-8", ... */
};

struct http_request {
    struct arena *arena;            /* owner of everything below */
    const char *method;             /* "GET", "POST", ... */
    const char *path;               /* decoded, normalised path ("/api/v1/me") */
    const char *query;              /* raw query string, "" when none */
    const char *content_type;       /* Content-Type header, "" when none */
    long long content_length;       /* declared body length, 0 when none */
    const char *remote_addr;        /* the client as nginx saw it */
    int https;                      /* served over TLS (HTTPS param or X-Forwarded-Proto) */
    const char *request_id;         /* echoed X-Request-Id or a generated one */
    struct http_params headers;     /* HTTP_* parameters as lower-case header names */
    struct http_params params;      /* query parameters, decoded */
    struct http_params form;        /* urlencoded form fields, once http_read_form() ran */
    struct http_params cookies;     /* Cookie header, parsed */
    struct http_params path_params; /* {name} segments matched by the router */
    struct buf body;                /* the body, once http_read_body() ran */
    int body_state;                 /* 0 unread, 1 read, -1 failed */
    int form_parsed;                /* http_read_form() has parsed the body into form */
    struct http_refusal refused;    /* the first path, query, header or form input not text */
    struct http_refusal refused_credentials; /* the Authorization header, when not text */
    const struct http_io *io;                /* transport */
    void *io_ctx;                            /* transport's own state */
    long long bytes_sent; /* body bytes written so far (http_send's body, http_write's pieces) */
};

/*
 * Parse the request described by envp (CGI parameters, "NAME=value"). The
 * request keeps pointers into envp, which must outlive it.
 */
void http_request_init(struct http_request *r, struct arena *a, char **envp,
                       const struct http_io *io, void *io_ctx);
void http_request_free(struct http_request *r);

/*
 * Lookups; NULL when absent. Header names are lower case ("x-request-id"),
 * and only the headers listed in http.c (headers_read) may be asked for:
 * those are the ones checked to be text at the edge.
 */
const char *http_header(const struct http_request *r, const char *name);
const char *http_param(const struct http_request *r, const char *name);
const char *http_form(const struct http_request *r, const char *name);
const char *http_cookie(const struct http_request *r, const char *name);
const char *http_path_param(const struct http_request *r, const char *name);
const char *params_get(const struct http_params *p, const char *name);

enum http_body_status {
    HTTP_BODY_OK = 0,
    HTTP_BODY_TOO_LARGE, /* declared or actual length over the limit */
    HTTP_BODY_SHORT,     /* the peer sent less than it declared */
    HTTP_FORM_REFUSED,   /* a form field is not text: r->refused says which */
};

/* Read exactly CONTENT_LENGTH bytes into r->body, refusing more than limit. */
enum http_body_status http_read_body(struct http_request *r, size_t limit);
/*
 * Read and throw away a body nobody read, so that nginx can finish sending
 * it and reuse the connection (closing on an unread body makes nginx fail
 * its write and answer 502). A body over limit bytes is not read: the
 * connection is abandoned instead. 0 when the connection stays usable.
 */
int http_discard_body(struct http_request *r, unsigned long long limit);
/*
 * Read the body and parse it as application/x-www-form-urlencoded into
 * r->form (once: later calls answer the same). A field that is not text
 * is left out and described in r->refused (HTTP_FORM_REFUSED).
 */
enum http_body_status http_read_form(struct http_request *r, size_t limit);
/* Whether Content-Type is media ("application/json"), parameters allowed. */
int http_content_type_is(const struct http_request *r, const char *media);

/*
 * Parse "a=1&b=%20" into p (decoded, '+' as space). A pair whose name or
 * value is broken percent-encoding or decodes to a NUL or to bytes that are
 * not UTF-8 is left out; the first one is described in *refused (what is
 * the kind of input, e.g. "query parameter") unless refused->what is
 * already set. Returns how many pairs were left out.
 */
int http_parse_urlencoded(struct arena *a, const char *s, size_t len, struct http_params *p,
                          struct http_refusal *refused, const char *what);
/* Whether a cookie the app reads is text; fills r->refused_credentials when it is not. */
int http_cookie_is_text(struct http_request *r, const char *name);
/* Append s percent-encoded (everything but unreserved characters and '/'). */
void http_url_encode(struct buf *out, const char *s);
/* Decode %XX (and '+' when plus is set); NULL if an escape is malformed or decodes to NUL. */
char *http_url_decode(struct arena *a, const char *s, size_t len, int plus);

struct http_response {
    int status;               /* 200, 404, ... */
    const char *content_type; /* NULL for no body */
    struct buf headers;       /* extra "Name: value\r\n" lines */
    struct buf body;          /* the body */
    struct buf out;           /* the wire form, built by http_send; reused */
    int streamed;             /* head already written by http_stream_begin */
};

void http_response_init(struct http_response *resp);
void http_response_free(struct http_response *resp);
void http_response_reset(struct http_response *resp);
/* Add a header line; name and value must not contain CR or LF (checked). */
void http_add_header(struct http_response *resp, const char *name, const char *value);
/* Write status, headers (with the security headers and X-Request-Id) and body. */
int http_send(struct http_request *r, struct http_response *resp);
/*
 * Streaming: write status and headers now, without Content-Length (nginx
 * chunks the answer), then the body piece by piece with http_write.
 * resp->streamed is set so that the dispatcher sends nothing more.
 */
int http_stream_begin(struct http_request *r, struct http_response *resp);
int http_write(struct http_request *r, const char *data, size_t len);
/* Send what http_write buffered now; -1 when the peer has gone. */
int http_flush(struct http_request *r);
/* The reason phrase for a status ("Not Found"). */
const char *http_reason(int status);

#endif
