/* cudart_api.c — dlopen wrapper for the few CUDA runtime calls the doctor makes. The handle
 * comes from the caller (a probe child that loaded the library the loader chose), so the
 * version read is that of the file a program would really get. */
#include "vendor/cudart_api.h"

#include <dlfcn.h>
#include <string.h>

accel_status accel__cudart_api_bind(void *lib, accel__cudart_api *api)
{
    memset(api, 0, sizeof *api);
#define ACCEL__CUDART_SYM(ret, fname, sym, params)                                           \
    *(void **)(&api->fname) = dlsym(lib, sym);                                               \
    RETURN_ERROR_IF(!api->fname, ACCEL_ERR_VENDOR, "libcudart: symbol %s not found", sym);
    ACCEL__CUDART_API(ACCEL__CUDART_SYM)
#undef ACCEL__CUDART_SYM
    return ACCEL_OK;
}

int accel__cudart_probe(void *lib, accel__probe_chan *chan, accel__lib_probe_out *out)
{
    accel__cudart_api api;
    if (accel__cudart_api_bind(lib, &api) != ACCEL_OK) {
        accel__probe_fail(chan, "%s", accel__last_error_text());
        return 3;
    }
    accel__probe_step(chan, "calling cudaRuntimeGetVersion");
    int v = 0;
    cudaError_t e = api.cudaRuntimeGetVersion(&v);
    if (e != 0 || v <= 0) {
        const char *msg = e ? api.cudaGetErrorString(e) : "returned no version";
        accel__probe_fail(chan, "cudaRuntimeGetVersion failed: %s (%d)", msg ? msg : "?", e);
        return 3;
    }
    /* CUDA encodes versions as 1000*major + 10*minor. */
    snprintf(out->version, sizeof out->version, "%d.%d", v / 1000, (v % 1000) / 10);
    accel__strlcpy(out->version_source, "cudaRuntimeGetVersion()", sizeof out->version_source);
    out->version_number = v;
    out->cuda_version = v;
    return 0;
}
