/* Conformance of the OpenCL backend's basic slots on the first usable OpenCL device (PoCL in
 * CI): allocation, transfers both ways and on the device, the fill kernel over poisoned
 * buffers at edge sizes (0, 1, primes, more than one work-group), argument and bounds errors,
 * timers, pinned host memory and memory information. */
#include "ocl_test.h"

#include <stdint.h>

static const float POISON = -12345.5f;

static void fill(accel__device *d, accel__buffer *b, int n, float v, size_t local)
{
    accel__kernel *k = NULL;
    ASSERT_OK(d->ops->kernel_get(d, "ak_fill_f32", &k));
    if (!k) return;
    accel__arg args[3];
    args[0].type = ACCEL__ARG_BUFFER;
    args[0].v.buf = b;
    args[1].type = ACCEL__ARG_I32;
    args[1].v.i32 = n;
    args[2].type = ACCEL__ARG_F32;
    args[2].v.f32 = v;
    accel__launch g = {1, {(size_t)n, 1, 1}, {local, 0, 0}};
    ASSERT_OK(d->ops->launch(d, k, &g, args, 3));
}

/* Fills the first n of n + pad poisoned floats and checks every element. */
static void check_fill(accel__device *d, size_t n, size_t local)
{
    const size_t pad = 5, total = n + pad;
    float *host = malloc(total * sizeof *host);
    for (size_t i = 0; i < total; i++) host[i] = POISON;
    accel__buffer *b = NULL;
    ASSERT_OK(d->ops->buffer_alloc(d, total * sizeof(float), &b));
    ASSERT_OK(d->ops->copy_h2d(d, b, 0, host, total * sizeof(float)));
    float v = 1.0f + (float)n;
    fill(d, b, (int)n, v, local);
    ASSERT_OK(d->ops->synchronize(d));
    for (size_t i = 0; i < total; i++) host[i] = 0.0f;
    ASSERT_OK(d->ops->copy_d2h(d, host, b, 0, total * sizeof(float)));
    size_t wrong = 0, first = (size_t)-1;
    for (size_t i = 0; i < total; i++) {
        float want = i < n ? v : POISON;
        if (host[i] != want) {
            if (!wrong) first = i;
            wrong++;
        }
    }
    if (wrong)
        TEST_FAIL_("fill n=%zu local=%zu: %zu wrong elements, first at %zu (%g)", n, local, wrong,
                   first, (double)host[first]);

    /* device to device, at offsets, into a second poisoned buffer */
    accel__buffer *c = NULL;
    ASSERT_OK(d->ops->buffer_alloc(d, total * sizeof(float), &c));
    for (size_t i = 0; i < total; i++) host[i] = POISON;
    ASSERT_OK(d->ops->copy_h2d(d, c, 0, host, total * sizeof(float)));
    size_t off = n > 2 ? 1 : 0, cnt = n > 2 ? n - 2 : n;
    ASSERT_OK(d->ops->copy_d2d(d, c, (off + 1) * sizeof(float), b, off * sizeof(float),
                               cnt * sizeof(float)));
    ASSERT_OK(d->ops->copy_d2h(d, host, c, 0, total * sizeof(float)));
    wrong = 0;
    for (size_t i = 0; i < total; i++) {
        float want = i >= off + 1 && i < off + 1 + cnt ? v : POISON;
        if (host[i] != want) wrong++;
    }
    if (wrong) TEST_FAIL_("d2d n=%zu: %zu wrong elements", n, wrong);
    d->ops->buffer_free(d, c);
    d->ops->buffer_free(d, b);
    free(host);
}

static accel_status never_runs(accel__devq *q, void *call, size_t begin, size_t end)
{
    (void)q;
    (void)call;
    (void)begin;
    (void)end;
    return ACCEL_ERROR(ACCEL_ERR_INTERNAL, "device code of an unsupported operation ran");
}
static const char *const missing_kernels[] = {"ak_no_such_kernel", NULL};
static const accel__op missing_kernel_op = {
    .name = "needs_a_missing_kernel", .run_device = never_runs, .kernels = missing_kernels};

int main(void)
{
    accel_ctx *ctx;
    accel__device *d = ocl_test_device(&ctx, 0);
    ASSERT_TRUE(d->opened);
    ASSERT_STR_EQ(d->ops->name, "opencl");
    ASSERT_EQ_INT(d->ops->api_version, ACCEL__BACKEND_API);
    printf("device: %s (%s)\nkernels: %s\n", d->info.name, d->info.arch, d->ops->kernel_note(d));

    static const size_t sizes[] = {0, 1, 2, 3, 7, 31, 127, 257, 1000, 4099, 65537, 1048583};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        check_fill(d, sizes[i], 0);
        check_fill(d, sizes[i], 64); /* global rounded up to a multiple of 64 */
    }

    /* a 0-byte buffer exists, copies of 0 bytes succeed, 1 byte beyond does not */
    accel__buffer *z = NULL;
    ASSERT_OK(d->ops->buffer_alloc(d, 0, &z));
    ASSERT_OK(d->ops->copy_h2d(d, z, 0, "", 0));
    ASSERT_STATUS(d->ops->copy_h2d(d, z, 0, "x", 1), ACCEL_ERR_INVALID_ARG);
    d->ops->buffer_free(d, z);

    accel__buffer *b = NULL;
    ASSERT_OK(d->ops->buffer_alloc(d, 64, &b));
    char bytes[64];
    ASSERT_STATUS(d->ops->copy_d2h(d, bytes, b, 8, 60), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "exceed the 64-byte buffer");
    ASSERT_STATUS(d->ops->copy_d2h(d, bytes, b, SIZE_MAX, 2), ACCEL_ERR_INVALID_ARG);

    /* overlapping device copy inside one buffer behaves like memmove */
    unsigned char pat[64], got[64];
    for (int i = 0; i < 64; i++) pat[i] = (unsigned char)i;
    ASSERT_OK(d->ops->copy_h2d(d, b, 0, pat, 64));
    ASSERT_OK(d->ops->copy_d2d(d, b, 4, b, 0, 32));
    ASSERT_OK(d->ops->copy_d2h(d, got, b, 0, 64));
    memmove(pat + 4, pat, 32);
    ASSERT_TRUE(memcmp(pat, got, 64) == 0);

    /* wrong argument count, unknown kernel, bad dims */
    accel__kernel *k = NULL;
    ASSERT_STATUS(d->ops->kernel_get(d, "ak_no_such_kernel", &k), ACCEL_ERR_NOT_FOUND);
    ASSERT_OK(d->ops->kernel_get(d, "ak_fill_f32", &k));
    accel__arg one = {.type = ACCEL__ARG_BUFFER, .v.buf = b};
    accel__launch g1 = {1, {16, 1, 1}, {0, 0, 0}};
    ASSERT_STATUS(d->ops->launch(d, k, &g1, &one, 1), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "1 arguments given, the kernel takes 3");
    accel__launch g0 = {0, {16, 1, 1}, {0, 0, 0}};
    accel__arg three[3] = {{.type = ACCEL__ARG_BUFFER, .v.buf = b},
                           {.type = ACCEL__ARG_I32, .v.i32 = 16},
                           {.type = ACCEL__ARG_F32, .v.f32 = 1.0f}};
    ASSERT_STATUS(d->ops->launch(d, k, &g0, three, 3), ACCEL_ERR_INVALID_ARG);
    /* a type the kernel does not take: 8 bytes where an int goes */
    accel__arg wrong[3] = {{.type = ACCEL__ARG_BUFFER, .v.buf = b},
                           {.type = ACCEL__ARG_I64, .v.i64 = 16},
                           {.type = ACCEL__ARG_F32, .v.f32 = 1.0f}};
    ASSERT_STATUS(d->ops->launch(d, k, &g1, wrong, 3), ACCEL_ERR_KERNEL);
    ASSERT_CONTAINS(accel_last_error(NULL), "CL_INVALID_ARG_SIZE (-51)");
    d->ops->buffer_free(d, b);

    /* device timer around a launch */
    accel__buffer *big = NULL;
    const int nbig = 1 << 20;
    ASSERT_OK(d->ops->buffer_alloc(d, (size_t)nbig * sizeof(float), &big));
    void *timer = NULL;
    ASSERT_OK(d->ops->timer_start(d, &timer));
    fill(d, big, nbig, 2.0f, 0);
    double ms = -1;
    ASSERT_OK(d->ops->timer_stop(d, timer, &ms));
    ASSERT_TRUE(ms >= 0.0 && ms < 10000.0);
    printf("fill of %d floats: %.3f ms (device timer)\n", nbig, ms);

    /* memory: accel's own allocation shows in the free figure */
    int64_t free_b = -1, total_b = -1;
    ASSERT_OK(d->ops->mem_info(d, &free_b, &total_b));
    ASSERT_EQ_INT(total_b, d->info.mem_total);
    ASSERT_TRUE(free_b > 0 && free_b <= total_b - (int64_t)nbig * 4);
    d->ops->buffer_free(d, big);

    /* larger than CL_DEVICE_MAX_MEM_ALLOC_SIZE: out of device memory, not a crash */
    accel__buffer *huge = NULL;
    if (d->info.max_alloc > 0 && (uint64_t)d->info.max_alloc < SIZE_MAX / 2) {
        ASSERT_STATUS(d->ops->buffer_alloc(d, (size_t)d->info.max_alloc + 1, &huge),
                      ACCEL_ERR_DEVICE_OOM);
        ASSERT_CONTAINS(accel_last_error(NULL), "CL_DEVICE_MAX_MEM_ALLOC_SIZE");
    }

    /* host memory for transfers */
    void *h = NULL;
    ASSERT_OK(d->ops->host_alloc(d, 4096, &h));
    ASSERT_TRUE(h != NULL);
    if (h) memset(h, 0x5a, 4096);
    d->ops->host_free(d, h);

    /* no operation whose kernels are missing is claimed */
    ASSERT_EQ_INT(d->ops->supports_op(d, &missing_kernel_op), 0);
    ASSERT_EQ_INT(d->ops->supports_op(d, NULL), 0);

    accel_ctx_destroy(ctx);
    TEST_DONE();
}
