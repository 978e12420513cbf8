/*
 * One worker process: a pool of threads, each looping on FCGX_Accept_r with
 * its own arena and SQLite connection.
 *
 * nginx keeps FastCGI connections open (fastcgi_keep_conn), and a libfcgi
 * thread stays with its connection until nginx closes it, so the pool is
 * sized well above the number of connections nginx keeps (see
 * conf/gatehouse.conf, "threads").
 *
 * On SIGTERM the process stops taking work, lets the requests in flight
 * finish (at most shutdown_grace_seconds) and exits.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "app.h"

struct pool {
    const struct app *app; /* configuration */
    int listen_fd;         /* the shared FastCGI socket */
    atomic_int busy;       /* threads serving a request right now */
};

/* Set once SIGTERM arrived: threads stop taking work, streams end. */
static atomic_int stopping;

int pool_stopping(void)
{
    return atomic_load(&stopping);
}

static long fcgi_read(void *ctx, char *dst, size_t n)
{
    FCGX_Request *req = ctx;

    return FCGX_GetStr(dst, n > INT_MAX ? INT_MAX : (int)n, req->in);
}

static int fcgi_write(void *ctx, const char *src, size_t n)
{
    FCGX_Request *req = ctx;

    if (n > INT_MAX)
        return -1;
    return FCGX_PutStr(src, (int)n, req->out) == (int)n ? 0 : -1;
}

static void fcgi_abandon(void *ctx)
{
    FCGX_Request *req = ctx;

    req->keepConnection = 0;
}

static int fcgi_flush(void *ctx)
{
    FCGX_Request *req = ctx;

    return FCGX_FFlush(req->out) == 0 ? 0 : -1;
}

static const struct http_io fcgi_io = {fcgi_read, fcgi_write, fcgi_abandon, fcgi_flush};

/*
 * FCGX_Finish_r leaves unread request body on a kept connection — at the
 * least the empty record that ends it — and the next FCGX_Accept_r takes
 * that for a protocol error and drops the connection, with nginx's next
 * request already on it (a 502). So read the body to its end first. nginx
 * has buffered the whole body before it sent the request, so this never
 * waits on the client.
 */
static void finish(FCGX_Request *req)
{
    char sink[4096];

    if (req->keepConnection && req->in)
        while (FCGX_GetStr(sink, sizeof(sink), req->in) > 0)
            ;
    FCGX_Finish_r(req);
}

static void *serve(void *arg)
{
    struct pool *pool = arg;
    struct thread_state t;
    FCGX_Request req;

    thread_state_init(&t);
    if (FCGX_InitRequest(&req, pool->listen_fd, 0) != 0)
        fatal("FCGX_InitRequest failed");
    while (!atomic_load(&stopping)) {
        if (FCGX_Accept_r(&req) < 0) {
            if (atomic_load(&stopping))
                break;
            /* A failed accept is not the request's fault; avoid spinning on it. */
            log_warn("FCGX_Accept_r failed: %s", strerror(errno));
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
            continue;
        }
        atomic_fetch_add(&pool->busy, 1);
        dispatch(pool->app, &t, req.envp, &fcgi_io, &req);
        finish(&req);
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
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    log_warn("%d request(s) still running after %d s; stopping anyway", atomic_load(&pool->busy),
             grace_seconds);
}

void pool_run(const struct app *app, int listen_fd, int nthreads, size_t stack_size)
{
    struct pool pool = {app, listen_fd, 0};
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
    FCGX_ShutdownPending();
    drain(&pool, app->cfg.shutdown_grace_seconds);
    log_info("worker process %d stopped", (int)getpid());
    /* Threads blocked in accept() hold nothing worth releasing: leave without them. */
    _exit(0);
}
