/* kern_avx2.c — the image kernels (kern.h) for AVX2 (flags from cmake/part_cpu_simd.cmake). */
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX2)
#define KERN_NAME avx2
#include "kern.h"
#else
typedef int accel__img_kern_avx2_not_built; /* ISO C wants something in a translation unit */
#endif
