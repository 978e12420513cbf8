/* The dashboard at /. */
#include "../core/version.h"
#include "reply.h"

/*
 * GET / — public for now (sign-in arrives with identity).
 * The start page: what Gatehouse is and the state of this instance.
 */
void page_home(struct request_ctx *ctx)
{
    struct tpl_dict *content;
    struct tpl_dict *layout = page_begin(ctx, "Dashboard", "home.tpl", &content);

    tpl_set(content, "VERSION", GATEHOUSE_VERSION);
    page_send(ctx, 200, layout);
}
