/* HTTP over CGI parameters: parsing, bodies, the wire form of a response. */
#include "../../core/http.h"
#include "check.h"

/* An in-memory transport: the body comes from `in`, the answer goes to `out`. */
struct memio {
    const char *in; /* body bytes to hand out */
    size_t inlen;   /* how many */
    size_t pos;     /* handed out so far */
    struct buf out; /* what was written */
    int abandoned;  /* abandon() was called */
};

static long mem_read(void *ctx, char *dst, size_t n)
{
    struct memio *m = ctx;
    size_t left = m->inlen - m->pos;

    if (n > left)
        n = left;
    if (n > 3) /* hand out small pieces, as a socket may */
        n = 3;
    memcpy(dst, m->in + m->pos, n);
    m->pos += n;
    return (long)n;
}

static int mem_write(void *ctx, const char *src, size_t n)
{
    buf_append(&((struct memio *)ctx)->out, src, n);
    return 0;
}

static void mem_abandon(void *ctx)
{
    ((struct memio *)ctx)->abandoned = 1;
}

static const struct http_io memio_ops = {mem_read, mem_write, mem_abandon, NULL};

static void parses_cgi_parameters(void)
{
    char *env[] = {"REQUEST_METHOD=POST",
                   "DOCUMENT_URI=/api/v1/approvals",
                   "REQUEST_URI=/api/v1/approvals?status=pending&x=a%20b",
                   "QUERY_STRING=status=pending&x=a%20b&plus=1+2&bad=%zz",
                   "CONTENT_TYPE=application/json; charset=utf-8",
                   "CONTENT_LENGTH=0",
                   "REMOTE_ADDR=10.1.2.3",
                   "HTTP_X_REQUEST_ID=req-123",
                   "HTTP_COOKIE=a=1; gh_session=abc ;  other=x=y",
                   "HTTP_X_FORWARDED_PROTO=https",
                   NULL};
    struct arena a = ARENA_INIT;
    struct http_request r;
    struct memio m = {"", 0, 0, BUF_INIT, 0};

    http_request_init(&r, &a, env, &memio_ops, &m);
    CHECK_STR(r.method, "POST");
    CHECK_STR(r.path, "/api/v1/approvals");
    CHECK_STR(http_param(&r, "status"), "pending");
    CHECK_STR(http_param(&r, "x"), "a b");
    CHECK_STR(http_param(&r, "plus"), "1 2");
    CHECK(http_param(&r, "bad") == NULL);
    CHECK_STR(r.refused.what, "query parameter");
    CHECK_STR(r.refused.field, "bad");
    CHECK_STR(r.refused.problem, "is not valid percent-encoding");
    CHECK_STR(r.remote_addr, "10.1.2.3");
    CHECK_STR(r.request_id, "req-123");
    CHECK_STR(http_header(&r, "x-request-id"), "req-123");
    CHECK_STR(http_cookie(&r, "gh_session"), "abc");
    CHECK_STR(http_cookie(&r, "other"), "x=y");
    CHECK(r.https);
    CHECK(http_content_type_is(&r, "application/json"));
    CHECK(!http_content_type_is(&r, "application/js"));
    http_request_free(&r);
    arena_free(&a);
}

static void request_ids_are_echoed_only_when_sane(void)
{
    char *good[] = {"HTTP_X_REQUEST_ID=abc.DEF_1:2-3", NULL};
    char *evil[] = {"HTTP_X_REQUEST_ID=<script>", NULL};
    char *none[] = {"PATH_INFO=/healthz", NULL};
    struct arena a = ARENA_INIT;
    struct http_request r1, r2, r3;
    struct memio m = {"", 0, 0, BUF_INIT, 0};

    http_request_init(&r1, &a, good, &memio_ops, &m);
    CHECK_STR(r1.request_id, "abc.DEF_1:2-3");
    http_request_init(&r2, &a, evil, &memio_ops, &m);
    CHECK(strcmp(r2.request_id, "<script>") != 0);
    CHECK_INT(strlen(r2.request_id), 24);
    http_request_init(&r3, &a, none, &memio_ops, &m);
    CHECK_STR(r3.path, "/healthz");
    CHECK(strcmp(r2.request_id, r3.request_id) != 0);
    arena_free(&a);
}

static void body_is_read_to_its_length_within_the_limit(void)
{
    char *env[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=11",
                   "CONTENT_TYPE=application/x-www-form-urlencoded", NULL};
    char *big[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=5000", NULL};
    char *shortbody[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=20", NULL};
    struct arena a = ARENA_INIT;
    struct http_request r;
    struct memio m = {"a=1&b=x%2Fy", 11, 0, BUF_INIT, 0};
    struct memio m2 = {"xx", 2, 0, BUF_INIT, 0};
    static char five_k[5000];
    struct memio m5000 = {five_k, sizeof(five_k), 0, BUF_INIT, 0};

    http_request_init(&r, &a, env, &memio_ops, &m);
    CHECK_INT(http_read_form(&r, 100), HTTP_BODY_OK);
    CHECK_STR(http_form(&r, "a"), "1");
    CHECK_STR(http_form(&r, "b"), "x/y");
    CHECK_INT(r.body.len, 11);
    http_request_free(&r);

    /* Too large: not read; then thrown away so the connection stays usable. */
    http_request_init(&r, &a, big, &memio_ops, &m5000);
    CHECK_INT(http_read_body(&r, 4096), HTTP_BODY_TOO_LARGE);
    CHECK(!m5000.abandoned);
    CHECK_INT(http_discard_body(&r, 8192), 0);
    CHECK_INT(m5000.pos, 5000);
    CHECK(!m5000.abandoned);
    http_request_free(&r);
    /* Beyond the discard limit the connection is dropped instead. */
    m5000.pos = 0;
    http_request_init(&r, &a, big, &memio_ops, &m5000);
    CHECK_INT(http_discard_body(&r, 1000), -1);
    CHECK(m5000.abandoned);
    CHECK_INT(m5000.pos, 0);
    http_request_free(&r);

    http_request_init(&r, &a, shortbody, &memio_ops, &m2);
    CHECK_INT(http_read_body(&r, 4096), HTTP_BODY_SHORT);
    CHECK(m2.abandoned);
    http_request_free(&r);
    arena_free(&a);
}

static void responses_carry_security_headers(void)
{
    char *env[] = {"REQUEST_METHOD=GET", "PATH_INFO=/x", "HTTP_X_REQUEST_ID=r1", NULL};
    char *head[] = {"REQUEST_METHOD=HEAD", "PATH_INFO=/x", NULL};
    struct arena a = ARENA_INIT;
    struct http_request r;
    struct http_response resp;
    struct memio m = {"", 0, 0, BUF_INIT, 0};

    http_request_init(&r, &a, env, &memio_ops, &m);
    http_response_init(&resp);
    resp.status = 404;
    resp.content_type = "application/json";
    buf_puts(&resp.body, "{}");
    http_add_header(&resp, "Allow", "GET");
    http_add_header(&resp, "X-Evil", "a\r\nSet-Cookie: x=1");
    http_send(&r, &resp);
    CHECK(strncmp(buf_str(&m.out), "Status: 404 Not Found\r\n", 23) == 0);
    CHECK_CONTAINS(buf_str(&m.out), "Content-Length: 2\r\n");
    CHECK_CONTAINS(buf_str(&m.out), "X-Request-Id: r1\r\n");
    CHECK_CONTAINS(buf_str(&m.out), "frame-ancestors 'none'");
    CHECK_CONTAINS(buf_str(&m.out), "X-Content-Type-Options: nosniff\r\n");
    CHECK_CONTAINS(buf_str(&m.out), "Referrer-Policy: same-origin\r\n");
    CHECK_CONTAINS(buf_str(&m.out), "Allow: GET\r\n");
    CHECK(strstr(buf_str(&m.out), "Set-Cookie") == NULL);
    CHECK(strstr(buf_str(&m.out), "script-src 'self';") != NULL);
    CHECK(strstr(buf_str(&m.out), "unsafe-inline") == NULL);
    CHECK_CONTAINS(buf_str(&m.out), "\r\n\r\n{}");

    buf_reset(&m.out);
    http_request_init(&r, &a, head, &memio_ops, &m);
    http_send(&r, &resp);
    CHECK_CONTAINS(buf_str(&m.out), "Content-Length: 2\r\n");
    CHECK(strstr(buf_str(&m.out), "\r\n\r\n{}") == NULL);
    http_response_free(&resp);
    buf_free(&m.out);
    arena_free(&a);
}

static void url_decoding_refuses_malformed_escapes(void)
{
    struct arena a = ARENA_INIT;

    CHECK_STR(http_url_decode(&a, "a%41+b", 6, 1), "aA b");
    CHECK_STR(http_url_decode(&a, "a%41+b", 6, 0), "aA+b");
    CHECK(http_url_decode(&a, "%4", 2, 0) == NULL);
    CHECK(http_url_decode(&a, "%", 1, 0) == NULL);
    CHECK(http_url_decode(&a, "%00", 3, 0) == NULL);
    CHECK(http_url_decode(&a, "%g1", 3, 0) == NULL);
    arena_free(&a);
}

/* The first refusal of a request made of env (and body, for forms). */
static void refusal_of(char **env, const char *body, const char *what, const char *field,
                       const char *problem)
{
    struct arena a = ARENA_INIT;
    struct http_request r;
    struct memio m = {body, strlen(body), 0, BUF_INIT, 0};

    http_request_init(&r, &a, env, &memio_ops, &m);
    if (*body)
        CHECK_INT(http_read_form(&r, 1000), what ? HTTP_FORM_REFUSED : HTTP_BODY_OK);
    if (what == NULL) {
        CHECK(r.refused.what == NULL);
    } else {
        CHECK_STR(r.refused.what, what);
        CHECK_STR(r.refused.field, field);
        CHECK_STR(r.refused.problem, problem);
    }
    http_request_free(&r);
    arena_free(&a);
}

static void bytes_that_are_not_text_are_refused(void)
{
    char *path[] = {"DOCUMENT_URI=/api/v1/missions/\xff\xfe", NULL};
    char *overlong[] = {"PATH_INFO=/a\xc0\xaf", NULL};
    char *raw_nul[] = {"REQUEST_URI=/api/v1/missions/a%00b?x=1", NULL};
    char *query_nul[] = {"QUERY_STRING=status=%00", NULL};
    char *query_name[] = {"QUERY_STRING=ok=1&x%FF=1", NULL};
    char *surrogate[] = {"QUERY_STRING=q=%ED%A0%80", NULL};
    char *header[] = {"HTTP_IDEMPOTENCY_KEY=\xff", NULL};
    char *content_type[] = {"CONTENT_TYPE=application/json\xff", NULL};
    char *unread[] = {"HTTP_USER_AGENT=\xff", "HTTP_X_REQUEST_ID=\xff", "HTTP_COOKIE=other=\xff",
                      NULL};
    char *form[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=13",
                    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL};
    char *authz[] = {"HTTP_AUTHORIZATION=Bearer \xff", "HTTP_COOKIE=gh_session=\xfe", NULL};
    struct arena a = ARENA_INIT;
    struct http_request r;
    struct memio m = {"", 0, 0, BUF_INIT, 0};

    refusal_of(path, "", "the path", "path", "is not valid UTF-8");
    refusal_of(overlong, "", "the path", "path", "is not valid UTF-8");
    refusal_of(raw_nul, "", "the path", "path", "contains a NUL byte");
    refusal_of(query_nul, "", "query parameter", "status", "contains a NUL byte");
    refusal_of(query_name, "", "query parameter", "x%FF", "is not valid UTF-8");
    refusal_of(surrogate, "", "query parameter", "q", "is not valid UTF-8");
    refusal_of(header, "", "header", "idempotency-key", "is not valid UTF-8");
    refusal_of(content_type, "", "header", "content-type", "is not valid UTF-8");
    refusal_of(unread, "", NULL, NULL, NULL);
    refusal_of(form, "a=1&b=%C3%28x", "form field", "b", "is not valid UTF-8");
    refusal_of(form, "a=1&b=ok%2Fyes", NULL, NULL, NULL);

    /* Credentials are refused apart, before anyone is identified with them. */
    http_request_init(&r, &a, authz, &memio_ops, &m);
    CHECK(r.refused.what == NULL);
    CHECK_STR(r.refused_credentials.field, "authorization");
    CHECK(!http_cookie_is_text(&r, "gh_session"));
    CHECK(http_cookie_is_text(&r, "__Host-gh_session"));
    /* A header nobody checks cannot be read. */
    CHECK(http_header(&r, "user-agent") == NULL);
    http_request_free(&r);
    arena_free(&a);
}

static void a_nul_in_a_form_body_is_refused(void)
{
    char *form[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=7",
                    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL};
    struct arena a = ARENA_INIT;
    struct http_request r;
    struct memio m = {"a=1\0b=2", 7, 0, BUF_INIT, 0};

    http_request_init(&r, &a, form, &memio_ops, &m);
    CHECK_INT(http_read_form(&r, 100), HTTP_FORM_REFUSED);
    CHECK_STR(r.refused.problem, "contains a NUL byte");
    /* asked again, the same answer */
    CHECK_INT(http_read_form(&r, 100), HTTP_FORM_REFUSED);
    http_request_free(&r);
    arena_free(&a);
}

const struct unit_test http_tests[] = {
    {"http: CGI parameters, query, cookies, headers", parses_cgi_parameters},
    {"http: request ids echoed only when sane", request_ids_are_echoed_only_when_sane},
    {"http: body read to its length, limit, short body",
     body_is_read_to_its_length_within_the_limit},
    {"http: responses carry security headers; HEAD has no body", responses_carry_security_headers},
    {"http: url decoding refuses malformed escapes", url_decoding_refuses_malformed_escapes},
    {"http: bytes that are not text are refused at the edge", bytes_that_are_not_text_are_refused},
    {"http: a NUL in a form body is refused", a_nul_in_a_form_body_is_refused},
    {NULL, NULL},
};
