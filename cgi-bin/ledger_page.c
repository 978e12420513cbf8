/* The /ledger page: newest entries first, filters, and the chain's integrity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/event_summary.h"
#include "../core/ledger.h"
#include "../core/timeutil.h"
#include "reply.h"

#define PAGE_SIZE 50

/* The integrity banner: verified up to seq N at time T, or the broken entry. */
static int64_t integrity(struct db *db, struct tpl_dict *content, int64_t now_ms)
{
    char now[TIME_RFC3339_LEN];
    struct ledger_check c;
    struct gh_error err;
    struct tpl_dict *s;

    time_format_rfc3339(now_ms, now);
    if (ledger_verify(db, &c, NULL, &err) != 0) {
        s = tpl_section(content, "BROKEN");
        tpl_set(s, "SEQ", "?");
        tpl_set(s, "PROBLEM", "the ledger could not be read");
        page_time(s, "CHECKED", now, now_ms);
        return 0;
    }
    if (c.ok) {
        s = tpl_section(content, "INTACT");
        tpl_set_int(s, "ENTRIES", c.entries);
        if (c.checkpoint)
            tpl_set_int(tpl_section(s, "SIGNED"), "CHECKPOINT", c.checkpoint);
        page_time(s, "CHECKED", now, now_ms);
        return 0;
    }
    s = tpl_section(content, "BROKEN");
    tpl_set_int(s, "SEQ", c.first_bad);
    tpl_set(s, "PROBLEM", c.problem);
    page_time(s, "CHECKED", now, now_ms);
    return c.first_bad;
}

/*
 * GET /ledger — any signed-in user.
 * Parameters: kind, subject (exact matches), before (seq: show older entries).
 * Newest first, 50 a page; the broken entry, if any, is marked in red.
 */
void page_ledger(struct request_ctx *ctx)
{
    static const char sql[] = "SELECT " LEDGER_COLUMNS " FROM ledger"
                              " WHERE seq < :before AND (:kind = '' OR kind = :kind)"
                              " AND (:subject = '' OR subject = :subject)"
                              " ORDER BY seq DESC LIMIT :limit";
    const char *kind = http_param(ctx->req, "kind");
    const char *subject = http_param(ctx->req, "subject");
    struct field_errors e = FIELD_ERRORS_INIT;
    struct tpl_dict *layout, *content;
    struct gh_error err;
    struct buf q = BUF_INIT;
    long long before;
    int64_t bad_seq, last = 0, now = time_now_ms();
    struct db *db;
    sqlite3_stmt *st;
    int rc, n = 0;

    kind = kind ? kind : "";
    subject = subject ? subject : "";
    if (param_int(ctx, "before", 1, INT64_MAX, INT64_MAX, &before, &e) < 0 || strlen(kind) > 100 ||
        strlen(subject) > 200) {
        field_errors_free(&e);
        reply_error(ctx, 400, "validation_failed", "the filters are not valid", NULL);
        return;
    }
    if ((db = ctx_db(ctx, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Ledger", "ledger.tpl", &content);
    bad_seq = integrity(db, content, now);
    tpl_set(content, "KIND", kind);
    tpl_set(content, "SUBJECT", subject);
    if (*kind || *subject)
        tpl_show(content, "FILTERED");
    st = db_prepare(db, sql);
    if (st == NULL || db_bind(st, BINDS(BIND_INT(":before", before), BIND_TEXT(":kind", kind),
                                        BIND_TEXT(":subject", subject),
                                        BIND_INT(":limit", PAGE_SIZE + 1))) != 0) {
        tpl_dict_free(layout);
        reply_error(ctx, 500, "internal", "internal error", NULL);
        return;
    }
    while ((rc = db_step(db, st, &err)) == SQLITE_ROW && n < PAGE_SIZE) {
        struct tpl_dict *row = tpl_section(content, "ENTRY");
        json_t *payload =
            json_loads((const char *)sqlite3_column_text(st, 5), JSON_DECODE_ANY, NULL);
        char *pretty =
            payload ? json_dumps(payload, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
        const char *subject_text = (const char *)sqlite3_column_text(st, 4);
        char link[PAGE_LINK_LEN];
        last = sqlite3_column_int64(st, 0);
        tpl_set_int(row, "SEQ", last);
        page_time(row, "AT", (const char *)sqlite3_column_text(st, 1), now);
        tpl_set(row, "ACTOR", (const char *)sqlite3_column_text(st, 2));
        tpl_set(row, "KIND", (const char *)sqlite3_column_text(st, 3));
        /* The subject links to what it names, when that is something known. */
        if (subject_link(subject_text, link)) {
            struct tpl_dict *d = tpl_section(row, "LINKED");
            tpl_set(d, "SUBJECT", subject_text);
            tpl_set(d, "LINK", link);
        } else {
            tpl_set(tpl_section(row, "UNLINKED"), "SUBJECT", subject_text);
        }
        tpl_set(row, "PAYLOAD", pretty ? pretty : (const char *)sqlite3_column_text(st, 5));
        tpl_set(row, "PREV_HASH", (const char *)sqlite3_column_text(st, 6));
        tpl_set(row, "HASH", (const char *)sqlite3_column_text(st, 7));
        if (last == bad_seq)
            tpl_show(row, "BAD");
        free(pretty);
        json_decref(payload);
        n++;
    }
    if (rc == SQLITE_ROW) { /* one more than a page: link to the older ones */
        struct tpl_dict *more = tpl_section(content, "MORE");
        tpl_set_int(more, "BEFORE", last);
        if (*kind) {
            http_url_encode(&q, kind);
            tpl_set(tpl_section(more, "HAS_KIND"), "KIND_Q", buf_str(&q));
        }
        if (*subject) {
            buf_reset(&q);
            http_url_encode(&q, subject);
            tpl_set(tpl_section(more, "HAS_SUBJECT"), "SUBJECT_Q", buf_str(&q));
        }
    }
    db_reset(st);
    if (n == 0)
        tpl_show(content, "EMPTY");
    buf_free(&q);
    page_send(ctx, 200, layout);
}
