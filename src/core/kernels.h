/* kernels.h — kernel sources embedded at build time (see cmake/part_00_kernels.cmake). Each
 * entry is one family's text with the dialect header prepended, ready for a run-time compiler
 * (OpenCL clBuildProgram, NVRTC). Kernel names inside a family are unique across families. */
#ifndef ACCEL_KERNELS_H
#define ACCEL_KERNELS_H

#include <stddef.h>

typedef struct accel__kernel_source {
    const char *family; /* "basic" for src/kernels/basic.kern */
    const char *text;   /* NUL-terminated */
    size_t len;
} accel__kernel_source;

extern const accel__kernel_source accel__kernel_sources[]; /* terminated by {0,0,0} */
extern const size_t accel__kernel_source_count;

#endif
