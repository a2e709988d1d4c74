/* nvml_api.c — dlopen wrapper for NVML. Never linked: a machine without libnvidia-ml.so.1
 * still lists its CUDA devices, just without the management fields. Loaded once per process
 * (pthread_once), like the driver API wrapper. */
#include "backends/cuda/nvml_api.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

static accel__nvml_api api;
static accel_status load_status = ACCEL_ERR_UNAVAILABLE;
static char load_error[640];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    const char *name = "libnvidia-ml.so.1";
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        load_status = ACCEL_ERR_UNAVAILABLE;
        return;
    }
    struct link_map *lm = NULL;
    if (dlinfo(lib, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name)
        accel__strlcpy(api.path, lm->l_name, sizeof api.path);
#define ACCEL__NVML_SYM(ret, fname, sym, alt, req, params)                                   \
    *(void **)(&api.fname) = dlsym(lib, sym);                                                \
    if (!api.fname && alt) *(void **)(&api.fname) = dlsym(lib, alt ? alt : sym);             \
    if (!api.fname && req) {                                                                 \
        snprintf(load_error, sizeof load_error, "%.400s: symbol %s not found (driver too old?)", \
                 api.path[0] ? api.path : name, sym);                                        \
        dlclose(lib);                                                                        \
        memset(&api, 0, sizeof api);                                                         \
        load_status = ACCEL_ERR_VENDOR;                                                      \
        return;                                                                              \
    }
    ACCEL__NVML_API(ACCEL__NVML_SYM)
#undef ACCEL__NVML_SYM
    api.lib = lib;
    load_status = ACCEL_OK;
}

accel_status accel__nvml_api_load(const accel__nvml_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(load_status != ACCEL_OK, load_status, "%s", load_error);
    *out = &api;
    return ACCEL_OK;
}

static const char *error_name(nvmlReturn_t r)
{
    switch (r) {
    case ACCEL_NVML_ERROR_UNINITIALIZED: return "NVML_ERROR_UNINITIALIZED";
    case ACCEL_NVML_ERROR_INVALID_ARGUMENT: return "NVML_ERROR_INVALID_ARGUMENT";
    case ACCEL_NVML_ERROR_NOT_SUPPORTED: return "NVML_ERROR_NOT_SUPPORTED";
    case ACCEL_NVML_ERROR_NO_PERMISSION: return "NVML_ERROR_NO_PERMISSION";
    case ACCEL_NVML_ERROR_NOT_FOUND: return "NVML_ERROR_NOT_FOUND";
    case ACCEL_NVML_ERROR_INSUFFICIENT_SIZE: return "NVML_ERROR_INSUFFICIENT_SIZE";
    case ACCEL_NVML_ERROR_DRIVER_NOT_LOADED: return "NVML_ERROR_DRIVER_NOT_LOADED";
    case ACCEL_NVML_ERROR_TIMEOUT: return "NVML_ERROR_TIMEOUT";
    case ACCEL_NVML_ERROR_LIBRARY_NOT_FOUND: return "NVML_ERROR_LIBRARY_NOT_FOUND";
    case ACCEL_NVML_ERROR_FUNCTION_NOT_FOUND: return "NVML_ERROR_FUNCTION_NOT_FOUND";
    case ACCEL_NVML_ERROR_GPU_IS_LOST: return "NVML_ERROR_GPU_IS_LOST";
    case ACCEL_NVML_ERROR_UNKNOWN: return "NVML_ERROR_UNKNOWN";
    default: return "NVML error";
    }
}

accel_status accel__nvml_check(const accel__nvml_api *a, nvmlReturn_t r, const char *what,
                               const char *file, int line)
{
    if (r == ACCEL_NVML_SUCCESS) return ACCEL_OK;
    const char *text = a && a->nvmlErrorString ? a->nvmlErrorString(r) : NULL;
    accel_status st = ACCEL_ERR_VENDOR;
    switch (r) {
    case ACCEL_NVML_ERROR_DRIVER_NOT_LOADED:
    case ACCEL_NVML_ERROR_LIBRARY_NOT_FOUND:
    case ACCEL_NVML_ERROR_GPU_IS_LOST:
    case ACCEL_NVML_ERROR_NOT_FOUND: st = ACCEL_ERR_UNAVAILABLE; break;
    case ACCEL_NVML_ERROR_NOT_SUPPORTED: st = ACCEL_ERR_UNSUPPORTED; break;
    case ACCEL_NVML_ERROR_TIMEOUT: st = ACCEL_ERR_TIMEOUT; break;
    default: break;
    }
    return accel__set_error(st, file, line, "%s: %s (%d%s%s)", what, error_name(r), (int)r,
                            text ? ": " : "", text ? text : "");
}
