/* hip_api.c — dlopen wrapper for the HIP runtime. Never linked: a machine without ROCm lists
 * its AMD GPUs (from sysfs) as unusable with the reason, instead of failing to start. */
#include "backends/hip/hip_api.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

static accel__hip_api api;
static accel_status load_status = ACCEL_ERR_UNAVAILABLE;
static char load_error[1024];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The unversioned name first (it points at the ROCm the system chose), then newest first. */
static const char *const names[] = {"libamdhip64.so", "libamdhip64.so.7", "libamdhip64.so.6",
                                    "libamdhip64.so.5", "/opt/rocm/lib/libamdhip64.so"};

static void *open_library(void)
{
    const char *forced = getenv(ACCEL__ENV_HIP_LIBRARY);
    if (forced && *forced) {
        void *lib = dlopen(forced, RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            snprintf(load_error, sizeof load_error, "libamdhip64.so not found (%s: %s)",
                     ACCEL__ENV_HIP_LIBRARY, dlerror());
        return lib;
    }
    /* "No such file" for every name is the common case and says nothing; a library that is
     * there but fails to load (a missing dependency, a wrong architecture) is the news. */
    char news[512] = "";
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (lib) return lib;
        const char *e = dlerror();
        if (!news[0] && e && !strstr(e, "No such file or directory"))
            accel__strlcpy(news, e, sizeof news);
    }
    snprintf(load_error, sizeof load_error,
             "libamdhip64.so not found (tried libamdhip64.so, .so.7, .so.6, .so.5 and "
             "/opt/rocm/lib%s%s)",
             news[0] ? "; " : "", news);
    return NULL;
}

static void load(void)
{
    void *lib = open_library();
    if (!lib) {
        load_status = ACCEL_ERR_UNAVAILABLE;
        return;
    }
    struct link_map *lm = NULL;
    if (dlinfo(lib, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name)
        accel__strlcpy(api.path, lm->l_name, sizeof api.path);
#define ACCEL__HIP_SYM(ret, fname, sym, params)                                             \
    *(void **)(&api.fname) = dlsym(lib, sym);                                               \
    if (!api.fname) {                                                                       \
        snprintf(load_error, sizeof load_error, "%.400s: symbol %s not found (HIP too old?)", \
                 api.path, sym);                                                            \
        dlclose(lib);                                                                       \
        memset(&api, 0, sizeof api);                                                        \
        load_status = ACCEL_ERR_VENDOR;                                                     \
        return;                                                                             \
    }
    ACCEL__HIP_API(ACCEL__HIP_SYM)
#undef ACCEL__HIP_SYM
    api.lib = lib;
    load_status = ACCEL_OK;
}

accel_status accel__hip_api_load(const accel__hip_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(load_status != ACCEL_OK, load_status, "%s", load_error);
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
