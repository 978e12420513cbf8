/*
 * The master process: opens the FastCGI socket, pre-forks the worker
 * processes and keeps them alive. A worker that dies (a crash, a hostile
 * FastCGI record tripping libfcgi, the OOM killer) is replaced at once, so
 * one bad request never takes the service down. SIGTERM or SIGINT stops
 * everything: workers finish what they are serving, then the master removes
 * the socket and exits.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "app.h"
#include "listen.h"

/* More deaths than this within CRASH_WINDOW_NS means a crash loop: slow down. */
#define CRASH_BURST     10
#define CRASH_WINDOW_NS 10000000000LL

struct master {
    const struct app *app; /* configuration */
    int listen_fd;         /* passed to every request worker */
    int stream_fd;         /* passed to the stream worker (the last slot) */
    pid_t *pids;           /* worker pids; 0 for an empty slot */
    int nworkers;          /* slots in pids */
    int64_t window_start;  /* when the current crash window began */
    int deaths;            /* deaths within that window */
};

static pid_t spawn(struct master *m, int slot)
{
    pid_t pid = fork();

    if (pid < 0) {
        log_error("fork failed: %s", strerror(errno));
        return 0;
    }
    if (pid == 0) {
        /* If the master dies, its workers must not linger holding the socket. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1)
            _exit(0);
        if (slot == m->nworkers - 1)
            pool_run(m->app, m->stream_fd, m->app->cfg.stream_threads, 256 * 1024);
        else
            pool_run(m->app, m->listen_fd, m->app->cfg.threads, 1024 * 1024);
        _exit(0);
    }
    m->pids[slot] = pid;
    return pid;
}

static void describe_exit(pid_t pid, int status)
{
    if (WIFSIGNALED(status))
        log_error("worker process %d was killed by signal %d; starting a new one", (int)pid,
                  WTERMSIG(status));
    else
        log_error("worker process %d exited with status %d; starting a new one", (int)pid,
                  WEXITSTATUS(status));
}

/* Reap dead workers and replace them. */
static void reap_and_replace(struct master *m)
{
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int64_t now = time_mono_ns();
        for (int i = 0; i < m->nworkers; i++) {
            if (m->pids[i] != pid)
                continue;
            describe_exit(pid, status);
            if (now - m->window_start > CRASH_WINDOW_NS) {
                m->window_start = now;
                m->deaths = 0;
            }
            if (++m->deaths > CRASH_BURST) {
                log_error("workers keep dying; waiting a second before the next one");
                sleep(1);
            }
            spawn(m, i);
        }
    }
}

static int alive(struct master *m)
{
    int n = 0;

    for (int i = 0; i < m->nworkers; i++)
        n += m->pids[i] != 0;
    return n;
}

/* Stop every worker: SIGTERM, then SIGKILL for any still there after the grace. */
static void stop_all(struct master *m, sigset_t *wait_set)
{
    int64_t deadline =
        time_mono_ns() + ((int64_t)m->app->cfg.shutdown_grace_seconds + 2) * 1000000000;

    for (int i = 0; i < m->nworkers; i++)
        if (m->pids[i])
            kill(m->pids[i], SIGTERM);
    while (alive(m) > 0) {
        struct timespec ts = {0, 100000000};
        pid_t pid;
        int status;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            for (int i = 0; i < m->nworkers; i++)
                if (m->pids[i] == pid)
                    m->pids[i] = 0;
        if (alive(m) == 0)
            break;
        if (time_mono_ns() > deadline) {
            log_warn("workers did not stop in time; killing them");
            for (int i = 0; i < m->nworkers; i++)
                if (m->pids[i])
                    kill(m->pids[i], SIGKILL);
            deadline = time_mono_ns() + 5000000000LL;
        }
        sigtimedwait(wait_set, NULL, &ts);
    }
}

int master_run(const struct app *app, int listen_fd, int stream_fd)
{
    /* The request workers, and one more process for event streams. */
    struct master m = {app, listen_fd, stream_fd, NULL, app->cfg.workers + 1, 0, 0};
    sigset_t set;
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    m.pids = xcalloc((size_t)m.nworkers, sizeof(*m.pids));
    m.window_start = time_mono_ns();
    for (int i = 0; i < m.nworkers; i++)
        spawn(&m, i);
    log_info("gatehouse.fcgi master %d started %d worker processes of %d threads and a stream "
             "process of %d",
             (int)getpid(), m.nworkers - 1, app->cfg.threads, app->cfg.stream_threads);

    for (;;) {
        sig = sigwaitinfo(&set, NULL);
        if (sig == SIGCHLD) {
            reap_and_replace(&m);
        } else if (sig == SIGTERM || sig == SIGINT) {
            log_info("stopping on signal %d", sig);
            break;
        } else if (sig == SIGHUP) {
            log_info("SIGHUP ignored: restart the service to reload the configuration");
        }
    }
    stop_all(&m, &set);
    free(m.pids);
    log_info("gatehouse.fcgi stopped");
    return 0;
}
