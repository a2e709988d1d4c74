/* hip_backend.c — the HIP (ROCm) backend, through libamdhip64.so loaded with dlopen.
 *
 * The same shape as the CUDA backend: one stream per device, every slot first makes the
 * device current for the calling thread (hipSetDevice), kernels go to the device's stream and
 * copies use the synchronous hipMemcpy* calls. A stream made by hipStreamCreate is blocking,
 * i.e. ordered with the null stream those copies use, so a copy back waits for the kernels
 * before it without extra synchronisation.
 *
 * Kernels: the code object bundle hipcc built at build time (cmake/part_hip.cmake). There is no
 * run-time compiler path: without the bundle, or when it holds no code object for this GPU,
 * the device still allocates and copies, supports_op() answers 0 and kernel_note() says why,
 * so the executor falls back with reason unsupported_op. */
#include "backends/common/gpu_launch.h"
#include "core/precision.h"
#include "backends/hip/hip_api.h"
#include "backends/hip/hip_kernels.h"

#include <stdlib.h>
#include <string.h>

struct accel__buffer {
    void *ptr; /* NULL for an empty buffer */
    size_t bytes;
    int borrowed; /* the caller's memory (hip_wrap): not freed with the handle */
};

struct accel__kernel {
    hipFunction_t fn;
    struct accel__kernel *next;
    char name[64];
};

typedef struct hip_dev {
    const accel__hip_api *api;
    int ordinal;
    hipStream_t stream;
    hipModule_t module; /* NULL when there are no kernels */
    accel__gpu_limits limits;
    char note[512];
    pthread_mutex_t klock; /* guards `kernels` */
    struct accel__kernel *kernels;
} hip_dev;

typedef struct hip_timer {
    hipEvent_t start, stop;
} hip_timer;

/* accel__hip_check, refined for execution: a fault inside a kernel is a kernel error whichever
 * call reports it; `in_kernel` makes any other runtime error of a launch or synchronize one
 * too, so the executor falls back for it. */
static accel_status hip_status(const hip_dev *hd, hipError_t r, const char *what, int in_kernel,
                               const char *file, int line)
{
    if (r == ACCEL_HIP_SUCCESS) return ACCEL_OK;
    accel_status st = accel__hip_check(hd->api, r, what, file, line);
    if (r >= 700 && r <= 719) return ACCEL_ERR_KERNEL; /* illegal address … launch failure */
    if (in_kernel && st == ACCEL_ERR_VENDOR) return ACCEL_ERR_KERNEL;
    return st;
}
#define HIP(hd, call, what) hip_status((hd), (hd)->api->call, (what), 0, __FILE__, __LINE__)
#define HIP_K(hd, call, what) hip_status((hd), (hd)->api->call, (what), 1, __FILE__, __LINE__)

static accel_status make_current(const hip_dev *hd)
{
    return HIP(hd, hipSetDevice(hd->ordinal), "hipSetDevice");
}

static accel_status not_open(const accel__device *dev)
{
    return ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "HIP device %d (%s) is not open",
                       dev->backend_index, dev->info.name);
}
#define OPEN_OR_FAIL(dev, hd)                                                               \
    hip_dev *hd = (dev)->impl;                                                              \
    if (!hd) return not_open(dev)

static void load_kernels(const accel__device *dev, hip_dev *hd)
{
    const unsigned char *data;
    size_t size;
    const char *archs;
    if (!accel__hip_codeobj(&data, &size, &archs)) {
        snprintf(hd->note, sizeof hd->note,
                 "no kernels: built without hipcc; install hipcc (Debian: apt-get install hipcc) "
                 "and rebuild");
        return;
    }
    if (HIP(hd, hipModuleLoadData(&hd->module, data), "hipModuleLoadData") != ACCEL_OK) {
        hd->module = NULL;
        snprintf(hd->note, sizeof hd->note,
                 "no kernels: the built-in code objects (%s) do not load on this %s GPU: %s; "
                 "rebuild with its target in ACCEL_HIP_ARCHS",
                 archs, dev->info.arch[0] ? dev->info.arch : "AMD", accel__last_error_text());
        return;
    }
    snprintf(hd->note, sizeof hd->note, "code objects %s, built in by hipcc", archs);
}

static accel__kernel *find_kernel(hip_dev *hd, const char *name)
{
    pthread_mutex_lock(&hd->klock);
    accel__kernel *k = hd->kernels;
    while (k && strcmp(k->name, name) != 0) k = k->next;
    hipFunction_t fn = NULL;
    if (!k && hd->module && strlen(name) < sizeof k->name && make_current(hd) == ACCEL_OK &&
        hd->api->hipModuleGetFunction(&fn, hd->module, name) == ACCEL_HIP_SUCCESS &&
        (k = calloc(1, sizeof *k)) != NULL) {
        k->fn = fn;
        accel__strlcpy(k->name, name, sizeof k->name);
        k->next = hd->kernels;
        hd->kernels = k;
    }
    pthread_mutex_unlock(&hd->klock);
    return k;
}

static void hip_close(accel__device *dev);

static accel_status hip_open(accel__device *dev)
{
    if (dev->impl) return ACCEL_OK;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "open"));
    const accel__hip_api *api = NULL;
    FORWARD_IF_ERROR(accel__hip_api_load(&api));
    hip_dev *hd = calloc(1, sizeof *hd);
    RETURN_ERROR_IF(!hd, ACCEL_ERR_NO_MEMORY, "out of memory opening a HIP device");
    hd->api = api;
    hd->ordinal = dev->backend_index;
    pthread_mutex_init(&hd->klock, NULL);
    dev->impl = hd;
    accel_status st = HIP(hd, hipInit(0), "hipInit");
    if (st == ACCEL_OK) st = make_current(hd);
    if (st == ACCEL_OK) st = HIP(hd, hipStreamCreate(&hd->stream), "hipStreamCreate");
    if (st != ACCEL_OK) {
        char why[1024];
        accel__strlcpy(why, accel__last_error_text(), sizeof why);
        hip_close(dev);
        return ACCEL_ERROR(st, "HIP device %d: %s", dev->backend_index, why);
    }
    /* Every AMD GPU HIP supports allows 1024 work items per group and 64 KiB of LDS; the grid
     * limits are HIP's (and work items per dimension stay below 2^32, checked at launch).
     * Fixed values rather than hipDeviceGetAttribute, whose numbering changed across ROCm
     * releases. */
    hd->limits = (accel__gpu_limits){
        .max_threads = 1024u,
        .block_max = {1024u, 1024u, 1024u},
        .grid_max = {2147483647u, 65535u, 65535u},
        .max_shared = 65536u,
    };
    double t0 = accel__now_ms();
    load_kernels(dev, hd);
    ACCEL_LOG_INFO("HIP device %d: kernels in %.1f ms: %s", dev->backend_index,
                   accel__now_ms() - t0, hd->note);
    accel__clear_error();
    return ACCEL_OK;
}

static void hip_close(accel__device *dev)
{
    hip_dev *hd = dev->impl;
    if (!hd) return;
    if (hd->stream || hd->module) {
        hd->api->hipSetDevice(hd->ordinal);
        if (hd->module) hd->api->hipModuleUnload(hd->module);
        if (hd->stream) hd->api->hipStreamDestroy(hd->stream);
    }
    while (hd->kernels) {
        accel__kernel *k = hd->kernels;
        hd->kernels = k->next;
        free(k);
    }
    pthread_mutex_destroy(&hd->klock);
    free(hd);
    dev->impl = NULL;
}

static accel_status hip_mem_info(accel__device *dev, int64_t *free_b, int64_t *total_b)
{
    OPEN_OR_FAIL(dev, hd);
    FORWARD_IF_ERROR(make_current(hd));
    size_t f = 0, t = 0;
    FORWARD_IF_ERROR(HIP(hd, hipMemGetInfo(&f, &t), "hipMemGetInfo"));
    *free_b = (int64_t)f;
    *total_b = (int64_t)t;
    return ACCEL_OK;
}

static accel_status hip_alloc(accel__device *dev, size_t bytes, accel__buffer **out)
{
    *out = NULL;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "alloc"));
    OPEN_OR_FAIL(dev, hd);
    accel__buffer *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of host memory for a buffer handle");
    b->bytes = bytes;
    if (bytes) {
        accel_status st = make_current(hd);
        if (st == ACCEL_OK) st = HIP(hd, hipMalloc(&b->ptr, bytes), "hipMalloc");
        if (st != ACCEL_OK) {
            free(b);
            return ACCEL_ERROR(st, "HIP device %d: cannot allocate %zu bytes: %s",
                               dev->backend_index, bytes, accel__last_error_text());
        }
    }
    *out = b;
    return ACCEL_OK;
}

static void hip_free(accel__device *dev, accel__buffer *b)
{
    hip_dev *hd = dev->impl;
    if (!b) return;
    if (hd && b->ptr && !b->borrowed && make_current(hd) == ACCEL_OK) hd->api->hipFree(b->ptr);
    free(b);
}

/* Device memory handed to the caller (accel_device_alloc). */
static accel_status hip_mem_alloc(accel__device *dev, size_t bytes, void **ptr)
{
    *ptr = NULL;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "alloc"));
    OPEN_OR_FAIL(dev, hd);
    FORWARD_IF_ERROR(make_current(hd));
    accel_status st = HIP(hd, hipMalloc(ptr, bytes ? bytes : 1), "hipMalloc");
    if (st != ACCEL_OK)
        return ACCEL_ERROR(st, "HIP device %d: cannot allocate %zu bytes: %s", dev->backend_index,
                           bytes, accel__last_error_text());
    return ACCEL_OK;
}

static void hip_mem_free(accel__device *dev, void *ptr)
{
    hip_dev *hd = dev->impl;
    if (hd && ptr && make_current(hd) == ACCEL_OK) hd->api->hipFree(ptr);
}

static accel_status hip_wrap(accel__device *dev, void *ptr, size_t bytes, accel__buffer **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, hd);
    (void)hd;
    accel__buffer *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of host memory for a buffer handle");
    b->ptr = ptr;
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
                    "%s: bytes [%zu, %zu + %zu) outside a %zu-byte buffer on HIP device %d", what,
                    off, off, n, b->bytes, dev->backend_index);
    return ACCEL_OK;
}

static accel_status hip_h2d(accel__device *dev, accel__buffer *dst, size_t off, const void *src,
                            size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, hd);
    FORWARD_IF_ERROR(check_range(dev, dst, off, n, "copy to device"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(make_current(hd));
    /* hipMemcpyHtoD takes a non-const source; it only reads it. */
    return HIP(hd, hipMemcpyHtoD((char *)dst->ptr + off, (void *)src, n), "hipMemcpyHtoD");
}

static accel_status hip_d2h(accel__device *dev, void *dst, accel__buffer *src, size_t off,
                            size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, hd);
    FORWARD_IF_ERROR(check_range(dev, src, off, n, "copy from device"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(make_current(hd));
    return HIP(hd, hipMemcpyDtoH(dst, (char *)src->ptr + off, n), "hipMemcpyDtoH");
}

static accel_status hip_d2d(accel__device *dev, accel__buffer *dst, size_t doff,
                            accel__buffer *src, size_t soff, size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, hd);
    FORWARD_IF_ERROR(check_range(dev, dst, doff, n, "device copy destination"));
    FORWARD_IF_ERROR(check_range(dev, src, soff, n, "device copy source"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(make_current(hd));
    return HIP(hd, hipMemcpyDtoD((char *)dst->ptr + doff, (char *)src->ptr + soff, n),
               "hipMemcpyDtoD");
}

static accel_status hip_host_alloc(accel__device *dev, size_t bytes, void **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, hd);
    FORWARD_IF_ERROR(make_current(hd));
    accel_status st = HIP(hd, hipHostMalloc(out, bytes ? bytes : 1, 0), "hipHostMalloc");
    if (st == ACCEL_ERR_DEVICE_OOM)
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "cannot pin %zu bytes of host memory: %s", bytes,
                           accel__last_error_text());
    return st;
}

static void hip_host_free(accel__device *dev, void *p)
{
    hip_dev *hd = dev->impl;
    if (hd && p && make_current(hd) == ACCEL_OK) hd->api->hipHostFree(p);
}

static accel_status hip_kernel_get(accel__device *dev, const char *name, accel__kernel **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, hd);
    RETURN_ERROR_IF(!name, ACCEL_ERR_INVALID_ARG, "kernel name is NULL");
    FORWARD_IF_ERROR(make_current(hd));
    *out = find_kernel(hd, name);
    RETURN_ERROR_IF(!*out, ACCEL_ERR_UNSUPPORTED, "HIP device %d has no kernel %s (%s)",
                    dev->backend_index, name, hd->note);
    return ACCEL_OK;
}

static uint64_t buffer_addr(const accel__buffer *b) { return (uint64_t)(uintptr_t)b->ptr; }

static accel_status hip_launch(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                               const accel__arg *args, int n_args)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "launch"));
    OPEN_OR_FAIL(dev, hd);
    RETURN_ERROR_IF(!k || !geom, ACCEL_ERR_INVALID_ARG, "launch: NULL kernel or geometry");
    unsigned grid[3], block[3];
    int empty = 0;
    FORWARD_IF_ERROR(accel__gpu_grid(&hd->limits, geom, grid, block, &empty));
    for (int d = 0; d < 3; d++)
        RETURN_ERROR_IF((uint64_t)grid[d] * block[d] > 0xffffffffull, ACCEL_ERR_INVALID_ARG,
                        "launch of %s: %u groups of %u in dimension %d exceed HIP's 2^32 work "
                        "items",
                        k->name, grid[d], block[d], d);
    accel__gpu_param vals[ACCEL__GPU_MAX_ARGS];
    void *params[ACCEL__GPU_MAX_ARGS + 1];
    size_t shared = 0;
    FORWARD_IF_ERROR(accel__gpu_pack_args(&hd->limits, k->name, args, n_args, buffer_addr, vals,
                                          params, &shared));
    if (empty) return ACCEL_OK;
    FORWARD_IF_ERROR(make_current(hd));
    return HIP_K(hd, hipModuleLaunchKernel(k->fn, grid[0], grid[1], grid[2], block[0], block[1],
                                           block[2], (unsigned)shared, hd->stream, params, NULL),
                 k->name);
}

static accel_status hip_synchronize(accel__device *dev)
{
    OPEN_OR_FAIL(dev, hd);
    FORWARD_IF_ERROR(make_current(hd));
    return HIP_K(hd, hipStreamSynchronize(hd->stream), "hipStreamSynchronize");
}

/* The first kernel `op` needs that the device lacks, or NULL when it has them all. */
static const char *missing_kernel(hip_dev *hd, const accel__op *op)
{
    for (const char *const *k = op->kernels; k && *k; k++)
        if (!find_kernel(hd, *k)) return *k;
    return NULL;
}

static int hip_supports_op(const accel__device *dev, const char *name)
{
    hip_dev *hd = dev->impl;
    const accel__op *op = accel__op_find(name);
    return hd && op && op->run_device && !missing_kernel(hd, op);
}

static accel_status hip_run(accel__device *dev, const accel__op *op, void *call, size_t begin,
                            size_t end)
{
    OPEN_OR_FAIL(dev, hd);
    RETURN_ERROR_IF(!op->run_device, ACCEL_ERR_UNSUPPORTED, "%s has no device implementation",
                    op->name);
    const char *k = missing_kernel(hd, op);
    RETURN_ERROR_IF(k, ACCEL_ERR_UNSUPPORTED, "%s on HIP device %d: kernel %s missing (%s)",
                    op->name, dev->backend_index, k, hd->note);
    return op->run_device(dev, call, begin, end);
}

static accel_status hip_timer_start(accel__device *dev, void **timer)
{
    *timer = NULL;
    OPEN_OR_FAIL(dev, hd);
    FORWARD_IF_ERROR(make_current(hd));
    hip_timer *t = calloc(1, sizeof *t);
    RETURN_ERROR_IF(!t, ACCEL_ERR_NO_MEMORY, "out of memory for a timer");
    accel_status st = HIP(hd, hipEventCreate(&t->start), "hipEventCreate");
    if (st == ACCEL_OK) st = HIP(hd, hipEventCreate(&t->stop), "hipEventCreate");
    if (st == ACCEL_OK) st = HIP(hd, hipEventRecord(t->start, hd->stream), "hipEventRecord");
    if (st != ACCEL_OK) {
        if (t->start) hd->api->hipEventDestroy(t->start);
        if (t->stop) hd->api->hipEventDestroy(t->stop);
        free(t);
        return st;
    }
    *timer = t;
    return ACCEL_OK;
}

static accel_status hip_timer_stop(accel__device *dev, void *timer, double *ms)
{
    hip_timer *t = timer;
    *ms = -1;
    RETURN_ERROR_IF(!t, ACCEL_ERR_INVALID_ARG, "timer_stop: NULL timer");
    hip_dev *hd = dev->impl;
    accel_status st = hd ? make_current(hd) : not_open(dev);
    if (st == ACCEL_OK) st = HIP(hd, hipEventRecord(t->stop, hd->stream), "hipEventRecord");
    if (st == ACCEL_OK) st = HIP_K(hd, hipEventSynchronize(t->stop), "hipEventSynchronize");
    float f = 0;
    if (st == ACCEL_OK)
        st = HIP(hd, hipEventElapsedTime(&f, t->start, t->stop), "hipEventElapsedTime");
    if (st == ACCEL_OK) *ms = f;
    if (hd) {
        hd->api->hipEventDestroy(t->start);
        hd->api->hipEventDestroy(t->stop);
    }
    free(t);
    return st;
}

static const char *hip_kernel_note(const accel__device *dev)
{
    const hip_dev *hd = dev->impl;
    if (hd) return hd->note;
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
    .name = "hip",
    .open = hip_open,
    .close = hip_close,
    .mem_info = hip_mem_info,
    .buffer_alloc = hip_alloc,
    .buffer_free = hip_free,
    .copy_h2d = hip_h2d,
    .copy_d2h = hip_d2h,
    .copy_d2d = hip_d2d,
    .host_alloc = hip_host_alloc,
    .host_free = hip_host_free,
    .kernel_get = hip_kernel_get,
    .launch = hip_launch,
    .synchronize = hip_synchronize,
    .supports_op = hip_supports_op,
    .run = hip_run,
    .timer_start = hip_timer_start,
    .timer_stop = hip_timer_stop,
    .kernel_note = hip_kernel_note,
    .precision = hip_precision,
    .mem_alloc = hip_mem_alloc,
    .mem_free = hip_mem_free,
    .buffer_wrap = hip_wrap,
};
