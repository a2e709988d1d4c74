/* fake_nvml.c — a small libnvidia-ml.so.1 that describes the `ok` fake libcuda's two GPUs
 * (matched by PCI bus id, which NVML writes with an 8-digit domain), in variants:
 *   ok          (built into <build>/fakes/ok/ next to the ok libcuda) driver "550.54.14"
 *   nvml_hang   nvmlInit_v2 never returns
 * Like the real NVML it lists every physical GPU and ignores CUDA_VISIBLE_DEVICES. */
#include "vendor/nvml_api.h"

#include <string.h>
#include <unistd.h>

typedef struct {
    const char *name, *uuid, *bus;
    unsigned long long total, used;
    unsigned util, temp, power_mw;
} fake_gpu;

#define GIB (1024ull * 1024 * 1024)
static const fake_gpu gpus[] = {
    {"Fake H100", "GPU-a1b2c3d4-0000-4000-8000-000000000041", "00000000:41:00.0", 80 * GIB,
     1 * GIB, 7, 41, 71000},
    {"Fake T4", "GPU-a1b2c3d4-0000-4000-8000-000000000042", "00000000:42:00.0", 16 * GIB,
     2 * GIB, 3, 52, 27000},
};
#define N_GPUS (sizeof gpus / sizeof *gpus)

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
    u->gpu = g->util;
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
    *mw = g->power_mw;
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
