/* gpu_backend.h — the host code the CUDA and HIP backends share, and the vendor table each of
 * them fills.
 *
 * Both APIs have the same shape: a device made current for the calling thread, one stream,
 * device pointers, synchronous copies, modules holding kernels, a launch with grid, block,
 * shared memory and a parameter array, events. gpu_backend.c holds everything above that
 * shape once — device state, buffer handles and their bounds checks, copies, pinned host
 * memory (and that running out of it is host OOM, not device OOM), the kernel cache, grid
 * and argument packing, synchronisation, timers, the slots of the ops table — so a fix is
 * made once for both. A vendor file (backends/cuda/cuda_backend.c, backends/hip/hip_backend.c)
 * fills an accel__gpu_vendor: one thunk per call into its dlopen table, each mapping the
 * vendor's error to an accel status with the vendor's message; how the device is opened
 * (CUDA's primary context, HIP's current device); where kernels come from (CUDA's fatbin or
 * NVRTC, HIP's code objects); and which formats it computes in. Vendor calls stay in those
 * files, behind the wrappers of src/vendor/. */
#ifndef ACCEL_GPU_BACKEND_H
#define ACCEL_GPU_BACKEND_H

#include "backends/gpu/gpu_launch.h"
#include "core/backend.h"

#define ACCEL__GPU_MAX_MODULES 64

typedef struct accel__gpu_vendor accel__gpu_vendor;

/* One opened device (accel__device.impl). The vendor fills the fields marked "vendor" in its
 * init and load_kernels; the rest is the shared code's. */
typedef struct accel__gpu_dev {
    const accel__gpu_vendor *v;
    const void *api;       /* the vendor's dlopen table (accel__cuda_api, accel__hip_api) */
    int ordinal;           /* the vendor's device ordinal (accel__device.backend_index) */
    int handle;            /* vendor: its device handle (CUdevice), else the ordinal */
    void *context;         /* vendor: its context (CUDA's primary context), or NULL */
    void *stream;          /* vendor: the device's stream */
    int cc_major, cc_minor; /* vendor: CUDA compute capability, -1 elsewhere */
    int driver_version;    /* vendor: driver version number, 0 when not read */
    accel__gpu_limits limits; /* vendor: launch limits */
    void *modules[ACCEL__GPU_MAX_MODULES]; /* vendor: loaded kernel modules */
    size_t n_modules;
    char note[512];        /* vendor: kernel_note() — where the kernels came from, or why none */
    pthread_mutex_t klock; /* guards `kernels` */
    struct accel__kernel *kernels; /* kernels looked up so far */
} accel__gpu_dev;

/* What a vendor provides. Every call that can fail returns an accel status with the error
 * recorded ("cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory)"). Calls that report a
 * kernel's failure (launch, synchronize, event_synchronize) map any runtime error they do not
 * know to ACCEL_ERR_KERNEL, so the executor falls back for it. */
struct accel__gpu_vendor {
    const char *api; /* "CUDA", "HIP": messages say "CUDA device 0" */

    /* Loads the dlopen table (once per process). */
    accel_status (*load)(const void **api);
    /* Initialises the API for g->ordinal: device handle, context, version, limits, stream. On
     * failure the shared code calls fini on what was set. */
    accel_status (*init)(accel__gpu_dev *g);
    /* Loads the kernel modules (g->modules) and writes g->note; never fails: a device without
     * kernels still allocates and copies, and its note says why it has none. */
    void (*load_kernels)(accel__gpu_dev *g, const accel__device *dev);
    /* Unloads the modules, destroys the stream, releases the context — whichever are set. */
    void (*fini)(accel__gpu_dev *g);

    accel_status (*make_current)(const accel__gpu_dev *g);
    accel_status (*mem_info)(const accel__gpu_dev *g, size_t *free_b, size_t *total_b);
    accel_status (*alloc)(const accel__gpu_dev *g, size_t bytes, uint64_t *ptr);
    void (*free)(const accel__gpu_dev *g, uint64_t ptr);
    accel_status (*copy_h2d)(const accel__gpu_dev *g, uint64_t dst, const void *src, size_t n);
    accel_status (*copy_d2h)(const accel__gpu_dev *g, void *dst, uint64_t src, size_t n);
    accel_status (*copy_d2d)(const accel__gpu_dev *g, uint64_t dst, uint64_t src, size_t n);
    /* Pinned host memory; an out-of-memory answer is ACCEL_ERR_DEVICE_OOM like the API's (the
     * shared code turns it into host OOM). */
    accel_status (*host_alloc)(const accel__gpu_dev *g, size_t bytes, void **p);
    void (*host_free)(const accel__gpu_dev *g, void *p);
    /* Kernel `name` of module m: 1 and *fn when it is there, 0 otherwise (no error). */
    int (*function)(const accel__gpu_dev *g, void *module, const char *name, void **fn);
    accel_status (*launch)(const accel__gpu_dev *g, void *fn, const unsigned grid[3],
                           const unsigned block[3], size_t shared, void **params,
                           const char *name);
    accel_status (*synchronize)(const accel__gpu_dev *g);
    accel_status (*event_create)(const accel__gpu_dev *g, void **ev);
    void (*event_destroy)(const accel__gpu_dev *g, void *ev);
    accel_status (*event_record)(const accel__gpu_dev *g, void *ev);
    accel_status (*event_synchronize)(const accel__gpu_dev *g, void *ev);
    accel_status (*event_elapsed)(const accel__gpu_dev *g, void *start, void *stop, float *ms);
};

/* Adds a loaded module to g->modules; 0 when the table is full (the caller unloads it). */
int accel__gpu_add_module(accel__gpu_dev *g, void *module);

/* The open slot of a vendor's backend: the device for `v`. */
accel_status accel__gpu_open(accel__device *dev, const accel__gpu_vendor *v);
/* The note of an opened device (kernel_note), or NULL when it is not open. */
const char *accel__gpu_note(const accel__device *dev);

/* Every slot of a GPU backend's ops table but open, kernel_note and precision, which are
 * the vendor's. Used as
 *     const accel__backend_ops accel__backend_x = {.api_version = …, .name = …,
 *         .open = x_open, ACCEL__GPU_SLOTS, .kernel_note = x_note, .precision = x_prec}; */
void accel__gpu_close(accel__device *dev);
accel_status accel__gpu_mem_info(accel__device *dev, int64_t *free_b, int64_t *total_b);
accel_status accel__gpu_buffer_alloc(accel__device *dev, size_t bytes, accel__buffer **out);
void accel__gpu_buffer_free(accel__device *dev, accel__buffer *b);
accel_status accel__gpu_copy_h2d(accel__device *dev, accel__buffer *dst, size_t off,
                                 const void *src, size_t n);
accel_status accel__gpu_copy_d2h(accel__device *dev, void *dst, accel__buffer *src, size_t off,
                                 size_t n);
accel_status accel__gpu_copy_d2d(accel__device *dev, accel__buffer *dst, size_t doff,
                                 accel__buffer *src, size_t soff, size_t n);
accel_status accel__gpu_host_alloc(accel__device *dev, size_t bytes, void **out);
void accel__gpu_host_free(accel__device *dev, void *p);
accel_status accel__gpu_kernel_get(accel__device *dev, const char *name, accel__kernel **out);
accel_status accel__gpu_launch(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                               const accel__arg *args, int n_args);
accel_status accel__gpu_synchronize(accel__device *dev);
accel_status accel__gpu_timer_start(accel__device *dev, void **timer);
accel_status accel__gpu_timer_stop(accel__device *dev, void *timer, double *ms);
accel_status accel__gpu_mem_alloc(accel__device *dev, size_t bytes, void **ptr);
void accel__gpu_mem_free(accel__device *dev, void *ptr);
accel_status accel__gpu_buffer_wrap(accel__device *dev, void *ptr, size_t bytes,
                                    accel__buffer **out);

#define ACCEL__GPU_SLOTS                                                                    \
    .close = accel__gpu_close, .mem_info = accel__gpu_mem_info,                             \
    .buffer_alloc = accel__gpu_buffer_alloc, .buffer_free = accel__gpu_buffer_free,         \
    .copy_h2d = accel__gpu_copy_h2d, .copy_d2h = accel__gpu_copy_d2h,                       \
    .copy_d2d = accel__gpu_copy_d2d, .host_alloc = accel__gpu_host_alloc,                   \
    .host_free = accel__gpu_host_free, .kernel_get = accel__gpu_kernel_get,                 \
    .launch = accel__gpu_launch, .synchronize = accel__gpu_synchronize,                     \
    .supports_op = accel__device_code_supports, .run = accel__device_code_run,              \
    .timer_start = accel__gpu_timer_start, .timer_stop = accel__gpu_timer_stop,             \
    .mem_alloc = accel__gpu_mem_alloc, .mem_free = accel__gpu_mem_free,                     \
    .buffer_wrap = accel__gpu_buffer_wrap

#endif
