/* hip_kernels.h — the HIP kernels: a clang offload bundle of code objects that hipcc built at
 * build time from the src/kernels/<family>.kern files (cmake/part_hip.cmake), embedded in the library. */
#ifndef ACCEL_HIP_KERNELS_H
#define ACCEL_HIP_KERNELS_H

#include <stddef.h>

/* Returns 1 and sets the pointers when the library was built with hipcc, 0 otherwise.
 * `archs` lists the GPU targets it holds, e.g. "gfx900 gfx906 gfx908 gfx90a gfx1030". */
int accel__hip_codeobj(const unsigned char **data, size_t *size, const char **archs);

#endif
