/* serve_pool.c — the workers that run operations and the bounded queue in front of them.
 *
 * Why bounded: under a burst, a queue that grows without limit turns into memory (every
 * waiting request holds its body) and into answers that arrive after the client gave up. A
 * full queue answers 503 with Retry-After at once, and a request that has waited and run
 * longer than its time limit gets a 503 at the limit: the client hears the truth while it
 * still listens. A computation cannot be interrupted safely, so a job that times out while
 * running finishes on its worker and its result is dropped. */
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct entry {
    sv_job *job;
    sv_op_fn fn;
    double deadline;
    void *arg;
    int answered; /* done() was called (by the worker or the watch) */
} entry;

struct sv_pool {
    sv_server *srv;
    pthread_mutex_t lock;
    pthread_cond_t work, idle;
    entry *ring;           /* waiting jobs */
    int cap, head, len;
    entry *running;        /* one slot per worker */
    int *slot_used;
    int n_workers, busy, stopping;
    pthread_t *threads;
    int n_threads;
    sv_done_fn done;
    sv_release_fn release;
};

static void timeout_answer(sv_answer *a, const entry *e, int started)
{
    memset(a, 0, sizeof *a);
    sv_answer_error(a, 503, "ERR_TIMEOUT",
                    "time limit of %g s exceeded (ACCEL_SERVE_TIME_LIMIT_S) %s", e->job->srv->cfg.time_limit_s,
                    started ? "while the operation ran" : "while the request waited for a worker");
    sv_answer_header(a, "Retry-After", "%d", 1);
    snprintf(a->note, sizeof a->note, "time limit exceeded %s", started ? "running" : "waiting");
}

static void *worker(void *arg)
{
    sv_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->len && !p->stopping) pthread_cond_wait(&p->work, &p->lock);
        if (!p->len && p->stopping) break;
        entry e = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->len--;
        int slot = 0;
        while (p->slot_used[slot]) slot++;
        p->slot_used[slot] = 1;
        p->running[slot] = e;
        p->busy++;
        pthread_mutex_unlock(&p->lock);

        e.fn(e.job);

        pthread_mutex_lock(&p->lock);
        int answered = p->running[slot].answered;
        p->running[slot].answered = 1;
        p->slot_used[slot] = 0;
        p->busy--;
        pthread_mutex_unlock(&p->lock);
        if (!answered)
            p->done(e.job, &e.job->ans, e.arg);
        else
            sv_answer_free(&e.job->ans); /* the watch answered already: too late */
        p->release(e.job, e.arg);
        pthread_mutex_lock(&p->lock);
        if (!p->len && !p->busy) pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

sv_pool *sv_pool_new(sv_server *s, int workers, int queue, sv_done_fn done, sv_release_fn release)
{
    sv_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->srv = s;
    /* the ring holds the waiting jobs; with no queue (0), the jobs handed to idle workers
     * still pass through it, at most one per worker */
    p->cap = queue > 0 ? queue : workers;
    p->ring = calloc((size_t)p->cap, sizeof *p->ring);
    p->running = calloc((size_t)workers, sizeof *p->running);
    p->slot_used = calloc((size_t)workers, sizeof *p->slot_used);
    p->threads = calloc((size_t)workers, sizeof *p->threads);
    p->n_workers = workers;
    p->done = done;
    p->release = release;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->idle, NULL);
    if (!p->ring || !p->running || !p->slot_used || !p->threads) {
        sv_pool_free(p);
        return NULL;
    }
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) break;
        p->n_threads++;
    }
    if (!p->n_threads) {
        sv_pool_free(p);
        return NULL;
    }
    p->n_workers = p->n_threads;
    return p;
}

int sv_pool_submit(sv_pool *p, sv_job *job, sv_op_fn fn, double deadline_ms, void *arg)
{
    pthread_mutex_lock(&p->lock);
    int limit = p->srv->cfg.queue;
    /* with no queue, a job is taken only when a worker is free to start it now */
    int full = p->stopping || (limit > 0 ? p->len >= limit : p->len + p->busy >= p->n_workers);
    if (full) {
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    entry *e = &p->ring[(p->head + p->len) % p->cap];
    *e = (entry){job, fn, deadline_ms, arg, 0};
    p->len++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

void sv_pool_expire(sv_pool *p, double now_ms)
{
    entry fired[64];
    int started[64];
    int n = 0;
    pthread_mutex_lock(&p->lock);
    /* waiting jobs past their deadline leave the queue (keeping the others in order) */
    int kept = 0;
    for (int i = 0; i < p->len; i++) {
        entry e = p->ring[(p->head + i) % p->cap];
        if (e.deadline <= now_ms && n < 64) {
            fired[n] = e;
            started[n++] = 0;
        } else {
            p->ring[(p->head + kept) % p->cap] = e;
            kept++;
        }
    }
    p->len = kept;
    for (int i = 0; i < p->n_workers && n < 64; i++)
        if (p->slot_used[i] && !p->running[i].answered && p->running[i].deadline <= now_ms) {
            p->running[i].answered = 1; /* the worker will drop its result */
            fired[n] = p->running[i];
            started[n++] = 1;
        }
    if (!p->len && !p->busy) pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < n; i++) {
        sv_answer a;
        timeout_answer(&a, &fired[i], started[i]);
        p->done(fired[i].job, &a, fired[i].arg);
        if (!started[i]) p->release(fired[i].job, fired[i].arg);
    }
}

int sv_pool_depth(sv_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->len;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int sv_pool_busy(sv_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->busy;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int sv_pool_workers(sv_pool *p) { return p->n_workers; }
int sv_pool_capacity(sv_pool *p) { return p->srv->cfg.queue; }

int sv_pool_wait_idle(sv_pool *p, double ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = (long long)ts.tv_nsec + (long long)(ms * 1e6);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&p->lock);
    int rc = 0;
    while ((p->len || p->busy) && rc == 0) rc = pthread_cond_timedwait(&p->idle, &p->lock, &ts);
    int idle = !p->len && !p->busy;
    pthread_mutex_unlock(&p->lock);
    return idle ? 0 : -1;
}

void sv_pool_free(sv_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n_threads; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->idle);
    free(p->ring);
    free(p->running);
    free(p->slot_used);
    free(p->threads);
    free(p);
}
