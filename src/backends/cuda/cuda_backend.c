/* cuda_backend.c — the CUDA backend, needing only the driver (libcuda.so.1 through dlopen).
 *
 * One device = the primary context of its ordinal plus one stream. Every slot makes that
 * context current first, because the calling thread may differ from call to call.
 *
 * Why a blocking stream and synchronous copies: kernels go to the device's stream, copies use
 * the driver's synchronous cuMemcpy* (ordered on the context's legacy default stream). A
 * blocking stream (flags 0) is ordered with the legacy stream both ways, so a copy back waits
 * for the kernels before it and a kernel waits for the copies before it, with no extra
 * synchronisation and no entry points beyond the discoverer's. copy_h2d/copy_d2h return once
 * the host memory may be reused or read; copy_d2d and launch are asynchronous.
 *
 * Kernels: the fatbin nvcc embedded at build time; when there is none, or it holds no code
 * for this GPU, each kernel family compiled by NVRTC (cached on disk, see cuda_kernels.c). With
 * neither, the device still allocates and copies, supports_op() answers 0 and kernel_note()
 * says how to get kernels, so the executor falls back with reason unsupported_op. */
#include "backends/common/gpu_launch.h"
#include "core/precision.h"
#include "backends/cuda/cuda_api.h"
#include "backends/cuda/cuda_kernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct accel__buffer {
    CUdeviceptr ptr; /* 0 for an empty buffer */
    size_t bytes;
    int borrowed; /* the caller's memory (cuda_wrap): not freed with the handle */
};

struct accel__kernel {
    CUfunction fn;
    struct accel__kernel *next;
    char name[64];
};

typedef struct cuda_dev {
    const accel__cuda_api *api;
    CUdevice cudev;
    CUcontext cuctx;
    CUstream stream;
    int cc_major, cc_minor, driver_version;
    accel__gpu_limits limits;
    CUmodule modules[64];
    size_t n_modules;
    char note[512];     /* kernel_note() */
    pthread_mutex_t klock; /* guards `kernels` */
    struct accel__kernel *kernels;
} cuda_dev;

typedef struct cuda_timer {
    CUevent start, stop;
} cuda_timer;


static const char no_kernels_note[] =
    "no kernels: built without nvcc and libnvrtc not found; install nvidia-cuda-toolkit or "
    "libnvrtc";

/* accel__cuda_check, refined for execution: errors that mean a kernel faulted are kernel
 * errors whichever call reports them (they surface at the next synchronising call), and the
 * ones that mean the GPU is gone are device-lost. `in_kernel` turns any other driver error in
 * a launch or synchronize into a kernel error too, so the executor falls back for it. */
static accel_status cu_status(const cuda_dev *cd, CUresult r, const char *what, int in_kernel,
                              const char *file, int line)
{
    if (r == ACCEL_CU_SUCCESS) return ACCEL_OK;
    accel_status st = accel__cuda_check(cd->api, r, what, file, line);
    switch (r) {
    case 700: /* ILLEGAL_ADDRESS */
    case 701: /* LAUNCH_OUT_OF_RESOURCES */
    case 702: /* LAUNCH_TIMEOUT */
    case 714: /* HARDWARE_STACK_ERROR */
    case 715: /* ILLEGAL_INSTRUCTION */
    case 716: /* MISALIGNED_ADDRESS */
    case 717: /* INVALID_ADDRESS_SPACE */
    case 718: /* INVALID_PC */
    case 719: /* LAUNCH_FAILED */
        return ACCEL_ERR_KERNEL;
    case 46:  /* DEVICE_UNAVAILABLE */
    case 214: /* ECC_UNCORRECTABLE */
    case 999: /* UNKNOWN */
        return ACCEL_ERR_DEVICE_LOST;
    default: break;
    }
    if (in_kernel && st == ACCEL_ERR_VENDOR) return ACCEL_ERR_KERNEL;
    return st;
}
#define CU(cd, call, what) cu_status((cd), (cd)->api->call, (what), 0, __FILE__, __LINE__)
#define CU_K(cd, call, what) cu_status((cd), (cd)->api->call, (what), 1, __FILE__, __LINE__)

static accel_status make_current(const cuda_dev *cd)
{
    return CU(cd, cuCtxSetCurrent(cd->cuctx), "cuCtxSetCurrent");
}

static accel_status not_open(const accel__device *dev)
{
    return ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "CUDA device %d (%s) is not open",
                       dev->backend_index, dev->info.name);
}
#define OPEN_OR_FAIL(dev, cd)                                                               \
    cuda_dev *cd = (dev)->impl;                                                             \
    if (!cd) return not_open(dev)

/* ---- kernels ------------------------------------------------------------------------------ */

static int add_module(cuda_dev *cd, CUmodule m)
{
    if (cd->n_modules == sizeof cd->modules / sizeof *cd->modules) return 0;
    cd->modules[cd->n_modules++] = m;
    return 1;
}

/* The embedded fatbin. Returns 1 when loaded; otherwise 0 with the reason in why. */
static int load_fatbin(cuda_dev *cd, char *why, size_t cap)
{
    const unsigned char *data;
    size_t size;
    const char *archs;
    why[0] = '\0';
    if (!accel__cuda_fatbin(&data, &size, &archs)) return 0;
    const char *force = getenv("ACCEL_CUDA_NVRTC");
    if (force && strcmp(force, "1") == 0) {
        snprintf(why, cap, "embedded fatbin skipped (ACCEL_CUDA_NVRTC=1)");
        return 0;
    }
    CUmodule m = NULL;
    if (CU(cd, cuModuleLoadData(&m, data), "cuModuleLoadData(embedded fatbin)") != ACCEL_OK) {
        snprintf(why, cap, "the embedded fatbin (%s) does not load on this sm_%d%d GPU: %s", archs,
                 cd->cc_major, cd->cc_minor, accel__last_error_text());
        return 0;
    }
    add_module(cd, m);
    snprintf(cd->note, sizeof cd->note, "fatbin %s, built in by nvcc", archs);
    return 1;
}

/* Every kernel family through NVRTC. A family that fails to compile or load is left out (its
 * operations are then unsupported); the note says which and why. */
static void load_nvrtc(const accel__device *dev, cuda_dev *cd, const char *fatbin_why)
{
    const accel__nvrtc_api *nv = NULL;
    if (accel__nvrtc_api_load(&nv) != ACCEL_OK) {
        if (fatbin_why[0])
            snprintf(cd->note, sizeof cd->note,
                     "no kernels: %s, and %s; install libnvrtc matching the driver", fatbin_why,
                     accel__last_error_text());
        else
            snprintf(cd->note, sizeof cd->note, "%s", no_kernels_note);
        return;
    }
    accel__cuda_target target;
    if (accel__cuda_nvrtc_target(nv, cd->cc_major, cd->cc_minor, &target) != ACCEL_OK) {
        snprintf(cd->note, sizeof cd->note, "no kernels: %s%s%s", accel__last_error_text(),
                 fatbin_why[0] ? "; " : "", fatbin_why);
        return;
    }
    char tname[32], failed[256] = "";
    accel__cuda_target_name(target, tname, sizeof tname);
    size_t loaded = 0, cached = 0, fail_n = 0;
    for (size_t i = 0; i < accel__kernel_source_count; i++) {
        const accel__kernel_source *src = &accel__kernel_sources[i];
        accel__cuda_image img;
        accel_status st = accel__cuda_nvrtc_image(dev->ctx, nv, src, target, cd->driver_version,
                                                  &img);
        CUmodule m = NULL;
        if (st == ACCEL_OK) {
            st = CU(cd, cuModuleLoadData(&m, img.data), "cuModuleLoadData(NVRTC output)");
            if (st == ACCEL_OK && !add_module(cd, m)) {
                cd->api->cuModuleUnload(m);
                st = ACCEL_ERROR(ACCEL_ERR_INTERNAL, "more than %zu kernel families",
                                 sizeof cd->modules / sizeof *cd->modules);
            }
        }
        if (st == ACCEL_OK) {
            loaded++;
            cached += (size_t)img.from_cache;
        } else {
            ACCEL_LOG_WARN("CUDA device %d: kernel family '%s' unavailable: %s",
                           dev->backend_index, src->family, accel__last_error_text());
            if (fail_n++ == 0)
                snprintf(failed, sizeof failed, "; '%s' failed: %.200s", src->family,
                         accel__last_error_text());
        }
        accel__cuda_image_free(&img);
    }
    if (loaded == 0) {
        snprintf(cd->note, sizeof cd->note, "no kernels: NVRTC %d.%d (%s) built none for %s%s",
                 nv->major, nv->minor, nv->path, tname, failed);
        return;
    }
    snprintf(cd->note, sizeof cd->note,
             "NVRTC %d.%d %s %s, %zu of %zu families (%zu from cache)%s%s%.160s", nv->major,
             nv->minor, tname, target.cubin ? "cubin" : "PTX", loaded, accel__kernel_source_count,
             cached, failed, fatbin_why[0] ? "; " : "", fatbin_why);
}

/* The kernel `name` from the loaded modules (looked up once, then remembered), or NULL. */
static accel__kernel *find_kernel(cuda_dev *cd, const char *name)
{
    pthread_mutex_lock(&cd->klock);
    accel__kernel *k = cd->kernels;
    while (k && strcmp(k->name, name) != 0) k = k->next;
    if (!k && strlen(name) < sizeof k->name && make_current(cd) == ACCEL_OK) {
        for (size_t i = 0; i < cd->n_modules; i++) {
            CUfunction fn = NULL;
            if (cd->api->cuModuleGetFunction(&fn, cd->modules[i], name) != ACCEL_CU_SUCCESS)
                continue;
            k = calloc(1, sizeof *k);
            if (!k) break;
            k->fn = fn;
            accel__strlcpy(k->name, name, sizeof k->name);
            k->next = cd->kernels;
            cd->kernels = k;
            break;
        }
    }
    pthread_mutex_unlock(&cd->klock);
    return k;
}

/* ---- the slots ---------------------------------------------------------------------------- */

static void cuda_close(accel__device *dev);

static accel_status cuda_open(accel__device *dev)
{
    if (dev->impl) return ACCEL_OK;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "open"));
    const accel__cuda_api *api = NULL;
    FORWARD_IF_ERROR(accel__cuda_api_load(&api));
    cuda_dev *cd = calloc(1, sizeof *cd);
    RETURN_ERROR_IF(!cd, ACCEL_ERR_NO_MEMORY, "out of memory opening a CUDA device");
    int max_threads = 0, max_shared = 0;
    cd->api = api;
    pthread_mutex_init(&cd->klock, NULL);
    dev->impl = cd;
    accel_status st = CU(cd, cuInit(0), "cuInit");
    if (st == ACCEL_OK) st = CU(cd, cuDeviceGet(&cd->cudev, dev->backend_index), "cuDeviceGet");
    if (st == ACCEL_OK) st = CU(cd, cuDriverGetVersion(&cd->driver_version), "cuDriverGetVersion");
    struct {
        int attr, *out;
        const char *what;
    } attrs[] = {
        {ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, &cd->cc_major, "compute capability"},
        {ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MINOR, &cd->cc_minor, "compute capability"},
        {ACCEL_CU_ATTR_MAX_THREADS_PER_BLOCK, &max_threads, "max threads per block"},
        {ACCEL_CU_ATTR_MAX_SHARED_MEMORY_PER_BLOCK, &max_shared, "shared memory per block"},
    };
    for (size_t i = 0; st == ACCEL_OK && i < sizeof attrs / sizeof *attrs; i++)
        st = CU(cd, cuDeviceGetAttribute(attrs[i].out, attrs[i].attr, cd->cudev), attrs[i].what);
    if (st == ACCEL_OK)
        st = CU(cd, cuDevicePrimaryCtxRetain(&cd->cuctx, cd->cudev), "cuDevicePrimaryCtxRetain");
    if (st == ACCEL_OK) st = make_current(cd);
    if (st == ACCEL_OK) st = CU(cd, cuStreamCreate(&cd->stream, 0), "cuStreamCreate");
    if (st != ACCEL_OK) {
        char why[1024];
        accel__strlcpy(why, accel__last_error_text(), sizeof why);
        cuda_close(dev);
        return ACCEL_ERROR(st, "CUDA device %d: %s", dev->backend_index, why);
    }
    /* Block and grid limits are the same on every GPU the driver API supports (cc >= 3.0);
     * threads and shared memory per block come from the device. */
    cd->limits = (accel__gpu_limits){
        .max_threads = max_threads > 0 ? (unsigned)max_threads : ACCEL__GPU_DEFAULT_BLOCK,
        .block_max = {1024u, 1024u, 64u},
        .grid_max = {2147483647u, 65535u, 65535u},
        .max_shared = max_shared > 0 ? (size_t)max_shared : 0,
    };
    double t0 = accel__now_ms();
    char fatbin_why[512];
    if (!load_fatbin(cd, fatbin_why, sizeof fatbin_why)) load_nvrtc(dev, cd, fatbin_why);
    ACCEL_LOG_INFO("CUDA device %d (sm_%d%d): kernels in %.1f ms: %s", dev->backend_index,
                   cd->cc_major, cd->cc_minor, accel__now_ms() - t0, cd->note);
    accel__clear_error();
    return ACCEL_OK;
}

static void cuda_close(accel__device *dev)
{
    cuda_dev *cd = dev->impl;
    if (!cd) return;
    if (cd->cuctx) {
        cd->api->cuCtxSetCurrent(cd->cuctx);
        for (size_t i = 0; i < cd->n_modules; i++) cd->api->cuModuleUnload(cd->modules[i]);
        if (cd->stream) cd->api->cuStreamDestroy(cd->stream);
        /* The primary context is shared with the application (and CUDA runtime users in the
         * process): release our reference, never destroy or un-set it. */
        cd->api->cuDevicePrimaryCtxRelease(cd->cudev);
    }
    while (cd->kernels) {
        accel__kernel *k = cd->kernels;
        cd->kernels = k->next;
        free(k);
    }
    pthread_mutex_destroy(&cd->klock);
    free(cd);
    dev->impl = NULL;
}

static accel_status cuda_mem_info(accel__device *dev, int64_t *free_b, int64_t *total_b)
{
    OPEN_OR_FAIL(dev, cd);
    FORWARD_IF_ERROR(make_current(cd));
    size_t f = 0, t = 0;
    FORWARD_IF_ERROR(CU(cd, cuMemGetInfo(&f, &t), "cuMemGetInfo"));
    *free_b = (int64_t)f;
    *total_b = (int64_t)t;
    return ACCEL_OK;
}

static accel_status cuda_alloc(accel__device *dev, size_t bytes, accel__buffer **out)
{
    *out = NULL;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "alloc"));
    OPEN_OR_FAIL(dev, cd);
    accel__buffer *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of host memory for a buffer handle");
    b->bytes = bytes;
    if (bytes) {
        accel_status st = make_current(cd);
        if (st == ACCEL_OK) st = CU(cd, cuMemAlloc(&b->ptr, bytes), "cuMemAlloc");
        if (st != ACCEL_OK) {
            free(b);
            return ACCEL_ERROR(st, "CUDA device %d: cannot allocate %zu bytes: %s",
                               dev->backend_index, bytes, accel__last_error_text());
        }
    }
    *out = b;
    return ACCEL_OK;
}

static void cuda_free(accel__device *dev, accel__buffer *b)
{
    cuda_dev *cd = dev->impl;
    if (!b) return;
    if (cd && b->ptr && !b->borrowed && make_current(cd) == ACCEL_OK) cd->api->cuMemFree(b->ptr);
    free(b);
}

/* Device memory handed to the caller (accel_device_alloc): a CUdeviceptr in the primary
 * context, which other users of the driver in the process (PyTorch, CuPy) share. */
static accel_status cuda_mem_alloc(accel__device *dev, size_t bytes, void **ptr)
{
    *ptr = NULL;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "alloc"));
    OPEN_OR_FAIL(dev, cd);
    FORWARD_IF_ERROR(make_current(cd));
    CUdeviceptr p = 0;
    accel_status st = CU(cd, cuMemAlloc(&p, bytes ? bytes : 1), "cuMemAlloc");
    if (st != ACCEL_OK)
        return ACCEL_ERROR(st, "CUDA device %d: cannot allocate %zu bytes: %s", dev->backend_index,
                           bytes, accel__last_error_text());
    *ptr = (void *)(uintptr_t)p;
    return ACCEL_OK;
}

static void cuda_mem_free(accel__device *dev, void *ptr)
{
    cuda_dev *cd = dev->impl;
    if (cd && ptr && make_current(cd) == ACCEL_OK) cd->api->cuMemFree((CUdeviceptr)(uintptr_t)ptr);
}

static accel_status cuda_wrap(accel__device *dev, void *ptr, size_t bytes, accel__buffer **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, cd);
    (void)cd;
    accel__buffer *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of host memory for a buffer handle");
    b->ptr = (CUdeviceptr)(uintptr_t)ptr;
    b->bytes = bytes;
    b->borrowed = 1;
    *out = b;
    return ACCEL_OK;
}

static accel_status check_range(const accel__device *dev, const accel__buffer *b, size_t off,
                                size_t n, const char *what)
{
    RETURN_ERROR_IF(!b, ACCEL_ERR_INVALID_ARG, "%s: NULL buffer", what);
    RETURN_ERROR_IF(off > b->bytes || n > b->bytes - off, ACCEL_ERR_INVALID_ARG,
                    "%s: bytes [%zu, %zu + %zu) outside a %zu-byte buffer on CUDA device %d", what,
                    off, off, n, b->bytes, dev->backend_index);
    return ACCEL_OK;
}

static accel_status cuda_h2d(accel__device *dev, accel__buffer *dst, size_t off, const void *src,
                             size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, cd);
    FORWARD_IF_ERROR(check_range(dev, dst, off, n, "copy to device"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(make_current(cd));
    return CU(cd, cuMemcpyHtoD(dst->ptr + off, src, n), "cuMemcpyHtoD");
}

static accel_status cuda_d2h(accel__device *dev, void *dst, accel__buffer *src, size_t off,
                             size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, cd);
    FORWARD_IF_ERROR(check_range(dev, src, off, n, "copy from device"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(make_current(cd));
    return CU(cd, cuMemcpyDtoH(dst, src->ptr + off, n), "cuMemcpyDtoH");
}

static accel_status cuda_d2d(accel__device *dev, accel__buffer *dst, size_t doff,
                             accel__buffer *src, size_t soff, size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, cd);
    FORWARD_IF_ERROR(check_range(dev, dst, doff, n, "device copy destination"));
    FORWARD_IF_ERROR(check_range(dev, src, soff, n, "device copy source"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(make_current(cd));
    return CU(cd, cuMemcpyDtoD(dst->ptr + doff, src->ptr + soff, n), "cuMemcpyDtoD");
}

static accel_status cuda_host_alloc(accel__device *dev, size_t bytes, void **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, cd);
    FORWARD_IF_ERROR(make_current(cd));
    accel_status st = CU(cd, cuMemAllocHost(out, bytes ? bytes : 1), "cuMemAllocHost");
    /* Pinned memory is host memory: running out of it is not a device OOM. */
    if (st == ACCEL_ERR_DEVICE_OOM)
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "cannot pin %zu bytes of host memory: %s", bytes,
                           accel__last_error_text());
    return st;
}

static void cuda_host_free(accel__device *dev, void *p)
{
    cuda_dev *cd = dev->impl;
    if (cd && p && make_current(cd) == ACCEL_OK) cd->api->cuMemFreeHost(p);
}

static accel_status cuda_kernel_get(accel__device *dev, const char *name, accel__kernel **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, cd);
    RETURN_ERROR_IF(!name, ACCEL_ERR_INVALID_ARG, "kernel name is NULL");
    FORWARD_IF_ERROR(make_current(cd));
    *out = find_kernel(cd, name);
    RETURN_ERROR_IF(!*out, ACCEL_ERR_UNSUPPORTED, "CUDA device %d has no kernel %s (%s)",
                    dev->backend_index, name, cd->note);
    return ACCEL_OK;
}

static uint64_t buffer_addr(const accel__buffer *b) { return (uint64_t)b->ptr; }

static accel_status cuda_launch(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                                const accel__arg *args, int n_args)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "launch"));
    OPEN_OR_FAIL(dev, cd);
    RETURN_ERROR_IF(!k || !geom, ACCEL_ERR_INVALID_ARG, "launch: NULL kernel or geometry");
    unsigned grid[3], block[3];
    int empty = 0;
    FORWARD_IF_ERROR(accel__gpu_grid(&cd->limits, geom, grid, block, &empty));
    accel__gpu_param vals[ACCEL__GPU_MAX_ARGS];
    void *params[ACCEL__GPU_MAX_ARGS + 1];
    size_t shared = 0;
    FORWARD_IF_ERROR(accel__gpu_pack_args(&cd->limits, k->name, args, n_args, buffer_addr, vals,
                                          params, &shared));
    if (empty) return ACCEL_OK;
    FORWARD_IF_ERROR(make_current(cd));
    return CU_K(cd, cuLaunchKernel(k->fn, grid[0], grid[1], grid[2], block[0], block[1], block[2],
                                   (unsigned)shared, cd->stream, params, NULL),
                k->name);
}

static accel_status cuda_synchronize(accel__device *dev)
{
    OPEN_OR_FAIL(dev, cd);
    FORWARD_IF_ERROR(make_current(cd));
    return CU_K(cd, cuStreamSynchronize(cd->stream), "cuStreamSynchronize");
}

/* The first kernel `op` needs that the device lacks, or NULL when it has them all. */
static const char *missing_kernel(cuda_dev *cd, const accel__op *op)
{
    for (const char *const *k = op->kernels; k && *k; k++)
        if (!find_kernel(cd, *k)) return *k;
    return NULL;
}

static int cuda_supports_op(const accel__device *dev, const char *name)
{
    cuda_dev *cd = dev->impl;
    const accel__op *op = accel__op_find(name);
    return cd && op && op->run_device && !missing_kernel(cd, op);
}

static accel_status cuda_run(accel__device *dev, const accel__op *op, void *call, size_t begin,
                             size_t end)
{
    OPEN_OR_FAIL(dev, cd);
    RETURN_ERROR_IF(!op->run_device, ACCEL_ERR_UNSUPPORTED, "%s has no device implementation",
                    op->name);
    const char *k = missing_kernel(cd, op);
    RETURN_ERROR_IF(k, ACCEL_ERR_UNSUPPORTED, "%s on CUDA device %d: kernel %s missing (%s)",
                    op->name, dev->backend_index, k, cd->note);
    return op->run_device(dev, call, begin, end);
}

static accel_status cuda_timer_start(accel__device *dev, void **timer)
{
    *timer = NULL;
    OPEN_OR_FAIL(dev, cd);
    FORWARD_IF_ERROR(make_current(cd));
    cuda_timer *t = calloc(1, sizeof *t);
    RETURN_ERROR_IF(!t, ACCEL_ERR_NO_MEMORY, "out of memory for a timer");
    accel_status st = CU(cd, cuEventCreate(&t->start, 0), "cuEventCreate");
    if (st == ACCEL_OK) st = CU(cd, cuEventCreate(&t->stop, 0), "cuEventCreate");
    if (st == ACCEL_OK) st = CU(cd, cuEventRecord(t->start, cd->stream), "cuEventRecord");
    if (st != ACCEL_OK) {
        if (t->start) cd->api->cuEventDestroy(t->start);
        if (t->stop) cd->api->cuEventDestroy(t->stop);
        free(t);
        return st;
    }
    *timer = t;
    return ACCEL_OK;
}

static accel_status cuda_timer_stop(accel__device *dev, void *timer, double *ms)
{
    cuda_timer *t = timer;
    *ms = -1;
    RETURN_ERROR_IF(!t, ACCEL_ERR_INVALID_ARG, "timer_stop: NULL timer");
    cuda_dev *cd = dev->impl;
    accel_status st = cd ? make_current(cd) : not_open(dev);
    if (st == ACCEL_OK) st = CU(cd, cuEventRecord(t->stop, cd->stream), "cuEventRecord");
    if (st == ACCEL_OK) st = CU_K(cd, cuEventSynchronize(t->stop), "cuEventSynchronize");
    float f = 0;
    if (st == ACCEL_OK) st = CU(cd, cuEventElapsedTime(&f, t->start, t->stop), "cuEventElapsedTime");
    if (st == ACCEL_OK) *ms = f;
    if (cd) {
        cd->api->cuEventDestroy(t->start);
        cd->api->cuEventDestroy(t->stop);
    }
    free(t);
    return st;
}

static const char *cuda_kernel_note(const accel__device *dev)
{
    const cuda_dev *cd = dev->impl;
    if (cd) return cd->note;
    const unsigned char *d;
    size_t n;
    const char *archs;
    if (accel__cuda_fatbin(&d, &n, &archs))
        return "fatbin built in by nvcc (loaded when the device opens)";
    const accel__nvrtc_api *nv = NULL;
    return accel__nvrtc_api_load(&nv) == ACCEL_OK ? "kernels compiled by NVRTC when the device opens"
                                                  : no_kernels_note;
}

/* fp16 from compute capability 7.0 with at least 8 GB; tf32 and bf16 from 8.0 (Ampere). */
static unsigned cuda_precision(const accel__device *dev)
{
    const accel_device_info *d = &dev->info;
    unsigned m = ACCEL_PREC_FP32;
    if (d->cc_major >= 7 && d->mem_total >= ACCEL__FP16_MIN_MEM) m |= ACCEL_PREC_FP16;
    if (d->cc_major >= 8) m |= ACCEL_PREC_TF32 | ACCEL_PREC_BF16;
    return m;
}

const accel__backend_ops accel__backend_cuda = {
    .api_version = ACCEL__BACKEND_API,
    .name = "cuda",
    .open = cuda_open,
    .close = cuda_close,
    .mem_info = cuda_mem_info,
    .buffer_alloc = cuda_alloc,
    .buffer_free = cuda_free,
    .copy_h2d = cuda_h2d,
    .copy_d2h = cuda_d2h,
    .copy_d2d = cuda_d2d,
    .host_alloc = cuda_host_alloc,
    .host_free = cuda_host_free,
    .kernel_get = cuda_kernel_get,
    .launch = cuda_launch,
    .synchronize = cuda_synchronize,
    .supports_op = cuda_supports_op,
    .run = cuda_run,
    .timer_start = cuda_timer_start,
    .timer_stop = cuda_timer_stop,
    .kernel_note = cuda_kernel_note,
    .precision = cuda_precision,
    .mem_alloc = cuda_mem_alloc,
    .mem_free = cuda_mem_free,
    .buffer_wrap = cuda_wrap,
};
