/* fake_libamdhip64.c — a stand-in HIP runtime (libamdhip64.so) that lets the HIP backend's own
 * code run on a machine without an AMD GPU, as tests/gpu/fake_cuda does for CUDA: device
 * memory is host memory, streams run in order at once, and a launch runs the kernel's plain-C
 * build through the kernel runner (tests/gpu/fake_gpu) over the grid and blocks asked for,
 * reading its arguments through the parameter pointers as hipModuleLaunchKernel does.
 *
 * Its devices are the two GPUs of the captured sysfs tree tests/data/sysfs-amd (discovery
 * lists AMD GPUs from sysfs and matches them to the runtime's by PCI bus id):
 *     0  AMD Instinct MI210     0000:03:00.0  gfx90a
 *     1  AMD Radeon RX 6800 XT  0000:23:00.0  gfx1030
 * HIP_VISIBLE_DEVICES (indices only) selects and orders them as the runtime does: parsing
 * stops at the first entry that is not a valid, new index; an empty value hides them all.
 *
 * Strict where the runtime is: hipInit first; the calling thread's current device
 * (hipSetDevice) owns allocations, copies and modules; copies stay inside one allocation of
 * that device (hipErrorInvalidValue); hipModuleLoadData takes a clang offload bundle and
 * answers hipErrorNoBinaryForGpu when it has no code object for the device's target, and a
 * function exists only when its name is in that code object; launches allow 1024 work items
 * per block and 64 KiB of shared memory (static + dynamic). Stricter, as the fake libcuda:
 * the kernel runner's and fake_device.h's checks (argument count, pointers, misalignment,
 * divergent barriers, writes outside an allocation) fail the launch with a line on stderr,
 * as hipErrorNotFound, hipErrorInvalidValue, hipErrorIllegalAddress or hipErrorLaunchFailure.
 *
 * Not faked: UUIDs in the visibility variables, ROCR_VISIBLE_DEVICES, peer access, device
 * properties (the backend reads none), and anything about timing (events measure the host).
 * Memory size, "stolen" memory and the launch trace: fake_device.h. Only the test suite
 * builds it. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_device.h"

typedef int hipError_t;

enum {
    OK = 0,
    INVALID_VALUE = 1,
    OUT_OF_MEMORY = 2,
    NOT_INITIALIZED = 3,
    NO_DEVICE = 100,
    INVALID_DEVICE = 101,
    INVALID_IMAGE = 200,
    NO_BINARY_FOR_GPU = 209,
    INVALID_HANDLE = 400,
    NOT_FOUND = 500,
    ILLEGAL_ADDRESS = 700,
    LAUNCH_OUT_OF_RESOURCES = 701,
    LAUNCH_FAILURE = 719,
};

#define MAX_THREADS 1024
#define SHARED_PER_BLOCK 65536
#define MAX_FUNCS 128
#define EXPORT __attribute__((visibility("default")))

static const struct {
    const char *name, *pci, *arch;
} gpus[] = {
    {"AMD Instinct MI210", "0000:03:00.0", "gfx90a"},
    {"AMD Radeon RX 6800 XT", "0000:23:00.0", "gfx1030"},
};
#define N_GPUS ((int)(sizeof gpus / sizeof *gpus))

struct ihipModuleSymbol_t {
    char name[64];
    int dev;
};
struct ihipModule_t {
    unsigned char *code; /* a copy of the device's code object */
    size_t size;
    int dev;
    struct ihipModuleSymbol_t funcs[MAX_FUNCS]; /* the functions looked up so far */
    int n_funcs;
};
struct ihipStream_t {
    int dev;
};
struct ihipEvent_t {
    double ms;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;
static int visible[N_GPUS], n_visible; /* runtime ordinal -> index in gpus[] */
static _Thread_local int current;     /* the thread's device (an ordinal) */

/* HIP_VISIBLE_DEVICES: indices, in order, up to the first that is not a new valid one. */
static void read_visible(void)
{
    const char *v = getenv("HIP_VISIBLE_DEVICES");
    n_visible = 0;
    if (!v) {
        for (int i = 0; i < N_GPUS; i++) visible[n_visible++] = i;
        return;
    }
    while (*v && n_visible < N_GPUS) {
        char *end = NULL;
        long k = strtol(v, &end, 10);
        if (end == v || k < 0 || k >= N_GPUS) break;
        int dup = 0;
        for (int i = 0; i < n_visible; i++) dup |= visible[i] == (int)k;
        if (dup) break;
        visible[n_visible++] = (int)k;
        if (*end != ',') break;
        v = end + 1;
    }
}

#define NEED_INIT()                                                                         \
    do {                                                                                    \
        if (!initialised) return NOT_INITIALIZED;                                           \
    } while (0)
#define NEED_DEVICE(ord)                                                                    \
    do {                                                                                    \
        NEED_INIT();                                                                        \
        if ((ord) < 0 || (ord) >= n_visible) return INVALID_DEVICE;                         \
    } while (0)

EXPORT hipError_t hipInit(unsigned flags)
{
    if (flags) return INVALID_VALUE;
    pthread_mutex_lock(&lock);
    if (!initialised) read_visible();
    initialised = 1;
    pthread_mutex_unlock(&lock);
    return OK;
}
EXPORT hipError_t hipDriverGetVersion(int *v)
{
    *v = 60200000; /* no real driver behind it */
    return OK;
}
EXPORT hipError_t hipRuntimeGetVersion(int *v)
{
    *v = 60200000;
    return OK;
}

EXPORT const char *hipGetErrorName(hipError_t e)
{
    switch (e) {
    case OK: return "hipSuccess";
    case INVALID_VALUE: return "hipErrorInvalidValue";
    case OUT_OF_MEMORY: return "hipErrorOutOfMemory";
    case NOT_INITIALIZED: return "hipErrorNotInitialized";
    case NO_DEVICE: return "hipErrorNoDevice";
    case INVALID_DEVICE: return "hipErrorInvalidDevice";
    case INVALID_IMAGE: return "hipErrorInvalidImage";
    case NO_BINARY_FOR_GPU: return "hipErrorNoBinaryForGpu";
    case INVALID_HANDLE: return "hipErrorInvalidHandle";
    case NOT_FOUND: return "hipErrorNotFound";
    case ILLEGAL_ADDRESS: return "hipErrorIllegalAddress";
    case LAUNCH_OUT_OF_RESOURCES: return "hipErrorLaunchOutOfResources";
    case LAUNCH_FAILURE: return "hipErrorLaunchFailure";
    }
    return "hipErrorUnknown";
}
EXPORT const char *hipGetErrorString(hipError_t e)
{
    return e == OK ? "no error" : "stand-in HIP runtime error";
}

EXPORT hipError_t hipGetDeviceCount(int *n)
{
    NEED_INIT();
    *n = n_visible;
    return n_visible ? OK : NO_DEVICE;
}
EXPORT hipError_t hipDeviceGet(int *d, int ordinal)
{
    NEED_DEVICE(ordinal);
    *d = ordinal;
    return OK;
}
EXPORT hipError_t hipDeviceGetName(char *name, int len, int d)
{
    NEED_DEVICE(d);
    if (!name || len <= 0) return INVALID_VALUE;
    snprintf(name, (size_t)len, "%s", gpus[visible[d]].name);
    return OK;
}
EXPORT hipError_t hipDeviceGetPCIBusId(char *id, int len, int d)
{
    NEED_DEVICE(d);
    if (!id || len <= 0) return INVALID_VALUE;
    snprintf(id, (size_t)len, "%s", gpus[visible[d]].pci);
    return OK;
}
EXPORT hipError_t hipDeviceTotalMem(size_t *bytes, int d)
{
    NEED_DEVICE(d);
    *bytes = fake_total();
    return OK;
}
EXPORT hipError_t hipSetDevice(int ordinal)
{
    NEED_DEVICE(ordinal);
    current = ordinal;
    return OK;
}
EXPORT hipError_t hipMemGetInfo(size_t *free_b, size_t *total_b)
{
    NEED_DEVICE(current);
    *total_b = fake_total();
    *free_b = *total_b - fake_used(current);
    return OK;
}

static hipError_t alloc_result(fake_rc rc)
{
    return rc == FAKE_OK ? OK : rc == FAKE_OOM ? OUT_OF_MEMORY : INVALID_VALUE;
}

EXPORT hipError_t hipMalloc(void **p, size_t bytes)
{
    NEED_DEVICE(current);
    if (!p) return INVALID_VALUE;
    *p = NULL;
    if (bytes == 0) return OK; /* as the runtime: nothing allocated, a null pointer */
    return alloc_result(fake_alloc(current, bytes, p));
}
EXPORT hipError_t hipFree(void *p)
{
    NEED_INIT();
    if (!p) return OK;
    for (int d = 0; d < n_visible; d++) /* any device's memory, as the runtime allows */
        if (fake_free(d, p) == FAKE_OK) return OK;
    return INVALID_VALUE;
}
EXPORT hipError_t hipHostMalloc(void **p, size_t bytes, unsigned flags)
{
    NEED_INIT();
    if (!p || flags) return INVALID_VALUE;
    return alloc_result(fake_alloc(FAKE_HOST, bytes, p));
}
EXPORT hipError_t hipHostFree(void *p)
{
    NEED_INIT();
    return p ? alloc_result(fake_free(FAKE_HOST, p)) : OK;
}

static hipError_t copy(void *dst, const void *src, size_t n, int dst_dev, int src_dev)
{
    NEED_DEVICE(current);
    if ((dst_dev && !fake_in_device(current, dst, n)) ||
        (src_dev && !fake_in_device(current, src, n)))
        return INVALID_VALUE;
    memmove(dst, src, n);
    return OK;
}
EXPORT hipError_t hipMemcpyHtoD(void *dst, void *src, size_t n)
{
    return copy(dst, src, n, 1, 0);
}
EXPORT hipError_t hipMemcpyDtoH(void *dst, void *src, size_t n)
{
    return copy(dst, src, n, 0, 1);
}
EXPORT hipError_t hipMemcpyDtoD(void *dst, void *src, size_t n)
{
    return copy(dst, src, n, 1, 1);
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* The code object for `arch` in a clang offload bundle: "__CLANG_OFFLOAD_BUNDLE__", the
 * number of entries, then per entry its offset, size, triple length and triple (e.g.
 * "hipv4-amdgcn-amd-amdhsa--gfx90a", maybe with ":xnack-" after the target). The bundle's
 * size is not given to hipModuleLoadData: entries are trusted to lie within it, as the
 * runtime trusts them. Returns 1 and sets *code and *size when found. */
static int bundle_entry(const unsigned char *b, const char *arch, const unsigned char **code,
                        size_t *size, int *is_bundle)
{
    static const char magic[] = "__CLANG_OFFLOAD_BUNDLE__";
    *is_bundle = memcmp(b, magic, sizeof magic - 1) == 0;
    if (!*is_bundle) return 0;
    const unsigned char *p = b + sizeof magic - 1;
    uint64_t count = le64(p);
    p += 8;
    for (uint64_t i = 0; i < count && i < 256; i++) {
        uint64_t off = le64(p), len = le64(p + 8), tlen = le64(p + 16);
        const char *triple = (const char *)p + 24;
        p += 24 + tlen;
        const char *t = memmem(triple, tlen, "amdgcn-amd-amdhsa--", 19);
        if (!t) continue;
        t += 19;
        size_t k = strlen(arch), rest = tlen - (size_t)(t - triple);
        if (rest >= k && memcmp(t, arch, k) == 0 && (rest == k || t[k] == ':')) {
            *code = b + off;
            *size = (size_t)len;
            return 1;
        }
    }
    return 0;
}

EXPORT hipError_t hipModuleLoadData(struct ihipModule_t **m, const void *image)
{
    NEED_DEVICE(current);
    if (!m || !image) return INVALID_VALUE;
    const unsigned char *code = NULL;
    size_t size = 0;
    int is_bundle = 0;
    if (!bundle_entry(image, gpus[visible[current]].arch, &code, &size, &is_bundle))
        return is_bundle ? NO_BINARY_FOR_GPU : INVALID_IMAGE;
    if (size < 64 || memcmp(code, "\177ELF", 4) != 0) return INVALID_IMAGE;
    struct ihipModule_t *mod = calloc(1, sizeof *mod);
    if (!mod || !(mod->code = malloc(size))) {
        free(mod);
        return OUT_OF_MEMORY;
    }
    memcpy(mod->code, code, size);
    mod->size = size;
    mod->dev = current;
    *m = mod;
    return OK;
}
EXPORT hipError_t hipModuleUnload(struct ihipModule_t *m)
{
    NEED_INIT();
    if (!m) return INVALID_HANDLE;
    free(m->code);
    free(m);
    return OK;
}
EXPORT hipError_t hipModuleGetFunction(struct ihipModuleSymbol_t **f, struct ihipModule_t *m,
                                       const char *name)
{
    NEED_INIT();
    if (!f || !m || !name) return INVALID_VALUE;
    for (int i = 0; i < m->n_funcs; i++)
        if (strcmp(m->funcs[i].name, name) == 0) {
            *f = &m->funcs[i];
            return OK;
        }
    size_t k = strlen(name);
    if (k == 0 || k >= sizeof m->funcs[0].name) return NOT_FOUND;
    if (m->n_funcs == MAX_FUNCS) { /* the fake's limit, not the driver's: say so */
        fprintf(stderr, "fake libamdhip64: hipModuleGetFunction(%s): more than %d functions in "
                "one module\n", name, MAX_FUNCS);
        return NOT_FOUND;
    }
    /* the symbol's name with its terminating NUL, as in the ELF string table */
    for (size_t i = 0; i + k < m->size; i++) {
        if (m->code[i + k] != 0 || memcmp(m->code + i, name, k) != 0) continue;
        struct ihipModuleSymbol_t *fn = &m->funcs[m->n_funcs++];
        memcpy(fn->name, name, k + 1);
        fn->dev = m->dev;
        *f = fn;
        return OK;
    }
    return NOT_FOUND;
}

/* What the runtime would answer for each way a launch can fail in the runner. */
static hipError_t launch_result(akr_status st)
{
    switch (st) {
    case AKR_OK: return OK;
    case AKR_NOT_FOUND: return NOT_FOUND;
    case AKR_BAD_ARGS: return INVALID_VALUE;
    case AKR_BAD_POINTER: return ILLEGAL_ADDRESS;
    case AKR_MISALIGNED: return ILLEGAL_ADDRESS; /* HIP has no misaligned-address error */
    case AKR_SHARED_LIMIT: return INVALID_VALUE;
    case AKR_DIVERGENT: return LAUNCH_FAILURE;
    case AKR_NO_MEMORY: return LAUNCH_OUT_OF_RESOURCES;
    }
    return LAUNCH_FAILURE;
}

EXPORT hipError_t hipModuleLaunchKernel(struct ihipModuleSymbol_t *f, unsigned gx, unsigned gy,
                                        unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                        unsigned shared, struct ihipStream_t *s, void **params,
                                        void **extra)
{
    NEED_INIT();
    if (!f || extra || !params) return INVALID_VALUE;
    if (s && s->dev != f->dev) return INVALID_HANDLE;
    const unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
    unsigned long long items = 1;
    for (int d = 0; d < 3; d++) {
        if (!grid[d] || !block[d] || block[d] > MAX_THREADS ||
            (unsigned long long)grid[d] * block[d] > 0xffffffffull)
            return INVALID_VALUE;
        items *= block[d];
    }
    if (items > MAX_THREADS || shared > SHARED_PER_BLOCK) return INVALID_VALUE;
    return launch_result(fake_launch("fake libamdhip64: hipModuleLaunchKernel", f->dev, f->name,
                                     grid, block, shared, SHARED_PER_BLOCK, params));
}

EXPORT hipError_t hipStreamCreate(struct ihipStream_t **s)
{
    NEED_DEVICE(current);
    if (!s) return INVALID_VALUE;
    *s = calloc(1, sizeof **s);
    if (!*s) return OUT_OF_MEMORY;
    (*s)->dev = current;
    return OK;
}
EXPORT hipError_t hipStreamDestroy(struct ihipStream_t *s)
{
    NEED_INIT();
    if (!s) return INVALID_HANDLE;
    free(s);
    return OK;
}
EXPORT hipError_t hipStreamSynchronize(struct ihipStream_t *s)
{
    (void)s;
    NEED_INIT();
    return OK;
}

EXPORT hipError_t hipEventCreate(struct ihipEvent_t **e)
{
    NEED_INIT();
    if (!e) return INVALID_VALUE;
    *e = calloc(1, sizeof **e);
    if (!*e) return OUT_OF_MEMORY;
    (*e)->ms = -1;
    return OK;
}
EXPORT hipError_t hipEventDestroy(struct ihipEvent_t *e)
{
    free(e);
    return OK;
}
EXPORT hipError_t hipEventRecord(struct ihipEvent_t *e, struct ihipStream_t *s)
{
    (void)s;
    NEED_INIT();
    if (!e) return INVALID_HANDLE;
    e->ms = fake_now_ms();
    return OK;
}
EXPORT hipError_t hipEventSynchronize(struct ihipEvent_t *e)
{
    NEED_INIT();
    return e && e->ms >= 0 ? OK : INVALID_HANDLE;
}
EXPORT hipError_t hipEventElapsedTime(float *ms, struct ihipEvent_t *a, struct ihipEvent_t *b)
{
    NEED_INIT();
    if (!ms || !a || !b || a->ms < 0 || b->ms < 0) return INVALID_HANDLE;
    *ms = (float)(b->ms - a->ms);
    return OK;
}
