/* The fallback paths on a real non-CPU device — in CI the OpenCL device PoCL provides —
 * driven by ACCEL_FAULT at the backend's own alloc/copy/launch slots and at the executor's
 * op:<name> site: OOM bisection on the device, kernel error, lost device, unavailable, strict
 * mode. The operation fills y with v on the device (ak_fill_f32 from src/kernels/basic.kern)
 * after copying x in and before copying y out, so every slot is used once per call.
 * Exits 77 when the machine has no usable non-CPU device. */
#include "test.h"
#include "core/devcall.h"
#include "core/executor.h"
#include "core/backend.h"

typedef struct fill_call {
    const float *x;
    float *y;
    size_t n;
    float v;
} fill_call;

static size_t fill_items(const void *c) { return ((const fill_call *)c)->n; }

static accel_status fill_cpu(accel__device *d, void *call, size_t b, size_t e)
{
    (void)d;
    fill_call *c = call;
    for (size_t i = b; i < e; i++) c->y[i] = c->v;
    return ACCEL_OK;
}

static accel_status fill_device(accel__devq *q, void *call, size_t b, size_t e)
{
    fill_call *c = call;
    size_t n = e - b, bytes = n * sizeof(float);
    accel__kernel *k = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_fill_f32", &k));
    accel__buffer *buf = NULL;
    FORWARD_IF_ERROR(accel__devq_alloc(q, bytes, &buf));
    accel_status st = accel__devq_copy_h2d(q, buf, 0, c->x + b, bytes);
    if (st == ACCEL_OK) {
        accel__arg a[3] = {{.type = ACCEL__ARG_BUFFER, .v.buf = buf},
                           {.type = ACCEL__ARG_I32, .v.i32 = (int32_t)n},
                           {.type = ACCEL__ARG_F32, .v.f32 = c->v}};
        accel__launch g = {.dims = 1, .global = {(n + 63) / 64 * 64, 1, 1}, .local = {64, 1, 1}};
        st = accel__devq_launch(q, k, &g, a, 3);
    }
    if (st == ACCEL_OK) st = accel__devq_sync(q);
    if (st == ACCEL_OK) st = accel__devq_copy_d2h(q, c->y + b, buf, 0, bytes);
    accel__devq_free(q, buf);
    return st;
}

static const accel__op fill_op = {
    .name = "exec_devtest",
    .n_items = fill_items,
    .run_cpu = fill_cpu,
    .run_device = fill_device,
};

#define N 1000

static float xs[N], ys[N];

static fill_call *fresh(float v)
{
    static fill_call c;
    for (int i = 0; i < N; i++) {
        xs[i] = (float)i;
        ys[i] = NAN;
    }
    c = (fill_call){xs, ys, N, v};
    return &c;
}

static int wrong(float v)
{
    int bad = 0;
    for (int i = 0; i < N; i++) bad += ys[i] != v;
    return bad;
}

/* A context with these settings and the index of its first usable non-CPU device. */
static accel_ctx *open_ctx(const char *fault, int strict, int *dev)
{
    accel_option o[3] = {
        {"ACCEL_LOG_LEVEL", "error"}, {"ACCEL_FAULT", fault}, {"ACCEL_STRICT", "1"}};
    accel_ctx *ctx = NULL;
    if (accel_ctx_create(&ctx, o, strict ? 3 : 2, 0) != ACCEL_OK) {
        TEST_FAIL_("context with ACCEL_FAULT=%s: %s", fault, accel_last_error(NULL));
        exit(1);
    }
    *dev = -1;
    for (size_t i = 0; i < ctx->n_devs && *dev < 0; i++)
        if (ctx->devs[i].info.kind != ACCEL_KIND_CPU && ctx->devs[i].info.usable) *dev = (int)i;
    return ctx;
}

int main(void)
{
    int dev;
    accel_ctx *ctx = open_ctx("", 0, &dev);
    if (dev < 0) {
        accel_ctx_destroy(ctx);
        TEST_SKIP("no usable non-CPU device (OpenCL/PoCL or a GPU) on this machine");
    }
    fprintf(stderr, "device %d: %s (%s)\n", dev, ctx->devs[dev].info.name,
            accel_device_kind_name(ctx->devs[dev].info.kind));
    int cpu = (int)ctx->n_devs - 1;
    accel_run_record rec = {.struct_size = sizeof rec};

    /* no fault: the device does it */
    ASSERT_OK(accel__exec_from(ctx, dev, &fill_op, fresh(2.5f), &rec));
    ASSERT_EQ_INT(wrong(2.5f), 0);
    ASSERT_EQ_INT(rec.device_used, dev);
    ASSERT_EQ_INT(rec.n_fallbacks, 0);
    accel_ctx_destroy(ctx);

    /* the first allocation runs out of memory: split in two on the same device */
    ctx = open_ctx("oom@alloc:1", 0, &dev);
    ASSERT_TRUE(dev >= 0);
    ASSERT_OK(accel__exec_from(ctx, dev, &fill_op, fresh(3.0f), &rec));
    ASSERT_EQ_INT(wrong(3.0f), 0);
    ASSERT_EQ_INT(rec.device_used, dev);
    ASSERT_EQ_INT(rec.n_splits, 1);
    size_t good, bad;
    accel__exec_mem_get(ctx, &fill_op, (size_t)dev, &good, &bad);
    ASSERT_EQ_INT(good, N / 2);
    ASSERT_EQ_INT(bad, N);
    accel_ctx_destroy(ctx);

    /* every allocation fails: bisect to one item, then the CPU */
    ctx = open_ctx("oom@alloc", 0, &dev);
    ASSERT_OK(accel__exec_from(ctx, dev, &fill_op, fresh(4.0f), &rec));
    ASSERT_EQ_INT(wrong(4.0f), 0);
    ASSERT_EQ_INT(rec.device_used, cpu);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_OOM);
    ASSERT_CONTAINS(rec.message, "out of memory (injected by ACCEL_FAULT=oom@alloc");
    accel_ctx_destroy(ctx);

    /* a launch failure */
    ctx = open_ctx("launch@launch", 0, &dev);
    ASSERT_OK(accel__exec_from(ctx, dev, &fill_op, fresh(5.0f), &rec));
    ASSERT_EQ_INT(wrong(5.0f), 0);
    ASSERT_EQ_INT(rec.device_planned, dev);
    ASSERT_EQ_INT(rec.device_used, cpu);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_KERNEL_ERROR);
    accel_ctx_destroy(ctx);

    /* the device is lost on the way back: the CPU redoes the call, and the device is not used
     * again */
    ctx = open_ctx("lost@copy:2", 0, &dev);
    ASSERT_OK(accel__exec_from(ctx, dev, &fill_op, fresh(6.0f), &rec));
    ASSERT_EQ_INT(wrong(6.0f), 0);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_UNAVAILABLE);
    ASSERT_EQ_INT(ctx->devs[dev].info.usable, 0);
    ASSERT_OK(accel__exec_from(ctx, dev, &fill_op, fresh(7.0f), &rec));
    ASSERT_EQ_INT(wrong(7.0f), 0);
    ASSERT_CONTAINS(rec.message, "was lost earlier");
    accel_ctx_destroy(ctx);

    /* unavailable at the operation */
    ctx = open_ctx("unavailable@op:exec_devtest:1", 0, &dev);
    ASSERT_OK(accel__exec_from(ctx, dev, &fill_op, fresh(8.0f), &rec));
    ASSERT_EQ_INT(wrong(8.0f), 0);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_UNAVAILABLE);
    ASSERT_OK(accel__exec_from(ctx, dev, &fill_op, fresh(9.0f), &rec)); /* only the 1st call */
    ASSERT_EQ_INT(rec.device_used, dev);
    accel_ctx_destroy(ctx);

    /* strict: the launch failure is an error, the CPU does not run */
    ctx = open_ctx("launch@launch", 1, &dev);
    ASSERT_STATUS(accel__exec_from(ctx, dev, &fill_op, fresh(1.0f), &rec), ACCEL_ERR_STRICT);
    ASSERT_CONTAINS(accel_last_error(ctx), "ACCEL_STRICT=1");
    int written = 0;
    for (int i = 0; i < N; i++) written += !isnan(ys[i]);
    ASSERT_EQ_INT(written, 0); /* every output still poisoned */
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
