/* Out of memory on a stand-in GPU (tests/gpu/fake_cuda, tests/gpu/fake_hip), through the
 * public API and the executor: ACCEL_FAKE_GPU_STOLEN_MB plays another process taking device
 * memory after the plan, so the device's allocations fail where the budget said they fit.
 *
 * Run as `test_fake_gpu_oom KIND` (cuda or rocm) with the stand-in on the library path,
 * ACCEL_FAKE_GPU_MEMORY_MB=512 and ACCEL_BACKEND naming the stand-in's backend. Budget:
 * 512 MiB free − 256 MiB kept free = 256 MiB, so a convert of 8 Mi int16 → float32 (48 MiB on
 * the device) is planned in one piece.
 *  1. 500 MiB taken leaves 12 MiB: the call fails with out of memory, is bisected on the same
 *     device down to batches that fit (n_splits > 0) and gives the right result there.
 *  2. All 512 MiB taken: not even one element fits; after bisecting down to one element the
 *     call falls back to another device with reason oom, with the right result. */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

#define N ((size_t)8 << 20)

static int gpu_index(accel_ctx *ctx, accel_device_kind kind)
{
    size_t n = 0;
    accel_device_count(ctx, &n);
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *info = NULL;
        if (accel_device_get(ctx, i, &info) == ACCEL_OK && info->kind == kind) {
            if (!info->usable)
                TEST_FAIL_("the stand-in %s device is unusable: %s", accel_device_kind_name(kind),
                           info->verdict);
            return (int)i;
        }
    }
    return -1;
}

static void check_result(const int16_t *src, const float *dst, float scale, float offset)
{
    size_t wrong = 0, first = 0;
    for (size_t i = 0; i < N; i++) {
        float t = (float)src[i] * scale;
        t = t + offset;
        if (memcmp(&t, &dst[i], sizeof t) != 0 && wrong++ == 0) first = i;
    }
    if (wrong) TEST_FAIL_("%zu of %zu results wrong, the first at %zu", wrong, N, first);
}

static void run_case(accel_ctx *ctx, const char *stolen_mb, const int16_t *src, float *dst,
                     accel_run_record *rec)
{
    setenv("ACCEL_FAKE_GPU_STOLEN_MB", stolen_mb, 1);
    memset(dst, 0xFF, N * sizeof *dst);
    *rec = (accel_run_record){.struct_size = sizeof *rec};
    ASSERT_OK(accel_convert(ctx, ACCEL_I16, src, ACCEL_F32, dst, N, 1.0f / 32768, 0.25f, rec));
    unsetenv("ACCEL_FAKE_GPU_STOLEN_MB");
    printf("%s MiB taken: planned device %d, ran on device %d, %d split(s), %d fallback(s) "
           "(%s), %.0f ms lost; %s\n",
           stolen_mb, rec->device_planned, rec->device_used, rec->n_splits, rec->n_fallbacks,
           accel_fallback_reason_name(rec->reason), rec->time_lost_ms, rec->message);
    check_result(src, dst, 1.0f / 32768, 0.25f);
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "cuda") != 0 && strcmp(argv[1], "rocm") != 0)) {
        fprintf(stderr, "usage: %s cuda|rocm\n", argv[0]);
        return 2;
    }
    accel_device_kind kind = strcmp(argv[1], "cuda") == 0 ? ACCEL_KIND_CUDA : ACCEL_KIND_ROCM;
    int16_t *src = malloc(N * sizeof *src);
    float *dst = malloc(N * sizeof *dst);
    ASSERT_TRUE(src && dst);
    if (!src || !dst) TEST_DONE();
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < N; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        src[i] = (int16_t)s;
    }
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, 0));
    if (!ctx) TEST_DONE();
    int gpu = gpu_index(ctx, kind);
    if (gpu < 0) TEST_FAIL_("no %s device: is the stand-in driver on the library path?", argv[1]);
    size_t planned = 0;
    if (gpu >= 0 && accel_select(ctx, "convert", &planned, NULL) == ACCEL_OK &&
        (int)planned != gpu) {
        accel_ctx_destroy(ctx);
        free(src);
        free(dst);
        TEST_SKIP("convert is not planned on the stand-in device %d but on device %zu: no "
                  "kernels in this build?",
                  gpu, planned);
    }
    accel_run_record rec;
    if (gpu >= 0) {
        run_case(ctx, "500", src, dst, &rec);
        ASSERT_EQ_INT(rec.device_used, gpu);
        ASSERT_EQ_INT(rec.n_fallbacks, 0);
        ASSERT_TRUE(rec.n_splits >= 1);

        run_case(ctx, "512", src, dst, &rec);
        ASSERT_NE_INT(rec.device_used, gpu);
        ASSERT_EQ_INT(rec.device_planned, gpu);
        ASSERT_TRUE(rec.n_fallbacks >= 1);
        ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_OOM);
    }
    accel_ctx_destroy(ctx);
    free(src);
    free(dst);
    TEST_DONE();
}
