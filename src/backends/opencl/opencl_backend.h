/* opencl_backend.h — what the OpenCL backend shows the tests (what it shares with the
 * discoverer — build options, device indices, whether OpenCL is live in this process — is in
 * vendor/cl_util.h). */
#ifndef ACCEL_OPENCL_BACKEND_H
#define ACCEL_OPENCL_BACKEND_H

#include "core/backend.h"

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
