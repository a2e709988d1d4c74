/* devcall.h — the handle an operation's device code runs on, and what the core counts
 * through it.
 *
 * An operation's device code (accel__op.run_device) receives an accel__devq, never the
 * device's backend table: operations do not include core/backend.h (tests/layers enforces
 * it), so a new family cannot bypass these calls even by accident. Every call goes to the
 * backend's slot and is counted on the way:
 *
 *   accel__devq_alloc / accel__devq_free   the device memory in use and its peak per device
 *                                          (the calibrated batch planner reads the peak); the
 *                                          handle remembers each buffer's size, and frees what
 *                                          the device code left allocated when it returns
 *   accel__devq_wrap                       buffers over memory the caller owns on the device
 *                                          (accel_convert_on): counted as wrapped, not as
 *                                          memory in use, and never freed by the handle
 *   accel__devq_copy_*                     the bytes moved and the time spent copying
 *   accel__devq_launch                     kernels launched, timed with device events while a
 *                                          benchmark is measuring (ops->timer_start/stop)
 *   accel__devq_kernel, accel__devq_sync   kernel lookup, waiting for the queue
 *
 * Outside a benchmark the only extra cost is one thread-local test per call and two atomic
 * adds per allocation. Backends still call accel__fault_check() inside their own slots, so
 * faults fire whether or not an operation uses the handle. */
#ifndef ACCEL_DEVCALL_H
#define ACCEL_DEVCALL_H

#include "core/internal.h"

/* accel__devq is declared in core/internal.h (accel__op.run_device takes one). */

/* The device the handle runs on: fp64, local memory, host_cpu, name (for messages) … */
const accel_device_info *accel__devq_info(const accel__devq *q);

/* Kernel `name` of the device. The executor checked that every kernel the operation lists
 * (accel__op.kernels) is present; a kernel looked up beyond that list (an optional variant)
 * may be absent: ACCEL_ERR_UNSUPPORTED or the backend's status, with the reason. */
accel_status accel__devq_kernel(accel__devq *q, const char *name, accel__kernel **out);

/* A device buffer of `bytes` (0 allowed). ACCEL_ERR_DEVICE_OOM when the device is full. */
accel_status accel__devq_alloc(accel__devq *q, size_t bytes, accel__buffer **out);
/* A buffer over `bytes` of memory the caller owns at device address `addr` (data that stay
 * on the device: accel_convert_on, accel_reduce_on), used like any buffer of the handle.
 * accel__devq_free (or the end of the device code) releases the handle, never the memory,
 * which is not counted as memory in use: accel did not allocate it. ACCEL_ERR_UNSUPPORTED
 * when the device takes no addresses (the backend has no buffer_wrap slot). */
accel_status accel__devq_wrap(accel__devq *q, void *addr, size_t bytes, accel__buffer **out);
/* Frees a buffer of this handle (NULL is a no-op). */
void accel__devq_free(accel__devq *q, accel__buffer *buf);

/* Copies; h2d and d2h return once host memory may be reused or read. */
accel_status accel__devq_copy_h2d(accel__devq *q, accel__buffer *dst, size_t dst_off,
                                  const void *src, size_t bytes);
accel_status accel__devq_copy_d2h(accel__devq *q, void *dst, accel__buffer *src, size_t src_off,
                                  size_t bytes);
accel_status accel__devq_copy_d2d(accel__devq *q, accel__buffer *dst, size_t dst_off,
                                  accel__buffer *src, size_t src_off, size_t bytes);

/* Enqueues kernel k over `geom` with `args` (asynchronous on GPU backends). */
accel_status accel__devq_launch(accel__devq *q, accel__kernel *k, const accel__launch *geom,
                                const accel__arg *args, int n_args);
/* Waits until everything enqueued on the device has finished; a kernel failure shows here. */
accel_status accel__devq_sync(accel__devq *q);

/* ---------------------------------------------------------------------------------------- */
/* What the counting saw (the core's benchmark engine and planner)                           */
/* ---------------------------------------------------------------------------------------- */

/* Device memory allocated through the handle on `dev`, now and at its peak (bytes). */
int64_t accel__dev_mem_current(accel__device *dev);
int64_t accel__dev_mem_peak(accel__device *dev);
/* Starts a new peak measurement: peak := current. */
void accel__dev_mem_reset_peak(accel__device *dev);

/* What the handle saw on this thread between accel__dev_account_begin() and _end(). */
typedef struct accel__dev_account {
    int active;
    int kernels;       /* launches */
    int kernels_timed; /* launches timed with device events */
    double kernel_ms;  /* sum of event times of timed launches */
    uint64_t h2d_bytes, d2h_bytes, d2d_bytes;
    double copy_ms;    /* host time inside copy calls */
    uint64_t alloc_bytes; /* bytes allocated */
    int allocs;        /* buffers allocated */
    int wraps;         /* buffers wrapped over the caller's device memory */
    uint64_t wrap_bytes;
} accel__dev_account;

/* Clears and activates this thread's account and returns it; _end deactivates it (the values
 * stay readable until the next begin). */
accel__dev_account *accel__dev_account_begin(void);
void accel__dev_account_end(void);

#endif
