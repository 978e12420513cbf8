/*
 * One worker process: `threads` threads serve the FastCGI requests of every
 * connection this process holds, taking them from one epoll set.
 *
 * nginx keeps FastCGI connections open between requests
 * (fastcgi_keep_conn), and opens more when more requests are in flight than
 * it has idle connections. If a thread stayed with a connection until nginx
 * closed it (libfcgi's FCGX_Accept_r on the listening socket does that),
 * idle kept connections would hold threads while new connections waited in
 * the socket's backlog: seconds of stall in any burst of more writers than
 * threads. So no thread ever waits on a particular connection:
 *
 * - The epoll set holds the listening socket (non-blocking, level-triggered,
 *   EPOLLEXCLUSIVE: a new connection wakes a process that has a thread
 *   waiting, not every process) and every idle connection (EPOLLONESHOT:
 *   exactly one thread takes a request that arrives on it, and the
 *   connection leaves the set while it is served).
 * - A thread waits in epoll_wait only when it has nothing to do. Woken by
 *   the listening socket it accepts every connection waiting there (EAGAIN
 *   is fine: another thread or process was first) into the set; woken by a
 *   connection it serves the one request that has begun to arrive there,
 *   then puts the connection back into the set (or closes it), and waits
 *   again.
 * - Each connection owns its libfcgi request (fcgi_conn.c), so libfcgi
 *   still speaks the protocol.
 *
 * So `threads` is how many requests a process serves at once, and it has
 * nothing to do with how many connections are open: an idle connection
 * costs a descriptor and a few hundred bytes. A request that finds every
 * thread busy waits for the first to finish real work (in epoll's ready
 * list, or in the backlog for a new connection), never behind an idle one.
 *
 * On SIGTERM the process stops taking work, lets the requests in flight
 * finish (at most shutdown_grace_seconds) and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "app.h"
#include "fcgi_conn.h"

struct pool {
    const struct app *app; /* configuration */
    int listen_fd;         /* the shared FastCGI socket, non-blocking */
    int epfd;              /* this process's epoll set: the socket and idle connections */
    atomic_int busy;       /* threads serving a request (or accepting) right now */
};

/* Set once SIGTERM arrived: threads stop taking work, streams end. */
static atomic_int stopping;

/* When accept last failed for want of descriptors (logged once a second at most). */
static _Atomic int64_t accept_failed_logged;

int pool_stopping(void)
{
    return atomic_load(&stopping);
}

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};

    nanosleep(&ts, NULL);
}

/* Give an idle connection to the epoll set; it must not be touched afterwards. */
static void watch(struct pool *pool, struct fcgi_conn *c)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = c};
    int op = c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

    c->watched = 1;
    if (epoll_ctl(pool->epfd, op, c->fd, &ev) != 0) {
        log_error("cannot watch a FastCGI connection: %s", strerror(errno));
        fcgi_conn_free(c);
    }
}

/* Serve the request that has begun to arrive on c, then keep or close c. */
static void serve_one(struct pool *pool, struct thread_state *t, struct fcgi_conn *c)
{
    if (fcgi_conn_begin(c) != 0) {
        fcgi_conn_free(c);
        return;
    }
    dispatch(pool->app, t, c->req.envp, &fcgi_conn_io, &c->req);
    if (fcgi_conn_end(c))
        watch(pool, c);
    else
        fcgi_conn_free(c);
}

/* An idle connection became readable: a request, or nginx closing it. */
static void on_connection(struct pool *pool, struct thread_state *t, struct fcgi_conn *c)
{
    switch (fcgi_conn_peek(c)) {
    case 1:
        serve_one(pool, t, c);
        break;
    case 0: /* woken for nothing: wait again */
        watch(pool, c);
        break;
    default: /* nginx closed it: close our end here, never in libfcgi */
        fcgi_conn_free(c);
        break;
    }
}

/*
 * accept4 one connection: its descriptor, or -1 when none is waiting (or
 * accepting failed: then after a short pause, so as not to spin).
 */
static int accept_one(struct pool *pool)
{
    int fd = accept4(pool->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    int64_t now;

    if (fd >= 0)
        return fd;
    switch (errno) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
        return -1; /* none left: another thread or process took it, or it went away */
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
        /* New connections wait in the backlog until descriptors free up. */
        now = time_mono_ns();
        if (now - atomic_load(&accept_failed_logged) > 1000000000LL) {
            atomic_store(&accept_failed_logged, now);
            log_error("cannot accept FastCGI connections: %s (raise the open-files limit)",
                      strerror(errno));
        }
        pause_ms(10);
        return -1;
    default:
        log_error("accept on the FastCGI socket failed: %s", strerror(errno));
        pause_ms(10);
        return -1;
    }
}

/*
 * The listening socket is readable: move every connection waiting there
 * into the epoll set, where their requests queue with those of the idle
 * connections, in about the order they arrived.
 *
 * Not one, nor a few: the socket is a single entry of epoll's ready list
 * however many connections wait behind it, while nginx reuses each kept
 * connection as soon as it is answered. Taking a few per turn served the
 * backlog a few requests per round of every busy kept connection:
 * measured at 500 clients, one connection per turn gave 2 s timeouts,
 * `threads` (4) per turn still gave them, 16 per turn a p99 of four to
 * five times the mean; taking all of them, a p99 of 1.2 to 3 times the
 * mean and no timeout. The connections stay with this process; another
 * process with a thread waiting is woken first for the next ones
 * (EPOLLEXCLUSIVE wakes a process only if one of its threads waits).
 */
static void on_listener(struct pool *pool)
{
    /* Bounded by what the backlog can hold, so one turn never runs on. */
    for (int i = 0; i < SOMAXCONN; i++) {
        int fd = accept_one(pool);
        if (fd < 0)
            return;
        watch(pool, fcgi_conn_new(fd));
    }
}

static void *serve(void *arg)
{
    struct pool *pool = arg;
    struct thread_state t;
    struct epoll_event ev;

    thread_state_init(&t);
    while (!atomic_load(&stopping)) {
        int n = epoll_wait(pool->epfd, &ev, 1, -1);
        if (n <= 0) {
            if (n < 0 && errno != EINTR) {
                log_error("epoll_wait failed: %s", strerror(errno));
                pause_ms(10);
            }
            continue;
        }
        atomic_fetch_add(&pool->busy, 1);
        if (atomic_load(&stopping)) {
            atomic_fetch_sub(&pool->busy, 1);
            break;
        }
        if (ev.data.ptr == NULL)
            on_listener(pool);
        else
            on_connection(pool, &t, ev.data.ptr);
        atomic_fetch_sub(&pool->busy, 1);
    }
    thread_state_free(&t);
    return NULL;
}

/* Wait until no request is in flight (seen twice, 20 ms apart) or the grace runs out. */
static void drain(struct pool *pool, int grace_seconds)
{
    int64_t deadline = time_mono_ns() + (int64_t)grace_seconds * 1000000000;
    int idle_seen = 0;

    while (time_mono_ns() < deadline) {
        if (atomic_load(&pool->busy) == 0) {
            if (++idle_seen == 2)
                return;
        } else {
            idle_seen = 0;
        }
        pause_ms(20);
    }
    log_warn("%d request(s) still running after %d s; stopping anyway", atomic_load(&pool->busy),
             grace_seconds);
}

/* The epoll set with the listening socket in it. */
static int listen_set(int listen_fd)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL};
    int flags = fcntl(listen_fd, F_GETFL);
    int epfd = epoll_create1(EPOLL_CLOEXEC);

    if (epfd < 0)
        fatal("epoll_create1: %s", strerror(errno));
    /* Shared by every worker process (one open file): all of them accept without blocking. */
    if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) != 0)
        fatal("cannot make the FastCGI socket non-blocking: %s", strerror(errno));
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
        /* Kernels before 4.5: every process wakes for a connection, one wins. */
        ev.events = EPOLLIN;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) != 0)
            fatal("cannot watch the FastCGI socket: %s", strerror(errno));
    }
    return epfd;
}

void pool_run(const struct app *app, int listen_fd, int nthreads, size_t stack_size)
{
    struct pool pool = {app, listen_fd, -1, 0};
    pthread_t *threads = xcalloc((size_t)nthreads, sizeof(*threads));
    pthread_attr_t attr;
    sigset_t stop;
    int sig;

    /* Threads inherit this mask: only this thread takes the stop signals. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (FCGX_Init() != 0)
        fatal("FCGX_Init failed");
    pool.epfd = listen_set(listen_fd);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_size);
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&threads[i], &attr, serve, &pool) != 0)
            fatal("cannot start request thread %d of %d", i + 1, nthreads);
    pthread_attr_destroy(&attr);
    log_info("worker process %d serving with %d threads", (int)getpid(), nthreads);

    do {
        if (sigwait(&stop, &sig) != 0)
            sig = SIGTERM;
    } while (sig == SIGHUP);
    atomic_store(&stopping, 1);
    /* No new connections from here on; the other processes are stopping too. */
    epoll_ctl(pool.epfd, EPOLL_CTL_DEL, listen_fd, NULL);
    drain(&pool, app->cfg.shutdown_grace_seconds);
    log_info("worker process %d stopped", (int)getpid());
    /* Threads waiting in epoll_wait hold nothing worth releasing: leave without them. */
    _exit(0);
}
