/* backend_slots.h — runs every slot of a device backend's ops table against an opened device
 * and checks what comes back: memory info, allocation (also an impossible one: out of memory),
 * copies both ways and on the device with offsets and bounds, pinned host memory, memory
 * handed to the caller and buffers wrapped over it, kernel lookup, the fill kernel over a
 * poisoned buffer (so unwritten and overwritten elements both show), launch geometry errors,
 * synchronisation and device timers. Used by the CUDA and HIP backend tests; failures are
 * counted through tests/test.h. */
#ifndef ACCEL_TEST_BACKEND_SLOTS_H
#define ACCEL_TEST_BACKEND_SLOTS_H

#include "core/backend.h"

/* Builds a device entry for `ops` with backend index `index` in `ctx` (not yet opened). */
void slots_device_init(accel__device *dev, accel_ctx *ctx, const accel__backend_ops *ops,
                       accel_device_kind kind, int index);

/* Exercises the slots of an opened device. `expect_kernels`: 1 the fill kernel must exist,
 * 0 it must not (kernel_note must then start "no kernels" and run() must refuse), -1 either
 * (the test prints which). Returns the number of failed checks. */
int slots_run(accel__device *dev, int expect_kernels);

#endif
