/* nvrtc_api.h — NVRTC, NVIDIA's run-time CUDA compiler (libnvrtc.so.*), behind dlopen. The
 * CUDA backend uses it when the library was built without nvcc (or the embedded fatbin has no
 * code the GPU can run). No CUDA header is needed: the few types are restated. */
#ifndef ACCEL_NVRTC_API_H
#define ACCEL_NVRTC_API_H

#include "core/internal.h"

typedef int nvrtcResult; /* NVRTC_SUCCESS == 0 */
typedef struct _nvrtcProgram *nvrtcProgram;

enum { ACCEL_NVRTC_SUCCESS = 0, ACCEL_NVRTC_ERROR_COMPILATION = 6 };

/* Environment variable naming the NVRTC library file to load instead of searching the
 * standard loader paths (for a toolkit outside them, e.g. <toolkit>/lib64/libnvrtc.so.13). */
#define ACCEL__ENV_NVRTC_PATH "ACCEL_NVRTC_PATH"

/* X(return, name, exported symbol, (parameters)) — entry points every NVRTC has (CUDA 7+). */
#define ACCEL__NVRTC_API(X)                                                                 \
    X(const char *, nvrtcGetErrorString, "nvrtcGetErrorString", (nvrtcResult r))            \
    X(nvrtcResult, nvrtcVersion, "nvrtcVersion", (int *major, int *minor))                  \
    X(nvrtcResult, nvrtcCreateProgram, "nvrtcCreateProgram",                                \
      (nvrtcProgram * p, const char *src, const char *name, int n_headers,                  \
       const char *const *headers, const char *const *include_names))                       \
    X(nvrtcResult, nvrtcDestroyProgram, "nvrtcDestroyProgram", (nvrtcProgram * p))          \
    X(nvrtcResult, nvrtcCompileProgram, "nvrtcCompileProgram",                              \
      (nvrtcProgram p, int n_options, const char *const *options))                          \
    X(nvrtcResult, nvrtcGetPTXSize, "nvrtcGetPTXSize", (nvrtcProgram p, size_t * n))        \
    X(nvrtcResult, nvrtcGetPTX, "nvrtcGetPTX", (nvrtcProgram p, char *ptx))                 \
    X(nvrtcResult, nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize",                        \
      (nvrtcProgram p, size_t * n))                                                         \
    X(nvrtcResult, nvrtcGetProgramLog, "nvrtcGetProgramLog", (nvrtcProgram p, char *log))

/* Entry points of newer NVRTC versions; NULL when the loaded library lacks them.
 * GetCUBIN: 11.1+. Supported architectures: 11.2+. */
#define ACCEL__NVRTC_API_OPTIONAL(X)                                                        \
    X(nvrtcResult, nvrtcGetCUBINSize, "nvrtcGetCUBINSize", (nvrtcProgram p, size_t * n))    \
    X(nvrtcResult, nvrtcGetCUBIN, "nvrtcGetCUBIN", (nvrtcProgram p, char *cubin))           \
    X(nvrtcResult, nvrtcGetNumSupportedArchs, "nvrtcGetNumSupportedArchs", (int *n))        \
    X(nvrtcResult, nvrtcGetSupportedArchs, "nvrtcGetSupportedArchs", (int *archs))

typedef struct accel__nvrtc_api {
    void *lib;
    char path[512]; /* the file the library resolved to */
    int major, minor; /* nvrtcVersion() */
#define ACCEL__NVRTC_PTR(ret, name, sym, params) ret(*name) params;
    ACCEL__NVRTC_API(ACCEL__NVRTC_PTR)
    ACCEL__NVRTC_API_OPTIONAL(ACCEL__NVRTC_PTR)
#undef ACCEL__NVRTC_PTR
} accel__nvrtc_api;

/* Loads NVRTC once per process: the file named by $ACCEL_NVRTC_PATH when set, else the first
 * of libnvrtc.so.13, libnvrtc.so.12, libnvrtc.so.11.2, libnvrtc.so found by the dynamic
 * loader. Returns ACCEL_ERR_UNAVAILABLE naming every name tried when none loads, and
 * ACCEL_ERR_VENDOR naming a missing symbol. Later calls return the same result. */
accel_status accel__nvrtc_api_load(const accel__nvrtc_api **out);

/* Turns an nvrtcResult into an accel status (ACCEL_ERR_KERNEL for compilation errors,
 * ACCEL_ERR_NO_MEMORY for out of memory, ACCEL_ERR_VENDOR otherwise) and records
 * "what: NVRTC_ERROR_X". */
accel_status accel__nvrtc_check(const accel__nvrtc_api *api, nvrtcResult r, const char *what,
                                const char *file, int line);
#define ACCEL_NVRTC(api, call, what)                                                        \
    accel__nvrtc_check((api), (api)->call, (what), __FILE__, __LINE__)

#endif
