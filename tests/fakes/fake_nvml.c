/* fake_nvml.c — a small libnvidia-ml.so.1 that describes the `ok` fake libcuda's two GPUs
 * (matched by PCI bus id, which NVML writes with an 8-digit domain), in variants:
 *   ok          (built into <build>/fakes/ok/ next to the ok libcuda) driver "550.54.14"
 *   nvml_hang   nvmlInit_v2 never returns
 *   nvml_old    (FAKE_NVML_OLD) a driver from before nvmlDeviceGetMemoryInfo_v2 and the
 *               _v2/_v3 process lists: only the unversioned entry points and their v1 records
 * Like the real NVML it lists every physical GPU and ignores CUDA_VISIBLE_DEVICES.
 *
 * Live figures, for the monitors: memory through v2 reports 256 MiB of the used memory as
 * reserved (v1 counts it as used); the H100 runs the calling process (512 MiB) and process 1
 * (memory not available), which is listed as a compute and as a graphics process; the T4 runs
 * nothing. With FAKE_NVML_VARY=1 in the environment, utilisation and power change from one
 * reading to the next (so a chart has something to draw). */
#include "vendor/nvml_api.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *name, *uuid, *bus;
    unsigned long long total, used;
    unsigned util, temp, power_mw, power_limit_mw;
} fake_gpu;

#define GIB (1024ull * 1024 * 1024)
static const fake_gpu gpus[] = {
    {"Fake H100", "GPU-a1b2c3d4-0000-4000-8000-000000000041", "00000000:41:00.0", 80 * GIB,
     1 * GIB, 7, 41, 71000, 700000},
    {"Fake T4", "GPU-a1b2c3d4-0000-4000-8000-000000000042", "00000000:42:00.0", 16 * GIB,
     2 * GIB, 3, 52, 27000, 70000},
};
#define N_GPUS (sizeof gpus / sizeof *gpus)
#define RESERVED (256ull * 1024 * 1024)

static atomic_uint readings;

/* FAKE_NVML_VARY=1: a figure that moves with each reading, within [base, base + span) */
static unsigned vary(unsigned base, unsigned span)
{
    const char *v = getenv("FAKE_NVML_VARY");
    if (!v || strcmp(v, "1") != 0) return base;
    unsigned k = atomic_fetch_add(&readings, 1);
    return base + (k * 7919u) % span;
}

static int up;

nvmlReturn_t nvmlInit_v2(void)
{
#ifdef FAKE_NVML_HANG
    for (;;) pause();
#endif
    up = 1;
    return ACCEL_NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
    up = 0;
    return ACCEL_NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t r)
{
    switch (r) {
    case ACCEL_NVML_SUCCESS: return "Success";
    case ACCEL_NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case ACCEL_NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case ACCEL_NVML_ERROR_NOT_FOUND: return "Not Found";
    case ACCEL_NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    default: return "Unknown Error";
    }
}

static nvmlReturn_t copy_text(const char *s, char *out, unsigned len)
{
    if (!out || strlen(s) + 1 > len) return ACCEL_NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(out, s, strlen(s) + 1);
    return ACCEL_NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    if (!up) return ACCEL_NVML_ERROR_UNINITIALIZED;
    return copy_text("550.54.14", version, length);
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!up) return ACCEL_NVML_ERROR_UNINITIALIZED;
    *count = (unsigned)N_GPUS;
    return ACCEL_NVML_SUCCESS;
}

/* A handle is the GPU's index + 1. */
static const fake_gpu *gpu(nvmlDevice_t d)
{
    size_t i = (size_t)(uintptr_t)d;
    return (up && i >= 1 && i <= N_GPUS) ? &gpus[i - 1] : NULL;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev)
{
    if (!up) return ACCEL_NVML_ERROR_UNINITIALIZED;
    if (index >= N_GPUS) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    *dev = (nvmlDevice_t)(uintptr_t)(index + 1);
    return ACCEL_NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *bus, nvmlDevice_t *dev)
{
    if (!up) return ACCEL_NVML_ERROR_UNINITIALIZED;
    for (size_t i = 0; i < N_GPUS; i++)
        if (strcasecmp(gpus[i].bus, bus) == 0 || strcasecmp(gpus[i].bus + 4, bus) == 0) {
            *dev = (nvmlDevice_t)(uintptr_t)(i + 1);
            return ACCEL_NVML_SUCCESS;
        }
    return ACCEL_NVML_ERROR_NOT_FOUND;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, accel_nvmlPciInfo_t *pci)
{
    const fake_gpu *g = gpu(d);
    if (!g) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    memset(pci, 0, sizeof *pci);
    strcpy(pci->busId, g->bus);
    memcpy(pci->busIdLegacy, g->bus + 4, 12);
    pci->domain = 0;
    sscanf(g->bus, "%*x:%x:%x", &pci->bus, &pci->device);
    pci->pciDeviceId = 0x233010de;
    return ACCEL_NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, accel_nvmlMemory_t *m)
{
    const fake_gpu *g = gpu(d);
    if (!g) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    m->total = g->total;
    m->used = g->used;
    m->free = g->total - g->used;
    return ACCEL_NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, accel_nvmlUtilization_t *u)
{
    const fake_gpu *g = gpu(d);
    if (!g) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    u->gpu = vary(g->util, 60);
    u->memory = g->util / 2;
    return ACCEL_NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *c)
{
    const fake_gpu *g = gpu(d);
    if (!g || sensor != ACCEL_NVML_TEMPERATURE_GPU) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    *c = g->temp;
    return ACCEL_NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw)
{
    const fake_gpu *g = gpu(d);
    if (!g) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    *mw = vary(g->power_mw, 30000);
    return ACCEL_NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int length)
{
    const fake_gpu *g = gpu(d);
    if (!g) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    return copy_text(g->name, name, length);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int length)
{
    const fake_gpu *g = gpu(d);
    if (!g) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    return copy_text(g->uuid, uuid, length);
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *mw)
{
    const fake_gpu *g = gpu(d);
    if (!g) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    *mw = g->power_limit_mw;
    return ACCEL_NVML_SUCCESS;
}

/* The processes on a GPU: the H100 (handle 1) runs the caller and process 1. */
typedef struct {
    unsigned pid;
    unsigned long long used;
} fake_proc;

static unsigned procs_of(nvmlDevice_t d, int graphics, fake_proc *out)
{
    if ((uintptr_t)d != 1) return 0;
    if (graphics) {
        out[0] = (fake_proc){1, ACCEL_NVML_VALUE_NOT_AVAILABLE};
        return 1;
    }
    out[0] = (fake_proc){(unsigned)getpid(), 512ull * 1024 * 1024};
    out[1] = (fake_proc){1, ACCEL_NVML_VALUE_NOT_AVAILABLE};
    return 2;
}

/* NVML's contract: *count in, the room; out, the number of processes; a short buffer gives
 * NVML_ERROR_INSUFFICIENT_SIZE with the number needed. */
#define FAKE_LIST(fn, graphics, rec_t, fill)                                                  \
    nvmlReturn_t fn(nvmlDevice_t d, unsigned int *count, rec_t *infos)                       \
    {                                                                                        \
        if (!gpu(d) || !count) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;                     \
        fake_proc p[4];                                                                      \
        unsigned k = procs_of(d, graphics, p);                                               \
        if (*count < k) {                                                                    \
            *count = k;                                                                      \
            return ACCEL_NVML_ERROR_INSUFFICIENT_SIZE;                                       \
        }                                                                                    \
        for (unsigned i = 0; i < k; i++) {                                                   \
            memset(&infos[i], 0, sizeof infos[i]);                                           \
            infos[i].pid = p[i].pid;                                                         \
            infos[i].usedGpuMemory = p[i].used;                                              \
            fill;                                                                            \
        }                                                                                    \
        *count = k;                                                                          \
        return ACCEL_NVML_SUCCESS;                                                           \
    }

FAKE_LIST(nvmlDeviceGetComputeRunningProcesses, 0, accel_nvmlProcessInfo_v1_t, (void)0)
FAKE_LIST(nvmlDeviceGetGraphicsRunningProcesses, 1, accel_nvmlProcessInfo_v1_t, (void)0)

#ifndef FAKE_NVML_OLD
FAKE_LIST(nvmlDeviceGetComputeRunningProcesses_v3, 0, accel_nvmlProcessInfo_t,
          infos[i].gpuInstanceId = infos[i].computeInstanceId = 0xFFFFFFFFu)
FAKE_LIST(nvmlDeviceGetGraphicsRunningProcesses_v3, 1, accel_nvmlProcessInfo_t,
          infos[i].gpuInstanceId = infos[i].computeInstanceId = 0xFFFFFFFFu)

nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d, accel_nvmlMemory_v2_t *m)
{
    const fake_gpu *g = gpu(d);
    if (!g) return ACCEL_NVML_ERROR_INVALID_ARGUMENT;
    if (m->version != ACCEL_NVML_MEMORY_V2) return 25; /* NVML_ERROR_ARGUMENT_VERSION_MISMATCH */
    m->total = g->total;
    m->reserved = RESERVED;
    m->used = g->used - RESERVED;
    m->free = g->total - g->used;
    return ACCEL_NVML_SUCCESS;
}
#endif
