/*
 * Gatehouse's own events in words and the pages they are about
 * (core/event_summary.c): one case per rule, with payloads shaped as
 * record_event() stores them, and hostile values that must stay one line
 * of inert text.
 */
#include <jansson.h>
#include <string.h>

#include "../../core/event_summary.h"
#include "check.h"

/* The words for type with the payload in JSON text. */
static struct event_words words(const char *type, const char *payload_json)
{
    struct event_words w;
    json_t *p = json_loads(payload_json, 0, NULL);

    if (p == NULL)
        check_fail(__FILE__, __LINE__, "bad test payload: %s", payload_json);
    event_summary(type, p, &w);
    json_decref(p);
    return w;
}

#define CHECK_WORDS(type_, payload_, want_summary, want_link)                                      \
    do {                                                                                           \
        struct event_words w_ = words(type_, payload_);                                            \
        CHECK_STR(w_.summary, want_summary);                                                       \
        CHECK_STR(w_.link, want_link);                                                             \
    } while (0)

/* An approval as approval_get() gives it, with votes and who decided. */
#define APPROVAL(status, tier, votes, decided_by)                                                  \
    "{\"id\": 42, \"action_type\": \"restart_service\", \"target\": \"payments-api\", "            \
    "\"tier\": " #tier ", \"status\": \"" status                                                   \
    "\", \"requested_by\": \"alice\", \"votes\": [" votes "], \"decided_by\": " decided_by         \
    ", \"execution\": null, \"verification\": null,"                                               \
    " \"snapshot\": null, \"rollback\": null}"
#define VOTE(by, verdict) "{\"by\": \"" by "\", \"verdict\": \"" verdict "\", \"comment\": \"\"}"

static void approvals_in_words(void)
{
    CHECK_WORDS("approval.requested", APPROVAL("pending", 2, "", "null"),
                "alice requested restart_service on payments-api (tier 2)", "/approvals/42");
    CHECK_WORDS("approval.voted", APPROVAL("pending", 3, VOTE("bob", "approve"), "null"),
                "bob approved restart_service on payments-api; it needs more votes",
                "/approvals/42");
    CHECK_WORDS("approval.granted", APPROVAL("approved", 2, VOTE("bob", "approve"), "\"bob\""),
                "bob approved restart_service on payments-api", "/approvals/42");
    CHECK_WORDS(
        "approval.granted",
        APPROVAL("approved", 3, VOTE("bob", "approve") "," VOTE("carol", "approve"), "\"carol\""),
        "bob and carol approved restart_service on payments-api", "/approvals/42");
    CHECK_WORDS(
        "approval.granted",
        APPROVAL("approved", 3,
                 VOTE("bob", "approve") "," VOTE("carol", "approve") "," VOTE("erin", "approve"),
                 "\"erin\""),
        "bob, carol and erin approved restart_service on payments-api", "/approvals/42");
    CHECK_WORDS("approval.granted", APPROVAL("approved", 1, "", "\"system\""),
                "restart_service on payments-api approved on arrival (tier 1)", "/approvals/42");
    CHECK_WORDS("approval.granted", APPROVAL("approved", 2, "", "\"system\""),
                "restart_service on payments-api approved: the freeze window that held it ended",
                "/approvals/42");
    CHECK_WORDS("approval.denied", APPROVAL("denied", 2, VOTE("carol", "deny"), "\"carol\""),
                "carol denied restart_service on payments-api", "/approvals/42");
    CHECK_WORDS("approval.cancelled", APPROVAL("cancelled", 2, "", "\"alice\""),
                "alice cancelled restart_service on payments-api", "/approvals/42");
    CHECK_WORDS("approval.expired", APPROVAL("expired", 2, "", "\"system\""),
                "restart_service on payments-api expired with nobody deciding", "/approvals/42");
    CHECK_WORDS("approval.executed",
                "{\"id\": 42, \"action_type\": \"restart_service\", \"target\": \"payments-api\","
                " \"execution\": {\"ok\": false, \"status\": \"failed\"}}",
                "restart_service on payments-api executed: failed (not ok)", "/approvals/42");
    CHECK_WORDS("approval.break_glass_required", APPROVAL("pending", 2, "", "null"),
                "restart_service on payments-api needs an executive's break-glass vote: a freeze "
                "window is in effect",
                "/approvals/42");
    CHECK_WORDS("approval.break_glass_released", APPROVAL("pending", 2, "", "null"),
                "restart_service on payments-api no longer needs break-glass: the freeze window "
                "ended",
                "/approvals/42");
}

/* A verified action: the approval with its verification, snapshot and rollback. */
#define ACTION(verification, rollback)                                                             \
    "{\"id\": 7, \"action_type\": \"restart_service\", \"target\": \"payments-api\","              \
    " \"snapshot\": {\"snapshot_id\": \"snap-1\", \"kind\": \"k8s\", \"reported_by\": \"exec\"},"  \
    " \"verification\": " verification ", \"rollback\": " rollback "}"
#define CRIT(name, metric, observed, passed)                                                       \
    "{\"name\": \"" name "\", \"metric\": \"" metric "\", \"observed\": " observed                 \
    ", \"passed\": " passed "}"

static void verified_actions_in_words(void)
{
    CHECK_WORDS("action.snapshot_taken", ACTION("null", "null"),
                "exec named the safe-hold snapshot snap-1 before restart_service on payments-api",
                "/approvals/7");
    CHECK_WORDS("action.verified",
                ACTION("{\"state\": \"verified\", \"criteria\": [" CRIT(
                           "errors", "error_rate", "0.001", "true") "," CRIT("latency", "p95_ms",
                                                                             "40", "true") "]}",
                       "null"),
                "restart_service on payments-api kept its contract: 2 of 2 criteria met",
                "/approvals/7");
    CHECK_WORDS("action.violated",
                ACTION("{\"state\": \"violated\", \"criteria\": [" CRIT(
                           "errors", "error_rate", "0.2", "false") "," CRIT("latency", "p95_ms",
                                                                            "40", "true") "]}",
                       "null"),
                "restart_service on payments-api broke its contract: errors failed",
                "/approvals/7");
    CHECK_WORDS("action.unverifiable",
                ACTION("{\"state\": \"unverifiable\", \"criteria\": [" CRIT("errors", "error_rate",
                                                                            "null", "false") "]}",
                       "null"),
                "restart_service on payments-api could not be verified: no samples for error_rate",
                "/approvals/7");
    CHECK_WORDS("action.rollback_requested",
                ACTION("null", "{\"requested_at\": \"2026-12-05T10:00:00.000Z\", \"snapshot_id\":"
                               " \"snap-1\", \"result\": null}"),
                "rollback of restart_service on payments-api to snapshot snap-1 requested",
                "/approvals/7");
    CHECK_WORDS("action.rollback_reported",
                ACTION("null", "{\"snapshot_id\": \"snap-1\", \"result\": {\"ok\": true,"
                               " \"status\": \"restored\", \"restored_snapshot_id\": \"snap-1\","
                               " \"reported_by\": \"exec\"}}"),
                "exec reported the rollback of restart_service on payments-api: restored, "
                "restored snap-1",
                "/approvals/7");
}

static void deployments_in_words(void)
{
    CHECK_WORDS(
        "gate.evaluated",
        "{\"deployment_id\": \"canary-7\", \"decision\": {\"phase\": \"canary-5\","
        " \"proceed\": true, \"criteria_met\": 3, \"total_criteria\": 3, \"blockers\": []}}",
        "gate of phase canary-5 proceeded: 3 of 3 criteria met", "/deployments/canary-7");
    CHECK_WORDS("gate.evaluated",
                "{\"deployment_id\": \"canary-7\", \"decision\": {\"phase\": \"t8h\","
                " \"proceed\": false, \"criteria_met\": 1, \"total_criteria\": 3,"
                " \"blockers\": [\"tag_detection\", \"performance_impact\"]}}",
                "gate of phase t8h blocked by tag_detection and performance_impact: 1 of 3 "
                "criteria met",
                "/deployments/canary-7");
    CHECK_WORDS("rollback.triggered",
                "{\"deployment_id\": \"canary-7\", \"rollback\": {\"trigger\": {\"name\":"
                " \"error_rate_spike\", \"action\": \"immediate_rollback\"}}}",
                "rollback trigger error_rate_spike fired on canary-7: immediate_rollback",
                "/deployments/canary-7");
    CHECK_WORDS("deployment.created",
                "{\"deployment_id\": \"canary-7\", \"deployment\": {\"name\": \"Safety Tags\","
                " \"plan\": \"t4-72h\"}, \"title\": \"Safety Tags\"}",
                "deployment Safety Tags created on plan t4-72h", "/deployments/canary-7");
    CHECK_WORDS("deployment.status_reported",
                "{\"deployment_id\": \"canary-7\", \"status\": {\"from\": \"rolling_back\","
                " \"to\": \"rolled_back\", \"comment\": \"\"}}",
                "deployment canary-7 reported rolled_back (was rolling_back)",
                "/deployments/canary-7");
    CHECK_WORDS("deployment.signed_off",
                "{\"deployment_id\": \"canary-7\", \"signoff\": {\"decision\": \"APPROVED\","
                " \"by\": \"erin\", \"override\": true, \"recommendation\": \"ROLLBACK\"}}",
                "erin signed off deployment canary-7: APPROVED, overriding a ROLLBACK "
                "recommendation",
                "/deployments/canary-7");
}

static void freezes_in_words(void)
{
    CHECK_WORDS("freeze.created", "{\"name\": \"v0.02-final\", \"artifact_count\": 10}",
                "freeze v0.02-final created over 10 artifacts", "/freezes/v0.02-final");
    CHECK_WORDS("freeze.lifted", "{\"name\": \"v0.02-final\", \"lifted_by\": \"ada\"}",
                "freeze v0.02-final: its window was lifted by ada", "/freezes/v0.02-final");
    CHECK_WORDS("freeze.violated",
                "{\"id\": 3, \"freeze\": \"v0.02-final\", \"path\": \"CHANGELOG.md\","
                " \"kind\": \"modified\"}",
                "freeze v0.02-final violated: CHANGELOG.md was modified", "/freezes/v0.02-final");
    CHECK_WORDS("freeze.violated",
                "{\"id\": 4, \"freeze\": \"v0.02-final\", \"path\": \"a.json\", \"kind\": "
                "\"missing\"}",
                "freeze v0.02-final violated: a.json is missing", "/freezes/v0.02-final");
    CHECK_WORDS("freeze.violated",
                "{\"id\": 5, \"freeze\": \"v0.02-final\", \"path\": \"b.json\", \"kind\": "
                "\"unexpected\"}",
                "freeze v0.02-final violated: b.json appeared, not in the manifest",
                "/freezes/v0.02-final");
    CHECK_WORDS(
        "freeze.restored", "{\"id\": 3, \"freeze\": \"v0.02-final\", \"path\": \"CHANGELOG.md\"}",
        "freeze v0.02-final restored: CHANGELOG.md is as frozen again", "/freezes/v0.02-final");
}

static void other_families_in_words(void)
{
    CHECK_WORDS(
        "mission.closed",
        "{\"mission_id\": \"mission-789\", \"status\": \"resolved\", \"summary\": \"fixed\"}",
        "mission closed as resolved: fixed", "/missions/mission-789");
    CHECK_WORDS("source.silent", "{\"source\": \"sentinel\"}", "source silent: sentinel", "");
    CHECK_WORDS("ledger.stale_head", "{}", "ledger stale head", "/ledger");
    CHECK_WORDS("widget.did_something", "{}", "widget did something", "");
}

/* Hostile values stay one line of plain text; hostile ids give no link. */
static void hostile_payloads_stay_inert(void)
{
    struct event_words w;
    char long_target[600];
    json_t *p;

    memset(long_target, 'x', sizeof(long_target) - 1);
    long_target[sizeof(long_target) - 1] = '\0';
    p = json_pack("{s:i, s:s, s:s, s:i, s:s}", "id", 9, "action_type", "<script>alert(1)</script>",
                  "target", long_target, "tier", 2, "requested_by",
                  "mallory\n\r\tforged line\xe2\x80\xae\xe2\x80\xa8\x7f");
    event_summary("approval.requested", p, &w);
    CHECK(strchr(w.summary, '\n') == NULL && strchr(w.summary, '\r') == NULL);
    CHECK(strchr(w.summary, '\t') == NULL && strchr(w.summary, '\x7f') == NULL);
    CHECK(strstr(w.summary, "\xe2\x80\xae") == NULL && strstr(w.summary, "\xe2\x80\xa8") == NULL);
    CHECK_CONTAINS(w.summary, "mallory forged line requested <script>alert(1)</script> on ");
    CHECK_CONTAINS(w.summary, "xxx…");
    CHECK(strlen(w.summary) < 200);
    CHECK_STR(w.link, "/approvals/9");
    json_decref(p);

    /* Ids that are not identifiers link nowhere. */
    CHECK_WORDS("gate.evaluated", "{\"deployment_id\": \"//evil.example/x\", \"decision\": {}}",
                "gate of phase ? blocked: 0 of 0 criteria met", "");
    CHECK_WORDS("freeze.violated", "{\"freeze\": \"../../etc\", \"path\": \"p\"}",
                "freeze ../../etc violated: p was modified", "");
    CHECK_WORDS("approval.requested", "{\"id\": \"42\"}", "? requested ? on ? (tier 0)", "");
    CHECK_WORDS("approval.requested", "{\"id\": -1}", "? requested ? on ? (tier 0)", "");
    CHECK_WORDS("mission.closed", "{\"mission_id\": \"javascript:alert(1)\"}",
                "mission closed as ?", "");
    /* Not a payload at all. */
    w = words("approval.granted", "[1, 2]");
    CHECK_STR(w.link, "");
    event_summary("approval.granted", NULL, &w);
    CHECK_STR(w.summary, "? approved ? on ?");
    event_summary("nodot", NULL, &w);
    CHECK_STR(w.summary, "");
    event_summary(NULL, NULL, &w);
    CHECK_STR(w.summary, "");
}

/* A client's event keeps its own text, with no link; only Gatehouse's source is worded. */
static void client_events_keep_their_text(void)
{
    struct event_words w;
    json_t *p = json_pack("{s:s, s:s, s:i}", "error", "OOMKilled", "action_type", "x", "id", 42);

    event_describe("sentinel", "error.detected", p, &w);
    CHECK_STR(w.summary, "OOMKilled");
    CHECK_STR(w.link, "");
    /* A client posting a Gatehouse-looking type is still a client. */
    event_describe("sentinel", "approval.granted", p, &w);
    CHECK_STR(w.summary, "OOMKilled");
    CHECK_STR(w.link, "");
    json_decref(p);
    p = json_pack("{s:i}", "id", 42);
    event_describe("sentinel", "approval.granted", p, &w);
    CHECK_STR(w.summary, "");
    event_describe(EVENT_SOURCE_GATEHOUSE, "approval.granted", p, &w);
    CHECK_STR(w.link, "/approvals/42");
    json_decref(p);
}

static void subjects_link_to_what_they_name(void)
{
    static const struct {
        const char *subject, *link;
    } cases[] = {
        {"approval:42", "/approvals/42"},
        {"freeze:v0.02-final", "/freezes/v0.02-final"},
        {"deployment:safety-tags-v1-demo", "/deployments/safety-tags-v1-demo"},
        {"mission:mission-789", "/missions/mission-789"},
        {"plan:t4-72h", "/api/v1/plans/t4-72h"},
        {"user:alice", "/ledger?subject=user%3Aalice"},
        {"source:sentinel", "/ledger?subject=source%3Asentinel"},
        {"token:3", "/ledger?subject=token%3A3"},
        {"webhook:7", "/ledger?subject=webhook%3A7"},
        {"approval:0", ""},
        {"approval:-3", ""},
        {"approval:4x", ""},
        {"approval:", ""},
        {"approval:1234567890123456789", ""},
        {"freeze:../x", ""},
        {"deployment:", ""},
        {"mission:a b", ""},
        {"user:<script>", ""},
        {"cli:ada", ""},
        {"something", ""},
        {"", ""},
    };
    char link[PAGE_LINK_LEN];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int linked = subject_link(cases[i].subject, link);
        CHECK_STR(link, cases[i].link);
        CHECK_INT(linked, cases[i].link[0] != '\0');
    }
    CHECK_INT(subject_link(NULL, link), 0);
}

const struct unit_test event_summary_tests[] = {
    {"event summary: approvals", approvals_in_words},
    {"event summary: verified actions", verified_actions_in_words},
    {"event summary: deployments, gates, rollbacks", deployments_in_words},
    {"event summary: freezes", freezes_in_words},
    {"event summary: missions, sources, ledger, others", other_families_in_words},
    {"event summary: hostile payloads stay inert", hostile_payloads_stay_inert},
    {"event summary: client events keep their text", client_events_keep_their_text},
    {"event summary: ledger subjects link", subjects_link_to_what_they_name},
    {NULL, NULL},
};
