/* basic_cpu.c — picks the basic family's CPU kernel table for the level the CPU device chose. */
#include "basic.h"

#include "backends/cpu/cpu.h"

const accel__basic_cpu_kernels *accel__basic_cpu_for(const accel__device *dev)
{
    switch (accel__cpu_simd(dev)) {
    case ACCEL__SIMD_AVX512:
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX512)
        return &accel__basic_cpu_avx512;
#endif
        /* fall through: level not built into this binary */
    case ACCEL__SIMD_AVX2:
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX2)
        return &accel__basic_cpu_avx2;
#endif
        /* fall through */
    case ACCEL__SIMD_BASELINE: break;
    case ACCEL__SIMD_NEON:
#if defined(__aarch64__) && defined(ACCEL_BUILD_NEON)
        return &accel__basic_cpu_neon;
#endif
        break; /* not built into this binary */
    }
    return &accel__basic_cpu_baseline;
}
