/* Data that stay on a device (accel_device_alloc/copy/free, accel_convert_on, accel_reduce_on)
 * on a stand-in GPU (tests/gpu/fake_cuda or fake_hip): the results equal the host calls', the
 * caller's memory is used where it is (another allocation of the same driver works too), and
 * the refusals name their reason: the CPU and OpenCL have no addresses, a GPU switched off by
 * configuration refuses instead of moving the data, misaligned addresses, device memory taken.
 *
 * Run as `test_device_data KIND` (cuda or rocm) with the stand-in on the library path and
 * ACCEL_FAKE_GPU_MEMORY_MB=512. */
#include "test.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

#define N 100000

static int find(accel_ctx *ctx, accel_device_kind kind)
{
    size_t n = 0;
    accel_device_count(ctx, &n);
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d = NULL;
        if (accel_device_get(ctx, i, &d) == ACCEL_OK && d->kind == kind && d->usable) return (int)i;
    }
    return -1;
}

static accel_ctx *open_ctx(const char *key, const char *value)
{
    accel_option o[1] = {{key, value}};
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, key ? o : NULL, key ? 1 : 0, ACCEL_CTX_NO_CACHE));
    return ctx;
}

/* Memory from the stand-in driver itself, as another library in the process would get it. */
static void *foreign_alloc(accel_device_kind kind, size_t bytes)
{
    if (kind == ACCEL_KIND_CUDA) {
        typedef int (*alloc_fn)(unsigned long long *, size_t);
        void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
        alloc_fn f = h ? (alloc_fn)dlsym(h, "cuMemAlloc_v2") : NULL;
        unsigned long long p = 0;
        if (!f || f(&p, bytes) != 0) return NULL;
        return (void *)(uintptr_t)p;
    }
    typedef int (*alloc_fn)(void **, size_t);
    const char *lib = getenv("ACCEL_HIP_LIBRARY");
    void *h = lib ? dlopen(lib, RTLD_NOW | RTLD_NOLOAD) : NULL;
    alloc_fn f = h ? (alloc_fn)dlsym(h, "hipMalloc") : NULL;
    void *p = NULL;
    if (!f || f(&p, bytes) != 0) return NULL;
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "cuda") && strcmp(argv[1], "rocm"))) {
        fprintf(stderr, "usage: %s cuda|rocm\n", argv[0]);
        return 2;
    }
    accel_device_kind kind = !strcmp(argv[1], "cuda") ? ACCEL_KIND_CUDA : ACCEL_KIND_ROCM;
    accel_ctx *ctx = open_ctx(NULL, NULL);
    if (!ctx) TEST_DONE();
    int g = find(ctx, kind), cpu = find(ctx, ACCEL_KIND_CPU), cl = find(ctx, ACCEL_KIND_OPENCL);
    if (g < 0) TEST_SKIP("no usable stand-in %s device (is it on the library path?)", argv[1]);

    int16_t *src = malloc(N * sizeof *src);
    float *want = malloc(N * sizeof *want), *got = malloc(N * sizeof *got);
    ASSERT_TRUE(src && want && got);
    for (size_t i = 0; i < N; i++) src[i] = (int16_t)(i * 7919u);
    ASSERT_OK(accel_convert(ctx, ACCEL_I16, src, ACCEL_F32, want, N, 0.5f, -1.0f, NULL));

    /* convert: host -> device, on the device, device -> host */
    void *dsrc = NULL, *ddst = NULL;
    ASSERT_OK(accel_device_alloc(ctx, (size_t)g, N * sizeof *src, &dsrc));
    ASSERT_OK(accel_device_alloc(ctx, (size_t)g, N * sizeof *got, &ddst));
    ASSERT_OK(accel_device_copy(ctx, (size_t)g, ACCEL_COPY_HOST_TO_DEVICE, dsrc, src, N * sizeof *src));
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel_convert_on(ctx, (size_t)g, ACCEL_I16, dsrc, ACCEL_F32, ddst, N, 0.5f, -1.0f, &rec));
    ASSERT_EQ_INT(rec.device_used, g);
    ASSERT_EQ_INT(rec.device_planned, g);
    ASSERT_EQ_INT(rec.n_fallbacks, 0);
    memset(got, 0, N * sizeof *got);
    ASSERT_OK(accel_device_copy(ctx, (size_t)g, ACCEL_COPY_DEVICE_TO_HOST, got, ddst, N * sizeof *got));
    ASSERT_TRUE(memcmp(got, want, N * sizeof *got) == 0);

    /* device -> device copy, and float16 out */
    void *dcopy = NULL, *dhalf = NULL;
    ASSERT_OK(accel_device_alloc(ctx, (size_t)g, N * sizeof *got, &dcopy));
    ASSERT_OK(accel_device_alloc(ctx, (size_t)g, N * 2, &dhalf));
    ASSERT_OK(accel_device_copy(ctx, (size_t)g, ACCEL_COPY_DEVICE_TO_DEVICE, dcopy, ddst, N * sizeof *got));
    ASSERT_OK(accel_convert_on(ctx, (size_t)g, ACCEL_F32, dcopy, ACCEL_F16, dhalf, N, 1.0f, 0.0f, NULL));
    uint16_t *half = malloc(N * 2), *hwant = malloc(N * 2);
    ASSERT_OK(accel_device_copy(ctx, (size_t)g, ACCEL_COPY_DEVICE_TO_HOST, half, dhalf, N * 2));
    ASSERT_OK(accel_convert(ctx, ACCEL_F32, want, ACCEL_F16, hwant, N, 1.0f, 0.0f, NULL));
    ASSERT_TRUE(memcmp(half, hwant, N * 2) == 0);

    /* reduce on the device: each row's mean and variance, results in host memory */
    const size_t rows = 4, len = N / 4;
    float r_dev[4], r_host[4];
    for (int op = ACCEL_REDUCE_SUM; op <= ACCEL_REDUCE_MAX; op++) {
        ASSERT_OK(accel_reduce_on(ctx, (size_t)g, (accel_reduce_op)op, ddst, rows, len, r_dev, &rec));
        ASSERT_EQ_INT(rec.device_used, g);
        ASSERT_OK(accel_reduce(ctx, (accel_reduce_op)op, want, rows, len, r_host, NULL));
        for (size_t i = 0; i < rows; i++)
            ASSERT_NEAR(r_dev[i], r_host[i], 1e-6 * (fabs(r_host[i]) + 1.0));
    }

    /* memory another user of the driver allocated is taken where it is */
    void *foreign = foreign_alloc(kind, N * sizeof *src);
    ASSERT_TRUE(foreign != NULL);
    if (foreign) {
        ASSERT_OK(accel_device_copy(ctx, (size_t)g, ACCEL_COPY_HOST_TO_DEVICE, foreign, src, N * sizeof *src));
        ASSERT_OK(accel_convert_on(ctx, (size_t)g, ACCEL_I16, foreign, ACCEL_F32, ddst, N, 0.5f, -1.0f, NULL));
        ASSERT_OK(accel_device_copy(ctx, (size_t)g, ACCEL_COPY_DEVICE_TO_HOST, got, ddst, N * sizeof *got));
        ASSERT_TRUE(memcmp(got, want, N * sizeof *got) == 0);
    }

    /* the statistics count the calls on the device like the others */
    size_t ns = 0;
    ASSERT_OK(accel_stats_count(ctx, &ns));
    int seen_convert = 0;
    for (size_t i = 0; i < ns; i++) {
        accel_op_stats s = {.struct_size = sizeof s};
        ASSERT_OK(accel_stats_get(ctx, i, &s));
        if (!strcmp(s.op, "convert")) seen_convert = s.calls >= 3;
    }
    ASSERT_TRUE(seen_convert);

    /* refusals */
    void *p = NULL;
    ASSERT_STATUS(accel_device_alloc(ctx, (size_t)cpu, 16, &p), ACCEL_ERR_UNSUPPORTED);
    ASSERT_CONTAINS(accel_last_error(ctx), "is the CPU");
    if (cl >= 0) {
        ASSERT_STATUS(accel_device_alloc(ctx, (size_t)cl, 16, &p), ACCEL_ERR_UNSUPPORTED);
        ASSERT_CONTAINS(accel_last_error(ctx), "does not take memory addresses");
    }
    ASSERT_STATUS(accel_device_alloc(ctx, 99, 16, &p), ACCEL_ERR_NOT_FOUND);
    ASSERT_STATUS(accel_convert_on(ctx, (size_t)g, ACCEL_I16, dsrc, ACCEL_F32, (char *)ddst + 2, 8,
                                   1.0f, 0.0f, NULL),
                  ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "not aligned");
    ASSERT_STATUS(accel_device_copy(ctx, (size_t)g, (accel_copy_kind)7, ddst, dsrc, 4), ACCEL_ERR_INVALID_ARG);
    /* on the CPU device the calls are the host ones */
    ASSERT_OK(accel_convert_on(ctx, (size_t)cpu, ACCEL_I16, src, ACCEL_F32, got, N, 0.5f, -1.0f, &rec));
    ASSERT_EQ_INT(rec.device_used, cpu);
    ASSERT_TRUE(memcmp(got, want, N * sizeof *got) == 0);

    /* device memory taken by someone else: the allocation fails as out of memory */
    setenv("ACCEL_FAKE_GPU_STOLEN_MB", "512", 1);
    ASSERT_STATUS(accel_device_alloc(ctx, (size_t)g, 64 << 20, &p), ACCEL_ERR_DEVICE_OOM);
    unsetenv("ACCEL_FAKE_GPU_STOLEN_MB");

    accel_device_free(ctx, (size_t)g, dsrc);
    accel_device_free(ctx, (size_t)g, ddst);
    accel_device_free(ctx, (size_t)g, dcopy);
    accel_device_free(ctx, (size_t)g, dhalf);
    accel_device_free(ctx, (size_t)g, NULL);
    accel_ctx_destroy(ctx);

    /* a GPU switched off by configuration refuses, naming the setting */
    accel_ctx *off = open_ctx("ACCEL_CONVERT_GPU", "0");
    if (off) {
        g = find(off, kind);
        void *a = NULL, *b = NULL;
        ASSERT_OK(accel_device_alloc(off, (size_t)g, 64, &a));
        ASSERT_OK(accel_device_alloc(off, (size_t)g, 64, &b));
        ASSERT_STATUS(accel_convert_on(off, (size_t)g, ACCEL_F32, a, ACCEL_F32, b, 16, 1.0f, 0.0f, NULL),
                      ACCEL_ERR_DISABLED);
        ASSERT_CONTAINS(accel_last_error(off), "ACCEL_CONVERT_GPU=0 (api)");
        ASSERT_OK(accel_reduce_on(off, (size_t)g, ACCEL_REDUCE_SUM, a, 1, 16, r_dev, NULL));
        accel_device_free(off, (size_t)g, a);
        accel_device_free(off, (size_t)g, b);
        accel_ctx_destroy(off);
    }
    accel_ctx *all = open_ctx("ACCEL_ALL_GPU", "0");
    if (all) {
        g = find(all, kind);
        void *a = NULL;
        ASSERT_OK(accel_device_alloc(all, (size_t)g, 64, &a));
        ASSERT_STATUS(accel_reduce_on(all, (size_t)g, ACCEL_REDUCE_SUM, a, 1, 16, r_dev, NULL),
                      ACCEL_ERR_DISABLED);
        ASSERT_CONTAINS(accel_last_error(all), "ACCEL_ALL_GPU=0 (api)");
        accel_device_free(all, (size_t)g, a);
        accel_ctx_destroy(all);
    }
    free(src);
    free(want);
    free(got);
    free(half);
    free(hwant);
    TEST_DONE();
}
