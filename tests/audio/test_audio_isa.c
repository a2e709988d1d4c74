/* test_audio_isa.c — the audio CPU kernels follow the CPU SIMD level. For every level this
 * processor runs, forced through ACCEL_CPU_SIMD, whisper and fbank features equal bit for bit
 * those of the kernel build accel__audio_isa_for() names for it (forced directly), and that
 * build is the documented one: baseline → generic, avx2 → avx2, avx512 → avx512 (avx2 where
 * the audio AVX-512 build cannot run), neon → neon. The builds other than generic contract
 * multiply-adds into FMA, so their whisper output differs from generic's somewhere: that is
 * what shows which build ran. On AArch64 the neon build must exist. */
#include "audio_test_util.h"

#define RATE 16000
#define SAMPLES (RATE * 3 / 2)

static const char *expected_isa(accel__simd_level level)
{
    switch (level) {
    case ACCEL__SIMD_BASELINE: return "generic";
    case ACCEL__SIMD_AVX2: return "avx2";
    case ACCEL__SIMD_AVX512: return accel__audio_isa_avx512() ? "avx512" : "avx2";
    case ACCEL__SIMD_NEON: return "neon";
    }
    return "?";
}

static accel_ctx *open_level(const char *level)
{
    setenv("ACCEL_CPU_SIMD", level, 1);
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    return ctx;
}

/* Features of `x` with preset `preset` into *out (malloc'd), *n values; on the CPU. */
static void features(accel_ctx *ctx, const char *preset, const float *x, float **out, size_t *n)
{
    accel_audio_params p;
    size_t shape[3];
    int nd = 0;
    ASSERT_OK(accel_audio_params_preset(preset, &p));
    ASSERT_OK(accel_audio_shape(&p, SAMPLES, shape, &nd));
    *n = 1;
    for (int i = 0; i < nd; i++) *n *= shape[i];
    *out = malloc(*n * sizeof **out);
    if (!*out) TEST_SKIP("out of memory");
    memset(*out, 0xFF, *n * sizeof **out);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel_audio_features(ctx, &p, ACCEL_F32, x, SAMPLES, *out, *n, &rec));
    const accel_device_info *info;
    ASSERT_OK(accel_device_get(ctx, (size_t)rec.device_used, &info));
    ASSERT_EQ_INT(info->kind, ACCEL_KIND_CPU);
}

static size_t differing(const float *a, const float *b, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++) d += memcmp(&a[i], &b[i], sizeof *a) != 0;
    return d;
}

int main(void)
{
    static const char *const presets[] = {"whisper-80", "fbank-80"};
    float *x = malloc(SAMPLES * sizeof *x);
    if (!x) TEST_SKIP("out of memory");
    uint32_t seed = 2463534242u;
    for (size_t i = 0; i < SAMPLES; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        double noise = (double)(seed >> 8) / (double)(1u << 24) - 0.5;
        x[i] = (float)(0.3 * sin(2 * M_PI * 440.0 * (double)i / RATE) + 0.1 * noise);
    }
#if defined(__aarch64__)
    ASSERT_TRUE(accel__audio_isa_neon() != NULL);
#endif
    float *generic[2] = {NULL, NULL};
    int checked = 0;
    for (int lv = 0; lv < ACCEL__SIMD_COUNT; lv++) {
        accel__simd_level level = (accel__simd_level)lv;
        if (!accel__simd_runs(level)) continue;
        const char *name = accel__simd_name(level);
        const audio_isa *isa = accel__audio_isa_for(level);
        ASSERT_STR_EQ(isa->name, expected_isa(level));
        accel_ctx *ctx = open_level(name);
        if (!ctx) continue;
        for (int k = 0; k < 2; k++) {
            float *by_level, *forced;
            size_t n, n2;
            features(ctx, presets[k], x, &by_level, &n);
            accel__audio_force_isa(isa);
            features(ctx, presets[k], x, &forced, &n2);
            accel__audio_force_isa(NULL);
            ASSERT_EQ_INT(n, n2);
            size_t d = differing(by_level, forced, n);
            if (d) TEST_FAIL_("ACCEL_CPU_SIMD=%s, %s: %zu of %zu values differ from the %s build's",
                              name, presets[k], d, n, isa->name);
            if (level == ACCEL__SIMD_BASELINE) {
                generic[k] = by_level;
            } else {
                size_t dg = generic[k] ? differing(by_level, generic[k], n) : 0;
                printf("  %s, %s: %zu of %zu values differ from generic\n", name, presets[k], dg, n);
                if (k == 0 && generic[0] && dg == 0)
                    TEST_FAIL_("ACCEL_CPU_SIMD=%s: whisper output equals generic's, so the test "
                               "cannot tell which build ran",
                               name);
                free(by_level);
            }
            free(forced);
        }
        printf("level %s: audio kernels %s (whisper-80, fbank-80 identical to the forced build)\n",
               name, isa->name);
        checked++;
        accel_ctx_destroy(ctx);
    }
    unsetenv("ACCEL_CPU_SIMD");
    ASSERT_TRUE(checked >= 1);
    free(generic[0]);
    free(generic[1]);
    free(x);
    TEST_DONE();
}
