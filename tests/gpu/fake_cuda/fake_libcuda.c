/* fake_libcuda.c — a stand-in libcuda.so.1 that lets the CUDA backend's own code run on a
 * machine without a GPU: device memory is host memory, streams run in order at once, and a
 * launch of ak_fill_f32 runs the kernel's plain-C build (the same basic.kern, through the
 * dialect's C branch) over the grid and block the backend asked for, reading its arguments
 * through the parameter pointers exactly as the driver does.
 *
 * It is strict where the real driver is: calls that need a context fail with
 * CUDA_ERROR_INVALID_CONTEXT unless the calling thread made one current; copies must stay
 * inside one allocation (CUDA_ERROR_INVALID_VALUE otherwise); allocations beyond the fake's
 * 256 MiB fail with CUDA_ERROR_OUT_OF_MEMORY; module images must look like a fatbin, an ELF
 * cubin or PTX text, and a function exists only when its name is in the image. It reports one
 * device of compute capability 9.0. Only the test suite builds it. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialect.h"
/* the fake runs only ak_fill_f32; the other kernels of the family are compiled, not called */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "basic.kern"
#pragma GCC diagnostic pop

_Thread_local ak_c_item ak_c_current;

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
};

#define FAKE_TOTAL (256ull << 20)
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
    unsigned char *p;
    size_t n;
    int pinned;
    struct alloc *next;
} alloc;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;
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

EXPORT CUresult cuInit(unsigned flags)
{
    if (flags) return INVALID_VALUE;
    initialised = 1;
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
    *s = e >= 0 && e < 4 ? names[e][0]
         : e == INVALID_CONTEXT ? "CUDA_ERROR_INVALID_CONTEXT"
         : e == INVALID_IMAGE   ? "CUDA_ERROR_INVALID_IMAGE"
         : e == NOT_FOUND       ? "CUDA_ERROR_NOT_FOUND"
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
    case 8: *v = 49152; break; /* shared memory per block */
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
    *b = FAKE_TOTAL;
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
EXPORT CUresult cuCtxCreate_v2(struct CUctx_st **c, unsigned flags, int dev)
{
    (void)flags;
    return cuDevicePrimaryCtxRetain(c, dev);
}
EXPORT CUresult cuCtxDestroy_v2(struct CUctx_st *c)
{
    (void)c;
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
    *f = FAKE_TOTAL - used;
    *t = FAKE_TOTAL;
    pthread_mutex_unlock(&lock);
    return OK;
}

static CUresult add_alloc(void **p, size_t n, int pinned)
{
    if (n == 0) return INVALID_VALUE;
    pthread_mutex_lock(&lock);
    int oom = !pinned && n > FAKE_TOTAL - used;
    pthread_mutex_unlock(&lock);
    if (oom) return OUT_OF_MEMORY;
    alloc *a = calloc(1, sizeof *a);
    if (!a || !(a->p = malloc(n))) {
        free(a);
        return OUT_OF_MEMORY;
    }
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
        free(a->p);
        free(a);
        return OK;
    }
    pthread_mutex_unlock(&lock);
    return INVALID_VALUE;
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

EXPORT CUresult cuLaunchKernel(struct CUfunc_st *f, unsigned gx, unsigned gy, unsigned gz,
                               unsigned bx, unsigned by, unsigned bz, unsigned shared,
                               struct CUstream_st *s, void **params, void **extra)
{
    (void)s;
    NEED_CTX();
    if (!f || extra || !params) return INVALID_VALUE;
    if (!gx || !gy || !gz || !bx || !by || !bz || (unsigned long long)bx * by * bz > 1024 ||
        bz > 64 || gy > 65535 || gz > 65535 || shared > 49152)
        return INVALID_VALUE;
    if (strcmp(f->name, "ak_fill_f32") != 0) return NOT_FOUND; /* no C build of others here */
    float *y = (float *)(uintptr_t)*(CUdeviceptr *)params[0];
    int n = *(int *)params[1];
    float v = *(float *)params[2];
    if (n > 0 && !find(y, (size_t)n * sizeof *y, 0)) return 700; /* an illegal address */
    unsigned g[3] = {gx, gy, gz}, b[3] = {bx, by, bz};
    for (unsigned z = 0; z < gz * bz; z++)
        for (unsigned yy = 0; yy < gy * by; yy++)
            for (unsigned x = 0; x < gx * bx; x++) {
                unsigned id[3] = {x, yy, z};
                for (int d = 0; d < 3; d++) {
                    ak_c_current.global_id[d] = (int)id[d];
                    ak_c_current.local_id[d] = (int)(id[d] % b[d]);
                    ak_c_current.group_id[d] = (int)(id[d] / b[d]);
                    ak_c_current.local_size[d] = (int)b[d];
                    ak_c_current.num_groups[d] = (int)g[d];
                }
                ak_fill_f32(y, n, v);
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
