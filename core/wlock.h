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
 *   - threads of one process queue on a process mutex (one per lock file),
 *     with the deadline, and only the thread at the head touches flock();
 *   - that thread blocks in flock() itself; a per-thread timer signal
 *     interrupts it every WLOCK_TICK_MS so that it can give up at the
 *     deadline.
 *
 * The signal is WLOCK_SIGNAL; its handler does nothing. It is only ever
 * armed while the thread waits in flock() and disarmed before the wait
 * returns, so it interrupts nothing else.
 */
#ifndef GH_WLOCK_H
#define GH_WLOCK_H

#define WLOCK_SIGNAL  (SIGRTMIN + 7)
#define WLOCK_TICK_MS 20

struct wlock_queue;

/*
 * The process's queue for the lock file open on fd (the same for every fd
 * open on that file); NULL, with errno, if there are too many lock files.
 */
struct wlock_queue *wlock_queue_of(int fd);

/*
 * Take the lock: wait in q, then flock(fd) exclusively. Returns 0, or -1
 * with errno ETIMEDOUT after timeout_ms or another errno from flock().
 */
int wlock_acquire(struct wlock_queue *q, int fd, int timeout_ms);
void wlock_release(struct wlock_queue *q, int fd);

#endif
