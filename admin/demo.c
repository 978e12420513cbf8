/*
 * gatehouse demo: the demo data `make run` loads on first start: the demo
 * users, one per role plus a second approver, with fresh random passwords
 * printed once; a mission with approval requests in every state, two of
 * them waiting, so that the first look at the approval pages has
 * something to decide; when the configuration names a freeze root
 * "release" (make run's does), ten small files named like a release's
 * critical artifacts in it and the freeze v0.02-final over them, verified
 * intact, whose window ran from its making until yesterday (no window is
 * in effect now, so the demo's approvals follow the ordinary tier rules);
 * and a deployment on the sample plan begun 30 hours ago
 * (demo_deployment.c).
 *
 * Everything happens at its own time in the story, in time order, on a
 * clock that starts hours in the past: an approval decided three hours
 * ago has its events and its ledger entry three hours ago, and the
 * ledger's times only move forward (tests/integration/test_first_look.py
 * checks both over a fresh demo).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "../core/approvals.h"
#include "../core/crypto.h"
#include "../core/events.h"
#include "../core/freezes.h"
#include "../core/timeutil.h"
#include "../core/users.h"
#include "../core/plans.h"
#include "commands.h"
#include "common.h"
#include "demo.h"

struct demo_user {
    const char *username; /* login */
    const char *display;  /* shown name */
    unsigned roles;       /* enum role bits */
};

static const struct demo_user demo_users[] = {
    {"alice", "Alice Requester", ROLE_REQUESTER}, {"bob", "Bob Approver", ROLE_APPROVER},
    {"carol", "Carol Approver", ROLE_APPROVER},   {"erin", "Erin Executive", ROLE_EXECUTIVE},
    {"vera", "Vera Viewer", ROLE_VIEWER},         {"ada", "Ada Admin", ROLE_ADMIN},
};

/*
 * A request filed minutes_ago by alice, then voted on as votes says ("bob+",
 * "carol-"), five and six minutes later. The list is in time order, the
 * earliest first: the story is played in that order.
 */
struct demo_request {
    const char *action_type, *target, *reason;
    int tier, minutes_ago;
    const char *params;   /* JSON */
    const char *votes[2]; /* "name+" approves, "name-" denies */
    const char *comments[2];
};

static const struct demo_request demo_requests[] = {
    {"db.migrate",
     "orders-db",
     "add index for the slow checkout query",
     2,
     300,
     "{\"migration\": \"0142_orders_by_customer\"}",
     {"carol-"},
     {"not during the sale; Monday"}},
    {"cache.flush",
     "search-api",
     "stale results after the catalogue import",
     2,
     180,
     "{\"keys\": \"catalogue:*\"}",
     {"bob+"},
     {"go ahead"}},
    {"scale_out", "payments-api", "traffic above forecast", 1, 90, "{\"replicas\": 12}", {0}, {0}},
    {"rollback.deploy",
     "checkout-web",
     "error rate 4% after the 5.2 canary",
     3,
     40,
     "{\"from\": \"5.2.0\", \"to\": \"5.1.3\", \"region\": \"eu-west-1\"}",
     {"bob+"},
     {"error budget is gone"}},
    {"restart_service",
     "payments-api",
     "memory leak after the 2.31 rollout",
     2,
     25,
     "{\"region\": \"eu-west-1\", \"strategy\": \"rolling\"}",
     {0},
     {0}},
};

/*
 * The demo mission and its requests, on the story's clock (now is when the
 * demo is loaded): the error that opens the mission is detected and posted
 * ten minutes before the first request, and each request and vote happens
 * at its own time. Returns how many requests are waiting, or -1.
 */
static int demo_approvals(struct db *db, const char *public_url, int64_t now, struct gh_error *err)
{
    int64_t detected = now - (int64_t)(demo_requests[0].minutes_ago + 10) * 60000, seq;
    json_t *payload = json_pack("{s:s, s:s}", "title", "Payments API memory leak", "error",
                                "heap grows 40 MB/h on payments-api since 2.31");
    struct event_in ev = {"demo-1", "error.detected", "mission-789", "inc-2231",
                          "demo",   detected,         payload,       NULL};
    enum event_outcome outcome;
    int waiting = 0, rc;

    rc = db_begin_write(db, err);
    if (rc == 0 && (rc = event_store(db, &ev, detected, &outcome, &seq, err)) == 0)
        rc = db_commit(db, err);
    else if (rc == 0)
        db_rollback(db);
    json_decref(payload);
    if (rc != 0)
        return -1;
    for (size_t i = 0; i < sizeof(demo_requests) / sizeof(demo_requests[0]); i++) {
        const struct demo_request *r = &demo_requests[i];
        int64_t at = now - (int64_t)r->minutes_ago * 60000;
        struct actor alice = {
            .username = "alice", .roles = ROLE_REQUESTER, .public_url = public_url, .now_ms = at};
        json_t *params = json_loads(r->params, 0, NULL), *a = NULL;
        struct approval_input in = {r->action_type, r->target, r->reason, "mission-789",
                                    r->tier,        params,    86400,     NULL};
        int replayed;

        rc = approval_create(db, &alice, &in, NULL, &a, &replayed, err);
        json_decref(params);
        for (int v = 0; rc == 0 && v < 2 && r->votes[v]; v++) {
            char name[16];
            size_t n = strlen(r->votes[v]) - 1;
            struct actor voter = {.username = name,
                                  .roles = ROLE_APPROVER,
                                  .public_url = public_url,
                                  .now_ms = at + 60000 * (v + 5)};
            int64_t id = json_integer_value(json_object_get(a, "id"));
            snprintf(name, sizeof(name), "%.*s", (int)n, r->votes[v]);
            json_decref(a);
            a = NULL;
            rc = approval_vote(db, &voter, id, r->votes[v][n] == '+', r->comments[v], &a, err);
        }
        if (rc == 0 && strcmp(json_string_value(json_object_get(a, "status")), "pending") == 0)
            waiting++;
        json_decref(a);
        if (rc != 0)
            return -1;
    }
    return waiting;
}

/* The demo release: paths under the root "release", and their content. */
static const struct {
    const char *path, *content;
} demo_files[] = {
    {"docs/_generated/META_REGISTRY.json",
     "{\"registry\": \"gatehouse-demo\", \"version\": \"0.02\", \"services\": "
     "[\"payments-api\", \"checkout-web\", \"search-api\"]}\n"},
    {"schemas/approval.schema.json",
     "{\"$id\": \"approval\", \"type\": \"object\", \"required\": [\"action_type\", "
     "\"target\", \"tier\"]}\n"},
    {"schemas/event.schema.json",
     "{\"$id\": \"event\", \"type\": \"object\", \"required\": [\"id\", \"type\"]}\n"},
    {"schemas/decision.schema.json",
     "{\"$id\": \"decision\", \"type\": \"object\", \"required\": [\"proceed\", "
     "\"criteria_met\"]}\n"},
    {"contracts/payments-api.contract.json",
     "{\"service\": \"payments-api\", \"error_rate\": {\"op\": \"<\", \"threshold\": "
     "0.01}}\n"},
    {"contracts/checkout-web.contract.json",
     "{\"service\": \"checkout-web\", \"p99_ms\": {\"op\": \"<\", \"threshold\": 400}}\n"},
    {"migrations/0142_orders_by_customer.sql",
     "CREATE INDEX orders_by_customer ON orders(customer_id, created_at);\n"},
    {"config/feature-flags.json", "{\"new_checkout\": false, \"search_v2\": true}\n"},
    {"CHANGELOG.md", "# Changelog\n\n## 0.02 (final)\n\n- Safety tags for payments-api.\n"
                     "- Faster checkout under load.\n"},
    {"RELEASE_NOTES.md", "# Release 0.02\n\nFrozen for the T+72h rollout; change nothing "
                         "without break-glass.\n"},
};

/* Write path (under dir) with content unless it exists; parents made. -1 with errno. */
static int write_new(const char *dir, const char *path, const char *content)
{
    char full[4200];
    size_t n = strlen(content);
    int fd;

    snprintf(full, sizeof(full), "%s/%s", dir, path);
    for (char *s = full + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        if (mkdir(full, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    if (write(fd, content, n) != (ssize_t)n) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/*
 * The demo release and its freeze, made and verified at at_ms (the story's
 * start), its window ending a day before now: 1 made, 0 skipped (no root
 * "release"), -1 failed.
 */
static int demo_freeze(struct db *db, const struct config *cfg, int64_t at_ms, int64_t now,
                       struct gh_error *err)
{
    const char *dir = config_freeze_root(cfg, "release");
    struct freeze_actor demo = {"demo", cfg->public_url, at_ms};
    struct freeze_input in = {"v0.02-final",
                              "Release 0.02: the registry, schemas, contracts and changelog the "
                              "T+72h rollout ships with",
                              "release",
                              1,
                              NULL,
                              0,
                              {1, at_ms, now - 86400000LL, 0},
                              NULL,
                              0};
    json_t *f = NULL, *check = NULL;
    int created;

    if (dir == NULL)
        return 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return gh_fail(err, GH_INTERNAL, "cannot make %s: %s", dir, strerror(errno));
    for (size_t i = 0; i < sizeof(demo_files) / sizeof(demo_files[0]); i++)
        if (write_new(dir, demo_files[i].path, demo_files[i].content) != 0)
            return gh_fail(err, GH_INTERNAL, "cannot write %s in %s: %s", demo_files[i].path, dir,
                           strerror(errno));
    if (freeze_create_over_root(db, cfg, &demo, &in, NULL, NULL, &f, &created, err) != 0)
        return -1;
    json_decref(f);
    if (freeze_verify(db, cfg, &demo, "cli", in.name, NULL, NULL, &check, err) != 0)
        return -1;
    printf("demo freeze v0.02-final over %zu files in %s: %s\n",
           sizeof(demo_files) / sizeof(demo_files[0]), dir,
           json_string_value(json_object_get(check, "state")));
    json_decref(check);
    return 1;
}

/* Store the plan in file at the story's clock (at_ms); NULL file: use the stored t4-72h. */
static json_t *demo_plan(struct db *db, const char *file, int64_t at_ms, struct gh_error *err)
{
    struct field_errors e = FIELD_ERRORS_INIT;
    json_error_t jerr;
    struct plan p;
    json_t *doc;
    int created, changed, rc;
    int64_t rev;

    if (file == NULL)
        return plan_get(db, "t4-72h", err);
    if ((doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        gh_fail(err, GH_INVALID, "%s: %s", file, jerr.text);
        return NULL;
    }
    rc = plan_parse(doc, NULL, &p, &e);
    json_decref(doc);
    if (rc != 0) {
        gh_fail(err, GH_INVALID, "%s is not a valid plan (gatehouse plan load says why)", file);
        rc = -1;
    } else {
        rc = plan_store(db, at_ms, "ada", &p, &created, &changed, &rev, err);
    }
    field_errors_free(&e);
    if (rc != 0) {
        plan_free(&p);
        return NULL;
    }
    doc = plan_get(db, p.name, err);
    plan_free(&p);
    return doc;
}

/* The demo users with fresh passwords, printed once; 0 or the exit status. */
static int demo_logins(struct db *db)
{
    struct gh_error err;

    for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
        const struct demo_user *d = &demo_users[i];
        char token[TOKEN_B64_LEN], password[17], hash[crypto_pwhash_STRBYTES];
        struct buf roles = BUF_INIT;
        int64_t id;

        random_token(token);
        snprintf(password, sizeof(password), "%.16s", token);
        if (password_hash(db->path, password, hash, &err) != 0 ||
            user_add(db, "demo", d->username, d->display, d->roles, hash, &id, &err) != 0) {
            fprintf(stderr, "gatehouse demo: %s\n", err.message);
            return EXIT_REFUSED;
        }
        roles_format(d->roles, &roles);
        printf("demo login: %-6s password: %s  (%s)\n", d->username, password, buf_str(&roles));
        buf_free(&roles);
        sodium_memzero(password, sizeof(password));
    }
    return 0;
}

/*
 * gatehouse demo [--plan FILE]: the stories first, each at its own time
 * in the past and in time order (the deployment's first day, the
 * approvals, the rest of the deployment's samples), so that events,
 * ledger entries and approvals agree in time; then the users, now. With
 * --plan the sample plan is stored as part of the story, before the
 * deployment that uses it.
 */
int cmd_demo(const char *config_path, int argc, char **argv)
{
    const char *plan_file = take_option(&argc, argv, "--plan");
    struct config cfg;
    struct gh_error err;
    struct db db;
    struct user existing;
    json_t *plan = NULL;
    int64_t now, until;
    int rc, waiting;

    if (argc != 0) {
        fprintf(stderr, "usage: gatehouse demo [--plan FILE]\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (user_find(&db, demo_users[0].username, &existing, &err) == 0) {
        printf("demo data is already loaded\n");
        admin_close(&cfg, &db);
        return 0;
    }
    now = time_now_ms();
    /* The deployment's story stops where the approval demo's begins (its error, detected
     * ten minutes before the first request), and resumes after it. */
    until = now - (int64_t)(demo_requests[0].minutes_ago + 11) * 60000;
    /* A release is frozen, then rolled out: the freeze opens the story. */
    if (demo_freeze(&db, &cfg, now - DEMO_DEPLOYMENT_AGE_MS - 40 * 60000, now, &err) < 0)
        goto fail;
    plan = demo_plan(&db, plan_file, now - DEMO_DEPLOYMENT_AGE_MS - 20 * 60000, &err);
    if (plan == NULL && plan_file)
        goto fail;
    if (plan && demo_deployment_begin(&db, cfg.public_url, now, until, &err) != 0)
        goto fail;
    if ((waiting = demo_approvals(&db, cfg.public_url, now, &err)) < 0)
        goto fail;
    if (plan && demo_deployment_finish(&db, now, until, &err) != 0)
        goto fail;
    if ((rc = demo_logins(&db)) != 0)
        goto out;
    printf("demo mission mission-789 with %zu approval requests, %d waiting for a decision\n",
           sizeof(demo_requests) / sizeof(demo_requests[0]), waiting);
    if (plan)
        printf("demo deployment %s on plan t4-72h, begun 30 hours ago: /deployments/%s/report\n",
               DEMO_DEPLOYMENT, DEMO_DEPLOYMENT);
    else
        printf("no demo deployment: give the sample plan with --plan conf/plans/t4-72h.json\n");
    goto out;
fail:
    fprintf(stderr, "gatehouse demo: %s\n", err.message);
    rc = EXIT_REFUSED;
out:
    json_decref(plan);
    admin_close(&cfg, &db);
    return rc;
}
