/*
 * A FastCGI connection and its libfcgi request (see fcgi_conn.h).
 *
 * What this file relies on, checked against Debian 12's libfcgi 2.4.2
 * (libfcgi0ldbl 2.4.2-2+deb12u1; read in its disassembly, since the
 * Debian build differs from the upstream tree in places):
 *
 * - FCGX_Request.ipcFd ("don't use"): the connection a request reads from
 *   and writes to; < 0 means "none". FCGX_Accept_r accepts a connection
 *   only when ipcFd < 0; otherwise it reads the next BEGIN_REQUEST from
 *   that fd. We set it to our connection before each FCGX_Accept_r.
 * - FCGX_Request.keepConnection ("don't use"): FCGX_Accept_r begins with
 *   FCGX_Finish_r, which closes ipcFd unless keepConnection is set, so we
 *   set it to 1 first. While a request is served it holds nginx's
 *   FCGI_KEEP_CONN flag (fastcgi_keep_conn on); http.c's abandon() clears
 *   it when a body is left unread, and fcgi_conn_end() then closes.
 * - listen_sock, given to FCGX_InitRequest, is -1: when the connection
 *   carries no whole request (nginx closed it, or sent garbage),
 *   FCGX_Accept_r frees the request, closes ipcFd, sets it to -1 and loops
 *   to OS_Accept(listen_sock), whose accept(-1) fails at once with EBADF
 *   (not one of the errnos it retries), so FCGX_Accept_r returns an error
 *   instead of blocking in accept on the process's listening socket.
 * - How libfcgi closes: FCGX_Free(req, 1) calls OS_IpcClose(fd, !detached).
 *   With shutdown asked for, OS_Close does shutdown(SHUT_WR), then waits
 *   for readable data and reads until EOF, up to 2 s per wait: a thread
 *   held for seconds on a connection that nginx keeps open. Some libfcgi
 *   trees wait with select() and FD_SET, which overflows at descriptors
 *   >= 1024; Debian's build waits with poll(), but its OS_Close also
 *   FD_CLRs the descriptor from select() sets (fortified: an abort at >=
 *   1024) whenever the asynchronous layer was used (OS_AsyncRead,
 *   OS_AsyncWrite, OS_DoIo; fcgiapp never calls them). So libfcgi never
 *   closes with shutdown here: fcgi_conn_end() calls FCGX_Free(req, 0) and
 *   closes the socket itself, and before FCGX_Accept_r we call the public
 *   FCGX_Detach(), which in this version only sets `detached` (another
 *   "don't use" field) when ipcFd > 0, so that the one close libfcgi may
 *   still do (the failed-request path above) is a plain close(). An idle
 *   connection's EOF is found with recv(MSG_PEEK) before libfcgi is asked
 *   for anything (fcgi_conn_peek), and closed by us.
 * - FCGX_Free(req, 0) frees the three streams (setting them NULL) and the
 *   parameters and leaves ipcFd open: so the next FCGX_Accept_r's own
 *   FCGX_Finish_r finds nothing to close or flush.
 *
 * A newer libfcgi could change any of this; the Makefile installs the
 * Debian 12 package, and tests/integration/test_connections.py exercises
 * every path named here (kept connections, closes by nginx, garbage,
 * descriptors past 1024).
 */
#include "fcgi_conn.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/log.h"

static long conn_read(void *ctx, char *dst, size_t n)
{
    FCGX_Request *req = ctx;

    return FCGX_GetStr(dst, n > INT_MAX ? INT_MAX : (int)n, req->in);
}

static int conn_write(void *ctx, const char *src, size_t n)
{
    FCGX_Request *req = ctx;

    if (n > INT_MAX)
        return -1;
    return FCGX_PutStr(src, (int)n, req->out) == (int)n ? 0 : -1;
}

/* A body left unread: the connection cannot carry another request. */
static void conn_abandon(void *ctx)
{
    FCGX_Request *req = ctx;

    req->keepConnection = 0;
}

static int conn_flush(void *ctx)
{
    FCGX_Request *req = ctx;

    return FCGX_FFlush(req->out) == 0 ? 0 : -1;
}

const struct http_io fcgi_conn_io = {conn_read, conn_write, conn_abandon, conn_flush};

struct fcgi_conn *fcgi_conn_new(int fd)
{
    struct fcgi_conn *c = xcalloc(1, sizeof(*c));

    /* listen_sock -1: libfcgi can never accept (or block) on our behalf. */
    if (FCGX_InitRequest(&c->req, -1, 0) != 0)
        fatal("FCGX_InitRequest failed");
    c->fd = fd;
    return c;
}

int fcgi_conn_peek(const struct fcgi_conn *c)
{
    char byte;
    ssize_t n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

    if (n > 0)
        return 1;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    return -1;
}

int fcgi_conn_begin(struct fcgi_conn *c)
{
    FCGX_Request *req = &c->req;
    int rc;

    req->ipcFd = c->fd;
    req->keepConnection = 1;
    FCGX_Detach(req);
    rc = FCGX_Accept_r(req);
    if (rc == 0)
        return 0;
    /* libfcgi closed the socket (plainly, being detached) and set ipcFd to -1. */
    if (req->ipcFd >= 0)
        close(req->ipcFd);
    req->ipcFd = -1;
    c->fd = -1;
    log_debug("a FastCGI connection ended without a whole request (%d)", rc);
    return -1;
}

/*
 * libfcgi leaves unread request body on a kept connection — at the least
 * the empty record that ends it — and the next request's FCGX_Accept_r
 * takes that for a protocol error and drops the connection, with nginx's
 * next request already on it (a 502). So read the body to its end first.
 * nginx has buffered the whole body before it sent the request, so this
 * never waits on the client.
 */
int fcgi_conn_end(struct fcgi_conn *c)
{
    FCGX_Request *req = &c->req;
    char sink[4096];
    int ok;

    if (req->keepConnection && req->in)
        while (FCGX_GetStr(sink, sizeof(sink), req->in) > 0)
            ;
    /* What FCGX_Finish_r does, without letting libfcgi close the socket. */
    ok = FCGX_FClose(req->err) == 0;
    ok = FCGX_FClose(req->out) == 0 && ok;
    ok = FCGX_GetError(req->in) == 0 && ok;
    ok = ok && req->keepConnection;
    FCGX_Free(req, 0);
    return ok;
}

void fcgi_conn_free(struct fcgi_conn *c)
{
    if (c == NULL)
        return;
    FCGX_Free(&c->req, 0);
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}
