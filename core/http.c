/* HTTP over CGI parameters (see http.h). */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "echo.h"
#include "log.h"
#include "validate.h"

/*
 * Sent with every response the application makes. The policy allows no
 * inline script or style at all: pages load /static/ files only.
 */
static const char security_headers[] =
    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: same-origin\r\n";

static void params_add(struct http_params *p, size_t cap, const char *name, const char *value)
{
    if (p->count < cap) {
        p->items[p->count].name = name;
        p->items[p->count].value = value;
        p->count++;
    }
}

const char *params_get(const struct http_params *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return p->items[i].value;
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Whether s is valid UTF-8 (a C string: no NUL inside). */
static int is_text(const char *s)
{
    for (int n; *s; s += n)
        if ((n = utf8_char_len(s)) == 0)
            return 0;
    return 1;
}

/*
 * Decode %XX (and '+' as space when plus) into *out, in a's memory: NULL,
 * or what is wrong with the escapes (*out is then NULL).
 */
static const char *decode_bytes(struct arena *a, const char *s, size_t len, int plus, char **out)
{
    char *text = arena_alloc(a, len + 1);
    size_t o = 0;

    *out = NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return "is not valid percent-encoding";
            hi = hexval((unsigned char)s[i + 1]);
            lo = hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return "is not valid percent-encoding";
            if (hi == 0 && lo == 0)
                return "contains a NUL byte";
            text[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+' && plus) {
            text[o++] = ' ';
        } else {
            text[o++] = s[i];
        }
    }
    text[o] = '\0';
    *out = text;
    return NULL;
}

/* decode_bytes(), and the result must be UTF-8 text. */
static const char *decode(struct arena *a, const char *s, size_t len, int plus, char **out)
{
    const char *problem = decode_bytes(a, s, len, plus, out);

    if (problem == NULL && !is_text(*out)) {
        *out = NULL;
        problem = "is not valid UTF-8";
    }
    return problem;
}

char *http_url_decode(struct arena *a, const char *s, size_t len, int plus)
{
    char *out;

    decode_bytes(a, s, len, plus, &out);
    return out;
}

void http_url_encode(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            buf_putc(out, (char)c);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[c >> 4]);
            buf_putc(out, hex[c & 15]);
        }
    }
}

int http_parse_urlencoded(struct arena *a, const char *s, size_t len, struct http_params *p,
                          struct http_refusal *refused, const char *what)
{
    size_t cap = 1;
    int left_out = 0;

    for (size_t i = 0; i < len; i++)
        if (s[i] == '&')
            cap++;
    p->items = arena_alloc(a, cap * sizeof(*p->items));
    p->count = 0;
    while (len > 0) {
        const char *amp = memchr(s, '&', len);
        size_t n = amp ? (size_t)(amp - s) : len;
        const char *eq = memchr(s, '=', n);
        if (n > 0) {
            size_t nlen = eq ? (size_t)(eq - s) : n;
            char *name, *value = "";
            const char *problem = decode(a, s, nlen, 1, &name);
            if (problem == NULL && eq)
                problem = decode(a, eq + 1, n - nlen - 1, 1, &value);
            if (problem == NULL && *name) {
                params_add(p, cap, name, value);
            } else if (problem) {
                /* Left out, and refused: the first one is named in the answer. */
                left_out++;
                if (refused && refused->what == NULL) {
                    refused->what = what;
                    refused->field = name ? name : arena_strndup(a, s, nlen);
                    refused->problem = problem;
                }
            }
        }
        if (amp == NULL)
            break;
        len -= n + 1;
        s = amp + 1;
    }
    return left_out;
}

/* "a=b; c=d" */
static void parse_cookies(struct arena *a, const char *s, struct http_params *p)
{
    size_t cap = 1;

    for (const char *c = s; *c; c++)
        if (*c == ';')
            cap++;
    p->items = arena_alloc(a, cap * sizeof(*p->items));
    p->count = 0;
    while (*s) {
        const char *end = strchr(s, ';');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        while (n > 0 && isspace((unsigned char)*s))
            s++, n--, eq = memchr(s, '=', n);
        if (eq) {
            size_t vlen = n - (size_t)(eq - s) - 1;
            const char *v = eq + 1;
            while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
                vlen--;
            params_add(p, cap, arena_strndup(a, s, (size_t)(eq - s)), arena_strndup(a, v, vlen));
        }
        if (end == NULL)
            break;
        s = end + 1;
    }
}

/*
 * Request ids need to be unique, not secret: a per-thread splitmix64
 * sequence seeded once from the CSPRNG costs no system call per request.
 */
static uint64_t next_id_word(void)
{
    static _Thread_local uint64_t state;
    static _Thread_local int seeded;
    uint64_t z;

    if (!seeded) {
        randombytes_buf(&state, sizeof(state));
        seeded = 1;
    }
    z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void assign_request_id(struct http_request *r)
{
    static const char hex[] = "0123456789abcdef";
    const char *given = http_header(r, "x-request-id");
    uint64_t words[2];
    char *id;

    if (given && valid_request_id(given)) {
        r->request_id = given;
        return;
    }
    words[0] = next_id_word();
    words[1] = next_id_word();
    id = arena_alloc(r->arena, 25);
    for (int i = 0; i < 24; i++)
        id[i] = hex[(words[i / 16] >> (4 * (i % 16))) & 15];
    id[24] = '\0';
    r->request_id = id;
}

/*
 * The request headers Gatehouse reads, and may ask http_header() for. The
 * values of these must be text (valid UTF-8): other headers are never
 * looked at, so their bytes do not matter. Two are judged elsewhere:
 * x-request-id is replaced when it is not a sane id (and so never echoed),
 * and cookie is parsed into cookies, of which only the session cookie is
 * read (http_cookie_is_text). authorization is refused apart, before the
 * caller is identified.
 */
static const char *const headers_read[] = {
    "authorization",
    "cookie",
    "host",
    "idempotency-key",
    "last-event-id",
    "origin",
    "sec-fetch-site",
    "webhook-id",
    "webhook-signature",
    "webhook-timestamp",
    "x-csrf-token",
    "x-forwarded-proto",
    "x-request-id",
    NULL,
};

static int header_known(const char *name)
{
    for (const char *const *h = headers_read; *h; h++)
        if (strcmp(*h, name) == 0)
            return 1;
    return 0;
}

/* Refuse the first header the app reads whose value is not text. */
static void check_headers(struct http_request *r)
{
    for (size_t i = 0; i < r->headers.count; i++) {
        const char *name = r->headers.items[i].name;
        struct http_refusal *to = &r->refused;
        if (!header_known(name) || strcmp(name, "cookie") == 0 ||
            strcmp(name, "x-request-id") == 0 || is_text(r->headers.items[i].value))
            continue;
        if (strcmp(name, "authorization") == 0)
            to = &r->refused_credentials;
        if (to->what == NULL)
            *to = (struct http_refusal){"header", name, "is not valid UTF-8"};
    }
    if (r->refused.what == NULL && !is_text(r->content_type))
        r->refused = (struct http_refusal){"header", "content-type", "is not valid UTF-8"};
}

void http_request_init(struct http_request *r, struct arena *a, char **envp,
                       const struct http_io *io, void *io_ctx)
{
    const char *document_uri = NULL, *path_info = NULL, *request_uri = NULL, *https = NULL;
    const char *proto;
    size_t nheaders = 0;

    memset(r, 0, sizeof(*r));
    r->arena = a;
    r->io = io;
    r->io_ctx = io_ctx;
    r->method = "GET";
    r->query = "";
    r->content_type = "";
    r->remote_addr = "";
    for (char **e = envp; *e; e++)
        if (strncmp(*e, "HTTP_", 5) == 0)
            nheaders++;
    r->headers.items = arena_alloc(a, (nheaders ? nheaders : 1) * sizeof(struct http_param));

    for (char **e = envp; *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t nlen;
        const char *v;

        if (eq == NULL)
            continue;
        nlen = (size_t)(eq - *e);
        v = eq + 1;
#define IS(name) (nlen == sizeof(name) - 1 && memcmp(*e, name, nlen) == 0)
        if (IS("REQUEST_METHOD"))
            r->method = v;
        else if (IS("DOCUMENT_URI"))
            document_uri = v;
        else if (IS("PATH_INFO"))
            path_info = v;
        else if (IS("REQUEST_URI"))
            request_uri = v;
        else if (IS("QUERY_STRING"))
            r->query = v;
        else if (IS("CONTENT_TYPE"))
            r->content_type = v;
        else if (IS("CONTENT_LENGTH"))
            r->content_length = *v ? strtoll(v, NULL, 10) : 0;
        else if (IS("REMOTE_ADDR"))
            r->remote_addr = v;
        else if (IS("HTTPS"))
            https = v;
        else if (nlen > 5 && memcmp(*e, "HTTP_", 5) == 0) {
            char *name = arena_strndup(a, *e + 5, nlen - 5);
            for (char *c = name; *c; c++)
                *c = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
            params_add(&r->headers, nheaders, name, v);
        }
#undef IS
    }
    if (r->content_length < 0)
        r->content_length = 0;

    /* nginx's $document_uri is already decoded and normalised (it refuses
       %00 itself); CGI servers give PATH_INFO. */
    if (document_uri && *document_uri)
        r->path = document_uri;
    else if (path_info && *path_info)
        r->path = path_info;
    else if (request_uri && *request_uri) {
        const char *q = strchr(request_uri, '?');
        char *decoded;
        const char *problem = decode_bytes(
            a, request_uri, q ? (size_t)(q - request_uri) : strlen(request_uri), 0, &decoded);
        if (problem)
            r->refused = (struct http_refusal){"the path", "path", problem};
        r->path = decoded;
    }
    if (r->path == NULL || r->path[0] != '/')
        r->path = "/";
    if (r->refused.what == NULL && !is_text(r->path))
        r->refused = (struct http_refusal){"the path", "path", "is not valid UTF-8"};

    /* Only nginx reaches the socket, so its X-Forwarded-Proto can be believed. */
    proto = http_header(r, "x-forwarded-proto");
    r->https =
        (https && strcasecmp(https, "on") == 0) || (proto && strcasecmp(proto, "https") == 0);
    http_parse_urlencoded(a, r->query, strlen(r->query), &r->params, &r->refused,
                          "query parameter");
    check_headers(r);
    parse_cookies(a, http_header(r, "cookie") ? http_header(r, "cookie") : "", &r->cookies);
    assign_request_id(r);
}

void http_request_free(struct http_request *r)
{
    buf_free(&r->body);
}

const char *http_header(const struct http_request *r, const char *name)
{
    if (!header_known(name)) {
        log_error("http_header(\"%s\"): a header nobody checked; add it to headers_read", name);
        return NULL;
    }
    return params_get(&r->headers, name);
}

int http_cookie_is_text(struct http_request *r, const char *name)
{
    const char *v = http_cookie(r, name);

    if (v == NULL || is_text(v))
        return 1;
    if (r->refused_credentials.what == NULL)
        r->refused_credentials = (struct http_refusal){"cookie", name, "is not valid UTF-8"};
    return 0;
}

const char *http_param(const struct http_request *r, const char *name)
{
    return params_get(&r->params, name);
}

const char *http_form(const struct http_request *r, const char *name)
{
    return params_get(&r->form, name);
}

const char *http_cookie(const struct http_request *r, const char *name)
{
    return params_get(&r->cookies, name);
}

const char *http_path_param(const struct http_request *r, const char *name)
{
    return params_get(&r->path_params, name);
}

enum http_body_status http_read_body(struct http_request *r, size_t limit)
{
    size_t want;

    if (r->body_state == 1)
        return HTTP_BODY_OK;
    if (r->body_state == -1)
        return HTTP_BODY_SHORT;
    if ((unsigned long long)r->content_length > limit)
        return HTTP_BODY_TOO_LARGE; /* left unread: http_discard_body() deals with it */
    want = (size_t)r->content_length;
    buf_grow(&r->body, want);
    while (r->body.len < want) {
        long n = r->io->read(r->io_ctx, r->body.data + r->body.len, want - r->body.len);
        if (n <= 0) {
            r->body_state = -1;
            if (r->io->abandon)
                r->io->abandon(r->io_ctx);
            return HTTP_BODY_SHORT;
        }
        r->body.len += (size_t)n;
    }
    r->body.data[r->body.len] = '\0';
    r->body_state = 1;
    return HTTP_BODY_OK;
}

int http_discard_body(struct http_request *r, unsigned long long limit)
{
    char sink[16384];
    unsigned long long left;

    if (r->body_state != 0 || r->content_length <= 0)
        return 0;
    left = (unsigned long long)r->content_length;
    if (left <= limit) {
        while (left > 0) {
            long n =
                r->io->read(r->io_ctx, sink, left < sizeof(sink) ? (size_t)left : sizeof(sink));
            if (n <= 0)
                break;
            left -= (unsigned long long)n;
        }
    }
    r->body_state = -1;
    if (left == 0)
        return 0;
    if (r->io->abandon)
        r->io->abandon(r->io_ctx);
    return -1;
}

enum http_body_status http_read_form(struct http_request *r, size_t limit)
{
    enum http_body_status st = http_read_body(r, limit);

    if (st != HTTP_BODY_OK || !http_content_type_is(r, "application/x-www-form-urlencoded"))
        return st;
    if (!r->form_parsed) {
        r->form_parsed = 1;
        /* A NUL in the body is a field that is not text, like %00. */
        if (r->body.len && memchr(r->body.data, '\0', r->body.len) && r->refused.what == NULL)
            r->refused = (struct http_refusal){"form field", "body", "contains a NUL byte"};
        else if (http_parse_urlencoded(r->arena, buf_str(&r->body), r->body.len, &r->form,
                                       &r->refused, "form field") == 0)
            return HTTP_BODY_OK;
    }
    return r->refused.what && strcmp(r->refused.what, "form field") == 0 ? HTTP_FORM_REFUSED
                                                                         : HTTP_BODY_OK;
}

int http_content_type_is(const struct http_request *r, const char *media)
{
    size_t n = strlen(media);
    const char *rest;

    if (strncasecmp(r->content_type, media, n) != 0)
        return 0;
    rest = r->content_type + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return *rest == '\0' || *rest == ';';
}

void http_response_init(struct http_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->status = 200;
}

void http_response_reset(struct http_response *resp)
{
    resp->status = 200;
    resp->streamed = 0;
    resp->content_type = NULL;
    buf_reset(&resp->headers);
    buf_reset(&resp->body);
}

void http_response_free(struct http_response *resp)
{
    buf_free(&resp->out);
    buf_free(&resp->headers);
    buf_free(&resp->body);
}

/* Header injection is a bug in the caller, not something to pass on. */
static int header_safe(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

void http_add_header(struct http_response *resp, const char *name, const char *value)
{
    if (!header_safe(name) || !header_safe(value)) {
        log_error("refusing header %s with a line break in it", name);
        return;
    }
    buf_printf(&resp->headers, "%s: %s\r\n", name, value);
}

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

/* Append "Name: value\r\n" without printf: this runs for every response. */
static void put_header(struct buf *b, const char *name, const char *value)
{
    buf_puts(b, name);
    buf_puts(b, ": ");
    buf_puts(b, value);
    buf_puts(b, "\r\n");
}

/* Status line and headers into resp->out; Content-Length unless streaming. */
static void build_head(struct http_request *r, struct http_response *resp, int streaming)
{
    struct buf *out = &resp->out;
    char number[24];

    buf_reset(out);
    snprintf(number, sizeof(number), "%d ", resp->status);
    buf_puts(out, "Status: ");
    buf_puts(out, number);
    buf_puts(out, http_reason(resp->status));
    buf_puts(out, "\r\n");
    if (resp->content_type)
        put_header(out, "Content-Type", resp->content_type);
    if (!streaming) {
        snprintf(number, sizeof(number), "%zu", resp->body.len);
        put_header(out, "Content-Length", number);
    }
    put_header(out, "X-Request-Id", r->request_id);
    if (strstr(buf_str(&resp->headers), "Cache-Control:") == NULL)
        buf_puts(out, "Cache-Control: no-store\r\n");
    buf_puts(out, security_headers);
    if (r->https)
        buf_puts(out, "Strict-Transport-Security: max-age=31536000\r\n");
    buf_append(out, resp->headers.data, resp->headers.len);
    buf_puts(out, "\r\n");
}

int http_send(struct http_request *r, struct http_response *resp)
{
    build_head(r, resp, 0);
    if (strcmp(r->method, "HEAD") != 0) {
        buf_append(&resp->out, resp->body.data, resp->body.len);
        r->bytes_sent += (long long)resp->body.len;
    }
    return r->io->write(r->io_ctx, resp->out.data, resp->out.len);
}

int http_stream_begin(struct http_request *r, struct http_response *resp)
{
    build_head(r, resp, 1);
    resp->streamed = 1;
    return r->io->write(r->io_ctx, resp->out.data, resp->out.len);
}

int http_write(struct http_request *r, const char *data, size_t len)
{
    if (strcmp(r->method, "HEAD") == 0)
        return 0;
    r->bytes_sent += (long long)len;
    return r->io->write(r->io_ctx, data, len);
}

int http_flush(struct http_request *r)
{
    return r->io->flush ? r->io->flush(r->io_ctx) : 0;
}
