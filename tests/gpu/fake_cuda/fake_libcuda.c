/* fake_libcuda.c — a stand-in libcuda.so.1 that lets the CUDA backend's own code run on a
 * machine without a GPU: device memory is host memory, streams run in order at once, and a
 * launch runs the kernel's plain-C build (the same src/kernels/<family>.kern, through the
 * dialect's C branch) over the grid and blocks the backend asked for, with barriers and shared
 * memory as on a GPU (the kernel runner, tests/gpu/fake_gpu), reading its arguments through
 * the parameter pointers exactly as the driver does.
 *
 * It is strict where the real driver is: calls that need a context fail with
 * CUDA_ERROR_INVALID_CONTEXT unless the calling thread made one current; copies must stay
 * inside one allocation (CUDA_ERROR_INVALID_VALUE otherwise); module images must look like a
 * fatbin, an ELF cubin or PTX text, and a function exists only when its name is in the image;
 * launches respect the block limits and 48 KiB of shared memory per block (static + dynamic).
 * And stricter, to find host-code bugs a GPU would turn into garbage: a kernel the runner has
 * no C build of (CUDA_ERROR_NOT_FOUND), a wrong argument count (CUDA_ERROR_INVALID_VALUE), a
 * pointer argument outside device memory or a write past either end of an allocation
 * (CUDA_ERROR_ILLEGAL_ADDRESS), a pointer misaligned for its type
 * (CUDA_ERROR_MISALIGNED_ADDRESS) and a divergent barrier (CUDA_ERROR_LAUNCH_FAILED) each fail
 * the launch with a line on stderr naming the kernel.
 *
 * One device of compute capability 9.0. Its memory, the memory "another process" takes, the
 * guard bytes and the launch trace are tests/gpu/fake_gpu/fake_device.h's
 * (ACCEL_FAKE_GPU_MEMORY_MB, ACCEL_FAKE_GPU_STOLEN_MB, ACCEL_FAKE_GPU_TRACE). Only the test
 * suite builds it. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_device.h"

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum {
    OK = 0,
    INVALID_VALUE = 1,
    OUT_OF_MEMORY = 2,
    NOT_INITIALIZED = 3,
    INVALID_DEVICE = 101,
    INVALID_IMAGE = 200,
    INVALID_CONTEXT = 201,
    INVALID_HANDLE = 400,
    NOT_FOUND = 500,
    ILLEGAL_ADDRESS = 700,
    LAUNCH_OUT_OF_RESOURCES = 701,
    MISALIGNED_ADDRESS = 716,
    LAUNCH_FAILED = 719,
};

#define SHARED_PER_BLOCK 49152
#define MAX_FUNCS 128
#define EXPORT __attribute__((visibility("default")))

struct CUctx_st {
    int refs;
};
struct CUfunc_st {
    char name[64];
};
struct CUmod_st {
    unsigned char *image; /* a copy, as the driver makes */
    size_t size;
    struct CUfunc_st funcs[MAX_FUNCS]; /* the functions looked up so far */
    int n_funcs;
};
struct CUstream_st {
    int unused;
};
struct CUevent_st {
    double ms;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;
static struct CUctx_st primary;
static _Thread_local struct CUctx_st *current;

static int have_ctx(void) { return current == &primary && primary.refs > 0; }
#define NEED_CTX()                                                                          \
    do {                                                                                    \
        if (!initialised) return NOT_INITIALIZED;                                           \
        if (!have_ctx()) return INVALID_CONTEXT;                                            \
    } while (0)

EXPORT CUresult cuInit(unsigned flags)
{
    if (flags) return INVALID_VALUE;
    pthread_mutex_lock(&lock);
    initialised = 1;
    pthread_mutex_unlock(&lock);
    return OK;
}
/* NVRTC 13 loads libcuda.so.1 itself when it can and asks it for private tables; a fake has
 * none to give, and says so the way a driver without a table does. */
EXPORT CUresult cuGetExportTable(const void **table, const void *id)
{
    (void)id;
    if (table) *table = NULL;
    return 801; /* CUDA_ERROR_NOT_SUPPORTED */
}
EXPORT CUresult cuDriverGetVersion(int *v)
{
    *v = 13000;
    return OK;
}

static const char *names[][2] = {
    {"CUDA_SUCCESS", "no error"},
    {"CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {"CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {"CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
};
EXPORT CUresult cuGetErrorName(CUresult e, const char **s)
{
    *s = e >= 0 && e < 4                ? names[e][0]
         : e == INVALID_CONTEXT         ? "CUDA_ERROR_INVALID_CONTEXT"
         : e == INVALID_IMAGE           ? "CUDA_ERROR_INVALID_IMAGE"
         : e == NOT_FOUND               ? "CUDA_ERROR_NOT_FOUND"
         : e == ILLEGAL_ADDRESS         ? "CUDA_ERROR_ILLEGAL_ADDRESS"
         : e == LAUNCH_OUT_OF_RESOURCES ? "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"
         : e == MISALIGNED_ADDRESS      ? "CUDA_ERROR_MISALIGNED_ADDRESS"
         : e == LAUNCH_FAILED           ? "CUDA_ERROR_LAUNCH_FAILED"
                                        : "CUDA_ERROR_UNKNOWN";
    return OK;
}
EXPORT CUresult cuGetErrorString(CUresult e, const char **s)
{
    *s = e >= 0 && e < 4 ? names[e][1] : "fake driver error";
    return OK;
}
EXPORT CUresult cuDeviceGetCount(int *n)
{
    if (!initialised) return NOT_INITIALIZED;
    *n = 1;
    return OK;
}
EXPORT CUresult cuDeviceGet(int *d, int ordinal)
{
    if (!initialised) return NOT_INITIALIZED;
    if (ordinal != 0) return INVALID_DEVICE;
    *d = 0;
    return OK;
}
EXPORT CUresult cuDeviceGetName(char *name, int len, int dev)
{
    if (dev != 0) return INVALID_DEVICE;
    snprintf(name, (size_t)len, "accel fake CUDA device");
    return OK;
}
EXPORT CUresult cuDeviceGetAttribute(int *v, int attr, int dev)
{
    if (dev != 0) return INVALID_DEVICE;
    switch (attr) {
    case 1: *v = 1024; break;  /* max threads per block */
    case 8: *v = SHARED_PER_BLOCK; break; /* shared memory per block */
    case 16: *v = 4; break;    /* SMs */
    case 75: *v = 9; break;    /* cc major */
    case 76: *v = 0; break;    /* cc minor */
    default: *v = 0; break;
    }
    return OK;
}
EXPORT CUresult cuDeviceTotalMem_v2(size_t *b, int dev)
{
    if (dev != 0) return INVALID_DEVICE;
    *b = fake_total();
    return OK;
}
EXPORT CUresult cuDeviceGetPCIBusId(char *id, int len, int dev)
{
    if (dev != 0) return INVALID_DEVICE;
    snprintf(id, (size_t)len, "0000:42:00.0");
    return OK;
}
EXPORT CUresult cuDeviceGetUuid(void *uuid, int dev)
{
    if (dev != 0) return INVALID_DEVICE;
    memset(uuid, 0x42, 16);
    return OK;
}
EXPORT CUresult cuDevicePrimaryCtxRetain(struct CUctx_st **c, int dev)
{
    if (!initialised) return NOT_INITIALIZED;
    if (dev != 0) return INVALID_DEVICE;
    pthread_mutex_lock(&lock);
    primary.refs++;
    pthread_mutex_unlock(&lock);
    *c = &primary;
    return OK;
}
EXPORT CUresult cuDevicePrimaryCtxRelease_v2(int dev)
{
    if (dev != 0) return INVALID_DEVICE;
    pthread_mutex_lock(&lock);
    int bad = primary.refs <= 0;
    if (!bad) primary.refs--;
    pthread_mutex_unlock(&lock);
    return bad ? INVALID_CONTEXT : OK;
}
/* A created context is current on the calling thread, as the driver makes it. */
EXPORT CUresult cuCtxCreate_v2(struct CUctx_st **c, unsigned flags, int dev)
{
    (void)flags;
    CUresult r = cuDevicePrimaryCtxRetain(c, dev);
    if (r == OK) current = *c;
    return r;
}
EXPORT CUresult cuCtxDestroy_v2(struct CUctx_st *c)
{
    if (c != &primary) return INVALID_CONTEXT;
    if (current == c) current = NULL;
    return cuDevicePrimaryCtxRelease_v2(0);
}
EXPORT CUresult cuCtxSetCurrent(struct CUctx_st *c)
{
    if (c && c != &primary) return INVALID_CONTEXT;
    current = c;
    return OK;
}
EXPORT CUresult cuCtxSynchronize(void)
{
    NEED_CTX();
    return OK;
}
EXPORT CUresult cuMemGetInfo_v2(size_t *f, size_t *t)
{
    NEED_CTX();
    *t = fake_total();
    *f = *t - fake_used(0);
    return OK;
}

static CUresult alloc_result(fake_rc rc)
{
    return rc == FAKE_OK ? OK : rc == FAKE_OOM ? OUT_OF_MEMORY : INVALID_VALUE;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n)
{
    NEED_CTX();
    void *q = NULL;
    CUresult r = alloc_result(fake_alloc(0, n, &q));
    if (r == OK) *p = (CUdeviceptr)(uintptr_t)q;
    return r;
}
EXPORT CUresult cuMemFree_v2(CUdeviceptr p)
{
    NEED_CTX();
    return alloc_result(fake_free(0, (void *)(uintptr_t)p));
}
EXPORT CUresult cuMemAllocHost_v2(void **p, size_t n)
{
    NEED_CTX();
    return alloc_result(fake_alloc(FAKE_HOST, n, p));
}
EXPORT CUresult cuMemFreeHost(void *p)
{
    NEED_CTX();
    return alloc_result(fake_free(FAKE_HOST, p));
}

static CUresult copy(void *dst, const void *src, size_t n, int dst_dev, int src_dev)
{
    NEED_CTX();
    if ((dst_dev && !fake_in_device(0, dst, n)) || (src_dev && !fake_in_device(0, src, n)))
        return INVALID_VALUE;
    memmove(dst, src, n);
    return OK;
}
EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n)
{
    return copy((void *)(uintptr_t)dst, src, n, 1, 0);
}
EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n)
{
    return copy(dst, (const void *)(uintptr_t)src, n, 0, 1);
}
EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n)
{
    return copy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n, 1, 1);
}
EXPORT CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char v, size_t n)
{
    NEED_CTX();
    if (!fake_in_device(0, (void *)(uintptr_t)dst, n)) return INVALID_VALUE;
    memset((void *)(uintptr_t)dst, v, n);
    return OK;
}

/* Size of an image the driver would accept: fatbin (header + body), ELF (up to the end of its
 * section headers), PTX (text). 0 when it is none of them. */
static size_t image_size(const unsigned char *p)
{
    static const unsigned char fatbin[4] = {0x50, 0xed, 0x55, 0xba};
    if (memcmp(p, fatbin, 4) == 0) {
        uint16_t hdr;
        uint64_t body;
        memcpy(&hdr, p + 6, 2);
        memcpy(&body, p + 8, 8);
        return hdr + (size_t)body;
    }
    if (memcmp(p, "\177ELF", 4) == 0 && p[4] == 2) {
        uint64_t shoff;
        uint16_t shentsize, shnum;
        memcpy(&shoff, p + 0x28, 8);
        memcpy(&shentsize, p + 0x3a, 2);
        memcpy(&shnum, p + 0x3c, 2);
        return (size_t)shoff + (size_t)shentsize * shnum;
    }
    if (strstr((const char *)p, ".version") && strstr((const char *)p, ".target"))
        return strlen((const char *)p);
    return 0;
}

EXPORT CUresult cuModuleLoadData(struct CUmod_st **m, const void *image)
{
    NEED_CTX();
    if (!image) return INVALID_VALUE;
    size_t n = image_size(image);
    if (!n) return INVALID_IMAGE;
    struct CUmod_st *mod = calloc(1, sizeof *mod);
    if (!mod || !(mod->image = malloc(n))) {
        free(mod);
        return OUT_OF_MEMORY;
    }
    memcpy(mod->image, image, n);
    mod->size = n;
    *m = mod;
    return OK;
}
EXPORT CUresult cuModuleUnload(struct CUmod_st *m)
{
    NEED_CTX();
    if (!m) return INVALID_HANDLE;
    free(m->image);
    free(m);
    return OK;
}
EXPORT CUresult cuModuleGetFunction(struct CUfunc_st **f, struct CUmod_st *m, const char *name)
{
    NEED_CTX();
    if (!m || !name) return INVALID_VALUE;
    for (int i = 0; i < m->n_funcs; i++)
        if (strcmp(m->funcs[i].name, name) == 0) {
            *f = &m->funcs[i];
            return OK;
        }
    size_t k = strlen(name);
    if (k == 0 || k >= sizeof m->funcs[0].name) return NOT_FOUND;
    if (m->n_funcs == MAX_FUNCS) { /* the fake's limit, not the driver's: say so */
        fprintf(stderr, "fake libcuda: cuModuleGetFunction(%s): more than %d functions in one "
                "module\n", name, MAX_FUNCS);
        return NOT_FOUND;
    }
    for (size_t i = 0; i + k <= m->size; i++) {
        if (memcmp(m->image + i, name, k) != 0) continue;
        struct CUfunc_st *fn = &m->funcs[m->n_funcs++];
        memcpy(fn->name, name, k + 1);
        *f = fn;
        return OK;
    }
    return NOT_FOUND;
}

/* What the driver would answer for each way a launch can fail in the runner. */
static CUresult launch_result(akr_status st)
{
    switch (st) {
    case AKR_OK: return OK;
    case AKR_NOT_FOUND: return NOT_FOUND;
    case AKR_BAD_ARGS: return INVALID_VALUE;
    case AKR_BAD_POINTER: return ILLEGAL_ADDRESS;
    case AKR_MISALIGNED: return MISALIGNED_ADDRESS;
    case AKR_SHARED_LIMIT: return INVALID_VALUE;
    case AKR_DIVERGENT: return LAUNCH_FAILED;
    case AKR_NO_MEMORY: return LAUNCH_OUT_OF_RESOURCES;
    }
    return LAUNCH_FAILED;
}

EXPORT CUresult cuLaunchKernel(struct CUfunc_st *f, unsigned gx, unsigned gy, unsigned gz,
                               unsigned bx, unsigned by, unsigned bz, unsigned shared,
                               struct CUstream_st *s, void **params, void **extra)
{
    (void)s;
    NEED_CTX();
    if (!f || extra || !params) return INVALID_VALUE;
    if (!gx || !gy || !gz || !bx || !by || !bz || (unsigned long long)bx * by * bz > 1024 ||
        bz > 64 || gy > 65535 || gz > 65535 || shared > SHARED_PER_BLOCK)
        return INVALID_VALUE;
    const unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
    return launch_result(fake_launch("fake libcuda: cuLaunchKernel", 0, f->name, grid, block,
                                     shared, SHARED_PER_BLOCK, params));
}

EXPORT CUresult cuStreamCreate(struct CUstream_st **s, unsigned flags)
{
    NEED_CTX();
    if (flags > 1) return INVALID_VALUE;
    *s = calloc(1, sizeof **s);
    return *s ? OK : OUT_OF_MEMORY;
}
EXPORT CUresult cuStreamDestroy_v2(struct CUstream_st *s)
{
    NEED_CTX();
    free(s);
    return OK;
}
EXPORT CUresult cuStreamSynchronize(struct CUstream_st *s)
{
    (void)s;
    NEED_CTX();
    return OK;
}
EXPORT CUresult cuEventCreate(struct CUevent_st **e, unsigned flags)
{
    (void)flags;
    NEED_CTX();
    *e = calloc(1, sizeof **e);
    if (*e) (*e)->ms = -1;
    return *e ? OK : OUT_OF_MEMORY;
}
EXPORT CUresult cuEventDestroy_v2(struct CUevent_st *e)
{
    free(e);
    return OK;
}
EXPORT CUresult cuEventRecord(struct CUevent_st *e, struct CUstream_st *s)
{
    (void)s;
    NEED_CTX();
    if (!e) return INVALID_HANDLE;
    e->ms = fake_now_ms();
    return OK;
}
EXPORT CUresult cuEventSynchronize(struct CUevent_st *e)
{
    NEED_CTX();
    return e && e->ms >= 0 ? OK : INVALID_HANDLE;
}
EXPORT CUresult cuEventElapsedTime(float *ms, struct CUevent_st *a, struct CUevent_st *b)
{
    NEED_CTX();
    if (!a || !b || a->ms < 0 || b->ms < 0) return INVALID_HANDLE;
    *ms = (float)(b->ms - a->ms);
    return OK;
}
