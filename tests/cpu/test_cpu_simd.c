/* SIMD levels of the CPU backend: every level this processor runs, forced through
 * ACCEL_CPU_SIMD, runs its own kernel table and gives bit-identical convert and reduce results
 * to the default level (min/max compared by value: the sign of a zero extreme is
 * unspecified); on AArch64 that is baseline against neon, on x86-64 baseline, avx2 and avx512
 * as far as the processor goes. A level it cannot run (too high, or another architecture's)
 * falls back to the best one; an unknown level makes the CPU device unusable with a message
 * naming the allowed values. */
#include "test.h"
#include "backends/cpu/cpu.h"
#include "core/backend.h"
#include "ops/basic/basic.h"

#include <stdlib.h>

#define N 100003

static const accel_dtype srcs[] = {ACCEL_U8, ACCEL_I16, ACCEL_I32, ACCEL_F16, ACCEL_F32};
static const size_t lens[] = {1, 15, 16, 17, 997, 65536, 65537, N};

typedef struct results {
    unsigned char convert[5][2][N * 4];
    float reduce[5][sizeof lens / sizeof *lens][3];
} results;

static void random_bits(void *p, size_t bytes, uint64_t seed)
{
    unsigned char *b = p;
    for (size_t i = 0; i < bytes; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        b[i] = (unsigned char)seed;
    }
}

static accel_ctx *open_level(const char *level)
{
    if (level)
        setenv("ACCEL_CPU_SIMD", level, 1);
    else
        unsetenv("ACCEL_CPU_SIMD");
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    return ctx;
}

static void run_all(accel_ctx *ctx, const void *src, const float *x, results *r)
{
    for (int s = 0; s < 5; s++)
        for (int d = 0; d < 2; d++) {
            memset(r->convert[s][d], 0xFF, sizeof r->convert[s][d]);
            ASSERT_OK(accel_convert(ctx, srcs[s], src, d ? ACCEL_F16 : ACCEL_F32,
                                    r->convert[s][d], N, 0.0123f, -0.5f, NULL));
        }
    for (int op = 0; op < 5; op++)
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
            size_t arrays = lens[l] < 1000 ? 3 : 1;
            memset(r->reduce[op][l], 0xFF, sizeof r->reduce[op][l]);
            ASSERT_OK(accel_reduce(ctx, (accel_reduce_op)op, x, arrays, lens[l],
                                   r->reduce[op][l], NULL));
        }
}

static void compare(const char *level, const results *a, const results *b)
{
    for (int s = 0; s < 5; s++)
        for (int d = 0; d < 2; d++)
            if (memcmp(a->convert[s][d], b->convert[s][d], sizeof a->convert[s][d]) != 0)
                TEST_FAIL_("%s: convert type %d -> %s differs from the default level", level, s,
                           d ? "f16" : "f32");
    for (int op = 0; op < 5; op++)
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
            for (int k = 0; k < 3; k++) {
                float u = a->reduce[op][l][k], v = b->reduce[op][l][k];
                int same = op >= ACCEL_REDUCE_MIN ? (u == v || (u != u && v != v))
                                                  : memcmp(&u, &v, sizeof u) == 0;
                if (!same)
                    TEST_FAIL_("%s: reduce op %d len %zu [%d]: %.9g vs default %.9g", level, op,
                               lens[l], k, (double)u, (double)v);
            }
}

/* The float64 partials of one segment, before the public wrapper rounds them to float32:
 * a level that put an element in another lane or folded in another order may still round
 * to the same float32 output, but not to the same partial. `y` has elements of many
 * magnitudes, so that the float64 sums do round. */
static void compare_partials(const char *level, const accel__basic_cpu_kernels *k, const float *y)
{
    static const accel_reduce_op ops[] = {ACCEL_REDUCE_SUM, ACCEL_REDUCE_VAR, ACCEL_REDUCE_MIN,
                                          ACCEL_REDUCE_MAX};
    for (size_t o = 0; o < sizeof ops / sizeof *ops; o++)
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
            accel__reduce_partial a, b;
            memset(&a, 0xFF, sizeof a);
            memset(&b, 0xFF, sizeof b);
            k->reduce_segment(ops[o], y, lens[l], &a);
            accel__basic_cpu_baseline.reduce_segment(ops[o], y, lens[l], &b);
            int same = ops[o] >= ACCEL_REDUCE_MIN ? a.s1 == b.s1 : memcmp(&a, &b, sizeof a) == 0;
            if (!same)
                TEST_FAIL_("%s: reduce op %d partial of %zu elements: k %.17g s1 %.17g s2 %.17g, "
                           "baseline k %.17g s1 %.17g s2 %.17g",
                           level, (int)ops[o], lens[l], a.k, a.s1, a.s2, b.k, b.s1, b.s2);
        }
}

int main(void)
{
    static results base, other;
    unsigned char *src = malloc(N * 4);
    float *x = malloc(3 * N * sizeof *x);
    random_bits(src, N * 4, 12345);
    for (size_t i = 0; i < 3 * N; i++) x[i] = (float)((double)((i * 2654435761u) % 100003) / 977.0 - 50.0);
    x[70000] = -0.0f;
    float *y = malloc(N * sizeof *y);
    uint64_t seed = 99991;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        double mant = (double)(seed >> 40) / (double)(1ull << 24) - 0.5; /* [-0.5, 0.5) */
        y[i] = (float)ldexp(mant, (int)((seed >> 20) % 41) - 20);
    }

    accel__simd_level best = accel__simd_detect();
    printf("this CPU: best level %s\n", accel__simd_name(best));
    accel_ctx *ctx = open_level(NULL);
    if (!ctx) TEST_DONE();
    ASSERT_EQ_INT(accel__cpu_simd(accel__cpu_device(ctx)), best);
    run_all(ctx, src, x, &base);
    accel_ctx_destroy(ctx);

#if defined(__aarch64__)
    /* Advanced SIMD is architectural on AArch64 and the build always makes the neon level:
     * anything else means detection or the build is broken. */
    ASSERT_EQ_INT(best, ACCEL__SIMD_NEON);
#endif
    int compared = 0;
    for (int lv = 0; lv < ACCEL__SIMD_COUNT; lv++) {
        const char *name = accel__simd_name((accel__simd_level)lv);
        ctx = open_level(name);
        if (!ctx) continue;
        const accel__device *cpu = accel__cpu_device(ctx);
        if (!accel__simd_runs((accel__simd_level)lv)) {
            /* not this processor's (or this binary's): the best level instead, never an
             * illegal instruction */
            ASSERT_EQ_INT(accel__cpu_simd(cpu), best);
            printf("level %s: not run here, %s used instead\n", name, accel__simd_name(best));
            accel_ctx_destroy(ctx);
            continue;
        }
        ASSERT_EQ_INT(accel__cpu_simd(cpu), lv);
        ASSERT_CONTAINS(accel__backend_cpu.kernel_note(cpu), name);
        /* the level's own kernels run, not a fallback table */
        ASSERT_STR_EQ(accel__basic_cpu_for(cpu)->level, name);
        run_all(ctx, src, x, &other);
        compare(name, &other, &base);
        compare_partials(name, accel__basic_cpu_for(cpu), y);
        printf("level %s: convert (10 type pairs × %d elements) and reduce (5 ops × %zu shapes) "
               "identical to the default, float64 partials to baseline's\n",
               name, N, sizeof lens / sizeof *lens);
        compared++;
        accel_ctx_destroy(ctx);
    }
    /* the default level and baseline at least, so that something was compared */
    if (best != ACCEL__SIMD_BASELINE) ASSERT_TRUE(compared >= 2);
    /* outputs of 64 MiB and more are written with non-temporal stores (after an unaligned
     * head): same bits as the baseline level, which has none */
    {
        size_t big = ((size_t)64 << 20) / 4 + 3;
        float *bs = malloc(big * 4), *b1 = malloc((big + 1) * 4), *b2 = malloc((big + 1) * 4);
        for (size_t i = 0; i < big; i++) bs[i] = (float)((double)(i % 65521) * 1.37 - 4000.0);
        accel_ctx *c1 = open_level("baseline"), *c2 = open_level(NULL);
        for (int d = 0; d < 2 && c1 && c2; d++) {
            accel_dtype dt = d ? ACCEL_F16 : ACCEL_F32;
            size_t n = d ? big : big; /* f16: 32 MiB out — below the threshold, as control */
            memset(b1, 0xFF, (big + 1) * 4);
            memset(b2, 0xFF, (big + 1) * 4);
            ASSERT_OK(accel_convert(c1, ACCEL_F32, bs, dt, (char *)b1 + 4, n, 0.75f, 3.0f, NULL));
            ASSERT_OK(accel_convert(c2, ACCEL_F32, bs, dt, (char *)b2 + 4, n, 0.75f, 3.0f, NULL));
            if (memcmp(b1, b2, (big + 1) * 4) != 0)
                TEST_FAIL_("64 MiB convert to %s: streamed result differs from baseline",
                           d ? "f16" : "f32");
        }
        accel_ctx_destroy(c1);
        accel_ctx_destroy(c2);
        free(bs);
        free(b1);
        free(b2);
    }
    /* case-insensitive */
    ctx = open_level("BaseLine");
    if (ctx) {
        ASSERT_EQ_INT(accel__cpu_simd(accel__cpu_device(ctx)), ACCEL__SIMD_BASELINE);
        accel_ctx_destroy(ctx);
    }
    /* unknown value: the CPU device says why, and operations fail with a status */
    ctx = open_level("sse9");
    if (ctx) {
        const accel_device_info *info = &accel__cpu_device(ctx)->info;
        ASSERT_EQ_INT(info->usable, 0);
        ASSERT_CONTAINS(info->verdict, "ACCEL_CPU_SIMD=sse9");
        ASSERT_CONTAINS(info->verdict, "allowed: baseline, avx2, avx512, neon");
        float out;
        accel_status st = accel_reduce(ctx, ACCEL_REDUCE_SUM, x, 1, 10, &out, NULL);
        ASSERT_NE_INT(st, ACCEL_OK);
        ASSERT_CONTAINS(accel_last_error(ctx), "allowed: baseline, avx2, avx512, neon");
        accel_ctx_destroy(ctx);
    }
    unsetenv("ACCEL_CPU_SIMD");
    free(src);
    free(x);
    free(y);
    TEST_DONE();
}
