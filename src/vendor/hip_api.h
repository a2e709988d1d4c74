/* hip_api.h — the HIP runtime (libamdhip64.so, AMD ROCm) behind dlopen. Only entry points whose
 * signatures are stable across ROCm 5, 6 and 7 are used: device properties come from
 * hipDeviceGetName / hipDeviceGetPCIBusId / hipDeviceTotalMem / hipMemGetInfo (and sysfs),
 * never from hipDeviceProp_t, whose layout changed between releases. No HIP header is needed:
 * the few types are restated. */
#ifndef ACCEL_HIP_API_H
#define ACCEL_HIP_API_H

#include "core/internal.h"

#include <stddef.h>

typedef int hipError_t; /* hipSuccess == 0 */
typedef int hipDevice_t;
typedef struct ihipModule_t *hipModule_t;
typedef struct ihipModuleSymbol_t *hipFunction_t;
typedef struct ihipStream_t *hipStream_t;
typedef struct ihipEvent_t *hipEvent_t;
typedef void *hipDeviceptr_t;

enum {
    ACCEL_HIP_SUCCESS = 0,
    ACCEL_HIP_ERROR_OUT_OF_MEMORY = 2,
    ACCEL_HIP_ERROR_NOT_INITIALIZED = 3,
    ACCEL_HIP_ERROR_INSUFFICIENT_DRIVER = 35,
    ACCEL_HIP_ERROR_NO_DEVICE = 100,
    ACCEL_HIP_ERROR_INVALID_DEVICE = 101,
    ACCEL_HIP_ERROR_INVALID_IMAGE = 200,
    ACCEL_HIP_ERROR_NO_BINARY_FOR_GPU = 209,
    ACCEL_HIP_ERROR_NOT_FOUND = 500,
    ACCEL_HIP_ERROR_ILLEGAL_ADDRESS = 700,
    ACCEL_HIP_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    ACCEL_HIP_ERROR_LAUNCH_FAILURE = 719,
};

/* Environment variable naming the HIP runtime file to load instead of searching (tests use a
 * path that does not exist to see the "not found" verdict on a machine that has ROCm). */
#define ACCEL__ENV_HIP_LIBRARY "ACCEL_HIP_LIBRARY"

/* X(return, name, exported symbol, (parameters)) — the list of entry points. */
#define ACCEL__HIP_API(X)                                                                   \
    X(hipError_t, hipInit, "hipInit", (unsigned flags))                                     \
    X(hipError_t, hipDriverGetVersion, "hipDriverGetVersion", (int *v))                     \
    X(hipError_t, hipRuntimeGetVersion, "hipRuntimeGetVersion", (int *v))                   \
    X(const char *, hipGetErrorName, "hipGetErrorName", (hipError_t e))                     \
    X(const char *, hipGetErrorString, "hipGetErrorString", (hipError_t e))                 \
    X(hipError_t, hipGetDeviceCount, "hipGetDeviceCount", (int *n))                         \
    X(hipError_t, hipDeviceGet, "hipDeviceGet", (hipDevice_t * d, int ordinal))             \
    X(hipError_t, hipDeviceGetName, "hipDeviceGetName", (char *name, int len, hipDevice_t d)) \
    X(hipError_t, hipDeviceGetPCIBusId, "hipDeviceGetPCIBusId", (char *id, int len, int d)) \
    X(hipError_t, hipDeviceTotalMem, "hipDeviceTotalMem", (size_t * bytes, hipDevice_t d))  \
    X(hipError_t, hipSetDevice, "hipSetDevice", (int ordinal))                              \
    X(hipError_t, hipMemGetInfo, "hipMemGetInfo", (size_t * free_b, size_t * total_b))      \
    X(hipError_t, hipMalloc, "hipMalloc", (void **p, size_t bytes))                         \
    X(hipError_t, hipFree, "hipFree", (void *p))                                            \
    X(hipError_t, hipHostMalloc, "hipHostMalloc", (void **p, size_t bytes, unsigned flags)) \
    X(hipError_t, hipHostFree, "hipHostFree", (void *p))                                    \
    X(hipError_t, hipMemcpyHtoD, "hipMemcpyHtoD", (hipDeviceptr_t dst, void *src, size_t n)) \
    X(hipError_t, hipMemcpyDtoH, "hipMemcpyDtoH", (void *dst, hipDeviceptr_t src, size_t n)) \
    X(hipError_t, hipMemcpyDtoD, "hipMemcpyDtoD",                                           \
      (hipDeviceptr_t dst, hipDeviceptr_t src, size_t n))                                   \
    X(hipError_t, hipModuleLoadData, "hipModuleLoadData", (hipModule_t * m, const void *image)) \
    X(hipError_t, hipModuleUnload, "hipModuleUnload", (hipModule_t m))                      \
    X(hipError_t, hipModuleGetFunction, "hipModuleGetFunction",                             \
      (hipFunction_t * f, hipModule_t m, const char *name))                                 \
    X(hipError_t, hipModuleLaunchKernel, "hipModuleLaunchKernel",                           \
      (hipFunction_t f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,    \
       unsigned bz, unsigned shared, hipStream_t s, void **params, void **extra))           \
    X(hipError_t, hipStreamCreate, "hipStreamCreate", (hipStream_t * s))                    \
    X(hipError_t, hipStreamDestroy, "hipStreamDestroy", (hipStream_t s))                    \
    X(hipError_t, hipStreamSynchronize, "hipStreamSynchronize", (hipStream_t s))            \
    X(hipError_t, hipEventCreate, "hipEventCreate", (hipEvent_t * e))                       \
    X(hipError_t, hipEventDestroy, "hipEventDestroy", (hipEvent_t e))                       \
    X(hipError_t, hipEventRecord, "hipEventRecord", (hipEvent_t e, hipStream_t s))          \
    X(hipError_t, hipEventSynchronize, "hipEventSynchronize", (hipEvent_t e))               \
    X(hipError_t, hipEventElapsedTime, "hipEventElapsedTime",                               \
      (float *ms, hipEvent_t a, hipEvent_t b))

typedef struct accel__hip_api {
    void *lib;
    char path[512]; /* the file the library resolved to */
#define ACCEL__HIP_PTR(ret, name, sym, params) ret(*name) params;
    ACCEL__HIP_API(ACCEL__HIP_PTR)
#undef ACCEL__HIP_PTR
} accel__hip_api;

/* Loads the HIP runtime once per process: $ACCEL_HIP_LIBRARY when set, else the first of
 * libamdhip64.so, libamdhip64.so.7, .so.6, .so.5 and /opt/rocm/lib/libamdhip64.so that loads.
 * Does not call hipInit. ACCEL_ERR_UNAVAILABLE with "libamdhip64.so not found (…)" when none
 * loads; ACCEL_ERR_VENDOR naming a missing symbol. Later calls return the same result.
 * Loading runs the library's initialisers: discovery calls this only inside a probe child. */
accel_status accel__hip_api_load(const accel__hip_api **out);

/* Turns a hipError_t into an accel status and records "what: hipErrorX (runtime's text)". */
accel_status accel__hip_check(const accel__hip_api *api, hipError_t r, const char *what,
                              const char *file, int line);
#define ACCEL_HIP(api, call, what) accel__hip_check((api), (api)->call, (what), __FILE__, __LINE__)

#endif
