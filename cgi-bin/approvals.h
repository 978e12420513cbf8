/* What the approval API and the approval pages share. */
#ifndef GH_CGI_APPROVALS_H
#define GH_CGI_APPROVALS_H

#include "../core/approvals.h"
#include "reply.h"

/* Who acts (the signed-in user, now), as the approval functions want it. */
struct approval_actor approval_actor_of(struct request_ctx *ctx);
/* Read the list filters (status, mission_id, tier; empty means any); problems go to e. */
void approval_filter_read(struct request_ctx *ctx, struct approval_filter *f,
                          struct field_errors *e);

/* Fill a list row (templates/approval_row.tpl) from an approval object. */
void approval_row_fill(struct tpl_dict *row, json_t *a, int64_t now_ms);

#endif
