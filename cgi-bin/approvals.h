/* What the approval API and the approval pages share. */
#ifndef GH_CGI_APPROVALS_H
#define GH_CGI_APPROVALS_H

#include "../core/approvals.h"
#include "reply.h"

/* Read the list filters (status, mission_id, tier; empty means any); problems go to e. */
void approval_filter_read(struct request_ctx *ctx, struct approval_filter *f,
                          struct field_errors *e);

/* Where approval_row_add puts rows: templates/approval_list.tpl, included once. */
struct approval_rows {
    struct tpl_dict *list;
    int64_t now_ms; /* times are said relative to it */
};

/* An approval_visit: one row of the list per request, as the list is read. */
void approval_row_add(const struct approval_summary *s, void *rows);

#endif
