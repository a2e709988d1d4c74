/* devcall.h — the calls an operation's device code (accel__op.run_device) makes through these
 * wrappers instead of dev->ops directly:
 *
 *   accel__dev_alloc / accel__dev_free   count the device memory in use and its peak per
 *                                        device (the calibrated batch planner reads the peak)
 *   accel__dev_copy_h2d / _d2h           count the bytes moved and the time spent copying
 *   accel__dev_launch                    times the kernel with device events while a
 *                                        benchmark is measuring (dev->ops->timer_start/stop)
 *
 * Outside a benchmark the only extra cost is one thread-local test and two atomic adds per
 * allocation. Backends still call accel__fault_check() inside their own slots, so faults fire
 * whether or not an operation uses the wrappers. */
#ifndef ACCEL_DEVCALL_H
#define ACCEL_DEVCALL_H

#include "core/internal.h"

accel_status accel__dev_alloc(accel__device *dev, size_t bytes, accel__buffer **out);
/* `bytes` must be the size given to accel__dev_alloc (backends do not report sizes). */
void accel__dev_free(accel__device *dev, accel__buffer *buf, size_t bytes);
accel_status accel__dev_copy_h2d(accel__device *dev, accel__buffer *dst, size_t dst_off,
                                 const void *src, size_t bytes);
accel_status accel__dev_copy_d2h(accel__device *dev, void *dst, accel__buffer *src, size_t src_off,
                                 size_t bytes);
accel_status accel__dev_launch(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                               const accel__arg *args, int n_args);

/* Device memory allocated through accel__dev_alloc on `dev`, now and at its peak (bytes). */
int64_t accel__dev_mem_current(accel__device *dev);
int64_t accel__dev_mem_peak(accel__device *dev);
/* Starts a new peak measurement: peak := current. */
void accel__dev_mem_reset_peak(accel__device *dev);

/* What the wrappers saw on this thread between accel__dev_account_begin() and _end(). */
typedef struct accel__dev_account {
    int active;
    int kernels;       /* launches */
    int kernels_timed; /* launches timed with device events */
    double kernel_ms;  /* sum of event times of timed launches */
    uint64_t h2d_bytes, d2h_bytes;
    double copy_ms; /* host time inside copy calls */
} accel__dev_account;

/* Clears and activates this thread's account and returns it; _end deactivates it (the values
 * stay readable until the next begin). */
accel__dev_account *accel__dev_account_begin(void);
void accel__dev_account_end(void);

#endif
