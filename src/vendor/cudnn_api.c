/* cudnn_api.c — dlopen wrapper for the cuDNN calls the doctor makes in its probe child. */
#include "vendor/cudnn_api.h"

#include <dlfcn.h>
#include <string.h>

accel_status accel__cudnn_api_bind(void *lib, accel__cudnn_api *api)
{
    memset(api, 0, sizeof *api);
#define ACCEL__CUDNN_SYM(ret, fname, sym, params)                                            \
    *(void **)(&api->fname) = dlsym(lib, sym);                                               \
    RETURN_ERROR_IF(!api->fname, ACCEL_ERR_VENDOR, "libcudnn: symbol %s not found", sym);
    ACCEL__CUDNN_API(ACCEL__CUDNN_SYM)
#undef ACCEL__CUDNN_SYM
    return ACCEL_OK;
}

void accel__cudnn_version_text(size_t v, char *buf, size_t cap)
{
    if (v >= 90000)
        snprintf(buf, cap, "%zu.%zu.%zu", v / 10000, (v % 10000) / 100, v % 100);
    else
        snprintf(buf, cap, "%zu.%zu.%zu", v / 1000, (v % 1000) / 100, v % 100);
}

int accel__cudnn_probe(void *lib, accel__probe_chan *chan, accel__lib_probe_out *out)
{
    accel__cudnn_api api;
    if (accel__cudnn_api_bind(lib, &api) != ACCEL_OK) {
        accel__probe_fail(chan, "%s", accel__last_error_text());
        return 3;
    }
    accel__probe_step(chan, "calling cudnnGetVersion");
    size_t v = api.cudnnGetVersion();
    accel__cudnn_version_text(v, out->version, sizeof out->version);
    accel__strlcpy(out->version_source, "cudnnGetVersion()", sizeof out->version_source);
    out->version_number = (long long)v;
    accel__probe_step(chan, "calling cudnnGetCudartVersion");
    out->cuda_version = (long long)api.cudnnGetCudartVersion();
    /* The first call into a sub-library: this is where a missing libcudnn_ops aborts. */
    accel__probe_step(chan, "calling cudnnCreateTensorDescriptor (cuDNN loads libcudnn_ops here)");
    cudnnTensorDescriptor_t d = NULL;
    cudnnStatus_t s = api.cudnnCreateTensorDescriptor(&d);
    if (s != 0) {
        const char *msg = api.cudnnGetErrorString(s);
        accel__probe_fail(chan, "cudnnCreateTensorDescriptor failed: %s (%d)", msg ? msg : "?", s);
        return 3;
    }
    api.cudnnDestroyTensorDescriptor(d);
    accel__strlcpy(out->note, "a tensor descriptor was created (libcudnn_ops loaded)",
                   sizeof out->note);
    return 0;
}
