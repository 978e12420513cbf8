/* Strict JSON bodies, typed getters and the envelope. */
#include <stdlib.h>

#include "../../core/json.h"
#include "../../core/validate.h"
#include "check.h"

static json_t *parse(const char *text)
{
    struct gh_error err;

    return json_body_parse(text, strlen(text), &err);
}

static void body_must_be_one_object(void)
{
    struct gh_error err;

    CHECK(json_body_parse("[1]", 3, &err) == NULL);
    CHECK_CONTAINS(err.message, "must be a JSON object");
    CHECK(json_body_parse("{\"a\":", 5, &err) == NULL);
    CHECK_CONTAINS(err.message, "not valid JSON");
    CHECK(json_body_parse("{\"a\":1,\"a\":2}", 13, &err) == NULL);
    CHECK(json_body_parse("{} {}", 5, &err) == NULL);
    CHECK(json_body_parse("", 0, &err) == NULL);
    /* NUL inside a string would cut C strings short: the parser refuses it. */
    CHECK(json_body_parse("{\"a\":\"x\\u0000y\"}", 17, &err) == NULL);
    CHECK_CONTAINS(err.message, "may not contain \\u0000");
    CHECK(strstr(err.message, "JSON_") == NULL); /* no library internals */
}

static void unknown_fields_are_named(void)
{
    static const char *const allowed[] = {"tier", "target", NULL};
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *body = parse("{\"tier\":2,\"target\":\"x\",\"tire\":3}");
    json_t *details;

    json_reject_unknown(body, allowed, &e);
    CHECK_INT(e.count, 1);
    details = field_errors_take(&e);
    CHECK_STR(json_string_value(json_object_get(json_array_get(details, 0), "field")), "tire");
    CHECK_STR(json_string_value(json_object_get(json_array_get(details, 0), "problem")),
              "unknown field");
    json_decref(details);
    json_decref(body);
}

static void getters_check_presence_type_and_range(void)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    json_t *body = parse("{\"s\":\"h\\u00e9llo\",\"n\":5,\"big\":50,\"str\":\"5\",\"b\":true,"
                         "\"o\":{},\"a\":[1,2,3],\"f\":0.5}");
    const char *s = NULL;
    long long n = 0;
    int b = 0;
    double f = 0;
    json_t *o = NULL, *a = NULL;

    CHECK_INT(json_get_string(body, "s", 1, 1, 5, &s, &e), 1);
    CHECK_STR(s, "h\xc3\xa9llo"); /* 5 characters, 6 bytes */
    CHECK_INT(json_get_string(body, "s", 1, 1, 4, &s, &e), -1);
    CHECK_INT(json_get_int(body, "n", 1, 1, 10, &n, &e), 1);
    CHECK_INT(n, 5);
    CHECK_INT(json_get_int(body, "big", 1, 1, 10, &n, &e), -1);
    CHECK_INT(json_get_int(body, "str", 1, 1, 10, &n, &e), -1);
    CHECK_INT(json_get_int(body, "missing", 0, 1, 10, &n, &e), 0);
    CHECK_INT(json_get_int(body, "required", 1, 1, 10, &n, &e), 0);
    CHECK_INT(json_get_bool(body, "b", 1, &b, &e), 1);
    CHECK(b == 1);
    CHECK_INT(json_get_bool(body, "n", 1, &b, &e), -1);
    CHECK_INT(json_get_object(body, "o", 1, &o, &e), 1);
    CHECK_INT(json_get_array(body, "a", 1, 3, &a, &e), 1);
    CHECK_INT(json_get_array(body, "a", 1, 2, &a, &e), -1);
    CHECK_INT(json_get_number(body, "f", 1, &f, &e), 1);
    CHECK(f == 0.5);
    /* s too long, big, str, required, n-as-bool, a too long: each recorded once */
    CHECK_INT(e.count, 6);
    field_errors_free(&e);
    json_decref(body);
}

static void envelopes_have_the_contract_shape(void)
{
    json_t *ok = envelope_data(json_pack("{s:i}", "x", 1), "rid-1");
    json_t *bad = envelope_error("not_found", "nothing here", NULL, "rid-2");
    char *text;

    text = json_dumps(ok, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(text, "{\"data\":{\"x\":1},\"meta\":{\"request_id\":\"rid-1\"}}");
    free(text);
    text = json_dumps(bad, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(text, "{\"error\":{\"code\":\"not_found\",\"details\":[],\"message\":\"nothing "
                    "here\"},\"meta\":{\"request_id\":\"rid-2\"}}");
    free(text);
    json_decref(ok);
    json_decref(bad);
}

static void identifier_shapes(void)
{
    char long_id[70];

    CHECK(valid_client_id("mission-789"));
    CHECK(valid_client_id("v0.02-final"));
    CHECK(valid_client_id("a:b_c.d-e"));
    CHECK(!valid_client_id(""));
    CHECK(!valid_client_id("-leading"));
    CHECK(!valid_client_id("has space"));
    CHECK(!valid_client_id("slash/no"));
    memset(long_id, 'a', 64);
    long_id[64] = '\0';
    CHECK(valid_client_id(long_id));
    long_id[64] = 'a';
    long_id[65] = '\0';
    CHECK(!valid_client_id(long_id));
    CHECK(valid_request_id("-req.1:2_3"));
    CHECK(!valid_request_id("bad<id>"));
}

const struct unit_test json_tests[] = {
    {"json: body must be one object, no duplicate keys", body_must_be_one_object},
    {"json: unknown fields are named", unknown_fields_are_named},
    {"json: typed getters check presence, type, range", getters_check_presence_type_and_range},
    {"json: envelope shapes", envelopes_have_the_contract_shape},
    {"validate: identifier shapes", identifier_shapes},
    {NULL, NULL},
};
