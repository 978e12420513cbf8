/*
 * Every route of gatehouse.fcgi, on one screen. The dispatcher enforces
 * each route's flags before its handler runs, so handlers never repeat
 * those checks. A GET route answers HEAD too.
 */
#include "routes.h"

const struct route routes[] = {
    /* method  pattern                handler       flags */
    {"GET", "/healthz", api_healthz, R_JSON | R_PUBLIC},
    {"GET", "/readyz", api_readyz, R_JSON | R_PUBLIC},
    {"GET", "/api/v1/openapi.json", api_openapi, R_JSON | R_PUBLIC},
    {"GET", "/login", page_login, R_PUBLIC},
    {"POST", "/login", page_login_submit, R_PUBLIC},
    {"POST", "/logout", page_logout, 0},
    {"GET", "/api/v1/me", api_me, R_JSON},
    {"GET", "/api/v1/users", api_users_list, R_JSON | R_ROLE(ROLE_ADMIN)},
    {"POST", "/api/v1/events", api_events_ingest, R_JSON | R_SIGNED | R_ROLE(ROLE_REQUESTER)},
    {"GET", "/api/v1/events", api_events_search, R_JSON},
    {"POST", "/api/v1/approvals", api_approvals_create, R_JSON | R_ROLE(ROLE_REQUESTER)},
    {"GET", "/api/v1/approvals", api_approvals_list, R_JSON},
    {"GET", "/api/v1/approvals/{id}", api_approvals_get, R_JSON},
    {"POST", "/api/v1/approvals/{id}/votes", api_approvals_vote,
     R_JSON | R_ROLE(ROLE_APPROVER | ROLE_EXECUTIVE)},
    {"POST", "/api/v1/approvals/{id}/cancel", api_approvals_cancel,
     R_JSON | R_ROLE(ROLE_REQUESTER | ROLE_ADMIN)},
    {"POST", "/api/v1/approvals/{id}/execution", api_approvals_execution,
     R_JSON | R_ROLE(ROLE_REQUESTER)},
    {"GET", "/api/v1/missions", api_missions_list, R_JSON},
    {"GET", "/api/v1/missions/{id}", api_missions_get, R_JSON},
    {"GET", "/api/v1/missions/{id}/timeline", api_missions_timeline, R_JSON},
    {"POST", "/api/v1/missions/{id}/close", api_missions_close, R_JSON | R_ROLE(ROLE_REQUESTER)},
    {"GET", "/api/v1/ledger", api_ledger_list, R_JSON},
    {"GET", "/api/v1/ledger/verify", api_ledger_verify, R_JSON},
    {"GET", "/api/v1/ledger/checkpoints/latest", api_ledger_checkpoint, R_JSON},
    {"GET", "/api/v1/ledger/export", api_ledger_export, R_JSON},
    {"POST", "/api/v1/webhooks", api_webhooks_create, R_JSON | R_ROLE(ROLE_ADMIN)},
    {"GET", "/api/v1/webhooks", api_webhooks_list, R_JSON | R_ROLE(ROLE_ADMIN)},
    {"GET", "/api/v1/webhooks/{id}", api_webhooks_get, R_JSON | R_ROLE(ROLE_ADMIN)},
    {"DELETE", "/api/v1/webhooks/{id}", api_webhooks_delete, R_JSON | R_ROLE(ROLE_ADMIN)},
    {"GET", "/api/v1/webhooks/{id}/deliveries", api_webhooks_deliveries,
     R_JSON | R_ROLE(ROLE_ADMIN)},
    {"POST", "/api/v1/webhooks/{id}/deliveries/{did}/retry", api_webhooks_retry,
     R_JSON | R_ROLE(ROLE_ADMIN)},
    {"GET", "/approvals", page_approvals, 0},
    {"GET", "/approvals/stream", stream_approvals, R_JSON},
    {"GET", "/approvals/{id}", page_approval, 0},
    {"POST", "/approvals/{id}/vote", page_approval_vote, R_ROLE(ROLE_APPROVER | ROLE_EXECUTIVE)},
    {"POST", "/approvals/{id}/cancel", page_approval_cancel, R_ROLE(ROLE_REQUESTER | ROLE_ADMIN)},
    {"GET", "/missions", page_missions, 0},
    {"GET", "/missions/{id}", page_mission, 0},
    {"GET", "/missions/{id}/stream", stream_mission, R_JSON},
    {"POST", "/missions/{id}/close", page_mission_close, R_ROLE(ROLE_REQUESTER)},
    {"GET", "/ledger", page_ledger, 0},
    {"GET", "/", page_home, 0},
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
