/* kern_select.c — picks the image kernels (kern.h) for the SIMD level the CPU device chose. */
#include "image_internal.h"

#include "backends/cpu/cpu.h"

#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX2)
extern const img_kern accel__img_kern_avx2;
#endif
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX512)
extern const img_kern accel__img_kern_avx512;
#endif

const img_kern *accel__img_kern(const accel__device *dev)
{
    switch (accel__cpu_simd(dev)) {
    case ACCEL__SIMD_AVX512:
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX512)
        return &accel__img_kern_avx512;
#endif
        /* fall through: level not built into this binary */
    case ACCEL__SIMD_AVX2:
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX2)
        return &accel__img_kern_avx2;
#endif
        /* fall through */
    default: break;
    }
    return &accel__img_kern_baseline;
}

const img_kern *accel__img_kern_level(int level)
{
    if (!accel__simd_runs((accel__simd_level)level)) return NULL;
    switch ((accel__simd_level)level) {
    case ACCEL__SIMD_BASELINE: return &accel__img_kern_baseline;
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX2)
    case ACCEL__SIMD_AVX2: return &accel__img_kern_avx2;
#endif
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX512)
    case ACCEL__SIMD_AVX512: return &accel__img_kern_avx512;
#endif
    default: return NULL;
    }
}
