/*
 * Who acts on something, and when: what every transition in core/ takes
 * (approvals, deployments, freezes, contracts), so that the API, the
 * worker and the admin CLI all describe the change the same way.
 */
#ifndef GH_ACTOR_H
#define GH_ACTOR_H

#include <stdint.h>

struct actor {
    const char *username;   /* the login name, or "system" / "worker" for Gatehouse itself */
    unsigned roles;         /* enum role bits (users.h) */
    const char *public_url; /* base of the pages, for links in webhook payloads */
    int64_t now_ms;         /* the time the change happens (a worker run's --now, a demo's clock) */
    const char *display_name; /* how people know them (sign-offs show it); NULL: the username */
};

#endif
