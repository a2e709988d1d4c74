/* exec_overhead.c — what the fallback executor costs (docs/benchmarks.md, "Executor").
 *
 *   1. per call on the CPU: an operation that does nothing, called directly and through
 *      accel__exec (with and without a run record); the difference is the executor's cost;
 *   2. fallback beyond the failed attempt: a fake GPU whose run fails at once with a kernel
 *      error, in front of the CPU; a real operation (y = k·x + 1 over n floats) through the
 *      executor, against the failed attempt alone plus a direct CPU call.
 * Each round times every variant in turn (so load from other processes hits them alike);
 * figures are medians over 21 rounds and overheads medians of per-round differences, in
 * nanoseconds per call.
 *
 * usage: exec_overhead [--quick]   (--quick: few calls, for the test suite; figures are noise) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/executor.h"
#include "core/backend.h"

/* ---- operations ------------------------------------------------------------------------ */

typedef struct call {
    const float *x;
    float *y;
    size_t n;
    float k;
} call;

static size_t items(const void *c) { return ((const call *)c)->n; }

static accel_status nothing(accel__device *d, void *c, size_t b, size_t e)
{
    (void)d;
    (void)c;
    (void)b;
    (void)e;
    return ACCEL_OK;
}

static accel_status scale(accel__device *d, void *p, size_t b, size_t e)
{
    (void)d;
    call *c = p;
    for (size_t i = b; i < e; i++) c->y[i] = c->k * c->x[i] + 1.0f;
    return ACCEL_OK;
}

/* device code is never reached: the failing device refuses every run first */
static accel_status no_device_code(accel__devq *q, void *c, size_t b, size_t e)
{
    (void)q;
    (void)c;
    (void)b;
    (void)e;
    return ACCEL_OK;
}

static const accel__op empty_op = {
    .name = "bench_empty", .n_items = items, .run_cpu = nothing, .run_device = no_device_code};
static const accel__op scale_op = {
    .name = "bench_scale", .n_items = items, .run_cpu = scale, .run_device = no_device_code};

/* ---- a device that fails every run at once --------------------------------------------- */

static accel_status failing_run(accel__device *d, const accel__op *op, void *c, size_t b, size_t e)
{
    (void)op;
    (void)c;
    (void)b;
    (void)e;
    return ACCEL_ERROR(ACCEL_ERR_KERNEL, "device %d: kernel launch failed", d->info.index);
}

static const accel__backend_ops failing_ops = {
    .api_version = ACCEL__BACKEND_API,
    .name = "failing",
    .run = failing_run,
};

static void attach_failing(accel_ctx *ctx)
{
    accel__device *v = calloc(ctx->n_devs + 1, sizeof *v);
    if (!v) abort();
    accel__device_info_init(&v[0].info);
    v[0].info.kind = ACCEL_KIND_OPENCL;
    v[0].info.usable = 1;
    snprintf(v[0].info.name, sizeof v[0].info.name, "failing GPU");
    v[0].ops = &failing_ops;
    v[0].opened = 1;
    memcpy(v + 1, ctx->devs, ctx->n_devs * sizeof *v);
    free(ctx->devs);
    ctx->devs = v;
    ctx->n_devs++;
    for (size_t i = 0; i < ctx->n_devs; i++) {
        v[i].info.index = (int)i;
        v[i].ctx = ctx;
        pthread_mutex_init(&v[i].lock, NULL);
    }
}

static accel_ctx *make_ctx(const char *log_level)
{
    accel_option o[1] = {{"ACCEL_LOG_LEVEL", log_level}};
    accel_ctx *ctx = NULL;
    if (accel_ctx_create(&ctx, o, 1, ACCEL_CTX_NO_DISCOVERY) != ACCEL_OK) {
        fprintf(stderr, "exec_overhead: %s\n", accel_last_error(NULL));
        exit(1);
    }
    return ctx;
}

/* ---- timing ---------------------------------------------------------------------------- */

typedef enum { DIRECT, EXEC, EXEC_REC, FAIL_ONLY } mode;

#define MAX_ROUNDS 31
static int rounds = 21;

/* One round: ns per call over `calls` calls. */
static double round_ns(accel_ctx *ctx, const accel__op *op, call *c, mode m, long calls)
{
    accel__device *cpu = accel__cpu_device(ctx);
    accel_run_record rec = {.struct_size = sizeof rec};
    double t0 = accel__now_ms();
    for (long i = 0; i < calls; i++) {
        accel_status st = ACCEL_OK;
        switch (m) {
        case DIRECT: st = op->run_cpu(cpu, c, 0, c->n); break;
        case EXEC: st = accel__exec(ctx, op, c, NULL); break;
        case EXEC_REC: st = accel__exec(ctx, op, c, &rec); break;
        case FAIL_ONLY:
            st = ctx->devs[0].ops->run(&ctx->devs[0], op, c, 0, c->n) == ACCEL_ERR_KERNEL
                     ? ACCEL_OK
                     : ACCEL_ERR_INTERNAL;
            break;
        }
        if (st != ACCEL_OK) {
            fprintf(stderr, "exec_overhead: call failed: %s\n", accel_last_error(ctx));
            exit(1);
        }
    }
    return (accel__now_ms() - t0) * 1e6 / (double)calls;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/* Measures the modes in turn within each round, so that drift and neighbours' load hit them
 * alike; figures are medians over rounds, the overhead the median of per-round differences. */
static void measure(accel_ctx *ctx, const accel__op *op, call *c, const mode *modes, int n_modes,
                    long calls, double *med, double *diff_med)
{
    double v[4][MAX_ROUNDS], d[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < n_modes; k++) v[k][r] = round_ns(ctx, op, c, modes[k], calls);
        /* last mode minus all the others */
        d[r] = v[n_modes - 1][r];
        for (int k = 0; k < n_modes - 1; k++) d[r] -= v[k][r];
    }
    for (int k = 0; k < n_modes; k++) med[k] = median(v[k], rounds);
    *diff_med = median(d, rounds);
}

static call *new_call(size_t n)
{
    call *c = calloc(1, sizeof *c);
    float *x = malloc((n ? n : 1) * sizeof *x);
    c->y = malloc((n ? n : 1) * sizeof *c->y);
    for (size_t i = 0; i < n; i++) x[i] = (float)i;
    c->x = x;
    c->n = n;
    c->k = 0.5f;
    return c;
}

static void free_call(call *c)
{
    free((void *)c->x);
    free(c->y);
    free(c);
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    if (argc > 1 && !quick) {
        fprintf(stderr, "usage: exec_overhead [--quick]\n");
        return 2;
    }
    if (quick) rounds = 2;
    long many = quick ? 2000 : 200000;

    /* 1. per call on the CPU */
    accel_ctx *ctx = make_ctx("error");
    call *e = new_call(1000);
    double a[2], b[2], over, over_rec;
    static const mode plain[2] = {DIRECT, EXEC}, recd[2] = {DIRECT, EXEC_REC};
    measure(ctx, &empty_op, e, plain, 2, many, a, &over);
    measure(ctx, &empty_op, e, recd, 2, many, b, &over_rec);
    printf("executor overhead per call on the CPU (empty operation); medians of %d rounds of %ld "
           "calls\n",
           rounds, many);
    printf("  direct run_cpu                %8.1f ns\n", a[0]);
    printf("  accel__exec, no record        %8.1f ns   overhead %8.1f ns (goal <= 2000 ns)\n", a[1],
           over);
    printf("  accel__exec, with a record    %8.1f ns   overhead %8.1f ns\n", b[1], over_rec);
    free_call(e);
    accel_ctx_destroy(ctx);

    /* 2. fallback beyond the failed attempt */
    printf("\nfallback overhead: failing GPU in front of the CPU, y = k*x + 1 over n floats\n");
    printf("  %9s %12s %12s %12s %14s %10s %s\n", "n", "direct ns", "failed ns", "fallback ns",
           "overhead ns", "overhead", "(goal <= 5 %)");
    static const size_t sizes[] = {1000, 10000, 100000, 1000000};
    static const mode fb_modes[3] = {DIRECT, FAIL_ONLY, EXEC};
    for (int log = 0; log < 2; log++) {
        /* log = 1: the warn line per fallback is written (to /dev/null), as with defaults */
        if (log) {
            printf(
                "  with the default ACCEL_LOG_LEVEL=warn (one line per fallback, to /dev/null):\n");
            if (!freopen("/dev/null", "w", stderr)) return 1;
        }
        ctx = make_ctx(log ? "warn" : "error");
        attach_failing(ctx);
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            call *c = new_call(sizes[s]);
            long calls = quick ? 20 : (long)(20000000 / (sizes[s] + 2000)) + 1;
            double r[3], ov;
            measure(ctx, &scale_op, c, fb_modes, 3, calls, r, &ov);
            for (size_t i = 0; i < c->n; i++)
                if (c->y[i] != c->k * c->x[i] + 1.0f) {
                    printf("wrong result at %zu\n", i);
                    return 1;
                }
            printf("  %9zu %12.1f %12.1f %12.1f %14.1f %9.2f %%\n", sizes[s], r[0], r[1], r[2], ov,
                   100.0 * ov / r[0]);
            free_call(c);
        }
        accel_op_stats st = {.struct_size = sizeof st};
        accel_stats_get(ctx, 0, &st);
        if (st.fallbacks[ACCEL_FALLBACK_KERNEL_ERROR] != st.calls || st.calls == 0) {
            printf("counters disagree: %llu calls, %llu kernel_error fallbacks\n",
                   (unsigned long long)st.calls,
                   (unsigned long long)st.fallbacks[ACCEL_FALLBACK_KERNEL_ERROR]);
            return 1;
        }
        accel_ctx_destroy(ctx);
    }
    return 0;
}
