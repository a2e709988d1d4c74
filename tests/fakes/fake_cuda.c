/* fake_cuda.c — a small libcuda.so.1 for fault scenarios, built in variants (one directory
 * each under <build>/fakes/, see tests.cmake):
 *   ok              two devices: "Fake H100" (cc 9.0, 132 SMs, 80 GiB, bus 0000:41:00.0) and
 *                   "Fake T4" (cc 7.5, 40 SMs, 16 GiB, bus 0000:42:00.0); driver 12.4
 *   init_fails      cuInit returns CUDA_ERROR_UNKNOWN (999)
 *   abort_on_load   a constructor calls abort() when the library is loaded
 *   hang_in_init    cuInit never returns
 *   old_driver      cuDriverGetVersion reports 11020 (CUDA 11.2)
 *   missing_symbol  does not export cuMemGetInfo_v2 (a version script hides it)
 *   prints          like ok, but talks: its constructor writes a line to standard output and
 *                   one to standard error, and cuInit another (as some drivers and shims do)
 *   exit_on_load    a constructor calls _exit(0): the process ends "successfully" before
 *                   anything could be asked
 * Like the real driver, cuInit applies CUDA_VISIBLE_DEVICES (indices, GPU-… UUIDs or unique
 * prefixes; an invalid entry ends the list; a repeated one hides everything) and fails with
 * CUDA_ERROR_NO_DEVICE when nothing is visible. Device memory is host memory, so copies work;
 * modules and launches answer CUDA_ERROR_NOT_SUPPORTED (fake_cuda_defaults.c). */
#include "vendor/cuda_api.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GIB (1024ull * 1024 * 1024)
#define FAKE_RESERVED (512ull * 1024 * 1024) /* what the "driver" keeps per device */

enum { E_OK = 0, E_INVALID_VALUE = 1, E_OOM = 2, E_NOT_INIT = 3, E_NO_DEVICE = 100,
       E_INVALID_DEVICE = 101, E_INVALID_CONTEXT = 201, E_UNKNOWN = 999 };

#ifndef FAKE_DRIVER_VERSION
#define FAKE_DRIVER_VERSION 12040
#endif

typedef struct {
    const char *name;
    int ccmaj, ccmin, sms;
    unsigned long long total;
    const char *bus;
    const char *uuid; /* "GPU-…" as nvidia-smi prints it */
} fake_dev;

static const fake_dev devs[] = {
    {"Fake H100", 9, 0, 132, 80 * GIB, "0000:41:00.0", "GPU-a1b2c3d4-0000-4000-8000-000000000041"},
    {"Fake T4", 7, 5, 40, 16 * GIB, "0000:42:00.0", "GPU-a1b2c3d4-0000-4000-8000-000000000042"},
};
#define N_PHYS ((int)(sizeof devs / sizeof *devs))

static int initialised;
static int visible[N_PHYS]; /* CUDA ordinal -> physical index */
static int n_visible;
static int current = -1; /* device of the current context */
static unsigned long long allocated[N_PHYS];

#ifdef FAKE_ABORT_ON_LOAD
__attribute__((constructor)) static void fake_abort(void) { abort(); }
#endif
#ifdef FAKE_EXIT_ON_LOAD
__attribute__((constructor)) static void fake_exit(void) { _exit(0); }
#endif
#ifdef FAKE_PRINTS
#include <stdio.h>
/* dprintf: written at once, as a library that logs with write(2) or flushes does */
__attribute__((constructor)) static void fake_talk(void)
{
    dprintf(1, "fake libcuda: loaded {\"not\": \"json\"}\n");
    dprintf(2, "fake libcuda: a warning on stderr\n");
}
#endif

/* CUDA_VISIBLE_DEVICES, the driver's way. */
static void apply_visible(void)
{
    const char *v = getenv("CUDA_VISIBLE_DEVICES");
    n_visible = 0;
    if (!v) {
        for (int i = 0; i < N_PHYS; i++) visible[n_visible++] = i;
        return;
    }
    int uuids = strncmp(v, "GPU-", 4) == 0;
    char buf[512];
    strncpy(buf, v, sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    if (!buf[0]) return;
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        int phys = -1;
        if (uuids) {
            int matches = 0;
            if (strncmp(p, "GPU-", 4) == 0)
                for (int i = 0; i < N_PHYS; i++)
                    if (strncmp(devs[i].uuid, p, strlen(p)) == 0) matches++, phys = i;
            if (matches != 1) phys = -1;
        } else {
            while (isspace((unsigned char)*p)) p++;
            if (*p == '+') p++;
            if (isdigit((unsigned char)*p)) phys = atoi(p);
            if (phys >= N_PHYS) phys = -1;
        }
        if (phys < 0) break;
        for (int i = 0; i < n_visible; i++)
            if (visible[i] == phys) {
                n_visible = 0; /* a repeated device: the driver shows none */
                return;
            }
        visible[n_visible++] = phys;
        if (!comma) break;
        p = comma + 1;
    }
}

CUresult cuInit(unsigned int flags)
{
    (void)flags;
#ifdef FAKE_PRINTS
    dprintf(1, "fake libcuda: cuInit called\n");
#endif
#ifdef FAKE_HANG_IN_INIT
    for (;;) pause();
#endif
#ifdef FAKE_INIT_FAILS
    return E_UNKNOWN;
#endif
    apply_visible();
    if (n_visible == 0) return E_NO_DEVICE;
    initialised = 1;
    return E_OK;
}

CUresult cuDriverGetVersion(int *version)
{
    if (!version) return E_INVALID_VALUE;
    *version = FAKE_DRIVER_VERSION;
    return E_OK;
}

CUresult cuGetErrorName(CUresult e, const char **s)
{
    switch (e) {
    case E_OK: *s = "CUDA_SUCCESS"; break;
    case E_INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; break;
    case E_OOM: *s = "CUDA_ERROR_OUT_OF_MEMORY"; break;
    case E_NOT_INIT: *s = "CUDA_ERROR_NOT_INITIALIZED"; break;
    case E_NO_DEVICE: *s = "CUDA_ERROR_NO_DEVICE"; break;
    case E_INVALID_DEVICE: *s = "CUDA_ERROR_INVALID_DEVICE"; break;
    case E_INVALID_CONTEXT: *s = "CUDA_ERROR_INVALID_CONTEXT"; break;
    case 801: *s = "CUDA_ERROR_NOT_SUPPORTED"; break;
    case E_UNKNOWN: *s = "CUDA_ERROR_UNKNOWN"; break;
    default: *s = NULL; return E_INVALID_VALUE;
    }
    return E_OK;
}

CUresult cuGetErrorString(CUresult e, const char **s)
{
    switch (e) {
    case E_OK: *s = "no error"; break;
    case E_INVALID_VALUE: *s = "invalid argument"; break;
    case E_OOM: *s = "out of memory"; break;
    case E_NOT_INIT: *s = "initialization error"; break;
    case E_NO_DEVICE: *s = "no CUDA-capable device is detected"; break;
    case E_INVALID_DEVICE: *s = "invalid device ordinal"; break;
    case E_INVALID_CONTEXT: *s = "invalid device context"; break;
    case 801: *s = "operation not supported"; break;
    case E_UNKNOWN: *s = "unknown error"; break;
    default: *s = NULL; return E_INVALID_VALUE;
    }
    return E_OK;
}

#define NEED_INIT()                                                                         \
    do {                                                                                    \
        if (!initialised) return E_NOT_INIT;                                                \
    } while (0)
#define NEED_DEV(d)                                                                         \
    do {                                                                                    \
        NEED_INIT();                                                                        \
        if ((d) < 0 || (d) >= n_visible) return E_INVALID_DEVICE;                           \
    } while (0)

CUresult cuDeviceGetCount(int *count)
{
    NEED_INIT();
    *count = n_visible;
    return E_OK;
}

CUresult cuDeviceGet(CUdevice *dev, int ordinal)
{
    NEED_DEV(ordinal);
    *dev = ordinal;
    return E_OK;
}

CUresult cuDeviceGetName(char *name, int len, CUdevice d)
{
    NEED_DEV(d);
    if (len <= 0) return E_INVALID_VALUE;
    strncpy(name, devs[visible[d]].name, (size_t)len - 1);
    name[len - 1] = '\0';
    return E_OK;
}

CUresult cuDeviceGetAttribute(int *v, int attr, CUdevice d)
{
    NEED_DEV(d);
    const fake_dev *f = &devs[visible[d]];
    unsigned bus = 0, dev = 0;
    sscanf(f->bus, "%*x:%x:%x", &bus, &dev);
    switch (attr) {
    case ACCEL_CU_ATTR_MAX_THREADS_PER_BLOCK: *v = 1024; break;
    case ACCEL_CU_ATTR_MAX_SHARED_MEMORY_PER_BLOCK: *v = 49152; break;
    case ACCEL_CU_ATTR_MULTIPROCESSOR_COUNT: *v = f->sms; break;
    case ACCEL_CU_ATTR_INTEGRATED: *v = 0; break;
    case ACCEL_CU_ATTR_PCI_BUS_ID: *v = (int)bus; break;
    case ACCEL_CU_ATTR_PCI_DEVICE_ID: *v = (int)dev; break;
    case ACCEL_CU_ATTR_PCI_DOMAIN_ID: *v = 0; break;
    case ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MAJOR: *v = f->ccmaj; break;
    case ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MINOR: *v = f->ccmin; break;
    default: *v = 0; break;
    }
    return E_OK;
}

CUresult cuDeviceTotalMem(size_t *bytes, CUdevice d) __asm__("cuDeviceTotalMem_v2");
CUresult cuDeviceTotalMem(size_t *bytes, CUdevice d)
{
    NEED_DEV(d);
    *bytes = (size_t)devs[visible[d]].total;
    return E_OK;
}

CUresult cuDeviceGetPCIBusId(char *id, int len, CUdevice d)
{
    NEED_DEV(d);
    if (len < 13) return E_INVALID_VALUE;
    /* the real driver writes upper-case hex digits */
    int k = 0;
    for (const char *p = devs[visible[d]].bus; *p && k < len - 1; p++)
        id[k++] = (char)toupper((unsigned char)*p);
    id[k] = '\0';
    return E_OK;
}

CUresult cuDeviceGetUuid(CUuuid *u, CUdevice d)
{
    NEED_DEV(d);
    const char *s = devs[visible[d]].uuid + 4;
    for (int i = 0; i < 16; i++) {
        while (*s == '-') s++;
        unsigned b = 0;
        sscanf(s, "%2x", &b);
        u->bytes[i] = (char)b;
        s += 2;
    }
    return E_OK;
}

/* Contexts: a context is its device number + 1, cast to a pointer. */
CUresult cuCtxCreate(CUcontext *c, unsigned flags, CUdevice d) __asm__("cuCtxCreate_v2");
CUresult cuCtxCreate(CUcontext *c, unsigned flags, CUdevice d)
{
    (void)flags;
    NEED_DEV(d);
    current = d;
    *c = (CUcontext)(uintptr_t)(d + 1);
    return E_OK;
}

CUresult cuCtxDestroy(CUcontext c) __asm__("cuCtxDestroy_v2");
CUresult cuCtxDestroy(CUcontext c)
{
    NEED_INIT();
    if (!c) return E_INVALID_CONTEXT;
    if ((int)(uintptr_t)c - 1 == current) current = -1;
    return E_OK;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice d)
{
    NEED_DEV(d);
    *c = (CUcontext)(uintptr_t)(d + 1);
    return E_OK;
}

CUresult cuDevicePrimaryCtxRelease(CUdevice d) __asm__("cuDevicePrimaryCtxRelease_v2");
CUresult cuDevicePrimaryCtxRelease(CUdevice d)
{
    NEED_DEV(d);
    return E_OK;
}

CUresult cuCtxSetCurrent(CUcontext c)
{
    NEED_INIT();
    current = c ? (int)(uintptr_t)c - 1 : -1;
    return E_OK;
}

CUresult cuCtxSynchronize(void)
{
    NEED_INIT();
    return current < 0 ? E_INVALID_CONTEXT : E_OK;
}

CUresult cuMemGetInfo(size_t *free_b, size_t *total_b) __asm__("cuMemGetInfo_v2");
CUresult cuMemGetInfo(size_t *free_b, size_t *total_b)
{
    NEED_INIT();
    if (current < 0) return E_INVALID_CONTEXT;
    int phys = visible[current];
    *total_b = (size_t)devs[phys].total;
    *free_b = (size_t)(devs[phys].total - FAKE_RESERVED - allocated[phys]);
    return E_OK;
}

/* Device memory is host memory with a size header, so copies can be checked. */
CUresult cuMemAlloc(CUdeviceptr *p, size_t bytes) __asm__("cuMemAlloc_v2");
CUresult cuMemAlloc(CUdeviceptr *p, size_t bytes)
{
    NEED_INIT();
    if (current < 0) return E_INVALID_CONTEXT;
    int phys = visible[current];
    if (bytes > devs[phys].total - FAKE_RESERVED - allocated[phys]) return E_OOM;
    size_t *h = malloc(sizeof(size_t) * 2 + (bytes ? bytes : 1));
    if (!h) return E_OOM;
    h[0] = bytes;
    h[1] = (size_t)phys;
    allocated[phys] += bytes;
    *p = (CUdeviceptr)(uintptr_t)(h + 2);
    return E_OK;
}

CUresult cuMemFree(CUdeviceptr p) __asm__("cuMemFree_v2");
CUresult cuMemFree(CUdeviceptr p)
{
    NEED_INIT();
    if (!p) return E_OK;
    size_t *h = (size_t *)(uintptr_t)p - 2;
    allocated[h[1]] -= h[0];
    free(h);
    return E_OK;
}

CUresult cuMemAllocHost(void **p, size_t bytes) __asm__("cuMemAllocHost_v2");
CUresult cuMemAllocHost(void **p, size_t bytes)
{
    NEED_INIT();
    *p = malloc(bytes ? bytes : 1);
    return *p ? E_OK : E_OOM;
}

CUresult cuMemFreeHost(void *p)
{
    NEED_INIT();
    free(p);
    return E_OK;
}

CUresult cuMemcpyHtoD(CUdeviceptr dst, const void *src, size_t n) __asm__("cuMemcpyHtoD_v2");
CUresult cuMemcpyHtoD(CUdeviceptr dst, const void *src, size_t n)
{
    NEED_INIT();
    memcpy((void *)(uintptr_t)dst, src, n);
    return E_OK;
}

CUresult cuMemcpyDtoH(void *dst, CUdeviceptr src, size_t n) __asm__("cuMemcpyDtoH_v2");
CUresult cuMemcpyDtoH(void *dst, CUdeviceptr src, size_t n)
{
    NEED_INIT();
    memcpy(dst, (const void *)(uintptr_t)src, n);
    return E_OK;
}

CUresult cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t n) __asm__("cuMemcpyDtoD_v2");
CUresult cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t n)
{
    NEED_INIT();
    memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
    return E_OK;
}

CUresult cuMemsetD8(CUdeviceptr dst, unsigned char v, size_t n) __asm__("cuMemsetD8_v2");
CUresult cuMemsetD8(CUdeviceptr dst, unsigned char v, size_t n)
{
    NEED_INIT();
    memset((void *)(uintptr_t)dst, v, n);
    return E_OK;
}
