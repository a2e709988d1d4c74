/* fake.h — a fake GPU backend and a test operation for the executor, planner and benchmark
 * tests. The fake device keeps buffers in host memory with an optional byte capacity (an
 * allocation that would exceed it fails with ACCEL_ERR_DEVICE_OOM, as a real device would),
 * calls accel__fault_check() at the top of alloc/copy/launch like a real backend, and runs
 * operations' device code through the core's accel__device_code_run, as the real device
 * backends do. It is attached to a CPU-only context after creation,
 * before the CPU (the CPU stays last). */
#ifndef ACCEL_TEST_FAKE_H
#define ACCEL_TEST_FAKE_H

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/devcall.h"
#include "core/executor.h"
#include "core/backend.h"

struct accel__buffer {
    size_t bytes;
    unsigned char data[];
};
struct accel__kernel {
    const char *name;
};

#define FAKE_MAX_RUNS 4096

typedef struct fake_dev {
    int64_t capacity; /* bytes held at once; < 0: unlimited */
    int64_t used;
    accel_status run_status;  /* returned by run (ACCEL_OK: run normally) */
    int fail_from_run;        /* > 0: runs from this one (1-based) on return run_status */
    int supports;             /* supports_op answer */
    accel_status open_status; /* returned by open */
    int opens;
    int has_mem_info;
    int64_t mem_free, mem_total;
    int n_runs;
    size_t run_begin[FAKE_MAX_RUNS], run_end[FAKE_MAX_RUNS];
    pthread_mutex_t mu;
} fake_dev;

static accel_status fake_open(accel__device *d)
{
    fake_dev *f = d->impl;
    f->opens++;
    if (f->open_status != ACCEL_OK) return ACCEL_ERROR(f->open_status, "fake: open failed");
    return ACCEL_OK;
}

static void fake_close(accel__device *d) { (void)d; }

static accel_status fake_mem_info(accel__device *d, int64_t *fr, int64_t *tot)
{
    fake_dev *f = d->impl;
    if (!f->has_mem_info) return ACCEL_ERROR(ACCEL_ERR_UNSUPPORTED, "fake: no memory info");
    *fr = f->mem_free;
    *tot = f->mem_total;
    return ACCEL_OK;
}

static accel_status fake_alloc(accel__device *d, size_t bytes, accel__buffer **out)
{
    FORWARD_IF_ERROR(accel__fault_check(d->ctx, d, "alloc"));
    fake_dev *f = d->impl;
    pthread_mutex_lock(&f->mu);
    int over = f->capacity >= 0 && f->used + (int64_t)bytes > f->capacity;
    if (!over) f->used += (int64_t)bytes;
    int64_t used = f->used;
    pthread_mutex_unlock(&f->mu);
    RETURN_ERROR_IF(over, ACCEL_ERR_DEVICE_OOM,
                    "fake: out of memory allocating %zu bytes (%lld of %lld in use)", bytes,
                    (long long)used, (long long)f->capacity);
    accel__buffer *b = malloc(sizeof *b + (bytes ? bytes : 1));
    if (!b) abort();
    b->bytes = bytes;
    *out = b;
    return ACCEL_OK;
}

static void fake_free(accel__device *d, accel__buffer *b)
{
    fake_dev *f = d->impl;
    pthread_mutex_lock(&f->mu);
    f->used -= (int64_t)b->bytes;
    pthread_mutex_unlock(&f->mu);
    free(b);
}

static accel_status fake_h2d(accel__device *d, accel__buffer *dst, size_t off, const void *src,
                             size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(d->ctx, d, "copy"));
    memcpy(dst->data + off, src, n);
    return ACCEL_OK;
}

static accel_status fake_d2h(accel__device *d, void *dst, accel__buffer *src, size_t off, size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(d->ctx, d, "copy"));
    memcpy(dst, src->data + off, n);
    return ACCEL_OK;
}

static accel__kernel fake_scale_kernel = {"scale"};

static accel_status fake_kernel_get(accel__device *d, const char *name, accel__kernel **out)
{
    (void)d;
    RETURN_ERROR_IF(strcmp(name, "scale") != 0, ACCEL_ERR_KERNEL, "fake: no kernel %s", name);
    *out = &fake_scale_kernel;
    return ACCEL_OK;
}

/* The one kernel: y[i] = k * x[i] + 1 for i < n; args (y, x, n, k). */
static accel_status fake_launch(accel__device *d, accel__kernel *k, const accel__launch *g,
                                const accel__arg *a, int n_args)
{
    (void)k;
    (void)g;
    FORWARD_IF_ERROR(accel__fault_check(d->ctx, d, "launch"));
    RETURN_ERROR_IF(n_args != 4, ACCEL_ERR_KERNEL, "fake: scale takes 4 arguments");
    float *y = (float *)a[0].v.buf->data;
    const float *x = (const float *)a[1].v.buf->data;
    for (int i = 0; i < a[2].v.i32; i++) y[i] = a[3].v.f32 * x[i] + 1.0f;
    return ACCEL_OK;
}

static accel_status fake_sync(accel__device *d)
{
    (void)d;
    return ACCEL_OK;
}

static int fake_supports(const accel__device *d, const accel__op *op)
{
    (void)op;
    return ((fake_dev *)d->impl)->supports;
}

static accel_status fake_run(accel__device *d, const accel__op *op, void *call, size_t b, size_t e)
{
    fake_dev *f = d->impl;
    pthread_mutex_lock(&f->mu);
    int run = ++f->n_runs;
    if (run <= FAKE_MAX_RUNS) {
        f->run_begin[run - 1] = b;
        f->run_end[run - 1] = e;
    }
    pthread_mutex_unlock(&f->mu);
    if (f->run_status != ACCEL_OK && (f->fail_from_run <= 0 || run >= f->fail_from_run))
        return ACCEL_ERROR(f->run_status, "fake: run %d fails with %s", run,
                           accel_status_name(f->run_status));
    return accel__device_code_run(d, op, call, b, e);
}

static const accel__backend_ops fake_ops = {
    .api_version = ACCEL__BACKEND_API,
    .name = "fake",
    .open = fake_open,
    .close = fake_close,
    .mem_info = fake_mem_info,
    .buffer_alloc = fake_alloc,
    .buffer_free = fake_free,
    .copy_h2d = fake_h2d,
    .copy_d2h = fake_d2h,
    .kernel_get = fake_kernel_get,
    .launch = fake_launch,
    .synchronize = fake_sync,
    .supports_op = fake_supports,
    .run = fake_run,
};

static void fake_init(fake_dev *f)
{
    memset(f, 0, sizeof *f);
    f->capacity = -1;
    f->supports = 1;
    pthread_mutex_init(&f->mu, NULL);
}

/* Puts `n` fake devices in front of the context's devices (so before the CPU). opened: whether
 * they count as opened already (0 exercises the executor's lazy open). */
static void fake_attach(accel_ctx *ctx, fake_dev *fakes, int n, int opened)
{
    size_t total = ctx->n_devs + (size_t)n;
    accel__device *v = calloc(total, sizeof *v);
    if (!v) abort();
    for (int i = 0; i < n; i++) {
        accel__device *d = &v[i];
        accel__device_info_init(&d->info);
        d->info.kind = ACCEL_KIND_OPENCL;
        d->info.routes = ACCEL_ROUTE_OPENCL;
        d->info.usable = 1;
        snprintf(d->info.verdict, sizeof d->info.verdict, "usable");
        snprintf(d->info.name, sizeof d->info.name, "fake%d", i);
        d->ops = &fake_ops;
        d->impl = &fakes[i];
        d->opened = opened;
    }
    memcpy(v + n, ctx->devs, ctx->n_devs * sizeof *v);
    for (size_t i = 0; i < ctx->n_devs; i++) pthread_mutex_destroy(&ctx->devs[i].lock);
    free(ctx->devs);
    ctx->devs = v;
    ctx->n_devs = total;
    for (size_t i = 0; i < total; i++) {
        v[i].info.index = (int)i;
        v[i].ctx = ctx;
        pthread_mutex_init(&v[i].lock, NULL);
    }
}

static accel_ctx *fake_ctx(const accel_option *opts, size_t n_opts)
{
    accel_ctx *ctx = NULL;
    accel_status st = accel_ctx_create(&ctx, opts, n_opts, ACCEL_CTX_NO_DISCOVERY);
    if (st != ACCEL_OK) {
        fprintf(stderr, "cannot create a context: %s\n", accel_last_error(NULL));
        exit(1);
    }
    return ctx;
}

/* ---- the test operation: y[i] = k·x[i] + 1, marking which kind of device wrote each item */

typedef struct scale_call {
    const float *x;
    float *y;
    char *who; /* 'c' CPU, 'g' device, 0 untouched */
    size_t n;
    float k;
} scale_call;

static size_t scale_items(const void *c) { return ((const scale_call *)c)->n; }
static int64_t scale_fixed(const void *c)
{
    (void)c;
    return 0;
}
static int64_t scale_per_item(const void *c)
{
    (void)c;
    return 2 * sizeof(float);
}

static accel_status scale_cpu(accel__device *d, void *call, size_t b, size_t e)
{
    (void)d;
    scale_call *c = call;
    for (size_t i = b; i < e; i++) {
        c->y[i] = c->k * c->x[i] + 1.0f;
        if (c->who) c->who[i] = 'c';
    }
    return ACCEL_OK;
}

static accel_status scale_device(accel__devq *q, void *call, size_t b, size_t e)
{
    scale_call *c = call;
    size_t n = e - b, bytes = n * sizeof(float);
    accel__buffer *bx = NULL, *by = NULL;
    accel__kernel *k = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "scale", &k));
    accel_status st = accel__devq_alloc(q, bytes, &bx);
    if (st == ACCEL_OK) st = accel__devq_alloc(q, bytes, &by);
    if (st == ACCEL_OK) st = accel__devq_copy_h2d(q, bx, 0, c->x + b, bytes);
    if (st == ACCEL_OK) {
        accel__arg a[4] = {{.type = ACCEL__ARG_BUFFER, .v.buf = by},
                           {.type = ACCEL__ARG_BUFFER, .v.buf = bx},
                           {.type = ACCEL__ARG_I32, .v.i32 = (int32_t)n},
                           {.type = ACCEL__ARG_F32, .v.f32 = c->k}};
        accel__launch g = {.dims = 1, .global = {n, 1, 1}, .local = {64, 1, 1}};
        st = accel__devq_launch(q, k, &g, a, 4);
    }
    if (st == ACCEL_OK) st = accel__devq_copy_d2h(q, c->y + b, by, 0, bytes);
    if (st == ACCEL_OK && c->who) memset(c->who + b, 'g', n);
    accel__devq_free(q, bx);
    accel__devq_free(q, by);
    return st;
}

static const accel__op scale_op = {
    .name = "scale_test",
    .n_items = scale_items,
    .bytes_fixed = scale_fixed,
    .bytes_per_item = scale_per_item,
    .run_cpu = scale_cpu,
    .run_device = scale_device,
};

/* A call of n items with x[i] = i, y poisoned (NaN), who cleared. */
static scale_call *scale_new(size_t n, float k)
{
    scale_call *c = calloc(1, sizeof *c);
    float *x = malloc((n ? n : 1) * sizeof *x);
    c->y = malloc((n ? n : 1) * sizeof *c->y);
    c->who = calloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)i;
        c->y[i] = NAN;
    }
    c->x = x;
    c->n = n;
    c->k = k;
    return c;
}

static void scale_free(scale_call *c)
{
    if (!c) return;
    free((void *)c->x);
    free(c->y);
    free(c->who);
    free(c);
}

/* Number of items whose result is wrong (exact: k·i + 1 is exact in float for small i). */
static size_t scale_wrong(const scale_call *c)
{
    size_t bad = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!(c->y[i] == c->k * (float)i + 1.0f)) bad++;
    return bad;
}

static size_t who_count(const scale_call *c, char w, size_t b, size_t e)
{
    size_t n = 0;
    for (size_t i = b; i < e; i++) n += c->who[i] == w;
    return n;
}

#endif
