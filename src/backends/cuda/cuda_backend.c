/* cuda_backend.c — the CUDA backend, needing only the driver (libcuda.so.1 through dlopen):
 * the CUDA vendor table of the shared GPU host code (backends/gpu/gpu_backend.h) and the ops
 * table built from it.
 *
 * What is CUDA's own: a device is the primary context of its ordinal (retained at open, made
 * current by every slot, released — never destroyed — at close, since the application and
 * CUDA runtime users in the process share it); launch limits come from the device's
 * attributes; the driver's error codes that mean a kernel faulted or the GPU is gone; and the
 * kernels: the fatbin nvcc embedded at build time, or, when there is none or it holds no code
 * for this GPU, each kernel family compiled by NVRTC (cached on disk, see cuda_kernels.c).
 * With neither, the device still allocates and copies, supports_op() answers 0 and
 * kernel_note() says how to get kernels, so the executor falls back with reason
 * unsupported_op. */
#include "backends/gpu/gpu_backend.h"
#include "core/precision.h"
#include "vendor/cuda_api.h"
#include "backends/cuda/cuda_kernels.h"

#include <stdlib.h>
#include <string.h>

static const char no_kernels_note[] =
    "no kernels: built without nvcc and libnvrtc not found; install nvidia-cuda-toolkit or "
    "libnvrtc";

static const accel__cuda_api *api_of(const accel__gpu_dev *g) { return g->api; }

/* accel__cuda_check, refined for execution: errors that mean a kernel faulted are kernel
 * errors whichever call reports them (they surface at the next synchronising call), and the
 * ones that mean the GPU is gone are device-lost. `in_kernel` turns any other driver error in
 * a launch or synchronize into a kernel error too, so the executor falls back for it. */
static accel_status cu_status(const accel__gpu_dev *g, CUresult r, const char *what,
                              int in_kernel, const char *file, int line)
{
    if (r == ACCEL_CU_SUCCESS) return ACCEL_OK;
    accel_status st = accel__cuda_check(api_of(g), r, what, file, line);
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
#define CU(g, call, what) cu_status((g), api_of(g)->call, (what), 0, __FILE__, __LINE__)
#define CU_K(g, call, what) cu_status((g), api_of(g)->call, (what), 1, __FILE__, __LINE__)

/* ---- opening, kernels, closing ---------------------------------------------------------- */

static accel_status cu_make_current(const accel__gpu_dev *g)
{
    return CU(g, cuCtxSetCurrent((CUcontext)g->context), "cuCtxSetCurrent");
}

static accel_status cu_init(accel__gpu_dev *g)
{
    int max_threads = 0, max_shared = 0;
    CUcontext ctx = NULL;
    CUstream stream = NULL;
    accel_status st = CU(g, cuInit(0), "cuInit");
    if (st == ACCEL_OK) st = CU(g, cuDeviceGet(&g->handle, g->ordinal), "cuDeviceGet");
    if (st == ACCEL_OK) st = CU(g, cuDriverGetVersion(&g->driver_version), "cuDriverGetVersion");
    struct {
        int attr, *out;
        const char *what;
    } attrs[] = {
        {ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, &g->cc_major, "compute capability"},
        {ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MINOR, &g->cc_minor, "compute capability"},
        {ACCEL_CU_ATTR_MAX_THREADS_PER_BLOCK, &max_threads, "max threads per block"},
        {ACCEL_CU_ATTR_MAX_SHARED_MEMORY_PER_BLOCK, &max_shared, "shared memory per block"},
    };
    for (size_t i = 0; st == ACCEL_OK && i < sizeof attrs / sizeof *attrs; i++)
        st = CU(g, cuDeviceGetAttribute(attrs[i].out, attrs[i].attr, g->handle), attrs[i].what);
    if (st == ACCEL_OK)
        st = CU(g, cuDevicePrimaryCtxRetain(&ctx, g->handle), "cuDevicePrimaryCtxRetain");
    g->context = ctx;
    if (st == ACCEL_OK) st = cu_make_current(g);
    if (st == ACCEL_OK) st = CU(g, cuStreamCreate(&stream, 0), "cuStreamCreate");
    g->stream = stream;
    /* Block and grid limits are the same on every GPU the driver API supports (cc >= 3.0);
     * threads and shared memory per block come from the device. */
    g->limits = (accel__gpu_limits){
        .max_threads = max_threads > 0 ? (unsigned)max_threads : ACCEL__GPU_DEFAULT_BLOCK,
        .block_max = {1024u, 1024u, 64u},
        .grid_max = {2147483647u, 65535u, 65535u},
        .max_shared = max_shared > 0 ? (size_t)max_shared : 0,
    };
    return st;
}

static void cu_fini(accel__gpu_dev *g)
{
    const accel__cuda_api *api = api_of(g);
    if (!g->context) return;
    api->cuCtxSetCurrent((CUcontext)g->context);
    for (size_t i = 0; i < g->n_modules; i++) api->cuModuleUnload((CUmodule)g->modules[i]);
    if (g->stream) api->cuStreamDestroy((CUstream)g->stream);
    /* The primary context is shared with the application (and CUDA runtime users in the
     * process): release our reference, never destroy or un-set it. */
    api->cuDevicePrimaryCtxRelease(g->handle);
    g->context = NULL;
}

/* The embedded fatbin. Returns 1 when loaded; otherwise 0 with the reason in why. */
static int load_fatbin(accel__gpu_dev *g, char *why, size_t cap)
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
    if (CU(g, cuModuleLoadData(&m, data), "cuModuleLoadData(embedded fatbin)") != ACCEL_OK) {
        snprintf(why, cap, "the embedded fatbin (%s) does not load on this sm_%d%d GPU: %s", archs,
                 g->cc_major, g->cc_minor, accel__last_error_text());
        return 0;
    }
    accel__gpu_add_module(g, m);
    snprintf(g->note, sizeof g->note, "fatbin %s, built in by nvcc", archs);
    return 1;
}

/* Every kernel family through NVRTC. A family that fails to compile or load is left out (its
 * operations are then unsupported); the note says which and why. */
static void load_nvrtc(const accel__device *dev, accel__gpu_dev *g, const char *fatbin_why)
{
    const accel__nvrtc_api *nv = NULL;
    if (accel__nvrtc_api_load(&nv) != ACCEL_OK) {
        if (fatbin_why[0])
            snprintf(g->note, sizeof g->note,
                     "no kernels: %s, and %s; install libnvrtc matching the driver", fatbin_why,
                     accel__last_error_text());
        else
            snprintf(g->note, sizeof g->note, "%s", no_kernels_note);
        return;
    }
    accel__cuda_target target;
    if (accel__cuda_nvrtc_target(nv, g->cc_major, g->cc_minor, &target) != ACCEL_OK) {
        snprintf(g->note, sizeof g->note, "no kernels: %s%s%s", accel__last_error_text(),
                 fatbin_why[0] ? "; " : "", fatbin_why);
        return;
    }
    char tname[32], failed[256] = "";
    accel__cuda_target_name(target, tname, sizeof tname);
    size_t loaded = 0, cached = 0, fail_n = 0;
    for (size_t i = 0; i < accel__kernel_source_count; i++) {
        const accel__kernel_source *src = &accel__kernel_sources[i];
        accel__cuda_image img;
        accel_status st = accel__cuda_nvrtc_image(dev->ctx, nv, src, target, g->driver_version,
                                                  &img);
        CUmodule m = NULL;
        if (st == ACCEL_OK) {
            st = CU(g, cuModuleLoadData(&m, img.data), "cuModuleLoadData(NVRTC output)");
            if (st == ACCEL_OK && !accel__gpu_add_module(g, m)) {
                api_of(g)->cuModuleUnload(m);
                st = ACCEL_ERROR(ACCEL_ERR_INTERNAL, "more than %d kernel families",
                                 ACCEL__GPU_MAX_MODULES);
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
        snprintf(g->note, sizeof g->note, "no kernels: NVRTC %d.%d (%s) built none for %s%s",
                 nv->major, nv->minor, nv->path, tname, failed);
        return;
    }
    snprintf(g->note, sizeof g->note,
             "NVRTC %d.%d %s %s, %zu of %zu families (%zu from cache)%s%s%.160s", nv->major,
             nv->minor, tname, target.cubin ? "cubin" : "PTX", loaded, accel__kernel_source_count,
             cached, failed, fatbin_why[0] ? "; " : "", fatbin_why);
}

static void cu_load_kernels(accel__gpu_dev *g, const accel__device *dev)
{
    char fatbin_why[512];
    if (!load_fatbin(g, fatbin_why, sizeof fatbin_why)) load_nvrtc(dev, g, fatbin_why);
}

/* ---- the calls -------------------------------------------------------------------------- */

static accel_status cu_load(const void **api)
{
    const accel__cuda_api *a = NULL;
    accel_status st = accel__cuda_api_load(&a);
    *api = a;
    return st;
}

static accel_status cu_mem_info(const accel__gpu_dev *g, size_t *f, size_t *t)
{
    return CU(g, cuMemGetInfo(f, t), "cuMemGetInfo");
}

static accel_status cu_alloc(const accel__gpu_dev *g, size_t bytes, uint64_t *ptr)
{
    CUdeviceptr p = 0;
    accel_status st = CU(g, cuMemAlloc(&p, bytes), "cuMemAlloc");
    *ptr = (uint64_t)p;
    return st;
}

static void cu_free(const accel__gpu_dev *g, uint64_t ptr) { api_of(g)->cuMemFree((CUdeviceptr)ptr); }

static accel_status cu_h2d(const accel__gpu_dev *g, uint64_t dst, const void *src, size_t n)
{
    return CU(g, cuMemcpyHtoD((CUdeviceptr)dst, src, n), "cuMemcpyHtoD");
}

static accel_status cu_d2h(const accel__gpu_dev *g, void *dst, uint64_t src, size_t n)
{
    return CU(g, cuMemcpyDtoH(dst, (CUdeviceptr)src, n), "cuMemcpyDtoH");
}

static accel_status cu_d2d(const accel__gpu_dev *g, uint64_t dst, uint64_t src, size_t n)
{
    return CU(g, cuMemcpyDtoD((CUdeviceptr)dst, (CUdeviceptr)src, n), "cuMemcpyDtoD");
}

static accel_status cu_host_alloc(const accel__gpu_dev *g, size_t bytes, void **p)
{
    return CU(g, cuMemAllocHost(p, bytes), "cuMemAllocHost");
}

static void cu_host_free(const accel__gpu_dev *g, void *p) { api_of(g)->cuMemFreeHost(p); }

static int cu_function(const accel__gpu_dev *g, void *module, const char *name, void **fn)
{
    CUfunction f = NULL;
    if (api_of(g)->cuModuleGetFunction(&f, (CUmodule)module, name) != ACCEL_CU_SUCCESS) return 0;
    *fn = f;
    return 1;
}

static accel_status cu_launch(const accel__gpu_dev *g, void *fn, const unsigned grid[3],
                              const unsigned block[3], size_t shared, void **params,
                              const char *name)
{
    return CU_K(g, cuLaunchKernel((CUfunction)fn, grid[0], grid[1], grid[2], block[0], block[1],
                                  block[2], (unsigned)shared, (CUstream)g->stream, params, NULL),
                name);
}

static accel_status cu_synchronize(const accel__gpu_dev *g)
{
    return CU_K(g, cuStreamSynchronize((CUstream)g->stream), "cuStreamSynchronize");
}

static accel_status cu_event_create(const accel__gpu_dev *g, void **ev)
{
    CUevent e = NULL;
    accel_status st = CU(g, cuEventCreate(&e, 0), "cuEventCreate");
    *ev = e;
    return st;
}

static void cu_event_destroy(const accel__gpu_dev *g, void *ev)
{
    api_of(g)->cuEventDestroy((CUevent)ev);
}

static accel_status cu_event_record(const accel__gpu_dev *g, void *ev)
{
    return CU(g, cuEventRecord((CUevent)ev, (CUstream)g->stream), "cuEventRecord");
}

static accel_status cu_event_synchronize(const accel__gpu_dev *g, void *ev)
{
    return CU_K(g, cuEventSynchronize((CUevent)ev), "cuEventSynchronize");
}

static accel_status cu_event_elapsed(const accel__gpu_dev *g, void *a, void *b, float *ms)
{
    return CU(g, cuEventElapsedTime(ms, (CUevent)a, (CUevent)b), "cuEventElapsedTime");
}

static const accel__gpu_vendor cuda_vendor = {
    .api = "CUDA",
    .load = cu_load,
    .init = cu_init,
    .load_kernels = cu_load_kernels,
    .fini = cu_fini,
    .make_current = cu_make_current,
    .mem_info = cu_mem_info,
    .alloc = cu_alloc,
    .free = cu_free,
    .copy_h2d = cu_h2d,
    .copy_d2h = cu_d2h,
    .copy_d2d = cu_d2d,
    .host_alloc = cu_host_alloc,
    .host_free = cu_host_free,
    .function = cu_function,
    .launch = cu_launch,
    .synchronize = cu_synchronize,
    .event_create = cu_event_create,
    .event_destroy = cu_event_destroy,
    .event_record = cu_event_record,
    .event_synchronize = cu_event_synchronize,
    .event_elapsed = cu_event_elapsed,
};

/* ---- the slots that are CUDA's own ------------------------------------------------------ */

static accel_status cuda_open(accel__device *dev) { return accel__gpu_open(dev, &cuda_vendor); }

static const char *cuda_kernel_note(const accel__device *dev)
{
    const char *note = accel__gpu_note(dev);
    if (note) return note;
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
    ACCEL__GPU_SLOTS,
    .kernel_note = cuda_kernel_note,
    .precision = cuda_precision,
};
