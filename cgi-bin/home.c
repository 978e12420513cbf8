/* The dashboard at /. */
#include "../core/timeutil.h"
#include "../core/version.h"
#include "approvals.h"

/* How many of the oldest waiting requests the dashboard lists. */
#define OLDEST_SHOWN 5

/*
 * GET / — any signed-in user.
 * Where the night starts: how many requests wait for a decision and the
 * oldest of them, each a tap away from its vote buttons.
 */
void page_home(struct request_ctx *ctx)
{
    struct approval_filter any = {0};
    struct tpl_dict *layout, *content, *d;
    char next[APPROVAL_CURSOR_LEN];
    int64_t now = time_now_ms(), count;
    struct gh_error err;
    struct db *db;
    json_t *oldest;

    if ((db = ctx_db(ctx, &err)) == NULL || approvals_pending_count(db, &any, &count, &err) != 0 ||
        (oldest = approvals_pending(db, &any, NULL, OLDEST_SHOWN, next, &err)) == NULL) {
        reply_gh_error(ctx, &err);
        return;
    }
    layout = page_begin(ctx, "Dashboard", "home.tpl", &content);
    tpl_set(content, "VERSION", GATEHOUSE_VERSION);
    d = tpl_section(content, count ? "WAITING" : "NONE_WAITING");
    tpl_set_int(d, "COUNT", count);
    approval_list_fill(tpl_include(d, "LIST", "approval_list.tpl"), oldest, now);
    if (next[0])
        tpl_show(d, "MORE");
    json_decref(oldest);
    page_send(ctx, 200, layout);
}
