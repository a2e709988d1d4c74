/* fake_device.h — what the stand-in GPU drivers (tests/gpu/fake_cuda, tests/gpu/fake_hip)
 * share: device memory kept in host memory, and kernel launches through the kernel runner.
 *
 * Memory: each device has ACCEL_FAKE_GPU_MEMORY_MB (default 256, read once, at the first
 * call) and allocations fail beyond it, as out of memory. ACCEL_FAKE_GPU_STOLEN_MB (read at
 * every allocation) plays another process holding that much of each device without the
 * driver's free-memory figure knowing, as when memory is taken between a plan and its
 * allocations. Allocations are 256-byte aligned, as the drivers' are, start filled with bytes
 * 0xFF (NaN as floats, so a result read from memory nothing wrote shows) and carry 256 guard
 * bytes on each side; a launch that changes guard bytes fails as an illegal address.
 * Pinned host allocations are tracked too but are not device memory.
 *
 * Launches: ACCEL_FAKE_GPU_TRACE=1 prints every launch (kernel, grid, block) on stderr; a
 * launch the runner refuses, or one that wrote outside its allocations, prints one line saying
 * why, naming the kernel. Thread-safe. */
#ifndef ACCEL_TEST_FAKE_DEVICE_H
#define ACCEL_TEST_FAKE_DEVICE_H

#include "kernel_runner.h"

#include <stddef.h>

#define FAKE_MAX_DEVICES 4
#define FAKE_HOST (-1) /* the device index of pinned host memory */

typedef enum fake_rc { FAKE_OK = 0, FAKE_INVALID, FAKE_OOM } fake_rc;

/* The memory of each device, in bytes, and what is allocated on device `dev`. */
size_t fake_total(void);
size_t fake_used(int dev);

/* Allocates n bytes (n > 0) on device `dev` (or pinned host memory, FAKE_HOST). */
fake_rc fake_alloc(int dev, size_t n, void **p);
/* Frees an allocation of `dev` by its address; FAKE_INVALID when there is none. */
fake_rc fake_free(int dev, void *p);
/* 1 when [p, p + n) lies inside one allocation of device `dev`. */
int fake_in_device(int dev, const void *p, size_t n);

/* Runs `kernel` on device `dev` through the kernel runner; pointer arguments must be that
 * device's memory. `who` starts the stderr line of a failure ("fake libcuda: cuLaunchKernel").
 * A write outside an allocation is reported as AKR_BAD_POINTER. */
akr_status fake_launch(const char *who, int dev, const char *kernel, const unsigned grid[3],
                       const unsigned block[3], size_t dynamic_shared, size_t shared_limit,
                       void **params);

/* Milliseconds on the monotonic clock: what the drivers' events record. */
double fake_now_ms(void);

#endif
