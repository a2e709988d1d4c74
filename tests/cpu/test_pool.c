/* The CPU thread pool: every task runs exactly once for any count; several application
 * threads share one pool at once (each parallel-for completes correctly); nested parallel-fors
 * run serially instead of deadlocking; the context sizes the pool from ACCEL_NUM_THREADS. */
#include "test.h"
#include "backends/cpu/cpu.h"
#include "core/backend.h"

#include <stdatomic.h>

typedef struct visit {
    atomic_uchar *seen;
    atomic_long chunks;
} visit;

static void mark(void *arg, size_t b, size_t e)
{
    visit *v = arg;
    atomic_fetch_add(&v->chunks, 1);
    for (size_t i = b; i < e; i++) atomic_fetch_add(&v->seen[i], 1);
}

static void check_exactly_once(accel__pool *pool, size_t n)
{
    visit v = {calloc(n ? n : 1, sizeof(atomic_uchar)), 0};
    accel__pool_for(pool, n, mark, &v);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) wrong += v.seen[i] != 1;
    if (wrong) TEST_FAIL_("n=%zu: %zu tasks did not run exactly once", n, wrong);
    if (n == 0 && v.chunks != 0) TEST_FAIL_("n=0 called fn %ld times", (long)v.chunks);
    free(v.seen);
}

/* ---- several application threads on one pool ----------------------------------------- */

typedef struct sum_job {
    const uint32_t *x;
    atomic_ullong total;
} sum_job;

static void sum_part(void *arg, size_t b, size_t e)
{
    sum_job *j = arg;
    unsigned long long s = 0;
    for (size_t i = b; i < e; i++) s += j->x[i];
    atomic_fetch_add(&j->total, s);
}

typedef struct app_thread {
    accel__pool *pool;
    const uint32_t *x;
    size_t n;
    unsigned long long want;
    int bad;
} app_thread;

static void *app_main(void *arg)
{
    app_thread *a = arg;
    for (int r = 0; r < 300; r++) {
        sum_job j = {a->x, 0};
        accel__pool_for(a->pool, a->n, sum_part, &j);
        if (j.total != a->want) a->bad++;
    }
    return NULL;
}

/* ---- nested ----------------------------------------------------------------------------- */

typedef struct nest {
    accel__pool *pool;
    atomic_long inner;
} nest;

static void inner_task(void *arg, size_t b, size_t e)
{
    nest *n = arg;
    atomic_fetch_add(&n->inner, (long)(e - b));
}

static void outer_task(void *arg, size_t b, size_t e)
{
    nest *n = arg;
    for (size_t i = b; i < e; i++) accel__pool_for(n->pool, 100, inner_task, n);
}

int main(void)
{
    accel__pool *pool = NULL;
    ASSERT_STATUS(accel__pool_create(0, &pool), ACCEL_ERR_INVALID_ARG);
    ASSERT_OK(accel__pool_create(4, &pool));
    ASSERT_EQ_INT(accel__pool_threads(pool), 4);
    ASSERT_EQ_INT(accel__pool_workers_running(pool), 3);
    static const size_t counts[] = {0, 1, 2, 3, 4, 5, 7, 15, 16, 17, 100, 1000, 100003};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) check_exactly_once(pool, counts[i]);
    check_exactly_once(NULL, 1000); /* no pool: serial */

    /* four application threads at once */
    size_t n = 1 << 16;
    uint32_t *x = malloc(n * sizeof *x);
    unsigned long long want = 0;
    for (size_t i = 0; i < n; i++) want += x[i] = (uint32_t)(i * 2654435761u);
    app_thread at[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        at[i] = (app_thread){pool, x, n, want, 0};
        ASSERT_EQ_INT(pthread_create(&th[i], NULL, app_main, &at[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ASSERT_EQ_INT(at[i].bad, 0);
    }

    /* nested parallel-for: the inner ones run serially */
    nest ns = {pool, 0};
    accel__pool_for(pool, 64, outer_task, &ns);
    ASSERT_EQ_INT(ns.inner, 64 * 100);
    accel__pool_destroy(pool);
    accel__pool_destroy(NULL);

    /* one thread: no workers, still correct */
    ASSERT_OK(accel__pool_create(1, &pool));
    ASSERT_EQ_INT(accel__pool_workers_running(pool), 0);
    check_exactly_once(pool, 1000);
    accel__pool_destroy(pool);

    /* the context's pool follows ACCEL_NUM_THREADS */
    accel_option opt = {"ACCEL_NUM_THREADS", "3"};
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, &opt, 1, ACCEL_CTX_NO_DISCOVERY));
    if (ctx) {
        ASSERT_EQ_INT(accel__pool_threads(ctx->cpu_pool), 3);
        ASSERT_EQ_INT(accel__pool_workers_running(ctx->cpu_pool), 2);
        accel_ctx_destroy(ctx);
    }
    /* default: the usable core count from discovery */
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (ctx) {
        int cores = accel__cpu_device(ctx)->info.usable_cores;
        if (cores < 1) cores = accel__cpu_device(ctx)->info.logical_cores;
        if (getenv("ACCEL_NUM_THREADS") == NULL) ASSERT_EQ_INT(accel__pool_threads(ctx->cpu_pool), cores);
        accel_ctx_destroy(ctx);
    }
    free(x);
    TEST_DONE();
}
