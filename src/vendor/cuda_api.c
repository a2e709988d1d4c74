/* cuda_api.c — dlopen wrapper for the CUDA driver API. The library is never linked: a machine
 * without it simply has zero CUDA devices. The load runs once per process (pthread_once). */
#include "vendor/cuda_api.h"

#include "vendor/dl_open.h"

#include <dlfcn.h>
#include <string.h>

static accel__cuda_api api;
static accel__dl_lib dl;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char *const names[] = {"libcuda.so.1"};
    if (accel__dl_open(&dl, NULL, names, 1, "libcuda.so.1", NULL) != ACCEL_OK) return;
#define ACCEL__CUDA_SYM(ret, fname, sym, params)                                             \
    if (!accel__dl_sym(&dl, &api.fname, sym, NULL, 1, " (driver too old?)")) goto fail;
    ACCEL__CUDA_API(ACCEL__CUDA_SYM)
#undef ACCEL__CUDA_SYM
    api.lib = dl.handle;
    accel__strlcpy(api.path, dl.path, sizeof api.path);
    return;
fail:
    memset(&api, 0, sizeof api);
}

accel_status accel__cuda_api_load(const accel__cuda_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(dl.status != ACCEL_OK, dl.status, "%s", dl.error);
    *out = &api;
    return ACCEL_OK;
}

accel_status accel__cuda_check(const accel__cuda_api *a, CUresult r, const char *what,
                               const char *file, int line)
{
    if (r == ACCEL_CU_SUCCESS) return ACCEL_OK;
    const char *name = NULL, *text = NULL;
    if (a && a->cuGetErrorName) a->cuGetErrorName(r, &name);
    if (a && a->cuGetErrorString) a->cuGetErrorString(r, &text);
    accel_status st = ACCEL_ERR_VENDOR;
    switch (r) {
    case ACCEL_CU_ERROR_OUT_OF_MEMORY: st = ACCEL_ERR_DEVICE_OOM; break;
    case ACCEL_CU_ERROR_NO_DEVICE:
    case ACCEL_CU_ERROR_INVALID_DEVICE:
    case ACCEL_CU_ERROR_NOT_INITIALIZED: st = ACCEL_ERR_UNAVAILABLE; break;
    case ACCEL_CU_ERROR_NO_BINARY_FOR_GPU:
    case ACCEL_CU_ERROR_LAUNCH_FAILED: st = ACCEL_ERR_KERNEL; break;
    default: break;
    }
    return accel__set_error(st, file, line, "%s: %s (%d%s%s)", what, name ? name : "CUDA error",
                            (int)r, text ? ": " : "", text ? text : "");
}

int accel__cuda_driver_version_only(void)
{
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return -1;
    CUresult (*get)(int *) = NULL;
    *(void **)(&get) = dlsym(lib, "cuDriverGetVersion");
    int v = -1;
    if (!get || get(&v) != ACCEL_CU_SUCCESS) v = -1;
    dlclose(lib);
    return v;
}

int accel__cuda_api_loaded_path(char *path, size_t cap)
{
    if (cap) path[0] = '\0';
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!lib) {
        dlerror(); /* clear it */
        return 0;
    }
    accel__dl_path(lib, path, cap);
    dlclose(lib);
    return 1;
}
