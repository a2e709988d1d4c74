/* nvrtc_api.c — dlopen wrapper for NVRTC. The library is optional: without it (and without an
 * embedded fatbin) CUDA devices still serve memory operations but run no kernels. Loaded once
 * per process; the sonames are tried newest first so the compiler matches recent drivers. */
#include "vendor/nvrtc_api.h"

#include "vendor/dl_open.h"

#include <string.h>

static accel__nvrtc_api api;
static accel__dl_lib dl;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *const sonames[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2",
                                      "libnvrtc.so"};

static void load(void)
{
    if (accel__dl_open(&dl, ACCEL__ENV_NVRTC_PATH, sonames, sizeof sonames / sizeof *sonames,
                       "libnvrtc",
                       " through the dynamic loader; set " ACCEL__ENV_NVRTC_PATH
                       " to a libnvrtc file elsewhere") != ACCEL_OK)
        return;
#define ACCEL__NVRTC_SYM(ret, fname, sym, params)                                           \
    if (!accel__dl_sym(&dl, &api.fname, sym, NULL, 1, NULL)) goto fail;
    ACCEL__NVRTC_API(ACCEL__NVRTC_SYM)
#undef ACCEL__NVRTC_SYM
#define ACCEL__NVRTC_OPT(ret, fname, sym, params) accel__dl_sym(&dl, &api.fname, sym, NULL, 0, NULL);
    ACCEL__NVRTC_API_OPTIONAL(ACCEL__NVRTC_OPT)
#undef ACCEL__NVRTC_OPT
    if (api.nvrtcVersion(&api.major, &api.minor) != ACCEL_NVRTC_SUCCESS) {
        accel__dl_fail(&dl, "nvrtcVersion failed");
        goto fail;
    }
    api.lib = dl.handle;
    accel__strlcpy(api.path, dl.path, sizeof api.path);
    return;
fail:
    memset(&api, 0, sizeof api);
}

accel_status accel__nvrtc_api_load(const accel__nvrtc_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(dl.status != ACCEL_OK, dl.status, "%s", dl.error);
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
