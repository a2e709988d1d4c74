/* pool.c — the CPU thread pool (contract in pool.h).
 *
 * A job is published under `m` with a new job id; every worker wakes once per job, claims
 * chunks through an atomic counter until none are left, and checks out. The caller claims
 * chunks too and returns when every worker has checked out, so a job's memory (fn, arg) is
 * never touched after accel__pool_for returns. `busy` (a trylock mutex) admits one job at a
 * time; anyone else runs serially — see pool.h for why that is the chosen behaviour.
 *
 * fork: every pool sits in a registry; the atfork child handler re-initialises each pool's
 * locks (a worker of the parent may have held them) and forgets its workers, which do not
 * exist in the child. The first parallel-for in the child starts new ones. */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/internal.h"

struct accel__pool {
    int n_threads;          /* workers + caller */
    pthread_mutex_t busy;   /* held by the caller whose job runs on the workers */
    pthread_mutex_t m;      /* guards the fields below */
    pthread_cond_t wake;    /* a new job, or stop */
    pthread_cond_t done;    /* pending reached 0 */
    unsigned long long job; /* id of the current job */
    unsigned long long start_job; /* job id when the workers were started */
    accel__pool_fn fn;
    void *arg;
    size_t n_tasks, chunk, share; /* share: the divisor of a claim (run_chunks) */
    atomic_size_t next;     /* next unclaimed task */
    int pending;            /* workers yet to check out of the current job */
    int stop;
    pthread_t *threads;     /* n_threads - 1 slots */
    int running;            /* workers started and not joined */
    int restart;            /* set in a forked child: start workers at next use */
    accel__pool *reg_next;  /* fork registry */
};

/* ---- fork registry ------------------------------------------------------------------------ */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static accel__pool *reg_head;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_prepare(void) { pthread_mutex_lock(&reg_lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&reg_lock); }

static void init_sync(accel__pool *p)
{
    pthread_mutex_init(&p->busy, NULL);
    pthread_mutex_init(&p->m, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
}

/* Only the forking thread exists now. A lock held by a vanished thread would stay locked
 * forever, so each is re-initialised rather than unlocked. */
static void atfork_child(void)
{
    pthread_mutex_init(&reg_lock, NULL);
    for (accel__pool *p = reg_head; p; p = p->reg_next) {
        init_sync(p);
        p->running = 0;
        p->pending = 0;
        p->stop = 0;
        p->restart = 1;
    }
}

static void register_atfork(void) { pthread_atfork(atfork_prepare, atfork_parent, atfork_child); }

static void reg_add(accel__pool *p)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&reg_lock);
    p->reg_next = reg_head;
    reg_head = p;
    pthread_mutex_unlock(&reg_lock);
}

static void reg_remove(accel__pool *p)
{
    pthread_mutex_lock(&reg_lock);
    for (accel__pool **pp = &reg_head; *pp; pp = &(*pp)->reg_next) {
        if (*pp == p) {
            *pp = p->reg_next;
            break;
        }
    }
    pthread_mutex_unlock(&reg_lock);
}

/* ---- work ----------------------------------------------------------------------------------- */

/* Claims shrink as the work runs out (guided scheduling): each takes 1/(2·threads) of what
 * is left, at least `chunk`. Large claims first keep the claims few; small ones last let the
 * threads finish together (with equal chunks, a thread that was a little slower was left
 * running the last chunk alone while the others waited: at two threads and eight chunks,
 * 2 of whisper-128's 13.5 ms). */
static void run_chunks(accel__pool *p, accel__pool_fn fn, void *arg, size_t n, size_t chunk, size_t share)
{
    size_t b = atomic_load_explicit(&p->next, memory_order_relaxed);
    for (;;) {
        if (b >= n) return;
        size_t c = (n - b) / share;
        if (c < chunk) c = chunk;
        if (c > n - b) c = n - b;
        if (!atomic_compare_exchange_weak_explicit(&p->next, &b, b + c, memory_order_relaxed,
                                                   memory_order_relaxed))
            continue; /* b now holds the counter's value */
        fn(arg, b, b + c);
        b = atomic_load_explicit(&p->next, memory_order_relaxed);
    }
}

static void *worker_main(void *vp)
{
    accel__pool *p = vp;
    pthread_mutex_lock(&p->m);
    /* Not p->job: a job may have been published before this thread got here. */
    unsigned long long seen = p->start_job;
    for (;;) {
        while (!p->stop && p->job == seen) pthread_cond_wait(&p->wake, &p->m);
        if (p->stop) break;
        seen = p->job;
        accel__pool_fn fn = p->fn;
        void *arg = p->arg;
        size_t n = p->n_tasks, chunk = p->chunk, share = p->share;
        pthread_mutex_unlock(&p->m);
        run_chunks(p, fn, arg, n, chunk, share);
        pthread_mutex_lock(&p->m);
        if (--p->pending == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

/* Starts the missing workers. Signals stay with the application's threads: workers block all
 * of them (the mask is inherited from the creating thread, so it is set around the creation). */
static void start_workers(accel__pool *p)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_mutex_lock(&p->m);
    p->start_job = p->job; /* no job is in flight: callers hold `busy` or own the pool */
    pthread_mutex_unlock(&p->m);
    while (p->running < p->n_threads - 1) {
        if (pthread_create(&p->threads[p->running], NULL, worker_main, p) != 0) {
            ACCEL_LOG_WARN("CPU pool: started %d of %d worker threads; running with fewer",
                           p->running, p->n_threads - 1);
            break;
        }
        pthread_setname_np(p->threads[p->running], "accel-cpu");
        p->running++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    p->restart = 0;
}

accel_status accel__pool_create(int n_threads, accel__pool **out)
{
    RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "accel__pool_create: out is NULL");
    *out = NULL;
    RETURN_ERROR_IF(n_threads < 1, ACCEL_ERR_INVALID_ARG,
                    "CPU pool: %d threads requested; must be at least 1", n_threads);
    if (n_threads > ACCEL__POOL_MAX_THREADS) n_threads = ACCEL__POOL_MAX_THREADS;
    accel__pool *p = calloc(1, sizeof *p);
    RETURN_ERROR_IF(!p, ACCEL_ERR_NO_MEMORY, "CPU pool: out of memory");
    p->threads = calloc((size_t)n_threads, sizeof *p->threads);
    if (!p->threads) {
        free(p);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "CPU pool: out of memory");
    }
    p->n_threads = n_threads;
    atomic_init(&p->next, 0);
    init_sync(p);
    reg_add(p);
    start_workers(p);
    *out = p;
    return ACCEL_OK;
}

void accel__pool_destroy(accel__pool *p)
{
    if (!p) return;
    reg_remove(p);
    pthread_mutex_lock(&p->m);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->m);
    for (int i = 0; i < p->running; i++) pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->m);
    pthread_mutex_destroy(&p->busy);
    free(p->threads);
    free(p);
}

void accel__pool_for(accel__pool *p, size_t n_tasks, accel__pool_fn fn, void *arg)
{
    if (n_tasks == 0) return;
    if (!p || p->n_threads <= 1 || n_tasks == 1 || pthread_mutex_trylock(&p->busy) != 0) {
        fn(arg, 0, n_tasks);
        return;
    }
    if (p->restart) start_workers(p); /* first use in a forked child (busy is held) */
    if (p->running == 0) {
        pthread_mutex_unlock(&p->busy);
        fn(arg, 0, n_tasks);
        return;
    }
    size_t parts = (size_t)(p->running + 1) * 16; /* the smallest claim: 1/16 of a thread's share */
    size_t chunk = (n_tasks + parts - 1) / parts, share = 2 * (size_t)(p->running + 1);
    pthread_mutex_lock(&p->m);
    p->fn = fn;
    p->arg = arg;
    p->n_tasks = n_tasks;
    p->chunk = chunk;
    p->share = share;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->pending = p->running;
    p->job++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->m);

    run_chunks(p, fn, arg, n_tasks, chunk, share);

    pthread_mutex_lock(&p->m);
    while (p->pending > 0) pthread_cond_wait(&p->done, &p->m);
    pthread_mutex_unlock(&p->m);
    pthread_mutex_unlock(&p->busy);
}

int accel__pool_threads(const accel__pool *p) { return p ? p->n_threads : 1; }

int accel__pool_workers_running(const accel__pool *p) { return p ? p->running : 0; }
