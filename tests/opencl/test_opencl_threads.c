/* Two contexts opening their OpenCL device at the same moment, from two threads: both must run
 * on the device. The OpenCL implementation's first device enumeration is process-wide state
 * (PoCL 3.1 initialises its devices inside the first clGetDeviceIDs without excluding a second
 * caller): unserialised, one thread got no device ("OpenCL device 0 of platform 0 not found")
 * or crashed in clGetDeviceInfo. That happens only once per process, so each round runs in a
 * fresh child forked before this process touches OpenCL, in two forms: contexts created in the
 * threads (the device opened by accel_ctx_create), and contexts created without warm-up whose
 * first accel_convert opens the device in the threads. */
#include "test.h"

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

enum { N = 1000, ROUNDS = 12 };

static pthread_barrier_t start;
static const accel_option opencl = {"ACCEL_BACKEND", "opencl"};

/* Exit codes of a round's child. */
enum { OK = 0, FAILED = 1, NO_DEVICE = 77 };

/* 1 when the conversion ran on an OpenCL device and gave the right values; says why not. */
static int converted_on_opencl(accel_ctx *ctx, int thread)
{
    float src[N], dst[N];
    for (int i = 0; i < N; i++) src[i] = (float)i;
    accel_run_record rec = {.struct_size = sizeof rec};
    accel_status st = accel_convert(ctx, ACCEL_F32, src, ACCEL_F32, dst, N, 2.0f, 1.0f, &rec);
    if (st != ACCEL_OK) {
        fprintf(stderr, "thread %d: accel_convert: %s: %s\n", thread, accel_status_name(st),
                accel_last_error(NULL));
        return 0;
    }
    const accel_device_info *info;
    if (accel_device_get(ctx, (size_t)rec.device_used, &info) != ACCEL_OK ||
        info->kind != ACCEL_KIND_OPENCL) {
        fprintf(stderr, "thread %d: convert ran on device %d, not OpenCL (%s)\n", thread,
                rec.device_used, rec.message);
        return 0;
    }
    for (int i = 0; i < N; i++)
        if (dst[i] != 2.0f * (float)i + 1.0f) {
            fprintf(stderr, "thread %d: element %d is %g, want %g\n", thread, i, (double)dst[i],
                    2.0 * i + 1.0);
            return 0;
        }
    return 1;
}

typedef struct job {
    int thread;
    accel_ctx *ctx; /* NULL: the thread creates its own (the device opened at creation) */
    int ok;
} job;

static void *run(void *arg)
{
    job *j = arg;
    pthread_barrier_wait(&start);
    accel_ctx *ctx = j->ctx;
    if (!ctx && accel_ctx_create(&ctx, &opencl, 1, 0) != ACCEL_OK) {
        fprintf(stderr, "thread %d: accel_ctx_create: %s\n", j->thread, accel_last_error(NULL));
        return NULL;
    }
    j->ok = converted_on_opencl(ctx, j->thread);
    if (!j->ctx) accel_ctx_destroy(ctx);
    return NULL;
}

/* One round in this (fresh) process: two threads at once. */
static int round_here(int lazy)
{
    job jobs[2] = {{.thread = 0}, {.thread = 1}};
    if (lazy)
        for (int t = 0; t < 2; t++)
            if (accel_ctx_create(&jobs[t].ctx, &opencl, 1, ACCEL_CTX_NO_WARMUP) != ACCEL_OK) {
                fprintf(stderr, "accel_ctx_create: %s\n", accel_last_error(NULL));
                return FAILED;
            }
    pthread_barrier_init(&start, NULL, 2);
    pthread_t th[2];
    for (int t = 0; t < 2; t++) pthread_create(&th[t], NULL, run, &jobs[t]);
    for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&start);
    for (int t = 0; t < 2; t++)
        if (jobs[t].ctx) accel_ctx_destroy(jobs[t].ctx);
    return jobs[0].ok && jobs[1].ok ? OK : FAILED;
}

/* Whether this machine has a usable OpenCL device, asked in a child so that this process
 * stays free of OpenCL for the rounds' forks. */
static int device_here(void)
{
    accel_ctx *ctx;
    if (accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_WARMUP) != ACCEL_OK) return FAILED;
    size_t n = 0;
    accel_device_count(ctx, &n);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *info;
        if (accel_device_get(ctx, i, &info) == ACCEL_OK && info->kind == ACCEL_KIND_OPENCL &&
            info->usable)
            found = 1;
    }
    accel_ctx_destroy(ctx);
    return found ? OK : NO_DEVICE;
}

/* Runs fn(arg) in a child; its exit code, or 128 + the signal that ended it. */
static int in_child(int (*fn)(int), int arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        TEST_FAIL_("fork failed");
        return FAILED;
    }
    if (pid == 0) _exit(fn(arg));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static int probe(int unused)
{
    (void)unused;
    return device_here();
}

int main(void)
{
    int rc = in_child(probe, 0);
    if (rc == NO_DEVICE) TEST_SKIP("no usable OpenCL device on this machine (install pocl-opencl-icd)");
    ASSERT_EQ_INT(rc, OK);
    for (int r = 0; r < ROUNDS; r++) {
        int lazy = r % 2;
        rc = in_child(round_here, lazy);
        if (rc != OK)
            TEST_FAIL_("round %d (%s): the child ended with %s %d", r,
                       lazy ? "contexts without warm-up, opened by accel_convert"
                            : "contexts created in the threads",
                       rc > 128 ? "signal" : "exit code", rc > 128 ? rc - 128 : rc);
    }
    TEST_DONE();
}
