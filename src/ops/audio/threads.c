/* threads.c — how the audio family splits CPU work. One function, so that the CPU backend's
 * shared pool can take over without touching the operations. Until then: one short-lived
 * thread per extra worker, the calling thread doing the first part. */
#include "audio_internal.h"

#include <stdlib.h>
#include <unistd.h>

int accel__audio_threads(accel_ctx *ctx)
{
    if (ctx) {
        long long n = accel__cfg_int(ctx, ACCEL__CFG_NUM_THREADS);
        if (n >= 1) return n > 256 ? 256 : (int)n;
        const accel__device *cpu = accel__cpu_device(ctx);
        if (cpu && cpu->info.usable_cores > 0) return cpu->info.usable_cores;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n > 256 ? 256 : n) : 1;
}

typedef struct part {
    audio_task_fn fn;
    void *arg;
    size_t begin, end;
} part;

static void *run_part(void *p)
{
    part *t = p;
    t->fn(t->arg, t->begin, t->end);
    return NULL;
}

void accel__audio_parallel(accel_ctx *ctx, size_t n, size_t min_per_worker, audio_task_fn fn,
                           void *arg)
{
    if (n == 0) return;
    size_t workers = (size_t)accel__audio_threads(ctx);
    if (min_per_worker < 1) min_per_worker = 1;
    if (workers > n / min_per_worker) workers = n / min_per_worker;
    if (workers <= 1) {
        fn(arg, 0, n);
        return;
    }
    part parts[256];
    pthread_t tid[256];
    int started[256] = {0};
    for (size_t w = 0; w < workers; w++) {
        parts[w].fn = fn;
        parts[w].arg = arg;
        parts[w].begin = n * w / workers;
        parts[w].end = n * (w + 1) / workers;
    }
    for (size_t w = 1; w < workers; w++)
        started[w] = pthread_create(&tid[w], NULL, run_part, &parts[w]) == 0;
    run_part(&parts[0]);
    for (size_t w = 1; w < workers; w++) {
        if (started[w])
            pthread_join(tid[w], NULL);
        else
            run_part(&parts[w]); /* no thread: do its part here */
    }
}
