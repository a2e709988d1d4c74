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
 * no C build of, a wrong argument count, a pointer argument outside device memory
 * (CUDA_ERROR_ILLEGAL_ADDRESS) or misaligned for its type, a divergent barrier
 * (CUDA_ERROR_LAUNCH_FAILED), and a kernel writing past either end of an allocation (each has
 * 256 guard bytes on both sides, checked after every launch: CUDA_ERROR_ILLEGAL_ADDRESS) each
 * fail the launch with a line on stderr naming the kernel. Device memory starts filled with
 * bytes 0xFF (NaN as floats), so a result read from memory nothing wrote shows.
 *
 * One device of compute capability 9.0 with ACCEL_FAKE_GPU_MEMORY_MB of memory (default 256,
 * read at cuInit). ACCEL_FAKE_GPU_STOLEN_MB (read at every allocation) plays another process
 * that holds that much of it without cuMemGetInfo knowing: allocations fail with
 * CUDA_ERROR_OUT_OF_MEMORY beyond what is left, as when memory is taken between a plan and
 * the allocations, so the executor's out-of-memory path runs. ACCEL_FAKE_GPU_TRACE=1 prints
 * every launch (kernel, grid, block) on stderr. Only the test suite builds it. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel_runner.h"

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
#define GUARD 256 /* bytes before and after every allocation; also its alignment, as cuMemAlloc's */
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
    struct CUfunc_st funcs[16];
    int n_funcs;
};
struct CUstream_st {
    int unused;
};
struct CUevent_st {
    double ms;
};

typedef struct alloc {
    unsigned char *base; /* GUARD bytes, then p[0..n), then GUARD bytes */
    unsigned char *p;
    size_t n;
    int pinned;
    struct alloc *next;
} alloc;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;
static size_t total = 256ull << 20;
static struct CUctx_st primary;
static alloc *allocs;
static size_t used;
static _Thread_local struct CUctx_st *current;

static int have_ctx(void) { return current == &primary && primary.refs > 0; }
#define NEED_CTX()                                                                          \
    do {                                                                                    \
        if (!initialised) return NOT_INITIALIZED;                                           \
        if (!have_ctx()) return INVALID_CONTEXT;                                            \
    } while (0)

/* The allocation holding [p, p + n), or NULL. */
static alloc *find(const void *p, size_t n, int pinned_ok)
{
    const unsigned char *q = p;
    pthread_mutex_lock(&lock);
    alloc *a = allocs;
    for (; a; a = a->next)
        if ((!a->pinned || pinned_ok) && q >= a->p && q <= a->p + a->n && n <= (size_t)(a->p + a->n - q))
            break;
    pthread_mutex_unlock(&lock);
    return a;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A size in MiB from the environment, or `dflt`. */
static size_t env_mib(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long long mb = v && *v ? strtoull(v, &end, 10) : 0;
    if (!v || !*v || *end || mb > (1ull << 24)) return dflt;
    return (size_t)mb << 20;
}

EXPORT CUresult cuInit(unsigned flags)
{
    if (flags) return INVALID_VALUE;
    pthread_mutex_lock(&lock);
    if (!initialised) total = env_mib("ACCEL_FAKE_GPU_MEMORY_MB", 256ull << 20);
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
    *b = total;
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
    pthread_mutex_lock(&lock);
    *f = total - used;
    *t = total;
    pthread_mutex_unlock(&lock);
    return OK;
}

static CUresult add_alloc(void **p, size_t n, int pinned)
{
    if (n == 0) return INVALID_VALUE;
    size_t stolen = pinned ? 0 : env_mib("ACCEL_FAKE_GPU_STOLEN_MB", 0);
    pthread_mutex_lock(&lock);
    int oom = !pinned && (n > total - used || stolen > total - used - n);
    pthread_mutex_unlock(&lock);
    if (oom || n > SIZE_MAX - 3 * GUARD) return OUT_OF_MEMORY;
    size_t whole = (n + 2 * GUARD + GUARD - 1) / GUARD * GUARD;
    alloc *a = calloc(1, sizeof *a);
    if (!a || !(a->base = aligned_alloc(GUARD, whole))) {
        free(a);
        return OUT_OF_MEMORY;
    }
    memset(a->base, 0xFF, whole); /* guards, and contents nothing has written yet */
    a->p = a->base + GUARD;
    a->n = n;
    a->pinned = pinned;
    pthread_mutex_lock(&lock);
    a->next = allocs;
    allocs = a;
    if (!pinned) used += n;
    pthread_mutex_unlock(&lock);
    *p = a->p;
    return OK;
}

static CUresult drop_alloc(void *p, int pinned)
{
    pthread_mutex_lock(&lock);
    for (alloc **pp = &allocs; *pp; pp = &(*pp)->next) {
        alloc *a = *pp;
        if (a->p != p || a->pinned != pinned) continue;
        *pp = a->next;
        if (!pinned) used -= a->n;
        pthread_mutex_unlock(&lock);
        free(a->base);
        free(a);
        return OK;
    }
    pthread_mutex_unlock(&lock);
    return INVALID_VALUE;
}

/* The first device allocation whose guard bytes a kernel changed, or NULL; *at is the first
 * changed byte's offset from the allocation's start (negative: before it). The guards are
 * restored, so the damage is reported once. */
static alloc *damaged_guard(long long *at)
{
    pthread_mutex_lock(&lock);
    alloc *a = allocs;
    for (; a; a = a->next) {
        if (a->pinned) continue;
        size_t tail = (a->n + 2 * GUARD + GUARD - 1) / GUARD * GUARD - GUARD - a->n;
        const unsigned char *g[2] = {a->base, a->p + a->n};
        size_t len[2] = {GUARD, tail}, i;
        for (int k = 0; k < 2; k++) {
            for (i = 0; i < len[k] && g[k][i] == 0xFF; i++) continue;
            if (i == len[k]) continue;
            *at = k == 0 ? (long long)i - GUARD : (long long)(a->n + i);
            memset(a->base, 0xFF, GUARD);
            memset(a->p + a->n, 0xFF, tail);
            pthread_mutex_unlock(&lock);
            return a;
        }
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n)
{
    NEED_CTX();
    void *q = NULL;
    CUresult r = add_alloc(&q, n, 0);
    if (r == OK) *p = (CUdeviceptr)(uintptr_t)q;
    return r;
}
EXPORT CUresult cuMemFree_v2(CUdeviceptr p)
{
    NEED_CTX();
    return drop_alloc((void *)(uintptr_t)p, 0);
}
EXPORT CUresult cuMemAllocHost_v2(void **p, size_t n)
{
    NEED_CTX();
    return add_alloc(p, n, 1);
}
EXPORT CUresult cuMemFreeHost(void *p)
{
    NEED_CTX();
    return drop_alloc(p, 1);
}

static CUresult copy(void *dst, const void *src, size_t n, int dst_dev, int src_dev)
{
    NEED_CTX();
    if ((dst_dev && !find(dst, n, 0)) || (src_dev && !find(src, n, 0))) return INVALID_VALUE;
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
    if (!find((void *)(uintptr_t)dst, n, 0)) return INVALID_VALUE;
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
    if (k == 0 || k >= sizeof m->funcs[0].name || m->n_funcs == 16) return NOT_FOUND;
    for (size_t i = 0; i + k <= m->size; i++) {
        if (memcmp(m->image + i, name, k) != 0) continue;
        struct CUfunc_st *fn = &m->funcs[m->n_funcs++];
        memcpy(fn->name, name, k + 1);
        *f = fn;
        return OK;
    }
    return NOT_FOUND;
}

static int in_device_memory(const void *p, size_t n, void *user)
{
    (void)user;
    return find(p, n, 0) != NULL;
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
    akr_launch l = {{gx, gy, gz}, {bx, by, bz}, shared, SHARED_PER_BLOCK, params,
                    in_device_memory, NULL};
    const char *trace = getenv("ACCEL_FAKE_GPU_TRACE");
    if (trace && strcmp(trace, "1") == 0)
        fprintf(stderr, "fake libcuda: launch %s grid (%u, %u, %u) block (%u, %u, %u)\n",
                f->name, gx, gy, gz, bx, by, bz);
    char why[512];
    akr_status st = akr_launch_kernel(f->name, &l, why, sizeof why);
    if (st != AKR_OK) {
        fprintf(stderr, "fake libcuda: cuLaunchKernel: %s\n", why);
        return launch_result(st);
    }
    long long at = 0;
    alloc *a = damaged_guard(&at);
    if (a) {
        fprintf(stderr,
                "fake libcuda: cuLaunchKernel: %s wrote outside the %zu-byte allocation at %p, "
                "at byte offset %lld\n",
                f->name, a->n, (void *)a->p, at);
        return ILLEGAL_ADDRESS;
    }
    return OK;
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
    e->ms = now_ms();
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
