/* simd.c — which SIMD level this processor runs (see cpu.h). */
#include "cpu.h"

#include <strings.h>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
/* Bits of AT_HWCAP on arm64 (asm/hwcap.h), spelled out so that old headers build. */
#define SIMD_HWCAP_FP (1ul << 0)
#define SIMD_HWCAP_ASIMD (1ul << 1)
#endif

#if defined(__x86_64__)
#include <cpuid.h>
/* F16C (CPUID leaf 1, ECX bit 29) from cpuid itself: not every compiler's
 * __builtin_cpu_supports knows the name (Clang 14 rejects "f16c"). F16C needs the AVX state,
 * which the avx2 test beside it already requires the OS to save. */
static int cpu_has_f16c(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29));
}
#endif

int accel__simd_built(accel__simd_level level)
{
    switch (level) {
    case ACCEL__SIMD_BASELINE: return 1;
    case ACCEL__SIMD_AVX2:
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX2)
        return 1;
#else
        return 0;
#endif
    case ACCEL__SIMD_AVX512:
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX512)
        return 1;
#else
        return 0;
#endif
    case ACCEL__SIMD_NEON:
#if defined(__aarch64__) && defined(ACCEL_BUILD_NEON)
        return 1;
#else
        return 0;
#endif
    }
    return 0;
}

int accel__simd_cpu_has(accel__simd_level level)
{
    switch (level) {
    case ACCEL__SIMD_BASELINE: return 1;
    case ACCEL__SIMD_AVX2:
    case ACCEL__SIMD_AVX512:
#if defined(__x86_64__)
        /* __builtin_cpu_supports consults cpuid and, for AVX and AVX-512, whether the OS
         * saves the wider registers (xgetbv), so a kernel without AVX-512 state support
         * gives avx2. */
        __builtin_cpu_init();
        if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c()))
            return 0;
        return level == ACCEL__SIMD_AVX2 ||
               (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"));
#else
        return 0;
#endif
    case ACCEL__SIMD_NEON:
#if defined(__aarch64__) && defined(__linux__)
        {
            /* Advanced SIMD and FP (whose FCVT converts float16) are part of every AArch64
             * processor Linux runs on, but the kernel says so in HWCAP: ask rather than
             * assume. */
            unsigned long hw = getauxval(AT_HWCAP);
            return (hw & SIMD_HWCAP_ASIMD) && (hw & SIMD_HWCAP_FP);
        }
#elif defined(__aarch64__)
        return 1; /* no getauxval: Advanced SIMD is architectural on AArch64 */
#else
        return 0;
#endif
    }
    return 0;
}

int accel__simd_runs(accel__simd_level level)
{
    return accel__simd_built(level) && accel__simd_cpu_has(level);
}

accel__simd_level accel__simd_detect(void)
{
    static const accel__simd_level best_first[] = {ACCEL__SIMD_AVX512, ACCEL__SIMD_AVX2,
                                                   ACCEL__SIMD_NEON};
    for (size_t i = 0; i < sizeof best_first / sizeof *best_first; i++)
        if (accel__simd_runs(best_first[i])) return best_first[i];
    return ACCEL__SIMD_BASELINE;
}

const char *accel__simd_arch(accel__simd_level level)
{
    switch (level) {
    case ACCEL__SIMD_BASELINE: return NULL;
    case ACCEL__SIMD_AVX2:
    case ACCEL__SIMD_AVX512: return "x86-64";
    case ACCEL__SIMD_NEON: return "AArch64";
    }
    return NULL;
}

const char *accel__simd_name(accel__simd_level level)
{
    switch (level) {
    case ACCEL__SIMD_BASELINE: return "baseline";
    case ACCEL__SIMD_AVX2: return "avx2";
    case ACCEL__SIMD_AVX512: return "avx512";
    case ACCEL__SIMD_NEON: return "neon";
    }
    return "unknown";
}

int accel__simd_parse(const char *text, accel__simd_level *out)
{
    if (!text) return -1;
    for (int i = 0; i < ACCEL__SIMD_COUNT; i++) {
        if (strcasecmp(text, accel__simd_name((accel__simd_level)i)) == 0) {
            *out = (accel__simd_level)i;
            return 0;
        }
    }
    return -1;
}
