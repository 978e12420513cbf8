/* What the deployment pages share with the dashboard. */
#ifndef GH_CGI_DEPLOYMENTS_PAGE_H
#define GH_CGI_DEPLOYMENTS_PAGE_H

#include <jansson.h>
#include <stdint.h>

#include "../core/tpl.h"

/*
 * Fill one deployment of a list from its summary s (deployments_list()):
 * ID, NAME, PLAN, STATUS, STATUS_TEXT, STARTED_AT/AGO, PROGRESS (included
 * progress.tpl), PHASE {ID, TITLE} or NOT_STARTED, GATE {PHASE, AT, AGO,
 * PROCEEDS or BLOCKED {BLOCKERS}} or NO_GATE.
 */
void deployment_row_fill(struct tpl_dict *row, json_t *s, int64_t now);

#endif
