/* The FastCGI socket (see listen.h). */
#include "listen.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int listen_unix(const char *path, const char *group, struct gh_error *err)
{
    struct sockaddr_un sa;
    struct stat st;
    mode_t old_umask;
    int fd = -1;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path))
        return gh_fail(err, GH_INVALID, "socket path %s is longer than %zu bytes", path,
                       sizeof(sa.sun_path) - 1);
    memcpy(sa.sun_path, path, strlen(path));

    if (lstat(path, &st) == 0) {
        int probe;
        if (!S_ISSOCK(st.st_mode))
            return gh_fail(err, GH_CONFLICT, "%s exists and is not a socket; not replacing it",
                           path);
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            close(probe);
            return gh_fail(err, GH_CONFLICT, "another gatehouse.fcgi is already listening on %s",
                           path);
        }
        if (probe >= 0)
            close(probe);
        unlink(path);
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return gh_fail(err, GH_INTERNAL, "socket: %s", strerror(errno));
    /* Created 0660 from the start: there is no moment when others may connect. */
    old_umask = umask(0117);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        umask(old_umask);
        gh_fail(err, GH_INTERNAL, "cannot bind %s: %s", path, strerror(errno));
        goto fail;
    }
    umask(old_umask);
    if (group && *group) {
        struct group *g = getgrnam(group);
        if (g == NULL) {
            gh_fail(err, GH_INVALID, "socket_group '%s' is not a group on this machine", group);
            goto fail_unlink;
        }
        if (chown(path, (uid_t)-1, g->gr_gid) != 0) {
            gh_fail(err, GH_INTERNAL, "cannot give %s to group %s: %s", path, group,
                    strerror(errno));
            goto fail_unlink;
        }
    }
    /* Connections wait here only while every thread of every process is busy (pool.c). */
    if (chmod(path, 0660) != 0 || listen(fd, SOMAXCONN) != 0) {
        gh_fail(err, GH_INTERNAL, "cannot listen on %s: %s", path, strerror(errno));
        goto fail_unlink;
    }
    return fd;
fail_unlink:
    unlink(path);
fail:
    close(fd);
    return -1;
}

void listen_unix_remove(const char *path)
{
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
}
