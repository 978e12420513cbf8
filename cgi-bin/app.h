/*
 * The FastCGI program's shared state: the configuration every thread
 * reads, each thread's own resources, and the context a handler gets.
 */
#ifndef GH_APP_H
#define GH_APP_H

#include <jansson.h>

#include "../core/actor.h"
#include "../core/arena.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/http.h"
#include "../core/json.h"
#include "../core/reqstats.h"
#include "../core/router.h"
#include "../core/tpl.h"
#include "../core/users.h"

/* Read-only after start-up; shared by all threads of a process. */
struct app {
    struct config cfg;        /* the loaded configuration */
    struct reqstats reqstats; /* request counters, shared by every process (metrics.c) */
};

/* What one request thread owns, reused from request to request. */
struct thread_state {
    struct arena arena;        /* reset after every request */
    struct db db;              /* this thread's connection, opened on first use */
    int db_open;               /* whether db is open */
    struct http_response resp; /* buffers reused across requests */
};

/* What a handler gets: the request, where to answer, and the means to. */
struct request_ctx {
    const struct app *app;       /* configuration */
    struct thread_state *thread; /* the thread's arena and connection */
    struct http_request *req;    /* the parsed request */
    struct http_response *resp;  /* the answer being built */
    const struct route *route;   /* the matched route, NULL before routing */
    int replied;                 /* a reply_* function has filled resp */
    struct identity who;         /* the caller; who.via == AUTH_NONE when anonymous */
};

/* The caller as core/ transitions take it: who, with which roles, now. */
struct actor ctx_actor(const struct request_ctx *ctx);

/* The thread's database connection, opened on first use; NULL with err filled. */
struct db *ctx_db(struct request_ctx *ctx, struct gh_error *err);

/* Serve one request end to end: parse, route, check, handle, send. */
void dispatch(const struct app *app, struct thread_state *t, char **envp, const struct http_io *io,
              void *io_ctx);

void thread_state_init(struct thread_state *t);
void thread_state_free(struct thread_state *t);

/*
 * Map the request counters before any process is forked, so that every
 * process of gatehouse.fcgi counts into the same table (metrics.c).
 * 0, or -1 (logged) when the mapping fails.
 */
int metrics_init(struct app *app);
/*
 * The counters derived from records, from the aggregate job's totals
 * (metrics_rollups.c): appends their families to out.
 */
int metrics_write_rollup_counters(struct db *db, struct buf *out, struct gh_error *err);
/* Count one answered request: route (NULL when none matched), method, status, duration. */
void metrics_count(const struct app *app, const struct route *route, const char *method, int status,
                   int64_t duration_ns);

/*
 * The checks of /readyz (health.c): the database opens, its schema is
 * current, the signing key loads. Adds a problem per failed check to
 * problems (field = the check) and, when checks is given, "ok" under each
 * passed one. Returns the number of problems.
 */
int app_readiness(const struct app *app, struct field_errors *problems, json_t *checks);

/* Serve one CGI request from the environment and stdin (cgi.c). */
int cgi_serve_once(const struct app *app);
/* Pre-fork the worker processes and supervise them until SIGTERM (master.c). */
int master_run(const struct app *app, int listen_fd, int stream_fd);
/*
 * Whether this process is stopping (pool.c): requests that last (event
 * streams) end at once rather than hold the shutdown grace period.
 */
int pool_stopping(void);

/*
 * Run one worker process on listen_fd until told to stop (pool.c): nthreads
 * threads serve the requests of every connection the process accepts, at
 * most nthreads at once, from one epoll set.
 */
void pool_run(const struct app *app, int listen_fd, int nthreads, size_t stack_size);

#endif
