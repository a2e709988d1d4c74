/* kern_baseline.c — the image kernels (kern.h) for every processor: SSE2 on x86-64, Advanced
 * SIMD on AArch64, what the compiler makes of the loops. */
#define KERN_NAME baseline
#include "kern.h"

void accel__img_gray_row(const uint8_t *src, int cn, int rgb, uint8_t *dst, int n)
{
    k_gray_row(src, cn, rgb, dst, n);
}
