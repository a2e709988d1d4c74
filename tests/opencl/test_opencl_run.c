/* The run slot: an operation's device code runs through the backend, and the device is opened
 * on first use when the context was created without warm-up. And a second context created
 * while OpenCL is in use in this process (even with ACCEL_CTX_NO_CACHE) finds the same device
 * without forking a probe into a process that holds OpenCL state. */
#include "ocl_test.h"

#include "vendor/cl_util.h"

typedef struct {
    float *out;
    size_t n;
    float value;
} fill_call;

static size_t n_items(const void *call) { return ((const fill_call *)call)->n; }

/* Fills out[begin, end) on the device with ak_fill_f32. */
static accel_status fill_device(accel__devq *q, void *vcall, size_t begin, size_t end)
{
    fill_call *c = vcall;
    size_t n = end - begin;
    accel__kernel *k;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_fill_f32", &k));
    accel__buffer *b;
    FORWARD_IF_ERROR(accel__devq_alloc(q, n * sizeof(float), &b));
    accel__arg a[3] = {{.type = ACCEL__ARG_BUFFER, .v.buf = b},
                       {.type = ACCEL__ARG_I32, .v.i32 = (int32_t)n},
                       {.type = ACCEL__ARG_F32, .v.f32 = c->value}};
    accel__launch g = {1, {n, 1, 1}, {128, 0, 0}};
    accel_status st = accel__devq_launch(q, k, &g, a, 3);
    if (st == ACCEL_OK) st = accel__devq_copy_d2h(q, c->out + begin, b, 0, n * sizeof(float));
    accel__devq_free(q, b);
    return st;
}

static const char *const fill_kernels[] = {"ak_fill_f32", NULL};
static const accel__op fill_op = {
    .name = "test_fill",
    .n_items = n_items,
    .run_device = fill_device,
    .kernels = fill_kernels,
};

static void check(const float *v, size_t from, size_t to, float want, const char *what)
{
    for (size_t i = from; i < to; i++)
        if (v[i] != want) {
            TEST_FAIL_("%s: element %zu is %g, want %g", what, i, (double)v[i], (double)want);
            return;
        }
}

int main(void)
{
    accel_ctx *ctx;
    accel__device *d = ocl_test_device(&ctx, ACCEL_CTX_NO_WARMUP);
    ASSERT_EQ_INT(d->opened, 0);
    ASSERT_CONTAINS(d->ops->kernel_note(d), "built when the device is opened");

    enum { N = 5003 };
    static float out[N];
    for (size_t i = 0; i < N; i++) out[i] = -1.0f;
    fill_call call = {out, N, 3.25f};
    /* items [1000, 4000) only: the rest must stay untouched */
    ASSERT_OK(d->ops->run(d, &fill_op, &call, 1000, 4000));
    ASSERT_EQ_INT(d->opened, 1);
    check(out, 0, 1000, -1.0f, "before the range");
    check(out, 1000, 4000, 3.25f, "the range");
    check(out, 4000, N, -1.0f, "after the range");
    ASSERT_TRUE(accel__cl_in_process());

    /* an operation without device code is refused, not crashed on */
    accel__op cpu_only = {.name = "cpu_only", .n_items = n_items};
    ASSERT_STATUS(d->ops->run(d, &cpu_only, &call, 0, 1), ACCEL_ERR_UNSUPPORTED);

    /* a second context while OpenCL is live here: no probe child, the same device */
    double t0 = accel__now_ms();
    accel_ctx *ctx2;
    ASSERT_OK(accel_ctx_create(&ctx2, NULL, 0, ACCEL_CTX_NO_CACHE));
    double ms = accel__now_ms() - t0;
    printf("second context in %.1f ms\n", ms);
    accel__device *d2 = NULL;
    for (size_t i = 0; i < ctx2->n_devs; i++)
        if (ctx2->devs[i].info.kind == ACCEL_KIND_OPENCL &&
            strcmp(ctx2->devs[i].info.name, d->info.name) == 0)
            d2 = &ctx2->devs[i];
    ASSERT_TRUE(d2 != NULL);
    if (d2) {
        ASSERT_EQ_INT(d2->info.usable, 1);
        ASSERT_EQ_INT(d2->opened, 1);
        call.value = 9.5f;
        ASSERT_OK(d2->ops->run(d2, &fill_op, &call, 0, N));
        check(out, 0, N, 9.5f, "second context");
    }
    accel_ctx_destroy(ctx2);
    /* the first context's device still works after the second is gone */
    call.value = 1.5f;
    ASSERT_OK(d->ops->run(d, &fill_op, &call, 0, N));
    check(out, 0, N, 1.5f, "first context again");
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
