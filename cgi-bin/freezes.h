/* What the freeze API and the freeze pages share. */
#ifndef GH_CGI_FREEZES_H
#define GH_CGI_FREEZES_H

#include "../core/freezes.h"
#include "reply.h"

/* Who acts (the signed-in user, now), as the freeze functions want it. */
struct freeze_actor freeze_actor_of(struct request_ctx *ctx);
/* The path's {name} when it can name a freeze, else NULL after answering 404. */
const char *freeze_path_name(struct request_ctx *ctx);

#endif
