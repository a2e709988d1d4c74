/* hip_api.c — dlopen wrapper for the HIP runtime. Never linked: a machine without ROCm lists
 * its AMD GPUs (from sysfs) as unusable with the reason, instead of failing to start. */
#include "vendor/hip_api.h"

#include "vendor/dl_open.h"

#include <string.h>

static accel__hip_api api;
static accel__dl_lib dl;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The unversioned name first (it points at the ROCm the system chose), then newest first. */
static const char *const names[] = {"libamdhip64.so", "libamdhip64.so.7", "libamdhip64.so.6",
                                    "libamdhip64.so.5", "/opt/rocm/lib/libamdhip64.so"};

static void load(void)
{
    if (accel__dl_open(&dl, ACCEL__ENV_HIP_LIBRARY, names, sizeof names / sizeof *names,
                       "libamdhip64.so", NULL) != ACCEL_OK)
        return;
#define ACCEL__HIP_SYM(ret, fname, sym, params)                                             \
    if (!accel__dl_sym(&dl, &api.fname, sym, NULL, 1, " (HIP too old?)")) goto fail;
    ACCEL__HIP_API(ACCEL__HIP_SYM)
#undef ACCEL__HIP_SYM
    api.lib = dl.handle;
    accel__strlcpy(api.path, dl.path, sizeof api.path);
    return;
fail:
    memset(&api, 0, sizeof api);
}

accel_status accel__hip_api_load(const accel__hip_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(dl.status != ACCEL_OK, dl.status, "%s", dl.error);
    *out = &api;
    return ACCEL_OK;
}

accel_status accel__hip_check(const accel__hip_api *a, hipError_t r, const char *what,
                              const char *file, int line)
{
    if (r == ACCEL_HIP_SUCCESS) return ACCEL_OK;
    const char *name = a && a->hipGetErrorName ? a->hipGetErrorName(r) : NULL;
    const char *text = a && a->hipGetErrorString ? a->hipGetErrorString(r) : NULL;
    accel_status st = ACCEL_ERR_VENDOR;
    switch (r) {
    case ACCEL_HIP_ERROR_OUT_OF_MEMORY: st = ACCEL_ERR_DEVICE_OOM; break;
    case ACCEL_HIP_ERROR_NOT_INITIALIZED:
    case ACCEL_HIP_ERROR_INSUFFICIENT_DRIVER:
    case ACCEL_HIP_ERROR_NO_DEVICE:
    case ACCEL_HIP_ERROR_INVALID_DEVICE: st = ACCEL_ERR_UNAVAILABLE; break;
    case ACCEL_HIP_ERROR_INVALID_IMAGE:
    case ACCEL_HIP_ERROR_NO_BINARY_FOR_GPU:
    case ACCEL_HIP_ERROR_ILLEGAL_ADDRESS:
    case ACCEL_HIP_ERROR_LAUNCH_OUT_OF_RESOURCES:
    case ACCEL_HIP_ERROR_LAUNCH_FAILURE: st = ACCEL_ERR_KERNEL; break;
    default: break;
    }
    return accel__set_error(st, file, line, "%s: %s (%d%s%s)", what, name ? name : "HIP error",
                            (int)r, text ? ": " : "", text ? text : "");
}
