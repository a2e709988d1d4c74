/* cuda_api.c — dlopen wrapper for the CUDA driver API. The library is never linked: a machine
 * without it simply has zero CUDA devices. The load runs once per process (pthread_once). */
#include "backends/cuda/cuda_api.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

static accel__cuda_api api;
static accel_status load_status = ACCEL_ERR_UNAVAILABLE;
static char load_error[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void missing_symbol(void *lib, const char *name, const char *sym)
{
    char where[sizeof api.path];
    accel__strlcpy(where, api.path[0] ? api.path : name, sizeof where);
    snprintf(load_error, sizeof load_error, "%.400s: symbol %.64s not found (driver too old?)",
             where, sym);
    dlclose(lib);
    memset(&api, 0, sizeof api);
    load_status = ACCEL_ERR_VENDOR;
}

static void load(void)
{
    const char *name = "libcuda.so.1";
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        load_status = ACCEL_ERR_UNAVAILABLE;
        return;
    }
    struct link_map *lm = NULL;
    if (dlinfo(lib, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name)
        accel__strlcpy(api.path, lm->l_name, sizeof api.path);
#define ACCEL__CUDA_SYM(ret, fname, sym, params)                                             \
    *(void **)(&api.fname) = dlsym(lib, sym);                                                \
    if (!api.fname) {                                                                        \
        missing_symbol(lib, name, sym);                                                      \
        return;                                                                              \
    }
    ACCEL__CUDA_API(ACCEL__CUDA_SYM)
#undef ACCEL__CUDA_SYM
    api.lib = lib;
    load_status = ACCEL_OK;
}

accel_status accel__cuda_api_load(const accel__cuda_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(load_status != ACCEL_OK, load_status, "%s", load_error);
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
    struct link_map *lm = NULL;
    if (dlinfo(lib, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name)
        accel__strlcpy(path, lm->l_name, cap);
    dlclose(lib);
    return 1;
}
