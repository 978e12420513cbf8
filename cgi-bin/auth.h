/*
 * Who is calling, and may they: bearer tokens, session cookies, CSRF.
 * The dispatcher runs these before any handler; handlers read ctx->who.
 */
#ifndef GH_AUTH_H
#define GH_AUTH_H

#include "app.h"

/*
 * Fill ctx->who from "Authorization: Bearer" or the session cookie. A
 * presented token that is unknown, revoked or belongs to a disabled user
 * is answered 401 here (returns -1); no credentials leave who anonymous.
 */
int authenticate(struct request_ctx *ctx);
/*
 * For a cookie-authenticated state change: refuse a cross-site request
 * (Sec-Fetch-Site, a foreign Origin) and require the session's CSRF token
 * in the form field "csrf" or the X-CSRF-Token header. Returns 0, or -1
 * after answering 403 csrf_failed.
 */
int csrf_check(struct request_ctx *ctx);
/* Whether the request comes from another site (Sec-Fetch-Site or Origin). */
int request_is_cross_site(const struct request_ctx *ctx);
/* The session cookie's name: "__Host-gh_session" over TLS, else "gh_session". */
const char *session_cookie_name(const struct request_ctx *ctx);
/* Set (token != NULL) or clear the session cookie on the response. */
void session_cookie_set(struct request_ctx *ctx, const char *token);

#endif
