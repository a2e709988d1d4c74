/* hip_backend.c — the ROCm backend, through the HIP runtime (libamdhip64.so) loaded with
 * dlopen: the HIP vendor table of the shared GPU host code (backends/gpu/gpu_backend.h) and
 * the ops table built from it. The backend is named "rocm" (the backend table's name; "hip"
 * is its alias); messages about its devices say "HIP device N" because N is HIP's ordinal.
 *
 * What is HIP's own: a device is made current with hipSetDevice (there is no context to
 * hold); launch limits are fixed values, not attributes; a stream made by hipStreamCreate is
 * blocking, i.e. ordered with the null stream the synchronous hipMemcpy* calls use; and the
 * kernels: the code object bundle hipcc built at build time (cmake/part_hip.cmake). There is
 * no run-time compiler path: without the bundle, or when it holds no code object for this
 * GPU, the device still allocates and copies, supports_op() answers 0 and kernel_note() says
 * why, so the executor falls back with reason unsupported_op. */
#include "backends/gpu/gpu_backend.h"
#include "core/precision.h"
#include "vendor/hip_api.h"
#include "backends/hip/hip_kernels.h"

#include <stdlib.h>
#include <string.h>

static const accel__hip_api *api_of(const accel__gpu_dev *g) { return g->api; }

/* accel__hip_check, refined for execution: a fault inside a kernel is a kernel error whichever
 * call reports it; `in_kernel` makes any other runtime error of a launch or synchronize one
 * too, so the executor falls back for it. */
static accel_status hip_status(const accel__gpu_dev *g, hipError_t r, const char *what,
                               int in_kernel, const char *file, int line)
{
    if (r == ACCEL_HIP_SUCCESS) return ACCEL_OK;
    accel_status st = accel__hip_check(api_of(g), r, what, file, line);
    if (r >= 700 && r <= 719) return ACCEL_ERR_KERNEL; /* illegal address … launch failure */
    if (in_kernel && st == ACCEL_ERR_VENDOR) return ACCEL_ERR_KERNEL;
    return st;
}
#define HIP(g, call, what) hip_status((g), api_of(g)->call, (what), 0, __FILE__, __LINE__)
#define HIP_K(g, call, what) hip_status((g), api_of(g)->call, (what), 1, __FILE__, __LINE__)

/* ---- opening, kernels, closing ---------------------------------------------------------- */

static accel_status hip_make_current(const accel__gpu_dev *g)
{
    return HIP(g, hipSetDevice(g->ordinal), "hipSetDevice");
}

static accel_status hip_init(accel__gpu_dev *g)
{
    hipStream_t stream = NULL;
    accel_status st = HIP(g, hipInit(0), "hipInit");
    if (st == ACCEL_OK) st = hip_make_current(g);
    if (st == ACCEL_OK) st = HIP(g, hipStreamCreate(&stream), "hipStreamCreate");
    g->stream = stream;
    /* Every AMD GPU HIP supports allows 1024 work items per group and 64 KiB of LDS; the grid
     * limits are HIP's, and work items per dimension stay below 2^32. Fixed values rather than
     * hipDeviceGetAttribute, whose numbering changed across ROCm releases. */
    g->limits = (accel__gpu_limits){
        .max_threads = 1024u,
        .block_max = {1024u, 1024u, 1024u},
        .grid_max = {2147483647u, 65535u, 65535u},
        .max_shared = 65536u,
        .max_items = 0xffffffffull,
    };
    return st;
}

static void hip_fini(accel__gpu_dev *g)
{
    const accel__hip_api *api = api_of(g);
    if (!g->stream && !g->n_modules) return;
    api->hipSetDevice(g->ordinal);
    for (size_t i = 0; i < g->n_modules; i++) api->hipModuleUnload((hipModule_t)g->modules[i]);
    if (g->stream) api->hipStreamDestroy((hipStream_t)g->stream);
    g->n_modules = 0;
    g->stream = NULL;
}

static void hip_load_kernels(accel__gpu_dev *g, const accel__device *dev)
{
    const unsigned char *data;
    size_t size;
    const char *archs;
    if (!accel__hip_codeobj(&data, &size, &archs)) {
        snprintf(g->note, sizeof g->note,
                 "no kernels: built without hipcc; install hipcc (Debian: apt-get install hipcc) "
                 "and rebuild");
        return;
    }
    hipModule_t m = NULL;
    if (HIP(g, hipModuleLoadData(&m, data), "hipModuleLoadData") != ACCEL_OK) {
        snprintf(g->note, sizeof g->note,
                 "no kernels: the built-in code objects (%s) do not load on this %s GPU: %s; "
                 "rebuild with its target in ACCEL_HIP_ARCHS",
                 archs, dev->info.arch[0] ? dev->info.arch : "AMD", accel__last_error_text());
        return;
    }
    accel__gpu_add_module(g, m);
    snprintf(g->note, sizeof g->note, "code objects %s, built in by hipcc", archs);
}

/* ---- the calls -------------------------------------------------------------------------- */

static accel_status hip_load(const void **api)
{
    const accel__hip_api *a = NULL;
    accel_status st = accel__hip_api_load(&a);
    *api = a;
    return st;
}

static accel_status hip_mem_info(const accel__gpu_dev *g, size_t *f, size_t *t)
{
    return HIP(g, hipMemGetInfo(f, t), "hipMemGetInfo");
}

static accel_status hip_alloc(const accel__gpu_dev *g, size_t bytes, uint64_t *ptr)
{
    void *p = NULL;
    accel_status st = HIP(g, hipMalloc(&p, bytes), "hipMalloc");
    *ptr = (uint64_t)(uintptr_t)p;
    return st;
}

static void *dptr(uint64_t p) { return (void *)(uintptr_t)p; }

static void hip_free(const accel__gpu_dev *g, uint64_t ptr) { api_of(g)->hipFree(dptr(ptr)); }

static accel_status hip_h2d(const accel__gpu_dev *g, uint64_t dst, const void *src, size_t n)
{
    /* hipMemcpyHtoD takes a non-const source; it only reads it. */
    return HIP(g, hipMemcpyHtoD(dptr(dst), (void *)src, n), "hipMemcpyHtoD");
}

static accel_status hip_d2h(const accel__gpu_dev *g, void *dst, uint64_t src, size_t n)
{
    return HIP(g, hipMemcpyDtoH(dst, dptr(src), n), "hipMemcpyDtoH");
}

static accel_status hip_d2d(const accel__gpu_dev *g, uint64_t dst, uint64_t src, size_t n)
{
    return HIP(g, hipMemcpyDtoD(dptr(dst), dptr(src), n), "hipMemcpyDtoD");
}

static accel_status hip_host_alloc(const accel__gpu_dev *g, size_t bytes, void **p)
{
    return HIP(g, hipHostMalloc(p, bytes, 0), "hipHostMalloc");
}

static void hip_host_free(const accel__gpu_dev *g, void *p) { api_of(g)->hipHostFree(p); }

static int hip_function(const accel__gpu_dev *g, void *module, const char *name, void **fn)
{
    hipFunction_t f = NULL;
    if (api_of(g)->hipModuleGetFunction(&f, (hipModule_t)module, name) != ACCEL_HIP_SUCCESS)
        return 0;
    *fn = f;
    return 1;
}

static accel_status hip_launch(const accel__gpu_dev *g, void *fn, const unsigned grid[3],
                               const unsigned block[3], size_t shared, void **params,
                               const char *name)
{
    return HIP_K(g, hipModuleLaunchKernel((hipFunction_t)fn, grid[0], grid[1], grid[2], block[0],
                                          block[1], block[2], (unsigned)shared,
                                          (hipStream_t)g->stream, params, NULL),
                 name);
}

static accel_status hip_synchronize(const accel__gpu_dev *g)
{
    return HIP_K(g, hipStreamSynchronize((hipStream_t)g->stream), "hipStreamSynchronize");
}

static accel_status hip_event_create(const accel__gpu_dev *g, void **ev)
{
    hipEvent_t e = NULL;
    accel_status st = HIP(g, hipEventCreate(&e), "hipEventCreate");
    *ev = e;
    return st;
}

static void hip_event_destroy(const accel__gpu_dev *g, void *ev)
{
    api_of(g)->hipEventDestroy((hipEvent_t)ev);
}

static accel_status hip_event_record(const accel__gpu_dev *g, void *ev)
{
    return HIP(g, hipEventRecord((hipEvent_t)ev, (hipStream_t)g->stream), "hipEventRecord");
}

static accel_status hip_event_synchronize(const accel__gpu_dev *g, void *ev)
{
    return HIP_K(g, hipEventSynchronize((hipEvent_t)ev), "hipEventSynchronize");
}

static accel_status hip_event_elapsed(const accel__gpu_dev *g, void *a, void *b, float *ms)
{
    return HIP(g, hipEventElapsedTime(ms, (hipEvent_t)a, (hipEvent_t)b), "hipEventElapsedTime");
}

static const accel__gpu_vendor hip_vendor = {
    .api = "HIP",
    .load = hip_load,
    .init = hip_init,
    .load_kernels = hip_load_kernels,
    .fini = hip_fini,
    .make_current = hip_make_current,
    .mem_info = hip_mem_info,
    .alloc = hip_alloc,
    .free = hip_free,
    .copy_h2d = hip_h2d,
    .copy_d2h = hip_d2h,
    .copy_d2d = hip_d2d,
    .host_alloc = hip_host_alloc,
    .host_free = hip_host_free,
    .function = hip_function,
    .launch = hip_launch,
    .synchronize = hip_synchronize,
    .event_create = hip_event_create,
    .event_destroy = hip_event_destroy,
    .event_record = hip_event_record,
    .event_synchronize = hip_event_synchronize,
    .event_elapsed = hip_event_elapsed,
};

/* ---- the slots that are HIP's own ------------------------------------------------------- */

static accel_status hip_open(accel__device *dev) { return accel__gpu_open(dev, &hip_vendor); }

static const char *hip_kernel_note(const accel__device *dev)
{
    const char *note = accel__gpu_note(dev);
    if (note) return note;
    const unsigned char *d;
    size_t n;
    const char *archs;
    return accel__hip_codeobj(&d, &n, &archs)
               ? "code objects built in by hipcc (loaded when the device opens)"
               : "no kernels: built without hipcc; install hipcc (Debian: apt-get install "
                 "hipcc) and rebuild";
}

/* fp16 with at least 8 GB; bf16 on CDNA2/3 (gfx90a, gfx94x, gfx95x) and RDNA3/4 (gfx11xx,
 * gfx12xx). */
static unsigned hip_precision(const accel__device *dev)
{
    static const char *const bf16[] = {"gfx90a", "gfx94", "gfx95", "gfx11", "gfx12"};
    const accel_device_info *d = &dev->info;
    unsigned m = ACCEL_PREC_FP32;
    if (d->mem_total >= ACCEL__FP16_MIN_MEM) m |= ACCEL_PREC_FP16;
    for (size_t i = 0; i < sizeof bf16 / sizeof *bf16; i++)
        if (strncmp(d->arch, bf16[i], strlen(bf16[i])) == 0) m |= ACCEL_PREC_BF16;
    return m;
}

const accel__backend_ops accel__backend_hip = {
    .api_version = ACCEL__BACKEND_API,
    .name = "rocm",
    .open = hip_open,
    ACCEL__GPU_SLOTS,
    .kernel_note = hip_kernel_note,
    .precision = hip_precision,
};
