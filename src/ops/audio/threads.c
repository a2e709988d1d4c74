/* threads.c — how the audio family splits CPU work: over the CPU backend's pool
 * (backends/cpu/pool.h), in tasks of at least the caller's minimum size. Without a pool (the
 * CPU device not opened) the work runs on the calling thread. Also the lock of the tables the
 * family keeps across calls. */
#include "audio_internal.h"

#include <pthread.h>

#include "backends/cpu/pool.h"

/* Tasks of at least `min` items each, so that a chunk is worth a thread's time. */
typedef struct blocks {
    audio_task_fn fn;
    void *arg;
    size_t n, per;
} blocks;

static void run_blocks(void *p, size_t begin, size_t end)
{
    const blocks *b = p;
    size_t lo = begin * b->per, hi = end * b->per;
    if (hi > b->n) hi = b->n;
    if (lo < hi) b->fn(b->arg, lo, hi);
}

void accel__audio_parallel(accel_ctx *ctx, size_t n, size_t min_per_worker, audio_task_fn fn,
                           void *arg)
{
    if (n == 0) return;
    if (min_per_worker < 1) min_per_worker = 1;
    accel__pool *pool = ctx ? (accel__pool *)ctx->cpu_pool : NULL;
    if (!pool || n < 2 * min_per_worker) {
        fn(arg, 0, n);
        return;
    }
    blocks b = {fn, arg, n, min_per_worker};
    accel__pool_for(pool, (n + min_per_worker - 1) / min_per_worker, run_blocks, &b);
}

/* ---- the lock of the kept mel banks and FFT plans (mel.c, fft.c) ---- */

static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static void kept_take(void) { pthread_mutex_lock(&kept_mu); }
static void kept_give(void) { pthread_mutex_unlock(&kept_mu); }
/* fork() from another thread while the lock is held would leave it held in the child: it is
 * taken around fork and released on both sides */
static void kept_atfork(void) { pthread_atfork(kept_take, kept_give, kept_give); }

void accel__audio_kept_lock(void)
{
    pthread_once(&kept_once, kept_atfork);
    kept_take();
}

void accel__audio_kept_unlock(void) { kept_give(); }
