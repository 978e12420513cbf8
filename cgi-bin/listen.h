/* The FastCGI socket nginx connects to. */
#ifndef GH_LISTEN_H
#define GH_LISTEN_H

#include "../core/error.h"

/*
 * Bind and listen on a unix socket at path, mode 0660, group set to group
 * (if not empty) so that only nginx's group can connect. A stale socket
 * file is replaced; a live one (another instance answers) is an error.
 */
int listen_unix(const char *path, const char *group, struct gh_error *err);
/* Remove the socket file when it is still the one we created. */
void listen_unix_remove(const char *path);

#endif
