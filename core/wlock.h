/*
 * The write lock behind db_begin_write(): an exclusive flock() on
 * "<database>-wlock", taken with a timeout, handed on without sleeping.
 *
 * flock() is what makes the lock hold across processes, and the kernel drops
 * it when a process dies, so a crash never leaves the database locked. But
 * flock() has no timeout, and polling it with sleeps wastes the time between
 * an unlock and the next poll (a fifth of the time of a granting vote, when
 * measured). So:
 *
 *   - threads of one process queue in arrival order (one queue per lock
 *     file), with the deadline, and only the thread at the head touches
 *     flock(); the lock is handed to the next in line, never left for
 *     whoever grabs it first (a mutex lets a thread that just arrived
 *     overtake ones that have waited for long: at 500 clients posting
 *     events that gave a p99 of 4.5 times the mean);
 *   - that thread blocks in flock() itself; a per-thread timer signal
 *     interrupts it every WLOCK_TICK_MS so that it can give up at the
 *     deadline.
 *
 * The signal is WLOCK_SIGNAL (wlock.c); its handler does nothing. It is only ever
 * armed while the thread waits in flock() and disarmed before the wait
 * returns, so it interrupts nothing else.
 *
 * flock() is not fair: when a process lets go, its own next writer (awake
 * and running) takes the lock again before the woken writer of another
 * process gets a CPU, and that process can starve for seconds. So a writer
 * about to block in flock() leaves a note in memory shared by every
 * process (struct wlock_shared, in the mapped lock file), and a writer that
 * finds a fresh note waits for the next hand-over (or 2 ms at most)
 * before it tries. The note only orders; the lock is flock()'s, so a
 * process that dies leaves at worst a stale note that ages out.
 */
#ifndef GH_WLOCK_H
#define GH_WLOCK_H

#include <pthread.h>
#include <stdint.h>

struct wlock_waiter;

/* This process's writers of one lock file, in arrival order (db.c keeps one per file). */
struct wlock_queue {
    pthread_mutex_t mutex;      /* guards the fields below */
    int held;                   /* a thread of this process holds the lock, or is taking it */
    struct wlock_waiter *head;  /* the threads waiting for it, oldest first */
    struct wlock_waiter **tail; /* where the next one goes */
};

/* Shared by every process, in the mapped lock file; all zero at first. */
struct wlock_shared {
    uint64_t blocked_since_ns; /* CLOCK_MONOTONIC when a writer began blocking; 0: none */
    uint64_t handovers;        /* counts acquisitions */
};

void wlock_queue_init(struct wlock_queue *q);

/*
 * Take the lock: wait in q (NULL: no queue), then flock(fd) exclusively,
 * taking turns with other processes through shared. Returns 0, or -1 with
 * errno ETIMEDOUT after timeout_ms or another errno from flock().
 */
int wlock_acquire(struct wlock_queue *q, struct wlock_shared *shared, int fd, int timeout_ms);
void wlock_release(struct wlock_queue *q, int fd);

#endif
