/* nvrtc_api.c — dlopen wrapper for NVRTC. The library is optional: without it (and without an
 * embedded fatbin) CUDA devices still serve memory operations but run no kernels. Loaded once
 * per process; the sonames are tried newest first so the compiler matches recent drivers. */
#include "backends/cuda/nvrtc_api.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

static accel__nvrtc_api api;
static accel_status load_status = ACCEL_ERR_UNAVAILABLE;
static char load_error[1024];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *const sonames[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2",
                                      "libnvrtc.so"};

static void *open_library(void)
{
    const char *forced = getenv(ACCEL__ENV_NVRTC_PATH);
    if (forced && *forced) {
        void *lib = dlopen(forced, RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            snprintf(load_error, sizeof load_error, "%s=%s: %s", ACCEL__ENV_NVRTC_PATH, forced,
                     dlerror());
        return lib;
    }
    size_t used = (size_t)snprintf(load_error, sizeof load_error, "libnvrtc not found (tried");
    for (size_t i = 0; i < sizeof sonames / sizeof *sonames; i++) {
        void *lib = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (lib) return lib;
        if (used < sizeof load_error)
            used += (size_t)snprintf(load_error + used, sizeof load_error - used, "%s %s",
                                     i ? "," : "", sonames[i]);
    }
    if (used < sizeof load_error)
        snprintf(load_error + used, sizeof load_error - used,
                 " through the dynamic loader; set %s to a libnvrtc file elsewhere)",
                 ACCEL__ENV_NVRTC_PATH);
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
#define ACCEL__NVRTC_SYM(ret, fname, sym, params)                                           \
    *(void **)(&api.fname) = dlsym(lib, sym);                                               \
    if (!api.fname) {                                                                       \
        snprintf(load_error, sizeof load_error, "%.400s: symbol %s not found", api.path,    \
                 sym);                                                                      \
        dlclose(lib);                                                                       \
        memset(&api, 0, sizeof api);                                                        \
        load_status = ACCEL_ERR_VENDOR;                                                     \
        return;                                                                             \
    }
    ACCEL__NVRTC_API(ACCEL__NVRTC_SYM)
#undef ACCEL__NVRTC_SYM
#define ACCEL__NVRTC_OPT(ret, fname, sym, params) *(void **)(&api.fname) = dlsym(lib, sym);
    ACCEL__NVRTC_API_OPTIONAL(ACCEL__NVRTC_OPT)
#undef ACCEL__NVRTC_OPT
    if (api.nvrtcVersion(&api.major, &api.minor) != ACCEL_NVRTC_SUCCESS) {
        snprintf(load_error, sizeof load_error, "%.400s: nvrtcVersion failed", api.path);
        dlclose(lib);
        memset(&api, 0, sizeof api);
        load_status = ACCEL_ERR_VENDOR;
        return;
    }
    api.lib = lib;
    load_status = ACCEL_OK;
}

accel_status accel__nvrtc_api_load(const accel__nvrtc_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(load_status != ACCEL_OK, load_status, "%s", load_error);
    *out = &api;
    return ACCEL_OK;
}

accel_status accel__nvrtc_check(const accel__nvrtc_api *a, nvrtcResult r, const char *what,
                                const char *file, int line)
{
    if (r == ACCEL_NVRTC_SUCCESS) return ACCEL_OK;
    const char *text = a && a->nvrtcGetErrorString ? a->nvrtcGetErrorString(r) : NULL;
    accel_status st = r == 1 ? ACCEL_ERR_NO_MEMORY
                      : r == ACCEL_NVRTC_ERROR_COMPILATION ? ACCEL_ERR_KERNEL
                                                           : ACCEL_ERR_VENDOR;
    return accel__set_error(st, file, line, "%s: %s (%d)", what, text ? text : "NVRTC error",
                            (int)r);
}
