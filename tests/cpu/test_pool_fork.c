/* The CPU thread pool after fork: a child has none of its parent's worker threads; its first
 * parallel-for must re-create them and complete — also when the parent forked while another
 * of its threads was in the middle of a parallel-for (the child inherits held locks). A child
 * that hangs is killed by alarm() and counts as a failure. Finally the operations themselves
 * (accel_reduce through the context's pool) work in a child. */
#include "test.h"
#include "backends/cpu/cpu.h"

#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct slow_job {
    atomic_long done;
    atomic_int threads_seen; /* distinct threads that ran a chunk (bit per slot) */
} slow_job;

static _Thread_local int my_slot = -1;
static atomic_int next_slot;

static void slow_task(void *arg, size_t b, size_t e)
{
    slow_job *j = arg;
    if (my_slot < 0) my_slot = atomic_fetch_add(&next_slot, 1);
    if (my_slot < 30) atomic_fetch_or(&j->threads_seen, 1 << my_slot);
    for (size_t i = b; i < e; i++) {
        usleep(2000); /* long enough that the workers take part */
        atomic_fetch_add(&j->done, 1);
    }
}

static int popcount(int v)
{
    int c = 0;
    for (; v; v &= v - 1) c++;
    return c;
}

/* In the child: the pool works and uses more than the calling thread. */
static int child_body(accel__pool *pool)
{
    alarm(20);
    if (accel__pool_workers_running(pool) != 0) return 10; /* workers do not survive fork */
    slow_job j = {0, 0};
    accel__pool_for(pool, 64, slow_task, &j);
    if (j.done != 64) return 11;
    if (accel__pool_workers_running(pool) != accel__pool_threads(pool) - 1) return 12;
    if (popcount(j.threads_seen) < 2) return 13;
    return 0;
}

static int wait_child(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    if (WIFSIGNALED(status)) return 100 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static atomic_int stop_busy;

static void spin_task(void *arg, size_t b, size_t e)
{
    (void)arg;
    volatile double s = 0;
    for (size_t i = b; i < e; i++)
        for (int k = 0; k < 2000; k++) s += k;
}

static void *busy_main(void *arg)
{
    accel__pool *pool = arg;
    while (!atomic_load(&stop_busy)) accel__pool_for(pool, 256, spin_task, NULL);
    return NULL;
}

int main(void)
{
    accel__pool *pool = NULL;
    ASSERT_OK(accel__pool_create(3, &pool));
    slow_job j = {0, 0};
    accel__pool_for(pool, 16, slow_task, &j);
    ASSERT_EQ_INT(j.done, 16);

    /* 1: a quiet fork */
    pid_t pid = fork();
    if (pid == 0) _exit(child_body(pool));
    ASSERT_EQ_INT(wait_child(pid), 0);

    /* 2: fork while another thread keeps the workers busy, several times */
    pthread_t busy;
    ASSERT_EQ_INT(pthread_create(&busy, NULL, busy_main, pool), 0);
    for (int k = 0; k < 8; k++) {
        usleep(3000);
        pid = fork();
        if (pid == 0) _exit(child_body(pool));
        int rc = wait_child(pid);
        if (rc != 0) TEST_FAIL_("fork %d during a parallel-for: child status %d", k, rc);
    }
    atomic_store(&stop_busy, 1);
    pthread_join(busy, NULL);

    /* the parent's pool is still whole */
    j = (slow_job){0, 0};
    accel__pool_for(pool, 16, slow_task, &j);
    ASSERT_EQ_INT(j.done, 16);
    ASSERT_EQ_INT(accel__pool_workers_running(pool), 2);
    accel__pool_destroy(pool);

    /* 3: an operation in a child of a process with a context */
    accel_ctx *ctx = NULL;
    accel_option opt = {"ACCEL_NUM_THREADS", "2"};
    ASSERT_OK(accel_ctx_create(&ctx, &opt, 1, ACCEL_CTX_NO_DISCOVERY));
    if (ctx) {
        size_t n = (size_t)1 << 20;
        float *x = malloc(n * sizeof *x), out = 0;
        for (size_t i = 0; i < n; i++) x[i] = (float)(i % 1000);
        ASSERT_OK(accel_reduce(ctx, ACCEL_REDUCE_SUM, x, 1, n, &out, NULL));
        pid = fork();
        if (pid == 0) {
            alarm(20);
            float o2 = 0;
            if (accel_reduce(ctx, ACCEL_REDUCE_SUM, x, 1, n, &o2, NULL) != ACCEL_OK) _exit(20);
            if (o2 != out) _exit(21);
            if (accel__pool_workers_running(ctx->cpu_pool) != 1) _exit(22);
            accel_ctx_destroy(ctx);
            _exit(0);
        }
        ASSERT_EQ_INT(wait_child(pid), 0);
        free(x);
        accel_ctx_destroy(ctx);
    }
    TEST_DONE();
}
