/* Client text shown back (core/echo.c), and the 500 envelope built without jansson. */
#include <jansson.h>

#include "../../core/echo.h"
#include "../../core/error.h"
#include "../../core/json.h"
#include "check.h"

static void values_are_escaped_and_cut(void)
{
    char out[ECHO_LEN], long_value[300];
    const char *e;

    CHECK_STR(echo("mission-789", out), "mission-789");
    CHECK_STR(echo(NULL, out), "");
    CHECK_STR(echo("caf\xc3\xa9 \xe2\x9c\x93", out), "caf\xc3\xa9 \xe2\x9c\x93");
    /* bytes that are not UTF-8: invalid, overlong "/", a surrogate, a cut character */
    CHECK_STR(echo("\xff\xfe", out), "\\xff\\xfe");
    CHECK_STR(echo("\xc0\xaf", out), "\\xc0\\xaf");
    CHECK_STR(echo("\xed\xa0\x80", out), "\\xed\\xa0\\x80");
    CHECK_STR(echo("ab\xe2\x9c", out), "ab\\xe2\\x9c");
    /* what breaks lines or reorders text */
    CHECK_STR(echo("a\nb\tc\rd\\e\x1b[31m", out), "a\\nb\\tc\\rd\\\\e\\x1b[31m");
    CHECK_STR(echo("x\xe2\x80\xaey\xe2\x80\xa8z\xc2\x85", out), "x\\u202ey\\u2028z\\u0085");
    /* 64 characters at most, then an ellipsis */
    memset(long_value, 'a', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    e = echo(long_value, out);
    CHECK_INT(strlen(e), 64 + 3);
    CHECK(strcmp(e + 64, "\xe2\x80\xa6") == 0);
    /* the worst case fits: 64 escapes of 6 bytes and the ellipsis */
    for (int i = 0; i < 99; i++)
        memcpy(long_value + 3 * i, "\xe2\x80\xae", 3);
    long_value[297] = '\0';
    e = echo(long_value, out);
    CHECK_INT(strlen(e), 64 * 6 + 3);
    json_t *j = json_string(e);
    CHECK(j != NULL);
    json_decref(j);
}

static void text_is_repaired_at_character_boundaries(void)
{
    char out[8];

    CHECK_STR(text_repair("ok", out, sizeof(out)), "ok");
    CHECK_STR(text_repair("a\xff", out, sizeof(out)), "a\\xff");
    /* never cut inside a character or an escape */
    CHECK_STR(text_repair("abcde\xe2\x9c\x93", out, sizeof(out)), "abcde");
    CHECK_STR(text_repair("abcd\xff", out, sizeof(out)), "abcd");
}

static void error_messages_stay_utf8(void)
{
    struct gh_error err;
    char big[600];

    /* a client value passed without echo() and a cut in the middle of a character */
    gh_fail(&err, GH_INVALID, "no mission '%s'", "\xff\xfe");
    CHECK_STR(err.message, "no mission '\\xff\\xfe'");
    CHECK_STR(err.field, "");
    memset(big, 'a', sizeof(big));
    memcpy(big + 508, "\xe2\x9c\x93", 3);
    big[599] = '\0';
    gh_fail(&err, GH_INVALID, "%s", big);
    json_t *j = json_string(err.message);
    CHECK(j != NULL);
    json_decref(j);
    gh_fail_field(&err, GH_INVALID, "events", "unknown event type");
    CHECK_STR(err.field, "events");
}

static void field_errors_show_client_names_safely(void)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *d;

    field_error(&e, "x\xff\ny", "unknown field");
    field_error(&e, "ok", "bad %s", "\xc0\xaf");
    d = field_errors_take(&e);
    CHECK_INT(json_array_size(d), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(d, 0), "field")), "x\\xff\\ny");
    CHECK_STR(json_string_value(json_object_get(json_array_get(d, 1), "problem")),
              "bad \\xc0\\xaf");
    json_decref(d);
}

static void the_internal_envelope_is_json_without_jansson(void)
{
    struct buf b = BUF_INIT;
    json_t *doc;

    envelope_internal_text(&b, "req-1.2:3");
    doc = json_loads(buf_str(&b), 0, NULL);
    CHECK(doc != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "error"), "code")),
              "internal");
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "meta"), "request_id")),
              "req-1.2:3");
    CHECK_INT(json_array_size(json_object_get(json_object_get(doc, "error"), "details")), 0);
    json_decref(doc);
    /* an id that is not sane is left out rather than break the document */
    buf_reset(&b);
    envelope_internal_text(&b, "a\"b");
    doc = json_loads(buf_str(&b), 0, NULL);
    CHECK(doc != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "meta"), "request_id")), "");
    json_decref(doc);
    buf_free(&b);
}

const struct unit_test echo_tests[] = {
    {"echo: client values escaped and cut", values_are_escaped_and_cut},
    {"echo: text repaired at character boundaries", text_is_repaired_at_character_boundaries},
    {"echo: error messages stay UTF-8", error_messages_stay_utf8},
    {"echo: field errors show client names safely", field_errors_show_client_names_safely},
    {"echo: the internal envelope is JSON without jansson",
     the_internal_envelope_is_json_without_jansson},
    {NULL, NULL},
};
