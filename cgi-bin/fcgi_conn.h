/*
 * One FastCGI connection from nginx, and the libfcgi request that reads
 * its requests one after the other.
 *
 * libfcgi's FCGX_Accept_r both accepts connections and reads requests, and
 * a request struct stays with its connection until the connection closes:
 * the thread that calls it is pinned to that connection while nginx keeps
 * it open and idle. Here the connection owns its FCGX_Request instead, and
 * a thread borrows the pair only to serve one request that has already
 * begun to arrive (the pool, pool.c, learns that from epoll). libfcgi keeps
 * the protocol: records, parameters, body, answer.
 *
 * This relies on fields that fcgiapp.h marks "don't use" (ipcFd,
 * keepConnection) and on how Debian 12's libfcgi 2.4.2 (2.4.2-2+deb12u1,
 * the version the Makefile installs) uses them; fcgi_conn.c says exactly
 * how, and why that is safe with that version.
 */
#ifndef GH_FCGI_CONN_H
#define GH_FCGI_CONN_H

#include <fcgiapp.h>

#include "../core/http.h"

struct fcgi_conn {
    FCGX_Request req; /* libfcgi's state for the request being served on this connection */
    int fd;           /* the connection's socket; -1 once closed */
    int watched;      /* already in the process's epoll set (re-armed with MOD, not ADD) */
};

/* Take an accepted connection; never NULL (allocation failure is fatal). */
struct fcgi_conn *fcgi_conn_new(int fd);

/*
 * What waits on an idle connection, without blocking: 1 bytes of a request,
 * 0 nothing yet, -1 nginx closed it (or it failed) and it should be closed.
 */
int fcgi_conn_peek(const struct fcgi_conn *c);

/*
 * Read the next request's header and parameters (the bytes have begun to
 * arrive: fcgi_conn_peek said 1). 0 with c->req.envp and the streams set;
 * -1 when the connection carried no whole request, in which case libfcgi
 * has closed it (c->fd is -1) and the caller only frees it.
 */
int fcgi_conn_begin(struct fcgi_conn *c);

/*
 * End the request being served: read what is left of its body, send the
 * end-of-stream and end-request records, free libfcgi's buffers. 1 when the
 * connection stays open for nginx's next request, 0 when it must be closed
 * (nginx asked for that, the request was abandoned, or the socket failed).
 */
int fcgi_conn_end(struct fcgi_conn *c);

/* Close the connection if it is still open, and free it. */
void fcgi_conn_free(struct fcgi_conn *c);

/* The transport for http.c; its context is the connection's FCGX_Request. */
extern const struct http_io fcgi_conn_io;

#endif
