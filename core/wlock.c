/* The write lock: a process queue, then a blocking flock() (see wlock.h). */
#include "wlock.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

/* glibc before 2.41 has the field but not its documented name. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define WLOCK_SIGNAL       (SIGRTMIN + 7)
#define WLOCK_TICK_MS      20
#define WLOCK_YIELD_MAX_US 2000

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

/* A thread waiting in a wlock_queue, on its own stack. */
struct wlock_waiter {
    pthread_cond_t wake;       /* signalled when the lock is handed to it */
    int granted;               /* the lock is its now */
    struct wlock_waiter *next; /* the next in line */
};

void wlock_queue_init(struct wlock_queue *q)
{
    pthread_mutex_init(&q->mutex, NULL);
    q->held = 0;
    q->head = NULL;
    q->tail = &q->head;
}

/* Wait for this process's turn: 0, or ETIMEDOUT at deadline (then out of the line). */
static int queue_enter(struct wlock_queue *q, const struct timespec *deadline)
{
    struct wlock_waiter me = {.granted = 0, .next = NULL};
    int rc = 0;

    pthread_mutex_lock(&q->mutex);
    if (!q->held && q->head == NULL) {
        q->held = 1;
        pthread_mutex_unlock(&q->mutex);
        return 0;
    }
    pthread_cond_init(&me.wake, NULL);
    *q->tail = &me;
    q->tail = &me.next;
    while (!me.granted && rc != ETIMEDOUT)
        rc = pthread_cond_clockwait(&me.wake, &q->mutex, CLOCK_MONOTONIC, deadline);
    if (me.granted) {
        rc = 0;
    } else {
        struct wlock_waiter **p = &q->head;
        while (*p != &me)
            p = &(*p)->next;
        *p = me.next;
        if (q->tail == &me.next)
            q->tail = p;
        rc = ETIMEDOUT;
    }
    pthread_mutex_unlock(&q->mutex);
    pthread_cond_destroy(&me.wake);
    return rc;
}

/* Hand this process's turn to the next in line, or leave it free. */
static void queue_leave(struct wlock_queue *q)
{
    struct wlock_waiter *next;

    pthread_mutex_lock(&q->mutex);
    next = q->head;
    if (next) {
        q->head = next->next;
        if (q->head == NULL)
            q->tail = &q->head;
        next->granted = 1; /* still held: it passes straight to next */
        pthread_cond_signal(&next->wake);
    } else {
        q->held = 0;
    }
    pthread_mutex_unlock(&q->mutex);
}

static void on_tick(int sig)
{
    (void)sig; /* only here to make flock() return EINTR */
}

static void install_handler(void)
{
    struct sigaction sa = {0};

    sa.sa_handler = on_tick;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: flock() must return */
    sigaction(WLOCK_SIGNAL, &sa, NULL);
}

/*
 * When a writer of another process is blocked in flock(), let it have the
 * lock first: wait until it changes hands (or WLOCK_YIELD_MAX_US). A note
 * older than the timeout is a dead writer's.
 */
static void take_turns(struct wlock_shared *shared, int timeout_ms)
{
    uint64_t since = __atomic_load_n(&shared->blocked_since_ns, __ATOMIC_ACQUIRE), handovers;
    struct timespec pause = {0, 50000};

    if (since == 0 || (uint64_t)time_mono_ns() - since > (uint64_t)timeout_ms * 1000000u)
        return;
    handovers = __atomic_load_n(&shared->handovers, __ATOMIC_ACQUIRE);
    for (int waited = 0; waited < WLOCK_YIELD_MAX_US; waited += 50) {
        nanosleep(&pause, NULL);
        if (__atomic_load_n(&shared->handovers, __ATOMIC_ACQUIRE) != handovers ||
            __atomic_load_n(&shared->blocked_since_ns, __ATOMIC_ACQUIRE) == 0)
            return;
    }
}

/* Block in flock() until it succeeds or the deadline passes. */
static int flock_until(int fd, struct wlock_shared *shared, int64_t deadline_ns)
{
    const long tick_ns = WLOCK_TICK_MS * 1000000L;
    struct itimerspec ticks = {{0, tick_ns}, {0, tick_ns}};
    struct sigevent sev = {0};
    sigset_t sig, old;
    timer_t timer;
    uint64_t note;
    int rc, saved;

    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return 0;
    if (errno != EWOULDBLOCK)
        return -1;
    note = (uint64_t)time_mono_ns();
    if (shared)
        __atomic_store_n(&shared->blocked_since_ns, note, __ATOMIC_RELEASE);
    pthread_once(&handler_once, install_handler);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = WLOCK_SIGNAL;
    sev.sigev_notify_thread_id = gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
        return -1;
    sigemptyset(&sig);
    sigaddset(&sig, WLOCK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &sig, &old);
    timer_settime(timer, 0, &ticks, NULL);
    while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        if (time_mono_ns() >= deadline_ns) {
            errno = ETIMEDOUT;
            break;
        }
    saved = errno;
    if (shared) /* unless a later writer left its own note meanwhile */
        __atomic_compare_exchange_n(&shared->blocked_since_ns, &note, 0, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE);
    /* A tick still pending is delivered here, on the way out of these calls,
       where it interrupts nothing. */
    timer_delete(timer);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return rc;
}

int wlock_acquire(struct wlock_queue *q, struct wlock_shared *shared, int fd, int timeout_ms)
{
    int64_t deadline_ns = time_mono_ns() + (int64_t)timeout_ms * 1000000;
    struct timespec deadline = {deadline_ns / 1000000000, deadline_ns % 1000000000};
    int rc;

    if (q && (rc = queue_enter(q, &deadline)) != 0) {
        errno = rc;
        return -1;
    }
    if (shared)
        take_turns(shared, timeout_ms);
    if (flock_until(fd, shared, deadline_ns) != 0) {
        int saved = errno;
        if (q)
            queue_leave(q);
        errno = saved;
        return -1;
    }
    if (shared)
        __atomic_fetch_add(&shared->handovers, 1, __ATOMIC_ACQ_REL);
    return 0;
}

void wlock_release(struct wlock_queue *q, int fd)
{
    flock(fd, LOCK_UN);
    if (q)
        queue_leave(q);
}
