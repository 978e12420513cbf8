/*
 * Contracts of verified actions: the verification rule (violated at once,
 * verified when every criterion is met, unverifiable at the deadline), a
 * contract failing on each operator, judged by the same criterion engine
 * as gates, and the readers' errors naming their place in the body.
 */
#include <stdlib.h>

#include "../../core/alloc.h"
#include "../../core/contracts.h"
#include "../../core/samples.h"
#include "check.h"
#include "fixtures.h"

#define T0 1795000000000LL

static void the_verification_rule(void)
{
    struct crit_result pass = {1, 1, 1}, fail = {1, 2, 0}, none = {0, 0, 0};
    struct crit_result r[3];

    r[0] = pass, r[1] = pass, r[2] = pass;
    CHECK_INT(verification_decide(r, 3, 0), VERIFY_VERIFIED);
    r[2] = none;
    CHECK_INT(verification_decide(r, 3, 0), VERIFY_PENDING);
    CHECK_INT(verification_decide(r, 3, 1), VERIFY_UNVERIFIABLE);
    r[1] = fail; /* a broken promise does not wait for the deadline, nor for the rest */
    CHECK_INT(verification_decide(r, 3, 0), VERIFY_VIOLATED);
    CHECK_INT(verification_decide(r, 3, 1), VERIFY_VIOLATED);
}

static struct contract one(const char *metric, enum crit_op op, double threshold, enum crit_agg agg)
{
    struct contract c = {xcalloc(1, sizeof(struct criterion)), 1, 600};

    snprintf(c.criteria[0].name, sizeof(c.criteria[0].name), "promise");
    snprintf(c.criteria[0].metric, sizeof(c.criteria[0].metric), "%s", metric);
    c.criteria[0].op = op;
    c.criteria[0].threshold = threshold;
    c.criteria[0].aggregate = agg;
    return c;
}

/*
 * What verified_actions.c does over the database, over an array: each
 * criterion judged by the engine over its own metric's samples, then the
 * verification rule.
 */
static enum verification_state judge(const struct contract *c, const struct sample_in *s, size_t n,
                                     int deadline_passed, struct crit_result *results)
{
    struct sample mine[8];

    for (size_t i = 0; i < c->ncriteria; i++) {
        size_t k = 0;
        for (size_t j = 0; j < n && k < 8; j++)
            if (strcmp(s[j].metric, c->criteria[i].metric) == 0)
                mine[k++] = (struct sample){s[j].at_ms, s[j].value};
        criterion_evaluate(&c->criteria[i], mine, k, &results[i]);
    }
    return verification_decide(results, c->ncriteria, deadline_passed);
}

static void a_contract_fails_on_each_operator(void)
{
    static const struct {
        enum crit_op op;
        double threshold; /* the samples below are 0.02 and 0.01 (latest) */
        int passes;
    } cases[] = {{OP_LT, 0.001, 0}, {OP_LT, 0.05, 1},  {OP_LE, 0.009, 0}, {OP_LE, 0.01, 1},
                 {OP_GT, 0.01, 0},  {OP_GT, 0.005, 1}, {OP_GE, 0.011, 0}, {OP_GE, 0.01, 1},
                 {OP_EQ, 0.02, 0},  {OP_EQ, 0.01, 1},  {OP_NE, 0.01, 0},  {OP_NE, 0.02, 1}};
    struct sample_in s[] = {{"error_rate", T0, 0.02}, {"cpu", T0, 9}, {"error_rate", T0 + 1, 0.01}};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct contract c = one("error_rate", cases[i].op, cases[i].threshold, AGG_LAST);
        struct crit_result r;
        enum verification_state st = judge(&c, s, 3, 0, &r);
        if ((int)st != (cases[i].passes ? VERIFY_VERIFIED : VERIFY_VIOLATED))
            check_fail(__FILE__, __LINE__, "case %zu (%s %g): state %s", i,
                       crit_op_name(cases[i].op), cases[i].threshold, verification_state_name(st));
        CHECK(r.observed == 0.01);
        contract_free(&c);
    }
    /* Only its own metric counts: max over error_rate is 0.02, not cpu's 9. */
    struct contract c = one("error_rate", OP_LT, 1, AGG_MAX);
    struct crit_result r;
    CHECK_INT(judge(&c, s, 3, 0, &r), VERIFY_VERIFIED);
    CHECK(r.observed == 0.02);
    /* No sample of it: pending, then unverifiable at the deadline. */
    CHECK_INT(judge(&c, s + 1, 1, 0, &r), VERIFY_PENDING);
    CHECK(!r.observed_set);
    CHECK_INT(judge(&c, s + 1, 1, 1, &r), VERIFY_UNVERIFIABLE);
    contract_free(&c);
}

static void contracts_read_with_paths(void)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    struct contract c;
    char names[512];
    json_t *j;

    j = json_loads("{\"criteria\": [{\"name\": \"error_rate\", \"metric\": \"error_rate\","
                   " \"op\": \"<\", \"threshold\": 0.001}]}",
                   0, NULL);
    CHECK_INT(contract_parse(j, "contract", &c, &e), 0);
    CHECK_INT(c.ncriteria, 1);
    CHECK_INT(c.verify_within_s, 600);
    json_t *back = contract_json(&c);
    CHECK(json_object_get(json_array_get(json_object_get(back, "criteria"), 0), "critical") ==
          NULL);
    CHECK_STR(json_string_value(json_object_get(
                  json_array_get(json_object_get(back, "criteria"), 0), "aggregate")),
              "last");
    json_decref(back);
    contract_free(&c);
    json_decref(j);

    j = json_loads("{\"criteria\": [{\"name\": \"x\", \"metric\": \"m\", \"op\": \"<\","
                   " \"threshold\": 1, \"critical\": true}], \"verify_within_seconds\": 30,"
                   " \"extra\": 1}",
                   0, NULL);
    CHECK_INT(contract_parse(j, "contract", &c, &e), -1);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)),
              "contract.extra,contract.verify_within_seconds,contract.criteria[0].critical");
    field_errors_free(&e);
    contract_free(&c);
    json_decref(j);

    j = json_loads("{\"criteria\": []}", 0, NULL);
    CHECK_INT(contract_parse(j, "contract", &c, &e), -1);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)), "contract.criteria");
    field_errors_free(&e);
    json_decref(j);
    j = json_loads("{}", 0, NULL);
    CHECK_INT(contract_parse(j, "contract", &c, &e), -1);
    CHECK_STR(fixture_fields(&e, names, sizeof(names)), "contract.criteria");
    field_errors_free(&e);
    json_decref(j);
}

const struct unit_test contract_tests[] = {
    {"contracts: the verification rule", the_verification_rule},
    {"contracts: a contract fails on each operator", a_contract_fails_on_each_operator},
    {"contracts: contracts are read with their paths", contracts_read_with_paths},
    {NULL, NULL},
};
