/* gpu_launch.h — what the CUDA and HIP backends share when launching a kernel: OpenCL-style
 * geometry turned into a grid of blocks, and accel__arg values turned into the array of
 * parameter pointers that cuLaunchKernel and hipModuleLaunchKernel take. Both APIs use the
 * same conventions, so the code lives once here. */
#ifndef ACCEL_GPU_LAUNCH_H
#define ACCEL_GPU_LAUNCH_H

#include "core/internal.h"

#define ACCEL__GPU_MAX_ARGS 32
#define ACCEL__GPU_DEFAULT_BLOCK 256u

/* Limits of one device's launches. */
typedef struct accel__gpu_limits {
    unsigned max_threads;   /* per block (product of the three block sizes) */
    unsigned block_max[3];  /* per dimension */
    unsigned grid_max[3];   /* blocks per dimension */
    size_t max_shared;      /* bytes of dynamic shared memory per block */
    unsigned long long max_items; /* work items per dimension (groups × group size); 0: none */
} accel__gpu_limits;

/* global = work items per dimension, local = group size (0: ACCEL__GPU_DEFAULT_BLOCK in
 * dimension 0, capped at max_threads; 1 elsewhere). The grid is rounded up, so kernels guard
 * against indices past their own size argument. *empty is set when some global size is 0
 * (nothing to launch). ACCEL_ERR_INVALID_ARG naming the limit when one is exceeded. */
accel_status accel__gpu_grid(const accel__gpu_limits *lim, const accel__launch *g,
                             unsigned grid[3], unsigned block[3], int *empty);

/* Storage for one parameter's value; the launch reads it through params[i]. */
typedef union accel__gpu_param {
    uint64_t addr; /* a buffer's device address */
    int32_t i32;
    uint32_t u32;
    float f32;
    int64_t i64;
} accel__gpu_param;

/* Fills vals[0..n) and params[0..n] (NULL-terminated) from args. `addr` gives a buffer's
 * device address (0 for NULL). A local-memory argument becomes the byte offset (a 32-bit
 * unsigned parameter) of its 16-byte aligned slice of the block's dynamic shared memory, whose
 * total size is returned in *shared. ACCEL_ERR_INVALID_ARG for too many arguments or an
 * unknown type; ACCEL_ERR_KERNEL when the shared memory exceeds lim->max_shared. */
accel_status accel__gpu_pack_args(const accel__gpu_limits *lim, const char *kernel,
                                  const accel__arg *args, int n_args,
                                  uint64_t (*addr)(const accel__buffer *b),
                                  accel__gpu_param vals[ACCEL__GPU_MAX_ARGS],
                                  void *params[ACCEL__GPU_MAX_ARGS + 1], size_t *shared);

#endif
