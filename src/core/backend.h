/* backend.h — the contract between the core and the backends: a device entry, the list that
 * discoverers fill, and the const ops table each backend provides.
 *
 * Who includes it: the core (context, selection, executor, planner, benchmarks, the counting
 * device calls), the discoverers (src/discover/) and the backends (src/backends/). Operations
 * (src/ops/) never do — tests/layers/check_layers.py enforces it — so their code cannot call
 * a backend slot: device code goes through the counting handle of core/devcall.h, CPU code
 * gets the device as an opaque pointer and asks the CPU backend (backends/cpu/cpu.h) for its
 * pool and SIMD level.
 *
 * The backend table that names every backend (descriptor, aliases, discoverer, ops table,
 * API version) is declared in core/internal.h and defined in core/backends.c. */
#ifndef ACCEL_CORE_BACKEND_H
#define ACCEL_CORE_BACKEND_H

#include "core/internal.h"

/* ---------------------------------------------------------------------------------------- */
/* Devices and the lists discoverers fill (devlist.c)                                        */
/* ---------------------------------------------------------------------------------------- */

struct accel__device {
    accel_device_info info;            /* what the public API shows */
    const accel__backend_ops *ops;     /* NULL while not usable */
    void *impl;                        /* backend-private state, owned by the backend */
    int backend_index;                 /* the device's index inside its backend (CUDA ordinal …) */
    int opened;                        /* ops->open succeeded */
    accel_ctx *ctx;
    pthread_mutex_t lock;              /* serialises use of one device's queue */
    const accel__backend_desc *backend; /* its entry in the backend table (set by the context) */
};

/* A growable list that discoverers append to. */
struct accel__devlist {
    accel__device *v;
    size_t n, cap;
};

/* Appends a zeroed device with every "unknown" field set (-1 numbers, "" text) and returns it,
 * or NULL when out of memory. */
accel__device *accel__devlist_add(accel__devlist *list);
void accel__devlist_free(accel__devlist *list);
/* Sets every numeric field of `info` to -1 and every text to "", struct_size set. */
void accel__device_info_init(accel_device_info *info);

/* The discoverers the backend table names (src/discover/): each appends the devices of its
 * backend with their verdicts. They leave `ops` NULL: the context attaches the backend's ops
 * table to the usable ones. */
accel_status accel__discover_cpu(accel_ctx *ctx, accel__devlist *out, bool no_cache);
accel_status accel__discover_cuda(accel_ctx *ctx, accel__devlist *out, bool no_cache);
accel_status accel__discover_rocm(accel_ctx *ctx, accel__devlist *out, bool no_cache);
accel_status accel__discover_opencl(accel_ctx *ctx, accel__devlist *out, bool no_cache);

/* The samplers the backend table names (src/discover/sample_*.c), see accel__sample_fn:
 * NVML for NVIDIA GPUs, sysfs and DRM fdinfo for AMD (and other DRM) GPUs, procfs and sysfs
 * for the CPU. */
accel_status accel__sample_nvml(const accel__device *dev, accel_device_sample *s,
                                accel_device_process *procs, size_t stride, size_t cap, size_t *n);
accel_status accel__sample_drm(const accel__device *dev, accel_device_sample *s,
                               accel_device_process *procs, size_t stride, size_t cap, size_t *n);
accel_status accel__sample_cpu(const accel__device *dev, accel_device_sample *s,
                               accel_device_process *procs, size_t stride, size_t cap, size_t *n);

/* Runs the discoverer of backend `be` into `list` (context.c, for every entry of the table)
 * and attaches the backend to what it listed: d->backend, and its ops table to the usable
 * devices. A backend that is not built is skipped quietly; one whose descriptor or ops table
 * has another API version is refused with a warning naming both versions (its devices are
 * not listed); a discoverer that fails is a warning too. ACCEL_OK in those cases, so the
 * other backends still run — except for the host backend, whose failure is returned.
 * *host_devices counts the devices the host backend listed. */
accel_status accel__discover_backend(accel_ctx *ctx, const accel__backend_desc *be,
                                    accel__devlist *list, bool no_cache, size_t *host_devices);

/* ---------------------------------------------------------------------------------------- */
/* A backend's ops table                                                                     */
/* ---------------------------------------------------------------------------------------- */

/* The version of the slots below. A backend's descriptor and ops table carry the version they
 * were built against; the core refuses a backend whose version differs (accel__backend_check).
 * 2: supports_op takes the operation descriptor; device code runs through accel__devq.
 * Optional slots added at the end keep the version: a table that predates them leaves them
 * NULL (designated initializers), which is their "not offered" answer, so it stays correct.
 * The version changes when an existing slot changes its signature or meaning. */
#define ACCEL__BACKEND_API 2

/* One const table per backend (designated initializers). Slots are only ever added at the
 * end; optional slots are NULL-checked by the core. Core code calls these and never asks what
 * kind of device it holds. */
struct accel__backend_ops {
    int api_version;  /* ACCEL__BACKEND_API */
    const char *name; /* the backend table's canonical name: "cpu", "cuda", "opencl", "rocm" */

    accel_status (*open)(accel__device *dev); /* create queue, load kernels (warm-up) */
    void (*close)(accel__device *dev);
    accel_status (*mem_info)(accel__device *dev, int64_t *free_bytes, int64_t *total_bytes);

    accel_status (*buffer_alloc)(accel__device *dev, size_t bytes, accel__buffer **out);
    void (*buffer_free)(accel__device *dev, accel__buffer *buf);
    accel_status (*copy_h2d)(accel__device *dev, accel__buffer *dst, size_t dst_off,
                             const void *src, size_t bytes);
    accel_status (*copy_d2h)(accel__device *dev, void *dst, accel__buffer *src, size_t src_off,
                             size_t bytes);
    accel_status (*copy_d2d)(accel__device *dev, accel__buffer *dst, size_t dst_off,
                             accel__buffer *src, size_t src_off, size_t bytes);
    /* Pinned host memory; optional (NULL: use malloc). */
    accel_status (*host_alloc)(accel__device *dev, size_t bytes, void **out);
    void (*host_free)(accel__device *dev, void *p);

    /* ACCEL_ERR_UNSUPPORTED (with the reason) when the device has no kernel `name`. */
    accel_status (*kernel_get)(accel__device *dev, const char *name, accel__kernel **out);
    accel_status (*launch)(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                           const accel__arg *args, int n_args);
    accel_status (*synchronize)(accel__device *dev);

    /* 1 when this device can run operation `op`. Device backends use
     * accel__device_code_supports (devcall.h): the op has device code and every kernel it
     * lists is on the device; the CPU backend answers whether it has CPU code. */
    int (*supports_op)(const accel__device *dev, const accel__op *op);
    /* Runs items [begin, end) of an operation call. The CPU backend calls op->run_cpu; device
     * backends use accel__device_code_run (devcall.h), which checks the kernels and runs
     * op->run_device through the counting handle. */
    accel_status (*run)(accel__device *dev, const accel__op *op, void *call, size_t begin,
                        size_t end);

    /* Optional device-side timing (events); NULL: the bench uses host clocks. */
    accel_status (*timer_start)(accel__device *dev, void **timer);
    accel_status (*timer_stop)(accel__device *dev, void *timer, double *ms);
    /* Optional: a one-line note on the kernels ("fatbin sm_75…sm_90+PTX", "no kernels: …"). */
    const char *(*kernel_note)(const accel__device *dev);
    /* Optional: the ACCEL_PREC_* formats this device can use, from its description
     * (docs/precision.md); NULL: fp32 only. */
    unsigned (*precision)(const accel__device *dev);

    /* Optional, all three or none, for data that stay on the device (accel_device_alloc,
     * accel_convert_on, …; core/device_mem.c): raw memory at an address of the device's
     * runtime (a CUdeviceptr, a HIP pointer) handed to the caller, and a buffer over such
     * memory the caller owns, which the slots above take like any other; buffer_free then
     * releases only the handle, never the memory. NULL: the backend hands out no addresses
     * (the CPU, whose memory is the host's; OpenCL, whose buffers are objects), and those
     * calls answer ACCEL_ERR_UNSUPPORTED. */
    accel_status (*mem_alloc)(accel__device *dev, size_t bytes, void **ptr);
    void (*mem_free)(accel__device *dev, void *ptr);
    accel_status (*buffer_wrap)(accel__device *dev, void *ptr, size_t bytes, accel__buffer **out);
};

/* The supports_op and run slots of a backend whose devices run operations' device code (the
 * GPU backends, OpenCL), implemented once in devcall.c:
 *  - supports: the operation has device code and every kernel it lists (accel__op.kernels)
 *    is on the device, asked through kernel_get;
 *  - run: opens the device if the context was created without warm-up, refuses an operation
 *    whose kernels are missing (ACCEL_ERR_UNSUPPORTED naming the kernel, the backend's reason
 *    and its kernel note), runs op->run_device on a counting accel__devq, and frees any
 *    buffer the device code left allocated. */
int accel__device_code_supports(const accel__device *dev, const accel__op *op);
accel_status accel__device_code_run(accel__device *dev, const accel__op *op, void *call,
                                    size_t begin, size_t end);

/* Opens a device not opened at context creation (ACCEL_CTX_NO_WARMUP) under dev->lock
 * (context.c). On failure the device is marked unusable for the rest of the context. */
accel_status accel__device_ensure_open(accel_ctx *ctx, accel__device *dev);
/* 0 when device `dev` does not offer `op` (the reason written into why): the
 * executor would skip it with unsupported_op on every call (benchmarks skip it, calibration
 * keeps the formula). It opens the device to ask; a device that cannot be opened is not judged
 * here (1): its calls fail and say why. (context.c) */
int accel__device_offers(accel_ctx *ctx, accel__device *dev, const accel__op *op, char *why,
                         size_t cap);

/* A buffer allocated by core code that measures a device itself (the benchmark's copy
 * bandwidth), counted in the device's memory in use like the handle's; `bytes` must be the
 * size given to accel__dev_alloc. */
accel_status accel__dev_alloc(accel__device *dev, size_t bytes, accel__buffer **out);
void accel__dev_free(accel__device *dev, accel__buffer *buf, size_t bytes);

/* The ops tables the backend table names. */
extern const accel__backend_ops accel__backend_cpu;
extern const accel__backend_ops accel__backend_cuda;
extern const accel__backend_ops accel__backend_opencl;
extern const accel__backend_ops accel__backend_hip;

#endif
