/* nvml_api.h — NVML (libnvidia-ml.so.1, NVIDIA's management library) behind dlopen.
 *
 * NVML reports what the driver API does not: memory used by every process, utilization,
 * temperature, power, and the driver's own version string. It enumerates every physical GPU
 * (it ignores CUDA_VISIBLE_DEVICES), so accel matches its devices to CUDA's by PCI bus id.
 * No NVML header is needed: the few types are restated from NVML's documented layouts. */
#ifndef ACCEL_NVML_API_H
#define ACCEL_NVML_API_H

#include "core/internal.h"

typedef int nvmlReturn_t; /* NVML_SUCCESS == 0 */
typedef struct nvmlDevice_st *nvmlDevice_t;

enum {
    ACCEL_NVML_SUCCESS = 0,
    ACCEL_NVML_ERROR_UNINITIALIZED = 1,
    ACCEL_NVML_ERROR_INVALID_ARGUMENT = 2,
    ACCEL_NVML_ERROR_NOT_SUPPORTED = 3,
    ACCEL_NVML_ERROR_NO_PERMISSION = 4,
    ACCEL_NVML_ERROR_NOT_FOUND = 6,
    ACCEL_NVML_ERROR_INSUFFICIENT_SIZE = 7,
    ACCEL_NVML_ERROR_DRIVER_NOT_LOADED = 9,
    ACCEL_NVML_ERROR_TIMEOUT = 10,
    ACCEL_NVML_ERROR_LIBRARY_NOT_FOUND = 12,
    ACCEL_NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    ACCEL_NVML_ERROR_GPU_IS_LOST = 15,
    ACCEL_NVML_ERROR_UNKNOWN = 999,
};

#define ACCEL_NVML_TEMPERATURE_GPU 0 /* nvmlTemperatureSensors_t */
#define ACCEL_NVML_NAME_BUFFER 96     /* NVML_DEVICE_NAME_V2_BUFFER_SIZE */
#define ACCEL_NVML_UUID_BUFFER 96     /* ≥ NVML_DEVICE_UUID_V2_BUFFER_SIZE (80) */
#define ACCEL_NVML_VERSION_BUFFER 80  /* NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE */

/* nvmlMemory_t (v1): bytes. */
typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} accel_nvmlMemory_t;

/* nvmlUtilization_t: percent of the last sample period. */
typedef struct {
    unsigned int gpu;
    unsigned int memory;
} accel_nvmlUtilization_t;

/* nvmlPciInfo_t as filled by nvmlDeviceGetPciInfo_v3 (and _v2). busId is
 * "00000000:41:00.0" (8-digit domain); busIdLegacy the older 16-byte form. */
typedef struct {
    char busIdLegacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;    /* device id << 16 | vendor id */
    unsigned int pciSubSystemId;
    char busId[32];
} accel_nvmlPciInfo_t;

/* nvmlMemory_v2_t, for nvmlDeviceGetMemoryInfo_v2: `used` leaves out what the driver
 * reserves, which v1 counts as used. version = sizeof | 2 << 24 (NVML_STRUCT_VERSION). */
typedef struct {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
} accel_nvmlMemory_v2_t;
#define ACCEL_NVML_MEMORY_V2 ((unsigned)sizeof(accel_nvmlMemory_v2_t) | 2u << 24)

/* nvmlProcessInfo_t as the _v3 and _v2 process lists fill it, and the two-field v1 layout the
 * unversioned entry points fill. usedGpuMemory is NVML_VALUE_NOT_AVAILABLE when the driver
 * cannot tell (no permission, Windows WDDM). */
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} accel_nvmlProcessInfo_t;
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} accel_nvmlProcessInfo_v1_t;
#define ACCEL_NVML_VALUE_NOT_AVAILABLE 0xFFFFFFFFFFFFFFFFull

_Static_assert(sizeof(accel_nvmlMemory_t) == 24, "nvmlMemory_t layout");
_Static_assert(sizeof(accel_nvmlMemory_v2_t) == 40, "nvmlMemory_v2_t layout");
_Static_assert(sizeof(accel_nvmlProcessInfo_t) == 24, "nvmlProcessInfo_t layout");
_Static_assert(sizeof(accel_nvmlProcessInfo_v1_t) == 16, "nvmlProcessInfo_v1_t layout");
_Static_assert(sizeof(accel_nvmlUtilization_t) == 8, "nvmlUtilization_t layout");
_Static_assert(sizeof(accel_nvmlPciInfo_t) == 68, "nvmlPciInfo_t layout");

/* X(return, name, exported symbol, older symbol or NULL, required, (parameters)).
 * The first symbol found is used; a required one missing under both names fails the load.
 * Optional entry points are NULL when absent and callers check them. */
#define ACCEL__NVML_API(X)                                                                  \
    X(nvmlReturn_t, nvmlInit, "nvmlInit_v2", "nvmlInit", 1, (void))                        \
    X(nvmlReturn_t, nvmlShutdown, "nvmlShutdown", NULL, 1, (void))                         \
    X(const char *, nvmlErrorString, "nvmlErrorString", NULL, 1, (nvmlReturn_t r))          \
    X(nvmlReturn_t, nvmlSystemGetDriverVersion, "nvmlSystemGetDriverVersion", NULL, 1,     \
      (char *version, unsigned int length))                                                 \
    X(nvmlReturn_t, nvmlDeviceGetCount, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount", 1,   \
      (unsigned int *count))                                                                \
    X(nvmlReturn_t, nvmlDeviceGetHandleByIndex, "nvmlDeviceGetHandleByIndex_v2",            \
      "nvmlDeviceGetHandleByIndex", 1, (unsigned int index, nvmlDevice_t *dev))             \
    X(nvmlReturn_t, nvmlDeviceGetHandleByPciBusId, "nvmlDeviceGetHandleByPciBusId_v2",      \
      "nvmlDeviceGetHandleByPciBusId", 0, (const char *bus_id, nvmlDevice_t *dev))          \
    X(nvmlReturn_t, nvmlDeviceGetPciInfo, "nvmlDeviceGetPciInfo_v3",                        \
      "nvmlDeviceGetPciInfo_v2", 1, (nvmlDevice_t dev, accel_nvmlPciInfo_t *pci))           \
    X(nvmlReturn_t, nvmlDeviceGetMemoryInfo, "nvmlDeviceGetMemoryInfo", NULL, 1,            \
      (nvmlDevice_t dev, accel_nvmlMemory_t *mem))                                          \
    X(nvmlReturn_t, nvmlDeviceGetUtilizationRates, "nvmlDeviceGetUtilizationRates", NULL, 0, \
      (nvmlDevice_t dev, accel_nvmlUtilization_t *u))                                       \
    X(nvmlReturn_t, nvmlDeviceGetTemperature, "nvmlDeviceGetTemperature", NULL, 0,          \
      (nvmlDevice_t dev, int sensor, unsigned int *celsius))                                \
    X(nvmlReturn_t, nvmlDeviceGetPowerUsage, "nvmlDeviceGetPowerUsage", NULL, 0,            \
      (nvmlDevice_t dev, unsigned int *milliwatts))                                         \
    X(nvmlReturn_t, nvmlDeviceGetName, "nvmlDeviceGetName", NULL, 1,                        \
      (nvmlDevice_t dev, char *name, unsigned int length))                                  \
    X(nvmlReturn_t, nvmlDeviceGetUUID, "nvmlDeviceGetUUID", NULL, 1,                        \
      (nvmlDevice_t dev, char *uuid, unsigned int length))                                  \
    X(nvmlReturn_t, nvmlDeviceGetMemoryInfo_v2, "nvmlDeviceGetMemoryInfo_v2", NULL, 0,      \
      (nvmlDevice_t dev, accel_nvmlMemory_v2_t *mem))                                       \
    X(nvmlReturn_t, nvmlDeviceGetEnforcedPowerLimit, "nvmlDeviceGetEnforcedPowerLimit", NULL, \
      0, (nvmlDevice_t dev, unsigned int *milliwatts))                                      \
    X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses,                                   \
      "nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2", 0, \
      (nvmlDevice_t dev, unsigned int *count, accel_nvmlProcessInfo_t *infos))              \
    X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses_v1,                                \
      "nvmlDeviceGetComputeRunningProcesses", NULL, 0,                                      \
      (nvmlDevice_t dev, unsigned int *count, accel_nvmlProcessInfo_v1_t *infos))           \
    X(nvmlReturn_t, nvmlDeviceGetGraphicsRunningProcesses,                                  \
      "nvmlDeviceGetGraphicsRunningProcesses_v3", "nvmlDeviceGetGraphicsRunningProcesses_v2", \
      0, (nvmlDevice_t dev, unsigned int *count, accel_nvmlProcessInfo_t *infos))           \
    X(nvmlReturn_t, nvmlDeviceGetGraphicsRunningProcesses_v1,                               \
      "nvmlDeviceGetGraphicsRunningProcesses", NULL, 0,                                     \
      (nvmlDevice_t dev, unsigned int *count, accel_nvmlProcessInfo_v1_t *infos))

typedef struct accel__nvml_api {
    void *lib;      /* dlopen handle */
    char path[512]; /* the file libnvidia-ml.so.1 resolved to */
#define ACCEL__NVML_PTR(ret, name, sym, alt, req, params) ret(*name) params;
    ACCEL__NVML_API(ACCEL__NVML_PTR)
#undef ACCEL__NVML_PTR
} accel__nvml_api;

/* Loads libnvidia-ml.so.1 and resolves every entry point; does not call nvmlInit. Returns
 * ACCEL_ERR_UNAVAILABLE with dlerror's text when the library is absent, ACCEL_ERR_VENDOR
 * naming the symbol when a required one is missing. Process-wide, loaded once. */
accel_status accel__nvml_api_load(const accel__nvml_api **out);

/* Turns an nvmlReturn_t into an accel status and records "what: NVML_ERROR_X (n: text)". */
accel_status accel__nvml_check(const accel__nvml_api *api, nvmlReturn_t r, const char *what,
                               const char *file, int line);
#define ACCEL_NVML(api, call, what) \
    accel__nvml_check((api), (api)->call, (what), __FILE__, __LINE__)

#endif
