/*
 * The approval rules (plain structs, no I/O) and the transitions over a
 * real SQLite file: votes, races decided under the write lock, expiry,
 * cancel, execution reports, idempotency, and the ledger entry and event
 * every change records.
 */
#include <pthread.h>
#include <stdlib.h>

#include "../../core/approvals.h"
#include "../../core/ledger.h"
#include "../../core/timeutil.h"
#include "check.h"
#include "fixtures.h"

#define NOW 1795000000000LL /* 2026-11-18, an arbitrary fixed time */

static struct approval_facts facts(int tier, int break_glass)
{
    struct approval_facts f = {0};

    f.tier = tier;
    f.status = APPROVAL_PENDING;
    snprintf(f.requested_by, sizeof(f.requested_by), "alice");
    f.required_approvals = tier_required_approvals(tier);
    f.break_glass_required = break_glass;
    f.expires_ms = NOW + 3600000;
    return f;
}

static void cast(struct approval_facts *f, const char *voter, unsigned roles, int approve)
{
    struct ballot *b = &f->votes[f->nvotes++];

    snprintf(b->voter, sizeof(b->voter), "%s", voter);
    b->roles = roles;
    b->approve = approve;
}

static int refusal(const struct approval_facts *f, const char *voter, unsigned roles, int64_t now)
{
    struct gh_error err = {0};

    return vote_check(f, voter, roles, now, &err) == 0 ? GH_OK : (int)err.kind;
}

static void tiers_need_their_votes(void)
{
    struct approval_facts f = facts(1, 0);

    CHECK(approval_is_granted(&f));
    CHECK_INT(approval_outcome(&f), APPROVAL_APPROVED);

    f = facts(2, 0);
    CHECK_INT(approval_outcome(&f), APPROVAL_PENDING);
    cast(&f, "bob", ROLE_APPROVER, 1);
    CHECK_INT(approval_outcome(&f), APPROVAL_APPROVED);

    f = facts(3, 0);
    cast(&f, "bob", ROLE_APPROVER, 1);
    CHECK_INT(approval_outcome(&f), APPROVAL_PENDING);
    cast(&f, "carol", ROLE_APPROVER, 1);
    CHECK_INT(approval_outcome(&f), APPROVAL_APPROVED);

    /* Any deny ends it, even after approvals. */
    f = facts(3, 0);
    cast(&f, "bob", ROLE_APPROVER, 1);
    cast(&f, "carol", ROLE_APPROVER, 0);
    CHECK_INT(approval_outcome(&f), APPROVAL_DENIED);
}

static void who_may_vote_in_api_order(void)
{
    struct approval_facts f = facts(3, 0);

    CHECK_INT(refusal(&f, "vera", ROLE_VIEWER | ROLE_REQUESTER, NOW), GH_FORBIDDEN);
    CHECK_INT(refusal(&f, "alice", ROLE_APPROVER | ROLE_REQUESTER, NOW), GH_SELF_APPROVAL);
    CHECK_INT(refusal(&f, "bob", ROLE_APPROVER, NOW), GH_OK);
    cast(&f, "bob", ROLE_APPROVER, 1);
    CHECK_INT(refusal(&f, "bob", ROLE_APPROVER, NOW), GH_DUPLICATE_VOTE);
    /* An executive who is not an approver votes only where break-glass is needed. */
    CHECK_INT(refusal(&f, "erin", ROLE_EXECUTIVE, NOW), GH_FORBIDDEN);
    f.break_glass_required = 1;
    CHECK_INT(refusal(&f, "erin", ROLE_EXECUTIVE, NOW), GH_OK);
    /* Past its expiry the request is decided, whatever the worker has not done yet. */
    CHECK_INT(refusal(&f, "carol", ROLE_APPROVER, f.expires_ms), GH_ALREADY_DECIDED);
    /* Not pending comes before who you are: the requester hears it is decided. */
    f.status = APPROVAL_APPROVED;
    CHECK_INT(refusal(&f, "alice", ROLE_APPROVER, NOW), GH_ALREADY_DECIDED);
    CHECK_INT(refusal(&f, "bob", ROLE_APPROVER, NOW), GH_ALREADY_DECIDED);
    CHECK_INT(refusal(&f, "vera", ROLE_VIEWER, NOW), GH_FORBIDDEN);
}

static void break_glass_needs_a_distinct_executive(void)
{
    struct approval_facts f = facts(2, 1);
    struct approval_needs n;

    approval_needs(&f, &n);
    CHECK_INT(n.approvals, 1);
    CHECK_INT(n.break_glass, 1);
    /* One person holding both roles cannot be both the approval and the break-glass. */
    cast(&f, "dora", ROLE_APPROVER | ROLE_EXECUTIVE, 1);
    CHECK(!approval_is_granted(&f));
    approval_needs(&f, &n);
    CHECK_INT(n.approvals, 0);
    CHECK_INT(n.break_glass, 1);
    cast(&f, "erin", ROLE_EXECUTIVE, 1);
    CHECK(approval_is_granted(&f));

    /* The executive may vote first. */
    f = facts(3, 1);
    cast(&f, "erin", ROLE_EXECUTIVE, 1);
    approval_needs(&f, &n);
    CHECK_INT(n.approvals, 2);
    CHECK_INT(n.break_glass, 0);
    cast(&f, "bob", ROLE_APPROVER, 1);
    CHECK(!approval_is_granted(&f));
    cast(&f, "carol", ROLE_APPROVER, 1);
    CHECK(approval_is_granted(&f));

    /* Approvers alone never grant a break-glass request. */
    f = facts(2, 1);
    cast(&f, "bob", ROLE_APPROVER, 1);
    cast(&f, "carol", ROLE_APPROVER, 1);
    CHECK(!approval_is_granted(&f));
}

static void cancel_and_execution_rules(void)
{
    struct approval_facts f = facts(2, 0);
    struct gh_error err;

    CHECK_INT(cancel_check(&f, "alice", ROLE_REQUESTER, NOW, &err), 0);
    CHECK_INT(cancel_check(&f, "ada", ROLE_ADMIN, NOW, &err), 0);
    CHECK_INT(cancel_check(&f, "mallory", ROLE_REQUESTER, NOW, &err), -1);
    CHECK_INT(err.kind, GH_FORBIDDEN);
    CHECK_INT(cancel_check(&f, "alice", ROLE_REQUESTER, f.expires_ms, &err), -1);
    CHECK_INT(err.kind, GH_ALREADY_DECIDED);

    CHECK_INT(execution_check(&f, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    f.status = APPROVAL_DENIED;
    CHECK_INT(execution_check(&f, &err), -1);
    CHECK_INT(err.kind, GH_ALREADY_DECIDED);
    f.status = APPROVAL_APPROVED;
    CHECK_INT(execution_check(&f, &err), 0);
    f.has_execution = 1;
    CHECK_INT(execution_check(&f, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
}

/* ---- over a database ---- */

static struct actor actor(const char *name, unsigned roles, int64_t now)
{
    return (struct actor){
        .username = name, .roles = roles, .public_url = "https://gh.example/", .now_ms = now};
}

static int64_t file_request(struct db *db, int tier, int64_t now)
{
    struct actor alice = actor("alice", ROLE_REQUESTER, now);
    struct approval_input in = {
        "restart_service", "payments-api", "leak", "m-1", tier, NULL, 60, NULL};
    struct gh_error err;
    json_t *a = NULL;
    int replayed;
    int64_t id = 0;

    if (approval_create(db, &alice, &in, NULL, &a, &replayed, &err) == 0)
        id = json_integer_value(json_object_get(a, "id"));
    json_decref(a);
    return id;
}

static void transitions_record_events_and_ledger(void)
{
    struct actor bob = actor("bob", ROLE_APPROVER, NOW + 1000);
    struct actor carol = actor("carol", ROLE_APPROVER, NOW + 2000);
    struct gh_error err;
    struct ledger_check c;
    struct db db;
    json_t *a = NULL;
    int64_t id;

    CHECK_INT(fixture_db(&db, "a.db"), 0);
    id = file_request(&db, 3, NOW);
    CHECK(id > 0);
    CHECK_INT(approval_vote(&db, &bob, id, 1, "fine", &a, &err), 0);
    CHECK_STR(json_string_value(json_object_get(a, "status")), "pending");
    json_decref(a);
    CHECK_INT(approval_vote(&db, &carol, id, 1, "", &a, &err), 0);
    CHECK_STR(json_string_value(json_object_get(a, "status")), "approved");
    CHECK_STR(json_string_value(json_object_get(a, "decided_by")), "carol");
    CHECK_INT(json_array_size(json_object_get(a, "votes")), 2);
    json_decref(a);
    /* A refused vote changes nothing. */
    CHECK_INT(approval_vote(&db, &bob, id, 0, "", &a, &err), -1);
    CHECK_INT(err.kind, GH_ALREADY_DECIDED);
    CHECK(a == NULL);

    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger WHERE subject = 'approval:1'"), 3);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM events WHERE mission_id = 'm-1' AND type IN"
                                 " ('approval.requested', 'approval.voted', 'approval.granted')"),
              3);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM approval_votes"), 2);
    CHECK_INT(ledger_verify(&db, &c, NULL, &err), 0);
    CHECK(c.ok);
    db_close(&db);
}

static void tier_one_is_granted_by_the_system(void)
{
    struct db db;

    CHECK_INT(fixture_db(&db, "t1.db"), 0);
    CHECK(file_request(&db, 1, NOW) > 0);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM approvals WHERE status = 'approved'"
                                 " AND decided_by = 'system'"),
              1);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger WHERE kind = 'approval.granted'"
                                 " AND actor = 'system'"),
              1);
    db_close(&db);
}

/* Several connections race for the last approval of one request. */
struct racer {
    const char *path;
    const char *name;
    int64_t id;
    int rc;
    enum gh_kind kind;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct db_options opt = {0, 10000, 1000};
    struct actor who = actor(r->name, ROLE_APPROVER, NOW + 5000);
    struct gh_error err = {0};
    struct db db;
    json_t *a = NULL;

    if (db_open(&db, r->path, &opt, &err) != 0) {
        r->rc = -2;
        return NULL;
    }
    r->rc = approval_vote(&db, &who, r->id, 1, "", &a, &err);
    r->kind = err.kind;
    json_decref(a);
    db_close(&db);
    return NULL;
}

static void the_last_vote_race_has_one_winner(void)
{
    static const char *const names[] = {"b1", "b2", "b3", "b4", "b5", "b6"};
    struct racer r[6];
    pthread_t t[6];
    char path[400];
    struct db db;
    int64_t id;

    CHECK_INT(fixture_db(&db, "race.db"), 0);
    snprintf(path, sizeof(path), "%s/race.db", check_tmpdir);
    for (int round = 0; round < 10; round++) {
        int wins = 0, told = 0;
        id = file_request(&db, 2, NOW);
        for (int i = 0; i < 6; i++) {
            r[i] = (struct racer){path, names[i], id, 0, GH_OK};
            pthread_create(&t[i], NULL, race, &r[i]);
        }
        for (int i = 0; i < 6; i++) {
            pthread_join(t[i], NULL);
            wins += r[i].rc == 0;
            told += r[i].rc == -1 && r[i].kind == GH_ALREADY_DECIDED;
        }
        CHECK_INT(wins, 1);
        CHECK_INT(told, 5);
    }
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger WHERE kind = 'approval.granted'"),
              10);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM approval_votes"), 10);
    db_close(&db);
}

static void expiry_cancel_and_execution(void)
{
    struct actor system = actor("system", 0, NOW + 60000);
    struct actor alice = actor("alice", ROLE_REQUESTER, NOW + 1);
    struct actor bob = actor("bob", ROLE_APPROVER, NOW + 1);
    struct execution_input x = {1, "succeeded", 1, NULL};
    struct gh_error err;
    struct db db;
    json_t *a = NULL;
    int64_t expiring, cancelled, granted;
    int n;

    CHECK_INT(fixture_db(&db, "exp.db"), 0);
    expiring = file_request(&db, 2, NOW);
    cancelled = file_request(&db, 2, NOW);
    granted = file_request(&db, 1, NOW);
    CHECK_INT(approval_cancel(&db, &alice, cancelled, &a, &err), 0);
    CHECK_STR(json_string_value(json_object_get(a, "status")), "cancelled");
    json_decref(a);
    CHECK_INT(approval_cancel(&db, &alice, cancelled, &a, &err), -1);
    CHECK_INT(err.kind, GH_ALREADY_DECIDED);

    /* One millisecond early: nothing expires. */
    system.now_ms = NOW + 59999;
    CHECK_INT(approvals_expire(&db, &system, 100, &n, &err), 0);
    CHECK_INT(n, 0);
    system.now_ms = NOW + 60000;
    CHECK_INT(approvals_expire(&db, &system, 100, &n, &err), 0);
    CHECK_INT(n, 1);
    CHECK_INT(approvals_expire(&db, &system, 100, &n, &err), 0);
    CHECK_INT(n, 0);
    a = approval_get(&db, expiring, &err);
    CHECK_STR(json_string_value(json_object_get(a, "status")), "expired");
    json_decref(a);
    CHECK_INT(approval_vote(&db, &bob, expiring, 1, "", &a, &err), -1);
    CHECK_INT(err.kind, GH_ALREADY_DECIDED);

    CHECK_INT(approval_report_execution(&db, &alice, expiring, &x, &a, &err), -1);
    CHECK_INT(err.kind, GH_ALREADY_DECIDED);
    CHECK_INT(approval_report_execution(&db, &alice, granted, &x, &a, &err), 0);
    CHECK(json_is_true(json_object_get(json_object_get(a, "execution"), "ok")));
    json_decref(a);
    CHECK_INT(approval_report_execution(&db, &alice, granted, &x, &a, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger WHERE kind IN ('approval.expired',"
                                 " 'approval.cancelled', 'approval.executed')"),
              3);
    db_close(&db);
}

static void idempotency_keys_replay_or_conflict(void)
{
    struct actor alice = actor("alice", ROLE_REQUESTER, NOW);
    struct actor bob = actor("bob", ROLE_REQUESTER, NOW);
    struct approval_input in = {"deploy", "web", "", NULL, 2, NULL, 60, NULL};
    json_t *body = json_pack("{s:s, s:i}", "tier", "2", "a", 1);
    json_t *same = json_pack("{s:i, s:s}", "a", 1, "tier", "2");
    struct idempotency idem = {"key-1", {0}}, other = {"key-1", {0}};
    struct gh_error err;
    struct db db;
    json_t *a = NULL, *b = NULL;
    int replayed;

    /* Key order does not make a different body. */
    idempotency_body_hash(body, idem.body_hash);
    idempotency_body_hash(same, other.body_hash);
    CHECK(memcmp(idem.body_hash, other.body_hash, SECRET_HASH_BYTES) == 0);
    CHECK(valid_idempotency_key("a"));
    CHECK(!valid_idempotency_key(""));
    CHECK(!valid_idempotency_key("has space"));

    CHECK_INT(fixture_db(&db, "idem.db"), 0);
    CHECK_INT(approval_create(&db, &alice, &in, &idem, &a, &replayed, &err), 0);
    CHECK_INT(replayed, 0);
    CHECK_INT(approval_create(&db, &alice, &in, &idem, &b, &replayed, &err), 0);
    CHECK_INT(replayed, 1);
    CHECK(json_equal(a, b));
    json_decref(b);
    /* Another user's key is theirs alone. */
    CHECK_INT(approval_create(&db, &bob, &in, &idem, &b, &replayed, &err), 0);
    CHECK_INT(replayed, 0);
    json_decref(b);
    other.body_hash[0] ^= 1;
    CHECK_INT(approval_create(&db, &alice, &in, &other, &b, &replayed, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM approvals"), 2);
    CHECK_INT(idempotency_prune(&db, NOW + 1, &replayed, &err), 0);
    CHECK_INT(replayed, 2);
    json_decref(a);
    json_decref(body);
    json_decref(same);
    db_close(&db);
}

static void spans_read_like_people_say_them(void)
{
    char s[TIME_SPAN_LEN];

    time_format_span(59999, s);
    CHECK_STR(s, "under a minute");
    time_format_span(-12 * 60000, s);
    CHECK_STR(s, "12 min");
    time_format_span(3 * 3600000 + 12 * 60000, s);
    CHECK_STR(s, "3 h 12 min");
    time_format_span(2 * 3600000, s);
    CHECK_STR(s, "2 h");
    time_format_span(2 * 86400000LL + 3 * 3600000, s);
    CHECK_STR(s, "2 d 3 h");
}

const struct unit_test approval_tests[] = {
    {"approvals: tiers need their votes; any deny ends it", tiers_need_their_votes},
    {"approvals: who may vote, refused in the API's order", who_may_vote_in_api_order},
    {"approvals: break-glass needs an executive besides the approvers",
     break_glass_needs_a_distinct_executive},
    {"approvals: cancel and execution rules", cancel_and_execution_rules},
    {"approvals: transitions record events and ledger entries",
     transitions_record_events_and_ledger},
    {"approvals: tier 1 is granted by the system", tier_one_is_granted_by_the_system},
    {"approvals: of racing last votes exactly one wins", the_last_vote_race_has_one_winner},
    {"approvals: expiry, cancel, execution once", expiry_cancel_and_execution},
    {"approvals: idempotency keys replay or conflict", idempotency_keys_replay_or_conflict},
    {"approvals: time spans for people", spans_read_like_people_say_them},
    {NULL, NULL},
};
