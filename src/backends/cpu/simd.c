/* simd.c — which SIMD level this processor runs (see cpu.h). */
#include "cpu.h"

#include <strings.h>

accel__simd_level accel__simd_detect(void)
{
#if defined(__x86_64__) || defined(__i386__)
    /* __builtin_cpu_supports consults cpuid and, for AVX and AVX-512, whether the OS saves
     * the wider registers (xgetbv), so a kernel without AVX-512 state support gives avx2. */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return ACCEL__SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return ACCEL__SIMD_AVX2;
#endif
    return ACCEL__SIMD_BASELINE;
}

const char *accel__simd_name(accel__simd_level level)
{
    switch (level) {
    case ACCEL__SIMD_BASELINE: return "baseline";
    case ACCEL__SIMD_AVX2: return "avx2";
    case ACCEL__SIMD_AVX512: return "avx512";
    }
    return "unknown";
}

int accel__simd_parse(const char *text, accel__simd_level *out)
{
    static const accel__simd_level all[] = {ACCEL__SIMD_BASELINE, ACCEL__SIMD_AVX2,
                                            ACCEL__SIMD_AVX512};
    if (!text) return -1;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        if (strcasecmp(text, accel__simd_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return -1;
}
