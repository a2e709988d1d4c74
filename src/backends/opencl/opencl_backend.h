/* opencl_backend.h — what the OpenCL backend shows the OpenCL discoverer and the tests. */
#ifndef ACCEL_OPENCL_BACKEND_H
#define ACCEL_OPENCL_BACKEND_H

#include "core/internal.h"

/* Build options of every program accel builds (part of the program cache key). */
#define ACCEL__CL_BUILD_OPTIONS ""

/* accel__device.backend_index of the OpenCL device `device` of platform `platform`, in the ICD
 * loader's order. */
#define ACCEL__CL_INDEX(platform, device) (((platform) << 16) | (device))
#define ACCEL__CL_INDEX_PLATFORM(index) ((index) >> 16)
#define ACCEL__CL_INDEX_DEVICE(index) ((index)&0xffff)

/* 1 once this process has called into an OpenCL implementation (a device was opened). From
 * then on forking a probe child is unsafe — the implementation's worker threads do not exist
 * in the child — so discovery reuses what this process already learnt. */
int accel__opencl_in_process(void);

/* How an opened device got its programs: one count per kernel family. */
typedef struct accel__opencl_cache_counts {
    int families;   /* families in accel__kernel_sources */
    int from_cache; /* loaded from a cached binary */
    int built;      /* built from source (and then cached) */
    int rejected;   /* cache files found corrupt, mismatched or refused by the driver */
    int failed;     /* families that did not build */
} accel__opencl_cache_counts;

/* The counts of an opened OpenCL device. ACCEL_ERR_INVALID_ARG for another kind of device or
 * one not opened. */
accel_status accel__opencl_cache_counts_get(const accel__device *dev,
                                            accel__opencl_cache_counts *out);

/* Test hook: builds `source` on an opened OpenCL device exactly as kernel families are built
 * (same options, same error path) and releases the program. ACCEL_ERR_KERNEL with the build
 * log in the message when it does not compile. */
accel_status accel__opencl_build_test(accel__device *dev, const char *source);

#endif
