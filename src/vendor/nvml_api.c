/* nvml_api.c — dlopen wrapper for NVML. Never linked: a machine without libnvidia-ml.so.1
 * still lists its CUDA devices, just without the management fields. Loaded once per process
 * (pthread_once), like the driver API wrapper. */
#include "vendor/nvml_api.h"

#include "vendor/dl_open.h"

#include <string.h>

static accel__nvml_api api;
static accel__dl_lib dl;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char *const names[] = {"libnvidia-ml.so.1"};
    if (accel__dl_open(&dl, NULL, names, 1, "libnvidia-ml.so.1", NULL) != ACCEL_OK) return;
#define ACCEL__NVML_SYM(ret, fname, sym, alt, req, params)                                   \
    if (!accel__dl_sym(&dl, &api.fname, sym, alt, req, " (driver too old?)")) goto fail;
    ACCEL__NVML_API(ACCEL__NVML_SYM)
#undef ACCEL__NVML_SYM
    api.lib = dl.handle;
    accel__strlcpy(api.path, dl.path, sizeof api.path);
    return;
fail:
    memset(&api, 0, sizeof api);
}

accel_status accel__nvml_api_load(const accel__nvml_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(dl.status != ACCEL_OK, dl.status, "%s", dl.error);
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
