/* gatehouse webhook add: subscribe a receiver to events. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/outbox.h"
#include "commands.h"
#include "common.h"

int cmd_webhook_add(const char *config_path, int argc, char **argv)
{
    const char *events_csv = take_option(&argc, argv, "--events");
    const char *description = take_option(&argc, argv, "--description");
    int json = take_flag(&argc, argv, "--json");
    char secret[WEBHOOK_SECRET_LEN];
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *events;
    int64_t id;
    int rc;

    if (argc != 1 || events_csv == NULL) {
        fprintf(stderr, "usage: gatehouse webhook add URL --events T[,T...] [--description TEXT] "
                        "[--json]\n");
        return EXIT_USAGE;
    }
    events = json_array();
    for (const char *p = events_csv; *p;) {
        size_t n = strcspn(p, ",");
        json_array_append_new(events, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0) {
        json_decref(events);
        return rc;
    }
    rc = webhook_add(&db, admin_actor(), argv[0], events, description ? description : "",
                     cfg.webhook_allow_http, &id, secret, &err);
    json_decref(events);
    if (rc != 0) {
        fprintf(stderr, "gatehouse: %s\n", err.message);
        admin_close(&cfg, &db);
        return EXIT_REFUSED;
    }
    if (json)
        print_json(
            json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "url", argv[0], "secret", secret));
    else
        printf("%lld %s\n", (long long)id, secret);
    fprintf(stderr,
            "subscription %lld: the secret is shown once; the receiver verifies "
            "webhook-signature with it\n",
            (long long)id);
    sodium_memzero(secret, sizeof(secret));
    admin_close(&cfg, &db);
    return 0;
}
