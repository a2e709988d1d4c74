/* kern_avx512.c — the image kernels (kern.h) for AVX-512F/BW (flags from
 * cmake/part_cpu_simd.cmake); the compiler's loops get the wider registers, the area pass
 * keeps its AVX2 form. */
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX512)
#define KERN_NAME avx512
#include "kern.h"
#else
typedef int accel__img_kern_avx512_not_built; /* ISO C wants something in a translation unit */
#endif
