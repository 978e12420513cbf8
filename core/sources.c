/* Inbound webhook sources (see sources.h). */
#include "sources.h"

#include <stdio.h>
#include <string.h>

#include "echo.h"
#include "event_summary.h"
#include "ledger.h"
#include "timeutil.h"
#include "validate.h"

int source_add(struct db *db, const char *actor, const char *name,
               char secret_out[WEBHOOK_SECRET_LEN], int64_t *id, struct gh_error *err)
{
    static const char sql[] = "INSERT INTO webhook_sources (name, secret, created_at)"
                              " VALUES (:n, :s, :at) ON CONFLICT (name) DO NOTHING";
    char shown[ECHO_LEN];
    char at[TIME_RFC3339_LEN], sub[80];
    int changes;

    if (!valid_client_id(name))
        return gh_fail(err, GH_INVALID,
                       "a source name is 1 to 64 letters, digits, '.', '_', ':' or '-', "
                       "starting with a letter or digit");
    if (strcmp(name, EVENT_SOURCE_GATEHOUSE) == 0)
        return gh_fail(err, GH_INVALID,
                       "the source name '%s' is Gatehouse's own: its events are the ones "
                       "Gatehouse records itself",
                       EVENT_SOURCE_GATEHOUSE);
    webhook_secret_new(secret_out);
    time_format_rfc3339(time_now_ms(), at);
    snprintf(sub, sizeof(sub), "source:%s", name);
    if (ledger_write(
            db, actor, "source.added", sub, json_pack("{s:s}", "name", name), sql, &changes, id,
            err,
            BINDS(BIND_TEXT(":n", name), BIND_TEXT(":s", secret_out), BIND_TEXT(":at", at))) != 0)
        return -1;
    if (changes == 0)
        return gh_fail(err, GH_CONFLICT, "a source named '%s' already exists", echo(name, shown));
    return 0;
}

int source_verify(struct db *db, const char *webhook_id, const char *timestamp, const char *body,
                  size_t body_len, const char *signatures, int64_t now_s, char name_out[65],
                  struct gh_error *err)
{
    static const char sql[] = "SELECT name, secret FROM webhook_sources ORDER BY id";
    sqlite3_stmt *st = db_prepare(db, sql);
    struct gh_error why = {GH_INVALID, "no registered source signed this delivery", ""};
    int rc, found = 0;

    if (st == NULL)
        return gh_fail(err, GH_INTERNAL, "database error");
    while (!found && (rc = db_step(db, st, err)) == SQLITE_ROW) {
        struct gh_error e;
        if (webhook_verify((const char *)sqlite3_column_text(st, 1), webhook_id, timestamp, body,
                           body_len, signatures, now_s, &e) == 0) {
            snprintf(name_out, 65, "%s", sqlite3_column_text(st, 0));
            found = 1;
        } else if (strstr(e.message, "no webhook signature matches") == NULL) {
            why = e; /* malformed or stale: the same for every source */
            break;
        }
    }
    db_reset(st);
    if (found)
        return 0;
    *err = why;
    return -1;
}
