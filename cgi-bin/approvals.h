/* What the approval API and the approval pages share. */
#ifndef GH_CGI_APPROVALS_H
#define GH_CGI_APPROVALS_H

#include "../core/approvals.h"
#include "reply.h"

/* Read the list filters (status, mission_id, tier; empty means any); problems go to e. */
void approval_filter_read(struct request_ctx *ctx, struct approval_filter *f,
                          struct field_errors *e);

/* Fill templates/approval_list.tpl (included once) with a row per approval of list. */
void approval_list_fill(struct tpl_dict *list_tpl, json_t *list, int64_t now_ms);

#endif
