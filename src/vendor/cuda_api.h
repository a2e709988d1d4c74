/* cuda_api.h — the CUDA driver API (libcuda.so.1) behind dlopen. Every entry point accel uses
 * has a typedef and a pointer here; accel__cuda_api_load() resolves them all, preferring the
 * _v2 names the driver exports. No CUDA header is needed: the few types are restated. */
#ifndef ACCEL_CUDA_API_H
#define ACCEL_CUDA_API_H

#include "core/internal.h"

#include <stddef.h>

typedef int CUresult; /* CUDA_SUCCESS == 0 */
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef unsigned long long CUdeviceptr;
typedef struct {
    char bytes[16];
} CUuuid;

enum {
    ACCEL_CU_SUCCESS = 0,
    ACCEL_CU_ERROR_OUT_OF_MEMORY = 2,
    ACCEL_CU_ERROR_NOT_INITIALIZED = 3,
    ACCEL_CU_ERROR_NO_DEVICE = 100,
    ACCEL_CU_ERROR_INVALID_DEVICE = 101,
    ACCEL_CU_ERROR_NO_BINARY_FOR_GPU = 209,
    ACCEL_CU_ERROR_LAUNCH_FAILED = 719,
};

/* CUdevice_attribute values used by accel (from the driver API's stable numbering). */
enum {
    ACCEL_CU_ATTR_MAX_THREADS_PER_BLOCK = 1,
    ACCEL_CU_ATTR_MAX_SHARED_MEMORY_PER_BLOCK = 8,
    ACCEL_CU_ATTR_CLOCK_RATE = 13,
    ACCEL_CU_ATTR_MULTIPROCESSOR_COUNT = 16,
    ACCEL_CU_ATTR_INTEGRATED = 18,
    ACCEL_CU_ATTR_PCI_BUS_ID = 33,
    ACCEL_CU_ATTR_PCI_DEVICE_ID = 34,
    ACCEL_CU_ATTR_MEMORY_CLOCK_RATE = 36,
    ACCEL_CU_ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37,
    ACCEL_CU_ATTR_PCI_DOMAIN_ID = 50,
    ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MAJOR = 75,
    ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MINOR = 76,
};

/* X(return, name, exported symbol, (parameters)) — the list of entry points. */
#define ACCEL__CUDA_API(X)                                                                  \
    X(CUresult, cuInit, "cuInit", (unsigned int flags))                                     \
    X(CUresult, cuDriverGetVersion, "cuDriverGetVersion", (int *version))                   \
    X(CUresult, cuGetErrorName, "cuGetErrorName", (CUresult e, const char **s))             \
    X(CUresult, cuGetErrorString, "cuGetErrorString", (CUresult e, const char **s))         \
    X(CUresult, cuDeviceGetCount, "cuDeviceGetCount", (int *count))                         \
    X(CUresult, cuDeviceGet, "cuDeviceGet", (CUdevice * dev, int ordinal))                  \
    X(CUresult, cuDeviceGetName, "cuDeviceGetName", (char *name, int len, CUdevice dev))    \
    X(CUresult, cuDeviceGetAttribute, "cuDeviceGetAttribute", (int *v, int attr, CUdevice dev)) \
    X(CUresult, cuDeviceTotalMem, "cuDeviceTotalMem_v2", (size_t * bytes, CUdevice dev))    \
    X(CUresult, cuDeviceGetPCIBusId, "cuDeviceGetPCIBusId", (char *id, int len, CUdevice dev)) \
    X(CUresult, cuDeviceGetUuid, "cuDeviceGetUuid", (CUuuid * uuid, CUdevice dev))          \
    X(CUresult, cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", (CUcontext * c, CUdevice d)) \
    X(CUresult, cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", (CUdevice d))    \
    X(CUresult, cuCtxCreate, "cuCtxCreate_v2", (CUcontext * c, unsigned flags, CUdevice d)) \
    X(CUresult, cuCtxDestroy, "cuCtxDestroy_v2", (CUcontext c))                             \
    X(CUresult, cuCtxSetCurrent, "cuCtxSetCurrent", (CUcontext c))                          \
    X(CUresult, cuCtxSynchronize, "cuCtxSynchronize", (void))                               \
    X(CUresult, cuMemGetInfo, "cuMemGetInfo_v2", (size_t * free_b, size_t * total_b))       \
    X(CUresult, cuMemAlloc, "cuMemAlloc_v2", (CUdeviceptr * p, size_t bytes))               \
    X(CUresult, cuMemFree, "cuMemFree_v2", (CUdeviceptr p))                                 \
    X(CUresult, cuMemAllocHost, "cuMemAllocHost_v2", (void **p, size_t bytes))              \
    X(CUresult, cuMemFreeHost, "cuMemFreeHost", (void *p))                                  \
    X(CUresult, cuMemcpyHtoD, "cuMemcpyHtoD_v2", (CUdeviceptr dst, const void *src, size_t n)) \
    X(CUresult, cuMemcpyDtoH, "cuMemcpyDtoH_v2", (void *dst, CUdeviceptr src, size_t n))    \
    X(CUresult, cuMemcpyDtoD, "cuMemcpyDtoD_v2", (CUdeviceptr dst, CUdeviceptr src, size_t n)) \
    X(CUresult, cuMemsetD8, "cuMemsetD8_v2", (CUdeviceptr dst, unsigned char v, size_t n))  \
    X(CUresult, cuModuleLoadData, "cuModuleLoadData", (CUmodule * m, const void *image))    \
    X(CUresult, cuModuleUnload, "cuModuleUnload", (CUmodule m))                             \
    X(CUresult, cuModuleGetFunction, "cuModuleGetFunction",                                 \
      (CUfunction * f, CUmodule m, const char *name))                                       \
    X(CUresult, cuLaunchKernel, "cuLaunchKernel",                                           \
      (CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,       \
       unsigned bz, unsigned shared, CUstream s, void **params, void **extra))              \
    X(CUresult, cuStreamCreate, "cuStreamCreate", (CUstream * s, unsigned flags))           \
    X(CUresult, cuStreamDestroy, "cuStreamDestroy_v2", (CUstream s))                        \
    X(CUresult, cuStreamSynchronize, "cuStreamSynchronize", (CUstream s))                   \
    X(CUresult, cuEventCreate, "cuEventCreate", (CUevent * e, unsigned flags))              \
    X(CUresult, cuEventDestroy, "cuEventDestroy_v2", (CUevent e))                           \
    X(CUresult, cuEventRecord, "cuEventRecord", (CUevent e, CUstream s))                    \
    X(CUresult, cuEventSynchronize, "cuEventSynchronize", (CUevent e))                      \
    X(CUresult, cuEventElapsedTime, "cuEventElapsedTime", (float *ms, CUevent a, CUevent b))

typedef struct accel__cuda_api {
    void *lib;           /* dlopen handle */
    char path[512];      /* the file libcuda.so.1 resolved to (link map) */
#define ACCEL__CUDA_PTR(ret, name, sym, params) ret(*name) params;
    ACCEL__CUDA_API(ACCEL__CUDA_PTR)
#undef ACCEL__CUDA_PTR
} accel__cuda_api;

/* Loads libcuda.so.1 and resolves every entry point. Returns ACCEL_ERR_UNAVAILABLE with
 * "libcuda.so.1: <dlerror>" when the library is absent, and
 * ACCEL_ERR_VENDOR naming the symbol when one is missing. Does not call cuInit. The table is
 * process-wide and loaded once; later calls return the same table. */
accel_status accel__cuda_api_load(const accel__cuda_api **out);

/* cuDriverGetVersion() alone, for a library whose full table did not load (a missing entry
 * point): the version, or -1 when the library or that symbol is absent. Loads libcuda.so.1,
 * so its constructors run: call it only inside a probe child. */
int accel__cuda_driver_version_only(void);

/* 1 when libcuda.so.1 is already loaded in this process (by accel or by the application),
 * with the file's path in `path`; 0 otherwise. Loads nothing and runs no vendor code. */
int accel__cuda_api_loaded_path(char *path, size_t cap);

/* Turns a CUresult into an accel status and records "what: CUDA_ERROR_X (driver's text)". */
accel_status accel__cuda_check(const accel__cuda_api *api, CUresult r, const char *what,
                               const char *file, int line);
#define ACCEL_CU(api, call, what) accel__cuda_check((api), (api)->call, (what), __FILE__, __LINE__)

#endif
